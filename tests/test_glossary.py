"""The book's glossary (rendered from the label data) and its bibliography."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pybtex.database
import pytest
import yaml

from crmkit import labels

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "book" / "references.bib"


def _tool():
    spec = importlib.util.spec_from_file_location("make_glossary", ROOT / "tools" / "make_glossary.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_glossary"] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


mg = _tool()
ENTRIES = mg.load_entries()
BIB_DB = pybtex.database.parse_file(str(BIB))


def test_committed_glossary_is_up_to_date():
    committed = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    assert committed == mg.render(ENTRIES), "run: python tools/make_glossary.py"
    assert mg.main(["--check"]) == 0


def test_every_entry_has_both_languages_and_a_definition():
    raw = yaml.safe_load((ROOT / "book" / "_data" / "glossary.yaml").read_text(encoding="utf-8"))
    assert len(raw) == len(ENTRIES) >= 70
    for e in ENTRIES:
        kind, _, key = e.ref.partition(":")
        assert (e.en, e.fr) == labels.entry(kind, key)  # one source: the label file
        assert e.en.strip() and e.fr.strip()
        assert len(e.definition.split()) >= 8, e.ref


def test_terms_are_unique_as_sphinx_compares_them():
    seen = {}
    for e in ENTRIES:
        for term in e.terms:
            key = term.lower()
            assert seen.setdefault(key, e.ref) == e.ref, (term, e.ref, seen[key])
    page = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    assert page.count("```{glossary}") == 1
    # the French term of every entry is a linkable term of its own, unless spelled the same
    for e in ENTRIES:
        assert e.fr in e.terms or e.fr.lower() == e.en.lower()


@pytest.mark.parametrize(
    "ref",
    [
        "crm_objective:operational", "crm_objective:analytical", "crm_objective:collaborative",
        "concept:unified_customer_view", "concept:identity_resolution",
        "loyalty_type:true_loyalty", "loyalty_type:latent_loyalty", "loyalty_type:spurious_loyalty",
        "loyalty_type:no_loyalty", "concept:relative_attitude", "concept:repeat_patronage",
        "commitment_phase:cognitive", "commitment_phase:action", "concept:critical_incident",
        "incident_response:exit", "concept:switching_costs", "concept:customer_capital",
        "concept:bathtub", "idic_step:identify", "idic_step:customize", "concept:contact_pressure",
        "concept:next_best_offer", "concept:mass_customisation", "value_quadrant:crown_jewels",
        "value_quadrant:under_developed", "concept:rfm", "concept:frat", "concept:migration_matrix",
        "concept:stability_index", "score:attrition", "score:appetence", "score:response",
        "cost_category:common", "concept:activity_based_costing", "concept:lifetime_value",
        "concept:customer_equity", "concept:markov_model", "concept:bg_nbd", "concept:gamma_gamma",
        "concept:probability_alive", "strategy:multi_equipment", "strategy:termination",
        "group:control", "campaign_term:uplift", "campaign_term:breakeven", "campaign_term:roi",
        "concept:learn_feel_do", "concept:kpi", "concept:eleven_steps", "concept:failure_causes",
    ],
)
def test_course_concepts_are_in_the_glossary(ref):
    assert ref in {e.ref for e in ENTRIES}


def test_glossary_references_exist_in_the_bibliography():
    cited = {r for e in ENTRIES for r in e.refs}
    assert cited - set(BIB_DB.entries) == set()
    assert len(cited) >= 30


REQUIRED = {
    "article": ["author", "title", "journal", "year", "volume", "pages"],
    "book": ["author", "title", "publisher", "year"],
    "incollection": ["author", "title", "booktitle", "publisher", "year", "pages"],
    "misc": ["author", "title", "year", "url"],
}


def test_bibliography_entries_are_complete():
    assert len(BIB_DB.entries) >= 40
    for key, entry in BIB_DB.entries.items():
        assert re.fullmatch(r"[a-z]+\d{4}[a-z]*", key), key
        fields = set(entry.fields) | set(entry.persons)
        missing = [f for f in REQUIRED[entry.type] if f not in fields]
        assert not missing, (key, missing)
        assert key.startswith(entry.persons["author"][0].last_names[0].lower()[:4].replace("ö", "o")), key
        year = int(entry.fields["year"])
        assert 1890 < year < 2030 and str(year) in key
        if "pages" in entry.fields:
            first, last = map(int, entry.fields["pages"].split("--"))
            assert first < last, key


def test_core_references_carry_the_right_data():
    db = BIB_DB.entries
    assert db["dickbasu1994"].fields["journal"] == "Journal of the Academy of Marketing Science"
    assert (db["dickbasu1994"].fields["volume"], db["dickbasu1994"].fields["pages"]) == ("22", "99--113")
    assert db["faderhardielee2005"].fields["pages"] == "275--284"
    assert db["pfeifercarraway2000"].fields["pages"] == "43--55"
    assert db["bitnerboomstetreault1990"].fields["number"] == "1"
    assert db["paynefrow2005"].fields["volume"] == "69"


def _book_sources():
    yield from (ROOT / "book").glob("*.md")
    yield from (ROOT / "notebooks").rglob("*.ipynb")


def _text(path: Path) -> str:
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        return "\n".join("".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "markdown")
    return path.read_text(encoding="utf-8")


def test_chapters_cite_known_keys_and_link_known_terms():
    """Early warning for chapter authors (the book build with -W would fail on these)."""
    terms = {t.lower() for e in ENTRIES for t in e.terms}
    for path in _book_sources():
        text = _text(path)
        for keys in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", text):
            for key in (k.strip() for k in keys.split(",")):
                assert key in BIB_DB.entries, f"{path.name}: unknown citation key {key!r}"
        for term in re.findall(r"\{term\}`([^`<]+?)(?:\s*<([^>]+)>)?`", text):
            # Sphinx folds whitespace (line breaks included) inside a term reference
            target = " ".join((term[1] or term[0]).split()).lower()
            assert target in terms, f"{path.name}: {{term}} {target!r} is not in the glossary"


def test_bad_glossary_data_is_reported(tmp_path):
    bad = tmp_path / "glossary.yaml"
    bad.write_text(
        "- term: concept:nope\n  definition: x\n"
        "- term: concept:churn\n  definition: ''\n"
        "- term: concept:retention\n  definition: Keeping customers.\n  aliases: [churn]\n"
        "- term: concept:loyalty\n  definition: d\n  see: [concept:absent]\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as err:
        mg.load_entries(bad)
    message = str(err.value)
    assert "'concept:nope' is not in labels.yaml" in message
    assert "(concept:churn): empty definition" in message
    assert "term 'churn' of concept:retention duplicates a term of concept:churn" in message
    assert "'see' target 'concept:absent'" in message


@pytest.mark.slow
def test_glossary_and_bibliography_build_without_warnings(tmp_path):
    jb = Path(sys.executable).parent / "jupyter-book"
    if not jb.exists() or not (ROOT / "_config.yml").exists():
        pytest.skip("jupyter-book or _config.yml not available")
    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    for name in ("glossary.md", "bibliography.md", "references.bib"):
        shutil.copy(ROOT / "book" / name, tmp_path / "book" / name)
    # the configuration's local extensions (offline MathJax, browser button) and static files
    for folder in ("_ext", "_static"):
        if (ROOT / "book" / folder).exists():
            shutil.copytree(ROOT / "book" / folder, tmp_path / "book" / folder,
                            ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "book" / "intro.md").write_text(
        "# Intro\n\n{term}`Fidélité véritable`, {term}`true loyalty`, {term}`churn`, "
        "{cite:p}`dickbasu1994`.\n", encoding="utf-8")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/glossary\n  - file: book/bibliography\n",
        encoding="utf-8")
    out = subprocess.run([str(jb), "build", str(tmp_path), "--warningiserror", "--keep-going"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    html = (tmp_path / "_build" / "html" / "book" / "glossary.html").read_text(encoding="utf-8")
    assert 'id="term-Fidelite-veritable"' in html and 'id="term-True-loyalty"' in html
