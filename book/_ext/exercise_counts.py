"""The exercise count per chapter on the instructor's guide, read from the notebooks when the
book builds (never typed: a chapter that gains an exercise updates the table).

``{exercise-counts}`` (a MyST directive, no argument) writes one row per chapter notebook
(``notebooks/NN-*.ipynb``): its title, the exercises (``{exercise}`` directives), how many
are multi-step analyses (``:class: multi-step``) and open questions (``:class:
open-question``, marked with the rubric in their solution dropdown), and the distinct
exercises the crmkit checker answers (``check("chN.<name>", ...)``). The parser of the
directives is also the one ``tests/test_exercise_kinds.py`` applies to the chapters.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

# a MyST directive fenced by backticks or colons: ```{exercise} or :::{solution-start} ...
DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<name>exercise|solution)(?:-start)?\}[ \t]*(?P<arg>[^\n]*)\n"
    r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)",
    re.M,
)
OPTION = re.compile(r"^[ \t]*:([\w-]+):[ \t]*(.*?)[ \t]*$", re.M)
CHECK = re.compile(r"check\(\s*[\"'](ch\d+\.[\w.]+)[\"']")


def directives(text: str) -> list[dict]:
    """The exercise and solution directives of a markdown text: name, argument, options,
    classes, label and body (up to the closing fence, or the end of the text).

    Examples
    --------
    >>> d = directives("```{exercise}\\n:label: ch1-ex-a\\n:class: multi-step\\n\\nDo it.\\n```\\n")
    >>> d[0]["name"], d[0]["label"], sorted(d[0]["classes"]), d[0]["body"].strip()
    ('exercise', 'ch1-ex-a', ['multi-step'], 'Do it.')
    """
    found = []
    for m in DIRECTIVE.finditer(text):
        options = dict(OPTION.findall(m.group("options")))
        rest = text[m.end():]
        close = re.search(rf"^{re.escape(m.group('fence'))}[ \t]*$", rest, re.M)
        found.append({"name": m.group("name"), "arg": m.group("arg").strip(), "options": options,
                      "classes": set(options.get("class", "").split()),
                      "label": options.get("label", ""),
                      "body": rest[:close.start()] if close else rest})
    return found


def counts(path: Path) -> dict:
    """Title and exercise counts of one chapter notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = {"markdown": [], "code": []}
    for cell in cells:
        src = cell.get("source", "")
        text.setdefault(cell["cell_type"], []).append("".join(src) if isinstance(src, list) else src)
    markdown = "\n\n".join(text["markdown"])
    title = re.search(r"^# (.+)$", markdown, re.M)
    exercises = [d for d in directives(markdown) if d["name"] == "exercise"]
    return {
        "number": int(path.name[:2]),
        "title": title.group(1).strip() if title else path.stem,
        "exercises": len(exercises),
        "multi_step": sum("multi-step" in d["classes"] for d in exercises),
        "open_questions": sum("open-question" in d["classes"] for d in exercises),
        "checked": len(set(CHECK.findall("\n".join(text["code"])))),
    }


HEADERS = ["Chapter", "Exercises", "of which multi-step analyses", "of which open questions",
           "answered by the checker"]
# the same in the French edition (the chapter titles come from each notebook's French catalog)
HEADERS_FR = ["Chapitre", "Exercices", "dont analyses en plusieurs étapes", "dont questions ouvertes",
              "vérifiés par le correcteur"]


def translated_title(title: str, catalog: Path) -> str:
    """``title`` as the notebook's gettext catalog translates it (unchanged when the catalog
    is absent, or has no translation, or only a fuzzy one).

    >>> import tempfile
    >>> po = Path(tempfile.mkdtemp()) / "01-a.po"
    >>> _ = po.write_text('msgid "Loyalty"\\nmsgstr "La fidélité"\\n', encoding="utf-8")
    >>> translated_title("Loyalty", po), translated_title("Value", po)
    ('La fidélité', 'Value')
    >>> translated_title("Loyalty", po.with_name("none.po"))
    'Loyalty'
    """
    if not catalog.exists():
        return title
    from babel.messages.pofile import read_po

    with catalog.open("rb") as fh:
        message = read_po(fh).get(title)
    if message is None or not message.string or message.fuzzy:
        return title
    return message.string


def rows(notebooks: list[Path], catalogs: Path | None = None) -> list[list[str]]:
    """One row of text cells per chapter notebook, in the order of ``HEADERS``; with
    ``catalogs`` (a ``LC_MESSAGES`` folder), the titles as the notebooks' catalogs there
    translate them."""
    out = []
    for path in notebooks:
        c = counts(path)
        if catalogs is not None:
            c["title"] = translated_title(c["title"], catalogs / "notebooks" / f"{path.stem}.po")
        name = f"{c['number']}. {c['title']}" if c["number"] < 90 else c["title"]
        out.append([name, *(str(c[k]) for k in ("exercises", "multi_step", "open_questions",
                                                  "checked"))])
    return out


def _row(cells: list[str]) -> nodes.row:
    row = nodes.row()
    for text in cells:
        row += nodes.entry("", nodes.paragraph(text=text))
    return row


def table(notebooks: list[Path], catalogs: Path | None = None) -> nodes.table:
    """The docutils table of the chapters' exercise counts (built as nodes, so that it reads
    the same from a MyST or a reStructuredText page); with ``catalogs``, in French."""
    group = nodes.tgroup(cols=len(HEADERS))
    for width in (40, 12, 16, 16, 16):
        group += nodes.colspec(colwidth=width)
    group += nodes.thead("", _row(HEADERS if catalogs is None else HEADERS_FR))
    body = nodes.tbody()
    for cells in rows(notebooks, catalogs):
        body += _row(cells)
    group += body
    return nodes.table("", group, classes=["exercise-counts"])


class ExerciseCounts(SphinxDirective):
    """``{exercise-counts}``: the table of exercises per chapter."""

    def run(self) -> list[nodes.Node]:
        root = Path(self.env.srcdir)
        notebooks = sorted((root / "notebooks").glob("[0-9][0-9]-*.ipynb"))
        for path in notebooks:
            self.env.note_dependency(str(path))
        catalogs = None
        if (self.config.language or "en").split("_")[0] == "fr":
            for folder in self.config.locale_dirs:
                candidate = root / folder / "fr" / "LC_MESSAGES"
                if candidate.is_dir():
                    catalogs = candidate
                    for path in notebooks:
                        po = catalogs / "notebooks" / f"{path.stem}.po"
                        if po.exists():
                            self.env.note_dependency(str(po))
                    break
            else:
                catalogs = root / "book" / "locale" / "fr" / "LC_MESSAGES"
        return [table(notebooks, catalogs)]


def setup(app):
    app.add_directive("exercise-counts", ExerciseCounts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
