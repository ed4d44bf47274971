"""Segmentation: ABC/Pareto, RFM and FRAT, the profitability matrix, lifecycle and
statistical segmentation, and the piloting of segments over time (course chapter 3).

Every function takes tidy DataFrames with column names as keyword arguments (defaults
follow :data:`crmkit.schema.TABLES`), validates them with :mod:`crmkit.schema`, and returns
a DataFrame or a small dataclass. Category values are English; their English and French
labels are in ``crmkit/data/labels.yaml``, read by :mod:`crmkit.labels`.

Submodules, named after the course's ideas:

- :mod:`~crmkit.segmentation.abc`: ABC classes, Pareto/Lorenz curves, Gini, top shares
- :mod:`~crmkit.segmentation.rfm`: RFM and FRAT tables, quantile scores, named segments
- :mod:`~crmkit.segmentation.matrix`: current x potential profitability matrix and checks
- :mod:`~crmkit.segmentation.lifecycle`: life-stage spells, norms, pace
- :mod:`~crmkit.segmentation.clustering`: standardisation + PCA + k-means, profiles, names
- :mod:`~crmkit.segmentation.lookalike`: profiling the best customers to steer recruitment
- :mod:`~crmkit.segmentation.piloting`: migration matrix, stability index, segment KPIs
"""

from crmkit.segmentation.abc import (
    ABC_SHARES,
    ABCResult,
    abc_analysis,
    gini,
    lorenz_curve,
    pareto_curve,
    top_share,
)
from crmkit.segmentation.clustering import (
    StatisticalSegmentation,
    choose_k,
    cluster_profile,
    name_clusters,
)
from crmkit.segmentation.lifecycle import (
    PACES,
    lifecycle_segments,
    stage_norms,
    stage_spells,
)
from crmkit.segmentation.lookalike import lookalike_lift, lookalike_score
from crmkit.segmentation.matrix import (
    MATRIX_QUADRANTS,
    profitability_matrix,
)
from crmkit.segmentation.piloting import (
    Stability,
    migration_matrix,
    segment_kpis,
    segment_migration,
    stability_index,
)
from crmkit.segmentation.rfm import (
    RFM_SEGMENT_RULES,
    RFM_SEGMENTS,
    frat,
    frat_scores,
    frat_table,
    rfm,
    rfm_scores,
    rfm_segments,
    rfm_table,
)

__all__ = [
    "ABC_SHARES",
    "ABCResult",
    "abc_analysis",
    "gini",
    "lorenz_curve",
    "pareto_curve",
    "top_share",
    "StatisticalSegmentation",
    "choose_k",
    "cluster_profile",
    "name_clusters",
    "lookalike_lift",
    "lookalike_score",
    "PACES",
    "lifecycle_segments",
    "stage_norms",
    "stage_spells",
    "MATRIX_QUADRANTS",
    "profitability_matrix",
    "Stability",
    "migration_matrix",
    "segment_kpis",
    "segment_migration",
    "stability_index",
    "RFM_SEGMENT_RULES",
    "RFM_SEGMENTS",
    "frat",
    "frat_scores",
    "frat_table",
    "rfm",
    "rfm_scores",
    "rfm_segments",
    "rfm_table",
]


def __getattr__(name):
    """The old ``*_LABELS_FR`` dicts, one release (``FutureWarning``; see crmkit.labels)."""
    import importlib

    for sub in ('crmkit.segmentation.lifecycle', 'crmkit.segmentation.matrix', 'crmkit.segmentation.rfm'):
        try:
            return importlib.import_module(sub).__getattr__(name)
        except AttributeError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
