"""What a workshop reads: the course market or an imported folder, the analysis window
taken from the dense part of the data, the purchase events, the import's counts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._docs import fill

__all__ = ["WORKSHOP_TABLES", "DEFAULT_MIN_GROUP", "MAX_GAP_MONTHS", "load_data", "dense_range",
           "analysis_window", "Purchases", "purchases", "data_overview", "import_summary",
           "checked_table"]

# the tables a workshop reads (the others are not loaded: faster, and less personal data)
WORKSHOP_TABLES = ("customers", "products", "contracts", "transactions", "interactions")
# the report shows no combination of quasi-identifiers shared by fewer customers
DEFAULT_MIN_GROUP = 5
# a gap in the data longer than this splits it: what lies beyond is not the same history
MAX_GAP_MONTHS = 12
_DATED = (("transactions", "date"), ("contracts", "start_date"), ("interactions", "date"))


def load_data(data_dir=None, tables=WORKSHOP_TABLES, *, min_group: int = DEFAULT_MIN_GROUP):
    """The course market (``data_dir=None``) or a folder written by ``crmkit import``.

    Returns a :class:`crmkit.synth.Market`; tables absent from the folder are empty. On a
    client's folder, the quasi-identifiers of customers whose combination (birth year,
    département, gender, region, acquisition and churn dates) is shared by fewer than
    ``min_group`` customers are blanked (:func:`crmkit.privacy.suppress_rare`), so nothing
    the report derives from them (age bands, cohorts) shows a rarer group;
    ``market.suppressed`` counts them.

    Parameters
    ----------
    data_dir : str or Path, optional
        A folder written by ``crmkit import`` (:func:`crmkit.importer.write_import`); the
        course market when None.
    tables : iterable of str, default :data:`WORKSHOP_TABLES`
        The tables to load.
    min_group : int, default :data:`DEFAULT_MIN_GROUP`
        The fewest customers a combination of quasi-identifiers may describe (client
        folders only).

    Returns
    -------
    Market
        The tables as attributes, and ``suppressed``: how many customers had their
        quasi-identifiers blanked (0 for the course market).

    Examples
    --------
    >>> m = load_data(tables=["customers"])
    >>> len(m.customers), m.suppressed
    (10000, 0)

    A client's folder of three customers: each is alone with its birth year, so all three
    are blanked at the default ``min_group`` of 5, none with ``min_group=1``:

    >>> import tempfile, pathlib
    >>> from crmkit.importer import import_data, write_import
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "c.csv").write_text("id;born\\n1;1950-01-01\\n2;1970-01-01\\n3;1990-01-01\\n")
    >>> result = import_data({"tables": {"customers": {"file": "c.csv", "columns": {
    ...     "customer_id": "id", "birth_date": "born"}}}}, base_dir=d)
    >>> out = write_import(result, d / "market")
    >>> load_data(out).suppressed, load_data(out, min_group=1).suppressed
    (3, 0)
    """
    from crmkit import privacy

    if data_dir is None:
        from crmkit.datasets import load_market

        market = load_market(tables=list(tables))
        market.suppressed = 0
        return market
    from crmkit.io import load_market

    market = load_market(data_dir, tables=list(tables))
    market.customers, market.suppressed = privacy.suppress_rare(market.customers, min_group)
    return market


def _has(df: pd.DataFrame, *cols: str) -> bool:
    return len(df) > 0 and all(c in df.columns and df[c].notna().any() for c in cols)


#: The ``market`` parameter of the readers below (``crmkit._docs.fill``).
_MARKET = """\
market : Market
    From :func:`load_data` (anything with the tables as attributes)."""


@fill(market=_MARKET)
def checked_table(market, name: str, uses) -> pd.DataFrame:
    """``market.<name>``, checked for what a workshop reads of it (the columns ``uses``).

    A workshop reads whatever tables the client sent, so an empty (absent) table passes.
    A table with rows must hold those of ``uses`` that ``crmkit import`` requires of it
    (:data:`crmkit.importer.REQUIRED`: a contact log without its date is not a contact
    log), and every column of ``uses`` it holds is validated by
    :func:`crmkit.schema.validate`: kind, naive dates in pandas' range, finite numbers,
    ids of one type, no missing value, allowed values and bounds, one row per key. The
    customers' quasi-identifiers may be missing: :func:`load_data` blanks the rare ones
    (:func:`crmkit.privacy.suppress_rare`), and the workshop reads a blank as unknown.

    Parameters
    ----------
    {market}
    name : str
        The table (a market table of :data:`crmkit.schema.TABLES`).
    uses : iterable of str
        The columns the caller reads of it, where the table has them.

    Returns
    -------
    DataFrame
        The table, unchanged.

    Raises
    ------
    SchemaError
        One error naming the table, the column and the first offending rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(interactions=pd.DataFrame(), transactions=pd.DataFrame(
    ...     {"customer_id": [1, 2], "amount": [5.0, 7.5]}))
    >>> len(checked_table(m, "interactions", ["customer_id", "date"]))  # absent: passes
    0
    >>> checked_table(m, "transactions", ["customer_id", "date", "amount"])
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: transactions.date: missing column(s) ['date']; the table has ['customer_id', 'amount']
    """
    from crmkit.importer.rules import REQUIRED
    from crmkit.privacy import QUASI_IDENTIFIERS

    df = getattr(market, name)
    if not isinstance(df, pd.DataFrame):
        schema.check_not_empty(df, name)  # raises: not a DataFrame
    if len(df) == 0:
        return df
    uses = list(uses)
    schema.check_columns(df, name, [c for c in REQUIRED.get(name, ()) if c in uses])
    present = [c for c in uses if c in df.columns]
    if present:
        schema.validate(df, name, columns=present,
                        nullable=QUASI_IDENTIFIERS if name == "customers" else ())
    return df


def dense_range(dates: pd.Series, *, max_gap_months: int = MAX_GAP_MONTHS):
    """First and last date of the dense part of ``dates``: the block of months with data,
    no gap longer than ``max_gap_months``, that holds the most rows. One stray date
    (2091 typed for 2019, 1901 for 2001) is a block of its own and never moves the window.

    Parameters
    ----------
    dates : Series of datetime64
        The dates (missing ones are ignored).
    max_gap_months : int, default :data:`MAX_GAP_MONTHS`
        The longest run of months without data a block may hold.

    Returns
    -------
    tuple of Timestamp
        ``(first, last)``: the earliest and the latest date of that block.

    Raises
    ------
    SchemaError
        No date at all.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.Series(pd.to_datetime(["2019-01-05", "2019-06-01", "2019-12-31", "2091-03-12"]))
    >>> [str(x.date()) for x in dense_range(d)]
    ['2019-01-05', '2019-12-31']
    """
    d = pd.Series(dates).dropna()
    if d.empty:
        schema.fail("dates", None, "no date to take a range from")
    months = d.dt.year * 12 + d.dt.month
    counts = months.value_counts().sort_index()
    block = np.concatenate([[0], np.cumsum(np.diff(counts.index.to_numpy()) > max_gap_months)])
    size = pd.Series(counts.to_numpy()).groupby(block).sum()
    best = size.idxmax()  # the largest block (the first of equals)
    keep = counts.index.to_numpy()[block == best]
    inside = d[months.isin(keep)]
    return inside.min(), inside.max()


@fill(market=_MARKET)
def analysis_window(market, *, as_of=None, months: int = 12) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(start, end)`` of the analysis: the ``months`` months up to ``as_of`` included.

    ``as_of`` defaults to the last date of the dense part of the data (:func:`dense_range`
    of the transactions, else contract starts, else interactions), never to one outlier.
    ``end`` is the day after ``as_of`` (windows are ``start <= date < end``). An ``as_of``
    outside the data's range is refused.

    Parameters
    ----------
    {market}
    as_of : date, optional
        The last day of the analysis.
    months : int, default 12
        The window's length.

    Returns
    -------
    tuple of Timestamp
        ``(start, end)``, ``end`` excluded.

    Raises
    ------
    SchemaError
        No dated table, or ``as_of`` before the data.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(transactions=pd.DataFrame({"date": pd.to_datetime(
    ...     ["2023-09-01", "2024-06-30", "2091-03-12"])}), contracts=pd.DataFrame(),
    ...     interactions=pd.DataFrame())
    >>> [str(d.date()) for d in analysis_window(m, months=6)]
    ['2024-01-01', '2024-07-01']
    """
    if isinstance(months, bool) or not isinstance(months, int | np.integer) or months < 1:
        raise ValueError(f"months must be a positive integer, got {months!r}")
    for name, col in _DATED:
        df = checked_table(market, name, [col])
        if _has(df, col):
            first, last = dense_range(df[col])
            break
    else:
        schema.fail("market", None, "no dated transactions, contracts or interactions; "
                                 "nothing to analyse")
    if as_of is None:
        as_of = last
    as_of = schema.as_timestamp(as_of)
    if as_of < first:
        schema.fail("market", None, f"as_of {as_of.date()} is before the data, which start on "
                                 f"{first.date()}; choose a date between {first.date()} and "
                                 f"{last.date()}")
    end = as_of.normalize() + pd.Timedelta(days=1)
    return end - pd.DateOffset(months=int(months)), end


@dataclass
class Purchases:
    """Purchase events for RFM/FRAT: the frame and the column names to read it with."""

    frame: pd.DataFrame
    table: str
    date_col: str
    amount_col: str
    type_col: str
    note: str  # a key of the workshop texts (see crmkit.workshop.report.text)


@fill(market=_MARKET)
def purchases(market) -> Purchases:
    """Contract starts (bank, insurance) or purchase transactions (retail), whichever the
    data have: the events RFM and FRAT count.

    Parameters
    ----------
    {market}

    Returns
    -------
    Purchases
        The events (``frame``), the ``table`` they come from, the names of the date,
        amount and type columns, and the ``note`` (a key of the workshop texts) saying
        what was counted. Refunds (negative transactions) are left out.

    Raises
    ------
    SchemaError
        Neither contracts nor purchase transactions.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> tx = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-01"]),
    ...                    "amount": [9.5]})
    >>> p = purchases(SimpleNamespace(contracts=pd.DataFrame(), transactions=tx))
    >>> p.table, p.date_col, p.type_col, p.note
    ('transactions', 'date', 'purchase_type', 'purchases_untyped')
    """
    co = checked_table(market, "contracts", ["contract_id", "customer_id", "start_date",
                                             "monthly_premium", "product_id"])
    tx = checked_table(market, "transactions", ["customer_id", "date", "amount", "kind"])
    if _has(co, "customer_id", "start_date", "monthly_premium", "product_id"):
        return Purchases(co, "contracts", "start_date", "monthly_premium", "product_id",
                         "purchases_contracts")
    if _has(tx, "customer_id", "date", "amount"):
        if _has(tx, "kind"):
            frame, note = tx.assign(purchase_type=tx["kind"]), "purchases_typed"
        else:
            frame, note = tx.assign(purchase_type="purchase"), "purchases_untyped"
        frame = frame.loc[frame["amount"] >= 0]
        return Purchases(frame, "transactions", "date", "amount", "purchase_type", note)
    schema.fail("market", None, "RFM needs contracts (start_date, monthly_premium, "
                "product_id) or transactions (date, amount); the data have neither")


@fill(market=_MARKET)
def data_overview(market) -> pd.DataFrame:
    """Rows and period covered of each table the workshop reads.

    Parameters
    ----------
    {market}

    Returns
    -------
    DataFrame
        One row per table of :data:`WORKSHOP_TABLES`: ``table``, ``rows``, ``first_date``
        and ``last_date`` (None for an undated or absent table), ``status`` (present or
        absent).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(customers=pd.DataFrame({"customer_id": [1, 2]}),
    ...                     contracts=pd.DataFrame(), products=pd.DataFrame(),
    ...                     transactions=pd.DataFrame(), interactions=pd.DataFrame())
    >>> data_overview(m)[["table", "rows"]].to_dict("records")[:2]
    [{'table': 'customers', 'rows': 2}, {'table': 'products', 'rows': 0}]
    """
    dates = {"customers": "acquisition_date", "contracts": "start_date",
             "transactions": "date", "interactions": "date"}
    rows = []
    for name in WORKSHOP_TABLES:
        col = dates.get(name)
        # rows are counted: one row per key (a repeated customer is not two customers)
        df = checked_table(market, name, [*schema.TABLES[name].key, *([col] if col else [])])
        dated = col is not None and _has(df, col)
        rows.append({"table": name, "rows": len(df),
                     "first_date": df[col].min().date() if dated else None,
                     "last_date": df[col].max().date() if dated else None,
                     "status": "present" if len(df) else "absent"})
    return pd.DataFrame(rows)


def import_summary(data_dir) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Counts of an import (read, kept, merged, rejected per table) and rejected rows by
    reason with their first rows, from ``import_report.json`` (None for the course market
    or a folder without one).

    Parameters
    ----------
    data_dir : str or Path or None
        The folder :func:`load_data` read.

    Returns
    -------
    tuple of DataFrame or None
        ``(counts, rejects)``: per table its source, rows read, kept, merged and rejected;
        and :func:`crmkit.importer.rejects_by_reason` of the report.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmkit.importer import import_data, write_import
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "c.csv").write_text("id;created\\n1;05/01/2021\\n1;05/01/2021\\n2;hier\\n")
    >>> result = import_data({"tables": {"customers": {"file": "c.csv", "columns": {
    ...     "customer_id": "id", "acquisition_date": "created"}}}}, base_dir=d)
    >>> counts, rejects = import_summary(write_import(result, d / "market"))
    >>> counts[["read", "kept", "merged", "rejected"]].to_dict("records")
    [{'read': 3, 'kept': 1, 'merged': 1, 'rejected': 1}]
    >>> rejects[["reason", "first_rows"]].to_dict("records")
    [{'reason': 'unreadable date', 'first_rows': '4'}]
    >>> import_summary(None) is None  # the course market
    True
    """
    from crmkit.importer import rejects_by_reason

    if data_dir is None:
        return None
    f = Path(data_dir) / "import_report.json"
    if not f.exists():
        return None
    report = json.loads(f.read_text(encoding="utf-8"))
    counts = pd.DataFrame([{"table": t, "source": r["source"], "read": r["read"],
                            "kept": r["kept"], "merged": r.get("merged", 0),
                            "rejected": r["rejected"]}
                           for t, r in report["tables"].items()])
    return counts, rejects_by_reason(report)
