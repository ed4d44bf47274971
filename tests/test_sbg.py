"""sBG retention model: published estimates, parameter recovery, DERL, bad input."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from crmkit.clv.sbg import ShiftedBetaGeoModel, fader_hardie_2007, simulate_sbg, survivor_table
from crmkit.schema import SchemaError


@pytest.fixture(scope="module")
def fh2007():
    return ShiftedBetaGeoModel().fit(fader_hardie_2007(periods=7))


def test_fader_hardie_2007_estimates_to_the_printed_digits(fh2007):
    # Fader & Hardie (2007), section 4: fitted on years 1-8 (periods 0-7);
    # regular alpha = 0.704, beta = 1.182 (LL = -1680.3); high end 0.668, 3.806 (-1611.2)
    p = fh2007.params_.round(3)
    assert p.loc["regular"].tolist() == [0.704, 1.182]
    assert p.loc["high end"].tolist() == [0.668, 3.806]
    assert fh2007.log_likelihood_.round(1).to_dict() == {"regular": -1680.3,
                                                         "high end": -1611.2}


def test_projection_tracks_the_held_out_years(fh2007):
    # the paper's claim: fitted on 7 years, the sBG projects years 8-12 closely
    full = fader_hardie_2007(periods=12)
    for cohort in ("regular", "high end"):
        actual = full.query("cohort == @cohort and period >= 8")["survivors"].to_numpy() / 1000
        projected = fh2007.survival(np.arange(8, 13)).loc[cohort].to_numpy()
        assert np.max(np.abs(projected - actual)) < 0.02


def test_retention_rate_rises_with_tenure_and_matches_survival_ratio(fh2007):
    r = fh2007.retention_rate(np.arange(1, 8))
    assert (r.diff(axis=1).iloc[:, 1:] > 0).all().all()
    s = fh2007.survival(np.arange(0, 8))
    assert np.allclose(r.to_numpy(), s.to_numpy()[:, 1:] / s.to_numpy()[:, :-1], rtol=1e-12)


@pytest.mark.parametrize("alpha,beta", [(0.7, 1.2), (0.67, 3.8), (2.0, 6.0)])
def test_parameters_recovered_from_simulated_cohorts(alpha, beta):
    data = pd.concat([simulate_sbg(alpha, beta, 20_000, 10, seed=s, cohort=s) for s in range(3)],
                     ignore_index=True)
    p = ShiftedBetaGeoModel().fit(data).params_
    assert np.allclose(p["alpha"], alpha, rtol=0.15)
    assert np.allclose(p["beta"], beta, rtol=0.15)
    # the mean churn probability alpha / (alpha + beta) is pinned down much more tightly
    assert np.allclose(p["alpha"] / p.sum(axis=1), alpha / (alpha + beta), rtol=0.03)


def test_derl_closed_form_equals_the_discounted_sum(fh2007):
    customers = pd.DataFrame({"cohort": ["regular", "regular", "high end"], "age": [0, 4, 2]})
    d = 0.10
    got = fh2007.derl(customers, d).to_numpy()
    k = np.arange(0, 5_000)
    for i, row in customers.iterrows():
        a, b = fh2007.params_.loc[row["cohort"]]
        n = row["age"]
        s_ratio = np.exp(betaln(a, b + n + 1 + k) - betaln(a, b + n))
        assert got[i] == pytest.approx(np.sum(s_ratio / (1 + d) ** k), rel=1e-6)
    # customers who have stayed longer are worth more (heterogeneity: the stayers are
    # the low-churn ones)
    assert got[1] > got[0]


# Fader & Hardie (2010), "Customer-base valuation in a contractual setting: the perils of
# ignoring heterogeneity", Marketing Science 29(1), table 3 (p. 5 of the authors' PDF): DERL at
# d = 10 % of a customer who has made 0, 1, 2, 3, 4 renewals, in two worlds with the same mean
# churn probability 0.2 (first-year retention 80 %): case 1, little heterogeneity
# (alpha 3.80, beta 15.20), and case 2, a polarised one (printed alpha 0.067, beta 0.267).
# The printed figures reached us through pymc-marketing's test suite, which quotes the table
# (tests/clv/models/test_shifted_beta_geo.py); the paper itself was not reachable here.
FH2010_TABLE_3 = {"case 1": [3.31, 3.45, 3.59, 3.72, 3.84],
                  "case 2": [7.68, 9.46, 9.86, 10.06, 10.19]}


def test_derl_reproduces_fader_hardie_2010_table_3_to_the_printed_digits():
    # case 2's printed parameters are rounded: the beta with mean 0.2 and
    # alpha + beta = 1/3 is (1/15, 4/15) = (0.0667, 0.2667), which prints as 0.067 / 0.267
    m = ShiftedBetaGeoModel.from_params(alpha={"case 1": 3.80, "case 2": 1 / 15},
                                        beta={"case 1": 15.20, "case 2": 4 / 15})
    assert m.retention_rate([1]).round(12)[1.0].tolist() == [0.8, 0.8]
    renewals = pd.DataFrame({"cohort": np.repeat(["case 1", "case 2"], 5),
                             "age": np.tile(np.arange(5), 2)})
    got = m.derl(renewals, 0.10).round(2).to_numpy().reshape(2, 5)
    assert got.tolist() == [FH2010_TABLE_3["case 1"], FH2010_TABLE_3["case 2"]]
    # with the rounded parameters as printed, every figure is still within 0.011
    printed = ShiftedBetaGeoModel.from_params(alpha={"case 1": 3.80, "case 2": 0.067},
                                              beta={"case 1": 15.20, "case 2": 0.267})
    near = printed.derl(renewals, 0.10).to_numpy().reshape(2, 5)
    assert np.max(np.abs(near - np.array(list(FH2010_TABLE_3.values())))) < 0.011
    # and ignoring heterogeneity (one retention rate of 80 %) undervalues both
    one_rate = 0.8 / (1 - 0.8 / 1.10)
    assert (got > one_rate).all()


def test_derl_agrees_with_an_independent_implementation(fh2007):
    # not a published figure: the README of jdmaturen/shifted_beta_geometric_py fits the
    # 2007 high-end cohort and gives DERL = 7.530 after 7 periods at d = 10 %
    high_end = pd.DataFrame({"cohort": ["high end"], "age": [7]})
    assert round(float(fh2007.derl(high_end, 0.10).iloc[0]), 3) == 7.530


def test_predict_is_conditional_survival(fh2007):
    customers = pd.DataFrame({"cohort": ["regular"], "age": [3]})
    s = fh2007.survival([3, 5]).loc["regular"].to_numpy()
    assert fh2007.predict(customers, t=2).iloc[0] == pytest.approx(s[1] / s[0], rel=1e-12)


def test_survivor_table_from_customer_rows():
    customers = pd.DataFrame({"cohort": ["a"] * 5 + ["b"] * 2,
                              "tenure": [1, 1, 2, 3, 3, 1, 2],
                              "churned": [True, True, True, False, False, True, False]})
    t = survivor_table(customers)
    assert t.query("cohort == 'a'")["survivors"].tolist() == [5, 3, 2, 2]
    assert t.query("cohort == 'b'")["survivors"].tolist() == [2, 1, 1]
    with pytest.raises(SchemaError, match="observed for less"):
        survivor_table(customers.assign(tenure=[1, 1, 2, 2, 3, 1, 2]))
    # one row per customer: a repeated customer would be counted twice in her cohort
    keyed = customers.assign(customer_id=range(7))
    with pytest.raises(SchemaError, match=r"customers.customer_id.*duplicated key.*\[0, 0\]"):
        survivor_table(pd.concat([keyed, keyed.iloc[[0]]]))


def test_bad_input_is_one_clear_schema_error(fh2007):
    table = fader_hardie_2007(periods=3)
    with pytest.raises(SchemaError, match="must not rise"):
        ShiftedBetaGeoModel().fit(table.assign(survivors=[1000, 869, 900, 653] * 2))
    with pytest.raises(SchemaError, match="periods 0, 1, 2"):
        ShiftedBetaGeoModel().fit(table.query("period != 2"))
    with pytest.raises(SchemaError, match="not fitted on"):
        fh2007.predict(pd.DataFrame({"cohort": ["gold"], "age": [1]}), t=1)
    with pytest.raises(SchemaError, match="say which one"):
        fh2007.predict(pd.DataFrame({"age": [1]}), t=1)


# ---------------------------------------------------------------------------------------
# contracts -> survivor counts by start-year cohort
# ---------------------------------------------------------------------------------------
def test_contract_survivors_by_hand():
    from crmkit.clv import contract_survivors

    co = pd.DataFrame({
        "family": ["cover", "cover", "cover", "account", "cover"],
        "start_date": pd.to_datetime(["2019-01-10", "2019-05-01", "2019-11-30", "2019-02-01",
                                      "2014-03-01"]),
        # the second ends after as_of: still running on it; the last started before 2015
        "end_date": pd.to_datetime(["2020-01-09", "2023-06-01", "2021-12-01", None,
                                    "2016-01-01"])})
    out = contract_survivors(co, as_of="2021-12-31", by="family", first_year=2015)
    cover = out.loc[out["cohort"] == "cover 2019", "survivors"].tolist()
    # periods 0, 1, 2: the first left one day before its first anniversary, the third
    # eleven months into its third year
    assert cover == [3, 2, 2]
    assert out.loc[out["cohort"] == "account 2019", "survivors"].tolist() == [1, 1, 1]
    assert not out["cohort"].str.contains("2014").any()


def test_contract_survivors_recover_simulated_cohorts():
    # contracts whose yearly renewal follows the sBG law with known alpha, beta, started
    # over each of three years; the survivor table of their dates recovers alpha and beta
    from crmkit.clv import contract_survivors

    rng = np.random.default_rng(11)
    rows = []
    for year in (2015, 2016, 2017):
        n = 20_000
        theta = rng.beta(0.9, 2.5, n)
        years = np.minimum(rng.geometric(theta), 40)  # ends in its years-th year (40: never seen)
        start = pd.Timestamp(f"{year}-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D")
        end = start + pd.to_timedelta((years - 1) * 365.25 + rng.uniform(30, 330, n), "D")
        rows.append(pd.DataFrame({"start_date": start, "end_date": end.floor("D")}))
    co = pd.concat(rows, ignore_index=True)
    table = contract_survivors(co, as_of="2024-12-31")
    assert table.groupby("cohort")["period"].max().to_dict() == {2015: 9, 2016: 8, 2017: 7}
    fit = ShiftedBetaGeoModel().fit(table).params_
    assert np.allclose(fit["alpha"], 0.9, rtol=0.15)
    assert np.allclose(fit["beta"], 2.5, rtol=0.15)
    # the mean churn rate is P(T = 1): binomial sampling error about 1.2 % of it with
    # 20,000 contracts, so three standard errors is within 4 %
    assert np.allclose(fit["alpha"] / (fit["alpha"] + fit["beta"]), 0.9 / 3.4, rtol=0.04)


def test_contract_survivors_bad_input():
    from crmkit.clv import contract_survivors

    co = pd.DataFrame({"start_date": pd.to_datetime(["2020-01-01"]),
                       "end_date": pd.to_datetime(["2019-01-01"])})
    with pytest.raises(SchemaError):
        contract_survivors(co, as_of="2022-12-31")
    ok = co.assign(end_date=pd.NaT)
    with pytest.raises(SchemaError, match="whole year"):
        contract_survivors(ok, as_of="2020-06-30")
