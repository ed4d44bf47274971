"""Numbers in the prose come from the computation (issue 17).

A chapter's text may not state a figure that its data compute: such a figure is glued
(myst-nb ``{glue:text}``) from the cell that computes it, so that no sentence can disagree
with the output. This test reads every chapter's markdown and reports each number typed
into it, except those of an explicit allowlist of kinds that are not computed from the
data (each rule below says why). A heuristic, on purpose simple: it reads digits only, so
"one customer in five" written in words escapes it.

Figures written before this rule and not yet glued are listed, with their chapter, in
``tests/data/prose_numbers_backlog.txt``; the list may only shrink: a new typed figure fails,
and a listed figure that is gone must leave the list.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("0[0-9]-*.ipynb"))
BACKLOG = ROOT / "tests" / "data" / "prose_numbers_backlog.txt"

# --- what is removed before looking for numbers ------------------------------------------
STRIP = [
    re.compile(r"```\{admonition\} Before you start.*?```", re.S),  # the card: time estimates
    re.compile(r"````?\{exercise\}.*?````?(?=\n|$)", re.S),  # exercise statements set parameters
    re.compile(r"\$\$.*?\$\$", re.S),  # display maths: formulas, not findings
    re.compile(r"\$[^$\n]+\$"),  # inline maths
    re.compile(r"\{glue(?::\w+)?\}`[^`]*`"),  # glued figures: computed, the point of the rule
    re.compile(r"\{(?:ref|doc|term|numref|eq|py:\w+)(?::\w+)?\}`[^`]*`"),  # references
    re.compile(r"`[^`\n]*`"),  # code: names, arguments and literal values of the API
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"^:[\w-]+:.*$", re.M),  # directive options (:label:, :class:)
    re.compile(r"^#+ .*$", re.M),  # headings
]

NUMBER = re.compile(r"(?<![\w.])[-−]?\d[\d,]*(?:\.\d+)?(?:\s?%)?")

# --- kinds of number that are not computed from the data (the allowlist) -----------------
# years and year ranges: calendar facts (the market's window, a publication year)
YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
          "December")
# a number that names something rather than measures it: chapter 3, step 5, phase 2, R = 5
NAMING = re.compile(r"(chapters?|steps?|sections?|phases?|sessions?|questions?|exercises?|"
                    r"figures?|tables?|tiers?|class|score|level|stage|[A-Z]\s?=|step\s\d'?)"
                    r"\s*(\d[\d,]*\s*(and|to|or|,)\s*)*$", re.I)
# a literature figure is quoted next to its source: the sentence cites a work or the course
# texts (their claims are reported as claims, with what is and is not known of them)
SOURCED = re.compile(r"CITED|course texts?|the texts|lecture slides|university lesson|"
                     r"blog article|thesis chapter|data-warehouse blog|\([A-Z][a-z]+.*\d{4}\)")
# a parameter stated as such: an assumption, a choice or a setting of the analysis (the
# statistical settings of a test included: level, power, confidence)
PARAMETER = re.compile(r"assum|we set|we count|we take|we use|set (to|at)|parameter|"
                       r"threshold|cut-off|cutoff|convention|by construction|rule|cap\b|"
                       r"chosen|teaching|for instance|for example|e\.g\.|such as|say,|suppose|"
                       r"discount (rate|at)|discounted at|scale|horizon|confidence|interval|"
                       r"\blevel\b|power|scenario|"
                       # a number that defines a measure's scale (an AUC of 0.5 is a coin toss)
                       r"coin toss|stands for", re.I)
# a paragraph that reports a cited case (and does not speak of the course market) quotes its
# source's figures in every sentence, not only in the one that names the source
CASE = re.compile(r"\bmarket\b|on our data|\bhere\b", re.I)


def _sentences(text: str):
    """(sentence, paragraph) pairs: a blank line ends a paragraph, a sentence end a sentence."""
    for block in re.split(r"\n\s*\n", text):
        flat = block.replace("\n", " ")
        for part in re.split(r"(?<=[.!?;:])\s+(?=[A-Z(*\d-])|\s(?=- )|\s(?=\d+\. )", flat):
            yield part, flat


def typed_numbers(markdown: str) -> list[tuple[str, str]]:
    """The (number, sentence) pairs of a markdown text that no allowlist rule covers."""
    raw = re.sub(r"\{cite(?::\w+)?\}`[^`]*`", " CITED ", markdown)  # keep that a work is cited
    for pattern in STRIP:
        raw = pattern.sub(" ", raw)
    out = []
    for sentence, paragraph in _sentences(raw):
        if SOURCED.search(sentence) or PARAMETER.search(sentence):
            continue
        if SOURCED.search(paragraph) and not CASE.search(paragraph):
            continue
        for m in NUMBER.finditer(sentence):
            token = m.group(0).strip()
            digits = token.rstrip("% ").lstrip("-−").replace(",", "")
            before = sentence[:m.start()]
            after = sentence[m.end():]
            if YEAR.match(digits) and "%" not in token:
                continue  # a year
            if re.match(rf"\s*({MONTHS})\b", after) or re.search(rf"({MONTHS})\s*$", before):
                continue  # a day of a date ("1 January 2025")
            if NAMING.search(before):
                continue  # a name, not a measure
            if re.fullmatch(r"\d{1,2}", digits) and "%" not in token and int(digits) <= 12:
                continue  # a small count of categories, points of a scale, months
            if digits == "100" and "%" in token:
                continue  # the whole: shares that sum to 100 %, a curve that passes it
            if re.match(r"\s*(st|nd|rd|th)\b", after):
                continue  # an ordinal ("the 75th percentile" is a setting)
            out.append((token, sentence.strip()))
    return out


def chapter_figures() -> list[str]:
    """One line per typed figure: ``<chapter stem> | <number> | <start of its sentence>``."""
    lines = []
    for path in CHAPTERS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            for number, sentence in typed_numbers("".join(cell["source"])):
                lines.append(f"{path.stem} | {number} | {sentence[:70]}")
    return lines


def _backlog() -> list[str]:
    return [line for line in BACKLOG.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def test_the_scanner_finds_a_typed_figure_and_spares_the_allowed_kinds():
    found = typed_numbers("Almost 18.4 % of the customers lose money, 1,234 of them.")
    assert [n for n, _ in found] == ["18.4 %", "1,234"]
    spared = (
        "Chapter 3 showed it in 2024. "
        "On 1 January 2025, {glue:text}`share:.0%` of them had left. "
        "Reichheld and Sasser found 25 % to 85 % {cite:p}`reichheldsasser1990`. "
        "We assume a discount rate of 8 % a year. "
        "Scores go from 1 to 5. "
        "`value.potential(df, quantile=0.75)` gives $x = 0.5$."
    )
    assert typed_numbers(spared) == []


def test_chapters_carry_no_typed_figure_outside_the_backlog():
    found = chapter_figures()
    backlog = _backlog()
    new = sorted(set(found) - set(backlog))
    assert new == [], ("figures typed into the prose: glue them from the computation "
                       "(myst-nb glue), or state them as parameters or cited claims:\n"
                       + "\n".join(new))


def test_the_backlog_only_shrinks():
    stale = sorted(set(_backlog()) - set(chapter_figures()))
    assert stale == [], f"glued or gone: remove from {BACKLOG.name}:\n" + "\n".join(stale)
