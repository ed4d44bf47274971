"""How good is a resolution? Pairwise precision and recall against the true identities.

Course chapter 1, identity resolution measured on the course market, whose ground truth
(``true_customer_id``) is known: a pair of records is *predicted* when both got the same
``resolved_id`` and *true* when they belong to the same person (Christen 2012, ch. 7).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from crmkit import schema

__all__ = ["ResolutionQuality", "resolution_quality", "true_matches"]


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
        """The measures as a one-column DataFrame (measure -> value).

        Returns
        -------
        DataFrame
            Indexed by ``measure`` (the field names, in order), one column ``value``.

        Examples
        --------
        >>> q = ResolutionQuality(1.0, 0.5, 2 / 3, 1, 1, 2, 3, 1, 2)
        >>> q.as_frame().loc[["precision", "recall", "resolved"], "value"].tolist()
        [1.0, 0.5, 2.0]
        """
        return pd.DataFrame(
            {"value": [getattr(self, f.name) for f in fields(self)]},
            index=pd.Index([f.name for f in fields(self)], name="measure"),
        )


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
