"""crmkit.labels (FR/EN vocabulary) and crmkit.plots (figures labelled through it)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from crmkit import labels, plots  # noqa: E402
from crmkit.labels import _fold  # noqa: E402
from crmkit.schema import TABLES, SchemaError  # noqa: E402


@pytest.fixture(autouse=True)
def _english_and_fresh_table(monkeypatch):
    """Each test starts in English with the label table as shipped (register() is global)."""
    monkeypatch.setattr(labels, "_TABLE", None)
    with labels.language("en"):
        yield
    plt.close("all")


# ---------------------------------------------------------------------------------------
# coverage of the vocabulary
# ---------------------------------------------------------------------------------------
def test_every_schema_category_has_both_labels():
    checked = 0
    for table in TABLES.values():
        for col in table.columns:
            if col.allowed is None:
                continue
            kind = labels.kind_of(col.name)
            assert kind is not None, f"{table.name}.{col.name}: no kind in labels.yaml _columns"
            assert labels.missing(col.allowed, kind) == [], f"{table.name}.{col.name}"
            for value in col.allowed:
                en, fr = labels.entry(kind, value)
                assert en.strip() and fr.strip()
                assert labels.label(value, kind, lang="fr") == fr
                checked += 1
    assert checked >= 30  # sectors, channels, end reasons, incidents, kinds, reasons, groups...


def test_every_table_and_column_name_has_a_label():
    for table in TABLES.values():
        assert labels.missing([table.name], "table") == []
        assert labels.missing(table.names, "column") == [], table.name


@pytest.mark.parametrize(
    ("kind", "keys"),
    [
        ("loyalty_type", ["true_loyalty", "latent_loyalty", "spurious_loyalty", "no_loyalty"]),
        ("value_quadrant", ["desirable", "under_developed", "mature", "undesirable", "crown_jewels"]),
        ("strategy", ["multi_equipment", "loyalty", "termination", "retention"]),
        ("idic_step", ["identify", "differentiate", "interact", "customize"]),
        ("crm_objective", ["operational", "analytical", "collaborative"]),
        ("abc_class", ["A", "B", "C"]),
        ("bathtub", ["tap", "drain"]),
        ("learn_feel_do", ["cognitive", "affective", "conative"]),
        ("commitment_phase", ["cognitive", "affective", "conative", "action"]),
        ("group", ["test", "control"]),
    ],
)
def test_course_typologies_are_covered(kind, keys):
    assert labels.missing(keys, kind) == []


def test_french_terms_of_the_seeds():
    fr = {k: labels.label(k, kind, lang="fr") for kind, k in [
        ("loyalty_type", "true_loyalty"), ("value_quadrant", "crown_jewels"),
        ("group", "control"), ("strategy", "termination"), ("bathtub", "tap"),
        ("bathtub", "drain"), ("idic_step", "customize"), ("campaign_term", "breakeven"),
    ]}
    assert fr["true_loyalty"] == "Fidélité véritable"
    assert fr["crown_jewels"] == "Bijoux de la couronne"
    assert fr["control"] == "Groupe témoin"
    assert fr["termination"].startswith("Résiliation")
    assert "Robinet" in fr["tap"] and "Bonde" in fr["drain"]
    assert fr["customize"] == "Personnaliser"
    assert fr["breakeven"] == "Seuil de rentabilité"


def test_synth_vocabulary_is_covered():
    products = pytest.importorskip("crmkit.synth.products")
    lifestages = pytest.importorskip("crmkit.synth.lifestages")
    personas = pytest.importorskip("crmkit.synth.personas")
    assert labels.missing(products.PRODUCT_IDS, "product") == []
    assert labels.missing(lifestages.STAGES, "life_stage") == []
    assert labels.missing(lifestages.EVENTS, "life_event") == []
    assert labels.missing(personas.PERSONA_NAMES, "persona") == []


def test_segmentation_quadrants_are_covered():
    matrix = pytest.importorskip("crmkit.segmentation.matrix")
    assert labels.missing(matrix.MATRIX_QUADRANTS, "value_quadrant") == []


# ---------------------------------------------------------------------------------------
# look-ups and languages
# ---------------------------------------------------------------------------------------
def test_round_trip_every_label():
    for kind in labels.kinds():
        for key in labels.order(kind):
            en, fr = labels.entry(kind, key)
            assert labels.label(key, kind, lang="fr") == fr
            assert labels.label(fr, kind, lang="en") == en, (kind, key)
            assert labels.label(en, kind, lang="fr") == fr, (kind, key)


def test_labels_are_unambiguous_within_a_kind():
    for kind in labels.kinds():
        # one text, one meaning: a label shared by two keys must translate the same way
        owner = {}
        for key in labels.order(kind):
            pair = labels.entry(kind, key)
            for text in pair:
                assert owner.setdefault(_fold(text), pair) == pair, (kind, text, key, owner[_fold(text)])


def test_language_switch_and_context_manager():
    assert labels.get_language() == "en"
    assert labels.label("control", "group") == "Control group"
    labels.set_language("fr")
    try:
        assert labels.get_language() == "fr"
        assert labels.label("control", "group") == "Groupe témoin"
        with labels.language("en"):
            assert labels.label("control", "group") == "Control group"
        assert labels.get_language() == "fr"
    finally:
        labels.set_language("en")
    with pytest.raises(RuntimeError), labels.language("fr"):
        raise RuntimeError("boom")
    assert labels.get_language() == "en"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language 'de'"):
        labels.set_language("de")
    assert labels.get_language() == "en"


def test_unknown_values_pass_through():
    assert labels.label("not_a_key") == "not_a_key"
    assert labels.label("branch", "no_such_kind") == "branch"
    assert labels.label(3.5) == 3.5
    assert labels.label(None) is None
    assert labels.header("free_text_column") == "free_text_column"


def test_kind_disambiguates_shared_keys():
    assert labels.label("claim", "transaction_kind", lang="fr") == "Sinistre indemnisé"
    assert labels.label("claim", "interaction_reason", lang="fr") == "Déclaration de sinistre"
    assert labels.label("cognitive", "commitment_phase") == "Cognitive loyalty"
    assert labels.label("cognitive", "learn_feel_do") == "Cognitive (learn)"


def test_missing_reports_unknown_keys_once_in_order():
    assert labels.missing(["web", "fax", "web", "telex", np.nan, None], "channel") == ["fax", "telex"]
    assert labels.missing(["web", "desirable"]) == []
    assert labels.missing([1, "web"], "channel") == [1]


def test_order_and_kind_of():
    assert labels.order("abc_class", ["C", "A", "Z", "B"]) == ["A", "B", "C", "Z"]
    assert labels.kind_of("acquisition_channel") == "channel"
    assert labels.kind_of("whatever", ["A", "C"]) == "abc_class"
    assert labels.kind_of("whatever", []) is None


def test_register_adds_and_overrides():
    labels.register("tier", {"gold": ("Gold", "Or"), "silver": ("Silver", "Argent")}, columns=["tier"])
    assert labels.label("gold", lang="fr") == "Or"
    assert labels.order("tier") == ["gold", "silver"]
    assert labels.kind_of("tier") == "tier"
    labels.register("sector", {"telecom": ("Telecoms", "Télécoms")})
    assert labels.label("telecom", "sector", lang="fr") == "Télécoms"
    assert labels.label("bank", "sector", lang="fr") == "Banque"  # existing keys kept
    labels.register("sector", {"bank": ("Banking", "Banque de détail")})
    assert labels.label("bank", "sector", lang="fr") == "Banque de détail"


@pytest.mark.parametrize(
    "mapping",
    [{"a": ("only one",)}, {"a": ("", "vide")}, {"a": "Gold"}, {1: ("One", "Un")}, ["a"]],
)
def test_register_refuses_malformed_mappings(mapping):
    with pytest.raises(ValueError):
        labels.register("tier", mapping)


def test_label_file_errors(tmp_path):
    bad_pair = tmp_path / "a.yaml"
    bad_pair.write_text("sector:\n  bank: [Bank, Banque, Banca]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="sector.bank"):
        labels.read_label_file(bad_pair)
    boolean_key = tmp_path / "b.yaml"
    boolean_key.write_text("answer:\n  yes: [Yes, Oui]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="quote it"):
        labels.read_label_file(boolean_key)
    duplicate = tmp_path / "c.yaml"
    duplicate.write_text("sector:\n  bank: [Bank, Banque]\n  bank: [Bank2, Banque2]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate key 'bank'"):
        labels.read_label_file(duplicate)
    unknown_kind = tmp_path / "d.yaml"
    unknown_kind.write_text("_columns:\n  x: nowhere\nsector:\n  bank: [Bank, Banque]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="nowhere"):
        labels.read_label_file(unknown_kind)


# ---------------------------------------------------------------------------------------
# frames
# ---------------------------------------------------------------------------------------
def test_translate_frame_headers_values_and_types():
    df = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "preferred_channel": ["branch", "web", None],
            "abc_class": pd.Categorical(["C", "A", "B"], categories=["A", "B", "C"]),
            "margin": [10.0, -2.5, 3.0],
            "opt_out": [True, False, True],
            "note": ["free", "text", "here"],
        }
    )
    before = df.copy()
    out = labels.translate_frame(df, lang="fr")
    pd.testing.assert_frame_equal(df, before)  # the input is untouched
    assert list(out.columns) == ["Identifiant client", "Canal préféré", "Classe ABC", "Marge",
                                 "Opposition (opt-out)", "note"]
    assert out["Canal préféré"].iloc[0] == "Agence" and out["Canal préféré"].iloc[1] == "Internet"
    assert pd.isna(out["Canal préféré"].iloc[2])
    assert list(out["Classe ABC"].cat.categories) == ["Classe A", "Classe B", "Classe C"]
    assert out["Classe ABC"].tolist() == ["Classe C", "Classe A", "Classe B"]
    assert out["Marge"].tolist() == [10.0, -2.5, 3.0]
    assert out["Opposition (opt-out)"].tolist() == [True, False, True]
    assert out["note"].tolist() == ["free", "text", "here"]


def test_translate_frame_kinds_override_and_pivot():
    df = pd.DataFrame({"x": ["exit", "none"]})
    assert labels.translate_frame(df, lang="fr", kinds={"x": "incident_response"})["x"].tolist() == [
        "Rupture", "Aucune réaction"]
    long = pd.DataFrame({"sector": ["bank", "bank", "insurance"], "channel": ["web", "branch", "web"],
                         "margin": [1.0, 2.0, 3.0]})
    pivot = long.pivot_table(index="sector", columns="channel", values="margin", aggfunc="sum")
    out = labels.translate_frame(pivot, lang="fr")
    assert list(out.columns) == ["Agence", "Internet"] and out.columns.name == "Canal"
    assert list(out.index) == ["Banque", "Assurance"] and out.index.name == "Secteur"
    assert out.loc["Banque", "Agence"] == 2.0


def test_translate_series():
    s = pd.Series(["desirable", "mature", "desirable"], name="quadrant").value_counts()
    out = labels.translate_frame(s, lang="fr")
    assert out.name == "Effectif"
    assert out.to_dict() == {"Clients désirables": 2, "Clients mûrs": 1}
    with pytest.raises(TypeError):
        labels.translate_frame([1, 2])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["web", "branch", "??", "A", ""]), st.text(max_size=5)),
                min_size=1, max_size=20))
def test_translate_frame_never_fails_and_keeps_shape(values):
    df = pd.DataFrame({"channel": values, "other": values, "n": range(len(values))})
    for lang in labels.LANGUAGES:
        out = labels.translate_frame(df, lang=lang)
        assert out.shape == df.shape
        assert out.iloc[:, 0].isna().tolist() == df["channel"].isna().tolist()
        assert out.iloc[:, 2].tolist() == list(range(len(values)))


# ---------------------------------------------------------------------------------------
# plots: palettes, language, numbers, bad input
# ---------------------------------------------------------------------------------------
def test_palette_same_colour_for_key_and_labels():
    p = plots.palette("loyalty_type")
    assert p["true_loyalty"] == p["True loyalty"] == p["Fidélité véritable"] == plots.COLORS["green"]
    assert plots.palette("value_quadrant")["desirable"] == plots.palette("strategy")["loyalty"]
    extra = plots.palette("abc_class", ["A", "D"])
    assert extra["D"] not in {extra["A"], extra["B"], extra["C"]}


PARETO = pd.DataFrame({"margin": [500.0, 200.0, 120.0, 80.0, 50.0, 30.0, 10.0, 5.0, 3.0, 2.0]})


def test_switching_language_changes_the_plot_title():
    en = plots.pareto_curve(PARETO, "margin")
    with labels.language("fr"):
        fr = plots.pareto_curve(PARETO, "margin")
    assert en.get_title() == "Value concentration (Pareto curve)"
    assert fr.get_title() == "Concentration de la valeur (courbe de Pareto)"
    assert fr.get_ylabel().startswith("Marge") and en.get_ylabel().startswith("Margin")
    assert "Classe A" in [t.get_text() for t in fr.texts]


def test_pareto_marks_the_abc_cut_offs():
    ax = plots.pareto_curve(PARETO, "margin")
    texts = [t.get_text() for t in ax.texts]
    # total 1000: the top customer (10 %) holds 500, the top four (35 % rounded up) 900
    assert "50%" in texts and "90%" in texts
    x, y = ax.get_lines()[1].get_data()
    assert y[0] == 0 and y[-1] == pytest.approx(1.0)
    assert np.all(np.diff(y) >= 0)


def test_pareto_whale_curve_rises_above_one():
    df = pd.DataFrame({"margin": [300.0, 100.0, -50.0, -150.0]})
    ax = plots.pareto_curve(df, "margin")
    _, y = ax.get_lines()[1].get_data()
    assert y.max() == pytest.approx(400 / 200) and y[-1] == pytest.approx(1.0)


def test_pareto_bad_input():
    with pytest.raises(SchemaError, match="customers.margin: missing column"):
        plots.pareto_curve(pd.DataFrame({"x": [1.0]}), "margin")
    with pytest.raises(SchemaError, match="expected number"):
        plots.pareto_curve(pd.DataFrame({"margin": ["a", "b"]}), "margin")
    with pytest.raises(SchemaError, match="customers.margin: the total is -3"):
        plots.pareto_curve(pd.DataFrame({"margin": [-1.0, -2.0]}), "margin")
    with pytest.raises(SchemaError, match="customers.margin: 1 row"):
        plots.pareto_curve(pd.DataFrame({"margin": [1.0, np.nan]}), "margin")
    with pytest.raises(ValueError, match="cuts"):
        plots.pareto_curve(PARETO, "margin", cuts=(0.5, 0.2))


MATRIX = pd.DataFrame(
    {
        # 3 top-right, 2 top-left, 2 bottom-right, 1 bottom-left around cuts (5, 5)
        "current_profitability": [8.0, 9.0, 7.0, 1.0, 2.0, 6.0, 9.0, 1.0],
        "potential": [8.0, 7.0, 9.0, 8.0, 9.0, 1.0, 2.0, 1.0],
        "quadrant": ["desirable"] * 3 + ["under_developed"] * 2 + ["mature"] * 2 + ["undesirable"],
    }
)


def test_matrix_scatter_names_quadrants_with_shares_in_both_languages():
    ax = plots.matrix_scatter(MATRIX, "current_profitability", "potential", hue="quadrant",
                              x_cut=5, y_cut=5)
    texts = " ".join(t.get_text().replace("\n", " ") for t in ax.texts)
    assert "Desirable customers (38%)" in texts and "Undesirable customers (12%)" in texts
    assert "Under-developed customers (25%)" in texts
    assert ax.get_xlabel() == "Current profitability"
    with labels.language("fr"):
        ax = plots.matrix_scatter(MATRIX, "current_profitability", "potential", x_cut=5, y_cut=5,
                                  quadrants="loyalty")
    texts = " ".join(t.get_text().replace("\n", " ") for t in ax.texts)
    assert "Fidélité véritable (38%)" in texts and "Infidélité (12%)" in texts
    assert ax.get_title() == "Matrice de fidélité (Dick et Basu)"
    legend = plots.matrix_scatter(MATRIX, "current_profitability", "potential", hue="quadrant").get_legend()
    assert [t.get_text() for t in legend.get_texts()][0] == "Desirable customers"


def test_matrix_scatter_numeric_hue_and_generic_title():
    df = MATRIX.assign(credit_score=np.linspace(0, 1, len(MATRIX)))
    with labels.language("fr"):
        ax = plots.matrix_scatter(df, "current_profitability", "potential", hue="credit_score", quadrants=None)
    assert ax.get_title() == "Potentiel × Rentabilité actuelle"
    assert ax.get_legend().get_title().get_text() == "Score de crédit"
    assert len(ax.texts) == 0  # no quadrant names


def test_matrix_scatter_bad_input():
    with pytest.raises(SchemaError, match="customers.potential"):
        plots.matrix_scatter(MATRIX.drop(columns="potential"), "current_profitability", "potential")
    with pytest.raises(ValueError, match="unknown quadrant preset"):
        plots.matrix_scatter(MATRIX, "current_profitability", "potential", quadrants="nope")
    with pytest.raises(ValueError, match="unknown corner"):
        plots.matrix_scatter(MATRIX, "current_profitability", "potential", quadrants={"middle": "x"})
    with pytest.raises(ValueError, match="a cut is"):
        plots.matrix_scatter(MATRIX, "current_profitability", "potential", x_cut="mode")


def test_bar_share_heights_and_french_ticks():
    df = pd.DataFrame({"abc_class": ["C", "A", "B", "C"], "margin": [10.0, 60.0, 20.0, 10.0]})
    with labels.language("fr"):
        ax = plots.bar_share(df, "abc_class", "margin")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Classe A", "Classe B", "Classe C"]
    customers, margin = (np.array([p.get_height() for p in c]) for c in ax.containers)
    np.testing.assert_allclose(customers, [0.25, 0.25, 0.5])
    np.testing.assert_allclose(margin, [0.6, 0.2, 0.2])
    assert ax.get_title() == "Répartition — Classe ABC"
    with pytest.raises(SchemaError, match="customers.margin: the total is 0"):
        plots.bar_share(df.assign(margin=0.0), "abc_class", "margin")
    with pytest.raises(SchemaError, match="customers.segment: missing column"):
        plots.bar_share(df, "segment")


def test_use_style_sets_the_book_look():
    plots.use_style()
    assert matplotlib.rcParams["figure.dpi"] == 120
    first = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0]
    assert matplotlib.colors.to_hex(first) == plots.COLORS["blue"]


def test_generated_market_categories_are_labelled(market):
    """Every category value the generator actually writes has a label (both languages)."""
    checked = 0
    pytest.importorskip("crmkit.synth")
    for name, df in market.tables().items():
        for col in df.columns:
            kind = labels.kind_of(col)
            dtype = df[col].dtype
            text = isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype)
            if kind is None or not text:
                continue
            assert labels.missing(list(df[col].dropna().unique()), kind) == [], f"{name}.{col}"
            checked += 1
    assert checked >= 20


def test_matrix_scatter_shares_match_profitability_matrix_on_the_cut():
    # a customer exactly on a cut is "high", in the figure as in the function it draws
    from crmkit.segmentation.matrix import profitability_matrix

    df = pd.DataFrame({"customer_id": [1, 2, 3, 4], "current": [5.0, 5.0, 1.0, 9.0],
                       "potential": [5.0, 1.0, 5.0, 9.0]})
    m = profitability_matrix(df, current_col="current", potential_col="potential",
                             current_threshold=5, potential_threshold=5)
    m["current"], m["potential"] = df["current"], df["potential"]
    ax = plots.matrix_scatter(m, "current", "potential", hue="quadrant", x_cut=5, y_cut=5)
    texts = " ".join(t.get_text().replace("\n", " ") for t in ax.texts)
    share = m["quadrant"].astype(str).value_counts(normalize=True)
    assert share["desirable"] == 0.5
    assert "Desirable customers (50%)" in texts
    assert f"Mature customers ({share['mature']:.0%})" in texts
