"""Chapter 6's figures (crmkit.plots) and explorer (crmkit.widgets) on small frames:
titles and axes go through crmkit.labels, the values drawn are the ones given, bad input
is reported, and the contact-policy explorer redraws when its controls move."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from _display_handle import Handle as _Handle  # noqa: E402  tests/ helper

from crmkit import labels, plots, widgets  # noqa: E402
from crmkit.idic import REASONS, ContactPolicy  # noqa: E402
from crmkit.schema import SchemaError  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_every_contact_reason_and_rule_is_labelled():
    from crmkit.idic import DEFAULT_RULES, offer_groups

    assert labels.missing(REASONS, "contact_reason") == []
    assert labels.order("contact_reason") == list(REASONS)  # the rule order of the engine
    assert labels.missing(DEFAULT_RULES["rule"], "offer_rule") == []
    assert labels.missing(DEFAULT_RULES["trigger"], "offer_trigger") == []
    assert labels.missing(set(offer_groups().values()), "need") == []


DECISIONS = pd.DataFrame({
    "reason": ["ok", "ok", "ok", "no_consent", "contact_pressure", "no_consent"],
    "sender": ["bank_marketing", "advisor_workstation", "bank_marketing",
               "insurer_call_centre", "bank_marketing", "bank_marketing"],
})


def test_contact_decisions_counts_stack_by_sender_in_rule_order():
    ax = plots.contact_decisions(DECISIONS, by="sender")
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    # sent on top, then the rules in the engine's order (only those that occur)
    assert ticks == [labels.label(r, "contact_reason") for r in
                     ("ok", "no_consent", "contact_pressure")]
    widths = {}
    for patch in ax.patches:
        y = round(patch.get_y() + patch.get_height() / 2)
        widths[y] = widths.get(y, 0) + patch.get_width()
    # bars from the top (y = 2): 3 sent, 2 without consent, 1 over the cap
    assert [widths[y] for y in (2, 1, 0)] == [3, 2, 1]
    assert "50%" in [t.get_text() for t in ax.texts]  # 3 of the 6 proposals sent
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == labels.label("advisor_workstation", "contact_sender")
    with labels.language("fr"):
        ax = plots.contact_decisions(DECISIONS)
        assert ax.get_title().startswith("Quels contacts")
        assert ax.get_yticklabels()[0].get_text() == "Envoyé"
    with pytest.raises(SchemaError, match="decisions.sender"):
        plots.contact_decisions(DECISIONS.drop(columns="sender"), by="sender")


def test_need_heatmap_orders_and_labels():
    shares = pd.DataFrame({"need": ["savings", "car_cover", "car_cover"],
                           "life_stage": ["young_family", "couple", "retired"],
                           "share": [0.25, 0.5, 0.125]})
    ax = plots.need_heatmap(shares)
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == [labels.label("car_cover", "need"), labels.label("savings", "need")]
    cols = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert cols == [labels.label(s, "life_stage") for s in ("couple", "young_family", "retired")]
    assert sorted(t.get_text() for t in ax.texts) == sorted(
        ["50%", "0%", "12%", "0%", "25%", "0%"])
    with pytest.raises(SchemaError, match="needs.share"):
        plots.need_heatmap(shares.assign(share="high"))


def test_offer_values_bars_baseline_and_counts():
    offers = pd.DataFrame({"rule": ["savings_capacity_life", "birth_health"],
                           "trigger": ["savings_capacity", "event"], "customers": [790, 31],
                           "expected_value": [21.6, 216.0], "untargeted_value": [5.0, 25.0]})
    ax = plots.offer_values(offers)
    # best on top: the bars are sorted by expected value, ascending from the bottom
    assert [p.get_width() for p in ax.patches] == [21.6, 216.0]
    assert list(ax.get_lines()[0].get_xdata()) == [5.0, 25.0]
    assert any("n = 790" in t.get_text() for t in ax.texts)
    assert ax.get_xlabel() == labels.header("expected_value")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == labels.label("event", "offer_trigger")  # label order, not data order
    with pytest.raises(SchemaError, match="offers.customers"):
        plots.offer_values(offers.drop(columns="customers"))


def test_contact_policy_explorer_redraws_with_the_new_policy(monkeypatch):
    monkeypatch.setattr(widgets._base, "DisplayHandle", _Handle)
    monkeypatch.setattr(widgets._base, "display", lambda *objs: None)
    _Handle.shown = []
    customers = pd.DataFrame({"customer_id": [1, 2], "preferred_channel": ["mobile", "phone"],
                              "preferred_hour": [10, 18], "contact_consent": [True, True],
                              "opt_out": [False, False]})
    proposed = pd.DataFrame({
        "customer_id": [1, 1, 1, 2],
        "channel": ["mobile", "mobile", "mobile", "mobile"],
        "date": pd.to_datetime(["2025-01-06 10:00", "2025-01-13 10:00", "2025-01-20 10:00",
                                "2025-01-06 10:00"]),
        "offer": ["B_SAVINGS", "I_HOME", "B_CONSUMER", "B_SAVINGS"],
        "sender": ["bank_marketing"] * 4,
    })
    controls = widgets.contact_policy_explorer(proposed, customers,
                                               ContactPolicy(max_contacts=2))
    assert controls["max_contacts"].value == 2 and controls["conflict_window"].value == 30
    assert [kind for kind, _ in _Handle.shown] == ["display", "display"]
    assert isinstance(_Handle.shown[0][1], matplotlib.figure.Figure)
    sent = labels.label("ok", "contact_reason")
    n = labels.header("contacts")

    def table():
        return _Handle.shown[-1][1].data

    # customer 1: two of three offers under the cap; customer 2 prefers the phone
    assert table().loc[sent, n] == 2
    controls["max_contacts"].value = 3
    assert [kind for kind, _ in _Handle.shown][-2:] == ["update", "update"]
    assert table().loc[sent, n] == 3
    controls["preferred_channel_only"].value = False
    assert table().loc[sent, n] == 4
