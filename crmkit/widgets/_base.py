"""Shared pieces of the explorers: displaying in place, styled tables, detached figures,
live controls and sliders with translated descriptions."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import DisplayHandle, display

from crmkit import labels


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
    """Run ``draw(fig)`` on a new figure and detach it from pyplot (no double display)."""
    fig = plt.figure(figsize=figsize)
    draw(fig)
    plt.close(fig)
    return fig


def live(controls: list, render, values) -> None:
    """Display ``controls`` and the figure and table of ``render(*values())``; redraw both
    in place whenever a control moves."""
    fig, table = render(*values())
    display(widgets.VBox(controls))
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
