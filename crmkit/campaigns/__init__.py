"""Campaigns and direct marketing: test and control groups, response, uplift, breakeven, ROI.

Direct marketing expects a *measurable* response. Measuring it honestly needs a control
group: customers selected like the targets but, at random, not contacted. What the campaign
caused is the difference between the two groups (the *uplift*), not the response of the
contacted group, part of which would have happened anyway (Radcliffe & Surry 2011; Hughes
2005, *Strategic Database Marketing*).

One module per section of chapter 5 (every name is also importable from
``crmkit.campaigns``):

=================================================  ==========================================
Section of the chapter                             Module and functions
=================================================  ==========================================
What the message should do first                   :mod:`~crmkit.campaigns.learn_feel_do`:
                                                   :func:`learn_feel_do_grid`,
                                                   :func:`fcb_classification`,
                                                   :data:`FCB_QUADRANTS`
Why a control group                                :mod:`~crmkit.campaigns.control_groups`:
                                                   :func:`assign_groups`
Response, conversion and uplift; its uncertainty   :mod:`~crmkit.campaigns.measurement`:
                                                   :func:`response_rates`, :func:`uplift`,
                                                   :func:`uplift_interval`,
                                                   :func:`pooled_uplift`
Does it pay? Breakeven and ROI                     :mod:`~crmkit.campaigns.roi`:
                                                   :func:`breakeven`, :func:`campaign_roi`,
                                                   :func:`pooled_roi`
Planning a test: how many targets?                 :mod:`~crmkit.campaigns.power`:
                                                   :func:`sample_size`,
                                                   :func:`minimum_detectable_uplift`,
                                                   :func:`detectable_uplift_curve`;
                                                   :mod:`~crmkit.campaigns.planning`:
                                                   :func:`plan_campaign`
Event-based marketing                              :mod:`~crmkit.campaigns.event_marketing`:
                                                   :func:`trigger_family`
Contact pressure and consent: a campaign in waves  :mod:`~crmkit.campaigns.waves`:
                                                   :func:`run_waves`
Many channels: value and attribution               :mod:`~crmkit.campaigns.multichannel`:
                                                   :func:`multichannel_customers`;
                                                   :mod:`~crmkit.campaigns.attribution`:
                                                   :func:`last_touch_attribution`
Scores: whom to contact                            :mod:`~crmkit.campaigns.targeting`:
                                                   :func:`target_profiles`
Whom does the contact convince? Uplift models      :mod:`~crmkit.campaigns.uplift_models`:
                                                   :class:`TwoModelUplift`,
                                                   :class:`ClassTransformationUplift`,
                                                   :func:`qini_curve`, :func:`true_qini_curve`,
                                                   :func:`qini_coefficient`,
                                                   :func:`uplift_at_k`,
                                                   :func:`targeting_profit`,
                                                   :func:`best_targeting_depth`
=================================================  ==========================================

Chapter 7's programme figures (:mod:`crmkit.project`) call these functions rather than
keeping copies: one function behind each number.

Examples
--------
>>> from crmkit.campaigns import breakeven
>>> breakeven(20_000, 0.80, 25.0, fixed_cost=4_000).units_rounded
800
"""

from crmkit.campaigns.attribution import last_touch_attribution
from crmkit.campaigns.control_groups import assign_groups
from crmkit.campaigns.event_marketing import trigger_family
from crmkit.campaigns.learn_feel_do import (
    FCB_QUADRANTS,
    LEARN_FEEL_DO_QUADRANT,
    fcb_classification,
    learn_feel_do_grid,
)
from crmkit.campaigns.measurement import pooled_uplift, response_rates, uplift, uplift_interval
from crmkit.campaigns.multichannel import HUMAN_CHANNELS, multichannel_customers
from crmkit.campaigns.planning import CampaignPlan, plan_campaign
from crmkit.campaigns.power import (
    SampleSize,
    detectable_uplift_curve,
    minimum_detectable_uplift,
    sample_size,
)
from crmkit.campaigns.roi import Breakeven, breakeven, campaign_roi, pooled_roi
from crmkit.campaigns.targeting import target_profiles
from crmkit.campaigns.uplift_models import (
    ClassTransformationUplift,
    TwoModelUplift,
    best_targeting_depth,
    qini_coefficient,
    qini_curve,
    targeting_profit,
    true_qini_curve,
    uplift_at_k,
)
from crmkit.campaigns.waves import run_waves

# the public names, in the order of the chapter (the package's API)
__all__ = [
    "FCB_QUADRANTS",
    "LEARN_FEEL_DO_QUADRANT",
    "fcb_classification",
    "learn_feel_do_grid",
    "assign_groups",
    "response_rates",
    "uplift_interval",
    "uplift",
    "pooled_uplift",
    "Breakeven",
    "breakeven",
    "campaign_roi",
    "pooled_roi",
    "SampleSize",
    "sample_size",
    "minimum_detectable_uplift",
    "detectable_uplift_curve",
    "CampaignPlan",
    "plan_campaign",
    "trigger_family",
    "run_waves",
    "HUMAN_CHANNELS",
    "multichannel_customers",
    "last_touch_attribution",
    "target_profiles",
    "TwoModelUplift",
    "ClassTransformationUplift",
    "qini_curve",
    "true_qini_curve",
    "qini_coefficient",
    "uplift_at_k",
    "targeting_profit",
    "best_targeting_depth",
]
