"""Shared pieces of the explorers: displaying in place, styled tables, detached figures,
live controls and sliders with translated descriptions, and the static book's scenarios.

In a live kernel an explorer shows its controls and redraws its figure and table when one
moves. The static book has no kernel: a slider there would move and change nothing. When
the notebook is executed for the book (``tools/build_book.py`` sets the environment
variable ``CRMKIT_STATIC_BOOK=1``), :func:`live` shows instead a few precomputed settings
side by side (:func:`scenarios`), each figure at the page's width, with one table
comparing them, and says what the live notebook adds.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import DisplayHandle, Markdown, display

from crmkit import labels
from crmkit.display import STATIC_ENV as STATIC_ENV  # re-exported: the tests set it
from crmkit.display import say, show_table, static_book

# width (inches) at which the book's fonts read at >= 10 px on a page column of ~700 px
READABLE_WIDTH = 7.5
# the static book's explorer figures: one panel per row at this width
STATIC_WIDTH = 9.0



def show(obj) -> DisplayHandle:
    """Display ``obj`` under a display id, so that it can be replaced in place later."""
    handle = DisplayHandle()
    handle.display(obj)
    return handle


def styled(df: pd.DataFrame, percent: Sequence[str] = (), decimals: int = 2):
    """``df`` with translated headers and labels, shares as percentages (display only)."""
    out = labels.translate_frame(df)
    shares = [labels.header(c) for c in percent]
    styler = out.style.format(precision=decimals, thousands=",")
    return styler.format("{:.1%}", subset=shares) if shares else styler


def figure(draw, figsize):
    """Run ``draw(fig)`` on a new figure and detach it from pyplot (no double display).

    A figure wider than :data:`READABLE_WIDTH` is shrunk to the page's width when shown,
    and its text with it: its fonts are scaled up so that the smallest ("small") text still
    reads at 10 px or more on a ~700 px column, by ``(width / READABLE_WIDTH) ** 0.6`` (in
    full proportion, the panels' titles would collide).

    In the static book the figure is :data:`STATIC_WIDTH` wide and its panels are stacked
    (:func:`panels`).
    """
    if static_book():
        figsize = (STATIC_WIDTH, figsize[1])
    scale = max(1.0, figsize[0] / READABLE_WIDTH) ** 0.6
    with sns.plotting_context("notebook", font_scale=scale):
        fig = plt.figure(figsize=figsize)
        draw(fig)
    plt.close(fig)
    return fig


def panels(fig, n: int = 2, **kwargs):
    """``n`` axes side by side in a live notebook; stacked, one per row, in the static book,
    whose column is too narrow for two panels' text (the figure grows in height)."""
    if not static_book():
        return fig.subplots(1, n, **kwargs)
    kwargs.pop("width_ratios", None)
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, height * n * 0.85)
    return fig.subplots(n, 1, **kwargs)


def _values_of(control) -> list:
    if isinstance(control, widgets.Checkbox):
        return [control.value, not control.value]
    if hasattr(control, "options"):
        opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
        i = opts.index(control.value)
        picks = sorted({i // 2, i, i + (len(opts) - i) // 2})
        return [opts[j] for j in picks]
    lo, hi, step, v = control.min, control.max, control.step, control.value

    def snap(x):
        out = lo + round((x - lo) / step) * step
        return type(v)(round(out, 10))

    return list(dict.fromkeys([snap(lo + (v - lo) / 2), v, snap(v + (hi - v) / 2)]))


def _shown(value, control) -> str:
    if isinstance(value, bool):
        return say("on", "oui") if value else say("off", "non")
    if hasattr(control, "options"):
        for o in control.options:
            if isinstance(o, tuple) and o[1] == value:
                return str(o[0])
        return str(value)
    fmt = getattr(control, "readout_format", "") or "g"
    try:
        spec = "{v:" + fmt + "}"
        return say(spec, spec, v=value)  # the number as the kit's language writes it
    except (ValueError, TypeError):
        return str(value)


def scenarios(controls: list, render, values, *, vary: int = 0,
              settings: list[tuple[str, dict]] | None = None) -> list[str]:
    """Show precomputed settings of an explorer, one figure each, and one table comparing
    them; return the settings' titles.

    By default the control ``controls[vary]`` takes its chapter value and one value on
    each side, halfway to the end of its range (the other controls keep their values);
    ``settings`` gives named settings instead: ``[(title, {control index: value})]``.
    """
    start = [c.value for c in controls]
    name = str(controls[vary].description)
    if settings is None:
        settings = [(say("{name}: {value}", "{name} : {value}", name=name,
                         value=_shown(v, controls[vary]))
                     + (say(" (the chapter's setting)", " (le réglage du chapitre)")
                        if v == start[vary] else ""), {vary: v})
                    for v in _values_of(controls[vary])]
    titles = [t for t, _ in settings]
    display(Markdown(say(
        "*This page is static: it shows {n} settings computed in advance. Run the notebook "
        "(JupyterLab, or the browser edition) to set the controls yourself and see the figure "
        "and table redrawn.*",
        "*Cette page est statique : elle montre {n} réglages calculés à l'avance. Exécutez le "
        "notebook (JupyterLab, ou l'édition navigateur) pour régler vous-même les commandes et "
        "voir la figure et le tableau se redessiner.*", n=len(settings))))
    tables = []
    try:
        for title, change in settings:
            for i, v in change.items():
                controls[i].value = v
            fig, table = render(*values())
            display(Markdown(f"**{title}**"))
            display(fig)
            frame = table.data if hasattr(table, "data") else table
            if isinstance(frame, pd.Series):
                frame = frame.to_frame()
            if not isinstance(frame.index, pd.RangeIndex):
                frame = frame.reset_index()
            tables.append(frame.assign(**{"setting": title}))
    finally:
        for c, v in zip(controls, start, strict=True):
            c.value = v
    both = pd.concat(tables, ignore_index=True)
    both = both[["setting", *[c for c in both.columns if c != "setting"]]]
    display(show_table(both, max_rows=None))
    return titles


def live(controls: list, render, values, *, box=None, vary: int = 0,
         settings: list[tuple[str, dict]] | None = None) -> None:
    """Display ``controls`` (in ``box``, default a column of them) and the figure and
    table of ``render(*values())``; redraw both in place whenever a control moves.

    In the static book (:func:`static_book`), show :func:`scenarios` instead.
    """
    if static_book():
        scenarios(controls, render, values, vary=vary, settings=settings)
        return
    fig, table = render(*values())
    display(widgets.VBox(controls) if box is None else box)
    fig_handle, table_handle = show(fig), show(table)

    def on_change(_change):
        new_fig, new_table = render(*values())
        fig_handle.update(new_fig)
        table_handle.update(new_table)

    for control in controls:
        control.observe(on_change, names="value")


def slider(kind, key, value, low, high, step, fmt):
    return widgets.FloatSlider(value=value, min=low, max=high, step=step,
                               description=str(labels.label(key, kind)), readout_format=fmt,
                               style={"description_width": "initial"},
                               layout={"width": "460px"}, continuous_update=False)
