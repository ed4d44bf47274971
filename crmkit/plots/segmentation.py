"""Chapter 3 figures: RFM grid, score validation, lifecycle, clusters, piloting."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from crmkit import labels
from crmkit.plots._docs import figure
from crmkit.plots.style import COLORS, _axes, _numeric, localised, palette
from crmkit.schema import (
    SchemaError,
    check_columns,
    check_key,
    check_nonnegative,
    check_not_empty,
    check_rows,
    require_columns,
)

# pace against the life-stage norm: early green, on time blue, late orange, unseen grey


@localised
@figure()
def rfm_heatmap(
    scores: pd.DataFrame,
    value: str | None = None,
    *,
    rows: str = "R",
    cols: str = "F",
    min_count: int = 10,
    table: str = "rfm",
    ax=None,
):
    """Heatmap of an RFM grid: share of customers, or the mean of ``value``, per cell.

    Rows and columns are two score columns (default recency ``R`` against frequency
    ``F``), the best score at the top right. With ``value`` (e.g. a 0/1 column "bought
    again the next year") each cell shows that column's mean, the classic check that the
    scores rank customers; cells with fewer than ``min_count`` customers are left blank.
    Without ``value`` each cell shows its share of the customers.

    Parameters
    ----------
    scores : DataFrame
        One row per customer with the score columns ``rows`` and ``cols``.
    value : str, optional
        Numeric column whose mean fills each cell; ``None`` shows the share of customers.
    rows : str
        Score column on the vertical axis.
    cols : str
        Score column on the horizontal axis.
    min_count : int
        Cells with fewer customers are left blank when ``value`` is given.
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"R": [1, 2, 5, 5], "F": [1, 1, 4, 5], "bought": [0, 0, 1, 1]})
    >>> ax = rfm_heatmap(s, "bought", min_count=1)
    >>> [t.get_text() for t in ax.texts]  # the filled cells, top row (R = 5) first
    ['100%', '100%', '0%', '0%']
    """
    check_not_empty(scores, table)
    check_columns(scores, table, {rows: "int", cols: "int"})
    check_key(scores, table, "customer_id")  # one row per customer: a copy counts twice
    if value is not None:
        _numeric(scores, table, value)
    ax = _axes(ax)
    r_levels = sorted(pd.unique(scores[rows]))[::-1]  # best score on top
    c_levels = sorted(pd.unique(scores[cols]))
    counts = pd.crosstab(scores[rows], scores[cols]).reindex(index=r_levels, columns=c_levels,
                                                            fill_value=0)
    if value is None:
        grid = counts / counts.to_numpy().sum()
        cbar = labels.label("share_of_customers", "measure")
        cmap = "Blues"
    else:
        grid = scores.pivot_table(index=rows, columns=cols, values=value, aggfunc="mean",
                                  observed=True).reindex(index=r_levels, columns=c_levels)
        grid = grid.where(counts >= min_count)
        cbar = labels.header(value)
        cmap = "YlGn"
    sns.heatmap(grid, annot=True, fmt=".0%", cmap=cmap, vmin=0, linewidths=0.5,
                cbar_kws={"label": cbar, "format": PercentFormatter(1.0)}, ax=ax)
    ax.set_ylabel(labels.label(rows, "rfm_score"))
    ax.set_xlabel(labels.label(cols, "rfm_score"))
    ax.tick_params(axis="y", rotation=0)
    title = labels.label("rfm_heatmap", "plot_segmentation")
    ax.set_title(title if value is None else f"{title} — {labels.header(value)}")
    return ax


@localised
@figure()
def score_outcome(
    scores: pd.DataFrame,
    outcome: str,
    dims: Sequence[str] = ("R", "F", "M"),
    *,
    table: str = "scores",
    ax=None,
):
    """Mean of ``outcome`` by score value, one line per score dimension.

    The quick validation of RFM or FRAT scores: if a dimension ranks customers, its line
    climbs (or falls) steadily from score 1 to the top score. ``outcome`` is typically a
    0/1 column observed *after* the scoring date (bought again, left...).

    Parameters
    ----------
    scores : DataFrame
        One row per customer with the score columns and ``outcome``.
    outcome : str
        Numeric column (often 0/1) observed after the scoring date.
    dims : sequence of str
        Score columns, one line each.
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"R": [1, 2, 3, 3], "F": [1, 1, 2, 3], "left": [1, 1, 0, 0]})
    >>> ax = score_outcome(s, "left", dims=["R", "F"])
    >>> [[float(v) for v in line.get_ydata()] for line in ax.lines[:2]]  # mean of left by R, by F
    [[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    """
    dims = list(dims)
    check_not_empty(scores, table)
    check_columns(scores, table, {d: "int" for d in dims})
    _numeric(scores, table, outcome)
    check_key(scores, table, "customer_id")  # one row per customer: a copy counts twice
    long = scores[dims + [outcome]].melt(id_vars=outcome, var_name="dimension", value_name="score")
    rates = long.groupby(["dimension", "score"], sort=True)[outcome].mean().reset_index()
    rates["dimension"] = rates["dimension"].map(lambda d: str(labels.label(d, "rfm_score")))
    ax = _axes(ax)
    sns.lineplot(data=rates, x="score", y=outcome, hue="dimension", marker="o",
                 hue_order=[str(labels.label(d, "rfm_score")) for d in dims], ax=ax)
    ax.set_xticks(sorted(rates["score"].unique()))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(labels.label("score", "segmentation_measure"))
    ax.set_ylabel(labels.header(outcome))
    ax.set_title(f"{labels.label('score_outcome', 'plot_segmentation')} — {labels.header(outcome)}")
    ax.legend(title=labels.label("dimension", "segmentation_measure"), loc="center left",
              bbox_to_anchor=(1.0, 0.5))
    return ax


@localised
@figure()
def stage_entry_ages(
    segments: pd.DataFrame,
    *,
    stage_col: str = "stage",
    table: str = "lifecycle",
    ax=None,
):
    """Age at entry into the current life stage, per stage, against the stage's norm.

    Takes :func:`crmkit.segmentation.lifecycle_segments` output: one dot per customer
    whose entry was observed, coloured by pace (ahead of, on or behind the norm), and the
    norm (median age at entry) as a black bar. Stages are sorted by their norm. A missing
    ``age_at_entry`` means the entry was not observed (its pace is ``"unknown"``): such
    rows are left out; a missing age whose pace says it was observed is refused.

    Parameters
    ----------
    segments : DataFrame
        One row per customer with ``stage_col``, ``age_at_entry``, ``pace`` and
        ``norm_age_at_entry``.
    stage_col : str
        Column of the current life stage.
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> seg = pd.DataFrame({"stage": ["couple"] * 3, "age_at_entry": [24.0, 28.0, 35.0],
    ...                     "norm_age_at_entry": [28.0] * 3,
    ...                     "pace": ["ahead", "on_norm", "behind"]})
    >>> ax = stage_entry_ages(seg)
    >>> [t.get_text() for t in ax.get_legend().texts]
    ['Ahead of the norm', 'On the norm', 'Behind the norm', 'Norm (median age at entry)']
    """
    require_columns(segments, table, {stage_col: None, "age_at_entry": "number",
                                      "norm_age_at_entry": "number", "pace": None},
                    nullable=("age_at_entry", "norm_age_at_entry"))
    for col in ("age_at_entry", "norm_age_at_entry"):
        check_nonnegative(segments, table, col)
    # lifecycle_segments sets the pace from the age at entry: a known pace with no age is
    # a lost value, not an unobserved entry (its dot would silently vanish)
    check_rows(segments, table, "age_at_entry",
               segments["age_at_entry"].isna() & (segments["pace"].astype(str) != "unknown"),
               "missing value(s) although the pace says the entry was observed")
    seen = segments.loc[segments["age_at_entry"].notna()]
    if seen.empty:
        raise SchemaError(f"{table}.age_at_entry: no customer with an observed entry")
    norms = seen.groupby(stage_col, observed=True)["norm_age_at_entry"].first().sort_values()
    order = list(norms.index)
    names = [str(labels.label(s, "life_stage")) for s in order]
    paces = labels.order("lifecycle_pace", seen["pace"].astype(str))
    colours = palette("lifecycle_pace", paces)
    ax = _axes(ax)
    sns.stripplot(
        x=seen[stage_col].astype(str).map(lambda s: str(labels.label(s, "life_stage"))).to_numpy(),
        y=seen["age_at_entry"].to_numpy(),
        hue=seen["pace"].astype(str).map(lambda p: str(labels.label(p, "lifecycle_pace"))).to_numpy(),
        order=names, hue_order=[str(labels.label(p, "lifecycle_pace")) for p in paces],
        palette={str(labels.label(p, "lifecycle_pace")): colours[p] for p in paces},
        size=2.5, alpha=0.5, jitter=0.3, rasterized=True, ax=ax,
    )
    ax.scatter(range(len(order)), norms.to_numpy(), marker="_", s=900, linewidths=2.5,
               color="black", zorder=3)
    ax.set_xticks(range(len(order)), ["\n".join(textwrap.wrap(n, 10)) for n in names],
                  fontsize="small")
    ax.set_xlabel(labels.label("stage", "segmentation_measure"))
    ax.set_ylabel(labels.label("age_at_entry", "segmentation_measure"))
    ax.set_title(labels.label("stage_entry_ages", "plot_segmentation"))
    handles, texts = ax.get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="black", linewidth=2.5))
    texts.append(labels.label("norm_age_at_entry", "segmentation_measure"))
    ax.legend(handles, texts, title=labels.label("pace", "segmentation_measure"),
              loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=2)
    return ax


@localised
@figure()
def k_selection(scores: pd.DataFrame, *, k: int | None = None, table: str = "choose_k", ax=None):
    """Elbow and silhouette against the number of clusters, from
    :func:`crmkit.segmentation.choose_k`; ``k`` marks the chosen number.

    Inertia (within-cluster sum of squares, left axis) always falls as k grows: look for
    the elbow. The silhouette (right axis, closer to 1 = better separated) can peak.

    Parameters
    ----------
    scores : DataFrame
        One row per number of clusters ``k`` with ``inertia`` and ``silhouette``.
    k : int, optional
        The chosen number of clusters, a vertical line; ``None`` marks none.
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes
        The left (inertia) axes; the silhouette is on its twin.

    Examples
    --------
    >>> import pandas as pd
    >>> ck = pd.DataFrame({"k": [2, 3, 4], "inertia": [90.0, 60.0, 50.0],
    ...                    "silhouette": [0.30, 0.35, 0.28]})
    >>> ax = k_selection(ck, k=3)
    >>> [float(x) for x in ax.lines[-1].get_xdata()]  # the chosen k
    [3.0, 3.0]
    """
    _numeric(scores, table, "k", "inertia", "silhouette")
    ax = _axes(ax)
    ks = scores["k"].to_numpy()
    ax.plot(ks, scores["inertia"], marker="o", color=COLORS["blue"],
            label=labels.label("inertia", "segmentation_measure"))
    ax.set_xlabel(labels.label("k", "segmentation_measure"))
    ax.set_ylabel(labels.label("inertia", "segmentation_measure"), color=COLORS["blue"])
    ax.set_xticks(ks)
    twin = ax.twinx()
    twin.plot(ks, scores["silhouette"], marker="s", color=COLORS["orange"],
              label=labels.label("silhouette", "segmentation_measure"))
    twin.set_ylabel(labels.label("silhouette", "segmentation_measure"), color=COLORS["orange"])
    twin.grid(False)
    if k is not None:
        ax.axvline(k, color=COLORS["grey"], linestyle="--", linewidth=1)
    ax.set_title(labels.label("k_selection", "plot_segmentation"))
    return ax


@localised
@figure()
def cluster_profile_heatmap(
    profile: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    cluster_col: str = "cluster",
    size_col: str = "size",
    table: str = "profile",
    ax=None,
):
    """The clusters' portrait: each variable's cluster mean as an index (average = 100).

    Takes :func:`crmkit.segmentation.cluster_profile` output (one row per cluster with
    ``size`` and the mean of each variable). The colour is the index
    ``100 * cluster mean / overall mean`` (the overall mean weighted by cluster size),
    the usual way marketers read a segment's profile: above 100 the variable is
    over-represented, below 100 under-represented. Cells show the cluster means in the
    variables' own units; rows carry each cluster's share of the customers. ``columns``
    defaults to every column but the cluster, size and share. One row per cluster; the
    index compares positive quantities, so a negative mean or size is refused.

    Parameters
    ----------
    profile : DataFrame
        One row per cluster with its size and the mean of each variable.
    columns : sequence of str, optional
        Variables shown; ``None`` for every column but the cluster, size and share.
    cluster_col : str
        Column naming the cluster, one row each.
    size_col : str
        Column of the cluster's number of customers.
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> prof = pd.DataFrame({"cluster": [0, 1], "size": [3, 1], "share": [0.75, 0.25],
    ...                      "age": [30.0, 70.0], "products": [1.0, 5.0]})
    >>> ax = cluster_profile_heatmap(prof)
    >>> ax.collections[0].get_array().tolist()  # 100 x mean / overall mean (40 years, 2 products)
    [[75.0, 50.0], [175.0, 250.0]]
    """
    columns = [c for c in profile.columns if c not in (cluster_col, size_col, "share")] \
        if columns is None else list(columns)
    require_columns(profile, table, {cluster_col: None, **dict.fromkeys([size_col, *columns],
                                                                       "number")},
                    nonnegative=(size_col, *columns), unique=cluster_col)
    means = profile.set_index(cluster_col)[columns]
    size = profile.set_index(cluster_col)[size_col]
    overall = means.mul(size, axis=0).sum() / size.sum()
    bad = [c for c in columns if not overall[c] > 0]
    if bad:
        raise SchemaError(f"{table}: the overall mean of {bad} is not positive; an index "
                          "(average = 100) needs positive variables")
    index = 100 * means / overall
    share = size / size.sum()
    ax = _axes(ax)

    def fmt(v: float) -> str:
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2g}" if abs(v) < 1 else f"{v:.1f}"

    annot = means.map(fmt).to_numpy()
    sns.heatmap(index, annot=annot, fmt="", cmap="RdBu_r", center=100, vmin=0, vmax=200,
                linewidths=0.5, annot_kws={"fontsize": "small"},
                cbar_kws={"label": labels.label("index_100", "segmentation_measure")}, ax=ax)
    ax.set_yticks(np.arange(len(index)) + 0.5,
                  [f"{labels.label('cluster', 'segmentation_measure')} {c} ({s:.0%})"
                   for c, s in share.items()], rotation=0)
    ax.set_xticks(np.arange(len(columns)) + 0.5, [str(labels.header(c)) for c in columns],
                  rotation=40, ha="right")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(labels.label("cluster_profile", "plot_segmentation"))
    return ax


@localised
@figure()
def migration_heatmap(
    matrix: pd.DataFrame,
    *,
    kind: str | None = None,
    new_label: str = "new",
    lost_label: str = "lost",
    table: str = "migration",
    ax=None,
):
    """Heatmap of a migration matrix (rows: segment at the first date, columns: at the
    second), as returned by :func:`crmkit.segmentation.migration_matrix` with shares per
    row. The diagonal (customers who stayed) is outlined; the ``new`` row and ``lost``
    column get their own labels.

    Parameters
    ----------
    matrix : DataFrame
        Migration matrix: segment at the first date (rows) by segment at the second
        (columns).
    kind : str, optional
        Label kind of the segments; inferred from the index when ``None``.
    new_label : str
        Name of the row of customers new at the second date.
    lost_label : str
        Name of the column of customers lost by the second date.
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.5, 0.5, 0.0]],
    ...                  index=["A", "B", "new"], columns=["A", "B", "lost"])
    >>> ax = migration_heatmap(m, kind="abc_class")
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.get_xticklabels()][-1]
    (['Class A', 'Class B', 'New entrants'], 'Lost (left or inactive)')
    """
    _numeric(matrix, table, *matrix.columns, nonnegative=tuple(matrix.columns))
    values = matrix.to_numpy(dtype=float)

    def name(v) -> str:
        if v in (new_label, lost_label):
            return str(labels.label("new" if v == new_label else "lost", "migration"))
        return str(labels.label(v, kind)) if kind else str(labels.label(v))

    ax = _axes(ax)
    share = bool(np.all(values <= 1 + 1e-9))
    sns.heatmap(pd.DataFrame(values, index=[name(v) for v in matrix.index],
                             columns=[name(v) for v in matrix.columns]),
                annot=True, fmt=".0%" if share else ".0f", cmap="Blues", vmin=0,
                vmax=1 if share else None, linewidths=0.5, cbar=False,
                annot_kws={"fontsize": "small"}, ax=ax)
    cols = list(matrix.columns)
    for i, r in enumerate(matrix.index):
        if r in cols:
            ax.add_patch(plt.Rectangle((cols.index(r), i), 1, 1, fill=False,
                                       edgecolor=COLORS["orange"], linewidth=2))
    ax.set_ylabel(labels.label("from", "segmentation_measure"))
    ax.set_xlabel(labels.label("to", "segmentation_measure"))
    ax.tick_params(axis="x", rotation=40)
    ax.tick_params(axis="y", rotation=0)
    for tick in ax.get_xticklabels():
        tick.set_ha("right")
    ax.set_title(labels.label("migration_heatmap", "plot_segmentation"))
    return ax


@localised
@figure()
def kpi_trend(
    kpis: pd.DataFrame,
    period_col: str,
    segment_col: str,
    value: str,
    *,
    kind: str | None = None,
    percent: bool = False,
    table: str = "kpis",
    ax=None,
):
    """One line per segment: a key indicator over periods (the segment dashboard's trend).

    Takes :func:`crmkit.segmentation.segment_kpis` output with a period column: one row
    per segment and period, none of them missing.

    Parameters
    ----------
    kpis : DataFrame
        One row per (segment, period).
    period_col : str
        Column of the period, the horizontal axis.
    segment_col : str
        Column of the segment, one line each.
    value : str
        Numeric column of the indicator drawn.
    kind : str, optional
        Label kind of the segments; inferred from the column when ``None``.
    percent : bool
        Format the vertical axis as percentages (for shares and rates).
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> k = pd.DataFrame({"year": [2023, 2023, 2024, 2024], "abc_class": ["A", "B", "A", "B"],
    ...                   "churn_rate": [0.02, 0.05, 0.03, 0.08]})
    >>> ax = kpi_trend(k, "year", "abc_class", "churn_rate", percent=True)
    >>> [(line.get_label(), [float(v) for v in line.get_ydata()]) for line in ax.lines]
    [('Class A', [0.02, 0.03]), ('Class B', [0.05, 0.08])]
    """
    require_columns(kpis, table, {period_col: None, segment_col: None, value: "number"},
                    unique=[segment_col, period_col])
    kind = kind or labels.kind_of(segment_col, pd.unique(kpis[segment_col].dropna()))
    keys = labels.order(kind, kpis[segment_col].astype(str)) if kind else \
        list(pd.unique(kpis[segment_col].astype(str)))
    colours = palette(kind, keys)
    ax = _axes(ax)
    for key in keys:
        part = kpis.loc[kpis[segment_col].astype(str) == key].sort_values(period_col)
        ax.plot(part[period_col].astype(str), part[value], marker="o", color=colours[key],
                label=labels.label(key, kind))
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.header(period_col))
    ax.set_ylabel(labels.header(value))
    ax.set_title(f"{labels.label('kpi_trend', 'plot_segmentation')} — {labels.header(value)}")
    ax.legend(title=labels.header(segment_col), loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


@localised
@figure()
def detectable_uplift(
    curve: pd.DataFrame,
    sizes: Sequence[int] | None = None,
    *,
    size_col: str = "group_size",
    uplift_col: str = "detectable_uplift",
    table: str = "power_curve",
    ax=None,
):
    """Minimum detectable uplift against the size of a test group (log scale), with the
    sizes of actual micro-segments as a rug: how small a group can still teach something.

    ``curve`` has one row per group size with the smallest uplift (in rate points) a test
    of that size detects, e.g. from :func:`crmkit.campaigns.minimum_detectable_uplift`.

    Parameters
    ----------
    curve : DataFrame
        One row per group size with the smallest detectable uplift.
    sizes : sequence of int, optional
        Sizes of actual micro-segments, drawn as a rug; ``None`` draws none.
    size_col : str
        Column of the group size.
    uplift_col : str
        Column of the detectable uplift (rate points).
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"group_size": [50, 500, 5000],
    ...                   "detectable_uplift": [0.25, 0.07, 0.02]})
    >>> ax = detectable_uplift(c, sizes=[12, 80, 800])
    >>> ax.get_xscale(), [float(x) for x in ax.lines[1].get_xdata()]  # the rug of segment sizes
    ('log', [12.0, 80.0, 800.0])
    """
    _numeric(curve, table, size_col, uplift_col, nonnegative=(size_col,))
    ax = _axes(ax)
    part = curve.sort_values(size_col)
    ax.plot(part[size_col], part[uplift_col], color=COLORS["blue"], linewidth=2,
            label=labels.label(uplift_col, "segmentation_measure"))
    if sizes is not None and len(sizes):
        s = np.asarray(sizes, dtype=float)
        ax.plot(s, np.zeros_like(s), "|", color=COLORS["vermilion"], markersize=14, alpha=0.5,
                label=labels.label("micro_segment_size", "segmentation_measure"),
                transform=ax.get_xaxis_transform())
    ax.set_xscale("log")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(labels.label(size_col, "segmentation_measure"))
    ax.set_ylabel(labels.label(uplift_col, "segmentation_measure"))
    ax.set_title(labels.label("detectable_uplift", "plot_segmentation"))
    ax.legend(loc="upper right")
    return ax


__all__ = ["rfm_heatmap", "score_outcome", "stage_entry_ages", "k_selection",
            "cluster_profile_heatmap", "migration_heatmap", "kpi_trend", "detectable_uplift"]
