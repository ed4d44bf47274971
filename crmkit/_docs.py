"""Docstring pieces written once and interpolated where they apply (seaborn's way).

A docstring line holding only ``{name}`` is replaced by the block ``name``, indented as that
line. Other braces (a dict in an example) are left alone, and a placeholder without a block
fails at import, so a typo cannot reach the API pages.

Examples
--------
>>> @fill(seed='''seed : int or numpy.random.Generator, optional
...     Random seed.''')
... def draw(seed=None):
...     '''Draw once.
...
...     Parameters
...     ----------
...     {seed}
...     '''
>>> print(draw.__doc__.strip())
Draw once.
<BLANKLINE>
    Parameters
    ----------
    seed : int or numpy.random.Generator, optional
        Random seed.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"(\s*)\{(\w+)\}\s*")


def interpolate(doc: str | None, blocks: dict[str, str]) -> str | None:
    """``doc`` with each line ``{name}`` replaced by ``blocks[name]``, indented as the line.

    Parameters
    ----------
    doc : str or None
        A docstring (``None`` under ``python -OO``, returned as is).
    blocks : dict of str to str
        The blocks, written without indentation.

    Returns
    -------
    str or None
        The docstring with its placeholders filled.

    Examples
    --------
    >>> interpolate("Sum.\\n\\n    {x}\\n", {"x": "x : float\\n    A number."})
    'Sum.\\n\\n    x : float\\n        A number.\\n'
    """
    if doc is None:
        return None
    out = []
    for line in doc.split("\n"):
        m = _PLACEHOLDER.fullmatch(line)
        if m is None:
            out.append(line)
            continue
        indent, key = m.groups()
        if key not in blocks:
            raise KeyError(f"docstring placeholder {{{key}}} has no block (have {sorted(blocks)})")
        out += [indent + part if part else "" for part in blocks[key].split("\n")]
    return "\n".join(out)


def fill(**blocks: str):
    """Decorator filling the ``{name}`` lines of a function's or class's docstring.

    Parameters
    ----------
    **blocks : str
        The blocks by placeholder name, written without indentation.

    Returns
    -------
    callable
        The decorator; it returns the object itself, its ``__doc__`` filled.

    Examples
    --------
    >>> @fill(x="x : float\\n    A number.")
    ... def twice(x):
    ...     '''Twice ``x``.
    ...
    ...     {x}
    ...     '''
    ...     return 2 * x
    >>> "A number." in twice.__doc__
    True
    """

    def decorate(obj):
        obj.__doc__ = interpolate(obj.__doc__, blocks)
        return obj

    return decorate
