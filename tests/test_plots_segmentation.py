"""Chapter 3's figures (crmkit.plots) and explorers (crmkit.widgets) on small frames:
titles and axes go through crmkit.labels, values drawn are the ones given, bad input is
reported, and the explorers redraw when their controls move."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from _display_handle import Handle as _Handle  # noqa: E402  tests/ helper

from crmkit import labels, plots, widgets  # noqa: E402
from crmkit.schema import SchemaError  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _scores():
    return pd.DataFrame({"R": [1, 1, 2, 5, 5, 5], "F": [1, 2, 1, 4, 5, 5],
                         "M": [1, 1, 2, 5, 4, 5], "bought": [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]})


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_rfm_heatmap_values_and_labels():
    ax = plots.rfm_heatmap(_scores(), "bought", min_count=1)
    # best recency on top: first row is R = 5, whose F = 5 cell holds 1 of 2 buyers
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "5"
    assert "50%" in _texts(ax) and "100%" in _texts(ax)
    assert ax.get_ylabel() == labels.label("R", "rfm_score")
    with labels.language("fr"):
        ax = plots.rfm_heatmap(_scores())
        assert ax.get_xlabel() == "Score de fréquence (F)"
        assert ax.get_title() == "Grille RFM"
    # cells with fewer customers than min_count stay blank
    ax = plots.rfm_heatmap(_scores(), "bought", min_count=2)
    assert "100%" not in _texts(ax)
    with pytest.raises(SchemaError, match="rfm.R"):
        plots.rfm_heatmap(_scores().drop(columns="R"))


def test_score_outcome_rates():
    ax = plots.score_outcome(_scores(), "bought", dims=["R", "F"])
    r_line = ax.get_lines()[0]  # hue order: R first
    # R = 1: 0 of 2; R = 2: 1 of 1; R = 5: 2 of 3
    assert list(r_line.get_ydata()) == pytest.approx([0.0, 1.0, 2 / 3])
    with pytest.raises(SchemaError, match="scores.bought"):
        plots.score_outcome(_scores().drop(columns="bought"), "bought")


def test_stage_entry_ages_orders_stages_by_norm():
    seg = pd.DataFrame({"stage": ["retired", "couple", "couple", "young_single"],
                        "age_at_entry": [63.0, 24.0, 33.0, np.nan],
                        "norm_age_at_entry": [64.0, 28.0, 28.0, np.nan],
                        "pace": ["on_norm", "ahead", "behind", "unknown"]})
    ax = plots.stage_entry_ages(seg)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == [labels.label("couple", "life_stage"), labels.label("retired", "life_stage")]
    with pytest.raises(SchemaError, match="no customer with an observed entry"):
        plots.stage_entry_ages(seg.iloc[3:])


def test_k_selection_and_cluster_profile():
    ck = pd.DataFrame({"k": [2, 3, 4], "inertia": [90.0, 60.0, 50.0],
                       "silhouette": [0.30, 0.35, 0.28]})
    ax = plots.k_selection(ck, k=3)
    assert ax.get_xlabel() == labels.label("k", "segmentation_measure")
    prof = pd.DataFrame({"cluster": [0, 1], "size": [3, 1], "share": [0.75, 0.25],
                         "age": [30.0, 70.0], "products": [1.0, 5.0]})
    ax = plots.cluster_profile_heatmap(prof)
    # overall mean age (3 * 30 + 70) / 4 = 40: cluster 0 is at index 75, cluster 1 at 175
    index = ax.collections[0].get_array().reshape(2, 2)
    assert list(np.asarray(index[:, 0])) == pytest.approx([75.0, 175.0])
    assert "70.0" in _texts(ax)
    assert [t.get_text() for t in ax.get_yticklabels()][1].endswith("(25%)")
    with pytest.raises(SchemaError, match=r"profile\.age: 1 row\(s\) negative"):
        plots.cluster_profile_heatmap(prof.assign(age=[-1.0, 1.0]))
    with pytest.raises(SchemaError, match="not positive"):
        plots.cluster_profile_heatmap(prof.assign(age=[0.0, 0.0]))


def test_migration_heatmap_labels_new_and_lost():
    m = pd.DataFrame([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.5, 0.5, 0.0]],
                     index=["A", "B", "new"], columns=["A", "B", "lost"])
    with labels.language("fr"):
        ax = plots.migration_heatmap(m, kind="abc_class")
        rows = [t.get_text() for t in ax.get_yticklabels()]
        cols = [t.get_text() for t in ax.get_xticklabels()]
    assert rows == ["Classe A", "Classe B", "Nouveaux entrants"]
    assert cols[-1].startswith("Sortis")
    assert "80%" in _texts(ax)
    # the error names the column and the row (issue 14's error shape)
    with pytest.raises(SchemaError, match=r"migration.lost: 1 row\(s\) missing value.*'new'"):
        plots.migration_heatmap(m.where(m > 0.05))


def test_kpi_trend_and_detectable_uplift():
    k = pd.DataFrame({"year": [2023, 2023, 2024, 2024], "abc_class": ["A", "B", "A", "B"],
                      "churn_rate": [0.02, 0.05, 0.03, 0.08]})
    ax = plots.kpi_trend(k, "year", "abc_class", "churn_rate", percent=True)
    assert [line.get_label() for line in ax.get_lines()] == [labels.label("A", "abc_class"),
                                                            labels.label("B", "abc_class")]
    assert list(ax.get_lines()[1].get_ydata()) == [0.05, 0.08]
    c = pd.DataFrame({"group_size": [500, 50, 5000], "detectable_uplift": [0.07, 0.25, 0.02]})
    ax = plots.detectable_uplift(c, sizes=[12, 80])
    assert ax.get_xscale() == "log"
    assert list(ax.get_lines()[0].get_xdata()) == [50, 500, 5000]  # sorted by size


def test_explorers_redraw_when_controls_move(monkeypatch):
    monkeypatch.setattr(widgets._base, "DisplayHandle", _Handle)
    monkeypatch.setattr(widgets._base, "display", lambda *objs: None)  # the controls themselves
    _Handle.shown = []
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"customer_id": range(60), "age": rng.normal(50, 10, 60),
                       "products": rng.poisson(3, 60) + 1.0,
                       "direct_profit": rng.normal(100, 50, 60),
                       "potential": rng.gamma(2, 100, 60)})
    slider = widgets.cluster_explorer(df, ["age", "products"], ks=[2, 3], k=2)
    assert slider.value == 2 and (slider.min, slider.max) == (2, 3)
    # first render: a figure and the profile table of 2 clusters, shown (not updated)
    kinds = [kind for kind, _ in _Handle.shown]
    assert kinds == ["display", "display"]
    assert isinstance(_Handle.shown[0][1], matplotlib.figure.Figure)
    assert len(_Handle.shown[1][1].data) == 2
    slider.value = 3
    kinds = [kind for kind, _ in _Handle.shown]
    assert kinds[2:] == ["update", "update"]
    assert len(_Handle.shown[-1][1].data) == 3  # the table now profiles 3 clusters
    with pytest.raises(ValueError, match="k=5"):
        widgets.cluster_explorer(df, ["age", "products"], ks=[2, 3], k=5)

    _Handle.shown = []
    cur, pot = widgets.matrix_explorer(df)
    first = _Handle.shown[1][1].data
    pot.value = 0.8
    last = _Handle.shown[-1][1].data
    n = labels.header("customers")
    # a higher potential cut-off moves customers from the top row to the bottom one
    top = [labels.label(q, "value_quadrant") for q in ("desirable", "under_developed")]
    assert last.loc[top, n].sum() < first.loc[top, n].sum()
    assert last[n].sum() == first[n].sum() == 60
