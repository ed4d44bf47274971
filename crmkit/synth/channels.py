"""Contact channels and their cost to serve.

Costs per contact (``parameters.yaml``, section ``channels``) are orders of magnitude for
French retail banking and insurance (euros): a branch or agency meeting costs most, a
call-centre call a few euros, a letter about one euro and a half, digital contacts cents.
The cheapest channels are the ones the company steers loyal low-value customers to (the
university lesson, step 5').
"""

from __future__ import annotations

import numpy as np

from crmkit.schema import CHANNELS
from crmkit.synth.parameters import PARAMS as PR

BRANCH, PHONE, WEB, MOBILE, EMAIL, MAIL = range(len(CHANNELS))
N_CHANNELS = len(CHANNELS)
_CH = PR.channels
COST = np.array([_CH.cost_to_serve[c] for c in CHANNELS])  # in CHANNELS order
HUMAN = np.array([True, True, False, False, False, False])  # "humanised" contacts
# channels closed on Sundays: branches, call centres, the post
CLOSED_SUNDAY = np.array([True, True, False, False, False, True])
# outbound marketing cost per contact by channel (printing, postage, call time)
CAMPAIGN_COST = np.array([_CH.campaign_cost[c] for c in CHANNELS])


def choose(u, preferred, mix):
    """Pick one channel per row: the preferred one with probability
    ``channels.preferred_share``, else one of the channels of the customer's mix (boolean
    matrix rows x channels), uniformly."""
    u = np.asarray(u)
    share = _CH.preferred_share
    use_pref = u < share
    v = (u - share) / (1 - share)
    counts = mix.sum(axis=1)
    k = np.minimum((np.clip(v, 0, 0.999999) * counts).astype(np.int64), counts - 1)
    cum = np.cumsum(mix, axis=1)
    other = np.argmax(cum > k[:, None], axis=1)
    return np.where(use_pref, preferred, other).astype(np.int8)
