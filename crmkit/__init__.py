"""crmkit: the analytics, figures and data of a course on Customer Relationship Management.

Every chapter of the book is a notebook that calls this package on one synthetic market
(a bank and an insurer, 10,000 customers, ten years). The modules follow the chapters:

==============================  ==========================================================
Chapter                         Modules
==============================  ==========================================================
1. Customer data                :mod:`crmkit.synth` (the market), :mod:`crmkit.market`
                                (tables, date rules), :mod:`crmkit.schema` (validation),
                                :mod:`crmkit.io`, :mod:`crmkit.privacy`,
                                :mod:`crmkit.importer` (a client's own files),
                                :mod:`crmkit.idic.identify` (identity resolution: one
                                module per step, normalise, blocking, comparison,
                                clustering, threshold, quality, unified view)
2. Loyalty                      :mod:`crmkit.loyalty` (Dick & Basu, retention, bathtub,
                                incidents)
3. Segmentation                 :mod:`crmkit.segmentation` (ABC, RFM/FRAT, profitability
                                matrix, life cycle, clustering, piloting)
4. Customer value               :mod:`crmkit.value` (costs to serve, profit, potential,
                                strategies), :mod:`crmkit.clv` (BG/NBD, Pareto/NBD,
                                Gamma-Gamma, Markov migration, lifetime value)
5. Campaigns                    :mod:`crmkit.campaigns` (one module per section:
                                learn_feel_do, control_groups, measurement (uplift),
                                roi, power, planning, event_marketing, waves, targeting)
6. IDIC                         :mod:`crmkit.idic` (identify, differentiate, interact,
                                customize; the worksheet)
7. The CRM project              :mod:`crmkit.project` (one module per section: reporting,
                                budget, plan, maturity, kpis, business_case)
Scaling up                      :mod:`crmkit.warehouse` (the same metrics on DuckDB and
                                Spark, through Ibis)
Workshops                       :mod:`crmkit.workshop` (consultant reports on a client file)
Every chapter                   :mod:`crmkit.plots` (figures), :mod:`crmkit.labels` (the
                                English and French vocabulary and the palettes, from
                                ``crmkit/data/labels.yaml``), :mod:`crmkit.display`,
                                :mod:`crmkit.widgets`, :mod:`crmkit.exercises`,
                                :mod:`crmkit.models` (the fitted-model contract)
==============================  ==========================================================

Conventions shared by every module: tables are pandas DataFrames whose columns follow
:data:`crmkit.schema.TABLES`; the customer key is passed as ``customer_col=`` and a
snapshot date as ``as_of=``; a period is half-open, ``[start, end)``
(:mod:`crmkit.market`); bad input raises one :class:`crmkit.schema.SchemaError` naming the
table, the column and the first offending rows. Category values are English keys; their
labels are in :mod:`crmkit.labels`.

Examples
--------
>>> import crmkit
>>> isinstance(crmkit.__version__, str)
True
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crmkit")
except PackageNotFoundError:  # a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
