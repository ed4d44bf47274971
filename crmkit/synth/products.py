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

# slot index -> (product_id, sector, name, family, learn-feel-do)
_CATALOGUE = [
    ("B_CURRENT", BANK, "current account", "account", "conative"),
    ("B_CARD", BANK, "payment card", "account", "conative"),
    ("B_SAVINGS", BANK, "savings account", "savings", "cognitive"),
    ("B_CONSUMER", BANK, "consumer loan", "credit", "affective"),
    ("B_MORTGAGE", BANK, "mortgage", "credit", "cognitive"),
    ("B_STUDENT", BANK, "student loan", "credit", "cognitive"),
    ("B_LIFE", BANK, "life insurance (bank)", "savings", "cognitive"),
    ("I_AUTO", INSURANCE, "auto insurance", "cover", "cognitive"),
    ("I_HOME", INSURANCE, "home insurance", "cover", "conative"),
    ("I_HEALTH", INSURANCE, "health insurance", "cover", "cognitive"),
    ("I_LIFE", INSURANCE, "life / savings insurance", "savings", "cognitive"),
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
_EC = PR.economics
SLOT_MARGIN_RATE = np.where(SLOT_KIND == PREMIUM, _EC.premium_margin_kept, 1.0)
INSURANCE_COVER_SLOTS = np.array([I_AUTO, I_HOME, I_HEALTH, I_AUTO2])
BALANCE_SLOTS = np.array([B_SAVINGS, B_LIFE, I_LIFE])
LOAN_SLOTS = np.array([B_CONSUMER, B_MORTGAGE, B_STUDENT])
# loan duration in months
LOAN_TERM = {B_CONSUMER: _EC.loan_term_months["B_CONSUMER"], B_MORTGAGE: _EC.loan_term_months["B_MORTGAGE"],
             B_STUDENT: _EC.loan_term_months["B_STUDENT"]}
# yearly interest rate paid by the borrower (sets the amortisation of the balance)
LOAN_RATE = {B_CONSUMER: _EC.loan_rate["B_CONSUMER"], B_MORTGAGE: _EC.loan_rate["B_MORTGAGE"],
             B_STUDENT: _EC.loan_rate["B_STUDENT"]}

# balance economics (yearly rates)
SAVINGS_SPREAD = _EC.savings_spread
LIFE_MANAGEMENT_FEE = _EC.life_management_fee
LIFE_ENTRY_FEE = _EC.life_entry_fee
WITHDRAWAL_RATE = _EC.withdrawal_rate  # share of balances withdrawn each month

# claims: yearly frequency and mean severity (euros) of a standard risk; lognormal sigma
AUTO_FREQ, AUTO_SEVERITY, AUTO_SIGMA = _EC.auto_frequency, _EC.auto_severity, _EC.auto_sigma
HOME_FREQ, HOME_SEVERITY, HOME_SIGMA = _EC.home_frequency, _EC.home_severity, _EC.home_sigma
# health: a reimbursement most months; expected monthly cost grows with age
HEALTH_MONTHLY_P, HEALTH_COST_AT_40, HEALTH_AGE_SLOPE, HEALTH_SIGMA = (
    _EC.health_monthly_claim_share, _EC.health_cost_at_40, _EC.health_cost_age_slope, _EC.health_sigma)
CLAIM_REFUSAL_P = _EC.claim_refusal_share  # share of declared claims the insurer refuses (a critical incident)
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
        "monthly_price": reference_prices(),
        "learn_feel_do": pd.Series([r[4] for r in _CATALOGUE], dtype="str"),
    })


def reference_prices() -> np.ndarray:
    """Monthly amount each product bills a reference customer (``economics.reference_customer``),
    computed with the generator's own formulas (loans: the mean over their life, on the
    balance still owed; savings: the margin on the first lump sum), in product order."""
    ref = _EC.reference_customer
    pr, dp = PR.prices, PR.deposits
    income, age = ref["income"], ref["age"]
    scale = np.sqrt(income / pr.consumer_loan_income_ref)

    def loan(pid, principal):
        s = PRODUCT_IDS.index(pid)
        life = np.arange(LOAN_TERM[s])
        return principal * pr.loan_margin[pid] / 12 * float(np.mean(outstanding_share(LOAN_RATE[s], LOAN_TERM[s], life)))

    out = {
        "B_CURRENT": np.clip(pr.account_fee_base + income / pr.account_fee_income_step, *pr.account_fee_bounds),
        "B_CARD": pr.premium_card_fee if income > pr.premium_card_income else pr.card_fee,
        "B_SAVINGS": income * dp.opening_share_of_income["B_SAVINGS"] * SAVINGS_SPREAD / 12,
        "B_CONSUMER": loan("B_CONSUMER", np.clip(pr.consumer_loan_size * scale, *pr.consumer_loan_bounds)),
        "B_MORTGAGE": loan("B_MORTGAGE", np.clip(pr.mortgage_income_multiple * income, *pr.mortgage_bounds)),
        "B_STUDENT": loan("B_STUDENT", np.clip(pr.student_loan_size * scale, *pr.student_loan_bounds)),
        "B_LIFE": income * dp.opening_share_of_income["B_LIFE"] * LIFE_MANAGEMENT_FEE / 12,
        "I_AUTO": auto_premium(age, ref["coef"], False),
        "I_HOME": home_premium(True, ref["household_size"]),
        "I_HEALTH": health_premium(age, 0),
        "I_LIFE": income * dp.opening_share_of_income["I_LIFE"] * LIFE_MANAGEMENT_FEE / 12,
    }
    return np.round(np.array([float(out[pid]) for pid in PRODUCT_IDS]), 2)


def outstanding_share(rate, term, elapsed):
    """Share of a constant-payment loan's principal still owed after ``elapsed`` of its
    ``term`` months at yearly ``rate`` (the margin is earned on it, so it declines).

    >>> round(float(outstanding_share(0.015, 240, 48)), 3)
    0.823
    """
    r = np.asarray(rate, dtype=float) / 12
    n = np.asarray(term, dtype=float)
    k = np.clip(np.asarray(elapsed, dtype=float), 0, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(r > 0, (1 - (1 + r) ** -(n - k)) / (1 - (1 + r) ** -n), 1 - k / n)
    return out


def health_expected_cost(age_years, chronic, children_home):
    """Expected monthly health reimbursement (euros) of a policy."""
    return (HEALTH_COST_AT_40 * np.exp(HEALTH_AGE_SLOPE * (np.asarray(age_years) - 40.0))
            * np.where(chronic, _EC.health_chronic_factor, 1.0) * (1.0 + _EC.health_child_share * np.asarray(children_home)))


def health_premium(age_years, children_home):
    """Monthly health premium at a given age: it rises with age (French individual
    contracts cost about four times more at 85 than at 20), but slower than claims, so that
    health contracts of the elderly become loss-making (the university lesson, step 6)."""
    age = np.asarray(age_years, dtype=float)
    return (_EC.health_premium_at_20 * np.exp(_EC.health_premium_age_slope * (np.clip(age, 20, None) - 20.0))
            * (1.0 + _EC.health_child_share * np.asarray(children_home)))


def novice_surcharge(years_insured):
    """The novice driver's surcharge (Code des assurances, art. A335-9-1): at most 100 % in
    the first year of insurance, halved every year, none from the fourth year."""
    years = np.floor(np.clip(np.asarray(years_insured, dtype=float), 0, None))
    return np.where(years < 3, _EC.novice_surcharge * 0.5 ** years, 0.0)


def auto_premium(age_years, coef, urban, years_insured=None):
    """Monthly auto premium: base x bonus-malus coefficient x (1 + novice surcharge).

    ``years_insured`` (default: years since the licence at 18) sets the novice surcharge.
    """
    if years_insured is None:
        years_insured = np.asarray(age_years, dtype=float) - PR.prices.licence_age
    return (_EC.auto_premium_base * (1.0 + novice_surcharge(years_insured)) * np.asarray(coef)
            * np.where(urban, _EC.auto_urban_factor, 1.0))


def auto_claim_freq(age_years, coef, risky):
    """Yearly auto claim frequency: young and risky drivers claim more; the bonus-malus
    coefficient records past claims and predicts future ones."""
    age = np.asarray(age_years, dtype=float)
    f = _EC.auto_age_factor
    young = np.where(age < 25, f["under_25"], np.where(age < 30, f["from_25_to_29"], np.where(age > 75, f["over_75"], 1.0)))
    return AUTO_FREQ * young * np.where(risky, _EC.auto_risky_factor, 1.0) * np.sqrt(np.asarray(coef))


def home_premium(owner, household_size):
    return np.where(owner, _EC.home_premium_owner, _EC.home_premium_tenant) * (
        _EC.home_size_intercept + _EC.home_size_slope * np.asarray(household_size))
