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


PERSONAS = (
    Persona("student", 0.10, 0.03, (18, 25), 14000, 0.50, 0.0140, 0.8, 0.25, 0.45, 0.85, 0.15, 0.75),
    Persona("young_driver", 0.03, 0.13, (18, 26), 21000, 0.42, 0.0168, 0.7, 0.10, 0.35, 0.75, 0.85, 0.70),
    Persona("young_professional", 0.16, 0.12, (24, 36), 34000, 0.48, 0.0140, 1.2, 0.70, 0.55, 0.75, 0.15, 0.65),
    Persona("family_builder", 0.18, 0.20, (28, 46), 52000, 0.58, 0.0084, 1.5, 0.80, 0.50, 0.50, 0.12, 0.70),
    Persona("affluent_saver", 0.11, 0.07, (40, 68), 95000, 0.62, 0.0070, 1.3, 2.20, 0.55, 0.35, 0.08, 0.60),
    Persona("price_hunter", 0.14, 0.15, (25, 62), 38000, 0.22, 0.0252, 1.0, 0.40, 0.60, 0.80, 0.20, 0.80),
    Persona("loyal_traditional", 0.15, 0.14, (45, 80), 31000, 0.80, 0.0042, 0.45, 0.25, 0.08, 0.10, 0.08, 0.55),
    Persona("senior", 0.13, 0.16, (62, 88), 26000, 0.62, 0.0056, 0.6, 0.60, 0.10, 0.12, 0.10, 0.50),
)
PERSONA_NAMES = tuple(p.name for p in PERSONAS)
(STUDENT, YOUNG_DRIVER, YOUNG_PRO, FAMILY, AFFLUENT, PRICE_HUNTER, LOYAL, SENIOR) = range(len(PERSONAS))
_F = {f: np.array([getattr(p, f) for p in PERSONAS]) for f in Persona.__dataclass_fields__ if f not in ("name", "age")}
AGE_LO = np.array([p.age[0] for p in PERSONAS], dtype=float)
AGE_HI = np.array([p.age[1] for p in PERSONAS], dtype=float)

STOCK_SHARE = 0.6  # share of customers already customers on the start date
K_INIT = 40  # uniforms per customer used at initialisation


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
    acq_month = np.where(stock, -np.ceil(tenure_years * 12), np.minimum(acq_new, months - 1)).astype(np.int32)
    ref_month = np.where(stock, 0, acq_month)  # month at which age_ref holds
    birth_month = (ref_month - np.round(age_ref * 12)).astype(np.int32)
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
    # bonus-malus coefficient: 0.95 per claim-free year since the licence, a malus for
    # risky young drivers
    years_licensed = np.clip(age_ref - 18.0, 0, 60)
    coef = np.clip(0.95 ** (years_licensed * np.where(risky, 0.3, 0.85)), 0.5, 1.0)
    coef = np.where((persona == YOUNG_DRIVER) & risky, 1.25 + 0.9 * next(u), coef)
    coef = np.round(coef, 2)
    has_car = next(u) < np.where(persona == STUDENT, 0.35, np.where(persona == SENIOR, 0.7, 0.88))
    has_car |= persona == YOUNG_DRIVER
    car_age = np.floor(next(u) * 16 * 12).astype(np.int32)  # months
    car_bought = (ref_month - car_age).astype(np.int32)
    dept = geography.draw_department(next(u))
    # life stage and household at the reference date
    ust = next(u)
    retire_age = 60.0 + np.floor(next(u) * 8)
    stage = np.full(n, L.YOUNG_SINGLE, dtype=np.int8)
    a = age_ref
    stage = np.where((a >= 25) & (a < 35), _cat(ust, [0.35, 0.30, 0.35])[...], stage)
    p35 = np.array([0.15, 0.15, 0.40, 0.30])
    stage = np.where((a >= 35) & (a < 50), _cat(ust, p35), stage)
    s50 = np.array([L.YOUNG_SINGLE, L.COUPLE, L.MATURE_FAMILY, L.EMPTY_NEST])
    stage = np.where((a >= 50), s50[_cat(ust, [0.12, 0.08, 0.30, 0.50])], stage)
    stage = np.where((a < 25) & (ust < 0.12), L.COUPLE, stage)
    stage = np.where(a >= retire_age, np.where(ust < 0.18 + 0.01 * (a - 65).clip(0), L.WIDOWED, L.RETIRED), stage)
    stage = np.where(persona == STUDENT, L.YOUNG_SINGLE, stage).astype(np.int8)
    married = np.isin(stage, [L.COUPLE, L.YOUNG_FAMILY, L.MATURE_FAMILY, L.EMPTY_NEST, L.RETIRED])
    married &= ~((stage == L.EMPTY_NEST) & (ust > 0.9))
    uk = next(u)
    n_children = np.where(np.isin(stage, [L.YOUNG_FAMILY, L.MATURE_FAMILY]), 1 + (uk < 0.65) + (uk < 0.2),
                          np.where(np.isin(stage, [L.EMPTY_NEST, L.RETIRED, L.WIDOWED]), 1 + (uk < 0.7) + (uk < 0.25), 0)).astype(np.int8)
    # ages (years) of the eldest and youngest child at the reference date
    gap = 2.5 * (n_children - 1)
    y_young = np.where(stage == L.YOUNG_FAMILY, next(u) * np.maximum(10.5 - gap, 0.1),
                       np.where(stage == L.MATURE_FAMILY, np.maximum(11 - gap, 0) + next(u) * 9, 30.0))
    y_old = y_young + gap
    y_old = np.where(stage == L.MATURE_FAMILY, np.maximum(y_old, 11.0), y_old)
    youngest_birth = np.where(n_children > 0, ref_month - np.round(y_young * 12), 10**6).astype(np.int32)
    eldest_birth = np.where(n_children > 0, ref_month - np.round(y_old * 12), 10**6).astype(np.int32)
    leave_age = (20.0 + 5 * next(u)) * 12  # age (months) at which the youngest leaves home
    p_owner = np.clip(0.15 + 0.012 * (a - 25) + 0.15 * (income > 45000), 0.02, 0.85)
    owner = next(u) < p_owner
    owner &= persona != STUDENT
    urban = geography.DEPT_URBAN[dept]
    return dict(
        sector=sec, persona=persona, stock=stock, acq_month=acq_month, birth_month=birth_month,
        gender=gender, income=income, attitude=attitude, sat_base=sat_base, preferred=preferred,
        mix=mix, multichannel=n_ch >= 3, consent=consent, opt_out=opt_out, hour=hour,
        credit=credit, chronic=chronic, risky=risky, coef=coef, has_car=has_car,
        car_bought=car_bought, dept=dept, stage=stage, married=married, n_children=n_children,
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
    # bank customers
    p[:, P.B_CURRENT] = np.where(bank, 1.0, cross * 0.5)
    p[:, P.B_CARD] = np.where(bank, 0.85, 0.0)
    p[:, P.B_SAVINGS] = np.where(bank, (0.12 + 0.4 * st) * np.clip(saver, 0.3, 1.5), cross * 0.2 * st)
    p[:, P.B_CONSUMER] = np.where(bank, 0.04 + 0.1 * st, 0.0) * (age < 70)
    p[:, P.B_MORTGAGE] = np.where(bank, 0.04 + 0.4 * st, cross * 0.1 * st) * pop["owner"] * (age < 62)
    p[:, P.B_STUDENT] = np.where(bank & (persona == 0), 0.1 + 0.15 * st, 0.0)
    p[:, P.B_LIFE] = np.where(bank, (0.03 + 0.2 * st) * np.clip(saver, 0.2, 2.0), 0.0) * (age > 25)
    # insurance customers
    ins = ~bank
    p[:, P.I_AUTO] = np.where(ins, 0.8, cross * 0.35 * st) * pop["has_car"]
    p[:, P.I_AUTO] = np.where(ins & (persona == YOUNG_DRIVER), 1.0, p[:, P.I_AUTO])
    p[:, P.I_HOME] = np.where(ins, 0.25 + 0.4 * st, cross * 0.4 * st) * (persona != STUDENT)
    p[:, P.I_HEALTH] = np.where(ins, 0.06 + 0.25 * st + 0.3 * (age > 60), cross * 0.1 * st)
    p[:, P.I_LIFE] = np.where(ins, (0.02 + 0.12 * st) * np.clip(saver, 0.2, 2.0), 0.0) * (age > 25)
    p[:, P.I_AUTO2] = np.where(ins, 0.25 * st, 0.0) * pop["married"] * pop["has_car"]
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
    # loans must still be running on the start date
    for s, term in P.LOAN_TERM.items():
        back[:, s] = back[:, s] % term
    back = np.where(stock[:, None], back, 0)
    return hold, back
