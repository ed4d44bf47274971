"""Cost to serve: direct, indirect and common costs, and activity-based allocation.

The lecture slides ("l'identification et la répartition des coûts") sort costs into three kinds:

- **direct** costs, traceable to one customer: here the cost of each interaction (a branch
  meeting, a call, a letter) recorded in the ``interactions`` table;
- **indirect** costs, shared by customers but driven by what they do: sales & marketing,
  order/contract handling, distribution. They are allocated with activity-based costing
  (Kaplan & Cooper, 1998): each cost pool is spread over customers in proportion to the
  quantity of its driver each customer consumes (sales contacts, contracts handled, flows
  processed...);
- **common** costs that cannot be attributed (head office, brand advertising): they are
  *not* spread over customers — spreading them would make some customers look
  unprofitable for costs they do not cause — and are only deducted at portfolio level.

:func:`allocate_costs` works in whole cents with the largest-remainder method, so the
amounts allocated from a pool add up *exactly* to the pool.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import french_label_aliases, renamed_keywords
from crmkit.market import in_window
from crmkit.segmentation._frame import as_timestamp, require

__all__ = ["allocate_costs", "activity_drivers", "cost_to_serve", "cost_pools"]


# the French labels live in crmkit/data/labels.yaml; the old dict is read from there one release
__getattr__ = french_label_aliases(__name__, {"COST_POOLS_FR": ("value_column", ("direct_cost", "indirect_cost", "sales_marketing", "order_handling", "distribution", "cost_to_serve"))})


def _window(df: pd.DataFrame, date_col: str, start, end) -> pd.DataFrame:
    """Rows with ``start <= date < end`` (either bound optional): :func:`crmkit.market.in_window`."""
    if start is None and end is None:
        return df
    keep = in_window(df[date_col], None if start is None else as_timestamp(start, "start"),
                     None if end is None else as_timestamp(end, "end"))
    return df if keep.all() else df.loc[keep]


def cost_pools(pools) -> list[tuple[str, float, str]]:
    """The cost pools as checked ``(pool, amount, driver column)`` triples.

    ``pools`` is a mapping ``{pool: (amount, driver)}`` or a DataFrame with columns
    ``pool``, ``amount``, ``driver``; shared with :mod:`crmkit.warehouse.value`, so that
    both paths refuse the same bad pools.

    Parameters
    ----------
    pools : mapping or pandas.DataFrame
        ``{pool: (amount, driver)}`` or a table with ``pool``, ``amount`` and ``driver``.

    Returns
    -------
    list of (str, float, str)
        One ``(pool, amount, driver column)`` per pool, in order; a SchemaError for a
        negative or missing amount or a duplicated pool.

    Examples
    --------
    >>> cost_pools({"branch": (1000, "branch_visits")})
    [('branch', 1000.0, 'branch_visits')]
    """
    if isinstance(pools, pd.DataFrame):
        require(pools, "pools", {"pool": None, "amount": "number", "driver": None})
        schema.check_unique(pools, "pools", "pool")
        items = list(zip(pools["pool"], pools["amount"], pools["driver"], strict=True))
    elif isinstance(pools, Mapping):
        items = []
        for name, spec in pools.items():
            if not (isinstance(spec, tuple) and len(spec) == 2):
                raise ValueError(f"pool {name!r} must be an (amount, driver column) pair")
            items.append((name, spec[0], spec[1]))
    else:
        raise ValueError("pools must be a mapping {pool: (amount, driver)} or a DataFrame")
    if not items:
        raise ValueError("give at least one cost pool")
    for name, amount, _ in items:
        if not (np.isfinite(amount) and amount >= 0):
            raise ValueError(f"pool {name!r}: amount must be a finite number >= 0, got {amount!r}")
    return [(str(n), float(a), str(d)) for n, a, d in items]


@renamed_keywords(id_col="customer_col")
def allocate_costs(
    drivers: pd.DataFrame,
    pools,
    *,
    customer_col: str = "customer_id",
    unit: float = 0.01,
    table: str = "drivers",
) -> pd.DataFrame:
    """Spread each cost pool over customers in proportion to their use of its driver.

    Parameters
    ----------
    drivers : DataFrame
        One row per customer with ``customer_col`` and one non-negative column per driver.
    pools : mapping or DataFrame
        ``{pool: (amount, driver column)}``, or a table with columns ``pool``, ``amount``
        and ``driver``.
    unit : float, default 0.01
        Smallest amount allocated (one cent). Each pool is rounded to the unit, each
        customer gets the floor of their exact share, and the units left over go to the
        customers with the largest remainders (ties: first in ``drivers`` order), so the
        allocations add up exactly to the pool, in units.
    customer_col : str, default "customer_id"
        Customer key of ``drivers``.
    table : str, default "drivers"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        ``customer_col``, one column per pool (euros) and ``indirect_cost`` (their sum).

    Examples
    --------
    100 euros over three customers with one contract each: 33.34 + 33.33 + 33.33.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"customer_id": [1, 2, 3], "contracts": [1, 1, 1],
    ...                   "sales_contacts": [0, 3, 1]})
    >>> allocate_costs(d, {"order_handling": (100.0, "contracts"),
    ...                    "sales_marketing": (40.0, "sales_contacts")})
       customer_id  order_handling  sales_marketing  indirect_cost
    0            1           33.34              0.0          33.34
    1            2           33.33             30.0          63.33
    2            3           33.33             10.0          43.33
    """
    if not unit > 0:
        raise ValueError(f"unit must be > 0, got {unit!r}")
    items = cost_pools(pools)
    driver_cols = sorted({d for _, _, d in items})
    require(drivers, table, {customer_col: None, **{d: "number" for d in driver_cols}},
            nonnegative=tuple(driver_cols))
    schema.check_unique(drivers, table, customer_col)
    out = pd.DataFrame({customer_col: drivers[customer_col].to_numpy()})
    n = len(drivers)
    order = np.arange(n)
    total_units = np.zeros(n, dtype=np.int64)
    for name, amount, driver in items:
        d = drivers[driver].to_numpy(dtype=float)
        weight = d.sum()
        if not weight > 0:
            raise ValueError(f"pool {name!r}: driver {table}.{driver} sums to 0; nothing to "
                             "allocate on")
        pool_units = int(round(amount / unit))
        exact = pool_units * (d / weight)
        units = np.floor(exact).astype(np.int64)
        left = pool_units - int(units.sum())
        if left > 0:  # largest remainders first, ties in table order
            pick = np.lexsort((order, -(exact - units)))[:left]
            units[pick] += 1
        total_units += units
        out[name] = units * unit
    out["indirect_cost"] = total_units * unit
    return out


def activity_drivers(
    interactions: pd.DataFrame,
    contracts: pd.DataFrame | None = None,
    transactions: pd.DataFrame | None = None,
    *,
    start=None,
    end=None,
    sales_reasons=("sale", "retention"),
    service_reasons=("service", "claim", "complaint", "information"),
    customer_col: str = "customer_id",
    reason_col: str = "reason",
    interaction_date_col: str = "date",
    contract_date_col: str = "start_date",
    transaction_date_col: str = "date",
) -> pd.DataFrame:
    """Activity drivers per customer from the market's tables, over ``[start, end)``.

    Returns one row per customer seen in any table with ``sales_contacts`` (interactions
    whose reason is in ``sales_reasons``: commercial actions, sales & marketing),
    ``service_contacts`` (reason in ``service_reasons``), ``contracts`` (contracts started:
    order/contract handling) and ``flows`` (transactions processed), each 0 when the table
    is not given.

    Parameters
    ----------
    interactions : pandas.DataFrame
        Contacts with the customer, date and reason.
    contracts : pandas.DataFrame, optional
        Contracts with the customer and start date.
    transactions : pandas.DataFrame, optional
        Money flows with the customer and date.
    start, end : date-like, optional
        Period ``[start, end)`` counted in every table.
    sales_reasons : sequence of str, default ("sale", "retention")
        Interaction reasons counted as sales & marketing contacts.
    service_reasons : sequence of str, default ("service", "claim", "complaint", "information")
        Interaction reasons counted as service contacts.
    customer_col, reason_col : str
        Customer key and interaction reason columns.
    interaction_date_col, contract_date_col, transaction_date_col : str
        Date column of each table.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``sales_contacts``, ``service_contacts``, ``contracts`` and
        ``flows``.

    Examples
    --------
    >>> import pandas as pd
    >>> it = pd.DataFrame({"customer_id": [1, 1, 2], "reason": ["sale", "claim", "sale"],
    ...                    "date": pd.to_datetime(["2024-01-01"] * 3)})
    >>> activity_drivers(it)
       customer_id  sales_contacts  service_contacts  contracts  flows
    0            1               1                 1          0      0
    1            2               1                 0          0      0
    """
    require(interactions, "interactions",
            {customer_col: None, reason_col: "string", interaction_date_col: "datetime"})
    schema.check_key(interactions, "interactions")
    it = _window(interactions, interaction_date_col, start, end)
    counts = {
        "sales_contacts": it.loc[it[reason_col].isin(list(sales_reasons)), customer_col],
        "service_contacts": it.loc[it[reason_col].isin(list(service_reasons)), customer_col],
    }
    for name, df, date_col, table in (("contracts", contracts, contract_date_col, "contracts"),
                                      ("flows", transactions, transaction_date_col,
                                       "transactions")):
        if df is not None:
            require(df, table, {customer_col: None, date_col: "datetime"})
            schema.check_key(df, table)
            counts[name] = _window(df, date_col, start, end)[customer_col]
        else:
            counts[name] = it[customer_col].iloc[:0]
    ids = pd.Index(pd.unique(pd.concat([it[customer_col], *counts.values()])))
    out = pd.DataFrame({name: ids_.value_counts().reindex(ids, fill_value=0).to_numpy()
                        for name, ids_ in counts.items()}, index=ids)
    return out.rename_axis(customer_col).sort_index().reset_index()


def cost_to_serve(
    interactions: pd.DataFrame,
    *,
    pools=None,
    drivers: pd.DataFrame | None = None,
    start=None,
    end=None,
    by_channel: bool = False,
    customer_col: str = "customer_id",
    cost_col: str = "cost",
    channel_col: str = "channel",
    date_col: str = "date",
    unit: float = 0.01,
) -> pd.DataFrame:
    """Cost of managing each customer: direct interaction costs plus allocated pools.

    Parameters
    ----------
    interactions : DataFrame
        The contacts, each with its own (direct) cost.
    pools : mapping or DataFrame, optional
        Indirect cost pools and their drivers (see :func:`allocate_costs`).
    drivers : DataFrame, optional
        Driver quantities per customer (e.g. :func:`activity_drivers`); required with
        ``pools``.
    start, end : date-like, optional
        Only interactions with ``start <= date < end`` (the drivers are taken as given).
    by_channel : bool, default False
        Add one ``direct_<channel>`` column per channel.
    unit : float, default 0.01
        The pools are spread in whole units of this size (see :func:`allocate_costs`).
    customer_col, cost_col, channel_col, date_col : str
        Columns of ``interactions``.

    Returns
    -------
    DataFrame
        One row per customer (of the interactions or the drivers): ``direct_cost``, the
        pools' columns, ``indirect_cost`` and ``cost_to_serve`` (direct + indirect).
        Common costs are not allocated (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> it = pd.DataFrame({"customer_id": [1, 1, 2], "channel": ["branch", "web", "phone"],
    ...                    "cost": [40.0, 0.5, 6.0],
    ...                    "date": pd.to_datetime(["2024-01-01"] * 3)})
    >>> d = pd.DataFrame({"customer_id": [1, 2, 3], "contracts": [2, 1, 1]})
    >>> cost_to_serve(it, pools={"order_handling": (80.0, "contracts")}, drivers=d)
       customer_id  direct_cost  order_handling  indirect_cost  cost_to_serve
    0            1         40.5            40.0           40.0           80.5
    1            2          6.0            20.0           20.0           26.0
    2            3          0.0            20.0           20.0           20.0
    """
    require(interactions, "interactions",
            {customer_col: None, cost_col: "number", channel_col: None, date_col: "datetime"},
            nonnegative=(cost_col,))
    schema.check_key(interactions, "interactions")
    it = _window(interactions, date_col, start, end)
    direct = it.groupby(customer_col)[cost_col].sum().rename("direct_cost")
    parts = [direct]
    if by_channel:
        wide = it.pivot_table(index=customer_col, columns=channel_col, values=cost_col,
                              aggfunc="sum", fill_value=0.0, observed=True)
        parts.append(wide.add_prefix("direct_"))
    out = pd.concat(parts, axis=1)
    if pools is not None:
        if drivers is None:
            raise ValueError("pools need drivers (a table of driver quantities per customer)")
        alloc = allocate_costs(drivers, pools, customer_col=customer_col, unit=unit).set_index(
            customer_col)
        out = out.join(alloc, how="outer")
    elif drivers is not None:
        raise ValueError("drivers were given without pools to allocate")
    else:
        out["indirect_cost"] = 0.0
    out = out.fillna(0.0)
    out["cost_to_serve"] = out["direct_cost"] + out["indirect_cost"]
    return out.rename_axis(customer_col).sort_index().reset_index()
