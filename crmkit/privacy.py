"""Pseudonymisation of a client's tables before any analysis (GDPR "pseudonymisation").

A consultant who runs a workshop on a client's export must hand back a report that carries
no personal data. This module turns the crmkit tables into *pseudonymous* ones — not
anonymous: whoever holds the salt can re-link them, and a rare combination of birth year,
département and dates can still single a person out, which is why the workshops suppress
combinations rarer than a threshold (:func:`suppress_rare`) — column by column, following
the schema of :data:`crmkit.schema.TABLES`:

- **direct identifiers** (names, e-mail, phone, street address, city, account numbers) are
  removed, or replaced by a keyed hash when the caller asks to keep them for matching;
- **keys** that point to a person (customer, household, contract, interaction, incident,
  source record) are replaced by a keyed hash, the same in every table so joins still work;
- **quasi-identifiers** are coarsened: the postcode keeps its *département* (first two
  characters), the birth date keeps its year (set to 1 July);
- **free text** left in other string columns is scrubbed of e-mail addresses, phone numbers
  and the names of the customers being imported.

The keyed hash is BLAKE2b in its keyed (MAC) mode from :mod:`hashlib`, with the workshop's
*salt* as the key and the kind of key ("customer", "contract", ...) as personalisation, so the
same salt gives the same pseudonym in every table and every run, and without the salt nobody
can recompute a pseudonym from a known customer number (a plain, unkeyed hash of a customer
number is easily reversed by hashing every possible number). The salt must hold at least
128 bits (:data:`MIN_SALT_BYTES` bytes): a short one is found from one known customer
number and its pseudonym by trying every salt, in seconds for a few letters.
:func:`workshop_salt` draws one at random. Use one salt per workshop and keep it with the
client: whoever holds it can re-link a pseudonym to the client's records.

Examples
--------
>>> import pandas as pd
>>> from crmkit.privacy import pseudonymise
>>> customers = pd.DataFrame({
...     "customer_id": [101, 102], "first_name": ["Anne", "Luc"], "last_name": ["Morel", "Petit"],
...     "email": ["anne.morel@example.fr", None], "postcode": ["35000", "75011"],
...     "life_stage": ["retired (see anne.morel@example.fr)", None]})
>>> out = pseudonymise(customers, "customers", salt="workshop-2024-acme")
>>> list(out.columns)
['customer_id', 'postcode', 'life_stage']
>>> out["postcode"].tolist()
['35', '75']
>>> out["life_stage"].tolist()[0]
'retired (see [email])'
>>> bool(out["customer_id"].ne(customers["customer_id"]).all())
True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from crmkit import schema

__all__ = [
    "MIN_SALT_BYTES",
    "QUASI_IDENTIFIERS",
    "workshop_salt",
    "rare_combinations",
    "suppress_rare",
    "DIRECT_IDENTIFIERS",
    "KEY_DOMAINS",
    "GENERALISED",
    "hash_keys",
    "hash_text",
    "generalise_postcode",
    "generalise_birth_date",
    "scrub_text",
    "name_tokens",
    "pseudonymise",
    "pseudonymise_tables",
]

# columns that name, reach or locate a person: removed (or hashed on request)
DIRECT_IDENTIFIERS: frozenset[str] = frozenset(
    {"first_name", "last_name", "email", "phone", "address", "city", "account_number"}
)

# keys pointing to a person, and the domain of their pseudonym: the same domain in every
# table keeps joins intact (contracts.customer_id still matches customers.customer_id)
KEY_DOMAINS: dict[str, str] = {
    "customer_id": "customer",
    "true_customer_id": "customer",
    "household_id": "household",
    "contract_id": "contract",
    "interaction_id": "interaction",
    "incident_id": "incident",
    "record_id": "record",
}

# quasi-identifiers kept in a coarser form
GENERALISED: frozenset[str] = frozenset({"postcode", "birth_date"})

# what can single a person out once names are gone: combined, rare values are identifying
QUASI_IDENTIFIERS: tuple[str, ...] = ("birth_date", "postcode", "gender", "region",
                                      "acquisition_date", "churn_date")

# 128 bits: the salt cannot be found by trying them all
MIN_SALT_BYTES = 16

# 63-bit pseudonyms: positive int64; with a million keys a collision has odds ~5e-8, and
# hash_keys raises rather than silently merging two people
_BITS_DROPPED = 1

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# French numbers (06 12 34 56 78, +33 6 12 34 56 78, 0033...) and other international ones
_PHONE = re.compile(
    r"(?:(?:\+|00)33[\s.-]?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b|\+\d(?:[\s.-]?\d){7,14}\b"
)
_TOKEN = re.compile(r"(\w+)")
_MIN_NAME_LEN = 3  # shorter tokens ("Li", "Ba") would blank ordinary words


def workshop_salt(salt: str | bytes | None = None) -> str | bytes:
    """The workshop's salt: ``salt`` checked (at least :data:`MIN_SALT_BYTES` bytes), or a
    random one of 128 bits (32 hexadecimal digits) when None.

    Parameters
    ----------
    salt : str or bytes, optional
        The workshop's own secret, to check; None draws a new one.

    Returns
    -------
    str or bytes
        ``salt`` unchanged when it is long enough, else a new random hexadecimal string.

    Raises
    ------
    ValueError
        ``salt`` is empty or shorter than :data:`MIN_SALT_BYTES` bytes.

    Examples
    --------
    >>> s = workshop_salt()
    >>> len(s), s != workshop_salt()
    (32, True)
    >>> workshop_salt("acme2024")
    Traceback (most recent call last):
    ...
    ValueError: salt: 8 byte(s) is too short; a salt needs at least 16 bytes (128 bits), or none to draw a random one
    """
    import secrets

    if salt is None:
        return secrets.token_hex(MIN_SALT_BYTES)
    _key(salt)
    return salt


def _key(salt: str | bytes) -> bytes:
    if isinstance(salt, str):
        salt = salt.encode("utf-8")
    if not isinstance(salt, bytes) or len(salt) == 0:
        raise ValueError("salt must be a non-empty str or bytes (one secret per workshop)")
    if len(salt) < MIN_SALT_BYTES:
        # a short salt is recovered from one known id and its pseudonym by brute force
        raise ValueError(f"salt: {len(salt)} byte(s) is too short; a salt needs at least "
                         f"{MIN_SALT_BYTES} bytes (128 bits), or none to draw a random one")
    # BLAKE2b keys are at most 64 bytes: longer secrets are condensed first
    return salt if len(salt) <= 64 else hashlib.blake2b(salt, digest_size=64).digest()


def _digests(values: np.ndarray, salt: str | bytes, domain: str, size: int) -> list[bytes]:
    key = _key(salt)
    person = domain.encode("utf-8")[:16]
    # one keyed hash per *distinct* value: hashlib has no vectorised form, and the number of
    # distinct keys is what it is (callers pass uniques, never raw rows)
    return [
        hashlib.blake2b(str(v).encode("utf-8"), digest_size=size, key=key, person=person).digest()
        for v in values
    ]


def hash_keys(values: pd.Series, salt: str | bytes, domain: str) -> pd.Series:
    """Replace key values by 63-bit keyed-hash pseudonyms (int64), missing stays missing.

    The pseudonym depends on the value's text, the salt and the domain only, so the same
    customer number gets the same pseudonym in every table of a workshop.

    Parameters
    ----------
    values : Series
        Key values (numbers or strings; ``12`` and ``"12"`` get the same pseudonym).
    salt : str or bytes
        The workshop's secret.
    domain : str
        Kind of key (``"customer"``, ``"contract"``...); at most 16 bytes are used.

    Returns
    -------
    Series
        ``Int64`` pseudonyms, aligned with ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = hash_keys(pd.Series([12, 12, 7]), "s3cret-of-16-bytes", "customer")
    >>> b = hash_keys(pd.Series(["12"]), "s3cret-of-16-bytes", "customer")
    >>> bool(a[0] == a[1] == b[0]), bool(a[0] != a[2])
    (True, True)
    >>> bool(hash_keys(pd.Series([12]), "another-16-byte-salt", "customer")[0] != a[0])
    True
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:  # nothing but missing values
        return pd.Series(pd.array([pd.NA] * len(values), dtype="Int64"), index=values.index,
                         name=values.name)
    # 12 and "12" are distinct values to factorize but one customer number: hash each
    # canonical text once and map every raw value onto it
    canon = [_canonical(u) for u in np.asarray(uniques, dtype=object)]
    to_text, texts = pd.factorize(pd.Series(canon, dtype=object))
    codes = np.where(codes >= 0, to_text[np.maximum(codes, 0)], -1)
    texts = np.asarray(texts, dtype=object)
    raw = b"".join(_digests(texts, salt, domain, 8))
    pseudo = (np.frombuffer(raw, dtype=">u8") >> _BITS_DROPPED).astype(np.int64)
    if len(np.unique(pseudo)) != len(pseudo):
        # distinct people must never share a pseudonym; astronomically rare, but never silent
        raise ValueError(f"keyed-hash collision among {len(pseudo)} {domain} keys; use another salt")
    out = pd.array(np.zeros(len(values), dtype=np.int64), dtype="Int64")
    out[codes >= 0] = pseudo[codes[codes >= 0]]
    out[codes < 0] = pd.NA
    return pd.Series(out, index=values.index, name=values.name)


def _canonical(value) -> str:
    # 12, 12.0 and "12" are the same customer number
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def hash_text(values: pd.Series, salt: str | bytes, domain: str) -> pd.Series:
    """Replace strings by 16-hex-digit keyed-hash pseudonyms (for string keys and for
    identifiers kept only for matching, e.g. a hashed e-mail). Missing stays missing.

    Parameters
    ----------
    values : Series
        The strings (or string keys) to replace.
    salt : str or bytes
        The workshop's secret.
    domain : str
        Kind of value (``"email"``, ``"record"``...): the same text in two domains gets two
        pseudonyms; at most 16 bytes are used.

    Returns
    -------
    Series
        String pseudonyms (16 hexadecimal digits), aligned with ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> h = hash_text(pd.Series(["a@b.fr", None, "a@b.fr"]), "s3cret-of-16-bytes", "email")
    >>> len(h[0]), bool(h[0] == h[2]), bool(pd.isna(h[1]))
    (16, True, True)
    >>> bool(hash_text(pd.Series(["a@b.fr"]), "s3cret-of-16-bytes", "phone")[0] != h[0])
    True
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = np.asarray([_canonical(u) for u in np.asarray(uniques, dtype=object)], dtype=object)
    hexes = np.asarray([d.hex() for d in _digests(texts, salt, domain, 8)], dtype=object)
    out = np.full(len(values), None, dtype=object)
    out[codes >= 0] = hexes[codes[codes >= 0]]
    return pd.Series(out, index=values.index, name=values.name, dtype="str")


def generalise_postcode(values: pd.Series) -> pd.Series:
    """Keep the *département* of a French postcode (its first two characters).

    Parameters
    ----------
    values : Series
        Postcodes, as text (leading and trailing spaces are ignored).

    Returns
    -------
    Series
        The first two characters of each postcode (``"2A"``/``"2B"`` for Corsica); missing
        stays missing.

    Examples
    --------
    >>> import pandas as pd
    >>> generalise_postcode(pd.Series(["35000", " 2A004", None])).tolist()
    ['35', '2A', nan]
    """
    return values.astype("str").str.strip().str[:2]


def generalise_birth_date(values: pd.Series) -> pd.Series:
    """Keep the year of birth only (the date becomes 1 July of that year), enough for ages
    and life stages, no longer a quasi-identifier.

    Parameters
    ----------
    values : Series
        Birth dates (datetimes, or anything :func:`pandas.to_datetime` reads).

    Returns
    -------
    Series
        Datetimes on 1 July of each birth year, same name; missing stays missing.

    Examples
    --------
    >>> import pandas as pd
    >>> generalise_birth_date(pd.Series(pd.to_datetime(["1980-03-14", None]))).tolist()
    [Timestamp('1980-07-01 00:00:00'), NaT]
    """
    dates = pd.to_datetime(values)
    year = dates.dt.year
    out = pd.to_datetime({"year": year.fillna(2000), "month": 7, "day": 1})
    return out.where(dates.notna()).astype(dates.dtype).rename(values.name)


def name_tokens(*columns: pd.Series) -> frozenset[str]:
    """The lower-cased words of the given name columns, for :func:`scrub_text`.

    Parameters
    ----------
    *columns : Series
        Name columns (first names, last names...); missing values are skipped.

    Returns
    -------
    frozenset of str
        Their words, lower-cased, of at least three characters (shorter ones such as
        ``"al"`` would blank ordinary words).

    Examples
    --------
    >>> import pandas as pd
    >>> sorted(name_tokens(pd.Series(["Jean-Luc", "Al"]), pd.Series(["Le Goff"])))
    ['goff', 'jean', 'luc']
    """
    words: set[str] = set()
    for col in columns:
        uniq = pd.Series(pd.unique(col.dropna().astype("str")), dtype="str")
        found = uniq.str.lower().str.findall(r"\w+").explode().dropna()
        words.update(found[found.str.len() >= _MIN_NAME_LEN].tolist())
    return frozenset(words)


def scrub_text(values: pd.Series, names: Iterable[str] = ()) -> pd.Series:
    """Blank e-mail addresses, phone numbers and known names out of free text.

    Works on the distinct values only (free-text columns of a CRM repeat a lot), so it is
    cheap even on millions of rows.

    Parameters
    ----------
    values : Series of str
        Free text (comments, notes); missing values stay missing.
    names : iterable of str
        Lower-cased name words (see :func:`name_tokens`) replaced, as whole words, by
        ``[name]``.

    Returns
    -------
    Series
        The text with ``[email]``, ``[phone]`` and ``[name]`` in place of what it hid,
        aligned with ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series(["call Anne Morel on 06 12 34 56 78", "mail x.y@acme.fr", None])
    >>> scrub_text(s, names={"morel", "anne"}).tolist()
    ['call [name] [name] on [phone]', 'mail [email]', nan]
    """
    names = frozenset(n.lower() for n in names)
    uniq = pd.Series(pd.unique(values.dropna().astype("str")), dtype="str")
    clean = uniq.str.replace(_EMAIL, "[email]", regex=True).str.replace(
        _PHONE, "[phone]", regex=True
    )
    if names and len(clean):
        # split into words and separators, blank the words that are known names, rejoin
        parts = clean.str.split(_TOKEN.pattern, regex=True).explode()
        is_name = parts.str.lower().isin(names)
        parts = parts.where(~is_name, "[name]")
        clean = parts.groupby(level=0).agg("".join).reindex(clean.index)
    lookup = pd.Series(clean.to_numpy(), index=uniq.to_numpy())
    out = values.astype("str").map(lookup)
    return out.where(values.notna())


def _free_text_columns(df: pd.DataFrame, table: str) -> list[str]:
    spec = schema.TABLES.get(table)
    cols = []
    for c in df.columns:
        if c in DIRECT_IDENTIFIERS or c in KEY_DOMAINS or c in GENERALISED:
            continue
        col = spec.column(c) if spec is not None and c in spec.names else None
        if col is not None and col.allowed is not None:
            continue  # a closed vocabulary cannot carry a name
        if pd.api.types.is_string_dtype(df[c].dtype) or df[c].dtype == object:
            cols.append(c)
    return cols


def pseudonymise(
    df: pd.DataFrame,
    table: str,
    salt: str | bytes,
    *,
    names: Iterable[str] = (),
    keep_hashed: Iterable[str] = (),
) -> pd.DataFrame:
    """Pseudonymise one crmkit table (see the module docstring for the rules).

    Parameters
    ----------
    df : DataFrame
        A table of :data:`crmkit.schema.TABLES` (any subset of its columns).
    table : str
        Its name.
    salt : str or bytes
        The workshop's secret key.
    names : iterable of str
        Extra name words to scrub from free text; the table's own ``first_name`` and
        ``last_name`` are always added.
    keep_hashed : iterable of str
        Direct identifiers to keep as keyed hashes instead of removing them (e.g.
        ``["email"]`` to match records across systems without seeing the address).

    Returns
    -------
    DataFrame
        A new table without direct identifiers.

    Raises
    ------
    SchemaError
        A key column (:data:`KEY_DOMAINS`) with a missing value, which could get no
        pseudonym, or a repeated primary key of ``table`` (two rows for one customer).

    Examples
    --------
    >>> import pandas as pd
    >>> contracts = pd.DataFrame({"contract_id": [1, 2], "customer_id": [101, 101],
    ...                           "product_id": ["auto", "home"]})
    >>> out = pseudonymise(contracts, "contracts", salt="workshop-salt-2024")
    >>> out["product_id"].tolist(), out["customer_id"].nunique()
    (['auto', 'home'], 1)
    """
    if table not in schema.TABLES:
        raise schema.SchemaError(f"unknown table {table!r}; known tables: {sorted(schema.TABLES)}")
    schema.check_columns(df, table, [])
    _key(salt)  # fail early on a bad salt
    for col in KEY_DOMAINS:
        if col in df.columns:  # a missing key has no pseudonym: its rows would lose their owner
            schema.check_no_missing(df, table, col)
    schema.check_key(df, table)  # one row per key: a repeated customer would leave twice
    keep_hashed = set(keep_hashed)
    unknown = keep_hashed - DIRECT_IDENTIFIERS
    if unknown:
        raise ValueError(f"keep_hashed: {sorted(unknown)} are not direct identifiers "
                         f"({sorted(DIRECT_IDENTIFIERS)})")
    own = [df[c] for c in ("first_name", "last_name") if c in df.columns]
    words = frozenset(names) | name_tokens(*own)
    out = df.copy()
    for col in _free_text_columns(out, table):
        out[col] = scrub_text(out[col], words)
    for col, domain in KEY_DOMAINS.items():
        if col not in out.columns:
            continue
        spec = schema.TABLES[table]
        if col in spec.names and spec.column(col).kind == "string":
            out[col] = hash_text(out[col], salt, domain)
            continue
        hashed = hash_keys(out[col], salt, domain)
        # schema int columns are plain int64 when complete
        out[col] = hashed.astype(np.int64) if hashed.notna().all() else hashed
    if "postcode" in out.columns:
        out["postcode"] = generalise_postcode(out["postcode"])
    if "birth_date" in out.columns:
        out["birth_date"] = generalise_birth_date(out["birth_date"])
    for col in sorted(DIRECT_IDENTIFIERS & set(out.columns)):
        if col in keep_hashed:
            out[col] = hash_text(out[col], salt, col)
        else:
            out = out.drop(columns=col)
    return out


def pseudonymise_tables(
    tables: Mapping[str, pd.DataFrame],
    salt: str | bytes,
    *,
    names: Iterable[str] = (),
    keep_hashed: Iterable[str] = (),
) -> dict[str, pd.DataFrame]:
    """Pseudonymise several tables with one salt: names found in any table (customers,
    source records), plus ``names``, are scrubbed from the free text of every table, and
    keys get the same pseudonyms everywhere.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Tables of :data:`crmkit.schema.TABLES`, by table name.
    salt : str or bytes
        The workshop's secret key, one for all the tables.
    names : iterable of str
        Extra name words to scrub from free text, besides the ``first_name`` and
        ``last_name`` of every table.
    keep_hashed : iterable of str
        Direct identifiers to keep as keyed hashes (see :func:`pseudonymise`).

    Returns
    -------
    dict of str to DataFrame
        The pseudonymised tables, under the same names.

    Examples
    --------
    >>> import pandas as pd
    >>> t = {"customers": pd.DataFrame({"customer_id": [7], "last_name": ["Durand"]}),
    ...      "interactions": pd.DataFrame({"interaction_id": [1], "customer_id": [7],
    ...                                    "outcome": ["Mr Durand called back"]})}
    >>> out = pseudonymise_tables(t, salt="workshop-salt-2024")
    >>> bool(out["customers"]["customer_id"][0] == out["interactions"]["customer_id"][0])
    True
    >>> list(out["customers"].columns), out["interactions"]["outcome"].tolist()
    (['customer_id'], ['Mr [name] called back'])
    """
    cols = [df[c] for df in tables.values() for c in ("first_name", "last_name") if c in df]
    words = name_tokens(*cols) | frozenset(names)
    return {
        name: pseudonymise(df, name, salt, names=words, keep_hashed=keep_hashed)
        for name, df in tables.items()
    }


def _wildcard_counts(codes: np.ndarray) -> np.ndarray:
    """Per row, how many rows match it, a missing value (code -1) matching any value.

    Rows are grouped by their pattern of missing columns; for each pair of patterns the
    rows are compared on the columns both know, by an integer code per distinct row.
    The work is ``patterns**2`` vectorised passes (a handful in practice: complete rows,
    suppressed rows, a few partial ones), never a comparison of every pair of rows.
    """
    n, m = codes.shape
    pattern = (codes < 0) @ (1 << np.arange(m, dtype=np.int64))
    kinds = np.unique(pattern)
    total = np.zeros(n, dtype=np.int64)
    for p in kinds:
        rows_p = np.flatnonzero(pattern == p)
        for q in kinds:
            rows_q = np.flatnonzero(pattern == q)
            known = [j for j in range(m) if not ((int(p) | int(q)) >> j) & 1]
            if not known:  # nothing to compare: every row of q matches
                total[rows_p] += len(rows_q)
                continue
            both = codes[np.concatenate([rows_p, rows_q])][:, known]
            row = np.zeros(len(both), dtype=np.int64)
            for col in both.T:  # one code per distinct row, never overflowing
                row = pd.factorize(row * (int(col.max()) + 2) + (col + 1))[0]
            counts = np.bincount(row[len(rows_p):], minlength=int(row.max()) + 1)
            total[rows_p] += counts[row[:len(rows_p)]]
    return total


def rare_combinations(df: pd.DataFrame, columns: Iterable[str], k: int, *,
                      key: str | None = "customer_id") -> np.ndarray:
    """Rows whose combination of ``columns`` is shared by fewer than ``k`` rows: those
    that could single a person out (k-anonymity).

    Dates count by their year (what the pseudonymised tables keep of a birth date). A
    missing value stands for *any* value of its column, as in sdcMicro's ``freqCalc``
    (Templ, Kowarik & Meindl 2015): a row with an unknown gender matches the women and
    the men of its other values, and they match it. That is what a blank means after
    :func:`suppress_rare` (the value is hidden, so it could be any), and it is why
    suppressing values makes a table k-anonymous. Each row is a person: with ``key`` in
    the table (the customer id by default), a repeated key is refused, since a person
    counted twice looks less rare than she is.

    Parameters
    ----------
    df : DataFrame
        One row per person.
    columns : iterable of str
        The quasi-identifiers combined (every one must be in ``df``).
    k : int
        The smallest group allowed (k-anonymity's k, at least 1).
    key : str or None, default "customer_id"
        Column that must not repeat when it is in ``df``; None checks nothing.

    Returns
    -------
    numpy.ndarray of bool
        True for the rows matched by fewer than ``k`` rows (themselves included).

    Raises
    ------
    SchemaError
        A column of ``columns`` missing from ``df``, or a repeated ``key``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"birth_date": pd.to_datetime(["1980-07-01"] * 3 + ["1931-07-01"]),
    ...                    "postcode": ["35", "35", "35", "29"]})
    >>> rare_combinations(df, ["birth_date", "postcode"], k=3).tolist()
    [False, False, False, True]

    A blank matches any value: the second row could be the first or the third.

    >>> df = pd.DataFrame({"gender": ["F", None, "M"], "region": ["Bretagne"] * 3})
    >>> rare_combinations(df, ["gender", "region"], k=2).tolist()
    [False, False, False]
    """
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    cols = list(columns)
    # a column named but absent would silently make every row look common: refused
    schema.check_columns(df, "table", {c: None for c in cols})
    if key is not None:
        schema.check_key(df, "table", key)
    if not cols or len(df) == 0:
        return np.zeros(len(df), dtype=bool)
    codes = np.column_stack([
        pd.factorize(df[c].dt.year if pd.api.types.is_datetime64_any_dtype(df[c].dtype)
                     else df[c].astype(object), use_na_sentinel=True)[0] for c in cols])
    return _wildcard_counts(codes.astype(np.int64)) < k


def suppress_rare(df: pd.DataFrame, k: int, columns: Iterable[str] = QUASI_IDENTIFIERS, *,
                  key: str | None = "customer_id") -> tuple[pd.DataFrame, int]:
    """Blank the quasi-identifiers of the rows whose combination is rarer than ``k``
    (:func:`rare_combinations`: a blank matches any value; a repeated ``key`` is refused).

    Returns the table (the quasi-identifier columns of the rare rows set to missing, all
    other columns untouched) and the number of rows suppressed. What is computed from the
    result (age bands, départements, cohorts) then shows no combination of fewer than ``k``
    customers: a blanked row matches every row, and the others kept at least ``k``
    matches. The rows themselves stay, so totals do not change.

    Parameters
    ----------
    df : DataFrame
        One row per person.
    k : int
        The smallest group allowed (at least 1).
    columns : iterable of str, default :data:`QUASI_IDENTIFIERS`
        The quasi-identifiers; those absent from ``df`` are ignored.
    key : str or None, default "customer_id"
        Column that must not repeat when it is in ``df``; None checks nothing.

    Returns
    -------
    DataFrame
        A copy of ``df``, the quasi-identifiers of its rare rows set to missing.
    int
        The number of rows suppressed.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3], "postcode": ["35", "35", "29"],
    ...                    "income": [1.0, 2.0, 3.0]})
    >>> out, n = suppress_rare(df, k=2, columns=["postcode"])
    >>> out["postcode"].tolist(), n, out["income"].tolist()
    (['35', '35', nan], 1, [1.0, 2.0, 3.0])
    """
    columns = [c for c in columns if c in df.columns]  # the quasi-identifiers it has
    rare = rare_combinations(df, columns, k, key=key)
    out = df.copy()
    for c in columns:
        out[c] = out[c].where(~rare)
    return out, int(rare.sum())
