"""The company's own marketing campaigns: a calendar, random test/control assignment and a
planted uplift.

Each campaign offers one product through one channel to the customers it selects:
customers who just lived a life event ("event-triggered", the event-based marketing of
the lecture slides and the data-warehouse blog series), a segment (multichannel customers), or nobody in particular
("untargeted"). Consent and the do-not-contact list are always respected. A random share
of the selected customers is held out as a control group and not contacted, so that the
campaign's *uplift* (conversion of the contacted minus conversion of the held-out) can be
measured. The planted truth: event-triggered offers convert several times better than
untargeted ones (the insurer of the data-warehouse blog series tripled response on personalised actions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.schema import CHANNELS
from crmkit.synth import channels as C
from crmkit.synth import lifestages as L
from crmkit.synth import products as P
from crmkit.synth.parameters import PARAMS as PR

_CP = PR.campaigns
TEST_SHARE = _CP.test_share
MAX_PER_MONTH = 2
# (trigger, life event or -1, product slot, name)
_EVENT_OFFERS = [
    ("life_event:birth", L.BIRTH, P.B_SAVINGS, "Birth: a savings account for the child"),
    ("life_event:birth", L.BIRTH, P.I_LIFE, "Birth: life insurance for the family"),
    ("life_event:marriage", L.MARRIAGE, P.I_HOME, "Newly-weds: home insurance"),
    ("life_event:marriage", L.MARRIAGE, P.I_AUTO, "Newly-weds: auto insurance"),
    ("life_event:home_purchase", L.HOME_PURCHASE, P.I_HOME, "New owners: home insurance"),
    ("life_event:car_purchase", L.CAR_PURCHASE, P.B_CONSUMER, "New car: consumer loan"),
    ("life_event:child_higher_education", L.CHILD_HIGHER_ED, P.B_STUDENT, "Student loan for your child"),
    ("life_event:retirement", L.RETIREMENT, P.B_LIFE, "Retirement: life insurance"),
]
_MASS_OFFERS = [
    ("none", -1, P.B_SAVINGS, "Savings week"),
    ("none", -1, P.B_LIFE, "Life insurance season"),
    ("none", -1, P.I_HEALTH, "Health cover offer"),
    ("none", -1, P.I_HOME, "Home insurance offer"),
    ("none", -1, P.B_CARD, "Premium card offer"),
    ("segment:multichannel", -1, P.B_SAVINGS, "Online savings for digital customers"),
    ("segment:multichannel", -1, P.I_LIFE, "Online life insurance"),
]
# retention: an outbound call with a commercial gesture to holders of the product who just
# had a critical incident in the last six months; "converted" then means "still a customer
# twelve months later"
_RETENTION_OFFERS = [
    ("churn_risk:incident", -1, P.I_AUTO, "Retention call: auto policyholders after an incident"),
    ("churn_risk:incident", -1, P.B_CURRENT, "Retention call: bank customers after an incident"),
]
# acquisition: mail and e-mail prospecting of people who are not (yet) customers, drawn
# among the people the market acquires later (they are prospects until then); a converted
# prospect becomes a customer the next month
_ACQUISITION_OFFERS = [
    ("prospect:welcome_offer", -1, P.B_CURRENT, "Prospecting: welcome offer for a current account"),
    ("prospect:quote", -1, P.I_AUTO, "Prospecting: an auto insurance quote"),
]
RETENTION_MONTHS = _CP.retention_months  # the gesture protects (and success is measured) over a year
RETENTION_GESTURE = _CP.retention_gesture  # euros, granted to the customers who accept it
# response probability of a contacted customer: the channel's published response rate
# (house lists) x the offer's relevance (event-triggered offers answer more)
CHANNEL_RESPONSE = np.array([_CP.response_by_channel[c] for c in CHANNELS])
FAMILY_FACTOR = dict(_CP.family_factor)
CONVERSION = _CP.conversion_share  # share of responders who buy
SELECT_SHARE = dict(_CP.select_share)


def calendar(rng: np.random.Generator, months: int, sector: str, start: np.datetime64) -> pd.DataFrame:
    """Draw the campaign calendar: about eight campaigns a year, one or two a month."""
    rows = []
    allowed = {"bank": {0}, "insurance": {1}, "both": {0, 1}}[sector]
    offers_e = [o for o in _EVENT_OFFERS if P.SLOT_SECTOR[o[2]] in allowed]
    offers_m = [o for o in _MASS_OFFERS if P.SLOT_SECTOR[o[2]] in allowed]
    offers_r = [o for o in _RETENTION_OFFERS if P.SLOT_SECTOR[o[2]] in allowed]
    offers_a = [o for o in _ACQUISITION_OFFERS if P.SLOT_SECTOR[o[2]] in allowed]
    cut = np.cumsum(_CP.family_mix)
    for m in range(months):
        k = int(rng.random() < _CP.first_campaign_share) + int(rng.random() < _CP.second_campaign_share)
        for _ in range(min(k, MAX_PER_MONTH)):
            x = rng.random()
            pool = (offers_e, offers_m, offers_r, offers_a)[min(int(np.searchsorted(cut, x * cut[-1], side="right")), 3)]
            trig, event, slot, name = pool[int(rng.integers(len(pool)))]
            family = {"life_event": "event", "churn_risk": "retention", "prospect": "acquisition"}.get(
                trig.split(":")[0], trig.split(":")[0])
            if family == "retention":
                ch = C.PHONE
            elif family == "acquisition":
                ch = int(rng.choice([C.MAIL, C.EMAIL], p=_CP.acquisition_channel_mix))
            elif family == "event":
                ch = int(rng.choice([C.PHONE, C.EMAIL, C.MAIL, C.BRANCH], p=_CP.event_channel_mix))
            else:
                ch = int(rng.choice([C.EMAIL, C.MAIL, C.PHONE, C.MOBILE], p=_CP.mass_channel_mix))
            rows.append(dict(month=m, slot=slot, event=event, family=family, trigger=trig,
                             name=name, channel=ch))
    cal = pd.DataFrame(rows, columns=["month", "slot", "event", "family", "trigger", "name", "channel"])
    cal["campaign_id"] = np.arange(1, len(cal) + 1, dtype=np.int32)
    cal["rank"] = cal.groupby("month").cumcount()
    ms = (start.astype("datetime64[M]") + cal["month"].to_numpy()).astype("datetime64[D]")
    # a campaign starts on a working day of the first three weeks of its month
    first_day = ms + rng.integers(0, _CP.start_window_days, size=len(cal)) if len(cal) else ms
    start = np.busday_offset(first_day.astype("datetime64[D]"), 0, roll="forward")
    start = np.where(start.astype("datetime64[M]") == ms.astype("datetime64[M]"), start, ms)
    cal["start_date"] = start.astype("datetime64[ms]")
    cal["start_day"] = (start - ms).astype(np.int64)
    cal["cost_per_contact"] = C.CAMPAIGN_COST[cal["channel"].to_numpy(dtype=int)]
    ch = cal["channel"].to_numpy(dtype=int)
    prospect = np.array([_CP.prospect_response_by_channel.get(CHANNELS[c], 0.0) for c in ch])
    cal["p_response"] = np.where(cal["family"] == "retention", _CP.retention_response,
                                 np.where(cal["family"] == "acquisition", prospect,
                                          [FAMILY_FACTOR.get(f, 1.0) for f in cal["family"]] * CHANNEL_RESPONSE[ch]))
    cal["select_share"] = [SELECT_SHARE[f] for f in cal["family"]]
    return cal


def campaigns_table(cal: pd.DataFrame) -> pd.DataFrame:
    """The ``campaigns`` table from a calendar."""
    return pd.DataFrame({
        "campaign_id": cal["campaign_id"].to_numpy(dtype=np.int32),
        "name": pd.Series(cal["name"].to_numpy(), dtype="str"),
        "start_date": pd.to_datetime(cal["start_date"].to_numpy()).astype("datetime64[ms]"),
        "product_id": pd.Series(np.array(P.PRODUCT_IDS)[P.SLOT_PRODUCT[cal["slot"].to_numpy(dtype=int)]], dtype="str"),
        "channel": pd.Categorical.from_codes(cal["channel"].to_numpy(dtype=np.int8), categories=CHANNELS),
        "cost_per_contact": cal["cost_per_contact"].to_numpy(dtype=float),
        "trigger": pd.Series(cal["trigger"].to_numpy(), dtype="str"),
        "test_share": np.full(len(cal), TEST_SHARE),
    })
