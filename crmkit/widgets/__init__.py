"""ipywidgets front-ends over crmkit's pure functions: controls, no logic of their own.

Each explorer computes with the crmkit functions a chapter already uses, draws its
initial state with a plain :func:`IPython.display.display` (so the figure and the table
stay in the saved notebook and in the built book, where no kernel runs) and, in a live
kernel, redraws them in place when a control moves (``DisplayHandle.update``). It returns
its controls, so that a notebook or a test can move them.

One module per chapter (``customer_data``, ``loyalty``, ``idic``, ``segmentation``,
``value``, ``campaigns``, ``project``), one function per explorer, kept thin: a widget that
needs a computation crmkit lacks means a function is missing in crmkit. The shared pieces
(display in place, live controls, sliders) are in ``_base``.
"""

from __future__ import annotations

from crmkit.widgets.campaigns import campaign_planner
from crmkit.widgets.customer_data import identity_threshold_explorer
from crmkit.widgets.idic import contact_policy_explorer
from crmkit.widgets.loyalty import bathtub_explorer, dick_basu_explorer
from crmkit.widgets.project import maturity_explorer
from crmkit.widgets.segmentation import cluster_explorer, matrix_explorer
from crmkit.widgets.value import channel_migration_explorer, cost_pool_explorer, ltv_explorer

__all__ = [
    "cluster_explorer",
    "matrix_explorer",
    "dick_basu_explorer",
    "bathtub_explorer",
    "contact_policy_explorer",
    "identity_threshold_explorer",
    "cost_pool_explorer",
    "ltv_explorer",
    "channel_migration_explorer",
    "maturity_explorer",
    "campaign_planner",
]
