"""Lifetime value with a retention + discount model, and customer equity.

The simple model taught before the probabilistic ones (Gupta & Lehmann, 2003; Berger &
Nasr, 1998): a customer who brings a margin ``m`` per period, stays from one period to the
next with probability ``r`` and whose future is discounted at rate ``d`` is worth

    LTV = m * sum_t r^t / (1 + d)^t,

over a finite horizon or for ever (then ``m * (1 + d) / (1 + d - r)`` counting the current
period, ``m * r / (1 + d - r)`` without it). The course texts weight it with a scoring tool
that measures the customer's financial reliability. A score ranks customers; it is not a
probability, and multiplying a value by it (a score of 0.55 would mean that 45 % of the
value is lost) has no meaning. Credit risk enters here only as a real yearly probability of
default ``p`` (from a calibrated model): a customer who defaults brings no more margin, so
the chance of still earning from them one period later is ``r * (1 - p)``. Without such a
probability, no weighting. Customer equity is the sum over the customer base (Blattberg &
Deighton, 1996).

BG/NBD, Pareto/NBD, Gamma-Gamma and the Markov migration model are in :mod:`crmkit.clv`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed_keywords
from crmkit._docs import fill
from crmkit.segmentation._frame import require

__all__ = ["lifetime_value", "lifetime_value_chain", "chain_steps", "customer_equity",
           "customer_capital", "annuity_factor", "acquisition_returns"]


#: Parameter docs shared by the valuations below (``crmkit._docs.fill``).
_DOCS = {
    "rates": """\
retention : float or str, default 0.8
    Probability of staying one more period: one number, or a column name for a
    customer-specific rate (e.g. from a churn score).
discount_rate : float, default 0.1
    Discount rate per period.""",
    "horizon": """\
horizon : int, optional
    Number of periods (the current one included); None for an infinite horizon.""",
    "default_probability": """\
default_probability_col : str, optional
    Yearly probability of default in [0, 1] (a calibrated probability, not a credit
    score): a customer earns in a later period only if they neither left nor
    defaulted, with probability ``(retention * (1 - p)) ** t``. None: no default.""",
    "key": """\
customer_col : str, default "customer_id"
    Customer key.
table : str, default "customers"
    Table name used in error messages.""",
}


def annuity_factor(retention, discount_rate: float, horizon: int | None = None,
                   *, include_current: bool = True):
    """``sum_t q^t`` with ``q = retention / (1 + discount_rate)``, t from 0 (or 1) on.

    Parameters
    ----------
    retention : float or array-like
        Probability of staying one more period.
    discount_rate : float
        Discount rate per period.
    horizon : int, optional
        Number of periods; None for an infinite horizon (needs ``retention < 1 +
        discount_rate``).
    include_current : bool, default True
        Count the current period (t = 0) undiscounted.

    Returns
    -------
    float or numpy.ndarray
        The factor that turns a constant margin per period into its present value.

    Examples
    --------
    >>> round(annuity_factor(0.8, 0.1), 4)          # (1 + d) / (1 + d - r) = 1.1 / 0.3
    3.6667
    >>> annuity_factor(1.0, 0.0, 3)                 # three full periods
    3.0
    >>> round(annuity_factor(0.5, 0.0, 2, include_current=False), 2)   # 0.5 + 0.25
    0.75
    """
    r = np.asarray(retention, dtype=float)
    if ((r < 0) | (r > 1) | ~np.isfinite(r)).any():
        raise ValueError("retention must be in [0, 1]")
    if not (np.isfinite(discount_rate) and discount_rate > -1):
        raise ValueError(f"discount_rate must be > -1, got {discount_rate!r}")
    if horizon is not None and not (isinstance(horizon, int | np.integer) and horizon >= 1):
        raise ValueError(f"horizon must be a positive integer or None, got {horizon!r}")
    q = r / (1 + discount_rate)
    if horizon is None:
        if (q >= 1).any():
            raise ValueError("an infinite horizon needs retention / (1 + discount_rate) < 1")
        total = 1 / (1 - q)
    else:
        # (1 - q^H) / (1 - q) in log space: exact as q -> 1, where the plain form cancels
        with np.errstate(divide="ignore", invalid="ignore"):
            lq = np.log(r) - np.log1p(discount_rate)
            total = np.where(lq == 0, float(horizon), np.expm1(horizon * lq) / np.expm1(lq))
    # t = 0 .. H-1 counts the current period; t = 1 .. H shifts every term by one factor q
    out = total if include_current else q * total
    return float(out) if np.ndim(out) == 0 else out


@renamed_keywords(id_col="customer_col")
@fill(**_DOCS)
def lifetime_value(
    df: pd.DataFrame,
    *,
    margin_col: str = "direct_profit",
    retention: float | str = 0.8,
    discount_rate: float = 0.1,
    horizon: int | None = None,
    include_current: bool = True,
    potential_col: str | None = None,
    default_probability_col: str | None = None,
    customer_col: str = "customer_id",
    table: str = "customers",
) -> pd.DataFrame:
    """Lifetime value of each customer: discounted, retention-weighted future margins.

    Parameters
    ----------
    df : DataFrame
        One row per customer with a margin per period (e.g. yearly direct profit).
    margin_col : str, default "direct_profit"
        Margin per period.
    {rates}
    horizon : int, optional
        Number of periods; None for an infinite horizon.
    include_current : bool, default True
        Count the current period's margin (t = 0) or start at the next one.
    potential_col : str, optional
        A potential already expressed as a present value, added to the value (the course
        texts: direct profit + potential = lifetime value).
    {default_probability}
    {key}

    Returns
    -------
    DataFrame
        ``customer_col``, ``margin``, ``retention``, ``factor`` (the annuity factor) and
        ``lifetime_value``, in the order of ``df``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2], "direct_profit": [300.0, 300.0],
    ...                    "r": [0.8, 0.5], "pd": [0.0, 0.1]})
    >>> lifetime_value(df, retention="r", discount_rate=0.1,
    ...                default_probability_col="pd").round(2)
       customer_id  margin  retention  factor  lifetime_value
    0            1   300.0        0.8    3.67         1100.00
    1            2   300.0        0.5    1.69          507.69
    """
    cols: dict[str, str | None] = {customer_col: None, margin_col: "number"}
    if isinstance(retention, str):
        cols[retention] = "number"
    for extra in (potential_col, default_probability_col):
        if extra is not None:
            cols[extra] = "number"
    require(df, table, cols)
    schema.check_key(df, table, customer_col)
    if isinstance(retention, str):
        schema.check_in_range(df, table, retention, 0, 1)
        r = df[retention].to_numpy(dtype=float)
    else:
        r = np.full(len(df), float(retention))
    survival = r * (1.0 - _default_probability(df, default_probability_col, table))
    factor = np.broadcast_to(
        annuity_factor(survival, discount_rate, horizon, include_current=include_current),
        r.shape,
    )
    margin = df[margin_col].to_numpy(dtype=float)
    value = margin * factor
    if potential_col is not None:
        value = value + df[potential_col].to_numpy(dtype=float)
    return pd.DataFrame({customer_col: df[customer_col].to_numpy(), "margin": margin, "retention": r,
                         "factor": factor, "lifetime_value": value})


@fill(**_DOCS)
def customer_capital(
    df: pd.DataFrame,
    *,
    margin_col: str = "commercial_margin",
    effort_col: str = "retention_effort",
    retention: float | str = 0.8,
    discount_rate: float = 0.1,
    horizon: int | None = None,
    customer_col: str = "customer_id",
    table: str = "customers",
) -> pd.DataFrame:
    """Customer capital: the margin of a customer's purchases over the relationship, minus
    the efforts spent to keep them.

    The lecture slides define customer capital as what a customer may buy over the whole
    relationship, less the commercial efforts (letters, gifts, discounts) made to retain
    them; Blattberg & Deighton (1996) net retention spending from the margins of the
    customers kept in the same way. Each year's margin and effort are retained and
    discounted alike — an effort is spent only on a customer still there — so the capital is
    ``(margin - effort) * factor`` with the annuity factor of :func:`lifetime_value`; the two
    discounted parts are returned too, to show what the effort takes.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer with a margin and a retention effort per period.
    margin_col : str, default "commercial_margin"
        Margin of the customer's purchases per period (before the cost to serve).
    effort_col : str, default "retention_effort"
        Retention spending per period on the customer (non-negative).
    {rates}
    {horizon}
    {key}

    Returns
    -------
    pandas.DataFrame
        ``customer_col``, ``retention``, ``factor``, ``discounted_margin``,
        ``discounted_effort`` and ``customer_capital`` (their difference), in the order of
        ``df``.

    Raises
    ------
    SchemaError
        A missing or non-numeric column, a duplicated customer, a negative effort, a
        retention outside [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2], "commercial_margin": [300.0, 50.0],
    ...                    "retention_effort": [20.0, 60.0]})
    >>> out = customer_capital(df, retention=0.8, discount_rate=0.1)  # factor 1.1 / 0.3
    >>> out[["discounted_margin", "discounted_effort", "customer_capital"]].round(2)
       discounted_margin  discounted_effort  customer_capital
    0            1100.00              73.33           1026.67
    1             183.33             220.00            -36.67
    """
    require(df, table, {effort_col: "number"})
    effort = df[effort_col].to_numpy(dtype=float)
    schema.check_rows(df, table, effort_col, effort < 0, "negative retention effort(s)")
    margin = lifetime_value(df, margin_col=margin_col, retention=retention,
                            discount_rate=discount_rate, horizon=horizon,
                            customer_col=customer_col, table=table)
    discounted_effort = effort * margin["factor"].to_numpy()
    return pd.DataFrame({
        customer_col: margin[customer_col].to_numpy(),
        "retention": margin["retention"].to_numpy(),
        "factor": margin["factor"].to_numpy(),
        "discounted_margin": margin["lifetime_value"].to_numpy(),
        "discounted_effort": discounted_effort,
        "customer_capital": margin["lifetime_value"].to_numpy() - discounted_effort,
    })


def _default_probability(df: pd.DataFrame, col: str | None, table: str) -> np.ndarray:
    """The yearly default probability of each row (zeros without a column), checked."""
    if col is None:
        return np.zeros(len(df))
    schema.check_in_range(df, table, col, 0, 1)
    return df[col].to_numpy(dtype=float)


def customer_equity(
    df: pd.DataFrame,
    *,
    ltv_col: str = "lifetime_value",
    by: str | None = None,
    table: str = "customers",
):
    """Customer equity: the sum of the customers' lifetime values.

    Returns a float, or with ``by`` a table per group with ``customers``, ``equity`` and
    ``share`` of the total.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer with a lifetime value.
    ltv_col : str, default "lifetime_value"
        Lifetime value column.
    by : str, optional
        Group column.
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    float or pandas.DataFrame
        The sum, or with ``by`` one row per group with ``customers``, ``equity`` and
        ``share`` of the total.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"lifetime_value": [1100.0, 275.0, -75.0],
    ...                    "segment": ["A", "B", "B"]})
    >>> customer_equity(df)
    1300.0
    >>> customer_equity(df, by="segment")
      segment  customers  equity     share
    0       A          1  1100.0  0.846154
    1       B          2   200.0  0.153846
    """
    require(df, table, {ltv_col: "number", **({by: None} if by else {})})
    schema.check_key(df, table, "customer_id")
    if by is None:
        return float(df[ltv_col].sum())
    g = df.groupby(by, observed=True, sort=True)[ltv_col]
    out = pd.DataFrame({"customers": g.size(), "equity": g.sum()})
    out["share"] = out["equity"] / out["equity"].sum()
    return out.reset_index()


@renamed_keywords(id_col="customer_col")
@fill(**_DOCS)
def lifetime_value_chain(
    df: pd.DataFrame,
    *,
    profit_col: str = "direct_profit",
    potential_col: str = "potential",
    retention: float | str = 0.8,
    discount_rate: float = 0.1,
    horizon: int | None = None,
    capture: float = 1.0,
    retention_change: float = 0.0,
    default_probability_col: str | None = None,
    customer_col: str = "customer_id",
    table: str = "customers",
) -> pd.DataFrame:
    """The course texts' value chain, one link per column: from direct profit to lifetime value.

    Direct profit (this period) + the same profit in later periods (retained and
    discounted) + the potential (a yearly amount, e.g. :func:`~crmkit.value.potential`,
    earned from the next period on, retained and discounted the same way) = the value of
    the customer. Credit risk enters as a yearly probability of default (a customer who
    defaults brings nothing more), never as a credit score used as a weight: a score is a
    rank, not a probability (see the module's docstring).

    Parameters
    ----------
    df : DataFrame
        One row per customer with ``profit_col`` and ``potential_col`` per period.
    {rates}
    {horizon}
    capture : float, default 1.0
        Share of the potential expected to be won (1: all of it, the ceiling).
    retention_change : float, default 0.0
        Added to every customer's retention (a what-if: +0.05 is five points more), the
        result kept within [0, 1].
    {default_probability}
    profit_col, potential_col : str
        Direct profit and potential per period.
    {key}

    Returns
    -------
    DataFrame
        ``customer_col``, ``retention``, ``direct_profit``, ``future_profit`` and
        ``potential_value`` (as if nobody defaulted), ``value_before_credit`` (their sum),
        ``default_probability`` and ``lifetime_value`` (with defaults), in the order of
        ``df``.

    Examples
    --------
    A customer earning 300 a year, with 200 of potential, retention 0.8, 10 % discount,
    three periods (this one and two more), a 2 % yearly default probability:

    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1], "direct_profit": [300.0], "potential": [200.0],
    ...                    "pd": [0.02]})
    >>> c = lifetime_value_chain(df, retention=0.8, discount_rate=0.1, horizon=3,
    ...                          default_probability_col="pd")
    >>> c[["future_profit", "potential_value", "value_before_credit", "lifetime_value"]].round(2)
       future_profit  potential_value  value_before_credit  lifetime_value
    0         376.86           251.24                928.1          910.35
    """
    if not (np.isfinite(capture) and 0 <= capture <= 1):
        raise ValueError(f"capture must be in [0, 1], got {capture!r}")
    if not (np.isfinite(retention_change) and -1 <= retention_change <= 1):
        raise ValueError(f"retention_change must be in [-1, 1], got {retention_change!r}")
    cols: dict[str, str | None] = {customer_col: None, profit_col: "number", potential_col: "number"}
    if isinstance(retention, str):
        cols[retention] = "number"
    if default_probability_col is not None:
        cols[default_probability_col] = "number"
    require(df, table, cols)
    schema.check_key(df, table, customer_col)
    p = _default_probability(df, default_probability_col, table)
    if retention_change:
        if isinstance(retention, str):
            schema.check_in_range(df, table, retention, 0, 1)
            base = df[retention].to_numpy(dtype=float)
        else:
            base = np.full(len(df), float(retention))
        shifted = np.clip(base + retention_change, 0.0, 1.0)
        df = df.assign(_retention=shifted)
        retention = "_retention"
    # lifetime_value checks the retention and the rates; its factor counts t = 0 .. H-1
    now = lifetime_value(df, margin_col=profit_col, retention=retention,
                         discount_rate=discount_rate, horizon=horizon, customer_col=customer_col,
                         table=table)
    r = now["retention"].to_numpy()

    def later(survival):  # the periods after this one, discounted
        if horizon is not None and horizon <= 1:
            return np.zeros_like(r)
        return annuity_factor(survival, discount_rate,
                              None if horizon is None else horizon - 1, include_current=False)

    profit = df[profit_col].to_numpy(dtype=float)
    potential = capture * df[potential_col].to_numpy(dtype=float)
    out = pd.DataFrame({customer_col: df[customer_col].to_numpy(), "retention": r,
                        "direct_profit": profit})
    # the links as if nobody defaulted, then the value with defaults (the waterfall's step)
    out["future_profit"] = profit * later(r)
    out["potential_value"] = potential * later(r)
    out["value_before_credit"] = profit + out["future_profit"] + out["potential_value"]
    out["default_probability"] = p
    out["lifetime_value"] = profit + (profit + potential) * later(r * (1.0 - p))
    return out


def chain_steps(chain: pd.DataFrame, *, table: str = "chain") -> pd.DataFrame:
    """The value chain summed over customers, as the steps of a waterfall.

    From :func:`lifetime_value_chain` output: ``direct_profit``, ``future_profit`` and
    ``potential_value`` as if nobody defaulted, ``credit_adjustment`` (lifetime value minus
    that value: what defaults take, zero without a default probability) and
    ``lifetime_value`` (their sum: customer equity).

    Parameters
    ----------
    chain : pandas.DataFrame
        The output of :func:`lifetime_value_chain`.
    table : str, default "chain"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        ``item`` and ``amount``, in that order.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"direct_profit": [300.0, -50.0], "future_profit": [400.0, -60.0],
    ...                   "potential_value": [250.0, 300.0],
    ...                   "value_before_credit": [950.0, 190.0],
    ...                   "lifetime_value": [855.0, 95.0]})
    >>> chain_steps(c)
                    item  amount
    0      direct_profit   250.0
    1      future_profit   340.0
    2    potential_value   550.0
    3  credit_adjustment  -190.0
    4     lifetime_value   950.0
    """
    cols = ("direct_profit", "future_profit", "potential_value", "value_before_credit",
            "lifetime_value")
    require(chain, table, {c: "number" for c in cols})
    total = chain[list(cols)].sum()
    return pd.DataFrame({
        "item": ["direct_profit", "future_profit", "potential_value", "credit_adjustment",
                 "lifetime_value"],
        "amount": [total["direct_profit"], total["future_profit"], total["potential_value"],
                   total["lifetime_value"] - total["value_before_credit"],
                   total["lifetime_value"]],
    })


def acquisition_returns(
    customers: pd.DataFrame,
    values: pd.DataFrame,
    *,
    value_col: str = "lifetime_value",
    channel_col: str = "acquisition_channel",
    cost_col: str = "acquisition_cost",
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """Lifetime value per acquisition euro by channel, over the whole acquisition cohort.

    Every customer won through a channel cost its acquisition, whether they stayed or
    left. Counting only the recruits still present (those with a lifetime value today)
    is *survivorship bias*: a channel whose recruits leave fast looks as good as its few
    survivors. Here the cohort is every customer of ``customers`` acquired in
    ``[start, end)``; a recruit absent from ``values`` has left and counts with a future
    value of zero. Both ratios are returned, so that the bias can be seen.

    Parameters
    ----------
    customers : DataFrame
        Every customer ever won (present or gone): ``customer_col``, ``acquisition_date``,
        ``channel_col`` and ``cost_col`` (the cost of winning them, non-negative).
    values : DataFrame
        One row per customer still present, with ``value_col`` (their future value, e.g.
        :func:`lifetime_value_chain`'s ``lifetime_value``).
    value_col, channel_col, cost_col, customer_col : str
        Column names.
    start, end : date, optional
        Acquisition window of the cohort, ``[start, end)`` (open when None).

    Returns
    -------
    DataFrame
        Indexed by channel: ``recruits``, ``still_present`` (share of the recruits found
        in ``values``), ``acquisition_cost`` (mean per recruit), ``value_per_euro_survivors``
        (value over acquisition cost of the recruits still present: the biased ratio),
        ``mean_value`` (per recruit, leavers at zero) and ``value_per_euro`` (the cohort's
        value over the cohort's acquisition cost).

    Examples
    --------
    Channel ``a`` keeps both its recruits; channel ``b`` keeps one of four, a very good one.
    On the survivors ``b`` looks twice as good; on the cohort it is half as good:

    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 6],
    ...                    "acquisition_date": pd.to_datetime(["2020-01-01"] * 6),
    ...                    "acquisition_channel": ["a", "a", "b", "b", "b", "b"],
    ...                    "acquisition_cost": [100.0] * 6})
    >>> ltv = pd.DataFrame({"customer_id": [1, 2, 3], "lifetime_value": [500.0, 500.0, 1000.0]})
    >>> r = acquisition_returns(cu, ltv)
    >>> r[["recruits", "value_per_euro_survivors", "value_per_euro"]]  # doctest: +NORMALIZE_WHITESPACE
                         recruits  value_per_euro_survivors  value_per_euro
    acquisition_channel
    a                           2                       5.0             5.0
    b                           4                      10.0             2.5
    """
    require(customers, "customers", {customer_col: None, "acquisition_date": "datetime",
                                     channel_col: None, cost_col: "number"},
            nonnegative=(cost_col,), unique=customer_col)
    require(values, "values", {customer_col: None, value_col: "number"}, unique=customer_col)
    lo = None if start is None else schema.as_timestamp(start, "start")
    hi = None if end is None else schema.as_timestamp(end, "end")
    if lo is not None and hi is not None and lo >= hi:
        raise ValueError(f"start must be before end, got {lo.date()} and {hi.date()}")
    date = customers["acquisition_date"]
    keep = pd.Series(True, index=customers.index)
    if lo is not None:
        keep &= date >= lo
    if hi is not None:
        keep &= date < hi
    cohort = customers.loc[keep, [customer_col, channel_col, cost_col]]
    if cohort.empty:
        schema.fail("customers", "acquisition_date", "no customer acquired in the window")
    value = values.set_index(customer_col)[value_col].astype(float)
    present = cohort[customer_col].isin(value.index).to_numpy()
    future = value.reindex(cohort[customer_col]).fillna(0.0).to_numpy()  # leavers: zero
    frame = pd.DataFrame({"channel": cohort[channel_col].to_numpy(),
                          "cost": cohort[cost_col].to_numpy(dtype=float),
                          "present": present, "value": future})
    g = frame.groupby("channel", observed=True, sort=True)
    kept = frame.loc[frame["present"]].groupby("channel", observed=True)
    out = pd.DataFrame({
        "recruits": g.size(),
        "still_present": g["present"].mean(),
        "acquisition_cost": g["cost"].mean(),
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value_per_euro_survivors"] = kept["value"].sum() / kept["cost"].sum()
        out["mean_value"] = g["value"].mean()
        out["value_per_euro"] = g["value"].sum() / g["cost"].sum()
    return out.rename_axis(channel_col)
