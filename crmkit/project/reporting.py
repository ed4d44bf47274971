"""What the usual report hides: the yearly report that shows retention.

Course chapter 7, "What the usual report hides". The usual commercial report counts the
customers won but hides renewals, departures and the revenue of existing customers;
:func:`reporting_split` shows them, year by year.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from crmkit import loyalty, schema
from crmkit.market import in_window, period_on
from crmkit.segmentation.features import REVENUE_KINDS

__all__ = ["REVENUE_KINDS", "reporting_split"]


def _years(first_year, last_year, dates: pd.Series) -> tuple[int, int]:
    if first_year is None:  # the first and last *full* years of the transactions
        first = dates.min()
        first_year = first.year + (0 if (first.month, first.day) == (1, 1) else 1)
    if last_year is None:
        last_year = dates.max().year
    for name, v in (("first_year", first_year), ("last_year", last_year)):
        if not isinstance(v, int | np.integer):
            raise ValueError(f"{name} must be an integer year, got {v!r}")
    if last_year < first_year:
        raise ValueError(f"last_year ({last_year}) is before first_year ({first_year})")
    return int(first_year), int(last_year)


def reporting_split(
    customers: pd.DataFrame,
    contracts: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    first_year: int | None = None,
    last_year: int | None = None,
    revenue_kinds: Iterable[str] = REVENUE_KINDS,
) -> pd.DataFrame:
    """The yearly report that shows retention: won, lost, kept, renewed, and where revenue
    comes from.

    Customer counts come from :func:`crmkit.loyalty.customer_flows`. Each euro of revenue
    (transactions of ``revenue_kinds``) is put in one of three boxes by who earned it:

    - ``revenue_new``: customers acquired during the year;
    - ``revenue_cross_sell``: existing customers (acquired before the year), on contracts
      started during the year: what selling more to the base brings;
    - ``revenue_existing``: existing customers on the contracts they already held.

    A contract in force on 1 January is *renewed* if it is still in force on 31 December
    or ran to its term; it is lost if the customer or the company ended it (or the customer
    died) during the year.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id``, ``acquisition_date``, ``churn_date``.
    contracts : DataFrame
        ``contract_id``, ``customer_id``, ``start_date``, ``end_date``, ``end_reason``.
    transactions : DataFrame
        ``customer_id``, ``contract_id``, ``date``, ``kind``, ``amount``, ``margin``.
    first_year, last_year : int, optional
        Years of the report (default: the full years of the transactions).
    revenue_kinds : iterable of str
        Transaction kinds that count as revenue.

    Returns
    -------
    DataFrame
        One row per year (index ``year``): ``start_stock``, ``acquired``, ``churned``,
        ``end_stock``, ``retention_rate``, ``churned_new``, ``contracts_in_force``,
        ``contracts_renewed``, ``renewal_rate``, ``cross_sold_contracts`` (contracts
        started by existing customers), ``revenue_new``, ``revenue_cross_sell``,
        ``revenue_existing``, ``revenue``, ``existing_revenue_share`` (cross-selling
        included), ``margin`` (all transactions).

    Examples
    --------
    Customer 1 is there before 2024 and buys a second contract in 2024; customer 2 is won
    in 2024; customer 3 leaves in 2024 and ends his contract:

    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3],
    ...     "acquisition_date": pd.to_datetime(["2020-01-01", "2024-03-01", "2021-01-01"]),
    ...     "churn_date": pd.to_datetime([None, None, "2024-06-30"])})
    >>> co = pd.DataFrame({"contract_id": [10, 11, 20, 30], "customer_id": [1, 1, 2, 3],
    ...     "start_date": pd.to_datetime(["2020-01-01", "2024-05-01", "2024-03-01",
    ...                                   "2021-01-01"]),
    ...     "end_date": pd.to_datetime([None, None, None, "2024-06-30"]),
    ...     "end_reason": [None, None, None, "customer_termination"]})
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3], "contract_id": [10, 11, 20, 30, 30],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-04-01", "2024-02-01",
    ...                             "2024-12-01"]),
    ...     "kind": ["fee", "premium", "premium", "premium", "claim"],
    ...     "amount": [100.0, 50.0, 30.0, 20.0, 500.0], "margin": [100.0, 40.0, 24.0, 16.0, -500.0]})
    >>> r = reporting_split(cu, co, tx, first_year=2024, last_year=2024)
    >>> r.loc[2024, ["acquired", "churned", "contracts_in_force", "renewal_rate"]].tolist()
    [1.0, 1.0, 2.0, 0.5]
    >>> r.loc[2024, ["revenue_new", "revenue_cross_sell", "revenue_existing", "revenue"]].tolist()
    [30.0, 50.0, 120.0, 200.0]
    >>> float(r.loc[2024, "existing_revenue_share"]), float(r.loc[2024, "margin"])
    (0.85, -320.0)
    """
    cu_cols = {"customer_id": "int", "acquisition_date": "datetime", "churn_date": "datetime"}
    schema.check_not_empty(customers, "customers")
    schema.check_columns(customers, "customers", cu_cols)
    schema.check_no_missing(customers, "customers", "acquisition_date")
    schema.check_unique(customers, "customers", "customer_id")
    schema.check_dates_ordered(customers, "customers", "acquisition_date", "churn_date")
    schema.check_not_empty(contracts, "contracts")
    schema.check_columns(contracts, "contracts", {
        "contract_id": "int", "customer_id": "int", "start_date": "datetime",
        "end_date": "datetime", "end_reason": None})
    schema.check_no_missing(contracts, "contracts", "start_date")
    schema.check_unique(contracts, "contracts", "contract_id")
    schema.check_dates_ordered(contracts, "contracts", "start_date", "end_date")
    schema.check_not_empty(transactions, "transactions")
    schema.check_columns(transactions, "transactions", {
        "customer_id": "int", "contract_id": "int", "date": "datetime", "kind": None,
        "amount": "number", "margin": "number"})
    for col in ("date", "kind", "amount", "margin", "contract_id", "customer_id"):
        schema.check_no_missing(transactions, "transactions", col)
    schema.check_nonnegative(transactions, "transactions", "amount")
    first, last = _years(first_year, last_year, transactions["date"])
    years = np.arange(first, last + 1)

    acquired_year = pd.Series(customers["acquisition_date"].dt.year.to_numpy(),
                              index=customers["customer_id"].to_numpy())
    start_year = pd.Series(contracts["start_date"].dt.year.to_numpy(),
                           index=contracts["contract_id"].to_numpy())
    tx = transactions.loc[transactions["date"].dt.year.between(first, last)]
    tx_year = tx["date"].dt.year.to_numpy()
    cust_year = tx["customer_id"].map(acquired_year).to_numpy(dtype=float)
    con_year = tx["contract_id"].map(start_year).to_numpy(dtype=float)
    if np.isnan(cust_year).any():
        schema.check_rows(tx, "transactions", "customer_id", np.isnan(cust_year),
                          "not in the customers table")
    if np.isnan(con_year).any():
        schema.check_rows(tx, "transactions", "contract_id", np.isnan(con_year),
                          "not in the contracts table")
    is_revenue = tx["kind"].astype(str).isin(list(revenue_kinds)).to_numpy()
    amount = np.where(is_revenue, tx["amount"].to_numpy(dtype=float), 0.0)
    new = cust_year >= tx_year  # won during the year (nothing is billed before acquisition)
    cross = ~new & (con_year == tx_year)
    box = np.select([new, cross], [0, 1], 2)
    pos = tx_year - first
    sums = np.zeros((3, len(years)))
    np.add.at(sums, (box, pos), amount)
    margin = np.bincount(pos, weights=tx["margin"].to_numpy(dtype=float), minlength=len(years))

    # contracts in force on 1 January, and how each of them ended the year
    co = contracts
    # (years x contracts grids; crmkit.market's rule: running on 1 January, ended before
    # the next 1 January)
    jan1 = pd.to_datetime([f"{y}-01-01" for y in years]).to_numpy()[:, None]
    next_jan1 = pd.to_datetime([f"{y + 1}-01-01" for y in years]).to_numpy()[:, None]
    start = co["start_date"].to_numpy(dtype="datetime64[ns]")[None, :]
    end = co["end_date"].to_numpy(dtype="datetime64[ns]")[None, :]
    in_force = period_on(start, end, jan1)
    lost_reason = (co["end_reason"].astype(str) != "term").to_numpy()[None, :]
    lost = in_force & in_window(end, None, next_jan1) & lost_reason
    n_in_force = in_force.sum(axis=1).astype(float)
    # contracts started during the year by customers acquired before it
    co_start_year = co["start_date"].dt.year.to_numpy()
    co_cust_year = co["customer_id"].map(acquired_year).to_numpy(dtype=float)
    sold = np.bincount(
        (co_start_year - first)[(co_cust_year < co_start_year)
                                & (co_start_year >= first) & (co_start_year <= last)],
        minlength=len(years)).astype(float)

    flows = loyalty.customer_flows(customers, freq="Y", as_of=pd.Timestamp(f"{last}-12-31"))
    flows = flows.loc[flows.index.year >= first].copy()
    flows.index = pd.Index(flows.index.year, name="year")
    out = flows.reindex(years).astype(float)
    out.index.name = "year"
    out["contracts_in_force"] = n_in_force
    out["contracts_renewed"] = n_in_force - lost.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["renewal_rate"] = np.where(n_in_force > 0, out["contracts_renewed"] / n_in_force,
                                       np.nan)
    out["cross_sold_contracts"] = sold
    out["revenue_new"] = sums[0]
    out["revenue_cross_sell"] = sums[1]
    out["revenue_existing"] = sums[2]
    out["revenue"] = sums.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["existing_revenue_share"] = np.where(
            out["revenue"] > 0, (sums[1] + sums[2]) / out["revenue"], np.nan)
    out["margin"] = margin
    return out
