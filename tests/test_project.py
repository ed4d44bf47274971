"""crmkit.project: hand-computed examples, invariants (hypothesis) and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from _display_handle import Handle as _Handle  # tests/ helper
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import project
from crmkit.loyalty import BathtubParameters
from crmkit.schema import SchemaError


# ---------------------------------------------------------------------------------------
# the project data
# ---------------------------------------------------------------------------------------
def test_project_data_has_the_course_lists():
    sizes = {part: len(project.project_table(part)) for part in project.PARTS}
    assert sizes["eleven_steps"] == 11
    assert sizes["project_steps"] == 9
    assert sizes["change_dimensions"] == 3
    assert sizes["change_stages"] == 3
    assert sizes["failure_causes"] == 4
    assert sizes["success_factors"] == 15
    factors = project.project_table("success_factors")
    assert set(factors["dimension"]) == {"collective", "individual", "organisational"}
    # every factor guards against at least one cause of failure, once
    guards = project.project_table("failure_causes")["guarded_by"].str.split(", ").sum()
    assert sorted(guards) == sorted(factors["id"])


def test_project_table_in_french():
    fr = project.project_table("eleven_steps", lang="fr")
    assert "bijoux de la couronne" in fr.loc[2, "name"]
    steps = project.project_table("project_steps", lang="fr")
    assert steps.loc[4, "name"] == "Rédiger le cahier des charges"


def test_plan_template():
    plan = project.load_project_plan()
    assert len(plan) == 20
    assert list(plan["order"][:11]) == list(range(1, 12))
    assert set(plan["change_stage"]) == {"unfreeze", "move", "refreeze"}
    assert (plan["status"] == "to do").all() and (plan["owner"] == "").all()
    assert plan["start"].isna().all()


def test_project_table_bad_arguments():
    with pytest.raises(ValueError, match="part must be one of"):
        project.project_table("steps")
    with pytest.raises(ValueError, match="lang"):
        project.project_table("eleven_steps", lang="de")


def _write(tmp_path, mutate):
    raw = yaml.safe_load(project.PROJECT_PATH.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_malformed_project_file(tmp_path):
    def dup(raw):
        raw["success_factors"][1]["id"] = raw["success_factors"][0]["id"]

    def dim(raw):
        raw["success_factors"][0]["dimension"] = "spiritual"

    def guard(raw):
        raw["failure_causes"][0]["guarded_by"] = ["SF99"]

    def no_fr(raw):
        del raw["eleven_steps"][0]["fr"]

    for mutate, message in ((dup, "unique"), (dim, "unknown dimension"),
                            (guard, "SF99"), (no_fr, "needs en and fr")):
        path = _write(tmp_path, mutate)
        with pytest.raises(SchemaError, match=message):
            project.project_table("success_factors", path=path)


# ---------------------------------------------------------------------------------------
# reporting split
# ---------------------------------------------------------------------------------------
def small_market():
    """Two years. Customer 1: since 2020, a contract running to term in 2023, buys another
    in 2024. Customer 2: won in 2023, leaves in 2024. Customer 3: won in 2024."""
    cu = pd.DataFrame({
        "customer_id": [1, 2, 3],
        "acquisition_date": pd.to_datetime(["2020-01-15", "2023-04-01", "2024-02-01"]),
        "churn_date": pd.to_datetime([None, "2024-09-30", None]),
    })
    co = pd.DataFrame({
        "contract_id": [10, 11, 12, 20, 30],
        "customer_id": [1, 1, 1, 2, 3],
        "start_date": pd.to_datetime(["2020-01-15", "2020-01-15", "2024-03-01", "2023-04-01",
                                      "2024-02-01"]),
        "end_date": pd.to_datetime([None, "2023-06-30", None, "2024-09-30", None]),
        "end_reason": [None, "term", None, "customer_termination", None],
    })
    tx = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 1, 1, 2, 3, 3],
        "contract_id": [10, 11, 10, 20, 20, 10, 12, 20, 30, 30],
        "date": pd.to_datetime(["2023-01-01", "2023-02-01", "2023-12-01", "2023-05-01",
                                "2023-06-01", "2024-01-01", "2024-04-01", "2024-05-01",
                                "2024-03-01", "2024-06-01"]),
        "kind": ["fee", "interest_margin", "deposit", "premium", "claim", "fee", "premium",
                 "premium", "premium", "claim"],
        "amount": [100.0, 50.0, 1000.0, 40.0, 300.0, 110.0, 60.0, 45.0, 30.0, 200.0],
        "margin": [100.0, 50.0, 10.0, 32.0, -300.0, 110.0, 48.0, 36.0, 24.0, -200.0],
    })
    return cu, co, tx


def test_reporting_split_by_hand():
    cu, co, tx = small_market()
    r = project.reporting_split(cu, co, tx)
    assert list(r.index) == [2023, 2024]
    # 2023: customer 2 is new (40 of premium; the claim is no revenue); customer 1 existing
    # (100 + 50; the deposit is no revenue)
    assert r.loc[2023, ["revenue_new", "revenue_cross_sell", "revenue_existing"]].tolist() == [
        40.0, 0.0, 150.0]
    # 2024: customer 3 new (30); customer 1 cross-sold contract 12 (60) and old contract 10
    # (110); customer 2 existing (45)
    assert r.loc[2024, ["revenue_new", "revenue_cross_sell", "revenue_existing"]].tolist() == [
        30.0, 60.0, 155.0]
    assert r.loc[2024, "existing_revenue_share"] == pytest.approx(215 / 245)
    # contracts in force on 1 January 2023: 10 and 11 (11 ran to term: renewed)
    assert r.loc[2023, ["contracts_in_force", "contracts_renewed"]].tolist() == [2.0, 2.0]
    # on 1 January 2024: 10 and 20 (20 ended by the customer)
    assert r.loc[2024, ["contracts_in_force", "contracts_renewed", "renewal_rate"]].tolist() == [
        2.0, 1.0, 0.5]
    assert r.loc[2024, "cross_sold_contracts"] == 1.0
    assert r.loc[2024, ["start_stock", "acquired", "churned", "end_stock"]].tolist() == [
        2.0, 1.0, 1.0, 2.0]
    assert r.loc[2023, "margin"] == pytest.approx(100 + 50 + 10 + 32 - 300)


def test_reporting_split_years_and_kinds():
    cu, co, tx = small_market()
    r = project.reporting_split(cu, co, tx, first_year=2024, last_year=2024,
                                revenue_kinds=("premium",))
    assert list(r.index) == [2024]
    assert r.loc[2024, "revenue"] == 60.0 + 45.0 + 30.0


def test_reporting_split_bad_input():
    cu, co, tx = small_market()
    with pytest.raises(SchemaError, match="transactions.contract_id"):
        project.reporting_split(cu, co, tx.assign(contract_id=tx["contract_id"].replace(30, 99)))
    with pytest.raises(SchemaError, match="transactions.amount"):
        project.reporting_split(cu, co, tx.assign(amount=-tx["amount"]))
    with pytest.raises(SchemaError, match="contracts.end_date"):
        bad = co.copy()
        bad.loc[1, "end_date"] = pd.Timestamp("2019-01-01")
        project.reporting_split(cu, bad, tx)
    with pytest.raises(SchemaError, match="customers.churn_date"):
        project.reporting_split(cu.drop(columns="churn_date"), co, tx)
    with pytest.raises(ValueError, match="before first_year"):
        project.reporting_split(cu, co, tx, first_year=2024, last_year=2023)


@st.composite
def markets(draw):
    n = draw(st.integers(1, 6))
    acq_year = draw(st.lists(st.integers(2019, 2024), min_size=n, max_size=n))
    cu = pd.DataFrame({"customer_id": np.arange(1, n + 1),
                       "acquisition_date": pd.to_datetime([f"{y}-03-01" for y in acq_year]),
                       "churn_date": pd.NaT})
    rows, txs = [], []
    for i, y in enumerate(acq_year, start=1):
        for k in range(draw(st.integers(1, 3))):
            start = draw(st.integers(y, 2024))
            cid = i * 10 + k
            rows.append((cid, i, pd.Timestamp(f"{start}-04-01")))
            for ty in range(start, 2025):
                amount = draw(st.floats(0, 500, allow_nan=False))
                kind = draw(st.sampled_from(["fee", "premium", "claim", "deposit"]))
                txs.append((i, cid, pd.Timestamp(f"{ty}-06-01"), kind, amount, amount))
    co = pd.DataFrame(rows, columns=["contract_id", "customer_id", "start_date"]).assign(
        end_date=pd.NaT, end_reason=None)
    tx = pd.DataFrame(txs, columns=["customer_id", "contract_id", "date", "kind", "amount",
                                    "margin"])
    return cu, co, tx


@settings(max_examples=40, deadline=None)
@given(markets())
def test_reporting_split_boxes_add_up(market):
    cu, co, tx = market
    r = project.reporting_split(cu, co, tx, first_year=2019, last_year=2024)
    boxes = r[["revenue_new", "revenue_cross_sell", "revenue_existing"]].sum(axis=1)
    revenue = tx.loc[tx["kind"].isin(["fee", "premium"])].groupby(tx["date"].dt.year)[
        "amount"].sum().reindex(r.index, fill_value=0.0)
    np.testing.assert_allclose(boxes, revenue, atol=1e-6)
    np.testing.assert_allclose(r["revenue"], revenue, atol=1e-6)
    assert ((r["existing_revenue_share"].dropna() >= 0)
            & (r["existing_revenue_share"].dropna() <= 1)).all()
    assert (r["contracts_renewed"] <= r["contracts_in_force"]).all()
    # nobody leaves in these markets: every contract in force is renewed
    assert (r["contracts_renewed"] == r["contracts_in_force"]).all()


# ---------------------------------------------------------------------------------------
# KPIs and the dashboard
# ---------------------------------------------------------------------------------------
def test_kpi_measures_by_hand():
    split = pd.DataFrame({"start_stock": [200.0, 250.0], "acquired": [50.0, 40.0],
                          "churned_new": [5.0, 8.0], "retention_rate": [0.9, 0.92],
                          "existing_revenue_share": [0.97, 0.98],
                          "cross_sold_contracts": [40.0, 25.0], "margin": [8000.0, 10000.0]},
                         index=pd.Index([2023, 2024], name="year"))
    it = pd.DataFrame({"date": pd.to_datetime(["2023-02-01", "2024-02-01", "2024-03-01"]),
                       "cost": [400.0, 300.0, 200.0]})
    ca = pd.DataFrame({"campaign_id": [1, 2, 3],
                       "start_date": pd.to_datetime(["2023-01-10", "2024-05-01", "2024-06-01"]),
                       "trigger": ["none", "life_event:birth", "churn_risk:incident"],
                       "test_share": [0.5, 0.5, 0.5]})
    tg = pd.DataFrame({
        "campaign_id": [1] * 8 + [2] * 4 + [3] * 4,
        "customer_id": list(range(8)) + [1, 2, 3, 4] + [1, 2, 3, 4],
        "group": (["test"] * 4 + ["control"] * 4) + ["test", "test", "control", "control"] * 2,
        "responded": False,
        # 2023: test 3/4, control 1/4 -> lift 3; 2024: test 1/2, control 1/2 -> 1
        # (campaign 3 is a retention call: left out, though its control never "converts")
        "converted": [True, True, True, False, True, False, False, False,
                      True, False, True, False, True, True, False, False],
    })
    k = project.kpi_measures(split, it, ca, tg)
    assert k.loc[2023].tolist() == pytest.approx([0.9, 0.97, 0.2, 0.1, 0.05, 3.0])
    assert k.loc[2024].tolist() == pytest.approx([0.92, 0.98, 0.1, 0.2, 0.05, 1.0])


def test_kpi_dashboard_lower_is_better_and_missing():
    m = pd.DataFrame({"early_churn": [0.08, 0.11, 0.2, np.nan]},
                     index=pd.Index([2021, 2022, 2023, 2024], name="year"))
    t = pd.DataFrame({"kpi": ["early_churn"], "direction": ["lower"], "target": [0.10],
                      "amber": [0.2]})
    d = project.kpi_dashboard(m, t)
    assert d["status"].iloc[:3].tolist() == ["green", "amber", "red"]
    assert pd.isna(d["status"].iloc[3])
    assert d["gap"].iloc[0] == pytest.approx(0.02)


def test_kpi_dashboard_default_targets_cover_the_measures():
    m = pd.DataFrame({k: [0.5] for k in project.kpi_targets()["kpi"]},
                     index=pd.Index([2024], name="year"))
    d = project.kpi_dashboard(m)
    assert len(d) == 6 and d["status"].notna().all()


def test_kpi_dashboard_bad_input():
    m = pd.DataFrame({"x": [1.0]}, index=pd.Index([2024], name="year"))
    with pytest.raises(SchemaError, match="no column has a target"):
        project.kpi_dashboard(m)
    t = pd.DataFrame({"kpi": ["x"], "direction": ["up"], "target": [1.0], "amber": [0.1]})
    with pytest.raises(SchemaError, match="targets.direction"):
        project.kpi_dashboard(m, t)
    with pytest.raises(SchemaError, match="measures.x"):
        project.kpi_dashboard(m.astype(str), t.assign(direction="higher"))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 2, allow_nan=False), min_size=2, max_size=8),
       st.floats(0.1, 1.5), st.floats(0, 0.5), st.sampled_from(["higher", "lower"]))
def test_kpi_dashboard_status_is_monotone(values, target, amber, direction):
    values = sorted(values, reverse=(direction == "lower"))  # from worst to best
    m = pd.DataFrame({"k": values}, index=pd.Index(range(len(values)), name="period"))
    t = pd.DataFrame({"kpi": ["k"], "direction": [direction], "target": [target],
                      "amber": [amber]})
    rank = {"red": 0, "amber": 1, "green": 2}
    status = project.kpi_dashboard(m, t)["status"].map(rank)
    assert status.is_monotonic_increasing


# ---------------------------------------------------------------------------------------
# maturity profile
# ---------------------------------------------------------------------------------------
ALL_IDS = [f"SF{i:02d}" for i in range(1, 16)]


def test_maturity_profile_by_hand():
    answers = dict.fromkeys(ALL_IDS, 5) | {"SF02": 1, "SF03": 2, "SF12": 2, "SF04": 3}
    p = project.maturity_profile(answers, n_weakest=2)
    # ranks: SF02 1, SF03 and SF12 tied 2: all three flagged; SF04 (3) is fourth
    assert p.factors.loc[p.factors["weakest"], "id"].tolist() == ["SF02", "SF03", "SF12"]
    dims = p.dimensions.set_index("dimension")
    # collective: SF02 1, SF07 5, SF09 5, SF10 5, SF15 5
    assert dims.loc["collective", "mean_score"] == pytest.approx(21 / 5)
    # individual: SF03 2, SF04 3, SF08 5, SF11 5
    assert dims.loc["individual", "mean_score"] == pytest.approx(15 / 4)
    risks = p.failure_risks.set_index("id")
    # IT-only is guarded by SF02, SF03, SF04, SF07, SF12: (1 + 2 + 3 + 5 + 2) / 5
    assert risks.loc["it_only", "mean_score"] == pytest.approx(13 / 5)
    assert risks.loc["it_only", "exposed"]
    assert not risks.loc["lack_of_resources", "exposed"]
    frame = pd.DataFrame({"id": list(answers), "score": list(answers.values())})
    same = project.maturity_profile(frame, n_weakest=2)
    pd.testing.assert_frame_equal(same.factors, p.factors)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 5))
def test_maturity_of_a_flat_profile(k):
    p = project.maturity_profile(dict.fromkeys(ALL_IDS, k))
    assert p.overall == pytest.approx((k - 1) / 4)
    assert p.dimensions["maturity"].tolist() == pytest.approx([(k - 1) / 4] * 3)
    assert p.factors["weakest"].all() == (k < 4)
    assert p.failure_risks["exposed"].all() == (k < 3)


def test_maturity_profile_bad_input():
    with pytest.raises(SchemaError, match=r"not scored: \['SF15'\]"):
        project.maturity_profile(dict.fromkeys(ALL_IDS[:-1], 3))
    with pytest.raises(SchemaError, match="answers.score"):
        project.maturity_profile(dict.fromkeys(ALL_IDS, 3) | {"SF01": 6})
    with pytest.raises(SchemaError, match="answers.id"):
        project.maturity_profile(dict.fromkeys(ALL_IDS, 3) | {"SF16": 3})
    with pytest.raises(ValueError, match="mapping"):
        project.maturity_profile([3] * 15)
    with pytest.raises(ValueError, match="n_weakest"):
        project.maturity_profile(dict.fromkeys(ALL_IDS, 3), n_weakest=-1)


# ---------------------------------------------------------------------------------------
# the bathtub as a budget decision
# ---------------------------------------------------------------------------------------
def retention_campaigns():
    ca = pd.DataFrame({"campaign_id": [1, 2, 3], "cost_per_contact": [5.0, 10.0, 0.2],
                       "trigger": ["churn_risk:incident", "churn_risk:incident", "none"],
                       "test_share": [0.8, 0.8, 0.8]})
    # campaign 1: 40 test (20 accept; 38 stay), 10 control (8 stay); campaign 2: 10 test
    # (all accept, 10 stay), 0 control in one campaign but pooled with campaign 1
    tg = pd.DataFrame({
        "campaign_id": [1] * 50 + [2] * 10 + [3] * 5,
        "customer_id": list(range(50)) + list(range(10)) + list(range(5)),
        "group": ["test"] * 40 + ["control"] * 10 + ["test"] * 10 + ["test"] * 5,
        "responded": [True] * 20 + [False] * 20 + [False] * 10 + [True] * 10 + [False] * 5,
        "converted": [True] * 38 + [False] * 2 + [True] * 8 + [False] * 2 + [True] * 10
        + [False] * 5,
    })
    return ca, tg


def test_cost_per_saved_customer_by_hand():
    ca, tg = retention_campaigns()
    s = project.cost_per_saved_customer(ca, tg, gesture_cost=10.0)
    # pooled: test 48/50 stay, control 8/10: uplift 0.16, 8 customers saved
    assert s.contacts == 50
    assert s.saved == pytest.approx(8.0)
    # 40 x 5 + 10 x 10 contacts, 30 gestures of 10
    assert s.cost == pytest.approx(600.0)
    assert s.per_saved == pytest.approx(75.0)
    low, high = s.per_saved_range
    assert low < s.per_saved < high


def test_cost_per_saved_customer_bad_input():
    ca, tg = retention_campaigns()
    with pytest.raises(SchemaError, match="no campaign of the family"):
        project.cost_per_saved_customer(ca, tg, trigger="segment")
    with pytest.raises(ValueError, match="gesture_cost"):
        project.cost_per_saved_customer(ca, tg, gesture_cost=-1)
    with pytest.raises(SchemaError, match="campaigns.cost_per_contact"):
        project.cost_per_saved_customer(ca.assign(cost_per_contact=-1.0), tg)


PARAMS = BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)


def test_budget_scenarios_follow_the_bathtub_by_hand():
    runs = project.budget_scenarios(PARAMS, 10_000, cost_per_saved=250.0, periods=3)
    end = runs.pivot(index="period", columns="scenario", values="end_stock")
    # the tap: 50 more customers a year, kept at 90 %: 50, 95, 135.5 more
    np.testing.assert_allclose(end["open_the_tap"] - end["baseline"], [50, 95, 135.5])
    # the drain: retention 0.9 + 10,000 / (250 x 1000) = 0.94
    assert end.loc[1, "plug_the_drain"] == pytest.approx(0.94 * 1000 + 100)
    spend = runs.pivot(index="period", columns="scenario", values="retention_spend")
    assert spend.loc[1, "plug_the_drain"] - spend.loc[1, "baseline"] == pytest.approx(10_000)


def test_budget_summary_and_break_even():
    # with one period, the drain matches the tap when a saved customer costs what a won
    # customer costs
    c = project.break_even_cost_per_saved(PARAMS, 10_000, periods=1)
    assert c == pytest.approx(PARAMS.acquisition_cost, rel=1e-6)
    runs = project.budget_scenarios(PARAMS, 10_000, cost_per_saved=c, periods=1)
    ppe = project.budget_summary(runs)["profit_per_euro"]
    assert ppe["open_the_tap"] == pytest.approx(ppe["plug_the_drain"])
    # over longer horizons the break-even is still where both options pay the same
    c10 = project.break_even_cost_per_saved(PARAMS, 10_000, periods=10, discount_rate=0.08)
    ppe10 = project.budget_summary(
        project.budget_scenarios(PARAMS, 10_000, cost_per_saved=c10, periods=10,
                                 discount_rate=0.08), discount_rate=0.08)["profit_per_euro"]
    assert ppe10["open_the_tap"] == pytest.approx(ppe10["plug_the_drain"], rel=1e-4)


@settings(max_examples=25, deadline=None)
@given(st.floats(50, 2000), st.floats(50, 2000), st.integers(1, 12))
def test_dearer_saving_never_pays_more(c1, c2, periods):
    lo, hi = sorted((c1, c2))
    ppe = [project.budget_summary(project.budget_scenarios(
        PARAMS, 5_000, cost_per_saved=c, periods=periods))["profit_per_euro"]["plug_the_drain"]
        for c in (lo, hi)]
    assert ppe[1] <= ppe[0] + 1e-9


def test_budget_bad_input():
    with pytest.raises(ValueError, match="budget"):
        project.budget_scenarios(PARAMS, 0, cost_per_saved=100.0)
    with pytest.raises(ValueError, match="more than the"):
        project.budget_scenarios(PARAMS, 1_000_000, cost_per_saved=10.0)
    runs = project.budget_scenarios(PARAMS, 1_000, cost_per_saved=100.0, periods=2)
    with pytest.raises(SchemaError, match="runs.scenario"):
        project.budget_summary(runs.loc[runs["scenario"] != "baseline"])


# ---------------------------------------------------------------------------------------
# programme ROI
# ---------------------------------------------------------------------------------------
def test_programme_roi_by_hand():
    cf = pd.DataFrame({"year": [0, 0, 1, 2, 2], "item": ["licences", "training", "campaigns",
                                                         "campaigns", "licences"],
                       "kind": ["cost", "cost", "benefit", "benefit", "cost"],
                       "amount": [70.0, 30.0, 60.0, 80.0, 20.0]})
    r = project.programme_roi(cf, discount_rate=0.0)
    assert r.flows["net"].tolist() == [-100.0, 60.0, 60.0]
    assert r.npv == pytest.approx(20.0)
    # -100, -40, +20: the second year's 60 covers the last 40 after two thirds of it
    assert r.payback_years == pytest.approx(1 + 40 / 60)
    assert r.roi == pytest.approx(140 / 120 - 1)
    r10 = project.programme_roi(cf, discount_rate=0.10)
    assert r10.npv == pytest.approx(-100 + 60 / 1.1 + 60 / 1.21)
    assert r10.discounted_payback_years > r.payback_years


def test_programme_that_never_pays_back():
    cf = pd.DataFrame({"year": [0, 1], "item": ["data", "campaigns"], "kind": ["cost", "benefit"],
                       "amount": [100.0, 10.0]})
    r = project.programme_roi(cf)
    assert math.isinf(r.payback_years) and r.npv < 0


def test_programme_roi_bad_input():
    cf = pd.DataFrame({"year": [0, 1], "item": ["data", "campaigns"], "kind": ["cost", "gain"],
                       "amount": [100.0, 10.0]})
    with pytest.raises(SchemaError, match="cash_flows.kind"):
        project.programme_roi(cf)
    with pytest.raises(SchemaError, match="cash_flows.amount"):
        project.programme_roi(cf.assign(kind="cost", amount=[-1.0, 2.0]))
    with pytest.raises(SchemaError, match="cash_flows.year"):
        project.programme_roi(cf.assign(kind="cost", year=[0.5, 1.0]))
    with pytest.raises(ValueError, match="discount_rate"):
        project.programme_roi(cf.assign(kind="cost"), discount_rate=float("nan"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from(["cost", "benefit"]),
                          st.floats(0, 1e6, allow_nan=False)), min_size=1, max_size=15))
def test_programme_roi_invariants(rows):
    cf = pd.DataFrame(rows, columns=["year", "kind", "amount"]).assign(item="x")
    r = project.programme_roi(cf, discount_rate=0.0)
    total = cf.loc[cf["kind"] == "benefit", "amount"].sum() - cf.loc[
        cf["kind"] == "cost", "amount"].sum()
    assert r.npv == pytest.approx(total, abs=1e-6)
    assert r.flows["cumulative_net"].iloc[-1] == pytest.approx(total, abs=1e-6)
    if math.isfinite(r.payback_years):
        assert 0 <= r.payback_years <= cf["year"].max()


@settings(max_examples=40, deadline=None)
@given(st.floats(1, 1e6), st.lists(st.floats(1, 1e6), min_size=1, max_size=8),
       st.floats(0.01, 0.3))
def test_discounting_delays_the_payback_of_an_investment(cost, benefits, rate):
    # invest in year 0, earn afterwards: discounting can only delay the payback
    cf = pd.DataFrame({"year": [0, *range(1, len(benefits) + 1)],
                       "kind": ["cost"] + ["benefit"] * len(benefits),
                       "amount": [cost, *benefits], "item": "x"})
    plain = project.programme_roi(cf, discount_rate=0.0).payback_years
    discounted = project.programme_roi(cf, discount_rate=rate).discounted_payback_years
    assert discounted >= plain - 1e-9


# ---------------------------------------------------------------------------------------
# the chapter's figures and the maturity explorer (crmkit.plots, crmkit.widgets)
# ---------------------------------------------------------------------------------------
def test_figures_are_titled_and_labelled():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from crmkit import labels, plots

    cu, co, tx = small_market()
    split = project.reporting_split(cu, co, tx)
    ax = plots.usual_report(split)
    assert ax.get_title() == labels.label("usual_report", "plot_project")
    assert [p.get_height() for p in ax.patches] == [1.0, 1.0]
    ax = plots.revenue_split(split)
    assert ax.get_title() == labels.label("revenue_split", "plot_project")
    # share from existing customers: 150 of 190 in 2023, 215 of 245 in 2024
    assert [t.get_text() for t in ax.texts] == ["79%", "88%"]
    m = pd.DataFrame({"retention_rate": [0.93, 0.915], "campaign_lift": [2.5, 1.0]},
                     index=pd.Index([2023, 2024], name="year"))
    ax = plots.kpi_lights(project.kpi_dashboard(m))
    assert {"93.0%", "91.5%", "2.50", "1.00"} <= {t.get_text() for t in ax.texts}
    prof = project.maturity_profile(dict.fromkeys(ALL_IDS, 4) | {"SF11": 1})
    ax = plots.maturity_bars(prof.factors)
    assert len(ax.patches) == 15 and ax.get_xlabel() == labels.header("score")
    cf = pd.DataFrame({"year": [0, 1], "item": ["data", "x"], "kind": ["cost", "benefit"],
                       "amount": [100.0, 150.0]})
    roi = project.programme_roi(cf, discount_rate=0.0)
    ax = plots.payback_curve(roi.flows, payback=roi.payback_years)
    assert ax.get_title() == labels.label("payback", "plot_project")
    with pytest.raises(SchemaError, match="split.acquired"):
        plots.usual_report(split.drop(columns="acquired"))
    plt.close("all")


def test_maturity_explorer_redraws(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from crmkit import labels, widgets

    monkeypatch.setattr(widgets._base, "DisplayHandle", _Handle)
    monkeypatch.setattr(widgets._base, "display", lambda *objs: None)
    _Handle.shown = []
    sliders = widgets.maturity_explorer({"SF08": 1, "SF09": 1, "SF11": 1})
    assert sorted(sliders) == ALL_IDS and sliders["SF01"].value == 3
    assert [kind for kind, _ in _Handle.shown] == ["display", "display"]
    exposed = labels.header("exposed")

    def table():
        return _Handle.shown[-1][1].set_index(labels.header("name"))[exposed]

    training = project.project_table("failure_causes").set_index("id").loc[
        "insufficient_training", "name"]
    assert bool(table()[training])
    for fid in ("SF08", "SF09", "SF11"):
        sliders[fid].value = 5
    assert [kind for kind, _ in _Handle.shown][-2:] == ["update", "update"]
    assert not bool(table()[training])


def test_project_texts_follow_the_kits_language_by_default():
    # the French edition runs chapter 7 with CRMKIT_LANG=fr and no lang argument: its plan,
    # grids and maturity profile must come out French (they came out English)
    from crmkit import labels
    from crmkit.project import load_project_plan, maturity_profile, project_table

    answers = {f"SF{i:02d}": 4 for i in range(1, 16)} | {"SF11": 1}
    with labels.language("fr"):
        causes = project_table("failure_causes")
        plan = load_project_plan()
        risks = maturity_profile(answers).failure_risks
    assert causes.set_index("id").loc["it_only", "name"] == project_table("failure_causes", "fr").set_index("id").loc["it_only", "name"]
    assert causes.set_index("id").loc["it_only", "name"] != project_table("failure_causes", "en").set_index("id").loc["it_only", "name"]
    assert plan["step"].tolist() == load_project_plan("fr")["step"].tolist()
    assert risks["name"].tolist() == project_table("failure_causes", "fr")["name"].tolist()
    with labels.language("en"):
        assert project_table("failure_causes")["name"].tolist() == project_table("failure_causes", "en")["name"].tolist()
