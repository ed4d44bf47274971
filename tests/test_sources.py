"""Issue 17: the course texts are presented on a Sources page, and no internal label
("seed 000", "seed 004"...) leaks into the book, the datasheet or crmkit (its docstrings
make the API pages, some of its strings the figures)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABEL = re.compile(r"\bseeds?\s*(?:n(?:o|°)\.?\s*)?0\d\d\b", re.IGNORECASE)
KINDS = ("university lesson", "lecture slides", "blog article", "thesis chapter",
         "blog series")


def _book_texts():
    for path in sorted((ROOT / "book").glob("*.md")):
        yield path, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        yield path, "\n".join("".join(c["source"]) for c in cells)


def test_label_pattern_catches_the_leaks():
    assert LABEL.search("the insured person of seed 000 marries")
    assert LABEL.search("(Seed 004's half)")
    assert not LABEL.search("assign_groups(selected, seed=2024)")
    assert not LABEL.search("seed 2024")


def test_no_internal_source_label_in_crmkit():
    # docstrings reach the API pages, and some strings reach figures (a story's title)
    leaks = [f"{p.relative_to(ROOT)}: {m.group(0)!r}"
             for p in sorted((ROOT / "crmkit").rglob("*.py"))
             for m in LABEL.finditer(p.read_text(encoding="utf-8"))]
    assert leaks == []


def test_no_internal_source_label_in_the_book():
    leaks = [f"{p.relative_to(ROOT)}: {m.group(0)!r}"
             for p, text in _book_texts() for m in LABEL.finditer(text)]
    assert leaks == []


def test_sources_page_presents_each_course_text_and_is_in_the_toc():
    page = (ROOT / "book" / "sources.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert kind in page, kind
    assert "what the book takes from it" in page
    assert "file: book/sources" in (ROOT / "_toc.yml").read_text(encoding="utf-8")
