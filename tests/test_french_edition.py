"""The French edition's desktop side: ``CRMKIT_LANG=fr`` makes a fresh Python process show
crmkit in French (labels, figures, tables, widgets, checker and workshop texts, numbers and
dates in French format), which is how the French book executes the same notebooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from crmkit import labels

# what a fresh process prints about itself, with the language it started in
PROBE = textwrap.dedent("""
    import json
    import matplotlib
    matplotlib.use("Agg")
    import pandas as pd
    from crmkit import labels, plots, widgets
    from crmkit.display import cells, say, show_table
    from crmkit.exercises import check
    from crmkit.workshop import report

    df = pd.DataFrame({"channel": ["branch", "web"], "customers": [12345.0, 41.0],
                       "churn_rate": [0.0712, 0.1], "direct_profit": [3426136.8, -12.5]})
    ax = plots.measure_bars(pd.DataFrame({"loyalty_type": ["true_loyalty", "no_loyalty"],
                                          "churn_rate": [0.1, 0.3]}),
                            "loyalty_type", "churn_rate")
    fb = check("example.loss_makers", {3})
    print(json.dumps({
        "language": labels.get_language(),
        "label": labels.label("true_loyalty"),
        "table": cells(show_table(df)),
        "xticks": [t.get_text() for t in ax.get_xticklabels()],
        "ylabel": ax.get_ylabel(),
        "yticks": [t.get_text() for t in (ax.figure.canvas.draw(), ax.get_yticklabels())[1]],
        "date": report.date("1998-06-30"),
        "money": report.money(1234.5),
        "percent": report.percent(0.5),
        "say": say("{share:.1%} active", "{share:.1%} actifs", share=0.457),
        "workshop": report.text("common.no_assumption"),
        "feedback": fb._repr_markdown_(),
    }))
""")


def _probe(lang: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != labels.LANGUAGE_ENV}
    if lang is not None:
        env[labels.LANGUAGE_ENV] = lang
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def both():
    return {"en": _probe(None), "fr": _probe("fr_FR.UTF-8")}


def test_the_environment_sets_the_language_of_a_fresh_process(both):
    assert both["en"]["language"] == "en" and both["fr"]["language"] == "fr"
    assert both["en"]["label"] == "True loyalty"
    assert both["fr"]["label"] == "Fidélité véritable"


def test_tables_are_french_with_french_number_format(both):
    # thousands grouped by a narrow no-break space, decimal comma, a space before % and €
    # (cells() shows a no-break space as a plain one, and keeps the narrow one)
    assert both["en"]["table"][0] == ["Branch/agency", "12,345", "7.1 %", "3,426,137 €"]
    assert both["fr"]["table"][0] == ["Agence", "12\u202f345", "7,1\u202f%",
                                      "3\u202f426\u202f137 €"]


def test_one_french_percent_sign_in_tables_sentences_figures_and_workshops(both):
    # French typography puts a narrow no-break space (U+202F) before %, as the book's prose
    # has it (editions.FrenchTypography): the same character wherever crmkit writes a share
    fr = both["fr"]
    shares = [fr["table"][0][2], fr["say"], fr["percent"], *fr["yticks"]]
    assert all("\u202f%" in t and "\xa0%" not in t and " %" not in t for t in shares), shares
    assert fr["say"] == "45,7\u202f% actifs" and fr["percent"] == "50\u202f%"
    assert both["en"]["say"] == "45.7% active" and both["en"]["percent"] == "50%"


def test_figures_are_labelled_in_french(both):
    ticks = [" ".join(t.split()) for t in both["fr"]["xticks"]]  # long labels wrap
    assert ticks == [labels.label(k, lang="fr") for k in ("true_loyalty", "no_loyalty")]
    assert both["fr"]["ylabel"] == labels.header("churn_rate", lang="fr") != both["en"]["ylabel"]


def test_every_figure_function_is_written_localised():
    # a figure function says where it is that its ticks follow the language (@localised):
    # one added without it would draw English numbers in the French edition
    import inspect

    from crmkit import plots

    figures = [(m.__name__, name, getattr(m, name)) for m in (
        plots.concentration, plots.matrix, plots.shares, plots.customer_data, plots.loyalty,
        plots.idic, plots.segmentation, plots.value, plots.campaigns, plots.project,
        plots.diagnostics) for name in m.__all__]
    assert len(figures) >= 40 and all(inspect.isfunction(f) for _, _, f in figures)
    assert [(m, n) for m, n, f in figures if not getattr(f, "__wrapped_by_localised__", False)] == []
    assert all(getattr(plots, n) is f for _, n, f in figures)  # the package exports the same


def test_figure_ticks_are_numbers_in_french_typography(both):
    en, fr = both["en"]["yticks"], both["fr"]["yticks"]
    assert len(en) == len(fr) >= 3 and all(t.endswith("%") for t in en + fr)
    assert all("\u202f%" not in t for t in en) and all(t.endswith("\u202f%") for t in fr)
    assert [t.replace("\u202f", "") for t in fr] == [t.replace(".", ",") for t in en]


def test_workshop_texts_dates_and_money_through_babel_in_french(both):
    assert both["en"]["date"] == "30 June 1998"
    assert both["fr"]["date"] == "30 juin 1998"
    assert both["fr"]["money"].replace("\u202f", " ").replace("\u00a0", " ") == "1 234 €"
    assert both["fr"]["workshop"].startswith("*Les données contenaient tout")


def test_checker_verdict_and_message_are_french(both):
    # the verdict, its message (crmkit/locale/fr/LC_MESSAGES/checker.po) and the hint label
    en, fr = both["en"]["feedback"], both["fr"]["feedback"]
    assert en.startswith("**✗ Not yet**") and "expected item(s) are missing" in en and "*Hint:*" in en
    assert fr.startswith("**✗ Pas encore**") and "Il manque 1 élément(s) attendu(s)" in fr
    assert "*Indice :*" in fr and "missing" not in fr


def test_checker_messages_follow_the_language_of_the_session():
    from crmkit.exercises import check

    with labels.language("fr"):
        low = check("example.total_margin", -1e12)
        wrong_type = check("example.total_margin", "beaucoup")
    assert low.message.startswith("Votre valeur est trop faible")
    assert wrong_type.message == "Il fallait un nombre, votre réponse est du texte."
    assert check("example.total_margin", -1e12).message.startswith("Your value is too low")


@pytest.mark.parametrize("value, code", [("", "en"), ("en", "en"), ("fr", "fr"), ("FR", "fr"),
                                         ("fr_FR.UTF-8", "fr"), ("fr-CA", "fr"), (" fr ", "fr")])
def test_language_from_the_environment(value, code):
    assert labels._language_from_env({labels.LANGUAGE_ENV: value}) == code


def test_an_unknown_language_in_the_environment_is_refused_by_name():
    with pytest.raises(ValueError, match="CRMKIT_LANG='de_DE'"):
        labels._language_from_env({labels.LANGUAGE_ENV: "de_DE"})
    env = dict(os.environ, **{labels.LANGUAGE_ENV: "klingon"})
    out = subprocess.run([sys.executable, "-c", "import crmkit.labels"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode != 0 and "CRMKIT_LANG='klingon'" in out.stderr
