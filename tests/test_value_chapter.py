"""Chapter 4 additions to crmkit: the value-tier panel of the Markov migration model, the
holdout comparison of the purchase models, the value chain link by link, the channel
migration summary. Expected values are computed by hand on small tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.clv import MarkovMigrationModel, holdout_comparison, value_tier_panel
from crmkit.schema import SchemaError
from crmkit.value import (
    annuity_factor,
    chain_steps,
    channel_migration,
    lifetime_value,
    lifetime_value_chain,
)


# ---------------------------------------------------------------------------------------
# value_tier_panel
# ---------------------------------------------------------------------------------------
def _customers():
    return pd.DataFrame({
        "customer_id": [1, 2, 3, 4],
        "acquisition_date": pd.to_datetime(["2018-06-01", "2019-12-31", "2020-02-01",
                                            "2021-07-01"]),
        # 2 leaves during 2021; 3 leaves on the first day of 2022 (so 2021 is whole);
        # 4 arrives and leaves in 2021 (never a whole year)
        "churn_date": pd.to_datetime([None, "2021-03-15", "2022-01-01", "2021-11-30"]),
    })


def _flows():
    return pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 3, 3, 4],
        "date": pd.to_datetime(["2020-01-01", "2020-07-01", "2021-03-01", "2020-05-01",
                                "2021-02-01", "2021-05-01", "2019-05-01", "2021-08-01"]),
        "margin": [200.0, 150.0, 1200.0, -80.0, 500.0, 299.0, 999.0, 50.0],
    })


def test_value_tier_panel_by_hand():
    contacts = pd.DataFrame({"customer_id": [1, 3], "date": pd.to_datetime(
        ["2020-03-01", "2021-09-01"]), "cost": [60.0, 10.0]})
    p = value_tier_panel(_flows(), _customers(), contacts, bins=[0, 300, 1000],
                         tiers=["loss", "low", "mid", "high"], start="2020-01-01",
                         end="2022-01-01")
    got = {(r.customer_id, str(r.period)): (r.state, r.direct_profit)
           for r in p.itertuples(index=False)}
    # 1: 200 + 150 - 60 = 290 < 300, low; 3: whole 2021 (leaves on its last day + 1),
    # 299 - 10; its 2019 flow is outside the window
    assert got == {
        (1, "2020"): ("low", 290.0),
        (1, "2021"): ("high", 1200.0),
        (2, "2020"): ("loss", -80.0),
        (2, "2021"): ("lost", 0.0),
        (3, "2021"): ("low", 289.0),
    }
    # customer 4 never had a whole year; customer 3 is not in 2020 (arrived during it)
    assert 4 not in set(p["customer_id"]) and (3, "2020") not in got
    assert list(p["state"].cat.categories) == ["loss", "low", "mid", "high", "lost"]
    assert p["state"].cat.ordered
    assert isinstance(p["period"].dtype, pd.PeriodDtype)


def test_value_tier_panel_edges_and_lost_forever():
    cu = pd.DataFrame({"customer_id": [7], "acquisition_date": pd.to_datetime(["2010-01-01"]),
                       "churn_date": pd.to_datetime(["2020-06-01"])})
    tx = pd.DataFrame({"customer_id": [7, 7], "date": pd.to_datetime(["2019-01-01",
                                                                      "2020-01-01"]),
                       "margin": [300.0, 10.0]})
    p = value_tier_panel(tx, cu, bins=[0, 300], tiers=["a", "b", "c"], start="2019-01-01",
                         end="2023-01-01")
    # exactly 300 is in the upper tier; after leaving, lost in every later year
    assert p["state"].astype(str).tolist() == ["c", "lost", "lost", "lost"]
    assert p["direct_profit"].tolist() == [300.0, 0.0, 0.0, 0.0]


def test_value_tier_panel_feeds_the_markov_model():
    p = value_tier_panel(_flows(), _customers(), bins=[0, 300, 1000],
                         tiers=["loss", "low", "mid", "high"], start="2020-01-01",
                         end="2022-01-01")
    with pytest.warns(UserWarning, match="absorbing"):  # a tiny panel: some states not left
        m = MarkovMigrationModel(discount_rate=0.1).fit(
            p, value="direct_profit", states=list(p["state"].cat.categories))
    P = m.transition_matrix_
    # 1: mid (350) -> high; 2: loss -> lost; 3 has a single year (no transition)
    assert P.loc["mid", "high"] == 1.0 and P.loc["loss", "lost"] == 1.0
    assert m.rewards_["lost"] == 0.0 and m.rewards_["high"] == 1200.0


def test_value_tier_panel_bad_input():
    with pytest.raises(ValueError, match="increasing"):
        value_tier_panel(_flows(), _customers(), bins=[300, 0])
    with pytest.raises(ValueError, match="tier names"):
        value_tier_panel(_flows(), _customers(), bins=[0], tiers=["a", "b", "c"])
    with pytest.raises(ValueError, match="lost"):
        value_tier_panel(_flows(), _customers(), bins=[0], tiers=["a", "lost"])
    stranger = pd.concat([_flows(), pd.DataFrame({"customer_id": [99], "date": pd.to_datetime(
        ["2020-01-01"]), "margin": [1.0]})], ignore_index=True)
    with pytest.raises(SchemaError, match="transactions.customer_id"):
        value_tier_panel(stranger, _customers())
    with pytest.raises(SchemaError, match="customers"):
        value_tier_panel(_flows(), _customers().drop(columns="churn_date"))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 47),
                          st.floats(-2000, 3000, allow_nan=False)), min_size=1, max_size=40))
def test_value_tier_panel_rows_match_the_flows(rows):
    """Property: a whole year's direct profit is the sum of the customer's flows that year,
    and the state is the tier of that sum."""
    cu = pd.DataFrame({"customer_id": range(6),
                       "acquisition_date": pd.Timestamp("2010-01-01"),
                       "churn_date": pd.to_datetime([None] * 6)})
    tx = pd.DataFrame({"customer_id": [r[0] for r in rows],
                       "date": [pd.Timestamp("2020-01-01") + pd.DateOffset(months=r[1])
                                for r in rows],
                       "margin": [r[2] for r in rows]})
    p = value_tier_panel(tx, cu, start="2020-01-01", end="2024-01-01")
    assert len(p) == 6 * 4
    sums = tx.groupby(["customer_id", tx["date"].dt.year])["margin"].sum()
    for r in p.itertuples(index=False):
        expected = sums.get((r.customer_id, r.period.year), 0.0)
        assert r.direct_profit == pytest.approx(expected, abs=1e-6)
        tier = "loss_making" if expected < 0 else "low" if expected < 300 else (
            "medium" if expected < 1000 else "high")
        if abs(expected) > 1e-6 and min(abs(expected - b) for b in (0, 300, 1000)) > 1e-6:
            assert r.state == tier


# ---------------------------------------------------------------------------------------
# holdout_comparison
# ---------------------------------------------------------------------------------------
def test_holdout_comparison_by_hand():
    d = pd.DataFrame({"frequency": [0, 0, 2, 9, 12], "frequency_holdout": [0, 2, 1, 5, 9]})
    out = holdout_comparison(d, [0.5, 0.5, 1.5, 6.0, 8.0], max_frequency=7)
    assert out["frequency"].tolist() == [0, 2, 7]
    assert out["customers"].tolist() == [2, 1, 2]
    assert out["actual"].tolist() == [1.0, 1.0, 7.0]
    assert out["predicted"].tolist() == [0.5, 1.5, 7.0]


def test_holdout_comparison_bad_input():
    d = pd.DataFrame({"frequency": [0, 1], "frequency_holdout": [0, 1]})
    with pytest.raises(ValueError, match="one finite number per row"):
        holdout_comparison(d, [0.1])
    with pytest.raises(ValueError, match="max_frequency"):
        holdout_comparison(d, [0.1, 0.2], max_frequency=0)
    with pytest.raises(SchemaError, match="frequency_holdout"):
        holdout_comparison(d.drop(columns="frequency_holdout"), [0.1, 0.2])


# ---------------------------------------------------------------------------------------
# lifetime_value_chain and chain_steps
# ---------------------------------------------------------------------------------------
def _two():
    return pd.DataFrame({"customer_id": [1, 2], "direct_profit": [300.0, -100.0],
                         "potential": [200.0, 500.0], "r": [0.8, 0.5],
                         "pd": [0.05, 0.0]})


def test_chain_by_hand():
    c = lifetime_value_chain(_two(), retention="r", discount_rate=0.1, horizon=3,
                             default_probability_col="pd")
    q1, q2 = 0.8 / 1.1, 0.5 / 1.1
    assert c["future_profit"].tolist() == pytest.approx([300 * (q1 + q1**2),
                                                         -100 * (q2 + q2**2)])
    assert c["potential_value"].tolist() == pytest.approx([200 * (q1 + q1**2),
                                                           500 * (q2 + q2**2)])
    before = np.array([300 + 500 * (q1 + q1**2), -100 + 400 * (q2 + q2**2)])
    assert c["value_before_credit"].to_numpy() == pytest.approx(before)
    # defaults: customer 1 still earns a year later with 0.8 * 0.95 = 0.76; customer 2 never
    # defaults; nothing is multiplied by a score
    d1 = 0.76 / 1.1
    assert c["lifetime_value"].to_numpy() == pytest.approx([300 + 500 * (d1 + d1**2),
                                                           before[1]])
    assert c["default_probability"].tolist() == [0.05, 0.0]


def test_chain_without_default_probability_is_not_weighted():
    # issue 17: a credit score is not a probability; without a default probability the
    # value is the chain itself, whatever score the table holds
    df = _two().assign(credit_score=[0.55, 0.55])
    c = lifetime_value_chain(df, retention="r", discount_rate=0.1, horizon=3)
    assert c["lifetime_value"].to_numpy() == pytest.approx(c["value_before_credit"].to_numpy())
    s = chain_steps(c).set_index("item")["amount"]
    assert s["credit_adjustment"] == 0


def test_chain_agrees_with_lifetime_value():
    """Without potential and credit, the chain is lifetime_value; with them, seed 001's sum."""
    df = _two().assign(potential=0.0)
    for horizon in (None, 1, 5):
        c = lifetime_value_chain(df, retention="r", discount_rate=0.07, horizon=horizon)
        lv = lifetime_value(df, retention="r", discount_rate=0.07, horizon=horizon)
        assert c["lifetime_value"].to_numpy() == pytest.approx(lv["lifetime_value"].to_numpy())
    # one period only: no future, no potential
    c = lifetime_value_chain(_two(), retention="r", horizon=1)
    assert (c["future_profit"] == 0).all() and (c["potential_value"] == 0).all()


def test_chain_capture_and_retention_change():
    full = lifetime_value_chain(_two(), retention="r", discount_rate=0.1)
    half = lifetime_value_chain(_two(), retention="r", discount_rate=0.1, capture=0.5)
    assert half["potential_value"].to_numpy() == pytest.approx(
        0.5 * full["potential_value"].to_numpy())
    up = lifetime_value_chain(_two(), retention="r", discount_rate=0.1, retention_change=0.05)
    assert up["retention"].tolist() == pytest.approx([0.85, 0.55])
    factor = annuity_factor(np.array([0.85, 0.55]), 0.1)
    assert up["future_profit"].to_numpy() == pytest.approx(
        _two()["direct_profit"].to_numpy() * (factor - 1))
    capped = lifetime_value_chain(_two(), retention=0.98, retention_change=0.05, horizon=4)
    assert (capped["retention"] == 1.0).all()
    with pytest.raises(ValueError, match="capture"):
        lifetime_value_chain(_two(), capture=1.5)
    with pytest.raises(ValueError, match="retention_change"):
        lifetime_value_chain(_two(), retention_change=2.0)
    with pytest.raises(SchemaError, match=r"customers\.pd"):
        lifetime_value_chain(_two().assign(pd=[1.2, 0.5]), default_probability_col="pd")


def test_chain_steps_add_up():
    c = lifetime_value_chain(_two(), retention="r", discount_rate=0.1,
                             default_probability_col="pd")
    s = chain_steps(c).set_index("item")["amount"]
    assert s[["direct_profit", "future_profit", "potential_value",
              "credit_adjustment"]].sum() == pytest.approx(s["lifetime_value"])
    assert s["lifetime_value"] == pytest.approx(c["lifetime_value"].sum())
    assert s["credit_adjustment"] < 0


# ---------------------------------------------------------------------------------------
# ChannelMigration.summary
# ---------------------------------------------------------------------------------------
def test_channel_migration_summary_totals():
    cu = pd.DataFrame({"customer_id": [1, 2, 3], "eligible": [True, True, False],
                       "margin": [100.0, 40.0, 900.0]})
    it = pd.DataFrame({"customer_id": [1, 1, 2, 3], "channel": ["branch", "phone", "web",
                                                                 "branch"],
                       "cost": [30.0, 8.0, 1.0, 30.0]})
    mig = channel_migration(cu, it, adoption=0.5, churn_risk=0.2, margin_col="margin")
    s = mig.summary().iloc[0]
    # customer 1 moves half of two contacts: 0.5 * (29 + 7) = 18 saved; 2 has nothing to move
    assert s["eligible_customers"] == 2 and s["contacts"] == 3.0
    assert s["contacts_moved"] == 1.0 and s["saving"] == pytest.approx(18.0)
    assert s["margin_at_risk"] == pytest.approx(0.2 * 0.5 * 100.0)
    assert s["net_gain"] == pytest.approx(mig.net_gain)
    assert s["cost_before"] - s["cost_after"] == pytest.approx(s["saving"])
