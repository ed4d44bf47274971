"""Direct profit and potential: the two halves of customer value.

The lecture slides' chain: sales & marketing costs + order handling costs + distribution costs =
the cost of managing the customer; the customer's commercial margin minus that cost is the
*direct profit* per customer; direct profit plus the customer's *potential* gives the
lifetime value. The university lesson says the same in other words: customer value = profitability (the
past, the accountant's view of current contracts) + potential (the future).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed_keywords
from crmkit._docs import fill
from crmkit.segmentation._frame import require
from crmkit.value.costs import _window, activity_drivers, cost_pools, cost_to_serve

__all__ = ["commercial_margin", "direct_profit", "customer_profitability", "profit_and_loss",
           "potential", "customer_value"]


#: The cost-allocation parameters and the table returned of :func:`customer_profitability`
#: and its warehouse twins in :mod:`crmkit.warehouse.value`, written once
#: (``crmkit._docs.fill``).
PROFIT_DOCS = {
    "profit_table": """\
DataFrame
    One row per customer seen in any table, sorted: ``customer_col``,
    ``commercial_margin``, ``direct_cost``, one column per pool, ``indirect_cost``,
    ``cost_to_serve``, ``direct_profit``.""",
    "allocation": """\
pools : mapping or DataFrame, optional
    Indirect cost pools ``{pool: (amount, driver)}`` and their drivers
    (``sales_contacts``, ``service_contacts``, ``contracts``, ``flows``).
start, end : date-like, optional
    Period ``[start, end)``; default every row.
unit : float, default 0.01
    Smallest amount allocated (see :func:`crmkit.value.allocate_costs`).
sales_reasons : sequence of str, default ("sale", "retention")
    Interaction reasons counted as sales & marketing contacts.
service_reasons : sequence of str, default ("service", "claim", "complaint", "information")
    Interaction reasons counted as service contacts.
customer_col : str, default "customer_id"
    Customer key of every table.""",
}


def profitability_pools(pools, contracts) -> list[tuple[str, float, str]]:
    """The checked pools of a profitability (:func:`crmkit.value.cost_pools`; none when
    ``pools`` is None), shared with the warehouse twin: a pool driven by ``contracts``
    needs the contracts table."""
    items = cost_pools(pools) if pools is not None else []
    if any(d == "contracts" for _, _, d in items) and contracts is None:
        raise ValueError("a pool is driven by contracts: pass the contracts table")
    return items


def commercial_margin(
    transactions: pd.DataFrame,
    *,
    start=None,
    end=None,
    customer_col: str = "customer_id",
    margin_col: str = "margin",
    date_col: str = "date",
    table: str = "transactions",
) -> pd.DataFrame:
    """Sum of the margin of each customer's flows over ``[start, end)``.

    Claims carry a negative margin, so a customer can have a negative commercial margin.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Money flows with the customer, date and margin.
    start, end : date-like, optional
        Period ``[start, end)``.
    customer_col, margin_col, date_col : str
        Column names.
    table : str, default "transactions"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``customer_col`` and ``commercial_margin``, one row per customer with a flow.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "margin": [30.0, -50.0, 12.0],
    ...                    "date": pd.to_datetime(["2023-05-01", "2024-02-01",
    ...                                            "2024-03-01"])})
    >>> commercial_margin(tx, start="2024-01-01")
       customer_id  commercial_margin
    0            1              -50.0
    1            2               12.0
    """
    require(transactions, table,
            {customer_col: None, margin_col: "number", date_col: "datetime"})
    tx = _window(transactions, date_col, start, end)
    out = tx.groupby(customer_col, sort=True)[margin_col].sum().rename("commercial_margin")
    return out.reset_index()


def direct_profit(
    transactions: pd.DataFrame,
    costs: pd.DataFrame | None = None,
    *,
    start=None,
    end=None,
    customer_col: str = "customer_id",
    margin_col: str = "margin",
    date_col: str = "date",
    cost_col: str = "cost_to_serve",
) -> pd.DataFrame:
    """Commercial margin minus the cost of managing the customer.

    Parameters
    ----------
    transactions : DataFrame
        Money flows with their margin.
    costs : DataFrame, optional
        One row per customer with ``cost_col`` (e.g. :func:`~crmkit.value.cost_to_serve`
        over the same period). A customer missing from one table counts 0 there.
    start, end : date-like, optional
        Period of the transactions (``start <= date < end``).
    customer_col, margin_col, date_col : str
        Columns of ``transactions`` (``customer_col`` also of ``costs``).
    cost_col : str, default "cost_to_serve"
        Cost column of ``costs``.

    Returns
    -------
    DataFrame
        ``customer_id``, ``commercial_margin``, ``cost_to_serve``, ``direct_profit``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "margin": [300.0, 200.0, 40.0],
    ...                    "date": pd.to_datetime(["2024-01-01"] * 3)})
    >>> costs = pd.DataFrame({"customer_id": [1, 2, 3], "cost_to_serve": [80.0, 60.0, 5.0]})
    >>> direct_profit(tx, costs)
       customer_id  commercial_margin  cost_to_serve  direct_profit
    0            1              500.0           80.0          420.0
    1            2               40.0           60.0          -20.0
    2            3                0.0            5.0           -5.0
    """
    out = commercial_margin(transactions, start=start, end=end, customer_col=customer_col,
                            margin_col=margin_col, date_col=date_col).set_index(customer_col)
    if costs is not None:
        require(costs, "costs", {customer_col: None, cost_col: "number"},
                nonnegative=(cost_col,), unique=customer_col)
        cost = costs.groupby(customer_col)[cost_col].sum().rename("cost_to_serve")
        out = out.join(cost, how="outer").fillna(0.0)
    else:
        out["cost_to_serve"] = 0.0
    out["direct_profit"] = out["commercial_margin"] - out["cost_to_serve"]
    return out.rename_axis(customer_col).sort_index().reset_index()


@fill(**PROFIT_DOCS)
def customer_profitability(
    transactions: pd.DataFrame,
    interactions: pd.DataFrame,
    contracts: pd.DataFrame | None = None,
    *,
    pools=None,
    start=None,
    end=None,
    unit: float = 0.01,
    sales_reasons=("sale", "retention"),
    service_reasons=("service", "claim", "complaint", "information"),
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    r"""Each customer's profitability from the market's tables: the whole chain in one call.

    Over ``[start, end)``: the activity drivers (:func:`~crmkit.value.activity_drivers`),
    the cost to serve, direct interaction costs plus each indirect ``pools`` entry
    ``{pool: (amount, driver)}`` spread in whole ``unit``\ s over the drivers
    (:func:`~crmkit.value.cost_to_serve`), and the commercial margin minus that cost
    (:func:`direct_profit`). The university lesson's *profitability*, the past half of
    :func:`customer_value`; the twin of :func:`crmkit.warehouse.customer_profitability`.

    Parameters
    ----------
    transactions, interactions : DataFrame
        The market's flows (``margin``, ``date``) and contacts (``reason``, ``channel``,
        ``cost``, ``date``).
    contracts : DataFrame, optional
        Needed when a pool is driven by ``contracts`` (contracts started in the period).
    {allocation}

    Returns
    -------
    {profit_table}

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "margin": [300.0, 200.0, 40.0],
    ...                    "date": pd.to_datetime(["2024-01-01"] * 3)})
    >>> it = pd.DataFrame({"customer_id": [1, 3], "reason": ["sale", "service"],
    ...                    "channel": ["branch", "phone"], "cost": [40.0, 6.0],
    ...                    "date": pd.to_datetime(["2024-01-01"] * 2)})
    >>> v = customer_profitability(tx, it, pools={"order_handling": (100.0, "flows")})
    >>> v[["customer_id", "direct_cost", "order_handling", "direct_profit"]]
       customer_id  direct_cost  order_handling  direct_profit
    0            1         40.0           66.67         393.33
    1            2          0.0           33.33           6.67
    2            3          6.0            0.00          -6.00
    """
    c = customer_col
    items = profitability_pools(pools, contracts)
    window = {"start": start, "end": end}
    if items:
        drivers = activity_drivers(interactions, contracts, transactions, **window,
                                   sales_reasons=sales_reasons,
                                   service_reasons=service_reasons, customer_col=c)
        costs = cost_to_serve(interactions, pools=pools, drivers=drivers, **window,
                              customer_col=c, unit=unit)
    else:
        costs = cost_to_serve(interactions, **window, customer_col=c)
    profit = direct_profit(transactions, costs, **window, customer_col=c)
    out = profit.merge(costs.drop(columns="cost_to_serve"), on=c, how="left").fillna(0.0)
    return out[[c, "commercial_margin", "direct_cost", *(p[0] for p in items),
                "indirect_cost", "cost_to_serve", "direct_profit"]]


def profit_and_loss(
    profit: pd.DataFrame,
    *,
    common_costs: float = 0.0,
    margin_col: str = "commercial_margin",
    cost_col: str = "cost_to_serve",
    table: str = "profit",
) -> pd.Series:
    """The portfolio's account: where the common costs finally come in.

    Commercial margin minus the cost to serve gives the customers' direct profit; the
    common, non-attributable costs (head office, brand advertising) are deducted only
    here, at portfolio level, never spread over customers.

    Parameters
    ----------
    profit : pandas.DataFrame
        One row per customer, as :func:`direct_profit` gives it.
    common_costs : float, default 0.0
        The period's common, non-attributable costs.
    margin_col, cost_col : str
        Commercial margin and cost to serve columns.
    table : str, default "profit"
        Table name used in error messages.

    Returns
    -------
    Series
        ``customers``, ``commercial_margin``, ``cost_to_serve``, ``direct_profit``,
        ``common_costs``, ``net_profit``, ``loss_making_share`` (customers whose direct
        profit is negative) and ``loss_making_profit`` (their total, a negative number:
        what the profitable customers pay for).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"commercial_margin": [500.0, 40.0, 0.0],
    ...                   "cost_to_serve": [80.0, 60.0, 5.0]})
    >>> profit_and_loss(p, common_costs=100.0)[["direct_profit", "net_profit",
    ...                                          "loss_making_profit"]].tolist()
    [395.0, 295.0, -25.0]
    """
    if not (np.isfinite(common_costs) and common_costs >= 0):
        raise ValueError(f"common_costs must be a finite number >= 0, got {common_costs!r}")
    require(profit, table, {margin_col: "number", cost_col: "number"}, nonnegative=(cost_col,))
    schema.check_key(profit, table, "customer_id")
    direct = profit[margin_col] - profit[cost_col]
    return pd.Series({
        "customers": float(len(profit)),
        "commercial_margin": float(profit[margin_col].sum()),
        "cost_to_serve": float(profit[cost_col].sum()),
        "direct_profit": float(direct.sum()),
        "common_costs": float(common_costs),
        "net_profit": float(direct.sum() - common_costs),
        "loss_making_share": float((direct < 0).mean()),
        "loss_making_profit": float(direct[direct < 0].sum()),
    })


@renamed_keywords(id_col="customer_col")
def potential(
    df: pd.DataFrame,
    value_col: str,
    *,
    group_cols: Sequence[str] = (),
    quantile: float = 0.75,
    customer_col: str = "customer_id",
    table: str = "customers",
) -> pd.DataFrame:
    """Potential as the gap to what the best comparable customers already achieve.

    A customer's potential is estimated as ``max(0, benchmark - value)``, where the
    benchmark is the ``quantile`` of ``value_col`` among peers of the same ``group_cols``
    (life stage, income band, age band...): what a well-equipped customer in the same
    situation is worth. This is the peer-benchmark estimate of wallet (share of wallet
    unexploited), simple and explainable; model-based futures (BG/NBD, Markov) live in
    :mod:`crmkit.clv`.

    Measure it on a margin or a revenue (the needs not covered yet), not on a profit net
    of the cost to serve: a gap in profit counts a loss-maker's own cost to serve as
    potential, and the value matrix then sends every loss-maker to multi-equipment.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    value_col : str
        The customer's current value (e.g. yearly margin).
    group_cols : sequence of str, default ()
        Columns defining the peers (none: all customers are peers).
    quantile : float, default 0.75
        Quantile of the peers' value taken as the benchmark.
    customer_col : str, default "customer_id"
        Customer key.
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        ``customer_col``, ``value``, ``benchmark``, ``potential``, in the order of ``df``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
    ...                    "stage": ["family", "family", "family", "retired", "retired"],
    ...                    "margin": [100.0, 300, 500, 50, 150]})
    >>> potential(df, "margin", group_cols=["stage"], quantile=0.5)
       customer_id  value  benchmark  potential
    0            1  100.0      300.0      200.0
    1            2  300.0      300.0        0.0
    2            3  500.0      300.0        0.0
    3            4   50.0      100.0       50.0
    4            5  150.0      100.0        0.0
    """
    if not 0 <= quantile <= 1:
        raise ValueError(f"quantile must be in [0, 1], got {quantile!r}")
    group_cols = list(group_cols)
    require(df, table, {customer_col: None, value_col: "number", **{g: None for g in group_cols}},
            unique=customer_col)
    value = df[value_col].astype(float)
    if group_cols:
        bench = value.groupby([df[g] for g in group_cols], observed=True).transform(
            "quantile", quantile
        )
    else:
        bench = pd.Series(value.quantile(quantile), index=df.index)
    return pd.DataFrame(
        {
            customer_col: df[customer_col].to_numpy(),
            "value": value.to_numpy(),
            "benchmark": bench.to_numpy(),
            "potential": np.maximum(bench.to_numpy() - value.to_numpy(), 0.0),
        }
    )


def customer_value(
    df: pd.DataFrame,
    *,
    profit_col: str = "direct_profit",
    potential_col: str = "potential",
    table: str = "customers",
) -> pd.Series:
    """The university lesson's customer value: profitability (past) plus potential (future).

    Profitability is the direct profit (see :func:`customer_profitability`), potential the
    future value (see :func:`potential`).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    profit_col, potential_col : str
        Direct profit and potential columns.
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    pandas.Series
        ``customer_value`` per row: profit plus potential.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"direct_profit": [420.0, -20.0], "potential": [100.0, 300.0]})
    >>> customer_value(df).tolist()
    [520.0, 280.0]
    """
    require(df, table, {profit_col: "number", potential_col: "number"})
    schema.check_key(df, table, "customer_id")
    return (df[profit_col] + df[potential_col]).rename("customer_value")
