"""What the importer refuses, row by row: each rule is a reject reason naming the row, the
column and the offending value.

- **cell rules** (in :mod:`crmkit.importer.core`): unreadable numbers and dates, impossible
  dates (31/02), values outside a vocabulary, missing values in a required column;
- **row rules**, the table rules of :mod:`crmkit.schema` (one statement for the whole
  package): negative amounts, values outside their range, an end before its start;
- **plausibility rules**, bounds set in the mapping's ``rules`` section: dates after the
  import date (or the mapping's ``as_of``), dates before ``min_date``, a customer younger
  than ``min_age`` at acquisition, an event (purchase, contract, contact) before the
  customer's birth;
- **repeats**: rows repeating a key. An identical repeat is the same entity again (the
  customer columns of a file with one row per purchase) and is *merged*, not rejected;
  repeats that disagree are resolved column by column by the table's ``repeats`` rule
  (``first``, ``last``, ``most_frequent``) and reported once per key and column with the
  values seen, or rejected with ``repeats: reject``;
- **references**: a contract, purchase or contact of a customer (product...) that is not
  among the rows kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.market import in_window

__all__ = [
    "IMPORT_ORDER", "REQUIRED", "GENERATED_KEYS", "FOREIGN_KEYS", "EVENT_DATES", "RULE_DEFAULTS", "REPEAT_RULES", "check_rules",
]

# tables are imported in this order so references can be checked against what was kept
IMPORT_ORDER: list[str] = ["products", "customers", "contracts", "transactions", "interactions"] + [
    t for t in schema.TABLES if t not in
    {"products", "customers", "contracts", "transactions", "interactions"}
]

# the least a table needs to be useful; every other mapped column is optional, and a
# column that is not mapped is simply absent from the imported table
REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "products": ("product_id",),
    "contracts": ("contract_id", "customer_id", "product_id", "start_date"),
    "transactions": ("customer_id", "date", "amount"),
    "interactions": ("customer_id", "date", "channel"),
    "source_records": ("record_id", "system"),
    "life_events": ("customer_id", "date", "event"),
    "campaigns": ("campaign_id",),
    "campaign_targets": ("campaign_id", "customer_id", "group"),
    "surveys": ("customer_id", "date"),
    "incidents": ("customer_id", "date", "type"),
}

# a key a contact log or incident log rarely has: numbered 1..n over the kept rows
GENERATED_KEYS: dict[str, str] = {"interactions": "interaction_id", "incidents": "incident_id"}

FOREIGN_KEYS: dict[str, dict[str, str]] = {
    "contracts": {"customer_id": "customers", "product_id": "products"},
    "transactions": {"customer_id": "customers", "contract_id": "contracts"},
    "interactions": {"customer_id": "customers"},
    "life_events": {"customer_id": "customers"},
    "campaigns": {"product_id": "products"},
    "campaign_targets": {"campaign_id": "campaigns", "customer_id": "customers"},
    "surveys": {"customer_id": "customers"},
    "incidents": {"customer_id": "customers"},
}

# what a customer did, dated: it cannot happen before the customer was born
EVENT_DATES: dict[str, str] = {"contracts": "start_date", "transactions": "date",
                               "interactions": "date", "life_events": "date",
                               "surveys": "date", "incidents": "date"}
# dates that may lie in the future: a contract's scheduled end
FUTURE_ALLOWED: frozenset[tuple[str, str]] = frozenset({("contracts", "end_date")})

# the mapping's ``rules`` section, with its defaults
RULE_DEFAULTS: dict[str, object] = {
    # dates before this are typing errors (01/01/0001, 1092 for 1992), not history
    "min_date": "1900-01-01",
    # a customer younger than this at acquisition is a data error (or a minor's account,
    # which a CRM analysis of adults must not mix in); 0 turns the rule off
    "min_age": 18,
    # the import fails (non-zero exit code) when a table rejects more than this share of
    # its rows: one row in ten rejected means a wrong mapping (a date format, a column),
    # far more often than a tenth of bad rows
    "max_rejected_share": 0.10,
}
REPEAT_RULES = ("first", "last", "most_frequent", "reject")


def check_rules(rules) -> dict:
    """The mapping's ``rules`` section checked and completed with :data:`RULE_DEFAULTS`.

    Parameters
    ----------
    rules : dict or None
        The mapping's ``rules``: ``min_date``, ``min_age``, ``max_rejected_share``.

    Returns
    -------
    dict
        Every rule, the missing ones at their default, ``min_date`` as a Timestamp.

    Raises
    ------
    ValueError
        An unknown rule or a value out of range.

    Examples
    --------
    >>> check_rules({"min_age": 16})["min_age"], check_rules(None)["max_rejected_share"]
    (16, 0.1)
    >>> check_rules({"max_rejected_share": 2})
    Traceback (most recent call last):
    ...
    ValueError: mapping: rules.max_rejected_share must be a share in [0, 1], got 2
    """
    rules = dict(rules or {})
    unknown = set(rules) - set(RULE_DEFAULTS)
    if unknown:
        raise ValueError(f"mapping: unknown rule(s) {sorted(unknown)}; use {sorted(RULE_DEFAULTS)}")
    out = {**RULE_DEFAULTS, **rules}
    try:
        out["min_date"] = schema.as_timestamp(out["min_date"], "min_date")
    except schema.SchemaError:
        raise ValueError(f"mapping: rules.min_date must be a date, got {rules['min_date']!r}") from None
    age = out["min_age"]
    if isinstance(age, bool) or not isinstance(age, int | float) or not 0 <= age <= 120:
        raise ValueError(f"mapping: rules.min_age must be a number of years in [0, 120], got {age!r}")
    share = out["max_rejected_share"]
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise ValueError(f"mapping: rules.max_rejected_share must be a share in [0, 1], got {share!r}")
    return out


@dataclass
class Problems:
    """Per-row problems of one table, gathered as masks (vectorised)."""

    rows: np.ndarray
    pieces: list = field(default_factory=list)
    any: np.ndarray = None

    def __post_init__(self):
        self.any = np.zeros(len(self.rows), dtype=bool)

    def add(self, mask, column: str, reason, shown: pd.Series | None, detail=None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        n = int(mask.sum())

        def pick(x, default):
            if x is None:
                return np.full(n, default, dtype=object)
            if isinstance(x, str):
                return np.full(n, x, dtype=object)
            return np.asarray(x, dtype=object)[mask]

        values = (shown.to_numpy(dtype=object)[mask] if shown is not None
                  else np.full(n, "", dtype=object))
        self.pieces.append(pd.DataFrame({"source_row": self.rows[mask], "column": column,
                                         "value": values, "reason": pick(reason, ""),
                                         "detail": pick(detail, "")}))
        self.any |= mask


def row_rules(df: pd.DataFrame, name: str, problems: Problems, shown: dict) -> None:
    """The table's own rules, as :mod:`crmkit.schema` states them once for every function:
    value bounds (negative amounts, scores off their scale) and cross-column rules (an end
    before its start), each failing row rejected with the rule's words."""
    table = schema.TABLES[name]
    for col in df.columns:
        c = table.column(col)
        if c.low is None and c.high is None:
            continue
        values = df[col]
        if c.low == 0 and c.high is None:
            problems.add(values < 0, col, "negative value", shown.get(col))
            continue
        bad = pd.Series(False, index=df.index)
        if c.low is not None:
            bad |= values < c.low
        if c.high is not None:
            bad |= values > c.high
        problems.add(bad.fillna(False), col, f"outside [{c.low}, {c.high}]", shown.get(col))
    for rule in table.rules:
        if all(n in df.columns for n in rule.needs):
            ok = rule.ok(df).fillna(True).astype(bool)
            problems.add(~ok, rule.column, rule.what, shown.get(rule.column))


def plausibility(df: pd.DataFrame, name: str, problems: Problems, shown: dict, rules: dict,
                 as_of: pd.Timestamp) -> None:
    """Dates in the future or before ``min_date``; customers under ``min_age`` at
    acquisition or acquired before their birth."""
    table = schema.TABLES[name]
    for col in df.columns:
        if table.column(col).kind != "datetime":
            continue
        if (name, col) not in FUTURE_ALLOWED:
            problems.add(df[col] > as_of, col, "date in the future", shown.get(col),
                         f"after {as_of.date()}")
        problems.add(df[col] < rules["min_date"], col, "date before the minimum",
                     shown.get(col), f"before {rules['min_date'].date()}")
    if name == "customers" and "birth_date" in df:
        born = df["birth_date"]
        for col in ("acquisition_date", "churn_date"):
            if col in df:
                problems.add(df[col] < born, col, "before the customer's birth", shown.get(col),
                             "born " + born.dt.year.astype("Int64").astype("str"))
        age = float(rules["min_age"])
        if age > 0 and "acquisition_date" in df:
            adult = born + pd.DateOffset(years=int(age)) if age.is_integer() else \
                born + pd.to_timedelta(age * 365.25, unit="D")
            young = in_window(df["acquisition_date"], born, adult)
            problems.add(young, "acquisition_date", f"customer under {age:g} at acquisition",
                         shown.get("acquisition_date"),
                         "born " + born.dt.year.astype("Int64").astype("str"))


def births(df: pd.DataFrame, name: str, kept: dict, problems: Problems, shown: dict) -> None:
    """An event of a customer (purchase, contract, contact) dated before their birth."""
    col = EVENT_DATES.get(name)
    cu = kept.get("customers")
    if col not in df or "customer_id" not in df or cu is None or "birth_date" not in cu:
        return
    lookup = cu.drop_duplicates("customer_id").set_index("customer_id")["birth_date"]
    born = pd.Series(lookup.reindex(df["customer_id"].to_numpy()).to_numpy(), index=df.index,
                     dtype="datetime64[us]")
    early = (df[col] < born) & ~problems.any
    problems.add(early, col, "before the customer's birth", shown.get(col),
                 "born " + born.dt.year.astype("Int64").astype("str"))


def references(df: pd.DataFrame, name: str, kept: dict, problems: Problems,
               shown: dict) -> None:
    """References to customers, contracts, products... that are not among the kept rows."""
    for col, parent in FOREIGN_KEYS.get(name, {}).items():
        if col not in df or parent not in kept:
            continue
        known = df[col].isin(kept[parent][col])
        problems.add(df[col].notna() & ~known & ~problems.any, col,
                     f"unknown {col} (not among the kept {parent})", shown.get(col))


def _equal(a: pd.Series, b: pd.Series) -> np.ndarray:
    return ((a == b) | (a.isna() & b.isna())).fillna(False).to_numpy(dtype=bool)


def repeats(df: pd.DataFrame, name: str, problems: Problems, shown: dict,
            rule: str) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Rows repeating a key: merged into one (identical, or resolved by ``rule``) or rejected.

    Returns the table with the resolved values on the first row of each key, the mask of
    the rows merged into it, and the conflicts: one row per key and column whose repeats
    disagree (``key``, ``column``, ``values`` seen in order, ``kept``, ``rows``).
    """
    no_conflict = pd.DataFrame(columns=["key", "column", "values", "kept", "rows"])
    merged = np.zeros(len(df), dtype=bool)
    key = list(schema.TABLES[name].key)
    if not key or not all(k in df for k in key):
        return df, merged, no_conflict
    ok = ~problems.any
    sub = df.loc[ok]
    dup = sub.duplicated(key, keep=False).to_numpy()
    if not dup.any():
        return df, merged, no_conflict
    rows = pd.Series(problems.rows[ok], index=sub.index)
    group = sub[dup].groupby(key, sort=False, dropna=False)
    first_idx = group.head(1).index  # the row each key keeps
    later = sub.index[dup].difference(first_idx)
    first_of = group.ngroup()  # group number of each repeated row
    lead = pd.Series(first_idx, index=pd.RangeIndex(len(first_idx)))
    head = first_of.map(lead)  # index of the first row of the same key
    if rule == "reject":
        first_row = rows.loc[head.loc[later]].to_numpy()
        mask = np.isin(df.index, later)
        detail = pd.Series("", index=df.index, dtype=object)
        detail.loc[later] = [f"first at row {r}" for r in first_row]
        problems.add(mask, "+".join(key), "duplicate key", shown.get(key[0]), detail.to_numpy())
        return df, merged, no_conflict
    out = df.copy()
    conflicts = []
    for col in (c for c in df.columns if c not in key):
        values = sub.loc[dup, col]
        lead_values = values.groupby(first_of.to_numpy(), sort=False).transform("first")
        same = _equal(values, pd.Series(lead_values.to_numpy(), index=values.index))
        disagree_groups = np.unique(first_of.to_numpy()[~same])
        if not len(disagree_groups):
            continue
        bad = values[np.isin(first_of.to_numpy(), disagree_groups)]
        g = first_of.loc[bad.index].to_numpy()
        if rule == "first":
            chosen = bad.groupby(g, sort=False).first()
        elif rule == "last":
            chosen = bad.groupby(g, sort=False).last()
        else:  # most frequent, the first seen among equals
            tally = pd.DataFrame({"g": g, "v": bad.fillna("\0").astype(str).to_numpy(),
                                  "pos": np.arange(len(bad))})
            tally = tally.groupby(["g", "v"], sort=False).agg(n=("pos", "size"),
                                                             pos=("pos", "min")).reset_index()
            best = tally.sort_values(["g", "n", "pos"], ascending=[True, False, True],
                                     kind="stable").drop_duplicates("g").set_index("g")["pos"]
            chosen = pd.Series(bad.to_numpy()[best.to_numpy()], index=best.index)
        target = lead.loc[chosen.index].to_numpy()
        out.loc[target, col] = chosen.to_numpy()
        seen = shown.get(col)
        seen = (seen.loc[bad.index] if seen is not None else bad.astype(str))
        seen_text = seen.astype(str).groupby(g, sort=False).agg(
            lambda s: " | ".join(pd.unique(s)))
        row_text = rows.loc[bad.index].astype(str).groupby(g, sort=False).agg(", ".join)
        shown_kept = (seen.groupby(g, sort=False).first() if rule == "first"
                      else seen.groupby(g, sort=False).last() if rule == "last"
                      else pd.Series(seen.to_numpy()[best.to_numpy()], index=best.index))
        conflicts.append(pd.DataFrame({
            "key": df.loc[lead.loc[seen_text.index].to_numpy(), key[0]].to_numpy(),
            "column": col, "values": seen_text.to_numpy(),
            "kept": shown_kept.reindex(seen_text.index).astype(str).to_numpy(),
            "rows": row_text.reindex(seen_text.index).to_numpy()}))
    merged[np.isin(df.index, later)] = True
    found = pd.concat(conflicts, ignore_index=True) if conflicts else no_conflict
    return out, merged, found
