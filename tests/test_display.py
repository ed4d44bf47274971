"""crmkit.display.show_table (the chapters' one table helper) and the static book's
explorer scenarios (crmkit.widgets._base)."""

import ipywidgets as widgets
import numpy as np
import pandas as pd
import pytest

from crmkit import labels
from crmkit.display import cells, column_format, show_table
from crmkit.widgets import _base


def test_numbers_read_as_a_reader_expects():
    df = pd.DataFrame({"segment": ["a", "b"], "customers": [41.0, 12345.0],
                       "direct_profit": [11935440.0, 3426136.8], "birth_year": [1990, 2001],
                       "retention_rate": [0.8512, 0.9], "customer_id": [100234, 100235]})
    body = cells(show_table(df))
    # counts as integers with separators, euros with their unit, no scientific notation,
    # years and ids without separators, shares in per cent
    assert body[0] == ["a", "41", "11,935,440 €", "1990", "85.1 %", "100234"]
    assert body[1][1:3] == ["12,345", "3,426,137 €"]


def test_headers_are_labels_and_there_is_no_index_or_dtype():
    s = pd.Series([3, 4], index=pd.Index(["web", "branch"], name="channel"), name="customers")
    styler = show_table(s)
    assert styler.data.columns.tolist() == [labels.header("channel"), labels.header("customers")]
    html = styler.to_html()
    assert "dtype" not in html and 'class="crm-table"' in html
    # the RangeIndex of a plain frame is hidden, not shown as 0..n
    plain = show_table(pd.DataFrame({"customers": [5, 6]})).to_html()
    assert "row_heading" not in plain or 'class="blank' in plain
    assert ">0<" not in plain.replace(" ", "")


def test_long_text_is_never_cut_and_long_tables_say_so():
    text = "Resolve every department's records of one person into one identity, nightly"
    df = pd.DataFrame({"deliverable": [text] * 50})
    styler = show_table(df, max_rows=10)
    assert cells(styler)[0] == [text]
    assert len(cells(styler)) == 10 and "50 rows" in styler.caption


def test_french_typography():
    with labels.language("fr"):
        body = cells(show_table(pd.DataFrame({"churn_rate": [0.125], "customers": [1234.0]})))
    assert body == [["12,5\u202f%", "1\u202f234"]]


@pytest.mark.parametrize(("name", "values", "kind"), [
    ("churn_rate", [12.5, 20.0], "number"),  # already in points: not multiplied by 100
    ("cost_to_serve", [1.5, 2.0], "money"),
    ("contacts_per_customer", [1.5, 2.0], "number"),
    ("acquisition_date", pd.to_datetime(["2020-01-01"]), "date"),
])
def test_column_kinds(name, values, kind):
    assert column_format(name, pd.Series(values)) == kind


def test_static_book_shows_settings_not_controls(monkeypatch):
    shown = []
    monkeypatch.setattr(_base, "display", shown.append)
    monkeypatch.setenv(_base.STATIC_ENV, "1")
    slider = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.1, description="Rate")
    calls = []

    def render(v):
        calls.append(v)
        return _base.figure(lambda fig: fig.subplots().plot([0, 1], [0, v]), (12, 4)), (
            pd.DataFrame({"customers": [int(100 * v)]}))

    _base.live([slider], render, lambda: (slider.value,))
    # three settings around the chapter's value, then the control is back where it was
    assert np.allclose(calls, [0.3, 0.5, 0.8]) or np.allclose(calls, [0.2, 0.5, 0.8])
    assert slider.value == 0.5
    assert not any(isinstance(x, widgets.Widget) for x in shown)  # no dead slider on the page
    table = shown[-1].data
    assert table[labels.header("setting")].tolist()[1] == "Rate: 0.50 (the chapter's setting)"
    # the figure is drawn at the static width whatever the live one (12 in), and its
    # smallest text still reads at 10 px on a ~700 px column
    fig = next(x for x in shown if hasattr(x, "savefig"))
    width = fig.get_size_inches()[0]
    assert width == _base.STATIC_WIDTH
    tick_pt = fig.axes[0].xaxis.get_ticklabels()[0].get_fontsize()
    small_pt = tick_pt * 10 / 11  # seaborn's "small" relative to the tick labels
    assert small_pt * 700 / (72 * width) >= 10


def test_static_book_stacks_panels(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setenv(_base.STATIC_ENV, "1")
    fig = plt.figure(figsize=(9, 4))
    top, bottom = _base.panels(fig, 2, width_ratios=[2, 1])
    assert top.get_position().y0 > bottom.get_position().y1  # one above the other
    assert fig.get_size_inches()[1] > 4
    monkeypatch.delenv(_base.STATIC_ENV)
    fig = plt.figure(figsize=(9, 4))
    left, right = _base.panels(fig, 2, width_ratios=[2, 1])
    assert left.get_position().x1 < right.get_position().x0  # side by side when live
    plt.close("all")


def test_live_kernel_shows_the_controls(monkeypatch):
    shown = []
    monkeypatch.setattr(_base, "display", shown.append)
    monkeypatch.delenv(_base.STATIC_ENV, raising=False)
    monkeypatch.setattr(_base, "show", lambda obj: shown.append(obj))
    slider = widgets.IntSlider(value=3, min=1, max=5)
    _base.live([slider], lambda v: ("fig", pd.DataFrame({"n": [v]})), lambda: (slider.value,))
    assert isinstance(shown[0], widgets.VBox)


def test_book_figures_are_narrow_enough_to_read():
    # a figure wider than MAX_BOOK_WIDTH is shrunk so much that its small text falls under
    # 10 px on the book's column (the explorers scale their fonts instead: _base.figure)
    import re
    from pathlib import Path

    from crmkit.plots.style import MAX_BOOK_WIDTH

    root = Path(__file__).resolve().parents[1]
    wide = []
    for nb in sorted((root / "notebooks").rglob("*.ipynb")):
        for w in re.findall(r"figsize=\(([0-9.]+),", nb.read_text()):
            if float(w) > MAX_BOOK_WIDTH:
                wide.append(f"{nb.name}: {w} in")
    assert not wide, wide
