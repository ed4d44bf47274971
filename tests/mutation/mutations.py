"""The mutations: small, realistic ways a valid input table goes bad.

Each mutation takes a valid DataFrame and a column (or ``None`` for whole-table
mutations) and returns the mutated copy, or ``None`` when it does not apply to that
column (e.g. ``inf`` in a text column). ``EXPECT`` says what a correct function does
with it:

- ``"refuse"``: the data is wrong (a missing value where none is allowed, an infinite
  amount, a date in 2300...): the only correct outcome is a crmkit error, or the same
  result as on the valid input when the function does not use that value;
- ``"same"``: the data means the same thing written differently (a time zone, ids
  written ``1`` and ``"1"``, an exact duplicate of a row of a one-row-per-key table):
  the function may refuse it clearly or must return the result of the valid input;
- ``"empty"``: no rows: a clear error, or a result with nothing non-finite in it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# the row every value mutation alters (the middle one: neither the first nor the last)


def _row(df: pd.DataFrame, row: int | None = None) -> int:
    """The row a value mutation alters: ``row`` (wrapped to the table), else the middle one."""
    return len(df) // 2 if row is None else row % len(df)


def _kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "number"
    return "other"


def _set(df: pd.DataFrame, col: str, value, row=None, *, as_object: bool = False) -> pd.DataFrame:
    out = df.copy()
    s = out[col]
    if as_object:
        s = s.astype(object)
    elif _kind(s) == "number" and pd.api.types.is_integer_dtype(s.dtype):
        s = s.astype(float)
    s = s.copy()
    s.iloc[_row(df, row)] = value
    out[col] = s
    return out


def drop_column(df, col, row=None):
    return df.drop(columns=[col])


def missing(df, col, row=None):
    kind = _kind(df[col])
    if kind == "datetime":
        return _set(df, col, pd.NaT, row)
    if kind == "number":
        return _set(df, col, np.nan, row)
    if kind == "bool":
        return _set(df, col, None, row, as_object=True)
    return _set(df, col, None, row, as_object=df[col].dtype == object)


def infinite(df, col, row=None):
    if _kind(df[col]) != "number":
        return None
    return _set(df, col, np.inf, row)


def overflow(df, col, row=None):
    """Two huge finite values: each is a float, their sum is infinite."""
    if _kind(df[col]) != "number" or len(df) < 2:
        return None
    out = df.copy()
    s = out[col].astype(float)
    s.iloc[[0, len(df) - 1]] = 1e308
    out[col] = s
    return out


def negative(df, col, row=None):
    """Only applied to the columns the registry declares non-negative."""
    if _kind(df[col]) != "number":
        return None
    i = _row(df, row)
    return _set(df, col, -(abs(float(df[col].iloc[i])) + 1.0), i)


def wrong_dtype(df, col, row=None):
    """Numbers written as text ("12.5"), as a CSV read without care gives them."""
    if _kind(df[col]) != "number":
        return None
    out = df.copy()
    out[col] = df[col].astype(str).astype(object)
    return out


def time_zone(df, col, row=None):
    """The same instants, tz-aware and shown in Paris time (naive values are UTC)."""
    if _kind(df[col]) != "datetime" or getattr(df[col].dt, "tz", None) is not None:
        return None
    out = df.copy()
    out[col] = df[col].dt.tz_localize("UTC").dt.tz_convert("Europe/Paris")
    return out


def far_date(df, col, row=None):
    """One date in the year 2300 (past pandas' nanosecond range), in a datetime64[s] column."""
    if _kind(df[col]) != "datetime":
        return None
    out = df.copy()
    s = df[col].astype("datetime64[s]").copy()
    s.iloc[_row(df, row)] = np.datetime64("2300-01-01", "s")
    out[col] = s
    return out


def far_date_text(df, col, row=None):
    """Dates as ISO text with one in the year 2300 (an object column)."""
    if _kind(df[col]) != "datetime":
        return None
    out = df.copy()
    s = df[col].dt.strftime("%Y-%m-%d").astype(object)
    s.iloc[_row(df, row)] = "2300-01-01"
    out[col] = s
    return out


def mixed_ids(df, col, row=None):
    """Integer ids of which every other one is written as text: 1 and "1"."""
    if not pd.api.types.is_integer_dtype(df[col].dtype):
        return None
    out = df.copy()
    s = df[col].astype(object).copy()
    s.iloc[::2] = s.iloc[::2].map(str)
    out[col] = s
    return out


def duplicate_key(df, col, row=None):
    """An exact copy of one row appended to a one-row-per-key table."""
    return pd.concat([df, df.iloc[[_row(df, row)]]], ignore_index=False)


def empty(df, col, row=None):
    return df.iloc[:0].copy()


# name -> (function, applies to: "column" | "table" | "id" | "key" | "nonneg", expectation)
MUTATIONS = {
    "drop_column": (drop_column, "column", "refuse"),
    "missing": (missing, "column", "refuse"),
    "inf": (infinite, "column", "refuse"),
    "overflow": (overflow, "column", "refuse"),
    "negative": (negative, "nonneg", "refuse"),
    "text_numbers": (wrong_dtype, "column", "refuse"),
    "time_zone": (time_zone, "column", "same"),
    "year_2300": (far_date, "column", "refuse"),
    "year_2300_text": (far_date_text, "column", "refuse"),
    "mixed_ids": (mixed_ids, "id", "same"),
    "duplicate_key": (duplicate_key, "key", "same"),
    "empty": (empty, "table", "empty"),
}

# the kinds of column (``_kind``) each column mutation applies to (None: every kind); the
# functions above return None on the others, and :func:`applies` says so without a copy
_APPLIES_TO = {
    "inf": {"number"}, "overflow": {"number"}, "negative": {"number"},
    "text_numbers": {"number"}, "time_zone": {"datetime"}, "year_2300": {"datetime"},
    "year_2300_text": {"datetime"},
}


def applies(name: str, s: pd.Series) -> bool:
    """Whether mutation ``name`` changes column ``s`` (what its function returns None for)."""
    kinds = _APPLIES_TO.get(name)
    if kinds is not None and _kind(s) not in kinds:
        return False
    if name == "overflow":
        return len(s) >= 2
    if name == "time_zone":
        return getattr(s.dt, "tz", None) is None
    if name == "mixed_ids":
        return pd.api.types.is_integer_dtype(s.dtype)
    return True
