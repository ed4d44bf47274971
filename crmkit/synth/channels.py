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


def mix_code(mix) -> np.ndarray:
    """The channel mix of each row (boolean matrix rows x channels) as one integer code
    (bit ``c`` set: channel ``c`` is in the mix), as :func:`choose_coded` takes it.

    Examples
    --------
    >>> mix_code(np.array([[True, False, True, False, False, False]])).tolist()
    [5]
    """
    return np.asarray(mix, dtype=np.int64) @ (1 << np.arange(N_CHANNELS))


# for each mix code: how many channels it holds and its channels in order (0 beyond them)
_MIX_COUNT = np.array([bin(code).count("1") for code in range(2**N_CHANNELS)], dtype=np.int64)
_MIX_NTH = np.zeros((2**N_CHANNELS, N_CHANNELS), dtype=np.int8)
for _code in range(2**N_CHANNELS):
    _in_mix = [c for c in range(N_CHANNELS) if _code >> c & 1]
    _MIX_NTH[_code, :len(_in_mix)] = _in_mix


def choose(u, preferred, mix):
    """Pick one channel per row: the preferred one with probability
    ``channels.preferred_share``, else one of the channels of the customer's mix (boolean
    matrix rows x channels), uniformly.

    Examples
    --------
    >>> mix = np.array([[True, False, True, False, False, False]] * 2)
    >>> choose(np.array([0.0, 0.99]), np.array([BRANCH, BRANCH]), mix).tolist()
    [0, 2]
    """
    return choose_coded(u, preferred, mix_code(mix))


def choose_coded(u, preferred, code):
    """:func:`choose` for mixes given as :func:`mix_code` codes (the engine keeps each
    customer's code: two table look-ups instead of a sum and a cumulative sum per row).

    Examples
    --------
    >>> choose_coded(np.array([0.0, 0.99]), np.array([PHONE, PHONE]), np.array([5, 5])).tolist()
    [1, 2]
    """
    u = np.asarray(u)
    share = _CH.preferred_share
    use_pref = u < share
    v = (u - share) / (1 - share)
    counts = _MIX_COUNT[code]
    k = np.minimum((np.clip(v, 0, 0.999999) * counts).astype(np.int64), counts - 1)
    other = _MIX_NTH[code, np.maximum(k, 0)]  # an empty mix (k = -1) gives channel 0, as before
    return np.where(use_pref, preferred, other).astype(np.int8)
