"""Does it pay? The breakeven of an operation and the return on investment of campaigns.

Course chapter 5, "Does it pay? Breakeven and return on investment". The breakeven is the
number of units an operation must sell to cover its cost; the naive ROI credits a campaign
with every conversion of the contacted group, the incremental ROI only with the uplift
(:mod:`crmkit.campaigns.measurement`), the part the campaign caused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.campaigns.measurement import _validate_targets, uplift

__all__ = ["Breakeven", "breakeven", "campaign_roi", "pooled_roi"]


@dataclass(frozen=True)
class Breakeven:
    """Breakeven of a direct-marketing operation.

    Attributes
    ----------
    total_cost : float
        Fixed cost + contacts x cost per contact.
    units : float
        Units to sell to cover the cost (total cost / margin per unit).
    units_rounded : int
        The same, rounded up: what the operation must actually sell.
    response_rate : float
        Share of the contacts that must buy (units / contacts / units per response).
    """

    total_cost: float
    units: float
    units_rounded: int
    response_rate: float


def breakeven(
    n_contacts: int,
    cost_per_contact: float,
    margin_per_unit: float,
    fixed_cost: float = 0.0,
    units_per_response: float = 1.0,
) -> Breakeven:
    """Number of units to sell (and response rate to reach) to pay for an operation.

    The lecture slides define the breakeven of a marketing operation as the number of
    articles it must sell to cover its cost: (fixed cost + contacts x cost per contact) /
    unit margin.

    Parameters
    ----------
    n_contacts : int
        Contacts made.
    cost_per_contact : float
        Cost of one contact (print, postage, call time...), euros.
    margin_per_unit : float
        Margin on one unit sold, euros (> 0).
    fixed_cost : float
        Design, creation, data selection, euros.
    units_per_response : float
        Units bought per responding customer.

    Returns
    -------
    Breakeven

    Examples
    --------
    A mailing to 20,000 customers at 0.80 euro each plus 4,000 euros of creation, selling
    a product with a 25 euro margin, must sell 800 units: a 4 % response rate.

    >>> b = breakeven(20_000, 0.80, 25.0, fixed_cost=4_000)
    >>> b.total_cost, b.units_rounded, b.response_rate
    (20000.0, 800, 0.04)
    """
    for name, v in [("n_contacts", n_contacts), ("cost_per_contact", cost_per_contact),
                    ("fixed_cost", fixed_cost)]:
        if not v >= 0:
            raise ValueError(f"{name} must be >= 0, got {v}")
    if not margin_per_unit > 0:
        raise ValueError(f"margin_per_unit must be > 0, got {margin_per_unit}")
    if not units_per_response > 0:
        raise ValueError(f"units_per_response must be > 0, got {units_per_response}")
    total = float(fixed_cost + n_contacts * cost_per_contact)
    units = total / margin_per_unit
    rate = units / units_per_response / n_contacts if n_contacts else float("inf")
    return Breakeven(total_cost=total, units=units, units_rounded=int(np.ceil(units - 1e-9)),
                     response_rate=float(rate))


def campaign_roi(
    targets: pd.DataFrame,
    campaigns: pd.DataFrame,
    margin_per_conversion: float | pd.Series,
    fixed_cost: float | pd.Series = 0.0,
) -> pd.DataFrame:
    """Return on investment of each campaign, on the margin it caused.

    The naive ROI credits the campaign with every conversion of the contacted group; the
    incremental ROI only with the uplift (test minus control rate) times the contacted
    targets. Only the test group is contacted, so only it costs.

    Parameters
    ----------
    targets : DataFrame
        The ``campaign_targets`` table.
    campaigns : DataFrame
        The ``campaigns`` table (``campaign_id``, ``cost_per_contact``).
    margin_per_conversion : float or Series indexed by campaign_id
        Margin of one conversion (e.g. the product's margin over its expected life).
    fixed_cost : float or Series indexed by campaign_id
        Fixed cost of each campaign.

    Returns
    -------
    DataFrame
        Indexed by ``campaign_id``: ``cost``, ``conversions`` (test group),
        ``incremental_conversions``, ``naive_margin``, ``incremental_margin``,
        ``naive_roi``, ``roi`` (= (incremental margin - cost) / cost). A campaign whose
        targets are all in the control group contacted nobody: 0 conversions and 0
        incremental conversions, a ROI of -1 if it had a fixed cost, undefined (NaN)
        if it cost nothing.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"campaign_id": 7, "customer_id": range(200),
    ...     "group": ["test"] * 100 + ["control"] * 100, "responded": False,
    ...     "converted": [True] * 10 + [False] * 90 + [True] * 4 + [False] * 96})
    >>> c = pd.DataFrame({"campaign_id": [7], "cost_per_contact": [2.0]})
    >>> campaign_roi(t, c, margin_per_conversion=50.0)[["cost", "naive_roi", "roi"]]  # doctest: +NORMALIZE_WHITESPACE
                  cost  naive_roi  roi
    campaign_id
    7            200.0        1.5  0.5
    """
    _validate_targets(targets)
    schema.validate(campaigns, "campaigns", columns=["campaign_id", "cost_per_contact"])
    schema.check_nonnegative(campaigns, "campaigns", "cost_per_contact")
    up = uplift(targets)
    camp = campaigns.set_index("campaign_id")
    missing = ~up.index.isin(camp.index)
    if missing.any():
        bad = targets["campaign_id"].isin(up.index[missing])
        schema._fail("campaign_targets", "campaign_id", "not in the campaigns table", bad, targets)

    def per_campaign(v, name):
        s = v.reindex(up.index) if isinstance(v, pd.Series) else pd.Series(v, index=up.index)
        if s.isna().any() or (s < 0).any():
            raise ValueError(f"{name} must be given and >= 0 for every campaign")
        return s.astype(float)

    margin = per_campaign(margin_per_conversion, "margin_per_conversion")
    fixed = per_campaign(fixed_cost, "fixed_cost")
    cost = fixed + up["n_test"] * camp["cost_per_contact"].reindex(up.index)
    # a campaign whose targets are all held out contacted nobody: no conversion, no
    # incremental conversion (its uplift is undefined, its effect is nil)
    contacted = up["n_test"] > 0
    conversions = (up["rate_test"] * up["n_test"]).where(contacted, 0.0)
    incremental = up["incremental"].where(contacted, 0.0)
    out = pd.DataFrame({
        "cost": cost,
        "conversions": conversions.round().astype(np.int64),
        "incremental_conversions": incremental,
        "naive_margin": conversions * margin,
        "incremental_margin": incremental * margin,
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        out["naive_roi"] = (out["naive_margin"] - cost) / cost
        out["roi"] = (out["incremental_margin"] - cost) / cost
    return out


def pooled_roi(roi: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """ROI of groups of campaigns: costs and margins summed, then the two ratios.

    Campaigns whose uplift cannot be measured (no control group) are left out, their cost
    included: what a campaign caused is unknown without a control group.

    Parameters
    ----------
    roi : DataFrame
        :func:`campaign_roi` output with the ``by`` column(s) added.
    by : str or list of str
        Columns to group the campaigns by.

    Returns
    -------
    DataFrame
        Indexed by ``by``: ``campaigns`` (measured), ``cost``, ``naive_margin``,
        ``incremental_margin``, ``naive_roi`` and ``roi``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"channel": ["mail", "mail", "email"], "cost": [100.0, 300.0, 10.0],
    ...     "naive_margin": [300.0, 500.0, 40.0], "incremental_margin": [100.0, 300.0, 20.0]})
    >>> pooled_roi(r, "channel")[["cost", "naive_roi", "roi"]]  # doctest: +NORMALIZE_WHITESPACE
              cost  naive_roi  roi
    channel
    email     10.0        3.0  1.0
    mail     400.0        1.0  0.0
    """
    cols = [by] if isinstance(by, str) else list(by)
    schema.check_not_empty(roi, "roi")
    schema.check_columns(roi, "roi", cols)
    schema.check_columns(roi, "roi", {"cost": "number", "naive_margin": "number",
                                      "incremental_margin": "number"})
    measured = roi.loc[roi["incremental_margin"].notna()]
    schema.check_not_empty(measured, "roi")
    g = measured.groupby(cols, observed=True)
    out = g[["cost", "naive_margin", "incremental_margin"]].sum()
    out.insert(0, "campaigns", g.size())
    with np.errstate(divide="ignore", invalid="ignore"):
        out["naive_roi"] = (out["naive_margin"] - out["cost"]) / out["cost"]
        out["roi"] = (out["incremental_margin"] - out["cost"]) / out["cost"]
    return out
