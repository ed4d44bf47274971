"""Reading cells the way French and English exports write them (vectorised).

Numbers with decimal commas and thousands spaces (``1 234,50 €``), dates in ISO, French
(``31/12/2024``) or compact (``19970101``) form, yes/no words in both languages, keys
written ``12``, ``12.0`` or ``0012``, and category labels matched whatever their case,
accents or spacing.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from crmkit import labels, privacy

__all__ = ["AUTO_DATE_FORMATS", "parse_numbers", "parse_dates", "date_format_of"]

# tried in order when the mapping says ``date_format: auto``: ISO first, then French
AUTO_DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
    "%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y", "%d.%m.%Y",
)
# a number with an optional thousands grouping of exactly three digits
# (written with [0-9] and explicit characters, not \d, \s or \b, so that pyarrow's regex
# engine runs them on millions of cells instead of pandas falling back to Python's re)
_NUM_COMMA = r"[+-]?(?:(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]*)?|,[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUM_DOT = r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUM_NOISE = "(?i)[ \t\u00a0\u202f'\u2019\u20ac$\u00a3]|euros?|eur|usd|gbp"
_DATE_SHAPE = (r"[0-9]{1,4}[/.\-][0-9]{1,2}[/.\-][0-9]{1,4}"
               r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?")
_ISO_SHAPE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"

TRUE_WORDS = frozenset({"true", "vrai", "yes", "oui", "y", "o", "1", "x", "t"})
FALSE_WORDS = frozenset({"false", "faux", "no", "non", "n", "0", "f"})

def _split_cells(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(text, native): stripped strings ('' is missing) and the non-string values."""
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        text = raw.str.strip()
        return text.where(text != ""), pd.Series(np.nan, index=raw.index, dtype="float64")
    if raw.dtype != object:
        return pd.Series(pd.NA, index=raw.index, dtype="str"), raw
    # object columns (Excel): strings and native numbers/dates mixed, cell by cell
    is_text = raw.map(lambda v: isinstance(v, str)).astype(bool)
    text = raw.where(is_text).astype("str").str.strip()
    text = text.where(is_text & (text != ""))
    return text, raw.where(~is_text)


def _shown(raw: pd.Series) -> pd.Series:
    """Cells as text for the rejects file."""
    return raw.astype("str").str.slice(0, 100)


def parse_numbers(raw: pd.Series, decimal: str = "auto") -> tuple[pd.Series, np.ndarray]:
    """Read amounts as a French or English export writes them.

    Currency symbols and codes, spaces (also the non-breaking ones French software puts
    between thousands) and apostrophes are removed; a trailing minus or parentheses mean a
    negative amount. ``decimal="auto"`` takes the last of ``,`` or ``.`` as the decimal mark
    when both appear, and a lone separator appearing once as the decimal mark (so ``1,234``
    reads 1.234: set ``decimal="."`` for English exports with thousands commas).

    Parameters
    ----------
    raw : Series
        The cells as read (text from a CSV, or native numbers from Excel and Parquet).
    decimal : {"auto", ",", "."}, default "auto"
        The decimal mark.

    Returns
    -------
    values : Series
        float64, NaN where missing or unreadable.
    bad : ndarray of bool
        The cells that were present but unreadable.

    Examples
    --------
    >>> import pandas as pd
    >>> v, bad = parse_numbers(pd.Series(["1 234,50 €", "€1,234.50", "-12,5", "(3.5)",
    ...                                   "1.234.567", "", "12,5,3", "abc"]))
    >>> v.tolist()[:5], bad.tolist()
    ([1234.5, 1234.5, -12.5, -3.5, 1234567.0], [False, False, False, False, False, False, True, True])
    >>> parse_numbers(pd.Series(["1,234.5", "7"]), decimal=".")[0].tolist()
    [1234.5, 7.0]
    """
    if decimal not in ("auto", ",", "."):
        raise ValueError(f"decimal must be 'auto', ',' or '.', got {decimal!r}")
    text, native = _split_cells(raw)
    if pd.api.types.is_bool_dtype(native.dtype):
        native = native.astype(float)
    if native.dtype == object:
        is_num = native.map(_is_native_number).astype(bool) & native.notna()
        native_values = native.where(is_num)
    else:
        native_values = native
    values = pd.to_numeric(native_values, errors="coerce").astype("float64")
    native_bad = native.notna() & values.isna()
    t = text.str.replace(_NUM_NOISE, "", regex=True)
    t = t.str.replace("−", "-", regex=False)
    paren = (t.str.startswith("(") & t.str.endswith(")")).fillna(False).astype(bool)
    t = t.str.strip("()")
    trailing_minus = t.str.endswith("-").fillna(False).astype(bool)
    t = t.str.rstrip("-")
    if decimal == ",":
        comma_dec = pd.Series(True, index=t.index)
    elif decimal == ".":
        comma_dec = pd.Series(False, index=t.index)
    else:
        # the decimal mark is the last of both; a mark repeated alone groups thousands
        n_comma, n_dot = t.str.count(","), t.str.count(r"\.")
        both = (n_comma > 0) & (n_dot > 0)
        comma_last = t.str.contains(",[^.]*$", regex=True).fillna(False).astype(bool)
        comma_dec = (
            (both & comma_last)
            | (~both & (n_comma == 1))
            | (~both & (n_dot > 1))
        )
        comma_dec = comma_dec.fillna(False).astype(bool)
    ok = (t.str.fullmatch(_NUM_COMMA).where(comma_dec, t.str.fullmatch(_NUM_DOT))
          .fillna(False).astype(bool))
    t = t.where(~comma_dec, t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    t = t.where(comma_dec, t.str.replace(",", "", regex=False))
    parsed = pd.to_numeric(t.where(ok), errors="coerce").astype("float64")
    parsed = parsed.where(~(paren | trailing_minus), -parsed)
    out = values.where(text.isna(), parsed)
    bad = (text.notna() & ~ok) | native_bad
    return out, bad.to_numpy()


def _is_native_number(v) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def date_format_of(text: str) -> str:
    """A ``strftime`` format from a spreadsheet-style pattern such as ``YYYYMMDD`` or
    ``JJ/MM/AAAA`` (French); a format with ``%`` is returned unchanged.

    Parameters
    ----------
    text : str
        The pattern: ``YYYY``/``AAAA``, ``YY``/``AA``, ``MM``, ``DD``/``JJ`` for the date,
        and after a space ``hh``, ``mm``, ``ss`` for the time.

    Returns
    -------
    str
        The ``strftime`` format.

    Examples
    --------
    >>> date_format_of("YYYYMMDD"), date_format_of("JJ/MM/AAAA hh:mm"), date_format_of("%d.%m.%Y")
    ('%Y%m%d', '%d/%m/%Y %H:%M', '%d.%m.%Y')
    """
    text = str(text)
    if "%" in text:
        return text
    date, _, time = text.partition(" ")
    for pattern, code in ((r"(?i)YYYY|AAAA", "%Y"), (r"(?i)YY|AA", "%y"), (r"(?i)DD|JJ", "%d"),
                          (r"(?i)MM", "%m")):
        date = re.sub(pattern, code, date)
    for pattern, code in ((r"(?i)HH", "%H"), (r"(?i)MM", "%M"), (r"(?i)SS", "%S")):
        time = re.sub(pattern, code, time)
    return f"{date} {time}" if time else date


def parse_dates(raw: pd.Series, date_format: str = "auto") -> tuple[pd.Series, pd.Series]:
    """Read dates: ISO always, then ``date_format`` (``auto``: French day-first formats, and
    ``YYYYMMDD`` for cells of exactly eight digits).

    Whether a date is plausible (not in the future, not before 1900...) is a rule of the
    import (:mod:`crmkit.importer.rules`), not of the parsing.

    Parameters
    ----------
    raw : Series
        The cells as read (text from a CSV, or native dates from Excel and Parquet).
    date_format : str, default "auto"
        A ``strftime`` format (``%d/%m/%Y``) or a spreadsheet pattern (``YYYYMMDD``,
        ``JJ/MM/AAAA``: see :func:`date_format_of`).

    Returns
    -------
    dates : Series
        datetime64, NaT where missing or rejected.
    reasons : Series
        Per cell, why it was rejected (``impossible date`` for a well-formed day that does
        not exist such as 31/02, ``unreadable date``), or NA.

    Examples
    --------
    >>> import pandas as pd
    >>> d, why = parse_dates(pd.Series(["05/01/2021", "2021-01-05", "31/02/2021", "hier",
    ...                                 "19970101", None]))
    >>> d.dt.strftime("%Y-%m-%d").tolist()[:2], d.dt.strftime("%Y-%m-%d").tolist()[4]
    (['2021-01-05', '2021-01-05'], '1997-01-01')
    >>> why.tolist()
    [nan, nan, 'impossible date', 'unreadable date', nan, nan]
    """
    text, native = _split_cells(raw)
    if date_format == "auto":
        formats = AUTO_DATE_FORMATS[4:]
    else:
        fmt = date_format_of(date_format)
        formats = (fmt, f"{fmt} %H:%M", f"{fmt} %H:%M:%S")
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    if native.notna().any():
        if pd.api.types.is_datetime64_any_dtype(native.dtype):
            nat = native.dt.tz_localize(None) if native.dt.tz is not None else native
        else:
            is_date = native.map(lambda v: hasattr(v, "year")).astype(bool) & native.notna()
            nat = pd.to_datetime(native.where(is_date), errors="coerce")
        out = out.where(nat.isna(), nat.astype("datetime64[us]"))
    # an export repeats a few thousand dates a million times: parse each distinct text once
    codes, uniq = pd.factorize(text)
    uniq = pd.Series(uniq, dtype="str")
    parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[us]")
    iso = uniq.str.fullmatch(_ISO_SHAPE).fillna(False).astype(bool)
    if iso.any():
        parsed[iso] = pd.to_datetime(uniq[iso], format="ISO8601", errors="coerce")
    todo = ~iso
    compact = uniq.str.fullmatch("[0-9]{8}").fillna(False).astype(bool)
    if date_format == "auto" and compact.any():
        got = pd.to_datetime(uniq.where(compact), format="%Y%m%d", errors="coerce")
        parsed = parsed.where(got.isna(), got.astype("datetime64[us]"))
        todo &= ~compact
    for fmt in formats:
        if not todo.any():
            break
        got = pd.to_datetime(uniq.where(todo), format=fmt, errors="coerce")
        parsed = parsed.where(got.isna(), got.astype("datetime64[us]"))
        todo &= got.isna()
    shaped = uniq.str.fullmatch(_DATE_SHAPE).fillna(False).astype(bool)
    if date_format == "auto":
        shaped |= compact
    reason = pd.Series(pd.NA, index=uniq.index, dtype="str")
    reason = reason.where(~(parsed.isna() & shaped), "impossible date")
    reason = reason.where(~(parsed.isna() & ~shaped), "unreadable date")
    has = codes >= 0
    got = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[us]")
    got[has] = parsed.to_numpy()[codes[has]]
    out = out.where(~has, pd.Series(got, index=raw.index))
    why_text = np.full(len(raw), None, dtype=object)
    why_text[has] = reason.to_numpy(dtype=object, na_value=None)[codes[has]]
    why = pd.Series(why_text, index=raw.index, dtype="str")
    native_bad = native.notna() & out.isna() & text.isna()
    why = why.where(~native_bad, "unreadable date")
    return out.where(why.isna()), why


def _parse_bools(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    text, native = _split_cells(raw)
    low = text.str.lower()
    val = pd.Series(np.nan, index=raw.index, dtype=object)
    val = val.where(~low.isin(TRUE_WORDS), True).where(~low.isin(FALSE_WORDS), False)
    if native.notna().any():
        nat = native.map(lambda v: bool(v) if v in (0, 1, True, False) else None,
                         na_action="ignore")
        val = val.where(nat.isna(), nat)
    bad = (text.notna() & val.isna()) | (native.notna() & val.isna())
    return val, bad.to_numpy()


def _normalise_ids(raw: pd.Series) -> pd.Series:
    """Key cells as canonical text: ``12``, ``12.0``, ``"0012"`` and ``" 12 "`` are one key."""
    text, native = _split_cells(raw)
    if native.notna().any():
        nat = native.map(privacy._canonical, na_action="ignore").astype("str")
        text = text.where(native.isna(), nat)
    numeric = text.str.fullmatch(r"[0-9]+(?:\.0+)?").fillna(False).astype(bool)
    stripped = text.str.replace(r"\.0+$", "", regex=True).str.lstrip("0").replace("", "0")
    return text.where(~numeric, stripped)


def _fold(values: pd.Series) -> pd.Series:
    """Case-, accent- and spacing-insensitive spelling (computed once per distinct value)."""
    codes, uniq = pd.factorize(values)
    folded = [unicodedata.normalize("NFKD", v).encode("ascii", "ignore").decode().casefold()
              for v in uniq]
    folded = pd.Series(folded, dtype="str").str.replace(r"[ \t\-/_]+", "_", regex=True)
    out = np.full(len(values), None, dtype=object)
    out[codes >= 0] = folded.str.strip("_").to_numpy(dtype=object)[codes[codes >= 0]]
    return pd.Series(out, index=values.index, dtype="str")


def _vocabulary(column: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """Folded spelling -> allowed key: the keys themselves and their English/French labels."""
    lookup = {}
    kind = labels.kind_of(column)
    for key in allowed:
        names = [key]
        if kind is not None:
            try:
                names += list(labels.entry(kind, key))
            except KeyError:
                pass
        for n in names:
            lookup[_fold(pd.Series([n], dtype="str"))[0]] = key
    return lookup
