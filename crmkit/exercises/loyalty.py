"""Exercises of Chapter 2, loyalty (ids ``ch2.<name>``).

Each exercise registers a function that computes the expected answer, at check time, from
the inputs the notebook passes to :func:`crmkit.exercises.check` (the tables the student
worked on), so no expected value is written anywhere a student reads; the quiz on Oliver's
phases is registered by the digests of its accepted answers.

- ``ch2.spurious_gap``: the Dick & Basu typology with a stricter attitude threshold;
- ``ch2.riskiest_incident``: the incident type followed by the most churn;
- ``ch2.cost_ratio_all_contacts``: the "7 to 10 times" ratio when every contact with
  existing customers counts as keeping them;
- ``ch2.tap_to_match``: how much more acquisition would match five points of retention;
- ``ch2.oliver_phase``: which of Oliver's phases a customer had reached;
- ``ch2.failure_exit_by_type``: per loyalty type, the service failures and refused claims
  followed by a departure within a year (a multi-step analysis).

Examples
--------
>>> import pandas as pd
>>> from crmkit.exercises import check
>>> from crmkit.loyalty import BathtubParameters
>>> p = BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)
>>> check("ch2.tap_to_match", 0.0, params=p).correct
False
"""

from __future__ import annotations

import pandas as pd

from crmkit import loyalty
from crmkit.exercises._core import register, register_answer
from crmkit.schema import SchemaError, check_columns, check_not_empty

__all__: list[str] = []


@register(
    "ch2.spurious_gap",
    hint="Re-run loyalty.dick_basu on the chapter's measures with attitude_threshold=6 "
         "(keep the median repeat rate), then loyalty.churn_within over five years after "
         "the snapshot date; subtract the churn share of true loyalty from that of spurious "
         "loyalty. Give a fraction (0.05 for five points).",
    tolerance=0.0005,
    explanation="The gap survives a stricter threshold: what separates the two types is "
                "attitude, and attitude is what keeps customers when something goes wrong.",
)
def _spurious_gap(measures: pd.DataFrame, customers: pd.DataFrame, *,
                 as_of="2019-12-31", years: float = 5,
                 attitude_threshold: float = 6.0) -> float:
    typ = loyalty.dick_basu(measures, attitude_threshold=attitude_threshold,
                            patronage_threshold="median")
    churn = loyalty.churn_within(typ, customers, as_of=as_of, years=years)
    share = churn.set_index("loyalty_type")["churn_share"]
    return float(share["spurious_loyalty"] - share["true_loyalty"])


@register(
    "ch2.riskiest_incident",
    hint="Run loyalty.incident_churn with by='type' and compare the churn rates per year of "
         "exposure (not the numbers of customers who left). Answer with the type's key, as "
         "it is written in the incidents table.",
    explanation="Rates per year of exposure compare incident types fairly, however frequent "
                "each type is.",
)
def _riskiest_incident(customers: pd.DataFrame, incidents: pd.DataFrame) -> str:
    out = loyalty.incident_churn(customers, incidents, by="type")
    types = out.loc[out["group"] != "no_incident"]
    return str(types.loc[types["churn_rate"].idxmax(), "group"])


ALL_CONTACTS = ("retention", "service", "complaint", "claim", "information")


@register(
    "ch2.cost_ratio_all_contacts",
    hint="Call loyalty.acquisition_retention_costs with retention_reasons set to every "
         "reason except sale, and read the ratio of the result.",
    tolerance=0.05,
    explanation="The famous ratio depends on what you call a retention cost: count only "
                "retention actions and it is high, count every contact with customers and "
                "it shrinks.",
)
def _cost_ratio_all_contacts(customers: pd.DataFrame, interactions: pd.DataFrame) -> float:
    check_columns(interactions, "interactions", ["reason"])
    return float(loyalty.acquisition_retention_costs(
        customers, interactions, retention_reasons=ALL_CONTACTS).ratio)


@register(
    "ch2.tap_to_match",
    hint="With retention r, start stock S and yearly inflow a, the stock after T years is "
         "r^T S + a (1 - r^T) / (1 - r). Compute the stock the extra retention points give, "
         "then solve for the inflow that gives the same stock at the baseline retention "
         "(or search for it with loyalty.bathtub). Answer with the customers to add per year.",
    tolerance=1.0,
    explanation="Opening the tap to match a better-plugged drain takes many more customers "
                "every year, each paid for at the full acquisition cost.",
)
def _tap_to_match(params: loyalty.BathtubParameters, *, points: float = 0.05,
                 periods: int = 10) -> float:
    r0, a, s0 = params.retention_rate, params.acquired, params.end_stock
    r1 = r0 + points

    def stock(r: float, inflow: float) -> float:
        return r ** periods * s0 + inflow * (1 - r ** periods) / (1 - r)

    target = stock(r1, a)
    needed = (target - r0 ** periods * s0) * (1 - r0) / (1 - r0 ** periods)
    return float(needed - a)


@register(
    "ch2.failure_exit_by_type",
    hint="Keep the incidents of type service_failure or claim_refused dated after the snapshot "
         "(2019-12-31) and up to 2023-12-31; merge the typology's loyalty_type on "
         "customer_id (an inner merge drops the untyped); an incident is flagged when the "
         "customer's churn_date falls on its day or within the 365 days after; average the "
         "flags per loyalty_type and give a Series indexed by the type keys (fractions).",
    tolerance=0.0005,
    explanation="The truly loyal leave least after a failure, but they also leave least "
                "without one: set each share against the type's usual yearly departure rate "
                "before crediting attitude with cushioning the failure.",
)
def _failure_exit_by_type(incidents: pd.DataFrame, customers: pd.DataFrame,
                          typology: pd.DataFrame, *, start="2019-12-31", end="2023-12-31",
                          window_days: int = 365,
                          types=("service_failure", "claim_refused")) -> pd.Series:
    check_not_empty(incidents, "incidents")
    check_columns(incidents, "incidents", {"customer_id": "int", "date": "datetime",
                                           "type": "string"})
    check_columns(customers, "customers", {"customer_id": "int", "churn_date": "datetime"})
    check_columns(typology, "typology", {"customer_id": "int", "loyalty_type": "string"})
    dates = incidents["date"]
    kept = incidents.loc[incidents["type"].astype(str).isin(types)
                         & (dates > pd.Timestamp(start)) & (dates <= pd.Timestamp(end))]
    kept = kept.merge(typology[["customer_id", "loyalty_type"]], on="customer_id")
    if kept.empty:
        raise SchemaError("incidents: no failure of a typed customer in the window "
                          f"({start}, {end}]")
    left_on = kept["customer_id"].map(customers.set_index("customer_id")["churn_date"])
    flagged = (left_on >= kept["date"]) & (
        left_on <= kept["date"] + pd.Timedelta(days=window_days))
    return flagged.groupby(kept["loyalty_type"].astype(str)).mean().rename("exit_share")


# Quiz: a customer states a firm intention to renew, then takes a competitor's cheaper quote.
# Accepted answers (English and French, with or without "loyalty"/"phase") are stored as
# digests only, so that reading this file does not give them away.
register_answer(
    "ch2.oliver_phase",
    [
        "eaddbf831ef0e6d26c4c01c737f089ff4da5f5d854f22a843d81a76ccbdcb0e8",
        "23e330d7a44a767f660a2062c45ba9179b33610ac9a399e44d3e73dde39e6465",
        "28c042a2badd71db59bd4281adc11f06f31bccdb953ada3cb12470028d00af77",
        "4a9f2dfd1fb9565edd631982e74c703a260c3737c4e317257a64f106f1eeeb3e",
        "d6358c83599651d404987652282e0bac917f0ace5bbb3361ff288df98728f838",
    ],
    hint="Ask what she had (a stated intention) and what was missing (acting on it against "
         "an obstacle). Answer with one word, the name of the phase.",
    explanation="An intention to rebuy, even a firm one, is not yet the readiness to act "
                "against obstacles that marks the last phase.",
)
