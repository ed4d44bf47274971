"""The HTML checks of the built book (tools/check_book_html.py) find the defects readers saw,
and do not fire on clean pages (the built book itself is checked in test_book_build.py)."""

import doctest
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import check_book_html as chk  # noqa: E402


def test_docstring_examples():
    # tools/ is outside `pytest --doctest-modules crmkit`: run its examples here
    result = doctest.testmod(chk)
    assert result.attempted >= 10 and result.failed == 0


def test_external_assets_of_every_kind():
    page = """<html><head>
      <script src="//cdn.example.org/require.js"></script>
      <link rel="stylesheet" href="https://fonts.example.org/css2?family=Lato">
      <link rel="preload" as="font" href="http://x.org/a.woff2">
      <link rel="next" href="https://example.org/next.html">
      <style>@import url("https://x.org/a.css"); .a { background: url(_static/a.png) }</style>
      </head><body><img src="https://x.org/logo.png"><a href="https://x.org">a link is fine</a>
      <script type="application/json">{"src": "https://x.org"}</script></body></html>"""
    found = chk.external_assets(page)
    assert [f.split()[0] for f in found] == ["script", "link[stylesheet]", "link[preload]",
                                             "img", "style"]


def test_output_defects():
    page = """<main><div class="cell_output"><table>
      <tr><td>Renew the contract before the …</td><td>1.193544e+07</td><td>41</td></tr>
      </table><pre>a    1\nName: n, dtype: int64</pre></div>
      <p>| | Question | Data |\n|---|---|---|</p>
      <p>Move the slider to see who leaves.</p></main>"""
    assert chk.truncated_cells(page) == ["Renew the contract before the …"]
    assert chk.scientific_cells(page) == ["1.193544e+07"]
    assert chk.dtype_lines(page) == ["Name: n, dtype: int64"]
    assert len(chk.raw_markdown_tables(page)) == 1
    assert chk.missing_controls(page) == ["Move the slider to see who leaves."]


def test_clean_page_has_no_problem(tmp_path):
    (tmp_path / "index.html").write_text(
        '<html><head><script src="_static/mathjax/tex-chtml.js"></script></head><body><main>'
        '<div class="cell_output"><table class="crm-table"><tr><td>1,234 €</td>'
        '<td>In the live notebook, a slider sets the threshold.</td></tr></table></div>'
        "<p>The table has 3 columns.</p></main></body></html>")
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "a.css").write_text("@font-face { src: url(fonts/a.woff2) }")
    problems = chk.check_book(tmp_path)
    assert problems and not any(problems.values()), problems


def test_browser_edition_pages_are_checked_for_assets_only(tmp_path):
    (tmp_path / "index.html").write_text("<main><p>Book.</p></main>")
    (tmp_path / "lite" / "lab").mkdir(parents=True)
    (tmp_path / "lite" / "lab" / "index.html").write_text(
        '<script src="https://cdn.example.org/pyodide.js"></script>'
        "<main><p>Move the slider.</p></main>")
    problems = chk.check_book(tmp_path)
    assert problems["external asset"] == ["lite/lab/index.html: script "
                                          "https://cdn.example.org/pyodide.js"]
    assert not problems["control the page does not have"]
