"""Customer value: cost to serve, direct profit, potential, lifetime value, strategies.

Course chapter 4. The lecture slides' chain of customer value: sales & marketing, order handling
and distribution costs make the cost of managing the customer; the commercial margin
minus that cost is the direct profit; direct profit plus potential is the lifetime value
(which the slides weight by a credit score; here only a real default probability can lower
it). The university lesson puts customers on the value matrix
(profitability x potential) and gives each quadrant its strategy.

Submodules, named after the course's ideas:

- :mod:`~crmkit.value.costs`: direct, indirect (activity-based allocation) and common costs
- :mod:`~crmkit.value.profit`: commercial margin, direct profit, customer profitability
  (the chain from the market's tables to direct profit), the portfolio account with
  common costs, potential, customer value (profitability + potential)
- :mod:`~crmkit.value.lifetime`: retention + discount lifetime value, the value chain link
  by link, customer equity, customer capital (margins minus retention effort), lifetime value per acquisition euro by channel over the whole
  acquisition cohort (leavers counted)
- :mod:`~crmkit.value.strategies`: the four strategies, the channel migration scenario

The probabilistic models (BG/NBD, Pareto/NBD, Gamma-Gamma) and the Markov migration
model are in :mod:`crmkit.clv`.
"""

from crmkit.value.costs import activity_drivers, allocate_costs, cost_to_serve
from crmkit.value.lifetime import (
    acquisition_returns,
    annuity_factor,
    chain_steps,
    customer_capital,
    customer_equity,
    lifetime_value,
    lifetime_value_chain,
)
from crmkit.value.profit import (
    commercial_margin,
    customer_profitability,
    customer_value,
    direct_profit,
    potential,
    profit_and_loss,
)
from crmkit.value.strategies import (
    QUADRANT_STRATEGY,
    STRATEGIES,
    ChannelMigration,
    channel_migration,
    value_strategies,
)

__all__ = [
    "activity_drivers",
    "allocate_costs",
    "cost_to_serve",
    "acquisition_returns",
    "annuity_factor",
    "chain_steps",
    "customer_capital",
    "customer_equity",
    "lifetime_value",
    "lifetime_value_chain",
    "commercial_margin",
    "customer_profitability",
    "customer_value",
    "direct_profit",
    "potential",
    "profit_and_loss",
    "QUADRANT_STRATEGY",
    "STRATEGIES",
    "ChannelMigration",
    "channel_migration",
    "value_strategies",
]


def __getattr__(name):
    """The old ``*_LABELS_FR`` dicts, one release (``FutureWarning``; see crmkit.labels)."""
    import importlib

    for sub in ('crmkit.value.costs', 'crmkit.value.strategies'):
        try:
            return importlib.import_module(sub).__getattr__(name)
        except AttributeError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
