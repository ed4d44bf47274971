"""Lifetime value with a retention + discount model, and customer equity.

The simple model taught before the probabilistic ones (Gupta & Lehmann, 2003; Berger &
Nasr, 1998): a customer who brings a margin ``m`` per period, stays from one period to the
next with probability ``r`` and whose future is discounted at rate ``d`` is worth

    LTV = m * sum_t r^t / (1 + d)^t,

over a finite horizon or for ever (then ``m * (1 + d) / (1 + d - r)`` counting the current
period, ``m * r / (1 + d - r)`` without it). The lecture slides weight it with a scoring tool that
measures the customer's financial reliability: here the credit score in [0, 1]. Customer
equity is the sum over the customer base (Blattberg & Deighton, 1996).

BG/NBD, Pareto/NBD, Gamma-Gamma and the Markov migration model are in :mod:`crmkit.clv`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed_keywords
from crmkit.segmentation._frame import require

__all__ = ["lifetime_value", "lifetime_value_chain", "chain_steps", "customer_equity",
           "annuity_factor"]


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
def lifetime_value(
    df: pd.DataFrame,
    *,
    margin_col: str = "direct_profit",
    retention: float | str = 0.8,
    discount_rate: float = 0.1,
    horizon: int | None = None,
    include_current: bool = True,
    potential_col: str | None = None,
    credit_score_col: str | None = None,
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
    retention : float or str, default 0.8
        Probability of staying one more period: one number, or a column name for a
        customer-specific rate (e.g. from a churn score).
    discount_rate : float, default 0.1
        Discount rate per period.
    horizon : int, optional
        Number of periods; None for an infinite horizon.
    include_current : bool, default True
        Count the current period's margin (t = 0) or start at the next one.
    potential_col : str, optional
        A potential already expressed as a present value, added before weighting (the
        lecture slides: direct profit + potential = lifetime value).
    credit_score_col : str, optional
        Credit score in [0, 1]; the value is multiplied by it (the lecture slides: LTV weighted by a
        score of the customer's financial reliability).
    customer_col : str, default "customer_id"
        Customer key.
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        ``customer_col``, ``margin``, ``retention``, ``factor`` (the annuity factor) and
        ``lifetime_value``, in the order of ``df``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2], "direct_profit": [300.0, 300.0],
    ...                    "r": [0.8, 0.5], "credit_score": [1.0, 0.5]})
    >>> lifetime_value(df, retention="r", discount_rate=0.1,
    ...                credit_score_col="credit_score").round(2)
       customer_id  margin  retention  factor  lifetime_value
    0            1   300.0        0.8    3.67          1100.0
    1            2   300.0        0.5    1.83           275.0
    """
    cols: dict[str, str | None] = {customer_col: None, margin_col: "number"}
    if isinstance(retention, str):
        cols[retention] = "number"
    for extra in (potential_col, credit_score_col):
        if extra is not None:
            cols[extra] = "number"
    require(df, table, cols)
    schema.check_key(df, table, customer_col)
    if isinstance(retention, str):
        schema.check_in_range(df, table, retention, 0, 1)
        r = df[retention].to_numpy(dtype=float)
    else:
        r = np.full(len(df), float(retention))
    if credit_score_col is not None:
        schema.check_in_range(df, table, credit_score_col, 0, 1)
    factor = np.broadcast_to(
        annuity_factor(r, discount_rate, horizon, include_current=include_current), r.shape
    )
    margin = df[margin_col].to_numpy(dtype=float)
    value = margin * factor
    if potential_col is not None:
        value = value + df[potential_col].to_numpy(dtype=float)
    if credit_score_col is not None:
        value = value * df[credit_score_col].to_numpy(dtype=float)
    return pd.DataFrame({customer_col: df[customer_col].to_numpy(), "margin": margin, "retention": r,
                         "factor": factor, "lifetime_value": value})


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
    credit_score_col: str | None = None,
    customer_col: str = "customer_id",
    table: str = "customers",
) -> pd.DataFrame:
    """The lecture slides' value chain, one link per column: from direct profit to lifetime value.

    Direct profit (this period) + the same profit in later periods (retained and
    discounted) + the potential (a yearly amount, e.g. :func:`~crmkit.value.potential`,
    earned from the next period on, retained and discounted the same way) = the value of
    the customer, weighted by the credit score (the customer's financial reliability).

    Parameters
    ----------
    df : DataFrame
        One row per customer with ``profit_col`` and ``potential_col`` per period.
    retention : float or str
        Probability of staying one more period, or a column of customer-specific rates.
    discount_rate : float
        Discount rate per period.
    horizon : int, optional
        Number of periods counted, the current one included; None for ever.
    capture : float, default 1.0
        Share of the potential expected to be won (1: all of it, the ceiling).
    retention_change : float, default 0.0
        Added to every customer's retention (a what-if: +0.05 is five points more), the
        result kept within [0, 1].
    credit_score_col : str, optional
        Credit score in [0, 1] weighting the value (none: weight 1).
    profit_col, potential_col : str
        Direct profit and potential per period.
    customer_col : str, default "customer_id"
        Customer key.
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        ``customer_col``, ``retention``, ``direct_profit``, ``future_profit``,
        ``potential_value``, ``value_before_credit``, ``credit_weight`` and
        ``lifetime_value``, in the order of ``df``.

    Examples
    --------
    A customer earning 300 a year, with 200 of potential, retention 0.8, 10 % discount,
    three periods (this one and two more), credit score 0.9:

    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1], "direct_profit": [300.0], "potential": [200.0],
    ...                    "credit_score": [0.9]})
    >>> c = lifetime_value_chain(df, retention=0.8, discount_rate=0.1, horizon=3,
    ...                          credit_score_col="credit_score")
    >>> c[["future_profit", "potential_value", "lifetime_value"]].round(2)
       future_profit  potential_value  lifetime_value
    0         376.86           251.24          835.29
    """
    if not (np.isfinite(capture) and 0 <= capture <= 1):
        raise ValueError(f"capture must be in [0, 1], got {capture!r}")
    if not (np.isfinite(retention_change) and -1 <= retention_change <= 1):
        raise ValueError(f"retention_change must be in [-1, 1], got {retention_change!r}")
    cols: dict[str, str | None] = {customer_col: None, profit_col: "number", potential_col: "number"}
    if isinstance(retention, str):
        cols[retention] = "number"
    if credit_score_col is not None:
        cols[credit_score_col] = "number"
    require(df, table, cols)
    schema.check_key(df, table, customer_col)
    if credit_score_col is not None:
        schema.check_in_range(df, table, credit_score_col, 0, 1)
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
    if horizon is None or horizon > 1:
        later = annuity_factor(r, discount_rate, None if horizon is None else horizon - 1,
                               include_current=False)
    else:
        later = np.zeros_like(r)
    profit = df[profit_col].to_numpy(dtype=float)
    out = pd.DataFrame({customer_col: df[customer_col].to_numpy(), "retention": r,
                        "direct_profit": profit})
    out["future_profit"] = now["lifetime_value"].to_numpy() - profit
    out["potential_value"] = capture * df[potential_col].to_numpy(dtype=float) * later
    out["value_before_credit"] = out["direct_profit"] + out["future_profit"] + out[
        "potential_value"]
    out["credit_weight"] = (df[credit_score_col].to_numpy(dtype=float)
                            if credit_score_col is not None else 1.0)
    out["lifetime_value"] = out["value_before_credit"] * out["credit_weight"]
    return out


def chain_steps(chain: pd.DataFrame, *, table: str = "chain") -> pd.DataFrame:
    """The value chain summed over customers, as the steps of a waterfall.

    From :func:`lifetime_value_chain` output: ``direct_profit``, ``future_profit``,
    ``potential_value``, ``credit_adjustment`` (lifetime value minus value before the
    credit score, a negative amount) and ``lifetime_value`` (their sum: customer equity).

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
