"""The French edition's catalogs: which English messages they lack, and whether each
translation keeps what must not be translated.

The book's English text is extracted by Sphinx's gettext builder into one template
(``.pot``) per page (``tools/build_book.py``); ``book/locale/fr/LC_MESSAGES/<page>.po``
holds the translations, kept in step by ``sphinx-intl update`` (a new English message
arrives empty, a changed one fuzzy). A message is *translated* when its catalog has it,
not fuzzy, with a non-empty translation; anything else is *untranslated* and the page
shows the English text.

Usage::

    python tools/i18n.py                 # the count of untranslated strings, per page
    python tools/i18n.py --update        # sphinx-intl update: catalogs in step with the English
    python tools/i18n.py --start book/datasheet   # start translating a page: create its catalog
    python tools/i18n.py --export book/datasheet  # its untranslated messages, to a work file
    python tools/i18n.py --fill book/datasheet FILE   # the work file's translations, into the catalog

A work file holds one block per message: a line ``@@ <key>`` (the message's digest, so a
block can only fill the message it was written for), then the text. ``--export`` writes the
English; the translator replaces each block's text with the French (blocks may be split
over several files, kept in any order, and a block left in English is skipped; a block
holding only ``=`` says the French is the English: a name, a number, code), and
``--fill`` writes the translations into the catalog after checking that each keeps the
message's markup (:func:`kept_markup`).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import string
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
GETTEXT = ROOT / "_build" / "gettext"
LOCALE = ROOT / "book" / "locale"


@dataclass(frozen=True)
class Status:
    """The state of one page's catalog against the page's English messages."""

    page: str
    total: int
    translated: int
    fuzzy: int

    @property
    def untranslated(self) -> int:
        """Messages the page shows in English: missing, empty or fuzzy."""
        return self.total - self.translated


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


PAGE_SUFFIXES = (".md", ".ipynb", ".rst")


def from_a_page(message) -> bool:
    """Whether a message comes from a page of the book (not only from a docstring that
    autodoc put on an API page: the code's documentation stays English)."""
    return any(str(f).endswith(PAGE_SUFFIXES) for f, _ in message.locations)


def keep_page_messages(src: Path, out: Path) -> dict[str, int]:
    """Copy the templates of the book's pages from ``src`` into ``out`` with only the
    pages' own messages (:func:`from_a_page`); return the messages kept per page."""
    kept = {}
    wanted = set()
    for pot in sorted(src.rglob("*.pot")):
        if pot.relative_to(src).parts[0].startswith("_"):  # _static: theme files, no page
            continue
        catalog = read_catalog(pot)
        for message in list(catalog):
            if message.id and not from_a_page(message):
                del catalog[message.id, message.context]
            elif message.id:
                # the page's file without line numbers: an edit above a paragraph does not
                # touch every catalog entry below it
                message.locations = sorted({(re.sub(r"^(\.\./)+", "", str(f)), None)
                                            for f, _ in message.locations
                                            if str(f).endswith(PAGE_SUFFIXES)})
        rel = pot.relative_to(src)
        kept[rel.with_suffix("").as_posix()] = sum(1 for m in catalog if m.id)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as fh:
            write_po(fh, catalog, width=0, omit_header=False)
        wanted.add(target)
    for stale in out.rglob("*.pot"):
        if stale not in wanted:
            stale.unlink()
    return kept


# The checker's own catalogs (crmkit._i18n): shipped inside the package, so
# that pip installs and the browser edition have them; named "crmkit/<catalog>" here, beside
# the book's pages, and counted, updated, exported and filled the same way.
CRMKIT_LOCALE = ROOT / "crmkit" / "locale"
CRMKIT = "crmkit/"


def catalog_file(page: str, locale: Path = LOCALE, lang: str = "fr",
                 crmkit_locale: Path = CRMKIT_LOCALE) -> Path:
    """The ``lang`` catalog of ``page``: a page of the book (``notebooks/02-loyalty``) or one
    of the checker's catalogs (``crmkit/checker``, ``crmkit/exercises/loyalty``)."""
    if page.startswith(CRMKIT):
        return crmkit_locale / lang / "LC_MESSAGES" / f"{page[len(CRMKIT):]}.po"
    return locale / lang / "LC_MESSAGES" / f"{page}.po"


def checker_messages() -> dict[str, list[tuple[str, str]]]:
    """The English texts the exercise checker shows, per catalog, with where each is
    written: ``crmkit/checker`` holds the messages of ``crmkit/exercises/_core.py`` (the
    strings it passes to ``tr`` or ``mark``, found by Babel's extractor); each
    ``crmkit/exercises/<module>`` the hints and explanations its exercises register; and
    ``crmkit/synth/parameters`` the meanings, units and sources of the generator's
    parameters (``crmkit.synth.parameters``) and ``crmkit/synth/targets`` the publishers and
    title notes of the calibration targets' sources (``crmkit.synth.validation``), both shown
    on the validation page."""
    from babel.messages.extract import extract_from_file

    sys.path.insert(0, str(ROOT))
    from crmkit import _i18n
    from crmkit.exercises import _core

    core = ROOT / "crmkit" / "exercises" / "_core.py"
    out: dict[str, list[tuple[str, str]]] = {CRMKIT + _i18n.CHECKER: [
        (text, "crmkit/exercises/_core.py")
        for _, text, _, _ in extract_from_file("python", str(core),
                                               keywords={"tr": None, "mark": None})]}
    for ex_id in _core.exercises():
        ex = _core._REGISTRY[ex_id]
        module = (ex.solution.__module__ if ex.solution else _core._OWNERS[ex_id].split(":")[0])
        if not module.startswith("crmkit.exercises."):
            continue  # registered at run time (a doctest, a notebook): not the kit's
        name = module.rsplit(".", 1)[1]
        where = f"crmkit/exercises/{name}.py"
        out.setdefault(f"{CRMKIT}exercises/{name}", []).extend(
            (text, where) for text in (ex.hint, ex.explanation) if text)
    # the generator's parameters (meaning, unit, source), listed on the validation page
    from crmkit.synth.parameters import PARAMS
    out[CRMKIT + "synth/parameters"] = [(text, "crmkit/synth/parameters.yaml") for text in PARAMS.texts()]
    # the targets' sources (publishers, notes after a title), listed on the validation page
    from crmkit.synth.validation import source_texts
    out[CRMKIT + "synth/targets"] = [(text, "crmkit/synth/targets.yaml") for text in source_texts()]
    return out


def write_hidden_templates(out: Path = GETTEXT) -> dict[str, int]:
    """Write the template of the Markdown cells the book hides (``remove-cell``: Sphinx
    extracts nothing from them) into ``out``, named like a page
    (``translate_notebook.HIDDEN``): the French browser edition translates them from its
    catalog, counted and kept in step as the pages' are. Return its count of messages."""
    sys.path.insert(0, str(ROOT / "tools"))
    import translate_notebook as tn

    catalog = Catalog(locale=None)
    for text, where in tn.hidden_messages():
        catalog.add(text, locations=[(where, None)])
    pot = out / f"{tn.HIDDEN}.pot"
    pot.parent.mkdir(parents=True, exist_ok=True)
    with pot.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)
    return {tn.HIDDEN: len(catalog)}


def write_checker_templates(out: Path = GETTEXT) -> dict[str, int]:
    """Write a template (``.pot``) per checker catalog into ``out``, beside the pages';
    return the messages per catalog."""
    kept = {}
    for page, messages in checker_messages().items():
        catalog = Catalog(locale=None)
        for text, where in messages:
            catalog.add(text, locations=[(where, None)])
        pot = out / f"{page}.pot"
        pot.parent.mkdir(parents=True, exist_ok=True)
        with pot.open("wb") as fh:
            write_po(fh, catalog, width=0, omit_header=False)
        kept[page] = len(catalog)
    return kept


def status(pot_dir: Path = GETTEXT, locale: Path = LOCALE, lang: str = "fr",
           crmkit_locale: Path = CRMKIT_LOCALE) -> dict[str, Status]:
    """Per page (and checker catalog), how many of its English messages the ``lang``
    catalog translates."""
    out = {}
    for pot in sorted(pot_dir.rglob("*.pot")):
        page = pot.relative_to(pot_dir).with_suffix("").as_posix()
        ids = [m.id for m in read_catalog(pot) if m.id]
        po = catalog_file(page, locale, lang, crmkit_locale)
        catalog = read_catalog(po) if po.exists() else Catalog(locale=lang)
        translated = fuzzy = 0
        for mid in ids:
            m = catalog.get(mid)
            if m is None:
                continue
            if m.fuzzy:
                fuzzy += 1
            elif m.string:
                translated += 1
        out[page] = Status(page, len(ids), translated, fuzzy)
    return out


# what a translation must carry over unchanged: glued values, citations, cross-references,
# math, inline code and link targets; a {term} may be linked by its French name
_KEPT = re.compile(
    r"\{[a-z][a-z:-]*\}`[^`]*`"  # MyST roles
    r"|\$[^$]+\$"  # inline math
    r"|`[^`]+`"  # inline code
    r"|\]\([^)]+\)"  # link targets
)


def kept_markup(text: str) -> Counter:
    """The pieces of a message its translation must carry unchanged.

    >>> sorted(kept_markup("Half ({glue:text}`half:.0%`) left, see {numref}`fig-a` "
    ...                    "and {term}`churn`; $r^t$ in `crmkit.clv` [here](a.md)."))
    ['$r^t$', '](a.md)', '`crmkit.clv`', '{glue:text}`half:.0%`', '{numref}`fig-a`']
    >>> kept_markup("{doc}`glossaire <glossary>`") == kept_markup("{doc}`the glossary <glossary>`")
    True
    """
    pieces = Counter()
    for m in _KEPT.finditer(text):
        piece = m.group(0)
        if piece.startswith("{term}"):
            continue
        # a role's title may be translated, its target not: {doc}`glossaire <glossary>`
        pieces[re.sub(r"^(\{[^}]+\}`)[^`<]*<([^`>]+)>`$", r"\1<\2>`", piece)] += 1
    return pieces


def fields(text: str) -> Counter:
    """The ``{placeholders}`` of a checker message, which its translation must keep.

    >>> sorted(fields("Expected {n} item(s), got {m!r}.").elements())
    ['m', 'n']
    """
    return Counter(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def lost_markup(page: str, english: str, translation: str) -> str | None:
    """What ``translation`` lost or added of ``english``'s markup (and, in the checker's
    catalogs, of its placeholders), or None when it keeps all of it."""
    want, got = kept_markup(english), kept_markup(translation)
    if page.startswith(CRMKIT):
        want, got = want + fields(english), got + fields(translation)
    if want == got:
        return None
    return f"lost {sorted((want - got).elements())}, added {sorted((got - want).elements())}"


def markup_mismatches(locale: Path = LOCALE, lang: str = "fr",
                      crmkit_locale: Path = CRMKIT_LOCALE) -> list[str]:
    """Translations that lost or changed a glued value, a citation, a reference, math,
    code or a link target of their English message (or a checker message's placeholder)."""
    problems = []
    for root, prefix in ((locale, ""), (crmkit_locale, CRMKIT)):
        catalogs = root / lang / "LC_MESSAGES"
        for po in sorted(catalogs.rglob("*.po")):
            page = prefix + po.relative_to(catalogs).with_suffix("").as_posix()
            for m in read_catalog(po):
                if not m.id or not m.string or m.fuzzy:
                    continue
                lost = lost_markup(page, m.id, m.string)
                if lost:
                    problems.append(f"{page}: {m.id[:60]!r}: {lost}")
    return problems


def summary(statuses: dict[str, Status]) -> str:
    """One line for the build's output."""
    total = sum(s.total for s in statuses.values())
    left = sum(s.untranslated for s in statuses.values())
    fuzzy = sum(s.fuzzy for s in statuses.values())
    pages = sum(1 for s in statuses.values() if s.untranslated)
    return (f"French edition: {left} of {total} strings untranslated ({fuzzy} fuzzy), "
            f"on {pages} of {len(statuses)} pages")


def update(pot_dir: Path = GETTEXT, locale: Path = LOCALE, lang: str = "fr",
           start: tuple[str, ...] = ()) -> int:
    """``sphinx-intl update`` of the pages already started plus the pages ``start``: add
    the new English messages (empty), mark the changed ones fuzzy, keep the obsolete ones
    commented out. A page not started gets no catalog (its English may change freely)."""
    import shutil
    import tempfile

    catalogs = locale / lang / "LC_MESSAGES"
    pages = {po.relative_to(catalogs).with_suffix("").as_posix() for po in catalogs.rglob("*.po")}
    unknown = [p for p in start if not (pot_dir / f"{p}.pot").exists()]
    if unknown:
        print(f"no English messages for {unknown} in {pot_dir}")
        return 1
    # the checker's catalogs are always kept in step (they are small and shown to students)
    checker = {pot.relative_to(pot_dir).with_suffix("").as_posix()
               for pot in (pot_dir / CRMKIT.rstrip("/")).rglob("*.pot")}
    exe = Path(sys.executable).parent / "sphinx-intl"
    rc = 0
    for todo, root, strip in ((pages | set(start)) - checker, locale, ""), \
                             (checker, CRMKIT_LOCALE, CRMKIT):
        with tempfile.TemporaryDirectory() as tmp:
            for page in sorted(todo):
                pot = pot_dir / f"{page}.pot"
                if pot.exists():
                    dst = Path(tmp) / f"{page[len(strip):]}.pot"
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(pot, dst)
            rc = rc or subprocess.call([str(exe), "update", "-p", tmp, "-d", str(root),
                                        "-l", lang, "-w", "0"])
    return rc


def message_key(text: str) -> str:
    """A short digest naming an English message in a work file."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


WORK = ROOT / "_build" / "i18n-work"
SAME = "="  # a work file's block holding only this: the translation is the English text


def export(page: str, locale: Path = LOCALE, lang: str = "fr", out: Path = WORK) -> Path:
    """Write the untranslated messages of ``page``'s catalog (missing, empty or fuzzy, in
    the page's order) into a work file, one ``@@ key`` block each; return its path."""
    catalog = read_catalog(catalog_file(page, locale, lang))
    blocks = [f"@@ {message_key(m.id)}\n{m.id}\n" for m in catalog
              if m.id and (m.fuzzy or not m.string)]
    path = out / f"{page}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def read_work(path: Path) -> dict[str, str]:
    """The blocks of a work file, key -> text (surrounding blank lines dropped)."""
    out: dict[str, str] = {}
    key = None
    lines: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), "@@ end"]:
        if line.startswith("@@ "):
            if key is not None:
                out[key] = "\n".join(lines).strip("\n")
            key, lines = line[3:].strip(), []
        elif key is not None:
            lines.append(line)
    out.pop("end", None)
    return out


def fill(page: str, works: list[Path], locale: Path = LOCALE, lang: str = "fr") -> list[str]:
    """Write the translations of the work files ``works`` into ``page``'s catalog. A block
    equal to its English is skipped (not yet translated); a block whose key names no
    message of the page, or whose translation loses or adds markup, is refused. Return the
    problems (nothing is written unless there are none)."""
    po = catalog_file(page, locale, lang)
    catalog = read_catalog(po)
    by_key = {message_key(m.id): m for m in catalog if m.id}
    problems, done, same = [], 0, 0
    for work in works:
        for key, text in read_work(work).items():
            m = by_key.get(key)
            if m is None:
                problems.append(f"{work.name}: @@ {key} names no message of {page}")
            elif not text or text == m.id:
                same += text == m.id
                continue
            elif text == SAME:  # the French is the English (a name, a number, a code)
                m.string, done = m.id, done + 1
                m.flags.discard("fuzzy")
                m.previous_id = []
            elif lost := lost_markup(page, m.id, text):
                problems.append(f"{work.name}: @@ {key} ({m.id[:50]!r}): {lost}")
            else:
                m.string, done = text, done + 1
                m.flags.discard("fuzzy")
                m.previous_id = []
    if not problems:
        with po.open("wb") as fh:
            write_po(fh, catalog, width=0)
        print(f"{page}: {done} translations written")
        if same:
            print(f"{page}: {same} block(s) left equal to their English were skipped (untranslated); "
                  f"where the French is the English (a name, a number, code), write {SAME!r} "
                  "alone as the block's text")
    return problems


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--update", action="store_true", help="run sphinx-intl update first")
    p.add_argument("--start", nargs="+", default=(), metavar="PAGE",
                   help="create the catalogs of these pages (e.g. book/datasheet), to translate")
    p.add_argument("--export", metavar="PAGE",
                   help="write the page's untranslated messages into _build/i18n-work/PAGE.txt")
    p.add_argument("--fill", nargs="+", metavar=("PAGE", "FILE"),
                   help="write the translations of the work FILEs into the page's catalog")
    args = p.parse_args(argv)
    if args.export:
        print(export(args.export))
        return 0
    if args.fill:
        problems = fill(args.fill[0], [Path(f) for f in args.fill[1:]])
        print("\n".join(problems))
        return 1 if problems else 0
    if not GETTEXT.exists():
        print(f"no English messages in {GETTEXT}: run tools/build_book.py --lang fr "
              "(or --update-catalogs) first")
        return 1
    if (args.update or args.start) and update(start=tuple(args.start)) != 0:
        return 1
    statuses = status()
    for s in statuses.values():
        if s.untranslated:
            print(f"{s.untranslated:6d}  {s.page}")
    print(summary(statuses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
