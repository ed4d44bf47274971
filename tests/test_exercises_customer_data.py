"""Checkers of Chapter 1's exercises: a right answer passes, a typical wrong answer fails
with the exercise's hint, and no message gives the expected value away.

Right answers are computed here by hand on small hand-made tables (or listed from the
datasheet's description of the market), not by calling the checkers' own code."""

from __future__ import annotations

import pandas as pd
import pytest
from _exercise_feedback import assert_wrong  # tests/ helper
from _hand_records import martin_records  # tests/ helper

from crmkit.exercises import check, exercises
from crmkit.idic.identify import resolve_identities
from crmkit.schema import SchemaError


def test_chapter_1_exercises_are_registered():
    assert exercises("ch1.") == sorted([
        "ch1.ground_truth_columns", "ch1.persons_entered_twice", "ch1.customers_at_threshold",
        "ch1.both_divisions_share", "ch1.silent_by_division", "ch1.split_bancassurance"])


def test_ground_truth_columns():
    # the datasheet marks five columns as ground truth: two in customers, two in campaign
    # targets (the true probability of buying with and without the contact), one in records
    right = {"persona", "latent_attitude", "true_customer_id", "p_response_contacted", "p_response_uncontacted"}
    assert check("ch1.ground_truth_columns", right).correct
    assert check("ch1.ground_truth_columns", sorted(right)).correct  # a list is fine
    fb = check("ch1.ground_truth_columns", right - {"true_customer_id"})
    assert_wrong(fb, "true_customer_id")
    assert "1 expected item(s) are missing" in fb.message
    fb = check("ch1.ground_truth_columns", right | {"customer_id"})
    assert_wrong(fb, "persona")
    assert "1 item(s) should not be there" in fb.message


def records():
    # person 1: twice in cards; person 2: once in cards, once in credit;
    # person 3: twice in credit and twice in bank_core (still one person)
    return pd.DataFrame({
        "system": ["cards", "cards", "credit", "cards", "credit", "credit", "bank_core",
                   "bank_core"],
        "true_customer_id": [1, 1, 1, 2, 2, 3, 3, 3],
    })


def test_persons_entered_twice():
    recs = records()
    assert check("ch1.persons_entered_twice", 2, source_records=recs).correct
    # the typical slips: counting (person, system) pairs, or persons in several systems
    assert_wrong(check("ch1.persons_entered_twice", 3, source_records=recs))
    assert "too high" in check("ch1.persons_entered_twice", 3, source_records=recs).message
    # categorical systems (as in the market) count the same
    cat = recs.astype({"system": "category"})
    assert check("ch1.persons_entered_twice", 2, source_records=cat).correct
    with pytest.raises(SchemaError, match="source_records.true_customer_id"):
        check("ch1.persons_entered_twice", 2,
              source_records=recs.drop(columns="true_customer_id"))


def test_customers_at_threshold():
    recs = martin_records()
    # at 16 only r1-r2 (16 points) is linked: Marie is two customers, Paul one
    assert check("ch1.customers_at_threshold", 3, source_records=recs).correct
    # at the default 10 all of Marie's records are linked: the slip of not changing it
    assert_wrong(check("ch1.customers_at_threshold", 2, source_records=recs))
    # the threshold is an input: at 17 nothing is linked
    assert check("ch1.customers_at_threshold", 4, source_records=recs, threshold=17).correct


def unified_view():
    return pd.DataFrame({
        "active_contracts": [3, 2, 0, 1, 4],
        "bank_contracts": [2, 2, 0, 0, 1],
        "insurance_contracts": [1, 0, 0, 1, 3],
    }, index=pd.Index([1, 2, 3, 4, 5], name="resolved_id"))


def test_both_divisions_share():
    view = unified_view()
    # 4 customers with an active contract; customers 1 and 5 hold both divisions
    assert check("ch1.both_divisions_share", 0.5, view=view).correct
    # the slip: dividing by every resolved customer, inactive ones included (2 / 5)
    assert_wrong(check("ch1.both_divisions_share", 0.4, view=view), "0.5")
    pct = check("ch1.both_divisions_share", 50, view=view)
    assert not pct.correct and "scale" in pct.message
    with pytest.raises(SchemaError, match="view.bank_contracts"):
        check("ch1.both_divisions_share", 0.5, view=view.drop(columns="bank_contracts"))
    with pytest.raises(SchemaError, match="no customer with an active contract"):
        check("ch1.both_divisions_share", 0.5, view=view.assign(active_contracts=0))


def division_contracts():
    # on 2024-12-31: customer 1 holds a bank contract opened in 2019 (silent) and an insurance
    # one opened in 2023; customer 2 holds a bank contract of 2015 but opened another in 2023,
    # closed since (not silent: a closed contract is still a purchase); customer 3's policy
    # dates from 2020 and customer 5's from June 2021 (both silent); customer 4 has left.
    contracts = pd.DataFrame({
        "customer_id": [1, 1, 2, 2, 3, 4, 5],
        "product_id": ["B_X", "I_Y", "B_X", "B_X", "I_Y", "B_X", "I_Y"],
        "start_date": pd.to_datetime(["2019-01-01", "2023-06-01", "2015-01-01", "2023-01-01",
                                      "2020-01-01", "2010-01-01", "2021-06-01"]),
        "end_date": pd.to_datetime([None, None, None, "2024-06-01", None, "2020-01-01", None]),
    })
    products = pd.DataFrame({"product_id": ["B_X", "I_Y"], "sector": ["bank", "insurance"]})
    return contracts, products


def test_silent_by_division_right_and_wrong():
    contracts, products = division_contracts()
    right = pd.Series({"bank": 1 / 2, "insurance": 2 / 3})
    assert check("ch1.silent_by_division", right, contracts=contracts,
                 products=products).correct
    assert check("ch1.silent_by_division", right.round(4), contracts=contracts,
                 products=products).correct
    # the slip: the last opening among running contracts only (customer 2 then looks silent)
    fb = check("ch1.silent_by_division", pd.Series({"bank": 1.0, "insurance": 2 / 3}),
               contracts=contracts, products=products)
    assert_wrong(fb)
    assert "1 of 2" in fb.message
    # labels instead of keys as the index
    fb = check("ch1.silent_by_division", pd.Series({"Bank": 0.5, "Insurance": 2 / 3}),
               contracts=contracts, products=products)
    assert not fb.correct and "index" in fb.message
    # another date moves the answer: on 2022-12-31 customer 1's policy does not exist yet
    # and customer 3's is under three years old
    assert check("ch1.silent_by_division", pd.Series({"bank": 1 / 2, "insurance": 0.0}),
                 contracts=contracts, products=products, as_of="2022-12-31").correct
    with pytest.raises(SchemaError, match="products.sector"):
        check("ch1.silent_by_division", right, contracts=contracts,
              products=products.drop(columns="sector"))
    with pytest.raises(SchemaError, match="no contract running"):
        check("ch1.silent_by_division", right, contracts=contracts, products=products,
              as_of="2000-01-01")


def test_split_bancassurance_by_hand():
    recs = martin_records()
    res = resolve_identities(recs)
    # Marie is known to both divisions (bank_core, cards, insurance_auto); Paul to the bank
    # only. At 16 only r1-r2 is linked: Marie's insurance record is cut off, she is split.
    assert check("ch1.split_bancassurance", 1.0, resolution=res, source_records=recs).correct
    # the slip: dividing by every person, Paul included
    assert_wrong(check("ch1.split_bancassurance", 0.5, resolution=res, source_records=recs))
    # at the default threshold (10) her three records are one customer
    assert check("ch1.split_bancassurance", 0.0, resolution=res, source_records=recs,
                 threshold=10).correct
    # at 13, r1-r3 (14.5) still holds the chain together
    assert check("ch1.split_bancassurance", 0.0, resolution=res, source_records=recs,
                 threshold=13).correct
    with pytest.raises(SchemaError, match="no person known to both divisions"):
        bank_only = recs.loc[recs["record_id"] != "r3"]
        check("ch1.split_bancassurance", 0.0, resolution=resolve_identities(bank_only),
              source_records=bank_only)
