"""Checkers of Chapter 2's exercises: a right answer passes, a typical wrong answer fails
with the exercise's hint, and no message gives the expected value away.

Right answers are computed here by hand (or by another route than the checker's) on small
hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest
from _exercise_feedback import assert_wrong  # tests/ helper

from crmkit import loyalty
from crmkit.exercises import check, exercises
from crmkit.schema import SchemaError


def test_chapter_2_exercises_are_registered():
    assert exercises("ch2.") == sorted([
        "ch2.spurious_gap", "ch2.riskiest_incident", "ch2.cost_ratio_all_contacts",
        "ch2.tap_to_match", "ch2.oliver_phase", "ch2.failure_exit_by_type"])


# ---------------------------------------------------------------------------------------
# ch2.spurious_gap
# ---------------------------------------------------------------------------------------
def typology_inputs():
    measures = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 6, 7, 8],
        "relative_attitude": [6.5, 6.0, 5.5, 3.0, 4.0, 6.2, 2.0, 5.0],
        "repeat_rate": [0.6, 0.5, 0.6, 0.7, 0.5, 0.1, 0.2, 0.3],
    })
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 6, 7, 8],
        "churn_date": pd.to_datetime([None, "2021-01-01", "2022-01-01", "2023-01-01", None,
                                      None, "2020-06-01", None]),
    })
    return measures, customers


def test_spurious_gap_right_and_wrong():
    measures, customers = typology_inputs()
    # median repeat rate 0.5; attitude >= 6: true loyalty = {1, 2} (1 of 2 leaves),
    # spurious = {3, 4, 5} (2 of 3 leave): gap 2/3 - 1/2
    right = 2 / 3 - 1 / 2
    assert check("ch2.spurious_gap", right, measures=measures, customers=customers).correct
    assert check("ch2.spurious_gap", round(right, 3), measures=measures,
                 customers=customers).correct
    # the typical slip: keeping the default threshold 5 swaps customer 3 into true loyalty
    wrong = loyalty.dick_basu(measures, attitude_threshold=5.0)
    assert set(wrong.loc[wrong["loyalty_type"] == "true_loyalty", "customer_id"]) == {1, 2, 3}
    fb = check("ch2.spurious_gap", 1 / 2 - 2 / 3, measures=measures, customers=customers)
    assert_wrong(fb, "0.16", "0.17")
    pct = check("ch2.spurious_gap", 100 * right, measures=measures, customers=customers)
    assert not pct.correct and "scale" in pct.message


# ---------------------------------------------------------------------------------------
# ch2.riskiest_incident
# ---------------------------------------------------------------------------------------
def incident_inputs():
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3, 4],
        "acquisition_date": pd.to_datetime(["2020-01-01"] * 4),
        "churn_date": pd.to_datetime(["2021-02-01", "2021-12-01", "2021-12-01", None]),
    })
    incidents = pd.DataFrame({
        "customer_id": [1, 2, 3],
        "date": pd.to_datetime(["2021-01-01"] * 3),
        "type": ["price_rise", "competitor_offer", "competitor_offer"],
        "response": ["none", "complaint", "negotiation"],
    })
    return customers, incidents


def test_riskiest_incident_is_a_rate_not_a_count():
    customers, incidents = incident_inputs()
    # price rise: 1 departure in 31 days of exposure; competitor offer: 2 departures
    # in 2 x 334 days. More departures after competitor offers, a higher rate after the
    # price rise.
    assert 1 / 31 > 2 / (2 * 334)
    fb = check("ch2.riskiest_incident", "Price rise", customers=customers, incidents=incidents)
    assert not fb.correct  # the label is not the key the exercise asks for...
    assert check("ch2.riskiest_incident", "price_rise", customers=customers,
                 incidents=incidents).correct
    wrong = check("ch2.riskiest_incident", "competitor_offer", customers=customers,
                  incidents=incidents)
    assert_wrong(wrong, "price_rise")
    assert not check("ch2.riskiest_incident", 3, customers=customers,
                     incidents=incidents).correct


# ---------------------------------------------------------------------------------------
# ch2.cost_ratio_all_contacts
# ---------------------------------------------------------------------------------------
def cost_inputs():
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3],
        "acquisition_date": pd.to_datetime(["2019-05-01", "2019-06-01", "2020-03-01"]),
        "churn_date": pd.to_datetime([None, None, None]),
        "acquisition_cost": [150.0, 250.0, 200.0],
    })
    interactions = pd.DataFrame({
        "customer_id": [1, 2, 1],
        "reason": ["retention", "service", "sale"],
        "cost": [20.0, 30.0, 50.0],
        "date": pd.to_datetime(["2020-01-15", "2020-06-01", "2020-12-15"]),
    })
    return customers, interactions


def test_cost_ratio_all_contacts_right_and_wrong():
    customers, interactions = cost_inputs()
    # 2020: one customer won for 200; two customers kept; retention + service = 50 euros,
    # 25 per customer kept -> 8; counting retention contacts only gives 200 / 10 = 20
    assert check("ch2.cost_ratio_all_contacts", 8.0, customers=customers,
                 interactions=interactions).correct
    fb = check("ch2.cost_ratio_all_contacts", 20.0, customers=customers,
               interactions=interactions)
    assert_wrong(fb, "8.0")
    assert "too high" in fb.message


# ---------------------------------------------------------------------------------------
# ch2.tap_to_match
# ---------------------------------------------------------------------------------------
def stock_after(params, retention_rate, acquired, periods=10):
    return float(loyalty.bathtub(periods, initial_customers=params.end_stock,
                                 acquired=acquired,
                                 retention_rate=retention_rate)["end_stock"].iloc[-1])


def test_tap_to_match_against_a_simulation_search():
    p = loyalty.BathtubParameters(2024, 1000.0, 1000.0, 100.0, 0.9, 400.0, 200.0, 10.0)
    target = stock_after(p, 0.95, p.acquired)
    lo, hi = p.acquired, 10 * p.acquired  # bisection on the inflow, with the simulator
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if stock_after(p, 0.9, mid) < target else (lo, mid)
    extra = lo - p.acquired
    assert extra > 0
    assert check("ch2.tap_to_match", extra, params=p).correct
    assert check("ch2.tap_to_match", extra + 0.8, params=p).correct  # within a customer
    # a typical slip: the total inflow instead of the customers to add
    fb = check("ch2.tap_to_match", lo, params=p)
    assert_wrong(fb, f"{extra:.0f}")
    # other horizons are checked too
    five = check("ch2.tap_to_match", extra, params=p, periods=5)
    assert not five.correct


# ---------------------------------------------------------------------------------------
# ch2.oliver_phase
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["conative", "Conative loyalty", "fidélité conative",
                                    "  Fidelite Conative. ", "conatif"])
def test_oliver_phase_accepts_both_languages(answer):
    assert check("ch2.oliver_phase", answer).correct


@pytest.mark.parametrize("answer", ["action", "affective loyalty", "cognitive", ""])
def test_oliver_phase_wrong_answers_get_the_hint(answer):
    assert_wrong(check("ch2.oliver_phase", answer), "conati")


def test_oliver_phase_answer_is_not_stored_in_clear():
    import inspect

    from crmkit.exercises import loyalty as ch2_module

    assert "conati" not in inspect.getsource(ch2_module).lower()


# ---------------------------------------------------------------------------------------
# ch2.failure_exit_by_type
# ---------------------------------------------------------------------------------------
def failure_inputs():
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5],
        "churn_date": pd.to_datetime(["2021-03-01", None, "2023-06-01", "2021-01-10", None]),
    })
    incidents = pd.DataFrame({
        "customer_id": [1, 2, 3, 3, 4, 5, 1],
        "date": pd.to_datetime(["2021-01-15", "2020-05-01", "2021-01-01", "2023-01-01",
                                "2021-01-10", "2024-03-01", "2019-06-01"]),
        "type": ["service_failure", "claim_refused", "service_failure", "claim_refused",
                 "service_failure", "service_failure", "service_failure"],
    })
    typology = pd.DataFrame({
        "customer_id": [1, 2, 3, 4],
        "loyalty_type": pd.Categorical(
            ["true_loyalty", "true_loyalty", "spurious_loyalty", "no_loyalty"],
            categories=["true_loyalty", "latent_loyalty", "spurious_loyalty", "no_loyalty"]),
    })
    return incidents, customers, typology


def test_failure_exit_by_type_by_hand():
    incidents, customers, typology = failure_inputs()
    # kept (after 2019-12-31, up to 2023-12-31, typed customers): customer 1's failure of
    # 2021-01-15 (left 45 days later: flagged), customer 2's refused claim (never left),
    # customer 3's failure of 2021 (left 2.4 years later: not flagged) and refused claim of
    # 2023-01-01 (left 151 days later: flagged), customer 4's failure on the day he left
    # (flagged). Customer 5 has no type and his incident is too late; customer 1's 2019
    # failure is before the snapshot.
    right = pd.Series({"true_loyalty": 1 / 2, "spurious_loyalty": 1 / 2, "no_loyalty": 1.0})
    inputs = dict(incidents=incidents, customers=customers, typology=typology)
    assert check("ch2.failure_exit_by_type", right, **inputs).correct
    # the slip: a share of customers, not of incidents (customer 3 counted once, as a leaver)
    fb = check("ch2.failure_exit_by_type",
               pd.Series({"true_loyalty": 1 / 2, "spurious_loyalty": 1.0, "no_loyalty": 1.0}),
               **inputs)
    assert_wrong(fb)
    # the slip: forgetting the snapshot date adds customer 1's 2019 failure (not followed by
    # a departure within a year)
    fb = check("ch2.failure_exit_by_type",
               pd.Series({"true_loyalty": 1 / 3, "spurious_loyalty": 1 / 2, "no_loyalty": 1.0}),
               **inputs)
    assert not fb.correct
    # percentages instead of fractions
    assert not check("ch2.failure_exit_by_type", 100 * right, **inputs).correct
    # a longer window flags customer 3's 2021 failure too
    assert check("ch2.failure_exit_by_type",
                 pd.Series({"true_loyalty": 1 / 2, "spurious_loyalty": 1.0, "no_loyalty": 1.0}),
                 window_days=1000, **inputs).correct
    with pytest.raises(SchemaError, match="no failure of a typed customer"):
        check("ch2.failure_exit_by_type", right, incidents=incidents,
              customers=customers, typology=typology.iloc[0:0])
    with pytest.raises(SchemaError, match="incidents.type"):
        check("ch2.failure_exit_by_type", right, incidents=incidents.drop(columns="type"),
              customers=customers, typology=typology)
