"""Sphinx extension: every asset a page needs at read time ships with the built book.

The book must read well offline (on a train, in a locked-down lab), so nothing a browser
loads may come from another host:

- **MathJax 3** is taken at build time from the ``sphinx-mathjax-offline`` wheel (it carries
  MathJax 3.2.2 with its fonts) and copied into ``_static/mathjax``; ``mathjax_path`` points
  at the local ``tex-chtml.js``. No npm, no CDN.
- **Widget JavaScript**: myst-nb loads require.js and the ipywidgets embed manager from a
  CDN whenever a page holds widget state. The static book shows its explorers as
  precomputed scenarios (see :mod:`crmkit.widgets`), so no widget state is saved and the
  embed scripts are switched off (``nb_ipywidgets_js = {}``).
- **Fonts and icons**: the pydata-sphinx-theme ships FontAwesome in its own ``_static``.

``tests/test_book_html.py`` checks the built pages for any script, stylesheet or font that
points to another host.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

# the wheel's top-level folder has hyphens: locate it without importing it
MATHJAX_PACKAGE = "sphinx-mathjax-offline"
MATHJAX_ENTRY = "mathjax/tex-chtml.js"
# the combined bundles the book does not load (SVG and MathML-input variants, Node build)
_UNUSED = ("tex-svg", "tex-mml-svg", "mml-", "node-main", "tex-chtml-full", "tex-mml-chtml",
           "output/svg", "sre/mathmaps")


def mathjax_dir() -> Path:
    """Folder of the MathJax 3 distribution shipped by the ``sphinx-mathjax-offline`` wheel."""
    spec = importlib.util.find_spec(MATHJAX_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{MATHJAX_PACKAGE} is not installed: `pip install -e '.[book]'`")
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
    if not (folder / "tex-chtml.js").exists():
        raise RuntimeError(f"no MathJax in {folder}")
    return folder


def _unused(folder: str, names: list[str]) -> set[str]:
    rel = Path(folder).relative_to(mathjax_dir()).as_posix()
    return {n for n in names
            if any(f"{rel}/{n}".removeprefix("./").startswith(u) for u in _UNUSED)}


def _copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    dst = Path(app.outdir) / "_static" / "mathjax"
    shutil.copytree(mathjax_dir(), dst, ignore=_unused, dirs_exist_ok=True)


def _check_config(app, config) -> None:
    # _config.yml points MathJax at the copy and switches off myst-nb's CDN widget scripts
    if config.mathjax_path != MATHJAX_ENTRY:
        raise RuntimeError(f"mathjax_path must be {MATHJAX_ENTRY!r} (the offline copy), "
                           f"not {config.mathjax_path!r}")
    if config.nb_ipywidgets_js:
        raise RuntimeError("nb_ipywidgets_js must be {}: its default loads scripts from a CDN")


def setup(app):
    app.connect("config-inited", _check_config)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
