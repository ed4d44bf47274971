"""Exercises of Chapter 4, customer value (ids ``ch4.<name>``).

Each exercise registers a function that computes the expected answer, at check time, from
the tables the student worked on (passed to :func:`crmkit.exercises.check` as keyword
inputs) or from the CDNOW sample: the answer is never written in the notebook, in a
message or in a hint.

==================================  =====================================  =====================
exercise                            inputs                                 answer
==================================  =====================================  =====================
``ch4.equal_split_loss_share``      ``base`` (margin, direct cost), pools  a share in [0, 1]
``ch4.equity_plus5``                ``customers`` (value chain columns)    a relative change
``ch4.effort_on_negative_capital``  ``customers``, ``interactions``        a share in [0, 1]
``ch4.high_after_3``                ``matrix`` (yearly transition matrix)  a share in [0, 1]
``ch4.loss_making_recover``         ``panel`` (value tiers by year)        a share in [0, 1]
``ch4.cdnow_holdout``               none (the CDNOW sample)                a number of purchases
``ch4.breakeven_churn``             ``customers``, ``interactions``        a probability
==================================  =====================================  =====================

Examples
--------
>>> import pandas as pd
>>> from crmkit.exercises import check
>>> base = pd.DataFrame({"customer_id": [1, 2, 3], "commercial_margin": [500.0, 90.0, 40.0],
...                      "direct_cost": [50.0, 0.0, 10.0]})
>>> pools = pd.DataFrame({"pool": ["order_handling"], "amount": [150.0],
...                       "driver": ["contracts"]})
>>> check("ch4.equal_split_loss_share", 1 / 3, base=base, pools=pools).correct
True
>>> check("ch4.equal_split_loss_share", 0.0, base=base, pools=pools).correct
False
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.exercises._core import _table, register
from crmkit.schema import check_in_range

__all__: list[str] = []

# the chapter's assumptions, the defaults of the checkers' inputs
DISCOUNT_RATE = 0.08
HORIZON = 10
ADOPTION = 0.5


@register(
    "ch4.equal_split_loss_share",
    hint="Give every customer the same share of each pool (crmkit.value.allocate_costs with "
         "a driver column equal to 1 for everyone), add the direct cost of the contacts, "
         "subtract the total from the commercial margin and take the share of customers "
         "below zero. Give a fraction between 0 and 1.",
    tolerance=0.002,
    explanation="An equal split charges the light users as much as the heavy ones: the "
                "small accounts turn red, and the totals do not change.",
)
def _equal_split_loss_share(base: pd.DataFrame | None = None,
                           pools: pd.DataFrame | None = None) -> float:
    from crmkit.value import allocate_costs

    df = _table(base, "base", {"customer_id": None, "commercial_margin": "number",
                               "direct_cost": "number"})
    pools = _table(pools, "pools", {"pool": None, "amount": "number"})
    equal = pd.DataFrame({"customer_id": df["customer_id"].to_numpy(), "equal_split": 1})
    spec = {str(p): (float(a), "equal_split") for p, a in zip(pools["pool"], pools["amount"],
                                                              strict=True)}
    indirect = allocate_costs(equal, spec)["indirect_cost"].to_numpy()
    profit = df["commercial_margin"].to_numpy(float) - df["direct_cost"].to_numpy(float)
    return float(np.mean(profit - indirect < 0))


@register(
    "ch4.equity_plus5",
    hint="Compute the lifetime values twice with crmkit.value.lifetime_value_chain (same "
         "columns, discount rate and horizon as in the text), once as measured and once with "
         "retention_change=0.05; customer equity is the sum of lifetime_value. Give the "
         "relative change (new / old - 1) as a fraction.",
    tolerance=0.001,
    explanation="Five points of retention are worth far more than five per cent of value: "
                "each retained year also keeps the years after it.",
)
def _equity_plus5(customers: pd.DataFrame | None = None,
                 discount_rate: float = DISCOUNT_RATE, horizon: int | None = HORIZON) -> float:
    from crmkit.value import lifetime_value_chain

    df = _table(customers, "customers",
                {"customer_id": None, "direct_profit": "number", "potential": "number",
                 "retention": "number"})
    kw = dict(retention="retention", discount_rate=discount_rate, horizon=horizon)
    before = lifetime_value_chain(df, **kw)["lifetime_value"].sum()
    after = lifetime_value_chain(df, retention_change=0.05, **kw)["lifetime_value"].sum()
    return float(after / before - 1)


@register(
    "ch4.high_after_3",
    hint="Start from a distribution with all customers in the high tier and apply the yearly "
         "transition matrix three times (MarkovMigrationModel.state_distribution does it); "
         "read the share in the high tier. Give a fraction between 0 and 1.",
    tolerance=0.001,
    explanation="Even the best tier leaks: some customers slip to lower tiers, others leave, "
                "and a few of those who slipped come back.",
)
def _high_after_3(matrix: pd.DataFrame | None = None, state: str = "high") -> float:
    P = _table(matrix, "matrix", {})
    if list(P.index) != list(P.columns) or state not in P.index:
        raise ValueError(f"matrix: a square transition matrix with a {state!r} state")
    start = (P.index == state).astype(float)
    after = start @ np.linalg.matrix_power(P.to_numpy(dtype=float), 3)
    return float(after[list(P.columns).index(state)])


@register(
    "ch4.cdnow_holdout",
    hint="Fit crmkit.clv.BetaGeoModel on crmkit.clv.load_cdnow(), ask each customer's "
         "conditional expected number of purchases over the 39 weeks of the holdout, and add "
         "them up over the customers.",
    tolerance=1.0,
    explanation="The model, calibrated on 39 weeks, foresees most of what the cohort bought "
                "in the next 39 without having seen any of it.",
)
def _cdnow_holdout() -> float:
    from crmkit.clv import BetaGeoModel, load_cdnow

    summary = load_cdnow()
    model = BetaGeoModel().fit(summary)
    weeks = float(summary["duration_holdout"].iloc[0])
    return float(model.predict(summary, t=weeks).sum())


@register(
    "ch4.breakeven_churn",
    hint="The net gain falls in a straight line as the churn risk rises: price the move with "
         "crmkit.value.channel_migration at the text's adoption, once with churn_risk=0 (the "
         "saving) and once with churn_risk=1 (the margin at risk at full risk); the "
         "break-even risk is their ratio.",
    tolerance=0.0005,
    explanation="Below that extra churn the move pays for itself; above it, the branch was "
                "worth its cost to these customers.",
)
def _breakeven_churn(customers: pd.DataFrame | None = None,
                    interactions: pd.DataFrame | None = None, adoption: float = ADOPTION,
                    margin_col: str = "commercial_margin",
                    eligible_col: str = "eligible") -> float:
    from crmkit.value import channel_migration

    cu = _table(customers, "customers", {"customer_id": None, eligible_col: "bool",
                                         margin_col: "number"})
    it = _table(interactions, "interactions", {"customer_id": None, "channel": None,
                                               "cost": "number"})
    check_in_range(pd.DataFrame({"adoption": [adoption]}), "inputs", "adoption", 0, 1)
    kw = dict(eligible_col=eligible_col, adoption=adoption, margin_col=margin_col)
    saving = channel_migration(cu, it, churn_risk=0.0, **kw).saving
    at_risk = channel_migration(cu, it, churn_risk=1.0, **kw).margin_at_risk
    if not at_risk > 0:
        raise ValueError("customers: no margin at risk; the move cannot destroy value")
    return float(saving / at_risk)


@register(
    "ch4.effort_on_negative_capital",
    hint="Keep the 2024 interactions whose reason is retention and whose customer is in the "
         "table of customers, add up their cost per customer, then divide the cost spent on "
         "the customers whose customer_capital is negative by the whole. Give a fraction "
         "between 0 and 1.",
    tolerance=0.001,
    explanation="Part of the retention budget goes to relationships whose purchases lose "
                "money: whether it should is a question of what the effort buys, not of "
                "its size.",
)
def _effort_on_negative_capital(customers: pd.DataFrame | None = None,
                                interactions: pd.DataFrame | None = None,
                                start: str = "2024-01-01", end: str = "2025-01-01") -> float:
    from crmkit.market import in_window

    cu = _table(customers, "customers", {"customer_id": None, "customer_capital": "number"})
    it = _table(interactions, "interactions", {"customer_id": None, "date": "datetime",
                                               "reason": None, "cost": "number"})
    kept = it.loc[(it["reason"].astype(str) == "retention")
                  & in_window(it["date"], pd.Timestamp(start), pd.Timestamp(end))
                  & it["customer_id"].isin(cu["customer_id"])]
    total = kept["cost"].sum()
    if not total > 0:
        raise ValueError("interactions: no retention contact of these customers in the year")
    negative = cu.loc[cu["customer_capital"] < 0, "customer_id"]
    return float(kept.loc[kept["customer_id"].isin(negative), "cost"].sum() / total)


@register(
    "ch4.loss_making_recover",
    hint="In the panel of value tiers, take the customers in the loss_making tier in 2023, "
         "find their tier in 2024, drop those who were lost, and give the share of the others "
         "in the low, medium or high tier, as a fraction between 0 and 1.",
    tolerance=0.001,
    explanation="Most loss-making years are followed by a profitable one: a bad year is not a "
                "bad customer, which is why the Markov model values that tier near zero.",
)
def _loss_making_recover(panel: pd.DataFrame | None = None, year: int = 2023) -> float:
    df = _table(panel, "panel", {"customer_id": None, "period": None, "state": None})
    period = df["period"].astype(str)
    before = df.loc[(period == str(year)) & (df["state"].astype(str) == "loss_making"),
                    "customer_id"]
    after = df.loc[period == str(year + 1)].set_index("customer_id")["state"].astype(str)
    after = after.reindex(before.to_numpy()).dropna()
    after = after.loc[after != "lost"]
    if after.empty:
        raise ValueError(f"panel: no loss-making customer of {year} still there the year after")
    return float(after.isin(["low", "medium", "high"]).mean())
