"""ABC (Pareto) analysis: how concentrated is customer value?

Customers are ranked by a value column (revenue, margin, direct profit...) and split into
classes holding given shares of the *customers*; the summary then shows which share of the
*value* each class carries. The course's reference split (the lecture slides, "la segmentation par
le CA") is 10 % / 25 % / 65 % of customers carrying about 65 % / 25 % / 10 % of revenue.

Ranking rule: value descending, then customer id ascending (a stable, deterministic order);
the first ``floor(share_A * n)`` customers are A, the next up to ``floor((share_A + share_B) *
n)`` are B, and so on, the last class taking the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed_keywords
from crmkit._docs import fill
from crmkit.segmentation._frame import ordered_categorical, require

__all__ = [
    "ABCResult",
    "abc_analysis",
    "pareto_curve",
    "lorenz_curve",
    "gini",
    "top_share",
    "ABC_SHARES",
]

# the lecture slides: 10 % of customers (A), 25 % (B), 65 % (C)
ABC_SHARES = (0.10, 0.25, 0.65)


@dataclass(frozen=True)
class ABCResult:
    """Result of :func:`abc_analysis`.

    Attributes
    ----------
    customers : DataFrame
        One row per customer, best first: id, value, ``rank`` (1 = best), ``abc_class``,
        ``cum_customer_share`` and ``cum_value_share``.
    summary : DataFrame
        One row per class: ``customers``, ``customer_share``, ``value``, ``value_share``,
        ``min_value``, ``max_value``.
    """

    customers: pd.DataFrame
    summary: pd.DataFrame


def _ranked(df: pd.DataFrame, value_col: str, customer_col: str, table: str) -> pd.DataFrame:
    require(df, table, {customer_col: None, value_col: "number"})
    schema.check_unique(df, table, customer_col)
    # stable order: value descending, then id ascending
    order = np.lexsort((df[customer_col].to_numpy(), -df[value_col].to_numpy(dtype=float)))
    out = pd.DataFrame(
        {customer_col: df[customer_col].to_numpy()[order], value_col: df[value_col].to_numpy()[order]}
    )
    out.insert(1, "rank", np.arange(1, len(out) + 1))
    return out


def _positive_total(values: pd.Series, value_col: str, table: str) -> float:
    total = float(values.sum())
    if not total > 0:
        raise ValueError(
            f"{table}.{value_col}: the total value is {total}; shares need a positive total"
        )
    return total


def _share_curve(values: np.ndarray, total: float) -> pd.DataFrame:
    """Cumulative shares of the customers and of ``total`` they hold, in the order of
    ``values``, from (0, 0)."""
    n = len(values)
    cum = np.concatenate([[0.0], np.cumsum(values) / total])
    return pd.DataFrame({"customer_share": np.arange(n + 1) / n, "value_share": cum})


#: The parameters of the inequality measures of non-negative values (``crmkit._docs.fill``).
_NONNEGATIVE_VALUES = """\
df : pandas.DataFrame
    One row per customer.
value_col : str
    Column of non-negative values.
table : str, default "customers"
    Table name used in error messages."""


@renamed_keywords(id_col="customer_col")
def abc_analysis(
    df: pd.DataFrame,
    value_col: str,
    *,
    customer_col: str = "customer_id",
    shares: tuple[float, ...] = ABC_SHARES,
    labels: tuple[str, ...] | None = None,
    table: str = "customers",
) -> ABCResult:
    """Split customers into classes holding ``shares`` of the customers, best first.

    Parameters
    ----------
    df : DataFrame
        One row per customer with ``customer_col`` and a numeric ``value_col`` (may be negative,
        e.g. a margin; the total must be positive).
    value_col : str
        Column to rank on.
    customer_col : str, default "customer_id"
        Customer key (unique); breaks ties in the ranking.
    shares : tuple of float, default (0.10, 0.25, 0.65)
        Share of the customers in each class, best class first; must sum to 1.
    labels : tuple of str, optional
        Class names, default "A", "B", "C", ... .
    table : str
        Table name used in error messages.

    Returns
    -------
    ABCResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": range(1, 11),
    ...                    "revenue": [50, 20, 10, 5, 5, 4, 3, 1, 1, 1]})
    >>> res = abc_analysis(df, "revenue", shares=(0.1, 0.3, 0.6))
    >>> res.summary[["abc_class", "customers", "value_share"]]
      abc_class  customers  value_share
    0         A          1         0.50
    1         B          3         0.35
    2         C          6         0.15
    """
    shares = tuple(float(s) for s in shares)
    if len(shares) < 2 or any(s <= 0 for s in shares) or not np.isclose(sum(shares), 1.0):
        raise ValueError(f"shares must be >= 2 positive numbers summing to 1, got {shares}")
    labels = tuple(labels) if labels is not None else tuple("ABCDEFGHIJ"[: len(shares)])
    if len(labels) != len(shares) or len(set(labels)) != len(labels):
        raise ValueError(f"labels must be {len(shares)} distinct names, got {labels}")
    out = _ranked(df, value_col, customer_col, table)
    n = len(out)
    total = _positive_total(out[value_col], value_col, table)
    # class boundaries as customer counts; the small epsilon keeps 0.35 * 20 at 7, not 6.99
    bounds = np.floor(np.cumsum(shares) * n + 1e-9).astype(np.int64)
    bounds[-1] = n
    klass = np.searchsorted(bounds, np.arange(n), side="right")
    out["abc_class"] = ordered_categorical(np.asarray(labels)[klass], labels)
    out["cum_customer_share"] = np.arange(1, n + 1) / n
    out["cum_value_share"] = out[value_col].cumsum().to_numpy() / total
    summary = (
        out.groupby("abc_class", observed=False)[value_col]
        .agg(customers="size", value="sum", min_value="min", max_value="max")
        .reset_index()
    )
    summary.insert(2, "customer_share", summary["customers"] / n)
    summary.insert(4, "value_share", summary["value"] / total)
    return ABCResult(customers=out, summary=summary)


@renamed_keywords(id_col="customer_col")
def pareto_curve(
    df: pd.DataFrame,
    value_col: str,
    *,
    customer_col: str = "customer_id",
    table: str = "customers",
) -> pd.DataFrame:
    """Cumulative share of value against cumulative share of customers, best first.

    With a margin that can be negative this is the "whale curve" (Kaplan & Cooper, 1998):
    it rises above 1 and comes back down to 1 as loss-making customers are added.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    value_col : str
        Column of values (margins may be negative).
    customer_col : str, default "customer_id"
        Customer key (one row each).
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    DataFrame
        ``customer_share`` and ``value_share``, starting at (0, 0) and ending at (1, 1).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3, 4], "margin": [60, 30, 20, -10]})
    >>> pareto_curve(df, "margin")
       customer_share  value_share
    0            0.00          0.0
    1            0.25          0.6
    2            0.50          0.9
    3            0.75          1.1
    4            1.00          1.0
    """
    out = _ranked(df, value_col, customer_col, table)
    total = _positive_total(out[value_col], value_col, table)
    return _share_curve(out[value_col].to_numpy(dtype=float), total)


@fill(nonnegative_values=_NONNEGATIVE_VALUES)
def lorenz_curve(
    df: pd.DataFrame, value_col: str, *, table: str = "customers"
) -> pd.DataFrame:
    """Lorenz curve: cumulative share of value held by the poorest customers first.

    Values must be non-negative (a Lorenz curve of margins that can be negative is not
    defined; use :func:`pareto_curve`).

    Parameters
    ----------
    {nonnegative_values}

    Returns
    -------
    pandas.DataFrame
        ``customer_share`` and ``value_share``, from (0, 0) to (1, 1), poorest first.

    Examples
    --------
    >>> import pandas as pd
    >>> lorenz_curve(pd.DataFrame({"revenue": [0, 0, 0, 10]}), "revenue")
       customer_share  value_share
    0            0.00          0.0
    1            0.25          0.0
    2            0.50          0.0
    3            0.75          0.0
    4            1.00          1.0
    """
    require(df, table, {value_col: "number"}, nonnegative=(value_col,))
    schema.check_key(df, table, "customer_id")
    v = np.sort(df[value_col].to_numpy(dtype=float))
    return _share_curve(v, _positive_total(df[value_col], value_col, table))


@fill(nonnegative_values=_NONNEGATIVE_VALUES)
def gini(df: pd.DataFrame, value_col: str, *, table: str = "customers") -> float:
    """Gini coefficient of ``value_col``: 0 when all customers are worth the same, close
    to 1 when one customer carries everything (twice the area between the diagonal and the
    Lorenz curve).

    Parameters
    ----------
    {nonnegative_values}

    Returns
    -------
    float
        The Gini coefficient, in [0, 1).

    Examples
    --------
    >>> import pandas as pd
    >>> gini(pd.DataFrame({"revenue": [5, 5, 5, 5]}), "revenue")
    0.0
    >>> gini(pd.DataFrame({"revenue": [0, 0, 0, 10]}), "revenue")
    0.75
    """
    curve = lorenz_curve(df, value_col, table=table)
    x = curve["customer_share"].to_numpy()
    y = curve["value_share"].to_numpy()
    area = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))
    return round(1.0 - 2.0 * area, 12)


@renamed_keywords(id_col="customer_col")
def top_share(
    df: pd.DataFrame,
    value_col: str,
    top: float = 0.2,
    *,
    customer_col: str = "customer_id",
    table: str = "customers",
) -> float:
    """Share of the total value carried by the best ``top`` share of customers.

    The number of customers counted is ``ceil(top * n)`` (at least one), so "the top 5 %"
    of 30 customers is the best two.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    value_col : str
        Column of values.
    top : float, default 0.2
        Share of the customers counted, in (0, 1].
    customer_col : str, default "customer_id"
        Customer key (one row each).
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    float
        Their share of the total value (above 1 when the others lose money).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": range(10), "revenue": [55] + [5] * 9})
    >>> top_share(df, "revenue", 0.1)
    0.55
    """
    if not 0 < top <= 1:
        raise ValueError(f"top must be in (0, 1], got {top!r}")
    out = _ranked(df, value_col, customer_col, table)
    total = _positive_total(out[value_col], value_col, table)
    k = max(1, int(np.ceil(top * len(out) - 1e-9)))
    return float(out[value_col].iloc[:k].sum() / total)
