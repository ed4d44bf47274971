"""The book build: it fails on a failing cell (jupyter-book exits 0 on those unless
configured), its pages are complete offline, and the built book (``make test`` builds it
first) is free of the defects a reader sees (tools/check_book_html.py)."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import check_book_html  # noqa: E402

BUILT = ROOT / "_build" / "html"


def _tiny_book(tmp_path: Path, cell: str) -> Path:
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    (book / "book").mkdir()
    for part in ("_ext", "_static"):  # the offline-assets extension and the book's CSS
        shutil.copytree(ROOT / "book" / part, book / "book" / part)
    (book / "book" / "references.bib").write_text(
        "@book{k, author={A, B}, title={T}, publisher={P}, year={2000}}\n")
    (book / "index.md").write_text("# Index\n\n$$ \\text{CLV} = \\sum_t m_t r^t $$\n\n"
                                   "```{bibliography}\n```\n")
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


def test_passing_book_is_complete_offline(tmp_path):
    # MathJax comes from the site itself, with its fonts; no page loads anything from
    # another host (the default configuration loads MathJax from a CDN)
    book = _tiny_book(tmp_path, "import pandas as pd\npd.Series([1, 2], name='n')")
    out = _build(book)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    html = book / "_build" / "html"
    index = (html / "index.html").read_text()
    assert 'src="_static/mathjax/tex-chtml.js' in index
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert list((html / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    problems = check_book_html.check_book(html)
    assert not problems["external asset"] and not problems["external asset in CSS"], problems


def _built_book_problems():
    if not (BUILT / "index.html").exists():
        pytest.fail(f"no built book in {BUILT}: `make test` builds it first (or run make book)")
    return check_book_html.check_book(BUILT)


@pytest.fixture(scope="module")
def built_problems():
    return _built_book_problems()


# the checks the built book passes (each one a defect a reader saw on the screenshots)
ENFORCED = [*check_book_html.PAGE_CHECKS, "external asset in CSS"]


@pytest.mark.parametrize("check", ENFORCED)
def test_built_book_pages(built_problems, check):
    found = built_problems[check]
    assert not found, f"{len(found)} page problem(s) of kind {check!r}:\n" + "\n".join(found[:30])


@pytest.mark.parametrize("chapter", sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")),
                         ids=lambda p: p.stem)
def test_built_chapter_cards_link_to_the_api_reference(chapter):
    # each function of a chapter's "functions used here" card is a link to its API entry
    # (an unresolved {py:func} role renders as plain code, silently)
    from chapter_functions import card_functions

    page = BUILT / "notebooks" / f"{chapter.stem}.html"
    if not page.exists():
        pytest.fail(f"no built chapter {page}: `make test` builds the book first")
    html = page.read_text(encoding="utf-8")
    unlinked = [n for n in card_functions(chapter) if f'api/{n.split(".")[1]}.html#{n}"' not in html]
    assert unlinked == [], f"{chapter.name}: card entries without a link: {unlinked}"
