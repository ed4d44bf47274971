"""Scores: whom to contact. Who each target was on the day its campaign started.

Course chapter 5, "Scores: whom to contact". A response (or uplift) score learns from past
campaigns; its inputs must be what the company knew on the campaign's day (age, tenure,
products held then), never what happened after.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.campaigns.event_marketing import trigger_family
from crmkit.campaigns.measurement import _validate_targets
from crmkit.market import running_on

__all__ = ["target_profiles"]


_PROFILE_CUSTOMERS = {"customer_id": "int", "birth_date": "datetime",
                      "acquisition_date": "datetime", "income": "number",
                      "credit_score": "number"}


def target_profiles(
    targets: pd.DataFrame,
    campaigns: pd.DataFrame,
    customers: pd.DataFrame,
    contracts: pd.DataFrame,
) -> pd.DataFrame:
    """Who each target was on the day the campaign started: the inputs of a response score.

    Parameters
    ----------
    targets : DataFrame
        The ``campaign_targets`` table.
    campaigns : DataFrame
        The ``campaigns`` table (``start_date``, ``trigger``, ``channel``, ``product_id``).
    customers : DataFrame
        ``customer_id``, ``birth_date``, ``acquisition_date``, ``income``, ``credit_score``.
    contracts : DataFrame
        ``customer_id``, ``product_id``, ``start_date``, ``end_date``.

    Returns
    -------
    DataFrame
        ``targets`` (same index and order) plus the campaign's ``start_date``,
        ``trigger_family``, ``channel`` and ``product_id``, and the customer's ``age`` and
        ``tenure`` (years) on that day, ``income``, ``credit_score`` and ``products_held``
        (distinct products of the contracts running on that day).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"campaign_id": [1, 1], "customer_id": [7, 8],
    ...     "group": ["test", "control"], "responded": [True, False],
    ...     "converted": [True, False]})
    >>> c = pd.DataFrame({"campaign_id": [1], "start_date": pd.to_datetime(["2020-01-01"]),
    ...     "trigger": ["none"], "channel": ["email"], "product_id": ["B_SAVINGS"]})
    >>> cu = pd.DataFrame({"customer_id": [7, 8],
    ...     "birth_date": pd.to_datetime(["1980-01-01", "1990-01-01"]),
    ...     "acquisition_date": pd.to_datetime(["2010-01-01", "2019-01-01"]),
    ...     "income": [40e3, 30e3], "credit_score": [700, 650]})
    >>> co = pd.DataFrame({"customer_id": [7, 7, 8], "product_id": ["B_CURRENT", "I_AUTO", "B_CURRENT"],
    ...     "start_date": pd.to_datetime(["2010-01-01", "2015-01-01", "2019-01-01"]),
    ...     "end_date": pd.to_datetime([None, "2018-01-01", None])})
    >>> p = target_profiles(t, c, cu, co)
    >>> p["age"].round(1).tolist(), p["products_held"].tolist()
    ([40.0, 30.0], [1, 1])
    """
    _validate_targets(targets)
    schema.validate(campaigns, "campaigns", columns=["campaign_id", "start_date", "trigger",
                                                     "channel", "product_id"])
    schema.require_columns(customers, "customers", _PROFILE_CUSTOMERS, unique="customer_id")
    schema.require_columns(contracts, "contracts", {"customer_id": "int", "product_id": "string",
                                                    "start_date": "datetime",
                                                    "end_date": "datetime"},
                           nullable=("end_date",))
    schema.check_key(contracts, "contracts")
    camp = campaigns.set_index("campaign_id")
    cpos = camp.index.get_indexer(targets["campaign_id"].to_numpy())
    if (cpos < 0).any():
        schema._fail("campaign_targets", "campaign_id", "not in the campaigns table",
                     cpos < 0, targets)
    cust = customers.set_index("customer_id")
    upos = cust.index.get_indexer(targets["customer_id"].to_numpy())
    if (upos < 0).any():
        schema._fail("campaign_targets", "customer_id", "not in the customers table",
                     upos < 0, targets)
    day = pd.DatetimeIndex(camp["start_date"]).as_unit("ns")[cpos]
    year = pd.Timedelta(days=365.25)
    out = targets.copy()
    out["start_date"] = day
    out["trigger_family"] = trigger_family(campaigns).to_numpy()[cpos]
    for col in ("channel", "product_id"):
        out[col] = camp[col].astype(str).to_numpy()[cpos]
    out["age"] = (day - pd.DatetimeIndex(cust["birth_date"]).as_unit("ns")[upos]) / year
    out["tenure"] = (day - pd.DatetimeIndex(cust["acquisition_date"]).as_unit("ns")[upos]) / year
    out["income"] = cust["income"].to_numpy(dtype=float)[upos]
    out["credit_score"] = cust["credit_score"].to_numpy(dtype=float)[upos]
    # contracts running on the campaign's day, one merge over all targets at once
    rows = pd.DataFrame({"row": np.arange(len(targets)),
                         "customer_id": targets["customer_id"].to_numpy(), "day": day})
    held = rows.merge(contracts[["customer_id", "product_id", "start_date", "end_date"]],
                      on="customer_id")
    running = running_on(held, held["day"])
    n_held = held.loc[running].groupby("row")["product_id"].nunique()
    products_held = np.zeros(len(targets), dtype=np.int64)
    products_held[n_held.index.to_numpy()] = n_held.to_numpy()
    out["products_held"] = products_held
    return out
