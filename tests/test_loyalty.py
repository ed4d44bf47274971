"""Tests of crmkit.loyalty: hand-computed examples, invariants, bad input, and the seed's
claims measured on the generated market (fixture ``market`` from conftest)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import labels
from crmkit import loyalty as L
from crmkit.schema import SchemaError

D = pd.Timestamp


# ---------------------------------------------------------------------------------------
# repeat patronage, attitude, Dick & Basu
# ---------------------------------------------------------------------------------------
def purchases():
    return pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 2, 3],
        "date": pd.to_datetime(["2023-01-15", "2023-01-20", "2023-04-02", "2023-07-01",
                                "2023-06-30", "2023-12-01"]),
        "kind": ["deposit", "deposit", "deposit", "premium", "deposit", "deposit"],
    })


def test_repeat_patronage_monthly_hand():
    out = L.repeat_patronage(purchases(), as_of="2023-12-31").set_index("customer_id")
    # customer 1: deposits in Jan (2) and Apr; observed Jan..Dec = 12 months
    assert out.loc[1, "purchases"] == 3
    assert out.loc[1, "active_periods"] == 2
    assert out.loc[1, "observed_periods"] == 12
    assert out.loc[1, "repeat_rate"] == pytest.approx(2 / 12)
    assert out.loc[1, "purchases_per_year"] == pytest.approx(3.0)
    # gaps: Jan 15 -> Apr 2 = 77 days over 2 gaps
    assert out.loc[1, "mean_gap_days"] == pytest.approx(77 / 2)
    assert np.isnan(out.loc[2, "mean_gap_days"])
    assert out.loc[3, "observed_periods"] == 1 and out.loc[3, "repeat_rate"] == 1.0


def test_repeat_patronage_quarterly_and_contracts():
    q = L.repeat_patronage(purchases(), as_of="2023-12-31", freq="Q").set_index("customer_id")
    assert q.loc[1, "active_periods"] == 2 and q.loc[1, "observed_periods"] == 4
    y = L.repeat_patronage(purchases(), kinds=None, as_of="2024-06-30", freq="Y")
    assert y.set_index("customer_id").loc[1, "observed_periods"] == 2
    contracts = pd.DataFrame({"customer_id": [1, 1],
                              "start_date": pd.to_datetime(["2020-01-01", "2022-01-01"])})
    c = L.repeat_patronage(contracts, kinds=None, date_col="start_date", freq="Y",
                           as_of="2022-12-31", table="contracts")
    assert c["active_periods"].tolist() == [2] and c["observed_periods"].tolist() == [3]
    with pytest.raises(ValueError, match="freq"):
        L.repeat_patronage(purchases(), freq="W")
    with pytest.raises(SchemaError, match=r"contracts\.start_date: expected datetime"):
        L.repeat_patronage(contracts.astype({"start_date": str}), kinds=None,
                           date_col="start_date", table="contracts")


def test_attitude_by_customer_last_mean_and_as_of():
    sv = pd.DataFrame({"customer_id": [1, 1, 1, 2],
                       "date": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01",
                                               "2021-06-01"]),
                       "relative_attitude": [2.0, 4.0, 6.0, 5.0]})
    assert L.attitude_by_customer(sv)["relative_attitude"].tolist() == [6.0, 5.0]
    assert L.attitude_by_customer(sv, how="mean")["relative_attitude"].tolist() == [4.0, 5.0]
    early = L.attitude_by_customer(sv, as_of="2021-03-01")
    assert early["relative_attitude"].tolist() == [4.0] and early["answers"].tolist() == [2]
    with pytest.raises(ValueError):
        L.attitude_by_customer(sv, how="median")


def test_dick_basu_thresholds_and_boundaries():
    df = pd.DataFrame({"relative_attitude": [5.0, 4.99, 7.0, 1.0, 5.0],
                       "repeat_rate": [0.5, 0.5, 0.49, 0.1, 0.9]})
    out = L.dick_basu(df, attitude_threshold=5.0, patronage_threshold=0.5)
    # at the threshold counts as high
    assert out["loyalty_type"].astype(str).tolist() == [
        "true_loyalty", "spurious_loyalty", "latent_loyalty", "no_loyalty", "true_loyalty"]
    med = L.dick_basu(df)  # median repeat rate 0.5
    assert med["high_patronage"].tolist() == [True, True, False, False, True]
    assert list(out["loyalty_type"].cat.categories) == list(L.LOYALTY_TYPES)
    assert labels.missing(L.LOYALTY_TYPES, "loyalty_type") == []
    with pytest.raises(SchemaError, match=r"customers\.repeat_rate: missing column"):
        L.dick_basu(df.drop(columns="repeat_rate"))
    with pytest.raises(ValueError):
        L.dick_basu(df, attitude_threshold=float("nan"))
    with pytest.raises(SchemaError, match="customers: the table is empty"):
        L.dick_basu(df.iloc[:0])
    with pytest.raises(SchemaError, match=r"customers\.relative_attitude: expected number"):
        L.dick_basu(df.astype({"relative_attitude": str}))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 7), st.floats(0, 1)), min_size=1, max_size=40),
       st.floats(1, 7), st.floats(0, 1))
def test_dick_basu_types_match_the_two_axes(rows, a_cut, p_cut):
    df = pd.DataFrame(rows, columns=["relative_attitude", "repeat_rate"])
    out = L.dick_basu(df, attitude_threshold=a_cut, patronage_threshold=p_cut)
    expect = {(True, True): "true_loyalty", (True, False): "latent_loyalty",
              (False, True): "spurious_loyalty", (False, False): "no_loyalty"}
    for a, p, kind in zip(df["relative_attitude"] >= a_cut, df["repeat_rate"] >= p_cut,
                          out["loyalty_type"].astype(str), strict=True):
        assert expect[(bool(a), bool(p))] == kind


def test_loyalty_typology_needs_both_sources():
    sv = pd.DataFrame({"customer_id": [9], "relative_attitude": [6.0],
                       "date": pd.to_datetime(["2023-01-01"])})
    with pytest.raises(SchemaError, match="no customer has both"):
        L.loyalty_typology(sv, purchases())


# ---------------------------------------------------------------------------------------
# critical incidents
# ---------------------------------------------------------------------------------------
def test_incident_response_mix_hand():
    inc = pd.DataFrame({"type": ["price_rise"] * 3 + ["service_failure"],
                        "response": ["exit", "none", "none", "complaint"]})
    mix = L.incident_response_mix(inc)
    assert mix.loc["price_rise", "incidents"] == 3
    assert mix.loc["price_rise", "none"] == pytest.approx(2 / 3)
    assert np.allclose(mix.drop(columns="incidents").sum(axis=1), 1.0)
    allmix = L.incident_response_mix(inc, by=None, normalize=False)
    assert allmix.loc["all"].to_dict() == {"incidents": 4, "complaint": 1, "exit": 1, "none": 2}


def churn_tables():
    cu = pd.DataFrame({
        "customer_id": [1, 2, 3],
        "acquisition_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2021-01-01"]),
        "churn_date": pd.to_datetime([None, "2021-03-01", "2021-06-01"]),
    })
    inc = pd.DataFrame({
        "customer_id": [1, 1, 2, 3],
        "date": pd.to_datetime(["2020-03-01", "2020-05-01", "2021-01-01", "2021-06-01"]),
        "type": ["price_rise", "service_failure", "claim_refused", "competitor_offer"],
        "response": ["complaint", "none", "complaint", "exit"],
    })
    return cu, inc


def test_incident_churn_hand_merged_windows():
    cu, inc = churn_tables()
    out = L.incident_churn(cu, inc, as_of="2022-01-01", window_days=100).set_index("group")
    day = 1 / 365.25
    # customer 1: windows [Mar 1, Jun 9) and [May 1, Aug 9) merge into one "complaint"
    # window of 161 days; customer 2: [Jan 1 2021, ...) cut by churn on Mar 1 (59 days)
    assert out.loc["complaint", "windows"] == 2
    assert out.loc["complaint", "exposure_years"] == pytest.approx((161 + 59) * day)
    assert out.loc["complaint", "churned"] == 1
    # customer 3 leaves on the day of the incident: no exposure, churn within window = 1
    assert out.loc["exit", "churned"] == 1 and out.loc["exit", "exposure_years"] == 0
    assert np.isnan(out.loc["exit", "churn_rate"])
    assert out.loc["exit", "churn_within_window"] == 1.0
    # time without an incident: c1 731 - 161, c2 425 - 59, c3 151 days; no churn there
    assert out.loc["no_incident", "exposure_years"] == pytest.approx(
        (731 - 161 + 425 - 59 + 151) * day)
    assert out.loc["no_incident", "churned"] == 0
    assert out.loc["complaint", "churn_rate"] == pytest.approx(1 / ((161 + 59) * day))
    by_type = L.incident_churn(cu, inc, as_of="2022-01-01", window_days=100, by="type")
    assert by_type["group"].tolist() == ["no_incident", "claim_refused", "competitor_offer",
                                         "price_rise"]
    pooled = L.incident_churn(cu, inc, as_of="2022-01-01", window_days=100, by=None)
    assert pooled["group"].tolist() == ["no_incident", "incident"]
    assert pooled.loc[1, "churned"] == 2


def test_incident_churn_bad_input():
    cu, inc = churn_tables()
    with pytest.raises(SchemaError, match=r"incidents\.date: 1 row\(s\) before the customer's acquisition date; first offending rows \(index\): \[0\]"):
        L.incident_churn(cu, inc.assign(date=inc["date"].where(inc.index != 0, D("2019-01-01"))))
    with pytest.raises(SchemaError, match=r"incidents\.date: 1 row\(s\) after the customer's churn date; first offending rows \(index\): \[2\]"):
        L.incident_churn(cu, inc.assign(date=inc["date"].where(inc.index != 2, D("2021-05-01"))))
    with pytest.raises(SchemaError, match=r"incidents\.customer_id: 1 row\(s\) not a customer"):
        L.incident_churn(cu, inc.assign(customer_id=[1, 1, 2, 99]))
    with pytest.raises(SchemaError, match=r"customers\.churn_date: 1 row\(s\) before acquisition_date; first offending rows \(index\): \[1\]"):
        L.incident_churn(cu.assign(churn_date=cu["churn_date"].where(
            cu.index != 1, D("2019-01-01"))), inc)
    with pytest.raises(ValueError):
        L.incident_churn(cu, inc, window_days=0)


# ---------------------------------------------------------------------------------------
# retention economics
# ---------------------------------------------------------------------------------------
def test_customer_flows_yearly_and_monthly_hand():
    cu = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5],
        "acquisition_date": pd.to_datetime(["2020-01-10", "2020-02-10", "2020-02-20",
                                            "2021-03-01", "2021-07-01"]),
        "churn_date": pd.to_datetime([None, "2020-02-25", "2021-05-01", None, "2021-09-01"]),
    })
    y = L.customer_flows(cu, as_of="2021-12-31")
    assert y["acquired"].tolist() == [3, 2] and y["churned"].tolist() == [1, 2]
    assert y["start_stock"].tolist() == [0, 2] and y["end_stock"].tolist() == [2, 2]
    assert y["churned_new"].tolist() == [1, 1]
    assert y.loc["2021", "retention_rate"] == pytest.approx(0.5)
    m = L.customer_flows(cu, freq="M", as_of="2020-03-31")
    assert [str(p) for p in m.index] == ["2020-01", "2020-02", "2020-03"]
    assert m["end_stock"].tolist() == [1, 2, 2]
    with pytest.raises(SchemaError, match=r"customers\.churn_date: 1 row\(s\) before acquisition_date"):
        L.customer_flows(cu.assign(churn_date=cu["churn_date"].where(cu.index != 1,
                                                                     D("2020-01-01"))))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2000), st.one_of(st.none(), st.integers(0, 2000))),
                min_size=1, max_size=40))
def test_customer_flows_stock_identity(rows):
    base = D("2018-01-01")
    acq = [base + pd.Timedelta(days=a) for a, _ in rows]
    churn = [pd.NaT if c is None else base + pd.Timedelta(days=a + c) for a, c in rows]
    cu = pd.DataFrame({"customer_id": range(len(rows)), "acquisition_date": acq,
                       "churn_date": pd.to_datetime(churn)})
    as_of = D("2023-12-31")
    f = L.customer_flows(cu, as_of=as_of, freq="Q")
    assert (f["end_stock"] == f["start_stock"] + f["acquired"] - f["churned"]).all()
    assert (f["start_stock"].iloc[1:].to_numpy() == f["end_stock"].iloc[:-1].to_numpy()).all()
    active = ((cu["acquisition_date"] <= as_of)
              & (cu["churn_date"].isna() | (cu["churn_date"] > as_of))).sum()
    assert f["end_stock"].iloc[-1] == active
    r = f["retention_rate"].dropna()
    assert ((r >= 0) & (r <= 1)).all()


def test_survival_curve_left_truncation_hand():
    # observation starts in 2020. Customer 1 (won 2015) was there in 2020 at tenure 5 and
    # leaves at 6.0; customer 2 (won 2020) leaves after 1.0; customer 3 (won 2020) stays
    cu = pd.DataFrame({
        "acquisition_date": pd.to_datetime(["2015-01-01", "2020-01-01", "2020-01-01",
                                            "2010-01-01"]),
        "churn_date": pd.to_datetime(["2021-01-01", "2021-01-01", None, "2012-01-01"]),
    })
    sc = L.survival_curve(cu, as_of="2023-01-01", observed_from="2020-01-01", max_years=7)
    # customer 4 left before the observation: dropped. Customer 2 leaves at tenure 1.002
    # with customers 2 and 3 at risk (customer 1 only enters at 5) -> S = 1/2 from year 2;
    # customer 1 leaves at 6.001, alone at risk -> S = 0 from year 7
    assert sc["survival"].round(6).tolist() == [1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0]
    assert sc["churned"].tolist() == [0, 0, 1, 0, 0, 0, 0, 1]
    assert sc.loc[1, "at_risk"] == 2
    naive = L.survival_curve(cu, as_of="2023-01-01", max_years=7)
    # without truncation customers 1 and 4 count as at risk from tenure 0
    assert naive.loc[1, "at_risk"] == 4
    # churns at 1.002 (customer 2, 4 at risk) and 1.999 (customer 4, 3 at risk)
    assert naive.loc[2, "survival"] == pytest.approx((3 / 4) * (2 / 3))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3000), st.one_of(st.none(), st.integers(0, 3000))),
                min_size=1, max_size=40))
def test_survival_curve_is_a_survival_function(rows):
    base = D("2014-01-01")
    cu = pd.DataFrame({
        "acquisition_date": [base + pd.Timedelta(days=a) for a, _ in rows],
        "churn_date": pd.to_datetime([pd.NaT if c is None else base + pd.Timedelta(days=a + c)
                                      for a, c in rows]),
    })
    for obs in (None, "2017-01-01"):
        try:
            sc = L.survival_curve(cu, as_of="2024-01-01", observed_from=obs, max_years=8)
        except SchemaError:
            continue  # nobody observed in the window
        s = sc["survival"].to_numpy()
        assert s[0] <= 1 and (s >= 0).all() and np.all(np.diff(s) <= 1e-12)


def test_bathtub_hand_and_steady_state():
    b = L.bathtub(2, initial_customers=1000, acquired=100, retention_rate=0.8,
                  margin_per_customer=50, acquisition_cost=300, retention_cost=5,
                  discount_rate=0.1)
    # period 1: 1000 -> 800 kept + 100 won = 900; margin 45,000 - 30,000 - 5,000
    assert b.loc[1, "end_stock"] == pytest.approx(900)
    assert b.loc[1, "lost"] == pytest.approx(200)
    assert b.loc[1, "profit"] == pytest.approx(45_000 - 30_000 - 5_000)
    assert b.loc[1, "discounted_profit"] == pytest.approx(10_000 / 1.1)
    # period 2: 900 -> 720 + 100 = 820; 41,000 - 30,000 - 4,500
    assert b.loc[2, "end_stock"] == pytest.approx(820)
    assert b.loc[2, "cumulative_profit"] == pytest.approx(10_000 + 6_500)
    long = L.bathtub(200, acquired=100, retention_rate=0.8)
    assert long["end_stock"].iloc[-1] == pytest.approx(100 / (1 - 0.8))
    varying = L.bathtub(3, initial_customers=10, acquired=[0, 5, 0],
                        retention_rate=[1.0, 0.5, 0.0])
    assert varying["end_stock"].tolist() == [10.0, 10.0, 0.0]
    for bad in (dict(retention_rate=1.2), dict(acquired=-1), dict(acquired=[1, 2])):
        with pytest.raises(ValueError):
            L.bathtub(3, **bad)
    with pytest.raises(ValueError):
        L.bathtub(0)


def test_five_points_of_retention_can_double_profit_only_on_thin_profits():
    # thin: 80 % retention, 100 new customers a year costing 400 each, 100 euros margin:
    # before 500 customers, profit 50,000 - 40,000 = 10,000; after 667, 26,667 (x2.67)
    thin = L.retention_uplift(0.80, 0.05, margin_per_customer=100, acquisition_cost=400,
                              acquired=100)
    assert thin.customers_before == pytest.approx(500)
    assert thin.profit_before == pytest.approx(10_000)
    assert thin.profit_after == pytest.approx(100 * 100 / 0.15 - 40_000)
    assert thin.profit_ratio > 2
    # fat: acquisition costs 100 -> 40,000 before, 56,667 after: +42 % only
    fat = L.retention_uplift(0.80, 0.05, margin_per_customer=100, acquisition_cost=100,
                             acquired=100)
    assert fat.profit_ratio == pytest.approx((100 * 100 / 0.15 - 10_000) / 40_000)
    assert fat.profit_ratio < 2
    # tenure-growing margins (Reichheld & Sasser) make the same five points worth more
    grow = L.retention_uplift(0.80, 0.05, margin_per_customer=100, acquisition_cost=100,
                              acquired=100, margin_growth=0.05)
    assert grow.profit_ratio > fat.profit_ratio
    with pytest.raises(ValueError):
        L.retention_uplift(0.97, 0.05, margin_per_customer=1)
    with pytest.raises(ValueError, match="never stops"):
        L.retention_uplift(0.9, 0.05, margin_per_customer=1, margin_growth=0.1)


def test_retention_uplift_simulated_converges_to_steady_state():
    kw = dict(margin_per_customer=100, acquisition_cost=400, acquired=100)
    steady = L.retention_uplift(0.80, 0.05, **kw)
    sim = L.retention_uplift(0.80, 0.05, periods=300, **kw)
    assert sim.customers_after == pytest.approx(steady.customers_after, rel=1e-6)
    # cumulative profits over 300 periods: the ratio tends to the steady-state ratio
    assert sim.profit_ratio == pytest.approx(steady.profit_ratio, rel=0.05)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 0.99))
def test_half_life_round_trip(r):
    assert L.retention_for_half_life(L.half_life(r)) == pytest.approx(r)
    assert 0.5 == pytest.approx(r ** L.half_life(r))


def test_half_the_customers_in_five_years_is_87_percent_retention():
    assert L.retention_for_half_life(5) == pytest.approx(0.8706, abs=1e-4)
    b = L.bathtub(5, initial_customers=1000, retention_rate=L.retention_for_half_life(5))
    assert b["end_stock"].iloc[-1] == pytest.approx(500)
    with pytest.raises(ValueError):
        L.half_life(1.0)


def test_acquisition_retention_ratio_and_costs_hand():
    cr = L.acquisition_retention_ratio(90_000, 300, 60_000, 2_000)
    assert (cr.cost_per_acquisition, cr.cost_per_retention, cr.ratio) == (300.0, 30.0, 10.0)
    with pytest.raises(ValueError):
        L.acquisition_retention_ratio(1, 0, 1, 1)
    cu = pd.DataFrame({
        "customer_id": [1, 2, 3, 4],
        "acquisition_date": pd.to_datetime(["2019-01-01", "2019-01-01", "2020-05-01",
                                            "2021-02-01"]),
        "churn_date": pd.to_datetime([None, "2020-06-01", None, None]),
        "acquisition_cost": [500.0, 500.0, 120.0, 180.0],
    })
    it = pd.DataFrame({"customer_id": [1, 1, 3, 2], "reason": ["retention"] * 3 + ["sale"],
                       "cost": [12.0, 8.0, 10.0, 99.0],
                       "date": pd.to_datetime(["2020-01-05", "2021-03-01", "2021-12-01",
                                               "2020-02-01"])})
    c = L.acquisition_retention_costs(cu, it, first_year=2020, last_year=2021)
    # won in 2020-21: customers 3 and 4 -> 150 each; kept: 2020 one of two (customer 2
    # left), 2021 customers 1 and 3 -> 3 customer-years for 30 euros of retention
    assert c.cost_per_acquisition == pytest.approx(150.0)
    assert c.cost_per_retention == pytest.approx(10.0)
    # default years: the full calendar years covered by the interactions (2020, 2021)
    assert L.acquisition_retention_costs(cu, it).ratio == pytest.approx(15.0)


# ---------------------------------------------------------------------------------------
# the seed's mechanisms and claims on the generated market
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def consistent(market):
    """Customers and incidents of the market, with the generator's few same-month
    inconsistencies (a churn or an incident dated a few days before the acquisition, an
    incident a day after the churn; reported in issue 4's note) moved inside the
    customer's lifetime; a no-op once the generator is fixed."""
    cu = market.customers.copy()
    early = cu["churn_date"] < cu["acquisition_date"]
    cu.loc[early, "churn_date"] = cu.loc[early, "acquisition_date"]
    inc = market.incidents.copy()
    life = cu.set_index("customer_id")
    acq = inc["customer_id"].map(life["acquisition_date"])
    churn = inc["customer_id"].map(life["churn_date"])
    inc["date"] = inc["date"].where(inc["date"] >= acq, acq)
    inc["date"] = inc["date"].where(churn.isna() | (inc["date"] <= churn), churn)
    assert early.mean() < 0.01 and (inc["date"] != market.incidents["date"]).mean() < 0.01
    return cu, inc


def test_market_incidents_raise_churn(consistent):
    cu, inc = consistent
    out = L.incident_churn(cu, inc).set_index("group")
    base = out.loc["no_incident", "churn_rate"]
    assert 0 < base < 0.2
    for response in ("complaint", "negotiation", "negative_word_of_mouth"):
        assert out.loc[response, "churn_rate"] > 2 * base
    assert out.loc["exit", "churn_within_window"] == 1.0
    mix = L.incident_response_mix(inc)
    assert np.allclose(mix.drop(columns="incidents").sum(axis=1), 1.0)


def test_market_true_loyalty_churns_less_than_spurious(market, consistent):
    cu, _ = consistent
    as_of = D("2019-12-31")
    typ = L.loyalty_typology(market.surveys, market.contracts, as_of=as_of, kinds=None,
                             date_col="start_date", events_table="contracts")
    churn = typ["customer_id"].map(cu.set_index("customer_id")["churn_date"])
    typ = typ.loc[churn.isna() | (churn > as_of)]  # still customers at the survey date
    left = typ["customer_id"].map(cu.set_index("customer_id")["churn_date"]).notna()
    rate = left.groupby(typ["loyalty_type"], observed=False).mean()
    assert rate["true_loyalty"] < rate["spurious_loyalty"]
    assert rate[["true_loyalty", "latent_loyalty"]].mean() < rate[
        ["spurious_loyalty", "no_loyalty"]].mean()


def test_market_bathtub_matches_the_customer_base(consistent):
    cu, _ = consistent
    flows = L.customer_flows(cu, as_of="2024-12-31")
    active = (cu["churn_date"].isna() | (cu["churn_date"] > D("2024-12-31"))).sum()
    assert flows["end_stock"].iloc[-1] == active
    # the observed retention rates over the simulated years are plausible
    sim = flows.loc["2016":"2024", "retention_rate"]
    assert ((sim > 0.6) & (sim < 0.99)).all()


def test_market_ignoring_left_truncation_flatters_retention(consistent):
    cu, _ = consistent
    sc = L.survival_curve(cu, as_of="2024-12-31", observed_from="2015-01-01", max_years=10)
    s5 = sc.set_index("years").loc[5, "survival"]
    naive = L.survival_curve(cu, as_of="2024-12-31", max_years=10)
    # ignoring that pre-2015 customers are survivors flatters retention
    assert naive.set_index("years").loc[5, "survival"] > s5


# ---------------------------------------------------------------------------------------
# chapter 2 additions: the bathtub measured on a year, churn within a horizon by group,
# margin by tenure, scenario runs; the chapter's figures and explorers
# ---------------------------------------------------------------------------------------
def bathtub_year():
    """Three customers at the start of 2024 (2 leaves), two won in 2024 (5 leaves then)."""
    cu = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5],
        "acquisition_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01",
                                            "2024-03-01", "2024-05-01"]),
        "churn_date": pd.to_datetime([None, "2024-06-01", None, None, "2024-09-01"]),
        "acquisition_cost": [100.0, 100.0, 100.0, 150.0, 250.0],
    })
    tx = pd.DataFrame({"customer_id": [1, 3, 4, 1], "margin": [500.0, 300.0, 100.0, 999.0],
                       "date": pd.to_datetime(["2024-02-01", "2024-02-01", "2024-04-01",
                                               "2023-02-01"])})
    it = pd.DataFrame({"customer_id": [1, 2, 3, 3], "reason": ["retention", "service",
                                                               "retention", "retention"],
                       "cost": [30.0, 20.0, 15.0, 99.0],
                       "date": pd.to_datetime(["2024-01-10", "2024-01-10", "2024-01-10",
                                               "2025-01-10"])})
    return cu, tx, it


def test_bathtub_parameters_hand():
    cu, tx, it = bathtub_year()
    p = L.bathtub_parameters(cu, tx, it, year=2024)
    assert (p.start_stock, p.end_stock, p.acquired) == (3.0, 3.0, 1.0)
    assert p.retention_rate == pytest.approx(2 / 3)  # customer 2 of the 3 left
    assert p.acquisition_cost == pytest.approx(400.0)  # 150 + 250 for one customer kept
    assert p.retention_cost == pytest.approx(45 / 3)  # 2025 contact not counted
    assert p.margin_per_customer == pytest.approx((900 - 20) / 3)  # 2023 margin not counted
    # counting service contacts as retention moves their cost out of the margin
    q = L.bathtub_parameters(cu, tx, it, year=2024, retention_reasons=("retention", "service"))
    assert q.retention_cost == pytest.approx(65 / 3)
    assert q.margin_per_customer == pytest.approx(900 / 3)
    with pytest.raises(ValueError, match="before the first acquisition"):
        L.bathtub_parameters(cu, tx, it, year=2010)
    with pytest.raises(ValueError, match="empty"):
        L.bathtub_parameters(cu, tx, it, year=2020)  # nobody at the start of 2020
    with pytest.raises(ValueError, match="integer"):
        L.bathtub_parameters(cu, tx, it, year="2024")
    with pytest.raises(SchemaError, match="customers.acquisition_cost"):
        L.bathtub_parameters(cu.drop(columns="acquisition_cost"), tx, it, year=2024)


def test_bathtub_parameters_reproduce_the_market_year(market, consistent):
    cu, _ = consistent
    year = 2022
    p = L.bathtub_parameters(cu, market.transactions, market.interactions, year=year)
    one = L.bathtub(1, initial_customers=p.start_stock, **p.as_kwargs()).iloc[0]
    flows = L.customer_flows(cu, as_of=f"{year}-12-31").iloc[-1]
    assert one["end_stock"] == pytest.approx(flows["end_stock"])
    tx_y = market.transactions.loc[market.transactions["date"].dt.year == year, "margin"].sum()
    it_y = market.interactions.loc[market.interactions["date"].dt.year == year, "cost"].sum()
    won = cu.loc[cu["acquisition_date"].dt.year == year, "acquisition_cost"].sum()
    # the one-year bathtub earns the year's margin net of every contact and acquisition cost
    assert one["profit"] == pytest.approx(tx_y - it_y - won, rel=1e-9)


def test_churn_within_hand_and_boundaries():
    groups = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
                           "loyalty_type": pd.Categorical(["a", "a", "b", "b", "a"],
                                                     categories=["a", "b", "c"])})
    cu = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 6],
                       "churn_date": pd.to_datetime([None, "2020-01-01", "2021-12-31",
                                                     "2025-06-01", "2022-12-31", None])})
    out = L.churn_within(groups, cu, as_of="2020-01-01", years=2).set_index("loyalty_type")
    # customer 2 left on as_of: not a customer any more; 5 leaves just after 2 years
    assert out.loc["a", "customers"] == 2 and out.loc["a", "churned"] == 0
    assert out.loc["b", "customers"] == 2 and out.loc["b", "churned"] == 1
    assert out.loc["b", "churn_share"] == pytest.approx(0.5)
    assert out.loc["c", "customers"] == 0 and np.isnan(out.loc["c", "churn_share"])
    longer = L.churn_within(groups, cu, as_of="2020-01-01", years=3).set_index("loyalty_type")
    assert longer.loc["a", "churned"] == 1
    with pytest.raises(SchemaError, match=r"groups\.customer_id.*not in the customers"):
        L.churn_within(pd.DataFrame({"customer_id": [9], "loyalty_type": ["a"]}), cu,
                       as_of="2020-01-01")
    with pytest.raises(SchemaError, match="groups.customer_id"):
        L.churn_within(pd.concat([groups, groups]), cu, as_of="2020-01-01")
    with pytest.raises(ValueError, match="years"):
        L.churn_within(groups, cu, as_of="2020-01-01", years=0)


def test_margin_by_tenure_hand():
    cu = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
                       "acquisition_date": pd.to_datetime(["2023-06-01", "2019-01-01",
                                                           "2024-02-01", "2010-01-01",
                                                           "2018-12-31"]),
                       "churn_date": pd.to_datetime([None, None, None, "2024-06-01", None])})
    tx = pd.DataFrame({"customer_id": [1, 2, 2, 3, 4, 2],
                       "margin": [100.0, 200.0, 300.0, 50.0, 70.0, 1000.0],
                       "date": pd.to_datetime(["2024-03-01", "2024-03-01", "2024-09-01",
                                               "2024-03-01", "2024-03-01", "2023-03-01"])})
    out = L.margin_by_tenure(cu, tx, year=2024, max_years=5)
    # 3 joined in 2024 and 4 left in 2024: not full years; 5 has no margin (counts 0)
    assert out["tenure_years"].tolist() == [0, 5]
    assert out["customers"].tolist() == [1, 2]
    assert out["mean_margin"].tolist() == pytest.approx([100.0, 250.0])
    assert out["median_margin"].tolist() == pytest.approx([100.0, 250.0])
    capped = L.margin_by_tenure(cu, tx, year=2024, max_years=1)
    assert capped["tenure_years"].tolist() == [0, 1]
    with pytest.raises(SchemaError, match="whole of 2000"):
        L.margin_by_tenure(cu, tx, year=2000)
    with pytest.raises(ValueError, match="max_years"):
        L.margin_by_tenure(cu, tx, year=2024, max_years=0)


def test_compare_bathtubs_stacks_the_runs():
    kw = dict(acquired=10, retention_rate=0.8, margin_per_customer=5.0)
    runs = L.compare_bathtubs(4, {"base": kw, "more": kw | {"retention_rate": 0.9}},
                              initial_customers=100, discount_rate=0.05)
    assert runs["scenario"].tolist() == ["base"] * 4 + ["more"] * 4
    alone = L.bathtub(4, initial_customers=100, discount_rate=0.05,
                      **(kw | {"retention_rate": 0.9}))
    more = runs.loc[runs["scenario"] == "more"].set_index("period")
    assert np.allclose(more["cumulative_profit"], alone["cumulative_profit"])
    with pytest.raises(ValueError, match="at least one"):
        L.compare_bathtubs(4, {}, initial_customers=100)


def test_market_margin_grows_with_tenure(market, consistent):
    cu, _ = consistent
    out = L.margin_by_tenure(cu, market.transactions, year=2024, max_years=8)
    first, last = out.iloc[0], out.iloc[-1]
    # Reichheld & Sasser's mechanism: the longest-standing customers earn more a year
    assert last["median_margin"] > first["median_margin"]


def test_chapter2_figures_are_labelled_and_switch_language():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from crmkit import labels, plots

    cu, _, _ = bathtub_year()
    flows = L.customer_flows(cu, as_of="2024-12-31")
    runs = L.compare_bathtubs(3, {"baseline": {"acquired": 1, "retention_rate": 0.8},
                                  "scenario": {"acquired": 1, "retention_rate": 0.9}},
                              initial_customers=10)
    bars = pd.DataFrame({"loyalty_type": ["true_loyalty", "no_loyalty"],
                         "churn_share": [0.2, 0.4]})
    mix = L.incident_response_mix(pd.DataFrame({"type": ["price_rise", "claim_refused"],
                                                "response": ["exit", "complaint"]}))
    curves = pd.concat([L.survival_curve(cu, as_of="2024-12-31", max_years=3)
                        .assign(estimate=e) for e in ("naive", "left_truncated")])
    draw = {
        "bathtub_flows": lambda: plots.bathtub_flows(flows),
        "bathtub_scenarios": lambda: plots.bathtub_scenarios(runs, "cumulative_profit"),
        "measure_bars": lambda: plots.measure_bars(bars, "loyalty_type", "churn_share",
                                                   reference=0.1, title="churn_by_loyalty_type"),
        "response_mix": lambda: plots.response_mix(mix),
        "survival_curves": lambda: plots.survival_curves(curves, mark_years=2),
    }
    for name, fn in draw.items():
        ax = fn()
        en = (ax.get_title(), ax.get_xlabel(), ax.get_ylabel())
        assert all(en), name
        with labels.language("fr"):
            fr = fn()
        assert fr.get_title() != en[0], name
        plt.close("all")
    with pytest.raises(SchemaError, match="churn_share"):
        plots.measure_bars(bars.drop(columns="churn_share"), "loyalty_type", "churn_share")
    with pytest.raises(SchemaError, match="end_stock"):
        plots.bathtub_flows(flows.drop(columns="end_stock"))


def test_chapter2_explorers_redraw_when_a_slider_moves(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from crmkit import widgets

    shown = []
    monkeypatch.setattr(widgets._base, "display", lambda obj: shown.append(obj))
    monkeypatch.setattr(widgets._base, "show", lambda obj: type(
        "H", (), {"update": lambda self, new: shown.append(new)})())
    df = pd.DataFrame({"customer_id": [1, 2, 3, 4], "relative_attitude": [6.0, 6.5, 2.0, 3.0],
                       "repeat_rate": [0.9, 0.1, 0.8, 0.2]})
    cu = pd.DataFrame({"customer_id": [1, 2, 3, 4],
                       "churn_date": pd.to_datetime([None, None, "2021-01-01", None])})
    att, pat = widgets.dick_basu_explorer(df, cu, as_of="2020-01-01")
    assert att.value == 5.0 and pat.value == pytest.approx(0.5)
    before = len(shown)
    att.value = 6.5
    assert len(shown) == before + 2  # a new figure and a new table
    table = shown[-1]
    assert table.iloc[:, 1].sum() == 4  # every customer still counted in some type
    att.value = 7.0  # nobody that loyal: the two loyal types have no churn share
    fig, table = shown[-2], shown[-1]
    assert table.iloc[:2, 1].tolist() == [0, 0] and table.iloc[:2, 3].isna().all()
    na = str(labels.label("not_available", "measure"))  # marked in the bars, not left blank
    assert [t.get_text() for t in fig.axes[1].texts].count(na) == 2
    p = L.BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)
    sliders = widgets.bathtub_explorer(p, periods=5, scenario={"retention_rate": 0.95})
    assert sliders["retention_rate"].value == pytest.approx(0.95)
    sliders["acquired"].value = 200
    last = shown[-1]
    assert len(last) == 2 and last.iloc[1, 1] > last.iloc[0, 1]  # more customers than baseline
