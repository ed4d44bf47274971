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
_POP = PR.population
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

STOCK_SHARE = PR.population.stock_share  # share of customers already customers on the start date
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
        sec = (us >= _POP.bank_share).astype(np.int8)
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
    tenure_years = np.minimum(-_POP.stock_tenure_mean_years * np.log1p(-uten * 0.999), np.maximum(age_ref - float(_POP.adult_age), 0.0))
    acq_month = np.where(stock, -np.floor(tenure_years * 12), np.minimum(acq_new, months - 1)).astype(np.int32)
    ref_month = np.where(stock, 0, acq_month)  # month at which age_ref holds
    birth_month = (ref_month - np.round(age_ref * 12)).astype(np.int32)
    acq_month = np.maximum(acq_month, birth_month + _POP.adult_age * 12)  # nobody is a customer before 18
    gender = (next(u) < _POP.female_share).astype(np.int8)  # 1 = F
    z_inc = _z(next(u))
    lo_f, slope_f, hi_f = _POP.income_age_factor
    age_factor = np.clip(lo_f + slope_f * (age_ref - 20), lo_f, hi_f)
    income = (_F["income"][persona] * age_factor * np.exp(_POP.income_sigma * z_inc)).round(-2)
    attitude = np.clip(_F["attitude"][persona] + _POP.attitude_sd * _z(next(u)), *_POP.attitude_bounds).astype(np.float32)
    sb = _POP.satisfaction_base
    sat_base = np.clip(sb["intercept"] + sb["attitude_slope"] * (attitude - 0.5) + sb["sd"] * _z(next(u)), sb["low"], sb["high"]).astype(np.float32)
    # channels
    udig = next(u)
    da = _POP.digital_age_factor
    digital = udig < _F["digital"][persona] * np.clip(da["intercept"] - (age_ref - da["reference_age"]) / da["years"], da["low"], da["high"])
    ch_d = np.where(next(u) < _POP.mobile_share_of_digital, C.MOBILE, C.WEB)
    hc = _POP.human_channel_shares
    ch_h = np.where(next(u) < hc["branch"], C.BRANCH, np.where(next(u) < hc["phone"], C.PHONE, C.MAIL))
    preferred = np.where(digital, ch_d, ch_h).astype(np.int8)
    umc = next(u)
    cc = _POP.channel_count
    n_ch = 1 + (umc < cc["second"]).astype(int) + (umc < _F["multichannel"][persona]).astype(int) + (
        umc < _F["multichannel"][persona] * cc["fourth_factor"]).astype(int)
    # the mix: preferred channel plus n_ch - 1 others, picked by random priorities
    pri = np.stack([next(u) for _ in range(C.N_CHANNELS)], axis=1)
    pri[np.arange(n), preferred] = -1.0
    rank = np.argsort(np.argsort(pri, axis=1), axis=1)
    mix = rank < n_ch[:, None]
    consent = next(u) < _F["consent"][persona]
    opt_out = next(u) < _POP.opt_out_share
    ho = _POP.contact_hour
    hour = np.clip(np.round(np.where(age_ref > ho["senior_age"], ho["senior_hour"], ho["hour"]) + ho["sd"] * _z(next(u))), ho["low"], ho["high"]).astype(np.int8)
    cs = _POP.credit_score
    credit = np.clip(cs["intercept"] + cs["income_slope"] * z_inc + cs["sd"] * _z(next(u)) + cs["age_slope"] * (age_ref - cs["reference_age"])
                     - cs["young_driver"] * (persona == YOUNG_DRIVER), cs["low"], cs["high"])
    ci = _POP.chronic_illness
    chronic = next(u) < (ci["base"] + ci["per_year_over"] * np.clip(age_ref - ci["from_age"], 0, None))
    risky = next(u) < _F["risky"][persona]
    # bonus-malus coefficient (Code des assurances): every novice starts at 1.00, 0.95 per
    # claim-free year since; risky drivers have had claims (x1.25 each), so a risky young
    # driver licensed for a year or more carries a malus
    pop_ = PR.population
    years_licensed = np.clip(age_ref - PR.prices.licence_age, 0, 60)
    bonus, malus = PR.repricing.bonus_factor, PR.claims.malus_factor
    coef = np.clip(bonus ** (np.floor(years_licensed) * np.where(risky, pop_.risky_claim_free_share, pop_.claim_free_share)), PR.repricing.bonus_floor, 1.0)
    uc = next(u)
    n_malus = (uc < pop_.young_risky_malus_share[0]).astype(int) + (uc < pop_.young_risky_malus_share[1])
    coef = np.where((persona == YOUNG_DRIVER) & risky & (years_licensed >= 1), bonus ** np.maximum(np.floor(years_licensed) - n_malus, 0) * malus ** n_malus, coef)
    coef = np.round(np.clip(coef, PR.repricing.bonus_floor, PR.claims.malus_ceiling), 2)
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
    (f2, f3), (o2, o3) = _POP.children_count["family"], _POP.children_count["older"]
    n_children = np.where(family, 1 + (uk < f2) + (uk < f3),
                          np.where(np.isin(stage, [L.EMPTY_NEST, L.RETIRED, L.WIDOWED]), 1 + (uk < o2) + (uk < o3), 0)).astype(np.int8)
    # ages (years) of the eldest and youngest child at the reference date, born when the
    # parent was between birth_min_age and birth_max_age
    gap = _POP.birth_spacing_years * (n_children - 1)
    uy = next(u)
    mature = (stage == L.MATURE_FAMILY) | ((stage == L.COHABITING_FAMILY) & (a >= 40))
    yc = _POP.youngest_child_age
    y_young = np.where(mature, np.maximum(yc["mature_min"] - gap, 0) + uy * yc["mature_span"], uy * np.maximum(yc["young_span"] - gap, yc["young_min_span"]))
    y_young = np.where(family, y_young, float(yc["none"]))
    ev = PR.events
    y_young = np.where(family, np.maximum(y_young, a - ev.birth_max_age), y_young)
    y_old = np.minimum(y_young + gap, np.maximum(a - ev.birth_min_age, y_young))
    y_old = np.where(stage == L.MATURE_FAMILY, np.maximum(y_old, np.minimum(float(yc["mature_min"]), a - ev.birth_min_age)), y_old)
    lh0, lh_span = _POP.leave_home_age
    leave_age = (float(lh0) + lh_span * next(u)) * 12  # age (months) at which the youngest leaves home
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
    ho = PR.population.initial_holding_other
    cross = ho["cross_sector"] if both else 0.0
    p = np.zeros((n, S))
    st = stock.astype(float)
    ih = PR.population.initial_holding
    # bank customers
    p[:, P.B_CURRENT] = np.where(bank, 1.0, cross * ho["cross_current"])
    p[:, P.B_CARD] = np.where(bank, ho["card"], 0.0)
    p[:, P.B_SAVINGS] = np.where(bank, (ih["B_SAVINGS"][0] + ih["B_SAVINGS"][1] * st) * np.clip(saver, *ho["savings_saver_clip"]), cross * ho["cross_savings"] * st)
    p[:, P.B_CONSUMER] = np.where(bank, ih["B_CONSUMER"][0] + ih["B_CONSUMER"][1] * st, 0.0) * (age < ho["consumer_max_age"])
    p[:, P.B_MORTGAGE] = (np.where(bank, ih["B_MORTGAGE"][0] + ih["B_MORTGAGE"][1] * st, cross * ho["cross_mortgage"] * st) * pop["owner"]
                          * (age < ho["mortgage_max_age"]) * (age >= PR.purchases.mortgage_min_age))
    p[:, P.B_STUDENT] = np.where(bank & (persona == 0), ho["student"][0] + ho["student"][1] * st, 0.0)
    p[:, P.B_LIFE] = np.where(bank, (ih["B_LIFE"][0] + ih["B_LIFE"][1] * st) * np.clip(saver, *ho["life_saver_clip"]), 0.0) * (age > ho["life_min_age"])
    # insurance customers
    ins = ~bank
    p[:, P.I_AUTO] = np.where(ins, ho["auto"], cross * ho["cross_auto"] * st) * pop["has_car"]
    p[:, P.I_AUTO] = np.where(ins & (persona == YOUNG_DRIVER), 1.0, p[:, P.I_AUTO])
    p[:, P.I_HOME] = np.where(ins, ho["home"][0] + ho["home"][1] * st, cross * ho["cross_home"] * st) * (persona != STUDENT)
    h0, h1, h2 = ho["health"]
    p[:, P.I_HEALTH] = np.where(ins, h0 + h1 * st + h2 * (age > ho["health_senior_age"]), cross * ho["cross_health"] * st)
    p[:, P.I_LIFE] = np.where(ins, (ih["I_LIFE"][0] + ih["I_LIFE"][1] * st) * np.clip(saver, *ho["life_saver_clip"]), 0.0) * (age > ho["life_min_age"])
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
