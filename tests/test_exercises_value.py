"""Chapter 4's exercise checkers: right answers pass, typical wrong ones get a hint that
never gives the answer away. Expected values are computed by hand on small tables (or,
for CDNOW, by an independent implementation of Fader, Hardie & Lee's formula with the
published parameters)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _exercise_feedback import wrong_with_hint  # tests/ helper
from scipy.special import hyp2f1

from crmkit.exercises import check, exercises
from crmkit.schema import SchemaError


def test_the_five_exercises_are_registered():
    assert {"ch4.equal_split_loss_share", "ch4.equity_plus5", "ch4.high_after_3",
            "ch4.cdnow_holdout", "ch4.breakeven_churn", "ch4.effort_on_negative_capital",
            "ch4.loss_making_recover"} <= set(exercises("ch4."))


# ---------------------------------------------------------------------------------------
# ch4.equal_split_loss_share: 4 customers, pools of 240 in all -> 60 each
# ---------------------------------------------------------------------------------------
def _base():
    # profit before the pools: 450, 70, 55, 30 -> after 60 each: 390, 10, -5, -30
    return pd.DataFrame({"customer_id": [1, 2, 3, 4],
                         "commercial_margin": [500.0, 80.0, 60.0, 30.0],
                         "direct_cost": [50.0, 10.0, 5.0, 0.0]})


def _pools():
    return pd.DataFrame({"pool": ["sales_marketing", "order_handling", "distribution"],
                         "amount": [120.0, 80.0, 40.0],
                         "driver": ["sales_contacts", "contracts", "flows"]})


def test_equal_split_loss_share():
    base, pools = _base(), _pools()
    assert check("ch4.equal_split_loss_share", 0.5, base=base, pools=pools).correct
    assert check("ch4.equal_split_loss_share", 2 / 4, base=base, pools=pools).correct
    # forgetting the direct cost: 440, 20, 0 (not below zero), -30 -> a quarter
    fb = check("ch4.equal_split_loss_share", 0.25, base=base, pools=pools)
    wrong_with_hint(fb, "0.5", "50%")
    assert "too low" in fb.message
    fb = check("ch4.equal_split_loss_share", 50.0, base=base, pools=pools)
    assert not fb.correct and "scale" in fb.message.lower()


def test_equal_split_needs_the_tables():
    with pytest.raises(ValueError, match="pass the chapter's table"):
        check("ch4.equal_split_loss_share", 0.5, pools=_pools())
    with pytest.raises(SchemaError, match="direct_cost"):
        check("ch4.equal_split_loss_share", 0.5, base=_base().drop(columns="direct_cost"),
              pools=_pools())


# ---------------------------------------------------------------------------------------
# ch4.equity_plus5: one customer, two periods, no potential
# ---------------------------------------------------------------------------------------
def _one(potential=0.0):
    return pd.DataFrame({"customer_id": [1], "direct_profit": [100.0],
                         "potential": [potential], "retention": [0.6]})


def test_equity_plus5_by_hand():
    # horizon 2, d = 0: value = 100 (1 + r) -> 160 before, 165 after: +3.125 %
    cu = _one()
    assert check("ch4.equity_plus5", 5 / 160, customers=cu, discount_rate=0.0,
                 horizon=2).correct
    # with a potential of 50 from next year on: 100 + 100 r + 50 r
    cu = _one(50.0)
    before, after = 100 + 150 * 0.6, 100 + 150 * 0.65
    assert check("ch4.equity_plus5", after / before - 1, customers=cu, discount_rate=0.0,
                 horizon=2).correct
    # the ratio instead of the change, and the euro difference, are typical mistakes
    fb = check("ch4.equity_plus5", after / before, customers=cu, discount_rate=0.0, horizon=2)
    wrong_with_hint(fb, "0.0395", "3.95")
    assert "too high" in fb.message
    assert not check("ch4.equity_plus5", after - before, customers=cu, discount_rate=0.0,
                     horizon=2).correct


def test_equity_plus5_defaults_are_the_chapters():
    cu = _one()
    q0, q1 = 0.6 / 1.08, 0.65 / 1.08
    before = sum(q0**t for t in range(10))
    after = sum(q1**t for t in range(10))
    assert check("ch4.equity_plus5", after / before - 1, customers=cu).correct


# ---------------------------------------------------------------------------------------
# ch4.high_after_3: two tiers and lost
# ---------------------------------------------------------------------------------------
def _matrix():
    return pd.DataFrame([[0.7, 0.2, 0.1], [0.3, 0.6, 0.1], [0.0, 0.0, 1.0]],
                        index=["high", "low", "lost"], columns=["high", "low", "lost"])


def test_high_after_3_by_hand():
    # high after 1: 0.7; after 2: 0.7*0.7 + 0.2*0.3 = 0.55; low after 2: 0.7*0.2 + 0.2*0.6
    # = 0.26; after 3: 0.55*0.7 + 0.26*0.3 = 0.463
    P = _matrix()
    assert check("ch4.high_after_3", 0.463, matrix=P).correct
    # staying high three years in a row (0.7^3 = 0.343) ignores those who come back
    fb = check("ch4.high_after_3", 0.343, matrix=P)
    wrong_with_hint(fb, "0.463", "46.3")
    assert "too low" in fb.message
    with pytest.raises(ValueError, match="square"):
        check("ch4.high_after_3", 0.5, matrix=P.iloc[:2])


# ---------------------------------------------------------------------------------------
# ch4.cdnow_holdout: Fader, Hardie & Lee's eq. (10) with the published parameters
# ---------------------------------------------------------------------------------------
def _fhl_expected(summary, t=39.0, r=0.243, alpha=4.414, a=0.793, b=2.426):
    x = summary["frequency"].to_numpy(float)
    tx = summary["recency"].to_numpy(float)
    T = summary["T"].to_numpy(float)
    z = t / (alpha + T + t)
    num = (a + b + x - 1) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    alive = 1 + (x > 0) * a / np.maximum(b + x - 1, 1e-12) * ((alpha + T) / (alpha + tx)) ** (
        r + x)
    return float((num / alive).sum())


def test_cdnow_holdout():
    from crmkit.clv import load_cdnow

    s = load_cdnow()
    assert check("ch4.cdnow_holdout", _fhl_expected(s)).correct
    # the actual holdout purchases, or the calibration ones, are not the forecast
    fb = check("ch4.cdnow_holdout", float(s["frequency_holdout"].sum()))
    wrong_with_hint(fb, "1653", "1,653", "1654")
    assert "too high" in fb.message
    assert not check("ch4.cdnow_holdout", float(s["frequency"].sum())).correct


# ---------------------------------------------------------------------------------------
# ch4.breakeven_churn: saving / (adoption x margin of the movers)
# ---------------------------------------------------------------------------------------
def test_breakeven_churn_by_hand():
    cu = pd.DataFrame({"customer_id": [1, 2, 3], "eligible": [True, True, False],
                       "commercial_margin": [100.0, 60.0, 900.0]})
    it = pd.DataFrame({"customer_id": [1, 1, 2, 3], "channel": ["branch", "phone", "web",
                                                                 "branch"],
                       "cost": [30.0, 8.0, 1.0, 30.0]})
    # web costs 1: customer 1 moves half of (29 + 7) = 18; customer 2 has nothing to move,
    # so only customer 1's margin is at risk: 0.5 * 100 per unit of risk -> 18 / 50
    assert check("ch4.breakeven_churn", 0.36, customers=cu, interactions=it).correct
    # counting every eligible customer's margin (0.5 * 160) is the usual slip
    fb = check("ch4.breakeven_churn", 18 / 80, customers=cu, interactions=it)
    wrong_with_hint(fb, "0.36", "36%")
    assert "too low" in fb.message
    # another adoption moves the saving and the risk alike: the break-even does not move
    assert check("ch4.breakeven_churn", 0.36, customers=cu, interactions=it,
                 adoption=0.8).correct


# ---------------------------------------------------------------------------------------
# ch4.effort_on_negative_capital: the retention contacts of 2024 of the table's customers
# ---------------------------------------------------------------------------------------
def _capital_inputs():
    customers = pd.DataFrame({"customer_id": [1, 2, 3], "customer_capital": [-10.0, 50.0, 20.0]})
    interactions = pd.DataFrame({
        "customer_id": [1, 2, 3, 1, 1, 9],
        "date": pd.to_datetime(["2024-03-01", "2024-05-01", "2024-12-31", "2023-06-01",
                                "2024-06-01", "2024-07-01"]),
        "reason": ["retention", "retention", "retention", "retention", "service", "retention"],
        "cost": [10.0, 30.0, 10.0, 100.0, 50.0, 40.0],
    })
    return customers, interactions


def test_effort_on_negative_capital():
    customers, interactions = _capital_inputs()
    # 2024 retention contacts of customers 1-3: 10 + 30 + 10; customer 1 (negative) got 10
    kw = dict(customers=customers, interactions=interactions)
    assert check("ch4.effort_on_negative_capital", 0.2, **kw).correct
    # the usual mistakes: the 2023 contact kept (110 / 150), the service contact counted
    # (60 / 100), a customer outside the table counted (10 / 90)
    wrong_with_hint(check("ch4.effort_on_negative_capital", 110 / 150, **kw), "0.2")
    assert not check("ch4.effort_on_negative_capital", 0.6, **kw).correct
    assert not check("ch4.effort_on_negative_capital", 10 / 90, **kw).correct
    fb = check("ch4.effort_on_negative_capital", 20.0, **kw)
    assert not fb.correct and "scale" in fb.message.lower()
    with pytest.raises(SchemaError, match="customers.customer_capital"):
        check("ch4.effort_on_negative_capital", 0.2,
              customers=customers.drop(columns="customer_capital"), interactions=interactions)


# ---------------------------------------------------------------------------------------
# ch4.loss_making_recover: four loss-making customers in 2023
# ---------------------------------------------------------------------------------------
def test_loss_making_recover():
    y23, y24 = pd.Period("2023", "Y"), pd.Period("2024", "Y")
    panel = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 1, 2, 3, 4, 5],
        "period": [y23] * 5 + [y24] * 5,
        "state": pd.Categorical(["loss_making"] * 4 + ["low",
                                 "low", "lost", "loss_making", "high", "loss_making"]),
    })
    # stayers 1 (low), 3 (loss-making), 4 (high): 2 of 3 profitable
    assert check("ch4.loss_making_recover", 2 / 3, panel=panel).correct
    # the leaver kept in the denominator (2 of 4) is the typical mistake
    wrong_with_hint(check("ch4.loss_making_recover", 0.5, panel=panel), "0.667", "0.6667")
    # the customers loss-making in 2024 instead (5 came from low): not the question
    assert not check("ch4.loss_making_recover", 0.0, panel=panel).correct
