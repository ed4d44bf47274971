"""Piloting segments over time: migrations, stability and KPI tables.

The lecture slides ("pilotage de la segmentation"): a segmentation is not static; it is steered with
tables that follow how segments evolve, a measure of their stability from the history, and
a dashboard of key indicators per segment. The inputs here are two snapshots of the same
segmentation (one row per customer and date, e.g. RFM segments computed ``as_of`` two
dates) or one table with a period column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed_keywords
from crmkit._docs import fill
from crmkit.segmentation._frame import require
from crmkit.segmentation.rfm import RFM_SEGMENTS, rfm

__all__ = ["migration_matrix", "stability_index", "Stability", "segment_kpis",
           "segment_migration"]

# floor on a segment share inside the PSI's logarithm (an empty segment would be infinite)
_PSI_FLOOR = 1e-4


def _snapshot(df: pd.DataFrame, table: str, customer_col: str, segment_col: str) -> pd.Series:
    require(df, table, {customer_col: None, segment_col: None})
    schema.check_unique(df, table, customer_col)
    return df.set_index(customer_col)[segment_col]


def _categories(before: pd.Series, after: pd.Series, given=None) -> list:
    if given is not None:
        return list(given)
    for s in (before, after):
        if isinstance(s.dtype, pd.CategoricalDtype):
            return list(s.cat.categories)
    return sorted(set(before.astype(str)) | set(after.astype(str)))


def _counts(before, after, customer_col, segment_col, lost_label, new_label, categories=None):
    b = _snapshot(before, "before", customer_col, segment_col)
    a = _snapshot(after, "after", customer_col, segment_col)
    cats = _categories(b, a, categories)
    if not isinstance(b.dtype, pd.CategoricalDtype):
        b, a = b.astype(str), a.astype(str)
    for name, s in (("before", b), ("after", a)):
        schema.check_allowed(s.reset_index(), name, segment_col, cats)
    pair = pd.concat([b.rename("from"), a.rename("to")], axis=1, join="outer")
    src = pair["from"].astype(object).where(pair["from"].notna(), new_label)
    dst = pair["to"].astype(object).where(pair["to"].notna(), lost_label)
    counts = pd.crosstab(src, dst)
    return counts, cats


def matrix_layout(counts: pd.DataFrame, cats: list, lost_label: str, new_label: str,
                  normalize: bool) -> pd.DataFrame:
    """The migration matrix of a table of counts (index: segment before, columns: after),
    shared with :func:`crmkit.warehouse.migration_matrix`: rows the segments of ``cats``
    that hold customers, then ``new_label``; columns every segment, then ``lost_label``;
    shares per row when ``normalize``."""
    rows = [c for c in cats if c in counts.index] + (
        [new_label] if new_label in counts.index else []
    )
    out = counts.reindex(index=rows, columns=[*cats, lost_label], fill_value=0)
    out.index.name, out.columns.name = "from", "to"
    if normalize:
        out = out.div(out.sum(axis=1), axis=0)
    return out


@renamed_keywords(id_col="customer_col")
def migration_matrix(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    segment_col: str = "segment",
    normalize: bool = True,
    lost_label: str = "lost",
    new_label: str = "new",
    categories=None,
) -> pd.DataFrame:
    """Where did each segment's customers go between two dates?

    Parameters
    ----------
    before, after : DataFrame
        One row per customer with ``customer_col`` and ``segment_col`` at the first and second
        date. A customer absent from ``after`` went to ``lost_label``; one absent from
        ``before`` comes from ``new_label``.
    normalize : bool, default True
        Shares per row (each row sums to 1) instead of counts.
    categories : sequence, optional
        The segments, in order; default those of a categorical ``segment_col``, else the
        values sorted.
    customer_col : str, default "customer_id"
        Customer key of both tables.
    segment_col : str, default "segment"
        Segment column of both tables.
    lost_label, new_label : str
        Names of the "left" column and of the "arrived" row.

    Returns
    -------
    DataFrame
        Rows: segments at the first date that hold customers (in the categories' order,
        or sorted), then ``new`` if any; columns: every segment, then ``lost``.

    Examples
    --------
    >>> import pandas as pd
    >>> t0 = pd.DataFrame({"customer_id": [1, 2, 3, 4], "segment": ["A", "A", "B", "B"]})
    >>> t1 = pd.DataFrame({"customer_id": [1, 2, 3, 5], "segment": ["A", "B", "B", "A"]})
    >>> migration_matrix(t0, t1)  # doctest: +NORMALIZE_WHITESPACE
    to      A    B  lost
    from
    A     0.5  0.5   0.0
    B     0.0  0.5   0.5
    new   1.0  0.0   0.0
    """
    counts, cats = _counts(before, after, customer_col, segment_col, lost_label, new_label,
                           categories)
    return matrix_layout(counts, cats, lost_label, new_label, normalize)


@dataclass(frozen=True)
class Stability:
    """Result of :func:`stability_index`.

    Attributes
    ----------
    share_unchanged : float
        Among customers present at both dates, the share still in the same segment.
    psi : float
        Population stability index of the segment shares (customers present at each date):
        below 0.1 the mix is usually read as stable, above 0.25 as shifted.
    segments : DataFrame
        Per segment: ``customers_before``, ``customers_after``, ``share_before``,
        ``share_after``, ``stayed`` (share of the segment's customers still in it) and
        ``psi_term``.
    """

    share_unchanged: float
    psi: float
    segments: pd.DataFrame


@renamed_keywords(id_col="customer_col")
def stability_index(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    segment_col: str = "segment",
) -> Stability:
    """How stable is a segmentation between two dates?

    Parameters
    ----------
    before, after : pandas.DataFrame
        One row per customer with ``customer_col`` and ``segment_col`` at the two dates.
    customer_col : str, default "customer_id"
        Customer key.
    segment_col : str, default "segment"
        Segment column.

    Returns
    -------
    Stability
        ``share_unchanged`` (customers present at both dates who kept their segment),
        ``psi`` (population stability index of the segment sizes) and ``segments`` (per
        segment: customers before and after, share who stayed).

    Examples
    --------
    >>> import pandas as pd
    >>> t0 = pd.DataFrame({"customer_id": [1, 2, 3, 4], "segment": ["A", "A", "B", "B"]})
    >>> t1 = pd.DataFrame({"customer_id": [1, 2, 3, 4], "segment": ["A", "B", "B", "B"]})
    >>> s = stability_index(t0, t1)
    >>> s.share_unchanged, round(s.psi, 4)
    (0.75, 0.2747)
    >>> s.segments[["segment", "customers_before", "customers_after", "stayed"]]
      segment  customers_before  customers_after  stayed
    0       A                 2                1     0.5
    1       B                 2                3     1.0
    """
    lost, new = "\x00lost", "\x00new"  # labels that cannot clash with a segment name
    counts, cats = _counts(before, after, customer_col, segment_col, lost, new)
    grid = counts.reindex(index=[*cats, new], columns=[*cats, lost], fill_value=0)
    both = grid.loc[cats, cats].to_numpy()
    n_before = grid.loc[cats].sum(axis=1).to_numpy()
    n_after = grid[cats].sum(axis=0).to_numpy()
    p0 = n_before / n_before.sum()
    p1 = n_after / n_after.sum()
    q0, q1 = np.maximum(p0, _PSI_FLOOR), np.maximum(p1, _PSI_FLOOR)
    terms = (q1 - q0) * np.log(q1 / q0)
    with np.errstate(invalid="ignore", divide="ignore"):
        stayed = np.diag(both) / n_before
    total_both = both.sum()
    segments = pd.DataFrame(
        {
            "segment": cats,
            "customers_before": n_before,
            "customers_after": n_after,
            "share_before": p0,
            "share_after": p1,
            "stayed": stayed,
            "psi_term": terms,
        }
    )
    return Stability(
        share_unchanged=float(np.trace(both) / total_both) if total_both else float("nan"),
        psi=float(terms.sum()),
        segments=segments,
    )


#: The examples of :func:`segment_kpis` and :func:`segment_migration`, also those of their
#: warehouse twins in :mod:`crmkit.warehouse.piloting`: the same calls, the same tables
#: (``crmkit._docs.fill``).
EXAMPLES = {
    "kpis_example": """\
>>> import pandas as pd
>>> df = pd.DataFrame({"segment": ["A", "A", "B", "B", "B"],
...                    "margin": [100.0, 300, 10, 20, 30],
...                    "churned": [False, False, True, False, False]})
>>> segment_kpis(df, "segment", kpis={"margin": ("margin", "sum"),
...                                   "churn_rate": ("churned", "mean")})
  segment  customers  share  margin  churn_rate
0       A          2    0.4   400.0    0.000000
1       B          3    0.6    60.0    0.333333""",
    "migration_example": """\
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": [1, 2, 2, 3],
...     "date": pd.to_datetime(["2024-01-05", "2024-01-10", "2024-06-01", "2024-05-01"]),
...     "amount": [10.0, 20.0, 30.0, 40.0]})
>>> m = segment_migration(tx, "2024-01-31", "2024-06-30", kinds=None, normalize=False)
>>> int(m.loc["new"].sum()), int(m.drop(index="new").to_numpy().sum())
(1, 2)""",
}


@fill(**EXAMPLES)
def segment_kpis(
    df: pd.DataFrame,
    segment_col: str,
    *,
    kpis: Mapping[str, tuple[str, str]] | None = None,
    period_col: str | None = None,
    categories=None,
    table: str = "customers",
) -> pd.DataFrame:
    """Key indicators per segment (and per period): the segment dashboard.

    Parameters
    ----------
    df : DataFrame
        One row per customer (and period).
    segment_col : str
        Segment column.
    kpis : mapping name -> (column, aggregation), optional
        E.g. ``{"margin": ("margin", "sum"), "churn_rate": ("churned", "mean")}``; any
        pandas aggregation name.
    period_col : str, optional
        A period column for a time series of the dashboard.
    categories : sequence, optional
        The segments, in the order of the rows (every value of ``segment_col`` must be
        one); default the order of a categorical ``segment_col``, else sorted.
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        [``period_col``,] ``segment_col``, ``customers``, ``share`` (of the period's
        customers) and one column per KPI.

    Examples
    --------
    {kpis_example}
    """
    kpis = kpi_specs(kpis)
    keys = [segment_col] if period_col is None else [period_col, segment_col]
    require(df, table, {**{k: None for k in keys}, **kpi_columns(kpis, df)})
    data = df
    if categories is not None:
        cats = list(categories)
        schema.check_allowed(df, table, segment_col, cats)
        data = df.assign(**{segment_col: pd.Categorical(df[segment_col], categories=cats,
                                                        ordered=True)})
    g = data.groupby(keys, observed=True, sort=True)
    out = g.size().rename("customers").to_frame()
    for name, (col, how) in kpis.items():
        out[name] = g[col].agg(how)
    out = out.reset_index()
    total = out.groupby(period_col)["customers"].transform("sum") if period_col else (
        out["customers"].sum()
    )
    out.insert(len(keys) + 1, "share", out["customers"] / total)
    if categories is not None:  # the rows in the categories' order, the column as given
        out[segment_col] = out[segment_col].astype(df[segment_col].dtype)
    return out


def kpi_columns(kpis: dict, df=None) -> dict:
    """The kind each KPI column of ``df`` must have: numbers (or booleans, counted) for
    arithmetic aggregations (a sum of numbers written as text would concatenate them),
    anything for counts and extremes."""
    numeric = {"sum", "mean", "median", "std", "var"}
    kinds: dict = {}
    for col, how in kpis.values():
        is_bool = False
        if isinstance(df, pd.DataFrame) and col in df.columns:
            is_bool = pd.api.types.is_bool_dtype(df[col].dtype)
        elif hasattr(df, "schema") and col in getattr(df, "columns", ()):  # an Ibis table
            is_bool = df.schema()[col].is_boolean()
        if how in numeric and not is_bool or kinds.get(col) == "number":
            kinds[col] = "number"
        else:
            kinds[col] = None
    return kinds


def kpi_specs(kpis, allowed=None) -> dict:
    """Check a segment-KPI spec ``{name: (column, aggregation)}`` and return it as a dict.

    Shared by :func:`segment_kpis` and its warehouse twin, which passes the aggregations
    its engines support as ``allowed``. ``customers`` and ``share`` are always computed, so
    they cannot name a KPI.

    Examples
    --------
    >>> kpi_specs({"margin": ("margin", "sum")})
    {'margin': ('margin', 'sum')}
    >>> kpi_specs({"share": ("margin", "sum")})
    Traceback (most recent call last):
    ...
    ValueError: 'share' is always computed; name the KPI differently
    """
    kpis = dict(kpis or {})
    for name, spec in kpis.items():
        if not (isinstance(spec, tuple) and len(spec) == 2):
            raise ValueError(f"kpi {name!r} must be a (column, aggregation) pair, got {spec!r}")
        if allowed is not None and spec[1] not in allowed:
            raise ValueError(f"kpi {name!r}: aggregation {spec[1]!r} is not one of "
                             f"{list(allowed)}")
    for reserved in ("customers", "share"):
        if reserved in kpis:
            raise ValueError(f"{reserved!r} is always computed; name the KPI differently")
    return kpis


@fill(**EXAMPLES)
def segment_migration(
    transactions: pd.DataFrame,
    before,
    after,
    *,
    kinds=("deposit",),
    ties: str = "min",
    normalize: bool = True,
) -> pd.DataFrame:
    """RFM segment migration between the snapshots ``as_of=before`` and ``as_of=after``.

    :func:`~crmkit.segmentation.rfm` at both dates, then :func:`migration_matrix` over the
    RFM segments (all of them, in their order); the twin of
    :func:`crmkit.warehouse.segment_migration`.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase, as :func:`~crmkit.segmentation.rfm` reads it.
    before, after : date-like
        The two snapshot dates.
    kinds : str or sequence of str or None, default ("deposit",)
        Values of ``kind`` that count as purchases; None keeps every row.
    ties : {"min", "max", "average", "first", "dense"}, default "min"
        How tied values share a score (see the module docstring).
    normalize : bool, default True
        Shares per row instead of counts.

    Returns
    -------
    pandas.DataFrame
        The migration matrix of :func:`migration_matrix`.

    Examples
    --------
    {migration_example}
    """
    snaps = [rfm(transactions, as_of=d, kinds=kinds, ties=ties)[["customer_id", "rfm_segment"]]
             for d in (before, after)]
    return migration_matrix(*snaps, segment_col="rfm_segment", normalize=normalize,
                            categories=list(RFM_SEGMENTS))
