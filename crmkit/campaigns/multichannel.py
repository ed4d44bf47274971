"""Multichannel customers: what they bring, whether they stay, how human their contacts are.

The lecture slides and the data-warehouse blog series (the course texts) say that customers
who use several channels bring more revenue than single-channel customers but are more
open to competitors' offers, and that they leave more easily the fewer of their contacts
are with a person. :func:`multichannel_customers` measures the three quantities on a
customer base, one row per customer active on a day: the margin of the following months,
whether the customer left in them, and the share of the preceding months' contacts that
were human (an adviser in a branch or on the phone).

Examples
--------
>>> HUMAN_CHANNELS
('branch', 'phone')
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.market import active_on, in_window

__all__ = ["HUMAN_CHANNELS", "multichannel_customers"]

# the "humanised" contacts of the course texts: an adviser, in the branch or on the phone
HUMAN_CHANNELS = ("branch", "phone")


def multichannel_customers(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    interactions: pd.DataFrame,
    as_of: pd.Timestamp | str,
    *,
    months: int = 12,
    min_channels: int = 3,
) -> pd.DataFrame:
    """Margin, departure and human contacts of the customers active on ``as_of``.

    Parameters
    ----------
    customers : DataFrame
        One row per customer: ``customer_id``, ``acquisition_date``, ``churn_date`` (NaT
        while active) and ``n_channels`` (the number of channels the customer uses).
    transactions : DataFrame
        ``customer_id``, ``date`` and ``margin`` (the market's ``transactions``).
    interactions : DataFrame
        ``customer_id``, ``date`` and ``channel`` (the market's ``interactions``).
    as_of : date
        The day the customers are observed (active on it).
    months : int, default 12
        The length of the two windows: the margin and the departures are counted over
        ``[as_of, as_of + months)``, the contacts over ``[as_of - months, as_of)``.
    min_channels : int, default 3
        From how many channels a customer counts as multichannel (the market's convention,
        as in chapter 2's survival model).

    Returns
    -------
    DataFrame
        One row per active customer: ``customer_id``, ``n_channels``, ``multichannel``
        (bool), ``margin`` (euros over the next ``months``; 0 without a transaction),
        ``left`` (bool: left within the next ``months``), ``contacts`` (over the previous
        ``months``) and ``human_share`` (share of those contacts on
        :data:`HUMAN_CHANNELS`; NaN without a contact).

    Raises
    ------
    SchemaError
        When a table lacks a column or holds a missing, out-of-range or duplicated value,
        or no customer is active on ``as_of``.
    ValueError
        When ``months`` or ``min_channels`` is not a positive whole number.

    Examples
    --------
    Customer 1 uses four channels and met an adviser once in two contacts; customer 2 uses
    one channel and left in March; customer 3 was not yet a customer on 1 January:

    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3], "n_channels": [4, 1, 2],
    ...     "acquisition_date": pd.to_datetime(["2019-01-01", "2018-06-01", "2024-05-01"]),
    ...     "churn_date": pd.to_datetime([None, "2024-03-15", None])})
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "margin": [30.0, 20.0, 5.0],
    ...     "date": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-02-01"])})
    >>> it = pd.DataFrame({"customer_id": [1, 1], "channel": ["branch", "web"],
    ...     "date": pd.to_datetime(["2023-06-01", "2023-09-01"])})
    >>> multichannel_customers(cu, tx, it, "2024-01-01")  # doctest: +NORMALIZE_WHITESPACE
       customer_id  n_channels  multichannel  margin   left  contacts  human_share
    0            1           4          True    50.0  False         2          0.5
    1            2           1         False     5.0   True         0          NaN
    """
    for name, value in (("months", months), ("min_channels", min_channels)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    day = schema.as_timestamp(as_of, "as_of")
    schema.validate(customers, "customers",
                    columns=["customer_id", "acquisition_date", "churn_date", "n_channels"])
    schema.check_unique(customers, "customers", "customer_id")
    schema.validate(transactions, "transactions", columns=["customer_id", "date", "margin"])
    schema.validate(interactions, "interactions", columns=["customer_id", "date", "channel"])
    after = day + pd.DateOffset(months=months)
    before = day - pd.DateOffset(months=months)

    active = customers.loc[active_on(customers, day), ["customer_id", "n_channels",
                                                        "churn_date"]]
    if active.empty:
        schema.fail("customers", "acquisition_date", f"no customer active on {day.date()}")
    ids = active["customer_id"]
    tx = transactions.loc[in_window(transactions["date"], day, after)]
    margin = tx.groupby("customer_id")["margin"].sum()
    it = interactions.loc[in_window(interactions["date"], before, day)]
    human = it["channel"].astype(str).isin(HUMAN_CHANNELS)
    contacts = it.groupby("customer_id").size()
    humans = human.groupby(it["customer_id"].to_numpy()).sum()
    n_contacts = ids.map(contacts).fillna(0).astype(np.int64).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n_contacts > 0, ids.map(humans).fillna(0).to_numpy(dtype=float)
                         / np.maximum(n_contacts, 1), np.nan)
    return pd.DataFrame({
        "customer_id": ids.to_numpy(),
        "n_channels": active["n_channels"].to_numpy(),
        "multichannel": (active["n_channels"] >= min_channels).to_numpy(),
        "margin": ids.map(margin).fillna(0.0).to_numpy(dtype=float),
        "left": in_window(active["churn_date"], day, after).to_numpy(dtype=bool),
        "contacts": n_contacts,
        "human_share": share,
    })
