"""Running a CRM project: the report that shows retention, KPIs, maturity, budget and ROI.

Course chapter 7. A CRM project is first an organisational change (seed 001: technology
brings a quarter of the improvement, people's skills half of it), and it starts from what
the company measures. Seed 002 points out that the usual commercial report counts the
customers won but hides renewals, departures and the revenue of existing customers; this
module computes the report that shows them, turns objectives into ratios with targets
(success factor 1), scores the 15 success factors into a maturity profile, frames the
bathtub as a budget decision and prices a CRM programme.

The project's content is data, in ``crmkit/data/project.yaml`` (English and French): the
11-step approach, the 9 project-management steps, the three dimensions and three stages of
change, the four causes of failure, the 15 success factors with their self-assessment
statements, the CRM applications and the KPI targets.

Functions
---------
- :func:`project_table` / :func:`load_project_plan` — the data as tidy tables, the plan
  template a consultant exports;
- :func:`reporting_split` — per year: customers won, lost and kept, contracts renewed,
  revenue from new customers, from existing contracts and from cross-selling;
- :func:`kpi_measures` / :func:`kpi_dashboard` — objectives as ratios, with targets and
  traffic lights;
- :func:`maturity_profile` — the success factors scored into a profile by dimension, the
  weakest factors and the causes of failure they leave open;
- :func:`cost_per_saved_customer` / :func:`budget_scenarios` / :func:`budget_summary` /
  :func:`break_even_cost_per_saved` — the same euro spent on the tap (acquisition) or on
  the drain (retention);
- :func:`programme_roi` — costs and benefits of a CRM programme by year: NPV, payback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from crmkit import campaigns as _campaigns
from crmkit import loyalty, schema
from crmkit.market import in_window, period_on
from crmkit.segmentation.features import REVENUE_KINDS

__all__ = [
    "PROJECT_PATH",
    "PARTS",
    "REVENUE_KINDS",
    "project_table",
    "load_project_plan",
    "reporting_split",
    "kpi_measures",
    "kpi_targets",
    "kpi_dashboard",
    "MaturityProfile",
    "maturity_profile",
    "SavingCost",
    "cost_per_saved_customer",
    "budget_scenarios",
    "budget_summary",
    "break_even_cost_per_saved",
    "ProgrammeROI",
    "programme_roi",
]

PROJECT_PATH = Path(str(resources.files("crmkit") / "data" / "project.yaml"))
PARTS = ("eleven_steps", "project_steps", "change_dimensions", "change_stages",
         "failure_causes", "success_factors", "applications", "kpis")
_LANGS = ("en", "fr")


def _trigger_family(campaigns: pd.DataFrame) -> pd.Series:
    """The part of each campaign's ``trigger`` before the colon (``life_event``,
    ``churn_risk``...), or ``none``."""
    schema.check_no_missing(campaigns, "campaigns", "trigger")
    return campaigns["trigger"].astype(str).str.split(":", n=1).str[0]


def _pooled_uplift(targets: pd.DataFrame, group: pd.Series, confidence: float = 0.95):
    """:func:`crmkit.campaigns.uplift` of the targets pooled by ``group`` (one value per
    target row): the pooled groups take the place of campaigns."""
    # the pooled targets get fresh row ids: a customer may be a target of two campaigns
    pooled = targets.assign(campaign_id=group.to_numpy(), customer_id=np.arange(len(targets)))
    return _campaigns.uplift(pooled, confidence=confidence)


# ---------------------------------------------------------------------------------------
# the project's data
# ---------------------------------------------------------------------------------------
def _read(path: Path | None) -> dict:
    path = PROJECT_PATH if path is None else Path(path)
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    where = f"project data {path.name}"
    if not isinstance(raw, dict):
        raise schema.SchemaError(f"{where}: expected a mapping of parts")
    for part in PARTS:
        items = raw.get(part)
        if not isinstance(items, list) or not items:
            raise schema.SchemaError(f"{where}: part {part!r} must be a non-empty list")
        ids = [item.get("id") for item in items]
        if len(set(ids)) != len(ids) or None in ids:
            raise schema.SchemaError(f"{where}: {part} ids must be present and unique: {ids}")
        for item in items:
            if set(_LANGS) - set(item):
                raise schema.SchemaError(f"{where}: {part} item {item['id']} needs en and fr")
    factors = {f["id"] for f in raw["success_factors"]}
    dims = {d["id"] for d in raw["change_dimensions"]}
    for f in raw["success_factors"]:
        if f.get("dimension") not in dims:
            raise schema.SchemaError(f"{where}: success factor {f['id']} has unknown "
                                     f"dimension {f.get('dimension')!r}")
    for c in raw["failure_causes"]:
        unknown = set(c.get("guarded_by") or []) - factors
        if unknown or not c.get("guarded_by"):
            raise schema.SchemaError(f"{where}: failure cause {c['id']} is guarded by unknown "
                                     f"or no factors {sorted(unknown)}")
    return raw


def _text(value, lang: str) -> str:
    return value[lang] if isinstance(value, Mapping) else ("" if value is None else str(value))


def project_table(part: str, lang: str = "en", path: str | Path | None = None) -> pd.DataFrame:
    """One part of the project data as a tidy table, one row per item, in order.

    Parameters
    ----------
    part : str
        One of :data:`PARTS`: ``eleven_steps``, ``project_steps``, ``change_dimensions``,
        ``change_stages``, ``failure_causes``, ``success_factors``, ``applications``,
        ``kpis``.
    lang : {"en", "fr"}
        Language of the texts.
    path : path, optional
        Another file with the same layout (a client's own grid).

    Returns
    -------
    DataFrame
        ``id``, ``order`` (1, 2...), ``name`` (the text in ``lang``) and the part's other
        fields: texts in ``lang``, lists joined by ", " (``crmkit``, ``guarded_by``),
        numbers as they are.

    Examples
    --------
    >>> steps = project_table("eleven_steps")
    >>> len(steps), steps.loc[2, "name"]
    (11, 'Segment the customers to find the crown jewels')
    >>> project_table("success_factors", lang="fr").loc[0, "name"]
    'Des objectifs précis exprimés en ratios ou en pourcentages'
    >>> project_table("kpis").set_index("id").loc["retention_rate", "direction"]
    'higher'
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {list(PARTS)}, got {part!r}")
    if lang not in _LANGS:
        raise ValueError(f"lang must be 'en' or 'fr', got {lang!r}")
    rows = []
    for i, item in enumerate(_read(path)[part], start=1):
        row = {"id": item["id"], "order": i, "name": item[lang]}
        for key, value in item.items():
            if key in ("id", *_LANGS):
                continue
            if isinstance(value, list):
                row[key] = ", ".join(map(str, value))
            elif isinstance(value, Mapping):
                row[key] = _text(value, lang)
            else:
                row[key] = value
        rows.append(row)
    return pd.DataFrame(rows)


def load_project_plan(lang: str = "en", path: str | Path | None = None) -> pd.DataFrame:
    """The CRM project plan template: the 11-step approach and the 9 project steps.

    A consultant exports it (``to_csv``, ``to_excel``) and fills ``owner``, ``start``,
    ``end`` and ``status`` with the client.

    Returns
    -------
    DataFrame
        ``track`` (``approach`` or ``project_management``), ``id``, ``order``, ``step``,
        ``deliverable``, ``change_stage`` (unfreeze, move, refreeze), ``crmkit`` (kit
        functions giving the step's evidence), and the empty ``owner``, ``start``, ``end``,
        ``status`` columns.

    Examples
    --------
    >>> plan = load_project_plan()
    >>> plan["track"].value_counts().to_dict()
    {'approach': 11, 'project_management': 9}
    >>> plan.loc[plan["id"] == "P5", "step"].item()
    'Write the specifications'
    """
    parts = []
    for track, part in (("approach", "eleven_steps"),
                        ("project_management", "project_steps")):
        t = project_table(part, lang, path).rename(columns={"name": "step",
                                                             "phase": "change_stage"})
        parts.append(t.assign(track=track))
    plan = pd.concat(parts, ignore_index=True)
    plan = plan[["track", "id", "order", "step", "deliverable", "change_stage", "crmkit"]]
    return plan.assign(owner="", start=pd.NaT, end=pd.NaT, status="to do")


# ---------------------------------------------------------------------------------------
# the report that shows retention (seed 002)
# ---------------------------------------------------------------------------------------
def _years(first_year, last_year, dates: pd.Series) -> tuple[int, int]:
    if first_year is None:  # the first and last *full* years of the transactions
        first = dates.min()
        first_year = first.year + (0 if (first.month, first.day) == (1, 1) else 1)
    if last_year is None:
        last_year = dates.max().year
    for name, v in (("first_year", first_year), ("last_year", last_year)):
        if not isinstance(v, int | np.integer):
            raise ValueError(f"{name} must be an integer year, got {v!r}")
    if last_year < first_year:
        raise ValueError(f"last_year ({last_year}) is before first_year ({first_year})")
    return int(first_year), int(last_year)


def reporting_split(
    customers: pd.DataFrame,
    contracts: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    first_year: int | None = None,
    last_year: int | None = None,
    revenue_kinds: Iterable[str] = REVENUE_KINDS,
) -> pd.DataFrame:
    """The yearly report that shows retention: won, lost, kept, renewed, and where revenue
    comes from.

    Customer counts come from :func:`crmkit.loyalty.customer_flows`. Each euro of revenue
    (transactions of ``revenue_kinds``) is put in one of three boxes by who earned it:

    - ``revenue_new``: customers acquired during the year;
    - ``revenue_cross_sell``: existing customers (acquired before the year), on contracts
      started during the year: what selling more to the base brings;
    - ``revenue_existing``: existing customers on the contracts they already held.

    A contract in force on 1 January is *renewed* if it is still in force on 31 December
    or ran to its term; it is lost if the customer or the company ended it (or the customer
    died) during the year.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id``, ``acquisition_date``, ``churn_date``.
    contracts : DataFrame
        ``contract_id``, ``customer_id``, ``start_date``, ``end_date``, ``end_reason``.
    transactions : DataFrame
        ``customer_id``, ``contract_id``, ``date``, ``kind``, ``amount``, ``margin``.
    first_year, last_year : int, optional
        Years of the report (default: the full years of the transactions).
    revenue_kinds : iterable of str
        Transaction kinds that count as revenue.

    Returns
    -------
    DataFrame
        One row per year (index ``year``): ``start_stock``, ``acquired``, ``churned``,
        ``end_stock``, ``retention_rate``, ``churned_new``, ``contracts_in_force``,
        ``contracts_renewed``, ``renewal_rate``, ``cross_sold_contracts`` (contracts
        started by existing customers), ``revenue_new``, ``revenue_cross_sell``,
        ``revenue_existing``, ``revenue``, ``existing_revenue_share`` (cross-selling
        included), ``margin`` (all transactions).

    Examples
    --------
    Customer 1 is there before 2024 and buys a second contract in 2024; customer 2 is won
    in 2024; customer 3 leaves in 2024 and ends his contract:

    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3],
    ...     "acquisition_date": pd.to_datetime(["2020-01-01", "2024-03-01", "2021-01-01"]),
    ...     "churn_date": pd.to_datetime([None, None, "2024-06-30"])})
    >>> co = pd.DataFrame({"contract_id": [10, 11, 20, 30], "customer_id": [1, 1, 2, 3],
    ...     "start_date": pd.to_datetime(["2020-01-01", "2024-05-01", "2024-03-01",
    ...                                   "2021-01-01"]),
    ...     "end_date": pd.to_datetime([None, None, None, "2024-06-30"]),
    ...     "end_reason": [None, None, None, "customer_termination"]})
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3], "contract_id": [10, 11, 20, 30, 30],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-04-01", "2024-02-01",
    ...                             "2024-12-01"]),
    ...     "kind": ["fee", "premium", "premium", "premium", "claim"],
    ...     "amount": [100.0, 50.0, 30.0, 20.0, 500.0], "margin": [100.0, 40.0, 24.0, 16.0, -500.0]})
    >>> r = reporting_split(cu, co, tx, first_year=2024, last_year=2024)
    >>> r.loc[2024, ["acquired", "churned", "contracts_in_force", "renewal_rate"]].tolist()
    [1.0, 1.0, 2.0, 0.5]
    >>> r.loc[2024, ["revenue_new", "revenue_cross_sell", "revenue_existing", "revenue"]].tolist()
    [30.0, 50.0, 120.0, 200.0]
    >>> float(r.loc[2024, "existing_revenue_share"]), float(r.loc[2024, "margin"])
    (0.85, -320.0)
    """
    cu_cols = {"customer_id": "int", "acquisition_date": "datetime", "churn_date": "datetime"}
    schema.check_not_empty(customers, "customers")
    schema.check_columns(customers, "customers", cu_cols)
    schema.check_no_missing(customers, "customers", "acquisition_date")
    schema.check_unique(customers, "customers", "customer_id")
    schema.check_dates_ordered(customers, "customers", "acquisition_date", "churn_date")
    schema.check_not_empty(contracts, "contracts")
    schema.check_columns(contracts, "contracts", {
        "contract_id": "int", "customer_id": "int", "start_date": "datetime",
        "end_date": "datetime", "end_reason": None})
    schema.check_no_missing(contracts, "contracts", "start_date")
    schema.check_unique(contracts, "contracts", "contract_id")
    schema.check_dates_ordered(contracts, "contracts", "start_date", "end_date")
    schema.check_not_empty(transactions, "transactions")
    schema.check_columns(transactions, "transactions", {
        "customer_id": "int", "contract_id": "int", "date": "datetime", "kind": None,
        "amount": "number", "margin": "number"})
    for col in ("date", "kind", "amount", "margin", "contract_id", "customer_id"):
        schema.check_no_missing(transactions, "transactions", col)
    schema.check_nonnegative(transactions, "transactions", "amount")
    first, last = _years(first_year, last_year, transactions["date"])
    years = np.arange(first, last + 1)

    acquired_year = pd.Series(customers["acquisition_date"].dt.year.to_numpy(),
                              index=customers["customer_id"].to_numpy())
    start_year = pd.Series(contracts["start_date"].dt.year.to_numpy(),
                           index=contracts["contract_id"].to_numpy())
    tx = transactions.loc[transactions["date"].dt.year.between(first, last)]
    tx_year = tx["date"].dt.year.to_numpy()
    cust_year = tx["customer_id"].map(acquired_year).to_numpy(dtype=float)
    con_year = tx["contract_id"].map(start_year).to_numpy(dtype=float)
    if np.isnan(cust_year).any():
        schema.check_rows(tx, "transactions", "customer_id", np.isnan(cust_year),
                          "not in the customers table")
    if np.isnan(con_year).any():
        schema.check_rows(tx, "transactions", "contract_id", np.isnan(con_year),
                          "not in the contracts table")
    is_revenue = tx["kind"].astype(str).isin(list(revenue_kinds)).to_numpy()
    amount = np.where(is_revenue, tx["amount"].to_numpy(dtype=float), 0.0)
    new = cust_year >= tx_year  # won during the year (nothing is billed before acquisition)
    cross = ~new & (con_year == tx_year)
    box = np.select([new, cross], [0, 1], 2)
    pos = tx_year - first
    sums = np.zeros((3, len(years)))
    np.add.at(sums, (box, pos), amount)
    margin = np.bincount(pos, weights=tx["margin"].to_numpy(dtype=float), minlength=len(years))

    # contracts in force on 1 January, and how each of them ended the year
    co = contracts
    # (years x contracts grids; crmkit.market's rule: running on 1 January, ended before
    # the next 1 January)
    jan1 = pd.to_datetime([f"{y}-01-01" for y in years]).to_numpy()[:, None]
    next_jan1 = pd.to_datetime([f"{y + 1}-01-01" for y in years]).to_numpy()[:, None]
    start = co["start_date"].to_numpy(dtype="datetime64[ns]")[None, :]
    end = co["end_date"].to_numpy(dtype="datetime64[ns]")[None, :]
    in_force = period_on(start, end, jan1)
    lost_reason = (co["end_reason"].astype(str) != "term").to_numpy()[None, :]
    lost = in_force & in_window(end, None, next_jan1) & lost_reason
    n_in_force = in_force.sum(axis=1).astype(float)
    # contracts started during the year by customers acquired before it
    co_start_year = co["start_date"].dt.year.to_numpy()
    co_cust_year = co["customer_id"].map(acquired_year).to_numpy(dtype=float)
    sold = np.bincount(
        (co_start_year - first)[(co_cust_year < co_start_year)
                                & (co_start_year >= first) & (co_start_year <= last)],
        minlength=len(years)).astype(float)

    flows = loyalty.customer_flows(customers, freq="Y", as_of=pd.Timestamp(f"{last}-12-31"))
    flows = flows.loc[flows.index.year >= first].copy()
    flows.index = pd.Index(flows.index.year, name="year")
    out = flows.reindex(years).astype(float)
    out.index.name = "year"
    out["contracts_in_force"] = n_in_force
    out["contracts_renewed"] = n_in_force - lost.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["renewal_rate"] = np.where(n_in_force > 0, out["contracts_renewed"] / n_in_force,
                                       np.nan)
    out["cross_sold_contracts"] = sold
    out["revenue_new"] = sums[0]
    out["revenue_cross_sell"] = sums[1]
    out["revenue_existing"] = sums[2]
    out["revenue"] = sums.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["existing_revenue_share"] = np.where(
            out["revenue"] > 0, (sums[1] + sums[2]) / out["revenue"], np.nan)
    out["margin"] = margin
    return out


# ---------------------------------------------------------------------------------------
# KPIs as ratios, with targets (success factor 1)
# ---------------------------------------------------------------------------------------
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
          group, the year's campaigns pooled (:func:`crmkit.campaigns.uplift`);
          NaN when the control group never converted.

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
    family = _trigger_family(campaigns)
    kept = campaigns.loc[~family.isin(list(exclude_triggers)), ["campaign_id", "start_date"]]
    year_of = kept.set_index("campaign_id")["start_date"].dt.year
    targets = campaign_targets.loc[campaign_targets["campaign_id"].isin(kept["campaign_id"])]
    lift = pd.Series(np.nan, index=years)
    if len(targets):
        pooled = _pooled_uplift(targets, targets["campaign_id"].map(year_of))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = pooled["rate_test"] / pooled["rate_control"].where(
                pooled["rate_control"] > 0)
        lift = ratio.reindex(years)
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


# ---------------------------------------------------------------------------------------
# the success factors as a maturity self-assessment
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MaturityProfile:
    """Result of :func:`maturity_profile`.

    Attributes
    ----------
    factors : DataFrame
        One row per success factor: ``id``, ``name``, ``dimension``, ``score`` (1-5),
        ``weakest`` (flagged among the lowest).
    dimensions : DataFrame
        One row per change dimension: ``dimension``, ``factors``, ``mean_score``,
        ``maturity`` (mean score rescaled to [0, 1]).
    failure_risks : DataFrame
        One row per cause of failure: ``id``, ``name``, ``guarded_by``, ``mean_score`` of
        its guarding factors and ``exposed`` (their mean is below 3).
    """

    factors: pd.DataFrame
    dimensions: pd.DataFrame
    failure_risks: pd.DataFrame

    @property
    def overall(self) -> float:
        """Mean score of the factors rescaled to [0, 1] (1 = every factor fully in place)."""
        return float((self.factors["score"].mean() - 1) / 4)


def maturity_profile(
    answers,
    *,
    n_weakest: int = 3,
    lang: str = "en",
    path: str | Path | None = None,
) -> MaturityProfile:
    """Score the 15 success factors into a maturity profile.

    Parameters
    ----------
    answers : mapping or DataFrame
        The team's score of each factor's statement, 1 (not at all) to 5 (fully): a
        mapping ``{factor id: score}`` or a frame with ``id`` and ``score``. Every factor
        must be scored.
    n_weakest : int
        How many of the lowest-scored factors to flag (ties included); a factor scored 4
        or 5 is never flagged.
    lang : {"en", "fr"}
        Language of the names.
    path : path, optional
        Another project data file.

    Returns
    -------
    MaturityProfile

    Examples
    --------
    >>> answers = {f"SF{i:02d}": 4 for i in range(1, 16)} | {"SF11": 1, "SF08": 2}
    >>> p = maturity_profile(answers)
    >>> p.factors.loc[p.factors["weakest"], "id"].tolist()
    ['SF08', 'SF11']
    >>> p.dimensions.set_index("dimension")["mean_score"].round(2).to_dict()
    {'collective': 4.0, 'individual': 2.75, 'organisational': 4.0}
    >>> p.failure_risks.set_index("id")["exposed"].to_dict()
    {'it_only': False, 'lack_of_resources': False, 'unrealistic_expectations': False, 'insufficient_training': True}
    >>> round(p.overall, 3)
    0.667
    """
    if not (isinstance(n_weakest, int | np.integer) and n_weakest >= 0):
        raise ValueError(f"n_weakest must be a non-negative integer, got {n_weakest!r}")
    factors = project_table("success_factors", lang, path)
    if isinstance(answers, pd.DataFrame):
        frame = answers
    elif isinstance(answers, Mapping):
        frame = pd.DataFrame({"id": list(answers), "score": list(answers.values())})
    else:
        raise ValueError("answers must be a mapping {factor id: score} or a DataFrame")
    schema.check_not_empty(frame, "answers")
    schema.check_columns(frame, "answers", {"id": None, "score": "number"})
    schema.check_no_missing(frame, "answers", "score")
    schema.check_unique(frame, "answers", "id")
    schema.check_allowed(frame, "answers", "id", factors["id"])
    schema.check_in_range(frame, "answers", "score", 1, 5)
    missing = sorted(set(factors["id"]) - set(frame["id"]))
    if missing:
        raise schema.SchemaError(f"answers.id: factor(s) not scored: {missing}")
    scored = factors[["id", "name", "dimension"]].merge(frame[["id", "score"]], on="id")
    scored["score"] = scored["score"].astype(float)
    rank = scored["score"].rank(method="min")
    scored["weakest"] = (rank <= n_weakest) & (scored["score"] < 4)

    dims = project_table("change_dimensions", lang, path)
    g = scored.groupby("dimension")["score"]
    dimensions = pd.DataFrame({"dimension": dims["id"]})
    dimensions["factors"] = dimensions["dimension"].map(g.size()).fillna(0).astype(np.int64)
    dimensions["mean_score"] = dimensions["dimension"].map(g.mean())
    dimensions["maturity"] = (dimensions["mean_score"] - 1) / 4

    causes = project_table("failure_causes", lang, path)
    score_of = scored.set_index("id")["score"]
    guards = causes["guarded_by"].str.split(", ")
    causes["mean_score"] = [float(score_of.loc[g].mean()) for g in guards]  # 4 causes
    causes["exposed"] = causes["mean_score"] < 3
    return MaturityProfile(scored, dimensions,
                           causes[["id", "name", "guarded_by", "mean_score", "exposed"]])


# ---------------------------------------------------------------------------------------
# the bathtub as a budget decision
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SavingCost:
    """Result of :func:`cost_per_saved_customer`: what a retention action paid per customer
    it kept, with the range its test/control interval allows."""

    contacts: int
    cost: float
    saved: float
    saved_low: float
    saved_high: float

    @property
    def per_saved(self) -> float:
        """Cost per customer saved (the central estimate)."""
        return self.cost / self.saved if self.saved > 0 else float("inf")

    @property
    def per_saved_range(self) -> tuple[float, float]:
        """Cost per customer saved at the high and at the low end of the uplift interval."""
        low = self.cost / self.saved_high if self.saved_high > 0 else float("inf")
        high = self.cost / self.saved_low if self.saved_low > 0 else float("inf")
        return low, high


def cost_per_saved_customer(
    campaigns: pd.DataFrame,
    campaign_targets: pd.DataFrame,
    *,
    trigger: str = "churn_risk",
    gesture_cost: float = 0.0,
    confidence: float = 0.95,
) -> SavingCost:
    """The marginal cost of keeping a customer, measured on retention campaigns.

    The retention campaigns (trigger family ``trigger``) are pooled; their ``converted``
    outcome means "still a customer" (:func:`crmkit.campaigns.uplift`), so the
    uplift times the contacted is the number of customers the campaigns saved. The cost
    is the contacts at each campaign's ``cost_per_contact`` plus ``gesture_cost`` for each
    contacted customer who accepted the offer (``responded``).

    Examples
    --------
    >>> import pandas as pd
    >>> ca = pd.DataFrame({"campaign_id": [1], "cost_per_contact": [6.0],
    ...                    "trigger": ["churn_risk:incident"], "test_share": [0.8]})
    >>> tg = pd.DataFrame({"campaign_id": 1, "customer_id": range(100),
    ...     "group": ["test"] * 80 + ["control"] * 20,
    ...     "responded": [True] * 40 + [False] * 40 + [False] * 20,
    ...     "converted": [True] * 76 + [False] * 4 + [True] * 18 + [False] * 2})
    >>> s = cost_per_saved_customer(ca, tg, gesture_cost=20.0)
    >>> s.contacts, s.cost, round(s.saved, 2), round(s.per_saved, 1)
    (80, 1280.0, 4.0, 320.0)
    """
    if not gesture_cost >= 0:
        raise ValueError(f"gesture_cost must be >= 0, got {gesture_cost!r}")
    schema.validate(campaigns, "campaigns", columns=["campaign_id", "cost_per_contact",
                                                     "trigger"])
    schema.check_nonnegative(campaigns, "campaigns", "cost_per_contact")
    schema.validate(campaign_targets, "campaign_targets")
    family = _trigger_family(campaigns)
    chosen = campaigns.loc[family == trigger]
    if chosen.empty:
        raise schema.SchemaError(f"campaigns.trigger: no campaign of the family {trigger!r}")
    targets = campaign_targets.loc[campaign_targets["campaign_id"].isin(chosen["campaign_id"])]
    schema.check_not_empty(targets, "campaign_targets")
    pooled = _pooled_uplift(targets, pd.Series(0, index=targets.index),
                            confidence=confidence).iloc[0]
    test = targets.loc[targets["group"].astype(str) == "test"]
    per_contact = test["campaign_id"].map(chosen.set_index("campaign_id")["cost_per_contact"])
    cost = float(per_contact.sum() + gesture_cost * test["responded"].sum())
    n = float(pooled["n_test"])
    return SavingCost(contacts=int(n), cost=cost, saved=float(pooled["uplift"] * n),
                      saved_low=float(pooled["ci_low"] * n),
                      saved_high=float(pooled["ci_high"] * n))


def budget_scenarios(
    params: loyalty.BathtubParameters,
    budget: float,
    *,
    cost_per_saved: float,
    periods: int = 10,
    discount_rate: float = 0.0,
) -> pd.DataFrame:
    """The same yearly budget spent on the tap or on the drain, from today's bathtub.

    Three runs of :func:`crmkit.loyalty.compare_bathtubs` from ``params.end_stock``:

    - ``baseline``: the year ``params`` measured, kept constant;
    - ``open_the_tap``: ``budget`` more acquisition each year, at ``params``' cost per
      customer won: ``budget / acquisition_cost`` more customers a year;
    - ``plug_the_drain``: the same ``budget`` (in the first year) spent on keeping
      customers at ``cost_per_saved`` each: the retention rate rises by
      ``budget / (cost_per_saved * end_stock)``, and the extra spend per customer is kept,
      so it follows the base as it grows.

    Returns
    -------
    DataFrame
        The stacked runs (``scenario``, ``period`` and :func:`crmkit.loyalty.bathtub`'s
        columns).

    Examples
    --------
    >>> from crmkit.loyalty import BathtubParameters
    >>> p = BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)
    >>> runs = budget_scenarios(p, 10_000, cost_per_saved=100.0, periods=1)
    >>> runs.set_index("scenario")[["acquired", "lost", "end_stock"]].round(1)  # doctest: +NORMALIZE_WHITESPACE
                    acquired   lost  end_stock
    scenario
    baseline           100.0  100.0     1000.0
    open_the_tap       150.0  100.0     1050.0
    plug_the_drain     100.0    0.0     1100.0
    """
    for name, v in (("budget", budget), ("cost_per_saved", cost_per_saved)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if not params.end_stock > 0:
        raise ValueError("params.end_stock must be > 0: the bathtub is empty")
    base = params.as_kwargs()
    gain = budget / (cost_per_saved * params.end_stock)
    retention = base["retention_rate"] + gain
    if retention > 1:
        raise ValueError(f"the budget buys {gain:.3f} of retention, more than the "
                         f"{1 - base['retention_rate']:.3f} lost each year: lower it")
    scenarios = {
        "baseline": base,
        "open_the_tap": base | {"acquired": base["acquired"]
                                + budget / base["acquisition_cost"]},
        "plug_the_drain": base | {"retention_rate": retention,
                                  "retention_cost": base["retention_cost"]
                                  + budget / params.end_stock},
    }
    return loyalty.compare_bathtubs(periods, scenarios, initial_customers=params.end_stock,
                                    discount_rate=discount_rate)


def budget_summary(runs: pd.DataFrame, *, discount_rate: float = 0.0,
                   baseline: str = "baseline") -> pd.DataFrame:
    """Per scenario, what the extra spend bought against the baseline.

    Returns
    -------
    DataFrame
        Index ``scenario`` (the baseline left out): ``end_stock``, ``extra_customers``,
        ``extra_spend`` and ``extra_profit`` (both discounted at ``discount_rate`` and
        summed over the periods; the profit is net of the spend) and ``profit_per_euro``
        (extra profit per extra euro spent).

    Examples
    --------
    >>> from crmkit.loyalty import BathtubParameters
    >>> p = BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)
    >>> runs = budget_scenarios(p, 10_000, cost_per_saved=100.0, periods=1)
    >>> s = budget_summary(runs)
    >>> s[["extra_customers", "extra_spend", "profit_per_euro"]]  # doctest: +NORMALIZE_WHITESPACE
                    extra_customers  extra_spend  profit_per_euro
    scenario
    open_the_tap               50.0      10000.0              1.0
    plug_the_drain            100.0      10000.0              3.0
    """
    schema.require_columns(runs, "runs", {"scenario": None, "period": "number",
                                          "end_stock": "number", "acquisition_spend": "number",
                                          "retention_spend": "number",
                                          "discounted_profit": "number"},
                           nonnegative=("end_stock", "acquisition_spend", "retention_spend"))
    if baseline not in set(runs["scenario"]):
        raise schema.SchemaError(f"runs.scenario: no {baseline!r} run to compare with")
    factor = (1 + discount_rate) ** runs["period"].to_numpy(dtype=float)
    frame = runs.assign(spend=(runs["acquisition_spend"] + runs["retention_spend"]) / factor)
    g = frame.groupby("scenario", sort=False)
    last = frame.loc[frame["period"] == frame["period"].max()].set_index("scenario")
    out = pd.DataFrame({"end_stock": last["end_stock"], "spend": g["spend"].sum(),
                        "profit": g["discounted_profit"].sum()})
    base = out.loc[baseline]
    out = out.drop(index=baseline)
    result = pd.DataFrame({
        "end_stock": out["end_stock"],
        "extra_customers": out["end_stock"] - base["end_stock"],
        "extra_spend": out["spend"] - base["spend"],
        "extra_profit": out["profit"] - base["profit"],
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        result["profit_per_euro"] = result["extra_profit"] / result["extra_spend"]
    return result.rename_axis("scenario")


def break_even_cost_per_saved(
    params: loyalty.BathtubParameters,
    budget: float,
    *,
    periods: int = 10,
    discount_rate: float = 0.0,
) -> float:
    """The cost per saved customer at which plugging the drain pays as much as opening the
    tap, per euro, over ``periods`` (:func:`budget_scenarios`, :func:`budget_summary`).

    Below it, retention is the better use of the budget; above it, acquisition.

    Examples
    --------
    >>> from crmkit.loyalty import BathtubParameters
    >>> p = BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)
    >>> round(break_even_cost_per_saved(p, 10_000, periods=1))
    200
    """
    from scipy.optimize import brentq

    def gap(cost: float) -> float:
        runs = budget_scenarios(params, budget, cost_per_saved=cost, periods=periods,
                                discount_rate=discount_rate)
        ppe = budget_summary(runs, discount_rate=discount_rate)["profit_per_euro"]
        return float(ppe["plug_the_drain"] - ppe["open_the_tap"])

    # the cheapest saving the budget can buy keeps every customer; beyond that, no solution
    low = budget / ((1 - params.retention_rate) * params.end_stock) * (1 + 1e-9)
    high = 1_000 * max(params.acquisition_cost, low)
    if gap(low) < 0:
        return float("nan")  # even the cheapest saving loses to the tap
    if gap(high) > 0:
        return float("inf")
    return float(brentq(gap, low, high, xtol=1e-6, rtol=1e-10))


# ---------------------------------------------------------------------------------------
# the ROI of a CRM programme
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgrammeROI:
    """Result of :func:`programme_roi`.

    Attributes
    ----------
    flows : DataFrame
        One row per year: ``costs``, ``benefits``, ``net``, ``discounted_net``,
        ``cumulative_net``, ``cumulative_discounted``.
    npv : float
        Net present value: the sum of the discounted net flows.
    payback_years : float
        Years until the cumulative (undiscounted) net flow turns positive, interpolated
        within the year; ``inf`` if it never does.
    discounted_payback_years : float
        The same on the discounted flows.
    roi : float
        Discounted benefits over discounted costs, minus one.
    """

    flows: pd.DataFrame
    npv: float
    payback_years: float
    discounted_payback_years: float
    roi: float


def _payback(cumulative: np.ndarray, net: np.ndarray, years: np.ndarray) -> float:
    # years are flow dates (0 = today); the flow of year y accrues over (y - 1, y]
    after = np.flatnonzero(cumulative >= 0)
    if not (cumulative < 0).any():
        return 0.0
    last_negative = np.flatnonzero(cumulative < 0).max()
    after = after[after > last_negative]
    if len(after) == 0:
        return float("inf")
    k = after[0]
    before = cumulative[k] - net[k]
    return float(years[k] - 1 + (-before / net[k]))


def programme_roi(cash_flows: pd.DataFrame, *, discount_rate: float = 0.08) -> ProgrammeROI:
    """Costs and benefits of a CRM programme, year by year: NPV, payback period, ROI.

    Parameters
    ----------
    cash_flows : DataFrame
        Tidy: one row per ``year`` (integer, 0 = the launch year, not discounted),
        ``item`` (licences, data, training, change, campaign response, retention...),
        ``kind`` (``cost`` or ``benefit``) and ``amount`` (euros, >= 0).
    discount_rate : float
        Yearly rate of the net present value.

    Returns
    -------
    ProgrammeROI

    Examples
    --------
    1,000 invested today, 400 of benefits a year for four years, at 10 %:

    >>> import pandas as pd
    >>> cf = pd.DataFrame({"year": [0, 1, 2, 3, 4], "item": ["licences"] + ["campaigns"] * 4,
    ...     "kind": ["cost"] + ["benefit"] * 4, "amount": [1000.0, 400.0, 400.0, 400.0, 400.0]})
    >>> r = programme_roi(cf, discount_rate=0.10)
    >>> round(r.npv, 2), r.payback_years, round(r.roi, 3)
    (267.95, 2.5, 0.268)
    """
    if not (np.isfinite(discount_rate) and discount_rate > -1):
        raise ValueError(f"discount_rate must be a number above -1, got {discount_rate!r}")
    schema.check_not_empty(cash_flows, "cash_flows")
    schema.check_columns(cash_flows, "cash_flows", {"year": "int", "item": None,
                                                    "kind": None, "amount": "number"})
    for col in ("year", "item", "kind", "amount"):
        schema.check_no_missing(cash_flows, "cash_flows", col)
    schema.check_allowed(cash_flows, "cash_flows", "kind", ["cost", "benefit"])
    schema.check_nonnegative(cash_flows, "cash_flows", "year")
    schema.check_nonnegative(cash_flows, "cash_flows", "amount")
    years = np.arange(0, int(cash_flows["year"].max()) + 1)
    table = cash_flows.pivot_table(index="year", columns="kind", values="amount",
                                   aggfunc="sum", fill_value=0.0)
    table = table.reindex(index=years, columns=["cost", "benefit"], fill_value=0.0)
    flows = pd.DataFrame({"costs": table["cost"].to_numpy(dtype=float),
                          "benefits": table["benefit"].to_numpy(dtype=float)},
                         index=pd.Index(years, name="year"))
    factor = (1 + discount_rate) ** years
    flows["net"] = flows["benefits"] - flows["costs"]
    flows["discounted_net"] = flows["net"] / factor
    flows["cumulative_net"] = flows["net"].cumsum()
    flows["cumulative_discounted"] = flows["discounted_net"].cumsum()
    d_costs = float((flows["costs"] / factor).sum())
    d_benefits = float((flows["benefits"] / factor).sum())
    return ProgrammeROI(
        flows=flows,
        npv=float(flows["discounted_net"].sum()),
        payback_years=_payback(flows["cumulative_net"].to_numpy(), flows["net"].to_numpy(),
                               years),
        discounted_payback_years=_payback(flows["cumulative_discounted"].to_numpy(),
                                          flows["discounted_net"].to_numpy(), years),
        roi=d_benefits / d_costs - 1 if d_costs > 0 else float("inf"),
    )
