"""A KPI dashboard: the project's objectives as ratios, with targets and traffic lights.

Course chapter 7, "A KPI dashboard: objectives as ratios" (success factor 1: precise
objectives expressed as ratios). The campaign lift is measured by
:func:`crmkit.campaigns.pooled_uplift` and the campaigns are sorted by
:func:`crmkit.campaigns.trigger_family`: chapter 5's functions, not copies of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.campaigns import pooled_uplift, trigger_family
from crmkit.project.plan import project_table

__all__ = ["kpi_measures", "kpi_targets", "kpi_dashboard"]


_SPLIT_COLUMNS = {"start_stock": "number", "acquired": "number", "churned_new": "number",
                  "retention_rate": "number", "existing_revenue_share": "number",
                  "cross_sold_contracts": "number", "margin": "number"}


def kpi_measures(
    split: pd.DataFrame,
    interactions: pd.DataFrame,
    campaigns: pd.DataFrame,
    campaign_targets: pd.DataFrame,
    *,
    exclude_triggers: Iterable[str] = ("churn_risk",),
) -> pd.DataFrame:
    """The project's objectives as ratios, measured per year.

    Parameters
    ----------
    split : DataFrame
        :func:`reporting_split` output (index ``year``).
    interactions : DataFrame
        ``date``, ``cost``: every contact with customers.
    campaigns, campaign_targets : DataFrame
        The campaign tables; campaigns are counted in the year they start. Campaigns whose
        trigger family is in ``exclude_triggers`` (retention calls, whose "conversion" is
        staying) are left out of ``campaign_lift``.
    exclude_triggers : iterable of str
        Trigger families (:func:`crmkit.campaigns.trigger_family`) left out of
        ``campaign_lift``.

    Returns
    -------
    DataFrame
        Index ``year``; columns:

        - ``retention_rate``: customers of 1 January still there on 31 December;
        - ``existing_revenue_share``: revenue from customers acquired before the year;
        - ``cross_sell_rate``: contracts sold to existing customers per customer of
          1 January;
        - ``early_churn``: customers won in the year and lost within it, per customer won;
        - ``contact_cost_ratio``: cost of all contacts per euro of margin;
        - ``campaign_lift``: conversion rate of the contacted over that of the control
          group, the year's campaigns pooled (:func:`crmkit.campaigns.pooled_uplift`);
          NaN when the control group never converted.

    Raises
    ------
    ValueError
        When campaigns of one year hold out different shares of their targets
        (``campaigns.test_share``, when given): pooled, their difference would mix the
        campaigns instead of measuring them (Simpson's paradox).

    Examples
    --------
    >>> import pandas as pd
    >>> split = pd.DataFrame({"start_stock": [100.0], "acquired": [20.0], "churned_new": [2.0],
    ...     "retention_rate": [0.9], "existing_revenue_share": [0.95],
    ...     "cross_sold_contracts": [8.0], "margin": [10_000.0]},
    ...     index=pd.Index([2024], name="year"))
    >>> it = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-05-01"]),
    ...                    "cost": [300.0, 200.0]})
    >>> ca = pd.DataFrame({"campaign_id": [1], "start_date": pd.to_datetime(["2024-02-01"]),
    ...                    "trigger": ["none"], "test_share": [0.8]})
    >>> tg = pd.DataFrame({"campaign_id": 1, "customer_id": range(10),
    ...     "group": ["test"] * 5 + ["control"] * 5, "responded": False,
    ...     "converted": [True, True, False, False, False, True, False, False, False, False]})
    >>> kpi_measures(split, it, ca, tg).round(3).iloc[0].to_dict()
    {'retention_rate': 0.9, 'existing_revenue_share': 0.95, 'cross_sell_rate': 0.08, 'early_churn': 0.1, 'contact_cost_ratio': 0.05, 'campaign_lift': 2.0}
    """
    schema.require_columns(split, "split", _SPLIT_COLUMNS)
    schema.require_columns(interactions, "interactions", {"date": "datetime", "cost": "number"},
                           nonnegative=("cost",))
    schema.check_key(interactions, "interactions")
    schema.validate(campaigns, "campaigns", columns=["campaign_id", "start_date", "trigger"])
    schema.validate(campaign_targets, "campaign_targets")
    years = split.index.to_numpy()
    cost = interactions.groupby(interactions["date"].dt.year)["cost"].sum().reindex(years)
    lift = _yearly_lift(campaigns, campaign_targets, years, exclude_triggers)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({
            "retention_rate": split["retention_rate"].to_numpy(dtype=float),
            "existing_revenue_share": split["existing_revenue_share"].to_numpy(dtype=float),
            "cross_sell_rate": (split["cross_sold_contracts"] / split["start_stock"]).to_numpy(),
            "early_churn": (split["churned_new"] / split["acquired"]).to_numpy(dtype=float),
            "contact_cost_ratio": cost.to_numpy(dtype=float)
            / split["margin"].to_numpy(dtype=float),
            "campaign_lift": lift.to_numpy(dtype=float),
        }, index=pd.Index(years, name="year"))
    return out


def kpi_targets(path: str | Path | None = None) -> pd.DataFrame:
    """The KPI targets of the project data: ``kpi``, ``direction``, ``target``, ``amber``.

    Parameters
    ----------
    path : path, optional
        Another project data file (default: ``crmkit/data/project.yaml``).

    Returns
    -------
    DataFrame
        One row per KPI: ``kpi``, ``direction`` (``higher`` or ``lower`` is better),
        ``target`` and ``amber`` (the tolerated miss, as a share of the target).

    Examples
    --------
    >>> t = kpi_targets().set_index("kpi")
    >>> t.loc["early_churn", "direction"], float(t.loc["early_churn", "target"])
    ('lower', 0.1)
    """
    t = project_table("kpis", "en", path).rename(columns={"id": "kpi"})
    return t[["kpi", "direction", "target", "amber"]]


def kpi_dashboard(measures: pd.DataFrame, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Traffic lights: each KPI of each year against its target.

    A value meeting its target is ``green``; one that misses it by at most ``amber`` times
    the target (0.1 = 10 % of the target) is ``amber``; beyond, ``red``; a missing value
    has no status.

    Parameters
    ----------
    measures : DataFrame
        One row per period (the index), one column per KPI (:func:`kpi_measures`).
    targets : DataFrame, optional
        ``kpi``, ``direction`` (``higher`` or ``lower`` is better), ``target``, ``amber``
        (default: :func:`kpi_targets`). KPIs of ``measures`` without a target are left out.

    Returns
    -------
    DataFrame
        Long: ``period`` (named after the index), ``kpi``, ``value``, ``target``,
        ``direction``, ``gap`` (value minus target, signed so that positive is good) and
        ``status``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"retention_rate": [0.93, 0.915, 0.85]},
    ...                  index=pd.Index([2022, 2023, 2024], name="year"))
    >>> t = pd.DataFrame({"kpi": ["retention_rate"], "direction": ["higher"],
    ...                   "target": [0.92], "amber": [0.01]})
    >>> kpi_dashboard(m, t)[["year", "status"]].values.tolist()
    [[2022, 'green'], [2023, 'amber'], [2024, 'red']]
    """
    targets = kpi_targets() if targets is None else targets
    schema.check_not_empty(measures, "measures")
    schema.check_not_empty(targets, "targets")
    schema.check_columns(targets, "targets", {"kpi": None, "direction": None,
                                              "target": "number", "amber": "number"})
    schema.check_allowed(targets, "targets", "direction", ["higher", "lower"])
    schema.check_nonnegative(targets, "targets", "amber")
    schema.check_unique(targets, "targets", "kpi")
    t = targets.loc[targets["kpi"].isin(measures.columns)]
    if t.empty:
        raise schema.SchemaError(f"measures: no column has a target; columns "
                                 f"{list(measures.columns)}, targets {list(targets['kpi'])}")
    schema.check_columns(measures, "measures", {k: "number" for k in t["kpi"]})
    # a ratio of costs or of customers cannot be negative (a KPI may be missing: no value)
    for k in t["kpi"]:
        schema.check_nonnegative(measures, "measures", k)
    period = measures.index.name or "period"
    long = (measures[list(t["kpi"])].rename_axis(period).reset_index()
            .melt(id_vars=period, var_name="kpi", value_name="value"))
    long = long.merge(t, on="kpi", how="left")
    sign = np.where(long["direction"] == "higher", 1.0, -1.0)
    long["gap"] = sign * (long["value"] - long["target"])
    tolerance = long["amber"] * long["target"].abs()
    status = np.select([long["gap"] >= 0, long["gap"] >= -tolerance], ["green", "amber"], "red")
    long["status"] = pd.Series(status, dtype="str").where(long["value"].notna())
    return long[[period, "kpi", "value", "target", "direction", "gap", "status"]]


def _yearly_lift(campaigns: pd.DataFrame, campaign_targets: pd.DataFrame, years,
                exclude_triggers: Iterable[str] = ("churn_risk",)) -> pd.Series:
    """Conversion of the contacted over that of the control group, the campaigns of each
    year pooled (:func:`crmkit.campaigns.pooled_uplift`, by the year a campaign starts).

    Parameters
    ----------
    campaigns, campaign_targets : DataFrame
        The campaign tables (already validated by the caller).
    years : array-like of int
        The years returned (NaN where no campaign ran or no control converted).
    exclude_triggers : iterable of str
        Trigger families (:func:`crmkit.campaigns.trigger_family`) left out.

    Returns
    -------
    Series
        The lift per year, indexed by ``years``.

    Examples
    --------
    >>> import pandas as pd
    >>> ca = pd.DataFrame({"campaign_id": [1], "start_date": pd.to_datetime(["2024-02-01"]),
    ...                    "trigger": ["none"], "test_share": [0.8]})
    >>> tg = pd.DataFrame({"campaign_id": 1, "customer_id": range(10),
    ...     "group": ["test"] * 5 + ["control"] * 5, "responded": False,
    ...     "converted": [True, True, False, False, False, True, False, False, False, False]})
    >>> _yearly_lift(ca, tg, [2023, 2024]).tolist()
    [nan, 2.0]
    """
    family = trigger_family(campaigns)
    kept = campaigns.loc[~family.isin(list(exclude_triggers)), ["campaign_id", "start_date"]]
    year_of = kept.set_index("campaign_id")["start_date"].dt.year
    targets = campaign_targets.loc[campaign_targets["campaign_id"].isin(kept["campaign_id"])]
    lift = pd.Series(np.nan, index=pd.Index(years))
    if len(targets):
        # the year's campaigns pooled: chapter 5's pooled uplift, by the year they started,
        # with its rule that pooled campaigns hold out the same share (test_share)
        pooled = pooled_uplift(targets.assign(year=targets["campaign_id"].map(year_of)), "year",
                               campaigns.loc[kept.index])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = pooled["rate_test"] / pooled["rate_control"].where(
                pooled["rate_control"] > 0)
        lift = ratio.reindex(pd.Index(years))
    return lift
