"""Last-touch attribution (chapter 5, "Many channels"): each sale goes to the last
marketing contact within the window, sales at acquisition are not sales of a campaign,
and bad input is refused with one clear error."""

from __future__ import annotations

import pandas as pd
import pytest

from crmkit.campaigns import last_touch_attribution
from crmkit.schema import SchemaError


def _tables():
    contracts = pd.DataFrame({
        "contract_id": [10, 11, 20, 30, 40],
        "customer_id": [1, 1, 2, 3, 4],
        "product_id": ["B_SAVINGS", "I_HOME", "I_HOME", "B_CURRENT", "B_CARD"],
        "start_date": pd.to_datetime(["2024-03-10", "2024-06-01", "2024-03-10", "2024-02-01",
                                      "2024-05-31"]),
    })
    interactions = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 4, 4, 4],
        "date": pd.to_datetime(["2024-02-20", "2024-03-01", "2024-03-11", "2024-01-30",
                                "2024-05-01", "2024-05-20", "2024-05-31"]),
        "channel": ["mail", "email", "phone", "phone", "mail", "branch", "web"],
        "direction": ["outbound", "outbound", "outbound", "outbound", "outbound", "outbound",
                      "inbound"],
        "reason": ["sale", "sale", "sale", "sale", "sale", "service", "sale"],
    })
    customers = pd.DataFrame({"customer_id": [1, 2, 3, 4], "acquisition_date": pd.to_datetime(
        ["2019-05-01", "2021-07-01", "2024-02-01", "2020-01-01"])})
    return contracts, interactions, customers


def test_last_touch_by_hand():
    # 10: mail then e-mail before it, the phone call the day after does not count -> email
    # 11: 82 days after the last touch -> none; 20: 40 days after the call -> none
    # 30: opened the day the customer was won -> not a sale; 40: the last touch within the
    # window is the mail of 1 May (the branch visit is service, the web visit is inbound)
    out = last_touch_attribution(*_tables())
    assert out["contract_id"].tolist() == [10, 11, 20, 40]
    assert out["touch_channel"].tolist() == ["email", "none", "none", "mail"]
    assert out.loc[0, "touch_date"] == pd.Timestamp("2024-03-01")
    assert out["touch_date"].isna().tolist() == [False, True, True, False]


def test_the_window_is_inclusive_and_can_be_widened():
    contracts, interactions, customers = _tables()
    wide = last_touch_attribution(contracts, interactions, customers, window_days=40)
    assert wide.set_index("contract_id").loc[20, "touch_channel"] == "phone"  # 40 days exactly
    narrow = last_touch_attribution(contracts, interactions, customers, window_days=9)
    assert narrow.set_index("contract_id").loc[10, "touch_channel"] == "email"  # 9 days exactly
    same_day = last_touch_attribution(contracts, interactions, customers, window_days=0)
    assert (same_day["touch_channel"] == "none").all()


def test_start_and_end_select_the_sales():
    out = last_touch_attribution(*_tables(), start="2024-04-01", end="2024-06-01")
    assert out["contract_id"].tolist() == [40]


def test_bad_input():
    contracts, interactions, customers = _tables()
    with pytest.raises(SchemaError, match="customer_id"):
        last_touch_attribution(contracts, interactions, customers.iloc[1:])
    with pytest.raises(SchemaError, match="direction"):
        last_touch_attribution(contracts, interactions.assign(direction="sideways"), customers)
    with pytest.raises(SchemaError, match="start_date"):
        last_touch_attribution(contracts.drop(columns="start_date"), interactions, customers)
    with pytest.raises(ValueError, match="window_days"):
        last_touch_attribution(contracts, interactions, customers, window_days=-1)
    with pytest.raises(ValueError, match="window_days"):
        last_touch_attribution(contracts, interactions, customers, window_days=2.5)
    with pytest.raises(ValueError, match="before"):
        last_touch_attribution(contracts, interactions, customers, start="2025-01-01",
                               end="2024-01-01")


# ---------------------------------------------------------------------------------------
# multichannel_customers
# ---------------------------------------------------------------------------------------
from crmkit.campaigns import multichannel_customers  # noqa: E402


def _base():
    cu = pd.DataFrame({
        "customer_id": [1, 2, 3, 4],
        "n_channels": [4, 1, 3, 2],
        "acquisition_date": pd.to_datetime(["2019-01-01", "2018-06-01", "2024-05-01",
                                            "2020-01-01"]),
        "churn_date": pd.to_datetime([None, "2024-03-15", None, "2025-01-01"]),
    })
    tx = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 4],
        "date": pd.to_datetime(["2023-12-01", "2024-02-01", "2024-12-01", "2024-02-01",
                                "2025-01-01"]),
        "margin": [100.0, 30.0, -10.0, 5.0, 50.0],
    })
    it = pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 4],
        "date": pd.to_datetime(["2022-12-31", "2023-01-01", "2023-06-01", "2024-01-01",
                                "2023-03-01"]),
        "channel": ["branch", "phone", "web", "branch", "mobile"],
    })
    return cu, tx, it


def test_multichannel_customers_by_hand():
    # on 1 Jan 2024: customers 1, 2, 4 are active (3 arrives in May); margins of 2024 only
    # (1: 30 - 10; 4's transaction is on 1 Jan 2025, outside); 2 leaves in March, 4 on
    # 1 Jan 2025 (outside the year); contacts of 2023 only: 1 has phone + web (the visit of
    # 31 Dec 2022 and that of 1 Jan 2024 are outside), 4 has one app contact
    out = multichannel_customers(*_base(), "2024-01-01").set_index("customer_id")
    assert out.index.tolist() == [1, 2, 4]
    assert out["multichannel"].tolist() == [True, False, False]
    assert out["margin"].tolist() == [20.0, 5.0, 0.0]
    assert out["left"].tolist() == [False, True, False]
    assert out["contacts"].tolist() == [2, 0, 1]
    assert out.loc[1, "human_share"] == 0.5 and out.loc[4, "human_share"] == 0.0
    assert pd.isna(out.loc[2, "human_share"])
    # three channels make a multichannel customer; two may, with min_channels=2
    assert multichannel_customers(*_base(), "2024-06-01").set_index(
        "customer_id").loc[3, "multichannel"]
    assert multichannel_customers(*_base(), "2024-01-01", min_channels=2)[
        "multichannel"].tolist() == [True, False, True]


def test_multichannel_customers_bad_input():
    cu, tx, it = _base()
    with pytest.raises(SchemaError, match="n_channels"):
        multichannel_customers(cu.drop(columns="n_channels"), tx, it, "2024-01-01")
    with pytest.raises(SchemaError, match="customer_id"):
        multichannel_customers(pd.concat([cu, cu.iloc[:1]]), tx, it, "2024-01-01")
    with pytest.raises(SchemaError, match="active"):
        multichannel_customers(cu, tx, it, "2010-01-01")
    with pytest.raises(ValueError, match="months"):
        multichannel_customers(cu, tx, it, "2024-01-01", months=0)
    with pytest.raises(SchemaError, match="channel"):
        multichannel_customers(cu, tx, it.assign(channel="pigeon"), "2024-01-01")
