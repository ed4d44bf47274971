"""The public API as the reference pages document it (book/api, book/_ext/api_reference.py).

Each public function and class is documented once, under its shortest public name: the name
a package exports in ``__all__`` (``crmkit.loyalty.dick_basu``) wins over its defining
submodule (``crmkit.loyalty.typology.dick_basu``). The chapters' "functions used here" cards
link to these names (tools/chapter_functions.py), so every link has a target.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import crmkit


def public_modules() -> list[str]:
    """Names of crmkit's public modules and packages, parents before children.

    Returns
    -------
    list of str
        Every module under ``crmkit`` with no part starting with ``_``, sorted.

    Examples
    --------
    >>> "crmkit.loyalty" in public_modules()
    True
    """
    names = [m.name for m in pkgutil.walk_packages(crmkit.__path__, "crmkit.")
             if not any(p.startswith("_") for p in m.name.split(".")[1:])]
    return sorted(names)


def top_level_modules() -> list[str]:
    """The first-level public modules: one reference page each.

    Returns
    -------
    list of str
        ``crmkit.<name>`` for every public module or package directly under ``crmkit``.

    Examples
    --------
    >>> "crmkit.clv.bgnbd" in top_level_modules()
    False
    """
    return [m for m in public_modules() if m.count(".") == 1]


def _documentable(obj) -> bool:
    return ((inspect.isfunction(obj) or inspect.isclass(obj))
            and str(getattr(obj, "__module__", "")).startswith("crmkit"))


def documented() -> dict[str, object]:
    """Every public function and class, by the one name the API reference gives it.

    Returns
    -------
    dict
        Canonical dotted name -> object, for the functions and classes listed in the
        ``__all__`` of a public module. An object exported by several modules is listed once,
        under the shortest name (then the first in alphabetical order).

    Examples
    --------
    >>> from crmkit.loyalty import dick_basu
    >>> canonical_name(dick_basu)
    'crmkit.loyalty.dick_basu'
    >>> "crmkit.loyalty.typology.dick_basu" in documented()
    False
    """
    seen: dict[int, str] = {}
    objects: dict[int, object] = {}
    for mod in public_modules():
        module = importlib.import_module(mod)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr, None)
            if not _documentable(obj):
                continue
            name = f"{mod}.{attr}"
            best = seen.get(id(obj))
            if best is None or (name.count("."), name) < (best.count("."), best):
                seen[id(obj)] = name
                objects[id(obj)] = obj
    return {seen[k]: objects[k] for k in sorted(seen, key=seen.get)}


def canonical_name(obj) -> str | None:
    """The name under which the API reference documents ``obj``.

    Parameters
    ----------
    obj : function or class
        A crmkit function or class.

    Returns
    -------
    str or None
        Its canonical dotted name, or None when no public module exports it.

    Examples
    --------
    >>> from crmkit.clv.bgnbd import BetaGeoModel
    >>> canonical_name(BetaGeoModel)
    'crmkit.clv.BetaGeoModel'
    """
    for name, o in documented().items():
        if o is obj:
            return name
    return None


def page_of(name: str) -> str:
    """The first-level module whose reference page documents ``name``.

    Parameters
    ----------
    name : str
        A canonical dotted name, as :func:`documented` gives it.

    Returns
    -------
    str
        ``crmkit.<module>``.

    Examples
    --------
    >>> page_of("crmkit.clv.BetaGeoModel")
    'crmkit.clv'
    """
    return ".".join(name.split(".")[:2])
