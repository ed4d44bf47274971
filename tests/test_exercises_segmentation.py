"""Chapter 3's exercise checkers: right answers pass, typical wrong ones get a hint that
never gives the answer away. Expected values are computed by hand on small tables."""

from __future__ import annotations

import pandas as pd
import pytest
from _exercise_feedback import wrong_with_hint  # tests/ helper

from crmkit.exercises import check, exercises
from crmkit.schema import SchemaError


def test_the_four_exercises_are_registered():
    assert {"ch3.top5_profit_share", "ch3.champions_lift", "ch3.non_priority_q75",
            "ch3.class_a_stay", "ch3.lookalike_two_traits_auc",
            "ch3.pooled_channel_mde"} <= set(exercises("ch3."))


# ---------------------------------------------------------------------------------------
# ch3.top5_profit_share: 20 customers, the best 5 % is one customer
# ---------------------------------------------------------------------------------------
def _profits():
    # direct profit: one 600, nine of 50, nine of 10, one loss of -40 -> total 1100
    profit = [600.0] + [50.0] * 9 + [10.0] * 9 + [-40.0]
    revenue = [900.0] + [300.0] * 9 + [200.0] * 9 + [100.0]
    return pd.DataFrame({"customer_id": range(1, 21), "direct_profit": profit,
                         "revenue": revenue})


def test_top5_profit_share():
    df = _profits()
    assert check("ch3.top5_profit_share", 600 / 1100, customers=df).correct
    assert check("ch3.top5_profit_share", 0.5455, customers=df).correct  # rounded
    # the revenue share of the top customer (900 / 5300) is a typical mistake
    fb = check("ch3.top5_profit_share", 900 / 5300, customers=df)
    wrong_with_hint(fb, "0.545", "0.5454", "54.5")
    assert "too low" in fb.message
    # a percentage instead of a fraction gets a scale hint
    fb = check("ch3.top5_profit_share", 54.545454, customers=df)
    assert not fb.correct and "scale" in fb.message.lower()
    assert not check("ch3.top5_profit_share", None, customers=df).correct


# ---------------------------------------------------------------------------------------
# ch3.champions_lift: champions deposit at rate 1, everyone at 3 / 5 -> lift 5 / 3
# ---------------------------------------------------------------------------------------
def _rfm():
    return pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5],
        "rfm_segment": pd.Categorical(["champions", "champions", "at_risk", "hibernating",
                                       "hibernating"]),
        "deposit_next_year": [1.0, 1.0, 1.0, 0.0, 0.0],
    })


def test_champions_lift():
    rfm = _rfm()
    assert check("ch3.champions_lift", 5 / 3, rfm=rfm).correct
    assert check("ch3.champions_lift", 1.667, rfm=rfm).correct
    # the champions' rate itself (1.0) is not a lift
    wrong_with_hint(check("ch3.champions_lift", 1.0, rfm=rfm), "1.67", "1.667", "5/3")
    # nor is the ratio to the non-champions (1 / (1/3) = 3)
    assert not check("ch3.champions_lift", 3.0, rfm=rfm).correct


# ---------------------------------------------------------------------------------------
# ch3.non_priority_q75
# ---------------------------------------------------------------------------------------
def _insurer():
    # current: median of the margins is 70 -> customers 1-4 high, 5-8 low
    # potential: 0.75 quantile of 0, 10, ..., 70 is 52.5 -> customers 7, 8 high
    # undesirable (low, low): 5 and 6; 5 is a reference customer -> 1 non-priority
    # with the median of potential (35) instead, 5-8 are all high: 0 non-priority
    return pd.DataFrame({
        "customer_id": range(1, 9),
        "insurer_margin": [100.0, 200, 300, 400, 10, 20, 30, 40],
        "potential": [0.0, 10, 20, 30, 40, 50, 60, 70],
        "reference": [False, False, False, False, True, False, False, False],
        "recent_life_events": [0, 0, 0, 0, 0, 0, 0, 0],
        "bank_customer": [False] * 8,
    })


def test_non_priority_q75():
    ins = _insurer()
    assert check("ch3.non_priority_q75", 1, insurer=ins).correct
    # the median cut-off (0) and the undesirable count without checks (2) are wrong
    fb = check("ch3.non_priority_q75", 0, insurer=ins)
    wrong_with_hint(fb)
    assert "too low" in fb.message
    assert "too high" in check("ch3.non_priority_q75", 2, insurer=ins).message
    # the answer follows the student's table: customer 6 now grows fast -> nobody left
    grown = ins.assign(recent_life_events=[0, 0, 0, 0, 0, 1, 0, 0])
    assert check("ch3.non_priority_q75", 0, insurer=grown).correct


# ---------------------------------------------------------------------------------------
# ch3.class_a_stay
# ---------------------------------------------------------------------------------------
def test_class_a_stay():
    before = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 6],
                           "abc_class": ["A", "A", "A", "A", "B", "B"]})
    # 1, 2 stay A; 3 drops to B; 4 leaves; 5 rises to A; 7 is new
    after = pd.DataFrame({"customer_id": [1, 2, 3, 5, 6, 7],
                          "abc_class": ["A", "A", "B", "A", "B", "C"]})
    assert check("ch3.class_a_stay", 0.5, before=before, after=after).correct
    # reading the column (share of the new A that were A: 2 / 3) is the typical mistake
    fb = check("ch3.class_a_stay", 2 / 3, before=before, after=after)
    wrong_with_hint(fb, "0.5", "50")
    # forgetting the customer who left (2 of 3 still there) too
    assert not check("ch3.class_a_stay", 2 / 3 + 1e-3, before=before, after=after).correct


# ---------------------------------------------------------------------------------------
# bad calls are the notebook's errors, reported clearly
# ---------------------------------------------------------------------------------------
def test_missing_or_malformed_tables():
    with pytest.raises(ValueError, match="customers="):
        check("ch3.top5_profit_share", 0.5)
    with pytest.raises(SchemaError, match="rfm.deposit_next_year"):
        check("ch3.champions_lift", 1.0, rfm=_rfm().drop(columns="deposit_next_year"))
    with pytest.raises(SchemaError, match="insurer.reference"):
        check("ch3.non_priority_q75", 1, insurer=_insurer().drop(columns="reference"))
    with pytest.raises(ValueError, match="champions"):
        check("ch3.champions_lift", 1.0, rfm=_rfm().iloc[2:])
    with pytest.raises(ValueError, match="does not take"):
        check("ch3.class_a_stay", 0.5, customers=_profits())


# ---------------------------------------------------------------------------------------
# ch3.lookalike_two_traits_auc: branch and the 35-49 band both have a lift above 1, so the
# prospects' scores rank (branch, 35-49) > (branch, 65+) > (web, 65+) whatever the smoothing
# ---------------------------------------------------------------------------------------
def _recruits():
    cohort = pd.DataFrame({
        "customer_id": range(1, 11),
        "acquisition_channel": ["web"] * 6 + ["branch"] * 4,
        "age_band": ["65_plus"] * 5 + ["35_49"] * 4 + ["65_plus"],
        "stage_at_acquisition": ["retired"] * 10,  # ignored: two traits only
        "best": [True] + [False] * 5 + [True, True, True, False],
    })
    prospects = pd.DataFrame({
        "customer_id": [21, 22, 23, 24, 25],
        "acquisition_channel": ["branch", "branch", "branch", "web", "web"],
        "age_band": ["35_49", "65_plus", "65_plus", "65_plus", "65_plus"],
        "best": [True, True, False, False, True],
    })
    return cohort, prospects


def test_lookalike_two_traits_auc():
    cohort, prospects = _recruits()
    # positives 21 (high), 22 (middle), 25 (low); negatives 23 (middle), 24 (low):
    # 21 beats both, 22 beats 24 and ties 23, 25 ties 24 and loses to 23 -> 4 / 6
    assert check("ch3.lookalike_two_traits_auc", 4 / 6, cohort=cohort,
                 prospects=prospects).correct
    # a score read the wrong way round gives 1 - AUC
    fb = check("ch3.lookalike_two_traits_auc", 2 / 6, cohort=cohort, prospects=prospects)
    wrong_with_hint(fb, "0.667", "0.6667")
    # as a percentage: the scale hint
    fb = check("ch3.lookalike_two_traits_auc", 66.67, cohort=cohort, prospects=prospects)
    assert not fb.correct and "scale" in fb.message.lower()
    with pytest.raises(ValueError, match="both best and other"):
        check("ch3.lookalike_two_traits_auc", 0.5, cohort=cohort,
              prospects=prospects.assign(best=True))


# ---------------------------------------------------------------------------------------
# ch3.pooled_channel_mde: 400 branch and 100 web customers
# ---------------------------------------------------------------------------------------
def test_pooled_channel_mde():
    from crmkit.campaigns import minimum_detectable_uplift

    customers = pd.DataFrame({"customer_id": range(500),
                              "preferred_channel": ["branch"] * 400 + ["web"] * 100,
                              "abc_class": ["A"] * 250 + ["C"] * 250})
    right = pd.Series({"branch": minimum_detectable_uplift(400, 0.1),
                       "web": minimum_detectable_uplift(100, 0.1)})
    assert right["web"] > right["branch"] > 0  # the smaller pool detects only a larger uplift
    assert check("ch3.pooled_channel_mde", right, customers=customers, control_rate=0.1).correct
    # the whole base's uplift given to each pool is wrong
    whole = pd.Series({"branch": minimum_detectable_uplift(500, 0.1),
                       "web": minimum_detectable_uplift(500, 0.1)})
    wrong_with_hint(check("ch3.pooled_channel_mde", whole, customers=customers,
                           control_rate=0.1))
    # pooled by ABC class instead of channel: other labels
    assert not check("ch3.pooled_channel_mde", right.set_axis(["A", "C"]),
                     customers=customers, control_rate=0.1).correct
    with pytest.raises(ValueError, match="control_rate"):
        check("ch3.pooled_channel_mde", right, customers=customers)
