"""Retention economics: the bathtub, survival, and the value of retention points.

The customer stock is a bathtub (the blog article): acquisition is the tap, churn the drain, and a
company's first reflex — opening the tap — is rarely the cheapest way to fill it. These
functions turn the figures usually recited (the lecture slides) into things the data can confirm or
refute: acquiring a customer costs 7 to 10 times more than keeping one
(:func:`acquisition_retention_ratio`); five more points of retention can double profit
(:func:`retention_uplift`); companies lose half their customers in five years
(:func:`survival_curve`, :func:`half_life`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.market import active_throughout, seen_by
from crmkit.segmentation._frame import as_timestamp, period_index, period_labels, require

__all__ = [
    "customer_flows",
    "survival_curve",
    "tenure_table",
    "bathtub",
    "RetentionEffect",
    "retention_uplift",
    "half_life",
    "retention_for_half_life",
    "CostRatio",
    "acquisition_retention_ratio",
    "acquisition_retention_costs",
    "BathtubParameters",
    "compare_bathtubs",
    "bathtub_parameters",
    "churn_within",
    "margin_by_tenure",
]

_YEAR_DAYS = 365.25


def customer_flows(
    customers: pd.DataFrame,
    *,
    freq: str = "Y",
    as_of=None,
    customer_col: str = "customer_id",
    acquisition_col: str = "acquisition_date",
    churn_col: str = "churn_date",
) -> pd.DataFrame:
    """The observed bathtub: customers in, out and in stock per calendar period.

    This is the report the blog article asks for: not only how many customers were won, but how
    many left and how many stayed.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with acquisition and churn dates.
    freq : str, default "Y"
        Calendar period (pandas alias).
    as_of : date-like, optional
        End of observation (default: the last date in the table).
    customer_col, acquisition_col, churn_col : str
        Customer key, acquisition and churn date columns of ``customers``.

    Returns
    -------
    DataFrame
        One row per period from the first acquisition to ``as_of``: ``start_stock``,
        ``acquired``, ``churned``, ``end_stock``, ``retention_rate`` (share of the start
        stock still there at the end of the period) and ``churned_new`` (customers won and
        lost within the period).

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3, 4],
    ...     "acquisition_date": pd.to_datetime(["2020-03-01", "2020-06-01", "2021-02-01",
    ...                                         "2021-05-01"]),
    ...     "churn_date": pd.to_datetime([None, "2021-08-01", None, "2021-09-01"])})
    >>> customer_flows(cu, as_of="2021-12-31")  # doctest: +NORMALIZE_WHITESPACE
            start_stock  acquired  churned  end_stock  retention_rate  churned_new
    period
    2020              0         2        0          2             NaN            0
    2021              2         2        2          2             0.5            1
    """
    require(customers, "customers",
            {customer_col: None, acquisition_col: "datetime", churn_col: "datetime"},
            nullable=(churn_col,))
    schema.check_key(customers, "customers", customer_col)
    schema.check_dates_ordered(customers, "customers", acquisition_col, churn_col)
    if as_of is None:
        as_of = max(customers[acquisition_col].max(), customers[churn_col].max())
    as_of = as_timestamp(as_of)
    cu = customers.loc[seen_by(customers[acquisition_col], as_of)]
    churn = cu[churn_col].where(seen_by(cu[churn_col], as_of))
    pa = period_index(cu[acquisition_col], freq)
    first, last = int(pa.min()), int(period_index(pd.Series([as_of]), freq)[0])
    n = last - first + 1
    gone = churn.notna().to_numpy()
    pc = np.where(gone, period_index(churn.fillna(as_of), freq), -1)
    acquired = np.bincount(pa - first, minlength=n)
    churned = np.bincount(pc[gone] - first, minlength=n)
    churned_new = np.bincount(pc[gone & (pc == pa)] - first, minlength=n)
    end = np.cumsum(acquired - churned)
    start = np.r_[0, end[:-1]]
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(start > 0, 1 - (churned - churned_new) / start, np.nan)
    idx = period_labels(np.arange(first, last + 1), freq)
    return pd.DataFrame(
        {"start_stock": start, "acquired": acquired, "churned": churned, "end_stock": end,
         "retention_rate": retention, "churned_new": churned_new},
        index=pd.Index(idx, name="period"),
    )


def tenure_table(
    customers: pd.DataFrame,
    *,
    as_of=None,
    observed_from=None,
    acquisition_col: str = "acquisition_date",
    churn_col: str = "churn_date",
) -> pd.DataFrame:
    """Tenure at entry into observation and at exit, in years, one row per customer.

    The input of every survival estimate of the kit (:func:`survival_curve`, and
    :mod:`crmkit.loyalty.survival`'s Kaplan-Meier and Cox fits through lifelines).

    Parameters
    ----------
    customers : DataFrame
        Acquisition and churn dates.
    as_of : date-like, optional
        End of observation (default: the last date in the table); customers still active
        then are censored.
    observed_from : date-like, optional
        Start of observation: customers acquired earlier enter at the tenure they had then
        (left truncation); those who left before it are dropped.
    acquisition_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        Index of ``customers``; ``entry`` (years of tenure when observation starts),
        ``exit`` (years of tenure at churn or at ``as_of``), ``churned`` (bool). A
        customer entering at tenure ``entry > 0`` is at risk over ``(entry, exit]`` (the
        convention of lifelines and R's survival); one who left on the day observation
        began has no time at risk and is left out.

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({
    ...     "acquisition_date": pd.to_datetime(["2018-01-01", "2021-01-01"]),
    ...     "churn_date": pd.to_datetime(["2021-07-02", None])})
    >>> tenure_table(cu, as_of="2023-01-01", observed_from="2020-01-01").round(2)
       entry  exit  churned
    0    2.0   3.5     True
    1    0.0   2.0    False
    """
    require(customers, "customers", {acquisition_col: "datetime", churn_col: "datetime"},
            nullable=(churn_col,))
    schema.check_key(customers, "customers")
    schema.check_dates_ordered(customers, "customers", acquisition_col, churn_col)
    if as_of is None:
        as_of = max(customers[acquisition_col].max(), customers[churn_col].max())
    as_of = as_timestamp(as_of)
    cu = customers.loc[seen_by(customers[acquisition_col], as_of)]
    entry_date = cu[acquisition_col]
    if observed_from is not None:
        observed_from = as_timestamp(observed_from, "observed_from")
        # left-truncation: those still customers on observed_from (crmkit.market's rule)
        cu = cu.loc[~seen_by(cu[churn_col], observed_from - pd.Timedelta(days=1))]
        entry_date = cu[acquisition_col].clip(lower=observed_from)
    churn = cu[churn_col].where(seen_by(cu[churn_col], as_of))
    year = pd.Timedelta(days=_YEAR_DAYS)
    entry = ((entry_date - cu[acquisition_col]) / year).to_numpy()
    exit_ = ((churn.fillna(as_of) - cu[acquisition_col]) / year).to_numpy()
    event = churn.notna().to_numpy()
    # a customer who left on the day observation began has no time at risk in it: dropped
    # (the counting-process convention of lifelines and R's survival, where a customer
    # entering at tenure e is at risk over (e, exit])
    exposed = (entry == 0) | (exit_ > entry)
    if not exposed.any():
        raise schema.SchemaError("customers: no customer observed between observed_from and as_of")
    return pd.DataFrame({"entry": entry, "exit": exit_, "churned": event},
                        index=cu.index)[exposed]


def survival_curve(
    customers: pd.DataFrame,
    *,
    as_of=None,
    observed_from=None,
    max_years: int = 10,
    acquisition_col: str = "acquisition_date",
    churn_col: str = "churn_date",
) -> pd.DataFrame:
    """Share of customers still there after 0, 1, ..., ``max_years`` years (Kaplan-Meier).

    Customers still active at ``as_of`` are censored at their tenure, so recent cohorts
    count for as long as they have been observed; this is the honest way to check "half
    the customers are lost within five years".

    Parameters
    ----------
    customers : DataFrame
        Acquisition and churn dates.
    as_of : date-like, optional
        End of observation (default: the last date in the table).
    observed_from : date-like, optional
        Start of observation. Customers acquired earlier are in the data only because they
        were still there at that date (those who left before are not): each enters the
        risk set at the tenure they had then (left truncation). Without it, a base of old
        survivors makes retention look better than it is. Customers who left before
        ``observed_from`` are dropped.
    max_years : int, default 10
        Last year of the curve.
    acquisition_col, churn_col : str
        Acquisition and churn date columns.

    Returns
    -------
    DataFrame
        ``years``, ``at_risk`` (customers observed at that tenure), ``churned`` (churns
        in the year up to it) and ``survival``.

    Examples
    --------
    Four customers: one leaves after 0.5 year, one after 1.5 years, two stay (one observed
    for 3 years, one for just over 1 year):

    >>> import pandas as pd
    >>> cu = pd.DataFrame({
    ...     "acquisition_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-01",
    ...                                         "2021-12-31"]),
    ...     "churn_date": pd.to_datetime(["2020-07-02", "2021-07-02", None, None])})
    >>> survival_curve(cu, as_of="2023-01-01", max_years=3)
       years  at_risk  churned  survival
    0      0        4        0     1.000
    1      1        3        1     0.750
    2      2        1        1     0.375
    3      3        1        0     0.375
    """
    if not (isinstance(max_years, int | np.integer) and max_years >= 1):
        raise ValueError(f"max_years must be a positive integer, got {max_years!r}")
    tt = tenure_table(customers, as_of=as_of, observed_from=observed_from,
                      acquisition_col=acquisition_col, churn_col=churn_col)
    entry, exit_, event = (tt["entry"].to_numpy(), tt["exit"].to_numpy(),
                           tt["churned"].to_numpy())
    # at risk at t: entered before t (from the start when acquired during observation) and
    # not gone before t; lifelines' KaplanMeierFitter(entry=...) gives the same curve
    entries, exits = np.sort(np.where(entry > 0, entry, -np.inf)), np.sort(exit_)

    def at_risk(t):
        return np.searchsorted(entries, t, "left") - np.searchsorted(exits, t, "left")

    # Kaplan-Meier with delayed entry: product over churn times of (1 - churns / at risk)
    times, deaths = np.unique(exit_[event], return_counts=True)
    surv = np.cumprod(1 - deaths / at_risk(times)) if len(times) else np.ones(0)
    years = np.arange(max_years + 1)
    k = np.searchsorted(times, years, side="right")  # churn times <= year
    survival = np.where(k > 0, surv[np.maximum(k - 1, 0)], 1.0) if len(times) else (
        np.ones(len(years)))
    cum = np.r_[0, np.cumsum(deaths)]
    return pd.DataFrame({
        "years": years,
        "at_risk": at_risk(years.astype(float)),
        "churned": np.diff(np.r_[0, cum[k]]).astype(np.int64),
        "survival": survival,
    })


def _per_period(value, periods: int, name: str) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(value, dtype=float), (periods,)).copy()
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite")
    return arr


def bathtub(
    periods: int,
    *,
    initial_customers: float = 0.0,
    acquired=0.0,
    retention_rate=0.8,
    margin_per_customer=0.0,
    acquisition_cost=0.0,
    retention_cost=0.0,
    discount_rate: float = 0.0,
) -> pd.DataFrame:
    """Simulate the customer stock and profit: acquisition tap, churn drain.

    In each period the start stock keeps a share ``retention_rate`` (the rest is lost),
    ``acquired`` new customers join, and the end stock earns ``margin_per_customer``.
    Costs: ``acquisition_cost`` per new customer and ``retention_cost`` per customer of the
    start stock (what is spent to keep them). Every rate and amount may be a scalar or one
    value per period.

    Parameters
    ----------
    periods : int
        Number of periods simulated.
    initial_customers : float, default 0.0
        Stock at the start of period 1.
    acquired : float or array-like, default 0.0
        New customers per period.
    retention_rate : float or array-like, default 0.8
        Share of the start stock kept in each period.
    margin_per_customer : float or array-like, default 0.0
        Margin of each customer of the end stock.
    acquisition_cost : float or array-like, default 0.0
        Cost per new customer.
    retention_cost : float or array-like, default 0.0
        Cost per customer of the start stock.
    discount_rate : float, default 0.0
        Discount rate per period.

    Returns
    -------
    DataFrame
        One row per period 1..``periods``: ``start_stock``, ``lost``, ``acquired``,
        ``end_stock``, ``margin``, ``acquisition_spend``, ``retention_spend``, ``profit``,
        ``discounted_profit`` (at the end of the period) and ``cumulative_profit``.

    Examples
    --------
    >>> bathtub(3, initial_customers=100, acquired=20, retention_rate=0.8,
    ...         margin_per_customer=10, acquisition_cost=50)[
    ...     ["start_stock", "lost", "end_stock", "profit"]]  # doctest: +NORMALIZE_WHITESPACE
            start_stock  lost  end_stock  profit
    period
    1             100.0  20.0      100.0    0.0
    2             100.0  20.0      100.0    0.0
    3             100.0  20.0      100.0    0.0
    """
    if not (isinstance(periods, int | np.integer) and periods >= 1):
        raise ValueError(f"periods must be a positive integer, got {periods!r}")
    r = _per_period(retention_rate, periods, "retention_rate")
    if ((r < 0) | (r > 1)).any():
        raise ValueError("retention_rate must be in [0, 1]")
    a = _per_period(acquired, periods, "acquired")
    for name, v in (("acquired", a), ("initial_customers", np.asarray(initial_customers))):
        if (v < 0).any():
            raise ValueError(f"{name} must be >= 0")
    m = _per_period(margin_per_customer, periods, "margin_per_customer")
    ca = _per_period(acquisition_cost, periods, "acquisition_cost")
    cr = _per_period(retention_cost, periods, "retention_cost")
    # the stock is a first-order recursion over periods (not customers): end = r * start + a
    start = np.empty(periods)
    end = np.empty(periods)
    stock = float(initial_customers)
    for t in range(periods):
        start[t] = stock
        stock = r[t] * stock + a[t]
        end[t] = stock
    out = pd.DataFrame({"start_stock": start, "lost": (1 - r) * start, "acquired": a,
                        "end_stock": end, "margin": m * end, "acquisition_spend": ca * a,
                        "retention_spend": cr * start},
                       index=pd.RangeIndex(1, periods + 1, name="period"))
    out["profit"] = out["margin"] - out["acquisition_spend"] - out["retention_spend"]
    out["discounted_profit"] = out["profit"] / (1 + discount_rate) ** out.index.to_numpy()
    out["cumulative_profit"] = out["profit"].cumsum()
    return out


@dataclass(frozen=True)
class RetentionEffect:
    """Result of :func:`retention_uplift`: the portfolio before and after the gain."""

    retention_before: float
    retention_after: float
    customers_before: float
    customers_after: float
    profit_before: float
    profit_after: float

    @property
    def profit_ratio(self) -> float:
        """Profit after over profit before (2.0 = profit doubled)."""
        return self.profit_after / self.profit_before if self.profit_before else float("nan")


def retention_uplift(
    retention_rate: float,
    points: float = 0.05,
    *,
    margin_per_customer: float,
    acquisition_cost: float = 0.0,
    acquired: float = 1.0,
    retention_cost: float = 0.0,
    margin_growth: float = 0.0,
    periods: int | None = None,
    initial_customers: float | None = None,
    discount_rate: float = 0.0,
) -> RetentionEffect:
    """Profit before and after ``points`` more of retention (0.05 = five points).

    Without ``periods``, the comparison is between *steady states*: with a constant inflow
    ``acquired`` and retention ``r`` the stock settles at ``acquired / (1 - r)``; if margins
    grow with tenure by ``margin_growth`` a year (Reichheld & Sasser, 1990: loyal customers
    buy more, cost less and refer others), a cohort's margin is
    ``acquired * margin / (1 - r * (1 + margin_growth))``. The steady-state profit is that
    margin minus ``acquisition_cost * acquired`` and ``retention_cost`` per customer. Five
    points of retention double profit only when profit is thin relative to margin —
    exactly what the tests and the chapter explore.

    With ``periods``, both portfolios are simulated with :func:`bathtub` from
    ``initial_customers`` (default: the steady state before the gain) and the cumulative
    discounted profits are compared (``margin_growth`` is then not used).

    Parameters
    ----------
    retention_rate : float
        Retention before the gain, in [0, 1).
    points : float, default 0.05
        Gain of retention (0.05 = five points).
    margin_per_customer : float
        Margin per customer and period.
    acquisition_cost : float, default 0.0
        Cost per new customer.
    acquired : float, default 1.0
        New customers per period.
    retention_cost : float, default 0.0
        Cost per customer of the stock and period.
    margin_growth : float, default 0.0
        Yearly growth of a customer's margin with tenure (steady state only).
    periods : int, optional
        Simulate this many periods with :func:`bathtub` instead of comparing steady states.
    initial_customers : float, optional
        Start stock of the simulation (default: the steady state before the gain).
    discount_rate : float, default 0.0
        Discount rate per period (simulation only).

    Returns
    -------
    RetentionEffect
        Customers and profit before and after, and ``profit_ratio``.

    Examples
    --------
    Steady state with 100 new customers a year at 300 euros each, 80 % retention, 100
    euros of margin: 500 customers, profit 50,000 - 30,000 = 20,000. At 85 %: 667
    customers, profit 36,667: +83 %.

    >>> eff = retention_uplift(0.80, 0.05, margin_per_customer=100, acquisition_cost=300,
    ...                        acquired=100)
    >>> round(eff.customers_after), round(eff.profit_after), round(eff.profit_ratio, 2)
    (667, 36667, 1.83)
    """
    r0 = float(retention_rate)
    r1 = r0 + float(points)
    if not (0 <= r0 < 1 and 0 <= r1 < 1):
        raise ValueError(f"retention before ({r0}) and after ({r1}) must be in [0, 1)")
    if periods is None:
        def steady(r: float) -> tuple[float, float]:
            growth = r * (1 + margin_growth)
            if growth >= 1:
                raise ValueError(
                    f"retention {r} with margin_growth {margin_growth}: the margin of a "
                    "cohort never stops growing (r * (1 + g) must be < 1)"
                )
            stock = acquired / (1 - r)
            margin = acquired * margin_per_customer / (1 - growth)
            return stock, margin - acquisition_cost * acquired - retention_cost * stock

        (s0, p0), (s1, p1) = steady(r0), steady(r1)
    else:
        init = acquired / (1 - r0) if initial_customers is None else initial_customers
        runs = [
            bathtub(periods, initial_customers=init, acquired=acquired, retention_rate=r,
                    margin_per_customer=margin_per_customer,
                    acquisition_cost=acquisition_cost, retention_cost=retention_cost,
                    discount_rate=discount_rate)
            for r in (r0, r1)
        ]
        (s0, p0), (s1, p1) = [
            (float(b["end_stock"].iloc[-1]), float(b["discounted_profit"].sum())) for b in runs
        ]
    return RetentionEffect(r0, r1, float(s0), float(s1), float(p0), float(p1))


def half_life(retention_rate: float) -> float:
    """Periods until half of a cohort is lost at a constant retention rate.

    Parameters
    ----------
    retention_rate : float
        Retention per period, in (0, 1).

    Returns
    -------
    float
        ``log(0.5) / log(retention_rate)`` periods.

    Examples
    --------
    >>> round(half_life(0.8706), 2)
    5.0
    """
    r = float(retention_rate)
    if not 0 < r < 1:
        raise ValueError(f"retention_rate must be in (0, 1), got {retention_rate!r}")
    return float(np.log(0.5) / np.log(r))


def retention_for_half_life(periods: float) -> float:
    """Constant retention rate at which half of a cohort is lost after ``periods``.

    Parameters
    ----------
    periods : float
        Periods after which half the cohort is lost (> 0).

    Returns
    -------
    float
        ``0.5 ** (1 / periods)``.

    Examples
    --------
    "Half the customers lost in 5 years" means about 87 % yearly retention:

    >>> round(retention_for_half_life(5), 4)
    0.8706
    """
    if not periods > 0:
        raise ValueError(f"periods must be > 0, got {periods!r}")
    return float(0.5 ** (1 / periods))


@dataclass(frozen=True)
class CostRatio:
    """Result of :func:`acquisition_retention_ratio`."""

    cost_per_acquisition: float
    cost_per_retention: float

    @property
    def ratio(self) -> float:
        """How many times more a won customer costs than a kept one."""
        return self.cost_per_acquisition / self.cost_per_retention


def acquisition_retention_ratio(
    acquisition_spend: float,
    customers_acquired: float,
    retention_spend: float,
    customers_retained: float,
) -> CostRatio:
    """Cost of winning a customer against cost of keeping one ("7 to 10 times").

    The spends are the period's acquisition budget (prospecting campaigns, sign-up offers,
    sales commissions on first sales) and retention budget (loyalty programme, retention
    offers, service recovery); the counts are the customers won and kept over the period.

    Parameters
    ----------
    acquisition_spend : float
        The period's acquisition budget.
    customers_acquired : float
        Customers won over the period.
    retention_spend : float
        The period's retention budget.
    customers_retained : float
        Customers kept over the period.

    Returns
    -------
    CostRatio
        ``cost_per_acquisition``, ``cost_per_retention`` and their ``ratio``.

    Examples
    --------
    >>> cr = acquisition_retention_ratio(400_000, 1_000, 450_000, 9_000)
    >>> cr.cost_per_acquisition, cr.cost_per_retention, cr.ratio
    (400.0, 50.0, 8.0)
    """
    values = dict(acquisition_spend=acquisition_spend, customers_acquired=customers_acquired,
                  retention_spend=retention_spend, customers_retained=customers_retained)
    for name, v in values.items():
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    return CostRatio(acquisition_spend / customers_acquired,
                     retention_spend / customers_retained)


def acquisition_retention_costs(
    customers: pd.DataFrame,
    interactions: pd.DataFrame,
    *,
    first_year: int | None = None,
    last_year: int | None = None,
    retention_reasons=("retention",),
    acquisition_cost_col: str = "acquisition_cost",
    customer_col: str = "customer_id",
    acquisition_col: str = "acquisition_date",
    churn_col: str = "churn_date",
    reason_col: str = "reason",
    cost_col: str = "cost",
    date_col: str = "date",
) -> CostRatio:
    """The acquisition / retention cost ratio measured on the market's tables.

    Over the calendar years ``first_year`` to ``last_year`` (default: the full years the
    interactions cover): the cost per acquisition is the mean ``acquisition_cost`` of the
    customers won in those years; the cost per retention is the cost of the interactions
    whose reason is in ``retention_reasons`` divided by the customers kept, year by year
    (start-of-year stock still there at the end of the year, see :func:`customer_flows`).

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with acquisition and churn dates and ``acquisition_cost_col``.
    interactions : pandas.DataFrame
        Contacts with the customer, date, reason and cost.
    first_year, last_year : int, optional
        Calendar years measured (default: the full years the interactions cover).
    retention_reasons : sequence of str, default ("retention",)
        Interaction reasons counted as retention spend.
    acquisition_cost_col : str, default "acquisition_cost"
        Cost of winning each customer.
    customer_col, acquisition_col, churn_col : str
        Customer key, acquisition and churn date columns of ``customers``.
    reason_col, cost_col, date_col : str
        Columns of ``interactions``.

    Returns
    -------
    CostRatio
        ``cost_per_acquisition``, ``cost_per_retention`` and their ``ratio``.

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3],
    ...     "acquisition_date": pd.to_datetime(["2019-05-01", "2019-06-01", "2020-03-01"]),
    ...     "churn_date": pd.to_datetime([None, None, None]),
    ...     "acquisition_cost": [150.0, 250.0, 200.0]})
    >>> it = pd.DataFrame({"customer_id": [1, 2], "reason": ["retention", "sale"],
    ...     "cost": [20.0, 30.0], "date": pd.to_datetime(["2020-06-01", "2020-07-01"])})
    >>> cr = acquisition_retention_costs(cu, it, first_year=2020, last_year=2020)
    >>> cr.cost_per_acquisition, cr.cost_per_retention, cr.ratio
    (200.0, 10.0, 20.0)
    """
    require(customers, "customers", {customer_col: None, acquisition_cost_col: "number"},
            nonnegative=(acquisition_cost_col,))
    schema.check_key(customers, "customers", customer_col)
    require(interactions, "interactions",
            {reason_col: None, cost_col: "number", date_col: "datetime"},
            nonnegative=(cost_col,))
    schema.check_key(interactions, "interactions")
    dates = interactions[date_col]
    if first_year is None:  # a year counts if the data start in January / end in December
        first = dates.min()
        first_year = first.year + (0 if first.month == 1 else 1)
    if last_year is None:
        last = dates.max()
        last_year = last.year - (0 if last.month == 12 else 1)
    if last_year < first_year:
        raise ValueError(f"no full calendar year between {first_year} and {last_year}")
    flows = customer_flows(customers, freq="Y", customer_col=customer_col,
                           acquisition_col=acquisition_col, churn_col=churn_col)
    years = flows.index.year
    flows = flows.loc[(years >= first_year) & (years <= last_year)]
    kept = float((flows["start_stock"] - flows["churned"] + flows["churned_new"]).sum())
    won = customers[acquisition_col].dt.year.between(first_year, last_year)
    spend = interactions.loc[interactions[reason_col].isin(list(retention_reasons))
                             & dates.dt.year.between(first_year, last_year), cost_col].sum()
    return acquisition_retention_ratio(
        float(customers.loc[won, acquisition_cost_col].sum()), float(won.sum()),
        float(spend), kept,
    )



@dataclass(frozen=True)
class BathtubParameters:
    """One calendar year of the market's bathtub: the inputs of :func:`bathtub`.

    ``acquired`` counts the customers won in the year *and still there at its end*, and
    ``acquisition_cost`` is the year's whole acquisition spend divided by them, so that
    ``bathtub(1, initial_customers=start_stock, **p.as_kwargs())`` gives back the observed
    end stock, margin, acquisition and retention spend of the year.
    """

    year: int
    start_stock: float
    end_stock: float
    acquired: float
    retention_rate: float
    margin_per_customer: float
    acquisition_cost: float
    retention_cost: float

    def as_kwargs(self) -> dict:
        """The flow parameters, as keyword arguments of :func:`bathtub`.

        Returns
        -------
        dict
            ``acquired``, ``retention_rate``, ``margin_per_customer``, ``acquisition_cost`` and
            ``retention_cost``.

        Examples
        --------
        >>> p = BathtubParameters(year=2024, start_stock=100, end_stock=100, acquired=20,
        ...                       retention_rate=0.8, margin_per_customer=10,
        ...                       acquisition_cost=50, retention_cost=0)
        >>> bathtub(1, initial_customers=p.start_stock, **p.as_kwargs())["end_stock"].tolist()
        [100.0]
        """
        return {"acquired": self.acquired, "retention_rate": self.retention_rate,
                "margin_per_customer": self.margin_per_customer,
                "acquisition_cost": self.acquisition_cost,
                "retention_cost": self.retention_cost}


def bathtub_parameters(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    interactions: pd.DataFrame,
    *,
    year: int,
    retention_reasons=("retention",),
    acquisition_cost_col: str = "acquisition_cost",
    customer_col: str = "customer_id",
    acquisition_col: str = "acquisition_date",
    churn_col: str = "churn_date",
    margin_col: str = "margin",
    reason_col: str = "reason",
    cost_col: str = "cost",
    date_col: str = "date",
) -> BathtubParameters:
    """Measure the bathtub of calendar ``year`` on the market's tables.

    - ``retention_rate``: share of the start-of-year stock still there at the end
      (:func:`customer_flows`);
    - ``acquired``: customers won in the year and still there at its end;
    - ``acquisition_cost``: the ``acquisition_cost`` of *all* customers won in the year,
      divided by ``acquired`` (the customers lost in their first months were paid for too);
    - ``retention_cost``: cost of the interactions whose reason is in
      ``retention_reasons``, per customer of the start stock;
    - ``margin_per_customer``: the year's transaction margin minus the cost of the other
      interactions (serving, selling, handling claims and complaints), per customer of the
      end stock: the bathtub earns its margin on the end stock.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with acquisition and churn dates and ``acquisition_cost_col``.
    transactions : pandas.DataFrame
        Money flows with the customer, date and margin.
    interactions : pandas.DataFrame
        Contacts with the customer, date, reason and cost.
    year : int
        Calendar year measured.
    retention_reasons : sequence of str, default ("retention",)
        Interaction reasons counted as retention spend.
    acquisition_cost_col : str, default "acquisition_cost"
        Cost of winning each customer.
    customer_col, acquisition_col, churn_col : str
        Customer key, acquisition and churn date columns of ``customers``.
    margin_col : str, default "margin"
        Margin column of ``transactions``.
    reason_col, cost_col, date_col : str
        Columns of ``interactions`` (``date_col`` also of ``transactions``).

    Returns
    -------
    BathtubParameters
        The year's stocks and the inputs of :func:`bathtub`.

    Examples
    --------
    Three customers at the start of 2024 (one leaves), two won during the year (one of
    them leaves within it):

    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
    ...     "acquisition_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01",
    ...                                         "2024-03-01", "2024-05-01"]),
    ...     "churn_date": pd.to_datetime([None, "2024-06-01", None, None, "2024-09-01"]),
    ...     "acquisition_cost": [100.0, 100.0, 100.0, 150.0, 250.0]})
    >>> tx = pd.DataFrame({"customer_id": [1, 3, 4], "margin": [500.0, 300.0, 100.0],
    ...     "date": pd.to_datetime(["2024-02-01", "2024-02-01", "2024-04-01"])})
    >>> it = pd.DataFrame({"customer_id": [1, 2, 3], "reason": ["retention", "service", "retention"],
    ...     "cost": [30.0, 20.0, 15.0], "date": pd.to_datetime(["2024-01-10"] * 3)})
    >>> p = bathtub_parameters(cu, tx, it, year=2024)
    >>> p.start_stock, p.end_stock, p.acquired, round(p.retention_rate, 3)
    (3.0, 3.0, 1.0, 0.667)
    >>> p.acquisition_cost, p.retention_cost, round(p.margin_per_customer, 2)
    (400.0, 15.0, 293.33)
    >>> bathtub(1, initial_customers=p.start_stock, **p.as_kwargs())[
    ...     ["end_stock", "margin", "acquisition_spend", "retention_spend"]].round(2)
    ... # doctest: +NORMALIZE_WHITESPACE
            end_stock  margin  acquisition_spend  retention_spend
    period
    1             3.0   880.0              400.0             45.0
    """
    if not isinstance(year, int | np.integer):
        raise ValueError(f"year must be an integer, got {year!r}")
    require(customers, "customers",
            {customer_col: None, acquisition_col: "datetime", churn_col: "datetime",
             acquisition_cost_col: "number"},
            nonnegative=(acquisition_cost_col,), nullable=(churn_col,))
    schema.check_key(customers, "customers", customer_col)
    require(transactions, "transactions", {date_col: "datetime", margin_col: "number"})
    require(interactions, "interactions",
            {reason_col: None, cost_col: "number", date_col: "datetime"},
            nonnegative=(cost_col,))
    schema.check_key(interactions, "interactions")
    year_end = pd.Timestamp(year=int(year), month=12, day=31)
    first = customers[acquisition_col].min()
    if first > year_end:
        raise ValueError(f"year {year} is before the first acquisition ({first.date()})")
    flows = customer_flows(customers, freq="Y", as_of=year_end, customer_col=customer_col,
                           acquisition_col=acquisition_col, churn_col=churn_col)
    row = flows.loc[flows.index.year == int(year)].iloc[0]
    if not row["start_stock"] > 0:
        raise ValueError(f"no customer at the start of {year}: the bathtub is empty")
    kept_new = float(row["acquired"] - row["churned_new"])
    if not kept_new > 0:
        raise ValueError(f"no customer won in {year} was still there at its end")
    end_stock = float(row["end_stock"])
    won = customers[acquisition_col].dt.year == int(year)
    in_year = interactions[date_col].dt.year == int(year)
    retain = interactions[reason_col].isin(list(retention_reasons))
    margin = float(transactions.loc[transactions[date_col].dt.year == int(year),
                                    margin_col].sum())
    serve = float(interactions.loc[in_year & ~retain, cost_col].sum())
    return BathtubParameters(
        year=int(year),
        start_stock=float(row["start_stock"]),
        end_stock=end_stock,
        acquired=kept_new,
        retention_rate=float(row["retention_rate"]),
        margin_per_customer=(margin - serve) / end_stock if end_stock > 0 else 0.0,
        acquisition_cost=float(customers.loc[won, acquisition_cost_col].sum()) / kept_new,
        retention_cost=float(interactions.loc[in_year & retain, cost_col].sum())
        / float(row["start_stock"]),
    )


def churn_within(
    groups: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    as_of,
    years: float = 5,
    by: str = "loyalty_type",
    customer_col: str = "customer_id",
    churn_col: str = "churn_date",
    table: str = "groups",
) -> pd.DataFrame:
    """Share of each group's customers who left within ``years`` after ``as_of``.

    The test of a typology measured at ``as_of`` (Dick & Basu types, a satisfaction or
    intention score): does it tell who leaves next? Only the customers of ``groups`` still
    there at ``as_of`` count. The horizon should end before the data do, or recent churn
    is missed.

    Parameters
    ----------
    groups : pandas.DataFrame
        One row per customer with the ``by`` column measured at ``as_of``.
    customers : pandas.DataFrame
        One row per customer with the churn date.
    as_of : date-like
        Date the groups were measured.
    years : float, default 5
        Horizon after ``as_of``.
    by : str, default "loyalty_type"
        Group column of ``groups``.
    customer_col : str, default "customer_id"
        Customer key of both tables.
    churn_col : str, default "churn_date"
        Churn date column of ``customers``.
    table : str, default "groups"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        One row per group (all categories of a categorical ``by``, in order):
        ``customers``, ``churned`` and ``churn_share``.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"customer_id": [1, 2, 3, 4], "loyalty_type": ["a", "a", "b", "b"]})
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3, 4],
    ...     "churn_date": pd.to_datetime([None, "2021-06-01", "2019-01-01", "2030-01-01"])})
    >>> churn_within(g, cu, as_of="2020-01-01", years=5)
      loyalty_type  customers  churned  churn_share
    0            a          2        1          0.5
    1            b          1        0          0.0
    """
    if not years > 0:
        raise ValueError(f"years must be > 0, got {years!r}")
    as_of = as_timestamp(as_of)
    require(groups, table, {customer_col: None, by: None})
    schema.check_unique(groups, table, customer_col)
    require(customers, "customers", {customer_col: None, churn_col: "datetime"},
            nullable=(churn_col,))
    schema.check_unique(customers, "customers", customer_col)
    churn = groups[customer_col].map(customers.set_index(customer_col)[churn_col])
    schema.check_rows(groups, table, customer_col,
                      ~groups[customer_col].isin(customers[customer_col]),
                      "not in the customers table")
    alive = ~seen_by(churn, as_of)
    horizon = as_of + pd.Timedelta(days=_YEAR_DAYS * float(years))
    left = alive & seen_by(churn, horizon)
    g = pd.DataFrame({by: groups[by], "left": left.to_numpy()}).loc[alive.to_numpy()]
    out = g.groupby(by, observed=False, sort=True)["left"].agg(["size", "sum"])
    out = out.rename(columns={"size": "customers", "sum": "churned"})
    out["churned"] = out["churned"].astype(np.int64)
    out["churn_share"] = (out["churned"] / out["customers"]).where(out["customers"] > 0)
    return out.rename_axis(by).reset_index()


def margin_by_tenure(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    year: int,
    max_years: int = 15,
    customer_col: str = "customer_id",
    acquisition_col: str = "acquisition_date",
    churn_col: str = "churn_date",
    margin_col: str = "margin",
    date_col: str = "date",
) -> pd.DataFrame:
    """Margin of ``year`` per customer, by tenure: do older customers earn more?

    Reichheld and Sasser (1990) argue that a customer's profit grows with the years (more
    products, lower costs, referrals), which is why retention pays more than the customer
    count suggests. Only customers there for the whole year count (active on every day of
    it: :func:`crmkit.market.active_throughout`), so that every margin covers twelve months; tenure is in
    whole years at the start of the year, the last class gathering ``max_years`` and more.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with acquisition and churn dates.
    transactions : pandas.DataFrame
        Money flows with the customer, date and margin.
    year : int
        Calendar year measured.
    max_years : int, default 15
        Last tenure class (``max_years`` and more).
    customer_col, acquisition_col, churn_col : str
        Customer key, acquisition and churn date columns of ``customers``.
    margin_col, date_col : str
        Margin and date columns of ``transactions``.

    Returns
    -------
    DataFrame
        ``tenure_years``, ``customers``, ``mean_margin``, ``median_margin``.

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3],
    ...     "acquisition_date": pd.to_datetime(["2023-06-01", "2019-01-01", "2024-02-01"]),
    ...     "churn_date": pd.to_datetime([None, None, None])})
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 2, 3], "margin": [100.0, 200.0, 300.0, 50.0],
    ...     "date": pd.to_datetime(["2024-03-01", "2024-03-01", "2024-09-01", "2024-03-01"])})
    >>> margin_by_tenure(cu, tx, year=2024, max_years=3)
       tenure_years  customers  mean_margin  median_margin
    0             0          1        100.0          100.0
    1             3          1        500.0          500.0
    """
    if not isinstance(year, int | np.integer):
        raise ValueError(f"year must be an integer, got {year!r}")
    if not (isinstance(max_years, int | np.integer) and max_years >= 1):
        raise ValueError(f"max_years must be a positive integer, got {max_years!r}")
    require(customers, "customers",
            {customer_col: None, acquisition_col: "datetime", churn_col: "datetime"},
            nullable=(churn_col,))
    schema.check_unique(customers, "customers", customer_col)
    require(transactions, "transactions",
            {customer_col: None, date_col: "datetime", margin_col: "number"})
    start = pd.Timestamp(year=int(year), month=1, day=1)
    end = pd.Timestamp(year=int(year) + 1, month=1, day=1)
    full = active_throughout(customers, start, end, acquisition=acquisition_col, churn=churn_col)
    cu = customers.loc[full]
    if cu.empty:
        raise schema.SchemaError(f"customers: nobody was a customer for the whole of {year}")
    tx = transactions.loc[transactions[date_col].dt.year == int(year)]
    margin = tx.groupby(customer_col)[margin_col].sum()
    acq = cu[acquisition_col]
    # completed calendar years on 1 January: an anniversary on that day counts
    tenure = int(year) - acq.dt.year - ((acq.dt.month > 1) | (acq.dt.day > 1))
    frame = pd.DataFrame({
        "tenure_years": np.minimum(tenure.to_numpy(), max_years).astype(np.int64),
        "margin": cu[customer_col].map(margin).fillna(0.0).to_numpy(),
    })
    out = frame.groupby("tenure_years", sort=True)["margin"].agg(
        customers="size", mean_margin="mean", median_margin="median")
    return out.reset_index()


def compare_bathtubs(
    periods: int,
    scenarios,
    *,
    initial_customers: float,
    discount_rate: float = 0.0,
) -> pd.DataFrame:
    """Run :func:`bathtub` once per scenario from the same stock; one tidy table.

    ``scenarios`` maps a scenario name to the keyword arguments of :func:`bathtub`
    (``acquired``, ``retention_rate``, ``margin_per_customer``...). The result stacks the
    runs with ``scenario`` and ``period`` columns, ready for a seaborn ``hue``.

    Parameters
    ----------
    periods : int
        Number of periods simulated.
    scenarios : dict of str to dict
        Scenario name -> keyword arguments of :func:`bathtub`.
    initial_customers : float
        Stock at the start of period 1, the same for every scenario.
    discount_rate : float, default 0.0
        Discount rate per period.

    Returns
    -------
    pandas.DataFrame
        The runs of :func:`bathtub` stacked, with ``scenario`` and ``period`` columns.

    Examples
    --------
    >>> runs = compare_bathtubs(2, {"baseline": {"acquired": 10, "retention_rate": 0.8},
    ...                             "retain": {"acquired": 10, "retention_rate": 0.9}},
    ...                         initial_customers=50)
    >>> runs[["scenario", "period", "end_stock"]]
       scenario  period  end_stock
    0  baseline       1       50.0
    1  baseline       2       50.0
    2    retain       1       55.0
    3    retain       2       59.5
    """
    if not scenarios:
        raise ValueError("scenarios must map at least one name to bathtub arguments")
    runs = []
    for name, kwargs in scenarios.items():
        run = bathtub(periods, initial_customers=initial_customers, discount_rate=discount_rate,
                      **dict(kwargs))
        runs.append(run.reset_index().assign(scenario=str(name)))
    out = pd.concat(runs, ignore_index=True)
    return out[["scenario", *[c for c in out.columns if c != "scenario"]]]
