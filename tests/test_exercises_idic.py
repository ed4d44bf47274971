"""Checkers of Chapter 6's exercises: a right answer passes, a typical wrong answer fails
with the exercise's hint, and no message gives the expected value away.

Right answers are computed here by hand on small hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest
from _exercise_feedback import assert_wrong  # tests/ helper

from crmkit.exercises import check, exercises
from crmkit.idic import ContactPolicy
from crmkit.schema import SchemaError


def test_chapter_6_exercises_are_registered():
    assert exercises("ch6.") == sorted([
        "ch6.contactable_best", "ch6.stage_most_needs", "ch6.one_contact_a_month",
        "ch6.top_rule", "ch6.unmatched_step", "ch6.human_contact_gap"])


# ---------------------------------------------------------------------------------------
# ch6.contactable_best
# ---------------------------------------------------------------------------------------
PROFILES = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "abc_class": ["A", "A", "A", "A", "C"]})
CUSTOMERS = pd.DataFrame({
    "customer_id": [1, 2, 3, 4, 5],
    "contact_consent": [True, True, False, True, True],
    "opt_out": [False, True, False, False, False],
})


def test_contactable_best_right_and_wrong():
    # class A = {1, 2, 3, 4}: 1 and 4 consent and are not opted out; 2 opted out; 3 no consent
    assert check("ch6.contactable_best", 0.5, profiles=PROFILES, customers=CUSTOMERS).correct
    # the slip: counting consent only (3 of 4), forgetting the do-not-contact list
    assert_wrong(check("ch6.contactable_best", 0.75, profiles=PROFILES, customers=CUSTOMERS),
                 "0.5")
    # the other slip: the share among all customers (3 of 5)
    assert not check("ch6.contactable_best", 0.6, profiles=PROFILES,
                     customers=CUSTOMERS).correct


def test_contactable_best_unknown_customer_is_not_contactable():
    profiles = pd.concat([PROFILES, pd.DataFrame({"customer_id": [9], "abc_class": ["A"]})])
    # 2 of the 5 class A customers may be solicited; 9 is not in the customers table
    assert check("ch6.contactable_best", 0.4, profiles=profiles, customers=CUSTOMERS).correct


def test_contactable_best_bad_input():
    with pytest.raises(SchemaError, match="customers.opt_out"):
        check("ch6.contactable_best", 0.5, profiles=PROFILES,
              customers=CUSTOMERS.drop(columns="opt_out"))


# ---------------------------------------------------------------------------------------
# ch6.stage_most_needs
# ---------------------------------------------------------------------------------------
def test_stage_most_needs_right_and_wrong():
    profiles = pd.DataFrame({
        "life_stage": ["couple", "couple", "retired", "retired", "retired", "retired"],
        "direct_profit": [100.0, 50.0, 500.0, 400.0, 300.0, 200.0],
        "potential": [0.0] * 6, "n_products": [2, 3, 4, 4, 5, 5],
        "next_need": ["home_cover", "car_cover", "long_term_savings", "", "", ""],
    })
    # couples: 2 of 2 have a need; retired: 1 of 4 (more customers, more needs in number)
    assert check("ch6.stage_most_needs", "couple", profiles=profiles).correct
    assert check("ch6.stage_most_needs", " Couple ", profiles=profiles).correct
    assert_wrong(check("ch6.stage_most_needs", "retired", profiles=profiles), "couple")


# ---------------------------------------------------------------------------------------
# ch6.one_contact_a_month
# ---------------------------------------------------------------------------------------
def contact_inputs():
    customers = pd.DataFrame({
        "customer_id": [1, 2], "preferred_channel": ["mobile", "mobile"],
        "preferred_hour": [10, 10], "contact_consent": [True, False], "opt_out": [False, False],
    })
    proposed = pd.DataFrame({
        "customer_id": [1, 1, 1, 2],
        "channel": ["mobile"] * 4,
        "date": pd.to_datetime(["2025-01-06 10:00", "2025-01-13 10:00", "2025-01-20 10:00",
                                "2025-01-06 10:00"]),
        "offer": ["B_SAVINGS", "I_HOME", "B_CONSUMER", "B_SAVINGS"],
    })
    return proposed, customers


def test_one_contact_a_month_right_and_wrong():
    proposed, customers = contact_inputs()
    policy = ContactPolicy(max_contacts=2)
    # three different offers to customer 1 in January: the cap of one lets one go out;
    # customer 2 gave no consent
    assert check("ch6.one_contact_a_month", 1, proposed=proposed, customers=customers,
                 policy=policy).correct
    # the slip: the chapter's cap of two
    fb = check("ch6.one_contact_a_month", 2, proposed=proposed, customers=customers,
               policy=policy)
    assert_wrong(fb)
    assert "too high" in fb.message


def test_one_contact_a_month_keeps_the_other_rules():
    proposed, customers = contact_inputs()
    # customer 1 is proposed one phone call only; customer 2 gave no consent
    proposed = proposed.iloc[[0, 3]].assign(channel="phone")
    strict = ContactPolicy(max_contacts=3, preferred_channel_only=True)
    assert check("ch6.one_contact_a_month", 0, proposed=proposed, customers=customers,
                 policy=strict).correct
    loose = ContactPolicy(max_contacts=3, preferred_channel_only=False)
    assert check("ch6.one_contact_a_month", 1, proposed=proposed, customers=customers,
                 policy=loose).correct


# ---------------------------------------------------------------------------------------
# ch6.top_rule
# ---------------------------------------------------------------------------------------
def test_top_rule_right_and_wrong():
    recs = pd.DataFrame({
        "customer_id": [1, 2, 3, 4],
        "rule": ["savings_capacity_life"] * 3 + ["birth_health"],
        "expected_value": [10.0, 10.0, 10.0, 50.0],
    })
    # totals: savings capacity 30, birth 50
    assert check("ch6.top_rule", "birth_health", recommendations=recs).correct
    # the slip: the most frequent rule
    assert_wrong(check("ch6.top_rule", "savings_capacity_life", recommendations=recs),
                 "birth_health")
    with pytest.raises(SchemaError, match="recommendations.expected_value"):
        check("ch6.top_rule", "x", recommendations=recs.drop(columns="expected_value"))


# ---------------------------------------------------------------------------------------
# ch6.unmatched_step
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["Evaluate", "évaluer", "Évaluation", " evaluer. "])
def test_unmatched_step_accepts_english_and_french(answer):
    assert check("ch6.unmatched_step", answer).correct


@pytest.mark.parametrize("answer", ["segment", "exchange", "customize"])
def test_unmatched_step_wrong(answer):
    assert_wrong(check("ch6.unmatched_step", answer), "evaluat", "évalu")


# ---------------------------------------------------------------------------------------
# ch6.human_contact_gap (multi-step: the depersonalisation paradox on 1 January 2022)
# ---------------------------------------------------------------------------------------
def human_inputs():
    # customers 1-4 multichannel with few human contacts in 2021 (1 of 5), two of them leave
    # in 2022; customers 5-9 multichannel with many (3 of 4), one leaves; customer 10 is
    # multichannel with a third of human contacts (neither band); 11 uses two channels, few
    # human contacts, and leaves (not multichannel); 12 is multichannel without a contact
    n = 12
    ids = list(range(1, n + 1))
    churn = [None] * n
    for c in (1, 2, 6, 11):
        churn[c - 1] = "2022-06-01"
    customers = pd.DataFrame({
        "customer_id": ids, "n_channels": [3] * 10 + [2, 4],
        "acquisition_date": pd.Timestamp("2015-01-01"),
        "churn_date": pd.to_datetime(churn)})
    rows = []
    for c in ids:
        if c <= 4 or c == 11:
            channels = ["branch"] + ["web"] * 4
        elif c <= 9:
            channels = ["branch", "phone", "phone", "mobile"]
        elif c == 10:
            channels = ["phone", "web", "email"]
        else:
            channels = []
        rows += [(c, ch) for ch in channels]
    interactions = pd.DataFrame(rows, columns=["customer_id", "channel"]).assign(
        date=pd.Timestamp("2021-05-01"))
    transactions = pd.DataFrame({"customer_id": ids, "date": pd.Timestamp("2022-02-01"),
                                 "margin": 10.0})
    return dict(customers=customers, transactions=transactions, interactions=interactions)


def test_human_contact_gap_right_and_wrong():
    inputs = human_inputs()
    # few: 2 of 4 left (0.5); many: 1 of 5 left (0.2); gap 0.3
    assert check("ch6.human_contact_gap", 0.3, **inputs).correct
    # with customer 11 (not multichannel) among the few: 3 of 5 -> 0.4; the reverse order
    for wrong in (0.4, -0.3):
        assert_wrong(check("ch6.human_contact_gap", wrong, **inputs), "0.3")
    # a percentage for a fraction
    assert not check("ch6.human_contact_gap", 30.0, **inputs).correct


def test_human_contact_gap_needs_both_bands():
    inputs = human_inputs()
    inputs["interactions"] = inputs["interactions"].assign(channel="web")
    with pytest.raises(SchemaError, match="bands"):
        check("ch6.human_contact_gap", 0.0, **inputs)
