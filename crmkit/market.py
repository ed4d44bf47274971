"""The market layer: the :class:`Market`, its table list, and the date rules, written once.

Every module, widget, workshop and chapter of crmkit asks the same three questions of the
market's dates, and answers them with the functions below, so two chapters never disagree
about the same customer on the same day.

**The convention: every period is half-open, first day included, last day excluded.**

- A customer is *active on day d* when ``acquisition_date <= d < churn_date``; a missing
  ``churn_date`` (``NaT``) means she is still a customer. She is active on the day she is
  acquired and no longer on the day she leaves: her customer life is the period
  ``[acquisition_date, churn_date)``.
- A contract *runs on day d* when ``start_date <= d < end_date`` (``NaT`` end: still
  running), the period ``[start_date, end_date)``.
- A date is *in the window* ``[start, end)`` when ``start <= date < end``; a missing bound
  (``None``) leaves that side open. A year is ``in_window(dates, "2024-01-01",
  "2025-01-01")``, and consecutive windows share no day, so counts per year add up.

With this one convention a customer acquired and churned on the same day is active on no
day (an empty period), the number of customers active on d equals those acquired on or
before d minus those who left on or before d, and a period ``[a, b)`` is active *during* a
window ``[s, e)`` when the two overlap: ``a < e`` and ``b > s``
(:func:`active_during`, :func:`running_during`).

A missing acquisition or start date (possible in imported data) is never active: the rule
does not guess. Days and date columns go through :func:`crmkit.schema.as_timestamp` and the
column checks of :mod:`crmkit.schema`, so a time-zone-aware or out-of-range date is refused
with one clear :class:`crmkit.schema.SchemaError`.

Examples
--------
>>> import pandas as pd
>>> from crmkit.market import active_on
>>> cu = pd.DataFrame({"customer_id": [1, 2, 3],
...     "acquisition_date": pd.to_datetime(["2020-01-01", "2024-01-01", "2019-01-01"]),
...     "churn_date": pd.to_datetime([None, None, "2024-01-01"])})
>>> active_on(cu, "2024-01-01").tolist()   # acquired that day: in; left that day: out
[True, True, False]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed_keywords
from crmkit._docs import fill

__all__ = ["MARKET_TABLES", "Market", "check_table_names", "active_on", "running_on",
           "in_window", "seen_by", "active_during", "running_during", "active_throughout",
           "period_on", "period_during"]

# the tables of a market, in the order they are written and listed (the schema's order)
MARKET_TABLES: tuple[str, ...] = tuple(schema.TABLES)


@dataclass
class Market:
    """Every table of the synthetic market as a pandas DataFrame (see :mod:`crmkit.schema`).

    Examples
    --------
    >>> from crmkit.market import Market, MARKET_TABLES
    >>> import pandas as pd
    >>> m = Market(**{n: pd.DataFrame() for n in MARKET_TABLES})
    >>> m["customers"].shape
    (0, 0)
    >>> m["customer"]
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: market: unknown table 'customer'; known tables: ['customers', \
'source_records', 'life_events', 'products', 'contracts', 'transactions', 'interactions', \
'campaigns', 'campaign_targets', 'surveys', 'incidents']
    """

    customers: pd.DataFrame
    source_records: pd.DataFrame
    life_events: pd.DataFrame
    products: pd.DataFrame
    contracts: pd.DataFrame
    transactions: pd.DataFrame
    interactions: pd.DataFrame
    campaigns: pd.DataFrame
    campaign_targets: pd.DataFrame
    surveys: pd.DataFrame
    incidents: pd.DataFrame
    params: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in :data:`MARKET_TABLES` order.

        Returns
        -------
        dict of str to pandas.DataFrame
            Every table of the market.

        Examples
        --------
        >>> import pandas as pd
        >>> m = Market(**{n: pd.DataFrame() for n in MARKET_TABLES})
        >>> list(m.tables()) == list(MARKET_TABLES)
        True
        """
        return {name: getattr(self, name) for name in MARKET_TABLES}

    def __getitem__(self, name: str) -> pd.DataFrame:
        return getattr(self, check_table_names([name])[0])

    @classmethod
    def lazy(cls, readers: dict, params: dict | None = None) -> Market:
        """A market whose tables are read on first use: ``readers`` maps each table name to
        a function of no argument that returns the table (:func:`crmkit.io.load_market`
        gives one per Parquet file). A table is read once, the first time it is asked for,
        so a chapter that starts with the customers does not wait for the transactions.

        Parameters
        ----------
        readers : dict of str to callable
            One reader per table of :data:`MARKET_TABLES`.
        params : dict, optional
            The market's parameters (:attr:`params`).

        Returns
        -------
        Market
            The market, no table read yet.

        Examples
        --------
        >>> import pandas as pd
        >>> read = []
        >>> def reader(name):
        ...     return lambda: read.append(name) or pd.DataFrame({"n": [len(read)]})
        >>> m = Market.lazy({n: reader(n) for n in MARKET_TABLES})
        >>> read
        []
        >>> len(m.customers), m["customers"] is m.customers, read
        (1, True, ['customers'])
        """
        missing = set(MARKET_TABLES) - set(readers)
        if missing:
            schema.fail("market", None, f"no reader for the tables {sorted(missing)}")
        market = cls.__new__(cls)
        market.params = dict(params or {})
        market._readers = dict(readers)
        return market

    def __getattr__(self, name: str):
        # called only for a missing attribute: a table of a lazy market not read yet
        readers = self.__dict__.get("_readers")
        if readers is not None and name in readers:
            table = readers.pop(name)()
            setattr(self, name, table)
            return table
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def save(self, path: str | os.PathLike, *, duckdb: bool = True) -> Path:
        """Write every table to ``path`` (Parquet + ``market.duckdb``), atomically.

        Parameters
        ----------
        path : str or os.PathLike
            The folder written (created if needed).
        duckdb : bool, default True
            Also write the tables into one ``market.duckdb`` file.

        Returns
        -------
        pathlib.Path
            The folder.

        Examples
        --------
        The shipped sample, written and read back unchanged:

        >>> import pathlib, tempfile
        >>> from crmkit.datasets import load_sample
        >>> from crmkit.io import load_market
        >>> m = load_sample()
        >>> folder = m.save(pathlib.Path(tempfile.mkdtemp()) / "market", duckdb=False)
        >>> (folder / "customers.parquet").exists()
        True
        >>> back = load_market(folder)
        >>> back.customers.equals(m.customers), len(back.contracts) == len(m.contracts)
        (True, True)
        """
        from crmkit.io import save_market

        return save_market(self.tables(), path, meta=self.params, duckdb=duckdb)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(getattr(self, n)):,}" for n in MARKET_TABLES)
        return f"Market({self.params or ''}; {sizes})"


assert [f.name for f in fields(Market) if f.name != "params"] == list(MARKET_TABLES)


def check_table_names(names) -> list[str]:
    """``names`` as a list, refusing any name that is not a market table (a typo must not
    silently select nothing).

    Parameters
    ----------
    names : iterable of str
        Table names.

    Returns
    -------
    list of str
        The names, each a market table.

    Examples
    --------
    >>> check_table_names(["customers", "contract"])
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: market: unknown table 'contract'; known tables: ['customers', \
'source_records', 'life_events', 'products', 'contracts', 'transactions', 'interactions', \
'campaigns', 'campaign_targets', 'surveys', 'incidents']
    """
    if isinstance(names, str):
        names = [names]
    names = list(names)
    for name in names:
        if not isinstance(name, str) or name not in MARKET_TABLES:
            schema.fail("market", None,
                        f"unknown table {name!r}; known tables: {list(MARKET_TABLES)}")
    return names


# ---------------------------------------------------------------------------------------
# the date rules
# ---------------------------------------------------------------------------------------
def _dates(values, name: str) -> pd.Series | pd.Timestamp:
    """A date column (Series) checked for kind, or a scalar day as a Timestamp."""
    if isinstance(values, pd.Index | np.ndarray | list | tuple):
        values = pd.Series(values)
    if isinstance(values, pd.Series):
        column = values.name if isinstance(values.name, str) else name
        schema.check_columns(values.to_frame(column), "dates", {column: "datetime"})
        return values
    return schema.as_timestamp(values, name)


def _is_ibis(x) -> bool:
    return type(x).__module__.startswith("ibis.")


def _ibis_literal(value, name):
    import ibis

    return value if _is_ibis(value) else ibis.literal(schema.as_timestamp(value, name))


def _is_grid(*xs) -> bool:
    """NumPy arrays of two or more dimensions: a customers x days grid by broadcasting."""
    return any(isinstance(x, np.ndarray) and x.ndim > 1 for x in xs)


def _grid(x) -> np.ndarray:
    return np.asarray(x, dtype="datetime64[ns]")


def _bound(value, name: str):
    return None if value is None else _dates(value, name)


#: Parameter and return docs shared by the masks below (``crmkit._docs.fill``).
_PERIOD_DOCS = {
    "customers": """\
customers : pandas.DataFrame
    One row per customer with acquisition and churn dates.""",
    "customer_dates": """\
acquisition, churn : str
    The acquisition and churn date columns (a missing churn date: still a customer).""",
    "contracts": """\
contracts : pandas.DataFrame
    One row per contract with start and end dates.""",
    "as_of": """\
as_of : date-like or pandas.Series
    The day, or one day per row.""",
    "window": """\
start, end : date-like
    The window ``[start, end)``.""",
    "returns": """\
Returns
-------
pandas.Series of bool
    Indexed like the table.""",
    "period_returns": """\
Returns
-------
numpy.ndarray of bool or ibis expression
    One entry per period (an Ibis boolean expression for Ibis columns).""",
    "dates_returns": """\
Returns
-------
pandas.Series, numpy.ndarray or ibis expression
    The mask, of the same kind as ``dates``.""",
}


@renamed_keywords(day="as_of")
@fill(**_PERIOD_DOCS)
def period_on(first, last, as_of) -> np.ndarray:
    """Boolean mask of the periods ``[first, last)`` that contain ``as_of``.

    ``first`` and ``last`` are date Series (``last`` ``NaT``: the period has not ended);
    ``as_of`` is a date or a Series of dates aligned with them (one day per row). NumPy
    ``datetime64`` arrays of two dimensions broadcast (periods in columns, days in rows:
    a days x periods grid); Ibis columns give an Ibis boolean expression (the warehouse).
    A missing ``first`` never contains a day. This is *the* rule; :func:`active_on` and
    :func:`running_on` apply it to customers and contracts.

    Parameters
    ----------
    first, last : pandas.Series, array-like or ibis column
        Start and end of each period (``last`` missing: not ended).
    {as_of}

    {period_returns}

    Examples
    --------
    >>> import pandas as pd
    >>> first = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-01", None]))
    >>> last = pd.Series(pd.to_datetime(["2024-02-01", None, None]))
    >>> period_on(first, last, "2024-02-01").tolist()
    [False, True, False]
    >>> days = pd.to_datetime(["2024-01-15", "2024-03-01"]).to_numpy()[:, None]
    >>> period_on(first.to_numpy()[None, :], last.to_numpy()[None, :], days).astype(int)
    array([[1, 1, 0],
           [0, 1, 0]])
    """
    if _is_ibis(first):
        return first.notnull() & (first <= as_of) & (last.isnull() | (last > as_of))
    if _is_grid(first, last, as_of):
        f, la, d = _grid(first), _grid(last), _grid(as_of)
        with np.errstate(invalid="ignore"):
            return ~np.isnat(f) & (f <= d) & (np.isnat(la) | (la > d))
    first = _dates(first, "first")
    last = _dates(last, "last")
    as_of = _dates(as_of, "as_of")
    if isinstance(as_of, pd.Series):
        as_of = as_of.to_numpy()
    return ((first <= as_of) & (last.isna() | (last > as_of))).to_numpy(dtype=bool)


@fill(**_PERIOD_DOCS)
def period_during(first, last, start, end) -> np.ndarray:
    """Boolean mask of the periods ``[first, last)`` that share at least one day with the
    window ``[start, end)`` (``None``: open side).

    Parameters
    ----------
    first, last : pandas.Series, array-like or ibis column
        Start and end of each period (``last`` missing: not ended).
    start, end : date-like, optional
        The window ``[start, end)``; None leaves that side open.

    {period_returns}

    Examples
    --------
    >>> import pandas as pd
    >>> first = pd.Series(pd.to_datetime(["2023-03-01", "2024-06-01", "2025-01-01"]))
    >>> last = pd.Series(pd.to_datetime(["2024-01-01", None, None]))
    >>> period_during(first, last, "2024-01-01", "2025-01-01").tolist()
    [False, True, False]
    """
    first = _dates(first, "first")
    last = _dates(last, "last")
    start, end = _bound(start, "start"), _bound(end, "end")
    keep = first.notna() & (last.isna() | (last > first))  # an empty period meets no window
    if end is not None:
        keep &= first < end
    if start is not None:
        keep &= last.isna() | (last > start)
    return keep.to_numpy(dtype=bool)


def _dated_mask(df: pd.DataFrame, table: str, first: str, last: str, name: str,
                rule) -> pd.Series:
    """``rule(df[first], df[last])`` over ``df``'s rows, the two date columns checked."""
    schema.check_columns(df, table, {first: "datetime", last: "datetime"})
    return pd.Series(rule(df[first], df[last]), index=df.index, name=name)


@renamed_keywords(day="as_of")
@fill(**_PERIOD_DOCS)
def active_on(customers: pd.DataFrame, as_of, *, acquisition: str = "acquisition_date",
              churn: str = "churn_date") -> pd.Series:
    """Boolean mask (indexed like ``customers``) of the customers active on ``as_of``:
    ``acquisition <= day < churn`` (a missing churn date: still a customer).

    ``as_of`` is a date, or a Series of dates aligned with the rows. Filter with
    ``customers[active_on(customers, day)]``.

    Parameters
    ----------
    {customers}
    {as_of}
    {customer_dates}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"acquisition_date": pd.to_datetime(["2020-01-01", "2024-03-01"]),
    ...                    "churn_date": pd.to_datetime(["2024-01-01", None])})
    >>> active_on(cu, "2023-12-31").tolist(), active_on(cu, "2024-03-01").tolist()
    ([True, False], [False, True])
    """
    return _dated_mask(customers, "customers", acquisition, churn, "active",
                       lambda first, last: period_on(first, last, as_of))


@renamed_keywords(day="as_of")
@fill(**_PERIOD_DOCS)
def running_on(contracts: pd.DataFrame, as_of, *, start: str = "start_date",
               end: str = "end_date") -> pd.Series:
    """Boolean mask (indexed like ``contracts``) of the contracts running on ``as_of``:
    ``start <= day < end`` (a missing end date: still running).

    ``as_of`` is a date, or a Series of dates aligned with the rows (e.g. each target's
    campaign day after a merge).

    Parameters
    ----------
    {contracts}
    {as_of}
    start, end : str
        The start and end date columns (a missing end: still running).

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> co = pd.DataFrame({"start_date": pd.to_datetime(["2020-01-01", "2024-01-01"]),
    ...                    "end_date": pd.to_datetime(["2024-01-01", None])})
    >>> running_on(co, "2024-01-01").tolist()
    [False, True]
    """
    return _dated_mask(contracts, "contracts", start, end, "running",
                       lambda first, last: period_on(first, last, as_of))


@fill(**_PERIOD_DOCS)
def active_during(customers: pd.DataFrame, start, end, *, acquisition: str = "acquisition_date",
                  churn: str = "churn_date") -> pd.Series:
    """Boolean mask of the customers active on at least one day of ``[start, end)``.

    Parameters
    ----------
    {customers}
    {window}
    {customer_dates}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"acquisition_date": pd.to_datetime(["2020-01-01", "2024-03-01"]),
    ...                    "churn_date": pd.to_datetime(["2024-01-01", None])})
    >>> active_during(cu, "2024-01-01", "2025-01-01").tolist()
    [False, True]
    """
    return _dated_mask(customers, "customers", acquisition, churn, "active",
                       lambda first, last: period_during(first, last, start, end))


@fill(**_PERIOD_DOCS)
def running_during(contracts: pd.DataFrame, start, end, *, start_col: str = "start_date",
                   end_col: str = "end_date") -> pd.Series:
    """Boolean mask of the contracts running on at least one day of ``[start, end)``.

    Parameters
    ----------
    {contracts}
    {window}
    start_col, end_col : str
        The start and end date columns (a missing end: still running).

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> co = pd.DataFrame({"start_date": pd.to_datetime(["2020-01-01", "2024-03-01"]),
    ...                    "end_date": pd.to_datetime(["2024-01-01", None])})
    >>> running_during(co, "2023-12-31", "2024-01-01").tolist()
    [True, False]
    """
    return _dated_mask(contracts, "contracts", start_col, end_col, "running",
                       lambda first, last: period_during(first, last, start, end))


@fill(**_PERIOD_DOCS)
def active_throughout(customers: pd.DataFrame, start, end, *,
                      acquisition: str = "acquisition_date",
                      churn: str = "churn_date") -> pd.Series:
    """Boolean mask of the customers active on *every* day of ``[start, end)``: acquired on
    or before ``start``, not gone before ``end`` (``churn_date`` missing or on/after ``end``).

    Parameters
    ----------
    {customers}
    {window}
    {customer_dates}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"acquisition_date": pd.to_datetime(["2024-01-01", "2024-01-02",
    ...                                                        "2020-01-01"]),
    ...                    "churn_date": pd.to_datetime([None, None, "2024-12-31"])})
    >>> active_throughout(cu, "2024-01-01", "2025-01-01").tolist()
    [True, False, False]
    """
    start, end = _dates(start, "start"), _dates(end, "end")
    return _dated_mask(customers, "customers", acquisition, churn, "active",
                       lambda first, last: (first.notna() & (first <= start)
                                            & (last.isna() | (last >= end))).to_numpy(dtype=bool))


@renamed_keywords(day="as_of")
@fill(**_PERIOD_DOCS)
def seen_by(dates, as_of):
    """Boolean mask of the ``dates`` on or before ``as_of``: what a snapshot taken on ``as_of``
    sees (missing dates: never).

    It is the other face of the half-open rule: a customer who leaves on ``as_of`` is no
    longer active on ``as_of`` (:func:`active_on`), and her departure is seen by ``as_of``;
    ``seen_by(churn_date, d)`` is ``~active`` for those acquired by ``d``.

    Parameters
    ----------
    dates : pandas.Series, array-like or ibis column
        The dates.
    as_of : date-like or pandas.Series
        The snapshot day.

    {dates_returns}

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.Series(pd.to_datetime(["2023-12-31", "2024-01-01", "2024-01-02", None]))
    >>> seen_by(d, "2024-01-01").tolist()
    [True, True, False, False]
    """
    if _is_ibis(dates):
        return dates.notnull() & (dates <= _ibis_literal(as_of, "as_of"))
    if _is_grid(dates, as_of):
        d = _grid(dates)
        with np.errstate(invalid="ignore"):
            return ~np.isnat(d) & (d <= _grid(as_of))
    s = _dates(dates, "dates")
    as_of = _dates(as_of, "as_of")
    keep = s.notna() & (s <= (as_of.to_numpy() if isinstance(as_of, pd.Series) else as_of))
    return keep.rename(None) if isinstance(dates, pd.Series) else keep.to_numpy(dtype=bool)


@fill(**_PERIOD_DOCS)
def in_window(dates, start=None, end=None):
    """Boolean mask of the ``dates`` in the window ``[start, end)``; ``None`` leaves that
    side open; missing dates are never in a window.

    ``dates`` is a Series (the mask is a Series with its index), an array of dates, or an
    Ibis date column (an Ibis boolean expression, for the warehouse); ``start``/``end``
    are dates or Series aligned with ``dates``.

    Parameters
    ----------
    dates : pandas.Series, array-like or ibis column
        The dates.
    start, end : date-like or pandas.Series, optional
        The window ``[start, end)``; None leaves that side open.

    {dates_returns}

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.Series(pd.to_datetime(["2023-12-31", "2024-01-01", "2024-12-31",
    ...                               "2025-01-01", None]))
    >>> in_window(d, "2024-01-01", "2025-01-01").tolist()
    [False, True, True, False, False]
    >>> in_window(d, start="2024-06-01").tolist()
    [False, False, True, True, False]
    """
    if _is_ibis(dates):
        keep = dates.notnull()
        if start is not None:
            keep &= dates >= _ibis_literal(start, "start")
        if end is not None:
            keep &= dates < _ibis_literal(end, "end")
        return keep
    if _is_grid(dates, start, end):
        d = _grid(dates)
        keep = ~np.isnat(d)
        with np.errstate(invalid="ignore"):
            if start is not None:
                keep = keep & (d >= _grid(start))
            if end is not None:
                keep = keep & (d < _grid(end))
        return keep
    s = _dates(dates, "dates")
    start, end = _bound(start, "start"), _bound(end, "end")
    keep = s.notna()
    if start is not None:
        keep &= s >= (start.to_numpy() if isinstance(start, pd.Series) else start)
    if end is not None:
        keep &= s < (end.to_numpy() if isinstance(end, pd.Series) else end)
    if isinstance(dates, pd.Series):
        return keep.rename(None)
    return keep.to_numpy(dtype=bool)
