"""Build the course book, instructor or student edition, with warnings as errors.

Instructor edition: the notebooks as they are; solution cells (tagged ``solution``) carry
``hide-input`` so their code sits in a dropdown.  Student edition: a staged copy of the book
in which every cell tagged ``solution`` is removed (``make student``); its notebooks are the
exercise edition students open in JupyterLab.

A failing cell fails the build: ``nb_execution_raise_on_error`` in ``_config.yml`` plus
``--warningiserror`` here, and the exit code of jupyter-book is passed on.

The execution cache (jupyter-cache) re-runs a notebook only when its code cells change; it
does not see a change in crmkit or in the course market, after which the cached outputs
would be stale. :func:`refresh_cache` empties it when their fingerprint changes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
# what the book needs besides the notebooks; everything else stays out of the staged copy
BOOK_FILES = ["_config.yml", "_toc.yml", "book", "notebooks"]
SOLUTION_TAG = "solution"
STATIC_ENV = "CRMKIT_STATIC_BOOK"  # read by crmkit.display.static_book


def strip_solutions(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """Return ``nb`` without its cells tagged ``solution``, and how many were removed."""
    keep = [c for c in nb.cells if SOLUTION_TAG not in c.get("metadata", {}).get("tags", [])]
    removed = len(nb.cells) - len(keep)
    nb.cells = keep
    return nb, removed


def make_student_edition(src: Path, dst: Path) -> dict[str, int]:
    """Copy the book from ``src`` to ``dst`` without solution cells; return removals per notebook."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    for name in BOOK_FILES:
        s = src / name
        if s.is_dir():
            shutil.copytree(s, dst / name, ignore=shutil.ignore_patterns(
                ".ipynb_checkpoints", "__pycache__", "_build"))
        elif s.exists():
            shutil.copy2(s, dst / name)
    removed = {}
    for path in sorted((dst / "notebooks").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb, n = strip_solutions(nb)
        nbformat.write(nb, path)
        removed[str(path.relative_to(dst))] = n
    return removed


def fingerprint(root: Path = ROOT) -> str:
    """Hash of what the notebooks' outputs depend on besides their code: crmkit's sources
    and data files, and the course market's parameters (``datasets/market/market.json``,
    which names the generator version)."""
    h = hashlib.sha256()
    files = [f for f in sorted((root / "crmkit").rglob("*"))
             if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc"]
    files += [root / "datasets" / "market" / "market.json"]
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes() if f.exists() else b"missing")
    return h.hexdigest()


def refresh_cache(source: Path, value: str | None = None) -> bool:
    """Empty the execution cache of the book at ``source`` if crmkit or the market changed
    since it was filled; return whether it was emptied."""
    config = yaml.safe_load((source / "_config.yml").read_text())
    cache = source / config["execute"]["cache"]
    stamp = cache.with_name(cache.name + ".fingerprint")
    value = fingerprint() if value is None else value
    stale = cache.exists() and (not stamp.exists() or stamp.read_text() != value)
    if stale:
        print(f"crmkit or the course market changed since {cache} was filled: "
              "every notebook is executed again")
        shutil.rmtree(cache)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(value)
    return stale


def build(source: Path, output: Path) -> int:
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source),
           "--path-output", str(output), "--warningiserror", "--keep-going"]
    print("+", " ".join(cmd), flush=True)
    # the static book has no kernel: the explorers show precomputed settings, not sliders
    # that would move and change nothing (crmkit.display.static_book)
    return subprocess.call(cmd, env=os.environ | {STATIC_ENV: "1"})


def make_preview(src: Path, dst: Path, pages: list[str]) -> None:
    """Stage a small book with the reference pages and only ``pages`` (chapter authors'
    quick check that one chapter builds with warnings as errors)."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    shutil.copy2(src / "_config.yml", dst / "_config.yml")
    shutil.copytree(src / "book", dst / "book")
    for page in pages:
        (dst / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / page, dst / page)
    refs = [f"book/{n}" for n in ("glossary", "bibliography", "datasheet")
            if (src / "book" / f"{n}.md").exists()]
    entries = [str(Path(p).with_suffix("")) for p in pages] + refs
    (dst / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n"
        + "".join(f"  - file: {e}\n" for e in ["book/how-to-use", *entries]))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--edition", choices=["instructor", "student"], default="instructor")
    p.add_argument("--preview", nargs="+", metavar="PAGE",
                   help="build only these pages (plus intro and reference pages) "
                        "into _build/preview-<first page>/")
    args = p.parse_args(argv)
    if args.preview:
        staged = ROOT / "_build" / f"preview-{Path(args.preview[0]).stem}"
        make_preview(ROOT, staged, args.preview)
        rc = build(staged, staged)
        index = staged / "_build" / "html" / "index.html"
    elif args.edition == "instructor":
        # staged builds (preview, student) start from an empty folder, hence an empty cache
        refresh_cache(ROOT)
        rc = build(ROOT, ROOT)  # -> _build/html
        index = ROOT / "_build" / "html" / "index.html"
    else:
        staged = ROOT / "_build" / "student_src"
        removed = make_student_edition(ROOT, staged)
        print(f"student edition: removed {sum(removed.values())} solution cells "
              f"from {len(removed)} notebooks -> {staged / 'notebooks'}")
        rc = build(staged, ROOT / "_build" / "student")
        index = ROOT / "_build" / "student" / "_build" / "html" / "index.html"
    if rc == 0:
        print(f"book written to {index}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
