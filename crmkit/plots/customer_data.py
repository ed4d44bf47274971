"""Chapter 1 figures: customer data, rows per year, identity resolution."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from crmkit import labels
from crmkit._deprecation import renamed_keywords
from crmkit.plots._docs import figure
from crmkit.plots.style import COLORS, _axes, _numeric, _set_title, localised, palette
from crmkit.schema import SchemaError, check_columns, check_no_missing, check_not_empty

# a pair joining two records of one person is a good link (green); of two people, a bad one


@localised
@renamed_keywords(date="date_col")
@figure()
def yearly_counts(
    df: pd.DataFrame,
    date_col: str,
    by: str | None = None,
    *,
    kind: str | None = None,
    years: tuple[int, int] | None = None,
    unit: str = "rows",
    title: str | None = None,
    table: str = "rows",
    ax=None,
):
    """Rows per calendar year of ``date_col`` (customers won, contracts opened...), stacked by
    the categories of ``by``.

    Bars sit at the year itself on the horizontal axis (so ``ax.axvline(2014.5)`` marks
    the start of an observation window); categories keep their label order and colours
    (``kind`` is inferred from the column when not given). Rows without a date are left
    out; ``years`` keeps ``(first, last)`` only, showing empty years as zero.

    Parameters
    ----------
    df : DataFrame
        One row per thing counted.
    date_col : str
        Datetime column giving the year.
    by : str, optional
        Category column the bars are split by.
    kind : str, optional
        Label kind of the categories (their labels, order and colours); inferred from the
        column when ``None``.
    years : tuple of int, optional
        ``(first, last)`` years kept, empty years shown as zero; ``None`` for the years
        present.
    unit : str
        Label key of what a row is (``"customers"``, ``"contracts"``): the vertical axis.
    title : str, optional
        A label key (kind ``plot_customer_data``, else any) or a text.
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"acquisition_date": pd.to_datetime(["2020-03-01", "2021-06-01",
    ...                                                         "2021-09-01"]),
    ...                    "acquisition_channel": ["web", "branch", "web"]})
    >>> ax = yearly_counts(cu, "acquisition_date", "acquisition_channel")
    >>> [(round(p.get_x() + p.get_width() / 2), float(p.get_height())) for p in ax.patches]
    [(2020, 0.0), (2021, 1.0), (2020, 1.0), (2021, 1.0)]
    >>> [t.get_text() for t in ax.get_legend().texts]  # branch bars first, then web
    ['Branch/agency', 'Web']
    """
    check_not_empty(df, table)
    check_columns(df, table, {date_col: "datetime"})
    d = df.loc[df[date_col].notna()]
    if by is not None:
        check_columns(df, table, [by])
        check_no_missing(d, table, by)
    year = d[date_col].dt.year
    if years is not None:
        first, last = int(years[0]), int(years[1])
        if first > last:
            raise ValueError(f"years must be (first, last) with first <= last, got {years}")
        keep = year.between(first, last).to_numpy()
        d, year = d.loc[keep], year.loc[keep]
    if len(d) == 0:
        raise SchemaError(f"{table}.{date_col}: no row with a date in the years asked for")
    if by is None:
        counts = year.value_counts().sort_index().to_frame("all")
    else:
        counts = pd.crosstab(year, d[by].astype(str))
    if years is not None:
        counts = counts.reindex(range(first, last + 1), fill_value=0)
    keys = list(counts.columns)
    if by is not None:
        kind = kind or labels.kind_of(by, keys)
        keys = labels.order(kind, keys) if kind else keys
    colours = palette(kind, keys) if kind else dict.fromkeys(keys, COLORS["blue"])
    ax = _axes(ax)
    bottom = np.zeros(len(counts))
    for key in keys:
        height = counts[key].to_numpy(dtype=float)
        ax.bar(counts.index.to_numpy(), height, bottom=bottom, width=0.8, color=colours[key],
               label=str(labels.label(key, kind)) if kind else str(key))
        bottom += height
    ax.set_xlabel(labels.header("year"))
    ax.set_ylabel(labels.header(unit))
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    if by is not None:
        ax.legend(title=labels.header(by), loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  fontsize="small")
    _set_title(ax, title, "rows_per_year", kind="plot_customer_data")
    return ax


@localised
@figure("plot_customer_data")
def match_weights(
    pairs: pd.DataFrame,
    *,
    threshold: float | None = None,
    weight: str = "weight",
    truth: str = "same_person",
    title: str | None = None,
    table: str = "pairs",
    ax=None,
):
    """How well the match weight separates true matches from other candidate pairs.

    One histogram of ``weight`` (bins one point wide) for the pairs whose ``truth`` is
    True (two records of the same person) and one for the others, on a log count axis
    (true matches outnumber the rest a hundredfold), with the ``threshold`` as a dashed
    line: a pair on its right is linked.

    Takes :attr:`crmkit.idic.IdentityResolution.pairs` with the ground truth of
    :func:`crmkit.idic.identify.true_matches` as a column.

    Parameters
    ----------
    pairs : DataFrame
        One row per candidate pair with ``weight`` and ``truth``.
    threshold : float, optional
        The match threshold, a dashed line; ``None`` draws none.
    weight : str
        Column of the pairs' match weights.
    truth : str
        Boolean column: True when both records are the same person.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"weight": [25.0, 22.0, 18.0, 3.0, -2.0],
    ...                   "same_person": [True, True, True, False, False]})
    >>> ax = match_weights(p, threshold=10)
    >>> ax.get_yscale(), float(ax.lines[0].get_xdata()[0])  # log counts, the threshold line
    ('log', 10.0)
    """
    _numeric(pairs, table, weight)
    check_columns(pairs, table, {truth: "bool"})
    w = pairs[weight].to_numpy(dtype=float)
    same = pairs[truth].to_numpy(dtype=bool)
    edges = np.arange(np.floor(w.min()), np.ceil(w.max()) + 2) - 0.5
    colours = palette("pair_truth")
    ax = _axes(ax)
    for key, part in (("same_person", w[same]), ("different_persons", w[~same])):
        if len(part):
            ax.hist(part, bins=edges, color=colours[key], alpha=0.7,
                    label=f"{labels.label(key, 'pair_truth')} (n = {len(part):,})")
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", linewidth=1.2,
                   label=f"{labels.header('threshold')} = {threshold:g}")
    ax.set_yscale("log")
    ax.set_xlabel(labels.header(weight))
    ax.set_ylabel(labels.header("candidate_pairs"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small")
    _set_title(ax, title, "match_weights", kind="plot_customer_data")
    return ax


@localised
@figure("plot_customer_data")
def threshold_curve(
    sweep: pd.DataFrame,
    *,
    threshold: float | None = None,
    title: str | None = None,
    table: str = "sweep",
    ax=None,
):
    """Precision and recall against the match threshold, and the customers it resolves.

    Takes :func:`crmkit.idic.identify.threshold_sweep` output. Precision and recall are
    lines on the left axis; the number of resolved customers is a grey line on a second
    axis with the true number of persons dotted, so a threshold set too high shows as
    customers counted several times. ``threshold`` marks the current setting.

    Parameters
    ----------
    sweep : DataFrame
        One row per threshold with precision, recall and the customers resolved.
    threshold : float, optional
        The current threshold, marked by a vertical line.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes
        The axes of precision and recall; the customers are on its twin.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"threshold": [0.0, 10.0, 20.0], "precision": [0.95, 0.999, 1.0],
    ...                   "recall": [0.999, 0.99, 0.7], "resolved": [98, 101, 140],
    ...                   "persons": [100, 100, 100]})
    >>> ax = threshold_curve(s, threshold=10)
    >>> [line.get_label() for line in ax.figure.axes[1].lines]  # the second axis
    ['Customers resolved', 'Persons (ground truth)']
    """
    _numeric(sweep, table, "threshold", "precision", "recall", "resolved", "persons")
    s = sweep.sort_values("threshold")
    ax = _axes(ax)
    for measure, colour in (("precision", COLORS["blue"]), ("recall", COLORS["orange"])):
        ax.plot(s["threshold"], s[measure], color=colour, linewidth=2, marker="o",
                markersize=3, label=labels.header(measure))
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.header("threshold"))
    ax.set_ylabel(f"{labels.header('precision')}, {labels.header('recall')}")
    twin = ax.twinx()
    twin.plot(s["threshold"], s["resolved"], color=COLORS["grey"], linewidth=2,
              label=labels.header("resolved"))
    twin.axhline(float(s["persons"].iloc[0]), color=COLORS["grey"], linestyle=":",
                 linewidth=1.2, label=labels.header("persons"))
    twin.set_ylim(0, float(s["resolved"].max()) * 1.1)
    twin.set_ylabel(labels.header("resolved"))
    twin.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    twin.grid(False)
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", linewidth=1.2)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper center",
              bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small")
    _set_title(ax, title, "threshold_curve", kind="plot_customer_data")
    return ax


__all__ = ["yearly_counts", "match_weights", "threshold_curve"]
