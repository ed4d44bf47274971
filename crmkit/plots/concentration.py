"""Value concentration: the Pareto (Lorenz) curve with the ABC cut-offs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from crmkit import labels
from crmkit.plots._docs import figure
from crmkit.plots.style import COLORS, _axes, _numeric, localised, palette
from crmkit.schema import SchemaError, check_key

__all__ = ["pareto_curve"]


def _lorenz(values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative share of customers (ranked by value, best first) and of value."""
    v = np.sort(values)[::-1]
    cum = np.concatenate([[0.0], np.cumsum(v)]) / v.sum()
    x = np.arange(len(v) + 1) / len(v)
    if len(x) > max_points:  # a curve of a million customers needs no million vertices
        idx = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(int))
        x, cum = x[idx], cum[idx]
    return x, cum


@localised
@figure()
def pareto_curve(
    df: pd.DataFrame,
    value: str,
    *,
    cuts: Sequence[float] = (0.10, 0.35),
    table: str = "customers",
    max_points: int = 2000,
    ax=None,
):
    """Value concentration: cumulative share of ``value`` against share of customers.

    Customers (rows) are ranked by ``value``, best first. ``cuts`` are the ABC cut-offs as
    shares of customers (default 10 % and 35 %: classes A/B/C of 10/25/65 % of the
    customers); each cut is marked with the share of value the customers above it carry.
    With loss-making customers (negative values) the curve rises above 100 % and comes
    back down: the "whale curve" of customer profitability.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    value : str
        Numeric column: margin, revenue, lifetime value...
    cuts : sequence of float
        Increasing shares of customers in (0, 1) where the classes change.
    {table}
    max_points : int
        The curve is drawn through at most this many points.
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"margin": [500.0, 200.0, 120.0, 80.0, 50.0, 30.0, 10.0, 5.0, 3.0, 2.0]})
    >>> ax = pareto_curve(df, "margin")
    """
    _numeric(df, table, value)
    check_key(df, table, "customer_id")  # one row per customer: a repeated one counts twice
    cuts = [float(c) for c in cuts]
    if any(not 0 < c < 1 for c in cuts) or cuts != sorted(set(cuts)):
        raise ValueError(f"cuts must be increasing shares strictly between 0 and 1, got {cuts}")
    values = df[value].to_numpy(dtype=float)
    total = values.sum()
    if not total > 0:
        raise SchemaError(f"{table}.{value}: the total is {total:g}; a Pareto curve needs a positive total")
    ax = _axes(ax)
    x, y = _lorenz(values, max_points)

    # shaded class regions, A (best customers) on the left
    names = labels.order("abc_class")
    if len(cuts) + 1 > len(names):
        names = [chr(ord("A") + i) for i in range(len(cuts) + 1)]
    colours = palette("abc_class", names)
    edges = [0.0, *cuts, 1.0]
    for name, lo, hi in zip(names, edges[:-1], edges[1:], strict=False):
        ax.axvspan(lo, hi, color=colours[name], alpha=0.12, linewidth=0)
        ax.text((lo + hi) / 2, 0.98, labels.label(name, "abc_class"), ha="center", va="top",
                transform=ax.get_xaxis_transform(), fontsize="small")
    ax.plot([0, 1], [0, 1], color=COLORS["grey"], linestyle=":", label=labels.label("equality_line", "plot"))
    ax.plot(x, y, color=COLORS["blue"], linewidth=2, label=labels.header(value))

    # share of value held by the customers above each cut (exact, from the full data)
    full = np.sort(values)[::-1].cumsum() / total
    for c in cuts:
        k = max(int(np.ceil(c * len(values))), 1)
        share = full[k - 1]
        ax.axvline(c, color=COLORS["grey"], linestyle="--", linewidth=1)
        ax.plot([c], [share], "o", color=COLORS["blue"])
        ax.annotate(f"{share:.0%}", (c, share), textcoords="offset points", xytext=(6, -12), fontsize="small")

    ax.set_xlim(0, 1)
    ax.set_ylim(0, max(1.05, float(y.max()) * 1.05))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.label("cumulative_share_of_customers", "measure"))
    ax.set_ylabel(f"{labels.header(value)} ({labels.label('cumulative_share', 'measure')})")
    ax.set_title(labels.label("pareto_curve", "plot"))
    ax.legend(loc="lower right")
    return ax
