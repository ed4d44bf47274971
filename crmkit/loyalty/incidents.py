"""Critical incidents and the customer's response.

Bitner (1990) defines a critical incident as one that substantially affects the stability
of the relationship; the responses range from negotiation and complaint to negative word
of mouth and abrupt exit. Oliver (1997): true loyalty holds *despite* such incidents, so
how customers react, and whether they leave afterwards, is a measure of loyalty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.market import in_window, seen_by
from crmkit.segmentation._frame import as_timestamp, require

__all__ = ["incident_response_mix", "incident_churn"]

_YEAR_DAYS = 365.25


def incident_response_mix(
    incidents: pd.DataFrame,
    *,
    by: str | None = "type",
    response_col: str = "response",
    normalize: bool = True,
    table: str = "incidents",
) -> pd.DataFrame:
    """How customers respond to critical incidents, overall or per incident type.

    Returns one row per value of ``by`` (or a single row ``"all"``) with the number of
    ``incidents`` and, per response, its share (rows sum to 1) or count.

    Parameters
    ----------
    incidents : pandas.DataFrame
        One row per critical incident.
    by : str or None, default "type"
        Column to group by; None gives one row, ``"all"``.
    response_col : str, default "response"
        Column of the customer's response.
    normalize : bool, default True
        Shares per row (rows sum to 1) instead of counts.
    table : str, default "incidents"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per value of ``by`` with the number of ``incidents`` and, per response, its
        share or count.

    Examples
    --------
    >>> import pandas as pd
    >>> inc = pd.DataFrame({"type": ["price_rise", "price_rise", "claim_refused"],
    ...                     "response": ["none", "exit", "complaint"]})
    >>> incident_response_mix(inc)  # doctest: +NORMALIZE_WHITESPACE
                   incidents  complaint  exit  none
    type
    claim_refused          1        1.0   0.0   0.0
    price_rise             2        0.0   0.5   0.5
    """
    cols = {response_col: "string"} | ({by: None} if by is not None else {})
    require(incidents, table, cols)
    schema.check_key(incidents, "incidents")
    key = incidents[by] if by is not None else pd.Series("all", index=incidents.index,
                                                             name="incidents_of")
    counts = pd.crosstab(key, incidents[response_col])
    counts.columns.name = None
    out = counts.div(counts.sum(axis=1), axis=0) if normalize else counts
    out.insert(0, "incidents", counts.sum(axis=1))
    return out


def _incident_windows(inc: pd.DataFrame, cust: str, date: str, group: str, window):
    """Merge overlapping [date, date + window) spells of each customer into blocks, each
    labelled with the group of the incident that opened it."""
    inc = inc.sort_values([cust, date], kind="stable")
    start = inc[date]
    end = start + window
    running = end.groupby(inc[cust]).cummax()
    prev = running.groupby(inc[cust]).shift(1)
    opens = prev.isna() | (start > prev)
    block = opens.cumsum().to_numpy()
    frame = pd.DataFrame({"c": inc[cust].to_numpy(), "start": start.to_numpy(),
                          "end": end.to_numpy(), "group": inc[group].to_numpy(),
                          "block": block})
    return frame.groupby("block", sort=True).agg(
        c=("c", "first"), start=("start", "first"), end=("end", "max"),
        group=("group", "first"), incidents=("c", "size"),
    )


def incident_churn(
    customers: pd.DataFrame,
    incidents: pd.DataFrame,
    *,
    as_of=None,
    window_days: float = 365,
    by: str | None = "response",
    customer_col: str = "customer_id",
    acquisition_col: str = "acquisition_date",
    churn_col: str = "churn_date",
    date_col: str = "date",
) -> pd.DataFrame:
    """Churn after a critical incident versus churn with no recent incident.

    Each customer's observed time (acquisition to churn or ``as_of``) is split into time
    within ``window_days`` after an incident (overlapping windows merged, labelled by the
    first incident's ``by`` value) and time without one. Comparing *rates per year of
    exposure* avoids a classic bias: customers who stay longer have more time to meet an
    incident, so comparing "ever had an incident" with "never" flatters the incident group.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with acquisition and churn dates.
    incidents : pandas.DataFrame
        One row per critical incident with the customer, its date and ``by``.
    as_of : date-like, optional
        End of observation (default: the last date in the tables).
    window_days : float, default 365
        Length of the window after an incident.
    by : str or None, default "response"
        Column of ``incidents`` that labels a window (None: one ``incident`` group).
    customer_col, acquisition_col, churn_col : str
        Customer key, acquisition and churn date columns of ``customers``.
    date_col : str, default "date"
        Date column of ``incidents``.

    Returns
    -------
    DataFrame
        One row per group: ``no_incident`` first, then each value of ``by`` (or
        ``incident``): ``windows`` (incident windows), ``customers``, ``exposure_years``,
        ``churned``, ``churn_rate`` (per year of exposure; NaN without exposure, e.g. for
        immediate exits), ``churn_within_window`` (share
        of windows ending in churn; for ``no_incident``, the probability of churning
        within a window of the same length at that group's rate) and ``rate_ratio`` (rate
        over the no-incident rate).

    Examples
    --------
    Two customers observed 2 years each; customer 1 has an incident after a year and
    leaves 6 months later:

    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2],
    ...     "acquisition_date": pd.to_datetime(["2020-01-01", "2020-01-01"]),
    ...     "churn_date": pd.to_datetime(["2021-07-03", None])})
    >>> inc = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2021-01-01"]),
    ...                     "response": ["complaint"]})
    >>> out = incident_churn(cu, inc, as_of="2022-01-01")
    >>> out[["group", "customers", "exposure_years", "churned", "churn_rate"]].round(2)
             group  customers  exposure_years  churned  churn_rate
    0  no_incident          2             3.0        0         0.0
    1    complaint          1             0.5        1         2.0
    """
    if not window_days > 0:
        raise ValueError(f"window_days must be > 0, got {window_days!r}")
    require(customers, "customers",
            {customer_col: None, acquisition_col: "datetime", churn_col: "datetime"},
            nullable=(churn_col,))
    schema.check_unique(customers, "customers", customer_col)
    schema.check_dates_ordered(customers, "customers", acquisition_col, churn_col)
    icols = {customer_col: None, date_col: "datetime"} | ({by: None} if by else {})
    require(incidents, "incidents", icols)
    if as_of is None:
        as_of = max(customers[acquisition_col].max(), customers[churn_col].max(),
                    incidents[date_col].max())
    as_of = as_timestamp(as_of)
    cu = customers.loc[seen_by(customers[acquisition_col], as_of)].set_index(customer_col)
    churn = cu[churn_col].where(seen_by(cu[churn_col], as_of))
    stop = churn.fillna(as_of)
    inc = incidents.loc[seen_by(incidents[date_col], as_of)]
    acq_of = inc[customer_col].map(cu[acquisition_col])
    stop_of = inc[customer_col].map(stop)
    schema.check_rows(inc, "incidents", customer_col, acq_of.isna(),
                      f"not a customer acquired by as_of={as_of.date()}")
    schema.check_rows(inc, "incidents", date_col, inc[date_col] < acq_of,
                      "before the customer's acquisition date")
    schema.check_rows(inc, "incidents", date_col, inc[date_col] > stop_of,
                      "after the customer's churn date")
    group = by if by else "_all"
    if not by:
        inc = inc.assign(_all="incident")
    blocks = _incident_windows(inc, customer_col, date_col, group,
                               pd.Timedelta(days=window_days))
    c_stop = blocks["c"].map(stop)
    c_churn = blocks["c"].map(churn)
    exposed = (np.minimum(blocks["end"], c_stop) - blocks["start"]) / pd.Timedelta(days=1)
    blocks["exposure"] = exposed / _YEAR_DAYS
    blocks["churned"] = in_window(c_churn, blocks["start"], blocks["end"])
    total_years = (stop - cu[acquisition_col]) / pd.Timedelta(days=_YEAR_DAYS)
    exposed_years = blocks.groupby("c")["exposure"].sum().reindex(cu.index, fill_value=0.0)
    churned_in_window = blocks.groupby("c")["churned"].any().reindex(cu.index, fill_value=False)
    base = pd.DataFrame({
        "group": ["no_incident"],
        "windows": [0],
        "customers": [int(((total_years - exposed_years) > 0).sum())],
        "exposure_years": [float((total_years - exposed_years).sum())],
        "churned": [int((churn.notna() & ~churned_in_window).sum())],
    })
    per = blocks.groupby("group", sort=True).agg(
        windows=("c", "size"), customers=("c", "nunique"), exposure_years=("exposure", "sum"),
        churned=("churned", "sum"),
    ).rename_axis("group").reset_index()
    out = pd.concat([base, per], ignore_index=True)
    # an immediate exit has no exposure: its rate is undefined, read churn_within_window
    rate = out["churned"] / out["exposure_years"]
    out["churn_rate"] = rate.where(out["exposure_years"] > 0)
    out["churn_within_window"] = (out["churned"] / out["windows"]).where(out["windows"] > 0)
    rate0 = out.loc[0, "churn_rate"]
    out.loc[0, "churn_within_window"] = 1 - np.exp(-rate0 * window_days / _YEAR_DAYS)
    out["rate_ratio"] = out["churn_rate"] / rate0 if rate0 > 0 else np.nan
    return out
