"""The generator's behavioural parameters, read from the sourced file ``parameters.yaml``.

Every number that shapes how the simulated customers behave (hazards, shares, prices,
amounts, effects) lives in ``crmkit/synth/parameters.yaml``, one entry per parameter with
its ``value``, ``unit``, ``meaning`` and ``source``: the public figure it is calibrated to
(the key of the figure in ``targets.yaml`` and the publication) or ``assumption: <why>``.
The simulation code reads them by section and name (``PARAMS.churn.multichannel_factor``),
so that no behavioural constant is typed in the code.

The texts (``meaning``, ``unit`` and the words of ``source``) are written in English in the
file, where the parameters are; their French is in the gettext catalog
``crmkit/locale/fr/LC_MESSAGES/synth/parameters.po``, looked up by the English text (the
checker's catalogs work the same way): an English meaning that changes loses its translation
until the catalog is brought in step (``make translations``) and translated again, and
``tests/test_translations.py`` counts what the catalog leaves untranslated.
:meth:`Parameters.table` gives the texts in a language (``lang="fr"``).

Examples
--------
>>> from crmkit.synth.parameters import PARAMS
>>> PARAMS.claims.responsible_share
0.65
>>> PARAMS.claims.no_such_thing
Traceback (most recent call last):
...
crmkit.synth.parameters.ParameterError: parameters.yaml: unknown parameter 'claims.no_such_thing'; known in 'claims': ...
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from crmkit._i18n import translations

__all__ = ["PARAMS", "ParameterError", "Parameters", "load_parameters", "DEFAULT_PATH", "TEXTS"]

DEFAULT_PATH = Path(__file__).with_name("parameters.yaml")
FIELDS = ("value", "unit", "meaning", "source")
TEXTS = ("meaning", "unit", "source")  # the fields written in words (translated)


class ParameterError(ValueError):
    """A parameters file that is not what the generator needs (one clear message)."""


class Section:
    """The parameters of one section, as attributes (values) and entries (full records)."""

    def __init__(self, file: str, name: str, entries: dict):
        self._file, self._name, self._entries = file, name, entries

    def __getattr__(self, key: str):
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._entries[key]["value"]
        except KeyError:
            known = ", ".join(sorted(self._entries))
            raise ParameterError(f"{self._file}: unknown parameter '{self._name}.{key}'; "
                                 f"known in '{self._name}': {known}") from None

    def entry(self, key: str) -> dict:
        """The full record (value, unit, meaning, source) of one parameter."""
        getattr(self, key)
        return dict(self._entries[key])

    def __iter__(self):
        return iter(self._entries)


class Parameters:
    """Every section of a parameters file; ``PARAMS.<section>.<name>`` is a value."""

    def __init__(self, file: str, sections: dict[str, dict]):
        self._file = file
        self._sections = {k: Section(file, k, v) for k, v in sections.items()}

    def __getattr__(self, key: str) -> Section:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._sections[key]
        except KeyError:
            raise ParameterError(f"{self._file}: unknown section '{key}'; known: "
                                 f"{', '.join(sorted(self._sections))}") from None

    def keys(self) -> list[str]:
        """Every parameter as ``section.name``.

        Returns
        -------
        list of str
            The keys, in file order (section by section).

        Examples
        --------
        >>> from crmkit.synth.parameters import load_parameters
        >>> keys = load_parameters().keys()
        >>> keys[:2]
        ['personas.weight_bank', 'personas.weight_insurance']
        >>> "churn.multichannel_factor" in keys
        True
        """
        return [f"{s}.{k}" for s, sec in self._sections.items() for k in sec]

    def table(self, lang: str = "en"):
        """Every parameter as one tidy table (section, name, value, unit, meaning, source).

        Parameters
        ----------
        lang : str, default "en"
            The language of ``unit``, ``meaning`` and ``source`` (``"fr"``: from the French
            catalog, see :func:`crmkit._i18n.translations`; a text it lacks stays English). Names and
            values are code: never translated.

        Returns
        -------
        DataFrame
            One row per parameter, in the order of :meth:`keys`: ``section``, ``name``,
            ``value``, ``unit``, ``meaning`` and ``source`` (a citation, or
            ``"assumption: ..."`` with the reason).

        Examples
        --------
        >>> from crmkit.synth.parameters import load_parameters
        >>> t = load_parameters().table()
        >>> t.columns.tolist()
        ['section', 'name', 'value', 'unit', 'meaning', 'source']
        >>> t.set_index(["section", "name"]).loc[("churn", "multichannel_factor"), ["value", "unit"]].tolist()
        [2.0, 'factor']
        >>> t = load_parameters().table(lang="fr").set_index(["section", "name"])
        >>> t.loc[("churn", "multichannel_factor"), "unit"]
        'facteur'
        """
        import pandas as pd

        rows = [{"section": s, "name": k, **sec.entry(k)} for s, sec in self._sections.items() for k in sec]
        table = pd.DataFrame(rows, columns=["section", "name", *FIELDS])
        words = translations(lang)
        if words:
            for field in TEXTS:
                table[field] = table[field].map(lambda text: words.get(text, text))
        return table

    def texts(self) -> list[str]:
        """Every distinct text of the parameters (meanings, units, sources), in file order:
        the English messages of the parameters' catalog.

        Returns
        -------
        list of str
            The texts, each once.

        Examples
        --------
        >>> from crmkit.synth.parameters import load_parameters
        >>> texts = load_parameters().texts()
        >>> "per month" in texts and len(texts) == len(set(texts))
        True
        """
        out = {}
        for sec in self._sections.values():
            for k in sec:
                for field in TEXTS:
                    out.setdefault(sec._entries[k][field], None)
        return list(out)


def _check_value(file, key, v):
    ok = (isinstance(v, (int, float)) and not isinstance(v, bool)) or isinstance(v, bool)
    if isinstance(v, list):
        ok = all(isinstance(x, (int, float)) for x in v)
    if isinstance(v, dict):
        ok = all(isinstance(x, (int, float, list)) or (isinstance(x, dict) and all(isinstance(y, (int, float)) for y in x.values()))
                 for x in v.values())
    if not ok:
        raise ParameterError(f"{file}: '{key}' must be a number, a list of numbers or a mapping "
                             f"of numbers, got {v!r}")


def _read(path: Path) -> dict[str, dict]:
    file = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ParameterError(f"{file}: not valid YAML ({err})") from err
    if not isinstance(raw, dict) or not isinstance(raw.get("sections"), dict):
        raise ParameterError(f"{file}: expected a mapping with a 'sections' key")
    sections = {}
    for s, entries in raw["sections"].items():
        if not isinstance(entries, dict) or not entries:
            raise ParameterError(f"{file}: section '{s}' must map parameter names to records")
        for k, rec in entries.items():
            key = f"{s}.{k}"
            if not isinstance(rec, dict):
                raise ParameterError(f"{file}: '{key}' must be a record with {list(FIELDS)}")
            missing = [f for f in FIELDS if f not in rec]
            extra = [f for f in rec if f not in FIELDS]
            if missing or extra:
                raise ParameterError(f"{file}: '{key}' has missing fields {missing} / unknown fields {extra}; "
                                     f"each parameter needs exactly {list(FIELDS)}")
            for f in ("unit", "meaning", "source"):
                if not isinstance(rec[f], str) or not rec[f].strip():
                    raise ParameterError(f"{file}: '{key}' needs a non-empty {f}")
            _check_value(file, key, rec["value"])
        sections[s] = entries
    return sections


def load_parameters(path: str | os.PathLike | None = None) -> Parameters:
    """Read and check a parameters file (default: the generator's own ``parameters.yaml``).

    A file other than the default must define exactly the same parameters (same sections
    and names): an unknown or a missing parameter raises one :class:`ParameterError` naming
    them.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A YAML parameters file; default :data:`DEFAULT_PATH`.

    Returns
    -------
    Parameters
        The checked parameters: ``p.<section>.<name>`` is a value.

    Raises
    ------
    ParameterError
        When the file is missing, is not valid YAML, has a malformed record, or does not
        define exactly the default parameters.

    Examples
    --------
    >>> from crmkit.synth.parameters import load_parameters
    >>> p = load_parameters()
    >>> "churn.multichannel_factor" in p.keys()
    True
    >>> p.churn.multichannel_factor
    2.0
    """
    if path is None:
        return Parameters(DEFAULT_PATH.name, _read(DEFAULT_PATH))
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: no such parameters file")
    sections = _read(path)
    ref = set(PARAMS.keys())
    got = {f"{s}.{k}" for s, e in sections.items() for k in e}
    if got != ref:
        raise ParameterError(f"{path.name}: unknown parameters {sorted(got - ref)}, "
                             f"missing parameters {sorted(ref - got)}")
    return Parameters(path.name, sections)


PARAMS = load_parameters()
