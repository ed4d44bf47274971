"""French and English labels for every category the kit shows.

The course is taught in English and in French: every figure title, axis, legend entry,
tick label and table header of crmkit goes through :func:`label`, so one call switches the
whole kit to French::

    from crmkit import labels
    labels.set_language("fr")          # or, for one cell: with labels.language("fr"): ...

The language a Python process starts in comes from the environment variable ``CRMKIT_LANG``
(``en``, the default, or ``fr``; ``fr_FR.UTF-8`` reads as ``fr``): the French edition of
the book executes every notebook with ``CRMKIT_LANG=fr``, so the same chapters draw French
figures, tables, widgets and reports without a line of code changed.

The vocabulary is data, not code: ``crmkit/data/labels.yaml`` maps each *kind* (a family of
values: ``channel``, ``loyalty_type``, ``value_quadrant``, ``column``...) and *key* (the value
as it appears in the data) to its English and French labels. The book's glossary is rendered
from the same file (``tools/make_glossary.py``), so a term reads the same in a chart, a table
and the glossary. Modules with vocabularies of their own add them with :func:`register`.

Display code never raises on an unknown value: it is shown unchanged. Tests use
:func:`missing` to assert that a vocabulary is covered.

Examples
--------
>>> from crmkit import labels
>>> labels.label("spurious_loyalty")
'Spurious loyalty'
>>> with labels.language("fr"):
...     labels.label("spurious_loyalty")
'Fausse fidélité'
>>> labels.label("under_developed", lang="fr")
'Clients sous-développés'
>>> labels.label("something_unknown")
'something_unknown'
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from crmkit._docs import fill

#: The ``lang`` parameter of the functions that write in a language, written once
#: (``crmkit._docs.fill``).
LANG_DOC = """\
lang : {"en", "fr"}, optional
    The language; default the current one (:func:`crmkit.labels.get_language`)."""

__all__ = [
    "LANGUAGES",
    "LANGUAGE_ENV",
    "DATA_PATH",
    "set_language",
    "get_language",
    "language",
    "label",
    "header",
    "labels_of",
    "order",
    "kinds",
    "kind_of",
    "entry",
    "translate_frame",
    "missing",
    "register",
    "read_label_file",
    "read_palettes",
    "colors",
    "palettes",
    "palette_of",
]

LANGUAGES = ("en", "fr")
DATA_PATH = Path(str(resources.files("crmkit") / "data" / "labels.yaml"))
# the environment variable that sets the language a process starts in
LANGUAGE_ENV = "CRMKIT_LANG"


def _language_from_env(environ: Mapping[str, str] = os.environ) -> str:
    """The start-up language: ``CRMKIT_LANG`` (``fr``, ``fr_FR.UTF-8``...), else English.

    A value naming no language of the kit is refused at import, naming the variable: a typo
    must not give an English "French" edition.
    """
    value = str(environ.get(LANGUAGE_ENV, "")).strip()
    if not value:
        return "en"
    code = re.split(r"[_.@-]", value, maxsplit=1)[0].lower()
    if code not in LANGUAGES:
        raise ValueError(f"{LANGUAGE_ENV}={value!r}: unknown language; use one of {list(LANGUAGES)}")
    return code


# A ContextVar rather than a bare global: `language("fr")` stays local to the block (and to
# its thread/task) and is restored even if the block raises.
_START_LANGUAGE = _language_from_env()
_language: ContextVar[str] = ContextVar("crmkit_language", default=_START_LANGUAGE)


# ---------------------------------------------------------------------------------------
# the label table
# ---------------------------------------------------------------------------------------
class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML loader that refuses duplicate keys (PyYAML silently keeps the last one); on
    libyaml's C parser where PyYAML has it (about 15 times faster on the label file), on
    PyYAML's own Python parser elsewhere (the browser edition)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ValueError(f"duplicate key {key!r} in the label file (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@functools.lru_cache(maxsize=4)
def _parse(path: str, mtime_ns: int, size: int) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_UniqueKeyLoader)  # noqa: S506 - safe loader subclass


def _load(path: str | Path):
    """The parsed label file, parsed once per version of the file (the labels and the
    palettes are read from the same parse); a copy, for the readers to pop from."""
    st = Path(path).stat()
    return copy.deepcopy(_parse(str(path), st.st_mtime_ns, st.st_size))


def read_label_file(path: str | Path = DATA_PATH) -> tuple[dict[str, dict[str, tuple[str, str]]], dict[str, str]]:
    """Read a label file: ``({kind: {key: (en, fr)}}, {column: kind})``.

    Raises ``ValueError`` naming the kind and key of any malformed entry (a key YAML read as
    a boolean, a label that is not a pair of non-empty strings, a duplicate key).

    Parameters
    ----------
    path : str or pathlib.Path, default crmkit/data/labels.yaml
        The label file.

    Returns
    -------
    (dict, dict)
        ``{kind: {key: (en, fr)}}`` and ``{column: kind}``.

    Examples
    --------
    >>> entries, columns = read_label_file()
    >>> entries["loyalty_type"]["latent_loyalty"]
    ('Latent loyalty', 'Fidélité latente')
    >>> columns["preferred_channel"]
    'channel'
    """
    raw = _load(path)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping kind -> key -> [en, fr]")
    columns = {str(k): str(v) for k, v in (raw.pop("_columns", None) or {}).items()}
    raw.pop("_colors", None)  # colours are read by read_palettes
    raw.pop("_palettes", None)
    entries: dict[str, dict[str, tuple[str, str]]] = {}
    for kind, values in raw.items():
        if not isinstance(values, dict):
            raise ValueError(f"{path}: kind {kind!r} must map keys to [en, fr]")
        entries[str(kind)] = {}
        for key, pair in values.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: {kind}.{key!r}: key is not a string (quote it in YAML)")
            entries[str(kind)][key] = _pair(kind, key, pair)
    unknown = sorted(set(columns.values()) - set(entries))
    if unknown:
        raise ValueError(f"{path}: _columns names unknown kind(s) {unknown}")
    return entries, columns


def read_palettes(path: str | Path = DATA_PATH) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Read a label file's colours: ``({name: hex}, {kind: {key: hex}})``.

    ``_colors`` names the colour-blind-safe colours; ``_palettes`` gives, per label kind, the
    fixed colour of each key, as a colour name or a ``#rrggbb`` hex string. Raises
    ``ValueError`` on an unknown colour name, a malformed hex string or a palette of a kind
    the file does not label.

    Parameters
    ----------
    path : str or Path, default :data:`DATA_PATH`
        The label file.

    Returns
    -------
    tuple of dict
        The named colours and the palettes, both in file order.

    Examples
    --------
    >>> named, pal = read_palettes()
    >>> pal["group"]["control"] == named["grey"]
    True
    """
    raw = _load(path)
    named = {str(k): str(v) for k, v in (raw.get("_colors") or {}).items()}
    hexa = re.compile(r"#[0-9a-fA-F]{6}")
    for name, code in named.items():
        if not hexa.fullmatch(code):
            raise ValueError(f"{path}: _colors.{name}: {code!r} is not a #rrggbb colour")
    out: dict[str, dict[str, str]] = {}
    for kind, values in (raw.get("_palettes") or {}).items():
        if kind not in raw or kind.startswith("_"):
            raise ValueError(f"{path}: _palettes.{kind}: no label kind {kind!r}")
        out[str(kind)] = {}
        for key, colour in (values or {}).items():
            code = named.get(str(colour), str(colour))
            if not hexa.fullmatch(code):
                raise ValueError(f"{path}: _palettes.{kind}.{key}: unknown colour {colour!r}")
            out[str(kind)][str(key)] = code
    return named, out


def colors() -> dict[str, str]:
    """The kit's named colours (seaborn's colour-blind-safe palette): ``{name: hex}``.

    Returns
    -------
    dict
        A fresh copy, in the label file's order.

    Examples
    --------
    >>> colors()["blue"]
    '#0173b2'
    """
    return dict(_table().colors)


def palettes() -> dict[str, dict[str, str]]:
    """Every fixed palette of the label file: ``{kind: {key: hex}}``.

    The colours are data, like the labels, so a category has the same colour in every
    chapter whatever the order in which modules were imported.

    Returns
    -------
    dict
        A fresh copy (editing it changes nothing in the kit).

    Examples
    --------
    >>> "loyalty_type" in palettes()
    True
    """
    return {k: dict(v) for k, v in _table().palettes.items()}


def palette_of(kind: str) -> dict[str, str]:
    """The fixed colours of one kind's keys, ``{key: hex}`` (empty if it has none).

    Parameters
    ----------
    kind : str
        A label kind (``"value_quadrant"``, ``"channel"``...).

    Returns
    -------
    dict
        A fresh copy.

    Examples
    --------
    >>> palette_of("group")
    {'test': '#0173b2', 'control': '#949494'}
    >>> palette_of("no_such_kind")
    {}
    """
    return dict(_table().palettes.get(kind, {}))


def _pair(kind, key, pair) -> tuple[str, str]:
    ok = (
        isinstance(pair, (list, tuple))
        and len(pair) == 2
        and all(isinstance(p, str) and p.strip() for p in pair)
    )
    if not ok:
        raise ValueError(f"{kind}.{key}: expected a pair [English, French] of non-empty strings, got {pair!r}")
    return (pair[0], pair[1])


class _Table:
    """The loaded labels plus lookup indexes, rebuilt whenever :func:`register` adds some."""

    def __init__(self) -> None:
        self.entries, self.columns = read_label_file(DATA_PATH)
        self.colors, self.palettes = read_palettes(DATA_PATH)
        self._reindex()

    def _reindex(self) -> None:
        # first kind (in file order) that holds a key wins when no kind is given
        self.by_key: dict[str, tuple[str, str]] = {}
        # label text (either language, folded) -> (kind, key), for round trips
        self.by_text: dict[str, tuple[str, str]] = {}
        self.by_text_in_kind: dict[tuple[str, str], str] = {}
        for kind, values in self.entries.items():
            for key, pair in values.items():
                self.by_key.setdefault(key, pair)
                for text in pair:
                    self.by_text.setdefault(_fold(text), (kind, key))
                    self.by_text_in_kind.setdefault((kind, _fold(text)), key)

    def add(self, kind: str, mapping: Mapping, columns: Iterable[str]) -> None:
        self.entries.setdefault(kind, {}).update(mapping)
        for c in columns:
            self.columns[str(c)] = kind
        self._reindex()


_TABLE: _Table | None = None


def _table() -> _Table:
    global _TABLE  # the label table is loaded once, on first use
    if _TABLE is None:
        _TABLE = _Table()
    return _TABLE


def _fold(text: str) -> str:
    """Case-, accent- and space-insensitive form of a label, for reverse look-ups."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


# ---------------------------------------------------------------------------------------
# language
# ---------------------------------------------------------------------------------------
def _check_language(lang: str) -> str:
    code = str(lang).strip().lower()
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {list(LANGUAGES)}")
    return code


def set_language(lang: str) -> None:
    """Set the display language of the kit: ``"en"`` (default) or ``"fr"``.

    Parameters
    ----------
    lang : {"en", "fr"}
        The language.

    Examples
    --------
    >>> from crmkit import labels
    >>> labels.set_language("fr")
    >>> labels.label("control")
    'Groupe témoin'
    >>> labels.set_language("en")
    """
    _language.set(_check_language(lang))


def get_language() -> str:
    """The current display language, ``"en"`` or ``"fr"``.

    Until :func:`set_language` is called, the language of the environment variable
    ``CRMKIT_LANG`` (English when it is unset).

    Returns
    -------
    str
        ``"en"`` or ``"fr"``.

    Examples
    --------
    >>> get_language()
    'en'
    """
    return _language.get()


@contextlib.contextmanager
def language(lang: str) -> Iterator[str]:
    """Display in ``lang`` inside a ``with`` block, then restore the previous language.

    Parameters
    ----------
    lang : {"en", "fr"}
        The language inside the block.

    Examples
    --------
    >>> from crmkit import labels
    >>> with labels.language("fr"):
    ...     labels.label("retention", "strategy")
    'Rétention'
    >>> labels.get_language()
    'en'
    """
    token = _language.set(_check_language(lang))
    try:
        yield _language.get()
    finally:
        _language.reset(token)


# ---------------------------------------------------------------------------------------
# look-ups
# ---------------------------------------------------------------------------------------
def _find(value, kind: str | None) -> tuple[str, str] | None:
    """The (en, fr) pair of ``value`` (a key, or a label in either language), or None."""
    if not isinstance(value, str):
        return None
    t = _table()
    if kind is not None:
        values = t.entries.get(kind)
        if values is None:
            return None
        if value in values:
            return values[value]
        key = t.by_text_in_kind.get((kind, _fold(value)))
        return values[key] if key is not None else None
    if value in t.by_key:
        return t.by_key[value]
    hit = t.by_text.get(_fold(value))
    return t.entries[hit[0]][hit[1]] if hit is not None else None


@fill(lang=LANG_DOC)
def label(value: Hashable, kind: str | None = None, *, lang: str | None = None):
    """The display label of ``value`` in the current (or the given) language.

    ``value`` is a key of the label file (``"true_loyalty"``, ``"branch"``,
    ``"customer_id"``...) or a label in either language (so a frame already translated to
    English can be shown in French). ``kind`` picks the family when a key exists in several
    (``"claim"`` is a transaction kind and an interaction reason); without it the first kind
    of the label file holding the key wins. Unknown values (and non-strings, such as
    numbers) are returned unchanged: display code never fails on a label.

    Parameters
    ----------
    value : hashable
        A key of the label file, or a label in either language.
    kind : str, optional
        The family of the key, when the key is in several.
    {lang}

    Returns
    -------
    str
        The label (``value`` as text when it has none).

    Examples
    --------
    >>> label("claim", "interaction_reason", lang="fr")
    'Déclaration de sinistre'
    >>> label("True loyalty", lang="fr")
    'Fidélité véritable'
    >>> label("Fidélité véritable", lang="en")
    'True loyalty'
    >>> label(42)
    42
    """
    pair = _find(value, kind)
    if pair is None:
        return value
    code = get_language() if lang is None else _check_language(lang)
    return pair[LANGUAGES.index(code)]


def entry(kind: str, key: str) -> tuple[str, str]:
    """The ``(English, French)`` pair of ``key`` in ``kind``; ``KeyError`` if absent.

    Unlike :func:`label` this is strict: use it where a missing label is a bug (the
    glossary generator, tests).

    Parameters
    ----------
    kind : str
        A label kind (:func:`kinds`).
    key : str
        A key of that kind.

    Returns
    -------
    (str, str)
        The English and French labels.

    Examples
    --------
    >>> entry("strategy", "termination")
    ('Termination', 'Résiliation (externalisation)')
    """
    t = _table()
    if kind not in t.entries:
        raise KeyError(f"unknown label kind {kind!r}; known kinds: {sorted(t.entries)}")
    if key not in t.entries[kind]:
        raise KeyError(f"no label for {key!r} in kind {kind!r}")
    return t.entries[kind][key]


@fill(lang=LANG_DOC)
def labels_of(kind: str, *, lang: str | None = None) -> dict[str, str]:
    """All labels of ``kind`` as ``{key: label}``, in display order.

    Parameters
    ----------
    kind : str
        A label kind.
    {lang}

    Returns
    -------
    dict of str to str
        ``{key: label}`` in display order.

    Examples
    --------
    >>> labels_of("idic_step", lang="fr")
    {'identify': 'Identifier', 'differentiate': 'Différencier', 'interact': 'Interagir', 'customize': 'Personnaliser'}
    """
    code = get_language() if lang is None else _check_language(lang)
    values = _table().entries.get(kind, {})
    return {k: pair[LANGUAGES.index(code)] for k, pair in values.items()}


def order(kind: str, values: Iterable | None = None) -> list:
    """Display order of a kind's keys; with ``values``, those values sorted in that order.

    Values the kind does not know go last, in order of first appearance, so a chart never
    loses a category.

    Parameters
    ----------
    kind : str
        A label kind.
    values : iterable, optional
        Values to sort (default: the kind's keys).

    Returns
    -------
    list
        The keys or values in display order.

    Examples
    --------
    >>> order("abc_class")
    ['A', 'B', 'C']
    >>> order("value_quadrant", ["mature", "other", "desirable", "mature"])
    ['desirable', 'mature', 'other']
    """
    keys = list(_table().entries.get(kind, {}))
    if values is None:
        return keys
    seen = list(dict.fromkeys(v for v in values if not _isna(v)))
    rank = {k: i for i, k in enumerate(keys)}
    known = sorted((v for v in seen if v in rank), key=rank.__getitem__)
    return known + [v for v in seen if v not in rank]


def kinds() -> list[str]:
    """Names of the label kinds (file order, then registered ones).

    Returns
    -------
    list of str
        The kinds.

    Examples
    --------
    >>> "loyalty_type" in kinds()
    True
    """
    return list(_table().entries)


def kind_of(column: Hashable, values: Iterable | None = None) -> str | None:
    """The kind of a column's values: from the label file's ``_columns`` map, else inferred.

    Inference (when ``values`` are given) returns the first kind whose keys include every
    non-missing value, or ``None``.

    Parameters
    ----------
    column : hashable
        A column name.
    values : iterable, optional
        The column's values, to infer the kind when the label file does not map the column.

    Returns
    -------
    str or None
        The kind, or None when none fits.

    Examples
    --------
    >>> kind_of("preferred_channel")
    'channel'
    >>> kind_of("my_segment", ["desirable", "mature"])
    'value_quadrant'
    >>> kind_of("free_text", ["hello"]) is None
    True
    """
    t = _table()
    if isinstance(column, str) and column in t.columns:
        return t.columns[column]
    if values is None:
        return None
    distinct = {v for v in values if not _isna(v)}
    if not distinct:
        return None
    for kind, known in t.entries.items():
        if kind in ("column", "table"):
            continue
        if distinct <= known.keys():
            return kind
    return None


def _isna(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # lists and other non-scalars are not missing
        return False


def missing(values: Iterable, kind: str | None = None) -> list:
    """Values (keys) that have no label, in order of first appearance: for coverage tests.

    Missing values (NaN, None) are ignored; with ``kind`` the key must be in that kind.

    Parameters
    ----------
    values : iterable
        Keys to look up.
    kind : str, optional
        The kind the keys must belong to (default: any kind).

    Returns
    -------
    list
        The values without a label.

    Examples
    --------
    >>> missing(["bank", "insurance", "telecom"], "sector")
    ['telecom']
    >>> missing(["true_loyalty", None])
    []
    """
    t = _table()
    pool = t.entries.get(kind, {}) if kind is not None else t.by_key
    out = []
    for v in dict.fromkeys(v for v in values if not _isna(v)):
        if not (isinstance(v, str) and v in pool):
            out.append(v)
    return out


def register(kind: str, mapping: Mapping[str, tuple[str, str]], *, columns: Iterable[str] = ()) -> None:
    """Add (or override) labels of ``kind``: ``{value: (English, French)}``.

    For modules with a vocabulary of their own; ``columns`` names the columns whose values
    belong to ``kind`` (used by :func:`translate_frame`). Raises ``ValueError`` on a
    malformed mapping.

    Parameters
    ----------
    kind : str
        The label kind (new or existing).
    mapping : mapping of str to (str, str)
        ``{value: (English, French)}``.
    columns : iterable of str, default ()
        Columns whose values belong to ``kind``.

    Examples
    --------
    >>> register("tier", {"gold": ("Gold", "Or"), "silver": ("Silver", "Argent")}, columns=["tier"])
    >>> label("gold", lang="fr")
    'Or'
    >>> kind_of("tier")
    'tier'
    """
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind must be a non-empty string, got {kind!r}")
    if not isinstance(mapping, Mapping):
        raise ValueError(f"mapping must be a dict {{value: (en, fr)}}, got {type(mapping).__name__}")
    clean = {}
    for key, pair in mapping.items():
        if not isinstance(key, str):
            raise ValueError(f"{kind}.{key!r}: keys must be strings")
        clean[key] = _pair(kind, key, pair)
    _table().add(kind, clean, columns)


# ---------------------------------------------------------------------------------------
# frames
# ---------------------------------------------------------------------------------------
@fill(lang=LANG_DOC)
def header(name: Hashable, *, lang: str | None = None):
    """Label of a column name (axis title, table header): column, then measure, then any kind.

    Parameters
    ----------
    name : hashable
        A column name.
    {lang}

    Returns
    -------
    str
        Its label (the name itself when none is known).

    Examples
    --------
    >>> header("relative_attitude", lang="fr")
    'Attitude relative'
    >>> header("share_of_customers")
    'Share of customers'
    """
    code = get_language() if lang is None else _check_language(lang)
    for kind in ("column", "measure", None):
        pair = _find(name, kind)
        if pair is not None:
            return pair[LANGUAGES.index(code)]
    return name


def _translate_values(values: pd.Index | pd.Series, kind: str | None, lang: str):
    """Map each distinct value once (vectorised over rows with ``map``)."""
    distinct = pd.unique(values.dropna()) if isinstance(values, pd.Series) else values.dropna().unique()
    mapping = {v: label(v, kind, lang=lang) for v in distinct}
    return values.map(mapping)


def _is_text(dtype) -> bool:
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_string_dtype(dtype)
        or getattr(dtype, "kind", None) == "O"
    )


def _translate_series(s: pd.Series, kind: str | None, lang: str) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        kind = kind or kind_of(s.name, cats)
        new = [label(c, kind, lang=lang) for c in cats]
        if len(set(new)) == len(new):
            return s.cat.rename_categories(new)
        s = s.astype(object)
    kind = kind or kind_of(s.name, pd.unique(s.dropna()))
    return _translate_values(s, kind, lang)


def _translate_index(index: pd.Index, lang: str, kinds: Mapping) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        arrays = [
            _translate_index(index.get_level_values(i), lang, kinds) for i in range(index.nlevels)
        ]
        return pd.MultiIndex.from_arrays(arrays, names=[header(n, lang=lang) for n in index.names])
    name = header(index.name, lang=lang)
    if not _is_text(index.dtype):
        return index.rename(name)
    kind = kinds.get(index.name) or kind_of(index.name, index.unique())
    if kind is None:
        # a frame's columns: their names are column labels or category values
        mapping = {v: header(v, lang=lang) for v in index.unique()}
    else:
        mapping = {v: label(v, kind, lang=lang) for v in index.unique()}
    return pd.Index(index.map(mapping), name=name)


@fill(lang=LANG_DOC)
def translate_frame(df, *, lang: str | None = None, kinds: Mapping[str, str] | None = None):
    """A copy of ``df`` (DataFrame or Series) with labelled headers and category values.

    Column and index names become their labels; the values of text and categorical columns
    (and of text indexes, e.g. a pivot table's columns) become the labels of their kind,
    found from the column name (``preferred_channel`` holds channels) or inferred from the
    values; ``kinds`` overrides this per column. Numbers, dates and booleans are left as
    they are; unknown values pass through unchanged. For display only: compute on the
    original frame.

    Parameters
    ----------
    df : pandas.DataFrame or pandas.Series
        The table to translate.
    {lang}
    kinds : mapping of str to str, optional
        ``{column: kind}`` for columns the label file does not map.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        A translated copy.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"channel": ["branch", "web"], "margin": [120.0, 80.0]})
    >>> translate_frame(df, lang="fr")
          Canal  Marge
    0    Agence  120.0
    1  Internet   80.0
    """
    if not isinstance(df, (pd.DataFrame, pd.Series)):
        raise TypeError(f"translate_frame expects a pandas DataFrame or Series, got {type(df).__name__}")
    code = get_language() if lang is None else _check_language(lang)
    kinds = dict(kinds or {})
    if isinstance(df, pd.Series):
        out = df
        if _is_text(df.dtype):
            out = _translate_series(df, kinds.get(df.name), code)
        out = out.rename(header(df.name, lang=code)) if df.name is not None else out.copy()
        out.index = _translate_index(df.index, code, kinds)
        return out
    data = {}
    for i, col in enumerate(df.columns):
        s = df.iloc[:, i]
        if _is_text(s.dtype):
            kind = kinds.get(col) if isinstance(col, Hashable) else None
            s = _translate_series(s, kind, code)
        data[i] = s
    out = pd.DataFrame(data, index=df.index)
    out.columns = _translate_index(df.columns, code, kinds)
    if not isinstance(df.index, pd.RangeIndex):
        out.index = _translate_index(df.index, code, kinds)
    return out
