"""RFM/FRAT and customer value on 10M transactions: crmkit against the obvious alternatives.

The data are synthetic, drawn with NumPy from a fixed seed (not with the market generator):
10,000,000 transactions of 20,000 customers over ten years (a skewed activity: a few heavy
customers, many light ones), their 1,000,000 contacts, and one row per customer. They are
drawn once by ``cases()`` into ``benchmarks/out/`` (``_ensure_data``) so every case, in
either interpreter, reads the same arrays; each timed function starts from those arrays
(building the DataFrames is part of its time).

Pairs doing the same work:

- RFM + FRAT: :func:`crmkit.segmentation.rfm` and :func:`~crmkit.segmentation.frat_table` +
  :func:`~crmkit.segmentation.frat_scores`, against a per-customer ``groupby().apply``
  (recency, frequency, amount, number of types and main type per customer) followed by the
  same vectorised quantile scoring.
- RFM table: :func:`crmkit.segmentation.rfm_table` against lifetimes 0.11.3's
  ``summary_data_from_transaction_data`` (frequency, recency, T and monetary value per
  customer), in the separate interpreter ``.venv-lifetimes`` (lifetimes needs old
  numpy/pandas; it never imports crmkit).
- Customer value: activity drivers, cost to serve with three allocated pools, direct profit,
  peer potential, lifetime value with a default probability and the value-matrix strategy,
  against per-customer ``groupby().apply`` for the per-customer sums followed by the same
  vectorised formulas.

The number of customers is deliberately modest (500 transactions each): the naive
versions pay per customer, so more customers would only widen the gap.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

try:  # present only in .venv-lifetimes, the baseline's interpreter
    import lifetimes
except ImportError:
    lifetimes = None

if lifetimes is None:  # the crmkit side; imported here so import time is not timed
    from crmkit import segmentation as S
    from crmkit import value as V

from benchmarks._harness import Case

TITLE = "RFM/FRAT and customer value on 10M transactions (crmkit vs naive pandas, lifetimes)"
LIFETIMES = ".venv-lifetimes/bin/python"
ROWS = 10_000_000
CUSTOMERS = 20_000
CONTACTS = 1_000_000
SEED = 2024
KINDS = ["premium", "fee", "interest_margin", "claim", "deposit"]
FAMILIES = ["account", "savings", "credit", "cover", "health", "life"]
CHANNELS = ["branch", "phone", "web", "mobile", "email", "mail"]
REASONS = ["sale", "service", "claim", "complaint", "information", "retention"]
STAGES = ["young_single", "couple", "young_family", "mature_family", "empty_nest", "retired"]
POOLS = {"sales_marketing": (9_000_000.0, "sales_contacts"),
         "order_handling": (4_000_000.0, "service_contacts"),
         "distribution": (6_000_000.0, "flows")}
RETENTION, DISCOUNT = 0.85, 0.08


def _path(rows: int, customers: int) -> str:
    return os.path.join("benchmarks", "out", f"analytics_{rows}_{customers}.npz")


def _ensure_data(rows: int = ROWS, customers: int = CUSTOMERS, contacts: int = CONTACTS) -> None:
    """Draw the transactions, contacts and customers once (NumPy, fixed seed)."""
    path = _path(rows, customers)
    if os.path.exists(path):
        return
    rng = np.random.default_rng(SEED)
    activity = rng.gamma(0.8, 1.0, customers)
    counts = rng.multinomial(rows, activity / activity.sum())
    cust = np.repeat(np.arange(1, customers + 1, dtype=np.int32), counts)
    cust = cust[rng.permutation(rows)]  # a log in date order, customers interleaved
    day = np.sort(rng.integers(0, 3653, rows))
    base = np.datetime64("2015-01-01", "ms").astype(np.int64)
    lut = np.repeat(np.arange(5, dtype=np.int8), [30, 35, 20, 5, 10])
    amount = np.round(60 * rng.standard_exponential(rows), 2)
    kind = lut[rng.integers(0, 100, rows)]
    margin = np.round(amount * (0.05 + 0.35 * rng.random(rows)), 2)
    margin[kind == 3] = -amount[kind == 3]  # claims cost money
    c_cust = rng.integers(1, customers + 1, contacts, dtype=np.int32)
    channel = rng.integers(0, 6, contacts, dtype=np.int8)
    unit_cost = np.array([30.0, 8.0, 0.4, 0.25, 0.2, 1.5])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savez(
        path,
        customer_id=cust, date=base + day * 86_400_000, kind=kind,
        family=rng.integers(0, 6, rows, dtype=np.int8), amount=amount, margin=margin,
        c_customer_id=c_cust, c_date=base + rng.integers(0, 3653, contacts) * 86_400_000,
        c_channel=channel, c_reason=rng.integers(0, 6, contacts, dtype=np.int8),
        c_cost=np.round(unit_cost[channel] * (0.5 + rng.random(contacts)), 2),
        credit_score=np.round(rng.beta(5, 2, customers), 3),
        stage=rng.integers(0, len(STAGES), customers, dtype=np.int8),
    )


def _load(rows: int, customers: int):
    z = np.load(_path(rows, customers))
    tx = pd.DataFrame({
        "customer_id": z["customer_id"],
        "date": z["date"].view("datetime64[ms]"),
        "kind": pd.Categorical.from_codes(z["kind"], KINDS),
        "family": pd.Categorical.from_codes(z["family"], FAMILIES),
        "amount": z["amount"],
        "margin": z["margin"],
    })
    contacts = pd.DataFrame({
        "customer_id": z["c_customer_id"],
        "date": z["c_date"].view("datetime64[ms]"),
        "channel": pd.Categorical.from_codes(z["c_channel"], CHANNELS),
        "reason": pd.Categorical.from_codes(z["c_reason"], REASONS),
        "cost": z["c_cost"],
    })
    people = pd.DataFrame({
        "customer_id": np.arange(1, customers + 1, dtype=np.int32),
        # a flat yearly default probability (an assumption of the benchmark: a credit
        # score is not a probability, so the stored score is not used as one)
        "default_probability": np.full(customers, 0.02),
        "stage": pd.Categorical.from_codes(z["stage"], STAGES),
    })
    return tx, contacts, people


# ------------------------------------------------------------------ RFM + FRAT
def crmkit_rfm_frat(rows: int = ROWS, customers: int = CUSTOMERS) -> dict:
    tx, _, _ = _load(rows, customers)
    seg = S.rfm(tx, kinds=None)
    frat = S.frat_scores(S.frat_table(tx, type_col="family"))
    return {"customers": len(seg), "champions": int((seg["rfm_segment"] == "champions").sum()),
            "mean_frat": float(frat["frat_score"].mean())}


def _qscore(x: pd.Series, bins: int = 5) -> pd.Series:
    """The textbook quantile score: qcut on ranks (ties broken by order)."""
    return pd.qcut(x.rank(method="first"), bins, labels=False) + 1


def naive_rfm_frat(rows: int = ROWS, customers: int = CUSTOMERS) -> dict:
    tx, _, _ = _load(rows, customers)
    as_of = tx["date"].max()

    def one(g: pd.DataFrame) -> pd.Series:
        by_type = g.groupby("family", observed=True)["amount"].sum()
        return pd.Series({
            "recency_days": (as_of - g["date"].max()).days,
            "frequency": len(g),
            "monetary": g["amount"].sum(),
            "n_types": g["family"].nunique(),
            "main_type": by_type.idxmax(),
        })

    per = tx.groupby("customer_id").apply(one)
    scores = pd.DataFrame({
        "R": _qscore(-per["recency_days"].astype(float)), "F": _qscore(per["frequency"]),
        "M": _qscore(per["monetary"]), "T": _qscore(per["n_types"]),
    })
    return {"customers": len(per), "mean_frat": float(scores.sum(axis=1).mean())}


# ------------------------------------------------------------------ RFM table vs lifetimes
def crmkit_rfm_table(rows: int = ROWS, customers: int = CUSTOMERS) -> dict:
    tx, _, _ = _load(rows, customers)
    table = S.rfm_table(tx, kinds=None)
    return {"customers": len(table)}


def lifetimes_summary(rows: int = ROWS, customers: int = CUSTOMERS) -> dict:
    from lifetimes.utils import summary_data_from_transaction_data

    tx, _, _ = _load(rows, customers)
    summary = summary_data_from_transaction_data(
        tx, "customer_id", "date", monetary_value_col="amount",
        observation_period_end=tx["date"].max(), freq="D",
    )
    return {"customers": len(summary)}


# ------------------------------------------------------------------ customer value
def crmkit_value(rows: int = ROWS, customers: int = CUSTOMERS) -> dict:
    tx, contacts, people = _load(rows, customers)
    drivers = V.activity_drivers(contacts, transactions=tx)
    costs = V.cost_to_serve(contacts, pools=POOLS, drivers=drivers)
    profit = V.direct_profit(tx, costs).merge(people, on="customer_id")
    profit["potential"] = V.potential(profit, "commercial_margin", group_cols=["stage"])[
        "potential"].to_numpy()
    ltv = V.lifetime_value(profit, retention=RETENTION, discount_rate=DISCOUNT,
                           default_probability_col="default_probability")
    strategy = V.value_strategies(profit)["strategy"]
    return {"customers": len(ltv), "equity": V.customer_equity(ltv),
            "termination": int((strategy == "termination").sum())}


def naive_value(rows: int = ROWS, customers: int = CUSTOMERS) -> dict:
    tx, contacts, people = _load(rows, customers)

    def flows(g: pd.DataFrame) -> pd.Series:
        return pd.Series({"margin": g["margin"].sum(), "flows": len(g)})

    def served(g: pd.DataFrame) -> pd.Series:
        return pd.Series({
            "direct_cost": g["cost"].sum(),
            "sales_contacts": g["reason"].isin(["sale", "retention"]).sum(),
            "service_contacts": g["reason"].isin(
                ["service", "claim", "complaint", "information"]).sum(),
        })

    per = tx.groupby("customer_id").apply(flows).join(
        contacts.groupby("customer_id").apply(served), how="outer").fillna(0.0)
    cost = per["direct_cost"].copy()
    for amount, driver in POOLS.values():
        cost += amount * per[driver] / per[driver].sum()
    per["direct_profit"] = per["margin"] - cost
    per = per.join(people.set_index("customer_id"))
    bench = per.groupby("stage", observed=True)["margin"].transform("quantile", 0.75)
    per["potential"] = (bench - per["margin"]).clip(lower=0)
    factor = (1 + DISCOUNT) / (1 + DISCOUNT - RETENTION * (1 - per["default_probability"]))
    ltv = per["direct_profit"] * factor
    high_c = per["direct_profit"] >= per["direct_profit"].median()
    high_p = per["potential"] >= per["potential"].median()
    termination = int((~high_c & ~high_p).sum())
    return {"customers": len(per), "equity": float(ltv.sum()), "termination": termination}


def cases() -> list[Case]:
    _ensure_data()
    size = f"{ROWS:,} transactions, {CUSTOMERS:,} customers, {CONTACTS:,} contacts"
    units = float(ROWS)
    common = dict(size=size, units=units, unit_name="transactions/s")
    out = [
        Case("naive groupby().apply RFM + FRAT", "naive_rfm_frat", **common),
        Case("crmkit RFM + FRAT", "crmkit_rfm_frat", baseline="naive groupby().apply RFM + FRAT",
             target="<= 10 s; >= 5x naive", **common),
        Case("naive groupby().apply customer value", "naive_value", **common),
        Case("crmkit customer value", "crmkit_value",
             baseline="naive groupby().apply customer value", target="<= 10 s; >= 5x naive",
             **common),
    ]
    if os.path.exists(LIFETIMES):
        out += [
            Case("lifetimes summary_data_from_transaction_data", "lifetimes_summary",
                 python=LIFETIMES, **common),
            Case("crmkit RFM table", "crmkit_rfm_table",
                 baseline="lifetimes summary_data_from_transaction_data", **common),
        ]
    return out
