"""Campaigns: design, measurement (uplift), economics (breakeven, ROI), planning, waves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from crmkit.campaigns import (
    assign_groups,
    breakeven,
    campaign_roi,
    minimum_detectable_uplift,
    response_rates,
    run_waves,
    sample_size,
    uplift,
    uplift_interval,
)
from crmkit.idic import ContactPolicy
from crmkit.schema import SchemaError


def _targets(spec, campaign_id=1):
    """spec: (group, n, responders, converters)."""
    rows = []
    for group, n, resp, conv in spec:
        rows.append(pd.DataFrame({
            "group": group, "responded": np.arange(n) < resp, "converted": np.arange(n) < conv,
        }))
    t = pd.concat(rows, ignore_index=True)
    t.insert(0, "customer_id", np.arange(len(t)) + 1000 * campaign_id)
    t.insert(0, "campaign_id", campaign_id)
    return t


# --------------------------------------------------------------------------------------
# design
# --------------------------------------------------------------------------------------
def test_assign_groups_exact_share_per_stratum_and_reproducible():
    t = pd.DataFrame({"customer_id": np.arange(1, 1001),
                      "segment": np.repeat(["A", "B", "C"], [500, 300, 200]),
                      "region": np.tile(["N", "S"], 500)})
    g = assign_groups(t, control_share=0.1, seed=42, strata=["segment", "region"])
    counts = g[g["group"] == "control"].groupby(["segment", "region"]).size()
    assert counts.tolist() == [25, 25, 15, 15, 10, 10]
    again = assign_groups(t.sample(frac=1, random_state=3), control_share=0.1, seed=42,
                          strata=["segment", "region"])
    assert again.sort_values("customer_id")["group"].tolist() == g["group"].tolist()
    other = assign_groups(t, control_share=0.1, seed=43, strata=["segment", "region"])
    assert other["group"].tolist() != g["group"].tolist()
    assert g.index.equals(t.index) and (g["segment"] == t["segment"]).all()


def test_assign_groups_is_random_not_systematic():
    t = pd.DataFrame({"customer_id": np.arange(20_000)})
    g = assign_groups(t, control_share=0.5, seed=0)
    # the first and second halves of the ids each hold about half the controls
    first = (g["group"].iloc[:10_000] == "control").mean()
    assert 0.48 < first < 0.52


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), share=st.floats(0.01, 0.99), seed=st.integers(0, 10**6))
def test_property_control_size_is_rounded_share(n, share, seed):
    t = pd.DataFrame({"customer_id": np.arange(n)})
    g = assign_groups(t, control_share=share, seed=seed)
    assert (g["group"] == "control").sum() == np.floor(n * share + 0.5)


def test_assign_groups_bad_input():
    t = pd.DataFrame({"customer_id": [1, 2, 2]})
    with pytest.raises(SchemaError, match=r"targets\.customer_id: 2 row.*duplicated.*\[1, 2\]"):
        assign_groups(t)
    with pytest.raises(SchemaError, match=r"targets\.segment: missing column"):
        assign_groups(pd.DataFrame({"customer_id": [1]}), strata="segment")
    with pytest.raises(ValueError, match="control_share"):
        assign_groups(pd.DataFrame({"customer_id": [1]}), control_share=1.0)


# --------------------------------------------------------------------------------------
# measurement
# --------------------------------------------------------------------------------------
def test_response_rates_hand_computed():
    t = pd.concat([_targets([("test", 200, 30, 12), ("control", 50, 5, 1)], 1),
                   _targets([("test", 10, 10, 10), ("control", 10, 0, 0)], 2)])
    r = response_rates(t)
    assert r.loc[(1, "test"), "response_rate"] == pytest.approx(0.15)
    assert r.loc[(1, "test"), "conversion_rate"] == pytest.approx(0.06)
    assert r.loc[(1, "control"), "responses"] == 5
    assert r.loc[(2, "test"), "conversions"] == 10


@pytest.mark.parametrize(
    "counts, expected",
    [  # Newcombe (1998), Statistics in Medicine 17:873-890, method 10, examples (a), (b), (d), (e)
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ],
)
def test_newcombe_interval_matches_published_values(counts, expected):
    low, high = uplift_interval(*counts)
    assert (round(float(low), 4), round(float(high), 4)) == expected


def test_wald_interval_by_hand():
    # 0.8 - 0.6, se = sqrt(.8*.2/70 + .6*.4/80) = 0.072703
    low, high = uplift_interval(56, 70, 48, 80, confidence=0.95, method="wald")
    assert float(low) == pytest.approx(0.2 - 1.959964 * 0.0727029, abs=1e-5)
    assert float(high) == pytest.approx(0.2 + 1.959964 * 0.0727029, abs=1e-5)


def test_uplift_table_hand_computed():
    t = _targets([("test", 1000, 0, 80), ("control", 1000, 0, 50)])
    u = uplift(t).loc[1]
    assert u["uplift"] == pytest.approx(0.03)
    # pooled z: p = 0.065, se = sqrt(.065 * .935 * 2 / 1000) = 0.0110250
    assert u["z"] == pytest.approx(0.03 / 0.0110250, rel=1e-4)
    assert u["p_value"] == pytest.approx(2 * norm.sf(0.03 / 0.0110250), rel=1e-3)
    assert u["incremental"] == pytest.approx(30.0)
    assert u["ci_low"] < 0.03 < u["ci_high"]


def test_uplift_recovers_a_planted_effect():
    # simulated campaign: 4 % baseline, the contact adds 2 points; 20 000 targets per group
    rng = np.random.default_rng(7)
    n = 20_000
    t = pd.DataFrame({
        "campaign_id": 1, "customer_id": np.arange(2 * n),
        "group": np.repeat(["test", "control"], n),
        "converted": rng.random(2 * n) < np.repeat([0.06, 0.04], n),
    })
    t["responded"] = t["converted"]
    u = uplift(t).loc[1]
    assert u["ci_low"] < 0.02 < u["ci_high"]
    assert abs(u["uplift"] - 0.02) < 0.006
    assert u["p_value"] < 1e-6


def test_interval_covers_the_true_uplift_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    reps, n1, n2, p1, p2 = 4000, 400, 200, 0.12, 0.07
    x1, x2 = rng.binomial(n1, p1, reps), rng.binomial(n2, p2, reps)
    low, high = uplift_interval(x1, n1, x2, n2)
    coverage = ((low <= p1 - p2) & (p1 - p2 <= high)).mean()
    assert 0.935 < coverage < 0.965


def test_campaign_without_control_has_no_uplift():
    t = pd.concat([_targets([("test", 5, 1, 1), ("control", 5, 0, 0)], 1),
                   _targets([("test", 5, 1, 1)], 2)], ignore_index=True)
    u = uplift(t)
    assert u.loc[1, "uplift"] == pytest.approx(0.2)
    assert u.loc[2, "n_control"] == 0 and u.loc[2, "rate_test"] == pytest.approx(0.2)
    assert u.loc[2, ["rate_control", "uplift", "ci_low", "ci_high", "z", "p_value"]].isna().all()
    camps = pd.DataFrame({"campaign_id": [1, 2], "cost_per_contact": [1.0, 1.0]})
    roi = campaign_roi(t, camps, 10.0)
    assert np.isnan(roi.loc[2, "roi"]) and roi.loc[2, "naive_roi"] == pytest.approx(1.0)


def test_bad_targets_name_table_column_rows():
    t = _targets([("test", 3, 1, 1), ("control", 3, 0, 0)])
    t.loc[4, "group"] = "holdout"
    with pytest.raises(SchemaError, match=r"campaign_targets\.group.*holdout.*\[4\]"):
        uplift(t)
    with pytest.raises(SchemaError, match=r"campaign_targets\.converted: missing column"):
        response_rates(t.drop(columns="converted"))
    with pytest.raises(ValueError, match="outcome"):
        uplift(_targets([("test", 3, 1, 1), ("control", 3, 0, 0)]), outcome="clicked")


# --------------------------------------------------------------------------------------
# economics
# --------------------------------------------------------------------------------------
def test_breakeven_by_hand():
    # 50 000 leaflets at 0.45 + 2 500 fixed = 25 000 euros; 40 euros margin -> 625 units
    b = breakeven(50_000, 0.45, 40.0, fixed_cost=2_500)
    assert b.total_cost == pytest.approx(25_000)
    assert b.units == pytest.approx(625)
    assert b.units_rounded == 625
    assert b.response_rate == pytest.approx(0.0125)
    # two units bought per response: half the responses
    assert breakeven(50_000, 0.45, 40.0, 2_500, units_per_response=2).response_rate == \
        pytest.approx(0.00625)
    # a fraction of a unit rounds up
    assert breakeven(1000, 1.0, 30.0).units_rounded == 34


def test_breakeven_bad_arguments():
    with pytest.raises(ValueError, match="margin_per_unit"):
        breakeven(100, 1.0, 0.0)
    with pytest.raises(ValueError, match="cost_per_contact"):
        breakeven(100, -1.0, 10.0)


def test_roi_naive_versus_incremental_by_hand():
    t = pd.concat([_targets([("test", 1000, 0, 60), ("control", 250, 0, 10)], 1),
                   _targets([("test", 500, 0, 50), ("control", 500, 0, 50)], 2)])
    camps = pd.DataFrame({"campaign_id": [1, 2], "cost_per_contact": [1.5, 0.5]})
    r = campaign_roi(t, camps, margin_per_conversion=pd.Series({1: 100.0, 2: 20.0}),
                     fixed_cost=500.0)
    # campaign 1: cost 500 + 1000*1.5 = 2000; uplift .06-.04 = .02 -> 20 incremental sales
    assert r.loc[1, "cost"] == pytest.approx(2000)
    assert r.loc[1, "incremental_conversions"] == pytest.approx(20)
    assert r.loc[1, "naive_roi"] == pytest.approx((6000 - 2000) / 2000)
    assert r.loc[1, "roi"] == pytest.approx((2000 - 2000) / 2000)
    # campaign 2 caused nothing: it loses its whole cost (500 + 250)
    assert r.loc[2, "roi"] == pytest.approx(-1.0)
    assert r.loc[2, "naive_roi"] == pytest.approx((1000 - 750) / 750)


def test_roi_unknown_campaign():
    t = _targets([("test", 3, 1, 1), ("control", 3, 0, 0)], campaign_id=9)
    camps = pd.DataFrame({"campaign_id": [1], "cost_per_contact": [1.0]})
    with pytest.raises(SchemaError, match=r"campaign_targets\.campaign_id: 6 row.*not in the"):
        campaign_roi(t, camps, 10.0)


# --------------------------------------------------------------------------------------
# planning
# --------------------------------------------------------------------------------------
def test_sample_size_textbook_value_and_formula():
    # 5 % -> 10 %, alpha 5 % two-sided, power 80 %: 435 per group (Fleiss et al.)
    assert sample_size(0.05, 0.05).n_test == 435
    # unequal groups, by hand: k = 1/3, p0 = .04, p1 = .05, pbar = (.05 + .04/3) / (4/3)
    k, p0, p1 = 1 / 3, 0.04, 0.05
    pbar = (p1 + k * p0) / (1 + k)
    n1 = (1.959964 * np.sqrt(pbar * (1 - pbar) * (1 + 1 / k))
          + 0.841621 * np.sqrt(p1 * (1 - p1) + p0 * (1 - p0) / k)) ** 2 / 0.01**2
    s = sample_size(0.04, 0.01, control_share=0.25)
    assert s.n_test == int(np.ceil(n1))
    assert s.n_control == int(np.ceil(n1 / 3))
    assert s.total == s.n_test + s.n_control


def test_sample_size_gives_the_promised_power():
    s = sample_size(0.10, 0.04, power=0.8)
    rng = np.random.default_rng(5)
    reps = 4000
    x1 = rng.binomial(s.n_test, 0.14, reps)
    x0 = rng.binomial(s.n_control, 0.10, reps)
    p1, p0 = x1 / s.n_test, x0 / s.n_control
    pooled = (x1 + x0) / (s.n_test + s.n_control)
    z = (p1 - p0) / np.sqrt(pooled * (1 - pooled) * (1 / s.n_test + 1 / s.n_control))
    power = (np.abs(z) > norm.ppf(0.975)).mean()
    assert 0.77 < power < 0.83


def test_minimum_detectable_uplift_inverts_sample_size():
    s = sample_size(0.03, 0.012, control_share=0.2)
    mdu = minimum_detectable_uplift(s.total, 0.03, control_share=0.2)
    assert mdu == pytest.approx(0.012, rel=0.01)
    with pytest.raises(ValueError, match="cannot detect"):
        minimum_detectable_uplift(4, 0.5)


@pytest.mark.parametrize("args", [(0.0, 0.1), (0.5, 0.6), (0.1, -0.01)])
def test_sample_size_bad_arguments(args):
    with pytest.raises(ValueError):
        sample_size(*args)


# --------------------------------------------------------------------------------------
# waves
# --------------------------------------------------------------------------------------
CUSTOMERS = pd.DataFrame({
    "customer_id": [1, 2, 3], "preferred_channel": ["email", "mail", "email"],
    "preferred_hour": [9, 9, 9], "contact_consent": [True, True, False],
    "opt_out": [False, False, False],
})


def test_waves_respect_pressure_and_conflicts_across_waves():
    waves = pd.DataFrame({
        "wave": [1, 1, 1, 2, 2, 3, 3],
        "customer_id": [1, 2, 3, 1, 2, 1, 2],
        "channel": ["email", "mail", "email", "email", "mail", "email", "mail"],
        "date": pd.to_datetime(["2024-05-02", "2024-05-02", "2024-05-02", "2024-05-12",
                                "2024-05-12", "2024-05-22", "2024-06-22"]),
        "offer": ["loan", "loan", "loan", "loan_reminder", "loan", "loan_last", "loan"],
    })
    out = run_waves(waves, CUSTOMERS, ContactPolicy(max_contacts=2, conflict_window="30D"))
    assert out.index.equals(waves.index)
    assert out["reason"].tolist() == [
        "ok", "ok", "no_consent",
        "ok", "duplicate_offer",       # the same loan offer 10 days later
        "contact_pressure", "ok",      # 3rd May contact for customer 1; June is a new month
    ]
    # one wave alone would have let the third contact of customer 1 through
    alone = ContactPolicy(max_contacts=2).apply(waves[waves["wave"] == 3], CUSTOMERS)
    assert alone["reason"].tolist() == ["ok", "ok"]


def test_waves_budget_spans_the_campaign():
    waves = pd.DataFrame({
        "wave": [1, 2, 3], "customer_id": [1, 1, 1], "channel": "email",
        "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05"]),
        "offer": ["a", "b", "c"],
    })
    policy = ContactPolicy(channel_costs={"email": 1.0}, budget=2.0)
    assert run_waves(waves, CUSTOMERS, policy)["reason"].tolist() == ["ok", "ok", "over_budget"]


def test_waves_need_a_wave_column():
    with pytest.raises(SchemaError, match=r"waves\.wave: missing column"):
        run_waves(pd.DataFrame({"customer_id": [1]}), CUSTOMERS, ContactPolicy())


def test_campaign_roi_of_a_campaign_with_only_control_targets():
    # issue 14: it crashed (NaN conversions cast to int); nobody contacted = no effect
    t = pd.DataFrame({"campaign_id": [1, 1, 1, 2, 2], "customer_id": [1, 2, 3, 4, 5],
                      "group": ["test", "test", "control", "control", "control"],
                      "responded": False, "converted": [True, False, False, True, False]})
    camps = pd.DataFrame({"campaign_id": [1, 2], "cost_per_contact": [1.0, 1.0]})
    roi = campaign_roi(t, camps, margin_per_conversion=10.0, fixed_cost=5.0)
    assert roi.loc[2, "cost"] == 5.0
    assert roi.loc[2, "conversions"] == 0 and roi.loc[2, "incremental_conversions"] == 0
    assert roi.loc[2, "roi"] == -1.0 and roi.loc[2, "naive_roi"] == -1.0
    assert roi.loc[1, "conversions"] == 1  # the other campaign is unchanged


def test_assign_groups_customer_key_is_customer_col_and_id_column_warns():
    t = pd.DataFrame({"client": np.arange(40) * 7, "segment": ["A", "B"] * 20})
    new = assign_groups(t, control_share=0.25, seed=3, strata="segment", customer_col="client")
    with pytest.warns(FutureWarning, match=r"assign_groups\(id_column=\.\.\.\).*customer_col="):
        old = assign_groups(t, control_share=0.25, seed=3, strata="segment", id_column="client")
    pd.testing.assert_frame_equal(old, new)
    assert (new["group"] == "control").sum() == 10
    with pytest.raises(SchemaError, match="client"):
        assign_groups(t.drop(columns="client"), customer_col="client")
