"""A chapter's notebook in another language, made from the English notebook and the page's
gettext catalog (the French book's, ``book/locale/fr/LC_MESSAGES/notebooks/*.po``).

The browser edition (``tools/build_lite.py``) ships the chapters as notebooks, not as pages:
the French edition's translations, which Sphinx applies to the parsed page, have to be put
back into the notebook's Markdown. Sphinx's messages are the text of the page's blocks after
MyST parsing (a paragraph with its lines joined, a list item without its marker, a heading
without its hashes, a table cell, a dropdown's title), so each Markdown cell is parsed with
the parser the book uses (myst-parser's markdown-it configuration, from ``_config.yml``) and
each block whose text is a translated message has its source span replaced by the
translation. Code cells, glue roles and directives' syntax (fences, options) are left as
they are; a block whose text is not a translated message stays English.

The Markdown cells the book hides (tagged ``remove-cell``: the note before a chapter's
closing checks) are in no page's catalog, since Sphinx never sees them; they have their own,
``book/locale/fr/LC_MESSAGES/notebooks/hidden-cells.po`` (:data:`HIDDEN`, its English
messages extracted by :func:`hidden_messages` beside the pages', ``tools/i18n.py``), so that
a French student reads no English in the browser edition either.

Usage::

    python tools/translate_notebook.py notebooks/02-loyalty   # the coverage of one page
    python tools/translate_notebook.py                        # of every chapter
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "book" / "locale"
# the catalog of the Markdown cells the book hides (tagged HIDDEN_TAG), named like a page
HIDDEN = "notebooks/hidden-cells"
HIDDEN_TAG = "remove-cell"
# directives whose body is not Markdown (code, maths, glued outputs): never parsed for prose
LITERAL_DIRECTIVES = re.compile(r"^(code|code-block|code-cell|sourcecode|literalinclude|math|"
                                r"raw|glue(:.*)?|bibliography|csv-table|list-table|eval-rst|"
                                r"mermaid|graphviz)$")
# directives whose argument is a message (a title shown to the reader)
TITLED = re.compile(r"^(admonition|dropdown|exercise|figure|table|topic|sidebar|"
                    r"card|tab-item|prf:.*)$")


@cache
def _parser():
    """myst-parser's markdown-it parser with the book's MyST extensions."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    extensions = (config.get("parse") or {}).get("myst_enable_extensions") or []
    return create_md_parser(MdParserConfig(enable_extensions=set(extensions)), RendererHTML)


def message_text(text: str) -> str:
    """A block's text as Sphinx's gettext builder writes it (lines joined by spaces)."""
    return text.replace("\n", " ").strip()


def _blocks(source: str) -> list[tuple[str, str]]:
    """``(message, text)`` of ``source``'s translatable blocks, in document order: the inline
    content of paragraphs, headings, list items, table cells and definition lists, display
    maths (whose message is its source as written, as Sphinx keeps a literal block's), and
    the titles and Markdown bodies of directives (parsed again, as MyST does)."""
    out = []
    for token in _parser().parse(source):
        if token.type == "inline":
            out.append((message_text(token.content), token.content))
        elif token.type in ("math_block", "math_block_label", "amsmath"):
            out.append((token.content, token.content))
        elif token.type in ("fence", "colon_fence"):
            m = re.match(r"^\{([^}]+)\}\s*(.*)$", token.info.strip())
            if not m or LITERAL_DIRECTIVES.match(m.group(1)):
                continue
            if m.group(2) and TITLED.match(m.group(1)):
                out.append((message_text(m.group(2)), m.group(2)))
            out.extend(_blocks(_directive_body(token.content)))
    return out


def _directive_body(content: str) -> str:
    """A directive's content without its options (a ``---`` YAML block or ``:key:`` lines)."""
    lines = content.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            return "\n".join(lines[end + 1:])
    i = 0
    while i < len(lines) and re.match(r"^\s*:[\w-]+:", lines[i]):
        i += 1
    return "\n".join(lines[i:])


def _span(source: str, text: str, start: int) -> tuple[int, int] | None:
    """Where the block ``text`` (its lines, each stripped of the indentation, list marker or
    quote marker the parser removed) lies in ``source``, at or after ``start``."""
    lines = text.split("\n")
    first = source.find(lines[0], start)
    if first < 0:
        return None
    end = first + len(lines[0])
    for line in lines[1:]:
        nxt = source.find(line, end)
        # only a line break and what a block's lines may start with lie in between
        if nxt < 0 or not re.fullmatch(r"[ \t]*\n[ \t>]*(?:[-*+] |\d+[.)] )?[ \t]*",
                                       source[end:nxt]):
            return None
        end = nxt + len(line)
    return first, end


@dataclass
class Translation:
    """A translated notebook and what was placed in it."""

    notebook: nbformat.NotebookNode
    placed: set[str] = field(default_factory=set)  # msgids replaced at least once
    left: list[str] = field(default_factory=list)  # blocks of the notebook with no translation


def translate_markdown(source: str, messages: dict[str, str],
                       placed: set[str] | None = None, left: list[str] | None = None) -> str:
    """``source`` with every block whose text is a key of ``messages`` replaced by its
    value; the keys replaced are added to ``placed``, the blocks left to ``left``.

    >>> translate_markdown("# Loyalty\\n\\nA bank\\nor an insurer.\\n\\n- one *item*\\n",
    ...     {"Loyalty": "La fidélité", "A bank or an insurer.": "Une banque ou un assureur.",
    ...      "one *item*": "un *élément*"})
    '# La fidélité\\n\\nUne banque ou un assureur.\\n\\n- un *élément*\\n'
    """
    edits, cursor = [], 0
    for key, text in _blocks(source):
        span = _span(source, text.strip(), cursor) if text.strip() else None
        if span is None:
            continue
        cursor = span[1]
        if key in messages:
            # the span is the block's text without the blank lines around it
            edits.append((*span, messages[key].strip() if key != key.strip() else messages[key]))
            if placed is not None:
                placed.add(key)
        elif left is not None and key:
            left.append(key)
    for start, end, new in reversed(edits):
        source = source[:start] + new + source[end:]
    return source


def catalog(page: str, lang: str = "fr", locale: Path = LOCALE) -> dict[str, str]:
    """The translated messages of ``page``'s catalog: ``{English: translation}`` (fuzzy and
    empty entries left out, as Sphinx leaves them)."""
    from babel.messages.pofile import read_po

    path = locale / lang / "LC_MESSAGES" / f"{page}.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh)
                if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


def hidden(cell) -> bool:
    """Whether the book hides ``cell`` (so that it has no message in its page's catalog)."""
    return HIDDEN_TAG in cell.get("metadata", {}).get("tags", [])


def hidden_messages(root: Path = ROOT) -> list[tuple[str, str]]:
    """``(message, notebook)`` of the blocks of the Markdown cells the book hides in the
    chapters and workshops (``notebooks/``), in file order: the English messages of
    :data:`HIDDEN`'s catalog."""
    out = []
    for path in sorted((root / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown" and hidden(cell):
                out.extend((key, path.relative_to(root).as_posix())
                           for key, _ in _blocks(cell.source) if key)
    return out


def translate_notebook(nb: nbformat.NotebookNode, messages: dict[str, str],
                       hidden_cells: dict[str, str] | None = None) -> Translation:
    """A copy of ``nb`` whose Markdown cells are translated with ``messages`` (the cells the
    book hides with ``hidden_cells``, :data:`HIDDEN`'s catalog); code cells are the same
    objects' copies, untouched. ``placed`` and ``left`` are of the page's messages."""
    out = Translation(copy.deepcopy(nb))
    for cell in out.notebook.cells:
        if cell.cell_type != "markdown":
            continue
        if hidden(cell):
            cell.source = translate_markdown(cell.source, hidden_cells or {})
        else:
            cell.source = translate_markdown(cell.source, messages, out.placed, out.left)
    return out


def coverage(page: str, lang: str = "fr", root: Path = ROOT) -> tuple[int, int, list[str]]:
    """``(placed, translated, not placed)`` for ``page``: how many of its catalog's
    translated messages are found and replaced in its notebook."""
    messages = catalog(page, lang)
    nb = nbformat.read(root / f"{page}.ipynb", as_version=4)
    done = translate_notebook(nb, messages)
    missing = [m for m in messages if m not in done.placed]
    return len(done.placed), len(messages), missing


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pages", nargs="*", help="pages (default: every chapter of the browser "
                                            "edition)")
    p.add_argument("--lang", default="fr")
    args = p.parse_args(argv)
    if not args.pages:
        sys.path.insert(0, str(ROOT / "tools"))
        from build_lite import chapters

        args.pages = chapters()
    total = [0, 0]
    for page in args.pages:
        placed, translated, missing = coverage(page, args.lang)
        total[0] += placed
        total[1] += translated
        print(f"{page}: {placed}/{translated}")
        for m in missing:
            print(f"    not placed: {m[:150]}")
    print(f"total: {total[0]}/{total[1]} messages placed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
