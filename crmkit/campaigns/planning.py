"""Planning a campaign: cost, expected return (naive and incremental), breakeven, power.

Course chapter 5, the campaign planner: :func:`plan_campaign` puts the breakeven rate
(:mod:`crmkit.campaigns.roi`'s reasoning), the expected uplift and the uplift the test can
detect (:mod:`crmkit.campaigns.power`) side by side for one campaign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crmkit.campaigns.power import _check_plan, minimum_detectable_uplift, sample_size

__all__ = ["CampaignPlan", "plan_campaign"]


@dataclass(frozen=True)
class CampaignPlan:
    """What a planned campaign costs, should earn, and whether its test can prove it.

    Attributes
    ----------
    n_targets, n_test, n_control : int
        Selected targets, contacted (test) and held out (control).
    cost : float
        Fixed cost + contacted targets x cost per contact.
    expected_conversions : float
        Conversions expected among the contacted: n_test x (control rate + uplift).
    incremental_conversions : float
        The part the campaign causes: n_test x uplift.
    naive_margin, incremental_margin : float
        The margin of those conversions.
    naive_roi, roi : float
        (margin - cost) / cost, on all the expected conversions (naive) or on the
        incremental ones.
    breakeven_rate : float
        Conversion rate among the contacted that pays the cost (cost / (n_test x margin)).
        The naive reading compares it with the test group's rate, the honest one with the
        uplift.
    detectable_uplift : float
        Smallest uplift the test detects with the given power (NaN if none).
    needed_targets : int
        Targets (test + control) needed to detect the expected uplift.
    """

    n_targets: int
    n_test: int
    n_control: int
    cost: float
    expected_conversions: float
    incremental_conversions: float
    naive_margin: float
    incremental_margin: float
    naive_roi: float
    roi: float
    breakeven_rate: float
    detectable_uplift: float
    needed_targets: int


def plan_campaign(
    n_targets: int,
    cost_per_contact: float,
    margin_per_conversion: float,
    p_control: float,
    uplift: float,
    control_share: float = 0.2,
    fixed_cost: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
) -> CampaignPlan:
    """Plan a campaign: cost, expected ROI (naive and incremental), breakeven, and power.

    Puts :func:`breakeven`, :func:`sample_size` and :func:`minimum_detectable_uplift`
    side by side for one campaign: a campaign whose breakeven rate lies below the uplift
    its test can detect may pay without its test ever being able to show it.

    Parameters
    ----------
    n_targets : int
        Selected targets (test + control), at least 4.
    cost_per_contact, margin_per_conversion : float
        Euros; the margin is that of one conversion (e.g. over the product's expected life).
    p_control : float
        Expected conversion rate without contact (the control group's), in (0, 1).
    uplift : float
        Expected uplift (test rate - control rate), in (0, 1 - p_control).
    control_share : float
        Share of the targets held out.
    fixed_cost : float
        Creation, selection, set-up, euros.
    alpha, power : float
        Level and power of the test.

    Returns
    -------
    CampaignPlan

    Examples
    --------
    10,000 targets, 20 % held out, 1 euro a contact, 100 euros a conversion, 2 % buying
    anyway and 1 point of uplift: 8,000 euros of cost, 80 sales caused (8,000 euros), so
    the incremental ROI is nil while the naive one is 2.

    >>> p = plan_campaign(10_000, 1.0, 100.0, p_control=0.02, uplift=0.01)
    >>> p.cost, p.incremental_conversions, round(p.roi, 6), round(p.naive_roi, 6)
    (8000.0, 80.0, 0.0, 2.0)
    >>> p.breakeven_rate
    0.01
    """
    if not n_targets >= 4:
        raise ValueError(f"n_targets must be at least 4, got {n_targets}")
    _check_plan(p_control, alpha, power, control_share)
    if not 0 < uplift < 1 - p_control:
        raise ValueError(f"uplift must be in (0, 1 - p_control), got {uplift}")
    for name, v in [("cost_per_contact", cost_per_contact), ("fixed_cost", fixed_cost)]:
        if not v >= 0:
            raise ValueError(f"{name} must be >= 0, got {v}")
    if not margin_per_conversion > 0:
        raise ValueError(f"margin_per_conversion must be > 0, got {margin_per_conversion}")
    n_control = int(np.floor(n_targets * control_share + 0.5))  # as assign_groups draws
    n_test = int(n_targets - n_control)
    if n_test < 1 or n_control < 1:
        raise ValueError(f"{n_targets} targets leave an empty group at control_share "
                         f"{control_share}")
    cost = float(fixed_cost + n_test * cost_per_contact)
    if not cost > 0:
        raise ValueError("the campaign costs nothing: its ROI is undefined")
    expected = n_test * (p_control + uplift)
    incremental = n_test * uplift
    try:
        detectable = minimum_detectable_uplift(n_targets, p_control, alpha, power,
                                               control_share)
    except ValueError:  # arguments are valid: the campaign is too small to detect anything
        detectable = float("nan")
    return CampaignPlan(
        n_targets=int(n_targets), n_test=n_test, n_control=n_control, cost=cost,
        expected_conversions=float(expected), incremental_conversions=float(incremental),
        naive_margin=float(expected * margin_per_conversion),
        incremental_margin=float(incremental * margin_per_conversion),
        naive_roi=float((expected * margin_per_conversion - cost) / cost),
        roi=float((incremental * margin_per_conversion - cost) / cost),
        breakeven_rate=float(cost / (n_test * margin_per_conversion)),
        detectable_uplift=detectable,
        needed_targets=sample_size(p_control, uplift, alpha, power, control_share).total,
    )
