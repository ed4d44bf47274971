"""Identify: resolve the records that departments hold on the same person into one customer.

A bank or an insurer is usually organised by product line, so the same person appears in
several systems (current account, cards, car insurance, ...) under different account
numbers, with spelling variants, missing fields and old addresses (the "unified customer
view"). Identity resolution (record linkage) turns these records back into people, in three
classic steps (Fellegi & Sunter 1969; Christen 2012, *Data Matching*), one module each, in
the order of chapter 1's sections (every name is also importable from
``crmkit.idic.identify`` and the public ones from ``crmkit.idic``):

============================  ===============================================================
Section of chapter 1          Module and functions
============================  ===============================================================
Normalising the fields        :mod:`~crmkit.idic.identify.normalise`:
                              :func:`normalise_records`
Blocking                      :mod:`~crmkit.idic.identify.blocking`: :func:`candidate_pairs`,
                              :data:`DEFAULT_BLOCKS` — only records sharing a cheap key
                              (phonetic last name + birth date, e-mail, phone...) are
                              compared, so the work grows with the records, not their square
Comparison                    :mod:`~crmkit.idic.identify.comparison`: :class:`MatchRules`,
                              :func:`compare_pairs` — agreement levels per field and a
                              match weight (log-likelihood-ratio style)
Clustering                    :mod:`~crmkit.idic.identify.clustering`:
                              :func:`resolve_identities` (the three steps),
                              :class:`IdentityResolution` — the connected components of the
                              links are the resolved customers
Choosing the threshold        :mod:`~crmkit.idic.identify.threshold`:
                              :func:`links_at_threshold`, :func:`threshold_sweep`;
                              :mod:`~crmkit.idic.identify.quality`:
                              :func:`resolution_quality`, :func:`true_matches`
The unified customer view     :mod:`~crmkit.idic.identify.unified_view`:
                              :func:`unified_customer_view`
============================  ===============================================================

Everything is deterministic: records are processed in ``record_id`` order and each
resolved customer gets the rank of its smallest ``record_id`` as its ``resolved_id``.

Examples
--------
>>> from crmkit.idic.identify import MatchRules
>>> MatchRules().threshold
10.0
"""

from crmkit.idic.identify.blocking import DEFAULT_BLOCKS, candidate_pairs
from crmkit.idic.identify.clustering import IdentityResolution, resolve_identities
from crmkit.idic.identify.comparison import MatchRules, compare_pairs
from crmkit.idic.identify.normalise import normalise_records
from crmkit.idic.identify.quality import ResolutionQuality, resolution_quality, true_matches
from crmkit.idic.identify.threshold import links_at_threshold, threshold_sweep

# join_distinct is a helper crmkit.idic.differentiate shares (not part of the API)
from crmkit.idic.identify.unified_view import join_distinct, unified_customer_view  # noqa: F401

# the public names, in the order of the steps
__all__ = [
    "normalise_records",
    "DEFAULT_BLOCKS",
    "candidate_pairs",
    "MatchRules",
    "compare_pairs",
    "IdentityResolution",
    "resolve_identities",
    "links_at_threshold",
    "threshold_sweep",
    "ResolutionQuality",
    "resolution_quality",
    "true_matches",
    "unified_customer_view",
]
