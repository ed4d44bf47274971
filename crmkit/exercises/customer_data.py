"""Exercises of Chapter 1, customer data and the unified view (ids ``ch1.<name>``).

Each exercise registers a function that computes the expected answer, at check time, from
the schema or from the inputs the notebook passes to :func:`crmkit.exercises.check` (the
tables the student worked on), so no expected value is written anywhere a student reads.

- ``ch1.ground_truth_columns``: the columns of the market no real company would have;
- ``ch1.persons_entered_twice``: people with two account numbers in one department;
- ``ch1.customers_at_threshold``: how many customers a stricter match threshold counts;
- ``ch1.both_divisions_share``: active customers holding bank and insurance contracts.

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
from crmkit.idic.identify import MatchRules, resolve_identities

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
