"""The API reference pages (book/api, issue 15): one page per first-level module, each public
function and class documented once, and every chapter card's link has a target.

The pages are built with the book (``make test`` builds it with warnings as errors);
tests/test_book_build.py checks the links in the built chapters.
"""

import importlib
import re
import sys
from pathlib import Path

import pytest
import yaml

from crmkit import _api

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
sys.path.insert(0, str(ROOT / "tools"))
import api_reference  # noqa: E402
from chapter_functions import card_functions  # noqa: E402

API = ROOT / "book" / "api"


def _toc_api_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    for part in toc["parts"]:
        for chapter in part["chapters"]:
            if chapter.get("file") == "book/api/index":
                return [s["file"] for s in chapter.get("sections", [])]
    raise AssertionError("_toc.yml has no book/api/index")


def test_one_page_per_first_level_module_in_the_table_of_contents():
    modules = _api.top_level_modules()
    assert {"crmkit.clv", "crmkit.loyalty", "crmkit.plots"} <= set(modules)
    pages = _toc_api_pages()
    assert sorted(pages) == sorted(f"book/api/{m.split('.')[1]}" for m in modules)
    for m in modules:
        text = (API / f"{m.split('.')[1]}.md").read_text(encoding="utf-8")
        assert f".. crmkit-api:: {m}\n" in text, m


def test_every_exported_function_and_class_is_documented_once_under_a_name_that_imports():
    documented = _api.documented()
    objects = {id(o) for o in documented.values()}
    assert len(objects) == len(documented), "an object documented twice"
    for mod in _api.public_modules():
        module = importlib.import_module(mod)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if callable(obj) and str(getattr(obj, "__module__", "")).startswith("crmkit"):
                assert id(obj) in objects, f"{mod}.{attr} is not on any API page"
    for name, obj in documented.items():
        module, attr = name.rsplit(".", 1)
        assert getattr(importlib.import_module(module), attr) is obj, name


def test_the_package_name_wins_over_the_defining_submodule():
    from crmkit.idic.identify import resolve_identities
    from crmkit.loyalty.typology import dick_basu

    assert _api.canonical_name(dick_basu) == "crmkit.loyalty.dick_basu"
    assert _api.canonical_name(resolve_identities) == "crmkit.idic.resolve_identities"
    assert _api.canonical_name(test_the_package_name_wins_over_the_defining_submodule) is None


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")),
                         ids=lambda p: p.stem)
def test_every_card_link_has_an_entry(path):
    listed = card_functions(path)
    assert listed
    missing = sorted(set(listed) - set(_api.documented()))
    assert missing == [], f"{path.name}: card links with no API entry: {missing}"


def test_page_source_documents_exactly_the_module_s_objects():
    lines = api_reference.rst("crmkit.clv")
    documented = [n for n in _api.documented() if _api.page_of(n) == "crmkit.clv"]
    entries = [ln.split(":: ")[1] for ln in lines if ln.startswith((".. autofunction::",
                                                                   ".. autoclass::"))]
    assert len(entries) == len(documented) and len(set(entries)) == len(entries)
    assert lines[0] == ".. automodule:: crmkit.clv"
    # a class lists its own methods, not the set_*_request methods scikit-learn adds
    i = lines.index(".. autoclass:: BetaGeoModel")
    assert lines[i + 1].startswith("   :members: ") and "fit" in lines[i + 1]
    assert "request" not in lines[i + 1]
    # a function exported by a submodule only is documented on its package's page, under
    # a heading naming the submodule
    grouped = 0
    for module in _api.top_level_modules():
        page = api_reference.rst(module)
        for exporter in api_reference.entries(module):
            if exporter != module:
                assert f".. rubric:: {exporter}" in page
                grouped += 1
    assert grouped > 0


def test_module_headings_become_rubrics_and_other_lines_stay():
    lines = ["Intro.", "", "Functions", "---------", "- a", "", "x = 1"]
    api_reference.headings_to_rubrics(None, "module", "m", None, {}, lines)
    assert lines == ["Intro.", "", ".. rubric:: Functions", "", "- a", "", "x = 1"]
    same = ["Functions", "---------"]
    api_reference.headings_to_rubrics(None, "function", "f", None, {}, same)
    assert same == ["Functions", "---------"]


def _rst_problems(text: str) -> list[str]:
    """reStructuredText errors and warnings of one docstring, as the API page parses it
    (napoleon's numpydoc conversion, Sphinx's roles taken as plain text)."""
    import docutils.core
    import docutils.utils
    from docutils.parsers.rst import Directive, directives, roles
    from sphinx.ext.napoleon import Config, NumpyDocstring

    for role in ("func", "class", "meth", "mod", "data", "attr", "exc", "obj", "ref", "doc",
                 "cite", "cite:p", "cite:t", "math", "term", "py:func", "py:class"):
        roles.register_generic_role(role, docutils.nodes.literal)

    class SphinxOnly(Directive):  # Sphinx's own directives: their content is still checked
        optional_arguments, final_argument_whitespace, has_content = 1, True, True
        option_spec = {"type": directives.unchanged, "value": directives.unchanged,
                       "no-index": directives.flag, "noindex": directives.flag}

        def run(self):
            node = docutils.nodes.container()
            self.state.nested_parse(self.content, self.content_offset, node)
            return [node]

    for name in ("attribute", "seealso", "versionadded", "versionchanged", "deprecated",
                 "autosummary", "currentmodule", "plot", "doctest", "testcode"):
        directives.register_directive(name, SphinxOnly)
    rst = str(NumpyDocstring(text, Config(napoleon_google_docstring=False)))
    # Sphinx reads a parameter's name (``text_``) literally, docutils as a reference
    rst = re.sub(r"^(:(?:param|type) \w+?)_:", r"\1\\_:", rst, flags=re.M)
    found = []

    class Collect:
        def write(self, msg):
            found.append(msg.strip())

    docutils.core.publish_doctree(rst, settings_overrides={
        "report_level": 2, "halt_level": 5, "warning_stream": Collect()})
    return [m for m in found if m]


def test_rst_problems_are_found():
    assert _rst_problems("Title.\n\n=====  =====\na      b\n=====  ====\n")
    assert _rst_problems("Returns\n-------\nint\n    The count.\n") == []


def test_every_docstring_on_the_api_pages_is_valid_restructuredtext():
    # the book is built with warnings as errors: a malformed table or list in one docstring
    # breaks it; this finds it in seconds, naming the object
    import inspect

    texts = {m: importlib.import_module(m).__doc__ for m in _api.public_modules()}
    for name, obj in _api.documented().items():
        texts[name] = obj.__doc__
        if isinstance(obj, type):
            for attr in api_reference._members(obj):
                member = vars(obj)[attr]
                texts[f"{name}.{attr}"] = getattr(member, "__doc__", None)
    bad = {}
    for name, doc in texts.items():
        if doc:
            problems = _rst_problems(inspect.cleandoc(doc))
            if problems:
                bad[name] = problems[0][:300]
    assert bad == {}, bad


def test_no_internal_course_text_label_reaches_the_api_pages():
    # the course texts are named by what they are (book/sources.md), never "seed 001"
    from tests.test_sources import LABEL

    texts = {m: importlib.import_module(m).__doc__ or "" for m in _api.public_modules()}
    texts.update({n: o.__doc__ or "" for n, o in _api.documented().items()})
    leaks = sorted(f"{n}: {m.group(0)}" for n, t in texts.items() for m in LABEL.finditer(t))
    assert leaks == []
