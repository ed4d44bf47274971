"""Two-axis matrices (profitability x potential, attitude x patronage) with named quadrants."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
import seaborn as sns

from crmkit import labels
from crmkit.plots._docs import figure
from crmkit.plots.style import (
    _CORNERS,
    _TITLES,
    COLORS,
    QUADRANT_PRESETS,
    _axes,
    _numeric,
    localised,
    palette,
)
from crmkit.schema import check_columns, check_key

__all__ = ["matrix_scatter"]


def _cut(s: pd.Series, cut) -> float:
    if cut == "median":
        return float(s.median())
    if cut == "mean":
        return float(s.mean())
    if isinstance(cut, (int, float, np.number)) and not isinstance(cut, bool):
        return float(cut)
    raise ValueError(f"a cut is 'median', 'mean' or a number, got {cut!r}")


@localised
@figure()
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

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    x : str
        Numeric column on the horizontal axis (e.g. current profitability).
    y : str
        Numeric column on the vertical axis (e.g. potential).
    hue : str, optional
        Category column colouring the points.
    x_cut : {"median", "mean"} or float
        Where the vertical cut line sits.
    y_cut : {"median", "mean"} or float
        Where the horizontal cut line sits.
    quadrants : str, mapping or None
        A preset name of :data:`QUADRANT_PRESETS`, a corner -> label key mapping, or
        ``None`` for unnamed quadrants.
    show_shares : bool
        Write each quadrant's share of customers after its name.
    title : str, optional
        A label key or a text; ``None`` gives the preset's title.
    {table}
    max_points : int
        Above this many rows a random sample of this size is drawn.
    seed : int
        Seed of that sample, for a reproducible figure.
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"current": [1.0, 5.0, 2.0, 8.0], "potential": [9.0, 8.0, 1.0, 2.0]})
    >>> ax = matrix_scatter(df, "current", "potential")
    >>> [t.get_text().replace(chr(10), ' ') for t in ax.texts]  # one customer per cell
    ['Desirable customers (25%)', 'Under-developed customers (25%)', 'Mature customers (25%)', 'Undesirable customers (25%)']
    """
    _numeric(df, table, x, y)
    check_key(df, table, "customer_id")  # one point per customer
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
        # a value on the cut is high, as in profitability_matrix and loyalty_typology
        right, top = df[x].to_numpy() >= xc, df[y].to_numpy() >= yc
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
