"""Chapter 4 figures: cost to serve, waterfalls, stories, model checks, value tiers."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from crmkit import labels
from crmkit.plots._docs import figure
from crmkit.plots.style import (
    _CORNERS,
    _CYCLE,
    COLORS,
    QUADRANT_PRESETS,
    _any_label,
    _axes,
    _numeric,
    _set_title,
    localised,
    palette,
)
from crmkit.schema import (
    check_columns,
    check_in_range,
    check_key,
    fail,
    require_columns,
)

# value tiers run from red (loss-making) to green (high); the lost state is grey
# the parts of a cost to serve: direct contacts, then the three pools of the lecture slides
_COST_PARTS = labels.palette_of("value_column")
# a period's state shares sum to 1 up to the rounding of a Markov projection's products
_SHARE_TOLERANCE = 1e-6


def _euros(v: float) -> str:
    """A euro amount written short: 1.2 M€, 35 k€, 820 €."""
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:,.1f} M€"
    if a >= 1e4:
        return f"{v / 1e3:,.0f} k€"
    if 0 < a < 10:
        return f"{v:,.2f} €"
    return f"{v:,.0f} €"


def _categories(df: pd.DataFrame, column: str, kind: str | None) -> list:
    """Display order of a column's values: the label order of its kind, else sorted."""
    values = pd.unique(df[column].dropna())
    if kind:
        return labels.order(kind, values)
    try:
        return sorted(values)
    except TypeError:
        return list(values)


@localised
@figure("plot_value")
def cost_breakdown(
    df: pd.DataFrame,
    by: str,
    parts: Sequence[str] = ("direct_cost", "sales_marketing", "order_handling",
                            "distribution"),
    *,
    kind: str | None = None,
    value_label: str = "cost_to_serve",
    legend: bool = True,
    title: str | None = None,
    table: str = "costs",
    ax=None,
):
    """Mean cost to serve per customer by category of ``by``, stacked by part.

    ``df`` has one row per customer with the ``parts`` columns (as returned by
    :func:`crmkit.value.cost_to_serve`: the direct cost of the contacts and the allocated
    pools) and the column ``by`` (a channel, a number of products, a strategy...). Each bar
    is the mean over the category's customers, its total written on top (the parts are
    costs: a negative one is refused, as is a repeated ``customer_id``). ``value_label``
    names the vertical axis (a label key; e.g. ``unit_cost`` for one row per channel).

    Parameters
    ----------
    df : DataFrame
        One row per customer (or per ``by`` category) with the ``parts`` columns.
    by : str
        Category column, one bar each.
    parts : sequence of str
        Non-negative cost columns stacked in each bar.
    kind : str, optional
        Label kind of the categories (their labels, order and colours); inferred from the
        column when ``None``.
    value_label : str
        Label key of the vertical axis.
    legend : bool
        Draw the legend of the parts.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"preferred_channel": ["branch", "web", "web"],
    ...                   "direct_cost": [60.0, 2.0, 4.0], "sales_marketing": [30.0, 10, 20]})
    >>> ax = cost_breakdown(d, "preferred_channel", ["direct_cost", "sales_marketing"])
    >>> [t.get_text() for t in ax.texts]  # mean per customer: web (2 + 10 + 4 + 20) / 2
    ['90 €', '18 €']
    """
    parts = list(parts)
    if not parts:
        raise ValueError("give at least one cost part")
    # costs stack: a negative part would hide under the others and lower the total shown
    require_columns(df, table, {by: None, **dict.fromkeys(parts, "number")}, nonnegative=parts)
    check_key(df, table, "customer_id")  # one row per customer: a copy weighs twice
    kind = kind or labels.kind_of(by, pd.unique(df[by].dropna()))
    cats = _categories(df, by, kind)
    means = df.groupby(by, observed=True)[parts].mean().reindex(cats)
    ax = _axes(ax)
    pos = np.arange(len(cats))
    bottom = np.zeros(len(cats))
    free = iter(c for c in _CYCLE if c not in _COST_PARTS.values())
    for part in parts:
        heights = means[part].to_numpy(dtype=float)
        ax.bar(pos, heights, bottom=bottom, label=labels.header(part),
               color=_COST_PARTS.get(part) or next(free))
        bottom = bottom + heights
    for x, total in zip(pos, bottom, strict=True):
        ax.annotate(_euros(total), (x, total), textcoords="offset points", xytext=(0, 3),
                    ha="center", fontsize="small")
    names = ["\n".join(textwrap.wrap(str(_any_label(c, kind)), 14)) for c in cats]
    ax.set_xticks(pos, names, fontsize="small")
    ax.set_ylim(top=float(np.nanmax(bottom)) * 1.15)
    ax.set_xlabel(labels.header(by))
    ax.set_ylabel(f"{labels.header(value_label)} (€)")
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    _set_title(ax, title, "cost_breakdown", kind="plot_value")
    return ax


@localised
@figure("plot_value")
def value_waterfall(
    steps: pd.DataFrame,
    *,
    item_col: str = "item",
    amount_col: str = "amount",
    totals: Sequence[str] = (),
    title: str | None = None,
    table: str = "steps",
    ax=None,
):
    """A waterfall: amounts added and taken away, step by step, down to a total.

    ``steps`` lists the items in order with their signed amount; items named in ``totals``
    are drawn from zero (a subtotal or the final total), the others float from the running
    total: blue when they add, vermilion when they take away. Item names are label keys
    (``commercial_margin``, ``direct_cost``, ``net_profit``...). ``title`` is a label key of
    the kind ``plot_value`` or a text.

    Parameters
    ----------
    steps : DataFrame
        One row per item, in order, with ``item_col`` and ``amount_col``.
    item_col : str
        Column of the item names (label keys).
    amount_col : str
        Column of the signed amounts.
    totals : sequence of str
        Items drawn from zero (subtotals and the total).
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"item": ["commercial_margin", "direct_cost", "direct_profit"],
    ...                   "amount": [1000.0, -300.0, 700.0]})
    >>> ax = value_waterfall(s, totals=["direct_profit"])
    >>> [(float(p.get_y()), float(p.get_height())) for p in ax.patches]  # the cost floats
    [(0.0, 1000.0), (700.0, 300.0), (0.0, 700.0)]
    """
    _numeric(steps, table, amount_col)
    require_columns(steps, table, [item_col])
    items = steps[item_col].astype(str).tolist()
    amounts = steps[amount_col].to_numpy(dtype=float)
    ax = _axes(ax)
    running = 0.0
    tops = []
    for i, (item, amount) in enumerate(zip(items, amounts, strict=True)):
        if i > 0:  # a thin connector at the level the previous bar ended
            ax.plot([i - 0.7, i - 0.3], [running, running], color="black", linewidth=0.6)
        if item in totals or i == 0:
            low, high, colour = min(0.0, amount), max(0.0, amount), COLORS["grey"]
            if item in totals and i > 0:
                colour = COLORS["green"] if amount >= 0 else COLORS["vermilion"]
            running = amount
        else:
            low, high = sorted((running, running + amount))
            colour = COLORS["blue"] if amount >= 0 else COLORS["vermilion"]
            running += amount
        ax.bar(i, high - low, bottom=low, color=colour, width=0.6)
        tops.append(high)
        sign = "" if item in totals or i == 0 else "+" if amount >= 0 else "−"
        ax.annotate(sign + _euros(abs(amount) if sign else amount), (i, high),
                    textcoords="offset points", xytext=(0, 3), ha="center", fontsize="small")
    names = ["\n".join(textwrap.wrap(str(labels.header(it)), 12)) for it in items]
    ax.set_xticks(np.arange(len(items)), names, fontsize="small")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylim(top=max(tops) * 1.12)
    ax.yaxis.set_major_formatter(lambda v, _pos: _euros(v))
    ax.set_ylabel(labels.label("euros", "plot_value"))
    _set_title(ax, title, "profit_waterfall", kind="plot_value")
    return ax


def _step_note(story: str | None, step: str, annotation) -> str:
    """The short note of a story step from the labels (kind ``story_step``), else the
    beginning of the story's own annotation."""
    if story is not None:
        key = f"{story}_{step}"
        text = labels.label(key, "story_step")
        if text != key:
            return str(text)
    text = "" if annotation is None or pd.isna(annotation) else str(annotation)
    return textwrap.shorten(text, 40, placeholder="…")


def _place_notes(ax, sx, sy, xs, ys, notes, *, font_pt: float = 6.5):
    """Offsets (points) and alignment of each step's note: the free spot nearest the step.

    A greedy search over candidate positions around each step (16 directions, three
    distances) in display space: a note must not cover another note, a step disc, the
    yearly path or the arrows, and should stay inside the axes.
    """
    fig = ax.figure
    to_px = fig.dpi / 72.0
    tr = ax.transData
    steps_px = tr.transform(np.column_stack([sx, sy]))
    # the path and the arrows, sampled every few pixels, are obstacles too
    line = []
    for pts in (np.column_stack([xs, ys]), np.column_stack([sx, sy])):
        d = tr.transform(pts)
        for a, b in zip(d[:-1], d[1:], strict=True):
            n = max(int(np.hypot(*(b - a)) / 6), 1)
            line.append(a + (b - a) * np.linspace(0, 1, n + 1)[:, None])
    line = np.vstack(line) if line else np.empty((0, 2))
    bbox = ax.get_window_extent()
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for (px, py), note in zip(steps_px, notes, strict=True):
        rows = note.split("\n")
        w = (max(len(r) for r in rows) * 0.55 * font_pt + 6) * to_px
        h = (len(rows) * 1.25 * font_pt + 5) * to_px
        best, best_cost = None, np.inf
        for dist in (34, 52, 74):
            for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
                dx, dy = dist * np.cos(angle), 0.75 * dist * np.sin(angle)
                ha = "left" if dx > 8 else "right" if dx < -8 else "center"
                va = "bottom" if dy > 6 else "top" if dy < -6 else "center"
                ax_ = px + dx * to_px
                ay_ = py + dy * to_px
                x0 = ax_ if ha == "left" else ax_ - w if ha == "right" else ax_ - w / 2
                y0 = ay_ if va == "bottom" else ay_ - h if va == "top" else ay_ - h / 2
                box = (x0 - 3, y0 - 3, x0 + w + 3, y0 + h + 3)
                cost = dist / 100.0
                for b in placed:  # overlap with the notes already placed
                    ow = max(0.0, min(box[2], b[2]) - max(box[0], b[0]))
                    oh = max(0.0, min(box[3], b[3]) - max(box[1], b[1]))
                    cost += 50.0 * ow * oh / (w * h)
                inside = ((steps_px[:, 0] > box[0] - 10) & (steps_px[:, 0] < box[2] + 10)
                          & (steps_px[:, 1] > box[1] - 10) & (steps_px[:, 1] < box[3] + 10))
                cost += 20.0 * inside.sum()
                # a note reads as belonging to the nearest step: keep it nearest its own
                centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
                gaps = np.hypot(*(steps_px - centre).T)
                own = np.hypot(*(np.array([px, py]) - centre))
                cost += 8.0 * float((gaps < own - 1).sum())
                if len(line):
                    hit = ((line[:, 0] > box[0]) & (line[:, 0] < box[2])
                           & (line[:, 1] > box[1]) & (line[:, 1] < box[3]))
                    cost += 0.6 * hit.sum()
                outside = (max(0.0, bbox.x0 - box[0]) + max(0.0, box[2] - bbox.x1)
                           + max(0.0, bbox.y0 - box[1]) + max(0.0, box[3] - bbox.y1))
                cost += 2.0 * outside
                if cost < best_cost:
                    best, best_cost = (dx, dy, ha, va, box), cost
        placed.append(best[4])
        out.append(best[:4])
    return out


@localised
@figure("plot_value")
def story_path(
    path: pd.DataFrame,
    *,
    story: str | None = None,
    x: str = "profitability",
    y: str = "potential",
    step_col: str = "step",
    note_col: str = "annotation",
    x_cut: float = 0.0,
    y_cut: float = 0.0,
    title: str | None = None,
    table: str = "path",
    ax=None,
):
    """A customer's walk across the value matrix, year by year, its numbered steps annotated.

    ``path`` has one row per year (e.g. :attr:`crmkit.synth.Story.path`) with ``x``
    (profitability), ``y`` (potential) and ``step_col`` (the step's number, missing in the
    years between steps). The years are small grey dots joined by a line; each step is a
    numbered disc, an arrow leads from one step to the next, and a short note says what
    happened (kind ``story_step`` of the labels, key ``<story>_<step>``; else the start of
    ``note_col``). The quadrants, cut at ``x_cut`` and ``y_cut``, carry the strategy each
    one calls for (the university lesson).

    Parameters
    ----------
    path : DataFrame
        One row per year with ``x``, ``y``, ``step_col`` and ``note_col``.
    story : str, optional
        Name of the story, prefix of the steps' label keys; ``None`` uses ``note_col``.
    x : str
        Column on the horizontal axis (profitability).
    y : str
        Column on the vertical axis (potential).
    step_col : str
        Column of the step's number, missing in the years between steps.
    note_col : str
        Column of a free-text note per step, used when no label describes the step.
    x_cut : float
        Where the vertical cut of the matrix sits.
    y_cut : float
        Where the horizontal cut of the matrix sits.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from crmkit.synth import story
    >>> ax = story_path(story("young_driver").path, story="young_driver")
    >>> [t.get_text() for t in ax.texts][:4]  # the strategy of each quadrant
    ['Loyalty building', 'Multi-equipment', 'Retention', 'Termination']
    """
    _numeric(path, table, x, y)
    check_columns(path, table, [step_col])
    ax = _axes(ax)
    xs, ys = path[x].to_numpy(dtype=float), path[y].to_numpy(dtype=float)
    span_x = max(float(np.ptp(np.r_[xs, x_cut])), 1.0)
    span_y = max(float(np.ptp(np.r_[ys, y_cut])), 1.0)
    ax.set_xlim(min(xs.min(), x_cut) - 0.35 * span_x, max(xs.max(), x_cut) + 0.35 * span_x)
    ax.set_ylim(min(ys.min(), y_cut) - 0.3 * span_y, max(ys.max(), y_cut) + 0.3 * span_y)

    # the four cells, tinted, with the strategy each one calls for
    q_kind, corners = QUADRANT_PRESETS["strategy"]
    colours = palette(q_kind)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cells = {"top_right": (x_cut, x1, y_cut, y1), "top_left": (x0, x_cut, y_cut, y1),
             "bottom_right": (x_cut, x1, y0, y_cut), "bottom_left": (x0, x_cut, y0, y_cut)}
    for corner, key in corners.items():
        a, b, c, d = cells[corner]
        ax.fill_between([a, b], c, d, color=colours[key], alpha=0.07, linewidth=0)
        px, py, ha, va = _CORNERS[corner]
        ax.text(px, py, labels.label(key, q_kind), transform=ax.transAxes, ha=ha, va=va,
                fontsize="small", fontweight="bold", color=colours[key])
    ax.axvline(x_cut, color=COLORS["grey"], linestyle="--", linewidth=1)
    ax.axhline(y_cut, color=COLORS["grey"], linestyle="--", linewidth=1)

    ax.plot(xs, ys, color=COLORS["grey"], linewidth=0.8, alpha=0.7, zorder=2)
    ax.scatter(xs, ys, s=10, color=COLORS["grey"], zorder=3)
    steps = path.loc[path[step_col].notna()]
    sx, sy = steps[x].to_numpy(dtype=float), steps[y].to_numpy(dtype=float)
    for i in range(len(steps) - 1):  # the arrows of the seed's diagram
        ax.annotate("", xy=(sx[i + 1], sy[i + 1]), xytext=(sx[i], sy[i]), zorder=4,
                    arrowprops={"arrowstyle": "-|>", "color": COLORS["blue"], "lw": 1.6,
                                "shrinkA": 9, "shrinkB": 9, "alpha": 0.85})
    for px_, py_, step in zip(sx, sy, steps[step_col], strict=True):
        ax.scatter([px_], [py_], s=260, color="white", edgecolor=COLORS["blue"], linewidth=1.8,
                   zorder=5)
        ax.text(px_, py_, str(step), ha="center", va="center", fontsize="small",
                fontweight="bold", zorder=6)
    notes = [textwrap.fill(_step_note(story, str(row[step_col]), row.get(note_col)), 22)
             for _, row in steps.iterrows()]
    for (px_, py_), note, (dx, dy, ha, va) in zip(
            zip(sx, sy, strict=True), notes, _place_notes(ax, sx, sy, xs, ys, notes),
            strict=True):
        ax.annotate(note, (px_, py_), textcoords="offset points", xytext=(dx, dy),
                    ha=ha, va=va, fontsize="small", zorder=6,
                    bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "alpha": 0.9,
                          "edgecolor": COLORS["grey"], "linewidth": 0.5},
                    arrowprops={"arrowstyle": "-", "color": COLORS["grey"], "lw": 0.6})
    ax.xaxis.set_major_formatter(lambda v, _pos: _euros(v))
    ax.yaxis.set_major_formatter(lambda v, _pos: _euros(v))
    ax.set_xlabel(labels.header(x))
    ax.set_ylabel(labels.header(y))
    _set_title(ax, title, "story", kind="plot_value")
    return ax


@localised
@figure("plot_value")
def holdout_fit(
    comparison: pd.DataFrame,
    *,
    title: str | None = None,
    table: str = "comparison",
    ax=None,
):
    """Mean purchases in the holdout period, actual and predicted, by calibration frequency.

    Takes :func:`crmkit.clv.holdout_comparison` output; the last frequency group reads
    "n+" (that many repeat purchases or more). The closer the two lines, the better the
    model forecasts customers it has not seen buy in that period.

    Parameters
    ----------
    comparison : DataFrame
        One row per calibration ``frequency`` with the ``actual`` and ``predicted`` mean
        holdout purchases.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"frequency": [0, 1, 2], "customers": [50, 20, 9],
    ...                   "actual": [0.2, 0.9, 2.1], "predicted": [0.25, 0.8, 1.9]})
    >>> ax = holdout_fit(c)
    >>> [t.get_text() for t in ax.get_xticklabels()]  # the last group: 2 repeat purchases or more
    ['0', '1', '2+']
    """
    _numeric(comparison, table, "frequency", "actual", "predicted",
             nonnegative=("frequency", "actual", "predicted"))
    ax = _axes(ax)
    f = comparison["frequency"].to_numpy()
    ax.plot(f, comparison["actual"], marker="o", color=COLORS["grey"], linewidth=2,
            label=labels.header("actual"))
    ax.plot(f, comparison["predicted"], marker="s", linestyle="--", color=COLORS["blue"],
            linewidth=2, label=labels.header("predicted"))
    ticks = [str(int(v)) for v in f]
    ticks[-1] += "+"
    ax.set_xticks(f, ticks)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(labels.header("calibration_frequency"))
    ax.set_ylabel(labels.header("purchases_per_customer"))
    ax.legend(loc="upper left")
    _set_title(ax, title, "holdout_fit", kind="plot_value")
    return ax


@localised
@figure("plot_value")
def state_shares(
    distribution: pd.DataFrame,
    *,
    kind: str = "value_tier",
    title: str | None = None,
    table: str = "distribution",
    ax=None,
):
    """Stacked shares of customers per state, period after period (a Markov projection).

    ``distribution`` has one row per period (0 = today) and one column per state, as
    :meth:`crmkit.clv.MarkovMigrationModel.state_distribution` returns; the states keep
    their colours (``kind``, default the value tiers, the lost state in grey on top).
    Every share is a number in [0, 1] and each period's shares sum to 1 (every customer
    of today is in one state, the lost state included): a missing state column is
    refused, not drawn as a stack that stops short of 100 %.

    Parameters
    ----------
    distribution : DataFrame
        One row per period, one column of shares per state.
    kind : str
        Label kind of the states (their labels, order and colours).
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"low": [0.6, 0.5], "high": [0.4, 0.35], "lost": [0.0, 0.15]})
    >>> ax = state_shares(d)
    >>> [t.get_text() for t in ax.get_legend().texts]  # the lost state on top
    ['Lost (left)', 'High (1000 € and more)', 'Low (0-300 €)']
    """
    columns = list(distribution.columns)
    require_columns(distribution, table, dict.fromkeys(columns, "number"))
    for state in columns:
        check_in_range(distribution, table, state, 0.0, 1.0)
    total = distribution.sum(axis=1).to_numpy(dtype=float)
    off = ~np.isclose(total, 1.0, rtol=0.0, atol=_SHARE_TOLERANCE)
    if off.any():
        absent = [s for s in labels.order(kind) if s not in columns]
        hint = f"; states of {kind} absent from the table: {absent}" if absent else ""
        fail(table, None, f"shares that do not sum to 1 over the states {columns}{hint}",
             off, distribution)
    states = labels.order(kind, columns)
    colours = palette(kind, states)
    ax = _axes(ax)
    periods = np.arange(len(distribution))
    ax.stackplot(periods, *[distribution[s].to_numpy(dtype=float) for s in states],
                 labels=[labels.label(s, kind) for s in states],
                 colors=[colours[s] for s in states], alpha=0.85)
    ax.set_xlim(0, periods[-1])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.label("years_ahead", "plot_value"))
    ax.set_ylabel(labels.label("share_of_today", "plot_value"))
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0),
              fontsize="small")
    _set_title(ax, title, "state_shares", kind="plot_value")
    return ax


@localised
@figure("plot_value")
def equity_comparison(
    df: pd.DataFrame,
    category: str,
    *,
    baseline: str = "baseline_equity",
    scenario: str = "scenario_equity",
    kind: str | None = None,
    title: str | None = None,
    table: str = "equity",
    ax=None,
):
    """Customer equity per category, baseline (grey) against a scenario (its colour).

    ``df`` has one row per category (none missing, none repeated) with the two equity
    columns (e.g. the output of
    :func:`crmkit.value.customer_equity` with ``by=`` under two sets of assumptions).
    The scenario bars carry the change in per cent.

    Parameters
    ----------
    df : DataFrame
        One row per category with the two equity columns.
    category : str
        Column of the categories, one pair of bars each.
    baseline : str
        Column of the baseline equity (grey bars).
    scenario : str
        Column of the scenario's equity (coloured bars).
    kind : str, optional
        Label kind of the categories (their labels, order and colours); inferred from the
        column when ``None``.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"strategy": ["loyalty", "retention"],
    ...                   "baseline_equity": [5e6, 2e6], "scenario_equity": [5.6e6, 2.3e6]})
    >>> ax = equity_comparison(d, "strategy")
    >>> [t.get_text().splitlines()[-1] for t in ax.texts]  # the change in per cent
    ['+12%', '+15%']
    """
    require_columns(df, table, {category: None, baseline: "number", scenario: "number"},
                    unique=category)
    kind = kind or labels.kind_of(category, pd.unique(df[category].dropna()))
    cats = _categories(df, category, kind)
    d = df.set_index(category).reindex(cats)
    colours = palette(kind, cats) if kind else dict.fromkeys(cats, COLORS["blue"])
    ax = _axes(ax)
    pos = np.arange(len(cats))
    base = d[baseline].to_numpy(dtype=float)
    scen = d[scenario].to_numpy(dtype=float)
    ax.bar(pos - 0.2, base, width=0.4, color=COLORS["grey"],
           label=labels.label("baseline", "plot_value"))
    ax.bar(pos + 0.2, scen, width=0.4, color=[colours[c] for c in cats],
           label=labels.label("scenario", "plot_value"))
    for x, b, s in zip(pos, base, scen, strict=True):
        change = f"{s / b - 1:+.0%}" if b else ""
        ax.annotate(f"{_euros(s)}\n{change}", (x + 0.2, max(s, 0)), textcoords="offset points",
                    xytext=(0, 3), ha="center", fontsize="small")
    names = ["\n".join(textwrap.wrap(str(_any_label(c, kind)), 14)) for c in cats]
    ax.set_xticks(pos, names, fontsize="small")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylim(top=float(np.nanmax(np.r_[base, scen])) * 1.25)
    ax.yaxis.set_major_formatter(lambda v, _pos: _euros(v))
    ax.set_xlabel(labels.header(category))
    ax.set_ylabel(labels.header("equity"))
    ax.legend(loc="upper right", fontsize="small")
    _set_title(ax, title, "equity_by_group", kind="plot_value")
    return ax


__all__ = ["cost_breakdown", "value_waterfall", "story_path", "holdout_fit", "state_shares",
            "equity_comparison"]
