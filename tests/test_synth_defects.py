"""Defects of the first generator, each checked on a generated market so that it cannot
come back: dates outside their period, impossible ages, a flat calendar, identical
amounts, prices that differ from the code."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmkit.synth import generate
from crmkit.synth import personas as PE
from crmkit.synth.parameters import PARAMS
from crmkit.synth.products import catalogue

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def m():
    return generate(customers=4_000, years=10, sector="both", seed=21)


def _age(birth, when):
    return (when - birth).dt.days / 365.25


def test_nothing_is_dated_after_the_customer_left(m):
    c = m.customers[["customer_id", "churn_date"]]
    for name, col in (("contracts", "start_date"), ("transactions", "date"), ("interactions", "date"),
                      ("life_events", "date"), ("incidents", "date"), ("surveys", "date")):
        x = m[name][["customer_id", col]].merge(c, on="customer_id")
        late = x[x[col].dt.normalize() > x.churn_date]
        assert late.empty, (name, late.head())


def test_contracts_end_no_later_than_their_customer_and_money_stays_inside_them(m):
    k = m.contracts.merge(m.customers[["customer_id", "churn_date"]], on="customer_id")
    assert not (k.end_date > k.churn_date).any()
    assert not (k.end_date < k.start_date).any()
    t = m.transactions.merge(m.contracts[["contract_id", "start_date", "end_date"]], on="contract_id")
    outside = (t.date < t.start_date) | (t.date > t.end_date)
    assert not outside.any(), t[outside].head()


def test_nobody_is_a_customer_before_18_nor_takes_a_mortgage_before_22(m):
    c = m.customers
    assert (_age(c.birth_date, c.acquisition_date) >= 18 - 1 / 12).all()
    k = m.contracts.merge(c[["customer_id", "birth_date"]], on="customer_id")
    mort = k[k.product_id == "B_MORTGAGE"]
    assert len(mort) > 100 and (_age(mort.birth_date, mort.start_date) >= PARAMS.purchases.mortgage_min_age - 1 / 12).all()


def test_student_loans_go_to_students_or_parents_of_students(m):
    k = m.contracts.merge(m.customers[["customer_id", "birth_date"]], on="customer_id")
    st = k[k.product_id == "B_STUDENT"]
    age = _age(st.birth_date, st.start_date)
    assert len(st) > 30
    # a mother had her child at 46 at the latest, her partner (also a customer when both
    # share the household) is at most max_partner_age_gap years older; the child enters
    # higher education at 18 and the loan follows within the year
    oldest = PARAMS.events.birth_max_age + PARAMS.population.max_partner_age_gap + 18 + 1
    assert (age < oldest).all(), age.max()
    # and the amounts (hence margins) differ with the household's income
    assert st.monthly_premium.nunique() > 10


def test_mortgage_margins_decline_as_the_loan_is_repaid(m):
    mort = m.contracts[m.contracts.product_id == "B_MORTGAGE"].contract_id
    t = m.transactions[m.transactions.contract_id.isin(mort) & (m.transactions.kind == "interest_margin")]
    t = t.sort_values(["contract_id", "date"])
    step = t.groupby("contract_id").amount.diff().dropna()
    assert (step <= 0.01).all() and (step < 0).mean() > 0.9


def test_the_calendar_is_real(m):
    i = m.interactions
    assert (i.date.dt.day >= 29).mean() > 0.05
    human = i[i.channel.isin(["branch", "phone", "mail"])]
    # (the one exception: a contact in the month of an acquisition made online on a Sunday
    # that is the month's last day cannot fall on an open day after it)
    assert (human.date.dt.day_of_week == 6).mean() < 0.001
    # campaign contacts are spread over days, launches over the month
    camp = i[(i.direction == "outbound") & (i.reason == "sale")]
    assert camp.date.dt.day.value_counts(normalize=True).max() < 0.15
    assert m.campaigns.start_date.dt.day.nunique() > 8
    # marriages are seasonal
    e = m.life_events
    wed = e[e.event == "marriage"].date.dt.month
    assert wed.between(5, 9).mean() > 0.55


def test_novices_start_at_one_with_the_legal_surcharge():
    rng = np.random.default_rng(3)
    pop = PE.draw_population(rng.random((PE.K_INIT, 20_000), dtype=np.float32), "insurance", 12)
    age = (np.where(pop["stock"], 0, pop["acq_month"]) - pop["birth_month"]) / 12  # when first seen
    novice = age < PARAMS.prices.licence_age + 1
    assert novice.sum() > 50 and (pop["coef"][novice] == 1.0).all()
    from crmkit.synth.products import auto_premium
    first = auto_premium(19.0, 1.0, False, years_insured=0)
    fourth = auto_premium(22.0, 1.0, False, years_insured=3)
    assert 1 < first / fourth <= 2  # at most 100 % (Code des assurances, art. A335-9-1)


def test_couples_share_households_and_births_happen_outside_marriage(m):
    c = m.customers
    shared = c.household_id.duplicated(keep=False)
    assert shared.mean() > 0.05
    pairs = c[shared].groupby("household_id")
    assert (pairs.size() == 2).all()
    assert (pairs.gender.nunique() == 2).all()
    assert (c.household_size >= 1).all() and c.household_size.max() >= 4
    births = m.life_events[m.life_events.event == "birth"]
    assert births.stage_before.isin(["cohabiting", "cohabiting_family"]).mean() > 0.3


def test_most_cars_bought_are_used(m):
    e = m.life_events.event.astype(str)
    used, new = (e == "used_car_purchase").sum(), (e == "car_purchase").sum()
    assert used > 2 * new > 0


def test_prospects_are_contacted_before_they_are_customers(m):
    g = m.campaign_targets.merge(m.campaigns[["campaign_id", "trigger", "start_date"]], on="campaign_id")
    g = g.merge(m.customers[["customer_id", "acquisition_date"]], on="customer_id")
    pro = g[g.trigger.str.startswith("prospect:")]
    assert len(pro) > 100 and (pro.acquisition_date > pro.start_date).all()


def test_the_datasheet_quotes_the_catalogue_prices():
    text = (Path(__file__).resolve().parents[1] / "book" / "datasheet.md").read_text()
    for row in catalogue().itertuples():
        line = re.search(rf"^\| `{row.product_id}` \|.*$", text, flags=re.M)
        assert line, row.product_id
        cells = [x.strip() for x in line.group(0).strip("|").split("|")]
        assert float(cells[4]) == pytest.approx(row.monthly_price, abs=0.005), row.product_id


def _inside_a_contract(events: pd.DataFrame, contracts: pd.DataFrame, products) -> pd.Series:
    """For each row of ``events`` (customer_id, date), whether one of the customer's
    contracts of ``products`` runs that day (start and end days included)."""
    k = contracts[contracts["product_id"].isin(products)][["customer_id", "start_date", "end_date"]]
    x = events[["customer_id", "date"]].reset_index().merge(k, on="customer_id", how="left")
    day = x["date"].dt.normalize()
    ok = (day >= x["start_date"]) & (x["end_date"].isna() | (day <= x["end_date"]))
    return ok.groupby(x["index"]).any().reindex(events.index, fill_value=False)


@pytest.mark.parametrize("sector,seed", [("both", 5), ("insurance", 6), ("bank", 8)])
def test_no_incident_contact_or_money_after_churn_nor_outside_its_contract(sector, seed):
    """Incidents, contacts and money flows of a customer fall between her acquisition and
    her churn (prospecting contacts excepted); a claim, its contact and a refused claim fall
    inside a running cover, and so does a price rise (a policy opened in the January of the
    review used to have its rise dated before its start)."""
    m = generate(customers=1_500, years=8, sector=sector, seed=seed)
    c = m.customers.set_index("customer_id")
    for name in ("incidents", "interactions", "transactions", "surveys", "life_events"):
        t = m[name]
        day = t["date"].dt.normalize()
        late = day > t["customer_id"].map(c["churn_date"])
        assert not late.any(), (name, t[late].head())
        early = day < t["customer_id"].map(c["acquisition_date"])
        if name == "interactions":  # prospecting contacts come before the acquisition
            early &= ~((t["reason"] == "sale") & (t["direction"].isin(["outbound", "inbound"])))
        assert not early.any(), (name, t[early].head())
    covers = ["I_AUTO", "I_HOME", "I_HEALTH"]
    checks = [(m.incidents[m.incidents["type"] == "claim_refused"], covers),
              (m.incidents[m.incidents["type"] == "price_rise"], ["I_AUTO", "I_HEALTH"]),
              (m.interactions[m.interactions["reason"] == "claim"], covers),
              (m.transactions[m.transactions["kind"] == "claim"], covers)]
    for events, products in checks:
        if sector == "bank":
            assert events.empty
            continue
        assert len(events) > 0
        inside = _inside_a_contract(events, m.contracts, products)
        assert inside.all(), events[~inside].head()
