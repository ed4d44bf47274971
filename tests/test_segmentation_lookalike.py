"""Profiling the best customers (``segmentation.lookalike``) and naming clusters by their
profile (``segmentation.name_clusters``): lifts and scores redone by hand, survivorship
shown on a small cohort, bad input refused with a clear error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmkit import segmentation as seg
from crmkit.schema import SchemaError


def _cohort():
    # 10 recruits: web brought 6 (1 best), branch 4 (3 best); overall rate 4 / 10
    return pd.DataFrame({
        "customer_id": range(1, 11),
        "channel": ["web"] * 6 + ["branch"] * 4,
        "stage": ["single", "single", "family", "family", "single", "family",
                  "family", "family", "single", "family"],
        "best": [True] + [False] * 5 + [True, True, True, False],
        "still_here": [True, False, False, False, False, True, True, True, True, True],
    })


def test_lift_by_hand():
    lifts = seg.lookalike_lift(_cohort(), "best", ["channel", "stage"]).set_index(
        ["attribute", "value"])
    # branch: 3 best of 4 -> rate 0.75, lift 0.75 / 0.4; web: 1 of 6 -> (1/6) / 0.4
    assert lifts.loc[("channel", "branch"), "lift"] == pytest.approx(0.75 / 0.4)
    assert lifts.loc[("channel", "web"), "lift"] == pytest.approx((1 / 6) / 0.4)
    assert lifts.loc[("channel", "branch"), "share_of_targets"] == pytest.approx(3 / 4)
    assert lifts.loc[("channel", "web"), "share_of_customers"] == pytest.approx(0.6)
    # family: best are 7, 8 (and not 3, 4, 6, 10) -> 2 of 6; single: 1 and 9 -> 2 of 4
    assert lifts.loc[("stage", "family"), "targets"] == 2
    assert lifts.loc[("stage", "single"), "lift"] == pytest.approx(0.5 / 0.4)
    # each trait's shares add up to one, and the lift is share of best over share of all
    for _, part in lifts.groupby(level="attribute"):
        assert part["share_of_customers"].sum() == pytest.approx(1)
        assert part["share_of_targets"].sum() == pytest.approx(1)
    assert np.allclose(lifts["lift"], lifts["share_of_targets"] / lifts["share_of_customers"])


def test_lift_sorted_by_trait_then_lift():
    lifts = seg.lookalike_lift(_cohort(), "best", ["stage", "channel"])
    assert lifts["attribute"].tolist() == ["stage", "stage", "channel", "channel"]
    assert lifts["value"].tolist() == ["single", "family", "branch", "web"]


def test_survivors_only_flatters_the_channel_that_loses_its_recruits():
    df = _cohort()
    cohort = seg.lookalike_lift(df, "best", ["channel"]).set_index("value")["lift"]
    survivors = seg.lookalike_lift(df.loc[df["still_here"]], "best", ["channel"]).set_index(
        "value")["lift"]
    # web lost 4 of its 6 recruits, none of them best: among survivors it looks average
    assert cohort["web"] < 0.5 < survivors["web"]
    assert survivors["web"] == pytest.approx((1 / 2) / (4 / 6))


def test_score_by_hand_and_smoothing():
    lifts = seg.lookalike_lift(_cohort(), "best", ["channel", "stage"])
    prospects = pd.DataFrame({"customer_id": [1, 2, 3], "channel": ["branch", "web", "mail"],
                              "stage": ["single", "family", "single"]})
    raw = seg.lookalike_score(prospects, lifts, smoothing=0)["lookalike_score"]
    assert raw[0] == pytest.approx(np.log(0.75 / 0.4) + np.log(0.5 / 0.4))
    assert raw[1] == pytest.approx(np.log((1 / 6) / 0.4) + np.log((2 / 6) / 0.4))
    assert raw[2] == pytest.approx(np.log(0.5 / 0.4))  # an unseen channel counts as 1
    # smoothing with k customers at the overall rate: branch (3 + 0.4k) / (4 + k) / 0.4
    k = 10.0
    smooth = seg.lookalike_score(prospects.iloc[[0]], lifts, smoothing=k)["lookalike_score"]
    expected = (np.log((3 + 0.4 * k) / (4 + k) / 0.4)
                + np.log((2 + 0.4 * k) / (4 + k) / 0.4))
    assert smooth[0] == pytest.approx(expected)
    assert abs(smooth[0]) < abs(raw[0])  # shrunk towards 0 (a lift of 1)


def test_score_ranks_the_profile_it_learned():
    rng = np.random.default_rng(3)
    n = 4000
    stage = rng.choice(["single", "family"], n)
    best = rng.random(n) < np.where(stage == "family", 0.3, 0.05)
    df = pd.DataFrame({"customer_id": range(n), "stage": stage,
                       "channel": rng.choice(["web", "branch"], n), "best": best})
    lifts = seg.lookalike_lift(df.iloc[:2000], "best", ["stage", "channel"])
    scored = seg.lookalike_score(df.iloc[2000:], lifts)
    later = df.iloc[2000:].assign(score=scored["lookalike_score"].to_numpy())
    high = later["score"] > later["score"].median()
    assert later.loc[high, "best"].mean() > 3 * later.loc[~high, "best"].mean()


def test_bad_input_is_refused_clearly():
    df = _cohort()
    with pytest.raises(SchemaError, match=r"customers\.channel"):
        seg.lookalike_lift(df.assign(channel=[None] + ["web"] * 9), "best", ["channel"])
    with pytest.raises(SchemaError, match=r"customers\.best"):
        seg.lookalike_lift(df.assign(best=1.0), "best", ["channel"])
    with pytest.raises(SchemaError, match=r"customers\.customer_id"):
        seg.lookalike_lift(df.assign(customer_id=1), "best", ["channel"])
    with pytest.raises(ValueError, match="no best customer"):
        seg.lookalike_lift(df.assign(best=False), "best", ["channel"])
    with pytest.raises(ValueError, match="at least one attribute"):
        seg.lookalike_lift(df, "best", [])
    lifts = seg.lookalike_lift(df, "best", ["channel"])
    with pytest.raises(SchemaError, match=r"prospects\.channel"):
        seg.lookalike_score(df.drop(columns="channel"), lifts)
    with pytest.raises(ValueError, match="smoothing"):
        seg.lookalike_score(df, lifts, smoothing=-1)
    with pytest.raises(SchemaError, match=r"lifts\.customers"):
        seg.lookalike_score(df, lifts.assign(customers=-lifts["customers"]))
    with pytest.raises(SchemaError, match=r"lifts\.targets"):
        seg.lookalike_score(df, lifts.assign(targets=lifts["customers"] + 1))


def test_name_clusters_by_profile_whatever_the_numbering():
    prof = pd.DataFrame({"cluster": [0, 1, 2], "age": [62.0, 24.0, 45.0],
                         "digital": [0.1, 0.8, 0.4], "claims": [100.0, 50.0, 900.0]})
    rules = {"older": [("age", "max"), ("digital", "min")], "young": ("age", "min"),
             "claims": ("claims", "max")}
    assert seg.name_clusters(prof, rules) == {0: "older", 1: "young", 2: "claims"}
    # the same clusters numbered otherwise get the same names
    shuffled = prof.assign(cluster=[2, 0, 1])
    assert seg.name_clusters(shuffled, rules) == {2: "older", 0: "young", 1: "claims"}


def test_name_clusters_refuses_ambiguous_rules():
    prof = pd.DataFrame({"cluster": [0, 1, 2], "age": [62.0, 24.0, 45.0],
                         "digital": [0.1, 0.8, 0.4]})
    with pytest.raises(ValueError, match=r"cluster\(s\) \[2\] have no name"):
        seg.name_clusters(prof, {"older": ("age", "max"), "young": ("age", "min")})
    with pytest.raises(ValueError, match="point at different clusters"):
        seg.name_clusters(prof, {"a": [("age", "max"), ("digital", "max")],
                                 "b": ("age", "min"), "c": ("digital", "min")})
    with pytest.raises(ValueError, match="all point at cluster 0"):
        seg.name_clusters(prof, {"a": ("age", "max"), "b": ("digital", "min"),
                                 "c": ("age", "min")})
    with pytest.raises(SchemaError, match=r"profile\.cluster"):
        seg.name_clusters(prof.assign(cluster=["0", "1", "2"]), {"a": ("age", "max")})
    with pytest.raises(SchemaError, match=r"profile\.cluster"):
        seg.name_clusters(prof.assign(cluster=[0, 0, 1]), {"a": ("age", "max")})
    with pytest.raises(ValueError, match="direction"):
        seg.name_clusters(prof, {"a": ("age", "highest")})
