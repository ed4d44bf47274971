"""Named personas followed over about thirty years, as tables the value chapter plots.

``story("young_driver")`` replays the insured person of the university lesson across the potential x
profitability matrix in eight steps: a young driver with a heavy malus (negative
profitability and potential) marries, the agent places a profitable contract, then a
loss-making health contract, the household becomes fully equipped and is moved to a
cheaper channel, ages while the children leave, its contracts fall away, and the insurer
finally lets it go. ``story("bank_family")`` is the bank's counterpart: student, first job,
marriage, home purchase with a mortgage, children, a child's student loan, empty nest and
retirement with savings.

A story is *scripted* (which contracts are held when is fixed, like the seed's diagram),
but every euro comes from the generator's own economics (:mod:`crmkit.synth.products`):
premiums, fees, interest margins, expected claims by age and bonus-malus, channel costs.

* **profitability** of a year = the margin of the contracts held that year (premiums and
  fees kept, minus expected claims) minus the cost to serve (contacts x channel cost);
* **potential** = what the company can still expect: the discounted margin, over the next
  five years, of the contracts held (with their foreseeable drift: malus fading, health
  claims growing with age) and of the contracts the household is likely to add given its
  life stage (appetite x margin), times the chance the customer stays (lower for a young
  mobile single, for a "zapper" whose contracts fall away).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit.schema import CHANNELS
from crmkit.synth import channels as C
from crmkit.synth import products as P
from crmkit.synth.parameters import PARAMS as PR

__all__ = ["Story", "story", "STORIES"]

HORIZON = 5
DISCOUNT = 0.9


@dataclass(frozen=True)
class Story:
    """A persona's path: ``path`` (one row per year), ``contracts`` and ``events``."""

    name: str
    title: str
    sector: str
    path: pd.DataFrame
    contracts: pd.DataFrame
    events: pd.DataFrame

    @property
    def steps(self) -> pd.DataFrame:
        """The numbered steps of the story (the arrows of the university lesson's diagram)."""
        return self.path[self.path.step.notna()].reset_index(drop=True)


# ---------------------------------------------------------------------------- economics
def _balance(year_from, deposit, years):
    """Balance after ``years`` of yearly deposits (withdrawals as in the generator)."""
    keep = (1 - P.WITHDRAWAL_RATE) ** 12
    b = 0.0
    for _ in range(max(0, years)):
        b = b * keep + deposit
    return b


def _margin(product, age, s):
    """Expected yearly margin (euros) of one contract at a given age, household state ``s``."""
    kids = s.get("kids", 0)
    if product == "auto":
        coef = s["coef"](age)
        prem = P.auto_premium(age, coef, False) * 12
        claims = P.auto_claim_freq(age, coef, age < s.get("risky_until", 0)) * P.AUTO_SEVERITY
        return float(P.SLOT_MARGIN_RATE[P.I_AUTO] * prem - claims)
    if product == "auto2":  # the spouse's car
        age2 = age - s.get("spouse_gap", 0)
        coef = s["coef2"](age2)
        prem = P.auto_premium(age2, coef, False) * 12
        return float(P.SLOT_MARGIN_RATE[P.I_AUTO] * prem - P.auto_claim_freq(age2, coef, False) * P.AUTO_SEVERITY)
    if product == "home":
        return float(P.SLOT_MARGIN_RATE[P.I_HOME] * P.home_premium(True, 2 + kids) * 12 - P.HOME_FREQ * P.HOME_SEVERITY)
    if product == "health":
        prem = P.health_premium(age, kids) * 12
        cost = P.health_expected_cost(age, s.get("chronic", False), kids) * 12
        return float(P.SLOT_MARGIN_RATE[P.I_HEALTH] * prem - cost)
    if product in ("life", "b_life"):
        bal = s.get("balance", 0.0)
        dep = s.get("deposit", 0.0)
        return float(bal * P.LIFE_MANAGEMENT_FEE + dep * P.LIFE_ENTRY_FEE)
    if product == "savings":
        return float(s.get("savings", 0.0) * P.SAVINGS_SPREAD)
    ref = dict(zip(P.PRODUCT_IDS, P.reference_prices(), strict=True))
    if product == "current":
        pr = PR.prices
        return float(12 * np.clip(pr.account_fee_base + s.get("income", 30000) / pr.account_fee_income_step, *pr.account_fee_bounds))
    if product == "card":
        return 12 * ref["B_CARD"]
    if product == "consumer":
        return 12 * ref["B_CONSUMER"]
    if product == "mortgage":
        pr = PR.prices
        principal = np.clip(pr.mortgage_income_multiple * s.get("income", 30000), *pr.mortgage_bounds)
        life = np.arange(P.LOAN_TERM[P.B_MORTGAGE])
        share = float(np.mean(P.outstanding_share(P.LOAN_RATE[P.B_MORTGAGE], P.LOAN_TERM[P.B_MORTGAGE], life)))
        return float(principal * pr.loan_margin["B_MORTGAGE"] * share)
    if product == "student":
        return 12 * ref["B_STUDENT"]
    raise KeyError(product)


_PRODUCT_ID = {"auto": "I_AUTO", "auto2": "I_AUTO", "home": "I_HOME", "health": "I_HEALTH",
               "life": "I_LIFE", "b_life": "B_LIFE", "savings": "B_SAVINGS", "current": "B_CURRENT",
               "card": "B_CARD", "consumer": "B_CONSUMER", "mortgage": "B_MORTGAGE", "student": "B_STUDENT"}


# ---------------------------------------------------------------------------- scripts
@dataclass(frozen=True)
class _Script:
    name: str
    title: str
    sector: str
    first_year: int
    first_age: int
    last_age: int
    contracts: list  # (product, start age, end age or None, end reason or None, channel)
    events: list  # (age, event, stage before, stage after)
    steps: dict  # age -> (step label, annotation)
    state: callable  # age -> household state dict (kids, coef, balance, ...)
    appetite: dict  # life stage -> {product: probability of adding it within the horizon}
    retention: callable  # age -> yearly probability the customer stays
    channel: callable  # age -> (channel, contacts per year, extra visit cost)


def _stage_at(events, age, first):
    stage = first
    for a, _, _, after in events:
        if a <= age:
            stage = after
    return stage


def _young_driver() -> _Script:
    def coef(age):  # heavy malus at 20, reduction of 5% per claim-free year from 24 on
        return max(0.5, 1.9 * 0.95 ** max(0, age - 24))

    def coef2(age):  # the spouse: a young driver with no malus, then the usual bonus
        return max(0.5, 1.0 * 0.95 ** max(0, age - 22))

    def state(age):
        kids = (age >= 26) + (age >= 28) - (age >= 47) - (age >= 49)
        deposit = 3600.0 if 31 <= age < 46 else 0.0
        years = max(0, min(age, 46) - 31 + 1) if age >= 31 else 0
        balance = _balance(31, 3600.0, years) if age < 47 else 0.0
        return dict(kids=int(kids), coef=coef, coef2=coef2, risky_until=26, spouse_gap=0,
                    chronic=True, balance=balance, deposit=deposit)

    contracts = [
        ("auto", 20, 53, "company_termination", "branch"),
        ("auto2", 23, 49, "customer_termination", "branch"),
        ("home", 24, 47, "customer_termination", "branch"),
        ("health", 29, 53, "company_termination", "branch"),
        ("life", 31, 47, "customer_termination", "web"),
    ]
    events = [
        (23, "marriage", "young_single", "couple"),
        (26, "birth", "couple", "young_family"),
        (28, "birth", "young_family", "young_family"),
        (38, "child_secondary_school", "young_family", "mature_family"),
        (44, "child_higher_education", "mature_family", "mature_family"),
        (49, "children_leave_home", "mature_family", "empty_nest"),
    ]
    steps = {
        20: ("1", "Young driver with a heavy malus: one loss-making contract and little business in "
                  "sight (a job transfer may take him away): negative profitability and potential."),
        23: ("2", "He marries: his wife is a young driver too, so the risk grows and profitability stays "
                  "negative; at French motor prices (novice surcharge capped by law) her car does not pay "
                  "either, so potential stays negative until other contracts come."),
        24: ("3", "The agent places a profitable home policy; the global offer review plans more."),
        29: ("4", "A health contract for a family member with a long-term illness: a low, even negative, "
                  "margin; prospects dim."),
        32: ("5", "Fully equipped; a large saving capacity goes into life insurance. The household is moved "
                  "to an internet profile with one yearly visit (cheaper to serve; 5': the same move suits "
                  "loyal customers of low value)."),
        47: ("6", "The household ages, the children leave: fewer prospects, the health contract grows more "
                  "loss-making, home and savings contracts go elsewhere."),
        49: ("7", "Contracts fall away (the spouse's car, the after-sales follow-up not done): the customer "
                  "becomes a zapper; profitability drops at equal potential."),
        53: ("8", "Unprofitable and without prospects: the insurer terminates the remaining contracts."),
    }
    appetite = {
        "young_single": {"home": 0.15, "health": 0.1, "life": 0.02},
        "couple": {"home": 0.8, "health": 0.5, "life": 0.4, "auto2": 0.6},
        "young_family": {"home": 0.8, "health": 0.7, "life": 0.7},
        "mature_family": {"life": 0.5},
        "empty_nest": {"life": 0.1},
    }

    def retention(age):
        if age < 23:
            return 0.6  # a mobile young single: a job transfer is likely
        if 47 <= age:
            return 0.75  # the zapper
        return 0.92

    def channel(age):
        if age < 32:
            return ("branch", 4, 0.0)
        return ("web", 6, C.COST[C.BRANCH])  # internet profile with one yearly visit

    return _Script("young_driver", "The insured young driver of the university lesson", "insurance", 1990, 20, 53,
                   contracts, events, steps, state, appetite, retention, channel)


def _bank_family() -> _Script:
    def state(age):
        income = 14000 if age < 23 else (32000 if age < 27 else 48000 if age < 62 else 34000)
        kids = (age >= 30) + (age >= 33) - (age >= 53) - (age >= 55)
        savings = 0.0 if age < 24 else min(40000.0, 1500.0 * (age - 23))
        balance = _balance(62, 12000.0, age - 62 + 1) + 60000.0 if age >= 62 else 0.0
        return dict(income=income, kids=int(kids), savings=savings, balance=balance,
                    deposit=12000.0 if age >= 62 else 0.0, coef=lambda a: 1.0)

    contracts = [
        ("current", 19, None, None, "branch"),
        ("card", 19, None, None, "branch"),
        ("student", 20, 27, "term", "branch"),
        ("savings", 24, None, None, "web"),
        ("consumer", 26, 31, "term", "branch"),
        ("mortgage", 29, 49, "term", "branch"),
        ("student", 48, 55, "term", "branch"),
        ("b_life", 62, None, None, "branch"),
    ]
    events = [
        (23, "job_move", "young_single", "young_single"),
        (27, "marriage", "young_single", "couple"),
        (29, "home_purchase", "couple", "couple"),
        (30, "birth", "couple", "young_family"),
        (33, "birth", "young_family", "young_family"),
        (41, "child_secondary_school", "young_family", "mature_family"),
        (48, "child_higher_education", "mature_family", "mature_family"),
        (55, "children_leave_home", "mature_family", "empty_nest"),
        (62, "retirement", "empty_nest", "retired"),
    ]
    steps = {
        19: ("1", "A student opens a current account and a card, then takes a student loan: little margin, "
                  "but the whole working life ahead."),
        23: ("2", "First job (a move to another town): income, a first consumer loan soon, savings start."),
        27: ("3", "Marriage: a couple's needs (savings, a home project) raise potential."),
        29: ("4", "Home purchase with a mortgage: the relationship's main margin for twenty years."),
        30: ("5", "Children are born: savings for them; the household is fully equipped."),
        48: ("6", "A child enters higher education: the advisor's system proposes a student loan."),
        55: ("7", "The children leave home: the mortgage has ended, fewer needs, potential falls."),
        62: ("8", "Retirement: a lump sum and regular payments into life insurance keep the relationship "
                  "valuable."),
    }
    appetite = {
        "young_single": {"savings": 0.4, "consumer": 0.4},
        "couple": {"mortgage": 0.7, "savings": 0.6, "b_life": 0.2},
        "young_family": {"b_life": 0.3, "consumer": 0.4},
        "mature_family": {"student": 0.6, "b_life": 0.4},
        "empty_nest": {"b_life": 0.6},
        "retired": {"b_life": 0.3},
    }

    def retention(age):
        return 0.85 if age < 27 else 0.95

    def channel(age):
        return ("branch", 3, 0.0) if age < 24 or age >= 62 else ("mobile", 24, C.COST[C.BRANCH])

    return _Script("bank_family", "A bank customer from student to retiree", "bank", 1985, 19, 70,
                   contracts, events, steps, state, appetite, retention, channel)


STORIES = {"young_driver": _young_driver, "bank_family": _bank_family}


def _held(script, age):
    return [(p, ch) for p, a0, a1, _, ch in script.contracts if a0 <= age and (a1 is None or age < a1)]


def story(name: str = "young_driver") -> Story:
    """One named persona's ~30-year path as tidy tables (see the module docstring).

    Parameters
    ----------
    name : {"young_driver", "bank_family"}, default "young_driver"
        The persona.

    Returns
    -------
    Story
        Its ``path`` (one row per year), ``contracts``, ``events`` and numbered ``steps``.

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> from crmkit.synth import story
    >>> s = story("young_driver")
    >>> s.steps.step.tolist()
    ['1', '2', '3', '4', '5', '6', '7', '8']
    >>> bool(s.steps.profitability.iloc[0] < 0 and s.steps.potential.iloc[0] < 0)
    True
    """
    if name not in STORIES:
        raise ValueError(f"unknown story {name!r}; choose one of {sorted(STORIES)}")
    sc = STORIES[name]()
    first_stage = sc.events[0][2]
    rows = []
    for age in range(sc.first_age, sc.last_age + 1):
        s = sc.state(age)
        stage = _stage_at(sc.events, age, first_stage)
        held = _held(sc, age)
        margins = {p: _margin(p, age, s) for p, _ in held}
        revenue = sum(max(v, 0) for v in margins.values())
        ch, contacts, visit = sc.channel(age)
        cost = contacts * C.COST[CHANNELS.index(ch)] + visit if held else 0.0
        profit = sum(margins.values()) - cost
        # potential: discounted margin of what is held and what is likely to be added
        keep = sc.retention(age)
        pot = 0.0
        held_names = {p for p, _ in held}
        for h in range(1, HORIZON + 1):
            sh = sc.state(age + h)
            future = sum(_margin(p, age + h, sh) for p in held_names
                         if any(p == q and a0 <= age + h and (a1 is None or age + h < a1)
                                for q, a0, a1, _, _ in sc.contracts))
            extra = sum(prob * _margin(p, age + h, sh) for p, prob in sc.appetite.get(stage, {}).items()
                        if p not in held_names)
            pot += DISCOUNT**h * keep**h * (future + extra - cost)
        label, note = sc.steps.get(age, (None, None))
        rows.append(dict(year=sc.first_year + age - sc.first_age, age=age, step=label, annotation=note,
                         life_stage=stage, contracts_held=len(held),
                         products=", ".join(_PRODUCT_ID[p] for p, _ in held), channel=ch,
                         revenue=round(revenue, 2), cost_to_serve=round(cost, 2),
                         profitability=round(profit, 2), potential=round(pot, 2),
                         value=round(profit + pot, 2)))
    path = pd.DataFrame(rows)
    path["step"] = path["step"].astype("str")
    path.loc[path.annotation.isna(), "step"] = None
    contracts = pd.DataFrame([
        dict(product_id=_PRODUCT_ID[p], start_year=sc.first_year + a0 - sc.first_age,
             end_year=(None if a1 is None else sc.first_year + a1 - sc.first_age),
             end_reason=r, channel=ch)
        for p, a0, a1, r, ch in sc.contracts
    ])
    events = pd.DataFrame([
        dict(year=sc.first_year + a - sc.first_age, age=a, event=e, stage_before=b, stage_after=af)
        for a, e, b, af in sc.events
    ])
    return Story(sc.name, sc.title, sc.sector, path, contracts, events)
