"""Old names kept one release: a ``FutureWarning`` that names the replacement (private).

Every alias made here is listed in the release notes and removed in the next release.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable

__all__ = ["renamed", "renamed_keywords", "french_label_aliases"]


def renamed(func: Callable, old: str, *, where: str) -> Callable:
    """``func`` under its old name ``old``: same call, plus a ``FutureWarning``.

    ``where`` is the module path shown to the user (e.g. ``"crmkit.clv"``).

    Examples
    --------
    >>> import warnings
    >>> def new_name(x):
    ...     return 2 * x
    >>> old_name = renamed(new_name, "old_name", where="crmkit.demo")
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     old_name(3), str(w[0].message)
    (6, 'crmkit.demo.old_name is deprecated and will be removed in the next release; use crmkit.demo.new_name')

    The alias documents itself with the new function's sections:

    >>> def twice(x):
    ...     '''Twice x.
    ...
    ...     Returns
    ...     -------
    ...     int
    ...     '''
    ...     return 2 * x
    >>> print(renamed(twice, "double", where="crmkit.demo").__doc__)
    Deprecated alias of :func:`crmkit.demo.twice` (removed next release).
    <BLANKLINE>
    Returns
    -------
    int
    """
    message = (f"{where}.{old} is deprecated and will be removed in the next release; use "
               f"{where}.{func.__name__}")

    @functools.wraps(func)
    def alias(*args, **kwargs):
        warnings.warn(message, FutureWarning, stacklevel=2)
        return func(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old
    # the new function's sections (parameters, returns, examples), under a deprecation line
    body = inspect.cleandoc(func.__doc__ or "").partition("\n\n")[2]
    alias.__doc__ = (f"Deprecated alias of :func:`{where}.{func.__name__}` (removed next "
                     f"release).\n\n{body}").strip()
    return alias


def renamed_keywords(**old_to_new: str) -> Callable:
    """Decorator: accept the old keyword names ``old=new`` one release, with a ``FutureWarning``.

    The wrapped function's signature shows only the new names; a call with an old keyword
    is forwarded under the new one. Passing both the old and the new name is a ``TypeError``.
    The renames are kept on the wrapper as ``__renamed_keywords__`` (the API test reads it).

    Examples
    --------
    >>> import warnings
    >>> @renamed_keywords(id_col="customer_col")
    ... def count(df, *, customer_col="customer_id"):
    ...     return customer_col
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     count(None, id_col="client"), w[0].category.__name__
    ('client', 'FutureWarning')
    >>> count(None, customer_col="client")
    'client'
    """

    def decorate(func: Callable) -> Callable:
        where = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{where}() got both {old}= (deprecated) and {new}=; "
                                        f"pass only {new}=")
                    warnings.warn(f"{where}({old}=...) is deprecated and will be removed in the "
                                  f"next release; use {new}=", FutureWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__renamed_keywords__ = {**getattr(func, "__renamed_keywords__", {}),
                                        **old_to_new}
        return wrapper

    return decorate


def french_label_aliases(module: str, aliases: dict[str, tuple[str, tuple[str, ...]]]) -> Callable:
    """A module ``__getattr__`` giving the old ``*_LABELS_FR`` dicts one release.

    ``aliases`` maps the old name to ``(kind, keys)``: the dict is read from
    :mod:`crmkit.labels` (the one vocabulary) at each access, with a ``FutureWarning``.

    Examples
    --------
    >>> import warnings
    >>> get = french_label_aliases("crmkit.demo", {"GROUP_FR": ("group", ("test",))})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     get("GROUP_FR")
    {'test': 'Groupe test'}
    """

    def __getattr__(name: str):
        if name not in aliases:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        from crmkit import labels

        kind, keys = aliases[name]
        warnings.warn(f"{module}.{name} is deprecated and will be removed in the next release; "
                      f"use crmkit.labels.labels_of({kind!r}, lang='fr')", FutureWarning,
                      stacklevel=2)
        fr = labels.labels_of(kind, lang="fr")
        return {k: fr[k] for k in keys}

    return __getattr__
