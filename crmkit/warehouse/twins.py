"""The twins: each warehouse metric and the pandas function that defines it.

A metric of :mod:`crmkit.warehouse` carries the name and the parameters of its pandas twin
(same names, order, kinds and defaults), plus ``engine=`` (where to compute), and returns
the same table. (One difference is refused rather than computed: ``grain=None``, one
purchase occasion per row, has no engine-independent order for rows at the same time.) :data:`TWINS` lists the pairs with example calls on a market;
``tests/test_warehouse.py`` runs every example on DuckDB and on Spark and compares the two
results, and checks the signatures, so a twin added here is tested with no other edit.

Adding a twin
-------------
Write the pandas function where the course teaches it, write the Ibis expression
(``<name>_expr``) and the metric ``<name>(..., engine=None)`` in :mod:`crmkit.warehouse`,
and add a :class:`Twin` to :data:`TWINS` with one or more example calls on the shipped
sample market (:func:`crmkit.datasets.load_sample`). Public warehouse functions that are no
metric (expression builders, scoring helpers, connections) are listed in
:data:`NOT_TWINS`; a test fails when a public function is in neither.

Examples
--------
>>> from crmkit.warehouse.twins import TWINS
>>> sorted(TWINS)[:3]
['calibration_holdout', 'clv_summary', 'customer_profitability']
>>> TWINS["clv_summary"].load()[0].__module__
'crmkit.clv.summary'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TWINS", "NOT_TWINS", "Twin"]

Call = tuple[tuple, dict]


@dataclass(frozen=True)
class Twin:
    """A pandas function and its warehouse metric of the same name.

    Attributes
    ----------
    pandas : str
        ``"module:function"`` of the pandas side (the definition).
    warehouse : str
        ``"module:function"`` of the warehouse side.
    examples : callable
        ``examples(market) -> list of (args, kwargs)``: calls to run on both sides.
    """

    pandas: str
    warehouse: str
    examples: Callable[[Any], list[Call]]

    def load(self) -> tuple[Callable, Callable]:
        """The two functions (the pandas one first).

        Returns
        -------
        tuple of two callables
            The pandas function (the definition) and the warehouse metric, imported from
            :attr:`pandas` and :attr:`warehouse`.

        Examples
        --------
        >>> from crmkit.warehouse.twins import TWINS
        >>> defined, computed = TWINS["rfm"].load()
        >>> defined.__module__, computed.__module__, defined.__name__ == computed.__name__
        ('crmkit.segmentation.rfm', 'crmkit.warehouse.metrics', True)
        """
        out = []
        for path in (self.pandas, self.warehouse):
            module, _, name = path.partition(":")
            out.append(getattr(importlib.import_module(module), name))
        return out[0], out[1]


def _deposits(market):
    tx = market.transactions
    return tx.loc[tx["kind"] == "deposit"]


def _clv_summary(market) -> list[Call]:
    d = _deposits(market)
    return [((d,), {"value": "amount", "freq": "W"}),
            ((d,), {"observation_end": "2016-12-31", "freq": "D", "grain": "M"})]


def _calibration_holdout(market) -> list[Call]:
    return [((_deposits(market),), {"value": "amount", "calibration_end": "2016-06-30",
                                    "freq": "W"})]


def _rfm(market) -> list[Call]:
    tx = market.transactions
    return [((tx,), {}), ((tx,), {"kinds": None, "ties": "first", "as_of": "2016-12-31"})]


def _frat(market) -> list[Call]:
    return [((market.contracts,), {"type_col": "product_id", "date_col": "start_date",
                                   "amount_col": "monthly_premium", "table": "contracts"})]


def _snapshots(market):
    from crmkit.segmentation import rfm
    tx = market.transactions
    return [rfm(tx, as_of=d, kinds=None)[["customer_id", "rfm_segment"]]
            for d in ("2016-06-30", "2017-06-30")]


def _migration_matrix(market) -> list[Call]:
    before, after = _snapshots(market)
    kw = {"segment_col": "rfm_segment"}
    plain = [s.assign(rfm_segment=s["rfm_segment"].astype(str)) for s in (before, after)]
    order = [str(c) for c in before["rfm_segment"].cat.categories][::-1]
    return [((before, after), kw), ((before, after), {**kw, "normalize": False}),
            ((*plain,), kw), ((*plain,), {**kw, "categories": order})]


def _segment_kpis(market) -> list[Call]:
    from crmkit.segmentation import rfm
    scores = rfm(market.transactions, kinds=None)
    kpis = {"clients": ("customer_id", "nunique"), "value": ("monetary", "sum"),
            "mean_frequency": ("frequency", "mean")}
    plain = scores.assign(rfm_segment=scores["rfm_segment"].astype(str))
    order = sorted(set(plain["rfm_segment"]), reverse=True)
    return [((scores, "rfm_segment"), {"kpis": kpis}),
            ((scores.assign(year=scores["last_purchase"].dt.year), "rfm_segment"),
             {"kpis": kpis, "period_col": "year"}),
            ((plain, "rfm_segment"), {"kpis": kpis, "categories": order})]


def _segment_migration(market) -> list[Call]:
    return [((market.transactions, "2016-06-30", "2017-06-30"),
             {"kinds": None, "normalize": False})]


def _customer_profitability(market) -> list[Call]:
    tx, it, ct = market.transactions, market.interactions, market.contracts
    pools = {"sales_marketing": (20_000.0, "sales_contacts"),
             "order_handling": (8_000.0, "contracts"), "distribution": (777.77, "flows")}
    return [((tx, it, ct), {"pools": pools, "start": "2016-01-01", "end": "2017-01-01"}),
            ((tx, it), {})]


TWINS: dict[str, Twin] = {
    "clv_summary": Twin("crmkit.clv.summary:clv_summary",
                        "crmkit.warehouse.metrics:clv_summary", _clv_summary),
    "calibration_holdout": Twin("crmkit.clv.summary:calibration_holdout",
                                "crmkit.warehouse.metrics:calibration_holdout",
                                _calibration_holdout),
    "rfm": Twin("crmkit.segmentation.rfm:rfm", "crmkit.warehouse.metrics:rfm", _rfm),
    "frat": Twin("crmkit.segmentation.rfm:frat", "crmkit.warehouse.metrics:frat", _frat),
    "migration_matrix": Twin("crmkit.segmentation.piloting:migration_matrix",
                             "crmkit.warehouse.piloting:migration_matrix", _migration_matrix),
    "segment_kpis": Twin("crmkit.segmentation.piloting:segment_kpis",
                         "crmkit.warehouse.piloting:segment_kpis", _segment_kpis),
    "segment_migration": Twin("crmkit.segmentation.piloting:segment_migration",
                              "crmkit.warehouse.piloting:segment_migration",
                              _segment_migration),
    "customer_profitability": Twin("crmkit.value.profit:customer_profitability",
                                   "crmkit.warehouse.value:customer_profitability",
                                   _customer_profitability),
}

# public names of crmkit.warehouse that are not metrics with a pandas twin
NOT_TWINS = frozenset({
    # Ibis expressions the metrics run (same name + "_expr")
    "clv_summary_expr", "calibration_holdout_expr", "rfm_expr", "frat_expr",
    "migration_counts_expr", "segment_kpis_expr", "customer_profitability_expr",
    # building blocks and constants
    "money_sum", "quantile_score", "DRIVERS", "KPI_AGGREGATIONS",
    # engines and the generator on Spark
    "SPARK_DEFAULTS", "as_table", "connect", "enable_arrow", "engine_name", "ensure_java",
    "spark_session", "generate_on_spark", "read_market_folder",
    # deprecated aliases, removed next release
    "customer_value", "customer_value_expr",
})
