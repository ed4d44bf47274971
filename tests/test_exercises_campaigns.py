"""Checkers of Chapter 5's exercises: a right answer passes, a typical wrong answer fails
with the exercise's hint, and no message gives the expected value away.

Right answers are computed here by hand on small hand-made tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from _exercise_feedback import assert_wrong  # tests/ helper
from scipy.stats import norm

from crmkit.exercises import check, exercises
from crmkit.exercises.campaigns import MARGIN_MONTHS, untargeted_phone_campaigns


def test_chapter_5_exercises_are_registered():
    assert exercises("ch5.") == sorted([
        "ch5.breakeven_mailing", "ch5.best_untargeted_interval", "ch5.untargeted_phone_roi",
        "ch5.targets_for_one_point", "ch5.email_credit_ratio"])


def _campaigns(rows):
    """rows: (campaign_id, trigger, channel, cost_per_contact, product_id)."""
    c = pd.DataFrame(rows, columns=["campaign_id", "trigger", "channel", "cost_per_contact",
                                    "product_id"])
    return c.assign(test_share=0.8)


# ---------------------------------------------------------------------------------------
# ch5.breakeven_mailing
# ---------------------------------------------------------------------------------------
def test_breakeven_mailing_right_and_wrong():
    campaigns = _campaigns([(1, "none", "mail", 1.2, "B_SAVINGS"),
                            (2, "none", "email", 0.15, "B_SAVINGS"),
                            (3, "life_event:birth", "mail", 1.2, "B_LIFE")])
    products = pd.DataFrame({"product_id": ["B_SAVINGS", "B_LIFE"], "monthly_price": [6.0, 12.0]})
    # (3,000 + 20,000 x 1.20) / (6 x 24) = 27,000 / 144 = 187.5 -> 188 accounts
    assert MARGIN_MONTHS == 24
    assert check("ch5.breakeven_mailing", 188, campaigns=campaigns, products=products).correct
    # the unrounded quotient, and forgetting the creation cost, are not the answer
    assert_wrong(check("ch5.breakeven_mailing", 187.5, campaigns=campaigns,
                       products=products), "188")
    fb = check("ch5.breakeven_mailing", 167, campaigns=campaigns, products=products)
    assert_wrong(fb, "188")
    assert "too low" in fb.message


# ---------------------------------------------------------------------------------------
# ch5.best_untargeted_interval
# ---------------------------------------------------------------------------------------
def test_best_untargeted_interval_right_and_wrong(targets_from_counts):
    campaigns = _campaigns([(1, "none", "email", 0.15, "B_SAVINGS"),
                            (2, "none", "mail", 1.2, "B_SAVINGS"),
                            (3, "life_event:birth", "phone", 6.0, "B_LIFE")])
    # campaign 1 is Newcombe's (1998) worked example, 56/70 against 48/80: uplift 0.2, hybrid
    # score interval (0.0524, 0.3339); campaign 2 has no uplift; campaign 3 (event-triggered,
    # larger uplift) must be ignored
    targets = targets_from_counts({1: ((70, 56), (80, 48)), 2: ((10, 2), (10, 2)),
                                   3: ((10, 10), (10, 0))})
    right = [0.2, 0.0524, 0.3339]
    assert check("ch5.best_untargeted_interval", right, targets=targets,
                 campaigns=campaigns).correct
    # the textbook (Wald) interval of the same campaign, 0.0575 to 0.3425, is not the one asked
    assert_wrong(check("ch5.best_untargeted_interval", [0.2, 0.0575, 0.3425], targets=targets,
                       campaigns=campaigns), "0.0524")
    # the event-triggered campaign is not an untargeted one
    fb = check("ch5.best_untargeted_interval", [1.0, 0.6, 1.0], targets=targets,
               campaigns=campaigns)
    assert_wrong(fb, "0.0524", "0.3339")


# ---------------------------------------------------------------------------------------
# ch5.untargeted_phone_roi
# ---------------------------------------------------------------------------------------
def _phone_inputs(targets_from_counts):
    campaigns = _campaigns([(1, "none", "phone", 2.0, "P"),
                            (2, "none", "email", 0.1, "P"),
                            (3, "life_event:birth", "phone", 2.0, "P"),
                            (4, "none", "phone", 2.0, "P")])
    products = pd.DataFrame({"product_id": ["P"], "monthly_price": [2.5]})  # 60 euros a sale
    targets = targets_from_counts({1: ((100, 10), (100, 4)), 2: ((100, 50), (100, 0)),
                                   3: ((100, 90), (100, 0)), 4: ((50, 2), (50, 2))})
    return targets, campaigns, products


def test_untargeted_phone_campaigns_are_selected(targets_from_counts):
    _, campaigns, _ = _phone_inputs(targets_from_counts)
    assert untargeted_phone_campaigns(campaigns)["campaign_id"].tolist() == [1, 4]


def test_untargeted_phone_roi_right_and_wrong(targets_from_counts):
    targets, campaigns, products = _phone_inputs(targets_from_counts)
    # campaign 1: cost 100 x 2 = 200, uplift 6 points x 100 contacted = 6 sales x 60 = 360;
    # campaign 4: cost 50 x 2 = 100, no uplift. Pooled: (360 - 300) / 300 = 0.2
    inputs = dict(targets=targets, campaigns=campaigns, products=products)
    assert check("ch5.untargeted_phone_roi", 0.2, **inputs).correct
    # naive ROI: every sale of the contacted, (12 sales x 60 - 300) / 300 = 1.4
    fb = check("ch5.untargeted_phone_roi", 1.4, **inputs)
    assert_wrong(fb, "0.2")
    assert "too high" in fb.message
    # the mean of the two campaigns' ROIs, (0.8 - 1) / 2, is not the pooled ROI
    assert_wrong(check("ch5.untargeted_phone_roi", -0.1, **inputs), "0.2")
    pct = check("ch5.untargeted_phone_roi", 20.0, **inputs)
    assert not pct.correct and "scale" in pct.message


# ---------------------------------------------------------------------------------------
# ch5.targets_for_one_point
# ---------------------------------------------------------------------------------------
def _targets_needed(p0, delta, k, alpha=0.05, power=0.8):
    """Fleiss, Levin & Paik's normal approximation, written out (control = k x test)."""
    p1 = p0 + delta
    pbar = (p1 + k * p0) / (1 + k)
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    n1 = (za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / k))
          + zb * math.sqrt(p1 * (1 - p1) + p0 * (1 - p0) / k)) ** 2 / delta ** 2
    return math.ceil(n1) + math.ceil(k * n1)


def test_targets_for_one_point_right_and_wrong(targets_from_counts):
    campaigns = _campaigns([(1, "none", "email", 0.15, "P"), (2, "none", "mail", 1.2, "P"),
                            (3, "life_event:birth", "phone", 6.0, "P")])
    # pooled control rate of the untargeted campaigns: (2 + 3) / (50 + 50) = 5 %; the
    # event-triggered campaign's control group (50 %) must not count
    targets = targets_from_counts({1: ((200, 8), (50, 2)), 2: ((200, 12), (50, 3)),
                                   3: ((40, 30), (10, 5))})
    right = _targets_needed(0.05, 0.01, k=0.25)
    assert right > 10_000
    inputs = dict(targets=targets, campaigns=campaigns)
    assert check("ch5.targets_for_one_point", right, **inputs).correct
    # half and half instead of 20 % held out needs fewer targets
    fb = check("ch5.targets_for_one_point", _targets_needed(0.05, 0.01, k=1.0), **inputs)
    assert_wrong(fb, str(right))
    # the test group alone is not the total
    test_only = math.ceil(right / 1.25)
    assert_wrong(check("ch5.targets_for_one_point", test_only, **inputs), str(right))


@pytest.mark.parametrize("exercise", ["ch5.breakeven_mailing", "ch5.untargeted_phone_roi"])
def test_checkers_report_bad_tables(exercise, targets_from_counts):
    from crmkit.schema import SchemaError

    targets, campaigns, products = _phone_inputs(targets_from_counts)
    campaigns.loc[0, "channel"] = "mail"
    no_price = products.drop(columns="monthly_price")
    inputs = {"ch5.breakeven_mailing": dict(campaigns=campaigns, products=no_price),
              "ch5.untargeted_phone_roi": dict(targets=targets, campaigns=campaigns.assign(
                  channel="phone"), products=no_price)}
    with pytest.raises(SchemaError, match="monthly_price"):
        check(exercise, 0.0, **inputs[exercise])



# ---------------------------------------------------------------------------------------
# ch5.email_credit_ratio (multi-step: last-touch attribution, then the control groups)
# ---------------------------------------------------------------------------------------
def _attribution_inputs(targets_from_counts):
    campaigns = _campaigns([(1, "none", "email", 0.15, "P"),
                            (2, "segment:multichannel", "email", 0.15, "P"),
                            (3, "none", "email", 0.15, "P"),  # 2019: outside the period
                            (4, "none", "mail", 1.2, "P"),  # another channel
                            (5, "churn_risk:incident", "email", 0.15, "P")])  # no sales
    campaigns["start_date"] = pd.to_datetime(["2021-03-01", "2022-05-01", "2019-06-01",
                                              "2021-03-01", "2021-03-01"])
    # caused sales: 1: (30 - 10) / 100 x 100 = 20 - 100 x 10 / 100 = 20; 2: 100 x (0.2 - 0.1)
    # = 10, pooled over both (same control share): 100 + 100 contacted, rates 50/200 against
    # 20/200 -> uplift 0.15 x 200 = 30 sales caused
    targets = targets_from_counts({1: ((100, 30), (100, 10)), 2: ((100, 20), (100, 10)),
                                   3: ((100, 90), (100, 0)), 4: ((100, 90), (100, 0)),
                                   5: ((100, 90), (100, 0))})
    # 90 sales of 2021 follow an e-mail by 5 days, 30 follow one by 20 days (outside the
    # 14-day window), 15 follow a letter; one sale opened the day its customer was won
    n = 90 + 30 + 15 + 1
    customers = pd.DataFrame({"customer_id": range(1, n + 1),
                              "acquisition_date": pd.Timestamp("2018-01-01")})
    customers.loc[n - 1, "acquisition_date"] = pd.Timestamp("2021-06-01")
    contracts = pd.DataFrame({"contract_id": range(1, n + 1), "customer_id": range(1, n + 1),
                              "product_id": "P", "start_date": pd.Timestamp("2021-06-01")})
    gap = [5] * 90 + [20] * 30 + [5] * 15 + [0]
    interactions = pd.DataFrame({
        "customer_id": range(1, n + 1),
        "date": pd.Timestamp("2021-06-01") - pd.to_timedelta(gap, unit="D"),
        "channel": ["email"] * 120 + ["mail"] * 15 + ["email"],
        "direction": "outbound", "reason": "sale"})
    return dict(contracts=contracts, interactions=interactions, customers=customers,
                targets=targets, campaigns=campaigns)


def test_email_credit_ratio_right_and_wrong(targets_from_counts):
    inputs = _attribution_inputs(targets_from_counts)
    # 90 sales credited to e-mail within 14 days, 30 caused: 3 sales credited per sale caused
    assert check("ch5.email_credit_ratio", 3.0, **inputs).correct
    # a 30-day window credits 120: 4.0; every sales campaign of any period (3 included)
    # would add campaign 3's 90 caused sales: 90 / 120 = 0.75
    for wrong in (4.0, 0.75, 1 / 3):
        assert_wrong(check("ch5.email_credit_ratio", wrong, **inputs), "3.0")
    # a percentage for a ratio: the checker says the scale is off, not the value
    assert not check("ch5.email_credit_ratio", 300.0, **inputs).correct
