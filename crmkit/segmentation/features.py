"""Customer features for statistical segmentation: one row per active customer at a date.

The lecture slides' statistical segmentation groups customers on "many" descriptive, interaction
and purchase variables. :func:`customer_features` gathers the usual ones from the market's
tables at a given date, so that the same segmentation can be computed at two dates (to
pilot it) without rewriting the aggregation: who the customer is (age, tenure, income),
what they hold (bank and insurance products running on that day), what they brought and
cost over the window before it (revenue, claims paid, deposits) and how they interact
(contacts and the share of them on digital channels).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.market import active_on, in_window, running_on
from crmkit.segmentation._frame import as_timestamp, require

__all__ = ["customer_features", "REVENUE_KINDS", "DIGITAL_CHANNELS"]

# money flows that make the company's revenue (claims are a cost, deposits are savings)
REVENUE_KINDS = ("premium", "fee", "interest_margin")
DIGITAL_CHANNELS = ("web", "mobile", "email")
_YEAR = pd.Timedelta(days=365.25)


def customer_features(
    customers: pd.DataFrame,
    contracts: pd.DataFrame,
    products: pd.DataFrame,
    transactions: pd.DataFrame,
    interactions: pd.DataFrame,
    *,
    as_of,
    years: int = 1,
    revenue_kinds: Sequence[str] = REVENUE_KINDS,
    digital_channels: Sequence[str] = DIGITAL_CHANNELS,
) -> pd.DataFrame:
    """Descriptive, holding, money and contact features of the customers active on ``as_of``.

    The customers are those active on ``as_of`` and the products those of the contracts
    running on ``as_of``, by the market layer's rules (:func:`crmkit.market.active_on`,
    :func:`crmkit.market.running_on`: ``acquisition_date <= as_of < churn_date``). Flows and
    contacts are counted over the window ``[as_of - years, as_of)``
    (:func:`crmkit.market.in_window`).

    Parameters
    ----------
    customers, contracts, products, transactions, interactions : DataFrame
        The market's tables (columns of :data:`crmkit.schema.TABLES`).
    as_of : date-like
        The day of the snapshot (exclusive end of the window).
    years : int, default 1
        Length of the window, in years.
    revenue_kinds : sequence of str
        Transaction kinds summed into ``revenue``.
    digital_channels : sequence of str
        Channels counted in ``digital_share``.

    Returns
    -------
    DataFrame
        One row per active customer, sorted by id: ``customer_id``, ``age``, ``tenure``
        (years), ``income``, ``bank_products``, ``insurance_products`` (distinct products
        running), ``revenue``, ``claims``, ``deposits`` (euros over the window),
        ``contacts`` and ``digital_share`` (0 without contacts).

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3],
    ...     "birth_date": pd.to_datetime(["1990-01-01", "1960-01-01", "1980-01-01"]),
    ...     "acquisition_date": pd.to_datetime(["2015-01-01", "2010-01-01", "2019-01-01"]),
    ...     "churn_date": pd.to_datetime([None, None, "2019-06-01"]),
    ...     "income": [30e3, 60e3, 40e3]})
    >>> pr = pd.DataFrame({"product_id": ["B_CURRENT", "I_AUTO"], "sector": ["bank", "insurance"]})
    >>> co = pd.DataFrame({"contract_id": [10, 11, 12], "customer_id": [1, 2, 2],
    ...     "product_id": ["B_CURRENT", "B_CURRENT", "I_AUTO"],
    ...     "start_date": pd.to_datetime(["2015-01-01", "2010-01-01", "2012-01-01"]),
    ...     "end_date": pd.to_datetime([None, None, None])})
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 2, 2], "contract_id": [10, 11, 12, 12],
    ...     "date": pd.to_datetime(["2019-03-01", "2019-03-01", "2019-03-01", "2019-05-01"]),
    ...     "kind": ["fee", "fee", "premium", "claim"], "amount": [8.0, 8.0, 50.0, 400.0]})
    >>> it = pd.DataFrame({"customer_id": [1, 1, 2], "channel": ["web", "branch", "phone"],
    ...     "date": pd.to_datetime(["2019-02-01", "2019-04-01", "2019-05-01"])})
    >>> f = customer_features(cu, co, pr, tx, it, as_of="2020-01-01")
    >>> f[["customer_id", "age", "bank_products", "insurance_products"]].round(1)
       customer_id   age  bank_products  insurance_products
    0            1  30.0              1                   0
    1            2  60.0              1                   1
    >>> f[["revenue", "claims", "contacts", "digital_share"]]
       revenue  claims  contacts  digital_share
    0      8.0     0.0         2            0.5
    1     58.0   400.0         1            0.0
    """
    day = as_timestamp(as_of)
    if not (isinstance(years, int | np.integer) and years >= 1):
        raise ValueError(f"years must be a positive integer, got {years!r}")
    start = day - pd.DateOffset(years=int(years))
    require(customers, "customers",
            {"customer_id": None, "birth_date": "datetime", "acquisition_date": "datetime",
             "churn_date": "datetime", "income": "number"}, nullable=("churn_date",))
    schema.check_unique(customers, "customers", "customer_id")
    require(contracts, "contracts",
            {"customer_id": None, "product_id": None, "start_date": "datetime",
             "end_date": "datetime"}, nullable=("end_date",))
    require(products, "products", {"product_id": None, "sector": "string"})
    schema.check_unique(products, "products", "product_id")
    require(transactions, "transactions",
            {"customer_id": None, "date": "datetime", "kind": "string", "amount": "number"},
            nonnegative=("amount",))
    require(interactions, "interactions",
            {"customer_id": None, "date": "datetime", "channel": "string"})
    schema.check_key(interactions, "interactions")  # a repeated contact would count twice

    keep = active_on(customers, day)
    if not keep.any():
        raise schema.SchemaError(f"customers: no customer is active on {day.date()}")
    cu = customers.loc[keep].sort_values("customer_id", kind="stable")
    ids = cu["customer_id"]
    out = pd.DataFrame({"customer_id": ids.to_numpy()})
    out["age"] = ((day - cu["birth_date"]) / _YEAR).to_numpy()
    out["tenure"] = ((day - cu["acquisition_date"]) / _YEAR).to_numpy()
    out["income"] = cu["income"].to_numpy(dtype=float)

    running = contracts.loc[running_on(contracts, day)]
    sector = running["product_id"].map(products.set_index("product_id")["sector"])
    schema.check_rows(running, "contracts", "product_id", sector.isna(),
                      "not in the products table")
    for name in ("bank", "insurance"):
        held = running.loc[(sector == name).to_numpy()].groupby("customer_id")["product_id"]
        out[f"{name}_products"] = ids.map(held.nunique()).fillna(0).astype(np.int64).to_numpy()

    tx = transactions.loc[in_window(transactions["date"], start, day)]
    money = {
        "revenue": tx.loc[tx["kind"].isin(list(revenue_kinds))],
        "claims": tx.loc[tx["kind"] == "claim"],
        "deposits": tx.loc[tx["kind"] == "deposit"],
    }
    for name, part in money.items():
        total = part.groupby("customer_id")["amount"].sum()
        out[name] = ids.map(total).fillna(0.0).to_numpy(dtype=float)

    it = interactions.loc[in_window(interactions["date"], start, day)]
    out["contacts"] = ids.map(it.groupby("customer_id").size()).fillna(0).astype(np.int64).to_numpy()
    digital = it["channel"].isin(list(digital_channels)).groupby(it["customer_id"]).mean()
    out["digital_share"] = ids.map(digital).fillna(0.0).to_numpy(dtype=float)
    return out
