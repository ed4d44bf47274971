"""The book's look: palettes, category colours, label helpers shared by every figure."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns

from crmkit import labels
from crmkit.display import french_number
from crmkit.schema import check_key, fail, require_columns

__all__ = ["COLORS", "PALETTES", "QUADRANT_PRESETS", "use_style", "palette", "localise_ticks"]

# The named colours and the fixed category colours are data, in crmkit/data/labels.yaml
# (`_colors`, `_palettes`), read by crmkit.labels only: the same colour for a category in
# every chapter, whatever the order in which modules are imported. Read-only views: add
# a palette to the label file, not here.
COLORS = labels.colors()
_C = COLORS
_CYCLE = list(COLORS.values())
PALETTES: dict[str, dict[str, str]] = labels.palettes()

# which category sits in which corner of a matrix (x to the right, y upwards)
QUADRANT_PRESETS: dict[str, tuple[str, dict[str, str]]] = {
    # current profitability (x) x potential (y), the lecture slides' matrix
    "value": (
        "value_quadrant",
        {"top_right": "desirable", "top_left": "under_developed",
         "bottom_right": "mature", "bottom_left": "undesirable"},
    ),
    # the strategy each cell of the value matrix calls for (the university lesson)
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

# widest figure (inches) whose text stays readable at the book's column width
MAX_BOOK_WIDTH = 10.0

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


def use_style(context: str = "notebook", *, font_scale: float = 1.1) -> None:
    """Apply the book's seaborn theme: white grid, colour-blind-safe palette, book size.

    ``context`` is a seaborn context (``"notebook"``, ``"talk"`` for workshop slides,
    ``"paper"``). The default ``font_scale`` keeps the smallest text of a figure up to
    :data:`MAX_BOOK_WIDTH` inches wide at 10 px or more when the book shrinks it to a
    ~700 px column (seaborn's "small" text is 11 pt; 11 pt x 700 px / (72 x 10 in) = 10.7 px).

    Parameters
    ----------
    context : str
        A seaborn context: ``"notebook"``, ``"talk"`` (workshop slides) or ``"paper"``.
    font_scale : float
        Scale of every font size; the default keeps book figures readable.

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

    Parameters
    ----------
    kind : str or None
        Label kind of the categories; ``None`` for no fixed colours.
    values : sequence, optional
        Categories to colour beyond the kind's own (next colours of the cycle).

    Returns
    -------
    dict
        Colour (hex string) of each category, keyed by its key and by its label in
        every language.

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


# formatters that write numbers; category names, fixed labels and dates are left alone
_NUMBER_FORMATTERS = (mticker.ScalarFormatter, mticker.PercentFormatter, mticker.LogFormatter,
                      mticker.StrMethodFormatter, mticker.FormatStrFormatter,
                      mticker.EngFormatter)


class _FrenchTicks(mticker.Formatter):
    """Another number formatter's labels in French typography (ticks, offset), as the tables
    write numbers (:func:`crmkit.display.french_number`)."""

    def __init__(self, inner: mticker.Formatter):
        self.inner = inner

    def set_axis(self, axis):
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs):
        self.inner.set_locs(locs)

    def format_ticks(self, values):
        return [french_number(t) for t in self.inner.format_ticks(values)]

    def __call__(self, x, pos=None):
        return french_number(self.inner(x, pos))

    def get_offset(self):
        return french_number(self.inner.get_offset())


def localise_ticks(ax, lang: str | None = None):
    """Write the number ticks of ``ax`` in the typography of ``lang`` (default: the kit's
    language): in French, ``1 234,5`` and ``50 %`` instead of ``1,234.5`` and ``50%``.

    Every figure function of :mod:`crmkit.plots` does it to the axes it returns; call it on
    your own seaborn or pandas figure. Category, fixed and date ticks are left as they are.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes, after its formatters are set (a later ``set_major_formatter`` replaces it).
    lang : str, optional
        ``"en"`` or ``"fr"``; default :func:`crmkit.labels.get_language`.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from matplotlib.ticker import PercentFormatter
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 0.25, 0.5], [1000, 1500, 2500])
    >>> ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    >>> _ = localise_ticks(ax, lang="fr")
    >>> ax.xaxis.get_major_formatter().format_ticks([0.0, 0.25])
    ['0\\u202f%', '25\\u202f%']
    >>> ax.yaxis.get_major_formatter().format_ticks([1000.5, 1500.0])
    ['1000,5', '1500,0']
    >>> plt.close(fig)
    """
    if (lang or labels.get_language()) != "fr":
        return ax
    for axis in (ax.xaxis, ax.yaxis):
        for get, put in ((axis.get_major_formatter, axis.set_major_formatter),
                         (axis.get_minor_formatter, axis.set_minor_formatter)):
            inner = get()
            if isinstance(inner, _NUMBER_FORMATTERS):
                put(_FrenchTicks(inner))
    return ax


def localised(fn: Callable) -> Callable:
    """Decorate a figure function: the axes it returns (or the figure's axes) get
    :func:`localise_ticks` when the kit's language is not English. Every figure function of
    :mod:`crmkit.plots` is written with it (``@localised`` above its other decorators).

    Parameters
    ----------
    fn : callable
        The figure function.

    Returns
    -------
    callable
        The function, its ticks in the kit's language.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from matplotlib.ticker import PercentFormatter
    >>> from crmkit import labels
    >>> @localised
    ... def shares():
    ...     fig, ax = plt.subplots()
    ...     ax.plot([0, 0.5], [0, 0.5])
    ...     ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ...     return ax
    >>> with labels.language("fr"):
    ...     ax = shares()
    >>> ax.yaxis.get_major_formatter().format_ticks([0.25])
    ['25\\u202f%']
    >>> plt.close("all")
    """

    @functools.wraps(fn)
    def draw(*args, **kwargs):
        out = fn(*args, **kwargs)
        if labels.get_language() != "en":
            for ax in np.ravel(getattr(out, "axes", out)):
                if isinstance(ax, plt.Axes):
                    localise_ticks(ax)
        return out

    draw.__wrapped_by_localised__ = True
    return draw


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _numeric(df: pd.DataFrame, table: str, *columns: str, nonnegative=()) -> None:
    require_columns(df, table, {c: "number" for c in columns}, nonnegative=nonnegative)


def _one_row_per(df: pd.DataFrame, table: str, key: str | list[str]) -> None:
    """Refuse a repeated ``key`` (one row per campaign, cluster, category...), whether
    the key is in the columns or is the index (as :func:`crmkit.campaigns.uplift` returns
    it): a copied row would be drawn twice, or on top of its twin."""
    key = [key] if isinstance(key, str) else list(key)
    if all(k in df.columns for k in key):
        check_key(df, table, key)
    elif list(df.index.names) == key and (twice := df.index.duplicated(keep=False)).any():
        fail(table, "+".join(key), "duplicated key", twice, df)


def _set_title(ax, title, default: str, kind: str = "plot_loyalty") -> None:
    """Set a title given as a label key (looked up in ``kind``, then anywhere) or as text."""
    ax.set_title(_any_label(default if title is None else title, kind))


def _any_label(key, kind):
    """The label of ``key`` in ``kind``, else in any kind (a mixed column)."""
    text = labels.label(key, kind) if kind else key
    return labels.label(key) if text == key else text
