"""The value audit's computations: one row per customer who bought in the window (those who
did not are counted apart), concentration measured on the profitable customers' profit, and
an action plan that recommends only what the data support."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.market import active_on, in_window, period_during, period_on
from crmkit.workshop.data import _has, analysis_window, checked_table
from crmkit.workshop.report import Note, check_currency, money, number, percent, text

__all__ = ["DEFAULT_RETENTION", "ValueBase", "value_base", "concentration", "action_plan"]

_MONTH_DAYS = 365.25 / 12
DEFAULT_RETENTION = 0.8


@dataclass
class ValueBase:
    """The value audit's table: one row per customer who bought in the window.

    Attributes
    ----------
    customers : DataFrame
        ``customer_id``, ``commercial_margin``, ``cost_to_serve``, ``direct_profit``,
        ``peer_group``, ``potential`` (and ``credit_score`` / ``sector`` when known), yearly
        figures, for the customers with a money flow (a purchase, a premium) in the window.
    non_buyers : int
        Customers of the base (acquired before the end of the window, not gone before its
        start) with no money flow in the window: counted apart, not in the table.
    start, end : Timestamp
        The window (``start <= date < end``).
    retention : float
        Yearly retention used for lifetime values (measured, or assumed: see ``notes``).
    currency : str
        ISO code of the money in the data.
    notes : list of Note
        What the data lacked and what was assumed instead (each with the consultant's hint).
    """

    customers: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    retention: float
    notes: list[Note] = field(default_factory=list)
    non_buyers: int = 0
    currency: str = "EUR"


def _known_customers(market, start, end) -> pd.DataFrame:
    cu = market.customers
    if len(cu) == 0:
        return pd.DataFrame({"customer_id": pd.Series([], dtype=np.int64)})
    # active on at least one day of [start, end) (crmkit.market's rule); imported data may
    # lack the dates: a missing acquisition date counts as acquired before the window
    none = pd.Series(pd.NaT, index=cu.index, dtype="datetime64[ns]")
    acquired = cu["acquisition_date"] if _has(cu, "acquisition_date") else none
    churned = cu["churn_date"] if "churn_date" in cu.columns else none
    keep = period_during(acquired.fillna(start), churned, start, end)
    cols = [c for c in ("customer_id", "sector", "credit_score", "life_stage", "birth_date")
            if c in cu.columns]
    return cu.loc[keep, cols]


def _in_force_months(contracts: pd.DataFrame, start, end) -> pd.Series:
    """Months each contract was in force inside ``[start, end)``."""
    s = contracts["start_date"].clip(lower=start)
    e = contracts["end_date"].fillna(end).clip(upper=end) if "end_date" in contracts.columns \
        else pd.Series(end, index=contracts.index)
    return ((e - s).dt.days.clip(lower=0) / _MONTH_DAYS).rename("months")


def _margin_flows(market, start, end, months, margin_rate, notes) -> pd.DataFrame:
    """Money flows with a margin inside the window, as ``customer_id``, ``date``, ``margin``."""
    tx, co = market.transactions, market.contracts
    if _has(tx, "customer_id", "date", "margin"):
        # the kind (when known) tells claims apart: they lower profit, not potential
        flows = tx[["customer_id", "date", "margin", *(["kind"] if "kind" in tx else [])]]
    elif _has(tx, "customer_id", "date", "amount"):
        rate = 1.0 if margin_rate is None else float(margin_rate)
        if margin_rate is None:
            notes.append(Note(text("notes.margin_is_revenue"), text("hints.margin_rate")))
        else:
            notes.append(Note(text("notes.margin_rate", rate=percent(rate))))
        flows = tx[["customer_id", "date"]].assign(margin=tx["amount"] * rate)
    elif _has(co, "customer_id", "start_date", "monthly_premium"):
        notes.append(Note(text("notes.premiums", months=months)))
        m = _in_force_months(co, start, end)
        flows = pd.DataFrame({"customer_id": co["customer_id"], "date": start,
                              "margin": co["monthly_premium"] * m})[m > 0]
    else:
        schema.fail("market", None, "the value audit needs transactions (with a margin or an "
                    "amount) or contracts with a monthly_premium; the data have neither")
    return flows.loc[in_window(flows["date"], start, end)]


def _costs(market, ids: pd.Series, start, end, months, cost_per_contract, currency,
           notes) -> pd.DataFrame:
    from crmkit.value import allocate_costs, cost_to_serve

    it = market.interactions
    if _has(it, "customer_id", "date", "cost", "channel"):
        # buyers without a contact in the window cost nothing to serve
        costs = cost_to_serve(it, start=start, end=end).set_index("customer_id")
        return costs["cost_to_serve"].reindex(ids, fill_value=0.0).rename_axis(
            "customer_id").reset_index()
    if not (np.isfinite(cost_per_contract) and cost_per_contract >= 0):
        raise ValueError(f"cost_per_contract must be a number >= 0, got {cost_per_contract!r}")
    co = market.contracts
    if _has(co, "customer_id", "start_date"):
        in_force = co.loc[_in_force_months(co, start, end) > 0, "customer_id"]
        n = in_force.value_counts().reindex(ids, fill_value=0)
        what = "contract"
    else:
        n = pd.Series(1, index=ids)
        what = "customer"
    notes.append(Note(text(f"notes.default_cost_per_{what}",
                           cost=money(cost_per_contract, currency, 2)),
                      text("hints.cost_per_contract")))
    drivers = pd.DataFrame({"customer_id": n.index.to_numpy(), "contracts": n.to_numpy()})
    pool = cost_per_contract * months / 12 * float(n.sum())
    if pool == 0 or n.sum() == 0:
        return drivers.assign(cost_to_serve=0.0)[["customer_id", "cost_to_serve"]]
    out = allocate_costs(drivers, {"contract_handling": (pool, "contracts")})
    return out.rename(columns={"indirect_cost": "cost_to_serve"})[["customer_id", "cost_to_serve"]]


def _peer_groups(active: pd.DataFrame, end, notes) -> pd.Series:
    if _has(active, "life_stage"):
        return active["life_stage"].astype(object).fillna("unknown").astype(str)
    if _has(active, "birth_date"):
        age = ((end - active["birth_date"]).dt.days / 365.25) // 10 * 10
        notes.append(Note(text("notes.peers_age")))
        return age.map(lambda a: "unknown" if pd.isna(a) else f"{int(a)}-{int(a) + 9}")
    if _has(active, "sector"):
        notes.append(Note(text("notes.peers_sector")))
        return active["sector"].astype(object).fillna("unknown").astype(str)
    notes.append(Note(text("notes.peers_all")))
    return pd.Series("all", index=active.index)


def _retention(market, start, end, months, retention, notes) -> float:
    if retention is not None:
        if not 0 <= retention <= 1:
            raise ValueError(f"retention must be in [0, 1], got {retention!r}")
        notes.append(Note(text("notes.retention_given", rate=percent(retention, 1))))
        return float(retention)
    cu, co = market.customers, market.contracts
    # customers present at the start of the window who are still there at its end
    if _has(cu, "acquisition_date") and "churn_date" in cu.columns:
        there = active_on(cu, start)
        stayed = there & ~in_window(cu["churn_date"], start, end)
        basis = "customers"
    elif _has(co, "customer_id", "start_date"):
        end_date = co["end_date"] if "end_date" in co.columns else pd.Series(pd.NaT, index=co.index)
        # holders on the window's first day, and those still holding on its last day
        at_start = co.loc[period_on(co["start_date"], end_date, start), "customer_id"].unique()
        last_day = end - pd.Timedelta(days=1)
        at_end = co.loc[period_on(co["start_date"], end_date, last_day), "customer_id"].unique()
        there = pd.Series(True, index=at_start)
        stayed = there & pd.Series(at_start).isin(at_end).to_numpy()
        basis = "holders"
    else:
        there = pd.Series([], dtype=bool)
        stayed = there
        basis = ""
    if there.sum() == 0:
        notes.append(Note(text("notes.retention_assumed", rate=percent(DEFAULT_RETENTION)),
                          text("hints.retention")))
        return DEFAULT_RETENTION
    rate = float(stayed.sum() / there.sum())
    yearly = rate ** (12 / months)
    notes.append(Note(text(f"notes.retention_measured_{basis}", rate=percent(yearly, 1),
                           stayed=number(int(stayed.sum())), there=number(int(there.sum())))))
    return yearly


# what the value audit may read of each table (the fallbacks read the others' columns)
_VALUE_USES = {
    "customers": ("customer_id", "acquisition_date", "churn_date", "sector", "credit_score",
                  "life_stage", "birth_date"),
    "transactions": ("customer_id", "date", "margin", "amount", "kind"),
    "contracts": ("contract_id", "customer_id", "start_date", "end_date", "monthly_premium"),
    "interactions": ("interaction_id", "customer_id", "date", "cost", "channel"),
}


def _check_value_tables(market) -> None:
    for name, uses in _VALUE_USES.items():
        checked_table(market, name, uses)


def value_base(
    market,
    *,
    as_of=None,
    months: int = 12,
    cost_per_contract: float = 30.0,
    margin_rate: float | None = None,
    retention: float | None = None,
    potential_quantile: float = 0.75,
    currency: str = "EUR",
) -> ValueBase:
    """One row per customer who bought in the window, with the two halves of value.

    Commercial margin over the window (:func:`crmkit.value.direct_profit`), cost to serve
    (:func:`crmkit.value.cost_to_serve` from interactions, or a default cost per contract
    allocated with :func:`crmkit.value.allocate_costs`), direct profit, and potential
    (:func:`crmkit.value.potential`: the gap between the customer's margin without claims
    and the ``potential_quantile`` of that margin among peers of the same life stage, age
    band or sector — needs not covered yet; a gap in direct profit would count a
    loss-maker's cost to serve and claims as potential). Annualised: margins and costs
    are scaled to 12 months. Customers of the base without any money flow in the window are
    not in the table: ``non_buyers`` counts them (a default cost would make each of them a
    loss-maker, and a strategy would then be recommended for people who buy nothing).

    Parameters
    ----------
    market : Market
        From :func:`load_data`.
    as_of, months : see :func:`analysis_window`.
    cost_per_contract : float, default 30
        Yearly handling cost per contract (or per customer without contracts), in
        ``currency``, used when there are no interactions.
    margin_rate : float, optional
        Margin rate applied to revenue when transactions carry no margin.
    retention : float, optional
        Yearly retention; measured on the data when None.
    potential_quantile : float, default 0.75
    currency : str, default "EUR"
        ISO code of the money in the data (``USD`` for CDNOW).

    Returns
    -------
    ValueBase
        The table (``customers``), ``non_buyers``, the window, the retention used, the
        currency and the ``notes`` on what was assumed.

    Examples
    --------
    The first half of 2017 in the shipped sample market (figures annualised):

    >>> from crmkit.datasets import load_sample
    >>> vb = value_base(load_sample(), as_of="2017-06-30", months=6)
    >>> str(vb.start.date()), str(vb.end.date())
    ('2017-01-01', '2017-07-01')
    >>> c = vb.customers
    >>> bool((c["direct_profit"] - (c["commercial_margin"] - c["cost_to_serve"])).abs().max() < 1e-6)
    True
    >>> bool((c["potential"] >= 0).all()), 0 < vb.retention < 1
    (True, True)
    """
    from crmkit.value import direct_profit, potential

    currency = check_currency(currency)
    _check_value_tables(market)
    start, end = analysis_window(market, as_of=as_of, months=months)
    notes: list[Note] = []
    flows = _margin_flows(market, start, end, months, margin_rate, notes)
    known = _known_customers(market, start, end)
    ids = pd.Index(pd.unique(flows["customer_id"])).sort_values()
    if len(ids) == 0:
        schema.fail("market", None, f"no customer bought between {start.date()} and "
                                 f"{end.date()}; choose another as_of")
    non_buyers = int((~known["customer_id"].isin(ids)).sum()) if len(known) else 0
    costs = _costs(market, pd.Series(ids), start, end, months, cost_per_contract, currency, notes)
    profit = direct_profit(flows, costs, start=start, end=end)
    profit = profit.set_index("customer_id").reindex(ids, fill_value=0.0)
    scale = 12 / months  # yearly figures whatever the window
    out = (profit[["commercial_margin", "cost_to_serve", "direct_profit"]] * scale)
    out = out.rename_axis("customer_id").reset_index()
    extra = known.drop_duplicates("customer_id").set_index("customer_id").reindex(ids)
    for col in ("sector", "credit_score"):
        if col in extra.columns and extra[col].notna().all():
            out[col] = extra[col].to_numpy()
    out["peer_group"] = _peer_groups(extra.reset_index(), end, notes).to_numpy()
    # potential looks at the future: the margin still to win, not a gap in profit (the
    # cost to serve and claims lower profit, they are not needs left to cover)
    held = flows if "kind" not in flows else flows.loc[flows["kind"].astype(str) != "claim"]
    if "kind" not in flows and _has(market.transactions, "margin"):
        notes.append(Note(text("notes.no_claims_known")))
    wallet = out[["customer_id", "peer_group"]].assign(
        wallet_margin=held.groupby("customer_id")["margin"].sum().reindex(ids, fill_value=0.0)
        .to_numpy() * scale)
    pot = potential(wallet, "wallet_margin", group_cols=["peer_group"],
                    quantile=potential_quantile)
    out["potential"] = pot["potential"].to_numpy()
    rate = _retention(market, start, end, months, retention, notes)
    return ValueBase(out, start, end, rate, notes, non_buyers=non_buyers, currency=currency)


def concentration(customers: pd.DataFrame, value_col: str = "direct_profit",
                  class_col: str = "abc_class") -> pd.DataFrame:
    """How value is shared between classes, measured on what can be shared.

    Per class: customers and their share, the value (sum of ``value_col``), the profit of its profitable
    customers (``gains``) and the losses of its loss-making ones, and ``gain_share``: the
    class's share of all the profit the profitable customers earn. Shares of a total that
    mixes profits and losses mean nothing (236 % and −169 % when the losses nearly cancel
    the profits); the gains are what concentration is about, and the losses are reported
    next to them.

    Parameters
    ----------
    customers : DataFrame
        One row per ``customer_id``, with ``value_col`` and ``class_col``.
    value_col : str, default "direct_profit"
        The value to share.
    class_col : str, default "abc_class"
        The class of each customer (ABC classes, segments...).

    Returns
    -------
    DataFrame
        One row per class: ``customers``, ``customer_share``, the sum of ``value_col``,
        ``gains``, ``losses`` and ``gain_share`` (NaN when no customer is profitable).

    Raises
    ------
    SchemaError
        A missing column, a non-numeric value or a repeated customer.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"abc_class": ["A", "B", "C", "C"], "direct_profit": [90.0, 10, 5, -95]})
    >>> out = concentration(c).round(3)
    >>> out[["abc_class", "direct_profit", "gains", "losses", "gain_share"]].to_dict("records")
    [{'abc_class': 'A', 'direct_profit': 90.0, 'gains': 90.0, 'losses': 0.0, 'gain_share': 0.857}, \
{'abc_class': 'B', 'direct_profit': 10.0, 'gains': 10.0, 'losses': 0.0, 'gain_share': 0.095}, \
{'abc_class': 'C', 'direct_profit': -90.0, 'gains': 5.0, 'losses': -95.0, 'gain_share': 0.048}]
    """
    schema.require_columns(customers, "customers", {value_col: "number", class_col: None})
    schema.check_key(customers, "customers", "customer_id")  # a repeated customer counts twice
    v = customers[value_col]
    g = customers.assign(gains=v.clip(lower=0), losses=v.clip(upper=0)).groupby(
        class_col, observed=True, sort=True)
    out = pd.DataFrame({"customers": g.size(), value_col: g[value_col].sum(),
                        "gains": g["gains"].sum(), "losses": g["losses"].sum()})
    out.insert(1, "customer_share", out["customers"] / out["customers"].sum())
    total_gains = out["gains"].sum()
    out["gain_share"] = out["gains"] / total_gains if total_gains > 0 else np.nan
    return out.reset_index()


# what each strategy calls for, and what the data must show for it to be advised
_NEEDS = {
    "loyalty": "profitable",  # reward customers who bring money
    "retention": "profitable",
    "multi_equipment": "potential",  # there must be something left to sell
    "termination": "loss",  # only customers who cost money are let go
}


def action_plan(kpis: pd.DataFrame, *, min_customers: int = 1) -> pd.DataFrame:
    """The action of each strategy where the data support it, else why not.

    ``kpis`` has one row per ``strategy`` with ``customers``, ``share``, ``direct_profit``
    (sum), ``potential`` (sum) and ``mean_profit``. Loyalty and retention are advised for a
    group that is profitable on average, multi-equipment where potential is left, termination
    (after the checks) only for a group that loses money; groups smaller than
    ``min_customers`` get no advice. ``supported`` says which rows carry an action.

    Parameters
    ----------
    kpis : DataFrame
        One row per strategy, as described above.
    min_customers : int, default 1
        The smallest group that gets advice.

    Returns
    -------
    DataFrame
        ``strategy``, ``customers``, ``share``, ``direct_profit``, ``potential``,
        ``recommended_action`` (the action, or why there is none, in the current language)
        and ``supported``.

    Raises
    ------
    SchemaError
        A missing column, a negative count, share or potential, or a repeated strategy.

    Examples
    --------
    >>> import pandas as pd
    >>> k = pd.DataFrame({"strategy": ["loyalty", "termination"], "customers": [10, 40],
    ...                   "share": [0.2, 0.8], "direct_profit": [-50.0, -400.0],
    ...                   "potential": [0.0, 10.0], "mean_profit": [-5.0, -10.0]})
    >>> action_plan(k)["supported"].tolist()  # a loss-making group gets no loyalty offer
    [False, True]
    >>> action_plan(k, min_customers=50)["supported"].tolist()  # both groups too small
    [False, False]
    """
    # one row per strategy, with every figure a recommendation reads: a missing mean profit
    # would read as "not profitable" and withhold advice silently
    schema.require_columns(
        kpis, "kpis", {"strategy": None, "customers": "number", "share": "number",
                       "direct_profit": "number", "potential": "number", "mean_profit": "number"},
        nonnegative=("customers", "share", "potential"), unique="strategy")
    plan = kpis[["strategy", "customers", "share", "direct_profit", "potential"]].copy()
    actions, ok = [], []
    for _, row in kpis.iterrows():
        need = _NEEDS.get(str(row["strategy"]))
        if row["customers"] < min_customers:
            supported, why = False, "actions.too_few"
        elif need == "profitable":
            supported, why = row["mean_profit"] > 0, "actions.not_profitable"
        elif need == "potential":
            supported, why = row["potential"] > 0, "actions.no_potential"
        elif need == "loss":
            supported, why = row["mean_profit"] < 0, "actions.profitable_keep"
        else:
            supported, why = False, "actions.unknown"
        ok.append(bool(supported))
        actions.append(text(f"actions.{row['strategy']}") if supported else text(why))
    plan["recommended_action"] = actions
    plan["supported"] = ok
    return plan
