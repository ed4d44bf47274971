"""Interact: a contact policy engine deciding which proposed contacts go out.

The data-warehouse blog series describes a bank whose multichannel CRM initiated 11 million solicitations in a
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

_CODE = {r: i for i, r in enumerate(REASONS)}
_UNDECIDED = -1

_PROPOSED = {"customer_id": "int", "channel": "string", "date": "datetime", "offer": "string"}
_CUSTOMERS = ["customer_id", "preferred_channel", "preferred_hour", "contact_consent", "opt_out"]


def _priority_order(group: np.ndarray, key1: np.ndarray, key2: np.ndarray) -> np.ndarray:
    """Order by group, then key1, then key2, then position (= np.lexsort of the four).

    Two stable sorts give the rank of each row on (key1, key2, position), then one sort on
    the unique integer group * n + rank: about twice as fast as np.lexsort on 10M rows.
    """
    n = len(group)
    o = np.argsort(key2, kind="stable")
    o = o[np.argsort(key1[o], kind="stable")]
    rank = np.empty(n, dtype=np.int64)
    rank[o] = np.arange(n)
    return np.argsort(group.astype(np.int64) * n + rank)


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

        Examples
        --------
        One contact a month at most: customer 1's second offer in January is suppressed;
        customer 2 gave no consent:

        >>> import pandas as pd
        >>> customers = pd.DataFrame({"customer_id": [1, 2], "preferred_channel": ["email"] * 2,
        ...     "preferred_hour": [9, 9], "contact_consent": [True, False], "opt_out": [False] * 2})
        >>> proposed = pd.DataFrame({"customer_id": [1, 1, 2], "channel": ["email"] * 3,
        ...     "date": pd.to_datetime(["2025-01-06 09:00", "2025-01-08 09:00", "2025-01-06 09:00"]),
        ...     "offer": ["B_SAVINGS", "B_LIFE", "B_LIFE"]})
        >>> out = ContactPolicy(max_contacts=1, period="M").apply(proposed, customers)
        >>> out[["customer_id", "offer", "decision", "reason"]]
           customer_id      offer    decision            reason
        0            1  B_SAVINGS        sent                ok
        1            1     B_LIFE  suppressed  contact_pressure
        2            2     B_LIFE  suppressed        no_consent
        """
        self._validate(proposed, customers, history)
        n = len(proposed)
        cust = customers.set_index("customer_id")
        pos = cust.index.get_indexer(proposed["customer_id"].to_numpy())
        known = pos >= 0
        safe = np.where(known, pos, 0)

        # channels as small integer codes: the rules compare codes, not strings
        ch, ch_uni = pd.factorize(proposed["channel"])
        ch_uni = pd.Index(ch_uni.astype(str))
        cost = pd.Series(self.channel_costs, dtype=float).reindex(ch_uni).to_numpy()[ch]
        timed = ch_uni.isin(list(self.timed_channels))[ch]
        pref = ch_uni.get_indexer(cust["preferred_channel"].astype(str).to_numpy())
        date = pd.DatetimeIndex(proposed["date"]).as_unit("ns")  # pandas 3 may parse to us
        has_ev = "expected_value" in proposed.columns
        ev = proposed["expected_value"].to_numpy(dtype=float) if has_ev else np.zeros(n)
        hour = cust["preferred_hour"].to_numpy(dtype=np.int64)[safe]
        hour_gap = np.abs(date.hour.to_numpy(dtype=np.int64) - hour)
        dnc = (cust["opt_out"].to_numpy(dtype=bool)
               | cust.index.isin(list(self.do_not_contact)))[safe]
        consent = cust["contact_consent"].to_numpy(dtype=bool)[safe]

        # stateless rules, first broken rule wins
        none = np.zeros(n, dtype=bool)
        rules = [
            ("unknown_customer", ~known),
            ("do_not_contact", dnc),
            ("no_consent", ~consent if self.require_consent else none),
            ("not_preferred_channel", pref[safe] != ch if self.preferred_channel_only else none),
            ("outside_preferred_hours", timed & (hour_gap > self.hour_tolerance)),
            ("unprofitable", (ev < cost) if has_ev and self.require_profitable else none),
        ]
        reason = np.full(n, _UNDECIDED, dtype=np.int8)
        for name, broken in rules:
            reason[(reason == _UNDECIDED) & broken] = _CODE[name]

        self._stateful(proposed, pos, cust.index, date, ev, cost, reason, history)
        out = proposed.copy(deep=False)  # copy-on-write: the caller's frame is untouched
        out["cost"] = cost
        out["decision"] = pd.Categorical.from_codes((reason != _CODE["ok"]).astype(np.int8),
                                                    categories=["sent", "suppressed"])
        out["reason"] = pd.Categorical.from_codes(reason, categories=list(REASONS))
        return out

    # -----------------------------------------------------------------------------------
    def _offer_codes(self, proposed, history):
        """Integer codes of offers and of their groups, shared by proposals and history."""
        p_codes, p_uni = pd.factorize(proposed["offer"])
        has = history is not None and len(history) and "offer" in history.columns
        h_codes, h_uni = (pd.factorize(history["offer"]) if has
                          else (np.empty(0, np.int64), pd.Index([])))
        uni = pd.Index([str(o) for o in p_uni] + [str(o) for o in h_uni]).unique()
        # one lookup per distinct offer, not per row
        group_of = pd.factorize(pd.Index([self.offer_groups.get(o, o) for o in uni]))[0]
        p_off = uni.get_indexer(pd.Index(p_uni).astype(str))[p_codes]
        h_off = uni.get_indexer(pd.Index(h_uni).astype(str))[h_codes] if has else h_codes
        return p_off, group_of[p_off], h_off, group_of[h_off] if has else h_codes, bool(has)

    def _stateful(self, proposed, pos, cust_index, date, ev, cost, reason, history) -> None:
        """Rules 7-9 on the proposals still eligible; writes into ``reason`` in place."""
        cand = np.flatnonzero(reason == _UNDECIDED)
        if len(cand) == 0:
            return
        p_off, p_grp, h_off, h_grp, has_offer = self._offer_codes(proposed, history)
        t = date.asi8
        per_c = date[cand].to_period(self.period).asi8  # only the eligible proposals
        window = pd.Timedelta(self.conflict_window).value
        m = len(cand)
        c, g, o, tc = pos[cand], p_grp[cand], p_off[cand], t[cand]

        h_cost = 0.0
        if history is not None and len(history):
            hd = pd.DatetimeIndex(history["date"]).as_unit("ns")
            hc = cust_index.get_indexer(history["customer_id"].to_numpy())
            keep = hc >= 0  # history of unknown customers concerns no proposal
            hc, ht, hper = hc[keep], hd.asi8[keep], hd.to_period(self.period).asi8[keep]
            h_off, h_grp = (h_off[keep], h_grp[keep]) if has_offer else (h_off, h_grp)
            if "cost" in history.columns:
                h_cost = float(history["cost"].sum())
        else:
            hc = ht = hper = np.empty(0, dtype=np.int64)

        # (customer, calendar period) keys shared by proposals and history: a direct
        # index when the periods span little, else factorized
        allc = np.concatenate([c.astype(np.int64), hc])
        allp = np.concatenate([per_c, hper])
        lo = allp.min()
        span = int(allp.max() - lo) + 1
        if len(cust_index) * span <= 4 * len(allc) + 1024:
            # the index type: 32-bit NumPy (the browser edition) cannot count int64 keys
            pk_all, n_keys = (allc * span + (allp - lo)).astype(np.intp), len(cust_index) * span
        else:
            pk_all, uni = pd.factorize(allc * span + (allp - lo))
            n_keys = len(uni)
        pk = pk_all[:m]
        counts = np.bincount(pk_all[m:], minlength=n_keys).astype(np.int64)

        # conflicts with the history: suppressed before any new contact is chosen
        if len(hc) and has_offer:
            hist = pd.DataFrame({"c": hc, "g": h_grp, "o": h_off, "t": ht})
            prop = pd.DataFrame({"i": np.arange(m), "c": c, "g": g, "o": o, "t": tc})
            j = prop.merge(hist, on=["c", "g"], suffixes=("", "_h"))
            j = j[np.abs(j["t"] - j["t_h"]) < window]
            reason[cand[j["i"].unique()]] = _CODE["contradictory_offer"]
            reason[cand[j.loc[j["o"] == j["o_h"], "i"].unique()]] = _CODE["duplicate_offer"]

        # the greedy: priority order within each customer, one round per rank
        order = _priority_order(c, -ev[cand], tc)
        undecided = np.zeros(m, dtype=bool)
        undecided[order] = reason[cand[order]] == _UNDECIDED
        u = order[undecided[order]]
        latest = np.full(len(cust_index), -1, dtype=np.int64)
        while len(u):
            cu = c[u]
            first = u[np.r_[True, cu[1:] != cu[:-1]]]
            fits = counts[pk[first]] < self.max_contacts
            send, full = first[fits], first[~fits]
            reason[cand[send]] = _CODE["ok"]
            reason[cand[full]] = _CODE["contact_pressure"]
            undecided[first] = False
            counts[pk[send]] += 1  # one contact per customer per round: keys are distinct
            latest[c[send]] = send
            u = u[undecided[u]]
            s = latest[c[u]]
            hit = s >= 0
            s0 = np.maximum(s, 0)
            hit &= (g[u] == g[s0]) & (np.abs(tc[u] - tc[s0]) < window)
            hit_u, hit_s = u[hit], s[hit]
            reason[cand[hit_u]] = np.where(o[hit_u] == o[hit_s], _CODE["duplicate_offer"],
                                           _CODE["contradictory_offer"])
            undecided[hit_u] = False
            latest[c[send]] = -1
            u = u[undecided[u]]

        if self.budget is not None:
            sent = cand[reason[cand] == _CODE["ok"]]
            glob = sent[_priority_order(np.zeros(len(sent), np.int64), -ev[sent], t[sent])]
            spent = h_cost + np.cumsum(cost[glob])
            reason[glob[spent > self.budget + 1e-9]] = _CODE["over_budget"]

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
    schema.require_columns(decisions, "decisions", {"reason": "string", "cost": "number"},
                           nonnegative=("cost",))
    schema.check_allowed(decisions, "decisions", "reason", REASONS)
    g = decisions.groupby("reason", observed=True)
    out = pd.DataFrame({"contacts": g.size(), "cost": g["cost"].sum()})
    out = out.reindex([r for r in REASONS if r in out.index])
    out.insert(1, "share", out["contacts"] / len(decisions))
    return out
