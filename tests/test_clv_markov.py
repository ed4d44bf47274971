"""Markov migration model (Pfeifer & Carraway 2000): closed forms against hand computation
and brute-force Monte Carlo, estimation from panels, recency states, bad input."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.clv import MarkovMigrationModel, recency_panel, recency_transition_matrix
from crmkit.schema import SchemaError

# A recency chain in the spirit of Pfeifer & Carraway's example: buy probabilities fall with
# recency, the last state is lost for good; a purchase earns 40, every mailed state costs 4.
P_BUY = [0.30, 0.20, 0.15, 0.05, 0.0]
REWARD = [40.0 - 4, -4.0, -4.0, -4.0, 0.0]


def recency_model(d=0.2):
    return MarkovMigrationModel.from_matrix(recency_transition_matrix(P_BUY), rewards=REWARD,
                                            discount_rate=d)


def test_recency_transition_matrix_structure():
    P = recency_transition_matrix(P_BUY)
    assert list(P.index) == [1, 2, 3, 4, 5]
    assert np.allclose(P.sum(axis=1), 1)
    assert P.loc[2, 1] == 0.2 and P.loc[2, 3] == 0.8 and P.loc[5, 5] == 1.0
    assert (P.loc[1, [3, 4, 5]] == 0).all()
    with pytest.raises(ValueError, match="probabilities"):
        recency_transition_matrix([0.5, 1.2])


def test_values_by_hand_two_states():
    P = [[0.8, 0.2], [0.1, 0.9]]
    m = MarkovMigrationModel.from_matrix(P, rewards=[100.0, 0.0], discount_rate=0.1,
                                         states=["A", "L"])
    assert m.state_values(horizon=0).tolist() == [100.0, 0.0]
    v1 = m.state_values(horizon=1)
    assert v1["A"] == pytest.approx(100 + 0.8 * 100 / 1.1)
    assert v1["L"] == pytest.approx(0.1 * 100 / 1.1)
    # V_A = 100 + (0.8 V_A + 0.2 V_L)/1.1, V_L = (0.1 V_A + 0.9 V_L)/1.1 => V_A = 550, V_L = 275
    inf = m.state_values()
    assert inf["A"] == pytest.approx(550.0) and inf["L"] == pytest.approx(275.0)
    assert m.state_values(horizon=400).to_numpy() == pytest.approx(inf.to_numpy())
    assert m.predict(pd.Series(["L", "A", "A"], index=[7, 8, 9])).tolist() == pytest.approx(
        [275.0, 550.0, 550.0])


def test_finite_horizon_is_the_matrix_power_sum():
    m = recency_model(d=0.15)
    P = m.transition_matrix_.to_numpy() / 1.15
    R = np.array(REWARD)
    brute = sum(np.linalg.matrix_power(P, t) @ R for t in range(0, 7))
    assert np.allclose(m.state_values(horizon=6), brute)
    inf = np.linalg.inv(np.eye(5) - P) @ R
    assert np.allclose(m.state_values(), inf)


@pytest.mark.parametrize("horizon", [5, None])
def test_closed_form_matches_monte_carlo(horizon):
    """Brute force: simulate customers moving between states and add up their discounted
    rewards; the average per starting state matches the closed form."""
    d = 0.2
    m = recency_model(d)
    n_per_state, periods = 25_000, (horizon if horizon is not None else 60)
    start = np.repeat(m.states_, n_per_state)
    paths = m.simulate(start, periods, seed=5)
    rewards = np.asarray(REWARD)[paths.to_numpy(dtype=np.int64) - 1]  # states are 1..5
    disc = (1 + d) ** -np.arange(periods + 1)
    pv = rewards @ disc
    exact = m.state_values(horizon=horizon)
    for i, s in enumerate(m.states_):
        block = pv[i * n_per_state:(i + 1) * n_per_state]
        se = block.std() / np.sqrt(n_per_state)
        # the infinite sum is cut at 60 periods: the tail is below 40 * 6 * 1.2^-60 = 0.004
        assert abs(block.mean() - exact[s]) < 4 * se + 1e-6, (s, block.mean(), exact[s])


def test_state_distribution_matches_simulation():
    m = recency_model()
    dist = m.state_distribution([1] * 10, steps=6)
    assert np.allclose(dist.sum(axis=1), 1)
    paths = m.simulate([1] * 50_000, 6, seed=9)
    share = paths[6].value_counts(normalize=True).reindex(m.states_, fill_value=0)
    assert np.abs(share.to_numpy() - dist.iloc[6].to_numpy()).max() < 0.01
    assert dist.iloc[0].tolist() == [1.0, 0, 0, 0, 0]


def _panel_from_paths(paths):
    long = paths.stack().rename("state").reset_index()
    long.columns = ["customer_id", "period", "state"]
    long["period"] = long["period"].astype("int64")
    long["state"] = long["state"].astype("int64")
    return long


def test_fit_recovers_the_transition_matrix_from_a_simulated_panel():
    true = recency_transition_matrix([0.4, 0.25, 0.1, 0.05])
    gen = MarkovMigrationModel.from_matrix(true)
    rng = np.random.default_rng(3)
    paths = gen.simulate(rng.choice([1, 2, 3, 4], 20_000), 12, seed=4)
    panel = _panel_from_paths(paths)
    m = MarkovMigrationModel().fit(panel)
    assert m.counts_.to_numpy().sum() == 20_000 * 12
    assert np.abs(m.transition_matrix_.to_numpy() - true.to_numpy()).max() < 0.01
    # structural zeros stay zero: from recency k only to 1 or k + 1
    assert m.counts_.loc[1, 3] == 0 and m.counts_.loc[3, 2] == 0


def test_fit_by_hand_with_gaps_rewards_and_segments():
    panel = pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 2, 2, 3],
        "period": pd.PeriodIndex(["2024Q1", "2024Q2", "2024Q4", "2025Q1", "2024Q1", "2024Q2",
                                  "2024Q3"], freq="Q"),
        "state": ["gold", "silver", "silver", "gold", "silver", "silver", "gold"],
        "margin": [100.0, 40.0, 50.0, 110.0, 30.0, 20.0, 90.0],
    })
    m = MarkovMigrationModel(discount_rate=0.05).fit(panel, value="margin")
    # transitions: 1: gold->silver (Q1->Q2), Q2->Q4 is a gap (not counted), silver->gold
    # (Q4->Q1); 2: silver->silver
    assert m.counts_.loc["gold", "silver"] == 1 and m.counts_.loc["gold", "gold"] == 0
    assert m.counts_.loc["silver", "gold"] == 1 and m.counts_.loc["silver", "silver"] == 1
    assert m.transition_matrix_.loc["silver"].tolist() == [0.5, 0.5]
    assert m.rewards_["gold"] == pytest.approx(100.0)
    assert m.rewards_["silver"] == pytest.approx(35.0)
    v = m.state_values()
    assert v["gold"] > v["silver"] > 0


def test_state_never_left_warns_and_is_absorbing():
    panel = pd.DataFrame({"customer_id": [1, 1, 2], "period": [1, 2, 1],
                          "state": ["a", "b", "a"]})
    with pytest.warns(UserWarning, match=r"no transition out of state\(s\) \['b'\]"):
        m = MarkovMigrationModel().fit(panel)
    assert m.transition_matrix_.loc["b", "b"] == 1.0


def test_recency_panel_by_hand():
    tx = pd.DataFrame({"customer_id": ["x", "x", "x", "y"],
                       "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-04-02",
                                               "2024-02-10"]),
                       "amount": [10.0, 5.0, 7.0, 3.0]})
    p = recency_panel(tx, value="amount", n_states=3, end="2024-05-31")
    x = p[p["customer_id"] == "x"]
    assert x["period"].astype(str).tolist() == ["2024-01", "2024-02", "2024-03", "2024-04",
                                                "2024-05"]
    assert x["state"].tolist() == [1, 2, 3, 1, 2]
    assert x["amount"].tolist() == [15.0, 0.0, 0.0, 7.0, 0.0]
    y = p[p["customer_id"] == "y"]
    assert y["state"].tolist() == [1, 2, 3, 3]
    m = MarkovMigrationModel().fit(p, value="amount")
    # recency 2 -> recency 3 twice (x Feb->Mar, y Mar->Apr); 3 -> 1 once, 3 -> 3 once
    assert m.counts_.loc[2, 3] == 2 and m.counts_.loc[3, 1] == 1 and m.counts_.loc[3, 3] == 1
    assert m.rewards_[1] == pytest.approx((15 + 7 + 3) / 3) and m.rewards_[2] == 0


def test_bad_input():
    with pytest.raises(ValueError, match="summing to 1"):
        MarkovMigrationModel.from_matrix([[0.5, 0.4], [0.5, 0.5]])
    with pytest.raises(ValueError, match="square"):
        MarkovMigrationModel.from_matrix([[1.0, 0.0]])
    m = MarkovMigrationModel.from_matrix([[1.0, 0.0], [0.5, 0.5]], discount_rate=0.0,
                                         rewards=[1.0, 2.0])
    with pytest.raises(ValueError, match="discount_rate > 0"):
        m.state_values()
    with pytest.raises(SchemaError, match=r"customers\.state: .*not in"):
        recency_model().predict([1, 9])
    with pytest.raises(ValueError, match="whole numbers"):
        recency_model().predict([1, 2], t=1.5)
    with pytest.raises(ValueError, match="no rewards"):
        MarkovMigrationModel.from_matrix([[1.0]]).state_values(horizon=2)
    with pytest.raises(ValueError, match="discount_rate must be"):
        MarkovMigrationModel.from_matrix([[1.0]], discount_rate=-0.1)
    panel = pd.DataFrame({"customer_id": [1, 1], "period": pd.to_datetime(["2024-01-01",
                                                                          "2024-02-01"]),
                          "state": [1, 2]})
    with pytest.raises(SchemaError, match="period: expected integer periods"):
        MarkovMigrationModel().fit(panel)
    dup = pd.DataFrame({"customer_id": [1, 1], "period": [1, 1], "state": [1, 2]})
    with pytest.raises(SchemaError, match="duplicated key"):
        MarkovMigrationModel().fit(dup)
    with pytest.raises(ValueError, match="two consecutive periods"):
        MarkovMigrationModel().fit(pd.DataFrame({"customer_id": [1, 2], "period": [1, 1],
                                                 "state": [1, 1]}))
    with pytest.raises(SchemaError, match="state: .*not in"):
        MarkovMigrationModel().fit(pd.DataFrame({"customer_id": [1, 1], "period": [1, 2],
                                                 "state": [1, 7]}), states=[1, 2])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=6), st.floats(0.01, 0.5),
       st.floats(1, 100))
def test_value_properties(p_buy, d, margin):
    """Values grow with the horizon when rewards are >= 0, and a more recent buyer (higher
    buy probability in the recency chain with a decreasing p) is worth at least as much."""
    p = np.sort(np.asarray(p_buy))[::-1]
    m = MarkovMigrationModel.from_matrix(
        recency_transition_matrix(p), rewards=[margin] + [0.0] * (len(p) - 1), discount_rate=d)
    v3, v10, vinf = (m.state_values(h).to_numpy() for h in (3, 10, None))
    assert np.all(v3 <= v10 + 1e-9) and np.all(v10 <= vinf + 1e-9)
    assert np.all(np.diff(vinf[1:]) <= 1e-9)  # further from the last purchase, less value


def test_predict_by_horizon_and_deprecated_set_matrix():
    """predict(data, t=[...]) gives one column per horizon, each equal to the scalar call;
    a DataFrame of customers is read through its state column; set_matrix still works one
    release, with a FutureWarning."""
    m = recency_model()
    who = pd.DataFrame({"state": [1, 3, 5]}, index=pd.Index([7, 8, 9], name="customer_id"))
    wide = m.predict(who, t=[0, 4, 12])
    assert wide.shape == (3, 3) and list(wide.index) == [7, 8, 9]
    for h in (0, 4, 12):
        assert wide[float(h)].tolist() == pytest.approx(m.predict(who, t=h).tolist())
        assert wide[float(h)].tolist() == pytest.approx(m.state_values(h)[[1, 3, 5]].tolist())
    assert m.predict(who).tolist() == pytest.approx(m.state_values()[[1, 3, 5]].tolist())
    with pytest.warns(FutureWarning, match="from_matrix"):
        old = MarkovMigrationModel(discount_rate=0.2).set_matrix(
            recency_transition_matrix(P_BUY), rewards=REWARD)
    assert old.state_values().tolist() == pytest.approx(m.state_values().tolist())
