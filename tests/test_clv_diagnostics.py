"""Purchase-model diagnostics and the model-diagnostic figures: checked against closed forms,
the model's own per-customer answers, and bad input."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from crmkit import plots
from crmkit.clv import (
    BetaGeoModel,
    MarkovMigrationModel,
    ParetoNBDModel,
    simulate_bgnbd,
    simulate_bgnbd_paths,
    simulate_paretonbd,
)
from crmkit.clv.diagnostics import (
    cumulative_transactions,
    frequency_recency_grid,
    period_transactions,
)
from crmkit.schema import SchemaError

BG = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)  # CDNOW, Fader, Hardie & Lee (2005)
PN = dict(r=0.553, alpha=10.578, s=0.606, beta=11.669)  # CDNOW, Fader, Hardie & Lee (2005b)


def test_period_transactions_bgnbd_equals_the_closed_form():
    # eq. 8 of Fader, Hardie & Lee (2005) gives P(X(T) = x) for every customer's own T;
    # the simulated expectation must agree with it, customer base by customer base
    T = np.random.default_rng(0).uniform(20, 78, 3000)
    data = simulate_bgnbd(**BG, T=T, seed=1)
    model = BetaGeoModel.from_params(**BG)
    table = period_transactions(model, data, max_frequency=4, draws=30, seed=3)
    exact = [model.probability_of_purchases(T, n).sum() for n in range(4)]
    assert np.allclose(table["expected"][:4], exact, rtol=0.03)
    assert table["actual"].sum() == 3000
    assert np.isclose(table["expected"].sum(), 3000)


def test_period_transactions_paretonbd_matches_data_from_its_own_law():
    T = np.full(6000, 39.0)
    data = simulate_paretonbd(**PN, T=T, seed=4)
    table = period_transactions(ParetoNBDModel.from_params(**PN), data, max_frequency=3)
    share = table[["actual", "expected"]] / 6000
    assert np.allclose(share["actual"], share["expected"], atol=0.02)


def test_frequency_recency_grid_is_the_models_own_answer():
    model = BetaGeoModel.from_params(**BG)
    grid = frequency_recency_grid(model, T=39.0, max_frequency=5, recency_steps=6)
    rows = grid.assign(T=39.0)
    assert np.allclose(grid["value"], model.probability_alive(rows))
    # a silence is read as a departure: for a given frequency, P(alive) rises with recency
    for _, g in grid.loc[grid["frequency"] > 0].groupby("frequency"):
        assert g.sort_values("recency")["value"].is_monotonic_increasing
    # no repeat purchase: one row, recency 0, alive for BG/NBD
    zero = grid.loc[grid["frequency"] == 0]
    assert zero["recency"].tolist() == [0.0] and zero["value"].item() == 1.0
    pn = ParetoNBDModel.from_params(**PN)
    expected = frequency_recency_grid(pn, T=39.0, max_frequency=3, quantity="expected", t=52)
    assert np.allclose(expected["value"], pn.predict(expected.assign(T=39.0), t=52))


def test_diagnostics_bad_input():
    model = BetaGeoModel.from_params(**BG)
    with pytest.raises(TypeError, match="BetaGeoModel or ParetoNBDModel"):
        frequency_recency_grid(MarkovMigrationModel(), T=39.0)
    with pytest.raises(ValueError, match="quantity"):
        frequency_recency_grid(model, T=39.0, quantity="alive")
    with pytest.raises(ValueError, match="horizon"):
        frequency_recency_grid(model, T=39.0, quantity="expected")
    data = simulate_bgnbd(**BG, T=np.full(10, 39.0), seed=1)
    with pytest.raises(ValueError, match="max_frequency"):
        period_transactions(model, data, max_frequency=0)
    with pytest.raises(SchemaError):
        period_transactions(model, data.drop(columns="recency"))


def test_figures_draw_what_they_are_given():
    hr = pd.DataFrame({"hazard_ratio": [0.8, 1.6], "lower": [0.7, 1.3], "upper": [0.9, 2.0]},
                      index=["contracts_held", "multichannel"])
    ax = plots.hazard_ratio_forest(hr)
    assert ax.get_xscale() == "log"
    assert np.allclose(sorted(ax.collections[-1].get_offsets()[:, 0]), [0.8, 1.6])
    with pytest.raises(SchemaError, match="hazard_ratio"):
        plots.hazard_ratio_forest(hr.assign(lower=[0.85, 1.3]))
    c = pd.DataFrame({"predicted": [0.1, 0.5], "observed": [0.2, 0.4]})
    ax = plots.calibration_plot(c)
    assert np.allclose(ax.get_lines()[1].get_ydata(), [0.2, 0.4])
    with pytest.raises(SchemaError):
        plots.calibration_plot(c.assign(observed=[-0.1, 0.4]))
    t = pd.DataFrame({"frequency": [0, 1], "actual": [5, 2], "expected": [4.5, 2.5]})
    ax = plots.period_transactions_plot(t)
    assert [round(p.get_height(), 1) for p in ax.patches] == [5, 2, 4.5, 2.5]


def _bgnbd_ex(t, r, alpha, a, b):
    # E[X(t)], eq. 7 of Fader, Hardie & Lee (2005), written with scipy's own 2F1
    from scipy.special import hyp2f1
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def test_cumulative_transactions_by_hand():
    # three customers: births on days 0, 3 and 10 (the last after calibration_end: left out)
    tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c", "c"],
                       "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-09",
                                               "2024-01-04", "2024-01-04 18:00",
                                               "2024-01-11", "2024-01-12"], format="mixed")})
    model = BetaGeoModel.from_params(**BG)
    track = cumulative_transactions(model, tx, calibration_end="2024-01-07",
                                    observation_end="2024-01-15", freq="D")
    assert track["date"].tolist() == list(pd.date_range("2024-01-02", "2024-01-15"))
    assert track["t"].tolist() == list(range(1, 15))
    # a's repeat purchases on days 1 and 8; b's second purchase is on its first day (one
    # occasion); c was born in the holdout and does not count
    assert track["actual"].tolist() == [1] * 7 + [2] * 7
    assert (track["period"] == "calibration").sum() == 6  # period ends 2 ... 7 January
    days = np.arange(1, 15)
    hand = _bgnbd_ex(days, **BG) + np.where(days > 3, _bgnbd_ex(np.maximum(days - 3, 0), **BG),
                                             0.0)
    assert np.allclose(track["expected"], hand, rtol=1e-9)
    # Pareto/NBD through the same contract: E[X(t)] = r/alpha * beta/(s-1) * (1-(beta/(beta+t))**(s-1))
    p = dict(r=1.5, alpha=10.0, s=2.5, beta=20.0)
    ex = lambda t: p["r"] / p["alpha"] * p["beta"] / (p["s"] - 1) * (  # noqa: E731
        1 - (p["beta"] / (p["beta"] + t)) ** (p["s"] - 1))
    track = cumulative_transactions(ParetoNBDModel.from_params(**p), tx,
                                    calibration_end="2024-01-07",
                                    observation_end="2024-01-15", freq="W")
    assert track["date"].tolist() == [pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-15")]
    weeks = np.array([1.0, 2.0])
    assert np.allclose(track["expected"], ex(weeks) + ex(weeks - 3 / 7), rtol=1e-9)
    assert track["actual"].tolist() == [1, 2]
    assert track["period"].tolist() == ["holdout", "holdout"]


def test_cumulative_transactions_tracks_data_from_the_models_law():
    # customers born over 26 weeks, followed to week 78: the observed cumulative count must
    # follow the expectation (a few percent over 4,000 customers)
    rng = np.random.default_rng(5)
    births = rng.integers(0, 26 * 7, 4000)
    T = (78 * 7 - births) / 7
    paths = simulate_bgnbd_paths(**BG, T=T, seed=6)
    start = pd.Timestamp("2020-01-06")
    tx = pd.DataFrame({"customer_id": paths["customer_id"],
                       "date": start + pd.to_timedelta(births[paths["customer_id"]], "D")
                       + pd.to_timedelta(paths["time"] * 7, "D")})
    track = cumulative_transactions(BetaGeoModel.from_params(**BG), tx, grain=None,
                                    calibration_end=start + pd.Timedelta(weeks=39),
                                    observation_end=start + pd.Timedelta(weeks=78))
    last = track.iloc[-1]
    assert abs(last["actual"] / last["expected"] - 1) < 0.05
    assert np.all(np.diff(track["expected"]) >= 0)
    mid = track.iloc[len(track) // 2]
    assert abs(mid["actual"] / mid["expected"] - 1) < 0.06


def test_cumulative_transactions_bad_input():
    tx = pd.DataFrame({"customer_id": [1, 1], "date": pd.to_datetime(["2024-01-01",
                                                                     "2024-01-09"])})
    model = BetaGeoModel.from_params(**BG)
    with pytest.raises(TypeError, match="expected_purchases"):
        cumulative_transactions(MarkovMigrationModel(), tx, calibration_end="2024-01-05")
    with pytest.raises(ValueError, match="after calibration_end"):
        cumulative_transactions(model, tx, calibration_end="2024-01-09")
    with pytest.raises(SchemaError, match="date"):
        cumulative_transactions(model, tx.assign(date=["x", "y"]), calibration_end="2024-01-05")
    with pytest.raises(SchemaError, match="period"):
        plots.cumulative_transactions_plot(pd.DataFrame(
            {"date": pd.to_datetime(["2024-01-01"]), "actual": [1], "expected": [1.0],
             "period": ["later"]}))
    t = pd.DataFrame({"date": pd.to_datetime(["2024-01-07", "2024-01-14"]), "actual": [1, 3],
                      "expected": [1.5, 2.5], "period": ["calibration", "holdout"]})
    ax = plots.cumulative_transactions_plot(t)
    assert np.allclose(ax.get_lines()[1].get_ydata(), [1.5, 2.5])
    assert len(ax.get_lines()) == 3  # observed, expected, end of calibration
