"""Parameter docs shared by every figure of :mod:`crmkit.plots` (seaborn's way).

Every figure takes ``ax`` and returns it, most take a ``title`` (a label key of the
module's kind) and a ``table`` name for error messages. Their wording is written once here
and interpolated by :func:`figure` into the lines ``{ax}``, ``{title}``, ``{table}`` (or
``{table_name}``) of a docstring; the default table name is read from the signature.

Examples
--------
>>> @figure("plot_value")
... def bars(data, *, title=None, table="data", ax=None):
...     '''Bars.
...
...     Parameters
...     ----------
...     {title}
...     {table}
...     {ax}
...     '''
>>> print(bars.__doc__.split("----------")[1].rstrip())  # doctest: +NORMALIZE_WHITESPACE
title : str, optional
    A label key (kind ``plot_value``, else any) or a text; ``None`` gives the default
    title.
table : str
    Name of the table in error messages (default ``"data"``): bad input raises a
    :class:`crmkit.schema.SchemaError` naming it, the column and the rows.
ax : matplotlib.axes.Axes, optional
    Axes to draw on; a new figure when ``None``.
"""

from __future__ import annotations

import inspect
import textwrap

from crmkit._docs import interpolate

_core_params = {
    "ax": """\
ax : matplotlib.axes.Axes, optional
    Axes to draw on; a new figure when ``None``.""",
}


def _entry(head: str, text: str) -> str:
    return head + "\n" + textwrap.fill(text, 88, initial_indent="    ", subsequent_indent="    ")


def _title(kind: str) -> str:
    return _entry("title : str, optional", f"A label key (kind ``{kind}``, else any) or a "
                  "text; ``None`` gives the default title.")


def _table(name: str, default: str) -> str:
    return _entry(f"{name} : str", f'Name of the table in error messages (default '
                  f'``"{default}"``): bad input raises a :class:`crmkit.schema.SchemaError` '
                  "naming it, the column and the rows.")


def figure(kind: str | None = None):
    """Decorator filling a figure's shared parameter docs.

    Parameters
    ----------
    kind : str, optional
        The label kind of the figure's titles (fills ``{title}``).

    Returns
    -------
    callable
        The decorator; it returns the function itself, its docstring filled.

    Examples
    --------
    >>> @figure()
    ... def dots(*, ax=None):
    ...     '''Dots.
    ...
    ...     {ax}
    ...     '''
    >>> "a new figure when ``None``" in dots.__doc__
    True
    """

    def decorate(func):
        blocks = dict(_core_params)
        if kind is not None:
            blocks["title"] = _title(kind)
        for name, p in inspect.signature(func).parameters.items():
            if name in ("table", "table_name") and isinstance(p.default, str):
                blocks[name] = _table(name, p.default)
        func.__doc__ = interpolate(func.__doc__, blocks)
        return func

    return decorate
