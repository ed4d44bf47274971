"""Segmentation: ABC/Pareto, RFM and FRAT, the profitability matrix, lifecycle and
statistical segmentation, and the piloting of segments over time (course chapter 4).

Every function takes tidy DataFrames with column names as keyword arguments (defaults
follow :data:`crmkit.schema.TABLES`), validates them with :mod:`crmkit.schema`, and returns
a DataFrame or a small dataclass. Category values are English; the ``*_LABELS_FR`` dicts
give the French labels (registered by :mod:`crmkit.labels`).

Submodules, named after the course's ideas:

- :mod:`~crmkit.segmentation.abc`: ABC classes, Pareto/Lorenz curves, Gini, top shares
- :mod:`~crmkit.segmentation.rfm`: RFM and FRAT tables, quantile scores, named segments
- :mod:`~crmkit.segmentation.matrix`: current x potential profitability matrix and checks
- :mod:`~crmkit.segmentation.lifecycle`: life-stage spells, norms, pace
- :mod:`~crmkit.segmentation.clustering`: standardisation + PCA + k-means, profiles
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
from crmkit.segmentation.clustering import StatisticalSegmentation, choose_k, cluster_profile
from crmkit.segmentation.lifecycle import (
    PACE_LABELS_FR,
    PACES,
    lifecycle_segments,
    stage_norms,
    stage_spells,
)
from crmkit.segmentation.matrix import (
    CHECK_LABELS_FR,
    MATRIX_LABELS_FR,
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
    RFM_SEGMENT_LABELS_FR,
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
    "PACES",
    "PACE_LABELS_FR",
    "lifecycle_segments",
    "stage_norms",
    "stage_spells",
    "CHECK_LABELS_FR",
    "MATRIX_LABELS_FR",
    "MATRIX_QUADRANTS",
    "profitability_matrix",
    "Stability",
    "migration_matrix",
    "segment_kpis",
    "segment_migration",
    "stability_index",
    "RFM_SEGMENT_LABELS_FR",
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
