"""Scale: the heavy customer metrics written once as Ibis expressions.

The pandas functions of :mod:`crmkit.segmentation`, :mod:`crmkit.value` and
:mod:`crmkit.clv` teach the metrics; this package computes the same numbers where the
data lives: an embedded DuckDB by default (the market's ``market.duckdb``, out-of-core),
or a Spark session (``pip install 'crmkit[spark]'``) on a client's cluster.

- :mod:`~crmkit.warehouse.engines`: connections (DuckDB, Spark with Arrow on), inputs
- :mod:`~crmkit.warehouse.metrics`: CLV summary with calibration/holdout, RFM, FRAT
- :mod:`~crmkit.warehouse.value`: customer profitability (margin, cost to serve with
  allocated pools, direct profit)
- :mod:`~crmkit.warehouse.piloting`: segment migration matrices, segment KPIs
- :mod:`~crmkit.warehouse.spark`: the market generated on Spark, one task per block

>>> from crmkit import warehouse
>>> con = warehouse.connect()            # in-memory DuckDB
>>> warehouse.engine_name(con)
'duckdb'
"""

import importlib

# name -> submodule; loaded on first use so that a Spark task that only needs the
# generator (crmkit.warehouse.spark) does not import Ibis in every Python worker
_EXPORTS = {
    "engines": (
        "SPARK_DEFAULTS", "as_table", "connect", "enable_arrow", "engine_name",
        "ensure_java", "spark_session",
    ),
    "metrics": (
        "calibration_holdout", "calibration_holdout_expr", "clv_summary", "clv_summary_expr",
        "frat", "frat_expr", "money_sum", "quantile_score", "rfm", "rfm_expr",
    ),
    "value": ("customer_profitability", "customer_profitability_expr", "DRIVERS",
              "customer_value", "customer_value_expr"),
    "piloting": (
        "migration_counts_expr", "migration_matrix", "segment_migration",
        "segment_kpis", "segment_kpis_expr", "KPI_AGGREGATIONS",
    ),
    "spark": ("generate_on_spark", "read_market_folder"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f"crmkit.warehouse.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'crmkit.warehouse' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
