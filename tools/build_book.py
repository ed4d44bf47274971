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

Languages (``--lang en fr``; issue 22): the French edition is the same book built with
``language: fr`` and the gettext catalogs of ``book/locale/fr/LC_MESSAGES`` (one per page),
its notebooks executed with ``CRMKIT_LANG=fr`` so crmkit draws and prints in French, with an
execution cache of its own (the cache keys on code, and the code is the same). Its pages go
into ``fr/`` inside the English site (``_build/html/fr``, ``_build/student/_build/html/fr``).
Before it builds, the English messages are extracted (Sphinx's gettext builder, without
executing anything) into ``_build/gettext`` and compared with the catalogs: the count of
untranslated strings is printed, and ``tests/test_translations.py`` holds it to
``tests/data/untranslated_fr.txt``. Two languages are built side by side, one per core.
``--update-catalogs`` brings the catalogs in step with the English text (``sphinx-intl
update``: new messages empty, changed ones fuzzy) and builds nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
# what the book needs besides the notebooks; everything else stays out of the staged copy
BOOK_FILES = ["_config.yml", "_toc.yml", "book", "notebooks"]
SOLUTION_TAG = "solution"
STATIC_ENV = "CRMKIT_STATIC_BOOK"  # read by crmkit.display.static_book
LANG_ENV = "CRMKIT_LANG"  # read by crmkit.labels at import
LANGUAGES = ("en", "fr")
LOCALE = ROOT / "book" / "locale"  # the catalogs: book/locale/<lang>/LC_MESSAGES/<page>.po
GETTEXT = ROOT / "_build" / "gettext"  # the English messages, one .pot per page
# what the French edition says in its configuration rather than in a page (the theme,
# sphinx-exercise and sphinx-togglebutton translate their own words)
TITLES = {"fr": "GRC : données clients, fidélité, valeur — un cours exécutable"}
AUTHORS = {"fr": "les développeurs de crmkit"}  # the footer's "By ..."
INTERFACE = {"fr": {"nb_code_prompt_show": "Afficher la cellule",  # myst-nb's dropdowns
                    "nb_code_prompt_hide": "Masquer la cellule",
                    # "Dick et Basu" (book/_ext/editions.py registers the style)
                    "bibtex_reference_style": "author_year_fr"}}


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


def cache_path(source: Path, lang: str = "en") -> Path:
    """The execution cache of the ``lang`` edition of the book at ``source``: the French
    notebooks run the same code in another language, so they keep their own outputs."""
    config = yaml.safe_load((source / "_config.yml").read_text())
    cache = source / config["execute"]["cache"]
    return cache if lang == "en" else cache.with_name(f"{cache.name}-{lang}")


def refresh_cache(source: Path, value: str | None = None, lang: str = "en") -> bool:
    """Empty the execution cache of the book at ``source`` if crmkit or the market changed
    since it was filled; return whether it was emptied."""
    cache = cache_path(source, lang)
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


def edition_config(source: Path, lang: str, folder: Path) -> Path | None:
    """Write the configuration of the ``lang`` edition of the book at ``source`` into
    ``folder`` and return its path (None for English: the book's own ``_config.yml``).

    The French one is the English one plus ``language: fr``, a French title and its own
    execution cache; the paths jupyter-book reads relative to the configuration file are
    made absolute, since the file is not beside the book.
    """
    if lang == "en":
        return None
    config = yaml.safe_load((source / "_config.yml").read_text())
    config["title"] = TITLES.get(lang, config.get("title"))
    config["author"] = AUTHORS.get(lang, config.get("author"))
    config["execute"]["cache"] = str(cache_path(source, lang))
    sphinx = config.setdefault("sphinx", {})
    sphinx["local_extensions"] = {name: str((source / path).resolve())
                                  for name, path in (sphinx.get("local_extensions") or {}).items()}
    sphinx.setdefault("config", {}).update(language=lang, **INTERFACE.get(lang, {}))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "_config.yml"
    path.write_text("# generated by tools/build_book.py: the " + lang + " edition\n"
                    + yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return path


def build_command(source: Path, output: Path, config: Path | None = None,
                  builder: str | None = None) -> list[str]:
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source),
           "--path-output", str(output), "--warningiserror", "--keep-going"]
    if config is not None:
        cmd += ["--config", str(config)]
    if builder is not None:
        cmd += ["--builder", "custom", "--custom-builder", builder]
    return cmd


def build_env(lang: str = "en") -> dict[str, str]:
    # the static book has no kernel: the explorers show precomputed settings, not sliders
    # that would move and change nothing (crmkit.display.static_book); the kernels start
    # in the edition's language (crmkit.labels reads CRMKIT_LANG)
    return os.environ | {STATIC_ENV: "1", LANG_ENV: lang}


def extract_messages(source: Path = ROOT, out: Path = GETTEXT) -> int:
    """The English messages of every page of the book at ``source``, one ``.pot`` per page
    in ``out`` (Sphinx's gettext builder; no notebook is executed). The API pages'
    docstrings are left out: the code's documentation stays English."""
    import i18n

    work = ROOT / "_build" / "i18n"
    config = yaml.safe_load((source / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    config["execute"]["cache"] = str(work / ".jupyter_cache")  # not the HTML builds' own
    sphinx = config.setdefault("sphinx", {})
    # nothing executed, nothing glued: the messages are the source text, glue roles and all
    options = sphinx.setdefault("config", {})
    options["suppress_warnings"] = [*options.get("suppress_warnings", []), "mystnb.glue"]
    sphinx["local_extensions"] = {name: str((source / path).resolve())
                                  for name, path in (sphinx.get("local_extensions") or {}).items()}
    work.mkdir(parents=True, exist_ok=True)
    (work / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    cmd = build_command(source, work, work / "_config.yml", builder="gettext")
    cmd.remove("--warningiserror")  # the HTML builds hold the pages to -W
    log = work / "gettext.log"
    with log.open("w") as fh:
        rc = subprocess.call(cmd, env=build_env("en"), stdout=fh, stderr=subprocess.STDOUT)
    if rc != 0:
        print(log.read_text()[-4000:])
        return rc
    i18n.keep_page_messages(work / "_build" / "gettext", out)
    i18n.write_checker_templates(out)  # the exercise checker's messages, beside the pages'
    i18n.write_hidden_templates(out)  # the notebooks' cells the book hides (browser edition)
    return 0


def make_preview(src: Path, dst: Path, pages: list[str]) -> None:
    """Stage a small book with the reference pages and only ``pages`` (chapter authors'
    quick check that one chapter builds with warnings as errors)."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    config = yaml.safe_load((src / "_config.yml").read_text())
    # links to pages left out of the preview are checked by the full build, not here
    options = config.setdefault("sphinx", {}).setdefault("config", {})
    options["suppress_warnings"] = [*options.get("suppress_warnings", []),
                                    "ref.doc", "ref.ref", "ref.numref"]
    (dst / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
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


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:04.1f} s"


def report_messages(lang: str = "fr") -> int:
    """Extract the English messages and print how many the ``lang`` catalogs lack (also
    written to ``_build/untranslated-<lang>.txt``)."""
    import i18n

    start = time.monotonic()
    rc = extract_messages()
    line = i18n.summary(i18n.status(lang=lang)) if rc == 0 else "message extraction failed"
    (ROOT / "_build" / f"untranslated-{lang}.txt").write_text(line + "\n")
    print(f"[{lang}] {line} (messages extracted in {_minutes(time.monotonic() - start)})",
          flush=True)
    return rc


def build_language(source: Path, output: Path, lang: str, log: Path | None = None) -> int:
    """Build the ``lang`` edition of the book at ``source``; English into
    ``output/_build/html``, French into ``output/_build/fr/_build/html`` (then copied into
    the English site by :func:`place_french`). With ``log``, the build's output goes there."""
    out = output if lang == "en" else output / "_build" / lang
    refresh_cache(source, lang=lang)
    cmd = build_command(source, out, edition_config(source, lang, out))
    print(f"[{lang}] +", " ".join(cmd), flush=True)
    with (log.open("w") if log else open(os.devnull, "w")) as fh:
        sink = {"stdout": fh, "stderr": subprocess.STDOUT} if log else {}
        rc = subprocess.call(cmd, env=build_env(lang), **sink)
    if rc != 0 and log:
        print(f"[{lang}] FAILED (exit {rc}); the end of {log}:")
        print("".join(log.read_text().splitlines(keepends=True)[-80:]), flush=True)
    return rc


def place_french(output: Path, lang: str = "fr") -> Path:
    """Copy the ``lang`` edition's pages into ``lang/`` inside the English site, so that
    one folder (or web server) holds both and the language switch links are relative."""
    site = output / "_build" / "html" / lang
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(output / "_build" / lang / "_build" / "html", site)
    return site


def build_editions(source: Path, output: Path, langs: list[str], edition: str = "instructor") -> int:
    """Build the languages ``langs`` of the book at ``source``, side by side (one core
    each), and place the French pages inside the English site."""
    import threading

    start = time.monotonic()
    rcs, times = {}, {}
    logs = ROOT / "_build" / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    def run(lang):
        t0 = time.monotonic()
        log = logs / f"book-{edition}-{lang}.log" if len(langs) > 1 else None
        if log:
            print(f"[{lang}] building; its output goes to {log}", flush=True)
        rcs[lang] = build_language(source, output, lang, log)
        times[lang] = time.monotonic() - t0
        print(f"[{lang}] built in {_minutes(times[lang])}" if rcs[lang] == 0 else "", flush=True)

    def messages(lang):
        rcs[f"{lang} messages"] = report_messages(lang)

    # the French edition's English messages are extracted beside the builds (the count of
    # untranslated strings and tests/test_translations.py read them; the build does not)
    jobs = [(run, lang) for lang in langs] + [(messages, lang) for lang in langs if lang != "en"]
    threads = [threading.Thread(target=job, args=(lang,)) for job, lang in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if all(rc == 0 for rc in rcs.values()):
        for lang in langs:
            if lang != "en":
                print(f"[{lang}] pages placed in {place_french(output, lang)}")
    report = ", ".join(f"{lang} {_minutes(times[lang])}" for lang in langs if lang in times)
    print(f"build times: {report}; wall {_minutes(time.monotonic() - start)}", flush=True)
    # a build killed by a signal returns a negative code: anything but 0 fails
    return 0 if all(rc == 0 for rc in rcs.values()) else 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--edition", choices=["instructor", "student"], default="instructor")
    p.add_argument("--lang", nargs="+", choices=LANGUAGES, default=["en"],
                   help="the languages to build, side by side (default: en); the French "
                        "pages go into fr/ inside the English site")
    p.add_argument("--update-catalogs", action="store_true",
                   help="extract the English messages and bring book/locale's catalogs in "
                        "step with them (sphinx-intl update); build nothing")
    p.add_argument("--preview", nargs="+", metavar="PAGE",
                   help="build only these pages (plus intro and reference pages) "
                        "into _build/preview-<first page>/")
    args = p.parse_args(argv)
    if args.update_catalogs:
        import i18n

        rc = extract_messages() or i18n.update()
        if rc == 0:
            print(i18n.summary(i18n.status()))
        return rc
    langs = list(dict.fromkeys(args.lang))
    if args.preview:
        staged = ROOT / "_build" / f"preview-{Path(args.preview[0]).stem}"
        make_preview(ROOT, staged, args.preview)
        # a translator's check: --lang fr builds the French preview (the page's catalog)
        rc = 0
        for lang in langs:
            rc = rc or build_language(staged, staged, lang)
        index = (staged / "_build" / ("html" if langs == ["en"] else f"{langs[-1]}/_build/html")
                 / "index.html")
    elif args.edition == "instructor":
        # staged builds (preview, student) start from an empty folder, hence an empty cache
        rc = build_editions(ROOT, ROOT, langs)  # -> _build/html, _build/html/fr
        index = ROOT / "_build" / "html" / "index.html"
    else:
        staged = ROOT / "_build" / "student_src"
        removed = make_student_edition(ROOT, staged)
        print(f"student edition: removed {sum(removed.values())} solution cells "
              f"from {len(removed)} notebooks -> {staged / 'notebooks'}")
        rc = build_editions(staged, ROOT / "_build" / "student", langs, "student")
        index = ROOT / "_build" / "student" / "_build" / "html" / "index.html"
    if rc == 0:
        print(f"book written to {index}" + (f" (French: {index.parent / 'fr' / 'index.html'})"
                                            if "fr" in langs and not args.preview else ""))
    return rc


if __name__ == "__main__":
    sys.exit(main())
