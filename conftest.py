"""Root conftest: applies to the tests and to the doctests of ``crmkit`` (``--doctest-modules``).

Figures are drawn with matplotlib's non-interactive Agg backend, so the plot examples in the
docstrings run (no window, no display needed) instead of being skipped, and every figure is
closed after each test so memory stays flat over the suite.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class _NoKernelHandle:
    """Stands for IPython's DisplayHandle in the widget examples: nothing is shown."""

    def display(self, obj):
        pass

    def update(self, obj):
        pass


@pytest.fixture(autouse=True)
def _widget_examples_display_nothing(request, monkeypatch):
    # The crmkit.widgets examples build their controls and move one, as a reader would:
    # that runs the explorer's redraw. Outside a kernel IPython's display would print the
    # repr of every control, figure and table into the doctest's output, so here it shows
    # nothing (what the explorer computes is still computed, and an error still fails).
    from _pytest.doctest import DoctestItem

    if isinstance(request.node, DoctestItem) and request.node.name.startswith("crmkit.widgets."):
        from crmkit.widgets import _base

        monkeypatch.setattr(_base, "display", lambda *objs, **kwargs: None)
        monkeypatch.setattr(_base, "DisplayHandle", _NoKernelHandle)
