"""Life stages and life events: the needs that drive purchases.

A customer moves through seven life stages (young single, couple, young family, mature
family, empty nest, retired, widowed). Events move her from one stage to the next and
open *needs* for products, as a bank advisor's workstation would recommend them (seed
001: a student loan when a child enters higher education, a consumer loan once the car is
older than the French average of about ten years). A need is a number in [0, 1] per
product that decays by :data:`NEED_DECAY` each month; the monthly purchase probability of
a product grows with it (see :mod:`crmkit.synth.simulate`).
"""

from __future__ import annotations

import numpy as np

from crmkit.synth import products as P

STAGES = ("young_single", "couple", "young_family", "mature_family", "empty_nest",
          "retired", "widowed")
YOUNG_SINGLE, COUPLE, YOUNG_FAMILY, MATURE_FAMILY, EMPTY_NEST, RETIRED, WIDOWED = range(7)

EVENTS = ("marriage", "birth", "home_purchase", "car_purchase", "job_move",
          "child_secondary_school", "child_higher_education", "children_leave_home",
          "retirement", "death_of_spouse", "car_ageing")
(MARRIAGE, BIRTH, HOME_PURCHASE, CAR_PURCHASE, JOB_MOVE, CHILD_SECONDARY,
 CHILD_HIGHER_ED, CHILDREN_LEAVE, RETIREMENT, DEATH_OF_SPOUSE, CAR_AGEING) = range(len(EVENTS))

NEED_DECAY = 0.88  # a need halves in about five months
AVERAGE_CAR_AGE_MONTHS = 11 * 12  # the average age of cars in France (~11 years)

# event -> {product slot: need added}
EVENT_NEEDS = {
    MARRIAGE: {P.I_HOME: 0.6, P.I_AUTO2: 0.7, P.B_SAVINGS: 0.3, P.B_LIFE: 0.2, P.I_LIFE: 0.2},
    BIRTH: {P.B_SAVINGS: 0.5, P.B_LIFE: 0.5, P.I_LIFE: 0.5, P.I_HEALTH: 0.6},
    HOME_PURCHASE: {P.B_MORTGAGE: 1.0, P.I_HOME: 1.0},
    CAR_PURCHASE: {P.I_AUTO: 1.0, P.B_CONSUMER: 0.45},
    JOB_MOVE: {P.I_HOME: 0.4, P.B_CONSUMER: 0.15},
    CHILD_SECONDARY: {P.B_SAVINGS: 0.3},
    CHILD_HIGHER_ED: {P.B_STUDENT: 1.0},
    CHILDREN_LEAVE: {},
    RETIREMENT: {P.B_LIFE: 0.6, P.I_LIFE: 0.6, P.B_SAVINGS: 0.3, P.I_HEALTH: 0.5},
    DEATH_OF_SPOUSE: {P.B_LIFE: 0.2},
    # the insured car passes the French average age: the advisor's system proposes a loan
    CAR_AGEING: {P.B_CONSUMER: 0.35},
}
NEED_MATRIX = np.zeros((len(EVENTS), P.N_SLOTS), dtype=np.float32)
for _e, _d in EVENT_NEEDS.items():
    for _s, _v in _d.items():
        NEED_MATRIX[_e, _s] = _v


def monthly_hazards(age, stage, married, owner, n_children, income, working):
    """Monthly probability of the random events (the scheduled ones are handled by date).

    Returns a dict event -> probability array.
    """
    age = np.asarray(age, dtype=np.float32)
    single = stage == YOUNG_SINGLE
    wed = (np.exp(-0.5 * ((age - 30.0) / 5.5) ** 2) * 0.011 * single).astype(np.float32)
    fertile = (age > 21) & (age < 44) & married & (n_children < 3)
    birth = (fertile * np.where(n_children == 0, 0.016, 0.008)
             * np.exp(-0.5 * ((age - 31.0) / 5.0) ** 2)).astype(np.float32)
    home = ((~owner) & (age > 24) & (age < 60)) * (0.0025 + 0.004 * married) * np.clip(
        income / 40000.0, 0.4, 2.0)
    car = np.full(age.shape, 0.006, dtype=np.float32) * (age > 19)
    job = 0.003 * working * (age < 60)
    spouse_death = married * np.clip(np.exp(-10.9 + 0.094 * age) / 12.0, 0, 0.05)
    return {MARRIAGE: wed, BIRTH: birth, HOME_PURCHASE: home.astype(np.float32),
            CAR_PURCHASE: car, JOB_MOVE: job.astype(np.float32),
            DEATH_OF_SPOUSE: spouse_death.astype(np.float32)}


def mortality(age):
    """Monthly probability of death (Gompertz law)."""
    return np.clip(np.exp(-11.2 + 0.098 * np.asarray(age, dtype=np.float32)) / 12.0, 0, 0.05)
