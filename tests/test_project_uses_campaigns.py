"""One function behind each number: chapter 7's campaign figures are chapter 5's functions.

``crmkit.project`` used to keep its own copies of ``trigger_family`` and of the pooled
uplift. These tests run the project functions and the campaigns functions on the same
course-market tables and require the same numbers, computed along a different path
(``uplift`` on targets relabelled as one campaign, not ``pooled_uplift``), and check that
no copy came back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import campaigns, datasets, project


@pytest.fixture(scope="module")
def tables():
    m = datasets.load_market(tables=["campaigns", "campaign_targets"])
    return m.campaigns, m.campaign_targets


def _as_one_campaign(targets: pd.DataFrame) -> pd.Series:
    """:func:`crmkit.campaigns.uplift` of ``targets`` read as a single campaign."""
    one = targets.assign(campaign_id=0, customer_id=np.arange(len(targets)))
    return campaigns.uplift(one).iloc[0]


def _flat_years(camp: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same customer flows every year of the campaigns, and one contact a year: the
    other inputs of project.kpi_measures."""
    years = pd.Index(sorted(camp["start_date"].dt.year.unique()), name="year")
    split = pd.DataFrame({"start_stock": 100.0, "acquired": 10.0, "churned_new": 1.0,
                          "retention_rate": 0.9, "existing_revenue_share": 0.9,
                          "cross_sold_contracts": 5.0, "margin": 1000.0}, index=years)
    interactions = pd.DataFrame({"date": pd.to_datetime([f"{y}-06-01" for y in years]),
                                 "cost": 10.0})
    return split, interactions


def test_saved_customers_and_their_cost_are_the_campaign_functions(tables):
    camp, targets = tables
    family = campaigns.trigger_family(camp)
    retention = camp.loc[family == "churn_risk"]
    assert len(retention) >= 2  # several campaigns pooled, or the test proves little
    rt = targets.loc[targets["campaign_id"].isin(retention["campaign_id"])]
    s = project.cost_per_saved_customer(camp, targets, gesture_cost=15.0)
    u = _as_one_campaign(rt)
    n = float(u["n_test"])
    assert s.contacts == int(n) == int((rt["group"].astype(str) == "test").sum())
    np.testing.assert_allclose([s.saved, s.saved_low, s.saved_high],
                               [u["uplift"] * n, u["ci_low"] * n, u["ci_high"] * n], rtol=1e-12)
    roi = campaigns.campaign_roi(rt, retention, margin_per_conversion=0.0)
    accepted = rt.loc[rt["group"].astype(str) == "test", "responded"].sum()
    assert s.cost == pytest.approx(roi["cost"].sum() + 15.0 * accepted, rel=1e-12)
    assert s.saved > 0  # the market's retention calls do keep customers


def test_campaign_lift_of_each_year_is_the_uplift_of_its_campaigns(tables):
    camp, targets = tables
    split, interactions = _flat_years(camp)
    lift = project.kpi_measures(split, interactions, camp, targets)["campaign_lift"]
    kept = camp.loc[campaigns.trigger_family(camp) != "churn_risk"]
    checked = 0
    for year in split.index:
        ids = kept.loc[kept["start_date"].dt.year == year, "campaign_id"]
        u = _as_one_campaign(targets.loc[targets["campaign_id"].isin(ids)])
        if u["rate_control"] > 0:
            assert lift[year] == pytest.approx(u["rate_test"] / u["rate_control"], rel=1e-12)
            checked += 1
        else:  # documented: no lift when the control group never converted
            assert np.isnan(lift[year])
    assert checked >= 5


def test_project_keeps_no_copy_of_a_campaigns_function():
    # a function of crmkit.project named like one of crmkit.campaigns (public or private,
    # with or without its underscore) is a copy: call crmkit.campaigns instead
    def defined(folder: Path) -> set[str]:
        return {node.name.lstrip("_") for path in folder.glob("*.py")
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.FunctionDef)}

    root = Path(crmkit.__file__).parent
    shared = defined(root / "project") & defined(root / "campaigns")
    assert shared == set()
    # and the trigger's family is parsed in one place
    parsing = [path.name for path in (root / "project").glob("*.py")
               if 'split(":"' in path.read_text(encoding="utf-8")]
    assert parsing == []


def test_campaigns_of_different_control_shares_are_not_pooled(tables):
    # chapter 5's pooling rule holds in chapter 7 too: a pooled difference of campaigns
    # holding out different shares mixes the campaigns (Simpson's paradox)
    camp, targets = tables
    family = campaigns.trigger_family(camp)
    retention = camp.index[family == "churn_risk"]
    other = camp.index[family != "churn_risk"]
    mixed = camp.copy()
    mixed.loc[retention[0], "test_share"] = 0.5
    with pytest.raises(ValueError, match="campaigns.test_share"):
        project.cost_per_saved_customer(mixed, targets)
    split, interactions = _flat_years(camp)
    mixed = camp.copy()
    mixed.loc[other[0], "test_share"] = 0.5
    with pytest.raises(ValueError, match="campaigns.test_share"):
        project.kpi_measures(split, interactions, mixed, targets)
    # a retention campaign's share does not touch the yearly lift, which leaves them out
    mixed = camp.copy()
    mixed.loc[retention[0], "test_share"] = 0.5
    pd.testing.assert_frame_equal(project.kpi_measures(split, interactions, mixed, targets),
                                  project.kpi_measures(split, interactions, camp, targets))
