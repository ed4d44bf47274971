"""Customer profitability in the engine: commercial margin, cost to serve, direct profit.

The Ibis twin of :func:`crmkit.value.customer_profitability`, the chain of
:mod:`crmkit.value`: activity drivers per customer
(:func:`crmkit.value.activity_drivers`), activity-based allocation of indirect cost pools
in whole cents by the largest-remainder method (:func:`crmkit.value.allocate_costs`),
direct interaction costs (:func:`crmkit.value.cost_to_serve`) and the commercial margin
minus the cost to serve (:func:`crmkit.value.direct_profit`), all over the same period
``[start, end)``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed
from crmkit._docs import fill
from crmkit.market import in_window
from crmkit.value.costs import cost_pools
from crmkit.value.profit import PROFIT_DOCS, profitability_pools
from crmkit.warehouse.engines import ENGINE_DOC, as_table, check_expr
from crmkit.warehouse.metrics import MONEY, _engine_and_input, _fetch, time_unit

__all__ = ["customer_profitability_expr", "customer_profitability", "DRIVERS",
           "customer_value", "customer_value_expr"]

# the drivers a pool can be spread on (the columns of crmkit.value.activity_drivers)
DRIVERS = ("sales_contacts", "service_contacts", "contracts", "flows")


def _window(t: ir.Table, date_col: str, start, end) -> ir.Table:
    """Rows in ``[start, end)``: :func:`crmkit.market.in_window` on the Ibis column."""
    if start is None and end is None:
        return t
    return t.filter(in_window(t[date_col],
                              None if start is None else schema.as_timestamp(start, "start"),
                              None if end is None else schema.as_timestamp(end, "end")))


def _allocate(d: ir.Table, pools, customer_col: str, unit: float) -> ir.Table:
    """Largest-remainder allocation of each pool in whole ``unit``s over the drivers."""
    total = None
    for name, amount, driver in pools:
        pool_units = int(round(amount / unit))
        x = d[driver].cast("float64")
        # same operations, in the same order, as crmkit.value.allocate_costs: IEEE doubles
        # then give the same floors and remainders on every engine
        weight = x.sum().over()
        # a driver summing to 0 allocates nothing (reported by customer_profitability)
        exact = ibis.ifelse(weight > 0, pool_units * (x / weight), 0.0)
        floor = exact.floor().cast("int64")
        d = d.mutate(**{f"_e_{name}": exact, f"_u_{name}": floor})
        left = ibis.ifelse(d[driver].sum().over() > 0,
                           pool_units - d[f"_u_{name}"].sum().over(), 0)
        rank = ibis.row_number().over(
            order_by=[ibis.desc(d[f"_e_{name}"] - d[f"_u_{name}"]), d[customer_col]])
        units = d[f"_u_{name}"] + ibis.ifelse(rank < left, 1, 0)
        d = d.mutate(**{f"_n_{name}": units.cast("int64")})
        total = d[f"_n_{name}"] if total is None else total + d[f"_n_{name}"]
        d = d.mutate(**{name: d[f"_n_{name}"].cast("float64") * unit})
    d = d.mutate(indirect_cost=(total if total is not None else ibis.literal(0)).cast("float64")
                 * unit)
    return d.select(customer_col, *[p[0] for p in pools], "indirect_cost")


@fill(**PROFIT_DOCS)
def customer_profitability_expr(
    transactions: ir.Table,
    interactions: ir.Table,
    contracts: ir.Table | None = None,
    *,
    pools=None,
    start=None,
    end=None,
    unit: float = 0.01,
    sales_reasons=("sale", "retention"),
    service_reasons=("service", "claim", "complaint", "information"),
    customer_col: str = "customer_id",
    margin_col: str = "margin",
    cost_col: str = "cost",
    reason_col: str = "reason",
    date_col: str = "date",
    contract_date_col: str = "start_date",
) -> ir.Table:
    """Ibis expression of margin, cost to serve (direct + allocated pools) and direct
    profit per customer (see :func:`customer_profitability`).

    Parameters
    ----------
    transactions, interactions : ibis.Table
        The market's flows (customer, date, margin) and contacts (customer, date, reason,
        cost).
    contracts : ibis.Table, optional
        Needed when a pool is driven by ``contracts`` (contracts started in the period).
    {allocation}
    margin_col, cost_col, reason_col, date_col : str
        Columns of the margin (transactions), cost and reason (interactions) and date
        (both).
    contract_date_col : str, default "start_date"
        Column of the contracts' start date.

    Returns
    -------
    ibis.Table
        Unexecuted, one row per customer, sorted: ``customer_col``,
        ``commercial_margin``, ``direct_cost``, one column per pool, ``indirect_cost``,
        ``cost_to_serve`` and ``direct_profit``.

    Examples
    --------
    A call-centre pool of 100 € spread on the service contacts (one each), on top of the
    direct cost of every contact:

    >>> import ibis
    >>> import pandas as pd
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": [1, 2], "margin": [300.0, 40.0],
    ...                                  "date": pd.to_datetime(["2024-01-01"] * 2)}))
    >>> it = ibis.memtable(pd.DataFrame({"customer_id": [1, 1, 2],
    ...     "reason": ["sale", "service", "service"], "cost": [40.0, 5.0, 6.0],
    ...     "date": pd.to_datetime(["2024-01-01"] * 3)}))
    >>> out = customer_profitability_expr(
    ...     tx, it, pools={"call_centre": (100.0, "service_contacts")}).to_pandas()
    >>> out[["customer_id", "direct_cost", "call_centre", "direct_profit"]]
       customer_id  direct_cost  call_centre  direct_profit
    0            1         45.0         50.0          205.0
    1            2          6.0         50.0          -16.0
    """
    c = customer_col
    transactions = check_expr(transactions, "transactions",
                              {c: None, date_col: "datetime", margin_col: "number"})
    interactions = check_expr(interactions, "interactions",
                              {c: None, date_col: "datetime", reason_col: "string",
                               cost_col: "number"}, nonnegative=(cost_col,),
                              unique=("interaction_id"
                                      if "interaction_id" in getattr(interactions, "columns", ())
                                      else None))
    if contracts is not None:
        contracts = check_expr(contracts, "contracts", {c: None, contract_date_col: "datetime"})
    tx = _window(transactions, date_col, start, end)
    it = _window(interactions, date_col, start, end)
    margin = tx.group_by(tx[c]).aggregate(
        commercial_margin=tx[margin_col].cast(MONEY).sum().cast("float64"), flows=tx.count())
    direct = it.group_by(it[c]).aggregate(
        direct_cost=it[cost_col].cast(MONEY).sum().cast("float64"),
        sales_contacts=it[reason_col].isin(list(sales_reasons)).cast("int64").sum(),
        service_contacts=it[reason_col].isin(list(service_reasons)).cast("int64").sum(),
    )
    zero = ibis.literal(0, "int64")
    parts = [
        margin.select(c, sales_contacts=zero, service_contacts=zero, contracts=zero,
                      flows=margin.flows.cast("int64")),
        direct.select(c, "sales_contacts", "service_contacts", contracts=zero, flows=zero),
    ]
    if contracts is not None:
        ct = _window(contracts, contract_date_col, start, end)
        parts.append(ct.group_by(ct[c]).aggregate(n=ct.count()).select(
            c, sales_contacts=zero, service_contacts=zero, contracts=ibis._.n.cast("int64"),
            flows=zero))
    u = ibis.union(*parts)
    drivers = u.group_by(u[c]).aggregate(**{k: u[k].sum().cast("int64") for k in DRIVERS})
    pools = cost_pools(pools) if pools is not None else []
    for name, _, driver in pools:
        if driver not in DRIVERS:
            raise ValueError(f"pool {name!r}: driver {driver!r} is not one of {list(DRIVERS)}")
    costs = _allocate(drivers, pools, c, unit)
    # a customer seen only in the transactions has no interaction: direct cost 0
    j = costs.left_join(direct, costs[c] == direct[c]).select(
        costs[c], direct_cost=direct.direct_cost.fill_null(0.0),
        **{p[0]: costs[p[0]] for p in pools}, indirect_cost=costs.indirect_cost)
    j = j.mutate(cost_to_serve=j.direct_cost + j.indirect_cost)
    if not pools:
        # without pools the customers are those of the interactions (as cost_to_serve)
        j = j.filter(j[c].isin(direct[c]))
    k = margin.outer_join(j, margin[c] == j[c])
    pool_cols = {p[0]: k[p[0]].fill_null(0.0) for p in pools}
    out = k.select(
        **{c: ibis.coalesce(k[c], k[f"{c}_right"])},
        commercial_margin=k.commercial_margin.fill_null(0.0),
        direct_cost=k.direct_cost.fill_null(0.0),
        **pool_cols,
        indirect_cost=k.indirect_cost.fill_null(0.0),
        cost_to_serve=k.cost_to_serve.fill_null(0.0),
    )
    out = out.mutate(direct_profit=out.commercial_margin - out.cost_to_serve)
    return out.order_by(c)


@fill(**PROFIT_DOCS, engine=ENGINE_DOC)
def customer_profitability(
    transactions,
    interactions,
    contracts=None,
    *,
    pools=None,
    start=None,
    end=None,
    unit: float = 0.01,
    sales_reasons=("sale", "retention"),
    service_reasons=("service", "claim", "complaint", "information"),
    customer_col: str = "customer_id",
    engine=None,
) -> pd.DataFrame:
    """Commercial margin, cost to serve and direct profit per customer, in the engine.

    Same definitions and output as :func:`crmkit.value.customer_profitability`: over ``[start, end)``, the margin of the
    flows; the direct cost of the interactions; each indirect ``pools`` entry
    ``{pool: (amount, driver)}`` spread in whole cents over the customers in proportion to
    their ``driver`` (``sales_contacts``, ``service_contacts``, ``contracts`` started or
    ``flows``), largest remainders first, ties by customer id, so that a pool adds up
    exactly; ``cost_to_serve`` = direct + indirect; ``direct_profit`` = margin - cost.

    Parameters
    ----------
    transactions, interactions, contracts : DataFrame, Ibis table, table name or path
        The market's tables (``contracts`` only when a pool is driven by contracts).
    {allocation}
    {engine}

    Returns
    -------
    {profit_table}

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "margin": [300.0, 200.0, 40.0],
    ...                    "date": pd.to_datetime(["2024-01-01"] * 3)})
    >>> it = pd.DataFrame({"customer_id": [1, 3], "reason": ["sale", "service"],
    ...                    "cost": [40.0, 6.0], "date": pd.to_datetime(["2024-01-01"] * 2)})
    >>> v = customer_profitability(tx, it, pools={"order_handling": (100.0, "flows")})
    >>> v[["customer_id", "direct_cost", "order_handling", "direct_profit"]]
       customer_id  direct_cost  order_handling  direct_profit
    0            1         40.0           66.67         393.33
    1            2          0.0           33.33           6.67
    2            3          6.0            0.00          -6.00
    """
    if not unit > 0:
        raise ValueError(f"unit must be > 0, got {unit!r}")
    items = profitability_pools(pools, contracts)
    c = customer_col
    data, con = _engine_and_input(transactions, engine)
    tx = as_table(data, con, "transactions", {c: None, "date": "datetime", "margin": "number"})
    it = as_table(interactions, con, "interactions",
                  {c: None, "date": "datetime", "reason": "string", "cost": "number"},
                  nonnegative=("cost",), key="interaction_id")
    ct = None if contracts is None else as_table(
        contracts, con, "contracts", {c: None, "start_date": "datetime"})
    expr = customer_profitability_expr(tx, it, ct, pools=pools, start=start, end=end, unit=unit,
                               sales_reasons=sales_reasons, service_reasons=service_reasons,
                               customer_col=c)
    out = _fetch(con, expr, time_unit(transactions))
    for name, amount, driver in items:
        # a driver summing to 0 divides by 0: nulls (or nothing) where cents should be
        if amount > 0 and not out[name].sum() > 0:
            raise ValueError(f"pool {name!r}: driver {driver} sums to 0; nothing to "
                             "allocate on")
    return out


# the old names, kept one release: crmkit.value.customer_value is profitability + potential,
# this metric is profitability alone
customer_value = renamed(customer_profitability, "customer_value", where="crmkit.warehouse")
customer_value_expr = renamed(customer_profitability_expr, "customer_value_expr",
                              where="crmkit.warehouse")
