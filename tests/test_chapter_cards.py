"""Every chapter opens with its card: prerequisites, time, and the crmkit functions its code
uses (the list is checked against the code, so it cannot drift)."""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from chapter_functions import CARD_MARK, card_functions, functions_used  # noqa: E402

CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def test_there_are_chapters():
    assert len(CHAPTERS) >= 8


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_card_lists_prerequisites_time_and_the_functions_used(path):
    nb = nbformat.read(path, as_version=4)
    cards = [c for c in nb.cells if c.cell_type == "markdown" and CARD_MARK in c.source]
    assert len(cards) == 1, f"{path.name}: one 'Before you start' card expected"
    assert nb.cells.index(cards[0]) <= 2, "the card comes right after the chapter's opening"
    text = cards[0].source
    assert "**Prerequisites:**" in text and "**Time:**" in text
    listed = card_functions(path)
    used = functions_used(path)
    assert listed == used, (
        f"{path.name}: the card's functions differ from the code's; run "
        f"`python tools/chapter_functions.py {path.relative_to(ROOT)}` and update the card. "
        f"missing: {sorted(set(used) - set(listed))}, extra: {sorted(set(listed) - set(used))}")


def test_functions_used_resolves_imports(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "%matplotlib inline\nfrom crmkit import loyalty, labels\nfrom crmkit import segmentation as seg\n"
        "x = loyalty.dick_basu(df)\ny = seg.rfm(tx)\nlabels.label('a')\nloyalty._private(1)")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    # plumbing (labels) and private names are left out; aliases are resolved
    assert functions_used(path) == ["crmkit.loyalty.dick_basu", "crmkit.segmentation.rfm"]
