"""Step 0 of identity resolution: normalising the identity fields into comparable keys.

Course chapter 1, "Normalising the fields". Departments spell the same person differently
(accents, case, punctuation, phone prefixes); the later steps compare the folded values and
block on phonetic (Soundex) keys. The distinct values are cleaned once: a million records
hold a few thousand distinct names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema

__all__ = ["normalise_records"]


# identity columns a resolution reads (the ground truth ``true_customer_id`` is never read)
_IDENTITY = [
    "record_id", "system", "account_number", "first_name", "last_name", "birth_date",
    "email", "phone", "address", "postcode", "city",
]


# American Soundex codes of a..z; vowels, h, w and y code 0 (they separate repeated codes)
_SOUNDEX = str.maketrans("abcdefghijklmnopqrstuvwxyz", "01230120022455012623010202")


def _on_unique(s: pd.Series, func) -> pd.Series:
    """Apply a vectorised string function to the distinct values only, then map back.

    Returns a categorical: a million records hold a few thousand distinct names, and the
    comparison and blocking steps work on the integer codes.
    """
    codes, uniques = pd.factorize(s)
    done = func(pd.Series(uniques, dtype="str")).fillna("")
    clean_codes, clean = pd.factorize(done.to_numpy(dtype=object))
    clean_codes = np.where(done.str.len().to_numpy() > 0, clean_codes, -1)  # "" = missing
    mapped = np.where(codes >= 0, clean_codes[np.maximum(codes, 0)] if len(done) else -1, -1)
    cats = pd.Index(clean, dtype="str")
    return pd.Series(pd.Categorical.from_codes(mapped, categories=cats), index=s.index)


def _fold(u: pd.Series) -> pd.Series:
    # accents off, lower case, letters only: "Jean-Pierre" = "Jean Pierre" = "JEANPIERRE"
    return (
        u.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
        .str.lower().str.replace(r"[^a-z]", "", regex=True)
    )


def _soundex(u: pd.Series) -> pd.Series:
    folded = _fold(u)
    digits = folded.str.translate(_SOUNDEX).str.replace(r"(\d)\1+", r"\1", regex=True)
    rest = digits.str[1:].str.replace("0", "", regex=False)
    return (folded.str[:1].str.upper() + rest + "000").str[:4]


def _phone(u: pd.Series) -> pd.Series:
    # the last 9 digits: "+33 6 12 ..." and "06 12 ..." agree; too short = missing
    digits = u.str.replace(r"\D", "", regex=True).str[-9:]
    return digits.where(digits.str.len() >= 6, "")


def _address(u: pd.Series) -> pd.Series:
    return (
        u.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
        .str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
    )


def normalise_records(source_records: pd.DataFrame) -> pd.DataFrame:
    """Clean the identity fields of ``source_records`` into comparable keys.

    Names are folded (no accents, case or punctuation) and get a Soundex key for
    blocking; e-mails are lower-cased; phones keep their last 9 digits (so ``+33 4 ...``
    and ``04 ...`` agree); addresses are folded. Rows are sorted by ``record_id`` and
    re-indexed 0..n-1, the order every later step relies on.

    Parameters
    ----------
    source_records : DataFrame
        The ``source_records`` table (``true_customer_id`` is not needed).

    Returns
    -------
    DataFrame
        ``record_id``, ``system``, ``account_number``, ``first``, ``last``, ``first_key``,
        ``last_key``, ``birth_date``, ``email``, ``phone``, ``postcode``, ``address``.

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame({
    ...     "record_id": ["b", "a"], "system": ["cards", "bank_core"],
    ...     "account_number": ["C1", "B1"], "first_name": ["Élodie", "Elodie"],
    ...     "last_name": ["Le Goff", "LEGOFF"],
    ...     "birth_date": pd.to_datetime(["1980-05-02", None]),
    ...     "email": ["E.L@x.fr", None], "phone": ["+33 4 12 34 56 78", "0412345678"],
    ...     "address": ["3, rue Haute", "3 rue haute"], "postcode": ["29000", "29000"],
    ...     "city": ["Quimper", "Quimper"]})
    >>> normalise_records(recs)[["record_id", "first", "last", "last_key", "phone"]]
      record_id   first    last last_key      phone
    0         a  elodie  legoff     L210  412345678
    1         b  elodie  legoff     L210  412345678
    """
    _validate_records(source_records)
    r = source_records[_IDENTITY].sort_values("record_id", kind="stable").reset_index(drop=True)
    first = _on_unique(r["first_name"], _fold)
    last = _on_unique(r["last_name"], _fold)
    return pd.DataFrame(
        {
            "record_id": r["record_id"],
            "system": r["system"],
            "account_number": r["account_number"],
            "first": first,
            "last": last,
            "first_key": _on_unique(r["first_name"], _soundex),
            "last_key": _on_unique(r["last_name"], _soundex),
            "birth_date": r["birth_date"],
            "email": _on_unique(r["email"], lambda u: u.str.strip().str.lower()),
            "phone": _on_unique(r["phone"], _phone),
            "postcode": _on_unique(r["postcode"], lambda u: u.str.replace(" ", "", regex=False)),
            "address": _on_unique(r["address"], _address),
        }
    )


def _validate_records(source_records: pd.DataFrame) -> None:
    schema.validate(source_records, "source_records", columns=_IDENTITY)
    for col in ("first_name", "last_name"):
        blank = source_records[col].str.strip().str.len() == 0
        if blank.any():
            schema._fail("source_records", col, "blank name(s)", blank, source_records)


def _check_norm(norm: pd.DataFrame, columns, *, ids: bool = False) -> None:
    """Validate the normalised records (:func:`normalise_records`) a step reads: one row per
    ``record_id`` (when the column is there; required and never missing with ``ids``, for a
    step that names the records); the compared values may be missing (a record without an
    e-mail); ``birth_date`` is a date."""
    spec = {c: ("datetime" if c == "birth_date" else None) for c in columns}
    if ids:
        spec = {"record_id": None, **spec}
    schema.require_columns(norm, "norm", spec, nullable=tuple(columns))
    schema.check_key(norm, "norm", "record_id")
