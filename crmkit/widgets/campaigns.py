"""Chapter 5, campaigns: its explorers."""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from crmkit import labels, plots
from crmkit.widgets import _base

__all__ = ["campaign_planner"]


def campaign_planner(
    *,
    n_targets: int = 500,
    cost_per_contact: float = 0.15,
    margin_per_conversion: float = 150.0,
    p_control: float = 0.012,
    uplift: float = 0.012,
    control_share: float = 0.2,
    fixed_cost: float = 0.0,
) -> dict[str, widgets.FloatSlider]:
    """Plan a campaign: what it costs, what it should earn, and whether its test can tell.

    Sliders set the targets, the cost per contact, the margin of a sale, the conversion
    rate without contact, the expected uplift and the share held out;
    :func:`crmkit.campaigns.plan_campaign` computes the plan. The figure shows the cost
    against the margin of every sale to the contacted (the naive view) and of the sales
    the campaign causes (:func:`crmkit.plots.measure_bars`), and the detectable uplift
    against the number of targets with the plan's uplift and breakeven
    (:func:`crmkit.plots.campaign_power`); the table gives the plan.

    Parameters
    ----------
    n_targets : int, default 500
        Starting number of customers targeted (contacted plus held out).
    cost_per_contact : float, default 0.15
        Starting cost of one contact, euros.
    margin_per_conversion : float, default 150.0
        Starting margin of one sale, euros.
    p_control : float, default 0.012
        Starting conversion rate without contact (the control group's).
    uplift : float, default 0.012
        Starting expected uplift: conversion with contact minus without.
    control_share : float, default 0.2
        Starting share of the targets held out as the control group.
    fixed_cost : float, default 0.0
        Fixed cost of the campaign (creation, selection, set-up), euros; fixed for the whole run.

    Returns
    -------
    dict of ipywidgets.FloatSlider
        The sliders, by :func:`crmkit.campaigns.plan_campaign` argument name.

    Examples
    --------
    >>> sliders = campaign_planner(n_targets=2_000)
    >>> sorted(sliders)  # doctest: +NORMALIZE_WHITESPACE
    ['control_share', 'cost_per_contact', 'margin_per_conversion', 'n_targets',
     'p_control', 'uplift']
    >>> sliders["uplift"].value = 0.02  # replans and redraws
    """
    import numpy as np

    from crmkit import campaigns

    sizes = np.unique(np.geomspace(100, 1_000_000, 60).astype(np.int64))
    rates, rois = ("breakeven_rate", "detectable_uplift"), ("naive_roi", "roi")

    def render(values: dict):
        values = values | {"n_targets": int(values["n_targets"])}
        plan = campaigns.plan_campaign(**values, fixed_cost=fixed_cost)
        curve = campaigns.detectable_uplift_curve(sizes, values["p_control"],
                                                  values["control_share"])
        money = pd.DataFrame({
            "plan_item": ["cost", "naive_margin", "incremental_margin"],
            "amount": [plan.cost, plan.naive_margin, plan.incremental_margin],
        })

        def draw(fig):
            left, right = _base.panels(fig, 2, width_ratios=[1, 1.5])
            plots.measure_bars(money, "plan_item", "amount", kind="campaign_plan",
                               percent=False, title="plan_money", ax=left)
            plots.campaign_power(curve, n_targets=plan.n_targets, uplift=values["uplift"],
                                 breakeven_rate=plan.breakeven_rate, ax=right)
            fig.tight_layout()

        shown = {k: (f"{v:.2%}" if k in rates else f"{v:,.0%}" if k in rois else f"{v:,.1f}"
                     if k.endswith("conversions") else f"{v:,.0f}")
                 for k, v in vars(plan).items()}
        table = pd.Series(shown, name=labels.label("plan_item", "campaign_plan")).rename(
            lambda k: labels.label(k, "campaign_plan")).to_frame()
        return _base.figure(draw, (13, 4.6)), table

    sliders = {
        "n_targets": _base.slider("campaign_plan", "n_targets", n_targets, 100, 50_000, 100, ".0f"),
        "cost_per_contact": _base.slider("campaign_plan", "cost_per_contact", cost_per_contact,
                                    0.05, 40.0, 0.05, ".2f"),
        "margin_per_conversion": _base.slider("campaign_plan", "margin_per_conversion",
                                         margin_per_conversion, 10, 2_000, 10, ".0f"),
        "p_control": _base.slider("campaign_plan", "p_control", p_control, 0.001, 0.3, 0.001, ".3f"),
        "uplift": _base.slider("campaign_plan", "uplift", uplift, 0.001, 0.3, 0.001, ".3f"),
        "control_share": _base.slider("campaign_plan", "control_share", control_share, 0.05, 0.5,
                                 0.05, ".2f"),
    }
    _base.live(list(sliders.values()), render, lambda: ({k: s.value for k, s in sliders.items()},))
    return sliders
