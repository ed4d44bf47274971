"""Contact pressure and consent: a campaign sent in waves through a contact policy.

Course chapter 5, "Contact pressure and consent: a campaign in waves". Each wave is decided
by :class:`crmkit.idic.ContactPolicy` with the contacts already sent counted, so the
pressure, conflict and budget rules hold over the whole campaign.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema

__all__ = ["run_waves"]


def run_waves(
    waves: pd.DataFrame,
    customers: pd.DataFrame,
    policy,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Send a multi-wave campaign through a contact policy, wave after wave.

    Each wave is decided with the contacts already sent (the history plus the earlier
    waves) counted: contact pressure, conflicting offers and the budget hold over the
    whole campaign, not only within a wave.

    Parameters
    ----------
    waves : DataFrame
        Proposed contacts (see :meth:`crmkit.idic.ContactPolicy.apply`) with a ``wave``
        column (integer, waves run in increasing order).
    customers : DataFrame
        Customers with their contact preferences.
    policy : crmkit.idic.ContactPolicy
        The contact rules.
    history : DataFrame, optional
        Contacts sent before the campaign.

    Returns
    -------
    DataFrame
        ``waves`` (same index and order) with ``cost``, ``decision`` and ``reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.idic import ContactPolicy
    >>> customers = pd.DataFrame({"customer_id": [1], "preferred_channel": ["email"],
    ...     "preferred_hour": [9], "contact_consent": [True], "opt_out": [False]})
    >>> waves = pd.DataFrame({"customer_id": [1, 1, 1], "channel": "email", "wave": [1, 2, 3],
    ...     "date": pd.to_datetime(["2024-03-01", "2024-03-10", "2024-03-20"]),
    ...     "offer": ["savings", "savings_reminder", "savings_last_call"]})
    >>> run_waves(waves, customers, ContactPolicy(max_contacts=2))["reason"].tolist()
    ['ok', 'ok', 'contact_pressure']
    """
    schema.check_not_empty(waves, "waves")
    schema.check_columns(waves, "waves", {"wave": "int"})
    parts = []
    sent = [] if history is None else [history]
    for w in np.sort(waves["wave"].unique()):
        wave = waves[waves["wave"] == w]
        decided = policy.apply(wave, customers, pd.concat(sent) if sent else None)
        parts.append(decided)
        sent.append(decided.loc[decided["decision"] == "sent",
                                ["customer_id", "channel", "date", "offer", "cost"]])
    return pd.concat(parts).loc[waves.index]
