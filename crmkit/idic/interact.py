"""Interact: a contact policy engine deciding which proposed contacts go out.

Seed 004 describes a bank whose multichannel CRM initiated 11 million solicitations in a
year, half of which led to a useful contact; the system respected each customer's
preferences (channel, hours, do-not-contact list) and, once an action had gone out on one
channel, stopped another channel from repeating it. The rule of thumb: better not to
contact than to annoy. :class:`ContactPolicy` turns those rules into one operation:
given proposed contacts, it returns each with ``decision`` (``sent`` / ``suppressed``)
and the ``reason``.

Rules, in the order they are applied (the first rule a contact breaks is its reason):

1. ``unknown_customer`` — the customer is not in the customers table;
2. ``do_not_contact`` — the customer opted out or is on the policy's do-not-contact list;
3. ``no_consent`` — no marketing consent (when ``require_consent``);
4. ``not_preferred_channel`` — not the customer's preferred channel (when
   ``preferred_channel_only``);
5. ``outside_preferred_hours`` — on a timed channel (phone by default), more than
   ``hour_tolerance`` hours from the customer's preferred hour;
6. ``unprofitable`` — expected value below the channel cost (when the proposals carry an
   ``expected_value`` and ``require_profitable``);
7. ``duplicate_offer`` / ``contradictory_offer`` — within ``conflict_window`` of a contact
   already sent (or in the history) to the same customer with the same offer / another
   offer of the same group (``offer_groups``: offers that contradict one another);
8. ``contact_pressure`` — the customer already has ``max_contacts`` contacts sent (history
   included) in the same calendar ``period``;
9. ``over_budget`` — the cumulative channel cost of sent contacts would exceed ``budget``.

Rules 7-9 depend on what else is sent. The engine is a greedy in priority order
(higher ``expected_value`` first, then earlier date, then input order): each customer's
best remaining proposal is sent if it breaks no rule, then the proposals it conflicts with
are suppressed, and so on, one round per rank, every round vectorised over all customers.
The budget is then spent in the same global priority order until the first contact that
does not fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmkit import schema

__all__ = ["ContactPolicy", "DEFAULT_CHANNEL_COSTS", "REASONS", "contact_summary"]

# Cost of one outbound contact per channel, euros. Illustrative orders of magnitude (an
# advisor's branch appointment costs far more than an e-mail); pass your own.
DEFAULT_CHANNEL_COSTS: dict[str, float] = {
    "branch": 30.0,
    "phone": 6.0,
    "mail": 1.2,
    "email": 0.05,
    "mobile": 0.10,
    "web": 0.02,
}

REASONS = (
    "ok",
    "unknown_customer",
    "do_not_contact",
    "no_consent",
    "not_preferred_channel",
    "outside_preferred_hours",
    "unprofitable",
    "duplicate_offer",
    "contradictory_offer",
    "contact_pressure",
    "over_budget",
)

_PROPOSED = {"customer_id": "int", "channel": "string", "date": "datetime", "offer": "string"}
_CUSTOMERS = ["customer_id", "preferred_channel", "preferred_hour", "contact_consent", "opt_out"]


@dataclass(frozen=True)
class ContactPolicy:
    """Contact rules of a company (contact pressure, consent, channel, hours, conflicts).

    Parameters
    ----------
    max_contacts : int
        Most contacts a customer may receive per calendar ``period`` (all channels).
    period : str
        Calendar period of the pressure rule, a pandas period alias: ``"W"``, ``"M"``,
        ``"Q"``, ``"Y"``.
    require_consent : bool
        Only customers with ``contact_consent`` may be solicited (opt-in).
    preferred_channel_only : bool
        Only the customer's ``preferred_channel`` may be used.
    timed_channels : tuple of str
        Channels where the hour matters (a call interrupts; a letter waits).
    hour_tolerance : int
        Allowed distance, in hours, from the customer's ``preferred_hour``.
    conflict_window : pandas.Timedelta or str
        Two contacts with the same or contradictory offers must be at least this far apart.
    offer_groups : mapping offer -> group
        Offers of one group contradict one another (e.g. a card upgrade and a cheaper card
        plan). Offers not listed are their own group (only repeats conflict).
    channel_costs : mapping channel -> euros
        Cost of one contact on each channel.
    require_profitable : bool
        Suppress proposals whose ``expected_value`` (when given) is below the channel cost.
    budget : float, optional
        Total cost the sent contacts may not exceed.
    do_not_contact : iterable of int
        Extra customer ids never to contact (e.g. a legal opposition list).

    Examples
    --------
    >>> import pandas as pd
    >>> customers = pd.DataFrame({"customer_id": [1, 2], "preferred_channel": ["email", "phone"],
    ...     "preferred_hour": [9, 18], "contact_consent": [True, True], "opt_out": [False, True]})
    >>> proposed = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...     "channel": ["email", "email", "phone", "phone"],
    ...     "date": pd.to_datetime(["2024-03-01 09:00", "2024-03-05 09:00",
    ...                             "2024-03-06 09:00", "2024-03-01 18:00"]),
    ...     "offer": ["savings", "savings", "savings", "loan"]})
    >>> ContactPolicy(max_contacts=2).apply(proposed, customers)[["offer", "decision", "reason"]]
         offer    decision                 reason
    0  savings        sent                     ok
    1  savings  suppressed        duplicate_offer
    2  savings  suppressed  not_preferred_channel
    3     loan  suppressed         do_not_contact
    """

    max_contacts: int = 2
    period: str = "M"
    require_consent: bool = True
    preferred_channel_only: bool = True
    timed_channels: tuple[str, ...] = ("phone",)
    hour_tolerance: int = 2
    conflict_window: pd.Timedelta | str = "30D"
    offer_groups: Mapping[str, str] = field(default_factory=dict)
    channel_costs: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_CHANNEL_COSTS)
    )
    require_profitable: bool = True
    budget: float | None = None
    do_not_contact: tuple[int, ...] | frozenset[int] = ()

    def __post_init__(self):
        if self.max_contacts < 0:
            raise ValueError(f"max_contacts must be >= 0, got {self.max_contacts}")
        if self.hour_tolerance < 0:
            raise ValueError(f"hour_tolerance must be >= 0, got {self.hour_tolerance}")
        if pd.Timedelta(self.conflict_window) < pd.Timedelta(0):
            raise ValueError(f"conflict_window must be >= 0, got {self.conflict_window}")
        if self.budget is not None and self.budget < 0:
            raise ValueError(f"budget must be >= 0, got {self.budget}")
        bad = {c: v for c, v in self.channel_costs.items() if not v >= 0}
        if bad:
            raise ValueError(f"channel_costs must be >= 0, got {bad}")
        unknown = set(self.timed_channels) - set(schema.CHANNELS)
        if unknown:
            raise ValueError(f"timed_channels {sorted(unknown)} not in {list(schema.CHANNELS)}")
        try:
            pd.Period("2024-01-01", freq=self.period)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"period {self.period!r} is not a pandas period alias") from exc

    # -----------------------------------------------------------------------------------
    def apply(
        self,
        proposed: pd.DataFrame,
        customers: pd.DataFrame,
        history: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Decide, for each proposed contact, whether it goes out and why not.

        Parameters
        ----------
        proposed : DataFrame
            One row per proposed contact: ``customer_id``, ``channel``, ``date`` (with the
            hour), ``offer``; optional ``expected_value`` (euros) used for priority and
            the profitability rule.
        customers : DataFrame
            ``customer_id``, ``preferred_channel``, ``preferred_hour``,
            ``contact_consent``, ``opt_out``.
        history : DataFrame, optional
            Contacts already sent (e.g. earlier waves): ``customer_id``, ``date`` and
            optionally ``offer``, ``channel``, ``cost``. They count towards the pressure
            rule, conflict with new offers and (with ``cost``) use the budget.

        Returns
        -------
        DataFrame
            ``proposed`` (same index and order) plus ``cost``, ``decision`` and ``reason``
            (``"ok"`` when sent).
        """
        self._validate(proposed, customers, history)
        n = len(proposed)
        cust = customers.set_index("customer_id")
        pos = cust.index.get_indexer(proposed["customer_id"].to_numpy())
        known = pos >= 0
        safe = np.where(known, pos, 0)

        def attr(col):
            return cust[col].to_numpy()[safe]

        channel = proposed["channel"].to_numpy(dtype=object)
        date = pd.DatetimeIndex(proposed["date"]).as_unit("ns")  # pandas 3 may parse to us
        costs = pd.Series(self.channel_costs, dtype=float)
        cost = costs.reindex(channel).to_numpy()
        has_ev = "expected_value" in proposed.columns
        ev = proposed["expected_value"].to_numpy(dtype=float) if has_ev else np.zeros(n)
        hour_gap = np.abs(date.hour.to_numpy() - attr("preferred_hour").astype(np.int64))

        # stateless rules, first broken rule wins
        rules = [
            ("unknown_customer", ~known),
            ("do_not_contact",
             attr("opt_out").astype(bool)
             | np.isin(proposed["customer_id"].to_numpy(), np.asarray(list(self.do_not_contact)))),
            ("no_consent", ~attr("contact_consent").astype(bool) if self.require_consent
             else np.zeros(n, bool)),
            ("not_preferred_channel",
             channel != attr("preferred_channel") if self.preferred_channel_only
             else np.zeros(n, bool)),
            ("outside_preferred_hours",
             np.isin(channel, list(self.timed_channels)) & (hour_gap > self.hour_tolerance)),
            ("unprofitable", (ev < cost) if has_ev and self.require_profitable
             else np.zeros(n, bool)),
        ]
        reason = np.full(n, "", dtype=object)
        for name, broken in rules:
            reason[(reason == "") & broken] = name

        self._stateful(proposed, date, ev, cost, reason, history)
        out = proposed.copy()
        out["cost"] = cost
        out["decision"] = np.where(reason == "ok", "sent", "suppressed")
        out["reason"] = pd.array(reason, dtype="str")
        return out

    # -----------------------------------------------------------------------------------
    def _stateful(self, proposed, date, ev, cost, reason, history) -> None:
        """Rules 7-9 on the proposals still eligible; writes into ``reason`` in place."""
        cand = np.flatnonzero(reason == "")
        if len(cand) == 0:
            return
        offer = proposed["offer"].to_numpy(dtype=object)
        groups = pd.Series(offer).map(lambda o: self.offer_groups.get(o, o)).to_numpy(object)
        customer = proposed["customer_id"].to_numpy(np.int64)
        t = date.asi8
        per = date.to_period(self.period).asi8
        window = pd.Timedelta(self.conflict_window).value
        h = self._history_arrays(history)

        # integer codes shared by proposals and history
        cust_codes, cust_uni = pd.factorize(np.concatenate([customer[cand], h["customer"]]))
        grp_codes, _ = pd.factorize(np.concatenate([groups[cand], h["group"]]))
        off_codes, _ = pd.factorize(np.concatenate([offer[cand], h["offer"]]))
        key = pd.MultiIndex.from_arrays([cust_codes, np.concatenate([per[cand], h["period"]])])
        per_codes, per_uni = pd.factorize(key)
        m = len(cand)
        c, g, o, pk = cust_codes[:m], grp_codes[:m], off_codes[:m], per_codes[:m]
        tc = t[cand]

        # conflicts with the history: suppressed before any new contact is chosen
        if len(h["customer"]) and h["has_offer"]:
            hist = pd.DataFrame({"c": cust_codes[m:], "g": grp_codes[m:], "o": off_codes[m:],
                                 "t": h["time"]})
            prop = pd.DataFrame({"i": np.arange(m), "c": c, "g": g, "o": o, "t": tc})
            j = prop.merge(hist, on=["c", "g"], suffixes=("", "_h"))
            j = j[np.abs(j["t"] - j["t_h"]) < window]
            same = j.groupby("i")["o"].first().index  # any conflict at all
            dup = j[j["o"] == j["o_h"]]["i"].unique()
            reason[cand[same]] = "contradictory_offer"
            reason[cand[dup]] = "duplicate_offer"

        # the greedy: priority order within each customer
        order = np.lexsort((np.arange(m), tc, -ev[cand], c))
        counts = np.bincount(per_codes[m:], minlength=len(per_uni)).astype(np.int64)
        undecided = np.zeros(m, dtype=bool)
        undecided[order] = reason[cand[order]] == ""
        u = order[undecided[order]]
        latest = np.full(len(cust_uni), -1, dtype=np.int64)
        while len(u):
            cu = c[u]
            first = u[np.r_[True, cu[1:] != cu[:-1]]]
            fits = counts[pk[first]] < self.max_contacts
            send, full = first[fits], first[~fits]
            reason[cand[send]] = "ok"
            reason[cand[full]] = "contact_pressure"
            undecided[first] = False
            np.add.at(counts, pk[send], 1)
            latest[c[send]] = send
            u = u[undecided[u]]
            s = latest[c[u]]
            hit = (s >= 0) & (g[u] == g[np.maximum(s, 0)])
            hit &= np.abs(tc[u] - tc[np.maximum(s, 0)]) < window
            hit_u, hit_s = u[hit], s[hit]
            reason[cand[hit_u]] = np.where(o[hit_u] == o[hit_s], "duplicate_offer",
                                           "contradictory_offer")
            undecided[hit_u] = False
            latest[c[send]] = -1
            u = u[undecided[u]]

        if self.budget is not None:
            sent = cand[reason[cand] == "ok"]
            glob = sent[np.lexsort((sent, t[sent], -ev[sent]))]
            spent = h["cost"] + np.cumsum(cost[glob])
            reason[glob[spent > self.budget + 1e-9]] = "over_budget"

    def _history_arrays(self, history: pd.DataFrame | None) -> dict:
        if history is None or len(history) == 0:
            e = np.empty(0)
            return {"customer": e.astype(np.int64), "group": e.astype(object),
                    "offer": e.astype(object), "period": e.astype(np.int64),
                    "time": e.astype(np.int64), "has_offer": False, "cost": 0.0}
        d = pd.DatetimeIndex(history["date"]).as_unit("ns")
        has_offer = "offer" in history.columns
        offer = (history["offer"].to_numpy(dtype=object) if has_offer
                 else np.full(len(history), None, dtype=object))
        group = pd.Series(offer).map(lambda o: self.offer_groups.get(o, o)).to_numpy(object)
        return {
            "customer": history["customer_id"].to_numpy(np.int64),
            "group": group,
            "offer": offer,
            "period": d.to_period(self.period).asi8,
            "time": d.asi8,
            "has_offer": has_offer,
            "cost": float(history["cost"].sum()) if "cost" in history.columns else 0.0,
        }

    def _validate(self, proposed, customers, history) -> None:
        schema.check_not_empty(proposed, "proposed_contacts")
        schema.check_columns(proposed, "proposed_contacts", _PROPOSED)
        for col in _PROPOSED:
            schema.check_no_missing(proposed, "proposed_contacts", col)
        schema.check_allowed(proposed, "proposed_contacts", "channel", schema.CHANNELS)
        unpriced = ~proposed["channel"].isin(list(self.channel_costs))
        if unpriced.any():
            schema._fail("proposed_contacts", "channel",
                         f"channel without a cost in the policy {sorted(self.channel_costs)}",
                         unpriced, proposed)
        if "expected_value" in proposed.columns:
            schema.check_columns(proposed, "proposed_contacts", {"expected_value": "number"})
            schema.check_no_missing(proposed, "proposed_contacts", "expected_value")
        schema.validate(customers, "customers", columns=_CUSTOMERS)
        schema.check_in_range(customers, "customers", "preferred_hour", 0, 23)
        if history is not None and len(history):
            schema.check_columns(history, "contact_history",
                                 {"customer_id": "int", "date": "datetime"})
            schema.check_no_missing(history, "contact_history", "date")
            if "cost" in history.columns:
                schema.check_nonnegative(history, "contact_history", "cost")


def contact_summary(decisions: pd.DataFrame) -> pd.DataFrame:
    """How many proposed contacts went out, how many were suppressed, why, and at what cost.

    Parameters
    ----------
    decisions : DataFrame
        Output of :meth:`ContactPolicy.apply`.

    Returns
    -------
    DataFrame
        One row per reason (``ok`` = sent) in rule order: ``contacts``, ``share`` of the
        proposals and ``cost`` (the channel cost of those contacts: spent for ``ok``,
        saved otherwise).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"reason": ["ok", "ok", "no_consent", "contact_pressure"],
    ...                   "cost": [1.0, 2.0, 5.0, 1.0]})
    >>> contact_summary(d)  # doctest: +NORMALIZE_WHITESPACE
                      contacts  share  cost
    reason
    ok                       2   0.50   3.0
    no_consent               1   0.25   5.0
    contact_pressure         1   0.25   1.0
    """
    schema.check_not_empty(decisions, "decisions")
    schema.check_columns(decisions, "decisions", {"reason": "string", "cost": "number"})
    schema.check_allowed(decisions, "decisions", "reason", REASONS)
    g = decisions.groupby("reason")
    out = pd.DataFrame({"contacts": g.size(), "cost": g["cost"].sum()})
    out = out.reindex([r for r in REASONS if r in out.index])
    out.insert(1, "share", out["contacts"] / len(decisions))
    return out
