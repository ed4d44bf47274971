"""The words and numbers of a workshop report, in the client's language.

Every title, sentence, table header and note of the workshop notebooks comes from
``crmkit/data/workshop_texts.yaml`` (English and French side by side) through :func:`text`;
numbers, percentages, money and dates are written by Babel in the locale of the current
language (:func:`crmkit.labels.set_language`): ``1,234.50`` and ``June 30, 1998`` in
English, ``1 234,50`` and ``30 juin 1998`` in French. The currency is a parameter of the
report (``EUR`` by default), never assumed.

Notes have two readers: the client reads what the data lacked and what was assumed
(:func:`notes_markdown`); the consultant also reads which parameter to set
(:func:`consultant_markdown`), in cells tagged ``consultant`` that :func:`export_html`
leaves out of the client's report.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from crmkit import labels
from crmkit._docs import fill
from crmkit.display import _french_percent

__all__ = ["TEXTS_PATH", "Note", "text", "reason", "show", "locale", "number", "percent", "money",
           "currency_name", "date", "table", "notes_markdown", "consultant_markdown"]

TEXTS_PATH = Path(__file__).resolve().parents[1] / "data" / "workshop_texts.yaml"
_LOCALES = {"en": "en_GB", "fr": "fr_FR"}
#: Parameter docs of the writers below (``crmkit._docs.fill``).
_DOCS = {
    "lang": labels.LANG_DOC,
    "decimals": """\
decimals : int, default 0
    Digits after the decimal mark.""",
    "currency": """\
currency : str, default "EUR"
    ISO 4217 code of the currency.""",
}

@cache
def _texts() -> dict:
    data = yaml.safe_load(TEXTS_PATH.read_text(encoding="utf-8"))
    flat = {}

    def walk(prefix, node):
        if isinstance(node, dict) and set(node) == {"en", "fr"}:
            flat[prefix] = node
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        else:
            raise ValueError(f"{TEXTS_PATH.name}: {prefix}: expected en and fr texts")

    walk("", data)
    # the column headers are labels: kind `workshop_header` of crmkit/data/labels.yaml
    en, fr = (labels.labels_of("workshop_header", lang=lang) for lang in ("en", "fr"))
    flat.update({f"headers.{k}": {"en": en[k], "fr": fr[k]} for k in en})
    return flat

@fill(**_DOCS)
def text(key: str, lang: str | None = None, **values) -> str:
    """The text ``key`` of the workshop texts in the current language, ``{names}`` filled
    with ``values`` (already formatted: see :func:`number`, :func:`money`...).

    Parameters
    ----------
    key : str
        The text's dotted key in ``workshop_texts.yaml`` (``"common.client"``).
    {lang}
    **values
        The values of the text's ``{placeholders}``.

    Returns
    -------
    str
        The text in ``lang``.

    Raises
    ------
    KeyError
        No text has that key.

    Examples
    --------
    >>> text("common.client", lang="fr")
    'Client'
    >>> text("missing.key")
    Traceback (most recent call last):
    ...
    KeyError: "workshop text 'missing.key' not found in workshop_texts.yaml"
    """
    try:
        entry = _texts()[key]
    except KeyError:
        raise KeyError(f"workshop text {key!r} not found in {TEXTS_PATH.name}") from None
    template = entry[lang or labels.get_language()]
    return template.format(**values) if values else template

@fill(**_DOCS)
def reason(text_: str, lang: str | None = None) -> str:
    """An import's reject reason (English, as ``rejects.csv`` writes it) in the language.

    Parameters
    ----------
    text_ : str
        The reason as the importer writes it; placeholders such as a column or table name
        are recognised and translated too.
    {lang}

    Returns
    -------
    str
        The reason in ``lang``; a reason no text knows is returned unchanged.

    Examples
    --------
    >>> reason("line has 1 field(s), expected 16", lang="fr")
    'la ligne a 1 champ(s), 16 attendus'
    >>> reason("customer under 18 at acquisition", lang="fr")
    "client de moins de 18 ans à l'acquisition"
    >>> reason("unknown customer_id (not among the kept customers)", lang="fr")
    'Identifiant client inconnu (absent de la table Clients gardée)'
    >>> reason("a reason no text knows", lang="fr")
    'a reason no text knows'
    """
    import re

    lang = lang or labels.get_language()
    for key, entry in _texts().items():
        if not key.startswith("reasons."):
            continue
        pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>.+?)", re.escape(entry["en"]))
        m = re.fullmatch(pattern, str(text_))
        if m:
            # column and table names in the language (labels.yaml)
            found = {k: (labels.header(v, lang=lang) if k in ("column", "table") else v)
                     for k, v in m.groupdict().items()}
            return entry[lang].format(**found)
    return str(text_)


def show(key: str, **values):
    """:func:`text` as Markdown for a notebook cell (IPython's ``Markdown`` object).

    Parameters
    ----------
    key : str
        The text's dotted key in ``workshop_texts.yaml``.
    **values
        The values of the text's ``{placeholders}``.

    Returns
    -------
    IPython.display.Markdown
        Rendered as Markdown when it is the cell's last expression.

    Examples
    --------
    >>> from crmkit import labels
    >>> with labels.language("fr"):
    ...     md = show("common.client")
    >>> type(md).__name__, md.data
    ('Markdown', 'Client')
    """
    from IPython.display import Markdown

    return Markdown(text(key, **values))

@fill(**_DOCS)
def locale(lang: str | None = None) -> str:
    """The Babel locale of a language (``en_GB``, ``fr_FR``).

    Parameters
    ----------
    {lang}

    Returns
    -------
    str
        The locale Babel formats the language's numbers and dates with.

    Examples
    --------
    >>> locale("en"), locale("fr")
    ('en_GB', 'fr_FR')
    """
    return _LOCALES[lang or labels.get_language()]

def _pattern(kind: str, decimals: int, lang: str | None) -> str:
    """The locale's own pattern for percentages or money, with ``decimals`` decimals."""
    import re

    from babel import Locale

    loc = Locale.parse(locale(lang))
    formats = loc.percent_formats if kind == "percent" else loc.currency_formats
    pattern = formats[None if kind == "percent" else "standard"].pattern.split(";")[0]
    digits = "0" * decimals
    return re.sub(r"#,##0(\.0+)?", "#,##0" + (f".{digits}" if decimals > 0 else ""), pattern)

def _missing(x) -> bool:
    return x is None or (isinstance(x, float | np.floating) and math.isnan(x)) or x is pd.NA \
        or x is pd.NaT

@fill(**_DOCS)
def number(x, decimals: int = 0, lang: str | None = None) -> str:
    """A number with the locale's grouping and decimal mark.

    Parameters
    ----------
    x : float
        The value; missing (None, NaN, NA) gives an empty string.
    {decimals}
    {lang}

    Returns
    -------
    str
        The number as the language writes it.

    Examples
    --------
    >>> number(1234567.891, 2, lang="en"), number(1234567.891, 2, lang="fr")
    ('1,234,567.89', '1\\u202f234\\u202f567,89')
    """
    from babel.numbers import format_decimal

    if _missing(x):
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(x, format=pattern, locale=locale(lang))

@fill(**_DOCS)
def percent(x, decimals: int = 0, lang: str | None = None) -> str:
    """A share as a percentage (``0.236`` → ``24%``, ``24 %`` in French).

    Parameters
    ----------
    x : float
        The share (1 is 100 %); missing (None, NaN, NA) gives an empty string.
    {decimals}
    {lang}

    Returns
    -------
    str
        The percentage as the language writes it.

    Examples
    --------
    >>> percent(0.236, lang="en"), percent(0.236, 1, lang="fr")
    ('24%', '23,6\\u202f%')
    """
    from babel.numbers import format_percent

    if _missing(x):
        return ""
    out = format_percent(x, format=_pattern("percent", decimals, lang), locale=locale(lang))
    # Babel's French (CLDR) puts a wide no-break space before %: the kit's rule is a narrow
    # one, as its tables, figures and the book's prose (crmkit.display.french_number)
    return _french_percent(out) if (lang or labels.get_language()) == "fr" else out

@fill(**_DOCS)
def money(x, currency: str = "EUR", decimals: int = 0, lang: str | None = None) -> str:
    """An amount in ``currency`` (ISO code) as the locale writes it.

    Parameters
    ----------
    x : float
        The amount; missing (None, NaN, NA) gives an empty string.
    {currency}
    {decimals}
    {lang}

    Returns
    -------
    str
        The amount with its currency symbol, as the language writes it.

    Examples
    --------
    >>> money(1234.5, "USD", 2, lang="en"), money(1234.5, "EUR", lang="fr")
    ('US$1,234.50', '1\\u202f234\\xa0€')
    """
    from babel.numbers import format_currency

    if _missing(x):
        return ""
    return format_currency(x, currency, format=_pattern("currency", decimals, lang),
                           locale=locale(lang), currency_digits=False)

@fill(**_DOCS)
def currency_name(currency: str = "EUR", lang: str | None = None) -> str:
    """The currency's name in the language, plural (``euros``, ``US dollars``).

    Parameters
    ----------
    {currency}
    {lang}

    Returns
    -------
    str
        The plural name.

    Raises
    ------
    ValueError
        ``currency`` is not a code Babel knows.

    Examples
    --------
    >>> currency_name("USD", lang="en"), currency_name("USD", lang="fr")
    ('US dollars', 'dollars des États-Unis')
    """
    from babel.numbers import UnknownCurrencyError, get_currency_name

    try:
        return get_currency_name(currency, count=2, locale=locale(lang))
    except UnknownCurrencyError:
        raise ValueError(f"currency must be an ISO 4217 code such as EUR or USD, "
                         f"got {currency!r}") from None

def check_currency(currency) -> str:
    """``currency`` as an upper-case ISO 4217 code Babel knows, or a clear error."""
    from babel.numbers import list_currencies

    code = str(currency).upper()
    if code not in list_currencies():
        raise ValueError(f"currency must be an ISO 4217 code such as EUR or USD, got {currency!r}")
    return code

@fill(**_DOCS)
def date(d, lang: str | None = None) -> str:
    """A date written out in the language (``30 June 1998``, ``30 juin 1998``).

    Parameters
    ----------
    d : date, str or Timestamp
        The date (its time is dropped); missing (None, NaT) gives an empty string.
    {lang}

    Returns
    -------
    str
        The date in Babel's long format.

    Examples
    --------
    >>> date("1998-06-30", lang="en"), date("1998-06-30", lang="fr")
    ('30 June 1998', '30 juin 1998')
    """
    from babel.dates import format_date

    if _missing(d):
        return ""
    return format_date(pd.Timestamp(d).date(), format="long", locale=locale(lang))

class Note(str):
    """A note of the report: the client's sentence, with the consultant's ``hint`` (which
    parameter to set) kept apart."""

    hint: str = ""

    def __new__(cls, client: str, hint: str = ""):
        self = super().__new__(cls, client)
        self.hint = hint
        return self

def notes_markdown(notes) -> str:
    """The client's notes as a Markdown list (an explicit line when there is none).

    Parameters
    ----------
    notes : list of Note or str
        The notes a workshop step collected.

    Returns
    -------
    str
        One ``- note`` line per note, or the "no assumption" text when there is none.

    Examples
    --------
    >>> notes = [Note("No contract data: RFM counts purchases.", hint="set retention=0.8")]
    >>> print(notes_markdown(notes))  # the client never sees the hint
    - No contract data: RFM counts purchases.
    >>> notes_markdown([]) == text("common.no_assumption")
    True
    """
    if not notes:
        return text("common.no_assumption")
    return "\n".join(f"- {n}" for n in notes)

def consultant_markdown(notes) -> str:
    """The consultant's hints (parameters to set) as a Markdown list.

    Parameters
    ----------
    notes : list of Note or str
        The notes a workshop step collected; those without a ``hint`` are left out.

    Returns
    -------
    str
        One ``- hint`` line per hint, or the "no hint" text when there is none.

    Examples
    --------
    >>> notes = [Note("Retention assumed at 80 %.", hint="set retention="), Note("No refunds.")]
    >>> print(consultant_markdown(notes))
    - set retention=
    >>> consultant_markdown(["a plain note"]) == text("common.no_hint")
    True
    """
    hints = [n.hint for n in notes if getattr(n, "hint", "")]
    if not hints:
        return text("common.no_hint")
    return "\n".join(f"- {h}" for h in hints)

_PERCENT = ("share", "stayed")

def table(df, *, percent=(), money=(), currency: str = "EUR", decimals: int | None = None,
          index: bool = False):
    """A table for the report, through the kit's one table helper
    (:func:`crmkit.display.show_table`): labelled headers and categories (current language),
    numbers in the language's format, amounts with the report's currency, shares as
    percentages, long text wrapped, no row numbers (``index=True`` shows the index as
    first columns).

    Columns named ``share``, ``*_share``, ``share_*`` or ``stayed``, and those in
    ``percent``, are shown as percentages; those in ``money`` (and those whose name says
    money) as amounts of ``currency``.

    Parameters
    ----------
    df : DataFrame
        The table to show.
    percent : iterable of str, optional
        More columns to show as percentages.
    money : iterable of str, optional
        More columns to show as amounts.
    currency : str, default "EUR"
        ISO 4217 code of the amounts.
    decimals : int, optional
        Digits after the decimal mark of the numbers (default: the display's choice).
    index : bool, default False
        Show the index as the first columns.

    Returns
    -------
    pandas.io.formats.style.Styler
        The formatted table (display only: the data are unchanged).

    Raises
    ------
    ValueError
        ``currency`` is not an ISO 4217 code.

    Examples
    --------
    >>> import pandas as pd
    >>> t = table(pd.DataFrame({"strategy": ["loyalty"], "share": [0.25], "value": [1234.5]}))
    >>> html = t.to_html()
    >>> "25.0\u00a0%" in html and "1,234\u00a0€" in html and "Loyalty building" in html
    True
    >>> "US$" in table(pd.DataFrame({"direct_profit": [12.5]}), currency="USD").to_html()
    True
    """
    from crmkit.display import show_table

    pct = [c for c in df.columns
           if c in percent or (isinstance(c, str) and (c in _PERCENT or c.endswith("_share")
                                                      or c.startswith("share_")))]
    return show_table(df, pct, decimals, money=list(money), index=True if index else False,
                      max_rows=None, currency=check_currency(currency))
