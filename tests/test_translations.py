"""The French edition is kept in step with the English source (issue 22).

``make test`` builds both editions first (tools/build_book.py --lang en fr); the French
build extracts the English messages into ``_build/gettext`` (one template per page). Here:

- every page's count of untranslated strings (missing, empty or fuzzy: an English
  paragraph changed and its translation was not updated) equals its line in
  ``tests/data/untranslated_fr.txt``, which may only shrink; a page listed ``*`` has not
  been started (no catalog yet: every string is English, and its English may change freely
  until its translation starts);
- a translation keeps its message's glued values, citations, references, math, code and
  link targets;
- the built site: each page links to the same page in the other edition, relatively, and
  back; the French pages say they are French.
"""

from __future__ import annotations

import doctest
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import editions  # noqa: E402
import i18n  # noqa: E402

BACKLOG = Path(__file__).parent / "data" / "untranslated_fr.txt"
SITE = ROOT / "_build" / "html"
NOT_STARTED = "*"


def read_backlog(path: Path = BACKLOG) -> dict[str, int | str]:
    out: dict[str, int | str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            page, count = line.split()
            out[page] = count if count == NOT_STARTED else int(count)
    return out


def backlog_problems(statuses: dict[str, i18n.Status], backlog: dict, catalogs: Path,
                     lang: str = "fr") -> list[str]:
    """What disagrees between the pages' counts and the backlog file (empty: in step)."""
    problems = []
    for page, st in statuses.items():
        listed = backlog.get(page, 0)
        started = i18n.catalog_file(page, catalogs, lang).exists()
        if listed == NOT_STARTED:
            if started:
                problems.append(f"{page}: its translation has started (a catalog exists): write "
                                f"its count, {st.untranslated}, instead of {NOT_STARTED}")
        elif not started:
            problems.append(f"{page}: no French catalog; run `make translations` and translate "
                            f"it, or list it as `{page} {NOT_STARTED}` (not started)")
        elif st.untranslated > listed:
            problems.append(f"{page}: {st.untranslated} strings untranslated ({st.fuzzy} fuzzy: "
                            f"English changed since their translation), the backlog allows "
                            f"{listed}; run `make translations` and translate them")
        elif st.untranslated < listed:
            problems.append(f"{page}: {st.untranslated} strings untranslated, fewer than the "
                            f"{listed} listed: lower its line (the backlog only shrinks)")
    problems += [f"{page}: listed in {BACKLOG.name} but no longer a page of the book"
                 for page in sorted(set(backlog) - set(statuses))]
    return problems


# ---------------------------------------------------------------------------------------
# the counting and the checks, on hand-made catalogs
# ---------------------------------------------------------------------------------------
def _write(path: Path, entries: list[tuple[str, str, bool]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ['msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n']
    for mid, string, fuzzy in entries:
        body.append(("#, fuzzy\n" if fuzzy else "") + f'msgid "{mid}"\nmsgstr "{string}"\n')
    path.write_text("\n".join(body), encoding="utf-8")


def test_status_counts_missing_empty_and_fuzzy_as_untranslated(tmp_path):
    pot, locale = tmp_path / "gettext", tmp_path / "locale"
    _write(pot / "book" / "a.pot", [(m, "", False) for m in ("One.", "Two.", "Three.", "Four.")])
    _write(pot / "notebooks" / "b.pot", [("Alone.", "", False)])
    _write(locale / "fr" / "LC_MESSAGES" / "book" / "a.po",
           [("One.", "Un.", False), ("Two.", "", False), ("Three.", "Trois.", True),
            ("Gone.", "Parti.", False)])
    st = i18n.status(pot, locale)
    assert (st["book/a"].total, st["book/a"].translated, st["book/a"].fuzzy) == (4, 1, 1)
    assert st["book/a"].untranslated == 3
    assert st["notebooks/b"].untranslated == 1 and st["notebooks/b"].translated == 0
    assert i18n.summary(st) == "French edition: 4 of 5 strings untranslated (1 fuzzy), on 2 of 2 pages"

    ok = {"book/a": 3, "notebooks/b": NOT_STARTED}
    assert backlog_problems(st, ok, locale) == []
    worse = backlog_problems(st, {"book/a": 2, "notebooks/b": NOT_STARTED}, locale)
    assert len(worse) == 1 and "3 strings untranslated (1 fuzzy" in worse[0]
    better = backlog_problems(st, {"book/a": 5, "notebooks/b": NOT_STARTED}, locale)
    assert len(better) == 1 and "lower its line" in better[0]
    unlisted = backlog_problems(st, {"book/a": 3}, locale)
    assert len(unlisted) == 1 and unlisted[0].startswith("notebooks/b: no French catalog")
    stale = backlog_problems(st, {**ok, "book/old": 4}, locale)
    assert stale == ["book/old: listed in untranslated_fr.txt but no longer a page of the book"]
    started = backlog_problems(st, {"book/a": NOT_STARTED, "notebooks/b": NOT_STARTED}, locale)
    assert len(started) == 1 and "has started" in started[0]


def test_a_translation_that_drops_a_glued_value_or_a_reference_is_found(tmp_path):
    locale = tmp_path / "locale"
    _write(locale / "fr" / "LC_MESSAGES" / "p.po", [
        ("{glue:text}`n:,.0f` customers ({cite:t}`kumar2018`).",
         "12 345 clients ({cite:t}`kumar2018`).", False),  # the number typed in: refused
        ("See {numref}`fig-a` and {term}`churn`.", "Voir {numref}`fig-a` et {term}`attrition`.", False),
        ("Read [the guide](how-to-use.md).", "Lire [le guide](how-to.md).", False),
        ("Changed {glue:text}`x`.", "Ancien.", True),  # fuzzy: counted, not checked
    ])
    found = i18n.markup_mismatches(locale, crmkit_locale=tmp_path / "none")
    assert len(found) == 2
    assert "lost ['{glue:text}`n:,.0f`']" in found[0]
    assert "lost ['](how-to-use.md)'], added ['](how-to.md)']" in found[1]


def test_a_work_file_fills_only_its_own_messages_and_keeps_their_markup(tmp_path):
    locale, work = tmp_path / "locale", tmp_path / "work"
    po = locale / "fr" / "LC_MESSAGES" / "p.po"
    _write(po, [("Churn is {glue:text}`c:.1%`.", "", False), ("Two.", "Deux.", True),
                ("Three.", "", False), ("Done.", "Fait.", False)])
    path = i18n.export("p", locale, out=work)
    blocks = i18n.read_work(path)
    # the untranslated ones only (empty and fuzzy), in order, each under its digest
    assert list(blocks.values()) == ["Churn is {glue:text}`c:.1%`.", "Two.", "Three."]
    keys = list(blocks)
    path.write_text(f"@@ {keys[0]}\nL'attrition est de 4,5 %.\n\n@@ {keys[1]}\nDeux !\n")
    problems = i18n.fill("p", [path], locale)
    assert len(problems) == 1 and "lost ['{glue:text}`c:.1%`']" in problems[0]
    assert i18n.read_catalog(po)["Two."].fuzzy  # nothing written while a block is refused
    path.write_text(f"@@ {keys[0]}\nL'attrition est de {{glue:text}}`c:.1%`.\n"
                    f"@@ {keys[1]}\nDeux !\n@@ {keys[2]}\nThree.\n")
    assert i18n.fill("p", [path], locale) == []
    assert i18n.read_catalog(po)["Three."].string == ""  # left in English: still untranslated
    catalog = i18n.read_catalog(po)
    assert catalog["Churn is {glue:text}`c:.1%`."].string == "L'attrition est de {glue:text}`c:.1%`."
    assert catalog["Two."].string == "Deux !" and not catalog["Two."].fuzzy
    path.write_text(f"@@ {keys[2]}\n=\n")  # the French is the English
    assert i18n.fill("p", [path], locale) == []
    assert i18n.read_catalog(po)["Three."].string == "Three."
    path.write_text("@@ 0123456789\nAutre.\n")
    assert "names no message of p" in i18n.fill("p", [path], locale)[0]


@pytest.mark.parametrize("text, key, fmt", [("n_tables", "n_tables", "s"),
                                             ("share:.0%", "share", ".0%")])
def test_a_translated_glue_role_reads_its_own_notebooks_key(monkeypatch, text, key, fmt):
    # a translated paragraph glues from its notebook's file (page.ipynb::key): myst-nb must
    # read back the page, the key and the format, also for a key given without a format
    from myst_nb.ext.glue import roles

    seen = {}

    def pending(document, source, line, doc, key, **kw):
        seen.update(doc=doc, key=key, fmt=kw.get("fmt_spec"))
        return "ref"

    monkeypatch.setattr(roles, "create_pending_glue_ref", pending)
    role = roles.PasteTextRole()
    role.text = editions.own_notebook_key(text, "page.ipynb", "s")
    role.source, role.line = "page.ipynb", 1
    role.inliner = SimpleNamespace(document=None)
    assert role.run() == (["ref"], [])
    assert seen == {"doc": "page.ipynb", "key": key, "fmt": fmt}


def test_glued_numbers_of_the_french_edition_follow_crmkits_number_rule(monkeypatch):
    # the French build writes a glued number as crmkit's tables do (crmkit.display.
    # french_number): narrow no-break spaces between thousands and before %, decimal comma
    from myst_nb.ext.glue import crossref, roles

    for module in (roles, crossref):  # patched by the French build: restored after the test
        monkeypatch.setattr(module, "format_plain_text", module.format_plain_text)
    editions._french_glue_numbers()
    assert roles.format_plain_text("0.4567", ".1%") == "45,7\u202f%"
    assert crossref.format_plain_text("12345.6", ",.1f") == "12\u202f345,6"
    assert roles.format_plain_text("'1,5.'", "s") == "1,5."  # text stays as written


def test_tools_examples():
    for module in (i18n, editions):
        result = doctest.testmod(module)
        assert result.attempted >= 1 and result.failed == 0, module.__name__


# ---------------------------------------------------------------------------------------
# the book as built by make test
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def statuses():
    if not any(i18n.GETTEXT.rglob("*.pot")):
        pytest.fail(f"no English messages in {i18n.GETTEXT}: `make test` builds the French "
                    "edition first (tools/build_book.py --lang en fr)")
    return i18n.status()


def test_every_page_is_as_translated_as_its_backlog_line_says(statuses):
    problems = backlog_problems(statuses, read_backlog(), i18n.LOCALE)
    assert problems == [], "\n".join(problems)


def test_translations_keep_glued_values_citations_and_references():
    problems = i18n.markup_mismatches()
    assert problems == [], "\n".join(problems[:30])


def _switch_target(page: Path) -> Path:
    text = page.read_text(encoding="utf-8")
    links = re.findall(rf'<a class="[^"]*{editions.SWITCH_CLASS}[^"]*" href="([^"]+)"', text)
    assert len(links) == 1, f"{page}: {len(links)} language switches"
    assert "://" not in links[0] and not links[0].startswith("/"), f"{page}: not relative"
    return (page.parent / links[0]).resolve()


def test_each_page_links_to_itself_in_the_other_edition_and_back():
    french = SITE / "fr"
    if not (french / "index.html").exists():
        pytest.fail(f"no French edition in {french}: `make test` builds it first")
    pages = [p for p in SITE.rglob("*.html")
             if p.relative_to(SITE).parts[0] not in ("fr", "lite", "_static", "_sources")
             and p.name not in ("search.html", "genindex.html", "py-modindex.html", "index.html")]
    assert len(pages) > 30
    for page in pages:
        other = _switch_target(page)
        assert other == (french / page.relative_to(SITE)).resolve(), page
        assert other.exists(), f"{page}: its French page {other} was not built"
        assert _switch_target(other) == page.resolve()
        assert '<html lang="fr"' in other.read_text(encoding="utf-8")[:2000], other


def test_the_french_edition_runs_the_notebooks_in_french():
    # the same notebooks, executed with CRMKIT_LANG=fr: crmkit's tables, checker and
    # workshop reports are French whatever the state of the prose's translation
    from crmkit import labels

    french = SITE / "fr" / "notebooks"
    if not (french / "workshops" / "value_audit.html").exists():
        pytest.fail(f"no French edition in {french}: `make test` builds it first")
    audit = (french / "workshops" / "value_audit.html").read_text(encoding="utf-8")
    en, fr = (labels.header("direct_profit", lang=code) for code in ("en", "fr"))
    assert fr in audit and en not in audit
    chapter = (french / "02-loyalty.html").read_text(encoding="utf-8")
    verdict = labels.label("correct", "feedback", lang="fr")
    assert f"{verdict}</strong>" in chapter and "Correct</strong>" not in chapter
    assert chapter.count(labels.label("true_loyalty", lang="fr")) >= 3
    # glued numbers in French format: a decimal comma, no decimal point between digits
    glued = re.findall(r'class="pasted-text">([^<]*)<', chapter)
    assert glued and not [g for g in glued if re.search(r"\d\.\d", g)], glued[:10]


def test_each_editions_button_opens_a_chapter_of_the_browser_edition_in_its_language():
    # the French book's "Ouvrir dans votre navigateur" opens the French notebook (the site's
    # fr/ folder, made by tools/build_lite.py), which starts crmkit in French
    import json

    from lite_button import BUTTON_CLASS

    files = SITE / "lite" / "files"
    if not (files / "fr" / "notebooks").is_dir():
        pytest.fail(f"no French chapters in {files}: `make test` builds the browser edition first")
    for lang, book in (("en", SITE), ("fr", SITE / "fr")):
        opened = []
        for page in sorted((book / "notebooks").glob("0*.html")):
            found = re.search(rf'<div class="{BUTTON_CLASS}"[^>]*><a [^>]*href="([^"]+)"',
                              page.read_text(encoding="utf-8"))
            if not found:
                continue  # a chapter left out of the browser edition says so instead
            target, _, query = found.group(1).partition("?path=")
            assert (page.parent / target).resolve() == (SITE / "lite" / "notebooks"
                                                        / "index.html").resolve(), page
            assert query.startswith("fr/" if lang == "fr" else "notebooks/"), (page, query)
            nb = json.loads((files / query).read_text(encoding="utf-8"))
            first = nb["cells"][0]
            assert ("edition-language" in first["metadata"].get("tags", [])) is (lang == "fr")
            opened.append(query)
        assert len(opened) >= 7, (lang, opened)  # chapters 1 to 7


def test_the_french_configuration_is_the_english_one_in_french(tmp_path):
    import yaml
    from build_book import ROOT as BOOK
    from build_book import cache_path, edition_config

    assert edition_config(BOOK, "en", tmp_path) is None  # English: the book's own file
    fr = yaml.safe_load(edition_config(BOOK, "fr", tmp_path).read_text())
    en = yaml.safe_load((BOOK / "_config.yml").read_text())
    assert fr["sphinx"]["config"]["language"] == "fr"
    assert fr["sphinx"]["config"]["locale_dirs"] == en["sphinx"]["config"]["locale_dirs"]
    assert fr["sphinx"]["config"]["gettext_compact"] is False
    # its own execution cache: the same code cells give French outputs
    assert Path(fr["execute"]["cache"]) == cache_path(BOOK, "fr") != cache_path(BOOK, "en")
    # the extensions found from wherever the generated file lies
    assert set(fr["sphinx"]["local_extensions"]) == set(en["sphinx"]["local_extensions"])
    assert all(Path(p).is_absolute() and (Path(p) / f"{name}.py").exists()
               for name, p in fr["sphinx"]["local_extensions"].items())
    assert fr["title"] != en["title"] and fr["author"] == "les développeurs de crmkit"
    # everything else as in English
    drop = ("title", "author", "execute", "sphinx")
    assert {k: v for k, v in fr.items() if k not in drop} == {
        k: v for k, v in en.items() if k not in drop}
