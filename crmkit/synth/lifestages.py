"""Life stages and life events: the needs that drive purchases.

A customer moves through nine life stages (young single, cohabiting, married couple,
cohabiting family, young married family, mature family, empty nest, retired, widowed): most
couples live together before they marry or never marry, and most first children are born
outside marriage, as in France. Events move her from one stage to the next and
open *needs* for products, as a bank advisor's workstation would recommend them (the
lecture slides: a student loan when a child enters higher education, a consumer loan once the car is
older than the French average of about ten years). A need is a number in [0, 1] per
product that decays by :data:`NEED_DECAY` each month; the monthly purchase probability of
a product grows with it (see :mod:`crmkit.synth.simulate`).
"""

from __future__ import annotations

import numpy as np

from crmkit.synth import products as P
from crmkit.synth.parameters import PARAMS as PR

STAGES = ("young_single", "cohabiting", "couple", "cohabiting_family", "young_family", "mature_family",
          "empty_nest", "retired", "widowed")
(YOUNG_SINGLE, COHABITING, COUPLE, COHABITING_FAMILY, YOUNG_FAMILY, MATURE_FAMILY, EMPTY_NEST, RETIRED,
 WIDOWED) = range(len(STAGES))
# living in a couple (married or not) and, among them, married
PARTNERED_STAGES = (COHABITING, COUPLE, COHABITING_FAMILY, YOUNG_FAMILY, MATURE_FAMILY, EMPTY_NEST, RETIRED)
UNMARRIED_COUPLE_STAGES = (COHABITING, COHABITING_FAMILY)

EVENTS = ("marriage", "birth", "home_purchase", "car_purchase", "job_move",
          "child_secondary_school", "child_higher_education", "children_leave_home",
          "retirement", "death_of_spouse", "car_ageing", "union", "used_car_purchase", "home_move")
(MARRIAGE, BIRTH, HOME_PURCHASE, CAR_PURCHASE, JOB_MOVE, CHILD_SECONDARY,
 CHILD_HIGHER_ED, CHILDREN_LEAVE, RETIREMENT, DEATH_OF_SPOUSE, CAR_AGEING, UNION,
 USED_CAR_PURCHASE, HOME_MOVE) = range(len(EVENTS))

_EV = PR.events
NEED_DECAY = _EV.need_decay  # a need halves in about five months
AVERAGE_CAR_AGE_MONTHS = _EV.fleet_average_age_months  # the average age of cars in France

# event -> {product slot: need added}
EVENT_NEEDS = {EVENTS.index(e): {P.PRODUCT_IDS.index(pid) if pid != "I_AUTO2" else P.I_AUTO2: v for pid, v in d.items()}
               for e, d in _EV.needs.items()}
EVENT_NEEDS[USED_CAR_PURCHASE] = EVENT_NEEDS[CAR_PURCHASE]
NEED_MATRIX = np.zeros((len(EVENTS), P.N_SLOTS), dtype=np.float32)
for _e, _d in EVENT_NEEDS.items():
    for _s, _v in _d.items():
        NEED_MATRIX[_e, _s] = _v
PARTNERED = np.isin(np.arange(len(STAGES)), PARTNERED_STAGES)
SEASON = {e: np.asarray(v, dtype=np.float32) * 12 / np.sum(v) for e, v in _EV.seasonality.items()}


def _bell(age, centre, sd):
    return np.exp(-0.5 * ((age - centre) / sd) ** 2)


def monthly_hazards(age, female, stage, married, owner, n_children, income, working, moy=0):
    """Monthly probability of the random events (the scheduled ones are handled by date).

    ``female`` is a boolean array; ``moy`` the month of the year (0 = January) for the
    seasonal events. Parameters: ``events.union_*``, ``events.marriage_*``,
    ``events.birth_*``, ``events.home_*``, ``events.job_move``, ``events.seasonality``;
    spouse mortality as :func:`mortality`. Returns a dict event -> probability array.
    """
    ev = _EV
    age = np.asarray(age, dtype=np.float32)
    female = np.asarray(female, dtype=bool)
    single = stage == YOUNG_SINGLE
    unmarried_couple = (stage == COHABITING) | (stage == COHABITING_FAMILY)
    shift = np.where(female, 0.0, ev.partner_age_gap).astype(np.float32)  # men's calendar is later
    union = (single * ev.union_rate * _bell(age - shift, ev.union_peak_age, ev.union_age_sd) * (age >= 18))
    wed_rate = np.where(single, ev.marriage_rate_single, ev.marriage_rate_cohabiting) * (single | unmarried_couple)
    wed = (wed_rate * _bell(age - shift, ev.marriage_peak_age, ev.marriage_age_sd)
           * SEASON["marriage"][moy] * (age >= 18)).astype(np.float32)
    partnered = PARTNERED[stage] & (stage != EMPTY_NEST) & (stage != RETIRED)
    fertile = partnered & (n_children < ev.birth_max_children)
    parity = np.asarray(ev.birth_rate_by_parity, dtype=np.float32)[np.minimum(n_children, len(ev.birth_rate_by_parity) - 1)]
    birth = (fertile * parity * _bell(age - shift, ev.birth_peak_age, ev.birth_age_sd)
             * (age - shift > ev.birth_min_age) * (age - shift < ev.birth_max_age)).astype(np.float32)
    lo, hi = ev.home_age_range
    home = ((~owner) & (age > lo) & (age < hi)) * (ev.home_rate + ev.home_rate_couple * PARTNERED[stage]) * np.clip(
        income / ev.home_income_reference, *ev.home_income_bounds) * SEASON["home_purchase"][moy]
    car = np.zeros(age.shape, dtype=np.float32)  # set by the engine (depends on the car's age)
    job = ev.job_move * working * (age < ev.job_move_max_age)
    move = np.where(owner, ev.home_move["owner"], ev.home_move["renter"]) * (age < ev.job_move_max_age) * SEASON["home_purchase"][moy]
    spouse_death = PARTNERED[stage] * mortality(age + ev.partner_age_gap * female)
    return {MARRIAGE: wed, BIRTH: birth, HOME_PURCHASE: home.astype(np.float32),
            CAR_PURCHASE: car, JOB_MOVE: job.astype(np.float32),
            DEATH_OF_SPOUSE: spouse_death.astype(np.float32), UNION: union.astype(np.float32),
            HOME_MOVE: move.astype(np.float32)}


def mortality(age):
    """Monthly probability of death (Gompertz law). Parameters: ``events.mortality_*``."""
    return np.clip(np.exp(_EV.mortality_intercept + _EV.mortality_slope * np.asarray(age, dtype=np.float32)) / 12.0,
                   0, _EV.mortality_cap)
