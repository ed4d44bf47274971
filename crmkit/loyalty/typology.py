"""The Dick & Basu (1994) loyalty typology: relative attitude x repeat patronage.

==================  =====================  ================
relative attitude   repeat patronage high  low
==================  =====================  ================
high                true loyalty           latent loyalty
low                 spurious loyalty       no loyalty
==================  =====================  ================

True loyalty is repeat buying grounded in a preference for the brand; latent loyalty is a
favourable attitude that does not turn into purchases; spurious loyalty is repeat buying
out of inertia, habit, exit barriers or contracts (low involvement, brands seen as alike),
and does not survive a better offer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import french_label_aliases
from crmkit.segmentation._frame import (
    ordered_categorical,
    period_index,
    periods_per_year,
    require,
    select_kinds,
    snapshot,
    threshold,
)

__all__ = [
    "LOYALTY_TYPES",
    "repeat_patronage",
    "attitude_by_customer",
    "dick_basu",
    "loyalty_typology",
]

LOYALTY_TYPES = ("true_loyalty", "latent_loyalty", "spurious_loyalty", "no_loyalty")

# the French labels live in crmkit/data/labels.yaml; the old dict is read from there one release
__getattr__ = french_label_aliases(__name__, {"LOYALTY_LABELS_FR": ("loyalty_type", LOYALTY_TYPES)})



def repeat_patronage(
    events: pd.DataFrame,
    *,
    as_of=None,
    kinds=("deposit",),
    freq: str = "M",
    customer_col: str = "customer_id",
    date_col: str = "date",
    kind_col: str = "kind",
    table: str = "transactions",
) -> pd.DataFrame:
    """Behavioural loyalty: how regularly each customer comes back.

    Parameters
    ----------
    events : DataFrame
        Purchases: the market's transactions (with ``kinds``, default the voluntary
        ``deposit`` rows) or its contracts (``date_col="start_date"``, ``kinds=None``).
    as_of : date-like, optional
        Snapshot date (default: the last date of the table); later rows are ignored.
    freq : {"M", "Q", "Y"}, default "M"
        Calendar period used to count active periods.
    customer_col, date_col, kind_col : str
        Column names.
    kinds : sequence of str or None, default ("deposit",)
        Values of ``kind_col`` that count as purchases; None keeps every row.
    table : str, default "transactions"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        One row per customer with a purchase: ``purchases``, ``active_periods`` (periods
        with at least one purchase), ``observed_periods`` (from the first purchase's period
        to ``as_of``'s, inclusive), ``repeat_rate`` (active / observed: 1 = a purchase every
        period), ``purchases_per_year`` and ``mean_gap_days`` (between consecutive
        purchases; NaN with a single purchase).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-10", "2024-01-20", "2024-03-05", "2024-02-01"]),
    ...     "amount": [10.0, 10, 10, 10]})
    >>> repeat_patronage(tx, kinds=None, as_of="2024-04-30")[
    ...     ["customer_id", "purchases", "active_periods", "observed_periods", "repeat_rate"]]
       customer_id  purchases  active_periods  observed_periods  repeat_rate
    0            1          3               2                 4     0.500000
    1            2          1               1                 3     0.333333
    """
    cols = {customer_col: None, date_col: "datetime"}
    if kinds is not None:
        cols[kind_col] = "string"
    require(events, table, cols)
    ev, as_of = snapshot(events, table, date_col, as_of)
    ev = select_kinds(ev, table, kind_col, kinds)
    period = period_index(ev[date_col], freq)
    frame = pd.DataFrame({"c": ev[customer_col].to_numpy(), "d": ev[date_col].to_numpy(),
                          "p": period})
    g = frame.groupby("c", sort=True)
    out = g.agg(purchases=("d", "size"), first=("d", "min"), last=("d", "max"),
                first_period=("p", "min"))
    out["active_periods"] = frame.drop_duplicates(["c", "p"]).groupby("c", sort=True).size()
    now = period_index(pd.Series([as_of]), freq)[0]
    out["observed_periods"] = now - out["first_period"] + 1
    out["repeat_rate"] = out["active_periods"] / out["observed_periods"]
    years = out["observed_periods"] / periods_per_year(freq)
    out["purchases_per_year"] = out["purchases"] / years
    span = (out["last"] - out["first"]) / pd.Timedelta(days=1)
    out["mean_gap_days"] = (span / (out["purchases"] - 1)).where(out["purchases"] > 1)
    out = out.rename_axis(customer_col).reset_index()
    return out[[customer_col, "purchases", "active_periods", "observed_periods", "repeat_rate",
                "purchases_per_year", "mean_gap_days"]]


def attitude_by_customer(
    surveys: pd.DataFrame,
    *,
    as_of=None,
    how: str = "last",
    attitude_col: str = "relative_attitude",
    customer_col: str = "customer_id",
    date_col: str = "date",
    table: str = "surveys",
) -> pd.DataFrame:
    """Each customer's relative attitude: the last answer before ``as_of``, or the mean.

    Parameters
    ----------
    surveys : pandas.DataFrame
        Survey answers with the customer, date and attitude.
    as_of : date-like, optional
        Answers after this date are ignored.
    how : {"last", "mean"}, default "last"
        The last answer or the mean of the answers.
    attitude_col, customer_col, date_col : str
        Column names.
    table : str, default "surveys"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_col``, ``attitude_col`` and ``answers``.

    Examples
    --------
    >>> import pandas as pd
    >>> sv = pd.DataFrame({"customer_id": [1, 1, 2],
    ...     "date": pd.to_datetime(["2023-01-01", "2024-01-01", "2023-06-01"]),
    ...     "relative_attitude": [3.0, 6.0, 5.0]})
    >>> attitude_by_customer(sv)
       customer_id  relative_attitude  answers
    0            1                6.0        2
    1            2                5.0        1
    """
    if how not in ("last", "mean"):
        raise ValueError(f"how must be 'last' or 'mean', got {how!r}")
    require(surveys, table, {customer_col: None, date_col: "datetime", attitude_col: "number"})
    sv, _ = snapshot(surveys, table, date_col, as_of)
    sv = sv.sort_values([customer_col, date_col], kind="stable")
    g = sv.groupby(customer_col, sort=True)[attitude_col]
    out = pd.DataFrame({attitude_col: g.last() if how == "last" else g.mean(),
                        "answers": g.size()})
    return out.rename_axis(customer_col).reset_index()


def dick_basu(
    df: pd.DataFrame,
    *,
    attitude_col: str = "relative_attitude",
    patronage_col: str = "repeat_rate",
    attitude_threshold: float | str = 5.0,
    patronage_threshold: float | str = "median",
    table: str = "customers",
) -> pd.DataFrame:
    """Classify customers into Dick & Basu's four loyalty types.

    Parameters
    ----------
    df : DataFrame
        One row per customer with an attitude and a repeat-patronage measure.
    attitude_col : str, default "relative_attitude"
        Relative attitude (1-7 in the market's surveys).
    patronage_col : str, default "repeat_rate"
        Repeat patronage (e.g. from :func:`repeat_patronage`).
    attitude_threshold, patronage_threshold : float or "median"
        A value at or above the threshold is "high". The default attitude threshold 5 is
        the first point above the neutral 4 of a 7-point scale.
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        ``df`` with ``high_attitude``, ``high_patronage`` and ``loyalty_type`` (ordered
        categorical of :data:`LOYALTY_TYPES`; labels: kind ``loyalty_type`` of
        :mod:`crmkit.labels`).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3, 4],
    ...                    "relative_attitude": [6.5, 6.0, 2.0, 3.0],
    ...                    "repeat_rate": [0.9, 0.1, 0.8, 0.2]})
    >>> dick_basu(df, patronage_threshold=0.5)["loyalty_type"].tolist()
    ['true_loyalty', 'latent_loyalty', 'spurious_loyalty', 'no_loyalty']
    """
    require(df, table, {attitude_col: "number", patronage_col: "number"})
    schema.check_key(df, table, "customer_id")
    a = df[attitude_col] >= threshold(df[attitude_col], attitude_threshold, "attitude_threshold")
    p = df[patronage_col] >= threshold(df[patronage_col], patronage_threshold,
                                       "patronage_threshold")
    a, p = a.to_numpy(), p.to_numpy()
    kind = np.select([a & p, a & ~p, ~a & p], list(LOYALTY_TYPES[:3]), default="no_loyalty")
    out = df.copy()
    out["high_attitude"] = a
    out["high_patronage"] = p
    out["loyalty_type"] = ordered_categorical(kind, LOYALTY_TYPES)
    return out


def loyalty_typology(
    surveys: pd.DataFrame,
    events: pd.DataFrame,
    *,
    as_of=None,
    kinds=("deposit",),
    date_col: str = "date",
    attitude_threshold: float | str = 5.0,
    patronage_threshold: float | str = "median",
    customer_col: str = "customer_id",
    events_table: str = "transactions",
) -> pd.DataFrame:
    """Dick & Basu on the market: last surveyed attitude x repeat rate of purchases.

    Customers need both a survey answer and a purchase up to ``as_of`` (inner join).

    Parameters
    ----------
    surveys : pandas.DataFrame
        Survey answers with ``relative_attitude``.
    events : pandas.DataFrame
        Purchases, as :func:`repeat_patronage` reads them.
    as_of : date-like, optional
        Snapshot date; later rows are ignored.
    kinds : sequence of str or None, default ("deposit",)
        Values of ``kind`` that count as purchases; None keeps every row.
    date_col : str, default "date"
        Date column of ``events``.
    attitude_threshold, patronage_threshold : float or "median"
        As in :func:`dick_basu`.
    customer_col : str, default "customer_id"
        Customer key of both tables.
    events_table : str, default "transactions"
        Name of ``events`` in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per customer with both measures: the columns of :func:`repeat_patronage`,
        ``relative_attitude`` and the columns :func:`dick_basu` adds.

    Examples
    --------
    >>> import pandas as pd
    >>> sv = pd.DataFrame({"customer_id": [1, 2], "relative_attitude": [6.0, 2.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-01"])})
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "kind": ["deposit"] * 3,
    ...     "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-02-06"])})
    >>> loyalty_typology(sv, tx, as_of="2024-03-31", patronage_threshold=0.6)[
    ...     ["customer_id", "repeat_rate", "loyalty_type"]].round(2)
       customer_id  repeat_rate  loyalty_type
    0            1         0.67  true_loyalty
    1            2         0.50    no_loyalty
    """
    att = attitude_by_customer(surveys, as_of=as_of, customer_col=customer_col)
    pat = repeat_patronage(events, as_of=as_of, kinds=kinds, customer_col=customer_col,
                           date_col=date_col, table=events_table)
    both = att.merge(pat, on=customer_col, how="inner")
    if both.empty:
        raise schema.SchemaError(
            f"surveys/{events_table}: no customer has both a survey answer and a purchase"
        )
    return dick_basu(both, attitude_threshold=attitude_threshold,
                     patronage_threshold=patronage_threshold)
