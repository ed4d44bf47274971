"""Chapter 1's figures (crmkit.plots) and threshold explorer (crmkit.widgets) on small
frames: the values drawn are the ones given, titles and axes go through crmkit.labels (and
switch to French), bad input is reported, and the explorer redraws when its slider moves."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from _hand_records import martin_records  # noqa: E402 - tests/ helper

from crmkit import labels, plots, widgets  # noqa: E402
from crmkit.idic import resolve_identities  # noqa: E402
from crmkit.schema import SchemaError  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _won():
    return pd.DataFrame({
        "acquisition_date": pd.to_datetime(["2019-05-01", "2021-03-01", "2021-07-01",
                                            "2021-08-01", None, "2010-01-01"]),
        "acquisition_channel": ["web", "branch", "web", "web", "web", "mail"],
    })


def _heights(ax, n_years):
    """Bar heights per category, in drawing order (one run of n_years bars each)."""
    h = [p.get_height() for p in ax.patches]
    return [h[i:i + n_years] for i in range(0, len(h), n_years)]


def test_yearly_counts_stacks_the_categories():
    ax = plots.yearly_counts(_won(), "acquisition_date", "acquisition_channel",
                             years=(2019, 2021), unit="customers")
    # label order of the channel kind: branch below web; 2020 empty but shown
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [labels.label("branch", "channel"), labels.label("web", "channel")]
    assert _heights(ax, 3) == [[0, 0, 1], [1, 0, 2]]  # 2019, 2020 (empty), 2021
    assert [p.get_y() for p in ax.patches][3:] == [0, 0, 1]  # web stacked on branch
    assert [p.get_x() + p.get_width() / 2 for p in ax.patches][:3] == [2019, 2020, 2021]
    assert ax.get_ylabel() == labels.header("customers")
    with labels.language("fr"):
        ax = plots.yearly_counts(_won(), "acquisition_date", "acquisition_channel",
                                 title="acquisitions_by_year")
        assert ax.get_title() == "Clients conquis par an, par canal"
        assert ax.get_xlabel() == "Année"
    # without a split: one bar per year, the undated row left out, 2010 kept
    ax = plots.yearly_counts(_won(), "acquisition_date")
    assert sum(p.get_height() for p in ax.patches) == 5
    assert ax.get_legend() is None


def test_yearly_counts_bad_input():
    with pytest.raises(SchemaError, match="rows.acquisition_date: expected datetime"):
        plots.yearly_counts(_won().astype({"acquisition_date": str}), "acquisition_date")
    with pytest.raises(SchemaError, match="rows.channel: missing column"):
        plots.yearly_counts(_won(), "acquisition_date", "channel")
    with pytest.raises(SchemaError, match="no row with a date"):
        plots.yearly_counts(_won().iloc[:1], "acquisition_date", years=(2000, 2001))
    with pytest.raises(ValueError, match="first <= last"):
        plots.yearly_counts(_won(), "acquisition_date", years=(2022, 2020))


def test_match_weights_histograms_and_threshold():
    pairs = pd.DataFrame({"weight": [25.0, 25.2, 18.0, 3.0, 2.8, -2.0],
                          "same_person": [True, True, True, False, False, False]})
    ax = plots.match_weights(pairs, threshold=10)
    counts = {}
    for p in ax.patches:  # bins one point wide, centred on whole weights
        if p.get_height() > 0:
            colour = matplotlib.colors.to_hex(p.get_facecolor())
            counts[(colour, round(p.get_x() + p.get_width() / 2))] = p.get_height()
    green, red = plots.PALETTES["pair_truth"]["same_person"], plots.PALETTES["pair_truth"][
        "different_persons"]
    assert counts == {(green, 25): 2, (green, 18): 1, (red, 3): 2, (red, -2): 1}
    assert ax.get_yscale() == "log"
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [10]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == f"{labels.label('same_person', 'pair_truth')} (n = 3)"
    with labels.language("fr"):
        ax = plots.match_weights(pairs)
        assert ax.get_title() == "Poids de concordance des paires candidates"
        assert ax.get_xlabel() == "Poids de concordance"
    with pytest.raises(SchemaError, match="pairs.same_person: expected bool"):
        plots.match_weights(pairs.assign(same_person=1))


def test_threshold_curve_lines_and_customers():
    sweep = pd.DataFrame({"threshold": [20.0, 0.0, 10.0], "precision": [1.0, 0.95, 0.999],
                          "recall": [0.7, 0.999, 0.99], "resolved": [140, 98, 101],
                          "persons": [100, 100, 100]})
    ax = plots.threshold_curve(sweep, threshold=10)
    precision, recall, mark = ax.get_lines()
    assert list(precision.get_xdata()) == [0.0, 10.0, 20.0]  # sorted by threshold
    assert list(recall.get_ydata()) == [0.999, 0.99, 0.7]
    assert list(mark.get_xdata()) == [10, 10]
    twin = [a for a in ax.figure.axes if a is not ax][0]
    assert list(twin.get_lines()[0].get_ydata()) == [98, 101, 140]
    assert twin.get_lines()[1].get_ydata()[0] == 100  # the true number of persons
    with labels.language("fr"):
        ax = plots.threshold_curve(sweep)
        assert ax.get_title() == "Précision et rappel selon le seuil de rapprochement"
    with pytest.raises(SchemaError, match="sweep.persons: missing column"):
        plots.threshold_curve(sweep.drop(columns="persons"))


def test_threshold_explorer_redraws_when_the_slider_moves(monkeypatch):
    shown = []
    monkeypatch.setattr(widgets._base, "display", lambda obj: shown.append(obj))
    monkeypatch.setattr(widgets._base, "show", lambda obj: type(
        "H", (), {"update": lambda self, new: shown.append(new)})())
    recs = martin_records()
    res = resolve_identities(recs)
    slider = widgets.identity_threshold_explorer(res, recs, thresholds=[10, 15, 20])
    assert slider.value == 10.0 and list(slider.options) == [10.0, 15.0, 20.0]
    before = len(shown)
    slider.value = 20.0  # Marie's pairs weigh 16 and 14.5: at 20 she is three customers
    assert len(shown) == before + 2  # a new figure and a new table
    table = shown[-1]
    assert table.iloc[0][labels.header("resolved")] == 4
    assert table.iloc[0][labels.header("recall")] == 0.0
    slider.value = 15.0  # only the 16-point pair is linked
    assert shown[-1].iloc[0][labels.header("resolved")] == 3
    assert np.isclose(shown[-1].iloc[0][labels.header("recall")], 1 / 3, atol=1e-4)
    with pytest.raises(ValueError, match="threshold=12"):
        widgets.identity_threshold_explorer(res, recs, thresholds=[10, 15], threshold=12)
