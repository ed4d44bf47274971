"""The browser edition's build (tools/build_lite.py) and the book's button to it.

Fast, offline checks of the parts that decide what the site serves: the trust anchors,
the file-by-file hash check of the Pyodide distribution, the repackaged wheels, the site's
lock, the chapters and the cells kept from running in the browser. The site itself is
built by ``make lite`` and run in Chromium by ``make test-browser`` (tools/browser_test.py).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import browser_test as bt  # noqa: E402
import build_lite as bl  # noqa: E402
import lite_button  # noqa: E402
import translate_notebook as tn  # noqa: E402


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------
# trust anchors and pins
# ---------------------------------------------------------------------------------------
def test_trust_anchors_are_the_official_pyodide_release():
    lock = json.loads((bl.LITE / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == bl.PYODIDE_VERSION
    assert lock["info"]["python"].startswith("3.12")
    core = bl.read_core_hashes()
    assert sorted(core) == sorted(bl.CORE_FILES)
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in core.values())
    # every package entry carries the hash the build checks against
    assert all(re.fullmatch(r"[0-9a-f]{64}", p["sha256"]) for p in lock["packages"].values())


@pytest.mark.parametrize("name", ["requirements-carrier.txt", "requirements-wheels.txt",
                                  "requirements-extensions.txt"])
def test_every_downloaded_file_is_pinned_by_version_and_hash(name):
    lines = [ln for ln in (bl.LITE / name).read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines
    for line in lines:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==\S+ --hash=sha256:[0-9a-f]{64}", line), line


def test_build_tools_are_pinned():
    lines = [ln for ln in (bl.LITE / "requirements-build.txt").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][^ ]*", ln) for ln in lines)


def test_every_extra_wheel_is_pinned_and_described():
    pins = {bl.canonical(m.group(1)) for m in re.finditer(
        r"^([A-Za-z0-9_.\-]+)==", (bl.LITE / "requirements-wheels.txt").read_text(), re.M)}
    assert pins == set(bl.EXTRA_WHEELS)


def test_every_crmkit_dependency_is_shipped_or_said_desktop_only():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {bl.canonical(re.match(r"[A-Za-z0-9_.\-]+", d).group()) for d in deps}
    shipped = {bl.canonical(n) for n in bl.CRMKIT_DEPENDS}
    assert not shipped & set(bl.DESKTOP_ONLY)
    assert names - shipped == set(bl.DESKTOP_ONLY)
    # what crmkit's wheel depends on in the browser is served by the site
    assert shipped <= set(bl.EXTRA_WHEELS) | set(json.loads(
        (bl.LITE / "pyodide-lock.json").read_text())["packages"])


def test_schema_errors_are_the_same_with_the_browser_editions_pydantic(tmp_path):
    """The browser edition runs crmkit.schema's pandera on pydantic 1 (pydantic 2's compiled
    core has no build there): crmkit's schema tests and doctests, which assert each
    SchemaError's table, column, rows and words, pass with that very wheel."""
    wheel = bl.pinned_wheel("pydantic", ROOT / "_build" / "lite-cache" / "wheels")
    assert wheel.name.startswith("pydantic-1.")
    site = tmp_path / "browser-pydantic"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    script = ("import sys, pydantic, pandera.pandas, pytest\n"
              "assert pydantic.VERSION.startswith('1.'), pydantic.VERSION\n"
              "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '--doctest-modules',"
              " 'tests/test_schema_layer.py', 'crmkit/schema.py']))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    assert re.search(r"\d+ passed", out.stdout) and "failed" not in out.stdout


# ---------------------------------------------------------------------------------------
# the Pyodide distribution, checked file by file
# ---------------------------------------------------------------------------------------
def _carrier(tmp_path: Path, files: dict[str, bytes]) -> Path:
    path = tmp_path / "carrier-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(bl.CARRIER_PREFIX + name, data)
        z.writestr(bl.CARRIER_PREFIX + "pyodide-lock.json", b"{}")  # the carrier's own: ignored
        z.writestr(bl.CARRIER_PREFIX + "wheels/other-1.0-py3-none-any.whl", b"not pyodide")
    return path


@pytest.fixture
def release():
    """A small official release: its core files, one package file, and their hashes."""
    core = {name: f"core {name}".encode() for name in bl.CORE_FILES}
    pkg = b"numpy wheel bytes"
    official = {"info": {"version": bl.PYODIDE_VERSION}, "packages": {"numpy": {
        "name": "numpy", "file_name": "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
        "sha256": _sha(pkg), "depends": [], "imports": ["numpy"]}}}
    hashes = {name: _sha(data) for name, data in core.items()}
    files = {**core, "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl": pkg}
    return files, official, hashes


def test_matching_distribution_is_extracted(tmp_path, release):
    files, official, hashes = release
    out = tmp_path / "pyodide"
    shipped = bl.extract_pyodide(_carrier(tmp_path, files), out, official, hashes)
    assert shipped == ["numpy"]
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    assert (out / "pyodide.asm.wasm").read_bytes() == files["pyodide.asm.wasm"]


@pytest.mark.parametrize("tampered", ["pyodide.asm.wasm",
                                      "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"])
def test_one_changed_byte_fails_the_build(tmp_path, release, tampered):
    files, official, hashes = release
    files[tampered] = files[tampered][:-1] + b"!"
    with pytest.raises(bl.LiteBuildError, match=re.escape(tampered) + ".*differs"):
        bl.extract_pyodide(_carrier(tmp_path, files), tmp_path / "out", official, hashes)


def test_unknown_or_missing_files_fail_the_build(tmp_path, release):
    files, official, hashes = release
    files["evil-1.0-py3-none-any.whl"] = b"x"
    del files["python_stdlib.zip"]
    with pytest.raises(bl.LiteBuildError) as err:
        bl.extract_pyodide(_carrier(tmp_path, files), tmp_path / "out", official, hashes)
    assert "evil-1.0-py3-none-any.whl: not a file of Pyodide" in str(err.value)
    assert "python_stdlib.zip: core file missing" in str(err.value)


# ---------------------------------------------------------------------------------------
# wheels and the site's lock
# ---------------------------------------------------------------------------------------
def test_compiled_modules_are_stripped_into_a_valid_pure_wheel(tmp_path):
    src = tmp_path / "fuzzy-1.2-cp312-cp312-manylinux_2_28_x86_64.whl"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("fuzzy/__init__.py", "from fuzzy._py import ratio\n")
        z.writestr("fuzzy/_py.py", "def ratio(a, b):\n    return 1.0\n")
        z.writestr("fuzzy/_cpp.cpython-312-x86_64-linux-gnu.so", b"\x7fELF")
        z.writestr("fuzzy-1.2.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"
                   "Tag: cp312-cp312-manylinux_2_28_x86_64\n")
        z.writestr("fuzzy-1.2.dist-info/RECORD", "stale\n")
    out = bl.strip_compiled(src, tmp_path)
    assert out.name == "fuzzy-1.2-py3-none-any.whl"
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert not any(n.endswith(".so") for n in names)
        wheel = z.read("fuzzy-1.2.dist-info/WHEEL").decode()
        assert "Tag: py3-none-any" in wheel and "manylinux" not in wheel
        assert "Root-Is-Purelib: true" in wheel
        rows = list(csv.reader(io.StringIO(z.read("fuzzy-1.2.dist-info/RECORD").decode())))
        for path, digest, size in rows:
            if path.endswith("RECORD"):
                continue
            data = z.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode() and int(size) == len(data)
        assert {r[0] for r in rows} == set(names)


def _record_is_whole(z: zipfile.ZipFile) -> bool:
    record = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
    rows = list(csv.reader(io.StringIO(z.read(record).decode())))
    for path, digest, size in rows:
        if path == record:
            continue
        data = z.read(path)
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        if digest != "sha256=" + expected.decode() or int(size) != len(data):
            return False
    return {r[0] for r in rows} == set(z.namelist())


def test_babel_ships_the_course_languages_only(tmp_path):
    src = tmp_path / "babel-2.19.0-py3-none-any.whl"
    with zipfile.ZipFile(src, "w") as z:
        for name in ["root", "fr", "fr_FR", "fr_CA", "en", "en_001", "en_GB", "de", "de_DE",
                     "frr", "eo"]:
            z.writestr(f"babel/locale-data/{name}.dat", name)
        z.writestr("babel/global.dat", "global")
        z.writestr("babel/__init__.py", "")
        z.writestr("babel-2.19.0.dist-info/RECORD", "stale\n")
    (tmp_path / "out").mkdir()
    out = bl.keep_locales(src, tmp_path / "out", ("fr", "en"))
    with zipfile.ZipFile(out) as z:
        kept = {n.rsplit("/", 1)[1][:-4] for n in z.namelist() if "/locale-data/" in n}
        assert kept == {"root", "fr", "fr_FR", "fr_CA", "en", "en_001", "en_GB"}
        assert z.read("babel/global.dat") == b"global" and "babel/__init__.py" in z.namelist()
        assert _record_is_whole(z)


def test_the_locales_crmkit_formats_with_are_shipped():
    """crmkit formats money, numbers and dates with Babel in each course language: the
    browser edition's Babel keeps those languages' locale data (bl.LANGUAGES)."""
    from crmkit.workshop import report

    written = re.findall(r'locale="(\w+)"', (ROOT / "crmkit" / "display.py").read_text())
    used = {report.locale(lang) for lang in ("fr", "en")} | set(written)
    assert used and {loc.split("_")[0] for loc in used} <= set(bl.LANGUAGES)


@pytest.mark.parametrize("keep_sources", [False, True])
def test_listed_modules_are_compiled_to_bytecode_that_imports(tmp_path, keep_sources):
    python = bl.find_python312() or sys.executable
    src = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("pkg/__init__.py", "from pkg.mod import value\n")
        z.writestr("pkg/mod.py", "def value():\n    return 42\n")
        z.writestr("pkg/py2.py", "print 'not Python 3'\n")
        z.writestr("pkg/unlisted.py", "x = 1\n")
        z.writestr("pkg/data.txt", "kept")
        z.writestr("pkg-1.0.dist-info/RECORD", "stale\n")
    (tmp_path / "out").mkdir()
    out = bl.precompile(src, tmp_path / "out", python, "/lib/python3.12/site-packages",
                        modules={"pkg/__init__.py", "pkg/mod.py", "pkg/py2.py"},
                        keep_sources=keep_sources)
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert _record_is_whole(z)
    # a file that does not compile, and a module not listed, keep their source
    assert {"pkg/py2.py", "pkg/unlisted.py", "pkg/data.txt"} <= names
    assert not {"pkg/py2.pyc", "pkg/unlisted.pyc"} & names
    pycs = {n for n in names if n.endswith(".pyc")}
    if keep_sources:
        assert {"pkg/__init__.py", "pkg/mod.py"} <= names
        assert {n.split("/")[-2] for n in pycs} == {"__pycache__"} and len(pycs) == 2
    else:
        assert pycs == {"pkg/__init__.pyc", "pkg/mod.pyc"}
        assert not {"pkg/__init__.py", "pkg/mod.py"} & names
    # the bytecode is what runs, and without its source tracebacks name the file where
    # Pyodide unpacks it
    site = tmp_path / "site"
    with zipfile.ZipFile(out) as z:
        z.extractall(site)
    if keep_sources:  # an unchecked-hash pyc is used as it is: a changed source shows it
        (site / "pkg" / "mod.py").write_text("def value():\n    return 0\n")
    check = ("import pkg, pkg.mod; print(pkg.value(), pkg.mod.value.__code__.co_filename)")
    run = subprocess.run([python, "-c", check], cwd=site, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    # (beside its source, the import system names the file it read, as on any install)
    where = site if keep_sources else "/lib/python3.12/site-packages"
    assert run.stdout.split() == ["42", f"{where}/pkg/mod.py"]


def test_bytecode_module_list_is_read_by_place(tmp_path):
    listing = tmp_path / "modules.txt"
    listing.write_text("# comment\npython312.zip/json/__init__.py\n"
                       "python3.12/site-packages/pandas/core/frame.py\n\n")
    assert bl.bytecode_modules(listing) == {"stdlib": {"json/__init__.py"},
                                            "site": {"pandas/core/frame.py"}}
    listing.write_text("python3.12/lib-dynload/x.py\n")
    with pytest.raises(bl.LiteBuildError, match="lib-dynload"):
        bl.bytecode_modules(listing)
    assert bl.bytecode_modules(tmp_path / "absent.txt") is None


def test_matplotlib_font_list_is_rebuilt_for_the_wheels_own_fonts(tmp_path):
    """Pyodide 0.27.7's font list has another version and a desktop's fonts, so its
    Matplotlib rebuilt the list in every kernel (pyodide/pyodide#5569)."""
    import matplotlib

    data = Path(matplotlib.get_data_path())
    src = tmp_path / "matplotlib-3.8.4-cp312-cp312-pyodide_2024_0_wasm32.whl"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("matplotlib/font_manager.py", "class FontManager:\n    __version__ = 330\n")
        z.writestr("matplotlib/fontlist.json", json.dumps({"_version": 390, "ttflist": [
            {"fname": "/usr/share/fonts/truetype/desktop.ttf"}]}))
        z.write(data / "fonts/ttf/DejaVuSans.ttf", "matplotlib/mpl-data/fonts/ttf/DejaVuSans.ttf")
        z.write(data / "fonts/afm/phvr8a.afm", "matplotlib/mpl-data/fonts/afm/phvr8a.afm")
        z.writestr("matplotlib-3.8.4.dist-info/RECORD", "stale\n")
    (tmp_path / "out").mkdir()
    out = bl.matplotlib_fontlist(src, tmp_path / "out")
    with zipfile.ZipFile(out) as z:
        fontlist = json.loads(z.read("matplotlib/fontlist.json"))
        assert _record_is_whole(z)
    assert fontlist["_version"] == 330 and fontlist["__class__"] == "FontManager"
    assert [(e["fname"], e["name"], e["weight"]) for e in fontlist["ttflist"]] == [
        ("fonts/ttf/DejaVuSans.ttf", "DejaVu Sans", 400)]
    assert [(e["fname"], e["name"]) for e in fontlist["afmlist"]] == [
        ("fonts/afm/phvr8a.afm", "Helvetica")]
    # the fields of Matplotlib 3.8's FontEntry, no more (3.11's adds `index`)
    assert set(fontlist["ttflist"][0]) == {"fname", "name", "style", "variant", "weight",
                                           "stretch", "size", "__class__"}


def test_kernel_preload_is_all_in_the_sites_lock(tmp_path):
    """The kernel's packages load at start from the site's lock: each is an official
    Pyodide package, a pinned wheel or one of the kernel's own wheels, taken from its pinned
    extension."""
    official = json.loads((bl.LITE / "pyodide-lock.json").read_text())["packages"]
    names = {bl.canonical(n) for n in bl.KERNEL_PRELOAD}
    assert names <= set(official) | set(bl.EXTRA_WHEELS) | set(bl.KERNEL_WHEELS)
    config = bl.lite_config()["jupyter-config-data"]["litePluginSettings"]
    kernel = config["@jupyterlite/pyodide-kernel-extension:kernel"]
    # the kernel skips installing a package it finds in this list (by its exact name)
    assert {"piplite", "ssl", "sqlite3", "ipykernel", "comm", "pyodide_kernel", "jedi",
            "ipython"} <= set(kernel["loadPyodideOptions"]["packages"])
    ext = tmp_path / "jupyterlite_pyodide_kernel-0.6.1-py3-none-any.whl"
    pypi = "jupyterlite_pyodide_kernel-0.6.1.data/data/share/jupyter/labextensions/x/static/pypi"
    with zipfile.ZipFile(ext, "w") as z:
        for wheel in ["piplite-0.6.1", "ipykernel-6.9.2", "pyodide_kernel-0.6.1",
                      "widgetsnbextension-4.0.999"]:
            z.writestr(f"{pypi}/{wheel}-py3-none-any.whl", wheel)
    (tmp_path / "site").mkdir()
    entries = bl.kernel_wheels([ext], tmp_path / "site")
    assert {e["name"]: e["file_name"] for e in entries} == {
        "piplite": "piplite-0.6.1-py3-none-any.whl", "ipykernel": "ipykernel-6.9.2-py3-none-any.whl",
        "pyodide-kernel": "pyodide_kernel-0.6.1-py3-none-any.whl"}
    assert all(e["sha256"] == _sha((tmp_path / "site" / e["file_name"]).read_bytes())
               for e in entries)


def test_the_recorded_bytecode_list_is_read_whole():
    listed = bl.bytecode_modules()
    assert listed is not None, "lite/bytecode-modules.txt: tools/browser_test.py --write-imports"
    # the first cell's stack and the kernel's, as the browser recorded them
    assert {"pandas/__init__.py", "matplotlib/pyplot.py", "IPython/__init__.py",
            "pyodide_kernel/kernel.py"} <= listed["site"]
    assert {"asyncio/__init__.py", "json/__init__.py"} <= listed["stdlib"]


def test_site_lock_keeps_official_entries_and_adds_the_wheels(tmp_path):
    official = json.loads((bl.LITE / "pyodide-lock.json").read_text())
    wheel = tmp_path / "crmkit-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"wheel")
    extra = bl.lock_entry(wheel, "crmkit", ["crmkit"], ["numpy", "pandas"])
    lock = bl.site_lock(official, ["numpy", "pandas", "python-dateutil", "pytz", "six"], [extra])
    assert lock["packages"]["numpy"] == official["packages"]["numpy"]
    assert lock["packages"]["crmkit"]["sha256"] == _sha(b"wheel")
    assert set(lock["packages"]) == {"numpy", "pandas", "python-dateutil", "pytz", "six", "crmkit"}
    # a dependency the site does not ship would be fetched from elsewhere: refused
    with pytest.raises(bl.LiteBuildError, match="scipy"):
        bl.site_lock(official, ["numpy"], [bl.lock_entry(wheel, "crmkit", ["crmkit"], ["scipy"])])


# ---------------------------------------------------------------------------------------
# chapters
# ---------------------------------------------------------------------------------------
def test_chapters_are_the_books_notebooks_that_run_in_the_browser():
    pages = bl.chapters()
    assert "notebooks/01-customer-data" in pages
    assert all((ROOT / f"{p}.ipynb").exists() for p in pages)
    toc = (ROOT / "_toc.yml").read_text()
    left_out = [p for p in re.findall(r"file: (notebooks/\S+)", toc) if p not in pages]
    assert left_out and all(bl.no_browser(ROOT / f"{p}.ipynb") for p in left_out)


def test_no_browser_cells_say_why_and_keep_their_code():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("con = duckdb.connect()\n\nprint(con)",
                                          metadata={"tags": [bl.NO_BROWSER_TAG]})]
    out, skipped = bl.browser_notebook(nb)
    assert skipped == [1]
    assert out.cells[0].source == "x = 1"
    lines = out.cells[1].source.splitlines()
    assert lines[0].startswith("# Not run in the browser edition:")
    assert "# con = duckdb.connect()" in lines and "# print(con)" in lines
    assert all(ln.startswith("#") for ln in lines)  # nothing of it executes


# ---------------------------------------------------------------------------------------
# the book's button
# ---------------------------------------------------------------------------------------
def test_button_links_relatively_into_the_browser_edition():
    html = lite_button.banner("notebooks/02-loyalty", lambda target, resource: "../" + target,
                              None)
    assert 'href="../lite/notebooks/index.html?path=notebooks/02-loyalty.ipynb"' in html
    assert "Open in your browser" in html


def test_pages_left_out_of_the_browser_edition_say_so():
    reason = bl.no_browser(ROOT / "notebooks" / "90-scaling-up.ipynb")
    assert reason
    html = lite_button.banner("notebooks/90-scaling-up", lambda *a: "x", reason)
    assert "does not run in the browser edition" in html and "href" not in html
    # the French edition gives the notebook's French reason
    page = ROOT / "notebooks" / "90-scaling-up.ipynb"
    assert lite_button.no_browser_reason(page, "en") == reason
    french = lite_button.no_browser_reason(page, "fr")
    assert french and french != reason
    html = lite_button.banner("notebooks/90-scaling-up", lambda *a: "x", french, "fr")
    assert "ne s’exécute pas dans l’édition navigateur : chaque cellule" in html


@pytest.mark.parametrize("student", [False, True])
def test_staged_chapters_and_market(tmp_path, student):
    market = tmp_path / "market"
    market.mkdir()
    for name in ("customers.parquet", "market.json", "market.duckdb"):
        (market / name).write_bytes(b"x")
    page = "notebooks/01-customer-data"
    bl.stage_contents(tmp_path / "site", [page], market, student=student)
    nb = nbformat.read(tmp_path / "site" / f"{page}.ipynb", as_version=4)
    tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
    assert ("solution" in tags) is not student  # the chapter has solutions to strip
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    # the market's Parquet files and its metadata, not its DuckDB file
    assert sorted(p.name for p in (tmp_path / "site" / "datasets" / "market").iterdir()) == [
        "customers.parquet", "market.json"]


# ---------------------------------------------------------------------------------------
# the French chapters of the browser edition (tools/translate_notebook.py)
# ---------------------------------------------------------------------------------------
def test_each_kind_of_block_is_replaced_by_its_translation_and_nothing_else():
    source = ("## A *heading*\n\n"
              "A paragraph wrapped\nover two lines with {glue:text}`share:.1%` glued.\n\n"
              "- a list item\n  that goes on\n- Untranslated item\n\n"
              "> quoted text\n\n"
              "| Left | Right |\n|---|---|\n| one | two |\n\n"
              ":::{dropdown} Show the answer\n:open:\n\nThe body.\n:::\n\n"
              "```python\nA paragraph wrapped\n```\n\n"
              "$$\nx = \\text{cost}\n$$\n")
    messages = {"A *heading*": "Un *titre*",
                "A paragraph wrapped over two lines with {glue:text}`share:.1%` glued.":
                    "Un paragraphe avec {glue:text}`share:.1%` collé.",
                "a list item that goes on": "un élément de liste qui continue",
                "quoted text": "texte cité", "Left": "Gauche", "two": "deux",
                "Show the answer": "Voir la réponse", "The body.": "Le corps.",
                "\nx = \\text{cost}\n": "\nx = \\text{coût}"}
    placed, left = set(), []
    out = tn.translate_markdown(source, messages, placed, left)
    assert out == ("## Un *titre*\n\n"
                   "Un paragraphe avec {glue:text}`share:.1%` collé.\n\n"
                   "- un élément de liste qui continue\n- Untranslated item\n\n"
                   "> texte cité\n\n"
                   "| Gauche | Right |\n|---|---|\n| one | deux |\n\n"
                   ":::{dropdown} Voir la réponse\n:open:\n\nLe corps.\n:::\n\n"
                   "```python\nA paragraph wrapped\n```\n\n"   # code stays code
                   "$$\nx = \\text{coût}\n$$\n")
    assert placed == set(messages)
    assert left == ["Untranslated item", "Right", "one"]


# the share of a chapter's translated messages placed in its French notebook: every one
# today (1,558 messages in the chapters and workshops); a change to the parser or to the
# chapters' Markdown that leaves French sentences out of the browser edition fails here
@pytest.mark.parametrize("page", bl.chapters())
def test_every_translated_message_of_a_chapter_is_placed_in_its_french_notebook(page):
    placed, translated, missing = tn.coverage(page, "fr")
    assert translated > 0, f"{page} has no French catalog"
    assert missing == [], f"{page}: {len(missing)} French messages not placed"
    assert placed == translated


def test_the_cells_the_book_hides_have_french_too():
    # the note before each chapter's closing checks is hidden in the book, so no page's
    # catalog has it: its own catalog (book/locale/fr/.../notebooks/hidden-cells.po) does,
    # and a French student reads it in French in the browser edition
    messages = tn.hidden_messages()
    shown_in = {where for _, where in messages}
    assert {"notebooks/01-customer-data.ipynb", "notebooks/07-crm-project.ipynb"} <= shown_in
    french = tn.catalog(tn.HIDDEN)
    assert [m for m, _ in messages if m not in french] == []
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        messages[0][0], metadata={"tags": ["remove-cell"]})])
    out = tn.translate_notebook(nb, {}, french).notebook.cells[0].source
    assert out == french[messages[0][0]]


def _glue_and_syntax(markdown: str) -> tuple[list[str], list[str]]:
    """The glue roles of a Markdown cell, and its directive and fence lines."""
    glue = re.findall(r"\{glue(?::\w+)?\}`[^`]*`", markdown)
    fences = [ln.split("}")[0] for ln in markdown.splitlines()
              if ln.lstrip().startswith(("```", ":::"))]
    return glue, fences


@pytest.mark.parametrize("student", [False, True])
def test_french_chapters_are_the_english_code_with_french_prose(tmp_path, student):
    market = tmp_path / "market"
    market.mkdir()
    (market / "customers.parquet").write_bytes(b"x")
    pages = bl.chapters()
    bl.stage_contents(tmp_path / "site", pages, market, student=student)
    with_solutions = 0
    for page in pages:
        en = nbformat.read(tmp_path / "site" / f"{page}.ipynb", as_version=4)
        fr = nbformat.read(tmp_path / "site" / "fr" / f"{page}.ipynb", as_version=4)
        first, *cells = fr.cells
        # the kernel starts crmkit in French: its first cell, tagged and explained
        assert first.metadata["tags"] == [bl.LANGUAGE_TAG]
        assert 'os.environ["CRMKIT_LANG"] = "fr"' in first.source
        assert len(cells) == len(en.cells)
        solutions = sum("solution" in c.metadata.get("tags", []) for c in cells)
        assert not (student and solutions)  # the student edition's are stripped
        with_solutions += solutions
        changed = 0
        for e, f in zip(en.cells, cells, strict=True):
            assert e.cell_type == f.cell_type and e.metadata == f.metadata
            if e.cell_type == "code":
                assert f.source == e.source  # byte for byte
            elif tn.hidden(e):  # hidden in the book (no page message): its own catalog
                assert f.source != e.source and f.source == tn.translate_markdown(
                    e.source, tn.catalog(tn.HIDDEN)), page
            else:
                assert _glue_and_syntax(f.source) == _glue_and_syntax(e.source)
                changed += f.source != e.source
        # the prose is French: most Markdown cells changed, the title is the catalog's
        markdown = [c for c in cells if c.cell_type == "markdown"]
        assert changed >= 0.8 * len(markdown), page
        title = re.match(r"#\s+(.*)", markdown[0].source).group(1)
        english = re.match(r"#\s+(.*)", next(c for c in en.cells
                                            if c.cell_type == "markdown").source).group(1)
        assert title == tn.catalog(page)[english]
    assert (with_solutions > 0) is not student


def test_the_language_cell_starts_crmkit_in_french(tmp_path):
    code = bl.LANGUAGE_CELL["fr"] + "\nfrom crmkit import labels\nprint(labels.get_language())"
    env = {k: v for k, v in os.environ.items() if k != "CRMKIT_LANG"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True)
    assert out.stdout.strip() == "fr"


def test_the_french_button_opens_the_french_notebook():
    html = lite_button.banner("notebooks/02-loyalty", lambda target, resource: "../" + target,
                              None, "fr")
    assert ('href="../../lite/notebooks/index.html?path=fr/notebooks/02-loyalty.ipynb"'
            in html)
    assert "Ouvrir dans votre navigateur" in html


# ---------------------------------------------------------------------------------------
# the browser test's tables (benchmarks page)
# ---------------------------------------------------------------------------------------
def _entry(chapter, interactive, cpu, packages=5.0, load=4.0):
    return {"chapter": chapter, "kernel_ready_s": 10.0, "first_cell_s": interactive - 10.0,
            "first_cell_packages_s": packages, "interactive_s": interactive,
            "interactive_cpu_s": cpu, "run_all_s": 30.0, "bytes": 100e6, "load_average": load}


def test_browser_tables_give_the_median_and_range_of_the_runs():
    runs = [[_entry("notebooks/01-a", 40.0, 30.0, load=2.0), _entry("notebooks/02-b", 20.0, 15.0)],
            [_entry("notebooks/01-a", 60.0, 34.0, load=9.0), _entry("notebooks/02-b", 22.0, 16.0)],
            [_entry("notebooks/01-a", 50.0, 31.0, load=5.0), _entry("notebooks/02-b", 24.0, 17.0)]]
    first, second = bt.medians(runs)
    assert (first["interactive_s"], first["interactive_s_range"]) == (50.0, (40.0, 60.0))
    assert (first["interactive_cpu_s"], second["interactive_cpu_s"]) == (31.0, 16.0)
    table = bt.markdown({"runs": runs, "time": 0, "desktop_s": {"notebooks/01-a": 7.0}})
    assert "median of 3 runs" in table and "2.0–9.0" in table
    # first cell 40 s of which 5 s loading packages: 35 s running it
    assert "| 01-a | 5.0 | 10.0 | 5.0 | 35.0 | 50.0 (40.0–60.0) | 31.0 (30.0–34.0) | 30.0 | 7.0 |" \
        in table
    compare = bt.compare_markdown([{"runs": runs}], [{"chapters": [_entry("notebooks/01-a", 25.0,
                                                                         20.0)]}])
    assert "| **interactive: wall (s)** | 50.0 (40.0–60.0) | 25.0 |" in compare
