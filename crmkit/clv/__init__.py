"""Customer lifetime value: probabilistic purchase and spend models, and Markov migration.

- :func:`clv_summary`, :func:`calibration_holdout`: from a transaction log to
  frequency, recency, T and monetary value (with a calibration/holdout split);
  :func:`holdout_comparison` sets a model's holdout predictions against what happened;
- :class:`BetaGeoModel` (BG/NBD, Fader, Hardie & Lee 2005) and :class:`ParetoNBDModel`
  (Schmittlein, Morrison & Colombo 1987): how many purchases, is the customer still alive;
- :class:`GammaGammaModel`: how much per purchase (Fader, Hardie & Lee 2005, iso-value);
- :func:`customer_lifetime_value`, :func:`customer_equity`: the two combined and discounted;
- :class:`ShiftedBetaGeoModel` (sBG, Fader & Hardie 2007): retention by cohort in a
  contractual setting (bank, insurer, subscription), with the discounted expected residual
  lifetime (DERL, Fader & Hardie 2010); :func:`survivor_table` builds its survivor counts
  from customers, :func:`contract_survivors` from contracts by start-year cohort;
- :func:`period_transactions`, :func:`frequency_recency_grid`,
  :func:`cumulative_transactions`: a purchase model's
  diagnostics in the shape of the data (drawn by :mod:`crmkit.plots.diagnostics`);
- :func:`score_probability`, :func:`score_totals`: a model's predictions scored against
  what customers truly did after the calibration period (AUC, calibration, error on totals);
- :class:`MarkovMigrationModel` (Pfeifer & Carraway 2000): value of customers moving
  between recency states or segments; :func:`value_tier_panel` builds the panel of yearly
  value tiers (and the absorbing "lost" state) it reads.

The probabilistic models are fitted by maximum likelihood with standard errors from the
Hessian (``summary()``), and are checked in the tests against the estimates published on the
CDNOW sample (:func:`load_cdnow`).

Every model follows crmkit's model contract (:mod:`crmkit.models`): ``fit(data)`` returns
the model, fitted attributes end in ``_``, ``predict(data, *, t=...)`` takes a horizon or an
array of horizons (one column each), ``from_params(...)`` builds a model from known
parameters (``MarkovMigrationModel.from_matrix`` from a known matrix) and ``to_params()``
gives them back. The purchase models' ``predict(data, t=...)`` is the cumulative expected
number of purchases in the next ``t`` time units: :func:`customer_lifetime_value` reads any
purchase model through it. A new model subclasses ``crmkit.clv._common.MLEModel`` (fitted by
:func:`crmkit.clv._optim.fit_mle`), ``PurchaseModel`` (purchase counts) or
:class:`crmkit.models.FittedModel`, and joins :data:`crmkit.models.REGISTRY`, whose entries
``tests/test_model_api.py`` checks one by one.

Deprecated, kept one release with a ``FutureWarning``: ``set_params(<fitted values>)`` (use
``from_params``), ``MarkovMigrationModel.set_matrix`` (use ``from_matrix``), the argument
order ``conditional_expected_purchases(t, data)`` (use ``predict(data, t=t)``),
``summary_from_transactions`` (use :func:`clv_summary`, the name of its warehouse twin).
"""

from crmkit.clv._optim import ConvergenceError, ConvergenceWarning
from crmkit.clv.bgnbd import BetaGeoModel, simulate_bgnbd, simulate_bgnbd_paths
from crmkit.clv.data import load_cdnow
from crmkit.clv.diagnostics import (
    cumulative_transactions,
    frequency_recency_grid,
    period_transactions,
)
from crmkit.clv.gammagamma import (
    GammaGammaModel,
    SpendDependenceWarning,
    SpendIndependence,
    simulate_spend,
    spend_independence,
)
from crmkit.clv.lifetime import customer_equity, customer_lifetime_value
from crmkit.clv.markov import (
    MarkovMigrationModel,
    recency_panel,
    recency_transition_matrix,
    value_tier_panel,
)
from crmkit.clv.paretonbd import ParetoNBDModel, simulate_paretonbd, simulate_paretonbd_paths
from crmkit.clv.sbg import (
    ShiftedBetaGeoModel,
    contract_survivors,
    fader_hardie_2007,
    simulate_sbg,
    survivor_table,
)
from crmkit.clv.scoring import ProbabilityScore, score_probability, score_totals
from crmkit.clv.summary import (
    calibration_holdout,
    check_summary,
    clv_summary,
    holdout_comparison,
    summary_from_transactions,
)

__all__ = [
    "BetaGeoModel",
    "ConvergenceError",
    "ConvergenceWarning",
    "GammaGammaModel",
    "MarkovMigrationModel",
    "ParetoNBDModel",
    "ProbabilityScore",
    "ShiftedBetaGeoModel",
    "SpendDependenceWarning",
    "SpendIndependence",
    "calibration_holdout",
    "check_summary",
    "customer_equity",
    "clv_summary",
    "contract_survivors",
    "customer_lifetime_value",
    "frequency_recency_grid",
    "holdout_comparison",
    "load_cdnow",
    "period_transactions",
    "cumulative_transactions",
    "fader_hardie_2007",
    "recency_panel",
    "recency_transition_matrix",
    "score_probability",
    "score_totals",
    "simulate_bgnbd",
    "simulate_bgnbd_paths",
    "simulate_sbg",
    "simulate_paretonbd",
    "simulate_paretonbd_paths",
    "simulate_spend",
    "spend_independence",
    "summary_from_transactions",
    "survivor_table",
    "value_tier_panel",
]
