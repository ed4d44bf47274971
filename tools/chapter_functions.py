"""The crmkit functions a chapter's code calls: the list of its "functions used here" card.

``python tools/chapter_functions.py notebooks/02-loyalty.ipynb`` prints the functions of one
chapter; ``tests/test_chapter_cards.py`` checks that every chapter's card lists exactly the
public crmkit functions and classes its code uses, so that the list cannot drift from the
code.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # crmkit._api, when run as a script from a checkout
    sys.path.insert(0, str(ROOT))
from crmkit._api import canonical_name  # noqa: E402

CARD_MARK = "crmkit functions used here"
_ROLE = re.compile(r"\{py:(?:func|class)\}`~?(crmkit\.[\w.]+)`")


def _code(nb) -> str:
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        # IPython magics are not Python
        lines += [ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        lines.append("")
    return "\n".join(lines)


def _resolve(dotted: str):
    """The object ``dotted`` names (``crmkit.loyalty.dick_basu``), or None: attributes first
    (``crmkit.segmentation.rfm`` is the function the package exports, not its module)."""
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, attr in enumerate(parts[1:], start=1):
        nxt = getattr(obj, attr, None)
        if nxt is None:
            try:
                nxt = importlib.import_module(".".join(parts[: i + 1]))
            except ImportError:
                return None
        obj = nxt
    return obj


# plumbing every chapter shares (labels, tables, exercise checks, the figure style): not
# what a chapter teaches
PLUMBING = ("crmkit.labels.", "crmkit.display.", "crmkit.exercises.", "crmkit.plots.use_style",
            "crmkit.datasets.")


def functions_used(path: str | Path) -> list[str]:
    """Public crmkit functions and classes called or instantiated by a notebook's code.

    Names are resolved through the notebook's imports (``from crmkit import loyalty`` then
    ``loyalty.dick_basu(...)`` gives ``crmkit.loyalty.dick_basu``) and given as the API
    reference names them (:func:`crmkit._api.canonical_name`: ``crmkit.idic.identify.
    resolve_identities`` is documented as ``crmkit.idic.resolve_identities``), so that the
    card's links have a target; private names and modules are left out.
    """
    tree = ast.parse(_code(nbformat.read(path, as_version=4)))
    alias: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("crmkit"):
            for a in node.names:
                alias[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("crmkit"):
                    alias[a.asname or a.name.split(".")[0]] = a.asname and a.name or "crmkit"
    used = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        parts = []
        f = node.func
        while isinstance(f, ast.Attribute):
            parts.append(f.attr)
            f = f.value
        if not isinstance(f, ast.Name) or f.id not in alias:
            continue
        dotted = ".".join([alias[f.id], *reversed(parts)])
        if any(p.startswith("_") for p in dotted.split(".")):
            continue
        obj = _resolve(dotted)
        if (callable(obj) and not isinstance(obj, type(importlib))
                and str(getattr(obj, "__module__", "")).startswith("crmkit")
                and not dotted.startswith(PLUMBING)):
            used.add(canonical_name(obj) or dotted)
    return sorted(used)


def card_functions(path: str | Path) -> list[str]:
    """The functions listed in a chapter's card (its ``{py:func}`` roles), in order."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and CARD_MARK in cell.source:
            return _ROLE.findall(cell.source)
    return []


def card_line(path: str | Path) -> str:
    """The card's list of functions, one line per crmkit module, as MyST cross-reference
    roles: links to their entries in the API reference (book/api)."""
    by_module: dict[str, list[str]] = {}
    for n in functions_used(path):
        module = ".".join(n.split(".")[:2])
        role = "class" if isinstance(_resolve(n), type) else "func"
        by_module.setdefault(module, []).append(f"{{py:{role}}}`~{n}`")
    lines = [f"- `{m}`: " + ", ".join(roles) for m, roles in by_module.items()]
    return f"**The {CARD_MARK}:**\n\n" + "\n".join(lines)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(p)
        print(card_line(p))
