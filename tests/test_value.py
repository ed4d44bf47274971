"""Tests of crmkit.value: hand-computed examples, invariants, bad input, and the value
mechanisms measured on the generated market (fixture ``market`` from conftest)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import labels
from crmkit import value as V
from crmkit.schema import SchemaError

D = pd.Timestamp


# ---------------------------------------------------------------------------------------
# activity-based allocation
# ---------------------------------------------------------------------------------------
def test_allocate_costs_largest_remainder_hand():
    d = pd.DataFrame({"customer_id": [1, 2, 3], "contracts": [1, 1, 1],
                      "contacts": [2, 1, 0]})
    out = V.allocate_costs(d, {"handling": (100.0, "contracts"), "sales": (10.0, "contacts")})
    # 10,000 cents / 3 = 3,333.33 each; the one cent left goes to the first of the ties
    assert out["handling"].tolist() == [33.34, 33.33, 33.33]
    # 1,000 cents * 2/3 = 666.67 and 333.33: the larger remainder (0.67) gets the cent
    assert out["sales"].tolist() == [6.67, 3.33, 0.0]
    assert out["indirect_cost"].tolist() == pytest.approx([40.01, 36.66, 33.33])
    pools = pd.DataFrame({"pool": ["handling"], "amount": [100.0], "driver": ["contracts"]})
    assert V.allocate_costs(d, pools)["handling"].tolist() == [33.34, 33.33, 33.33]
    whole = V.allocate_costs(d, {"handling": (100.0, "contracts")}, unit=1.0)
    assert whole["handling"].tolist() == [34.0, 33.0, 33.0]


def test_allocate_costs_bad_input():
    d = pd.DataFrame({"customer_id": [1, 2], "contracts": [1, 0], "zero": [0, 0]})
    with pytest.raises(ValueError, match="sums to 0"):
        V.allocate_costs(d, {"p": (10.0, "zero")})
    with pytest.raises(ValueError, match=">= 0"):
        V.allocate_costs(d, {"p": (-10.0, "contracts")})
    with pytest.raises(ValueError):
        V.allocate_costs(d, {"p": 10.0})
    with pytest.raises(ValueError):
        V.allocate_costs(d, {})
    with pytest.raises(SchemaError, match=r"drivers\.contracts: 1 row\(s\) negative; first offending rows \(index\): \[1\]"):
        V.allocate_costs(d.assign(contracts=[1, -1]), {"p": (10.0, "contracts")})
    with pytest.raises(SchemaError, match=r"drivers\.flows: missing column"):
        V.allocate_costs(d, {"p": (10.0, "flows")})
    with pytest.raises(SchemaError, match=r"drivers\.customer_id: 2 row\(s\) duplicated"):
        V.allocate_costs(d.assign(customer_id=[1, 1]), {"p": (10.0, "contracts")})


@settings(max_examples=100, deadline=None)
@given(
    drivers=st.lists(st.integers(0, 1000), min_size=1, max_size=50),
    amount=st.floats(0, 1e7, allow_nan=False, allow_infinity=False),
)
def test_allocated_costs_add_up_exactly_to_the_pool(drivers, amount):
    if sum(drivers) == 0:
        return
    d = pd.DataFrame({"customer_id": range(len(drivers)), "q": drivers})
    out = V.allocate_costs(d, {"pool": (amount, "q")})
    cents = np.round(out["pool"].to_numpy() * 100).astype(np.int64)
    pool = round(amount / 0.01)  # the pool in whole cents
    assert cents.sum() == pool  # exact
    assert (cents >= 0).all()
    assert (cents[np.asarray(drivers) == 0] == 0).all()
    # every customer is within one cent of their exact proportional share
    exact = pool * np.asarray(drivers) / sum(drivers)
    assert np.all(np.abs(cents - exact) < 1)


# ---------------------------------------------------------------------------------------
# drivers, cost to serve, margin, direct profit
# ---------------------------------------------------------------------------------------
def interactions():
    return pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 3],
        "date": pd.to_datetime(["2023-12-31", "2024-02-01", "2024-03-01", "2024-05-01",
                                "2024-06-01"]),
        "channel": ["branch", "branch", "web", "phone", "mail"],
        "reason": ["sale", "sale", "service", "claim", "retention"],
        "cost": [40.0, 35.0, 0.5, 8.0, 1.5],
    })


def test_activity_drivers_hand():
    contracts = pd.DataFrame({"customer_id": [1, 4], "start_date": pd.to_datetime(
        ["2024-03-01", "2024-04-01"])})
    tx = pd.DataFrame({"customer_id": [2, 2, 2], "date": pd.to_datetime(
        ["2024-01-01", "2024-02-01", "2025-01-01"])})
    d = V.activity_drivers(interactions(), contracts, tx, start="2024-01-01",
                           end="2025-01-01").set_index("customer_id")
    assert d.index.tolist() == [1, 2, 3, 4]
    assert d.loc[1].tolist() == [1, 1, 1, 0]  # the 2023 sale is outside the period
    assert d.loc[2].tolist() == [0, 1, 0, 2]
    assert d.loc[3].tolist() == [1, 0, 0, 0]  # a retention action counts as commercial
    assert d.loc[4].tolist() == [0, 0, 1, 0]


def test_cost_to_serve_direct_indirect_and_channels():
    d = pd.DataFrame({"customer_id": [1, 2, 3, 4], "contracts": [2, 1, 1, 0]})
    out = V.cost_to_serve(interactions(), pools={"handling": (40.0, "contracts")}, drivers=d,
                          start="2024-01-01", by_channel=True).set_index("customer_id")
    assert out.loc[1, "direct_cost"] == pytest.approx(35.5)
    assert out.loc[1, "direct_branch"] == pytest.approx(35.0)
    assert out.loc[1, "handling"] == pytest.approx(20.0)
    assert out.loc[4, "direct_cost"] == 0 and out.loc[4, "cost_to_serve"] == 0
    assert (out["cost_to_serve"] == out["direct_cost"] + out["indirect_cost"]).all()
    assert out["handling"].sum() == pytest.approx(40.0)
    plain = V.cost_to_serve(interactions())
    assert plain["cost_to_serve"].tolist() == pytest.approx([75.5, 8.0, 1.5])
    with pytest.raises(ValueError, match="drivers"):
        V.cost_to_serve(interactions(), pools={"handling": (40.0, "contracts")})
    with pytest.raises(ValueError, match="pools"):
        V.cost_to_serve(interactions(), drivers=d)
    bad = interactions().assign(cost=[1.0, -2.0, 1.0, 1.0, 1.0])
    with pytest.raises(SchemaError, match=r"interactions\.cost: 1 row\(s\) negative; first offending rows \(index\): \[1\]"):
        V.cost_to_serve(bad)


def test_direct_profit_hand():
    tx = pd.DataFrame({"customer_id": [1, 1, 2, 2], "margin": [300.0, -100.0, 50.0, 10.0],
                       "date": pd.to_datetime(["2024-01-01", "2024-06-01", "2023-01-01",
                                               "2024-02-01"])})
    costs = pd.DataFrame({"customer_id": [1, 3], "cost_to_serve": [50.0, 7.0]})
    out = V.direct_profit(tx, costs, start="2024-01-01").set_index("customer_id")
    assert out.loc[1].tolist() == [200.0, 50.0, 150.0]
    assert out.loc[2].tolist() == [10.0, 0.0, 10.0]  # the 2023 flow is outside the period
    assert out.loc[3].tolist() == [0.0, 7.0, -7.0]
    no_costs = V.direct_profit(tx)
    assert (no_costs["direct_profit"] == no_costs["commercial_margin"]).all()
    with pytest.raises(SchemaError, match=r"costs\.cost_to_serve: 1 row\(s\) negative"):
        V.direct_profit(tx, costs.assign(cost_to_serve=[-1.0, 1.0]))
    with pytest.raises(SchemaError, match=r"transactions\.margin: missing column"):
        V.direct_profit(tx.drop(columns="margin"))


def test_profit_and_loss_deducts_common_costs_at_portfolio_level():
    p = pd.DataFrame({"commercial_margin": [500.0, 40.0, 0.0, 100.0],
                      "cost_to_serve": [80.0, 60.0, 5.0, 100.0]})
    pl = V.profit_and_loss(p, common_costs=300.0)
    assert pl["direct_profit"] == 420.0 - 20.0 - 5.0 + 0.0
    assert pl["net_profit"] == 395.0 - 300.0
    assert pl["loss_making_share"] == 0.5 and pl["loss_making_profit"] == -25.0
    assert pl["customers"] == 4
    with pytest.raises(ValueError):
        V.profit_and_loss(p, common_costs=-1)
    with pytest.raises(SchemaError, match="profit: the table is empty"):
        V.profit_and_loss(p.iloc[:0])


def test_potential_and_customer_value_hand():
    df = pd.DataFrame({"customer_id": [1, 2, 3, 4], "stage": ["a", "a", "a", "b"],
                       "margin": [0.0, 100.0, 200.0, 40.0]})
    out = V.potential(df, "margin", group_cols=["stage"], quantile=0.75)
    # group a: 75th percentile of 0, 100, 200 = 150
    assert out["benchmark"].tolist() == [150.0, 150.0, 150.0, 40.0]
    assert out["potential"].tolist() == [150.0, 50.0, 0.0, 0.0]
    overall = V.potential(df, "margin", quantile=1.0)
    assert overall["potential"].tolist() == [200.0, 100.0, 0.0, 160.0]
    value = V.customer_value(df.assign(direct_profit=df["margin"], potential=out["potential"]))
    assert value.tolist() == [150.0, 150.0, 200.0, 40.0]
    with pytest.raises(ValueError):
        V.potential(df, "margin", quantile=1.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("xyz"), st.floats(-1e4, 1e4)), min_size=1,
                max_size=40), st.floats(0, 1))
def test_potential_fills_the_gap_to_the_benchmark(rows, q):
    df = pd.DataFrame(rows, columns=["g", "v"]).assign(customer_id=range(len(rows)))
    out = V.potential(df, "v", group_cols=["g"], quantile=q)
    assert (out["potential"] >= 0).all()
    assert np.all(out["value"] + out["potential"] >= out["benchmark"] - 1e-9)


# ---------------------------------------------------------------------------------------
# lifetime value, equity
# ---------------------------------------------------------------------------------------
def brute_force_factor(r, d, horizon, include_current=True):
    ts = range(0, horizon) if include_current else range(1, horizon + 1)
    return sum(r**t / (1 + d) ** t for t in ts)


@settings(max_examples=80, deadline=None)
@given(st.floats(0, 1), st.floats(0, 0.5), st.integers(1, 40), st.booleans())
def test_annuity_factor_matches_the_explicit_sum(r, d, horizon, current):
    got = V.annuity_factor(r, d, horizon, include_current=current)
    assert got == pytest.approx(brute_force_factor(r, d, horizon, current), rel=1e-9)


def test_lifetime_value_hand():
    df = pd.DataFrame({"customer_id": [1, 2, 3], "direct_profit": [100.0, 100.0, -50.0],
                       "r": [0.9, 0.5, 0.9], "pd": [0.0, 0.2, 0.0],
                       "potential": [0.0, 200.0, 0.0]})
    # infinite horizon, current period counted: m (1 + d) / (1 + d - r)
    inf = V.lifetime_value(df, retention=0.9, discount_rate=0.1)
    assert inf["lifetime_value"].tolist() == pytest.approx([550.0, 550.0, -275.0])
    nxt = V.lifetime_value(df, retention=0.9, discount_rate=0.1, include_current=False)
    assert nxt["lifetime_value"].tolist() == pytest.approx([450.0, 450.0, -225.0])
    three = V.lifetime_value(df, retention="r", discount_rate=0.0, horizon=3)
    assert three["lifetime_value"].tolist() == pytest.approx(
        [100 * (1 + 0.9 + 0.81), 100 * 1.75, -50 * 2.71])
    # a yearly default probability of 0.2: still earning a year later with 0.5 * 0.8 = 0.4
    seed = V.lifetime_value(df, retention="r", discount_rate=0.0, horizon=3,
                            potential_col="potential", default_probability_col="pd")
    assert seed.loc[1, "lifetime_value"] == pytest.approx(100 * (1 + 0.4 + 0.16) + 200.0)
    assert seed.loc[0, "lifetime_value"] == pytest.approx(100 * 2.71)  # p = 0: unchanged
    assert seed["retention"].tolist() == [0.9, 0.5, 0.9]
    with pytest.raises(SchemaError, match=r"customers\.pd: 1 row\(s\) outside \[0, 1\]; first offending rows \(index\): \[2\]"):
        V.lifetime_value(df.assign(pd=[0.0, 0.5, 1.2]), default_probability_col="pd")
    with pytest.raises(SchemaError, match=r"customers\.r: 1 row\(s\) outside \[0, 1\]"):
        V.lifetime_value(df.assign(r=[0.9, -0.1, 0.5]), retention="r")
    with pytest.raises(ValueError, match="infinite horizon"):
        V.lifetime_value(df, retention=1.0, discount_rate=0.0)
    with pytest.raises(ValueError, match="horizon"):
        V.lifetime_value(df, horizon=0)
    with pytest.raises(ValueError, match="retention"):
        V.lifetime_value(df, retention=1.5)


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 0.95), st.floats(0, 0.3), st.integers(1, 30))
def test_lifetime_value_grows_with_retention_and_horizon(r, d, h):
    df = pd.DataFrame({"customer_id": [1], "direct_profit": [100.0]})
    base = V.lifetime_value(df, retention=r, discount_rate=d, horizon=h)["lifetime_value"][0]
    more_r = V.lifetime_value(df, retention=r + 0.04, discount_rate=d, horizon=h)
    longer = V.lifetime_value(df, retention=r, discount_rate=d, horizon=h + 1)
    forever = V.lifetime_value(df, retention=r, discount_rate=d)
    assert more_r["lifetime_value"][0] >= base - 1e-9
    assert longer["lifetime_value"][0] >= base - 1e-9
    assert forever["lifetime_value"][0] >= base - 1e-9


def test_customer_equity_hand():
    df = pd.DataFrame({"lifetime_value": [500.0, 300.0, -100.0], "seg": ["x", "y", "y"]})
    assert V.customer_equity(df) == 700.0
    by = V.customer_equity(df, by="seg").set_index("seg")
    assert by["equity"].tolist() == [500.0, 200.0]
    assert by["share"].sum() == pytest.approx(1.0)
    with pytest.raises(SchemaError, match=r"customers\.lifetime_value: missing column"):
        V.customer_equity(df.drop(columns="lifetime_value"))


# ---------------------------------------------------------------------------------------
# strategies, channel migration
# ---------------------------------------------------------------------------------------
def test_value_strategies_map_each_quadrant():
    df = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
                       "direct_profit": [10.0, 0.0, 10.0, 0.0, 0.0],
                       "potential": [10.0, 10.0, 0.0, 0.0, 0.0],
                       "ref": [False, False, False, False, True]})
    out = V.value_strategies(df, current_threshold=5, potential_threshold=5,
                             reference_col="ref")
    assert out["strategy"].astype(str).tolist() == [
        "loyalty", "multi_equipment", "retention", "retention", "retention"]
    assert labels.missing(V.STRATEGIES, "strategy") == []
    assert set(V.QUADRANT_STRATEGY.values()) == set(V.STRATEGIES)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), loss_share=st.floats(0.0, 0.6))
def test_value_strategies_terminate_only_negative_value(seed, loss_share):
    """Issue 17: the median-cut matrix advised ending profitable relationships and sent
    every loss-maker to multi-equipment. Termination is for negative value only."""
    rng = np.random.default_rng(seed)
    n = 300
    profit = rng.gamma(2.0, 150.0, n)
    losers = rng.random(n) < loss_share
    profit[losers] = -rng.gamma(2.0, 100.0, losers.sum())
    potential = rng.gamma(1.5, 100.0, n) * (rng.random(n) < 0.7)
    df = pd.DataFrame({"customer_id": np.arange(n), "direct_profit": profit,
                       "potential": potential})
    out = V.value_strategies(df)
    strategy = out["strategy"].astype(str).to_numpy()
    value = profit + potential
    # no profitable customer, no customer of non-negative value, is advised termination
    assert not np.any((strategy == "termination") & (profit > 0))
    assert not np.any((strategy == "termination") & (value >= 0))
    # every loss-maker of the low-low quadrant is advised termination (nothing protects
    # them here), so not all loss-makers land in multi-equipment
    undesirable = out["quadrant"].astype(str).to_numpy() == "undesirable"
    assert np.all(strategy[undesirable & (value < 0)] == "termination")
    assert np.all(strategy[undesirable & (value >= 0)] == "retention")


def test_value_strategies_rule_on_a_hand_portfolio():
    # medians: profit 7.5, potential 15. Customer 3 is low-low but profitable: kept;
    # customer 6 is low-low and loses money: the only termination
    df = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 6],
                       "direct_profit": [500.0, 400.0, 5.0, 10.0, -50.0, -300.0],
                       "potential": [900.0, 10.0, 0.0, 20.0, 800.0, 0.0]})
    out = V.value_strategies(df)
    assert out["strategy"].astype(str).tolist() == [
        "loyalty", "retention", "retention", "loyalty", "multi_equipment", "termination"]


def test_channel_migration_hand():
    cu = pd.DataFrame({"customer_id": [1, 2, 3], "eligible": [True, True, False],
                       "margin": [200.0, 50.0, 1000.0]})
    it = pd.DataFrame({"customer_id": [1, 1, 1, 2, 3],
                       "channel": ["branch", "phone", "web", "web", "branch"],
                       "cost": [30.0, 6.0, 1.0, 1.0, 30.0]})
    mig = V.channel_migration(cu, it, margin_col="margin", churn_risk=0.05)
    per = mig.customers.set_index("customer_id")
    # branch and phone cost more than web (1.0): customer 1's two contacts move
    assert per.loc[1, "contacts_moved"] == 2
    assert per.loc[1, "saving"] == pytest.approx(29.0 + 5.0)
    assert per.loc[1, "cost_after"] == pytest.approx(3.0)
    assert per.loc[1, "margin_at_risk"] == pytest.approx(10.0)
    # customer 2 only uses the web: nothing moves, nothing is at risk
    assert per.loc[2, "saving"] == 0 and per.loc[2, "margin_at_risk"] == 0
    assert 3 not in per.index
    assert mig.net_gain == pytest.approx(34.0 - 10.0)
    assert mig.unit_costs["branch"] == 30.0
    only_branch = V.channel_migration(cu, it, from_channels=["branch"], adoption=0.5,
                                      unit_costs={"branch": 30, "phone": 6, "web": 2})
    assert only_branch.saving == pytest.approx(0.5 * (30 - 2))
    with pytest.raises(ValueError, match="no cost"):
        V.channel_migration(cu, it, to_channel="mobile")
    with pytest.raises(ValueError):
        V.channel_migration(cu, it, adoption=2)
    with pytest.raises(SchemaError, match=r"customers\.eligible: expected bool"):
        V.channel_migration(cu.assign(eligible=[1, 0, 1]), it)


# ---------------------------------------------------------------------------------------
# the value mechanisms on the generated market
# ---------------------------------------------------------------------------------------
YEAR = dict(start="2024-01-01", end="2025-01-01")
POOLS = {"sales_marketing": (250_000.0, "sales_contacts"),
         "order_handling": (80_000.0, "contracts"),
         "distribution": (120_000.0, "flows")}


@pytest.fixture(scope="module")
def value_2024(market):
    drivers = V.activity_drivers(market.interactions, market.contracts, market.transactions,
                                 **YEAR)
    costs = V.cost_to_serve(market.interactions, pools=POOLS, drivers=drivers, **YEAR)
    profit = V.direct_profit(market.transactions, costs, **YEAR)
    return profit.merge(market.customers, on="customer_id", how="left"), costs


def test_market_allocated_costs_add_up_to_the_pools(value_2024):
    _, costs = value_2024
    for pool, (amount, _) in POOLS.items():
        assert np.round(costs[pool] * 100).astype(np.int64).sum() == round(amount * 100)
    assert (costs["cost_to_serve"] >= costs["direct_cost"]).all()


def test_market_young_drivers_lose_money_and_savers_earn_it(value_2024):
    profit, _ = value_2024
    by = profit.groupby("persona", observed=True)["direct_profit"].mean()
    # seed 000's young driver with a malus: a single, loss-making contract
    assert by["young_driver"] < 0
    assert by["affluent_saver"] > 0 and by["affluent_saver"] == by.max()


def test_market_strategies_and_equity(value_2024):
    profit, _ = value_2024
    stage = profit["life_stage"].astype(str)
    profit = profit.assign(stage=stage)
    # potential = future margin from needs not yet covered (the gap to peers on commercial
    # margin), not a gap on profit, which would hand every loss-maker a high potential
    pot = V.potential(profit, "commercial_margin", group_cols=["stage"])
    profit = profit.assign(potential=pot["potential"].to_numpy())
    strat = V.value_strategies(profit)
    counts = strat["strategy"].value_counts()
    assert (counts > 0).all()  # the four strategies all have customers
    losers = strat["current"] < 0
    assert (strat.loc[losers, "strategy"] != "multi_equipment").any()
    # termination is reserved to relationships of negative value (issue 17)
    ended = strat.loc[strat["strategy"] == "termination"]
    assert ((ended["current"] + ended["potential"]) < 0).all()
    assert (ended["current"] < 0).all()
    ltv = V.lifetime_value(profit)  # no default probability on the market: no weighting
    by = V.customer_equity(ltv.assign(strategy=strat["strategy"].to_numpy()), by="strategy")
    eq = by.set_index("strategy")["equity"]
    assert eq["loyalty"] > eq["termination"]
    assert V.customer_equity(ltv) == pytest.approx(by["equity"].sum())


def test_market_channel_migration_saves_money(value_2024, market):
    profit, _ = value_2024
    low = profit["direct_profit"] < profit["direct_profit"].median()
    loyal = profit["acquisition_date"] < D("2015-01-01")
    cu = profit[["customer_id"]].assign(eligible=(low & loyal).to_numpy(),
                                        margin=profit["commercial_margin"].clip(lower=0))
    it = market.interactions.loc[market.interactions["date"] >= D("2024-01-01")]
    it = it.loc[it["customer_id"].isin(cu["customer_id"])]
    mig = V.channel_migration(cu, it, to_channel="web", margin_col="margin", adoption=0.5)
    assert mig.saving > 0
    assert mig.unit_costs["branch"] > mig.unit_costs["web"]
    assert (mig.customers["cost_after"] <= mig.customers["cost_before"] + 1e-9).all()


# --- lifetime value per acquisition euro: the whole cohort, leavers at zero (issue 17) ----

def _cohort():
    # channel "branch": 3 recruits at 300 €, all still here (LTV 900, 600, 600);
    # channel "web": 5 recruits at 60 €, only one still here, a very good one (LTV 900);
    # customer 9 was won before the window and must not count
    cu = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 6, 7, 8, 9],
        "acquisition_date": pd.to_datetime(["2016-03-01"] * 8 + ["2014-06-01"]),
        "acquisition_channel": ["branch"] * 3 + ["web"] * 5 + ["web"],
        "acquisition_cost": [300.0] * 3 + [60.0] * 5 + [60.0],
    })
    ltv = pd.DataFrame({"customer_id": [1, 2, 3, 4, 9],
                        "lifetime_value": [900.0, 600.0, 600.0, 900.0, 5000.0]})
    return cu, ltv


def test_acquisition_returns_count_the_leavers_by_hand():
    cu, ltv = _cohort()
    r = V.acquisition_returns(cu, ltv, start="2015-01-01")
    assert r["recruits"].to_dict() == {"branch": 3, "web": 5}
    assert r["still_present"].to_dict() == pytest.approx({"branch": 1.0, "web": 0.2})
    # survivors only: branch 2100 / 900 = 2.33, web 900 / 60 = 15 -> web looks best
    assert r["value_per_euro_survivors"].to_dict() == pytest.approx(
        {"branch": 2100 / 900, "web": 15.0})
    # the whole cohort, leavers at zero: web 900 / 300 = 3 ... still above branch's 2.33
    assert r["value_per_euro"].to_dict() == pytest.approx({"branch": 2100 / 900, "web": 3.0})
    assert r["mean_value"].to_dict() == pytest.approx({"branch": 700.0, "web": 180.0})


def test_acquisition_returns_survivorship_reverses_the_ranking():
    cu, ltv = _cohort()
    # two more web recruits who left: the cohort ratio falls to 900 / 420 = 2.14 < 2.33
    more = pd.DataFrame({"customer_id": [10, 11],
                         "acquisition_date": pd.to_datetime(["2017-01-01"] * 2),
                         "acquisition_channel": ["web"] * 2, "acquisition_cost": [60.0] * 2})
    r = V.acquisition_returns(pd.concat([cu, more], ignore_index=True), ltv,
                              start="2015-01-01", end="2025-01-01")
    survivors = r["value_per_euro_survivors"]
    cohort = r["value_per_euro"]
    assert survivors["web"] > survivors["branch"]  # the biased ranking
    assert cohort["web"] < cohort["branch"]        # the cohort's ranking, reversed
    assert cohort["web"] == pytest.approx(900 / 420)


@given(st.lists(st.tuples(st.sampled_from("abc"), st.floats(1, 500), st.booleans(),
                          st.floats(-200, 2000)), min_size=1, max_size=40))
@settings(max_examples=60, deadline=None)
def test_acquisition_returns_never_count_fewer_costs_than_recruits(rows):
    cu = pd.DataFrame({"customer_id": range(len(rows)),
                       "acquisition_date": pd.Timestamp("2020-01-01"),
                       "acquisition_channel": [r[0] for r in rows],
                       "acquisition_cost": [r[1] for r in rows]})
    kept = [i for i, r in enumerate(rows) if r[2]]
    values = pd.DataFrame({"customer_id": kept, "lifetime_value": [rows[i][3] for i in kept]})
    if values.empty:
        values = pd.DataFrame({"customer_id": [-1], "lifetime_value": [0.0]})
    r = V.acquisition_returns(cu, values)
    assert r["recruits"].sum() == len(rows)
    total_value = values.loc[values["customer_id"] >= 0, "lifetime_value"].sum()
    assert (r["mean_value"] * r["recruits"]).sum() == pytest.approx(total_value, abs=1e-6)
    # the cohort ratio divides by every recruit's cost, the survivors' by fewer
    both = r.dropna(subset=["value_per_euro_survivors"])
    pos = both[both["value_per_euro_survivors"] > 0]
    assert (pos["value_per_euro"] <= pos["value_per_euro_survivors"] + 1e-9).all()


def test_acquisition_returns_bad_input():
    cu, ltv = _cohort()
    with pytest.raises(SchemaError, match=r"customers\.acquisition_cost"):
        V.acquisition_returns(cu.assign(acquisition_cost=-cu["acquisition_cost"]), ltv)
    with pytest.raises(SchemaError, match=r"values\.customer_id"):
        V.acquisition_returns(cu, pd.concat([ltv, ltv.head(1)]))
    with pytest.raises(SchemaError, match=r"customers\.acquisition_date"):
        V.acquisition_returns(cu, ltv, start="2030-01-01")
    with pytest.raises(ValueError, match="before"):
        V.acquisition_returns(cu, ltv, start="2020-01-01", end="2019-01-01")


# ---------------------------------------------------------------------------------------
# customer capital: purchases minus the effort to keep the customer
# ---------------------------------------------------------------------------------------
def test_customer_capital_by_hand():
    df = pd.DataFrame({"customer_id": [1, 2, 3], "commercial_margin": [300.0, 50.0, 0.0],
                       "retention_effort": [20.0, 60.0, 0.0], "r": [0.5, 0.9, 0.9]})
    # three years, no discounting: factor 1 + r + r^2 (1.75 and 2.71)
    out = V.customer_capital(df, retention="r", discount_rate=0.0, horizon=3)
    assert out["factor"].tolist() == pytest.approx([1.75, 2.71, 2.71])
    assert out["discounted_margin"].tolist() == pytest.approx([525.0, 135.5, 0.0])
    assert out["discounted_effort"].tolist() == pytest.approx([35.0, 162.6, 0.0])
    assert out["customer_capital"].tolist() == pytest.approx([490.0, -27.1, 0.0])
    # it is the lifetime value of the margin net of the effort, year by year
    net = V.lifetime_value(df.assign(net=df["commercial_margin"] - df["retention_effort"]),
                           margin_col="net", retention="r", discount_rate=0.0, horizon=3)
    assert np.allclose(out["customer_capital"], net["lifetime_value"])
    # discounting lowers both parts by the same factor: 1 + 0.5/1.1 + 0.25/1.21
    disc = V.customer_capital(df, retention="r", discount_rate=0.1, horizon=3)
    assert disc.loc[0, "customer_capital"] == pytest.approx(280 * (1 + 0.5 / 1.1 + 0.25 / 1.21))


def test_customer_capital_bad_input():
    df = pd.DataFrame({"customer_id": [1, 2], "commercial_margin": [300.0, 50.0],
                       "retention_effort": [20.0, -5.0]})
    with pytest.raises(SchemaError, match=r"customers\.retention_effort: .*negative"):
        V.customer_capital(df)
    with pytest.raises(SchemaError, match=r"customers\.retention_effort"):
        V.customer_capital(df.drop(columns="retention_effort"))
    with pytest.raises(SchemaError, match=r"customers\.customer_id"):
        V.customer_capital(df.assign(customer_id=1, retention_effort=0.0))
