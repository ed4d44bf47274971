"""Step 1 of identity resolution: blocking, so that only plausible pairs are compared.

Course chapter 1, "Blocking". Only records sharing a cheap key (phonetic last name + birth
date, e-mail, phone...) are compared, so the work grows with the records, not with their
square; several passes with different keys catch the pairs one key would miss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.idic.identify.normalise import _check_norm

__all__ = ["DEFAULT_BLOCKS", "candidate_pairs"]


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


def _key_codes(norm: pd.DataFrame, cols) -> np.ndarray:
    """One integer per distinct combination of ``cols`` (faster than a groupby)."""
    key = np.zeros(len(norm), dtype=np.int64)
    for col in cols:
        s = norm[col]
        codes = (s.cat.codes.to_numpy(np.int64) if isinstance(s.dtype, pd.CategoricalDtype)
                 else pd.factorize(s)[0].astype(np.int64))
        key = pd.factorize(key * (int(codes.max()) + 2) + codes + 1)[0].astype(np.int64)
    return key


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
