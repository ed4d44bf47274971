"""Contact channels and their cost to serve.

Costs per contact are orders of magnitude for French retail banking and insurance (euros):
a branch or agency meeting costs most, a call-centre call a few euros, a letter about one
euro and a half, digital contacts cents. The cheapest channels are the ones the company
steers loyal low-value customers to (the university lesson, step 5').
"""

from __future__ import annotations

import numpy as np

from crmkit.schema import CHANNELS

BRANCH, PHONE, WEB, MOBILE, EMAIL, MAIL = range(len(CHANNELS))
N_CHANNELS = len(CHANNELS)
COST = np.array([28.0, 7.0, 0.4, 0.25, 0.3, 1.5])  # in CHANNELS order
HUMAN = np.array([True, True, False, False, False, False])  # "humanised" contacts
# channels closed on Sundays: branches, call centres, the post
CLOSED_SUNDAY = np.array([True, True, False, False, False, True])
# outbound marketing cost per contact by channel (printing, postage, call time)
CAMPAIGN_COST = np.array([35.0, 6.0, 0.2, 0.1, 0.15, 1.2])


def choose(u, preferred, mix):
    """Pick one channel per row: the preferred one with probability 0.6, else one of the
    channels of the customer's mix (boolean matrix rows x channels), uniformly."""
    u = np.asarray(u)
    use_pref = u < 0.6
    v = (u - 0.6) / 0.4
    counts = mix.sum(axis=1)
    k = np.minimum((np.clip(v, 0, 0.999999) * counts).astype(np.int64), counts - 1)
    cum = np.cumsum(mix, axis=1)
    other = np.argmax(cum > k[:, None], axis=1)
    return np.where(use_pref, preferred, other).astype(np.int8)
