"""The heavy customer metrics, each written once as an Ibis expression.

An ``*_expr`` function builds the expression from Ibis tables (it does not run
anything); the function of the same name without ``_expr`` takes what the user has (a
pandas frame, an Ibis table, a table of the market's DuckDB file, a Parquet path), runs
the expression on the engine (DuckDB by default, Spark when given a SparkSession, see
:mod:`crmkit.warehouse.engines`) and returns pandas, in the same shape as the teaching
function of :mod:`crmkit.segmentation`, :mod:`crmkit.value` or :mod:`crmkit.clv` that
defines the metric. The test suite proves both engines give the numbers of those
functions.

Conventions that make the engines agree to the last digit where it matters:

- money is summed exactly, as decimals to the micro-euro (``decimal(18, 6)`` per row),
  then turned back to floats: floating-point sums depend on the order of the rows, which
  differs between engines and runs, and two customers with the same total must tie;
- ranks break ties as the teaching functions do, on values first and on the unique
  customer key second (``ties="first"``), or not at all (``ties="min"``);
- times are differences of epoch seconds (UTC), divided by the length of the unit.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed_keywords
from crmkit._docs import fill
from crmkit.clv.summary import SUMMARY_DOCS, unit_timedelta
from crmkit.segmentation._frame import check_score_args, ordered_categorical
from crmkit.segmentation.rfm import RFM_DOCS, RFM_SEGMENT_RULES
from crmkit.warehouse.engines import ENGINE_DOC, as_table, check_expr, connect

__all__ = [
    "money_sum",
    "quantile_score",
    "with_count_score",
    "clv_summary_expr",
    "clv_summary",
    "calibration_holdout_expr",
    "calibration_holdout",
    "rfm_expr",
    "rfm",
    "frat_expr",
    "frat",
]

MONEY = "decimal(18, 6)"

#: Parameter docs of the metrics (``crmkit._docs.fill``): those of their teaching twins in
#: :mod:`crmkit.clv.summary` and :mod:`crmkit.segmentation.rfm`, but for ``grain`` (no
#: ``None`` here) and ``ties`` (two rules here).
_DOCS = {
    **SUMMARY_DOCS,
    **RFM_DOCS,
    "ties": """\
ties : {"min", "first"}, default "min"
    Equal values share the lowest rank (``"min"``) or are ranked by customer key
    (``"first"``).""",
    "grain": """\
grain : str, default "D"
    Transactions in the same period of this pandas alias (``"D"``, ``"W"``, ``"M"``,
    ``"Q"``, ``"Y"``, ``"h"``) are one purchase occasion; ``None`` (one occasion per row)
    is refused by the warehouse.""",
    "engine": ENGINE_DOC,
}
_DAY = 86_400

# purchase occasions: the pandas period alias -> the Ibis truncation unit (same starts:
# days at midnight, weeks on Monday, months and quarters on their first day)
_GRAINS = {"D": "D", "W": "W", "M": "M", "Q": "Q", "Y": "Y", "h": "h"}


# ---------------------------------------------------------------------------------------
# shared building blocks
# ---------------------------------------------------------------------------------------
def money_sum(x: ir.NumericColumn) -> ir.NumericScalar:
    """Exact sum of an amount column (decimal to the micro-euro), as a float.

    Parameters
    ----------
    x : ibis numeric column
        The amounts, in euros (rounded to the micro-euro before they are summed).

    Returns
    -------
    ibis numeric scalar
        Their sum as a float64, the same whatever the order of the rows (an engine's
        float sum is not).

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"amount": [0.1, 0.2]})
    >>> float(t.amount.sum().to_pandas()) == 0.3, float(money_sum(t.amount).to_pandas()) == 0.3
    (False, True)
    """
    return x.cast(MONEY).sum().cast("float64")


@renamed_keywords(id_col="customer_col")
def quantile_score(
    t: ir.Table,
    col: str,
    customer_col: str,
    bins: int = 5,
    *,
    ties: str = "min",
    higher_is_better: bool = True,
) -> ir.IntegerColumn:
    """Score 1..``bins`` of each row of ``t`` from the rank of ``t[col]``.

    The Ibis twin of :func:`crmkit.segmentation._frame.quantile_scores`: the row at
    0-based rank ``k`` of ``n`` gets ``1 + floor(bins * k / n)``; ``ties="min"`` gives
    equal values the rank of the first of them, ``ties="first"`` breaks ties by
    ``customer_col`` ascending.

    Parameters
    ----------
    t : ibis.Table
        One row per customer.
    col : str
        Numeric column to rank.
    customer_col : str
        The rows' key (checked unique; breaks ties with ``ties="first"``).
    bins : int, default 5
        Number of scores (at least 2).
    ties : {"min", "first"}, default "min"
        Equal values share the lowest rank (``"min"``) or are ranked by key (``"first"``).
    higher_is_better : bool, default True
        Whether a higher value gets a higher score (False for recency in days).

    Returns
    -------
    ibis integer column
        The score of each row of ``t``, 1..``bins``.

    Examples
    --------
    >>> import ibis
    >>> import pandas as pd
    >>> t = ibis.memtable(pd.DataFrame({"customer_id": [1, 2, 3, 4], "amount": [5, 5, 5, 40]}))
    >>> def scores(**kw):
    ...     s = t.mutate(s=quantile_score(t, "amount", "customer_id", 2, **kw))
    ...     return s.order_by("customer_id").to_pandas()["s"].tolist()

    The three tied customers share the lowest score, unless ties go by key:

    >>> scores(), scores(ties="first")
    ([1, 1, 1, 2], [1, 1, 2, 2])
    >>> scores(ties="first", higher_is_better=False)
    [1, 2, 2, 1]
    """
    check_expr(t, "table", {col: "number", customer_col: None}, unique=customer_col)
    return _quantile_score(t, col, customer_col, bins, ties=ties, higher_is_better=higher_is_better)


def _quantile_score(t, col, customer_col, bins=5, *, ties="min", higher_is_better=True):
    check_score_args(bins, ties)
    key = t[col] if higher_is_better else ibis.desc(t[col])
    if ties == "min":
        rank = ibis.rank().over(order_by=key)
    else:
        rank = ibis.row_number().over(order_by=[key, t[customer_col]])
    n = t.count()
    return (1 + (rank.cast("int64") * bins) // n).cast("int64")


def with_count_score(
    t: ir.Table,
    col: str,
    name: str,
    bins: int = 5,
    *,
    customer_col: str | None = None,
    higher_is_better: bool = True,
) -> ir.Table:
    """``t`` with a column ``name``: :func:`quantile_score` with ``ties="min"``, counted.

    The same scores, for a column with few distinct values (days, counts): the rank of a
    value is the number of rows with a strictly worse one, read from the running total of
    the table of counts per value and joined back by value. That sorts the few distinct
    values rather than every row (a window rank sorts all of ``t``).

    Every row counts once in the ranks. When the rows are customers, name their key
    ``customer_col`` (as :func:`quantile_score` requires): a repeated key is then refused
    rather than counted twice. Without it the rows are taken as they are (two equal rows
    are two units, which is right for a table without a key).

    Parameters
    ----------
    t : ibis.Table
        The rows to score.
    col : str
        Numeric column to rank.
    name : str
        Name of the score column added.
    bins : int, default 5
        Number of scores (1..``bins``).
    customer_col : str, optional
        The rows' key, checked unique when given.
    higher_is_better : bool, default True
        Whether a higher value gets a higher score.

    Returns
    -------
    ibis.Table
        ``t``'s columns and ``name``.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> t = ibis.memtable(pd.DataFrame({"customer_id": [1, 2, 3, 4], "frequency": [1, 1, 2, 5]}))
    >>> with_count_score(t, "frequency", "F", 2, customer_col="customer_id").order_by(
    ...     "customer_id").to_pandas()["F"].tolist()
    [1, 1, 2, 2]
    >>> twice = ibis.memtable(pd.DataFrame({"customer_id": [1, 1], "frequency": [3, 3]}))
    >>> with_count_score(twice, "frequency", "F", customer_col="customer_id")
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: table.customer_id: 1 row(s) duplicated key (rows of an engine table have no index)
    """
    if customer_col is None:
        check_expr(t, "table", {col: "number"})
    else:
        check_expr(t, "table", {col: "number", customer_col: None}, unique=customer_col)
    return _with_count_score(t, col, name, bins, higher_is_better=higher_is_better)


def _with_count_score(t, col, name, bins=5, *, higher_is_better=True):
    check_score_args(bins)
    h = t.group_by(_v=t[col]).aggregate(_c=t.count())
    key = h._v if higher_is_better else ibis.desc(h._v)
    running = h._c.sum().over(ibis.window(order_by=key, preceding=None, following=0))
    total = h._c.sum().over(ibis.window())
    h = h.select(
        "_v", _score=(1 + ((running - h._c).cast("int64") * bins) // total).cast("int64"))
    j = t.inner_join(h, t[col] == h._v)
    return j.select(*t.columns, **{name: j._score})


def _grain(grain: str | None) -> str:
    if grain not in _GRAINS:
        raise ValueError(
            f"grain={grain!r}: the warehouse counts purchase occasions per period, one of "
            f"{sorted(_GRAINS)} (grain=None, one occasion per row, has no engine-independent "
            "order for same-time rows)"
        )
    return _GRAINS[grain]


def _seconds(x) -> ir.FloatingValue:
    return x.epoch_seconds().cast("float64")


def _engine_and_input(data: Any, engine: Any):
    """The backend to run on: the table's own when an Ibis table is bound to one."""
    if engine is None and isinstance(data, ibis.Table):
        try:
            return data, ibis.get_backend(data)
        except Exception:  # an unbound expression (a memtable): the default engine
            return data, connect()
    return data, connect(engine)


def _run(data, engine, table: str, columns: dict, nonnegative: tuple, build) -> pd.DataFrame:
    """Check the input, build the expression on it with ``build(t)``, run it, fetch pandas."""
    data, con = _engine_and_input(data, engine)
    t = as_table(data, con, table, columns, nonnegative=nonnegative)
    return _fetch(con, build(t), time_unit(data))


def time_unit(data) -> str:
    """Resolution of the first datetime column of a pandas input (``"us"`` otherwise)."""
    if isinstance(data, pd.DataFrame):
        for dtype in data.dtypes:
            if pd.api.types.is_datetime64_dtype(dtype):
                return np.datetime_data(dtype)[0]
    return "us"


# DuckDB aggregates in a "perfect" hash table (an array indexed by the key, no hashing
# nor probing) when the key's range, known from the data's statistics, fits in this many
# bits; its default (12 bits) leaves customer ids to the general hash table. 20 bits
# covers a million customer ids at ~1.6 s instead of ~2.6 s for RFM's aggregation on
# 10M rows; larger ranges fall back to hashing, so memory stays bounded (2^20 slots)
_PERFECT_HT_BITS = 20


def _fetch(con, expr: ir.Table, unit: str = "us") -> pd.DataFrame:
    if con.name == "duckdb":
        raw = con.con
        before = int(raw.execute("SELECT current_setting('perfect_ht_threshold')").fetchone()[0])
        raw.execute(f"SET perfect_ht_threshold = {max(before, _PERFECT_HT_BITS)}")
        try:
            # through Arrow: pyarrow builds the pandas blocks in one go, where Ibis's
            # execute stacks them column by column (0.4 s of 1 s for RFM on 10M rows)
            out = con.to_pyarrow(expr).to_pandas()
        finally:  # the caller's connection keeps its own setting
            raw.execute(f"SET perfect_ht_threshold = {before}")
    else:
        out = con.execute(expr)
    out = out.reset_index(drop=True)
    # dates come back at the input's resolution, as the pandas functions return them
    # (the engines keep microseconds; Spark hands them over as nanoseconds)
    for c in out.columns:
        if pd.api.types.is_datetime64_dtype(out[c].dtype):
            out[c] = out[c].astype(f"datetime64[{unit}]")
    return out


# ---------------------------------------------------------------------------------------
# CLV summary (crmkit.clv.summary)
# ---------------------------------------------------------------------------------------
def _occasions(t: ir.Table, customer: str, date: str, value: str | None, grain: str):
    period = t[date].truncate(_grain(grain))
    aggs = {} if value is None else {"value": t[value].cast(MONEY).sum()}
    return t.group_by(customer=t[customer], period=period).aggregate(**aggs) if aggs else (
        t.select(customer=t[customer], period=period).distinct()
    )


def _summarise(occ: ir.Table, end, unit_s: float, has_value: bool) -> ir.Table:
    aggs = {"first": occ.period.min(), "last": occ.period.max(), "n": occ.count()}
    if has_value:
        aggs["total"] = occ.value.sum()
    g = occ.group_by("customer").aggregate(**aggs)
    freq = (g.n - 1).cast("int64")
    cols = {
        "customer_id": g.customer,
        "frequency": freq,
        "recency": (_seconds(g["last"]) - _seconds(g["first"])) / unit_s,
        "T": (_seconds(end) - _seconds(g["first"])) / unit_s,
    }
    if not has_value:
        return g.select(**cols)
    s = g.select(**cols, total=g.total, first=g["first"])
    # the value of the first occasion, by a join on (customer, first period): an ordered
    # aggregate (argmin) would sort every customer's occasions on DuckDB
    j = s.inner_join(occ, [s.customer_id == occ.customer, s["first"] == occ.period])
    repeat = (j.total - j.value).cast("float64")
    return j.select(
        "customer_id", "frequency", "recency", "T",
        monetary_value=ibis.ifelse(j.frequency > 0,
                                   repeat / j.frequency.cast("float64"), 0.0),
    )


def _up_to(t: ir.Table, date: str, observation_end):
    """Rows dated on or before ``observation_end`` (default: the last date) and that end
    as an Ibis scalar; by default no row is compared with the scalar (see _purchases)."""
    if observation_end is None:
        return t.filter(t[date].notnull()), t[date].max()
    end = ibis.literal(schema.as_timestamp(observation_end, "observation_end"))
    return t.filter(t[date] <= end), end


def _tx_columns(customer: str, date: str, value: str | None) -> dict[str, str | None]:
    cols: dict[str, str | None] = {customer: None, date: "datetime"}
    if value is not None:
        cols[value] = "number"
    return cols


def _purchase_columns(customer_col, date_col, amount_col, kind_col, kinds) -> dict:
    cols = {customer_col: None, date_col: "datetime", amount_col: "number"}
    if kinds is not None:
        cols[kind_col] = "string"
    return cols


@renamed_keywords(customer="customer_col", date="date_col")
@fill(**_DOCS)
def clv_summary_expr(
    t: ir.Table,
    customer_col: str = "customer_id",
    date_col: str = "date",
    value: str | None = None,
    observation_end=None,
    freq: str = "D",
    *,
    grain: str = "D",
) -> ir.Table:
    """Ibis expression of :func:`crmkit.clv.summary.clv_summary`.

    Parameters
    ----------
    t : ibis.Table
        One row per transaction.
    {summary_params}
    {grain}

    Returns
    -------
    ibis.Table
        Unexecuted: ``customer_id``, ``frequency``, ``recency``, ``T`` (and
        ``monetary_value``), one row per customer, sorted by customer.

    Examples
    --------
    >>> import ibis
    >>> import pandas as pd
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]),
    ...     "amount": [10.0, 5.0, 30.0, 20.0]}))
    >>> expr = clv_summary_expr(tx, value="amount", observation_end="2024-01-29", freq="W")
    >>> expr.to_pandas()
       customer_id  frequency  recency    T  monetary_value
    0            1          1      2.0  4.0            30.0
    1            2          0      0.0  3.0             0.0
    """
    t = check_expr(t, "transactions", _tx_columns(customer_col, date_col, value),
                   nonnegative=(value,) if value else ())
    unit_s = unit_timedelta(freq).total_seconds()
    rows, end = _up_to(t, date_col, observation_end)
    occ = _occasions(rows, customer_col, date_col, value, grain)
    return _summarise(occ, end, unit_s, value is not None).order_by("customer_id")


def _as_summary(df: pd.DataFrame) -> pd.DataFrame:
    # the shape of crmkit.clv.summary: indexed by customer, whole frequencies, float times
    index = pd.Index(df["customer_id"].to_numpy(), name="customer_id")
    return pd.DataFrame(
        {c: df[c].to_numpy(dtype="int64" if c.startswith("frequency") else "float64")
         for c in df.columns.drop("customer_id")},
        index=index,
    )


@renamed_keywords(customer="customer_col", date="date_col")
@fill(**_DOCS)
def clv_summary(
    transactions,
    customer_col: str = "customer_id",
    date_col: str = "date",
    value: str | None = None,
    observation_end=None,
    freq: str = "D",
    *,
    grain: str = "D",
    engine=None,
) -> pd.DataFrame:
    """Frequency, recency, T (and monetary value) per customer, computed in the engine.

    Same definition and output as :func:`crmkit.clv.summary.clv_summary`:
    purchases in the same ``grain`` period are one occasion; ``frequency`` is the number
    of occasions minus one, ``recency`` the time from the first to the last occasion,
    ``T`` from the first occasion to ``observation_end`` (default: the last transaction),
    in units of ``freq``; ``monetary_value`` the mean value of the repeat occasions.

    Parameters
    ----------
    transactions : DataFrame, Ibis table, table name or Parquet path
        One row per transaction.
    {summary_params}
    {grain}
    {engine}

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): ``frequency``, ``recency``, ``T``
        (and ``monetary_value``).

    Examples
    --------
    {summary_example}
    """
    unit_timedelta(freq)
    _grain(grain)
    out = _run(transactions, engine, "transactions", _tx_columns(customer_col, date_col, value),
               (value,) if value else (),
               lambda t: clv_summary_expr(t, customer_col, date_col, value, observation_end, freq,
                                          grain=grain))
    if out.empty:
        raise schema.SchemaError(
            f"transactions.{date_col}: no transaction on or before observation_end "
            f"{observation_end}; nothing to summarise")
    return _as_summary(out)


@renamed_keywords(customer="customer_col", date="date_col")
@fill(**_DOCS)
def calibration_holdout_expr(
    t: ir.Table,
    customer_col: str = "customer_id",
    date_col: str = "date",
    value: str | None = None,
    calibration_end=None,
    observation_end=None,
    freq: str = "D",
    *,
    grain: str = "D",
) -> ir.Table:
    """Ibis expression of :func:`crmkit.clv.summary.calibration_holdout`.

    Parameters
    ----------
    t : ibis.Table
        One row per transaction.
    {holdout_params}
    {grain}

    Returns
    -------
    ibis.Table
        Unexecuted: ``customer_id``, the calibration summary of :func:`clv_summary_expr`,
        ``frequency_holdout`` (and ``monetary_holdout``) and ``duration_holdout``, one row
        per customer who bought by ``calibration_end``, sorted by customer.

    Examples
    --------
    Customer 3 first buys in the holdout, so is not in the table:

    >>> import ibis
    >>> import pandas as pd
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": [1, 1, 1, 2, 3],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-22", "2024-01-08",
    ...                             "2024-01-20"])}))
    >>> calibration_holdout_expr(tx, calibration_end="2024-01-15",
    ...                          observation_end="2024-01-29", freq="W").to_pandas()[
    ...     ["customer_id", "frequency", "frequency_holdout", "duration_holdout"]]
       customer_id  frequency  frequency_holdout  duration_holdout
    0            1          1                  1               2.0
    1            2          0                  0               2.0
    """
    t = check_expr(t, "transactions", _tx_columns(customer_col, date_col, value),
                   nonnegative=(value,) if value else ())
    if calibration_end is None:
        raise ValueError("calibration_end is required")
    unit_s = unit_timedelta(freq).total_seconds()
    cal = ibis.literal(schema.as_timestamp(calibration_end, "calibration_end"))
    rows, end = _up_to(t, date_col, observation_end)
    occ = _occasions(rows, customer_col, date_col, value, grain)
    has_value = value is not None
    out = _summarise(occ.filter(occ.period <= cal), cal, unit_s, has_value)
    # computed before the join: a scalar of ``t`` cannot enter a projection of the join
    out = out.mutate(duration_holdout=(_seconds(end) - _seconds(cal)) / unit_s)
    hold = occ.filter(occ.period > cal)
    aggs = {"n_h": hold.count()}
    if has_value:
        aggs["total_h"] = hold.value.sum()
    h = hold.group_by(hold.customer).aggregate(**aggs)
    j = out.left_join(h, out.customer_id == h.customer)
    n_h = j.n_h.fill_null(0).cast("int64")
    cols = {"frequency_holdout": n_h}
    if has_value:
        cols["monetary_holdout"] = ibis.ifelse(
            n_h > 0, j.total_h.cast("float64") / n_h.cast("float64"), 0.0)
    summary = [c for c in out.columns if c != "duration_holdout"]
    return j.select(*summary, **cols, duration_holdout=j.duration_holdout).order_by(
        "customer_id")


@renamed_keywords(customer="customer_col", date="date_col")
@fill(**_DOCS)
def calibration_holdout(
    transactions,
    customer_col: str = "customer_id",
    date_col: str = "date",
    value: str | None = None,
    calibration_end=None,
    observation_end=None,
    freq: str = "D",
    *,
    grain: str = "D",
    engine=None,
) -> pd.DataFrame:
    """Calibration summary up to ``calibration_end`` and the holdout that follows.

    Same definition and output as :func:`crmkit.clv.summary.calibration_holdout`: the
    customers who bought by ``calibration_end``, their calibration summary, and
    ``frequency_holdout``, ``monetary_holdout`` (with ``value``) and
    ``duration_holdout`` over ``(calibration_end, observation_end]``.

    Parameters
    ----------
    transactions : DataFrame, Ibis table, table name or Parquet path
        One row per transaction.
    {holdout_params}
    {grain}
    {engine}

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): the calibration columns of
        :func:`clv_summary`, ``frequency_holdout`` (and ``monetary_holdout``) and
        ``duration_holdout``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 3],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-22", "2024-01-08",
    ...                             "2024-01-20"]),
    ...     "amount": [10.0, 20.0, 40.0, 5.0, 9.0]})
    >>> calibration_holdout(tx, value="amount", calibration_end="2024-01-15",
    ...                     observation_end="2024-01-29", freq="W")[
    ...     ["frequency", "T", "frequency_holdout", "monetary_holdout"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                 frequency    T  frequency_holdout  monetary_holdout
    customer_id
    1                    1  2.0                  1              40.0
    2                    0  1.0                  0               0.0
    """
    unit_timedelta(freq)
    _grain(grain)
    if calibration_end is None:
        raise ValueError("calibration_end is required")
    cal = schema.as_timestamp(calibration_end, "calibration_end")
    if observation_end is not None and schema.as_timestamp(observation_end, "observation_end") <= cal:
        raise ValueError(f"observation_end ({observation_end}) must be after calibration_end "
                         f"({cal.date()})")
    out = _run(transactions, engine, "transactions", _tx_columns(customer_col, date_col, value),
               (value,) if value else (),
               lambda t: calibration_holdout_expr(t, customer_col, date_col, value, calibration_end,
                                                  observation_end, freq, grain=grain))
    if out.empty:
        raise schema.SchemaError(
            f"transactions.{date_col}: no transaction on or before calibration_end "
            f"{cal.date()}; the calibration period is empty")
    return _as_summary(out)


# ---------------------------------------------------------------------------------------
# RFM and FRAT (crmkit.segmentation.rfm)
# ---------------------------------------------------------------------------------------
def _purchases(t: ir.Table, date_col: str, kind_col: str, kinds, as_of):
    """Rows dated on or before ``as_of`` (default: the last date of the whole table) of
    the purchase ``kinds``, and ``as_of`` as an Ibis scalar."""
    if as_of is None:
        # every dated row is on or before the last date: no filter against the scalar
        # (on DuckDB that comparison is a nested-loop join of every row with it)
        as_of = t[date_col].max()
        keep = t[date_col].notnull()
    else:
        as_of = ibis.literal(schema.as_timestamp(as_of, "as_of"))
        keep = t[date_col] <= as_of
    if kinds is not None:
        keep &= t[kind_col].isin(_kinds(kinds))
    return t.filter(keep), as_of


def _kinds(kinds) -> list[str]:
    return [kinds] if isinstance(kinds, str) else list(kinds)


def _rfm_aggregate(p: ir.Table, as_of, customer_col, date_col, amount_col, monetary):
    if monetary not in ("sum", "mean"):
        raise ValueError(f"monetary must be 'sum' or 'mean', got {monetary!r}")
    g = p.group_by(p[customer_col]).aggregate(
        first_purchase=p[date_col].min(),
        last_purchase=p[date_col].max(),
        frequency=p.count(),
        total=p[amount_col].cast(MONEY).sum(),
    )
    mon = g.total.cast("float64")
    if monetary == "mean":
        mon = mon / g.frequency.cast("float64")
    recency = ((_seconds(as_of) - _seconds(g.last_purchase)) // _DAY).cast("int64")
    return g.select(
        g[customer_col], recency_days=recency, frequency=g.frequency.cast("int64"),
        monetary=mon, first_purchase=g.first_purchase, last_purchase=g.last_purchase,
    )


def _segment(r, fm, rules=RFM_SEGMENT_RULES):
    cases = [
        ((r >= r0) & (r <= r1) & (fm >= f0) & (fm <= f1), name)
        for name, (r0, r1), (f0, f1) in rules
    ]
    return ibis.cases(*cases)


@fill(**_DOCS)
def rfm_expr(
    t: ir.Table,
    *,
    as_of=None,
    kinds=("deposit",),
    ties: str = "min",
    monetary: str = "sum",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    kind_col: str = "kind",
) -> ir.Table:
    """Ibis expression of :func:`crmkit.segmentation.rfm.rfm` (table, scores on 5 bins,
    R x FM segment).

    Parameters
    ----------
    t : ibis.Table
        One row per purchase with customer, date and a non-negative amount.
    {rfm_rows}
    {ties}
    {columns}
    monetary : {"sum", "mean"}, default "sum"
        Monetary value as the total or the mean amount of the customer's purchases.

    Returns
    -------
    ibis.Table
        Unexecuted, one row per customer, sorted: ``recency_days``, ``frequency``,
        ``monetary``, the first and last purchase, the scores ``R``, ``F``, ``M``,
        ``rfm_score``, ``rfm_cell``, ``FM`` and ``rfm_segment`` (as text).

    Examples
    --------
    >>> import ibis
    >>> import pandas as pd
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": [1, 1, 1, 2, 3, 3, 4, 5],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05", "2023-06-01",
    ...                             "2024-03-01", "2023-01-01", "2022-05-01", "2024-02-20"]),
    ...     "amount": [200.0, 200, 200, 50, 80, 80, 10, 30]}))
    >>> rfm_expr(tx, kinds=None, monetary="mean").to_pandas()[
    ...     ["customer_id", "monetary", "rfm_cell", "rfm_segment"]]
       customer_id  monetary rfm_cell      rfm_segment
    0            1     200.0      555        champions
    1            2      50.0      213      hibernating
    2            3      80.0      444  loyal_customers
    3            4      10.0      111      hibernating
    4            5      30.0      312   about_to_sleep
    """
    t = check_expr(t, "transactions", _purchase_columns(customer_col, date_col, amount_col,
                                                         kind_col, kinds),
                   nonnegative=(amount_col,))
    p, as_of_s = _purchases(t, date_col, kind_col, kinds, as_of)
    a = _rfm_aggregate(p, as_of_s, customer_col, date_col, amount_col, monetary)
    if ties == "min":
        # days and counts take few values: count them rather than rank every customer
        a = _with_count_score(a, "recency_days", "R", 5, higher_is_better=False)
        a = _with_count_score(a, "frequency", "F", 5)
        s = a.mutate(M=_quantile_score(a, "monetary", customer_col, 5, ties=ties))
    else:
        s = a.mutate(
            R=_quantile_score(a, "recency_days", customer_col, 5, ties=ties,
                             higher_is_better=False),
            F=_quantile_score(a, "frequency", customer_col, 5, ties=ties),
            M=_quantile_score(a, "monetary", customer_col, 5, ties=ties),
        )
    s = s.mutate(
        rfm_score=s.R + s.F + s.M,
        # one cast of a 3-digit number rather than three casts and a concatenation
        rfm_cell=(s.R * 100 + s.F * 10 + s.M).cast("string"),
        FM=((s.F + s.M + 1) // 2).cast("int64"),
    )
    return s.mutate(rfm_segment=_segment(s.R, s.FM)).order_by(customer_col)


def _check_any(out: pd.DataFrame, table: str, date_col: str, kind_col: str, kinds, as_of):
    if out.empty:
        what = f"of kind {_kinds(kinds)} " if kinds is not None else ""
        when = f"on or before as_of={as_of}" if as_of is not None else ""
        raise schema.SchemaError(
            f"{table}.{kind_col if kinds is not None else date_col}: no row {what}{when}; "
            "nothing to score (pass kinds=None to use every row)")


@fill(**_DOCS)
def rfm(
    transactions,
    *,
    as_of=None,
    kinds=("deposit",),
    ties: str = "min",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    kind_col: str = "kind",
    table: str = "transactions",
    engine=None,
) -> pd.DataFrame:
    """RFM table, scores (5 bins) and segments per customer, computed in the engine.

    Same definition, tie rule and output as :func:`crmkit.segmentation.rfm.rfm`.

    Parameters
    ----------
    transactions : DataFrame, Ibis table, table name or Parquet path
        One row per purchase with customer, date and a non-negative amount.
    {rfm_rows}
    {ties}
    {columns}
    {table}
    {engine}

    Returns
    -------
    DataFrame
        One row per customer (0…n-1 index, sorted by customer): the RFM table, the scores
        and ``rfm_segment`` (an ordered categorical).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 3, 3, 4, 5],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05", "2023-06-01",
    ...                             "2024-03-01", "2023-01-01", "2022-05-01", "2024-02-20"]),
    ...     "amount": [200.0, 200, 200, 50, 80, 80, 10, 30]})
    >>> rfm(tx, kinds=None)[["customer_id", "rfm_cell", "rfm_segment"]]
       customer_id rfm_cell      rfm_segment
    0            1      555        champions
    1            2      213      hibernating
    2            3      444  loyal_customers
    3            4      111      hibernating
    4            5      312   about_to_sleep
    """
    cols = _purchase_columns(customer_col, date_col, amount_col, kind_col, kinds)
    out = _run(transactions, engine, table, cols, (amount_col,),
               lambda t: rfm_expr(t, as_of=as_of, kinds=kinds, ties=ties,
                                  customer_col=customer_col, date_col=date_col,
                                  amount_col=amount_col, kind_col=kind_col))
    _check_any(out, table, date_col, kind_col, kinds, as_of)
    out["rfm_segment"] = ordered_categorical(out["rfm_segment"], [r[0] for r in RFM_SEGMENT_RULES])
    return out


@fill(**_DOCS)
def frat_expr(
    t: ir.Table,
    *,
    type_col: str = "kind",
    as_of=None,
    kinds=None,
    bins: int = 5,
    ties: str = "min",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    kind_col: str = "kind",
) -> ir.Table:
    """Ibis expression of :func:`crmkit.segmentation.rfm.frat_table` followed by
    :func:`~crmkit.segmentation.rfm.frat_scores`.

    Parameters
    ----------
    t : ibis.Table
        One row per purchase (a transaction, a contract...) with customer, date, amount
        and type.
    {frat_rows}
    {bins}
    {ties}
    {columns}

    Returns
    -------
    ibis.Table
        Unexecuted, one row per customer, sorted: ``frequency``, ``recency_days``,
        ``monetary``, ``n_types``, ``main_type``, the first and last purchase, ``F``,
        ``R``, ``A``, ``T`` and ``frat_score``.

    Examples
    --------
    Customer 1 spent most on home insurance, so that is the main type:

    >>> import ibis
    >>> import pandas as pd
    >>> contracts = ibis.memtable(pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...     "start_date": pd.to_datetime(["2020-01-01", "2021-06-01", "2023-01-01",
    ...                                   "2022-01-01"]),
    ...     "monthly_premium": [30.0, 80.0, 20.0, 45.0],
    ...     "product_id": ["auto", "home", "auto", "health"]}))
    >>> frat_expr(contracts, type_col="product_id", date_col="start_date",
    ...           amount_col="monthly_premium", bins=2).to_pandas()[
    ...     ["customer_id", "monetary", "n_types", "main_type", "frat_score"]]
       customer_id  monetary  n_types main_type  frat_score
    0            1     130.0        2      home           8
    1            2      45.0        1    health           4
    """
    t = check_expr(t, "purchases", {**_purchase_columns(customer_col, date_col, amount_col,
                                                        kind_col, kinds), type_col: None},
                   nonnegative=(amount_col,))
    p, as_of_s = _purchases(t, date_col, kind_col, kinds, as_of)
    a = _rfm_aggregate(p, as_of_s, customer_col, date_col, amount_col, "sum")
    by_type = p.group_by(cust=p[customer_col], type=p[type_col]).aggregate(
        amt=p[amount_col].cast(MONEY).sum())
    # the type with the largest amount; equal amounts go to the first type in sort order
    order = ibis.row_number().over(
        group_by=by_type.cust, order_by=[ibis.desc(by_type.amt), by_type.type])
    ranked = by_type.mutate(k=order)
    types = ranked.group_by(ranked.cust).aggregate(
        n_types=ranked.count(), main_type=ranked.type.argmin(ranked.k))
    j = a.inner_join(types, a[customer_col] == types.cust)
    f = j.select(
        j[customer_col], "frequency", "recency_days", "monetary",
        n_types=j.n_types.cast("int64"), main_type=j.main_type,
        first_purchase=j.first_purchase, last_purchase=j.last_purchase,
    )
    if ties == "min":  # counts, days and numbers of types: counted (see rfm_expr)
        f = _with_count_score(f, "frequency", "F", bins)
        f = _with_count_score(f, "recency_days", "R", bins, higher_is_better=False)
        s = f.mutate(A=_quantile_score(f, "monetary", customer_col, bins, ties=ties))
        s = _with_count_score(s, "n_types", "T", bins)
    else:
        s = f.mutate(
            F=_quantile_score(f, "frequency", customer_col, bins, ties=ties),
            R=_quantile_score(f, "recency_days", customer_col, bins, ties=ties,
                             higher_is_better=False),
            A=_quantile_score(f, "monetary", customer_col, bins, ties=ties),
            T=_quantile_score(f, "n_types", customer_col, bins, ties=ties),
        )
    return s.mutate(frat_score=s.F + s.R + s.A + s.T).order_by(customer_col)


@fill(**_DOCS)
def frat(
    purchases,
    *,
    type_col: str = "kind",
    as_of=None,
    kinds=None,
    bins: int = 5,
    ties: str = "min",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    kind_col: str = "kind",
    table: str = "transactions",
    engine=None,
) -> pd.DataFrame:
    """FRAT table and scores per customer, computed in the engine.

    Same definitions as :func:`crmkit.segmentation.rfm.frat_table` (``n_types``: distinct
    types bought; ``main_type``: the type with the largest amount, ties to the first in
    sort order) and :func:`~crmkit.segmentation.rfm.frat_scores` (F, R, A, T and
    ``frat_score``).

    Parameters
    ----------
    purchases : DataFrame, Ibis table, table name or Parquet path
        One row per purchase (a transaction, a contract...) with customer, date, amount
        and type.
    {frat_rows}
    {bins}
    {ties}
    {columns}
    {table}
    {engine}

    Returns
    -------
    DataFrame
        One row per customer (0…n-1 index, sorted by customer): the FRAT table and the
        scores ``F``, ``R``, ``A``, ``T`` and ``frat_score``.

    Examples
    --------
    >>> import pandas as pd
    >>> contracts = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...     "start_date": pd.to_datetime(["2020-01-01", "2021-06-01", "2023-01-01",
    ...                                   "2022-01-01"]),
    ...     "monthly_premium": [30.0, 80.0, 20.0, 45.0],
    ...     "product_id": ["auto", "home", "auto", "health"]})
    >>> frat(contracts, type_col="product_id", date_col="start_date",
    ...      amount_col="monthly_premium", bins=2, table="contracts")[
    ...     ["customer_id", "n_types", "main_type", "F", "R", "A", "T", "frat_score"]]
       customer_id  n_types main_type  F  R  A  T  frat_score
    0            1        2      home  2  2  2  2           8
    1            2        1    health  1  1  1  1           4
    """
    cols = {**_purchase_columns(customer_col, date_col, amount_col, kind_col, kinds),
            type_col: None}
    out = _run(purchases, engine, table, cols, (amount_col,),
               lambda t: frat_expr(t, type_col=type_col, as_of=as_of, kinds=kinds, bins=bins,
                                   ties=ties, customer_col=customer_col, date_col=date_col,
                                   amount_col=amount_col, kind_col=kind_col))
    _check_any(out, table, date_col, kind_col, kinds, as_of)
    return out
