"""Shares of customers and of value by category."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from crmkit import labels
from crmkit.plots._docs import figure
from crmkit.plots.style import _CYCLE, COLORS, _axes, _numeric, localised
from crmkit.schema import (
    SchemaError,
    check_columns,
    check_key,
    check_no_missing,
    check_not_empty,
)

__all__ = ["bar_share"]


@localised
@figure()
def bar_share(
    df: pd.DataFrame,
    by: str,
    values: str | Sequence[str] | None = None,
    *,
    table: str = "customers",
    annotate: bool = True,
    ax=None,
):
    """Share of customers (rows), and of each column in ``values``, by category of ``by``.

    The classic ABC picture: ``bar_share(customers, "abc_class", "margin")`` puts the share
    of customers next to the share of margin of each class. Categories follow the label
    file's display order.

    Parameters
    ----------
    df : DataFrame
        One row per row of market table ``table`` (a customer by default): a repeated key is
        refused.
    by : str
        Category column, one group of bars each.
    values : str or sequence of str, optional
        Numeric columns whose shares are drawn next to the share of customers.
    {table}
    annotate : bool
        Write each bar's percentage on top of it.
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"abc_class": ["A", "B", "C", "C"], "margin": [60.0, 25.0, 10.0, 5.0]})
    >>> ax = bar_share(df, "abc_class", "margin")
    >>> [t.get_text() for t in ax.texts]  # customers of A, B, C; then margin of A, B, C
    ['25%', '25%', '50%', '60%', '25%', '15%']
    """
    values = [] if values is None else [values] if isinstance(values, str) else list(values)
    check_not_empty(df, table)
    check_columns(df, table, [by])
    _numeric(df, table, *values)
    check_no_missing(df, table, by)
    # a row is a customer (or a row of the market table ``table``): a repeated key would
    # count twice in every share
    check_key(df, table)

    g = df.groupby(by, observed=True, sort=False)
    parts = {"share_of_customers": g.size() / len(df)}
    for v in values:
        total = df[v].sum()
        if total == 0:
            raise SchemaError(f"{table}.{v}: the total is 0; shares of it are undefined")
        parts[v] = g[v].sum() / total
    kind = labels.kind_of(by, list(parts["share_of_customers"].index))
    cats = labels.order(kind, parts["share_of_customers"].index) if kind else list(parts["share_of_customers"].index)

    ax = _axes(ax)
    n, width = len(parts), 0.8 / len(parts)
    pos = np.arange(len(cats))
    for i, (name, share) in enumerate(parts.items()):
        heights = share.reindex(cats).to_numpy(dtype=float)
        name_label = labels.header(name)
        if name != "share_of_customers":
            name_label = f"{labels.label('share', 'measure')} — {name_label}"
        bars = ax.bar(pos + (i - (n - 1) / 2) * width, heights, width=width, label=name_label,
                      color=_CYCLE[i % len(_CYCLE)] if i else COLORS["grey"])
        if annotate:
            ax.bar_label(bars, labels=[f"{h:.0%}" for h in heights], fontsize="small", padding=2)
    ax.set_xticks(pos, [str(labels.label(c, kind)) for c in cats])
    top = max(float(np.nanmax(s.to_numpy(dtype=float))) for s in parts.values())
    ax.set_ylim(top=max(top, 0) * 1.12 + 0.01)  # room for the percentages
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.header(by))
    ax.set_ylabel(labels.label("share", "measure"))
    ax.set_title(f"{labels.label('bar_share', 'plot')} — {labels.header(by)}")
    ax.legend(title=labels.label("measure", "measure"), loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax
