"""Exercises of Chapter 6, the IDIC method (ids ``ch6.<name>``).

Each exercise registers a function that computes the expected answer, at check time, from
the inputs the notebook passes to :func:`crmkit.exercises.check` (the tables and the
policy the student worked with), so no expected value is written anywhere a student
reads; the quiz on the five fundamental steps is registered by the digests of its
accepted answers.

- ``ch6.contactable_best``: the share of the best customers (ABC class A) who may be
  solicited at all (Identify: consent limits what the data allow);
- ``ch6.stage_most_needs``: the life stage with the largest share of customers with an
  open need (Differentiate: needs, not only value);
- ``ch6.one_contact_a_month``: the contacts that go out when the pressure cap is one
  contact a month (Interact);
- ``ch6.top_rule``: the next-best-offer rule that carries the most expected value in
  total (Customize);
- ``ch6.unmatched_step``: the fundamental step of the course texts that IDIC lacks;
- ``ch6.human_contact_gap``: among the multichannel customers, how much more often those
  with few human contacts leave than those with many (multi-step: the depersonalisation
  paradox on another year).

Examples
--------
>>> import pandas as pd
>>> from crmkit.exercises import check
>>> profiles = pd.DataFrame({"customer_id": [1, 2, 3], "abc_class": ["A", "A", "C"]})
>>> customers = pd.DataFrame({"customer_id": [1, 2, 3], "contact_consent": [True, True, False],
...                           "opt_out": [False, True, False]})
>>> check("ch6.contactable_best", 0.5, profiles=profiles, customers=customers).correct
True
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from crmkit import campaigns, idic
from crmkit.exercises._core import register, register_answer
from crmkit.schema import check_columns, check_not_empty, fail

__all__ = ["HUMAN_CONTACT_GAP"]

# the depersonalisation exercise (ch6-ex-human-contacts): the day observed and the bands of
# the share of contacts with a person ("few": under a quarter; "many": half or more)
HUMAN_CONTACT_GAP = {"as_of": "2022-01-01", "few_below": 0.25, "many_from": 0.5}


@register(
    "ch6.contactable_best",
    hint="Keep the profiles of class A, look their customer_id up in the customers table, "
         "and take the share of them who gave their marketing consent (contact_consent) "
         "and are not on the do-not-contact list (opt_out). Give a fraction between 0 and 1.",
    tolerance=0.0005,
    explanation="Even among the best customers, a large part cannot be solicited at all: "
                "consent, not data, sets the first limit of one-to-one marketing.",
)
def _contactable_best(profiles: pd.DataFrame, customers: pd.DataFrame,
                     abc_class: str = "A") -> float:
    check_not_empty(profiles, "profiles")
    check_columns(profiles, "profiles", ["customer_id", "abc_class"])
    check_columns(customers, "customers", {"customer_id": "int", "contact_consent": "bool",
                                           "opt_out": "bool"})
    best = profiles.loc[profiles["abc_class"].astype(str) == abc_class, ["customer_id"]]
    who = best.merge(customers[["customer_id", "contact_consent", "opt_out"]],
                     on="customer_id", how="left")
    may = who["contact_consent"].fillna(False).astype(bool) & ~who["opt_out"].fillna(True).astype(bool)
    return float(may.mean())


@register(
    "ch6.stage_most_needs",
    hint="Summarise the profiles by life_stage with idic.profile_summary and look at the "
         "share of customers with at least one open need. Answer with the life stage's "
         "key, as it is written in the life_stage column.",
    explanation="Needs follow the life cycle: the stage where the most customers have a "
                "need open is not the one with the most customers, nor the most profit.",
)
def _stage_most_needs(profiles: pd.DataFrame) -> str:
    summary = idic.profile_summary(profiles, by="life_stage")
    return str(summary["with_open_need"].idxmax())


@register(
    "ch6.one_contact_a_month",
    hint="Copy the chapter's policy with dataclasses.replace(policy, max_contacts=1), apply "
         "it to the proposed contacts and count the contacts whose decision is 'sent'.",
    explanation="A tighter cap costs few contacts: most suppressions come from consent "
                "and channel, and the greedy keeps each customer's most valuable offer.",
)
def _one_contact_a_month(proposed: pd.DataFrame, customers: pd.DataFrame,
                        policy: idic.ContactPolicy, max_contacts: int = 1) -> int:
    decided = replace(policy, max_contacts=max_contacts).apply(proposed, customers)
    return int((decided["decision"] == "sent").sum())


@register(
    "ch6.top_rule",
    hint="Group the recommendations by rule and add up their expected_value; answer with "
         "the rule's key, as it is written in the rule column.",
    explanation="Total value weighs the value of one offer by how often its trigger "
                "fires: a frequent, weak trigger can lose to a rarer, strong one, and the "
                "reverse.",
)
def _top_rule(recommendations: pd.DataFrame) -> str:
    check_not_empty(recommendations, "recommendations")
    check_columns(recommendations, "recommendations",
                  {"rule": "string", "expected_value": "number"})
    return str(recommendations.groupby("rule")["expected_value"].sum().idxmax())


# Quiz: which of the five fundamental steps of the course texts (identify, segment, adapt,
# exchange, evaluate) has no step of its own in IDIC? Accepted answers (English or
# French, verb or noun) are stored as digests only.
register_answer(
    "ch6.unmatched_step",
    [
        "10aca1d8b724381a8cbeb66e3dba3007ed1e40b0c2d9cca3448a22689311b936",
        "5fbcdc37aa105e485dd8b766436bed445f5a752bd6db403411e71bcac00ea1f2",
        "efe77b201dc216c0edf435a227df2b2898d3f6ea1ff16e5d4d0d4ec0cf593271",
    ],
    hint="Pair each of the five steps with an IDIC step (segmenting is differentiating, "
         "exchanging is interacting...): one is left over. Answer with one word.",
    explanation="IDIC leaves measurement implicit; the course texts make it a step of its "
                "own, the loop through which every interaction teaches the next one.",
)


@register(
    "ch6.human_contact_gap",
    hint="Run campaigns.multichannel_customers on the exercise's day (as_of), keep the "
         "multichannel customers with at least one contact, and compare the share who left "
         "among those whose human_share is below few_below with the share among those whose "
         "human_share is at least many_from. Answer with the first share minus the second, "
         "as a fraction.",
    tolerance=0.0005,
    explanation="Multichannel customers with few contacts with a person leave more often; "
                "whether the adviser keeps them, or loyal customers ask for an adviser, only a "
                "randomised test would tell.",
)
def _human_contact_gap(customers: pd.DataFrame, transactions: pd.DataFrame,
                       interactions: pd.DataFrame) -> float:
    g = HUMAN_CONTACT_GAP
    use = campaigns.multichannel_customers(customers, transactions, interactions, g["as_of"])
    multi = use.loc[use["multichannel"] & (use["contacts"] > 0)]
    few = multi.loc[multi["human_share"] < g["few_below"], "left"]
    many = multi.loc[multi["human_share"] >= g["many_from"], "left"]
    if few.empty or many.empty:
        fail("customers", "n_channels", "no multichannel customer with a contact in one of the "
             "two bands of human contacts")
    return float(few.mean() - many.mean())
