"""Chapter 4's figures (crmkit.plots) and explorers (crmkit.widgets) on small frames:
titles and axes go through crmkit.labels, the values drawn are the ones given, bad input
is reported, and the explorers redraw when their controls move."""

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
from crmkit.synth import story  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _bar_heights(ax) -> list[float]:
    return [p.get_height() for p in ax.patches]


def test_cost_breakdown_stacks_the_means():
    d = pd.DataFrame({"preferred_channel": ["branch", "branch", "web"],
                      "direct_cost": [60.0, 40.0, 2.0], "sales_marketing": [20.0, 10.0, 8.0]})
    ax = plots.cost_breakdown(d, "preferred_channel", ["direct_cost", "sales_marketing"])
    # branch: means 50 + 15 = 65; web: 2 + 8 = 10, in the channel kind's order
    assert _bar_heights(ax) == pytest.approx([50.0, 2.0, 15.0, 8.0])
    assert "65 €" in _texts(ax) and "10 €" in _texts(ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == [labels.label("branch", "channel"),
                                                           labels.label("web", "channel")]
    with labels.language("fr"):
        ax = plots.cost_breakdown(d, "preferred_channel", ["direct_cost"])
        assert ax.get_title() == "Coût de service par client"
        assert ax.get_legend().get_texts()[0].get_text() == "Coûts directs (contacts)"
    with pytest.raises(SchemaError, match="costs.sales_marketing"):
        plots.cost_breakdown(d.drop(columns="sales_marketing"), "preferred_channel")
    with pytest.raises(ValueError, match="at least one"):
        plots.cost_breakdown(d, "preferred_channel", [])


def test_value_waterfall_floats_and_totals():
    s = pd.DataFrame({"item": ["commercial_margin", "direct_cost", "indirect_cost",
                               "direct_profit", "common_costs", "net_profit"],
                      "amount": [1000.0, -200.0, -100.0, 700.0, -250.0, 450.0]})
    ax = plots.value_waterfall(s, totals=["direct_profit", "net_profit"])
    bars = ax.patches
    # floating bars start where the running total stood
    assert [b.get_y() for b in bars] == pytest.approx([0, 800, 700, 0, 450, 0])
    assert [b.get_height() for b in bars] == pytest.approx([1000, 200, 100, 700, 250, 450])
    assert "+" not in "".join(_texts(ax)[1:3]) and "450 €" in _texts(ax)
    assert ax.get_xticklabels()[0].get_text().replace("\n", " ") == labels.header(
        "commercial_margin")
    with labels.language("fr"):
        ax = plots.value_waterfall(s, totals=["net_profit"])
        assert ax.get_title() == "De la marge commerciale au résultat net"
    with pytest.raises(SchemaError, match="steps.amount"):
        plots.value_waterfall(s.drop(columns="amount"))


def test_story_path_numbers_the_steps_and_annotates_them():
    s = story("young_driver")
    ax = plots.story_path(s.path, story="young_driver")
    texts = _texts(ax)
    assert [t for t in texts if t.isdigit()] == [str(i) for i in range(1, 9)]
    notes = [a.get_text() for a in ax.texts if "\n" in a.get_text() or " - " in a.get_text()]
    assert any("malus" in n for n in notes)
    # seven arrows between eight steps, and the four strategies in the corners
    arrows = [a for a in ax.texts if isinstance(a, matplotlib.text.Annotation)
              and a.get_text() == ""]
    assert len(arrows) == 7
    for key in ("loyalty", "multi_equipment", "retention", "termination"):
        assert labels.label(key, "strategy") in texts
    with labels.language("fr"):
        ax = plots.story_path(s.path, story="young_driver")
        assert any("malus" in t and "Jeune" in t.replace("\n", " ") for t in _texts(ax))
    # without a story name, the start of the annotation column is used
    ax = plots.story_path(s.path)
    assert any(t.startswith("Young driver") for t in _texts(ax))
    with pytest.raises(SchemaError, match="path.potential"):
        plots.story_path(s.path.drop(columns="potential"))


def test_holdout_fit_and_state_shares():
    c = pd.DataFrame({"frequency": [0, 1, 2], "customers": [50, 20, 9],
                      "actual": [0.2, 0.9, 2.1], "predicted": [0.25, 0.8, 1.9]})
    ax = plots.holdout_fit(c)
    actual, predicted = ax.get_lines()
    assert list(actual.get_ydata()) == [0.2, 0.9, 2.1]
    assert list(predicted.get_ydata()) == [0.25, 0.8, 1.9]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2+"]
    d = pd.DataFrame({"high": [0.4, 0.35], "lost": [0.0, 0.15], "low": [0.6, 0.5]})
    ax = plots.state_shares(d)
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    # the legend reads from the top of the stack: lost, then high, then low
    assert names == [labels.label(k, "value_tier") for k in ("lost", "high", "low")]
    with pytest.raises(SchemaError, match="distribution"):
        plots.state_shares(d.assign(high=[np.nan, 0.3]))


def test_equity_comparison_annotates_the_change():
    d = pd.DataFrame({"strategy": ["retention", "loyalty"],
                      "baseline_equity": [2e6, 5e6], "scenario_equity": [2.3e6, 5.5e6]})
    ax = plots.equity_comparison(d, "strategy")
    heights = _bar_heights(ax)
    # strategy order: loyalty before retention
    assert heights == pytest.approx([5e6, 2e6, 5.5e6, 2.3e6])
    assert "5.5 M€\n+10%" in _texts(ax) and "2.3 M€\n+15%" in _texts(ax)


# ---------------------------------------------------------------------------------------
# explorers
# ---------------------------------------------------------------------------------------
@pytest.fixture
def shown(monkeypatch):
    monkeypatch.setattr(widgets._base, "DisplayHandle", _Handle)
    monkeypatch.setattr(widgets._base, "display", lambda *objs: None)
    _Handle.shown = []
    return _Handle.shown


def _account(shown, i) -> pd.Series:
    t = shown[i][1]
    return t.set_index(t.columns[0])[t.columns[1]]


def test_cost_pool_explorer_moves_costs_not_totals(shown):
    day = pd.to_datetime(["2024-03-01"] * 3)
    it = pd.DataFrame({"customer_id": [1, 2, 3], "channel": ["branch", "web", "web"],
                       "cost": [30.0, 1.0, 1.0], "date": day})
    tx = pd.DataFrame({"customer_id": [1, 2, 3], "margin": [300.0, 60.0, 50.0], "date": day})
    d = pd.DataFrame({"customer_id": [1, 2, 3], "contracts": [6, 1, 1],
                      "equal_split": [1, 1, 1]})
    p = pd.DataFrame({"pool": ["order_handling"], "amount": [120.0], "driver": ["contracts"]})
    g = pd.DataFrame({"customer_id": [1, 2, 3], "preferred_channel": ["branch", "web", "web"]})
    dd = widgets.cost_pool_explorer(it, tx, d, p, g, by="preferred_channel")
    assert [k for k, _ in shown] == ["display", "display"]
    first = _account(shown, 1)
    loss = labels.header("loss_making_share")
    assert first[loss] == 0.0  # by contracts: 90 / 15 / 15, nobody below zero
    dd["order_handling"].value = "equal_split"  # 40 each: customer 3 goes to 50 - 1 - 40 > 0
    dd["order_handling"].value = "contracts"
    assert [k for k, _ in shown][2:] == ["update", "update", "update", "update"]
    p2 = p.assign(amount=[150.0])  # 50 each under an equal split: customer 3 at -1
    shown.clear()
    dd = widgets.cost_pool_explorer(it, tx, d, p2, g, by="preferred_channel")
    dd["order_handling"].value = "equal_split"
    last = _account(shown, -1)
    assert last[loss] == pytest.approx(1 / 3, abs=1e-3)  # the table is rounded
    assert last[labels.header("net_profit")] == pytest.approx(_account(shown, 1)[
        labels.header("net_profit")])
    with pytest.raises(ValueError, match="not among the options"):
        widgets.cost_pool_explorer(it, tx, d, p.assign(driver=["flows"]), g,
                                   by="preferred_channel")


def test_ltv_and_channel_explorers_redraw(shown):
    df = pd.DataFrame({"customer_id": [1, 2, 3], "direct_profit": [400.0, -50.0, 100.0],
                       "potential": [100.0, 600.0, 0.0], "retention": [0.9, 0.8, 0.85],
                       "strategy": ["loyalty", "multi_equipment", "retention"]})
    rate, change = widgets.ltv_explorer(df, horizon=5)
    table = shown[1][1]
    base, scen = labels.header("baseline_equity"), labels.header("scenario_equity")
    assert (table[base] == table[scen]).all()  # the scenario starts at the baseline
    change.value = 0.05
    table = shown[-1][1]
    assert (table[scen] >= table[base]).all() and (table[scen] > table[base]).any()
    rate.value = 0.15
    assert shown[-1][1][scen].sum() < table[scen].sum()  # a higher rate, less value

    shown.clear()
    cu = pd.DataFrame({"customer_id": [1, 2], "eligible": [True, False],
                       "margin": [100.0, 900.0]})
    it = pd.DataFrame({"customer_id": [1, 1, 2], "channel": ["branch", "web", "branch"],
                       "cost": [30.0, 1.0, 30.0]})
    share, risk = widgets.channel_migration_explorer(cu, it, margin_col="margin", adoption=1.0,
                                                     churn_risk=0.0)
    gain = labels.header("net_gain")
    assert shown[1][1][gain].iloc[0] == pytest.approx(29.0)  # 30 -> 1 on one contact
    risk.value = 0.1
    assert shown[-1][1][gain].iloc[0] == pytest.approx(29.0 - 10.0)
