"""Event-based marketing: what selected each campaign's targets.

Course chapter 5, "Event-based marketing". A campaign's ``trigger`` says what selected its
targets (``life_event:birth``, ``churn_risk:incident``, ``segment:multichannel``...); its
family (the part before the colon) is what the chapter compares event-triggered campaigns
by, and what chapter 7 (:mod:`crmkit.project`) uses to pick the retention campaigns.
"""

from __future__ import annotations

import pandas as pd

from crmkit import schema

__all__ = ["trigger_family"]


def trigger_family(campaigns: pd.DataFrame) -> pd.Series:
    """What selected each campaign's targets, without the detail: the part of ``trigger``
    before the colon (``life_event``, ``segment``, ``churn_risk``...) or ``none``.

    Parameters
    ----------
    campaigns : DataFrame
        The ``campaigns`` table (``campaign_id``, ``trigger``).

    Returns
    -------
    Series of str
        Named ``trigger_family``, aligned on ``campaigns``' index.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"campaign_id": [1, 2, 3],
    ...     "trigger": ["life_event:birth", "none", "segment:multichannel"]})
    >>> trigger_family(c).tolist()
    ['life_event', 'none', 'segment']
    """
    schema.check_not_empty(campaigns, "campaigns")
    schema.check_columns(campaigns, "campaigns", {"trigger": "string"})
    schema.check_no_missing(campaigns, "campaigns", "trigger")
    schema.check_key(campaigns, "campaigns")
    family = campaigns["trigger"].astype(str).str.split(":", n=1).str[0]
    return pd.Series(family.to_numpy(), index=campaigns.index, name="trigger_family",
                     dtype="str")
