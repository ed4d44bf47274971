"""The IDIC worksheet: questions as data, in sync with the code, rendered for workshops."""

from __future__ import annotations

import pytest

from crmkit import labels
from crmkit.idic.worksheet import (
    STEPS,
    WORKSHEET_PATH,
    load_worksheet,
    render_worksheet,
    resolve_operation,
)
from crmkit.schema import SchemaError


def test_the_four_steps_and_the_seed_questions():
    ws = load_worksheet("en")
    assert tuple(ws["step"].unique()) == STEPS
    # seed 001 asks 4 questions to identify, 3 to differentiate, 4 to interact, 3 to customize
    assert ws.groupby("step", sort=False).size().tolist() == [4, 3, 4, 3]
    assert ws["question_id"].is_unique
    assert (ws["question"].str.endswith("?")).all()
    fr = load_worksheet("fr")
    assert fr["step_name"].unique().tolist() == [
        "Identifier", "Différencier", "Interagir", "Personnaliser"]
    assert (fr["question_id"] == ws["question_id"]).all()
    assert (fr["question"] != ws["question"]).all()


def test_every_operation_exists_in_crmkit():
    ops = {o for cell in load_worksheet()["operations"] for o in cell.split(", ")}
    assert len(ops) > 10
    for op in sorted(ops):
        assert callable(resolve_operation(op)), op
    with pytest.raises(ValueError, match="does not exist"):
        resolve_operation("crmkit.idic.read_minds")


def test_render_with_answers_in_both_languages():
    md = render_worksheet("en", answers={"N4": "ContactPolicy(max_contacts=2) | monthly",
                                         "C2": "bundles for class A only"})
    assert md.count("## ") == 4 and md.startswith("## 1. Identify (Identifier)")
    line = next(ln for ln in md.splitlines() if ln.startswith("| N4 |"))
    assert line.endswith("| ContactPolicy(max_contacts=2) \\| monthly |")  # pipe escaped
    assert "`crmkit.idic.ContactPolicy`" in line
    fr = render_worksheet("fr", steps=["customize"])
    assert fr.startswith("## 4. Personnaliser (Customize)")
    assert "| | Question | Données | crmkit | À regarder | Réponse |" in fr
    assert "**Objectif :**" in fr



def test_the_default_language_is_the_current_one():
    # the French edition runs chapter 6 with CRMKIT_LANG=fr: its worksheet must be French
    with labels.language("fr"):
        assert load_worksheet()["question"].tolist() == load_worksheet("fr")["question"].tolist()
        assert render_worksheet(steps=["identify"]).startswith("## 1. Identifier (Identify)")
    with labels.language("en"):
        assert load_worksheet().loc[0, "step_name"] == "Identify"
        assert render_worksheet(steps=["identify"]).startswith("## 1. Identify (Identifier)")


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"unknown question id\(s\) \['Z9'\]"):
        render_worksheet(answers={"Z9": "?"})
    with pytest.raises(ValueError, match="unknown step"):
        render_worksheet(steps=["identify", "dream"])
    with pytest.raises(ValueError, match="lang"):
        load_worksheet("de")


def test_a_broken_worksheet_file_is_reported(tmp_path):
    text = WORKSHEET_PATH.read_text(encoding="utf-8")
    bad = tmp_path / "ws.yaml"
    bad.write_text(text.replace("data: [source_records]", "data: [crm_dump]"), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"question I3 names unknown table\(s\) \['crm_dump'\]"):
        load_worksheet(path=bad)
    bad.write_text(text.replace("id: D2", "id: D1"), encoding="utf-8")
    with pytest.raises(SchemaError, match="question id D1 is duplicated"):
        load_worksheet(path=bad)
    bad.write_text(text.replace("key: interact", "key: chat"), encoding="utf-8")
    with pytest.raises(SchemaError, match="steps must be"):
        load_worksheet(path=bad)
