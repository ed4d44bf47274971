"""From a transaction log to the recency-frequency summary the CLV models read.

The probabilistic models (BG/NBD, Pareto/NBD, Gamma-Gamma) see each customer through four
numbers, measured from the customer's *first* purchase (Fader, Hardie & Lee 2005):

- ``frequency`` (x): the number of *repeat* purchases (purchase occasions after the first);
- ``recency`` (t_x): the time from the first to the last purchase (0 when x = 0);
- ``T``: the time from the first purchase to the end of observation;
- ``monetary_value`` (z-bar): the mean value of the repeat purchases (0 when x = 0).

Purchases in the same ``grain`` period (by default the same calendar day) count as one
purchase occasion, their values added up. Times are in units of ``freq`` (``"D"`` days,
``"W"`` weeks of 7 days, ``"h"``, ``"7D"``...): CDNOW's published summary is in weeks of
days / 7, e.g. T = 38.86 for a first purchase on 1 January 1997 and an end on 30 September.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed, renamed_keywords
from crmkit._docs import fill

__all__ = ["clv_summary", "calibration_holdout", "check_summary", "holdout_comparison",
           "summary_from_transactions", "unit_timedelta"]

_TABLE = "transactions"

#: Parameter docs (and the example of :func:`clv_summary`) shared by the summaries below and
#: their warehouse twins in :mod:`crmkit.warehouse.metrics` (``crmkit._docs.fill``); the
#: warehouse fills its own ``{grain}`` (it refuses ``None``).
SUMMARY_DOCS = {
    "summary_params": """\
customer_col, date_col : str
    Columns holding the customer key and the (datetime) date of the transaction.
value : str, optional
    Column of amounts (>= 0); adds ``monetary_value``, the mean value of repeat occasions.
observation_end : date-like, optional
    End of the observation window; later transactions are left out. Defaults to the last
    transaction date.
freq : str, default "D"
    Time unit of ``recency`` and ``T`` (``"D"``, ``"W"``, ``"h"``, ``"7D"``...).""",
    "holdout_params": """\
customer_col, date_col : str
    Columns holding the customer key and the (datetime) date of the transaction.
value : str, optional
    Column of amounts (>= 0); adds ``monetary_value`` and ``monetary_holdout``.
calibration_end : date-like
    End of the calibration period (required).
observation_end : date-like, optional
    End of the holdout period; defaults to the last transaction date.
freq : str, default "D"
    Time unit of ``recency``, ``T`` and ``duration_holdout``.""",
    "summary_example": """\
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]),
...     "amount": [10.0, 5.0, 30.0, 20.0]})
>>> clv_summary(tx, value="amount", observation_end="2024-01-29",
...             freq="W")  # doctest: +NORMALIZE_WHITESPACE
             frequency  recency    T  monetary_value
customer_id
1                    1      2.0  4.0            30.0
2                    0      0.0  3.0             0.0""",
    "grain": """\
grain : str or None, default "D"
    Transactions in the same period of this pandas alias are one purchase occasion
    (``"D"``: one per day, ``"W"``: one per week); None counts every row.""",
}


def unit_timedelta(freq: str) -> pd.Timedelta:
    """The length of the time unit ``freq`` (``"D"``, ``"W"``, ``"h"``, ``"7D"``...).

    Shared with :mod:`crmkit.warehouse`, so that both paths accept the same units.

    Parameters
    ----------
    freq : str
        A fixed time unit: a pandas unit (``"D"``, ``"W"``, ``"h"``) or a multiple such as
        ``"7D"``. Months and years have no fixed length and are refused.

    Returns
    -------
    pandas.Timedelta
        The length of one unit.

    Examples
    --------
    >>> unit_timedelta("W")
    Timedelta('7 days 00:00:00')
    """
    try:
        u = pd.to_timedelta(freq) if freq[:1].isdigit() else pd.to_timedelta(1, unit=freq)
    except (ValueError, TypeError) as e:
        raise ValueError(f"freq={freq!r} is not a fixed time unit; use 'D', 'W', 'h' or e.g. "
                         f"'7D', '30D' (months have no fixed length) ({e})") from None
    if u <= pd.Timedelta(0):
        raise ValueError(f"freq={freq!r} must be a positive duration")
    return u


def _occasions(df: pd.DataFrame, customer: str, date: str, value: str | None,
               grain: str | None) -> pd.DataFrame:
    """One row per (customer, purchase occasion), sorted, values summed within an occasion."""
    d = df[date]
    if grain is not None:
        d = d.dt.floor("D") if grain == "D" else d.dt.to_period(grain).dt.start_time
    occ = pd.DataFrame({"customer": df[customer].to_numpy(), "date": d.to_numpy()})
    if value is not None:
        occ["value"] = df[value].to_numpy(dtype=float)
    if grain is not None:
        occ = occ.groupby(["customer", "date"], sort=True).sum().reset_index() if value \
            else occ.drop_duplicates().sort_values(["customer", "date"], kind="stable")
    else:
        occ = occ.sort_values(["customer", "date"], kind="stable")
    return occ.reset_index(drop=True)


def validate_transactions(transactions, customer, date, value=None) -> None:
    """Check a transaction log: not empty, the columns present (datetime date, numeric
    value), no missing key/date/value, no negative value."""
    schema.check_not_empty(transactions, _TABLE)
    cols = {customer: None, date: "datetime"}
    if value is not None:
        cols[value] = "number"
    schema.check_columns(transactions, _TABLE, cols)
    for c in cols:
        schema.check_no_missing(transactions, _TABLE, c)
    if value is not None:
        schema.check_nonnegative(transactions, _TABLE, value)


def _observation_end(transactions: pd.DataFrame, date: str, observation_end) -> pd.Timestamp:
    """``observation_end`` as a timestamp; by default the last transaction date."""
    if observation_end is None:
        return transactions[date].max()
    return schema.as_timestamp(observation_end, "observation_end")


def _holdout_window(transactions: pd.DataFrame, date: str, calibration_end,
                    observation_end) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``calibration_end`` and ``observation_end`` (see :func:`_observation_end`) as
    timestamps, the second after the first."""
    cal = schema.as_timestamp(calibration_end, "calibration_end")
    end = _observation_end(transactions, date, observation_end)
    if end <= cal:
        raise ValueError(f"observation_end ({end.date()}) must be after calibration_end "
                         f"({cal.date()})")
    return cal, end


def _summarise(occ: pd.DataFrame, end: pd.Timestamp, unit: pd.Timedelta,
               has_value: bool) -> pd.DataFrame:
    g = occ.groupby("customer", sort=True)
    first = g["date"].min()
    last = g["date"].max()
    count = g.size()
    out = pd.DataFrame(index=first.index)
    out.index.name = "customer_id"
    out["frequency"] = (count - 1).astype("int64")
    out["recency"] = (last - first) / unit
    out["T"] = (end - first) / unit
    if has_value:
        total = g["value"].sum()
        first_value = g["value"].first()  # occasions are sorted by date within customer
        repeat = out["frequency"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            mv = np.where(repeat > 0, (total - first_value).to_numpy() / repeat, 0.0)
        out["monetary_value"] = mv
    return out


@renamed_keywords(customer="customer_col", date="date_col")
@fill(**SUMMARY_DOCS)
def clv_summary(
    transactions: pd.DataFrame,
    customer_col: str = "customer_id",
    date_col: str = "date",
    value: str | None = None,
    observation_end=None,
    freq: str = "D",
    *,
    grain: str | None = "D",
) -> pd.DataFrame:
    """Frequency, recency, T (and monetary value) per customer from a transaction log.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction.
    {summary_params}
    {grain}

    Returns
    -------
    DataFrame
        Indexed by customer: ``frequency`` (int), ``recency``, ``T`` and ``monetary_value``
        when ``value`` is given.

    Examples
    --------
    {summary_example}
    """
    validate_transactions(transactions, customer_col, date_col, value)
    unit = unit_timedelta(freq)
    end = _observation_end(transactions, date_col, observation_end)
    first_date = transactions[date_col].min()
    if end < first_date:
        raise schema.SchemaError(
            f"{_TABLE}.{date_col}: observation_end {end.date()} is before the first transaction "
            f"({first_date.date()}); nothing to summarise")
    tx = transactions.loc[transactions[date_col] <= end]
    occ = _occasions(tx, customer_col, date_col, value, grain)
    return _summarise(occ, end, unit, value is not None)


# the old name, kept one release (the warehouse twin was always clv_summary)
summary_from_transactions = renamed(clv_summary, "summary_from_transactions", where="crmkit.clv")


@renamed_keywords(customer="customer_col", date="date_col")
@fill(**SUMMARY_DOCS)
def calibration_holdout(
    transactions: pd.DataFrame,
    customer_col: str = "customer_id",
    date_col: str = "date",
    value: str | None = None,
    calibration_end=None,
    observation_end=None,
    freq: str = "D",
    *,
    grain: str | None = "D",
) -> pd.DataFrame:
    """Calibration summary up to ``calibration_end`` plus what each customer did afterwards.

    The customers are those who bought by ``calibration_end``. The calibration columns are as
    in :func:`clv_summary` (with ``observation_end=calibration_end``); the
    holdout columns count the purchase occasions in ``(calibration_end, observation_end]``:
    ``frequency_holdout``, ``monetary_holdout`` (mean value of those occasions, 0 if none,
    when ``value`` is given) and ``duration_holdout`` (length of the holdout in ``freq``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction.
    {holdout_params}
    {grain}

    Returns
    -------
    pandas.DataFrame
        Indexed by customer: the calibration columns of :func:`clv_summary` and the holdout
        columns above.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 3],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-22", "2024-01-08",
    ...                             "2024-01-20"]),
    ...     "amount": [10.0, 20.0, 40.0, 5.0, 9.0]})
    >>> ch = calibration_holdout(tx, value="amount", calibration_end="2024-01-15",
    ...                          observation_end="2024-01-29", freq="W")
    >>> ch[["frequency", "T", "frequency_holdout", "monetary_holdout"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                 frequency    T  frequency_holdout  monetary_holdout
    customer_id
    1                    1  2.0                  1              40.0
    2                    0  1.0                  0               0.0
    >>> float(ch["duration_holdout"].iloc[0])
    2.0
    """
    validate_transactions(transactions, customer_col, date_col, value)
    if calibration_end is None:
        raise ValueError("calibration_end is required")
    unit = unit_timedelta(freq)
    cal, end = _holdout_window(transactions, date_col, calibration_end, observation_end)
    first_date = transactions[date_col].min()
    if cal < first_date:
        raise schema.SchemaError(
            f"{_TABLE}.{date_col}: calibration_end {cal.date()} is before the first transaction "
            f"({first_date.date()}); the calibration period is empty")
    tx = transactions.loc[transactions[date_col] <= end]
    occ = _occasions(tx, customer_col, date_col, value, grain)
    in_cal = occ["date"] <= cal
    out = _summarise(occ.loc[in_cal], cal, unit, value is not None)
    hold = occ.loc[~in_cal & occ["customer"].isin(out.index)]
    hg = hold.groupby("customer")
    n = hg.size().reindex(out.index, fill_value=0)
    out["frequency_holdout"] = n.astype("int64")
    if value is not None:
        tot = hg["value"].sum().reindex(out.index, fill_value=0.0)
        out["monetary_holdout"] = np.where(n > 0, tot / n.where(n > 0, 1), 0.0)
    out["duration_holdout"] = (end - cal) / unit
    return out


def check_summary(data: pd.DataFrame, *, monetary: bool = False, table: str = "summary",
                  tol: float = 1e-9) -> dict[str, np.ndarray]:
    """Validate a customer summary and return its columns as float arrays.

    Checks presence and kind of ``frequency``, ``recency``, ``T`` (and ``monetary_value``),
    no missing values, whole non-negative frequencies, ``0 <= recency <= T``, ``T > 0`` and
    ``recency == 0`` when ``frequency == 0``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer.
    monetary : bool, default False
        Also require ``monetary_value``.
    table : str, default "summary"
        Table name used in error messages.
    tol : float, default 1e-9
        Tolerance of the ``recency <= T`` check (rounding of time units).

    Returns
    -------
    dict of str to numpy.ndarray
        The checked columns as float arrays.

    Examples
    --------
    >>> import pandas as pd
    >>> check_summary(pd.DataFrame({"frequency": [1], "recency": [5.0], "T": [4.0]}))
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: summary.recency: 1 row(s) greater than T; first offending rows (index): [0]
    """
    cols = {"frequency": "number", "recency": "number", "T": "number"}
    if monetary:
        cols["monetary_value"] = "number"
    schema.check_not_empty(data, table)
    schema.check_columns(data, table, cols)
    schema.check_key(data, table, "customer_id")
    out = {}
    for c in cols:
        schema.check_no_missing(data, table, c)
        v = data[c].to_numpy(dtype=float)
        schema.check_rows(data, table, c, ~np.isfinite(v), "not finite")
        out[c] = v
    schema.check_nonnegative(data, table, "frequency")
    schema.check_nonnegative(data, table, "recency")
    x, tx, T = out["frequency"], out["recency"], out["T"]
    schema.check_rows(data, table, "frequency", x != np.round(x),
                      "not a whole number of purchases")
    schema.check_rows(data, table, "T", T <= 0,
                      "not > 0 (T is the time since the first purchase)")
    schema.check_rows(data, table, "recency", tx > T + tol * np.maximum(1.0, T),
                      "greater than T")
    schema.check_rows(data, table, "recency", (x == 0) & (tx > 0),
                      "> 0 with frequency 0 (no repeat purchase, so no recency)")
    out["recency"] = np.minimum(tx, T)
    if monetary:
        schema.check_nonnegative(data, table, "monetary_value")
    return out


def holdout_comparison(
    data: pd.DataFrame,
    predicted,
    *,
    max_frequency: int = 7,
    actual: str = "frequency_holdout",
    table: str = "summary",
) -> pd.DataFrame:
    """Actual and predicted holdout purchases by calibration frequency: the models' usual test.

    Customers are grouped by their number of repeat purchases in the calibration period
    (``frequency``, the last group holding ``max_frequency`` or more); per group, the mean
    number of purchases they actually made in the holdout period (``actual`` column, e.g.
    from :func:`calibration_holdout`) is set against the mean the model predicted for the
    same period (``predicted``, one value per row of ``data``, e.g.
    ``model.predict(data, t=duration)``).

    Parameters
    ----------
    data : pandas.DataFrame
        Calibration/holdout summary with ``frequency`` and the ``actual`` column.
    predicted : array-like
        Predicted holdout purchases, one per row of ``data``.
    max_frequency : int, default 7
        Last frequency group ("or more").
    actual : str, default "frequency_holdout"
        Column of actual holdout purchases.
    table : str, default "summary"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        ``frequency`` (0 .. ``max_frequency``, the last meaning "or more"), ``customers``,
        ``actual`` and ``predicted`` (means per customer), in frequency order.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"frequency": [0, 0, 1, 3, 5], "frequency_holdout": [0, 1, 1, 2, 6]})
    >>> holdout_comparison(d, [0.2, 0.2, 0.9, 2.5, 4.0], max_frequency=3)
       frequency  customers  actual  predicted
    0          0          2     0.5       0.20
    1          1          1     1.0       0.90
    2          3          2     4.0       3.25
    """
    if not (isinstance(max_frequency, int | np.integer) and max_frequency >= 1):
        raise ValueError(f"max_frequency must be a whole number >= 1, got {max_frequency!r}")
    schema.require_columns(data, table, {"frequency": "number", actual: "number"},
                           nonnegative=("frequency", actual))
    schema.check_key(data, table, "customer_id")
    pred = np.asarray(predicted, dtype=float).reshape(-1)
    if pred.shape != (len(data),) or not np.all(np.isfinite(pred)):
        raise ValueError(f"predicted must hold one finite number per row of {table} "
                         f"({len(data)}), got shape {pred.shape}")
    g = pd.DataFrame({"frequency": np.minimum(data["frequency"].to_numpy(), max_frequency)
                      .astype(np.int64), "actual": data[actual].to_numpy(dtype=float),
                      "predicted": pred}).groupby("frequency", sort=True)
    out = g.agg(customers=("actual", "size"), actual=("actual", "mean"),
                predicted=("predicted", "mean"))
    return out.reset_index()
