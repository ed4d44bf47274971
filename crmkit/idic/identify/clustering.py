"""Step 3 of identity resolution: clustering the links into customers, and the whole run.

Course chapter 1, "Clustering". Pairs whose weight reaches the threshold are links; the
connected components of the link graph are the resolved customers, numbered by their
smallest ``record_id``. A cluster holding two different birth dates is repaired.
:func:`resolve_identities` runs the three steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crmkit.idic.identify.blocking import DEFAULT_BLOCKS, candidate_pairs
from crmkit.idic.identify.comparison import MatchRules, compare_pairs
from crmkit.idic.identify.normalise import normalise_records

__all__ = ["IdentityResolution", "resolve_identities"]


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
