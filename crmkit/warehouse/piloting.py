"""Piloting segments at scale: migration matrices and segment KPIs, in the engine.

The Ibis twins of :func:`crmkit.segmentation.migration_matrix` and
:func:`crmkit.segmentation.segment_kpis`. The engine does the heavy part (joining two
snapshots of millions of customers, grouping them); the result, one row per pair of
segments or per segment, is small and is laid out in pandas exactly as the teaching
functions lay it out. :func:`segment_migration` computes the two RFM snapshots themselves
in the engine, from the transactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis.expr.types as ir
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed_keywords
from crmkit._docs import fill
from crmkit.segmentation.piloting import EXAMPLES, kpi_columns, kpi_specs, matrix_layout
from crmkit.segmentation.rfm import RFM_SEGMENTS
from crmkit.warehouse.engines import ENGINE_DOC, as_table, check_expr
from crmkit.warehouse.metrics import _engine_and_input, _fetch, rfm_expr

__all__ = [
    "migration_counts_expr",
    "migration_matrix",
    "segment_migration",
    "segment_kpis_expr",
    "segment_kpis",
    "KPI_AGGREGATIONS",
]

# aggregations a KPI may use (the same names as pandas')
KPI_AGGREGATIONS = ("sum", "mean", "min", "max", "count", "nunique", "std", "var")


#: The columns of the two snapshots of a migration (``crmkit._docs.fill``).
_SNAPSHOT_COLUMNS = """\
customer_col : str, default "customer_id"
    Customer key, unique in each snapshot.
segment_col : str, default "segment"
    Column holding each customer's segment.
lost_label, new_label : str
    Segment of a customer found only before (lost) or only after (new)."""


@renamed_keywords(id_col="customer_col")
@fill(snapshot_columns=_SNAPSHOT_COLUMNS)
def migration_counts_expr(
    before: ir.Table, after: ir.Table, *, customer_col: str = "customer_id",
    segment_col: str = "segment", lost_label: str = "lost", new_label: str = "new",
) -> ir.Table:
    """Customers per (segment before, segment after) pair: columns ``from``, ``to``, ``n``.

    Parameters
    ----------
    before, after : ibis.Table
        The two snapshots, one row per customer.
    {snapshot_columns}

    Returns
    -------
    ibis.Table
        Unexecuted, one row per pair observed (unsorted): ``from``, ``to`` (segments as
        text) and ``n``, the number of customers.

    Examples
    --------
    Customer 4 is lost, customer 5 is new:

    >>> import ibis
    >>> import pandas as pd
    >>> t0 = ibis.memtable(pd.DataFrame({"customer_id": [1, 2, 3, 4],
    ...                                  "segment": ["A", "A", "B", "B"]}))
    >>> t1 = ibis.memtable(pd.DataFrame({"customer_id": [1, 2, 3, 5],
    ...                                  "segment": ["A", "B", "B", "A"]}))
    >>> migration_counts_expr(t0, t1).order_by(["from", "to"]).to_pandas()
      from    to  n
    0    A     A  1
    1    A     B  1
    2    B     B  1
    3    B  lost  1
    4  new     A  1
    """
    cols = {customer_col: None, segment_col: None}
    before = check_expr(before, "before", cols, unique=customer_col)
    after = check_expr(after, "after", cols, unique=customer_col)
    return _migration_counts(before, after, customer_col=customer_col, segment_col=segment_col,
                             lost_label=lost_label, new_label=new_label)


def _migration_counts(before, after, *, customer_col, segment_col, lost_label, new_label):
    b = before.select(_id=before[customer_col], _from=before[segment_col].cast("string"))
    a = after.select(_id2=after[customer_col], _to=after[segment_col].cast("string"))
    j = b.outer_join(a, b._id == a._id2)
    pairs = j.select(src=j._from.fill_null(new_label), dst=j._to.fill_null(lost_label))
    g = pairs.group_by("src", "dst").aggregate(n=pairs.count())
    return g.select(**{"from": g.src, "to": g.dst, "n": g.n.cast("int64")})


def _categories(cats, *frames, segment_col: str) -> list | None:
    if cats is not None:
        return list(cats)
    for df in frames:
        if isinstance(df, pd.DataFrame) and isinstance(df[segment_col].dtype,
                                                       pd.CategoricalDtype):
            return list(df[segment_col].cat.categories)
    return None


def _layout(counts: pd.DataFrame, cats: list | None, lost_label: str, new_label: str,
            normalize: bool) -> pd.DataFrame:
    observed = set(counts["from"]) | set(counts["to"])
    if cats is None:
        cats = sorted(observed - {lost_label, new_label})
    unknown = sorted(observed - set(cats) - {lost_label, new_label})
    if unknown:
        raise schema.SchemaError(f"segments: values {unknown[:5]} are not in the categories "
                                 f"{cats}")
    wide = counts.pivot_table(index="from", columns="to", values="n", aggfunc="sum",
                              fill_value=0)
    return matrix_layout(wide.astype("int64"), cats, lost_label, new_label, normalize)


@renamed_keywords(id_col="customer_col")
@fill(engine=ENGINE_DOC, snapshot_columns=_SNAPSHOT_COLUMNS)
def migration_matrix(
    before,
    after,
    *,
    customer_col: str = "customer_id",
    segment_col: str = "segment",
    normalize: bool = True,
    lost_label: str = "lost",
    new_label: str = "new",
    categories: Sequence | None = None,
    engine=None,
) -> pd.DataFrame:
    """Where did each segment's customers go between two dates? Computed in the engine.

    Same layout as :func:`crmkit.segmentation.migration_matrix`: rows are the segments of
    ``before`` that hold customers (in ``categories`` order: given, those of a pandas
    categorical input, or sorted), then ``new``; columns every segment, then ``lost``;
    shares per row when ``normalize``.

    Parameters
    ----------
    before, after : DataFrame, Ibis table, table name or Parquet path
        The two snapshots, one row per customer.
    {snapshot_columns}
    normalize : bool, default True
        Shares of each row's customers rather than counts.
    categories : sequence, optional
        The segments, in order (default: those of a pandas categorical ``segment_col``,
        else sorted).
    {engine}

    Returns
    -------
    DataFrame
        Index ``from`` (segments holding customers before, then ``new_label``), columns
        ``to`` (every segment, then ``lost_label``): counts, or shares summing to 1 per
        row.

    Examples
    --------
    >>> import pandas as pd
    >>> t0 = pd.DataFrame({"customer_id": [1, 2, 3, 4], "segment": ["A", "A", "B", "B"]})
    >>> t1 = pd.DataFrame({"customer_id": [1, 2, 3, 5], "segment": ["A", "B", "B", "A"]})
    >>> migration_matrix(t0, t1, normalize=False)  # doctest: +NORMALIZE_WHITESPACE
    to    A  B  lost
    from
    A     1  1     0
    B     0  1     1
    new   1  0     0
    >>> migration_matrix(t0, t1).loc["A"].tolist()
    [0.5, 0.5, 0.0]
    """
    cols = {customer_col: None, segment_col: None}
    data, con = _engine_and_input(before, engine)
    b = as_table(data, con, "before", cols)
    a = as_table(after, con, "after", cols)
    for name, df in (("before", before), ("after", after)):
        if isinstance(df, pd.DataFrame):
            schema.check_unique(df, name, customer_col)
    counts = _fetch(con, migration_counts_expr(
        b, a, customer_col=customer_col, segment_col=segment_col, lost_label=lost_label,
        new_label=new_label))
    cats = _categories(categories, before, after, segment_col=segment_col)
    return _layout(counts, cats, lost_label, new_label, normalize)


@fill(**EXAMPLES, engine=ENGINE_DOC)
def segment_migration(
    transactions,
    before,
    after,
    *,
    kinds=("deposit",),
    ties: str = "min",
    normalize: bool = True,
    engine=None,
) -> pd.DataFrame:
    """RFM segment migration between the snapshots ``as_of=before`` and ``as_of=after``,
    both computed in the engine from the transactions (see :func:`crmkit.warehouse.rfm`).

    Parameters
    ----------
    transactions : DataFrame, Ibis table, table name or Parquet path
        One row per purchase: ``customer_id``, ``date``, ``amount`` (and ``kind`` unless
        ``kinds`` is None).
    before, after : date-like
        The dates of the two RFM snapshots.
    kinds : str or sequence of str or None, default ("deposit",)
        Values of ``kind`` that count as purchases; None keeps every row.
    ties : {"min", "first"}, default "min"
        Tie rule of the RFM scores (see :func:`crmkit.warehouse.rfm`).
    normalize : bool, default True
        Shares of each row's customers rather than counts.
    {engine}

    Returns
    -------
    DataFrame
        The migration matrix (see :func:`migration_matrix`) over the RFM segments, in
        their order, plus ``new`` and ``lost``.

    Examples
    --------
    {migration_example}

    Customer 3 first bought after the first snapshot: the one new customer.
    """
    cols = {"customer_id": None, "date": "datetime", "amount": "number"}
    if kinds is not None:
        cols["kind"] = "string"
    data, con = _engine_and_input(transactions, engine)
    t = as_table(data, con, "transactions", cols, nonnegative=("amount",))
    snap = [rfm_expr(t, as_of=d, kinds=kinds, ties=ties).select("customer_id", "rfm_segment")
            for d in (before, after)]
    # the snapshots are computed from a validated table: no second check
    counts = _fetch(con, _migration_counts(*snap, customer_col="customer_id", segment_col="rfm_segment",
                                           lost_label="lost", new_label="new"))
    return _layout(counts, list(RFM_SEGMENTS), "lost", "new", normalize)


def _kpi(col: ir.Column, how: str) -> ir.Scalar:
    if how not in KPI_AGGREGATIONS:
        raise ValueError(f"aggregation {how!r} is not one of {list(KPI_AGGREGATIONS)}")
    if col.type().is_boolean() and how in ("sum", "mean", "std", "var"):
        col = col.cast("int64") if how == "sum" else col.cast("float64")
    if how == "nunique":
        return col.nunique()
    if how == "std":
        return col.std(how="sample")
    if how == "var":
        return col.var(how="sample")
    return getattr(col, how)()


def segment_kpis_expr(
    t: ir.Table, segment_col: str, *, kpis: Mapping[str, tuple[str, str]] | None = None,
    period_col: str | None = None,
) -> ir.Table:
    """Ibis expression of :func:`crmkit.segmentation.segment_kpis` (unsorted).

    Parameters
    ----------
    t : ibis.Table
        One row per customer (per period, with ``period_col``).
    segment_col : str
        Column holding the segment.
    kpis : mapping of str to (str, str), optional
        ``{name: (column, aggregation)}``, an aggregation of :data:`KPI_AGGREGATIONS`
        (a boolean column's ``mean`` is a rate).
    period_col : str, optional
        Column holding the period: the KPIs and shares are then per period.

    Returns
    -------
    ibis.Table
        Unexecuted, unsorted: [``period_col``,] ``segment_col``, ``customers``, ``share``
        (of the period's customers) and one column per KPI.

    Examples
    --------
    >>> import ibis
    >>> import pandas as pd
    >>> t = ibis.memtable(pd.DataFrame({"year": [2023, 2023, 2024, 2024, 2024],
    ...                                 "segment": ["A", "B", "A", "A", "B"],
    ...                                 "margin": [100.0, 10, 300, 50, 20]}))
    >>> segment_kpis_expr(t, "segment", kpis={"margin": ("margin", "sum")},
    ...                   period_col="year").order_by(["year", "segment"]).to_pandas()
       year segment  customers     share  margin
    0  2023       A          1  0.500000   100.0
    1  2023       B          1  0.500000    10.0
    2  2024       A          2  0.666667   350.0
    3  2024       B          1  0.333333    20.0
    """
    kpis = dict(kpis or {})
    keys = [segment_col] if period_col is None else [period_col, segment_col]
    # numbers for arithmetic aggregations (a sum of numbers written as text is refused)
    t = check_expr(t, "customers", {**{c: None for c in keys}, **kpi_columns(kpis, t)})
    g = t.group_by(keys).aggregate(
        customers=t.count(), **{name: _kpi(t[col], how) for name, (col, how) in kpis.items()})
    total = g.customers.sum().over(group_by=period_col) if period_col else g.customers.sum().over()
    g = g.mutate(customers=g.customers.cast("int64"),
                 share=g.customers.cast("float64") / total.cast("float64"))
    return g.select(*keys, "customers", "share", *kpis)


@fill(**EXAMPLES, engine=ENGINE_DOC)
def segment_kpis(
    df,
    segment_col: str,
    *,
    kpis: Mapping[str, tuple[str, str]] | None = None,
    period_col: str | None = None,
    categories: Sequence | None = None,
    table: str = "customers",
    engine=None,
) -> pd.DataFrame:
    """Key indicators per segment (and per period), computed in the engine.

    Same output as :func:`crmkit.segmentation.segment_kpis`: [``period_col``,]
    ``segment_col``, ``customers``, ``share`` (of the period's customers) and one column
    per KPI ``{name: (column, aggregation)}`` with an aggregation of
    :data:`KPI_AGGREGATIONS`; segments in ``categories`` order (given, or those of a pandas
    categorical column), else sorted.

    Parameters
    ----------
    df : DataFrame, Ibis table, table name or Parquet path
        One row per customer (per period, with ``period_col``).
    segment_col : str
        Column holding the segment.
    kpis : mapping of str to (str, str), optional
        ``{name: (column, aggregation)}``, an aggregation of :data:`KPI_AGGREGATIONS`.
    period_col : str, optional
        Column holding the period: the KPIs and shares are then per period.
    categories : sequence, optional
        The segments, in order (default: those of a pandas categorical ``segment_col``,
        else sorted).
    table : str, default "customers"
        Table name used in error messages.
    {engine}

    Returns
    -------
    DataFrame
        One row per segment (per period), sorted: [``period_col``,] ``segment_col``,
        ``customers``, ``share`` and one column per KPI.

    Examples
    --------
    {kpis_example}
    """
    kpis = kpi_specs(kpis, KPI_AGGREGATIONS)
    keys = [segment_col] if period_col is None else [period_col, segment_col]
    cols = {**{k: None for k in keys}, **kpi_columns(kpis, df)}
    data, con = _engine_and_input(df, engine)
    t = as_table(data, con, table, cols)
    out = _fetch(con, segment_kpis_expr(t, segment_col, kpis=kpis, period_col=period_col))
    cats = _categories(categories, df, segment_col=segment_col)
    if cats is not None:
        out[segment_col] = pd.Categorical(out[segment_col], categories=cats, ordered=True)
    out = out.sort_values(keys, kind="stable").reset_index(drop=True)
    if cats is not None and isinstance(df, pd.DataFrame):
        out[segment_col] = out[segment_col].astype(df[segment_col].dtype)
    for name, (_, how) in kpis.items():
        if how in ("count", "nunique"):
            out[name] = out[name].astype("int64")
    return out
