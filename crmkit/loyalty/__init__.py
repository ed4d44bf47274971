"""Loyalty: the Dick & Basu typology, critical incidents and retention economics.

Course chapter 2. Loyalty is both an attitude (a preference for the brand relative to its
competitors) and a behaviour (repeat patronage); Dick and Basu (1994) cross the two into
true, latent, spurious and no loyalty. Oliver (1997) adds that true loyalty is a deeply
held commitment to rebuy *despite* situational influences and competitors' efforts, which
makes the reaction to critical incidents (Bitner, 1990) a test of loyalty. Retention
economics turn the bathtub metaphor (the blog article) into numbers.

Submodules, named after the course's ideas:

- :mod:`~crmkit.loyalty.typology`: repeat patronage, attitude, Dick & Basu types
- :mod:`~crmkit.loyalty.incidents`: response mix, churn after an incident versus none
- :mod:`~crmkit.loyalty.survival`: Kaplan-Meier with delayed entry and Cox models of
  churn, through lifelines, on the covariates known on a snapshot day;
- :mod:`~crmkit.loyalty.retention`: observed flows, survival, bathtub simulation (and its
  parameters measured on a year), the value of retention points, half-life,
  acquisition/retention cost ratio, churn within a horizon by group, margin by tenure

Category values are English; their French labels are in :mod:`crmkit.labels` (kind ``loyalty_type``).
"""

from crmkit.loyalty.incidents import incident_churn, incident_response_mix
from crmkit.loyalty.retention import (
    BathtubParameters,
    CostRatio,
    RetentionEffect,
    acquisition_retention_costs,
    acquisition_retention_ratio,
    bathtub,
    bathtub_parameters,
    churn_within,
    compare_bathtubs,
    customer_flows,
    half_life,
    margin_by_tenure,
    retention_for_half_life,
    retention_uplift,
    survival_curve,
    tenure_table,
)
from crmkit.loyalty.survival import churn_covariates, churn_cox, hazard_ratios, kaplan_meier
from crmkit.loyalty.typology import (
    LOYALTY_TYPES,
    attitude_by_customer,
    dick_basu,
    loyalty_typology,
    repeat_patronage,
)

__all__ = [
    "churn_covariates",
    "churn_cox",
    "hazard_ratios",
    "kaplan_meier",
    "tenure_table",
    "LOYALTY_TYPES",
    "repeat_patronage",
    "attitude_by_customer",
    "dick_basu",
    "loyalty_typology",
    "incident_response_mix",
    "incident_churn",
    "customer_flows",
    "survival_curve",
    "bathtub",
    "RetentionEffect",
    "retention_uplift",
    "half_life",
    "retention_for_half_life",
    "CostRatio",
    "acquisition_retention_ratio",
    "acquisition_retention_costs",
    "BathtubParameters",
    "bathtub_parameters",
    "compare_bathtubs",
    "churn_within",
    "margin_by_tenure",
]


def __getattr__(name):
    """The old ``*_LABELS_FR`` dicts, one release (``FutureWarning``; see crmkit.labels)."""
    import importlib

    for sub in ('crmkit.loyalty.typology',):
        try:
            return importlib.import_module(sub).__getattr__(name)
        except AttributeError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
