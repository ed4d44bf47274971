"""The API reference pages (book/api): one page per first-level crmkit module, generated
from the docstrings when the book builds.

A page holds one directive, ``.. crmkit-api:: crmkit.loyalty`` (reStructuredText, in an
``{eval-rst}`` block so that autodoc parses the docstrings as reStructuredText), which writes the module's
docstring, a summary table (autosummary) and the entry of every public function and class
the module and its submodules export (autodoc, numpydoc sections rendered by napoleon).
Each object gets one entry, under the name :mod:`crmkit._api` gives it, which is also the
name the chapters' "functions used here" cards link to. The entries follow the code: a new
function or a split module needs no edit here.
"""

from __future__ import annotations

import importlib
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles


def entries(module: str) -> dict[str, list[tuple[str, bool]]]:
    """The objects documented on ``module``'s page, grouped by the module exporting them.

    Returns ``{exporting module: [(canonical name, is a class), ...]}``, the package first.
    """
    from crmkit import _api

    groups: dict[str, list[tuple[str, bool]]] = {}
    for name, obj in _api.documented().items():
        if _api.page_of(name) == module:
            groups.setdefault(name.rsplit(".", 1)[0], []).append((name, isinstance(obj, type)))
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] != module, kv[0])))


def _summary(doc: str | None) -> str:
    return (doc or "").strip().split("\n\n")[0].replace("\n", " ")


def _members(cls) -> list[str]:
    # the public methods and properties the class itself defines (not those scikit-learn
    # adds to every estimator, such as set_fit_request)
    return [n for n, v in vars(cls).items() if not n.startswith("_")
            and str(getattr(getattr(v, "fget", v), "__module__", "")).startswith("crmkit")]


def rst(module: str) -> list[str]:
    """The reStructuredText of ``module``'s reference page: the module's docstring, then
    per exporting module a summary table and the entries.

    Names are written relative to the exporting module (autosummary asks for it)."""
    from crmkit import _api

    objects = _api.documented()
    lines = [f".. automodule:: {module}", ""]
    for exporter, names in entries(module).items():
        if exporter != module:
            lines += [f".. rubric:: {exporter}", "",
                      _summary(importlib.import_module(exporter).__doc__), ""]
        lines += [f".. currentmodule:: {exporter}", ""]
        rel = {name: name[len(exporter) + 1:] for name, _ in names}
        lines += [".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {rel[name]}" for name, _ in names]
        lines.append("")
        for name, is_class in names:
            if is_class:
                members = _members(objects[name])
                lines += [f".. autoclass:: {rel[name]}"]
                lines += [f"   :members: {', '.join(members)}"] if members else []
                lines.append("")
            else:
                lines += [f".. autofunction:: {rel[name]}", ""]
    return lines


class CrmkitApi(SphinxDirective):
    """``.. crmkit-api:: crmkit.<module>``: the reference of one module."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        node = nodes.section()
        node.document = self.state.document
        content = StringList(rst(self.arguments[0]), source=f"<crmkit-api {self.arguments[0]}>")
        nested_parse_with_titles(self.state, content, node)
        return node.children


_UNDERLINE = re.compile(r"^([-=~^\"'`#*+])\1{2,}\s*$")


def headings_to_rubrics(app, what, name, obj, options, lines) -> None:
    """Section titles of a module docstring (``Functions`` over a ``---------`` line) become
    rubrics: a docstring's headings would otherwise be sections of the page, whose labels
    clash across pages (napoleon turns its own sections, such as ``Examples``, first)."""
    if what != "module":
        return
    i = 0
    while i < len(lines) - 1:
        title, rule = lines[i], lines[i + 1]
        if title.strip() and _UNDERLINE.match(rule) and len(rule.strip()) >= len(title.strip()):
            lines[i : i + 2] = [f".. rubric:: {title.strip()}", ""]
        i += 1


def setup(app):
    app.add_directive("crmkit-api", CrmkitApi)
    app.connect("autodoc-process-docstring", headings_to_rubrics)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
