"""Differentiate: each customer's value and needs, side by side.

Peppers and Rogers differentiate customers in two ways: by their *value* to the company
(what they bring now and could bring) and by their *needs* (what they expect from it).
The lecture slides ask which criteria value the portfolio and how fine the segmentation must be;
the thesis chapter adds that not every customer is profitable nor loyal, so the company serves
first the needs of the most valuable ones.

This module does not compute value or segments itself: it assembles, for every active
customer, what :mod:`crmkit.value` and :mod:`crmkit.segmentation` compute (direct profit,
potential, the ABC class, the value-matrix quadrant and its strategy, the life stage) with
the holdings and the open needs found by :mod:`crmkit.idic.customize`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.idic.customize import DEFAULT_RULES, offer_groups, recommend_offers
from crmkit.idic.identify import join_distinct
from crmkit.market import active_on, in_window, running_on
from crmkit.segmentation import abc_analysis, lifecycle_segments
from crmkit.value import cost_to_serve, customer_value, direct_profit, potential, value_strategies

__all__ = ["customer_profiles", "profile_summary"]


def customer_profiles(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    interactions: pd.DataFrame,
    contracts: pd.DataFrame,
    products: pd.DataFrame,
    life_events: pd.DataFrame,
    as_of: pd.Timestamp | str | None = None,
    *,
    years: float = 1.0,
    potential_groups: tuple[str, ...] = ("life_stage",),
    potential_quantile: float = 0.75,
    abc_shares: tuple[float, ...] = (0.1, 0.25, 0.65),
    rules: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Value and needs profile of every active customer (the Differentiate step).

    Value (reusing :mod:`crmkit.value` and :mod:`crmkit.segmentation`):
    ``direct_profit`` over the last ``years`` (commercial margin minus the direct cost
    to serve of the interactions), ``potential`` (the gap between the customer's
    ``wallet_margin`` — the margin of their flows other than claims — and the
    ``potential_quantile`` of the same margin among peers of the same
    ``potential_groups``: needs the company does not cover yet), ``value`` = profit +
    potential, the ``abc_class`` on direct profit, the value-matrix ``quadrant`` and its
    ``strategy``.

    Profitability looks at the past and potential at the future, so the potential is a
    gap in what the customer holds, never in profit: a gap in profit would count a
    loss-maker's cost to serve and claims as potential and send every loss-maker to
    multi-equipment. A customer's cost to serve and claims (transactions of kind
    ``claim``, when the table has a ``kind`` column) change their direct profit, not their
    potential.

    Needs: products held (``n_products``, ``bank_products``, ``insurance_products``,
    ``products_held``), the ``life_stage`` and whether a life-stage ``transition_due``,
    the ``open_needs`` that the next-best-offer rules find (e.g. ``car_cover|savings``)
    and the ``next_need``, the one with the highest expected value.

    Parameters
    ----------
    customers, transactions, interactions, contracts, products, life_events : DataFrame
        Market tables.
    as_of : date, optional
        Day of the profile (default: the day after the last transaction).
    years : float
        Length of the period over which the direct profit is measured.
    potential_groups : tuple of str
        Columns of ``customers`` defining the peers of the potential.
    potential_quantile : float
        Quantile of the peers' wallet margin (margin without claims) used as benchmark.
    abc_shares : tuple of float
        Customer shares of the ABC classes (the lecture slides' 10/25/65 by default).
    rules : DataFrame, optional
        Next-best-offer rules (default :data:`crmkit.idic.customize.DEFAULT_RULES`).

    Returns
    -------
    DataFrame
        One row per active customer, sorted by ``customer_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> day = pd.Timestamp("2024-01-01")
    >>> customers = pd.DataFrame({"customer_id": [1, 2, 3, 4],
    ...     "life_stage": ["family"] * 4, "income": [30e3, 35e3, 40e3, 90e3],
    ...     "birth_date": pd.to_datetime(["1980-01-01"] * 4),
    ...     "acquisition_date": pd.to_datetime(["2010-01-01"] * 4),
    ...     "churn_date": pd.to_datetime([None] * 4), "preferred_channel": ["web"] * 4,
    ...     "preferred_hour": [9] * 4, "contact_consent": [True] * 4, "opt_out": [False] * 4})
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 3, 4], "margin": [900.0, 300, 100, 50],
    ...     "date": pd.to_datetime(["2023-06-01"] * 4)})
    >>> it = pd.DataFrame({"customer_id": [1, 3], "channel": ["branch", "phone"],
    ...     "cost": [100.0, 6.0], "date": pd.to_datetime(["2023-05-01"] * 2)})
    >>> contracts = pd.DataFrame({"contract_id": [1, 2], "customer_id": [1, 2],
    ...     "product_id": ["B_CURRENT", "I_AUTO"], "start_date": pd.to_datetime(["2015-01-01"] * 2),
    ...     "end_date": pd.to_datetime([None, None])})
    >>> products = pd.DataFrame({"product_id": ["B_CURRENT", "I_AUTO", "I_HOME"],
    ...     "sector": ["bank", "insurance", "insurance"], "monthly_price": [8.0, 50.0, 22.0]})
    >>> events = pd.DataFrame({"customer_id": [3], "date": pd.to_datetime(["2023-09-01"]),
    ...     "event": ["marriage"], "stage_before": ["single"], "stage_after": ["family"]})
    >>> rules = DEFAULT_RULES[DEFAULT_RULES["event"] == "marriage"]
    >>> p = customer_profiles(customers, tx, it, contracts, products, events, day,
    ...                       rules=rules, abc_shares=(0.25, 0.25, 0.5))
    >>> p[["customer_id", "direct_profit", "abc_class", "n_products", "open_needs"]]  # doctest: +NORMALIZE_WHITESPACE
       customer_id  direct_profit abc_class  n_products             open_needs
    0            1          800.0         A           1
    1            2          300.0         B           1
    2            3           94.0         C           0  car_cover|home_cover
    3            4           50.0         C           0
    """
    rules = DEFAULT_RULES if rules is None else rules
    schema.validate(customers, "customers",
                    columns=["customer_id", "acquisition_date", "churn_date", "birth_date"])
    schema.check_columns(customers, "customers", list(potential_groups))
    # the kind is optional (claims are told apart when it is there), and checked when there
    schema.validate(transactions, "transactions", columns=["customer_id", "date", "margin",
                                                           *(["kind"] if "kind" in transactions
                                                             else [])])
    schema.validate(interactions, "interactions",
                    columns=["customer_id", "date", "channel", "cost"])
    schema.validate(contracts, "contracts",
                    columns=["customer_id", "product_id", "start_date", "end_date"])
    schema.validate(products, "products", columns=["product_id", "sector"])
    if years <= 0:
        raise ValueError(f"years must be > 0, got {years}")
    day = (schema.as_timestamp(as_of) if as_of is not None
           else transactions["date"].max().normalize() + pd.Timedelta(days=1))
    start = day - pd.DateOffset(months=int(round(12 * years)))
    active = customers[active_on(customers, day)]
    active = active.sort_values("customer_id").reset_index(drop=True)
    if active.empty:
        schema._fail("customers", "churn_date", f"no customer is active on {day.date()}")
    ids = active["customer_id"]

    # value: crmkit.value and crmkit.segmentation
    costs = cost_to_serve(interactions, start=start, end=day)
    dp = direct_profit(transactions, costs[["customer_id", "cost_to_serve"]],
                       start=start, end=day).set_index("customer_id")
    prof = active[["customer_id", *potential_groups]].copy()
    for col in ("commercial_margin", "cost_to_serve", "direct_profit"):
        prof[col] = dp[col].reindex(ids).fillna(0.0).to_numpy()
    # potential: the margin still to win (needs not covered), a gap in what customers hold,
    # so neither the cost to serve nor claims (a cost of risk) count as potential
    flows = transactions.loc[in_window(transactions["date"], start, day)]
    if "kind" in flows:
        flows = flows.loc[flows["kind"].astype(str) != "claim"]
    prof["wallet_margin"] = (flows.groupby("customer_id")["margin"].sum()
                             .reindex(ids).fillna(0.0).to_numpy())
    pot = potential(prof, "wallet_margin", group_cols=list(potential_groups),
                    quantile=potential_quantile)
    prof["potential"] = pot["potential"].to_numpy()
    prof["value"] = customer_value(prof).to_numpy()
    abc = abc_analysis(prof, "direct_profit", shares=abc_shares).customers
    prof["abc_class"] = abc.set_index("customer_id")["abc_class"].reindex(ids).to_numpy()
    strat = value_strategies(prof).set_index("customer_id")
    prof["quadrant"] = strat["quadrant"].reindex(ids).to_numpy()
    prof["strategy"] = strat["strategy"].reindex(ids).to_numpy()

    # needs: holdings, life stage, open needs from the next-best-offer rules
    running = contracts[running_on(contracts, day)]
    running = running.merge(products[["product_id", "sector"]], on="product_id", how="left")
    g = running.groupby("customer_id")
    prof["n_products"] = g["product_id"].nunique().reindex(ids).fillna(0).astype(np.int64).to_numpy()
    for sector in schema.SECTORS:
        n = running[running["sector"] == sector].groupby("customer_id")["product_id"].nunique()
        prof[f"{sector}_products"] = n.reindex(ids).fillna(0).astype(np.int64).to_numpy()
    held = join_distinct(running, "customer_id", "product_id")
    prof["products_held"] = held.reindex(ids).fillna("").to_numpy()
    stages = lifecycle_segments(life_events, customers, as_of=day).set_index("customer_id")
    stage = (stages["stage"].reindex(ids).astype(object) if "life_stage" not in active
             else active["life_stage"].astype(object).set_axis(ids))
    prof["life_stage"] = stage.to_numpy()
    prof["transition_due"] = stages["transition_due"].reindex(ids).fillna(False).astype(bool).to_numpy()

    recs = recommend_offers(customers, contracts, life_events, products, day, rules)
    need = recs["offer"].map(offer_groups(rules))
    recs = recs.assign(need=need)
    first = recs.sort_values(["customer_id", "rank"]).drop_duplicates("customer_id")
    open_needs = join_distinct(recs, "customer_id", "need")
    prof["open_needs"] = open_needs.reindex(ids).fillna("").to_numpy()
    prof["next_need"] = first.set_index("customer_id")["need"].reindex(ids).fillna("").to_numpy()
    prof["next_offer_value"] = (first.set_index("customer_id")["expected_value"]
                                .reindex(ids).fillna(0.0).to_numpy())
    for col in ("preferred_channel", "n_channels"):
        if col in active:
            prof[col] = active[col].to_numpy()
    return prof


def profile_summary(profiles: pd.DataFrame, by: str = "strategy") -> pd.DataFrame:
    """Customers, value and needs per group of the profiles (strategy, ABC class...).

    Parameters
    ----------
    profiles : DataFrame
        Output of :func:`customer_profiles`.
    by : str
        Column to group by.

    Returns
    -------
    DataFrame
        Per group: ``customers``, ``customer_share``, ``direct_profit`` (sum),
        ``profit_share``, ``potential`` (sum), ``products`` (mean held),
        ``with_open_need`` (share of customers with at least one open need) and
        ``top_need`` (the most frequent next need).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"strategy": ["loyalty", "loyalty", "termination"],
    ...     "direct_profit": [300.0, 100.0, -100.0], "potential": [0.0, 50.0, 0.0],
    ...     "n_products": [3, 1, 1], "next_need": ["savings", "savings", ""]})
    >>> profile_summary(p)[["customers", "profit_share", "with_open_need", "top_need"]]  # doctest: +NORMALIZE_WHITESPACE
                 customers  profit_share  with_open_need top_need
    strategy
    loyalty              2          1.33             1.0  savings
    termination          1         -0.33             0.0
    """
    schema.require_columns(profiles, "profiles", {by: None, "direct_profit": "number",
                                                  "potential": "number", "n_products": "number",
                                                  "next_need": "string"},
                           nonnegative=("n_products",))
    schema.check_key(profiles, "profiles", "customer_id")
    g = profiles.groupby(by, observed=True)
    out = pd.DataFrame({
        "customers": g.size(),
        "direct_profit": g["direct_profit"].sum(),
        "potential": g["potential"].sum(),
        "products": g["n_products"].mean(),
        "with_open_need": g["next_need"].agg(lambda s: (s != "").mean()),
        "top_need": g["next_need"].agg(
            lambda s: s[s != ""].value_counts().index[0] if (s != "").any() else ""),
    })
    out.insert(1, "customer_share", out["customers"] / len(profiles))
    total = profiles["direct_profit"].sum()
    out.insert(3, "profit_share", (out["direct_profit"] / total).round(2) if total else np.nan)
    return out
