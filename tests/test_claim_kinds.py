"""Every claim says what kind it is (issue 17): a property of the method, a finding on the
course market, or a claim of the literature. The convention (explained once in
``book/how-to-use.md``) is a tag in brackets before the claim: **[method]**, **[market]**,
**[literature]**. This test checks it on each chapter's closing summary, where the
chapter's claims are gathered: every point carries at least one tag, only the three tags
exist, a literature claim names its source, and a chapter that states market findings has
closing cells that check them.

In the body of the chapters: every paragraph (or list item) holding a glued figure (a
``{glue:...}`` role: a number the data computes) carries a tag — ``**[market]**`` for a
finding on the course market, ``**[method]**`` when the number only illustrates what the
method does on any data; a table of glued figures takes the tag of the paragraph that
introduces it. Exercise statements, solutions and the chapter card are left out. Every
tagged body paragraph uses one of the three tags, and a ``**[literature]**`` one names its
source. The paragraphs still untagged are listed in
``tests/data/claim_tags_backlog.txt`` (``<chapter> | <start of the paragraph>``); the list
may only shrink: a new untagged paragraph fails, a tagged (or reworded) one must leave it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("0[0-9]-*.ipynb"))
SUMMARY = re.compile(r"^## (Summary|Key takeaways|Key points)\s*$", re.M)
TAG = re.compile(r"\*\*\[([a-z]+)\]\*\*")
KINDS = {"method", "market", "literature"}
SOURCE = re.compile(r"\{cite(:\w+)?\}`|course texts?|lecture slides|university lesson")
GLUE_ROLE = re.compile(r"\{glue(:\w+)?\}`")
BACKLOG = ROOT / "tests" / "data" / "claim_tags_backlog.txt"
# blocks left out of the body: the chapter card, exercise statements, solutions (their
# whole directive, fenced by 3+ backticks or colons), code
LEFT_OUT = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(admonition\} Before you start|exercise|solution)[^\n]*\n.*?^(?P=fence)[ \t]*$"
    r"|^(?P<code>`{3,})(?!\{)[^\n]*\n.*?^(?P=code)[ \t]*$",
    re.M | re.S,
)
# the opening and closing lines of other directives (notes, figures...) and their options:
# the paragraphs inside them are read
FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|:{3,})(\{[^}]*\}[^\n]*)?[ \t]*$|^[ \t]*:[\w-]+:.*$", re.M)
ITEM = re.compile(r"^(?:[-*+]|\d+[.)])[ \t]+")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def summary_points(path: Path) -> list[str]:
    """The bullet points of the chapter's summary section, each as one string."""
    for cell in _cells(path):
        text = "".join(cell["source"])
        m = SUMMARY.search(text) if cell["cell_type"] == "markdown" else None
        if m:
            body = text[m.end():]
            body = body.split("\n## ", 1)[0]
            points = re.split(r"\n(?=- )", body.strip())
            return [p for p in points if p.startswith("- ")]
    return []


def tagged_parts(point: str) -> list[tuple[str, str]]:
    """(kind, text up to the next tag) for each tag of a point."""
    marks = list(TAG.finditer(point))
    return [(m.group(1), point[m.end():marks[i + 1].start() if i + 1 < len(marks) else None])
            for i, m in enumerate(marks)]


def test_how_to_use_explains_the_three_tags():
    page = (ROOT / "book" / "how-to-use.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"**[{kind}]**" in page


def test_the_checks_catch_an_untagged_point_and_an_unsourced_claim():
    assert tagged_parts("- plain claim") == []
    parts = tagged_parts("- **[literature]** Loyalty doubles profit. **[market]** Here too.")
    assert [k for k, _ in parts] == ["literature", "market"]
    assert not SOURCE.search(parts[0][1])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_summary_point_says_its_kind(path):
    points = summary_points(path)
    assert len(points) >= 4, f"{path.name}: no summary section found"
    for point in points:
        parts = tagged_parts(point)
        assert parts, f"{path.name}: a summary point has no kind tag: {point[:80]!r}"
        for kind, text in parts:
            assert kind in KINDS, f"{path.name}: unknown tag [{kind}]"
            if kind == "literature":
                assert SOURCE.search(text), (
                    f"{path.name}: a literature claim without its source: {text[:80]!r}")
    kinds = {k for p in points for k, _ in tagged_parts(p)}
    if "market" in kinds:
        closing = [c for c in _cells(path) if c["cell_type"] == "code"
                   and "remove-cell" in c.get("metadata", {}).get("tags", [])
                   and "assert" in "".join(c["source"])]
        assert closing, f"{path.name}: market findings without closing cells that check them"


# ---------------------------------------------------------------------------------------
# the body: a tag on every paragraph holding a glued figure
# ---------------------------------------------------------------------------------------
def body_blocks(text: str) -> list[tuple[str, str, str]]:
    """The body blocks of a chapter's markdown cell: (kind, text, text of the block before).

    A block is a paragraph, a table or a list item (``kind`` says which); headings are not
    blocks. Exercise statements, solutions, the chapter card and code are left out.
    """
    text = LEFT_OUT.sub("\n", text)
    text = FENCE_LINE.sub("", text)
    blocks: list[tuple[str, str, str]] = []
    before = ""
    for chunk in re.split(r"\n[ \t]*\n", text):
        lines = [ln for ln in chunk.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if not any(ln.strip() for ln in lines):
            continue
        if all(ln.lstrip().startswith("|") for ln in lines if ln.strip()):
            blocks.append(("table", "\n".join(lines), before))
            continue
        # a list: each item (with its continuation lines) is a block, introduced by `before`
        items, current = [], []
        for ln in lines:
            if ITEM.match(ln) and current:
                items.append(current)
                current = []
            current.append(ln)
        items.append(current)
        if ITEM.match(lines[0]):  # a list straight after the block before
            blocks.extend(("item", "\n".join(item), before) for item in items)
            continue
        intro = "\n".join(items[0])  # a paragraph, maybe followed by its list
        blocks.append(("paragraph", intro, before))
        blocks.extend(("item", "\n".join(item), intro) for item in items[1:])
        before = intro
    return blocks


def _tagged(block: tuple[str, str, str]) -> bool:
    kind, text, before = block
    if TAG.search(text):
        return True
    # a table or a list item may take the tag of the paragraph that introduces it
    return kind in ("table", "item") and bool(TAG.search(before))


def _key(path: Path, text: str) -> str:
    return f"{path.stem} | {' '.join(text.split())[:90]}"


def _body(path: Path) -> list[tuple[str, str, str]]:
    return [b for c in _cells(path) if c["cell_type"] == "markdown"
            and "solution" not in c.get("metadata", {}).get("tags", [])
            and not SUMMARY.search("".join(c["source"]))
            for b in body_blocks("".join(c["source"]))]


def untagged_glue(path: Path) -> list[str]:
    """Backlog keys of the body blocks of a chapter holding a glued figure and no tag."""
    return [_key(path, text) for kind, text, before in _body(path)
            if GLUE_ROLE.search(text) and not _tagged((kind, text, before))]


def _backlog() -> list[str]:
    return [line for line in BACKLOG.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def test_the_body_reader_finds_untagged_glue_and_spares_the_rest():
    cell = (
        "Intro {glue:text}`a` is glued.\n\n"
        "**[market]** Tagged {glue:}`b`.\n\n"
        "The table shows it **[market]**:\n\n| x | {glue:text}`c` |\n|---|---|\n\n"
        "Plain list:\n- item {glue:text}`d`\n- item two\n\n"
        "**[method]** Tagged list:\n- item {glue:text}`e`\n\n"
        "```{exercise}\n:label: ch9-ex-x\n\nStatement {glue:text}`f`.\n```\n\n"
        "```{note}\nIn a note {glue:text}`g`.\n```\n\n"
        "```{glue:figure} fig_name\n:name: fig-x\n\nCaption.\n```\n\n"
        "## Heading\nSome text, no glue.\n"
    )
    found = [" ".join(t.split()) for k, t, b in body_blocks(cell)
             if GLUE_ROLE.search(t) and not _tagged((k, t, b))]
    assert found == ["Intro {glue:text}`a` is glued.", "- item {glue:text}`d`",
                     "In a note {glue:text}`g`."]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_body_tags_are_known_and_literature_names_its_source(path):
    for _, text, _ in _body(path):
        for kind, part in tagged_parts(text):
            assert kind in KINDS, f"{path.name}: unknown tag [{kind}] in {text[:80]!r}"
            if kind == "literature":
                assert SOURCE.search(text), (
                    f"{path.name}: a literature claim without its source: {part[:80]!r}")


def test_every_glued_paragraph_says_its_kind():
    found = [k for path in CHAPTERS for k in untagged_glue(path)]
    new = sorted(set(found) - set(_backlog()))
    assert new == [], ("paragraphs with a glued figure and no claim tag (**[market]**, "
                       "**[method]** or **[literature]**):\n" + "\n".join(new))


def test_the_claim_tag_backlog_only_shrinks():
    found = {k for path in CHAPTERS for k in untagged_glue(path)}
    stale = sorted(set(_backlog()) - found)
    assert stale == [], f"tagged or reworded: remove from {BACKLOG.name}:\n" + "\n".join(stale)
