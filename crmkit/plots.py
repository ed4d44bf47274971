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
from matplotlib.ticker import PercentFormatter

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
