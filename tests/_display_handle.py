"""A stand-in for IPython's DisplayHandle, shared by the explorers' tests.

A test patches ``crmkit.widgets._base.DisplayHandle`` with :class:`Handle`, empties
``Handle.shown``, then reads what the explorer displayed and replaced, in order."""

from __future__ import annotations


class Handle:
    """Stands for IPython's DisplayHandle: records what is shown and replaced."""

    shown: list = []

    def display(self, obj):
        Handle.shown.append(("display", obj))

    def update(self, obj):
        Handle.shown.append(("update", obj))
