"""The book build fails on a failing cell (jupyter-book exits 0 on those unless configured)."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def _tiny_book(tmp_path: Path, cell: str) -> Path:
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    (book / "book").mkdir()
    (book / "book" / "references.bib").write_text(
        "@book{k, author={A, B}, title={T}, publisher={P}, year={2000}}\n")
    (book / "index.md").write_text("# Index\n\n```{bibliography}\n```\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Page"), nbformat.v4.new_code_cell(cell)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, book / "page.ipynb")
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: page\n")
    return book


def _build(book: Path) -> subprocess.CompletedProcess:
    jb = Path(sys.executable).parent / "jupyter-book"
    return subprocess.run([str(jb), "build", str(book), "--warningiserror", "--keep-going"],
                          capture_output=True, text=True, timeout=300)


def test_failing_cell_fails_the_build(tmp_path):
    out = _build(_tiny_book(tmp_path, "raise RuntimeError('a lesson broke')"))
    assert out.returncode != 0
    assert "Executing notebook failed" in out.stdout + out.stderr


def test_passing_book_builds(tmp_path):
    book = _tiny_book(tmp_path, "print(6 * 7)")
    out = _build(book)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert (book / "_build" / "html" / "page.html").exists()
