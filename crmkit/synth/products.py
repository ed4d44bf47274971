"""The product catalogue of the bancassurance group and the economics of each product.

A customer holds at most one contract per *slot*. There is one slot per product, plus a
second auto slot (the spouse's or a grown child's car, the "second car" that a marriage
brings). Each slot has a transaction kind (premium, fee or interest margin), a way of
computing its monthly amount, a margin rate (what the company keeps of that amount) and,
for insurance covers, a claim process.

Economics (orders of magnitude of the French market, euros):

* bank fees and interest margins are margin as they are (``margin_rate = 1``);
* insurance premiums keep 80 % after distribution and management expenses
  (``margin_rate = 0.8``); claims are paid out in full and count negatively;
* savings accounts earn the bank an interest margin of 1 % a year on the balance, life
  insurance a management fee of 0.7 % a year on the balance and 1 % of each deposit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.synth.parameters import PARAMS as PR

BANK, INSURANCE = 0, 1

# slot index -> (product_id, sector, name, family, typical monthly amount, learn-feel-do)
_CATALOGUE = [
    ("B_CURRENT", BANK, "current account", "account", 8.0, "conative"),
    ("B_CARD", BANK, "payment card", "account", 3.5, "conative"),
    ("B_SAVINGS", BANK, "savings account", "savings", 6.0, "cognitive"),
    ("B_CONSUMER", BANK, "consumer loan", "credit", 19.0, "affective"),
    ("B_MORTGAGE", BANK, "mortgage", "credit", 80.0, "cognitive"),
    ("B_STUDENT", BANK, "student loan", "credit", 19.0, "cognitive"),
    ("B_LIFE", BANK, "life insurance (bank)", "savings", 12.0, "cognitive"),
    ("I_AUTO", INSURANCE, "auto insurance", "cover", 50.0, "cognitive"),
    ("I_HOME", INSURANCE, "home insurance", "cover", 22.0, "conative"),
    ("I_HEALTH", INSURANCE, "health insurance", "cover", 60.0, "cognitive"),
    ("I_LIFE", INSURANCE, "life / savings insurance", "savings", 12.0, "cognitive"),
]
PRODUCT_IDS = tuple(r[0] for r in _CATALOGUE)
N_PRODUCTS = len(PRODUCT_IDS)
(B_CURRENT, B_CARD, B_SAVINGS, B_CONSUMER, B_MORTGAGE, B_STUDENT, B_LIFE,
 I_AUTO, I_HOME, I_HEALTH, I_LIFE) = range(N_PRODUCTS)
I_AUTO2 = N_PRODUCTS  # second car, same product as I_AUTO
N_SLOTS = N_PRODUCTS + 1
SLOT_PRODUCT = np.array(list(range(N_PRODUCTS)) + [I_AUTO], dtype=np.int8)
PRODUCT_SECTOR = np.array([r[1] for r in _CATALOGUE], dtype=np.int8)
SLOT_SECTOR = PRODUCT_SECTOR[SLOT_PRODUCT]

# transaction kinds, in the order of crmkit.schema.TRANSACTION_KINDS
PREMIUM, FEE, INTEREST_MARGIN, CLAIM, DEPOSIT = range(5)
SLOT_KIND = np.array([FEE, FEE, INTEREST_MARGIN, INTEREST_MARGIN, INTEREST_MARGIN,
                      INTEREST_MARGIN, FEE, PREMIUM, PREMIUM, PREMIUM, FEE, PREMIUM], dtype=np.int8)
SLOT_MARGIN_RATE = np.where(SLOT_KIND == PREMIUM, 0.8, 1.0)
INSURANCE_COVER_SLOTS = np.array([I_AUTO, I_HOME, I_HEALTH, I_AUTO2])
BALANCE_SLOTS = np.array([B_SAVINGS, B_LIFE, I_LIFE])
LOAN_SLOTS = np.array([B_CONSUMER, B_MORTGAGE, B_STUDENT])
# loan duration in months
LOAN_TERM = {B_CONSUMER: 60, B_MORTGAGE: 240, B_STUDENT: 84}

# balance economics (yearly rates)
SAVINGS_SPREAD = 0.010
LIFE_MANAGEMENT_FEE = 0.007
LIFE_ENTRY_FEE = 0.01
WITHDRAWAL_RATE = 0.006  # share of balances withdrawn each month

# claims: yearly frequency and mean severity (euros) of a standard risk; lognormal sigma
AUTO_FREQ, AUTO_SEVERITY, AUTO_SIGMA = 0.07, 2600.0, 1.0
HOME_FREQ, HOME_SEVERITY, HOME_SIGMA = 0.05, 1900.0, 1.1
# health: a reimbursement most months; expected monthly cost grows ~4.5 % per year of age
HEALTH_MONTHLY_P, HEALTH_COST_AT_40, HEALTH_AGE_SLOPE, HEALTH_SIGMA = 0.35, 20.0, 0.033, 0.8
CLAIM_REFUSAL_P = 0.08  # share of declared claims the insurer refuses (a critical incident)
RESPONSIBLE_P = PR.claims.responsible_share  # share of auto claims where the driver is at fault (malus)


def catalogue() -> pd.DataFrame:
    """The product catalogue as the ``products`` table.

    Examples
    --------
    >>> from crmkit.synth.products import catalogue
    >>> catalogue().set_index("product_id").loc["B_MORTGAGE", "family"]
    'credit'
    """
    from crmkit.schema import SECTORS

    return pd.DataFrame({
        "product_id": pd.Series(PRODUCT_IDS, dtype="str"),
        "sector": pd.Categorical([SECTORS[r[1]] for r in _CATALOGUE], categories=SECTORS),
        "name": pd.Series([r[2] for r in _CATALOGUE], dtype="str"),
        "family": pd.Series([r[3] for r in _CATALOGUE], dtype="str"),
        "monthly_price": np.array([r[4] for r in _CATALOGUE], dtype=float),
        "learn_feel_do": pd.Series([r[5] for r in _CATALOGUE], dtype="str"),
    })


def health_expected_cost(age_years, chronic, children_home):
    """Expected monthly health reimbursement (euros) of a policy."""
    return (HEALTH_COST_AT_40 * np.exp(HEALTH_AGE_SLOPE * (np.asarray(age_years) - 40.0))
            * np.where(chronic, 2.6, 1.0) * (1.0 + 0.35 * np.asarray(children_home)))


def health_premium(age_years, children_home):
    """Monthly health premium at a given age: it rises with age, but slower than claims,
    so that health contracts of the elderly become loss-making (seed 000, step 6)."""
    age = np.asarray(age_years, dtype=float)
    return (38.0 + 0.9 * np.clip(age - 25.0, 0, None)) * (1.0 + 0.35 * np.asarray(children_home))


def auto_premium(age_years, coef, urban):
    """Monthly auto premium: base x bonus-malus coefficient, young driver surcharge."""
    age = np.asarray(age_years, dtype=float)
    young = np.where(age < 25, 1.55, np.where(age < 28, 1.2, 1.0))
    return 46.0 * young * np.asarray(coef) * np.where(urban, 1.15, 1.0)


def auto_claim_freq(age_years, coef, risky):
    """Yearly auto claim frequency: young and risky drivers claim more; the bonus-malus
    coefficient records past claims and predicts future ones."""
    age = np.asarray(age_years, dtype=float)
    young = np.where(age < 25, 2.6, np.where(age < 30, 1.5, np.where(age > 75, 1.4, 1.0)))
    return AUTO_FREQ * young * np.where(risky, 3.3, 1.0) * np.sqrt(np.asarray(coef))


def home_premium(owner, household_size):
    return np.where(owner, 27.0, 13.0) * (0.85 + 0.12 * np.asarray(household_size))
