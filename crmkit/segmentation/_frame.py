"""Small helpers shared by the analytics modules (loyalty, segmentation, value).

The validation helpers (``require``, ``as_timestamp``, ``snapshot``) are re-exports of the
public API of :mod:`crmkit.schema` (no second validation layer); what remains here are the
per-customer computations the analytics share: deterministic quantile scores, exact money
sums, period indices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema

# the validation helpers are public API of crmkit.schema; these names are kept for the
# modules that import them from here
require = schema.require_columns
as_timestamp = schema.as_timestamp
snapshot = schema.snapshot


def select_kinds(
    df: pd.DataFrame, table: str, kind_col: str, kinds
) -> pd.DataFrame:
    """Rows whose ``kind_col`` is in ``kinds`` (all rows when ``kinds`` is None)."""
    if kinds is None:
        return df
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    out = df.loc[df[kind_col].isin(kinds)]
    if len(out) == 0:
        seen = sorted(map(str, pd.unique(df[kind_col])))[:8]
        raise schema.SchemaError(
            f"{table}.{kind_col}: no row of kind {kinds} (found {seen}); "
            "pass kinds=None to use every row"
        )
    return out


def threshold(values: pd.Series, value, name: str) -> float:
    """A cut-off given as a number or as ``"median"`` of ``values``."""
    if isinstance(value, str):
        if value != "median":
            raise ValueError(f"{name} must be a number or 'median', got {value!r}")
        return float(values.median())
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def sorted_codes(keys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes ``0..n-1`` of each key in the sorted distinct keys, and those keys.

    ``pd.factorize(keys, sort=True)`` hashes every row, then sorts and renumbers; integer
    customer ids are usually dense (1..n), so a lookup table indexed by the id does the
    same without hashing (0.8 s down to about 0.1 s on 10M rows). Sparse or non-integer
    keys go to ``factorize``.
    """
    k = keys.to_numpy()
    if k.dtype.kind in "iu" and len(k):
        lo = int(k.min())
        span = int(k.max()) - lo + 1
        if span <= 2 * len(k) + 4096:  # the table is no larger than the data
            present = np.zeros(span, dtype=bool)
            present[k - lo] = True
            # codes in the index type (int32 in the browser edition, whose NumPy refuses to
            # count int64 codes with bincount)
            lookup = np.cumsum(present, dtype=np.intp) - 1
            return lookup[k - lo], (np.flatnonzero(present) + lo).astype(k.dtype)
    codes, uniques = pd.factorize(keys, sort=True)
    return codes, np.asarray(uniques)


# amounts are summed in whole micro-euros, as crmkit.warehouse does with decimal(18, 6)
MICRO = 1_000_000


def money_sums(codes: np.ndarray, amounts, n: int) -> np.ndarray:
    """Exact sum of ``amounts`` per code ``0..n-1``, to the micro-euro, as floats.

    A float sum depends on the order of the rows: two customers with the same total in
    cents can differ in the last bit and fall on either side of a score boundary (4 of
    500,000 customers did on 10M rows). Rounded to whole micro-euros, the amounts are
    integers, whose float sums are exact below 2**53 micro-euros (9 billion euros per
    customer), so equal totals tie whatever the order, and the numbers are those of the
    warehouse's decimal sums.
    """
    micro = np.asarray(amounts, dtype=float) * MICRO
    np.rint(micro, out=micro)  # in place: 20x faster than rint into a new array
    return np.bincount(codes, weights=micro, minlength=n) / MICRO


def check_score_args(bins, ties: str = "min") -> None:
    """Refuse a ``bins`` that is not a whole number >= 2 or a ``ties`` rule other than
    ``"min"`` or ``"first"``: the arguments of :func:`quantile_scores` and of its warehouse
    twins (:func:`crmkit.warehouse.quantile_score`, :func:`crmkit.warehouse.with_count_score`)."""
    if not isinstance(bins, int | np.integer) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    if ties not in ("min", "first"):
        raise ValueError(f"ties must be 'min' or 'first', got {ties!r}")


def quantile_scores(
    values: np.ndarray,
    ids: np.ndarray,
    bins: int = 5,
    *,
    ties: str = "min",
    higher_is_better: bool = True,
) -> np.ndarray:
    """Scores 1..``bins`` from the rank of each value among all values.

    The customer at 0-based rank ``k`` of ``n`` gets ``1 + floor(bins * k / n)``, so each
    score holds about ``n / bins`` customers and scores never decrease with the value.
    The tie rule makes the result deterministic:

    - ``ties="min"``: equal values share the rank of the first of them (the number of
      strictly worse values), hence the same score; a large tie block can leave a score
      empty (e.g. most customers bought once).
    - ``ties="first"``: ties are broken by ``ids`` ascending (a stable sort on value, then
      id), giving scores of equal size; two equal values may get adjacent scores.
    """
    check_score_args(bins, ties)
    v = np.asarray(values, dtype=float)
    if not higher_is_better:
        v = -v
    n = len(v)
    if ties == "min":
        rank = np.searchsorted(np.sort(v, kind="stable"), v, side="left")
    else:
        order = np.lexsort((np.asarray(ids), v))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
    return 1 + (bins * rank.astype(np.int64)) // n


def ordered_categorical(values, categories) -> pd.Categorical:
    """An ordered categorical with the given English category values.

    Values outside ``categories`` (and missing ones) become missing, as with
    ``pd.Categorical(values, categories)``, but the few distinct values are looked up
    once rather than every row (0.016 s instead of 0.06 s on 500,000 strings).
    """
    categories = list(categories)
    if not isinstance(values, pd.Series | pd.Index | np.ndarray | pd.Categorical):
        values = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    pos = pd.Index(categories).get_indexer(uniques)
    codes = np.where(codes < 0, -1, pos[np.maximum(codes, 0)]) if len(pos) else codes
    return pd.Categorical.from_codes(codes, categories=categories, ordered=True)


_PERIODS_PER_YEAR = {"Y": 1, "Q": 4, "M": 12}


def period_index(dates: pd.Series, freq: str) -> np.ndarray:
    """Integer index of the calendar period of each date (consecutive periods differ by 1).

    In the platform's index type (int32 in the browser edition), so that it counts and
    indexes directly: 32-bit NumPy refuses int64 in ``np.bincount``.
    """
    if freq not in _PERIODS_PER_YEAR:
        raise ValueError(f"freq must be one of {sorted(_PERIODS_PER_YEAR)}, got {freq!r}")
    year = dates.dt.year.to_numpy(dtype=np.intp)
    month0 = dates.dt.month.to_numpy(dtype=np.intp) - 1
    return year * _PERIODS_PER_YEAR[freq] + month0 * _PERIODS_PER_YEAR[freq] // 12


def periods_per_year(freq: str) -> int:
    """1, 4 or 12 for "Y", "Q" or "M"."""
    return _PERIODS_PER_YEAR[freq]


def period_labels(index: np.ndarray, freq: str) -> pd.PeriodIndex:
    """The pandas periods of indices made by :func:`period_index`."""
    per = _PERIODS_PER_YEAR[freq]
    year, sub = np.divmod(index, per)
    month = 1 + sub * (12 // per)
    starts = pd.to_datetime({"year": year, "month": month, "day": 1})
    return pd.PeriodIndex(starts, freq=freq)
