"""crmkit.segmentation.features: hand-made tables with known answers, boundaries, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmkit.schema import SchemaError
from crmkit.segmentation.features import customer_features

DAY = pd.Timestamp("2024-01-01")


def _tables():
    customers = pd.DataFrame({
        "customer_id": [3, 1, 2, 4, 5],
        "birth_date": pd.to_datetime(["1974-01-01", "1994-01-01", "1964-01-01", "2000-01-01",
                                      "1990-01-01"]),
        "acquisition_date": pd.to_datetime(["2014-01-01", "2020-01-01", "2004-01-01",
                                            "2024-01-01", "2018-01-01"]),
        # 4 is acquired on the snapshot day (active that day), 3 leaves on it (no longer
        # active: crmkit.market's [acquisition, churn) rule); 5 left before it
        "churn_date": pd.to_datetime(["2024-01-01", None, None, None, "2023-06-30"]),
        "income": [50e3, 20e3, 80e3, 10e3, 30e3],
    })
    products = pd.DataFrame({"product_id": ["B_CURRENT", "B_SAVINGS", "I_AUTO", "I_HOME"],
                             "sector": ["bank", "bank", "insurance", "insurance"]})
    contracts = pd.DataFrame({
        "contract_id": [1, 2, 3, 4, 5, 6],
        "customer_id": [1, 1, 2, 2, 2, 3],
        "product_id": ["B_CURRENT", "B_CURRENT", "I_AUTO", "I_HOME", "B_SAVINGS", "I_AUTO"],
        # customer 1 holds the same product twice (counts once); 2's home cover ended the
        # day before the snapshot, 2's savings start on it (running: [start, end))
        "start_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2010-01-01", "2010-01-01",
                                      "2024-01-01", "2015-01-01"]),
        "end_date": pd.to_datetime([None, None, None, "2023-12-31", None, None]),
    })
    transactions = pd.DataFrame({
        "customer_id": [1, 1, 2, 2, 2, 2, 3],
        "contract_id": [1, 1, 3, 3, 3, 5, 6],
        "date": pd.to_datetime(["2023-01-01", "2024-01-01", "2023-06-01", "2023-07-01",
                                "2022-12-31", "2023-09-01", "2023-02-01"]),
        "kind": ["fee", "fee", "premium", "claim", "premium", "deposit", "interest_margin"],
        "amount": [10.0, 99.0, 40.0, 300.0, 1000.0, 500.0, 7.0],
    })
    interactions = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 3],
        "channel": ["web", "mobile", "branch", "phone", "email"],
        "date": pd.to_datetime(["2023-03-01", "2023-04-01", "2023-05-01", "2022-06-01",
                                "2023-12-31 18:00:00"], format="ISO8601"),
    })
    return customers, contracts, products, transactions, interactions


def test_hand_computed_features():
    f = customer_features(*_tables(), as_of=DAY)
    # 4 is acquired on the day (a customer from that day), 3 leaves on it, 5 left before:
    # 1, 2, 4 remain, sorted
    assert f["customer_id"].tolist() == [1, 2, 4]
    f = f.set_index("customer_id")
    assert f.loc[1, "age"] == pytest.approx(30.0, abs=0.01)
    assert f.loc[2, "tenure"] == pytest.approx(20.0, abs=0.01)
    assert f.loc[4, "tenure"] == 0.0
    # products running on the day: 1 one current account (held twice), 2 auto and savings
    # (home ended the day before, savings starts on the day), 4 none yet
    assert f.loc[1, "bank_products"] == 1 and f.loc[1, "insurance_products"] == 0
    assert f.loc[2, "bank_products"] == 1 and f.loc[2, "insurance_products"] == 1
    assert f.loc[4, "bank_products"] == 0 and f.loc[4, "insurance_products"] == 0
    # window [2023-01-01, 2024-01-01): 1's fee of the day itself is out, 2's premium of
    # 2022-12-31 is out; the deposit and the claim are not revenue
    assert f.loc[1, "revenue"] == 10.0
    assert f.loc[2, "revenue"] == 40.0
    assert f.loc[2, "claims"] == 300.0 and f.loc[2, "deposits"] == 500.0
    assert f.loc[4, "revenue"] == 0.0
    # contacts in the window: 1 has three (two digital), 2's is too old
    assert f.loc[1, "contacts"] == 3 and f.loc[1, "digital_share"] == pytest.approx(2 / 3)
    assert f.loc[2, "contacts"] == 0 and f.loc[2, "digital_share"] == 0.0


def test_longer_window_and_custom_kinds():
    f = customer_features(*_tables(), as_of=DAY, years=2, revenue_kinds=["premium"],
                          digital_channels=["web"]).set_index("customer_id")
    assert f.loc[2, "revenue"] == 1040.0  # both premiums now in the window
    assert f.loc[1, "revenue"] == 0.0  # fees no longer count
    assert f.loc[2, "contacts"] == 1
    assert f.loc[1, "digital_share"] == pytest.approx(1 / 3)


def test_columns_and_no_missing_values():
    f = customer_features(*_tables(), as_of=DAY)
    assert list(f.columns) == ["customer_id", "age", "tenure", "income", "bank_products",
                               "insurance_products", "revenue", "claims", "deposits",
                               "contacts", "digital_share"]
    assert not f.isna().any().any()
    assert (f["digital_share"].between(0, 1)).all()


def test_bad_input():
    customers, contracts, products, transactions, interactions = _tables()
    with pytest.raises(SchemaError, match="contracts.product_id"):
        customer_features(customers, contracts, products.iloc[:2], transactions, interactions,
                          as_of=DAY)
    bad = transactions.assign(amount=transactions["amount"] * np.r_[1, 1, -1, 1, 1, 1, 1])
    with pytest.raises(SchemaError, match="transactions.amount"):
        customer_features(customers, contracts, products, bad, interactions, as_of=DAY)
    # a contact logged twice would be counted twice
    keyed = interactions.assign(interaction_id=range(len(interactions)))
    with pytest.raises(SchemaError, match="interactions.interaction_id.*duplicated key"):
        customer_features(customers, contracts, products, transactions,
                          pd.concat([keyed, keyed.iloc[[0]]]), as_of=DAY)
    with pytest.raises(SchemaError, match="customers.income"):
        customer_features(customers.drop(columns="income"), contracts, products, transactions,
                          interactions, as_of=DAY)
    with pytest.raises(SchemaError, match="no customer is active"):
        customer_features(customers, contracts, products, transactions, interactions,
                          as_of="1999-01-01")
    with pytest.raises(ValueError, match="years"):
        customer_features(customers, contracts, products, transactions, interactions,
                          as_of=DAY, years=0)
    with pytest.raises(ValueError, match="as_of"):
        customer_features(customers, contracts, products, transactions, interactions,
                          as_of="not a date")


def test_course_sample_market():
    from crmkit.datasets import load_sample

    m = load_sample()
    day = pd.Timestamp("2017-01-01")
    f = customer_features(m.customers, m.contracts, m.products, m.transactions,
                          m.interactions, as_of=day)
    # written out here as an independent check of crmkit.market's rule
    active = (m.customers["acquisition_date"] <= day) & (
        m.customers["churn_date"].isna() | (m.customers["churn_date"] > day))
    assert len(f) == int(active.sum())
    assert f["customer_id"].is_monotonic_increasing
    # revenue is the sum of the year's premiums, fees and interest margins of those customers
    tx = m.transactions
    window = tx[(tx["date"] >= "2016-01-01") & (tx["date"] < day)
                & tx["kind"].isin(["premium", "fee", "interest_margin"])
                & tx["customer_id"].isin(f["customer_id"])]
    assert f["revenue"].sum() == pytest.approx(window["amount"].sum())
