"""Identify: resolve the records that departments hold on the same person into one customer.

A bank or an insurer is usually organised by product line, so the same person appears in
several systems (current account, cards, car insurance, ...) under different account
numbers, with spelling variants, missing fields and old addresses (seed 003: the "unified
customer view"). Identity resolution (record linkage) turns these records back into
people, in three classic steps (Fellegi & Sunter 1969; Christen 2012, *Data Matching*):

1. **blocking** — only records sharing a cheap key (phonetic last name + birth date, e-mail,
   phone, ...) are compared, so the work grows with the records, not with their square;
2. **comparison** — each candidate pair gets agreement levels per field (Jaro-Winkler
   similarity of names, exact or near birth date, e-mail, phone, postcode, address) and a
   match weight, the sum of the field weights (log-likelihood-ratio style);
3. **clustering** — pairs above a threshold are links; the connected components of the
   link graph are the resolved customers.

Everything is deterministic: records are processed in ``record_id`` order and each
resolved customer gets the rank of its smallest ``record_id`` as its ``resolved_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crmkit import schema
from crmkit.market import running_on

__all__ = [
    "MatchRules",
    "IdentityResolution",
    "ResolutionQuality",
    "DEFAULT_BLOCKS",
    "normalise_records",
    "candidate_pairs",
    "compare_pairs",
    "resolve_identities",
    "resolution_quality",
    "unified_customer_view",
]

# identity columns a resolution reads (the ground truth ``true_customer_id`` is never read)
_IDENTITY = [
    "record_id", "system", "account_number", "first_name", "last_name", "birth_date",
    "email", "phone", "address", "postcode", "city",
]

# Blocking passes: records sharing all the keys of one pass are compared. Several passes
# with different keys catch the pairs a single key would miss (a typo in the first letter
# of the last name, a missing birth date, a new e-mail address...).
DEFAULT_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("last_key", "birth_date"),
    ("first_key", "birth_date"),
    ("email",),
    ("phone",),
    ("last_key", "first_key", "postcode"),
)

# American Soundex codes of a..z; vowels, h, w and y code 0 (they separate repeated codes)
_SOUNDEX = str.maketrans("abcdefghijklmnopqrstuvwxyz", "01230120022455012623010202")


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


@dataclass
class IdentityResolution:
    """Result of :func:`resolve_identities`.

    Attributes
    ----------
    links : DataFrame
        One row per source record (sorted by ``record_id``): ``record_id``, ``system``,
        ``account_number`` and the ``resolved_id`` of the person it belongs to.
    pairs : DataFrame
        Every compared candidate pair: ``record_id_l``, ``record_id_r``, the field
        similarities/levels, the total ``weight``, ``match`` (weight >= threshold) and
        ``linked`` (a link kept for clustering, after the conflict repair).
    skipped_blocks : int
        Blocks larger than ``MatchRules.block_limit`` that were not compared.
    repaired_clusters : int
        Clusters split because they held two different birth dates.
    rules : MatchRules
        The rules used.
    """

    links: pd.DataFrame
    pairs: pd.DataFrame
    skipped_blocks: int
    repaired_clusters: int = 0
    rules: MatchRules = field(default_factory=MatchRules)

    @property
    def n_customers(self) -> int:
        """Number of resolved customers."""
        return int(self.links["resolved_id"].nunique())


@dataclass(frozen=True)
class ResolutionQuality:
    """Pairwise precision and recall of a resolution against the true identities.

    A pair of records is *predicted* when both records got the same ``resolved_id`` and
    *true* when they belong to the same person; precision = correct / predicted pairs,
    recall = correct / true pairs (Christen 2012, ch. 7).
    """

    precision: float
    recall: float
    f1: float
    correct_pairs: int
    predicted_pairs: int
    true_pairs: int
    records: int
    persons: int
    resolved: int

    def as_frame(self) -> pd.DataFrame:
        """The measures as a one-column DataFrame (measure -> value)."""
        return pd.DataFrame(
            {"value": [getattr(self, f.name) for f in fields(self)]},
            index=pd.Index([f.name for f in fields(self)], name="measure"),
        )


# ---------------------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------
# blocking
# ---------------------------------------------------------------------------------------
def _key_codes(norm: pd.DataFrame, cols) -> np.ndarray:
    """One integer per distinct combination of ``cols`` (faster than a groupby)."""
    key = np.zeros(len(norm), dtype=np.int64)
    for col in cols:
        s = norm[col]
        codes = (s.cat.codes.to_numpy(np.int64) if isinstance(s.dtype, pd.CategoricalDtype)
                 else pd.factorize(s)[0].astype(np.int64))
        key = pd.factorize(key * (int(codes.max()) + 2) + codes + 1)[0].astype(np.int64)
    return key


def _check_norm(norm: pd.DataFrame, columns) -> None:
    """Validate the normalised records (:func:`normalise_records`) a step reads: one row per
    ``record_id`` (when the column is there); the compared values may be missing (a record
    without an e-mail)."""
    schema.require_columns(norm, "norm", list(columns), nullable=tuple(columns))
    schema.check_key(norm, "norm", "record_id")


def candidate_pairs(
    norm: pd.DataFrame,
    blocks: tuple[tuple[str, ...], ...] = DEFAULT_BLOCKS,
    block_limit: int = 1000,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Record pairs sharing every key of at least one blocking pass.

    Parameters
    ----------
    norm : DataFrame
        Output of :func:`normalise_records` (rows 0..n-1).
    blocks : tuple of tuples of column names
        The blocking passes; a record with a missing key skips that pass.
    block_limit : int
        Blocks with more records are skipped.

    Returns
    -------
    left, right : ndarray of int64
        Row positions with ``left < right``, unique, sorted.
    skipped : int
        Number of blocks skipped for their size.

    Examples
    --------
    >>> import pandas as pd
    >>> norm = pd.DataFrame({"email": ["a@x", "a@x", None, "a@x"], "phone": ["1", "2", "2", None]})
    >>> left, right, skipped = candidate_pairs(norm, blocks=(("email",), ("phone",)))
    >>> list(zip(left.tolist(), right.tolist()))
    [(0, 1), (0, 3), (1, 2), (1, 3)]
    """
    _check_norm(norm, sorted({c for block in blocks for c in block}
                             & set(getattr(norm, "columns", ()))))
    n = len(norm)
    keys = []
    skipped = 0
    for cols in blocks:
        missing = [c for c in cols if c not in norm.columns]
        if missing:
            raise ValueError(f"blocking key(s) {missing} not in the normalised records")
        ok = norm[list(cols)].notna().all(axis=1).to_numpy()
        rows = np.flatnonzero(ok)
        if len(rows) < 2:
            continue
        block = _key_codes(norm, cols)[ok]
        block = pd.factorize(block)[0]
        sizes = np.bincount(block)
        skipped += int((sizes > block_limit).sum())
        keep = (sizes[block] >= 2) & (sizes[block] <= block_limit)
        k = pd.DataFrame({"b": block[keep], "row": rows[keep]})
        m = k.merge(k, on="b", suffixes=("_l", "_r"))
        m = m[m["row_l"] < m["row_r"]]
        keys.append(m["row_l"].to_numpy(np.int64) * n + m["row_r"].to_numpy(np.int64))
    if not keys:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, skipped
    pair = np.sort(np.concatenate(keys))
    pair = pair[np.r_[True, pair[1:] != pair[:-1]]]  # sort-based unique: faster here
    return pair // n, pair % n, skipped


# ---------------------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------------------
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
    _check_norm(norm, ["first", "last", "address", "birth_date", "email", "phone", "postcode"])
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


# ---------------------------------------------------------------------------------------
# clustering
# ---------------------------------------------------------------------------------------
def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components numbered by their smallest row (rows are in record_id order)."""
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    _, first_row, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first_row), dtype=np.int64)
    rank[np.argsort(first_row, kind="stable")] = np.arange(len(first_row))
    return rank[inverse] + 1


def resolve_identities(
    source_records: pd.DataFrame,
    rules: MatchRules | None = None,
    blocks: tuple[tuple[str, ...], ...] = DEFAULT_BLOCKS,
    n_jobs: int = 1,
) -> IdentityResolution:
    """Resolve department records into customers: blocking, comparison, clustering.

    Parameters
    ----------
    source_records : DataFrame
        The ``source_records`` table: one row per record in one department's system.
        ``true_customer_id`` is ignored (it is the answer).
    rules : MatchRules, optional
        Weights, threshold and block size limit.
    blocks : tuple of tuples
        Blocking passes over the columns of :func:`normalise_records`.
    n_jobs : int
        Threads for the string similarities.

    Returns
    -------
    IdentityResolution
        ``links`` (record -> ``resolved_id``), the scored ``pairs`` and diagnostics.

    Examples
    --------
    Two departments hold Marie Martin (one with a typo and an old address), a third
    record is her husband at the same address:

    >>> import pandas as pd
    >>> recs = pd.DataFrame({
    ...     "record_id": ["r1", "r2", "r3"],
    ...     "system": ["bank_core", "insurance_auto", "bank_core"],
    ...     "account_number": ["B-001", "A-77", "B-002"],
    ...     "first_name": ["Marie", "Marei", "Paul"], "last_name": ["Martin"] * 3,
    ...     "birth_date": pd.to_datetime(["1970-03-01", "1970-03-01", "1968-11-20"]),
    ...     "email": ["marie@x.fr", None, "paul@x.fr"],
    ...     "phone": ["0102030405", None, "0102030405"],
    ...     "address": ["1 rue Neuve", "8 av. Foch", "1 rue Neuve"],
    ...     "postcode": ["35000", "75016", "35000"], "city": ["Rennes", "Paris", "Rennes"]})
    >>> res = resolve_identities(recs)
    >>> res.links[["record_id", "resolved_id"]]
      record_id  resolved_id
    0        r1            1
    1        r2            1
    2        r3            2
    """
    rules = rules or MatchRules()
    norm = normalise_records(source_records)
    left, right, skipped = candidate_pairs(norm, blocks, rules.block_limit)
    pairs = compare_pairs(norm, left, right, rules, n_jobs=n_jobs)
    linked = pairs["match"].to_numpy().copy()
    resolved = _components(len(norm), left[linked], right[linked])
    repaired = 0
    if rules.split_conflicts:
        linked, repaired = _split_conflicts(norm["birth_date"], pairs, resolved, linked)
        if repaired:
            resolved = _components(len(norm), left[linked], right[linked])
    links = norm[["record_id", "system", "account_number"]].assign(resolved_id=resolved)
    pairs = pairs.drop(columns=["left", "right"]).assign(linked=linked)
    return IdentityResolution(links=links, pairs=pairs, skipped_blocks=skipped,
                              repaired_clusters=repaired, rules=rules)


def _split_conflicts(
    dates: pd.Series, pairs: pd.DataFrame, labels: np.ndarray, linked: np.ndarray
) -> tuple[np.ndarray, int]:
    """Drop the weak links that join two people with different birth dates.

    A record without a birth date can link two namesakes (same names, same e-mail), and
    connected components then merge both people. In each cluster holding two different
    dates, a record without a date keeps only its strongest link (ties: the smaller row).
    """
    d = pd.DatetimeIndex(dates).as_unit("ns")
    known = ~np.asarray(d.isna())
    per = pd.DataFrame({"c": labels[known], "d": d.asi8[known]})
    n_dates = per.groupby("c")["d"].nunique()
    bad = n_dates.index[n_dates > 1].to_numpy()
    if len(bad) == 0:
        return linked, 0
    left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    weak = linked & np.isin(labels[left], bad) & (pairs["birth_date"].to_numpy() == 0)
    keep = linked & ~weak
    idx = np.flatnonzero(weak)
    ends = pd.DataFrame({
        "rec": np.concatenate([left[idx], right[idx]]),
        "link": np.concatenate([idx, idx]),
        "dateless": np.concatenate([~known[left[idx]], ~known[right[idx]]]),
    })
    ends = ends[ends["dateless"]]
    ends["w"] = pairs["weight"].to_numpy()[ends["link"].to_numpy()]
    best = ends.sort_values(["rec", "w", "link"], ascending=[True, False, True])
    keep[best.drop_duplicates("rec")["link"].to_numpy()] = True
    return keep, len(bad)


# ---------------------------------------------------------------------------------------
# evaluation against the ground truth
# ---------------------------------------------------------------------------------------
def _n_pairs(sizes: pd.Series) -> int:
    s = sizes.to_numpy(dtype=np.int64)
    return int((s * (s - 1) // 2).sum())


def resolution_quality(links: pd.DataFrame, source_records: pd.DataFrame) -> ResolutionQuality:
    """Pairwise precision and recall of ``links`` against ``true_customer_id``.

    Parameters
    ----------
    links : DataFrame
        ``record_id`` and ``resolved_id`` (e.g. ``IdentityResolution.links``).
    source_records : DataFrame
        ``record_id`` and the ground truth ``true_customer_id``.

    Returns
    -------
    ResolutionQuality

    Examples
    --------
    Four records of two people; the resolution wrongly splits the first person:

    >>> import pandas as pd
    >>> truth = pd.DataFrame({"record_id": list("abcd"), "true_customer_id": [1, 1, 1, 2]})
    >>> links = pd.DataFrame({"record_id": list("abcd"), "resolved_id": [1, 1, 2, 3]})
    >>> q = resolution_quality(links, truth)
    >>> q.precision, round(q.recall, 3), q.correct_pairs, q.true_pairs
    (1.0, 0.333, 1, 3)
    """
    schema.check_not_empty(links, "links")
    schema.check_columns(links, "links", {"record_id": "string", "resolved_id": "int"})
    schema.check_unique(links, "links", "record_id")
    schema.check_not_empty(source_records, "source_records")
    schema.check_columns(
        source_records, "source_records", {"record_id": "string", "true_customer_id": "int"}
    )
    schema.check_unique(source_records, "source_records", "record_id")
    m = links[["record_id", "resolved_id"]].merge(
        source_records[["record_id", "true_customer_id"]], on="record_id", how="outer",
        indicator=True,
    )
    unmatched = m["_merge"] != "both"
    if unmatched.any():
        schema._fail("links", "record_id", "not in both links and source_records", unmatched, m)
    predicted = _n_pairs(m.groupby("resolved_id").size())
    true = _n_pairs(m.groupby("true_customer_id").size())
    correct = _n_pairs(m.groupby(["resolved_id", "true_customer_id"]).size())
    precision = correct / predicted if predicted else 1.0
    recall = correct / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ResolutionQuality(
        precision=precision, recall=recall, f1=f1, correct_pairs=correct,
        predicted_pairs=predicted, true_pairs=true, records=len(m),
        persons=int(m["true_customer_id"].nunique()), resolved=int(m["resolved_id"].nunique()),
    )


# ---------------------------------------------------------------------------------------
# the unified customer view
# ---------------------------------------------------------------------------------------
def join_distinct(df: pd.DataFrame, key: str, col: str, sep: str = "|") -> pd.Series:
    """The distinct values of ``col`` per ``key``, sorted and joined (``"B_CARD|I_AUTO"``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"k": [1, 1, 1, 2], "v": ["b", "a", "b", "c"]})
    >>> join_distinct(df, "k", "v").to_dict()
    {1: 'a|b', 2: 'c'}
    """
    d = df[[key, col]].dropna().drop_duplicates()
    d = d.assign(**{col: d[col].astype(str)}).sort_values([key, col], kind="stable")
    return d.groupby(key, sort=True)[col].agg(sep.join)


def _most_frequent(df: pd.DataFrame, key: str, col: str) -> pd.Series:
    """Most frequent non-missing value of ``col`` per ``key`` (ties: smallest record)."""
    d = df[[key, col]].dropna()
    counts = d.groupby([key, col], sort=False).size().rename("n").reset_index()
    counts = counts.merge(
        d.reset_index().groupby([key, col], sort=False)["index"].min().rename("first"),
        on=[key, col],
    )
    best = counts.sort_values([key, "n", "first"], ascending=[True, False, True])
    return best.drop_duplicates(key).set_index(key)[col]


def unified_customer_view(
    links: pd.DataFrame,
    source_records: pd.DataFrame,
    *,
    contracts: pd.DataFrame | None = None,
    interactions: pd.DataFrame | None = None,
    incidents: pd.DataFrame | None = None,
    transactions: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    operational_key: str = "true_customer_id",
    as_of: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """One row per resolved customer: identity, holdings across departments, contacts,
    incidents and value.

    The identity part comes from the records alone: how many records and departments
    hold the person, their account numbers, and the most frequent spelling of each field.
    The operational tables (contracts, interactions, incidents, transactions) are keyed by
    ``customer_id``; ``operational_key`` is the column of ``source_records`` giving the
    ``customer_id`` each record's account is posted under. In the synthetic market the
    departments post under the golden id, so it is ``true_customer_id``; each operational
    id is attached to the resolved customer holding most of its records, so resolution
    errors show up as they would in a real company (a wrongly merged pair adds two
    people's holdings, a split person leaves a duplicate with no holdings).

    Parameters
    ----------
    links : DataFrame
        ``record_id`` -> ``resolved_id`` (from :func:`resolve_identities`).
    source_records : DataFrame
        The department records.
    contracts, interactions, incidents, transactions : DataFrame, optional
        Market tables; each adds its columns to the view.
    products : DataFrame, optional
        With ``contracts``: adds the ``sector`` split of active contracts.
    operational_key : str
        Column of ``source_records`` linking a record to the operational ``customer_id``.
    as_of : date, optional
        Date at which contracts count as active (default: the latest contract date).

    Returns
    -------
    DataFrame
        Indexed by ``resolved_id``: ``n_records``, ``n_systems``, ``systems``,
        ``accounts``, ``first_name``, ``last_name``, ``birth_date``, ``email``,
        ``phone``, ``postcode``, ``city`` then, when given, ``active_contracts``,
        ``products_held``, ``bank_contracts``/``insurance_contracts``, ``interactions``,
        ``contact_cost``, ``last_contact``, ``incidents``, ``margin``.

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame({"record_id": ["r1", "r2"], "system": ["bank_core", "insurance_auto"],
    ...     "account_number": ["B1", "A1"], "first_name": ["Marie", "Marie"],
    ...     "last_name": ["Martin", "Martin"], "birth_date": pd.to_datetime(["1970-01-01"] * 2),
    ...     "email": [None, "m@x.fr"], "phone": [None, None], "address": ["1 rue A", None],
    ...     "postcode": ["35000", None], "city": ["Rennes", None], "true_customer_id": [7, 7]})
    >>> links = pd.DataFrame({"record_id": ["r1", "r2"], "resolved_id": [1, 1]})
    >>> incidents = pd.DataFrame({"incident_id": [1], "customer_id": [7],
    ...     "date": pd.to_datetime(["2020-01-01"]), "type": ["price_rise"], "response": ["none"]})
    >>> view = unified_customer_view(links, recs, incidents=incidents)
    >>> view[["n_records", "systems", "email", "incidents"]]  # doctest: +NORMALIZE_WHITESPACE
                 n_records                   systems   email  incidents
    resolved_id
    1                    2  bank_core|insurance_auto  m@x.fr          1
    """
    schema.check_not_empty(links, "links")
    schema.check_columns(links, "links", {"record_id": "string", "resolved_id": "int"})
    schema.check_unique(links, "links", "record_id")
    schema.validate(source_records, "source_records", columns=_IDENTITY)
    recs = source_records.merge(links[["record_id", "resolved_id"]], on="record_id", how="left")
    lost = recs["resolved_id"].isna()
    if lost.any():
        schema._fail("source_records", "record_id", "not in links", lost, recs)
    recs["resolved_id"] = recs["resolved_id"].astype(np.int64)
    recs = recs.sort_values("record_id", kind="stable").reset_index(drop=True)
    g = recs.groupby("resolved_id")
    view = pd.DataFrame(
        {
            "n_records": g.size(),
            "n_systems": g["system"].nunique(),
            "systems": join_distinct(recs, "resolved_id", "system"),
            "accounts": g["account_number"].agg("|".join),
        }
    )
    for col in ("first_name", "last_name", "birth_date", "email", "phone", "postcode", "city"):
        view[col] = _most_frequent(recs, "resolved_id", col).reindex(view.index)
    tables = (contracts, interactions, incidents, transactions)
    if all(t is None for t in tables):
        return view

    schema.check_columns(source_records, "source_records", {operational_key: "int"})
    own = recs.groupby([operational_key, "resolved_id"]).size().rename("n").reset_index()
    own = own.sort_values([operational_key, "n", "resolved_id"], ascending=[True, False, True])
    crosswalk = own.drop_duplicates(operational_key).set_index(operational_key)["resolved_id"]

    def attach(df: pd.DataFrame) -> pd.DataFrame:
        out = df.assign(resolved_id=df["customer_id"].map(crosswalk))
        return out.dropna(subset=["resolved_id"]).astype({"resolved_id": np.int64})

    if contracts is not None:
        schema.validate(
            contracts, "contracts", columns=["contract_id", "customer_id", "product_id",
                                             "start_date", "end_date"],
        )
        day = (schema.as_timestamp(as_of) if as_of is not None
               else contracts["start_date"].max())
        active = contracts[running_on(contracts, day)]
        c = attach(active)
        cg = c.groupby("resolved_id")
        view["active_contracts"] = cg.size().reindex(view.index, fill_value=0)
        view["products_held"] = join_distinct(c, "resolved_id", "product_id").reindex(
            view.index, fill_value="")
        if products is not None:
            schema.validate(products, "products", columns=["product_id", "sector"])
            c = c.merge(products[["product_id", "sector"]], on="product_id", how="left")
            split = c.pivot_table(index="resolved_id", columns="sector", values="contract_id",
                                  aggfunc="count", fill_value=0)
            for sector in schema.SECTORS:
                col = split[sector] if sector in split else pd.Series(dtype=float)
                view[f"{sector}_contracts"] = col.reindex(view.index, fill_value=0).astype(int)
    if interactions is not None:
        schema.validate(interactions, "interactions",
                        columns=["interaction_id", "customer_id", "date", "cost"])
        ig = attach(interactions).groupby("resolved_id")
        view["interactions"] = ig.size().reindex(view.index, fill_value=0)
        view["contact_cost"] = ig["cost"].sum().reindex(view.index, fill_value=0.0)
        view["last_contact"] = ig["date"].max().reindex(view.index)
    if incidents is not None:
        schema.validate(incidents, "incidents", columns=["incident_id", "customer_id"])
        n = attach(incidents).groupby("resolved_id").size()
        view["incidents"] = n.reindex(view.index, fill_value=0)
    if transactions is not None:
        schema.validate(transactions, "transactions", columns=["customer_id", "margin"])
        margin = attach(transactions).groupby("resolved_id")["margin"].sum()
        view["margin"] = margin.reindex(view.index, fill_value=0.0)
    return view


# ---------------------------------------------------------------------------------------
# the match threshold: re-clustering the scored pairs (chapter 1's threshold explorer)
# ---------------------------------------------------------------------------------------
def _relinker(resolution: IdentityResolution, source_records: pd.DataFrame):
    """What re-clustering needs, computed once: returns ``(records, relink)`` where
    ``records`` is ``source_records`` in the row order of ``resolution.links`` and
    ``relink(threshold)`` the resolved ids of those rows at ``threshold``."""
    schema.require_columns(source_records, "source_records",
                           {"record_id": "string", "birth_date": "datetime"},
                           nullable=("birth_date",), unique="record_id")
    recs = source_records.sort_values("record_id", kind="stable").reset_index(drop=True)
    ids = resolution.links["record_id"].to_numpy(dtype=object)
    if len(recs) != len(ids) or (recs["record_id"].to_numpy(dtype=object) != ids).any():
        raise schema.SchemaError(
            f"source_records.record_id: {len(recs)} record(s) that are not the {len(ids)} "
            "records of the resolution; pass the table that was resolved"
        )
    pairs = resolution.pairs
    schema.check_columns(pairs, "pairs", {"weight": "number", "birth_date": "number"})
    position = pd.Index(ids.astype(str))
    left = position.get_indexer(pairs["record_id_l"].astype(str))
    right = position.get_indexer(pairs["record_id_r"].astype(str))
    weight = pairs["weight"].to_numpy(dtype=float)
    scored = pd.DataFrame({"left": left, "right": right,
                           "birth_date": pairs["birth_date"].to_numpy(), "weight": weight})
    n = len(recs)

    def relink(threshold: float) -> np.ndarray:
        linked = weight >= threshold
        resolved = _components(n, left[linked], right[linked])
        if resolution.rules.split_conflicts:
            linked, repaired = _split_conflicts(recs["birth_date"], scored, resolved, linked)
            if repaired:
                resolved = _components(n, left[linked], right[linked])
        return resolved

    return recs, relink


def links_at_threshold(
    resolution: IdentityResolution, source_records: pd.DataFrame, threshold: float
) -> pd.DataFrame:
    """Re-cluster the scored pairs of a resolution at another match threshold.

    Blocking and comparison do not depend on the threshold, so the pairs scored once by
    :func:`resolve_identities` are linked again (``weight >= threshold``), clustered and,
    when the resolution's rules ask for it, repaired the same way: the result is the one
    a full run with ``MatchRules(threshold=threshold)`` gives, in a fraction of its time.

    Parameters
    ----------
    resolution : IdentityResolution
        Output of :func:`resolve_identities`.
    source_records : DataFrame
        The records that were resolved (their birth dates drive the conflict repair).
    threshold : float
        Pairs whose weight reaches it are links.

    Returns
    -------
    DataFrame
        Like ``resolution.links``: ``record_id``, ``system``, ``account_number``,
        ``resolved_id``.

    Examples
    --------
    Marie Martin's two records agree on the names (a typo in one first name) and the birth
    date, nothing else is known:

    >>> import pandas as pd
    >>> recs = pd.DataFrame({
    ...     "record_id": ["r1", "r2"], "system": ["bank_core", "insurance_auto"],
    ...     "account_number": ["B-001", "A-77"], "first_name": ["Marie", "Marei"],
    ...     "last_name": ["Martin", "Martin"],
    ...     "birth_date": pd.to_datetime(["1970-03-01", "1970-03-01"]),
    ...     "email": [None, None], "phone": [None, None], "address": [None, None],
    ...     "postcode": [None, None], "city": [None, None]})
    >>> res = resolve_identities(recs)
    >>> float(res.pairs["weight"].iloc[0])
    15.0
    >>> links_at_threshold(res, recs, 15.0)["resolved_id"].tolist()
    [1, 1]
    >>> links_at_threshold(res, recs, 16.0)["resolved_id"].tolist()
    [1, 2]
    """
    _, relink = _relinker(resolution, source_records)
    return resolution.links[["record_id", "system", "account_number"]].assign(
        resolved_id=relink(threshold))


def true_matches(pairs: pd.DataFrame, source_records: pd.DataFrame) -> pd.Series:
    """Whether each scored pair joins two records of the same person (the ground truth).

    Parameters
    ----------
    pairs : DataFrame
        ``record_id_l`` and ``record_id_r`` (e.g. ``IdentityResolution.pairs``).
    source_records : DataFrame
        ``record_id`` and the ground truth ``true_customer_id``.

    Returns
    -------
    Series of bool
        Aligned on ``pairs``' index, named ``same_person``.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"record_id": ["a", "b", "c"], "true_customer_id": [1, 1, 2]})
    >>> pairs = pd.DataFrame({"record_id_l": ["a", "a"], "record_id_r": ["b", "c"]})
    >>> true_matches(pairs, truth).tolist()
    [True, False]
    """
    schema.check_columns(pairs, "pairs", ["record_id_l", "record_id_r"])
    schema.check_not_empty(source_records, "source_records")
    schema.check_columns(source_records, "source_records",
                         {"record_id": "string", "true_customer_id": "int"})
    schema.check_unique(source_records, "source_records", "record_id")
    person = pd.Series(source_records["true_customer_id"].to_numpy(),
                       index=pd.Index(source_records["record_id"].astype(str)))
    left = person.reindex(pairs["record_id_l"].astype(str)).to_numpy()
    right = person.reindex(pairs["record_id_r"].astype(str)).to_numpy()
    for side, ids in (("record_id_l", left), ("record_id_r", right)):
        schema.check_rows(pairs, "pairs", side, pd.isna(ids), "not in source_records")
    return pd.Series(left == right, index=pairs.index, name="same_person")


def _pair_count(key: np.ndarray, other: np.ndarray | None = None) -> int:
    """Record pairs sharing ``key`` (and ``other``), from non-negative integer keys: the
    sum over the groups of size * (size - 1) / 2."""
    key = key.astype(np.int64)
    if other is not None:
        key = key * (int(other.max()) + 1) + other
    # bincount of the factorized codes (the platform's index type, int32 in the browser),
    # not of the int64 keys, which 32-bit NumPy refuses to cast
    return _n_pairs(pd.Series(np.bincount(pd.factorize(key)[0])))


def threshold_sweep(
    resolution: IdentityResolution, source_records: pd.DataFrame, thresholds
) -> pd.DataFrame:
    """Precision, recall and resolved customers of a resolution at several thresholds.

    Each threshold re-clusters the pairs already scored (as :func:`links_at_threshold`)
    and is measured against the ground truth with the pairwise measures of
    :func:`resolution_quality`: the trade-off a data team sets the threshold by. A low
    threshold merges different people (precision falls), a high one leaves one person
    under several customer keys (recall falls, the number of resolved customers rises).

    Parameters
    ----------
    resolution : IdentityResolution
        Output of :func:`resolve_identities`.
    source_records : DataFrame
        The resolved records, with ``true_customer_id``.
    thresholds : iterable of float
        Thresholds to try.

    Returns
    -------
    DataFrame
        One row per threshold (sorted): ``threshold``, ``links`` (pairs at or above it),
        ``resolved``, ``persons``, ``precision``, ``recall``, ``f1``.

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame({
    ...     "record_id": ["r1", "r2"], "system": ["bank_core", "insurance_auto"],
    ...     "account_number": ["B-001", "A-77"], "first_name": ["Marie", "Marei"],
    ...     "last_name": ["Martin", "Martin"],
    ...     "birth_date": pd.to_datetime(["1970-03-01", "1970-03-01"]),
    ...     "email": [None, None], "phone": [None, None], "address": [None, None],
    ...     "postcode": [None, None], "city": [None, None], "true_customer_id": [7, 7]})
    >>> sweep = threshold_sweep(resolve_identities(recs), recs, [10, 20])
    >>> sweep[["threshold", "links", "resolved", "recall"]]
       threshold  links  resolved  recall
    0       10.0      1         1     1.0
    1       20.0      0         2     0.0
    """
    values = sorted({float(t) for t in thresholds})
    if not values:
        raise ValueError("thresholds is empty")
    schema.check_columns(source_records, "source_records", {"true_customer_id": "int"})
    recs, relink = _relinker(resolution, source_records)
    schema.check_unique(recs, "source_records", "record_id")
    truth = recs["true_customer_id"].to_numpy(dtype=np.int64)
    true_pairs = _pair_count(truth)
    weight = resolution.pairs["weight"].to_numpy(dtype=float)
    rows = []
    for t in values:  # a handful of thresholds, each vectorised over all pairs
        resolved = relink(t)
        predicted, correct = _pair_count(resolved), _pair_count(resolved, truth)
        precision = correct / predicted if predicted else 1.0
        recall = correct / true_pairs if true_pairs else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"threshold": t, "links": int((weight >= t).sum()),
                     "resolved": int(resolved.max(initial=0)),
                     "persons": int(len(np.unique(truth))), "precision": precision,
                     "recall": recall, "f1": f1})
    return pd.DataFrame(rows)


__all__ += ["links_at_threshold", "true_matches", "threshold_sweep"]
