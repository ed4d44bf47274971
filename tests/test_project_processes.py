"""crmkit.project.process_measures: the insurer's four customer processes, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmkit import project
from crmkit.schema import SchemaError


def tables():
    products = pd.DataFrame({"product_id": ["AUTO", "HOME", "LOAN"],
                             "sector": ["insurance", "insurance", "bank"]})
    contracts = pd.DataFrame({
        "contract_id": [1, 2, 3, 4, 5], "customer_id": [10, 10, 11, 12, 11],
        "product_id": ["AUTO", "HOME", "AUTO", "AUTO", "LOAN"],
        "start_date": pd.to_datetime(["2023-02-01", "2024-03-01", "2024-04-01", "2024-05-01",
                                      "2023-01-01"])})
    transactions = pd.DataFrame({
        "contract_id": [1, 1, 2, 3, 3, 4, 5],
        "date": pd.to_datetime(["2023-06-30", "2024-06-30", "2024-06-30", "2024-06-30",
                                "2024-08-31", "2024-06-30", "2024-06-30"]),
        "kind": ["premium", "premium", "premium", "premium", "claim", "premium", "fee"],
        "amount": [400.0, 400.0, 200.0, 300.0, 450.0, 100.0, 9.0]})
    interactions = pd.DataFrame({
        "customer_id": [10, 11, 11, 99], "reason": ["claim", "claim", "sale", "claim"],
        "date": pd.to_datetime(["2024-02-01", "2024-08-01", "2024-09-01", "2024-08-01"])})
    incidents = pd.DataFrame({"customer_id": [11, 10], "type": ["claim_refused", "price_rise"],
                              "date": pd.to_datetime(["2024-08-15", "2024-03-01"])})
    campaigns = pd.DataFrame({
        "campaign_id": [1, 2, 3], "product_id": ["HOME", "LOAN", "AUTO"],
        "trigger": ["none", "none", "churn_risk"],
        "start_date": pd.to_datetime(["2024-02-01", "2024-02-01", "2024-03-01"]),
        "test_share": [0.5, 0.5, 0.5]})
    group = ["test"] * 4 + ["control"] * 4
    targets = pd.DataFrame({
        "campaign_id": [1] * 8 + [2] * 8 + [3] * 8, "customer_id": list(range(24)),
        "group": group * 3, "responded": False,
        "converted": [True, True, True, False, True, False, False, False]      # HOME: 3/4 vs 1/4
                     + [True, False, False, False, True, True, True, True]     # the bank's
                     + [True] * 4 + [False] * 4})                              # retention calls
    return products, contracts, transactions, interactions, incidents, campaigns, targets


def test_process_measures_by_hand():
    m = project.process_measures(*tables())
    assert list(m.index) == [2023, 2024]  # the years of the insurer's transactions
    y = m.loc[2024]
    # pricing: claims 450 / premiums 400 + 200 + 300 + 100 = 0.45 (the loan's fee is not insurance)
    assert y["loss_ratio"] == pytest.approx(0.45)
    assert m.loc[2023, "loss_ratio"] == 0.0  # premiums, no claim
    # distribution: 3 insurance contracts started in 2024; only customer 10's home cover
    # went to a customer who already held one (customer 11's loan is the bank's)
    assert y["contracts_sold"] == 3
    assert y["sold_to_existing_share"] == pytest.approx(1 / 3)
    # claims: customers 10 and 11 declared one each (99 holds no insurance); one refusal
    assert y["claims_declared"] == 2
    assert y["refused_claim_share"] == pytest.approx(0.5)
    # marketing: the HOME campaign only (the bank's is another sector, retention calls are out)
    assert y["campaign_lift"] == pytest.approx(3.0)
    assert np.isnan(m.loc[2023, "campaign_lift"])
    assert set(m.columns) == set(project.PROCESS_OF)


def test_process_measures_of_the_bank():
    bank = project.process_measures(*tables(), sector="bank")
    assert bank["loss_ratio"].isna().all()  # no premium: no loss ratio
    assert bank.loc[2024, "campaign_lift"] == pytest.approx(0.25 / 1.0)


def test_process_measures_bad_input():
    products, contracts, transactions, *rest = tables()
    with pytest.raises(ValueError, match="no product of sector 'health'"):
        project.process_measures(products, contracts, transactions, *rest, sector="health")
    negative = transactions.assign(amount=-transactions["amount"])
    with pytest.raises(SchemaError, match="transactions.*amount"):
        project.process_measures(products, contracts, negative, *rest)
    with pytest.raises(SchemaError, match="contracts.*start_date"):
        project.process_measures(products, contracts.drop(columns="start_date"), transactions, *rest)
