"""BG/NBD, Pareto/NBD, Gamma-Gamma and CLV: published CDNOW results, internal consistency,
simulation checks and parameter recovery, degenerate inputs."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.clv import (
    BetaGeoModel,
    ConvergenceError,
    ConvergenceWarning,
    GammaGammaModel,
    ParetoNBDModel,
    SpendDependenceWarning,
    calibration_holdout,
    clv_summary,
    customer_equity,
    customer_lifetime_value,
    simulate_bgnbd,
    simulate_bgnbd_paths,
    simulate_paretonbd,
    simulate_spend,
    spend_independence,
)
from crmkit.clv import _common as common_mod
from crmkit.clv import bgnbd as bg_mod
from crmkit.clv import gammagamma as gg_mod
from crmkit.clv import paretonbd as pn_mod
from crmkit.clv._optim import fit_mle
from crmkit.clv.data import read_cdnow_sample
from crmkit.models import NotFittedError
from crmkit.schema import SchemaError

DATA = Path(__file__).parent / "data"


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def cdnow():
    """The papers' calibration summary, rebuilt from the raw CDNOW log (unrounded times)."""
    return calibration_holdout(read_cdnow_sample(DATA / "CDNOW_sample.txt"), value="amount",
                               calibration_end="1997-09-30", observation_end="1998-06-30",
                               freq="W")


@pytest.fixture(scope="module")
def cdnow_rounded():
    """Fader & Hardie's own summary file (times rounded to 2 decimals)."""
    fh = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv").set_index("ID")
    return fh.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


@pytest.fixture(scope="module")
def bgf(cdnow):
    return BetaGeoModel().fit(cdnow)


@pytest.fixture(scope="module")
def pnf(cdnow):
    return ParetoNBDModel().fit(cdnow)


@pytest.fixture(scope="module")
def ggf(cdnow):
    return GammaGammaModel().fit(cdnow)


# ------------------------------------------------------------------ published estimates
def test_bgnbd_recovers_published_cdnow_estimates(bgf):
    """FHL (2005a), 'Counting your customers the easy way', section 4."""
    assert round(bgf.r_, 3) == 0.243
    assert round(bgf.alpha_, 3) == 4.414
    assert round(bgf.a_, 3) == 0.793
    assert round(bgf.b_, 3) == 2.426
    assert round(bgf.loglik_, 1) == -9582.4
    assert bgf.converged_ and bgf.n_obs_ == 2357


def test_bgnbd_published_estimates_on_the_rounded_summary_too(cdnow_rounded):
    m = BetaGeoModel().fit(cdnow_rounded)
    assert [round(v, 3) for v in m.params_] == [0.243, 4.414, 0.793, 2.426]
    assert round(m.loglik_, 1) == -9582.4


def test_paretonbd_recovers_published_cdnow_estimates(pnf):
    assert round(pnf.r_, 3) == 0.553
    assert round(pnf.alpha_, 3) == 10.578
    assert round(pnf.s_, 3) == 0.606
    assert round(pnf.beta_, 3) == 11.669


def test_paretonbd_optimum_beats_published_point(pnf, cdnow):
    pub = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    assert pnf.loglik_ >= pub.loglik(cdnow).sum()
    assert pnf.loglik(cdnow).sum() == pytest.approx(pnf.loglik_, abs=1e-6)


def test_gammagamma_recovers_published_cdnow_estimates(ggf):
    """FHL (2005b), 'RFM and CLV', and Fader & Hardie's note on the Gamma-Gamma model."""
    assert round(ggf.p_, 2) == 6.25
    assert round(ggf.q_, 2) == 3.74
    assert round(ggf.gamma_, 2) == 15.44
    assert ggf.n_obs_ == 946 and ggf.n_excluded_ == 2357 - 946
    # the independence check: Fader & Hardie report a correlation of 0.11 on CDNOW
    assert round(ggf.independence_.pearson, 2) == 0.11
    assert ggf.independence_.independent


def test_bgnbd_matches_hardie_spreadsheet(bgf):
    """Values of Hardie's BG/NBD Excel implementation (as quoted by lifetimes' tests)."""
    times = np.array([0.1429, 1.0, 3.00, 31.8571, 32.00])
    expected = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437])
    assert np.abs(bgf.expected_purchases(times) - expected).max() < 5e-5
    # at 78 weeks the spreadsheet's truncated series drifts in the 4th decimal
    assert abs(bgf.expected_purchases(78.0) - 1.8576) < 1e-3
    one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    assert abs(bgf.predict(one, t=39).iloc[0] - 1.226) < 5e-4


def test_gammagamma_matches_hardie_spreadsheet(ggf, cdnow):
    """Expected average spend of the first ten CDNOW customers in Hardie's spreadsheet."""
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    got = ggf.conditional_expected_spend(cdnow.head(10)).to_numpy()
    assert np.abs(got - expected).max() <= 0.0051


def test_paretonbd_matches_r_btyd_walkthrough(pnf):
    """R package BTYD's walkthrough: a customer with x=26, t_x=30.86, T=31 buys 25.46 times
    in the next 52 weeks."""
    one = pd.DataFrame({"frequency": [26], "recency": [30.86], "T": [31.0]})
    assert abs(pnf.predict(one, t=52).iloc[0] - 25.46) < 0.01


# ------------------------------------------------------------------ summaries and internals
def test_summary_table(bgf):
    s = bgf.summary()
    assert list(s.index) == ["r", "alpha", "a", "b"] and s.index.name == "parameter"
    assert list(s.columns) == ["estimate", "std_error", "lower_95", "upper_95"]
    assert (s["std_error"] > 0).all()
    assert ((s["lower_95"] < s["estimate"]) & (s["estimate"] < s["upper_95"])).all()
    assert np.allclose(s["std_error"] ** 2, np.diag(bgf.covariance_))
    assert bgf.aic_ == pytest.approx(8 - 2 * bgf.loglik_)


def test_standard_errors_match_a_careful_numerical_hessian(cdnow, pnf):
    """Central second differences at several steps agree with the reported errors."""
    x, tx, T = (cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    th = np.log(pnf.params_.to_numpy())

    def f(u):
        return -pn_mod._loglik(np.exp(u), x, tx, T).sum()

    h, k = 2e-3, 4
    H = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            H[i, j] = (f(th + ei + ej) - f(th + ei - ej) - f(th - ei + ej)
                       + f(th - ei - ej)) / (4 * h * h)
    J = np.diag(np.exp(th))
    se = np.sqrt(np.diag(J @ np.linalg.inv(H) @ J))
    assert np.allclose(se, pnf.summary()["std_error"], rtol=2e-3)


def _num_grad(f, p, h=1e-6):
    return np.array([(f(p + h * e) - f(p - h * e)) / (2 * h) for e in np.eye(len(p))])


@settings(max_examples=15, deadline=None)
@given(st.tuples(st.floats(0.1, 3), st.floats(0.5, 20), st.floats(0.2, 3), st.floats(0.5, 8)))
def test_bgnbd_fast_sums_and_gradient_match_per_customer_likelihood(params):
    sim = simulate_bgnbd(0.5, 4.0, 0.8, 2.5, np.linspace(5, 40, 300), seed=4)
    x, tx, T = (sim[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    w = np.linspace(0.5, 2, x.size)
    fd = bg_mod._FitData(x, tx, T, w)
    p = np.array(params)
    ll, g = bg_mod._loglik_sum(p, fd)
    assert ll == pytest.approx(w @ bg_mod._loglik(p, x, tx, T), rel=1e-10)
    num = _num_grad(lambda q: w @ bg_mod._loglik(q, x, tx, T), p)
    assert np.allclose(g, num, rtol=1e-5, atol=1e-4)


@settings(max_examples=15, deadline=None)
@given(st.tuples(st.floats(0.5, 10), st.floats(1.2, 8), st.floats(1, 40)))
def test_gammagamma_fast_sums_and_gradient_match_per_customer_likelihood(params):
    sim = simulate_spend(6, 3.7, 15, np.arange(1, 201) % 7 + 1, seed=5)
    x, m = sim["frequency"].to_numpy(dtype=float), sim["monetary_value"].to_numpy()
    w = np.linspace(0.5, 2, x.size)
    fd = gg_mod._FitData(x, m, w)
    p = np.array(params)
    ll, g = gg_mod._loglik_sum(p, fd)
    assert ll == pytest.approx(w @ gg_mod._loglik(p, x, m), rel=1e-10)
    num = _num_grad(lambda q: w @ gg_mod._loglik(q, x, m), p)
    assert np.allclose(g, num, rtol=1e-5, atol=1e-4)


def test_probability_of_purchases_is_a_distribution_with_the_right_mean(bgf):
    n = np.arange(0, 3000)  # the tail is long: at t = 150 the mass beyond 400 is 6e-9
    for t in (1.0, 38.86, 150.0):
        pmf = bgf.probability_of_purchases(t, n)
        assert (pmf >= 0).all()
        assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
        # eq. (8) and eq. (7) of FHL (2005a) agree
        assert (n * pmf).sum() == pytest.approx(bgf.expected_purchases(t), rel=1e-8)


def test_cdnow_fit_of_calibration_histogram(bgf, cdnow):
    """The model's expected count of customers with 0, 1, 2... repeat purchases is close to
    the observed one (FHL 2005a figure 3: a good fit)."""
    T = cdnow["T"].to_numpy()
    expected = np.array([bgf.probability_of_purchases(T, k).sum() for k in range(7)])
    observed = np.bincount(cdnow["frequency"].clip(upper=7), minlength=8)[:7]
    assert np.abs(expected - observed).max() < 0.05 * len(T)


def test_weights_equal_repeated_rows():
    sim = simulate_bgnbd(0.4, 3.0, 0.7, 2.0, np.round(np.linspace(10, 30, 200)), seed=2)
    grouped = sim.groupby(["frequency", "recency", "T"]).size().rename("n").reset_index()
    a = BetaGeoModel().fit(sim)
    b = BetaGeoModel().fit(grouped, weights=grouped["n"])
    assert np.allclose(a.params_, b.params_, rtol=1e-5)
    assert a.loglik_ == pytest.approx(b.loglik_)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 30), st.floats(0.0, 1.0), st.floats(1.0, 60.0), st.floats(0.1, 30))
def test_prediction_invariants(x, frac, T, extra):
    m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    p = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    d = pd.DataFrame({"frequency": [x, x], "recency": [frac * T, frac * T],
                      "T": [T, T + extra]})
    for model in (m, p):
        pa = model.probability_alive(d).to_numpy()
        assert np.all((pa > 0) & (pa <= 1))
        assert pa[1] <= pa[0] + 1e-12  # longer silence, less likely alive
        e1 = model.predict(d, t=10).to_numpy()
        e2 = model.predict(d, t=20).to_numpy()
        assert np.all(np.isfinite(e1)) and np.all(e2 >= e1) and np.all(e1 >= 0)


def test_zero_repeat_customer_is_alive_under_bgnbd():
    m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    d = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [30.0]})
    assert m.probability_alive(d).iloc[0] == 1.0


def test_extreme_histories_stay_finite():
    """Hundreds of purchases: no overflow in the hypergeometric terms (lifetimes' bugs)."""
    pn = ParetoNBDModel.from_params(r=10.465, alpha=7.98565181e-03, s=3.0516, beta=2.820)
    d = pd.DataFrame({"frequency": [400, 500, 500], "recency": [5.0, 1.0, 4.0],
                      "T": [6.0, 37.0, 37.0]})
    la0 = pn_mod._log_a0(*pn._params(), d["frequency"].to_numpy(float),
                         d["recency"].to_numpy(), d["T"].to_numpy())
    assert np.all(np.isfinite(la0)) and np.all(la0 < 0)
    assert np.all(np.isfinite(pn.loglik(d))) and np.all(np.isfinite(pn.probability_alive(d)))
    p = ParetoNBDModel.from_params(r=0.55, alpha=10.58, s=0.61, beta=11.67)
    two = pd.DataFrame({"frequency": [132, 133], "recency": [200.0, 200.0], "T": [200.0, 200]})
    left, right = p.predict(two, t=10)
    assert abs(left - right) < 0.05
    b = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    big = pd.DataFrame({"frequency": [800, 2000], "recency": [39.0, 30.0], "T": [39.0, 39.0]})
    e = b.predict(big, t=39)
    assert np.all(np.isfinite(e)) and e.iloc[0] > 500


def test_bgnbd_a_equal_one_is_continuous():
    d = pd.DataFrame({"frequency": [3], "recency": [20.0], "T": [30.0]})
    vals = [BetaGeoModel.from_params(r=0.5, alpha=5, a=a, b=2.0)
            .predict(d, t=20).iloc[0] for a in (1 - 1e-4, 1.0, 1 + 1e-4)]
    assert np.all(np.isfinite(vals))
    assert abs(vals[1] - vals[0]) < 1e-3 and abs(vals[2] - vals[1]) < 1e-3


# ------------------------------------------------------------------ simulation checks
def test_conditional_expectations_match_simulated_holdout():
    """Simulate calibration + 39-week holdout from CDNOW-like parameters: customers grouped
    by calibration frequency buy, on average, what the conditional expectation says."""
    rng = np.random.default_rng(11)
    T = rng.uniform(27, 39, 60_000)
    for model, sim in [
        (BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426),
         simulate_bgnbd(0.243, 4.414, 0.793, 2.426, T, holdout=39, seed=12)),
        (ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669),
         simulate_paretonbd(0.553, 10.578, 0.606, 11.669, T, holdout=39, seed=13)),
    ]:
        pred = model.predict(sim, t=39)
        alive = model.probability_alive(sim)
        groups = sim["frequency"].clip(upper=4)
        for k in range(5):
            g = groups == k
            obs = sim.loc[g, "frequency_holdout"]
            se = obs.std() / np.sqrt(g.sum())
            assert abs(obs.mean() - pred[g].mean()) < 4 * se + 1e-3, (type(model), k)
            se_a = np.sqrt(alive[g].mean() * (1 - alive[g].mean()) / g.sum())
            assert abs(sim.loc[g, "alive"].mean() - alive[g].mean()) < 4 * se_a + 1e-3


def test_expected_purchases_match_simulation():
    T = np.full(80_000, 52.0)
    for model, sim in [
        (BetaGeoModel.from_params(r=0.5, alpha=6, a=0.8, b=2.5),
         simulate_bgnbd(0.5, 6, 0.8, 2.5, T, seed=21)),
        (ParetoNBDModel.from_params(r=0.5, alpha=6, s=0.7, beta=10),
         simulate_paretonbd(0.5, 6, 0.7, 10, T, seed=22)),
    ]:
        x = sim["frequency"]
        assert abs(x.mean() - model.expected_purchases(52.0)) < 4 * x.std() / np.sqrt(len(x))


@pytest.mark.parametrize("which", ["bgnbd", "paretonbd", "gammagamma"])
def test_parameter_recovery(which):
    """Fit on simulated customers (20,000; 8,000 for the slower Pareto/NBD): every parameter
    within 4 standard errors of the truth."""
    rng = np.random.default_rng(31)
    T = rng.uniform(20, 60, 8_000 if which == "paretonbd" else 20_000)
    if which == "bgnbd":
        true = dict(r=0.6, alpha=5.0, a=0.9, b=3.0)
        model = BetaGeoModel().fit(simulate_bgnbd(*true.values(), T, seed=32))
    elif which == "paretonbd":
        true = dict(r=0.6, alpha=5.0, s=0.8, beta=12.0)
        model = ParetoNBDModel().fit(simulate_paretonbd(*true.values(), T, seed=33))
    else:
        true = dict(p=6.0, q=4.0, gamma=15.0)
        freq = simulate_bgnbd(0.6, 5.0, 0.9, 3.0, T, seed=34)["frequency"]
        model = GammaGammaModel().fit(simulate_spend(*true.values(), freq, seed=35))
    s = model.summary()
    z = (s["estimate"] - pd.Series(true)) / s["std_error"]
    assert (z.abs() < 4).all(), z
    assert (s["std_error"] / s["estimate"] < 0.5).all()


def test_paths_close_the_loop_through_clv_summary():
    T = np.linspace(10, 30, 400)
    sim = simulate_bgnbd(0.8, 3.0, 0.6, 2.0, T, seed=41)
    paths = simulate_bgnbd_paths(0.8, 3.0, 0.6, 2.0, T, seed=41)
    assert len(paths) == sim["frequency"].sum() + len(T)
    start = pd.Timestamp("2020-01-01")  # every first purchase; times are in weeks
    tx = pd.DataFrame({"customer_id": paths["customer_id"],
                       "date": start + pd.to_timedelta(paths["time"] * 7, unit="D")})
    # paths stop at each customer's own T <= 30 weeks, so one common end loses nothing
    s = clv_summary(tx, observation_end=start + pd.Timedelta(days=7 * 30),
                                  freq="W", grain=None)
    assert (s["frequency"].to_numpy() == sim["frequency"].to_numpy()).all()
    assert np.allclose(s["recency"].to_numpy(), sim["recency"].to_numpy(), atol=1e-6)


def test_simulation_rejects_bad_arguments():
    with pytest.raises(ValueError, match="T must be"):
        simulate_bgnbd(0.5, 1, 1, 1, np.array([0.0, 3.0]))
    with pytest.raises(ValueError, match="one observation time per customer"):
        simulate_paretonbd(0.5, 1, 1, 1, 10.0)
    with pytest.raises(ValueError, match="whole numbers"):
        simulate_spend(1, 2, 3, [1.5])


# ------------------------------------------------------------------ CLV
def test_clv_identities(bgf, ggf, cdnow):
    flat = customer_lifetime_value(bgf, ggf, cdnow, horizon=12, discount_rate=0.0)
    assert np.allclose(flat["clv"], flat["expected_purchases"] * flat["expected_spend"])
    assert np.allclose(flat["expected_purchases"],
                       bgf.predict(cdnow, t=12 * 4.348))
    # one period by hand: margin * spend * E[Y(L)] / (1 + d)
    one = customer_lifetime_value(bgf, ggf, cdnow, horizon=1, period=4.0, discount_rate=0.1,
                                  margin=0.3)
    hand = 0.3 * ggf.conditional_expected_spend(cdnow) * bgf.predict(cdnow, t=4.0) / 1.1
    assert np.allclose(one["clv"], hand)
    disc = customer_lifetime_value(bgf, ggf, cdnow, horizon=12, discount_rate=0.02)
    longer = customer_lifetime_value(bgf, ggf, cdnow, horizon=24, discount_rate=0.02)
    assert (disc["clv"] <= flat["clv"] + 1e-12).all() and (longer["clv"] >= disc["clv"]).all()
    assert customer_equity(bgf, ggf, cdnow, discount_rate=0.02) == pytest.approx(
        disc["clv"].sum())
    # Pareto/NBD works as the purchase model too
    pn = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    out = customer_lifetime_value(pn, ggf, cdnow, horizon=3, discount_rate=0.0)
    assert np.allclose(out["expected_purchases"], pn.predict(cdnow, t=3 * 4.348))


def test_clv_bad_arguments(bgf, ggf, cdnow):
    with pytest.raises(ValueError, match="horizon"):
        customer_lifetime_value(bgf, ggf, cdnow, horizon=0)
    with pytest.raises(ValueError, match="discount_rate"):
        customer_lifetime_value(bgf, ggf, cdnow, discount_rate=-1)
    with pytest.raises(TypeError, match="purchase_model"):
        customer_lifetime_value(ggf, ggf, cdnow)
    with pytest.raises(SchemaError, match="monetary_value: missing column"):
        customer_lifetime_value(bgf, ggf, cdnow.drop(columns="monetary_value"))


# ------------------------------------------------------------------ degenerate inputs
def test_all_zero_frequency_is_a_clear_error():
    d = pd.DataFrame({"frequency": [0, 0, 0], "recency": [0.0, 0, 0], "T": [5.0, 6, 7]})
    for model in (BetaGeoModel(), ParetoNBDModel()):
        with pytest.raises(ValueError, match="no customer made a repeat purchase"):
            model.fit(d)
    with pytest.raises(ValueError, match="fewer than 2 customers"):
        GammaGammaModel().fit(d.assign(monetary_value=0.0))


def test_recency_beyond_t_and_negative_values_are_rejected():
    bad = pd.DataFrame({"frequency": [1, 2], "recency": [3.0, 9.0], "T": [5.0, 6.0]})
    with pytest.raises(SchemaError, match=r"summary\.recency: 1 row\(s\) greater than T"):
        BetaGeoModel().fit(bad)
    neg = pd.DataFrame({"frequency": [1, 2], "monetary_value": [3.0, -9.0]})
    with pytest.raises(SchemaError, match="monetary_value: 1 row.*negative"):
        GammaGammaModel().fit(neg)
    zero_spend = pd.DataFrame({"frequency": [1, 2, 3], "monetary_value": [3.0, 0.0, 4.0]})
    with pytest.raises(SchemaError, match="not > 0 for a repeat buyer"):
        GammaGammaModel().fit(zero_spend)


@pytest.mark.filterwarnings("ignore::crmkit.clv.ConvergenceWarning")
def test_no_dropout_data_warns_instead_of_returning_nonsense_silently():
    rng = np.random.default_rng(0)
    T = rng.uniform(20, 40, 100)
    d = pd.DataFrame({"frequency": rng.poisson(5, 100) + 1, "recency": T, "T": T})
    for model in (BetaGeoModel(), ParetoNBDModel()):
        with pytest.warns(ConvergenceWarning, match="degenerate|edge"):
            model.fit(d)
        assert np.all(np.isfinite(model.params_))
        assert np.all(np.isfinite(model.predict(d, t=10)))


@pytest.mark.filterwarnings("ignore::crmkit.clv.ConvergenceWarning")
def test_spend_correlated_with_frequency_warns():
    x = np.arange(1, 201) % 10 + 1
    d = pd.DataFrame({"frequency": x, "monetary_value": 10.0 * x + np.arange(200) % 3})
    with pytest.warns(SpendDependenceWarning, match="correlated"):
        m = GammaGammaModel().fit(d)
    assert not m.independence_.independent
    assert spend_independence(d).pearson > 0.9


def test_non_finite_likelihood_raises_convergence_error():
    with pytest.raises(ConvergenceError, match="not finite at the starting values"):
        fit_mle(lambda th: np.nan, np.array([1.0]), ("x",), n_obs=1)


def test_unfitted_and_bad_parameters():
    d = pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]})
    with pytest.raises(NotFittedError, match="not fitted"):
        BetaGeoModel().predict(d, t=5)
    with pytest.raises(ValueError, match="needs exactly"):
        BetaGeoModel.from_params(r=1, alpha=1, a=1)
    with pytest.raises(ValueError, match="must be > 0"):
        ParetoNBDModel.from_params(r=1, alpha=1, s=-1, beta=1)
    with pytest.raises(ValueError, match="no likelihood to summarise"):
        BetaGeoModel.from_params(r=1, alpha=1, a=1, b=1).summary()
    with pytest.raises(ValueError, match="q = 0.5 <= 1"):
        GammaGammaModel.from_params(p=1, q=0.5, gamma=1).mean_spend()
    with pytest.raises(ValueError, match="weights"):
        BetaGeoModel().fit(d, weights=[-1.0])


def test_no_warnings_on_a_clean_fit(cdnow):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BetaGeoModel().fit(cdnow)
        GammaGammaModel().fit(cdnow)


def test_grouping_identical_customers_changes_nothing(monkeypatch):
    """Day-grained summaries are fitted and scored once per distinct customer; the result
    is the same as customer by customer."""
    rng = np.random.default_rng(8)
    T = rng.integers(7, 120, 2500) / 7.0
    cases = [(BetaGeoModel, simulate_bgnbd(0.6, 4.0, 0.9, 2.5, T, seed=9)),
             (ParetoNBDModel, simulate_paretonbd(0.6, 4.0, 0.9, 10.0, T, seed=10))]
    fitted = []
    for model, sim in cases:
        sim["recency"] = np.floor(sim["recency"] * 7) / 7
        assert common_mod.distinct_rows(*(sim[c].to_numpy(float) for c in
                                      ("frequency", "recency", "T"))) is not None
        m = model().fit(sim)
        fitted.append((m, m.predict(sim, t=26), m.probability_alive(sim)))
    monkeypatch.setattr(common_mod, "distinct_rows", lambda *a, **k: None)
    for (model, sim), (g, e, a) in zip(cases, fitted, strict=True):
        p = model().fit(sim)
        assert np.allclose(g.params_, p.params_, rtol=1e-5)
        assert g.loglik_ == pytest.approx(p.loglik_) and g.n_obs_ == p.n_obs_ == 2500
        assert np.allclose(e, p.predict(sim, t=26), rtol=1e-4)
        # same parameters, ungrouped path: identical to rounding
        p = model.from_params(**g.params_)
        assert np.allclose(e, p.predict(sim, t=26), rtol=1e-12)
        assert np.allclose(a, p.probability_alive(sim), rtol=1e-12)


def test_deprecated_set_params_still_sets_and_forgets_the_fit(bgf):
    """The old setter of fitted values works one more release, with a FutureWarning."""
    m = BetaGeoModel().fit(simulate_bgnbd(0.5, 4.0, 0.8, 2.5, np.full(300, 30.0), seed=1))
    with pytest.warns(FutureWarning, match="from_params"):
        assert m.set_params(**bgf.params_) is m
    assert not hasattr(m, "loglik_")
    assert m.to_params() == pytest.approx(dict(bgf.params_))
    with pytest.raises(ValueError, match="no likelihood to summarise"):
        m.summary()


@pytest.mark.filterwarnings("ignore::crmkit.clv.ConvergenceWarning")
def test_identical_customers_give_the_poisson_limit_not_nan(monkeypatch):
    """Identical histories collapse BG/NBD's gamma law (r, alpha in the millions), where
    scipy's hyp2f1 returns NaN; the power series takes over and the forecast is the limit of
    the model: Poisson buying at rate r / alpha with (almost) no drop-out."""
    same = pd.DataFrame({"frequency": [3] * 50, "recency": [20.0] * 50, "T": [30.0] * 50})
    m = BetaGeoModel().fit(same)
    assert m.r_ > 1e4 and m.a_ / (m.a_ + m.b_) < 1e-6
    pred = m.predict(same, t=[1.0, 39.0])
    assert np.allclose(pred.to_numpy(), m.r_ / m.alpha_ * np.array([1.0, 39.0]), rtol=1e-4)
    # where scipy's value is finite, the series agrees with it
    A, B, C = -40.0, -0.3, 12.0
    z = np.array([1e-4, 1e-2, 0.2])
    series = bg_mod._hyp2f1(np.full(3, np.nan), B, C, z)  # NaN A forces the series path...
    assert np.all(np.isnan(series))  # ...which refuses to invent a value
    scipy_value = bg_mod.hyp2f1(A, B, C, z)
    monkeypatch.setattr(bg_mod, "hyp2f1", lambda *a: np.full(np.broadcast(*a).shape, np.nan))
    assert np.allclose(bg_mod._hyp2f1(A, B, C, z), scipy_value, rtol=1e-12)


def test_spend_without_variation_is_not_called_correlated():
    same = pd.DataFrame({"frequency": [2] * 50, "monetary_value": [25.0] * 50})
    ind = spend_independence(same)
    assert np.isnan(ind.pearson) and ind.independent
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpendDependenceWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = GammaGammaModel().fit(same)
    assert np.allclose(m.predict(same), 25.0, rtol=1e-4)


# ---------------------------------------------------------------------------------------
# degenerate data (issue 14): refuse clearly or predict finite numbers, never NaN
# ---------------------------------------------------------------------------------------
def _cdnow_repeat_buyer(n):
    from crmkit.clv import load_cdnow

    cd = load_cdnow()
    return pd.concat([cd[cd["frequency"] > 0].iloc[[3]]] * n, ignore_index=True)


def _finite_or_refused(fit, predict):
    """A fitted model on degenerate data: a clear refusal, or finite predictions."""
    from crmkit.clv import ConvergenceError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = fit()
        except (ValueError, ConvergenceError):
            return
        try:
            out = np.asarray(predict(m), dtype=float)
        except ValueError:
            return
    assert np.isfinite(out).all()


@pytest.mark.parametrize("model", ["BetaGeoModel", "ParetoNBDModel", "GammaGammaModel"])
@pytest.mark.parametrize("n", [1, 40])
def test_identical_customers_refused_or_finite(model, n):
    import crmkit.clv as K

    d = _cdnow_repeat_buyer(n)
    # the purchase models predict over a horizon; Gamma-Gamma's spend has none
    horizon = {} if model == "GammaGammaModel" else {"t": [1.0, 10.0]}
    _finite_or_refused(lambda: getattr(K, model)().fit(d), lambda m: m.predict(d, **horizon))


@pytest.mark.parametrize("seed", range(12))
def test_small_samples_predict_finite_numbers_or_refuse(seed):
    # a handful of customers often sends BG/NBD's a and b to the edge of the search box,
    # where the hypergeometric function gave NaN expected purchases
    from crmkit.clv import load_cdnow

    cd = load_cdnow()
    rng = np.random.default_rng(seed)
    d = cd.iloc[rng.choice(len(cd), int(rng.integers(4, 15)), replace=False)]
    for model in (BetaGeoModel, ParetoNBDModel):
        _finite_or_refused(lambda model=model: model().fit(d),
                           lambda m: m.predict(d, t=[1.0, 10.0]))
        _finite_or_refused(lambda model=model: model().fit(d), lambda m: m.probability_alive(d))



def test_expected_purchases_when_the_beta_law_of_p_collapses():
    # a, b in the millions fix p at a / (a + b): the direct form of FHL (2005) eq. (10) is
    # then 0 * inf, and Euler's transformation must give what a slightly less extreme beta
    # law gives (the prediction is continuous in a, b at a fixed mean)
    from crmkit.clv.bgnbd import _cond_expected

    x, tx, T = np.array([0.0, 2.0, 5.0]), np.array([0.0, 20.0, 30.0]), np.array([39.0, 39.0, 39.0])
    huge = _cond_expected(0.3, 4.0, 3e7, 3e7, 10.0, x, tx, T)
    large = _cond_expected(0.3, 4.0, 3e4, 3e4, 10.0, x, tx, T)
    assert np.isfinite(huge).all()
    np.testing.assert_allclose(huge, large, rtol=1e-3)
