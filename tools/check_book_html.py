"""Automated checks of the built book's HTML, for the defects a reader sees.

Each check takes one page (its HTML text) and returns a list of problems (empty: fine):

- :func:`external_assets`: a script, stylesheet, font, image or frame loaded from another
  host (the page would break offline); also ``@import``/``@font-face``/``url()`` in inline
  styles. :func:`external_css` does the same for the site's own CSS files.
- :func:`raw_markdown_tables`: pipe-table text (``| a | b |`` and ``|---|``) shown as a
  paragraph instead of a table.
- :func:`dtype_lines`: pandas ``dtype:`` footers of a printed Series.
- :func:`truncated_cells`: table cells cut with "…" or "..." (pandas' truncated text, rows
  or columns).
- :func:`scientific_cells`: numbers in tables shown as ``1.193544e+07``.
- :func:`missing_controls`: prose that asks the reader to move a slider or a control, on a
  static page that has none.

``python tools/check_book_html.py [_build/html]`` prints every problem and exits non-zero
if there is any; ``tests/test_book_build.py`` runs the same checks on the built book.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build" / "html"
# pages Sphinx writes for itself (no book content)
SKIP = {"genindex.html", "search.html", "py-modindex.html"}
# lxml parses several times faster where it is installed
_PARSER = "lxml" if importlib.util.find_spec("lxml") else "html.parser"

_URL_IN_CSS = re.compile(r"""(?:@import\s+(?:url\()?|url\()\s*['"]?([^'")\s;]+)""", re.I)
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.M)
_PIPE_RULE = re.compile(r"\|\s*:?-{3,}:?\s*\|")
_DTYPE = re.compile(r"(^|\s|,)dtype: \w+", re.M)
_TRUNCATED = re.compile(r"(…|\.\.\.)\s*$")
_SCIENTIFIC = re.compile(r"^[-+]?\d(\.\d+)?e[-+]\d{2,3}$", re.I)
_CONTROL_ASK = re.compile(
    r"\b(move|drag|slide|change|set|use|adjust|try)\b[^.!?]{0,40}\b(slider|sliders|"
    r"(its|the) controls|the dropdown|the checkbox|the explorer)\b"
    r"|\bexplorer\b[^.!?]{0,30}\blets you\b|\byour settings\b", re.I)
# a sentence that says where the controls are is honest
_CONTROL_WHERE = re.compile(r"live notebook|in jupyterlab|browser edition|when you run|"
                            r"run the notebook|in the notebook", re.I)


def _soup(html) -> BeautifulSoup:
    """A parsed page (parse once, check many times: a chapter page is ~300 kB)."""
    return html if isinstance(html, BeautifulSoup) else BeautifulSoup(html, _PARSER)


def is_external(url: str) -> bool:
    """Whether ``url`` points to another host (``http:``, ``https:`` or protocol-relative)."""
    url = url.strip()
    if url.startswith("//"):
        return True
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https", "ftp") and bool(parsed.netloc)


def _css_urls(css: str) -> list[str]:
    return [m.group(1) for m in _URL_IN_CSS.finditer(css)]


def external_assets(html: str) -> list[str]:
    """Assets of a page that a browser would fetch from another host.

    Examples
    --------
    >>> external_assets('<script src="https://cdn.example.org/mathjax.js"></script>')
    ['script https://cdn.example.org/mathjax.js']
    >>> external_assets('<link rel="stylesheet" href="_static/a.css"><a href="https://x.org">x</a>')
    []
    """
    soup = _soup(html)
    out = []
    for tag in soup.find_all("script", src=True):
        if is_external(tag["src"]):
            out.append(f"script {tag['src']}")
    for tag in soup.find_all("link", href=True):
        rel = {r.lower() for r in tag.get("rel", [])}
        # links a browser loads by itself (navigation links such as rel=next are not)
        if rel & {"stylesheet", "preload", "modulepreload", "icon", "manifest", "prefetch"} and (
                is_external(tag["href"])):
            out.append(f"link[{' '.join(sorted(rel))}] {tag['href']}")
    for name in ("img", "iframe", "audio", "video", "source", "embed"):
        for tag in soup.find_all(name, src=True):
            if is_external(tag["src"]):
                out.append(f"{name} {tag['src']}")
    for tag in soup.find_all("style"):
        out += [f"style url {u}" for u in _css_urls(tag.get_text()) if is_external(u)]
    for tag in soup.find_all(style=True):
        out += [f"inline style url {u}" for u in _css_urls(tag["style"]) if is_external(u)]
    return out


def external_css(css: str) -> list[str]:
    """``@import``/``url()`` of a stylesheet (fonts, images) that point to another host.

    Examples
    --------
    >>> external_css('@font-face { src: url("https://fonts.example.org/a.woff2") }')
    ['https://fonts.example.org/a.woff2']
    >>> external_css('@font-face { src: url(../webfonts/fa-solid-900.woff2) }')
    []
    """
    return [u for u in _css_urls(css) if is_external(u)]


def _text_blocks(soup, names=("p", "li", "dd", "td", "div")):
    for tag in soup.find_all(names):
        if tag.find(names):  # innermost blocks only
            continue
        yield tag.get_text("\n")


def raw_markdown_tables(html: str) -> list[str]:
    """Pipe-table Markdown shown as text (a table that did not render).

    Examples
    --------
    >>> raw_markdown_tables('<p>| | Question | Data |\\n|---|---|---|\\n| I1 | Who? | x |</p>')
    ['| | Question | Data |']
    >>> raw_markdown_tables('<table><tr><td>a</td></tr></table><pre>x | y</pre>')
    []
    """
    soup = _soup(html)
    out = []
    for text in _text_blocks(soup, ("p", "li", "dd", "div")):
        if _PIPE_RULE.search(text) or len(_PIPE_ROW.findall(text)) >= 2:
            out.append(text.strip().splitlines()[0][:80])
    return out


def dtype_lines(html: str) -> list[str]:
    """``dtype:`` footers of printed pandas objects.

    Examples
    --------
    >>> dtype_lines('<pre>a    1\\nb    2\\nName: n, dtype: int64</pre>')
    ['Name: n, dtype: int64']
    >>> dtype_lines('<p>The dtype of a column</p>')
    []
    """
    soup = _soup(html)
    out = []
    for tag in soup.find_all(["pre", "td", "p"]):
        for line in tag.get_text().splitlines():
            if _DTYPE.search(line):
                out.append(line.strip()[:80])
    return out


def _output_tables(soup):
    # tables in cell outputs (the book's own prose tables are written by hand)
    for out in soup.select("div.cell_output"):
        yield from out.find_all("table")


def truncated_cells(html: str) -> list[str]:
    """Cells of output tables cut with "…" or "...", including pandas' elided rows/columns.

    Examples
    --------
    >>> page = '<div class="cell_output"><table><tr><td>Renew the contra…</td></tr></table></div>'
    >>> truncated_cells(page)
    ['Renew the contra…']
    >>> truncated_cells('<div class="cell_output"><table><tr><td>Done.</td></tr></table></div>')
    []
    """
    soup = _soup(html)
    out = []
    for table in _output_tables(soup):
        for cell in table.find_all(["td", "th"]):
            text = cell.get_text(" ").strip()
            if _TRUNCATED.search(text):
                out.append(text[:80])
    return out


def scientific_cells(html: str) -> list[str]:
    """Numbers in output tables shown in scientific notation.

    Examples
    --------
    >>> scientific_cells('<div class="cell_output"><table><tr><td>1.193544e+07</td></tr></table></div>')
    ['1.193544e+07']
    """
    soup = _soup(html)
    return [c.get_text().strip() for t in _output_tables(soup) for c in t.find_all("td")
            if _SCIENTIFIC.match(c.get_text().strip())]


def missing_controls(html: str) -> list[str]:
    """Sentences asking the reader to move a control, on a page that shows none.

    A sentence that says the controls are in the live notebook (or the browser edition) is
    fine, and so is a page that does carry widgets.

    Examples
    --------
    >>> missing_controls('<p>Move the slider to see who leaves.</p>')
    ['Move the slider to see who leaves.']
    >>> missing_controls('<p>In the live notebook, move the slider to see who leaves.</p>')
    []
    """
    soup = _soup(html)
    if soup.find(attrs={"type": "application/vnd.jupyter.widget-view+json"}):
        return []
    main = soup.find("main") or soup
    out = []
    for text in _text_blocks(main, ("p", "li", "caption", "th", "td", "figcaption")):
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
            if _CONTROL_ASK.search(sentence) and not _CONTROL_WHERE.search(sentence):
                out.append(sentence[:120])
    return out


PAGE_CHECKS = {
    "external asset": external_assets,
    "raw markdown table": raw_markdown_tables,
    "dtype line": dtype_lines,
    "truncated cell": truncated_cells,
    "scientific notation": scientific_cells,
    "control the page does not have": missing_controls,
}


def pages(build: Path = BUILD, *, lite: bool = False) -> list[Path]:
    """The book's HTML pages (Sphinx's own index and search pages left out); with ``lite``,
    the browser edition's pages (``lite/``, a JupyterLite site) too."""
    return sorted(p for p in build.rglob("*.html")
                  if p.name not in SKIP and "_static" not in p.parts
                  and "_sources" not in p.parts and ".doctrees" not in p.parts
                  and (lite or "lite" not in p.relative_to(build).parts))


def check_book(build: Path = BUILD) -> dict[str, list[str]]:
    """Every problem of the built book, by check: ``{check: ["page: problem", ...]}``.

    The browser edition's pages (``lite/``) are an application, not book pages: only
    their assets are checked."""
    problems: dict[str, list[str]] = {name: [] for name in PAGE_CHECKS}
    problems["external asset in CSS"] = []
    book_pages = set(pages(build))
    for page in pages(build, lite=True):
        soup = _soup(page.read_text(encoding="utf-8", errors="replace"))
        rel = page.relative_to(build).as_posix()
        checks = PAGE_CHECKS if page in book_pages else {"external asset": external_assets}
        for name, check in checks.items():
            problems[name] += [f"{rel}: {p}" for p in check(soup)]
    for css in sorted(build.rglob("*.css")):
        rel = css.relative_to(build).as_posix()
        problems["external asset in CSS"] += [
            f"{rel}: {u}" for u in external_css(css.read_text(encoding="utf-8", errors="replace"))]
    return problems


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    build = Path(argv[0]) if argv else BUILD
    if not (build / "index.html").exists():
        print(f"no built book in {build}: run `make book` first")
        return 2
    problems = check_book(build)
    total = 0
    for name, found in problems.items():
        print(f"{name}: {len(found)}")
        for p in found:
            print(f"  {p}")
        total += len(found)
    print(f"{len(pages(build))} pages checked, {total} problems")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
