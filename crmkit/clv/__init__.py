"""Customer lifetime value: probabilistic purchase and spend models, and Markov migration.

- :func:`summary_from_transactions`, :func:`calibration_holdout`: from a transaction log to
  frequency, recency, T and monetary value (with a calibration/holdout split);
  :func:`holdout_comparison` sets a model's holdout predictions against what happened;
- :class:`BetaGeoModel` (BG/NBD, Fader, Hardie & Lee 2005) and :class:`ParetoNBDModel`
  (Schmittlein, Morrison & Colombo 1987): how many purchases, is the customer still alive;
- :class:`GammaGammaModel`: how much per purchase (Fader, Hardie & Lee 2005, iso-value);
- :func:`customer_lifetime_value`, :func:`customer_equity`: the two combined and discounted;
- :class:`MarkovMigrationModel` (Pfeifer & Carraway 2000): value of customers moving
  between recency states or segments; :func:`value_tier_panel` builds the panel of yearly
  value tiers (and the absorbing "lost" state) it reads.

All models are fitted by maximum likelihood with standard errors from the Hessian
(``summary()``), and are checked in the tests against the estimates published on the CDNOW
sample (:func:`load_cdnow`).
"""

from crmkit.clv._optim import ConvergenceError, ConvergenceWarning
from crmkit.clv.bgnbd import BetaGeoModel, simulate_bgnbd, simulate_bgnbd_paths
from crmkit.clv.data import load_cdnow
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
from crmkit.clv.summary import (
    calibration_holdout,
    check_summary,
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
    "SpendDependenceWarning",
    "SpendIndependence",
    "calibration_holdout",
    "check_summary",
    "customer_equity",
    "customer_lifetime_value",
    "holdout_comparison",
    "load_cdnow",
    "recency_panel",
    "recency_transition_matrix",
    "simulate_bgnbd",
    "simulate_bgnbd_paths",
    "simulate_paretonbd",
    "simulate_paretonbd_paths",
    "simulate_spend",
    "spend_independence",
    "summary_from_transactions",
    "value_tier_panel",
]
