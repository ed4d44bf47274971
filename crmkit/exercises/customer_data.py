"""Exercises of Chapter 1, customer data and the unified view (ids ``ch1.<name>``).

Each exercise registers a function that computes the expected answer, at check time, from
the schema or from the inputs the notebook passes to :func:`crmkit.exercises.check` (the
tables the student worked on), so no expected value is written anywhere a student reads.

- ``ch1.ground_truth_columns``: the columns of the market no real company would have;
- ``ch1.persons_entered_twice``: people with two account numbers in one department;
- ``ch1.customers_at_threshold``: how many customers a stricter match threshold counts;
- ``ch1.both_divisions_share``: active customers holding bank and insurance contracts;
- ``ch1.silent_by_division``: per division, the active customers a purchase-only "lapsed"
  rule would write off (a multi-step analysis);
- ``ch1.split_bancassurance``: the share of bancassurance customers a stricter match
  threshold splits under several keys (a multi-step analysis).

Examples
--------
>>> import pandas as pd
>>> from crmkit.exercises import check
>>> recs = pd.DataFrame({"system": ["cards", "cards", "credit"],
...                      "true_customer_id": [1, 1, 2]})
>>> check("ch1.persons_entered_twice", 1, source_records=recs).correct
True
"""

from __future__ import annotations

import pandas as pd

from crmkit import schema
from crmkit.exercises._core import register
from crmkit.idic.identify import MatchRules, links_at_threshold, resolve_identities
from crmkit.market import running_on

__all__: list[str] = []


@register(
    "ch1.ground_truth_columns",
    hint="schema.describe(name) lists the columns of one table with a ground_truth flag; "
         "go through every name of schema.TABLES and collect the column names flagged True.",
    explanation="These columns exist only because the market is synthetic: they let the "
                "course check its methods against the truth.",
)
def _ground_truth_columns() -> set:
    return {c.name for t in schema.TABLES.values() for c in t.columns if c.truth}


@register(
    "ch1.persons_entered_twice",
    hint="Count the records of each (true_customer_id, system) pair; keep the pairs with two "
         "records or more and count the distinct persons among them.",
    explanation="Duplicates are not only a matter of several departments: one system can "
                "hold the same person twice.",
)
def _persons_entered_twice(source_records: pd.DataFrame) -> int:
    schema.check_not_empty(source_records, "source_records")
    schema.check_columns(source_records, "source_records",
                         {"system": "string", "true_customer_id": "int"})
    n = source_records.groupby(["true_customer_id", "system"], observed=True).size()
    return int(n[n >= 2].index.get_level_values("true_customer_id").nunique())


@register(
    "ch1.customers_at_threshold",
    hint="Resolve the records again with MatchRules(threshold=16) (or relink the pairs "
         "already scored with identify.links_at_threshold) and count the distinct "
         "resolved_id.",
    explanation="A stricter threshold leaves more people split under several customer keys: "
                "the company counts more customers than it has, and sees each split person's "
                "history in pieces.",
)
def _customers_at_threshold(source_records: pd.DataFrame, threshold: float = 16.0) -> int:
    return resolve_identities(source_records, MatchRules(threshold=threshold)).n_customers


@register(
    "ch1.both_divisions_share",
    hint="In the unified view keep the customers with at least one active contract, then "
         "take the share of them with active contracts in both the bank and the insurer "
         "(bank_contracts and insurance_contracts both above zero). Give a fraction.",
    tolerance=0.0005,
    explanation="These customers are invisible to a department that looks only at its own "
                "accounts: the bancassurance relationship exists only in the unified view.",
)
def _both_divisions_share(view: pd.DataFrame) -> float:
    schema.check_not_empty(view, "view")
    schema.check_columns(view, "view", {"active_contracts": "int", "bank_contracts": "int",
                                        "insurance_contracts": "int"})
    active = view.loc[view["active_contracts"] > 0]
    if active.empty:
        raise schema.SchemaError("view.active_contracts: no customer with an active contract")
    both = (active["bank_contracts"] > 0) & (active["insurance_contracts"] > 0)
    return float(both.mean())


@register(
    "ch1.silent_by_division",
    hint="Join each contract to its product's sector; keep the (customer, sector) pairs "
         "with a contract running on the day; for each pair take the latest start_date "
         "of the customer's contracts in that sector (closed ones too); a pair is silent "
         "when that date is more than 3 x 365.25 days before the day. Average per sector "
         "and give a Series indexed by the sector keys (fractions, not percentages).",
    tolerance=0.0005,
    explanation="A rule made for discontinuous purchases writes off customers who pay every "
                "month: in a contractual relationship silence is not departure.",
)
def _silent_by_division(contracts: pd.DataFrame, products: pd.DataFrame, *,
                       as_of="2024-12-31", years: float = 3.0) -> pd.Series:
    schema.check_not_empty(contracts, "contracts")
    schema.check_columns(contracts, "contracts", {"customer_id": "int", "product_id": "string",
                                                  "start_date": "datetime",
                                                  "end_date": "datetime"})
    schema.check_columns(products, "products", {"product_id": "string", "sector": "string"})
    day = pd.Timestamp(as_of)
    held = contracts.merge(products[["product_id", "sector"]], on="product_id")
    held = held.assign(sector=held["sector"].astype(str))
    pairs = held.loc[running_on(held, day), ["customer_id", "sector"]].drop_duplicates()
    if pairs.empty:
        raise schema.SchemaError(f"contracts: no contract running on {day.date()}")
    last = held.groupby(["customer_id", "sector"])["start_date"].max()
    last = last.reindex(pd.MultiIndex.from_frame(pairs))
    silent = (day - last).dt.days / 365.25 > years
    return silent.groupby(level="sector").mean().rename("share_without_purchase")


@register(
    "ch1.split_bancassurance",
    hint="Relink with identify.links_at_threshold(resolution, records, 16); join the links to "
         "the records' true_customer_id and system; a person is split when their records "
         "carry two resolved_id or more; keep the persons with records in an insurance_... "
         "system and in a bank system (any other system), and give the share of them that "
         "are split, as a fraction.",
    tolerance=0.0005,
    explanation="A cautious threshold splits the customers who matter most to a bancassurance "
                "group: each division sees half of them as a stranger's file.",
)
def _split_bancassurance(resolution, source_records: pd.DataFrame, *,
                        threshold: float = 16.0) -> float:
    schema.check_columns(source_records, "source_records",
                         {"record_id": "string", "system": "string", "true_customer_id": "int"})
    links = links_at_threshold(resolution, source_records, threshold)
    truth = links[["record_id", "resolved_id"]].merge(
        source_records[["record_id", "system", "true_customer_id"]], on="record_id")
    insurer = truth["system"].astype(str).str.startswith("insurance")
    by_person = truth.assign(insurer=insurer).groupby("true_customer_id")
    both = by_person["insurer"].nunique() == 2
    if not both.any():
        raise schema.SchemaError("source_records.system: no person known to both divisions")
    split = by_person["resolved_id"].nunique() > 1
    return float(split[both].mean())
