"""An "Open in your browser" button on every chapter page of the book.

The button opens the page's notebook in the browser edition (JupyterLite, built beside the
book into ``lite/`` by ``tools/build_lite.py``), where it runs with a fresh Python in the
reader's browser: no installation, widgets live. The link is relative, so the book and its
browser edition work from any folder or host, and offline.

A chapter whose notebook metadata says ``crmkit: {no_browser: "why"}`` is not in the
browser edition; its page says so instead of offering the button.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

# where tools/build_lite.py writes the site, relative to the book's output folder
LITE_DIR = "lite"
BUTTON_CLASS = "crm-lite-button"


def lite_url(docname: str) -> str:
    """The browser edition's URL of a notebook page, relative to the book's root.

    >>> lite_url("notebooks/01-customer-data")
    'lite/notebooks/index.html?path=notebooks/01-customer-data.ipynb'
    """
    return f"{LITE_DIR}/notebooks/index.html?path={docname}.ipynb"


def no_browser_reason(source: Path) -> str | None:
    """Why a notebook is left out of the browser edition (its metadata), or None."""
    meta = json.loads(source.read_text(encoding="utf-8")).get("metadata", {})
    return (meta.get("crmkit") or {}).get("no_browser")


def banner(docname: str, pathto, reason: str | None) -> str:
    if reason:
        return (f'<div class="admonition note {BUTTON_CLASS}"><p>This chapter does not run in '
                f"the browser edition: {html.escape(reason)} Run it on your computer "
                "(<code>make lab</code>).</p></div>\n")
    url = pathto(lite_url(docname), 1)
    return (f'<div class="{BUTTON_CLASS}" style="margin-bottom: 1em"><a class="btn btn-primary" href="{html.escape(url)}" '
            'title="Run this chapter in your browser: no installation (Python runs in the '
            'page; the first start takes a moment)">&#9654; Open in your browser</a></div>\n')


def add_button(app, pagename, templatename, context, doctree):
    source = Path(app.srcdir) / f"{pagename}.ipynb"
    if doctree is None or not pagename.startswith("notebooks/") or not source.exists():
        return
    context["body"] = banner(pagename, context["pathto"], no_browser_reason(source)) + context["body"]


def setup(app):
    app.connect("html-page-context", add_button)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
