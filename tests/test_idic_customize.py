"""Customize: event-triggered next best offers and modular bundles."""

from __future__ import annotations

import pandas as pd
import pytest

from crmkit.idic import ContactPolicy
from crmkit.idic.customize import (
    DEFAULT_RULES,
    build_bundles,
    next_best_offer,
    offer_groups,
    recommend_offers,
)
from crmkit.schema import SchemaError

AS_OF = "2024-01-01"
PRODUCTS = pd.DataFrame({
    "product_id": ["B_CURRENT", "B_SAVINGS", "B_CONSUMER", "B_STUDENT", "B_LIFE",
                   "I_AUTO", "I_HOME", "I_HEALTH", "I_LIFE"],
    "sector": ["bank"] * 5 + ["insurance"] * 4,
    "monthly_price": [8.0, 6.0, 30.0, 18.0, 12.0, 50.0, 22.0, 70.0, 12.0],
})


def _customers(n, income=None, consent=None, churn=None):
    return pd.DataFrame({
        "customer_id": range(1, n + 1),
        "income": income or [30_000.0] * n,
        "acquisition_date": pd.to_datetime(["2010-01-01"] * n),
        "churn_date": pd.to_datetime(churn or [None] * n),
        "preferred_channel": ["email"] * n,
        "preferred_hour": [9] * n,
        "contact_consent": consent or [True] * n,
        "opt_out": [False] * n,
    })


def _contracts(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "product_id", "start_date", "end_date"])
    df.insert(0, "contract_id", range(1, len(df) + 1))
    df["start_date"] = pd.to_datetime(df["start_date"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    return df


def _events(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "date", "event"])
    df["date"] = pd.to_datetime(df["date"])
    return df


NO_CONTRACTS = _contracts([(99, "B_CURRENT", "2010-01-01", None)])


def _rules(*names):
    return DEFAULT_RULES[DEFAULT_RULES["rule"].isin(names)]


def test_child_to_university_within_window_only():
    events = _events([(1, "2023-07-01", "child_higher_education"),
                      (2, "2022-06-01", "child_higher_education"),   # 19 months ago
                      (3, "2024-02-01", "child_higher_education")])  # after as_of
    recs = recommend_offers(_customers(3), NO_CONTRACTS, events, PRODUCTS, AS_OF,
                            rules=_rules("child_to_university"))
    assert recs["customer_id"].tolist() == [1]
    r = recs.iloc[0]
    assert r["offer"] == "B_STUDENT" and r["trigger_date"] == pd.Timestamp("2023-07-01")
    assert r["value"] == 18.0 * 36 and r["expected_value"] == pytest.approx(0.20 * 18 * 36)


def test_old_car_is_older_than_the_average_car():
    events = _events([(1, "2012-01-01", "car_purchase"), (1, "2005-01-01", "car_purchase"),
                      (2, "2022-01-01", "car_purchase"), (3, "2020-01-01", "car_purchase")])
    # last cars: 12, 2 and 4 years old; the French average car is about 11 years old
    recs = recommend_offers(_customers(3), NO_CONTRACTS, events, PRODUCTS, AS_OF,
                            rules=_rules("old_car"))
    assert recs["customer_id"].tolist() == [1] and recs["offer"].tolist() == ["B_CONSUMER"]
    recs = recommend_offers(_customers(3), NO_CONTRACTS, events, PRODUCTS, AS_OF,
                            rules=_rules("old_car"), average_car_age_years=3.0)
    assert recs["customer_id"].tolist() == [1, 3]
    # None: the customers' own average, (12 + 2 + 4) / 3 = 6 years
    recs = recommend_offers(_customers(3), NO_CONTRACTS, events, PRODUCTS, AS_OF,
                            rules=_rules("old_car"), average_car_age_years=None)
    assert recs["customer_id"].tolist() == [1]


def test_car_ageing_event_triggers_the_consumer_loan():
    events = _events([(2, "2023-05-01", "car_ageing"), (3, "2021-05-01", "car_ageing")])
    recs = recommend_offers(_customers(3), NO_CONTRACTS, events, PRODUCTS, AS_OF,
                            rules=_rules("old_car", "car_ageing_loan"))
    assert recs["customer_id"].tolist() == [2]
    assert recs["rule"].tolist() == ["car_ageing_loan"]


def test_marriage_brings_home_and_second_car_cover_unless_held():
    events = _events([(c, "2023-09-01", "marriage") for c in (1, 2, 3)])
    contracts = _contracts([
        (2, "I_AUTO", "2015-01-01", None),                                   # one car insured
        (3, "I_AUTO", "2015-01-01", None), (3, "I_AUTO", "2016-01-01", None),  # two cars
        (3, "I_HOME", "2010-01-01", "2020-01-01"),                           # ended: not held
    ])
    recs = recommend_offers(_customers(3), contracts, events, PRODUCTS, AS_OF,
                            rules=_rules("marriage_home", "marriage_second_car"))
    got = recs.groupby("customer_id")["offer"].apply(sorted).to_dict()
    assert got == {1: ["I_AUTO", "I_HOME"], 2: ["I_AUTO", "I_HOME"], 3: ["I_HOME"]}
    # ranked by expected value: auto 0.08 * 50 * 36 = 144 > home 0.12 * 22 * 36 = 95.04
    first = recs[recs["customer_id"] == 1].sort_values("rank")
    assert first["offer"].tolist() == ["I_AUTO", "I_HOME"]
    assert first["expected_value"].tolist() == pytest.approx([144.0, 95.04])


def test_high_savings_capacity_and_product_held():
    customers = _customers(5, income=[20e3, 30e3, 40e3, 80e3, 120e3])
    contracts = _contracts([(5, "I_LIFE", "2015-01-01", None)])
    recs = recommend_offers(customers, contracts, _events([(1, "2000-01-01", "birth")]),
                            PRODUCTS, AS_OF, rules=_rules("savings_capacity_life"),
                            savings_top_share=0.4)
    # the top 40 % are customers 4 and 5; 5 already holds life insurance
    assert recs["customer_id"].tolist() == [4]


def test_mourning_blocks_every_offer_and_churned_customers_get_none():
    events = _events([(1, "2023-09-01", "marriage"), (1, "2023-10-01", "death_of_spouse"),
                      (2, "2023-09-01", "marriage"), (3, "2023-09-01", "marriage")])
    customers = _customers(3, churn=[None, None, "2023-12-01"])
    recs = recommend_offers(customers, NO_CONTRACTS, events, PRODUCTS, AS_OF,
                            rules=_rules("marriage_home", "mourning"))
    assert recs["customer_id"].tolist() == [2]


def test_one_row_per_customer_and_product_keeps_the_strongest_trigger():
    events = _events([(1, "2023-11-01", "home_purchase"), (1, "2023-09-01", "marriage")])
    recs = recommend_offers(_customers(1), NO_CONTRACTS, events, PRODUCTS, AS_OF,
                            rules=_rules("home_purchase_cover", "marriage_home"))
    assert len(recs) == 1 and recs["rule"].iloc[0] == "home_purchase_cover"


def test_next_best_offer_goes_through_the_contact_policy():
    events = _events([(c, "2023-09-01", "marriage") for c in (1, 2)]
                     + [(1, "2023-10-01", "birth")])
    customers = _customers(2, consent=[True, False])
    nbo = next_best_offer(customers, NO_CONTRACTS, events, PRODUCTS, AS_OF, top_n=5,
                          policy=ContactPolicy(max_contacts=2))
    # customer 2 has not consented; customer 1 gets the two best of four offers (pressure)
    assert nbo["customer_id"].tolist() == [1, 1]
    assert nbo["offer"].tolist() == ["I_HEALTH", "I_AUTO"]  # 252 and 144 euros expected
    assert (nbo["channel"] == "email").all()
    assert (nbo["date"] == pd.Timestamp("2024-01-01 09:00")).all()
    assert nbo["rank"].tolist() == [1, 2]
    one = next_best_offer(customers, NO_CONTRACTS, events, PRODUCTS, AS_OF)
    assert one["offer"].tolist() == ["I_HEALTH"]


def test_two_offers_for_one_need_are_not_both_sent():
    customers = _customers(2, income=[10e3, 90e3])
    nbo = next_best_offer(customers, NO_CONTRACTS, _events([(1, "2000-01-01", "birth")]),
                          PRODUCTS, AS_OF, top_n=5, savings_top_share=0.5,
                          rules=_rules("savings_capacity_life", "savings_capacity_bank_life"))
    assert nbo["offer"].tolist() == ["I_LIFE"]  # B_LIFE meets the same need: contradiction
    groups = offer_groups()
    assert groups["B_LIFE"] == groups["I_LIFE"] and groups["I_AUTO"] != groups["I_HOME"]


def test_bundles_by_sector_with_capped_discount():
    recs = pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 1, 2],
        "offer": ["I_AUTO", "I_HOME", "I_HEALTH", "I_LIFE", "B_LIFE", "I_HOME"],
        "expected_value": [100.0, 90.0, 80.0, 10.0, 5.0, 1.0],
    })
    b = build_bundles(recs, PRODUCTS, max_modules=3, discount_per_module=0.05,
                      max_discount=0.08).set_index(["customer_id", "sector"])
    ins = b.loc[(1, "insurance")]
    # the three best insurance modules, in catalogue order; I_LIFE does not fit
    assert ins["bundle"] == "I_AUTO+I_HOME+I_HEALTH" and ins["modules"] == 3
    assert ins["list_price"] == 142.0 and ins["discount"] == 0.08
    assert ins["bundle_price"] == pytest.approx(142.0 * 0.92)
    assert ins["expected_value"] == 270.0
    assert b.loc[(1, "bank"), "bundle"] == "B_LIFE" and b.loc[(1, "bank"), "discount"] == 0
    assert b.loc[(2, "insurance"), "bundle_price"] == 22.0


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------
def test_rules_with_unknown_product_or_bad_propensity():
    rules = DEFAULT_RULES.copy()
    rules.loc[2, "product_id"] = "I_YACHT"
    with pytest.raises(SchemaError, match=r"rules\.product_id: 1 row.*not in the products.*\[2\]"):
        recommend_offers(_customers(1), NO_CONTRACTS, _events([(1, "2020-01-01", "birth")]),
                         PRODUCTS, AS_OF, rules=rules)
    rules = DEFAULT_RULES.copy()
    rules.loc[[0, 4], "propensity"] = 1.5
    with pytest.raises(SchemaError, match=r"rules\.propensity: 2 row.*\[0, 4\]"):
        recommend_offers(_customers(1), NO_CONTRACTS, _events([(1, "2020-01-01", "birth")]),
                         PRODUCTS, AS_OF, rules=rules)


def test_bad_market_tables():
    events = _events([(1, "2020-01-01", "birth"), (1, None, "marriage")])
    with pytest.raises(SchemaError, match=r"life_events\.date: 1 row.*\[1\]"):
        recommend_offers(_customers(1), NO_CONTRACTS, events, PRODUCTS, AS_OF)
    with pytest.raises(SchemaError, match=r"contracts\.end_date: missing column"):
        recommend_offers(_customers(1), NO_CONTRACTS.drop(columns="end_date"),
                         _events([(1, "2020-01-01", "birth")]), PRODUCTS, AS_OF)
    with pytest.raises(SchemaError, match=r"recommendations\.offer: 1 row.*\[0\]"):
        build_bundles(pd.DataFrame({"customer_id": [1], "offer": ["X"],
                                    "expected_value": [1.0]}), PRODUCTS)


# --------------------------------------------------------------------------------------
# on a generated market: every recommendation is justified by its rule
# --------------------------------------------------------------------------------------
def test_recommendations_on_the_market_follow_their_rules(market):
    as_of = market.contracts["start_date"].max()
    recs = recommend_offers(market.customers, market.contracts, market.life_events,
                            market.products, as_of)
    assert len(recs) > 100 and recs["rule"].nunique() >= 6
    ev = market.life_events
    student = recs[recs["rule"] == "child_to_university"]
    hit = student.merge(ev[ev["event"] == "child_higher_education"], on="customer_id")
    ok = hit[(hit["date"] <= as_of) & (hit["date"] > as_of - pd.DateOffset(months=12))]
    assert set(student["customer_id"]) == set(ok["customer_id"])
    # nothing offered that the customer already holds (beyond max_held)
    c = market.contracts
    running = c[(c["start_date"] <= as_of) & (c["end_date"].isna() | (c["end_date"] > as_of))]
    held = running.groupby(["customer_id", "product_id"]).size().rename("n").reset_index()
    j = recs.merge(held, left_on=["customer_id", "offer"], right_on=["customer_id", "product_id"])
    limit = j["rule"].map(DEFAULT_RULES.set_index("rule")["max_held"])
    assert (j["n"] < limit).all()
    # churned customers get nothing
    churned = market.customers.loc[market.customers["churn_date"] <= as_of, "customer_id"]
    assert not recs["customer_id"].isin(churned).any()
    nbo = next_best_offer(market.customers, market.contracts, market.life_events,
                          market.products, as_of)
    assert nbo["customer_id"].is_unique and len(nbo) > 0
    assert nbo["customer_id"].isin(
        market.customers.loc[market.customers["contact_consent"], "customer_id"]).all()
