"""Chapter 5 figures: test against control, uplift, power, the FCB grid."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import LogLocator, NullFormatter, PercentFormatter

from crmkit import labels
from crmkit.plots._docs import figure
from crmkit.plots.style import (
    COLORS,
    _any_label,
    _axes,
    _numeric,
    _one_row_per,
    _set_title,
    localised,
    palette,
)
from crmkit.schema import (
    SchemaError,
    check_columns,
    check_rows,
    require_columns,
)

# event-triggered offers stand out (green), untargeted ones stay grey


@localised
@figure("plot_campaign")
def uplift_bars(
    pooled: pd.DataFrame,
    *,
    category: str | None = None,
    kind: str | None = None,
    rate: str = "conversion_rate",
    title: str | None = None,
    table: str = "pooled_uplift",
    ax=None,
):
    """Test and control rates side by side for each group, the uplift written above.

    Takes :func:`crmkit.campaigns.pooled_uplift` (or :func:`crmkit.campaigns.uplift`)
    output: one row per group (the index, or the ``category`` column) with ``rate_test``,
    ``rate_control`` and ``uplift``. ``rate`` names the rate on the vertical axis (a key of
    kind ``campaign_term``). Groups follow their label order.

    Parameters
    ----------
    pooled : DataFrame
        One row per group with ``rate_test``, ``rate_control`` and ``uplift``.
    category : str, optional
        Column naming the groups; ``None`` uses the index.
    kind : str, optional
        Label kind of the categories (their labels, order and colours); inferred from the
        column when ``None``.
    rate : str
        Label key (kind ``campaign_term``) of the rate on the vertical axis.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"rate_test": [0.46, 0.024], "rate_control": [0.25, 0.012],
    ...                   "uplift": [0.21, 0.012]},
    ...                  index=pd.Index(["life_event", "none"], name="trigger_family"))
    >>> ax = uplift_bars(p)
    >>> [t.get_text() for t in ax.texts]
    ['+21.0 pts', '+1.2 pts']
    """
    df = pooled.reset_index() if category is None else pooled
    category = category or pooled.index.name
    require_columns(df, table, [category])
    _numeric(df, table, "rate_test", "rate_control", "uplift")
    cats = df[category].astype(str)
    kind = kind or labels.kind_of(category, pd.unique(cats))
    keys = labels.order(kind, cats) if kind else list(pd.unique(cats))
    data = df.assign(_k=cats.to_numpy()).set_index("_k").reindex(keys)
    colours = palette("group")
    ax = _axes(ax)
    pos = np.arange(len(keys))
    width = 0.38
    for shift, group in ((-width / 2, "test"), (width / 2, "control")):
        ax.bar(pos + shift, data[f"rate_{group}"].to_numpy(dtype=float), width,
               color=colours[group], label=labels.label(group, "group"))
    tops = data[["rate_test", "rate_control"]].max(axis=1).to_numpy(dtype=float)
    for x, top, u in zip(pos, tops, data["uplift"].to_numpy(dtype=float), strict=True):
        ax.annotate(f"{100 * u:+.1f} pts", (x, top), xytext=(0, 4), textcoords="offset points",
                    ha="center", fontsize="small", fontweight="bold")
    names = ["\n".join(textwrap.wrap(str(_any_label(k, kind)), 16)) for k in keys]
    ax.set_xticks(pos, names, fontsize="small")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, float(np.nanmax(tops)) * 1.3 + 0.005)
    ax.set_xlabel(labels.header(category))
    ax.set_ylabel(labels.label(rate, "campaign_term"))
    # the legend goes to the side away from the tallest pair
    ax.legend(loc="upper left" if np.nanargmax(tops) >= len(keys) / 2 else "upper right")
    _set_title(ax, title, "test_control_rates", kind="plot_campaign")
    return ax


@localised
@figure("plot_campaign")
def uplift_funnel(
    per_campaign: pd.DataFrame,
    *,
    color_col: str | None = None,
    kind: str | None = None,
    pooled: pd.DataFrame | None = None,
    title: str | None = None,
    table: str = "uplift",
    ax=None,
):
    """Each campaign's uplift and 95 % interval against its size: a funnel.

    Takes :func:`crmkit.campaigns.uplift` output (one row per campaign; rows without a
    test or a control group, whose uplift is undefined, are left out; a missing uplift or
    interval on a campaign that has both groups is refused), optionally with a ``color_col`` (e.g. the campaign type). The horizontal axis is
    the campaign's targets (test + control, log scale): small campaigns have wide
    intervals, large ones narrow. ``pooled`` (:func:`crmkit.campaigns.pooled_uplift`
    output indexed by the same categories) adds each category's pooled uplift as a dashed
    line.

    Parameters
    ----------
    per_campaign : DataFrame
        One row per campaign with its uplift, its 95 % interval and its test and control
        sizes.
    color_col : str, optional
        Category column colouring the points (e.g. the campaign type).
    kind : str, optional
        Label kind of ``color_col``; inferred from the column when ``None``.
    pooled : DataFrame, optional
        Pooled uplift per category of ``color_col``, drawn as dashed lines.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"n_test": [8, 400], "n_control": [2, 100], "uplift": [0.3, 0.01],
    ...                   "ci_low": [-0.3, -0.02], "ci_high": [0.7, 0.04]})
    >>> ax = uplift_funnel(u)
    >>> ax.get_xscale(), [float(x) for x in ax.lines[0].get_xdata()]  # targets: test + control
    ('log', [10.0, 500.0])
    """
    measures = ("uplift", "ci_low", "ci_high")
    require_columns(per_campaign, table, dict.fromkeys(("n_test", "n_control", *measures),
                                                       "number"),
                    nonnegative=("n_test", "n_control"), nullable=measures)
    _one_row_per(per_campaign, table, "campaign_id")
    # crmkit.campaigns.uplift leaves the uplift of a campaign without one of the two groups
    # undefined (NaN): only those rows may lack it, the others would vanish from the figure
    both = (per_campaign["n_test"] > 0) & (per_campaign["n_control"] > 0)
    for col in measures:
        check_rows(per_campaign, table, col, both & per_campaign[col].isna(),
                   "missing value(s) although the campaign has a test and a control group")
    df = per_campaign.dropna(subset=list(measures))
    if df.empty:
        raise SchemaError(f"{table}.uplift: no campaign has a measured uplift (each lacks a "
                          "test or a control group)")
    size = (df["n_test"] + df["n_control"]).to_numpy(dtype=float)
    ax = _axes(ax)
    if color_col is None:
        groups = [(None, np.ones(len(df), dtype=bool))]
        colours = {None: COLORS["blue"]}
    else:
        check_columns(df, table, [color_col])
        cats = df[color_col].astype(str)
        kind = kind or labels.kind_of(color_col, pd.unique(cats))
        keys = labels.order(kind, cats) if kind else list(pd.unique(cats))
        colours = palette(kind, keys)
        groups = [(k, (cats == k).to_numpy()) for k in keys]
    for key, mask in groups:
        colour = colours[key]
        name = None if key is None else str(_any_label(key, kind))
        ax.vlines(size[mask], df["ci_low"].to_numpy(float)[mask],
                  df["ci_high"].to_numpy(float)[mask], color=colour, alpha=0.45, linewidth=1.5)
        ax.plot(size[mask], df["uplift"].to_numpy(float)[mask], "o", color=colour,
                markersize=5, label=name)
        if pooled is not None and key is not None and key in pooled.index.astype(str):
            level = float(pooled.set_axis(pooled.index.astype(str)).loc[key, "uplift"])
            ax.axhline(level, color=colour, linestyle="--", linewidth=1.2)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    # 1-2-5 ticks: a zoom on a narrow range of sizes still has labelled ticks
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.header("n_targets"))
    ax.set_ylabel(labels.header("uplift_axis"))
    if pooled is not None:  # one legend entry for the dashed lines of every category
        ax.plot([], [], color="black", linestyle="--", linewidth=1.2,
                label=labels.label("pooled_level", "plot_campaign"))
    if color_col is not None or pooled is not None:
        ax.legend(loc="upper right", fontsize="small")
    _set_title(ax, title, "uplift_funnel", kind="plot_campaign")
    return ax


@localised
@figure("plot_campaign")
def campaign_power(
    curve: pd.DataFrame,
    *,
    n_targets: int,
    uplift: float | None = None,
    breakeven_rate: float | None = None,
    title: str | None = None,
    table: str = "power_curve",
    ax=None,
):
    """Minimum detectable uplift against the number of targets, with a campaign's plan.

    ``curve`` is :func:`crmkit.campaigns.detectable_uplift_curve` output (``group_size``,
    ``detectable_uplift``). The vertical line marks the campaign's ``n_targets``; the
    dashed line its expected ``uplift``, the dotted one the uplift that pays its cost
    (``breakeven_rate`` of :class:`crmkit.campaigns.CampaignPlan`). Below the curve an
    uplift is too small for a test of that size to detect.

    Parameters
    ----------
    curve : DataFrame
        One row per test size: ``group_size`` and ``detectable_uplift`` (rate points).
    n_targets : int
        The campaign's number of targets, drawn as a vertical line.
    uplift : float, optional
        The campaign's expected uplift (rate points), a dashed line.
    breakeven_rate : float, optional
        The uplift that pays the campaign's cost, a dotted line.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"group_size": [100, 1000, 10000],
    ...                   "detectable_uplift": [0.12, 0.035, 0.011]})
    >>> ax = campaign_power(c, n_targets=500, uplift=0.012, breakeven_rate=0.004)
    >>> ax.lines[1].get_xdata(), ax.lines[2].get_ydata()  # the plan: its targets, its uplift
    ([500, 500], [0.012, 0.012])
    """
    # no detectable uplift (NaN) below some size, by construction
    require_columns(curve, table, {"group_size": "number", "detectable_uplift": "number"},
                    nullable=("detectable_uplift",),
                    nonnegative=("group_size", "detectable_uplift"))
    part = curve.dropna(subset=["detectable_uplift"]).sort_values("group_size")
    x = part["group_size"].to_numpy(dtype=float)
    y = part["detectable_uplift"].to_numpy(dtype=float)
    ax = _axes(ax)
    ax.plot(x, y, color=COLORS["blue"], linewidth=2,
            label=labels.label("detectable_uplift", "campaign_plan"))
    ax.fill_between(x, 0, y, color=COLORS["blue"], alpha=0.08,
                    label=labels.label("undetectable", "plot_campaign"))
    ax.axvline(n_targets, color="black", linewidth=1,
               label=f"{labels.label('targets_selected', 'plot_campaign')} ({n_targets:,})")
    marks = [float(np.interp(n_targets, x, y))]
    if uplift is not None:
        ax.axhline(uplift, color=COLORS["green"], linestyle="--", linewidth=1.5,
                   label=labels.label("expected_uplift", "plot_campaign"))
        marks.append(uplift)
    if breakeven_rate is not None:
        ax.axhline(breakeven_rate, color=COLORS["vermilion"], linestyle=":", linewidth=1.8,
                   label=labels.label("breakeven_uplift", "plot_campaign"))
        marks.append(breakeven_rate)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_ylim(0, min(float(y.max()), 3 * max(marks)) * 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.header("n_targets"))
    ax.set_ylabel(labels.header("uplift_axis"))
    ax.legend(loc="upper right", fontsize="small")
    _set_title(ax, title, "campaign_power", kind="plot_campaign")
    return ax


# where each quadrant of the FCB grid sits: (column: think | feel, row: low | high)
_FCB_CELLS = {"learning": (0, 1), "affectivity": (1, 1), "routine": (0, 0), "hedonism": (1, 0)}


@localised
@figure("plot_campaign")
def fcb_grid(
    grid: pd.DataFrame,
    *,
    name_col: str = "product_id",
    name_kind: str | None = "product",
    title: str | None = None,
    table: str = "products",
    ax=None,
):
    """Vaughn's FCB grid (involvement x think/feel) with the products of each quadrant.

    ``grid`` is :func:`crmkit.campaigns.learn_feel_do_grid` output (``fcb_quadrant`` and
    a name column). Each cell shows its quadrant, the order of the learn, feel and do
    responses, and its products; empty quadrants are drawn too.

    Parameters
    ----------
    grid : DataFrame
        One row per product with its ``fcb_quadrant`` and ``name_col``.
    name_col : str
        Column naming the products listed in each cell.
    name_kind : str, optional
        Label kind of the names (``None``: written as they are).
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"product_id": ["B_MORTGAGE", "B_CARD"],
    ...                   "fcb_quadrant": ["learning", "routine"]})
    >>> ax = fcb_grid(g)
    >>> [t.get_text() for t in ax.texts]  # each quadrant, then its products
    ['Learning (learn-feel-do)', 'Mortgage', 'Affectivity (feel-learn-do)', '—', 'Routine (do-learn-feel)', 'Payment card', 'Hedonism (do-feel-learn)', '—']
    """
    require_columns(grid, table, [name_col, "fcb_quadrant"])
    unknown = ~grid["fcb_quadrant"].astype(str).isin(list(_FCB_CELLS))
    if unknown.any():
        raise SchemaError(f"{table}.fcb_quadrant: unknown quadrant(s) "
                          f"{sorted(grid.loc[unknown, 'fcb_quadrant'].astype(str).unique())}")
    colours = palette("fcb_quadrant")
    ax = _axes(ax)
    for quadrant, (col, row) in _FCB_CELLS.items():
        ax.add_patch(plt.Rectangle((col, row), 1, 1, facecolor=colours[quadrant], alpha=0.18,
                                   edgecolor="white", linewidth=3))
        ax.text(col + 0.05, row + 0.93, labels.label(quadrant, "fcb_quadrant"), ha="left",
                va="top", fontweight="bold", fontsize="small")
        names = grid.loc[grid["fcb_quadrant"].astype(str) == quadrant, name_col].astype(str)
        shown = [str(labels.label(n, name_kind)) if name_kind else n for n in names]
        ax.text(col + 0.05, row + 0.78, "\n".join(shown) if shown else "—", ha="left",
                va="top", fontsize="small", linespacing=1.4)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], [labels.label(k, "fcb_mode") for k in ("think", "feel")])
    ax.set_yticks([0.5, 1.5], [labels.label(k, "level") for k in ("low", "high")])
    ax.set_xlabel(labels.header("mode"))
    ax.set_ylabel(labels.header("involvement"))
    ax.grid(False)
    _set_title(ax, title, "fcb_grid", kind="plot_campaign")
    return ax


__all__ = ["uplift_bars", "uplift_funnel", "campaign_power", "fcb_grid", "qini_plot"]


@localised
@figure()
def qini_plot(
    curves: pd.DataFrame,
    *,
    by: str = "model",
    kind: str | None = None,
    title: str | None = None,
    table: str = "qini_curves",
    ax=None,
):
    """Qini curves: the buyers a contact causes against the share of targets contacted,
    one line per ranking, and random targeting as the straight line.

    Takes a tidy frame of :func:`crmkit.campaigns.qini_curve` or
    :func:`crmkit.campaigns.true_qini_curve` outputs stacked with a ``by`` column naming the
    ranking (``share``, ``incremental``, ``by``). The random line joins 0 to the mean end
    point (the same for every ranking of the same customers under the true effect).

    Parameters
    ----------
    curves : DataFrame
        ``share``, ``incremental`` and the ``by`` column.
    by : str
        The column naming each ranking (one line each).
    kind : str, optional
        Label kind of the rankings (default: inferred, e.g. ``uplift_ranking``).
    title : str, optional
        A label key or text (default: the ``qini_curves`` label).
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"share": [0, 0.5, 1, 0, 0.5, 1], "incremental": [0, 3, 4, 0, 1, 4],
    ...                   "model": ["two_model"] * 3 + ["response_score"] * 3})
    >>> ax = qini_plot(c)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Two-model uplift', 'Response score (who buys)', 'Random targeting']
    """
    require_columns(curves, table, {"share": "number", "incremental": "number"})
    check_columns(curves, table, [by])
    check_rows(curves, table, "share", ~curves["share"].between(0, 1), "share outside [0, 1]")
    check_rows(curves, table, by, curves[by].isna(), "missing ranking name")
    ax = _axes(ax)
    names = list(pd.unique(curves[by].astype(str)))
    kind = kind or labels.kind_of(by, names)
    colours = palette(kind, names)
    ends = []
    for name in names:
        part = curves.loc[curves[by].astype(str) == name].sort_values("share")
        ax.plot(part["share"], part["incremental"], color=colours[name], linewidth=2,
                label=str(_any_label(name, kind)))
        ends.append(float(part["incremental"].iloc[-1]))
    ax.plot([0, 1], [0, float(np.mean(ends))], color="black", linestyle="--", linewidth=1,
            label=labels.label("random_targeting", "plot_campaign"))
    ax.axhline(0, color="black", linewidth=0.6)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.header("share_targeted"))
    ax.set_ylabel(labels.header("incremental_buyers"))
    ax.legend(loc="best", fontsize="small")
    _set_title(ax, title, "qini_curves", kind="plot_campaign")
    return ax
