"""Step 2 of identity resolution: comparing candidate pairs field by field.

Course chapter 1, "Comparison". Each candidate pair gets agreement levels per field
(Jaro-Winkler similarity of names, exact or near birth date, e-mail, phone, postcode,
address) and a match weight, the sum of the field weights of :class:`MatchRules`, in the
spirit of Fellegi & Sunter's (1969) log-likelihood ratios.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from crmkit.idic.identify.normalise import _check_norm

__all__ = ["MatchRules", "compare_pairs"]


@dataclass(frozen=True)
class MatchRules:
    """Field weights and the link threshold of the comparison step.

    Weights are in the spirit of Fellegi-Sunter log-likelihood ratios: positive when the
    agreement is much more frequent among true matches than among random pairs, negative
    for a disagreement that true matches rarely show. A spouse shares the last name, the
    address and often the phone, but not the first name nor the birth date, so the weights
    of those two must outweigh the shared household fields.

    Parameters
    ----------
    name_high, name_mid : float
        Jaro-Winkler similarity above which two names agree fully / partly. A first name
        reduced to its initial agrees partly with any first name of that initial.
    last_name, first_name : tuple of 3 floats
        Weights for high, mid and low name similarity.
    birth_date : tuple of 3 floats
        Weights for equal dates, near dates (two of day/month/year equal, or day and month
        swapped: a typing slip) and different dates. A missing date weighs 0.
    email, phone, postcode : tuple of 2 floats
        Weights for equal and different values (missing weighs 0). A different e-mail or
        postcode is weak evidence: people change addresses.
    address : float
        Bonus when the normalised addresses are near-identical (similarity >= name_high).
    threshold : float
        Pairs whose total weight reaches it are links.
    block_limit : int
        Blocks larger than this are skipped (a key too common to discriminate, e.g. a
        shared switchboard phone); they are counted in ``IdentityResolution.skipped_blocks``.
    split_conflicts : bool
        Repair clusters that hold two different birth dates: such a cluster joins two
        people through a record without a date (two namesakes sharing an e-mail address,
        say). In those clusters each record without a date keeps only its strongest link.
    """

    name_high: float = 0.94
    name_mid: float = 0.88
    last_name: tuple[float, float, float] = (4.0, 2.0, -4.0)
    first_name: tuple[float, float, float] = (4.0, 2.0, -5.0)
    birth_date: tuple[float, float, float] = (7.0, 2.0, -7.0)
    email: tuple[float, float] = (6.0, -1.0)
    phone: tuple[float, float] = (5.0, -1.0)
    postcode: tuple[float, float] = (1.0, -0.5)
    address: float = 2.0
    threshold: float = 10.0
    block_limit: int = 1000
    split_conflicts: bool = True

    def __post_init__(self):
        if not 0 < self.name_mid <= self.name_high <= 1:
            raise ValueError(
                f"need 0 < name_mid <= name_high <= 1, got {self.name_mid}, {self.name_high}"
            )
        if self.block_limit < 2:
            raise ValueError(f"block_limit must be at least 2, got {self.block_limit}")


def _similarity(values: pd.Series, left: np.ndarray, right: np.ndarray, n_jobs: int) -> np.ndarray:
    """Jaro-Winkler similarity of values[left] vs values[right], NaN where one is missing.

    Names repeat a lot, so each distinct pair of values is scored once.
    """
    codes, uniques = pd.factorize(values)
    a, b = codes[left], codes[right]
    both = (a >= 0) & (b >= 0)
    out = np.full(len(left), np.nan)
    if not both.any():
        return out
    lo, hi = np.minimum(a[both], b[both]), np.maximum(a[both], b[both])  # symmetric score
    k = len(uniques)
    ukey, inv = np.unique(lo.astype(np.int64) * k + hi, return_inverse=True)
    u = np.asarray(uniques, dtype=object)
    sim = process.cpdist(
        u[ukey // k].tolist(), u[ukey % k].tolist(),
        scorer=JaroWinkler.normalized_similarity, workers=n_jobs,
    )
    out[both] = np.asarray(sim, dtype=float)[inv]
    return out


def _equal(values: pd.Series, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """1 equal, -1 different, 0 when one side is missing."""
    codes = pd.factorize(values)[0]
    a, b = codes[left], codes[right]
    return np.where((a < 0) | (b < 0), 0, np.where(a == b, 1, -1)).astype(np.int8)


def _date_level(dates: pd.Series, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """1 equal, 0.5 near (one component differs, or day and month swapped), -1 different,
    0 missing."""
    d = pd.DatetimeIndex(dates)
    y, m, dd = (np.asarray(x, dtype=float) for x in (d.year, d.month, d.day))
    yl, yr, ml, mr, dl, dr = y[left], y[right], m[left], m[right], dd[left], dd[right]
    same = (yl == yr).astype(int) + (ml == mr) + (dl == dr)
    swapped = (yl == yr) & (ml == dr) & (dl == mr)
    level = np.where(same == 3, 1.0, np.where((same == 2) | swapped, 0.5, -1.0))
    return np.where(np.isnan(yl) | np.isnan(yr), 0.0, level)


def compare_pairs(
    norm: pd.DataFrame,
    left: np.ndarray,
    right: np.ndarray,
    rules: MatchRules | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Score candidate pairs field by field and sum the weights.

    Parameters
    ----------
    norm : DataFrame
        Output of :func:`normalise_records`.
    left, right : array of int
        Row positions of the pairs (from :func:`candidate_pairs`).
    rules : MatchRules, optional
        Weights and threshold; defaults to ``MatchRules()``.
    n_jobs : int
        Threads for the string similarities (``-1`` = all cores).

    Returns
    -------
    DataFrame
        One row per pair: ``left``, ``right``, ``record_id_l``, ``record_id_r``,
        ``first_sim``, ``last_sim``, ``birth_date``, ``email``, ``phone``, ``postcode``,
        ``address_sim`` (levels as in :class:`MatchRules`), ``weight`` and ``match``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> norm = pd.DataFrame({"record_id": ["a", "b"], "first": ["marie", "marie"],
    ...     "last": ["martin", "martin"], "birth_date": pd.to_datetime(["1970-01-02"] * 2),
    ...     "email": [None, None], "phone": ["1", "2"], "postcode": ["75001", "69001"],
    ...     "address": ["1 rue a", "9 rue b"]})
    >>> p = compare_pairs(norm, np.array([0]), np.array([1]))
    >>> p[["first_sim", "birth_date", "phone", "weight", "match"]]
       first_sim  birth_date  phone  weight  match
    0        1.0         1.0     -1    13.5   True
    """
    _check_norm(norm, ["first", "last", "address", "birth_date", "email", "phone", "postcode"],
                ids=True)
    rules = rules or MatchRules()
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    first = _similarity(norm["first"], left, right, n_jobs)
    # a first name typed as an initial ("M.") can only agree on its initial: partly
    initial = (norm["first"].str.len() == 1).to_numpy()
    one = initial[left] | initial[right]
    if one.any():
        letter = norm["first"].str[:1]
        same = _equal(letter, left[one], right[one]) == 1
        first[one] = np.where(same, rules.name_mid, 0.0)
    last = _similarity(norm["last"], left, right, n_jobs)
    addr = _similarity(norm["address"], left, right, n_jobs)
    dob = _date_level(norm["birth_date"], left, right)
    email = _equal(norm["email"], left, right)
    phone = _equal(norm["phone"], left, right)
    post = _equal(norm["postcode"], left, right)

    def name_weight(sim, w):
        return np.select(
            [np.isnan(sim), sim >= rules.name_high, sim >= rules.name_mid], [0.0, w[0], w[1]], w[2]
        )

    def eq_weight(level, w):
        return np.select([level == 1, level == -1], [w[0], w[1]], 0.0)

    weight = (
        name_weight(first, rules.first_name)
        + name_weight(last, rules.last_name)
        + np.select([dob == 1, dob == 0.5, dob == -1], list(rules.birth_date), 0.0)
        + eq_weight(email, rules.email)
        + eq_weight(phone, rules.phone)
        + eq_weight(post, rules.postcode)
        + np.where(addr >= rules.name_high, rules.address, 0.0)
    )
    # record ids as categoricals over the (unique) ids: no copy of millions of strings
    rid = pd.Index(norm["record_id"], dtype="str")
    return pd.DataFrame(
        {
            "left": left,
            "right": right,
            "record_id_l": pd.Categorical.from_codes(left, categories=rid),
            "record_id_r": pd.Categorical.from_codes(right, categories=rid),
            "first_sim": first,
            "last_sim": last,
            "birth_date": dob,
            "email": email,
            "phone": phone,
            "postcode": post,
            "address_sim": addr,
            "weight": weight,
            "match": weight >= rules.threshold,
        }
    )
