"""The two editions of the book: solutions first in the notebooks, stripped for students."""

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from build_book import make_student_edition, strip_solutions  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def test_strip_solutions_removes_only_tagged_cells():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("exercise"),
        nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution", "hide-input"]}),
        nbformat.v4.new_markdown_cell("why", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("check(answer)", metadata={"tags": ["exercise"]}),
    ]
    out, removed = strip_solutions(nb)
    assert removed == 2
    assert [c.source for c in out.cells] == ["exercise", "check(answer)"]


def test_student_edition_has_no_solution_cell(tmp_path):
    removed = make_student_edition(ROOT, tmp_path / "student")
    staged = sorted((tmp_path / "student" / "notebooks").rglob("*.ipynb"))
    assert len(staged) == len(NOTEBOOKS)
    for path in staged:
        nb = nbformat.read(path, as_version=4)
        assert not [c for c in nb.cells if "solution" in _tags(c)], path
    # every solution cell of the instructor notebooks was counted as removed
    expected = sum(
        sum("solution" in _tags(c) for c in nbformat.read(p, as_version=4).cells)
        for p in NOTEBOOKS
    )
    assert sum(removed.values()) == expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_conventions(path):
    """Outputs stripped in git; code solutions sit in a dropdown in the instructor edition."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{path.name} cell {i}: outputs must be stripped"
            if "solution" in _tags(cell):
                assert "hide-input" in _tags(cell), f"{path.name} cell {i}: tag hide-input too"


def test_execution_cache_is_emptied_when_crmkit_or_the_market_changes(tmp_path):
    # jupyter-cache keys on code cells only: a new crmkit or market must not reuse outputs
    from build_book import fingerprint, refresh_cache

    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    cache = tmp_path / "_build" / ".jupyter_cache"
    cache.mkdir(parents=True)
    (cache / "outputs").write_text("old")
    assert refresh_cache(tmp_path, "v1") is True  # a cache without a stamp is not trusted
    assert not cache.exists()
    cache.mkdir()
    (cache / "outputs").write_text("filled by v1")
    assert refresh_cache(tmp_path, "v1") is False and (cache / "outputs").exists()
    assert refresh_cache(tmp_path, "v2") is True and not cache.exists()
    # the fingerprint follows crmkit's sources and the market's parameters
    fake = tmp_path / "root"
    (fake / "crmkit").mkdir(parents=True)
    (fake / "crmkit" / "a.py").write_text("x = 1\n")
    first = fingerprint(fake)
    (fake / "datasets" / "market").mkdir(parents=True)
    (fake / "datasets" / "market" / "market.json").write_text('{"version": 4}')
    second = fingerprint(fake)
    (fake / "crmkit" / "a.py").write_text("x = 2\n")
    assert len({first, second, fingerprint(fake)}) == 3
