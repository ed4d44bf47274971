"""Every claim says what kind it is (issue 17): a property of the method, a finding on the
course market, or a claim of the literature. The convention (explained once in
``book/how-to-use.md``) is a tag in brackets before the claim: **[method]**, **[market]**,
**[literature]**. This test checks it on each chapter's closing summary, where the
chapter's claims are gathered: every point carries at least one tag, only the three tags
exist, a literature claim names its source, and a chapter that states market findings has
closing cells that check them.
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
