"""Scale: the heavy customer metrics written once as Ibis expressions.

The pandas functions of :mod:`crmkit.segmentation`, :mod:`crmkit.value` and
:mod:`crmkit.clv` teach the metrics; this package computes the same numbers where the
data lives: an embedded DuckDB by default (the market's ``market.duckdb``, out-of-core),
or a Spark session (``pip install 'crmkit[spark]'``) on a client's cluster.

>>> from crmkit import warehouse
>>> con = warehouse.connect()            # in-memory DuckDB
>>> warehouse.engine_name(con)
'duckdb'
"""

from crmkit.warehouse.engines import (
    SPARK_DEFAULTS,
    as_table,
    connect,
    enable_arrow,
    engine_name,
    ensure_java,
    spark_session,
)
from crmkit.warehouse.metrics import (
    calibration_holdout,
    calibration_holdout_expr,
    clv_summary,
    clv_summary_expr,
    frat,
    frat_expr,
    money_sum,
    quantile_score,
    rfm,
    rfm_expr,
)

__all__ = [
    "SPARK_DEFAULTS",
    "as_table",
    "connect",
    "enable_arrow",
    "engine_name",
    "ensure_java",
    "spark_session",
    "calibration_holdout",
    "calibration_holdout_expr",
    "clv_summary",
    "clv_summary_expr",
    "frat",
    "frat_expr",
    "money_sum",
    "quantile_score",
    "rfm",
    "rfm_expr",
]
