"""The book's two language editions, built from one source (issue 22).

The English pages are the source; the French edition is the same book built with
``language = "fr"`` and Sphinx's gettext catalogs (``book/locale/fr/LC_MESSAGES``), its
notebooks executed with ``CRMKIT_LANG=fr`` (``tools/build_book.py --lang fr``). It is
written into ``fr/`` inside the English site, so one folder holds both editions.

This extension gives both editions:

- a **language switch** in the header of every page: a link to the same page in the other
  edition, relative, so it works from the file system and from any web server;
- **glued numbers in translated paragraphs**: a translated paragraph is parsed on its own,
  outside its notebook, where myst-nb's ``{glue:text}`` finds no data; it is read instead
  from the notebook's glue file (myst-nb's own cross-document ``page.ipynb::key`` path);
- **French number format for glued numbers** in the French edition (``12 345,6`` and
  ``45 %`` rather than ``12,345.6`` and ``45%``), by the rule crmkit's tables, sentences and
  figures follow there (:func:`crmkit.display.french_number`);
- **translated part captions** of the table of contents ("Chapters"...): jupyter-book's
  table of contents inserts its toctrees after Sphinx has translated the page, so their
  captions are looked up in the page's catalog here;
- **table cells inside directives are translatable**: MyST leaves the cells of a table nested
  in a directive (the marking rubric inside a ``{solution}`` dropdown) without a source, and
  Sphinx neither extracts nor translates a paragraph without one; they get their table's;
- **French typography** in the French edition: a narrow no-break space before ``; : ! ?``
  and ``%`` and inside « », and the typographic apostrophe (a straight one before a link or
  emphasis would become a closing quote: « l”uplift »).
"""

from __future__ import annotations

import html
import re
from ast import literal_eval
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform

# the editions, and where each lives relative to the English site's root
LANGUAGES = ("en", "fr")
SUBDIR = {"en": "", "fr": "fr/"}
SWITCH = {  # what the switch of each edition says: the other language, in that language
    "en": ("FR", "Lire cette page en français"),
    "fr": ("EN", "Read this page in English"),
}
TEMPLATE = "crm-language-switch.html"
SWITCH_CLASS = "crm-language-switch"


def edition_language(config) -> str:
    """The edition a Sphinx configuration builds: ``"fr"`` or ``"en"`` (the default)."""
    code = (getattr(config, "language", None) or "en").split("_")[0]
    return code if code in LANGUAGES else "en"


def other_page(pagename: str, lang: str, suffix: str = ".html") -> str:
    """The relative URL of page ``pagename`` in the other edition, from that page.

    >>> other_page("intro", "en")
    'fr/intro.html'
    >>> other_page("notebooks/01-customer-data", "en")
    '../fr/notebooks/01-customer-data.html'
    >>> other_page("notebooks/01-customer-data", "fr")
    '../../notebooks/01-customer-data.html'
    >>> other_page("book/api/clv", "fr")
    '../../../book/api/clv.html'
    """
    up = "../" * pagename.count("/")
    if lang == "en":
        return f"{up}{SUBDIR['fr']}{pagename}{suffix}"
    return f"{up}../{pagename}{suffix}"


def switch_html(pagename: str, lang: str, suffix: str = ".html") -> str:
    """The header link to the same page in the other edition.

    >>> print(switch_html("intro", "fr"))
    <a class="btn btn-sm crm-language-switch" href="../intro.html" hreflang="en" lang="en" title="Read this page in English">EN</a>
    """
    other = "fr" if lang == "en" else "en"
    text, title = SWITCH[lang]
    url = html.escape(other_page(pagename, lang, suffix))
    return (f'<a class="btn btn-sm {SWITCH_CLASS}" href="{url}" hreflang="{other}" '
            f'lang="{other}" title="{html.escape(title)}">{text}</a>')


def add_switch(app, pagename, templatename, context, doctree):
    """Put the switch at the end of the article header (before the theme's own buttons are
    resolved: the pydata theme turns template names into templates at priority 500)."""
    if doctree is None:  # search, genindex: no counterpart worth linking
        return
    context["crm_language_switch"] = switch_html(
        pagename, edition_language(app.config), app.builder.out_suffix)
    items = context.get("theme_article_header_end") or []
    if isinstance(items, str):
        items = [t.strip() for t in items.split(",") if t.strip()]
    context["theme_article_header_end"] = [TEMPLATE, *items]


def _write_template(app):
    """The switch's one-line template, in a folder of the build (a page's context fills it)."""
    folder = Path(app.doctreedir).parent / "_crm_templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TEMPLATE).write_text("{{ crm_language_switch }}\n", encoding="utf-8")
    return str(folder)


def on_config_inited(app, config):
    config.templates_path = [*config.templates_path, _write_template(app)]


# ---------------------------------------------------------------------------------------
# glue in translated paragraphs, and French number format
# ---------------------------------------------------------------------------------------
def _is_translation(document) -> bool:
    # myst-nb parses a translated message alone, as Markdown, in a document whose source
    # ends with "<translated>" (sphinx.transforms.i18n.publish_msgstr)
    return "nb_renderer" not in document and str(
        getattr(document, "current_source", "") or "").endswith("<translated>")


def own_notebook_key(text: str, notebook: str, default_format: str | None = None) -> str:
    """The content of a glue role of a translated paragraph, pointed at its own notebook
    (``page.ipynb::key``). A role that reads ``key:format`` (``{glue:text}``) gets its
    default format written out: myst-nb splits ``page.ipynb::key`` at its last colon, so
    without one it would look the key ``page.ipynb:`` up.

    >>> own_notebook_key("n_systems", "06-idic.ipynb", "s")
    '06-idic.ipynb::n_systems:s'
    >>> own_notebook_key("share:.0%", "06-idic.ipynb", "s"), own_notebook_key("fig", "a.ipynb")
    ('06-idic.ipynb::share:.0%', 'a.ipynb::fig')
    """
    if default_format and ":" not in text:
        text = f"{text}:{default_format}"
    return f"{notebook}::{text}"


# the default format of the glue roles that read ``key:format`` (myst-nb's own default)
_DEFAULT_FORMAT = {"PasteTextRole": "s"}


def _glue_from_own_notebook(role_class) -> None:
    original = role_class.run
    if getattr(original, "_crm_patched", False):
        return
    default_format = _DEFAULT_FORMAT.get(role_class.__name__)

    def run(self):
        if _is_translation(self.document) and "::" not in self.text:
            env = self.document.settings.env
            self.text = own_notebook_key(self.text, Path(env.doc2path(env.docname)).name,
                                         default_format)
        return original(self)

    run._crm_patched = True
    role_class.run = run


def _is_number_text(text: str) -> bool:
    try:
        value = literal_eval(text)
    except (SyntaxError, ValueError):
        return False
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _french_glue_numbers() -> None:
    """Glued numbers in French typography, as crmkit's tables write them (one rule:
    :func:`crmkit.display.french_number`)."""
    from myst_nb.core.variables import format_plain_text
    from myst_nb.ext.glue import crossref, roles

    from crmkit.display import french_number

    def french_format(text: str, fmt_spec: str) -> str:
        out = format_plain_text(text, fmt_spec)
        return french_number(out) if _is_number_text(text) and not fmt_spec.endswith("s") else out

    roles.format_plain_text = crossref.format_plain_text = french_format


def translate_toc_captions(app, doctree):
    """Translate the captions of the toctrees sphinx-external-toc inserted (its transform
    runs after Sphinx's i18n one) from the page's own catalog."""
    if edition_language(app.config) == "en":
        return
    from os import path

    from sphinx import addnodes
    from sphinx.locale import init as init_locale
    from sphinx.util.i18n import docname_to_domain

    toctrees = [n for n in doctree.findall(addnodes.toctree) if n.get("caption")]
    if not toctrees:
        return
    env = app.env
    dirs = [path.join(env.srcdir, d) for d in app.config.locale_dirs]
    domain = docname_to_domain(env.docname, app.config.gettext_compact)
    catalog, has_catalog = init_locale(dirs, app.config.language, domain)
    if not has_catalog:
        return
    for node in toctrees:
        translated = catalog.gettext(node["caption"])
        node["caption"] = translated
        if "rawcaption" in node:
            node["rawcaption"] = translated


# ---------------------------------------------------------------------------------------
# translatable table cells, and French typography
# ---------------------------------------------------------------------------------------
class SourceForNestedCells(SphinxTransform):
    """Give the paragraphs of a table's cells that have no source their table's source and
    line, so that Sphinx extracts and translates them (it skips nodes without a source)."""

    default_priority = 5  # before sphinx.transforms.i18n's PreserveTranslatableMessages (10)

    def apply(self, **kwargs):
        for entry in self.document.findall(nodes.entry):
            for node in entry.findall(nodes.TextElement):
                if node.source is None:
                    holder = next((a for a in _ancestors(node) if a.source is not None), None)
                    if holder is not None:
                        node.source, node.line = holder.source, holder.line


def _ancestors(node):
    while node.parent is not None:
        node = node.parent
        yield node


_NNBSP = "\u202f"
_FRENCH_SPACES = [
    (re.compile(r"(?<=\S) (?=[;:!?%»])"), _NNBSP),  # before ; : ! ? % and a closing »
    (re.compile(r"(?<=«) "), _NNBSP),  # after an opening «
]
# text that keeps its characters: code, math, raw HTML, literal blocks
_VERBATIM = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.raw, nodes.comment,
             nodes.reference, nodes.target)


def french_typography(text: str) -> str:
    """French spacing and apostrophes of a running text.

    >>> french_typography("L'uplift : 5 % ; « oui » ?")
    'L’uplift\\u202f: 5\\u202f%\\u202f; «\\u202foui\\u202f»\\u202f?'
    """
    text = text.replace("'", "’")
    for pattern, repl in _FRENCH_SPACES:
        text = pattern.sub(repl, text)
    return text


class FrenchTypography(SphinxTransform):
    """French typography on the French edition's running text (after translation, before
    the smart-quotes transform)."""

    default_priority = 740  # after i18n's Locale (20), before SphinxSmartQuotes (750)

    def apply(self, **kwargs):
        if edition_language(self.config) != "fr":
            return
        for text in list(self.document.findall(nodes.Text)):
            if any(isinstance(a, _VERBATIM) for a in _ancestors(text)):
                continue
            new = french_typography(str(text))
            if new != str(text):
                text.parent.replace(text, nodes.Text(new))


# sphinx-exercise's own French ("Solution de Exercice 1") in the book's words (terms.md:
# a solution is a *corrigé*); its title is this text, a space, then the exercise's title
EXERCISE_WORDS_FR = {"Solution to": "Corrigé\u202f:"}


def _french_exercise_words() -> None:
    """Put :data:`EXERCISE_WORDS_FR` in front of sphinx-exercise's French catalog."""
    import gettext

    from sphinx import locale

    class BookWords(gettext.NullTranslations):
        def gettext(self, message):
            if message in EXERCISE_WORDS_FR:
                return EXERCISE_WORDS_FR[message]
            return super().gettext(message)

    key = ("general", "exercise")  # sphinx-exercise's catalog, as add_message_catalog keys it
    current = locale.translators.get(key)
    if getattr(current, "_crm_book_words", False):  # a second build in the same process
        return
    ours = BookWords()
    ours._crm_book_words = True
    if current is not None:
        ours.add_fallback(current)
    locale.translators[key] = ours


def on_builder_inited(app):
    from myst_nb.ext.glue import roles

    for name in ("PasteRoleAny", "PasteTextRole", "PasteMarkdownRole"):
        if hasattr(roles, name):
            _glue_from_own_notebook(getattr(roles, name))
    if edition_language(app.config) == "fr":
        _french_glue_numbers()
        _french_exercise_words()


# ---------------------------------------------------------------------------------------
# citations in French: "Dick et Basu", not "Dick and Basu"
# ---------------------------------------------------------------------------------------
FRENCH_CITATIONS = "author_year_fr"  # the French edition's bibtex_reference_style


def _register_french_citations() -> None:
    """sphinxcontrib-bibtex's author-year citations with French name separators, as the
    referencing style :data:`FRENCH_CITATIONS` (a sphinxcontrib-bibtex plugin)."""
    import dataclasses

    from sphinxcontrib.bibtex.plugin import register_plugin
    from sphinxcontrib.bibtex.style.referencing import PersonStyle
    from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

    group = "sphinxcontrib.bibtex.style.referencing"

    @dataclasses.dataclass
    class FrenchAuthorYearReferenceStyle(AuthorYearReferenceStyle):
        person: PersonStyle = dataclasses.field(
            default_factory=lambda: PersonStyle(sep2=" et ", last_sep=" et "))

    # force: a second build in the same process registers it again
    register_plugin(group, FRENCH_CITATIONS, FrenchAuthorYearReferenceStyle, force=True)


def setup(app):
    _register_french_citations()
    app.connect("config-inited", on_config_inited)
    app.connect("builder-inited", on_builder_inited)
    app.connect("doctree-read", translate_toc_captions)
    app.connect("html-page-context", add_switch, priority=400)
    app.add_transform(SourceForNestedCells)
    app.add_transform(FrenchTypography)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
