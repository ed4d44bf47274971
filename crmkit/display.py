"""Tables a reader can read: the one display helper of the chapters and workshops.

:func:`show_table` turns a tidy DataFrame (or Series) into a styled table for a notebook, the
book and the workshop reports:

- headers and category values labelled through :mod:`crmkit.labels` (English or French);
- thousands separators, no scientific notation (``11,935,440`` rather than
  ``1.193544e+07``); integer counts as integers (``41``, not ``41.0``);
- shares and rates as percentages, amounts in euros with their unit;
- years and identifiers without separators (``1990``, not ``1,990``);
- no 0…n index and no dtype footer (a meaningful index becomes a labelled column);
- long text wrapped rather than cut with "…", wide tables scrollable rather than clipped
  (the ``crm-table`` class, styled by the book's ``_static/crmkit.css``).

:func:`use_for_frames` makes it the notebook's default display of every DataFrame and
Series, so a chapter's ``df.head()`` reads as well as its styled tables. Formatting is for
display only: compute on the original frame.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"channel": ["branch", "web"], "customers": [12345.0, 41.0],
...                    "churn_rate": [0.0712, 0.1], "direct_profit": [3426136.8, -12.5]})
>>> table = show_table(df)
>>> cells(table)
[['Branch/agency', '12,345', '7.1 %', '3,426,137 €'], ['Web', '41', '10.0 %', '-12 €']]
"""

from __future__ import annotations

import numbers
import os
import re
import string
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from crmkit import labels

__all__ = ["static_book", "STATIC_ENV", "show_table", "cells", "column_format", "use_for_frames", "glue",
           "say", "french_number", "TABLE_CLASS"]

TABLE_CLASS = "crm-table"
# default longest table shown in full; longer ones show their first rows and say so
MAX_ROWS = 40

# what a column name says about its values (snake_case words of the name)
_SHARE = re.compile(r"(^|[_\s])(share|shares|rate|rates|proportion|probability|pct|ratio_of)($|[_\s])")
_MONEY = re.compile(
    r"(^|[_\s])(margin|profit|profits|cost|costs|revenue|revenues|clv|ltv|premium|premiums|fee|fees|"
    r"spend|spent|saved|savings|budget|amount|eur|euros|price|claims|income|value|values|"
    r"lifetime_value|cash|breakeven_cost|loss|losses|gain|gains|npv|investment)($|[_\s])")
_YEAR = re.compile(r"(^|[_\s])(year|years_?of|cohort|vintage)($|[_\s])")
_ID = re.compile(r"(^|[_\s])id$|_ids?$|^id_")
# words that make a "share"/"money" match wrong: a count of something or a unit in the name
_NOT_MONEY = re.compile(r"(^|[_\s])(n|number|count|customers|contacts|months|years|days|rank|"
                        r"score|points|per_cent|percent|share|rate|ratio)($|[_\s])")



# set by tools/build_book.py while it executes the notebooks for the static HTML book
STATIC_ENV = "CRMKIT_STATIC_BOOK"


def static_book() -> bool:
    """Whether the notebook is being executed for the static book (no kernel at read time).

    The book gives each page its title in a Markdown cell; notebooks that also write a
    (translated) title from code, such as the workshop reports, skip it there.

    Returns
    -------
    bool
        True when the environment variable :data:`STATIC_ENV` is ``"1"``.

    Examples
    --------
    >>> import os
    >>> os.environ.pop(STATIC_ENV, None) and None
    >>> static_book()
    False
    """
    return os.environ.get(STATIC_ENV, "") == "1"


def column_format(name, values: pd.Series, *, percent: Iterable = (), money: Iterable = (),
                  plain: Iterable = ()) -> str:
    """How :func:`show_table` shows a column: ``"percent"``, ``"money"``, ``"integer"``,
    ``"year"``, ``"id"``, ``"number"``, ``"date"`` or ``"text"``.

    Explicit ``percent``/``money``/``plain`` names win; otherwise the kind comes from the
    column's dtype and the words of its name (``churn_rate`` holds shares, ``direct_profit``
    euros, ``birth_year`` years), and a share column is shown in per cent only if its values
    lie within [-1.5, 1.5] (a rate already in points is left alone).

    Parameters
    ----------
    name : str or hashable
        The column's name (crmkit's snake_case key); a non-string name says nothing.
    values : Series
        The column's values: their dtype, range and integrality decide with the name.
    percent, money, plain : iterables of column names
        Columns forced to percentages, to amounts, or to plain numbers (a numeric column)
        or text.

    Returns
    -------
    str
        One of ``"percent"``, ``"money"``, ``"integer"``, ``"year"``, ``"id"``,
        ``"number"``, ``"date"`` or ``"text"``.

    Examples
    --------
    >>> import pandas as pd
    >>> column_format("churn_rate", pd.Series([0.1, 0.2]))
    'percent'
    >>> column_format("churn_rate", pd.Series([10.5, 20.0]))
    'number'
    >>> column_format("customers", pd.Series([3.0, 41.0]))
    'integer'
    >>> column_format("cost_to_serve", pd.Series([12.5, 40.0]))
    'money'
    >>> column_format("acquisition_year", pd.Series([1990, 2024]))
    'year'
    >>> column_format("churn_rate", pd.Series([0.1, 0.2]), plain=["churn_rate"])
    'number'
    """
    if name in set(plain):
        return "number" if pd.api.types.is_numeric_dtype(values.dtype) else "text"
    if pd.api.types.is_bool_dtype(values.dtype):
        return "text"
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return "date"
    if not pd.api.types.is_numeric_dtype(values.dtype):
        return "text"
    key = str(name).lower().replace("(", " ").replace(")", " ") if isinstance(name, str) else ""
    if name in set(percent):
        return "percent"
    if name in set(money):
        return "money"
    finite = values[np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))]
    integral = bool(len(finite)) and bool(np.all(np.mod(finite.to_numpy(dtype=float), 1) == 0))
    if _ID.search(key):
        return "id"
    if _YEAR.search(key) and integral and (len(finite) == 0 or finite.between(1800, 2200).all()):
        return "year"
    if _SHARE.search(key) and (len(finite) == 0 or finite.abs().max() <= 1.5):
        return "percent"
    if _MONEY.search(key) and not _NOT_MONEY.search(key):
        return "money"
    if integral:
        return "integer"
    return "number"


def _decimals(values: pd.Series) -> int:
    """Digits after the point for plain numbers: fewer as the numbers grow."""
    finite = values[np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))].abs()
    if finite.empty:
        return 2
    big = finite.quantile(0.5)
    return 0 if big >= 1000 else 1 if big >= 10 else 2 if big >= 0.1 else 3


# French number typography (Imprimerie nationale): a narrow no-break space between thousands
# and before %, a decimal comma. One rule for the tables, say(), the figures' ticks
# (crmkit.plots.style) and the book's glued values (book/_ext/editions.py).
NARROW_NBSP = "\u202f"
_FRENCH_DIGITS = str.maketrans({",": NARROW_NBSP, ".": ","})
_BEFORE_PERCENT = re.compile(r"[ \u00a0\u202f]*(\\?%)")  # matplotlib's TeX writes \%


def french_number(text: str) -> str:
    """A number as Python or matplotlib formats it (``1,234.5``, ``45.7%``) in French
    typography: ``1 234,5`` and ``45,7 %``, with a narrow no-break space (U+202F) between
    thousands and before ``%``, as the French prose of the book has before ``; : ! ? %``.

    Parameters
    ----------
    text : str
        The number, formatted with ``,`` grouping and ``.`` as decimal mark (``format(x,
        ",.1f")``, ``f"{share:.1%}"``), with or without a space before ``%``.

    Returns
    -------
    str
        The French writing of the number.

    Examples
    --------
    >>> french_number("12,345.6"), french_number("-0.5")
    ('12\u202f345,6', '-0,5')
    >>> french_number("45.7%"), french_number("45.7\u00a0%")
    ('45,7\u202f%', '45,7\u202f%')
    """
    return _french_percent(text.translate(_FRENCH_DIGITS))


def _french_percent(text: str) -> str:
    """``text`` with a narrow no-break space before each ``%`` (and no other space): the
    percent half of :func:`french_number`, for numbers already French (Babel's)."""
    return _BEFORE_PERCENT.sub(NARROW_NBSP + r"\1", text)


def _localise(text: str) -> str:
    """A formatted number in the kit's language: French typography (:func:`french_number`) in
    French, unchanged in English."""
    if labels.get_language() != "fr":
        return text
    return french_number(text)


def _currency_symbol(currency: str) -> str:
    if currency == "EUR":
        return "€"
    from babel.numbers import get_currency_symbol

    return get_currency_symbol(currency, locale="fr_FR" if labels.get_language() == "fr" else "en_GB")


def _formatter(kind: str, values: pd.Series, decimals: int | None, currency: str = "EUR"):
    def num(fmt):
        return lambda v: "–" if pd.isna(v) else _localise(format(v, fmt))

    if kind == "percent":
        d = 1 if decimals is None else decimals
        return lambda v: "–" if pd.isna(v) else _localise(format(100 * v, f",.{d}f") + "\u00a0%")
    if kind == "money":
        finite = values[np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))].abs()
        d = decimals if decimals is not None else (0 if finite.empty or finite.max() >= 100
                                                    else 2)
        unit = "\u00a0" + _currency_symbol(currency)
        return lambda v: "–" if pd.isna(v) else _localise(format(v, f",.{d}f")) + unit
    if kind == "integer":
        return num(",.0f")
    if kind in ("year", "id"):
        return lambda v: "–" if pd.isna(v) else str(int(v)) if float(v).is_integer() else str(v)
    if kind == "number":
        d = _decimals(values) if decimals is None else decimals
        return num(f",.{d}f")
    if kind == "date":
        return lambda v: "–" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")
    return lambda v: "–" if v is None or (not isinstance(v, str) and _isna_scalar(v)) else str(v)


def _isna_scalar(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _as_frame(data, index: bool | None = None) -> pd.DataFrame:
    if isinstance(data, pd.Series):
        name = data.name if data.name is not None else "value"
        data = data.to_frame(name)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"show_table needs a DataFrame or a Series, got {type(data).__name__}")
    idx = data.index
    meaningful = idx.nlevels > 1 or any(n is not None for n in idx.names) or not (
        _is_positional(idx))
    if index is True or (index is None and meaningful):
        data = data.reset_index()
    if isinstance(data.columns, pd.MultiIndex):
        data = data.copy()
        data.columns = [" · ".join(str(p) for p in col if str(p) != "") for col in data.columns]
    return data


def _is_positional(index: pd.Index) -> bool:
    """Whether an unnamed index is only row numbers (0…n-1, possibly filtered)."""
    return pd.api.types.is_integer_dtype(index.dtype) and index.is_monotonic_increasing


def show_table(
    data,
    percent: Sequence = (),
    decimals: int | None = None,
    *,
    money: Sequence = (),
    plain: Sequence = (),
    caption: str | None = None,
    max_rows: int | None = MAX_ROWS,
    kinds: dict | None = None,
    index: bool | None = None,
    currency: str = "EUR",
):
    """``data`` as a readable table (a pandas ``Styler``): labelled, formatted, no index noise.

    Parameters
    ----------
    data : DataFrame or Series
        The table, in crmkit's column names (snake_case keys); a Series becomes one column.
        A named or non-positional index becomes the first column(s).
    percent, money, plain : sequences of column names
        Columns to show as percentages (values are shares: 0.25 → 25.0 %), as euros, or as
        plain numbers; the other columns' kind is inferred (:func:`column_format`).
    decimals : int, optional
        Digits after the point for percentages, amounts and plain numbers (default: by size).
    caption : str, optional
        Caption above the table.
    max_rows : int or None
        Show at most this many rows (the caption then says how many there are); None: all.
    kinds : dict, optional
        ``{column: label kind}`` where :func:`crmkit.labels.translate_frame` cannot infer it.
    index : bool, optional
        Show the index as the first column(s) (True) or not (False); by default only a
        named or non-positional index is shown.
    currency : str, default "EUR"
        ISO code of the amounts (a workshop on a client's dollars shows ``US$``, ``$US`` in
        French).

    Returns
    -------
    pandas.io.formats.style.Styler
        Renders as HTML in a notebook and in the book (class ``crm-table``).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([120, 80], index=pd.Index(["branch", "web"], name="channel"),
    ...               name="customers")
    >>> cells(show_table(s))
    [['Branch/agency', '120'], ['Web', '80']]
    >>> show_table(s).data.columns.tolist()
    ['Channel', 'Customers']
    """
    frame = _as_frame(data, index)
    total = len(frame)
    if max_rows is not None and total > max_rows:
        frame = frame.head(max_rows)
        note = f"first {max_rows:,} of {total:,} rows"
        caption = f"{caption} ({note})" if caption else note.capitalize()
    formats = {c: column_format(c, frame[c], percent=percent, money=money, plain=plain)
               for c in frame.columns}
    shown = labels.translate_frame(frame, kinds=kinds)
    shown.columns = _unique([str(c) for c in shown.columns])
    styler = shown.style.hide(axis="index")
    for (col, kind), label in zip(formats.items(), shown.columns, strict=True):
        styler = styler.format(_formatter(kind, frame[col], decimals, currency), subset=[label])
    numeric = [label for (_, kind), label in zip(formats.items(), shown.columns, strict=True)
               if kind in ("percent", "money", "integer", "number")]
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    styler = styler.set_table_attributes(f'class="{TABLE_CLASS}"')
    if caption:
        styler = styler.set_caption(caption)
    return styler


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def cells(styler) -> list[list[str]]:
    """The displayed text of a styled table's body cells, row by row (for tests and doctests).

    Parameters
    ----------
    styler : pandas.io.formats.style.Styler
        A styled table, such as :func:`show_table` returns.

    Returns
    -------
    list of list of str
        One list per body row, one string per shown cell, as a reader sees it (the index
        hidden by :func:`show_table` is left out; non-breaking spaces become spaces).

    Examples
    --------
    >>> import pandas as pd
    >>> cells(show_table(pd.DataFrame({"year": [1990], "share": [0.5]})))
    [['1990', '50.0 %']]
    """
    translated = styler._translate(styler.ctx, styler.ctx_index)  # the rendered cell texts
    rows = []
    for row in translated["body"]:
        rows.append([c["display_value"].replace("\u00a0", " ") for c in row
                     if c.get("type") == "td"])
    return rows


def _html(data) -> str:
    return show_table(data).to_html()


def use_for_frames(ip=None) -> None:
    """Show every DataFrame and Series of the notebook through :func:`show_table`.

    Call once at the top of a chapter (a no-op outside IPython). ``df.head()`` then shows a
    labelled, formatted table; the plain-text form is unchanged.

    Parameters
    ----------
    ip : IPython shell, optional
        The shell whose HTML formatter is set (anything with a ``display_formatter``); by
        default the running one, and nothing happens when there is none.

    Returns
    -------
    None
        The shell's ``text/html`` formatter of DataFrame and Series is replaced.

    Examples
    --------
    A shell's display formatter then renders a frame as a ``crm-table`` in per cent:

    >>> import types
    >>> import pandas as pd
    >>> from IPython.core.formatters import DisplayFormatter
    >>> ip = types.SimpleNamespace(display_formatter=DisplayFormatter())
    >>> use_for_frames(ip)
    >>> html = ip.display_formatter.formatters["text/html"](pd.DataFrame({"churn_rate": [0.25]}))
    >>> 'class="crm-table"' in html, "25.0" in html
    (True, True)
    >>> use_for_frames()  # outside IPython: no shell, nothing to do
    """
    if ip is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with the notebooks' kernel
            return
        ip = get_ipython()
    if ip is None:
        return
    html = ip.display_formatter.formatters["text/html"]
    html.for_type(pd.DataFrame, _html)
    html.for_type(pd.Series, _html)


def glue(name: str, variable, display: bool = True) -> None:
    """Keep ``variable`` for the book's prose under ``name`` (myst-nb's ``glue``).

    The book's build has myst-nb; the browser edition and a bare JupyterLab may not. There
    the value is only shown (when ``display`` is true) and nothing is stored, so a chapter
    runs the same everywhere.

    Parameters
    ----------
    name : str
        Key under which the book's prose refers to the value (myst-nb's ``glue`` role).
    variable : object
        The value: a number, a text, a table or a figure.
    display : bool, default True
        Also show the value in the notebook's output.

    Returns
    -------
    None
        The value is stored in the cell's output (myst-nb), or only shown without it.

    Examples
    --------
    >>> glue("n_customers", 10_000, display=False)  # stored for the book, shows nothing
    """
    try:
        from myst_nb import glue as _glue
    except ImportError:
        if display:
            from IPython.display import display as _display

            _display(variable)
        return
    _glue(name, variable, display=display)


class _LanguageFormatter(string.Formatter):
    """``str.format`` with numbers in the kit's typography (1 234,5 and 12,3 % in French)."""

    def format_field(self, value, format_spec):
        text = super().format_field(value, format_spec)
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            return _localise(text)
        return text


def say(en: str, fr: str, /, **values) -> str:
    """A sentence of a chapter's output in the kit's language, its ``{placeholders}`` filled
    with ``values`` and its numbers written as the language writes them.

    A code cell that prints a sentence prints it through ``say``, so that the French edition
    (``CRMKIT_LANG=fr``) prints French: format specifications work as in ``str.format``
    (``{n:,}``, ``{share:.1%}``) and numbers follow the language's typography.

    Parameters
    ----------
    en, fr : str
        The sentence in English and in French, with the same placeholders.
    **values
        The values of the placeholders.

    Returns
    -------
    str
        The sentence (print it, or leave it as the cell's last expression).

    Examples
    --------
    >>> from crmkit import labels
    >>> say("{n:,} customers, {share:.1%} active", "{n:,} clients, dont {share:.1%} actifs",
    ...     n=12345, share=0.4567)
    '12,345 customers, 45.7% active'
    >>> with labels.language("fr"):
    ...     say("{n:,} customers, {share:.1%} active", "{n:,} clients, dont {share:.1%} actifs",
    ...         n=12345, share=0.4567)
    '12\u202f345 clients, dont 45,7\u202f% actifs'
    """
    template = fr if labels.get_language() == "fr" else en
    return _LanguageFormatter().format(template, **values)

