"""Choosing the threshold: re-clustering the scored pairs at another match threshold.

Course chapter 1, "Choosing the threshold" (and its explorer). Blocking and comparison do
not depend on the threshold, so the pairs scored once are linked again at each threshold
and measured against the truth: the precision/recall trade-off a data team sets the
threshold by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.idic.identify.clustering import IdentityResolution, _components, _split_conflicts
from crmkit.idic.identify.quality import _pair_count

__all__ = ["links_at_threshold", "threshold_sweep"]


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
    >>> from crmkit.idic.identify import resolve_identities
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
    >>> from crmkit.idic.identify import resolve_identities
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
