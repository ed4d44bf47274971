"""The book's figures: one seaborn look, one colour per category, labels in EN or FR.

Every chapter calls :func:`use_style` once; every figure function here takes tidy frames,
draws on the given matplotlib ``ax`` (or a new one), titles and labels it through
:mod:`crmkit.labels` (so ``labels.set_language("fr")`` switches it to French), writes its
number ticks in the language's typography (its ``@localised`` decorator,
:func:`~crmkit.plots.style.localised`) and returns the ``Axes``. A category keeps its colour across chapters (a desirable customer is the same
green in chapter 3 and chapter 4): use :func:`palette` for your own seaborn calls.

The package has one module per idea: :mod:`~crmkit.plots.style` (palettes, the look),
:mod:`~crmkit.plots.concentration`, :mod:`~crmkit.plots.matrix`,
:mod:`~crmkit.plots.shares`, then one module per chapter (``customer_data``, ``loyalty``,
``idic``, ``segmentation``, ``value``, ``campaigns``, ``project``) and
:mod:`~crmkit.plots.diagnostics` (models against the truth); everything is also
importable from ``crmkit.plots`` directly.

Generic figures:

- :func:`pareto_curve` — value concentration (Lorenz/Pareto curve) with the ABC cut-offs;
- :func:`matrix_scatter` — a two-axis matrix (current × potential profitability, relative
  attitude × repeat patronage...) with its cut lines and named quadrants;
- :func:`bar_share` — shares of customers (and of a value) by category.

Examples
--------
>>> import pandas as pd
>>> from crmkit import plots
>>> plots.use_style()
>>> df = pd.DataFrame({"margin": [500.0, 200.0, 120.0, 80.0, 50.0, 30.0, 10.0, 5.0, 3.0, 2.0]})
>>> ax = plots.pareto_curve(df, "margin")
"""

from crmkit.plots import (
    campaigns,
    concentration,
    customer_data,
    diagnostics,
    idic,
    loyalty,
    matrix,
    project,
    segmentation,
    shares,
    style,
    value,
)
from crmkit.plots.campaigns import *  # noqa: F403
from crmkit.plots.concentration import *  # noqa: F403
from crmkit.plots.customer_data import *  # noqa: F403
from crmkit.plots.diagnostics import *  # noqa: F403
from crmkit.plots.idic import *  # noqa: F403
from crmkit.plots.loyalty import *  # noqa: F403
from crmkit.plots.matrix import *  # noqa: F403
from crmkit.plots.project import *  # noqa: F403
from crmkit.plots.segmentation import *  # noqa: F403
from crmkit.plots.shares import *  # noqa: F403
from crmkit.plots.style import *  # noqa: F403
from crmkit.plots.value import *  # noqa: F403

__all__ = [
    name
    for module in (style, concentration, matrix, shares, customer_data, loyalty, idic,
                   segmentation, value, campaigns, project, diagnostics)
    for name in module.__all__
]
