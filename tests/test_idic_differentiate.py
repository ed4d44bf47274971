"""Differentiate: value and needs profiles built on crmkit.value and crmkit.segmentation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmkit.idic import customer_profiles, profile_summary, recommend_offers
from crmkit.idic.customize import DEFAULT_RULES
from crmkit.schema import SchemaError

DAY = pd.Timestamp("2024-01-01")


def _small():
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5],
        "life_stage": ["family"] * 5,
        "income": [30e3, 35e3, 40e3, 90e3, 50e3],
        "birth_date": pd.to_datetime(["1980-01-01"] * 5),
        "acquisition_date": pd.to_datetime(["2010-01-01"] * 4 + ["2024-06-01"]),  # 5: future
        "churn_date": pd.to_datetime([None, None, None, None, None]),
        "preferred_channel": ["web"] * 5, "preferred_hour": [9] * 5,
        "contact_consent": [True] * 5, "opt_out": [False] * 5,
    })
    tx = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 1],
        "kind": ["premium"] * 5,
        "margin": [900.0, 300, 100, 50, 5000],
        "date": pd.to_datetime(["2023-06-01"] * 4 + ["2022-06-01"]),  # last one: too old
    })
    it = pd.DataFrame({"customer_id": [1, 3], "channel": ["branch", "phone"],
                       "cost": [100.0, 6.0], "date": pd.to_datetime(["2023-05-01"] * 2)})
    contracts = pd.DataFrame({
        "contract_id": [1, 2, 3], "customer_id": [1, 1, 2],
        "product_id": ["B_CURRENT", "I_AUTO", "I_AUTO"],
        "start_date": pd.to_datetime(["2015-01-01"] * 3),
        "end_date": pd.to_datetime([None, None, "2020-01-01"]),
    })
    products = pd.DataFrame({"product_id": ["B_CURRENT", "I_AUTO", "I_HOME"],
                             "sector": ["bank", "insurance", "insurance"],
                             "monthly_price": [8.0, 50.0, 22.0]})
    events = pd.DataFrame({"customer_id": [3], "date": pd.to_datetime(["2023-09-01"]),
                           "event": ["marriage"], "stage_before": ["single"],
                           "stage_after": ["family"]})
    return customers, tx, it, contracts, products, events


def test_profiles_by_hand():
    customers, tx, it, contracts, products, events = _small()
    rules = DEFAULT_RULES[DEFAULT_RULES["event"] == "marriage"]
    p = customer_profiles(customers, tx, it, contracts, products, events, DAY, rules=rules,
                          abc_shares=(0.25, 0.25, 0.5)).set_index("customer_id")
    assert p.index.tolist() == [1, 2, 3, 4]  # customer 5 is not a customer yet
    # direct profit over the last year: margin - direct cost to serve
    assert p["direct_profit"].tolist() == [800.0, 300.0, 94.0, 50.0]
    # potential: gap in margin to the 75th percentile of the peers' margins,
    # [50, 100, 300, 900] -> 300 + 0.25 * (900 - 300) = 450; margins 900, 300, 100, 50
    assert p["commercial_margin"].tolist() == [900.0, 300.0, 100.0, 50.0]
    assert p["wallet_margin"].tolist() == [900.0, 300.0, 100.0, 50.0]  # no claim here
    assert p["potential"].tolist() == pytest.approx([0.0, 150.0, 350.0, 400.0])
    assert p["value"].tolist() == pytest.approx([800.0, 450.0, 444.0, 450.0])
    assert p["abc_class"].tolist() == ["A", "B", "C", "C"]
    assert p["n_products"].tolist() == [2, 0, 0, 0]
    assert (p.loc[1, "bank_products"], p.loc[1, "insurance_products"]) == (1, 1)
    assert p.loc[1, "products_held"] == "B_CURRENT|I_AUTO"
    # customer 3 married four months ago: home and second-car cover, car first (144 > 95)
    assert p.loc[3, "open_needs"] == "car_cover|home_cover"
    assert p.loc[3, "next_need"] == "car_cover"
    assert p.loc[3, "next_offer_value"] == pytest.approx(0.08 * 50 * 36)
    assert p.loc[1, "open_needs"] == ""
    # every customer gets a strategy of the value matrix
    assert p["strategy"].notna().all() and p["quadrant"].notna().all()


def test_cost_to_serve_and_claims_create_no_potential():
    # issue 17: potential measured as a gap in *profit* gave a loss-maker the cost of its
    # own contacts and claims as potential (and moved the peers' benchmark)
    customers, tx, it, contracts, products, events = _small()
    rules = DEFAULT_RULES[DEFAULT_RULES["event"] == "marriage"]
    kw = dict(rules=rules, abc_shares=(0.25, 0.25, 0.5))
    base = customer_profiles(customers, tx, it, contracts, products, events, DAY, **kw)
    branch = pd.DataFrame({"customer_id": [2], "channel": ["branch"],
                           "cost": [500.0], "date": pd.to_datetime(["2023-07-01"])})
    claim = pd.DataFrame({"customer_id": [4], "kind": ["claim"], "margin": [-300.0],
                          "date": pd.to_datetime(["2023-08-01"])})
    dear = customer_profiles(customers, pd.concat([tx, claim], ignore_index=True),
                             pd.concat([it, branch], ignore_index=True),
                             contracts, products, events, DAY, **kw)
    assert dear["direct_profit"].tolist() == [800.0, -200.0, 94.0, -250.0]
    assert dear["potential"].tolist() == base["potential"].tolist()  # 0, 150, 350, 400
    # the loss-maker whose margin is at its peers' level has no more potential than before,
    # so it is not sent to multi-equipment for the cost of its own branch visits
    assert dear.set_index("customer_id").loc[2, "potential"] == pytest.approx(150.0)


def test_summary_by_abc_class():
    customers, tx, it, contracts, products, events = _small()
    rules = DEFAULT_RULES[DEFAULT_RULES["event"] == "marriage"]
    p = customer_profiles(customers, tx, it, contracts, products, events, DAY, rules=rules,
                          abc_shares=(0.25, 0.25, 0.5))
    s = profile_summary(p, by="abc_class")
    assert s["customers"].tolist() == [1, 1, 2]
    assert s["customer_share"].sum() == pytest.approx(1.0)
    assert s.loc["A", "profit_share"] == round(800 / 1244, 2)
    assert s.loc["C", "potential"] == pytest.approx(350.0 + 400.0)  # customers 3 and 4


def test_bad_input():
    customers, tx, it, contracts, products, events = _small()
    with pytest.raises(SchemaError, match=r"customers\.region: missing column"):
        customer_profiles(customers, tx, it, contracts, products, events, DAY,
                          potential_groups=("region",))
    bad = tx.copy()
    bad.loc[2, "date"] = pd.NaT
    with pytest.raises(SchemaError, match=r"transactions\.date: 1 row.*\[2\]"):
        customer_profiles(customers, bad, it, contracts, products, events, DAY)
    with pytest.raises(ValueError, match="years"):
        customer_profiles(customers, tx, it, contracts, products, events, DAY, years=0)
    with pytest.raises(SchemaError, match=r"profiles\.next_need: missing column"):
        profile_summary(pd.DataFrame({"strategy": ["a"], "direct_profit": [1.0],
                                      "potential": [0.0], "n_products": [1]}))


def test_profiles_on_the_market(market):
    m = market
    day = m.transactions["date"].max().normalize() + pd.Timedelta(days=1)
    p = customer_profiles(m.customers, m.transactions, m.interactions, m.contracts,
                          m.products, m.life_events)
    c = m.customers
    active = c[(c["churn_date"].isna() | (c["churn_date"] > day)) & (c["acquisition_date"] <= day)]
    assert p["customer_id"].tolist() == sorted(active["customer_id"])
    # the margin is last year's margin of those customers
    tx = m.transactions
    last = tx[(tx["date"] >= day - pd.DateOffset(years=1)) & (tx["date"] < day)]
    expected = last[last["customer_id"].isin(active["customer_id"])]["margin"].sum()
    assert p["commercial_margin"].sum() == pytest.approx(expected)
    assert p["abc_class"].value_counts(normalize=True).round(2).to_dict() == {
        "C": 0.65, "B": 0.25, "A": 0.1}
    # value is concentrated: class A carries far more than its 10 % of the profit
    s = profile_summary(p, by="abc_class")
    assert s.loc["A", "profit_share"] > 0.3
    # open needs are those of the next-best-offer rules
    recs = recommend_offers(m.customers, m.contracts, m.life_events, m.products, day)
    assert set(p.loc[p["open_needs"] != "", "customer_id"]) == set(recs["customer_id"])
    assert np.all(p["potential"] >= 0)
    # profitability (past) and potential (future) are separate: the loss-makers are not
    # all in the high-potential cells, and only a relationship of negative value (profit +
    # potential < 0) is advised termination
    losers = p["direct_profit"] < 0
    assert losers.any()
    high = p["quadrant"].isin(["desirable", "under_developed"])
    assert (losers & ~high).sum() > 0.2 * losers.sum()
    term = p["strategy"] == "termination"
    assert term.any() and (p.loc[term, "value"] < 0).all()


def test_profiles_when_no_event_changes_the_life_stage():
    # issue 14: a car purchase keeps the stage; with only such events it crashed
    cu, tx, it, co, pr, ev = _small()
    ev = ev.assign(event="car_purchase", stage_after=ev["stage_before"])
    kw = {"rules": DEFAULT_RULES[DEFAULT_RULES["event"] == "marriage"],
          "abc_shares": (0.25, 0.25, 0.5)}
    p = customer_profiles(cu, tx, it, co, pr, ev, DAY, **kw).set_index("customer_id")
    moved = customer_profiles(cu, tx, it, co, pr, _small()[5], DAY, **kw).set_index("customer_id")
    # the same customers and values; only the married customer's stage history differs
    assert p.index.equals(moved.index)
    assert p["direct_profit"].equals(moved["direct_profit"])
