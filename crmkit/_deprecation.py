"""Old names kept one release: a ``FutureWarning`` that names the replacement (private).

Every alias made here is listed in the release notes and removed in the next release.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

__all__ = ["renamed"]


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
    """
    message = (f"{where}.{old} is deprecated and will be removed in the next release; use "
               f"{where}.{func.__name__}")

    @functools.wraps(func)
    def alias(*args, **kwargs):
        warnings.warn(message, FutureWarning, stacklevel=2)
        return func(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old
    alias.__doc__ = f"Deprecated alias of :func:`{where}.{func.__name__}` (removed next release)."
    return alias
