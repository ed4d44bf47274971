"""The book's figures: one seaborn look, one colour per category, labels in EN or FR.

Every chapter calls :func:`use_style` once; every figure function here takes tidy frames,
draws on the given matplotlib ``ax`` (or a new one), titles and labels it through
:mod:`crmkit.labels` (so ``labels.set_language("fr")`` switches it to French) and returns
the ``Axes``. A category keeps its colour across chapters (a desirable customer is the same
green in chapter 4 and chapter 5): use :func:`palette` for your own seaborn calls.

Generic figures (chapters add their own next to them):

- :func:`pareto_curve` — value concentration (Lorenz/Pareto curve) with the ABC cut-offs;
- :func:`matrix_scatter` — a two-axis matrix (current × potential profitability, relative
  attitude × repeat patronage...) with its cut lines and named quadrants;
- :func:`bar_share` — shares of customers (and of a value) by category.

Examples
--------
>>> import pandas as pd
>>> from crmkit import plots
>>> plots.use_style()
>>> df = pd.DataFrame({"margin": [500.0, 200.0, 120.0, 80.0, 50.0, 30.0, 10.0, 5.0, 3.0, 2.0]})
>>> ax = plots.pareto_curve(df, "margin")  # doctest: +SKIP
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import LogLocator, NullFormatter, PercentFormatter

from crmkit import labels
from crmkit.schema import SchemaError, check_columns, check_no_missing, check_not_empty

__all__ = [
    "COLORS",
    "PALETTES",
    "QUADRANT_PRESETS",
    "use_style",
    "palette",
    "pareto_curve",
    "matrix_scatter",
    "bar_share",
]

# seaborn's colour-blind-safe palette, named, so category colours read as intent
COLORS = {
    "blue": "#0173b2",
    "orange": "#de8f05",
    "green": "#029e73",
    "vermilion": "#d55e00",
    "purple": "#cc78bc",
    "brown": "#ca9161",
    "pink": "#fbafe4",
    "grey": "#949494",
    "yellow": "#ece133",
    "sky": "#56b4e9",
}
_CYCLE = list(COLORS.values())

# One colour per category, the same in every chapter. The four cells of the two course
# matrices share a logic: the "good" corner is green, the one to develop blue, the one to
# watch orange, the one to give up vermilion.
_C = COLORS
PALETTES: dict[str, dict[str, str]] = {
    "value_quadrant": {
        "desirable": _C["green"],
        "under_developed": _C["blue"],
        "mature": _C["orange"],
        "undesirable": _C["vermilion"],
        "crown_jewels": _C["purple"],
    },
    "strategy": {
        "loyalty": _C["green"],
        "multi_equipment": _C["blue"],
        "retention": _C["orange"],
        "termination": _C["vermilion"],
    },
    "loyalty_type": {
        "true_loyalty": _C["green"],
        "latent_loyalty": _C["blue"],
        "spurious_loyalty": _C["orange"],
        "no_loyalty": _C["vermilion"],
    },
    "abc_class": {"A": _C["blue"], "B": _C["sky"], "C": _C["grey"]},
    "group": {"test": _C["blue"], "control": _C["grey"]},
    "sector": {"bank": _C["blue"], "insurance": _C["orange"]},
    "channel": {
        "branch": _C["brown"],
        "phone": _C["purple"],
        "web": _C["blue"],
        "mobile": _C["sky"],
        "email": _C["green"],
        "mail": _C["yellow"],
    },
    "level": {"high": _C["green"], "low": _C["vermilion"]},
    "incident_response": {
        "none": _C["grey"],
        "negotiation": _C["blue"],
        "complaint": _C["orange"],
        "negative_word_of_mouth": _C["purple"],
        "exit": _C["vermilion"],
    },
    "bathtub": {"tap": _C["blue"], "drain": _C["vermilion"], "water_level": _C["sky"]},
}

# which category sits in which corner of a matrix (x to the right, y upwards)
QUADRANT_PRESETS: dict[str, tuple[str, dict[str, str]]] = {
    # current profitability (x) x potential (y), seed 001's matrix
    "value": (
        "value_quadrant",
        {"top_right": "desirable", "top_left": "under_developed",
         "bottom_right": "mature", "bottom_left": "undesirable"},
    ),
    # the strategy each cell of the value matrix calls for (seed 000)
    "strategy": (
        "strategy",
        {"top_right": "loyalty", "top_left": "multi_equipment",
         "bottom_right": "retention", "bottom_left": "termination"},
    ),
    # repeat patronage (x) x relative attitude (y), Dick & Basu (1994)
    "loyalty": (
        "loyalty_type",
        {"top_right": "true_loyalty", "top_left": "latent_loyalty",
         "bottom_right": "spurious_loyalty", "bottom_left": "no_loyalty"},
    ),
}
_TITLES = {"value": "value_matrix", "strategy": "value_matrix", "loyalty": "loyalty_matrix"}
_CORNERS = {
    "top_right": (0.98, 0.98, "right", "top"),
    "top_left": (0.02, 0.98, "left", "top"),
    "bottom_right": (0.98, 0.02, "right", "bottom"),
    "bottom_left": (0.02, 0.02, "left", "bottom"),
}

# book figures: ~770 px wide at the figure dpi, readable on a laptop and in print
_RC = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 120,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}


def use_style(context: str = "notebook", *, font_scale: float = 1.0) -> None:
    """Apply the book's seaborn theme: white grid, colour-blind-safe palette, book size.

    ``context`` is a seaborn context (``"notebook"``, ``"talk"`` for workshop slides,
    ``"paper"``).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> use_style()
    >>> mpl.rcParams["axes.spines.top"]
    False
    """
    sns.set_theme(context=context, style="whitegrid", palette=_CYCLE, font_scale=font_scale, rc=_RC)


def palette(kind: str | None, values: Sequence | None = None) -> dict:
    """Colours of a kind's categories, keyed by key *and* by English and French label.

    Pass it as seaborn's ``palette=`` whether the frame holds keys or labels (after
    :func:`crmkit.labels.translate_frame`). Values the kind has no fixed colour for get the
    next colours of the cycle, in display order, so they are stable too.

    Examples
    --------
    >>> p = palette("value_quadrant")
    >>> p["desirable"] == p["Desirable customers"] == p["Clients désirables"]
    True
    >>> palette("sector", ["bank", "telecom"])["telecom"]
    '#029e73'
    """
    fixed = dict(PALETTES.get(kind, {})) if kind else {}
    keys = labels.order(kind) if kind else []
    if values is not None:
        keys = keys + [v for v in labels.order(kind, values) if v not in keys]
    free = [c for c in _CYCLE if c not in fixed.values()] or _CYCLE
    i = 0
    for k in keys:
        if k not in fixed:
            fixed[k] = free[i % len(free)]
            i += 1
    out = {}
    for k, colour in fixed.items():
        out[k] = colour
        for lang in labels.LANGUAGES:
            out.setdefault(labels.label(k, kind, lang=lang), colour)
    return out


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _numeric(df: pd.DataFrame, table: str, *columns: str) -> None:
    check_not_empty(df, table)
    check_columns(df, table, {c: "number" for c in columns})
    for c in columns:
        check_no_missing(df, table, c)


# ---------------------------------------------------------------------------------------
# Pareto curve
# ---------------------------------------------------------------------------------------
def _lorenz(values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative share of customers (ranked by value, best first) and of value."""
    v = np.sort(values)[::-1]
    cum = np.concatenate([[0.0], np.cumsum(v)]) / v.sum()
    x = np.arange(len(v) + 1) / len(v)
    if len(x) > max_points:  # a curve of a million customers needs no million vertices
        idx = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(int))
        x, cum = x[idx], cum[idx]
    return x, cum


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
    table : str
        Name of the input in error messages.
    max_points : int
        The curve is drawn through at most this many points.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"margin": [500.0, 200.0, 120.0, 80.0, 50.0, 30.0, 10.0, 5.0, 3.0, 2.0]})
    >>> ax = pareto_curve(df, "margin")  # doctest: +SKIP
    """
    _numeric(df, table, value)
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


# ---------------------------------------------------------------------------------------
# quadrant matrix
# ---------------------------------------------------------------------------------------
def _cut(s: pd.Series, cut) -> float:
    if cut == "median":
        return float(s.median())
    if cut == "mean":
        return float(s.mean())
    if isinstance(cut, (int, float, np.number)) and not isinstance(cut, bool):
        return float(cut)
    raise ValueError(f"a cut is 'median', 'mean' or a number, got {cut!r}")


def matrix_scatter(
    df: pd.DataFrame,
    x: str,
    y: str,
    hue: str | None = None,
    *,
    x_cut="median",
    y_cut="median",
    quadrants: str | Mapping[str, str] | None = "value",
    show_shares: bool = True,
    title: str | None = None,
    table: str = "customers",
    max_points: int = 20_000,
    seed: int = 0,
    ax=None,
):
    """Scatter of customers on a two-axis matrix, with its cut lines and named quadrants.

    ``quadrants`` names the corners: a preset of :data:`QUADRANT_PRESETS` (``"value"``:
    current profitability × potential; ``"strategy"``: the strategy each cell calls for;
    ``"loyalty"``: repeat patronage × relative attitude, Dick & Basu), a mapping
    ``{"top_right": key, "top_left": ..., "bottom_right": ..., "bottom_left": ...}``, or
    ``None``. With ``show_shares`` each name carries the share of customers in its cell
    (computed on all rows). Cuts are ``"median"``, ``"mean"`` or numbers. Above
    ``max_points`` rows a random sample (fixed ``seed``) is drawn, for legibility.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"current": [1.0, 5.0, 2.0, 8.0], "potential": [9.0, 8.0, 1.0, 2.0]})
    >>> ax = matrix_scatter(df, "current", "potential")  # doctest: +SKIP
    """
    _numeric(df, table, x, y)
    if hue is not None:
        check_columns(df, table, [hue])
    xc, yc = _cut(df[x], x_cut), _cut(df[y], y_cut)
    ax = _axes(ax)

    shown = df if len(df) <= max_points else df.sample(max_points, random_state=seed)
    hue_kind = None
    if hue is not None and pd.api.types.is_numeric_dtype(shown[hue].dtype) and not pd.api.types.is_bool_dtype(shown[hue].dtype):
        # a score or a value: a continuous colour scale, not one colour per distinct number
        sns.scatterplot(x=shown[x].to_numpy(), y=shown[y].to_numpy(), hue=shown[hue].to_numpy(),
                        palette="viridis", s=18, alpha=0.6, linewidth=0, rasterized=True, ax=ax)
        ax.legend(title=labels.header(hue), loc="center left", bbox_to_anchor=(1.0, 0.5))
    elif hue is not None:
        hue_kind = labels.kind_of(hue, pd.unique(shown[hue].dropna()))
        keys = labels.order(hue_kind, shown[hue]) if hue_kind else list(pd.unique(shown[hue].dropna()))
        hue_values = shown[hue].map({k: labels.label(k, hue_kind) for k in keys})
        colours = palette(hue_kind, keys)
        sns.scatterplot(
            x=shown[x].to_numpy(), y=shown[y].to_numpy(), hue=hue_values.to_numpy(),
            hue_order=[labels.label(k, hue_kind) for k in keys],
            palette={labels.label(k, hue_kind): colours[k] for k in keys},
            s=18, alpha=0.6, linewidth=0, rasterized=True, ax=ax,
        )
        ax.legend(title=labels.header(hue), loc="center left", bbox_to_anchor=(1.0, 0.5))
    else:
        ax.scatter(shown[x], shown[y], s=18, alpha=0.5, linewidth=0, color=COLORS["blue"], rasterized=True)
    ax.axvline(xc, color=COLORS["grey"], linestyle="--", linewidth=1)
    ax.axhline(yc, color=COLORS["grey"], linestyle="--", linewidth=1)

    if quadrants is not None:
        if isinstance(quadrants, str):
            if quadrants not in QUADRANT_PRESETS:
                raise ValueError(f"unknown quadrant preset {quadrants!r}; use one of {sorted(QUADRANT_PRESETS)}, a mapping or None")
            q_kind, corners = QUADRANT_PRESETS[quadrants]
        else:
            q_kind, corners = None, dict(quadrants)
            bad = sorted(set(corners) - set(_CORNERS))
            if bad:
                raise ValueError(f"unknown corner(s) {bad}; use {sorted(_CORNERS)}")
        right, top = df[x].to_numpy() > xc, df[y].to_numpy() > yc
        cells = {"top_right": right & top, "top_left": ~right & top,
                 "bottom_right": right & ~top, "bottom_left": ~right & ~top}
        colours = palette(q_kind)
        for corner, key in corners.items():
            px, py, ha, va = _CORNERS[corner]
            # wrapped so that two names on one side of a narrow axes do not collide
            text = str(labels.label(key, q_kind))
            if show_shares:
                text += f" ({cells[corner].mean():.0%})"
            text = textwrap.fill(text, 18)
            ax.text(px, py, text, transform=ax.transAxes, ha=ha, va=va, fontsize="small",
                    fontweight="bold", color=colours.get(key, "black"),
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 2})
    ax.set_xlabel(labels.header(x))
    ax.set_ylabel(labels.header(y))
    if title is None:
        if isinstance(quadrants, str):
            title = labels.label(_TITLES[quadrants], "plot")
        else:
            title = f"{labels.header(y)} × {labels.header(x)}"
    ax.set_title(title)
    return ax


# ---------------------------------------------------------------------------------------
# shares by category
# ---------------------------------------------------------------------------------------
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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"abc_class": ["A", "B", "C", "C"], "margin": [60.0, 25.0, 10.0, 5.0]})
    >>> ax = bar_share(df, "abc_class", "margin")  # doctest: +SKIP
    """
    values = [] if values is None else [values] if isinstance(values, str) else list(values)
    check_not_empty(df, table)
    check_columns(df, table, [by])
    _numeric(df, table, *values)
    check_no_missing(df, table, by)

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


# ---------------------------------------------------------------------------------------
# chapter 4, segmentation: RFM grid, score validation, lifecycle, clusters, piloting
# ---------------------------------------------------------------------------------------
# pace against the life-stage norm: early green, on time blue, late orange, unseen grey
PALETTES.setdefault("lifecycle_pace", {"ahead": _C["green"], "on_norm": _C["blue"],
                                       "behind": _C["orange"], "unknown": _C["grey"]})


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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"R": [1, 2, 5, 5], "F": [1, 1, 4, 5], "bought": [0, 0, 1, 1]})
    >>> ax = rfm_heatmap(s, "bought", min_count=1)  # doctest: +SKIP
    """
    check_not_empty(scores, table)
    check_columns(scores, table, {rows: "int", cols: "int"})
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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"R": [1, 2, 3, 3], "F": [1, 1, 2, 3], "left": [1, 1, 0, 0]})
    >>> ax = score_outcome(s, "left", dims=["R", "F"])  # doctest: +SKIP
    """
    dims = list(dims)
    check_not_empty(scores, table)
    check_columns(scores, table, {d: "int" for d in dims})
    _numeric(scores, table, outcome)
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
    norm (median age at entry) as a black bar. Stages are sorted by their norm.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> seg = pd.DataFrame({"stage": ["couple"] * 3, "age_at_entry": [24.0, 28.0, 35.0],
    ...                     "norm_age_at_entry": [28.0] * 3,
    ...                     "pace": ["ahead", "on_norm", "behind"]})
    >>> ax = stage_entry_ages(seg)  # doctest: +SKIP
    """
    check_not_empty(segments, table)
    check_columns(segments, table, {stage_col: None, "age_at_entry": "number",
                                    "norm_age_at_entry": "number", "pace": None})
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


def k_selection(scores: pd.DataFrame, *, k: int | None = None, table: str = "choose_k", ax=None):
    """Elbow and silhouette against the number of clusters, from
    :func:`crmkit.segmentation.choose_k`; ``k`` marks the chosen number.

    Inertia (within-cluster sum of squares, left axis) always falls as k grows: look for
    the elbow. The silhouette (right axis, closer to 1 = better separated) can peak.

    Returns
    -------
    matplotlib.axes.Axes
        The left (inertia) axes; the silhouette is on its twin.

    Examples
    --------
    >>> import pandas as pd
    >>> ck = pd.DataFrame({"k": [2, 3, 4], "inertia": [90.0, 60.0, 50.0],
    ...                    "silhouette": [0.30, 0.35, 0.28]})
    >>> ax = k_selection(ck, k=3)  # doctest: +SKIP
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
    variables' own units; rows carry each cluster's share of the customers.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> prof = pd.DataFrame({"cluster": [0, 1], "size": [3, 1], "share": [0.75, 0.25],
    ...                      "age": [30.0, 70.0], "products": [1.0, 5.0]})
    >>> ax = cluster_profile_heatmap(prof)  # doctest: +SKIP
    """
    columns = [c for c in profile.columns if c not in (cluster_col, size_col, "share")] \
        if columns is None else list(columns)
    _numeric(profile, table, size_col, *columns)
    check_columns(profile, table, [cluster_col])
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
                linewidths=0.5, annot_kws={"fontsize": "x-small"},
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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.5, 0.5, 0.0]],
    ...                  index=["A", "B", "new"], columns=["A", "B", "lost"])
    >>> ax = migration_heatmap(m, kind="abc_class")  # doctest: +SKIP
    """
    check_not_empty(matrix, table)
    values = matrix.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise SchemaError(f"{table}: the matrix holds missing or infinite values")

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
                annot_kws={"fontsize": "x-small"}, ax=ax)
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

    Takes :func:`crmkit.segmentation.segment_kpis` output with a period column.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> k = pd.DataFrame({"year": [2023, 2023, 2024, 2024], "abc_class": ["A", "B", "A", "B"],
    ...                   "churn_rate": [0.02, 0.05, 0.03, 0.08]})
    >>> ax = kpi_trend(k, "year", "abc_class", "churn_rate", percent=True)  # doctest: +SKIP
    """
    check_not_empty(kpis, table)
    check_columns(kpis, table, [period_col, segment_col])
    _numeric(kpis, table, value)
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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"group_size": [50, 500, 5000],
    ...                   "detectable_uplift": [0.25, 0.07, 0.02]})
    >>> ax = detectable_uplift(c, sizes=[12, 80, 800])  # doctest: +SKIP
    """
    _numeric(curve, table, size_col, uplift_col)
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


__all__ += ["rfm_heatmap", "score_outcome", "stage_entry_ages", "k_selection",
            "cluster_profile_heatmap", "migration_heatmap", "kpi_trend", "detectable_uplift"]


# ---------------------------------------------------------------------------------------
# chapter 2, loyalty: the bathtub, rates by group, incident responses, survival
# ---------------------------------------------------------------------------------------
# the simulated scenario stands out against a grey baseline; the two survival estimates
PALETTES.setdefault("bathtub_scenario", {"baseline": _C["grey"], "scenario": _C["blue"]})
PALETTES.setdefault("survival_estimate", {"naive": _C["grey"], "left_truncated": _C["blue"]})
PALETTES.setdefault("incident_group", {"no_incident": _C["grey"], "incident": _C["vermilion"]})


def _loyalty_title(ax, title, default: str, kind: str = "plot_loyalty") -> None:
    """Set a title given as a label key (looked up in ``kind``, then anywhere) or as text."""
    key = default if title is None else title
    text = labels.label(key, kind)
    ax.set_title(text if text != key else labels.label(key))


def _any_label(key, kind):
    """The label of ``key`` in ``kind``, else in any kind (a mixed column)."""
    text = labels.label(key, kind) if kind else key
    return labels.label(key) if text == key else text


def bathtub_flows(flows: pd.DataFrame, *, title: str | None = None, table: str = "flows",
                  ax=None):
    """The observed bathtub: customers won (tap) and lost (drain) per period, and the stock.

    Takes :func:`crmkit.loyalty.customer_flows` output (one row per period): ``acquired``
    as bars above zero, ``churned`` as bars below, and ``end_stock`` (the water level) as a
    line on a second axis.

    Returns
    -------
    matplotlib.axes.Axes
        The flows' axes; the stock is on its twin.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"acquired": [50, 80], "churned": [30, 40], "end_stock": [500, 540]},
    ...                  index=pd.period_range("2023", periods=2, freq="Y"))
    >>> ax = bathtub_flows(f)  # doctest: +SKIP
    """
    _numeric(flows, table, "acquired", "churned", "end_stock")
    colours = palette("bathtub")
    ax = _axes(ax)
    pos = np.arange(len(flows))
    ax.bar(pos, flows["acquired"], color=colours["tap"], label=labels.label("tap", "bathtub"))
    ax.bar(pos, -flows["churned"].to_numpy(dtype=float), color=colours["drain"],
           label=labels.label("drain", "bathtub"))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(pos, [str(p) for p in flows.index], rotation=45 if len(pos) > 12 else 0)
    ax.set_xlabel(labels.header(flows.index.name or "period"))
    ax.set_ylabel(labels.label("flow_customers", "loyalty_measure"))
    twin = ax.twinx()
    twin.plot(pos, flows["end_stock"], color=colours["water_level"], marker="o", linewidth=2.5,
              label=labels.label("water_level", "bathtub"))
    twin.set_ylim(0, float(flows["end_stock"].max()) * 1.15)
    twin.set_ylabel(labels.header("end_stock"))
    twin.grid(False)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper center",
              bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize="small")
    _loyalty_title(ax, title, "bathtub_flows")
    return ax


def bathtub_scenarios(
    runs: pd.DataFrame,
    value: str = "end_stock",
    *,
    scenario_col: str = "scenario",
    period_col: str = "period",
    title: str | None = None,
    table: str = "runs",
    ax=None,
):
    """One line per scenario of a bathtub simulation: ``value`` against the period.

    ``runs`` stacks :func:`crmkit.loyalty.bathtub` outputs (reset index) with a
    ``scenario`` column: the stock (``end_stock``) or the ``cumulative_profit`` of a
    baseline against the scenario being explored.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"scenario": ["baseline"] * 2 + ["scenario"] * 2,
    ...                   "period": [1, 2, 1, 2], "end_stock": [100.0, 100.0, 100.0, 110.0]})
    >>> ax = bathtub_scenarios(r)  # doctest: +SKIP
    """
    check_not_empty(runs, table)
    check_columns(runs, table, [scenario_col])
    _numeric(runs, table, period_col, value)
    kind = labels.kind_of(scenario_col, pd.unique(runs[scenario_col])) or "bathtub_scenario"
    keys = labels.order(kind, runs[scenario_col].astype(str))
    colours = palette(kind, keys)
    ax = _axes(ax)
    for key in keys:
        part = runs.loc[runs[scenario_col].astype(str) == key].sort_values(period_col)
        ax.plot(part[period_col], part[value], marker="o", markersize=3, linewidth=2,
                color=colours[key], label=labels.label(key, kind))
    ax.set_xlabel(labels.header(period_col))
    ax.set_ylabel(labels.header(value))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.legend(loc="best")
    _loyalty_title(ax, title, "bathtub_profit" if "profit" in value else "bathtub_stock")
    return ax


def measure_bars(
    df: pd.DataFrame,
    category: str,
    value: str,
    *,
    kind: str | None = None,
    reference: float | None = None,
    reference_label: str = "reference",
    percent: bool = True,
    title: str | None = None,
    table: str = "groups",
    ax=None,
):
    """One bar per category with its ``value`` (a churn share, a rate, a margin...).

    Categories follow their label order and colours (``kind`` is inferred from the column
    when not given). ``reference`` draws a dashed line (e.g. the churn rate without an
    incident) labelled with the label key ``reference_label``. ``title`` is a label key
    (kind ``plot_loyalty``) or a text.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"loyalty_type": ["true_loyalty", "spurious_loyalty"],
    ...                   "churn_share": [0.2, 0.35]})
    >>> ax = measure_bars(d, "loyalty_type", "churn_share")  # doctest: +SKIP
    """
    check_not_empty(df, table)
    check_columns(df, table, [category])
    check_columns(df, table, {value: "number"})
    cats = df[category].astype(str)
    kind = kind or labels.kind_of(category, pd.unique(cats))
    keys = labels.order(kind, cats) if kind else list(pd.unique(cats))
    values = df.assign(_k=cats.to_numpy()).set_index("_k")[value].reindex(keys)
    # categories with colours of their own keep them; plain ones (tenure years...) are blue
    colours = palette(kind, keys) if kind else dict.fromkeys(keys, COLORS["blue"])
    names = ["\n".join(textwrap.wrap(str(_any_label(k, kind)), 14)) for k in keys]
    ax = _axes(ax)
    pos = np.arange(len(keys))
    bars = ax.bar(pos, values.to_numpy(dtype=float), color=[colours[k] for k in keys])
    fmt = (lambda v: f"{v:.0%}" if abs(v) >= 0.1 else f"{v:.1%}") if percent else (
        lambda v: f"{v:,.0f}")
    ax.bar_label(bars, labels=["" if np.isnan(v) else fmt(v) for v in values.to_numpy(float)],
                 fontsize="small", padding=2)
    if reference is not None:
        ax.axhline(reference, color="black", linestyle="--", linewidth=1,
                   label=labels.label(reference_label, "loyalty_measure"))
        ax.legend(loc="upper left")
    ax.set_xticks(pos, names, fontsize="small")
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    top = np.nanmax(np.r_[values.to_numpy(dtype=float), reference or 0.0])
    ax.set_ylim(top=max(top, 0) * 1.15 + (0.01 if percent else 1))
    ax.set_xlabel(labels.header(category))
    ax.set_ylabel(labels.header(value))
    _loyalty_title(ax, title, f"{labels.header(value)} — {labels.header(category)}")
    return ax


def response_mix(
    mix: pd.DataFrame,
    *,
    kind: str | None = None,
    title: str | None = None,
    table: str = "response_mix",
    ax=None,
):
    """How customers respond to critical incidents: one 100 % bar per row of ``mix``.

    Takes :func:`crmkit.loyalty.incident_response_mix` output (rows: incident types, or
    any grouping such as loyalty types; columns: ``incidents`` and one share per
    response). Responses keep their colours and order, from no reaction to exit; each row
    label carries its number of incidents.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"incidents": [10, 20], "complaint": [0.6, 0.3], "exit": [0.4, 0.7]},
    ...                  index=pd.Index(["price_rise", "competitor_offer"], name="type"))
    >>> ax = response_mix(m)  # doctest: +SKIP
    """
    check_not_empty(mix, table)
    responses = [c for c in labels.order("incident_response", [c for c in mix.columns
                                                              if c != "incidents"])]
    _numeric(mix, table, *responses)
    rows = [str(r) for r in mix.index]
    kind = kind or labels.kind_of(mix.index.name, rows)
    order = labels.order(kind, rows) if kind else rows
    data = mix.set_axis(rows).reindex(order)
    colours = palette("incident_response", responses)
    ax = _axes(ax)
    pos = np.arange(len(order))[::-1]  # first row on top
    left = np.zeros(len(order))
    for resp in responses:
        share = data[resp].to_numpy(dtype=float)
        ax.barh(pos, share, left=left, color=colours[resp], height=0.7,
                label=labels.label(resp, "incident_response"))
        for y, x0, s in zip(pos, left, share, strict=True):
            if s >= 0.06:
                ax.text(x0 + s / 2, y, f"{s:.0%}", ha="center", va="center",
                        fontsize="x-small", color="white", fontweight="bold")
        left = left + share
    names = [str(labels.label(r, kind)) for r in order]
    if "incidents" in data.columns:
        names = [f"{n}\n(n = {int(k):,})" for n, k in zip(names, data["incidents"], strict=True)]
    ax.set_yticks(pos, names, fontsize="small")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.label("share_of_incidents", "loyalty_measure"))
    ax.set_ylabel(labels.header(mix.index.name) if mix.index.name else "")
    ax.grid(axis="y", visible=False)
    ax.legend(title=labels.header("response"), loc="center left", bbox_to_anchor=(1.0, 0.5))
    _loyalty_title(ax, title, "response_mix")
    return ax


def survival_curves(
    curves: pd.DataFrame,
    *,
    curve_col: str = "estimate",
    mark_years: float | None = 5,
    title: str | None = None,
    table: str = "survival",
    ax=None,
):
    """Share of customers still there against years since acquisition, one step line per
    estimate (:func:`crmkit.loyalty.survival_curve` outputs stacked with ``curve_col``),
    with the 50 % line and each curve's value at ``mark_years``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"estimate": ["naive"] * 3 + ["left_truncated"] * 3,
    ...                   "years": [0, 1, 2] * 2, "survival": [1, .9, .8, 1, .8, .6]})
    >>> ax = survival_curves(c, mark_years=2)  # doctest: +SKIP
    """
    check_not_empty(curves, table)
    check_columns(curves, table, [curve_col])
    _numeric(curves, table, "years", "survival")
    kind = labels.kind_of(curve_col, pd.unique(curves[curve_col].astype(str)))
    keys = labels.order(kind, curves[curve_col].astype(str)) if kind else list(
        pd.unique(curves[curve_col].astype(str)))
    colours = palette(kind, keys)
    ax = _axes(ax)
    for key in keys:
        part = curves.loc[curves[curve_col].astype(str) == key].sort_values("years")
        name = "\n".join(textwrap.wrap(str(labels.label(key, kind)), 40))
        ax.step(part["years"], part["survival"], where="post", linewidth=2,
                color=colours[key], label=name)
        if mark_years is not None:
            at = part.loc[part["years"] <= mark_years, "survival"]
            if len(at):
                s = float(at.iloc[-1])
                ax.plot([mark_years], [s], "o", color=colours[key])
                ax.annotate(f"{s:.0%}", (mark_years, s), textcoords="offset points",
                            xytext=(6, 4), fontsize="small", color=colours[key])
    ax.axhline(0.5, color="black", linestyle=":", linewidth=1)
    if mark_years is not None:
        ax.axvline(mark_years, color=COLORS["grey"], linestyle="--", linewidth=1)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.header("years"))
    ax.set_ylabel(labels.header("survival"))
    ax.legend(loc="lower left", fontsize="small")
    _loyalty_title(ax, title, "survival_curves")
    return ax


__all__ += ["bathtub_flows", "bathtub_scenarios", "measure_bars", "response_mix",
            "survival_curves"]


# ---------------------------------------------------------------------------------------
# chapter 3, the IDIC method: contact decisions, needs, triggered offers
# ---------------------------------------------------------------------------------------
# who proposes a contact keeps a colour (the bank blue and the insurer orange, as sectors);
# event-triggered campaigns and offers are green, untargeted ones grey
PALETTES.setdefault("contact_sender", {"advisor_workstation": _C["green"],
                                       "bank_marketing": _C["blue"],
                                       "insurer_call_centre": _C["orange"]})
PALETTES.setdefault("campaign_kind", {"life_event": _C["green"], "segment": _C["blue"],
                                      "none": _C["grey"], "churn_risk": _C["orange"]})
PALETTES.setdefault("offer_trigger", {"event": _C["green"], "car_age": _C["brown"],
                                      "savings_capacity": _C["sky"], "block": _C["grey"]})


def contact_decisions(
    decisions: pd.DataFrame,
    by: str | None = None,
    *,
    reason_col: str = "reason",
    title: str | None = None,
    table: str = "decisions",
    ax=None,
):
    """Proposed contacts by the reason they were sent or suppressed, one bar per reason.

    Takes :meth:`crmkit.idic.ContactPolicy.apply` output: ``reason`` is ``ok`` for the
    contacts that go out, else the first rule the contact broke; reasons keep the rule
    order of the policy (sent first). With ``by`` (who proposed the contact, its channel,
    its offer...) the bars are stacked by that column. Each bar ends with its share of all
    proposals.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"reason": ["ok", "ok", "no_consent", "contact_pressure"],
    ...                   "sender": ["bank_marketing", "advisor_workstation"] * 2})
    >>> ax = contact_decisions(d, by="sender")  # doctest: +SKIP
    """
    check_not_empty(decisions, table)
    check_columns(decisions, table, [reason_col] + ([by] if by else []))
    check_no_missing(decisions, table, reason_col)
    reasons = decisions[reason_col].astype(str)
    order = labels.order("contact_reason", pd.unique(reasons))
    groups = decisions[by].astype(str) if by else pd.Series("all", index=decisions.index)
    kind = labels.kind_of(by, pd.unique(groups)) if by else None
    keys = labels.order(kind, groups) if kind else list(pd.unique(groups))
    counts = (pd.crosstab(reasons, groups).reindex(index=order, columns=keys, fill_value=0)
              .astype(float))
    colours = palette(kind, keys) if kind else dict.fromkeys(keys, COLORS["blue"])
    ax = _axes(ax)
    pos = np.arange(len(order))[::-1]  # sent on top, then the rules in order
    left = np.zeros(len(order))
    for key in keys:
        ax.barh(pos, counts[key].to_numpy(), left=left, height=0.7, color=colours[key],
                label=labels.label(key, kind) if kind else None)
        left = left + counts[key].to_numpy()
    total = float(len(decisions))
    for y, n in zip(pos, left, strict=True):
        ax.annotate(f"{n / total:.0%}" if n / total >= 0.01 else f"{n / total:.1%}",
                    (n, y), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize="small")
    ax.set_yticks(pos, ["\n".join(textwrap.wrap(str(labels.label(r, "contact_reason")), 28))
                        for r in order], fontsize="small")
    ax.set_xlim(0, left.max() * 1.12)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_xlabel(labels.header("proposed"))
    ax.set_ylabel(labels.header(reason_col) if reason_col != "reason" else
                  labels.header("decision"))
    ax.grid(axis="y", visible=False)
    if kind:
        ax.legend(title=labels.header(by), loc="lower right", fontsize="small")
    _loyalty_title(ax, title, "contact_decisions", kind="plot_idic")
    return ax


def need_heatmap(
    shares: pd.DataFrame,
    row: str = "need",
    col: str = "life_stage",
    value: str = "share",
    *,
    title: str | None = None,
    table: str = "needs",
    ax=None,
):
    """Share of customers with each open need (rows) in each group (columns), as a heatmap.

    ``shares`` is tidy: one row per (need, group) with the share of the group's customers
    who have that need open (e.g. from :func:`crmkit.idic.customer_profiles`'
    ``open_needs``, exploded and counted). Rows and columns follow their label order.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"need": ["car_cover", "car_cover", "savings", "savings"],
    ...                   "life_stage": ["couple", "retired"] * 2, "share": [0.1, 0.0, 0.0, 0.05]})
    >>> ax = need_heatmap(s)  # doctest: +SKIP
    """
    check_not_empty(shares, table)
    check_columns(shares, table, [row, col])
    _numeric(shares, table, value)
    rkind = labels.kind_of(row, pd.unique(shares[row].astype(str))) or "need"
    ckind = labels.kind_of(col, pd.unique(shares[col].astype(str)))
    grid = shares.pivot_table(index=row, columns=col, values=value, aggfunc="sum",
                              fill_value=0.0, observed=True)
    grid = grid.reindex(index=labels.order(rkind, grid.index.astype(str)),
                        columns=labels.order(ckind, grid.columns.astype(str)) if ckind
                        else grid.columns)
    ax = _axes(ax)
    sns.heatmap(grid.astype(float), ax=ax, cmap="Blues", annot=True, fmt=".0%",
                annot_kws={"fontsize": "small"}, linewidths=0.5,
                cbar_kws={"label": labels.header(value),
                          "format": PercentFormatter(1.0, decimals=0)})
    ax.set_yticklabels(["\n".join(textwrap.wrap(str(labels.label(k, rkind)), 20))
                        for k in grid.index], rotation=0, fontsize="small")
    ax.set_xticklabels(["\n".join(textwrap.wrap(str(labels.label(k, ckind)), 12))
                        for k in grid.columns], rotation=0, fontsize="small")
    ax.set_xlabel(labels.header(col))
    ax.set_ylabel(labels.header(row))
    _loyalty_title(ax, title, "need_heatmap", kind="plot_idic")
    return ax


def offer_values(
    offers: pd.DataFrame,
    category: str = "rule",
    value: str = "expected_value",
    *,
    baseline: str | None = "untargeted_value",
    hue: str | None = "trigger",
    count: str | None = "customers",
    title: str | None = None,
    table: str = "offers",
    ax=None,
):
    """Expected value of each kind of offer (horizontal bars, best on top), against a
    baseline drawn as a black tick on each bar (e.g. the same product offered untargeted).

    ``offers`` has one row per ``category`` (a next-best-offer rule...) with the mean
    ``value`` of its offers, optionally the ``baseline`` value, a ``hue`` column colouring
    the bars (the rule's trigger) and a ``count`` written after each bar.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"rule": ["birth_health", "savings_capacity_life"],
    ...                   "trigger": ["event", "savings_capacity"], "customers": [31, 790],
    ...                   "expected_value": [216.0, 21.6], "untargeted_value": [25.5, 5.1]})
    >>> ax = offer_values(o)  # doctest: +SKIP
    """
    check_not_empty(offers, table)
    check_columns(offers, table, [category] + [c for c in (hue,) if c])
    _numeric(offers, table, value, *[c for c in (baseline, count) if c])
    data = offers.sort_values(value, ascending=True).reset_index(drop=True)
    cats = data[category].astype(str)
    ckind = labels.kind_of(category, pd.unique(cats))
    hkind = labels.kind_of(hue, pd.unique(data[hue].astype(str))) if hue else None
    hues = data[hue].astype(str) if hue else pd.Series("all", index=data.index)
    colours = palette(hkind, list(pd.unique(hues))) if hkind else {"all": COLORS["blue"]}
    ax = _axes(ax)
    pos = np.arange(len(data))
    ax.barh(pos, data[value].to_numpy(dtype=float), height=0.7,
            color=[colours[h] for h in hues])
    if baseline:
        ax.plot(data[baseline].to_numpy(dtype=float), pos, "|", color="black",
                markersize=16, markeredgewidth=2.5, label=labels.header(baseline))
    for y, v, n in zip(pos, data[value].to_numpy(dtype=float),
                       data[count].to_numpy() if count else [None] * len(data), strict=True):
        text = f"{v:,.0f} €" + (f"  (n = {int(n):,})" if n is not None else "")
        ax.annotate(text, (v, y), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize="x-small")
    ax.set_yticks(pos, ["\n".join(textwrap.wrap(str(labels.label(c, ckind)), 40))
                        for c in cats], fontsize="small")
    ax.set_xlim(0, float(data[value].max()) * 1.35)
    ax.set_xlabel(labels.header(value))
    ax.set_ylabel(labels.header(category))
    ax.grid(axis="y", visible=False)
    shown = labels.order(hkind, hues) if hkind else []
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[h]) for h in shown]
    names = [str(labels.label(h, hkind)) for h in shown]
    if baseline:
        handles.append(ax.get_lines()[0])
        names.append(str(labels.header(baseline)))
    if names:
        ax.legend(handles, names, loc="lower right", fontsize="small")
    _loyalty_title(ax, title, "offer_values", kind="plot_idic")
    return ax


__all__ += ["contact_decisions", "need_heatmap", "offer_values"]


# ---------------------------------------------------------------------------------------
# chapter 1, customer data: rows per year, identity resolution
# ---------------------------------------------------------------------------------------
# a pair joining two records of one person is a good link (green); of two people, a bad one
PALETTES.setdefault("pair_truth", {"same_person": _C["green"],
                                   "different_persons": _C["vermilion"]})


def yearly_counts(
    df: pd.DataFrame,
    date: str,
    by: str | None = None,
    *,
    kind: str | None = None,
    years: tuple[int, int] | None = None,
    unit: str = "rows",
    title: str | None = None,
    table: str = "rows",
    ax=None,
):
    """Rows per calendar year of ``date`` (customers won, contracts opened...), stacked by
    the categories of ``by``.

    Bars sit at the year itself on the horizontal axis (so ``ax.axvline(2014.5)`` marks
    the start of an observation window); categories keep their label order and colours
    (``kind`` is inferred from the column when not given). Rows without a date are left
    out; ``years`` keeps ``(first, last)`` only, showing empty years as zero.

    Parameters
    ----------
    df : DataFrame
        One row per thing counted.
    date : str
        Datetime column giving the year.
    by : str, optional
        Category column the bars are split by.
    unit : str
        Label key of what a row is (``"customers"``, ``"contracts"``): the vertical axis.
    title : str, optional
        A label key (kind ``plot_customer_data``, else any) or a text.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"acquisition_date": pd.to_datetime(["2020-03-01", "2021-06-01",
    ...                                                         "2021-09-01"]),
    ...                    "acquisition_channel": ["web", "branch", "web"]})
    >>> ax = yearly_counts(cu, "acquisition_date", "acquisition_channel")  # doctest: +SKIP
    """
    check_not_empty(df, table)
    check_columns(df, table, {date: "datetime"})
    d = df.loc[df[date].notna()]
    if by is not None:
        check_columns(df, table, [by])
        check_no_missing(d, table, by)
    year = d[date].dt.year
    if years is not None:
        first, last = int(years[0]), int(years[1])
        if first > last:
            raise ValueError(f"years must be (first, last) with first <= last, got {years}")
        keep = year.between(first, last).to_numpy()
        d, year = d.loc[keep], year.loc[keep]
    if len(d) == 0:
        raise SchemaError(f"{table}.{date}: no row with a date in the years asked for")
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
    _loyalty_title(ax, title, "rows_per_year", kind="plot_customer_data")
    return ax


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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"weight": [25.0, 22.0, 18.0, 3.0, -2.0],
    ...                   "same_person": [True, True, True, False, False]})
    >>> ax = match_weights(p, threshold=10)  # doctest: +SKIP
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
    _loyalty_title(ax, title, "match_weights", kind="plot_customer_data")
    return ax


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
    >>> ax = threshold_curve(s, threshold=10)  # doctest: +SKIP
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
    _loyalty_title(ax, title, "threshold_curve", kind="plot_customer_data")
    return ax


__all__ += ["yearly_counts", "match_weights", "threshold_curve"]


# ---------------------------------------------------------------------------------------
# chapter 5, customer value: cost to serve, waterfalls, stories, model checks, tiers
# ---------------------------------------------------------------------------------------
# value tiers run from red (loss-making) to green (high); the lost state is grey
PALETTES.setdefault("value_tier", {"loss_making": _C["vermilion"], "low": _C["orange"],
                                   "medium": _C["sky"], "high": _C["green"],
                                   "lost": _C["grey"]})
# the parts of a cost to serve: direct contacts, then the three pools of seed 001
_COST_PARTS = {"direct_cost": _C["brown"], "sales_marketing": _C["blue"],
               "order_handling": _C["purple"], "distribution": _C["sky"]}


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
    is the mean over the category's customers, its total written on top. ``value_label``
    names the vertical axis (a label key; e.g. ``unit_cost`` for one row per channel).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"preferred_channel": ["branch", "web", "web"],
    ...                   "direct_cost": [60.0, 2.0, 4.0], "sales_marketing": [30.0, 10, 20]})
    >>> ax = cost_breakdown(d, "preferred_channel", ["direct_cost", "sales_marketing"])  # doctest: +SKIP
    """
    parts = list(parts)
    if not parts:
        raise ValueError("give at least one cost part")
    _numeric(df, table, *parts)
    check_columns(df, table, [by])
    check_no_missing(df, table, by)
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
    _loyalty_title(ax, title, "cost_breakdown", kind="plot_value")
    return ax


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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"item": ["commercial_margin", "direct_cost", "direct_profit"],
    ...                   "amount": [1000.0, -300.0, 700.0]})
    >>> ax = value_waterfall(s, totals=["direct_profit"])  # doctest: +SKIP
    """
    _numeric(steps, table, amount_col)
    check_columns(steps, table, [item_col])
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
    ax.set_xticks(np.arange(len(items)), names, fontsize="x-small")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylim(top=max(tops) * 1.12)
    ax.yaxis.set_major_formatter(lambda v, _pos: _euros(v))
    ax.set_ylabel(labels.label("euros", "plot_value"))
    _loyalty_title(ax, title, "profit_waterfall", kind="plot_value")
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
    one calls for (seed 000).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from crmkit.synth import story
    >>> ax = story_path(story("young_driver").path, story="young_driver")  # doctest: +SKIP
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
                    ha=ha, va=va, fontsize="x-small", zorder=6,
                    bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "alpha": 0.9,
                          "edgecolor": COLORS["grey"], "linewidth": 0.5},
                    arrowprops={"arrowstyle": "-", "color": COLORS["grey"], "lw": 0.6})
    ax.xaxis.set_major_formatter(lambda v, _pos: _euros(v))
    ax.yaxis.set_major_formatter(lambda v, _pos: _euros(v))
    ax.set_xlabel(labels.header(x))
    ax.set_ylabel(labels.header(y))
    _loyalty_title(ax, title, "story", kind="plot_value")
    return ax


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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"frequency": [0, 1, 2], "customers": [50, 20, 9],
    ...                   "actual": [0.2, 0.9, 2.1], "predicted": [0.25, 0.8, 1.9]})
    >>> ax = holdout_fit(c)  # doctest: +SKIP
    """
    _numeric(comparison, table, "frequency", "actual", "predicted")
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
    _loyalty_title(ax, title, "holdout_fit", kind="plot_value")
    return ax


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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"low": [0.6, 0.5], "high": [0.4, 0.35], "lost": [0.0, 0.15]})
    >>> ax = state_shares(d)  # doctest: +SKIP
    """
    check_not_empty(distribution, table)
    values = distribution.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise SchemaError(f"{table}: the shares hold missing or infinite values")
    states = labels.order(kind, list(distribution.columns))
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
    _loyalty_title(ax, title, "state_shares", kind="plot_value")
    return ax


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

    ``df`` has one row per category with the two equity columns (e.g. the output of
    :func:`crmkit.value.customer_equity` with ``by=`` under two sets of assumptions).
    The scenario bars carry the change in per cent.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"strategy": ["loyalty", "retention"],
    ...                   "baseline_equity": [5e6, 2e6], "scenario_equity": [5.6e6, 2.3e6]})
    >>> ax = equity_comparison(d, "strategy")  # doctest: +SKIP
    """
    _numeric(df, table, baseline, scenario)
    check_columns(df, table, [category])
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
                    xytext=(0, 3), ha="center", fontsize="x-small")
    names = ["\n".join(textwrap.wrap(str(_any_label(c, kind)), 14)) for c in cats]
    ax.set_xticks(pos, names, fontsize="small")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylim(top=float(np.nanmax(np.r_[base, scen])) * 1.25)
    ax.yaxis.set_major_formatter(lambda v, _pos: _euros(v))
    ax.set_xlabel(labels.header(category))
    ax.set_ylabel(labels.header("equity"))
    ax.legend(loc="upper right", fontsize="small")
    _loyalty_title(ax, title, "equity_by_group", kind="plot_value")
    return ax


__all__ += ["cost_breakdown", "value_waterfall", "story_path", "holdout_fit", "state_shares",
            "equity_comparison"]


# ---------------------------------------------------------------------------------------
# chapter 7, running a CRM project
# ---------------------------------------------------------------------------------------
PALETTES.setdefault("budget_scenario", {"baseline": _C["grey"], "open_the_tap": _C["blue"],
                                        "plug_the_drain": _C["vermilion"]})
PALETTES.setdefault("kpi_status", {"green": _C["green"], "amber": _C["orange"],
                                   "red": _C["vermilion"]})
PALETTES.setdefault("change_dimension", {"collective": _C["blue"], "individual": _C["purple"],
                                         "organisational": _C["brown"]})
_REVENUE_BOXES = {"revenue_existing": _C["sky"], "revenue_cross_sell": _C["green"],
                  "revenue_new": _C["orange"]}


def _euro_axis(axis) -> None:
    axis.set_major_formatter(lambda v, _: f"{v:,.0f}")


def usual_report(split: pd.DataFrame, *, title: str | None = None, table: str = "split",
                 ax=None):
    """The report a company usually shows: the customers won each year, and nothing else.

    Takes :func:`crmkit.project.reporting_split` output (index ``year``); bars of
    ``acquired`` labelled with their count.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"acquired": [120.0, 150.0]}, index=pd.Index([2023, 2024], name="year"))
    >>> ax = usual_report(s)  # doctest: +SKIP
    """
    _numeric(split, table, "acquired")
    ax = _axes(ax)
    pos = np.arange(len(split))
    bars = ax.bar(pos, split["acquired"].to_numpy(dtype=float), color=_C["blue"])
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in split["acquired"]], fontsize="small",
                 padding=2)
    ax.set_xticks(pos, [str(y) for y in split.index], rotation=45 if len(pos) > 6 else 0)
    ax.set_xlabel(labels.header(split.index.name or "year"))
    ax.set_ylabel(labels.label("customers_won", "plot_project"))
    ax.set_ylim(top=float(split["acquired"].max()) * 1.15)
    _loyalty_title(ax, title, "usual_report", kind="plot_project")
    return ax


def revenue_split(split: pd.DataFrame, *, title: str | None = None, table: str = "split",
                  ax=None):
    """The report that shows retention: each year's revenue by who earned it.

    Stacked bars of :func:`crmkit.project.reporting_split`'s ``revenue_existing``,
    ``revenue_cross_sell`` and ``revenue_new``, with the share of revenue from existing
    customers written above each bar.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"revenue_existing": [900.0], "revenue_cross_sell": [60.0],
    ...                   "revenue_new": [40.0]}, index=pd.Index([2024], name="year"))
    >>> ax = revenue_split(s)  # doctest: +SKIP
    """
    _numeric(split, table, *_REVENUE_BOXES)
    ax = _axes(ax)
    pos = np.arange(len(split))
    bottom = np.zeros(len(split))
    for col, colour in _REVENUE_BOXES.items():
        values = split[col].to_numpy(dtype=float)
        ax.bar(pos, values, bottom=bottom, color=colour, label=labels.header(col))
        bottom = bottom + values
    existing = (split["revenue_existing"] + split["revenue_cross_sell"]).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(bottom > 0, existing / bottom, np.nan)
    for x, top, share in zip(pos, bottom, shares, strict=True):
        ax.text(x, top, "" if np.isnan(share) else f"{share:.0%}", ha="center", va="bottom",
                fontsize="x-small")
    ax.set_xticks(pos, [str(y) for y in split.index], rotation=45 if len(pos) > 6 else 0)
    ax.set_xlabel(labels.header(split.index.name or "year"))
    revenue = str(labels.header("revenue"))
    ax.set_ylabel(revenue if "€" in revenue else f"{revenue} (€)")
    _euro_axis(ax.yaxis)
    ax.set_ylim(top=float(np.nanmax(bottom)) * 1.12)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), ncol=1, fontsize="small")
    _loyalty_title(ax, title, "revenue_split", kind="plot_project")
    return ax


def kpi_lights(dashboard: pd.DataFrame, *, period_col: str = "year", kpi_kind: str = "project_kpi",
               plain: Sequence[str] = ("cross_sell_rate", "campaign_lift"),
               title: str | None = None, table: str = "dashboard", ax=None):
    """Traffic lights of a KPI dashboard: one row per KPI, one column per period.

    Takes :func:`crmkit.project.kpi_dashboard` output; each cell is coloured by its
    ``status`` (green, amber, red; blank without a value) and shows the value (as a
    percentage with one decimal when the target is below 1, so that a value just off its
    target does not read as equal to it; KPIs in ``plain``, counts per customer or ratios
    of rates, as numbers). The target is written after the KPI's name.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"year": [2023, 2024], "kpi": ["retention_rate"] * 2,
    ...                   "value": [0.93, 0.90], "target": [0.92] * 2,
    ...                   "status": ["green", "red"]})
    >>> ax = kpi_lights(d)  # doctest: +SKIP
    """
    check_not_empty(dashboard, table)
    check_columns(dashboard, table, [period_col, "kpi", "status"])
    check_columns(dashboard, table, {"value": "number", "target": "number"})
    check_no_missing(dashboard, table, "target")
    kpis = list(pd.unique(dashboard["kpi"].astype(str)))
    periods = sorted(pd.unique(dashboard[period_col]))
    colours = palette("kpi_status")
    ax = _axes(ax)
    targets = dashboard.groupby("kpi", sort=False)["target"].first()
    for _, row in dashboard.iterrows():  # one cell per (KPI, period): a few dozen patches
        x = periods.index(row[period_col])
        y = len(kpis) - 1 - kpis.index(str(row["kpi"]))
        status = row["status"]
        face = colours.get(status, "white") if isinstance(status, str) else "white"
        ax.add_patch(plt.Rectangle((x, y), 1, 1, facecolor=face, alpha=0.75,
                                   edgecolor="white", linewidth=2))
        v = row["value"]
        if pd.notna(v):
            as_share = abs(row["target"]) < 1 and str(row["kpi"]) not in plain
            text = f"{v:.1%}" if as_share else f"{v:.2f}"
            ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", fontsize="x-small")
    names = []
    for k in kpis:
        t = float(targets[k])
        target = f"{t:.0%}" if abs(t) < 1 and k not in plain else f"{t:.2f}"
        wrapped = textwrap.fill(str(labels.label(k, kpi_kind)), 34)
        names.append(f"{wrapped} ({labels.header('target').lower()} {target})")
    ax.set_xlim(0, len(periods))
    ax.set_ylim(0, len(kpis))
    ax.set_xticks(np.arange(len(periods)) + 0.5, [str(p) for p in periods])
    ax.set_yticks(np.arange(len(kpis)) + 0.5, names[::-1], fontsize="small")
    ax.set_xlabel(labels.header(period_col))
    ax.set_ylabel(labels.header("kpi"))
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor=colours[s], alpha=0.75)
               for s in ("green", "amber", "red")]
    ax.legend(handles, [labels.label(s, "kpi_status") for s in ("green", "amber", "red")],
              loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize="small")
    _loyalty_title(ax, title, "kpi_lights", kind="plot_project")
    return ax


def maturity_bars(factors: pd.DataFrame, *, title: str | None = None, table: str = "factors",
                  ax=None):
    """The maturity self-assessment: one horizontal bar per success factor, 1 to 5.

    Takes :attr:`crmkit.project.MaturityProfile.factors` (``id``, ``name``,
    ``dimension``, ``score``, ``weakest``): bars coloured by dimension of change, the
    weakest factors hatched and marked with an arrow.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"id": ["SF01", "SF02"], "name": ["Ratios", "Involvement"],
    ...                   "dimension": ["organisational", "collective"], "score": [2.0, 4.0],
    ...                   "weakest": [True, False]})
    >>> ax = maturity_bars(f)  # doctest: +SKIP
    """
    check_not_empty(factors, table)
    check_columns(factors, table, ["id", "name", "dimension", "weakest"])
    _numeric(factors, table, "score")
    colours = palette("change_dimension")
    ax = _axes(ax)
    pos = np.arange(len(factors))[::-1]
    scores = factors["score"].to_numpy(dtype=float)
    weakest = factors["weakest"].to_numpy(dtype=bool)
    ax.barh(pos, scores, color=[colours[d] for d in factors["dimension"].astype(str)],
            hatch=["//" if w else "" for w in weakest], edgecolor="white")
    for y, s, w in zip(pos, scores, weakest, strict=True):
        if w:
            ax.text(s + 0.08, y, "◀", va="center", color=_C["vermilion"], fontsize="small")
    names = [f"{i} {textwrap.shorten(str(n), 48, placeholder='…')}"
             for i, n in zip(factors["id"], factors["name"], strict=True)]
    ax.set_yticks(pos, names, fontsize="x-small")
    ax.set_xlim(0, 5.5)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.axvline(3, color="black", linestyle="--", linewidth=0.8)
    ax.set_xlabel(labels.header("score"))
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor=colours[d])
               for d in labels.order("change_dimension")]
    ax.legend(handles, [labels.label(d, "change_dimension")
                        for d in labels.order("change_dimension")],
              loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize="small")
    _loyalty_title(ax, title, "maturity_profile", kind="plot_project")
    return ax


def payback_curve(flows: pd.DataFrame, *, payback: float | None = None, title: str | None = None,
                  table: str = "flows", ax=None):
    """A programme's cumulative cash flow, plain and discounted, against the year.

    Takes :attr:`crmkit.project.ProgrammeROI.flows` (index ``year``,
    ``cumulative_net``, ``cumulative_discounted``, ``costs``, ``benefits``): bars of the
    year's costs (down) and benefits (up), the two cumulative lines, and ``payback`` (in
    years) as a dotted line.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"costs": [1000.0, 0.0], "benefits": [0.0, 1500.0],
    ...                   "cumulative_net": [-1000.0, 500.0],
    ...                   "cumulative_discounted": [-1000.0, 364.0]},
    ...                  index=pd.Index([0, 1], name="year"))
    >>> ax = payback_curve(f, payback=0.67)  # doctest: +SKIP
    """
    _numeric(flows, table, "costs", "benefits", "cumulative_net", "cumulative_discounted")
    ax = _axes(ax)
    years = flows.index.to_numpy(dtype=float)
    ax.bar(years, flows["benefits"], width=0.6, color=_C["green"], alpha=0.45,
           label=labels.header("benefits"))
    ax.bar(years, -flows["costs"].to_numpy(dtype=float), width=0.6, color=_C["vermilion"],
           alpha=0.45, label=labels.header("costs"))
    ax.plot(years, flows["cumulative_net"], marker="o", color=_C["blue"], linewidth=2,
            label=labels.header("cumulative_net"))
    ax.plot(years, flows["cumulative_discounted"], marker="o", color=_C["purple"],
            linewidth=2, linestyle="--", label=labels.header("cumulative_discounted"))
    ax.axhline(0, color="black", linewidth=0.8)
    if payback is not None and np.isfinite(payback):
        ax.axvline(payback, color=_C["grey"], linestyle=":", linewidth=1.5)
        ax.text(payback, ax.get_ylim()[1], f" {labels.label('payback_year', 'plot_project')}"
                f" {payback:.1f}", va="top", fontsize="small")
    ax.set_xticks(years)
    ax.set_xlabel(labels.header(flows.index.name or "year"))
    ax.set_ylabel(labels.header("amount"))
    _euro_axis(ax.yaxis)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize="small")
    _loyalty_title(ax, title, "payback", kind="plot_project")
    return ax


def break_even_sweep(sweep: pd.DataFrame, *, measured: float | None = None,
                     title: str | None = None, table: str = "sweep", ax=None):
    """Extra profit per euro of the tap and of the drain against the cost of a saved customer.

    ``sweep`` has one row per (``cost_per_saved``, ``scenario``) with ``profit_per_euro``
    (:func:`crmkit.project.budget_summary` run at several costs); ``measured`` marks the
    cost measured on the retention campaigns.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"cost_per_saved": [100, 100, 300, 300],
    ...     "scenario": ["open_the_tap", "plug_the_drain"] * 2,
    ...     "profit_per_euro": [4.0, 8.0, 4.0, 2.0]})
    >>> ax = break_even_sweep(s, measured=250)  # doctest: +SKIP
    """
    check_columns(sweep, table, ["scenario"])
    _numeric(sweep, table, "cost_per_saved", "profit_per_euro")
    colours = palette("budget_scenario")
    ax = _axes(ax)
    for key in labels.order("budget_scenario", sweep["scenario"].astype(str)):
        part = sweep.loc[sweep["scenario"].astype(str) == key].sort_values("cost_per_saved")
        ax.plot(part["cost_per_saved"], part["profit_per_euro"], color=colours[key],
                linewidth=2, label=labels.label(key, "budget_scenario"))
    if measured is not None:
        ax.axvline(measured, color="black", linestyle="--", linewidth=1,
                   label=labels.label("measured", "plot_project"))
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlabel(labels.label("cost_per_saved", "plot_project"))
    ax.set_ylabel(labels.header("profit_per_euro"))
    ax.legend(loc="best", fontsize="small")
    _loyalty_title(ax, title, "break_even", kind="plot_project")
    return ax


__all__ += ["usual_report", "revenue_split", "kpi_lights", "maturity_bars", "payback_curve",
            "break_even_sweep"]


# ---------------------------------------------------------------------------------------
# chapter 6, campaigns: test against control, uplift and its interval, power, the FCB grid
# ---------------------------------------------------------------------------------------
# event-triggered offers stand out (green), untargeted ones stay grey
PALETTES.setdefault("trigger_family", {"life_event": _C["green"], "segment": _C["blue"],
                                       "none": _C["grey"], "churn_risk": _C["orange"]})
PALETTES.setdefault("campaign_plan", {"cost": _C["vermilion"], "naive_margin": _C["grey"],
                                      "incremental_margin": _C["green"]})
PALETTES.setdefault("fcb_quadrant", {"learning": _C["blue"], "affectivity": _C["pink"],
                                     "routine": _C["grey"], "hedonism": _C["orange"]})
PALETTES.setdefault("score_band", {"q1": "#c6dbef", "q2": "#6baed6", "q3": "#2171b5",
                                   "q4": "#08306b"})


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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"rate_test": [0.46, 0.024], "rate_control": [0.25, 0.012],
    ...                   "uplift": [0.21, 0.012]},
    ...                  index=pd.Index(["life_event", "none"], name="trigger_family"))
    >>> ax = uplift_bars(p)  # doctest: +SKIP
    """
    df = pooled.reset_index() if category is None else pooled
    category = category or pooled.index.name
    check_not_empty(df, table)
    check_columns(df, table, [category])
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
    _loyalty_title(ax, title, "test_control_rates", kind="plot_campaign")
    return ax


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

    Takes :func:`crmkit.campaigns.uplift` output (rows without a control group are left
    out), optionally with a ``color_col`` (e.g. the campaign type). The horizontal axis is
    the campaign's targets (test + control, log scale): small campaigns have wide
    intervals, large ones narrow. ``pooled`` (:func:`crmkit.campaigns.pooled_uplift`
    output indexed by the same categories) adds each category's pooled uplift as a dashed
    line.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"n_test": [8, 400], "n_control": [2, 100], "uplift": [0.3, 0.01],
    ...                   "ci_low": [-0.3, -0.02], "ci_high": [0.7, 0.04]})
    >>> ax = uplift_funnel(u)  # doctest: +SKIP
    """
    check_not_empty(per_campaign, table)
    df = per_campaign.dropna(subset=["uplift", "ci_low", "ci_high"])
    _numeric(df, table, "n_test", "n_control", "uplift", "ci_low", "ci_high")
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
    _loyalty_title(ax, title, "uplift_funnel", kind="plot_campaign")
    return ax


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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"group_size": [100, 1000, 10000],
    ...                   "detectable_uplift": [0.12, 0.035, 0.011]})
    >>> ax = campaign_power(c, n_targets=500, uplift=0.012, breakeven_rate=0.004)  # doctest: +SKIP
    """
    _numeric(curve.dropna(subset=["detectable_uplift"]), table, "group_size",
             "detectable_uplift")
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
    _loyalty_title(ax, title, "campaign_power", kind="plot_campaign")
    return ax


# where each quadrant of the FCB grid sits: (column: think | feel, row: low | high)
_FCB_CELLS = {"learning": (0, 1), "affectivity": (1, 1), "routine": (0, 0), "hedonism": (1, 0)}


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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"product_id": ["B_MORTGAGE", "B_CARD"],
    ...                   "fcb_quadrant": ["learning", "routine"]})
    >>> ax = fcb_grid(g)  # doctest: +SKIP
    """
    check_not_empty(grid, table)
    check_columns(grid, table, [name_col, "fcb_quadrant"])
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
                va="top", fontsize="x-small", linespacing=1.4)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], [labels.label(k, "fcb_mode") for k in ("think", "feel")])
    ax.set_yticks([0.5, 1.5], [labels.label(k, "level") for k in ("low", "high")])
    ax.set_xlabel(labels.header("mode"))
    ax.set_ylabel(labels.header("involvement"))
    ax.grid(False)
    _loyalty_title(ax, title, "fcb_grid", kind="plot_campaign")
    return ax


__all__ += ["uplift_bars", "uplift_funnel", "campaign_power", "fcb_grid"]
