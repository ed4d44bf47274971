"""The value matrix's four strategies and the channel migration scenario.

The university lesson: companies that segment on potential x profitability follow four strategies —

- **multi-equipment** (under-developed: low profitability, high potential): after a first
  sale and good feedback, equip the customer with the rest of the range that fits them;
- **loyalty** (desirable: high profitability, high potential): the commercial gestures that
  make a valuable customer feel valued;
- **retention** (mature: high profitability, low potential): keep the loyal, little-mobile
  customers;
- **termination**: have the courage to end the contract of a "bad" customer — after the
  checks of the course text on profitability (reference customer, fast-growing, customer of
  another division); a customer saved by a check is retained.

Termination rule (issue 17): a relationship is ended only when its value is negative, i.e.
when the realised margin (``current_col``, the past) plus the expected margin still to be won
(``potential_col``, the future) is below zero — the relationship costs more than it brings
and its prospects do not make up for it — and the customer sits in the low-low quadrant.
A profitable customer is never advised termination; a low-profitability, low-potential
customer of non-negative value is retained at a fair cost (see :func:`channel_migration`
for the cheaper channel).

And a fifth move (the university lesson, step 5'): a loyal customer with low potential and low
profitability is moved to a cheaper channel (the internet) to restore the margin —
:func:`channel_migration` prices that scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import french_label_aliases, renamed_keywords
from crmkit._docs import fill
from crmkit.segmentation._frame import ordered_categorical, require
from crmkit.segmentation.matrix import MATRIX_DOCS, profitability_matrix

__all__ = [
    "STRATEGIES",
    "QUADRANT_STRATEGY",
    "value_strategies",
    "ChannelMigration",
    "channel_migration",
]

STRATEGIES = ("loyalty", "multi_equipment", "retention", "termination")

# the French labels live in crmkit/data/labels.yaml; the old dict is read from there one release
__getattr__ = french_label_aliases(__name__, {"STRATEGY_LABELS_FR": ("strategy", STRATEGIES)})

QUADRANT_STRATEGY = {
    "desirable": "loyalty",
    "under_developed": "multi_equipment",
    "mature": "retention",
    "undesirable": "termination",
}


@renamed_keywords(id_col="customer_col")
@fill(**MATRIX_DOCS)
def value_strategies(
    df: pd.DataFrame,
    *,
    current_col: str = "direct_profit",
    potential_col: str = "potential",
    customer_col: str = "customer_id",
    current_threshold: float | str = "median",
    potential_threshold: float | str = "median",
    reference_col: str | None = None,
    growth_col: str | None = None,
    growth_threshold: float | None = None,
    other_division_col: str | None = None,
    table: str = "customers",
) -> pd.DataFrame:
    """Assign each customer the strategy of their quadrant of the value matrix.

    Takes the arguments of :func:`crmkit.segmentation.profitability_matrix` and returns its
    table with a ``strategy`` column (ordered categorical of :data:`STRATEGIES`; labels:
    kind ``strategy`` of :mod:`crmkit.labels`).

    Rule: a customer of the undesirable quadrant (low profitability, low potential) is
    advised ``termination`` only if their value ``current + potential`` is negative and no
    check (reference customer, fast-growing, other division) protects them; every other
    undesirable customer is advised ``retention`` (kept at a fair cost, e.g. through a
    cheaper channel), never ``termination``. So a profitable customer is never advised
    termination. The other quadrants keep their strategy (:data:`QUADRANT_STRATEGY`).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    {matrix_params}

    Returns
    -------
    pandas.DataFrame
        The table of :func:`crmkit.segmentation.profitability_matrix` with ``strategy``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
    ...                    "direct_profit": [500.0, -20, 400, -80, -5],
    ...                    "potential": [900.0, 800, 50, 0, 0],
    ...                    "other_division": [False, False, False, False, True]})
    >>> value_strategies(df, current_threshold=100, potential_threshold=100,
    ...                  other_division_col="other_division")[["quadrant", "strategy"]]
              quadrant         strategy
    0        desirable          loyalty
    1  under_developed  multi_equipment
    2           mature        retention
    3      undesirable      termination
    4      undesirable        retention
    """
    out = profitability_matrix(
        df, current_col=current_col, potential_col=potential_col, customer_col=customer_col,
        current_threshold=current_threshold, potential_threshold=potential_threshold,
        reference_col=reference_col, growth_col=growth_col, growth_threshold=growth_threshold,
        other_division_col=other_division_col, table=table,
    )
    strategy = out["quadrant"].astype(str).map(QUADRANT_STRATEGY).to_numpy(dtype=object)
    negative = (out["current"] + out["potential"]).to_numpy(dtype=float) < 0
    protected = ~out["non_priority"].to_numpy(dtype=bool)  # saved by one of the checks
    strategy = np.where(out["quadrant"].eq("undesirable").to_numpy(), "retention", strategy)
    undesirable = out["quadrant"].eq("undesirable").to_numpy()
    strategy = np.where(undesirable & negative & ~protected, "termination", strategy)
    out["strategy"] = ordered_categorical(strategy, STRATEGIES)
    return out


@dataclass(frozen=True)
class ChannelMigration:
    """Result of :func:`channel_migration`.

    Attributes
    ----------
    customers : DataFrame
        One row per eligible customer: ``contacts``, ``contacts_moved``, ``cost_before``,
        ``cost_after``, ``saving``, ``margin_at_risk`` and ``net_gain``.
    unit_costs : Series
        Cost per contact of each channel used.
    """

    customers: pd.DataFrame
    unit_costs: pd.Series

    @property
    def saving(self) -> float:
        """Total cost saved on the contacts moved."""
        return float(self.customers["saving"].sum())

    @property
    def margin_at_risk(self) -> float:
        """Expected margin lost through customers who leave because of the move."""
        return float(self.customers["margin_at_risk"].sum())

    @property
    def net_gain(self) -> float:
        """Saving minus margin at risk."""
        return self.saving - self.margin_at_risk

    def summary(self) -> pd.DataFrame:
        """The scenario in one row: ``eligible_customers`` and the totals of ``contacts``,
        ``contacts_moved``, ``cost_before``, ``cost_after``, ``saving``, ``margin_at_risk``
        and ``net_gain``.

        Returns
        -------
        pandas.DataFrame
            One row with the scenario's totals.

        Examples
        --------
        >>> import pandas as pd
        >>> cu = pd.DataFrame({"customer_id": [1, 2], "eligible": [True, True],
        ...                    "margin": [100.0, 50.0]})
        >>> it = pd.DataFrame({"customer_id": [1, 2, 2], "channel": ["branch", "web", "branch"],
        ...                    "cost": [30.0, 1.0, 30.0]})
        >>> s = channel_migration(cu, it, churn_risk=0.1, margin_col="margin").summary()
        >>> s[["eligible_customers", "contacts_moved", "saving", "margin_at_risk", "net_gain"]]
           eligible_customers  contacts_moved  saving  margin_at_risk  net_gain
        0                   2             2.0    58.0            15.0      43.0
        """
        totals = self.customers[["contacts", "contacts_moved", "cost_before", "cost_after",
                                 "saving", "margin_at_risk", "net_gain"]].sum()
        return pd.DataFrame([{"eligible_customers": len(self.customers), **totals.to_dict()}])


def channel_migration(
    customers: pd.DataFrame,
    interactions: pd.DataFrame,
    *,
    eligible_col: str = "eligible",
    to_channel: str = "web",
    from_channels: Sequence[str] | None = None,
    unit_costs: Mapping[str, float] | None = None,
    adoption: float = 1.0,
    churn_risk: float = 0.0,
    margin_col: str | None = None,
    customer_col: str = "customer_id",
    channel_col: str = "channel",
    cost_col: str = "cost",
) -> ChannelMigration:
    """Price moving eligible customers' contacts to a cheaper channel.

    Parameters
    ----------
    customers : DataFrame
        One row per customer with a boolean ``eligible_col`` (e.g. loyal customers of low
        value and low potential) and, for the risk, a margin per period ``margin_col``.
    interactions : DataFrame
        Contacts of the period, each with its channel and cost.
    to_channel : str, default "web"
        The cheaper channel.
    from_channels : sequence of str, optional
        Channels whose contacts move; default every channel dearer than ``to_channel``.
    unit_costs : mapping, optional
        Cost per contact by channel; default the mean cost per channel in
        ``interactions``.
    adoption : float, default 1.0
        Share of the eligible contacts that actually move.
    churn_risk : float, default 0.0
        Extra probability that a moved customer leaves (some customers value the branch);
        the expected lost margin is ``churn_risk * adoption * margin``.
    eligible_col : str, default "eligible"
        Boolean column of ``customers``: whose contacts may move.
    margin_col : str, optional
        Margin per period of ``customers`` (for ``margin_at_risk``).
    customer_col, channel_col, cost_col : str
        Column names.

    Returns
    -------
    ChannelMigration
        The scenario per eligible customer (``customers``), the ``unit_costs`` used, and
        its totals in one row (``summary()``).

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2], "eligible": [True, False],
    ...                    "margin": [100.0, 900.0]})
    >>> it = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                    "channel": ["branch", "branch", "web", "branch"],
    ...                    "cost": [30.0, 30.0, 1.0, 30.0]})
    >>> mig = channel_migration(cu, it, adoption=0.5, churn_risk=0.1, margin_col="margin")
    >>> mig.customers[["customer_id", "contacts_moved", "cost_before", "cost_after",
    ...                "saving", "margin_at_risk"]]
       customer_id  contacts_moved  cost_before  cost_after  saving  margin_at_risk
    0            1             1.0         61.0        32.0    29.0             5.0
    >>> mig.net_gain
    24.0
    """
    if not 0 <= adoption <= 1 or not 0 <= churn_risk <= 1:
        raise ValueError("adoption and churn_risk must be in [0, 1]")
    cols: dict[str, str | None] = {customer_col: None, eligible_col: "bool"}
    if margin_col is not None:
        cols[margin_col] = "number"
    require(customers, "customers", cols)
    schema.check_unique(customers, "customers", customer_col)
    require(interactions, "interactions",
            {customer_col: None, channel_col: None, cost_col: "number"},
            nonnegative=(cost_col,))
    schema.check_key(interactions, "interactions")
    measured = interactions.groupby(channel_col, observed=True)[cost_col].mean()
    costs = measured if unit_costs is None else pd.Series(dict(unit_costs), dtype=float)
    if to_channel not in costs.index:
        raise ValueError(f"no cost for channel {to_channel!r}; channels: {sorted(costs.index)}")
    if from_channels is None:
        from_channels = [c for c in costs.index if costs[c] > costs[to_channel]]
    missing = sorted(set(from_channels) - set(costs.index))
    if missing:
        raise ValueError(f"no cost for channel(s) {missing}")
    eligible = customers.loc[customers[eligible_col].to_numpy(dtype=bool)]
    it = interactions.loc[interactions[customer_col].isin(eligible[customer_col])]
    moving = it[channel_col].isin(list(from_channels))
    moved = adoption * moving.to_numpy(dtype=float)
    cost = it[cost_col].to_numpy(dtype=float)
    # a moved contact's own cost is replaced by the new channel's unit cost
    frame = pd.DataFrame({
        "c": it[customer_col].to_numpy(),
        "contacts": 1.0,
        "contacts_moved": moved,
        "cost_before": cost,
        "saving": moved * (cost - costs[to_channel]),
    })
    per = frame.groupby("c").sum().reindex(eligible[customer_col], fill_value=0.0)
    per["cost_after"] = per["cost_before"] - per["saving"]
    margin = (eligible.set_index(customer_col)[margin_col] if margin_col is not None
              else pd.Series(0.0, index=eligible[customer_col]))
    moved_any = per["contacts_moved"] > 0
    per["margin_at_risk"] = np.where(moved_any, churn_risk * adoption * margin.reindex(
        per.index).to_numpy(dtype=float), 0.0)
    per["net_gain"] = per["saving"] - per["margin_at_risk"]
    out = per.rename_axis(customer_col).reset_index()[
        [customer_col, "contacts", "contacts_moved", "cost_before", "cost_after", "saving",
         "margin_at_risk", "net_gain"]]
    return ChannelMigration(customers=out, unit_costs=costs.rename("unit_cost"))
