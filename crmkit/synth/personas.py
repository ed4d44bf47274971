"""Hidden personas and the initial state of each customer.

A persona is the hidden behavioural type that drives a customer: age range, income,
attitude to the brand, channel habits, risk. Analysts never see it in a real company; the
market keeps it (``customers.persona``, ground truth) so the course can check whether a
segmentation recovers it.

Every draw here is a deterministic function of uniforms handed in by the engine, one row
of uniforms per customer, so that the population does not depend on how customers are
grouped into blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from crmkit.synth import channels as C
from crmkit.synth import geography
from crmkit.synth import lifestages as L
from crmkit.synth import products as P
from crmkit.synth.parameters import PARAMS as PR


@dataclass(frozen=True)
class Persona:
    name: str
    weight_bank: float      # share among customers acquired by the bank
    weight_insurance: float  # share among customers acquired by the insurer
    age: tuple[int, int]    # age range at acquisition
    income: float           # median yearly household income, euros
    attitude: float         # mean latent relative attitude in [0, 1]
    churn: float            # base monthly churn hazard
    buy: float              # propensity to buy (multiplies purchase probabilities)
    saver: float            # propensity to make voluntary deposits
    multichannel: float     # probability of using three channels or more
    digital: float          # probability that the preferred channel is digital
    risky: float            # share of risky drivers (claims, malus)
    consent: float          # probability of consenting to marketing contacts


_PP = PR.personas
PERSONA_ORDER = ("student", "young_driver", "young_professional", "family_builder", "affluent_saver",
                 "price_hunter", "loyal_traditional", "senior")
PERSONAS = tuple(
    Persona(name, _PP.weight_bank[name], _PP.weight_insurance[name], tuple(_PP.age_range[name]),
            _PP.income[name], _PP.attitude[name], _PP.churn[name], _PP.buy[name], _PP.saver[name],
            _PP.multichannel[name], _PP.digital[name], _PP.risky[name], _PP.consent[name])
    for name in PERSONA_ORDER
)
PERSONA_NAMES = tuple(p.name for p in PERSONAS)
(STUDENT, YOUNG_DRIVER, YOUNG_PRO, FAMILY, AFFLUENT, PRICE_HUNTER, LOYAL, SENIOR) = range(len(PERSONAS))
_F = {f: np.array([getattr(p, f) for p in PERSONAS]) for f in Persona.__dataclass_fields__ if f not in ("name", "age")}
AGE_LO = np.array([p.age[0] for p in PERSONAS], dtype=float)
AGE_HI = np.array([p.age[1] for p in PERSONAS], dtype=float)

STOCK_SHARE = 0.6  # share of customers already customers on the start date
K_INIT = 44  # uniforms per customer used at initialisation


def _cat(u, weights):
    cum = np.cumsum(weights, axis=-1)
    cum = cum / cum[..., -1:]
    if cum.ndim == 1:
        return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)
    return np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)


def _z(u):
    return ndtri(np.clip(u.astype(np.float64), 1e-7, 1 - 1e-7))


def draw_population(U: np.ndarray, sector: str, months: int) -> dict[str, np.ndarray]:
    """Initial state of customers from a ``(K_INIT, n)`` array of uniforms.

    Ages, dates and months are counted in months from the simulation start (month 0);
    customers already customers on the start date (the "stock") have a negative
    acquisition month.
    """
    n = U.shape[1]
    u = iter(U)
    # division that acquired the customer
    us = next(u)
    if sector == "bank":
        sec = np.zeros(n, dtype=np.int8)
    elif sector == "insurance":
        sec = np.ones(n, dtype=np.int8)
    else:
        sec = (us >= 0.55).astype(np.int8)
    w = np.where(sec[:, None] == 0, _F["weight_bank"][None, :], _F["weight_insurance"][None, :])
    persona = _cat(next(u), w).astype(np.int8)
    # stock (customers on day one) or acquired during the simulation
    ustock = next(u)
    stock = ustock < STOCK_SHARE
    # new customers: uniform over the horizon, slightly more at the end (growth)
    acq_new = np.floor(months * np.sqrt((ustock - STOCK_SHARE).clip(0) / (1 - STOCK_SHARE)) ** 1.0)
    uten = next(u)
    age_ref = AGE_LO[persona] + (AGE_HI[persona] - AGE_LO[persona]) * next(u)  # years at reference
    # stock: tenure ~ exponential (mean 8 years), no earlier than age 18
    tenure_years = np.minimum(-8.0 * np.log1p(-uten * 0.999), np.maximum(age_ref - 18.0, 0.0))
    acq_month = np.where(stock, -np.floor(tenure_years * 12), np.minimum(acq_new, months - 1)).astype(np.int32)
    ref_month = np.where(stock, 0, acq_month)  # month at which age_ref holds
    birth_month = (ref_month - np.round(age_ref * 12)).astype(np.int32)
    acq_month = np.maximum(acq_month, birth_month + 18 * 12)  # nobody is a customer before 18
    gender = (next(u) < 0.52).astype(np.int8)  # 1 = F
    z_inc = _z(next(u))
    age_factor = np.clip(0.6 + 0.02 * (age_ref - 20), 0.6, 1.25)
    income = (_F["income"][persona] * age_factor * np.exp(0.45 * z_inc)).round(-2)
    attitude = np.clip(_F["attitude"][persona] + 0.17 * _z(next(u)), 0.02, 0.98).astype(np.float32)
    sat_base = np.clip(0.62 + 0.35 * (attitude - 0.5) + 0.10 * _z(next(u)), 0.05, 0.98).astype(np.float32)
    # channels
    udig = next(u)
    digital = udig < _F["digital"][persona] * np.clip(1.5 - (age_ref - 20) / 60, 0.3, 1.3)
    ch_d = np.where(next(u) < 0.55, C.MOBILE, C.WEB)
    ch_h = np.where(next(u) < 0.6, C.BRANCH, np.where(next(u) < 0.8, C.PHONE, C.MAIL))
    preferred = np.where(digital, ch_d, ch_h).astype(np.int8)
    umc = next(u)
    n_ch = 1 + (umc < 0.85).astype(int) + (umc < _F["multichannel"][persona]).astype(int) + (
        umc < _F["multichannel"][persona] * 0.45).astype(int)
    # the mix: preferred channel plus n_ch - 1 others, picked by random priorities
    pri = np.stack([next(u) for _ in range(C.N_CHANNELS)], axis=1)
    pri[np.arange(n), preferred] = -1.0
    rank = np.argsort(np.argsort(pri, axis=1), axis=1)
    mix = rank < n_ch[:, None]
    consent = next(u) < _F["consent"][persona]
    opt_out = next(u) < 0.05
    hour = np.clip(np.round(np.where(age_ref > 60, 10, 17) + 2.5 * _z(next(u))), 8, 20).astype(np.int8)
    credit = np.clip(0.55 + 0.12 * z_inc + 0.15 * _z(next(u)) + 0.004 * (age_ref - 40)
                     - 0.15 * (persona == YOUNG_DRIVER), 0.01, 0.99)
    chronic = next(u) < (0.03 + 0.004 * np.clip(age_ref - 40, 0, None))
    risky = next(u) < _F["risky"][persona]
    # bonus-malus coefficient (Code des assurances): every novice starts at 1.00, 0.95 per
    # claim-free year since; risky drivers have had claims (x1.25 each), so a risky young
    # driver licensed for a year or more carries a malus
    pop_ = PR.population
    years_licensed = np.clip(age_ref - PR.prices.licence_age, 0, 60)
    coef = np.clip(0.95 ** (np.floor(years_licensed) * np.where(risky, pop_.risky_claim_free_share, pop_.claim_free_share)), 0.5, 1.0)
    uc = next(u)
    n_malus = (uc < pop_.young_risky_malus_share[0]).astype(int) + (uc < pop_.young_risky_malus_share[1])
    coef = np.where((persona == YOUNG_DRIVER) & risky & (years_licensed >= 1), 0.95 ** np.maximum(np.floor(years_licensed) - n_malus, 0) * 1.25 ** n_malus, coef)
    coef = np.round(np.clip(coef, 0.5, 3.5), 2)
    has_car = next(u) < np.array([pop_.car_owner_share[p] for p in PERSONA_ORDER])[persona]
    has_car |= persona == YOUNG_DRIVER
    has_car &= age_ref >= 18
    lo_, hi_ = pop_.car_age_range
    car_age = np.floor((lo_ + next(u) * (hi_ - lo_)) * 12).astype(np.int32)  # months since first registration
    held = np.floor(next(u) * pop_.car_held_max_years * 12).astype(np.int32)
    car_made = (ref_month - car_age).astype(np.int32)
    car_bought = (ref_month - np.minimum(car_age, held)).astype(np.int32)
    dept = geography.draw_department(next(u))
    # life stage and household at the reference date
    ust = next(u)
    r0, r_n = PR.population.retirement_age_range
    retire_age = r0 + np.floor(next(u) * r_n)
    stage = np.full(n, L.YOUNG_SINGLE, dtype=np.int8)
    a = age_ref
    # by age band: single, couple without children, family (young or mature), empty nest
    stage = np.where(a < 25, np.array([L.YOUNG_SINGLE, L.COUPLE, L.YOUNG_FAMILY])[_cat(ust, pop_.stage_under_25)], stage)
    stage = np.where((a >= 25) & (a < 35), np.array([L.YOUNG_SINGLE, L.COUPLE, L.YOUNG_FAMILY])[_cat(ust, pop_.stage_25_34)], stage)
    s35 = np.array([L.YOUNG_SINGLE, L.COUPLE, L.YOUNG_FAMILY, L.MATURE_FAMILY])
    stage = np.where((a >= 35) & (a < 50), s35[_cat(ust, pop_.stage_35_49)], stage)
    s50 = np.array([L.YOUNG_SINGLE, L.COUPLE, L.MATURE_FAMILY, L.EMPTY_NEST])
    stage = np.where((a >= 50), s50[_cat(ust, pop_.stage_50_plus)], stage)
    stage = np.where(a >= retire_age, np.where(ust < pop_.widowed_share_at_65 + pop_.widowed_share_per_year * (a - 65).clip(0), L.WIDOWED, L.RETIRED), stage)
    stage = np.where(persona == STUDENT, L.YOUNG_SINGLE, stage).astype(np.int8)
    # couples who are not married: most young couples, fewer with age
    lo_, hi_ = pop_.unmarried_share_bounds
    unmarried = next(u) < np.clip(pop_.unmarried_share_at_25 - pop_.unmarried_share_slope * (a - 25), lo_, hi_)
    stage = np.where(unmarried & (stage == L.COUPLE), L.COHABITING, stage)
    stage = np.where(unmarried & np.isin(stage, [L.YOUNG_FAMILY, L.MATURE_FAMILY]), L.COHABITING_FAMILY, stage).astype(np.int8)
    married = np.isin(stage, [L.COUPLE, L.YOUNG_FAMILY, L.MATURE_FAMILY, L.EMPTY_NEST, L.RETIRED])
    married &= ~(np.isin(stage, [L.EMPTY_NEST, L.RETIRED]) & unmarried)
    uk = next(u)
    family = np.isin(stage, [L.YOUNG_FAMILY, L.MATURE_FAMILY, L.COHABITING_FAMILY])
    n_children = np.where(family, 1 + (uk < 0.65) + (uk < 0.2),
                          np.where(np.isin(stage, [L.EMPTY_NEST, L.RETIRED, L.WIDOWED]), 1 + (uk < 0.7) + (uk < 0.25), 0)).astype(np.int8)
    # ages (years) of the eldest and youngest child at the reference date, born when the
    # parent was between birth_min_age and birth_max_age
    gap = 2.5 * (n_children - 1)
    uy = next(u)
    mature = (stage == L.MATURE_FAMILY) | ((stage == L.COHABITING_FAMILY) & (a >= 40))
    y_young = np.where(mature, np.maximum(11 - gap, 0) + uy * 9, uy * np.maximum(10.5 - gap, 0.1))
    y_young = np.where(family, y_young, 30.0)
    ev = PR.events
    y_young = np.where(family, np.maximum(y_young, a - ev.birth_max_age), y_young)
    y_old = np.minimum(y_young + gap, np.maximum(a - ev.birth_min_age, y_young))
    y_old = np.where(stage == L.MATURE_FAMILY, np.maximum(y_old, np.minimum(11.0, a - ev.birth_min_age)), y_old)
    leave_age = (20.0 + 5 * next(u)) * 12  # age (months) at which the youngest leaves home
    gone = family & (y_young * 12 >= leave_age)  # too old for the children to be at home
    stage = np.where(gone, L.EMPTY_NEST, stage).astype(np.int8)
    youngest_birth = np.where(n_children > 0, ref_month - np.round(y_young * 12), 10**6).astype(np.int32)
    eldest_birth = np.where(n_children > 0, ref_month - np.round(y_old * 12), 10**6).astype(np.int32)
    p_owner = np.clip(pop_.owner_share_at_20 + pop_.owner_share_slope * (a - 20) + pop_.owner_share_high_income * (income > 45000), *pop_.owner_share_bounds)
    owner = next(u) < p_owner
    owner &= persona != STUDENT
    urban = geography.DEPT_URBAN[dept]
    return dict(
        sector=sec, persona=persona, stock=stock, acq_month=acq_month, birth_month=birth_month,
        gender=gender, income=income, attitude=attitude, sat_base=sat_base, preferred=preferred,
        mix=mix, multichannel=n_ch >= 3, consent=consent, opt_out=opt_out, hour=hour,
        credit=credit, chronic=chronic, risky=risky, coef=coef, has_car=has_car,
        car_bought=car_bought, car_made=car_made, dept=dept, stage=stage, married=married, n_children=n_children,
        youngest_birth=youngest_birth, eldest_birth=eldest_birth,
        leave_month=np.where(n_children > 0, youngest_birth + leave_age, 10**6).astype(np.int32),
        retire_month=(birth_month + retire_age * 12).astype(np.int32),
        owner=owner, urban=urban, u_extra=next(u), u_extra2=next(u), u_extra3=next(u),
    )


def initial_holdings(pop: dict, U: np.ndarray, sector: str):
    """Products held at acquisition (or on the start date for the stock).

    Returns ``hold`` (n x slots, bool) and ``age_months`` (n x slots: how long before the
    reference date each contract started; 0 for new customers).
    """
    n = len(pop["persona"])
    S = P.N_SLOTS
    persona, stock = pop["persona"], pop["stock"]
    age = (np.where(stock, 0, pop["acq_month"]) - pop["birth_month"]) / 12.0
    saver = _F["saver"][persona]
    bank = pop["sector"] == 0
    both = sector == "both"
    cross = 0.3 if both else 0.0
    p = np.zeros((n, S))
    st = stock.astype(float)
    ih = PR.population.initial_holding
    # bank customers
    p[:, P.B_CURRENT] = np.where(bank, 1.0, cross * 0.5)
    p[:, P.B_CARD] = np.where(bank, 0.85, 0.0)
    p[:, P.B_SAVINGS] = np.where(bank, (ih["B_SAVINGS"][0] + ih["B_SAVINGS"][1] * st) * np.clip(saver, 0.7, 1.2), cross * 0.2 * st)
    p[:, P.B_CONSUMER] = np.where(bank, ih["B_CONSUMER"][0] + ih["B_CONSUMER"][1] * st, 0.0) * (age < 70)
    p[:, P.B_MORTGAGE] = (np.where(bank, ih["B_MORTGAGE"][0] + ih["B_MORTGAGE"][1] * st, cross * 0.1 * st) * pop["owner"]
                          * (age < 65) * (age >= PR.purchases.mortgage_min_age))
    p[:, P.B_STUDENT] = np.where(bank & (persona == 0), 0.1 + 0.15 * st, 0.0)
    p[:, P.B_LIFE] = np.where(bank, (ih["B_LIFE"][0] + ih["B_LIFE"][1] * st) * np.clip(saver, 0.2, 2.0), 0.0) * (age > 25)
    # insurance customers
    ins = ~bank
    p[:, P.I_AUTO] = np.where(ins, 0.8, cross * 0.35 * st) * pop["has_car"]
    p[:, P.I_AUTO] = np.where(ins & (persona == YOUNG_DRIVER), 1.0, p[:, P.I_AUTO])
    p[:, P.I_HOME] = np.where(ins, 0.25 + 0.4 * st, cross * 0.4 * st) * (persona != STUDENT)
    p[:, P.I_HEALTH] = np.where(ins, 0.06 + 0.25 * st + 0.3 * (age > 60), cross * 0.1 * st)
    p[:, P.I_LIFE] = np.where(ins, (ih["I_LIFE"][0] + ih["I_LIFE"][1] * st) * np.clip(saver, 0.2, 2.0), 0.0) * (age > 25)
    p[:, P.I_AUTO2] = np.where(ins, ih["I_AUTO2"][0] + ih["I_AUTO2"][1] * st, 0.0) * L.PARTNERED[pop["stage"]] * pop["has_car"]
    hold = U[:S].T < p
    hold[:, P.B_CARD] &= hold[:, P.B_CURRENT] | bank
    hold[:, P.I_AUTO2] &= hold[:, P.I_AUTO]
    # every customer holds at least the division's anchor product
    none = ~hold.any(axis=1)
    anchor_ins = np.where(pop["has_car"], P.I_AUTO, P.I_HOME)
    anchor = np.where(bank, P.B_CURRENT, anchor_ins)
    hold[np.flatnonzero(none), anchor[none]] = True
    # how long ago (months) each held contract of the stock started: within the tenure
    tenure = np.maximum(-pop["acq_month"], 0)
    back = np.floor(U[S:2 * S].T * tenure[:, None]).astype(np.int32)
    # the anchor product dates from the acquisition
    back[np.arange(n), anchor] = tenure
    back[:, P.B_CURRENT] = np.where(bank, tenure, back[:, P.B_CURRENT])
    # loans must still be running on the start date; a mortgage is not taken before 22
    for s, term in P.LOAN_TERM.items():
        back[:, s] = back[:, s] % term
    adult_months = np.maximum(np.floor((age - PR.purchases.mortgage_min_age) * 12), 0).astype(np.int32)
    back[:, P.B_MORTGAGE] = np.minimum(back[:, P.B_MORTGAGE], adult_months)
    back = np.where(stock[:, None], back, 0)
    return hold, back


def pair_households(pop: dict, sizes: list[int]) -> np.ndarray:
    """Pair customers of the stock who live in a couple with another customer of the same
    atom (opposite sex, close ages): the partner is then a customer too and both share
    one household. The follower of each pair takes the leader's household (stage,
    marital status, children, home, address). Returns, per customer, the row of the
    household's first customer (itself if single or partner not a customer).

    Pairs are drawn within atoms (the unit of randomness), so they do not depend on how
    atoms are grouped into blocks. Parameters: ``population.partner_customer_share``,
    ``population.max_partner_age_gap``.
    """
    n = len(pop["persona"])
    head = np.arange(n)
    stage, stock = pop["stage"], pop["stock"]
    want = stock & L.PARTNERED[stage] & (pop["u_extra3"] < PR.population.partner_customer_share)
    age = -pop["birth_month"].astype(np.int64)
    start = 0
    for size in sizes:
        idx = np.arange(start, start + size)
        start += size
        f = idx[want[idx] & (pop["gender"][idx] == 1)]
        m = idx[want[idx] & (pop["gender"][idx] == 0)]
        f, m = f[np.argsort(age[f], kind="stable")], m[np.argsort(age[m], kind="stable")]
        k = min(len(f), len(m))
        f, m = f[:k], m[:k]
        ok = np.abs(age[f] - age[m]) <= PR.population.max_partner_age_gap * 12
        lead, follow = np.minimum(f[ok], m[ok]), np.maximum(f[ok], m[ok])
        head[follow] = lead
    follow = np.flatnonzero(head != np.arange(n))
    lead = head[follow]
    for key in ("stage", "married", "n_children", "youngest_birth", "eldest_birth", "leave_month", "owner", "dept", "urban"):
        pop[key][follow] = pop[key][lead]
    return head
