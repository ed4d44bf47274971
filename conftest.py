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
