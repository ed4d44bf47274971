"""An "Open in your browser" button on every chapter page of the book.

The button opens the page's notebook in the browser edition (JupyterLite, built beside the
book into ``lite/`` by ``tools/build_lite.py``; the French edition's button opens the French
notebook of the same site), where it runs with a fresh Python in the reader's browser: no
installation, widgets live. The link is relative, so the book and its browser edition work
from any folder or host, and offline.

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


def lite_url(docname: str, lang: str = "en") -> str:
    """The browser edition's URL of a notebook page, relative to the book's root; another
    language's chapters are in its folder of the same site (``tools/build_lite.py``).

    >>> lite_url("notebooks/01-customer-data")
    'lite/notebooks/index.html?path=notebooks/01-customer-data.ipynb'
    >>> lite_url("notebooks/01-customer-data", "fr")
    'lite/notebooks/index.html?path=fr/notebooks/01-customer-data.ipynb'
    """
    folder = "" if lang == "en" else f"{lang}/"
    return f"{LITE_DIR}/notebooks/index.html?path={folder}{docname}.ipynb"


def no_browser_reason(source: Path, lang: str = "en") -> str | None:
    """Why a notebook is left out of the browser edition (its metadata ``crmkit.no_browser``;
    in French ``crmkit.no_browser_fr`` when the notebook gives it), or None."""
    meta = json.loads(source.read_text(encoding="utf-8")).get("metadata", {})
    crmkit = meta.get("crmkit") or {}
    return (lang != "en" and crmkit.get(f"no_browser_{lang}")) or crmkit.get("no_browser")


# the button's texts per edition (book/_ext/editions.py): (no browser, button title, button)
TEXTS = {
    "en": ("This chapter does not run in the browser edition: {reason} Run it on your "
           "computer (<code>make lab</code>).",
           "Run this chapter in your browser: no installation (Python runs in the page; the "
           "first start takes a moment)", "Open in your browser"),
    "fr": ("Ce chapitre ne s’exécute pas dans l’édition navigateur : {reason} Exécutez-le "
           "sur votre ordinateur (<code>make lab</code>).",
           "Exécuter ce chapitre dans votre navigateur, sans rien installer (Python tourne "
           "dans la page ; le premier démarrage prend un moment)",
           "Ouvrir dans votre navigateur"),
}


def banner(docname: str, pathto, reason: str | None, lang: str = "en") -> str:
    no_browser, title, button = TEXTS[lang]
    if reason:
        text = no_browser.format(reason=html.escape(reason))
        return f'<div class="admonition note {BUTTON_CLASS}"><p>{text}</p></div>\n'
    # the French edition lives in fr/ inside the English site, beside lite/, and opens the
    # French notebooks of the same browser edition
    url = ("" if lang == "en" else "../") + pathto(lite_url(docname, lang), 1)
    return (f'<div class="{BUTTON_CLASS}" style="margin-bottom: 1em"><a class="btn btn-primary" href="{html.escape(url)}" '
            f'title="{html.escape(title)}">&#9654; {button}</a></div>\n')


def add_button(app, pagename, templatename, context, doctree):
    from editions import edition_language

    source = Path(app.srcdir) / f"{pagename}.ipynb"
    if doctree is None or not pagename.startswith("notebooks/") or not source.exists():
        return
    lang = edition_language(app.config)
    context["body"] = (banner(pagename, context["pathto"], no_browser_reason(source, lang), lang)
                       + context["body"])


def setup(app):
    app.connect("html-page-context", add_button)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
