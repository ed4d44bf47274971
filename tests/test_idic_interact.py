"""Interact: the contact policy engine never lets through a contact that breaks a rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.idic.interact import ContactPolicy, contact_summary
from crmkit.schema import CHANNELS, SchemaError

BASE = pd.Timestamp("2024-01-01")


def _customers(rows):
    return pd.DataFrame(
        rows, columns=["customer_id", "preferred_channel", "preferred_hour", "contact_consent",
                       "opt_out"],
    )


def _proposed(rows, ev=None):
    df = pd.DataFrame(rows, columns=["customer_id", "channel", "date", "offer"])
    df["date"] = pd.to_datetime(df["date"], format="ISO8601")
    if ev is not None:
        df["expected_value"] = np.asarray(ev, dtype=float)
    return df


CUST = _customers([
    (1, "email", 9, True, False),
    (2, "phone", 18, True, False),
    (3, "email", 9, False, False),
    (4, "mail", 10, True, True),
])


# --------------------------------------------------------------------------------------
# hand-computed examples, one per rule
# --------------------------------------------------------------------------------------
def test_stateless_rules_in_documented_order():
    prop = _proposed([
        (9, "email", "2024-01-02 09:00", "a"),   # unknown customer
        (4, "mail", "2024-01-02 10:00", "a"),    # opted out (also fine otherwise)
        (3, "phone", "2024-01-02 09:00", "a"),   # no consent AND wrong channel: consent first
        (1, "phone", "2024-01-02 09:00", "a"),   # not the preferred channel
        (2, "phone", "2024-01-02 12:00", "a"),   # 6 h from the preferred 18 h
        (2, "phone", "2024-01-02 20:00", "b"),   # 2 h away: within tolerance
        (1, "email", "2024-01-02 03:00", "c"),   # e-mail is not a timed channel
    ])
    out = ContactPolicy(max_contacts=5).apply(prop, CUST)
    assert out["reason"].tolist() == [
        "unknown_customer", "do_not_contact", "no_consent", "not_preferred_channel",
        "outside_preferred_hours", "ok", "ok",
    ]
    assert out["decision"].tolist() == ["suppressed"] * 5 + ["sent"] * 2
    assert out.index.equals(prop.index)


def test_extra_do_not_contact_list_and_relaxed_rules():
    prop = _proposed([(1, "email", "2024-01-02 09:00", "a"), (3, "mail", "2024-01-02", "a")])
    policy = ContactPolicy(do_not_contact=(1,), require_consent=False,
                           preferred_channel_only=False)
    assert policy.apply(prop, CUST)["reason"].tolist() == ["do_not_contact", "ok"]


def test_unprofitable_when_expected_value_below_channel_cost():
    prop = _proposed([(2, "phone", "2024-01-02 18:00", "a"), (2, "phone", "2024-02-02 18:00", "b")],
                     ev=[5.0, 6.0])
    out = ContactPolicy(channel_costs={"phone": 6.0}).apply(prop, CUST)
    assert out["reason"].tolist() == ["unprofitable", "ok"]
    assert out["cost"].tolist() == [6.0, 6.0]


def test_duplicates_and_contradictions_keep_the_best_offer():
    # customer 1, e-mail: the same savings offer three times and a contradictory card offer
    prop = _proposed(
        [
            (1, "email", "2024-01-10 09:00", "savings"),
            (1, "email", "2024-01-12 09:00", "savings"),      # best expected value
            (1, "email", "2024-02-20 09:00", "savings"),      # 39 days after: allowed
            (1, "email", "2024-01-15 09:00", "card_upgrade"),
            (1, "email", "2024-01-16 09:00", "card_downgrade"),  # contradicts the upgrade
        ],
        ev=[10.0, 20.0, 5.0, 8.0, 3.0],
    )
    groups = {"card_upgrade": "card", "card_downgrade": "card"}
    out = ContactPolicy(max_contacts=10, offer_groups=groups, conflict_window="30D").apply(
        prop, CUST)
    assert out["reason"].tolist() == [
        "duplicate_offer", "ok", "ok", "ok", "contradictory_offer",
    ]


def test_contact_pressure_per_calendar_month_counts_history():
    prop = _proposed(
        [(1, "email", f"2024-03-{d:02d} 09:00", f"o{d}") for d in (1, 2, 3, 4)]
        + [(1, "email", "2024-04-01 09:00", "o5")],
        ev=[1, 4, 3, 2, 1],
    )
    hist = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-03-20"])})
    out = ContactPolicy(max_contacts=2).apply(prop, CUST, history=hist)
    # one March slot left after the history: the best one (ev 4) gets it
    assert out["reason"].tolist() == [
        "contact_pressure", "ok", "contact_pressure", "contact_pressure", "ok",
    ]


def test_history_offers_conflict_with_new_ones():
    prop = _proposed([(1, "email", "2024-03-10 09:00", "savings"),
                      (1, "email", "2024-03-10 09:00", "loan_b")])
    hist = pd.DataFrame({"customer_id": [1, 1], "date": pd.to_datetime(["2024-03-01"] * 2),
                         "offer": ["savings", "loan_a"], "channel": ["phone", "phone"]})
    out = ContactPolicy(max_contacts=9, offer_groups={"loan_a": "loan", "loan_b": "loan"}).apply(
        prop, CUST, history=hist)
    assert out["reason"].tolist() == ["duplicate_offer", "contradictory_offer"]


def test_budget_spent_in_priority_order():
    prop = _proposed([(1, "email", "2024-01-02 09:00", "a"), (2, "phone", "2024-01-02 18:00", "b"),
                      (2, "phone", "2024-03-02 18:00", "c")], ev=[100.0, 50.0, 70.0])
    policy = ContactPolicy(channel_costs={"email": 4.0, "phone": 6.0}, budget=10.0)
    out = policy.apply(prop, CUST)
    # priority 100 (cost 4), 70 (cost 6) -> 10 spent; the 50 does not fit
    assert out["reason"].tolist() == ["ok", "over_budget", "ok"]
    assert out.loc[out["decision"] == "sent", "cost"].sum() == 10.0


def test_summary_counts_and_costs():
    prop = _proposed([(1, "email", "2024-01-02 09:00", "a"), (3, "email", "2024-01-02", "a"),
                      (1, "email", "2024-01-03 09:00", "a")])
    out = ContactPolicy(channel_costs={"email": 0.5}).apply(prop, CUST)
    summary = contact_summary(out)
    assert summary.index.tolist() == ["ok", "no_consent", "duplicate_offer"]
    assert summary["contacts"].tolist() == [1, 1, 1]
    assert summary["share"].sum() == pytest.approx(1.0)
    assert summary["cost"].tolist() == [0.5, 0.5, 0.5]


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------
def test_bad_channel_names_rows():
    prop = _proposed([(1, "email", "2024-01-02", "a"), (1, "pigeon", "2024-01-02", "a")])
    with pytest.raises(SchemaError, match=r"proposed_contacts\.channel.*\[1\]"):
        ContactPolicy().apply(prop, CUST)


def test_channel_without_cost_is_an_error():
    prop = _proposed([(1, "email", "2024-01-02", "a"), (2, "phone", "2024-01-02", "a")])
    with pytest.raises(SchemaError, match=r"proposed_contacts\.channel.*without a cost.*\[1\]"):
        ContactPolicy(channel_costs={"email": 1.0}).apply(prop, CUST)


def test_missing_column_and_missing_values():
    prop = _proposed([(1, "email", "2024-01-02", "a")]).drop(columns="offer")
    with pytest.raises(SchemaError, match=r"proposed_contacts\.offer: missing column"):
        ContactPolicy().apply(prop, CUST)
    prop = _proposed([(1, "email", "2024-01-02", "a"), (1, "email", None, "a")])
    with pytest.raises(SchemaError, match=r"proposed_contacts\.date: 1 row.*\[1\]"):
        ContactPolicy().apply(prop, CUST)


def test_bad_customers_table():
    bad = CUST.assign(preferred_hour=[9, 25, 9, 9])
    prop = _proposed([(1, "email", "2024-01-02", "a")])
    with pytest.raises(SchemaError, match=r"customers\.preferred_hour.*\[1\]"):
        ContactPolicy().apply(prop, bad)


@pytest.mark.parametrize(
    "kwargs", [{"max_contacts": -1}, {"period": "fortnight"}, {"budget": -5.0},
               {"timed_channels": ("fax",)}, {"channel_costs": {"email": -1.0}}],
)
def test_bad_policy_arguments(kwargs):
    with pytest.raises(ValueError):
        ContactPolicy(**kwargs)


# --------------------------------------------------------------------------------------
# property: nothing sent breaks a rule, and the engine is the documented greedy
# --------------------------------------------------------------------------------------
OFFERS = ["a", "b", "c", "d"]
GROUPS = {"a": "x", "b": "x"}  # a and b contradict each other


@st.composite
def scenarios(draw):
    n_cust = draw(st.integers(1, 5))
    mostly = st.sampled_from([True, True, True, False])
    # few channels, mostly consenting customers: enough contacts reach the stateful rules
    channels = st.sampled_from(["email", "phone", "mail"]) | st.sampled_from(CHANNELS)
    customers = _customers([
        (i + 1, draw(channels), draw(st.integers(8, 20)), draw(mostly), not draw(mostly))
        for i in range(n_cust)
    ])

    def contact():
        return (draw(st.integers(1, n_cust + 1) | st.integers(1, n_cust)), draw(channels),
                BASE + pd.Timedelta(days=draw(st.integers(0, 70)), hours=draw(st.integers(0, 23))),
                draw(st.sampled_from(OFFERS)))

    rows = [contact() for _ in range(draw(st.integers(1, 30)))]
    ev = [draw(st.sampled_from([0.0, 1.0, 5.0, 20.0, 50.0])) for _ in rows]
    proposed = _proposed(rows, ev=ev if draw(st.booleans()) else None)
    history = None
    if draw(st.booleans()):
        hist_rows = [contact() for _ in range(draw(st.integers(0, 6)))]
        history = pd.DataFrame(hist_rows, columns=["customer_id", "channel", "date", "offer"])
        history["date"] = pd.to_datetime(history["date"]).astype("datetime64[ns]")
        history["cost"] = 1.0
    policy = ContactPolicy(
        max_contacts=draw(st.integers(0, 3)),
        period=draw(st.sampled_from(["W", "M"])),
        require_consent=draw(st.booleans()),
        preferred_channel_only=draw(st.booleans()),
        hour_tolerance=draw(st.integers(0, 3)),
        conflict_window=pd.Timedelta(days=draw(st.integers(0, 40))),
        offer_groups=GROUPS,
        budget=draw(st.sampled_from([None, 0.0, 10.0, 40.0])),
        do_not_contact=tuple(draw(st.lists(st.integers(1, 5), max_size=1))),
    )
    return policy, proposed, customers, history


def _reference(policy, proposed, customers, history):
    """The documented rules, one contact at a time (slow, obviously right)."""
    cust = {r.customer_id: r for r in customers.itertuples()}
    window = pd.Timedelta(policy.conflict_window)
    group = lambda o: policy.offer_groups.get(o, o)  # noqa: E731
    reasons = {}
    rows = list(proposed.reset_index(drop=True).itertuples())
    has_ev = "expected_value" in proposed.columns
    for r in rows:
        c = cust.get(r.customer_id)
        cost = policy.channel_costs[r.channel]
        if c is None:
            reasons[r.Index] = "unknown_customer"
        elif c.opt_out or r.customer_id in policy.do_not_contact:
            reasons[r.Index] = "do_not_contact"
        elif policy.require_consent and not c.contact_consent:
            reasons[r.Index] = "no_consent"
        elif policy.preferred_channel_only and r.channel != c.preferred_channel:
            reasons[r.Index] = "not_preferred_channel"
        elif r.channel in policy.timed_channels and abs(
                r.date.hour - c.preferred_hour) > policy.hour_tolerance:
            reasons[r.Index] = "outside_preferred_hours"
        elif has_ev and policy.require_profitable and r.expected_value < cost:
            reasons[r.Index] = "unprofitable"
    hist = [] if history is None else list(history.itertuples())
    ev = (lambda r: r.expected_value) if has_ev else (lambda r: 0.0)
    for cid in sorted({r.customer_id for r in rows}):
        cands = sorted((r for r in rows if r.customer_id == cid and r.Index not in reasons),
                       key=lambda r: (-ev(r), r.date, r.Index))
        mine = [h for h in hist if h.customer_id == cid]
        sent = []
        for r in cands:
            near_h = [h for h in mine if group(h.offer) == group(r.offer)
                      and abs(h.date - r.date) < window]
            near_s = [s for s in sent if group(s.offer) == group(r.offer)
                      and abs(s.date - r.date) < window]
            period = r.date.to_period(policy.period)
            used = sum(x.date.to_period(policy.period) == period for x in mine + sent)
            if near_h:
                dup = any(h.offer == r.offer for h in near_h)
                reasons[r.Index] = "duplicate_offer" if dup else "contradictory_offer"
            elif near_s:
                reasons[r.Index] = ("duplicate_offer" if near_s[0].offer == r.offer
                                    else "contradictory_offer")
            elif used >= policy.max_contacts:
                reasons[r.Index] = "contact_pressure"
            else:
                reasons[r.Index] = "ok"
                sent.append(r)
    if policy.budget is not None:
        spent = 0.0 if history is None else float(history["cost"].sum())
        ok = sorted((r for r in rows if reasons[r.Index] == "ok"),
                    key=lambda r: (-ev(r), r.date, r.Index))
        over = False
        for r in ok:
            spent += policy.channel_costs[r.channel]
            over = over or spent > policy.budget + 1e-9
            if over:
                reasons[r.Index] = "over_budget"
    return [reasons[i] for i in range(len(rows))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_property_sent_contacts_break_no_rule(scenario):
    policy, proposed, customers, history = scenario
    out = policy.apply(proposed, customers, history)
    sent = out[out["decision"] == "sent"]
    cust = customers.set_index("customer_id")
    assert sent["customer_id"].isin(cust.index).all()
    c = cust.loc[sent["customer_id"]]
    assert not c["opt_out"].any()
    assert not sent["customer_id"].isin(policy.do_not_contact).any()
    if policy.require_consent:
        assert c["contact_consent"].all()
    if policy.preferred_channel_only:
        assert (sent["channel"].to_numpy() == c["preferred_channel"].to_numpy()).all()
    timed = sent["channel"].isin(policy.timed_channels).to_numpy()
    gap = np.abs(sent["date"].dt.hour.to_numpy() - c["preferred_hour"].to_numpy())
    assert (gap[timed] <= policy.hour_tolerance).all()
    if "expected_value" in sent:
        assert (sent["expected_value"] >= sent["cost"]).all()
    # pressure: sent + history per customer and calendar period
    both = pd.concat([sent[["customer_id", "date"]],
                      history[["customer_id", "date"]] if history is not None else None])
    new_keys = set(zip(sent["customer_id"], sent["date"].dt.to_period(policy.period), strict=True))
    per = both.groupby([both["customer_id"], both["date"].dt.to_period(policy.period)]).size()
    assert all(per[k] <= policy.max_contacts for k in new_keys)
    # conflicts: no two sent (or sent vs history) with one group within the window
    window = pd.Timedelta(policy.conflict_window)
    pool = pd.concat([sent[["customer_id", "date", "offer"]].assign(new=True),
                      history[["customer_id", "date", "offer"]].assign(new=False)
                      if history is not None else None])
    pool["group"] = pool["offer"].map(lambda o: GROUPS.get(o, o))
    pairs = pool.reset_index(drop=True).reset_index().merge(
        pool.reset_index(drop=True).reset_index(), on=["customer_id", "group"])
    pairs = pairs[(pairs["index_x"] < pairs["index_y"]) & (pairs["new_x"] | pairs["new_y"])]
    assert not ((pairs["date_x"] - pairs["date_y"]).abs() < window).any()
    # budget
    if policy.budget is not None and len(sent):
        spent = sent["cost"].sum() + (history["cost"].sum() if history is not None else 0.0)
        assert spent <= policy.budget + 1e-9
    # and the whole decision is the documented greedy, reason for reason
    assert out["reason"].tolist() == _reference(policy, proposed, customers, history)


def test_pressure_with_a_long_history_of_weekly_periods():
    # a history spanning ten years of weeks takes the engine's factorized key path
    prop = _proposed([(1, "email", "2024-03-05 09:00", "a"), (1, "email", "2024-03-12 09:00", "b")])
    hist = pd.DataFrame({"customer_id": [1, 1, 2],
                         "date": pd.to_datetime(["2014-01-07", "2024-03-04", "2024-03-12"])})
    out = ContactPolicy(max_contacts=1, period="W").apply(prop, CUST, history=hist)
    assert out["reason"].tolist() == ["contact_pressure", "ok"]
