"""Checkers of Chapter 7's exercises: a right answer passes, a typical wrong answer fails
with the exercise's hint, and no message gives the expected value away.

Right answers are computed here by hand on small hand-made tables."""

from __future__ import annotations

import pandas as pd
from _exercise_feedback import assert_wrong  # tests/ helper

from crmkit import project
from crmkit.exercises import check, exercises


def test_chapter_7_exercises_are_registered():
    assert exercises("ch7.") == sorted([
        "ch7.churn_per_win", "ch7.red_cells", "ch7.payback_dearer_licences",
        "ch7.exposed_cause", "ch7.loss_ratio_by_product", "ch7.refusal_replacement_cost"])


def test_churn_per_win():
    split = pd.DataFrame({"acquired": [500.0, 100.0, 300.0, 100.0],
                          "churned": [900.0, 80.0, 150.0, 70.0]},
                         index=pd.Index([2019, 2020, 2021, 2024], name="year"))
    # 2020-2024 only: (80 + 150 + 70) / (100 + 300 + 100) = 0.6
    assert check("ch7.churn_per_win", 0.6, split=split).correct
    # the slip: all the years, 2019 included
    assert_wrong(check("ch7.churn_per_win", 1200 / 1000, split=split), "0.6")
    # the inverse ratio
    assert_wrong(check("ch7.churn_per_win", 500 / 300, split=split), "0.6")


def measures():
    return pd.DataFrame({
        "retention_rate": [0.95, 0.925, 0.90],
        "existing_revenue_share": [0.97, 0.97, 0.97],
        "early_churn": [0.05, 0.30, 0.05],
    }, index=pd.Index([2022, 2023, 2024], name="year"))


def test_red_cells():
    # target 0.93, amber within 0.0093: 0.95 green, 0.925 amber, 0.90 red; early churn
    # 0.30 is red against 0.10 (amber up to 0.12): 2 red cells
    assert check("ch7.red_cells", 2, measures=measures()).correct
    # with the default 0.92 target, 0.90 is still red but 0.925 green: the same count
    # here, so check that the checker really uses 0.93 on another table
    m = measures().assign(retention_rate=[0.95, 0.915, 0.95])
    # 0.915: amber against 0.92 (within 0.0092), red against 0.93 (below 0.9207)
    assert check("ch7.red_cells", 2, measures=m).correct
    assert_wrong(check("ch7.red_cells", 1, measures=m))


def cash_flows():
    return pd.DataFrame({
        "year": [0, 0, 1, 1, 2, 2],
        "item": ["licences", "data", "licences", "campaigns", "licences", "campaigns"],
        "kind": ["cost", "cost", "cost", "benefit", "cost", "benefit"],
        "amount": [20.0, 80.0, 20.0, 100.0, 20.0, 100.0],
    })


def test_payback_dearer_licences():
    # licences x 1.5 = 30 a year: net -110, +70, +70; cumulative -110, -40, +30:
    # payback 1 + 40 / 70 (no discounting)
    right = 1 + 40 / 70
    assert check("ch7.payback_dearer_licences", right, cash_flows=cash_flows(),
                 discount_rate=0.0).correct
    # the slip: forgetting to change the licences
    plain = project.programme_roi(cash_flows(), discount_rate=0.0).payback_years
    assert plain == 1 + 20 / 80
    assert_wrong(check("ch7.payback_dearer_licences", plain, cash_flows=cash_flows(),
                       discount_rate=0.0), "1.57")


def test_exposed_cause():
    answers = {f"SF{i:02d}": 4 for i in range(1, 16)} | {"SF08": 1, "SF09": 2, "SF11": 2}
    # insufficient training: SF08, SF09, SF11 -> 5 / 3, the lowest mean
    assert check("ch7.exposed_cause", "insufficient_training", answers=answers).correct
    assert_wrong(check("ch7.exposed_cause", "it_only", answers=answers),
                 "insufficient_training")


def insurer_tables():
    products = pd.DataFrame({"product_id": ["AUTO", "HOME", "LOAN"],
                             "sector": ["insurance", "insurance", "bank"]})
    contracts = pd.DataFrame({"contract_id": [1, 2, 3, 4], "product_id": ["AUTO", "AUTO", "HOME", "LOAN"]})
    when = pd.to_datetime(["2024-01-31", "2024-06-30", "2024-03-31", "2023-12-31", "2024-05-31",
                           "2024-05-31", "2024-07-31"])
    transactions = pd.DataFrame({
        "contract_id": [1, 1, 2, 2, 3, 3, 4], "date": when,
        "kind": ["premium", "claim", "premium", "premium", "premium", "claim", "fee"],
        "amount": [300.0, 240.0, 100.0, 500.0, 200.0, 50.0, 10.0]})
    return contracts, transactions, products


def test_loss_ratio_by_product():
    contracts, transactions, products = insurer_tables()
    # 2024 only: AUTO claims 240 / premiums (300 + 100) = 0.6 (the 2023 premium is out);
    # HOME 50 / 200 = 0.25; the bank's loan is not insurance
    right = pd.Series({"AUTO": 0.6, "HOME": 0.25}).rename_axis("product_id")
    inputs = dict(contracts=contracts, transactions=transactions, products=products)
    assert check("ch7.loss_ratio_by_product", right, **inputs).correct
    # every year pooled: AUTO 240 / 900
    every_year = pd.Series({"AUTO": 240 / 900, "HOME": 0.25})
    assert_wrong(check("ch7.loss_ratio_by_product", every_year, **inputs), "0.6")
    # premiums over claims, and labels instead of keys: the checker names the format
    assert_wrong(check("ch7.loss_ratio_by_product", 1 / right, **inputs))
    labelled = pd.Series({"Car insurance": 0.6, "Home insurance": 0.25})
    fb = check("ch7.loss_ratio_by_product", labelled.rename({"Car insurance": "AUTO"}), **inputs)
    assert not fb.correct  # a made-up key is not a label of the data's keys


def test_refusal_replacement_cost():
    # 4 insurer customers observed 2020-2024; two had a refused claim in 2022, one of whom
    # left within the year after it; of the two without incident, none left
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5], "sector": ["insurance"] * 4 + ["bank"],
        "acquisition_date": pd.to_datetime(["2015-01-01"] * 5),
        "churn_date": pd.to_datetime(["2022-09-01", None, None, None, "2022-08-01"])})
    incidents = pd.DataFrame({"incident_id": [1, 2, 3], "customer_id": [1, 2, 5],
                              "date": pd.to_datetime(["2022-06-01", "2022-06-01", "2022-06-01"]),
                              "type": ["claim_refused", "claim_refused", "claim_refused"],
                              "response": ["exit", "complaint", "exit"]})
    # within the window after a refusal: 1 of 2 left (0.5); no departure without incident
    # (0.0); customer 5 is the bank's and must not count (with it: 2 of 3)
    expected = (0.5 - 0.0) * 100 * 300.0
    inputs = dict(customers=customers, incidents=incidents, acquisition_cost=300.0)
    assert check("ch7.refusal_replacement_cost", expected, **inputs).correct
    # per refusal, not per 100: a hundred times too small, said as such
    fb = check("ch7.refusal_replacement_cost", expected / 100, **inputs)
    assert_wrong(fb)
    assert "a hundred times too small" in fb.message
