"""Profiling the best customers to steer recruitment: look-alike lift tables and scores.

The lecture slides draw two uses from a value ranking: drop or serve more cheaply the
customers who do not pay, and find the traits that set the most profitable customers apart,
so that recruitment aims at prospects who share them. The usual tool of direct marketers is
a *profile index* (a lift): for each value of a trait known when a customer is recruited
(channel, age band, life stage, first product), the rate of best customers among the
customers with that value, divided by the rate over everyone. Traits whose values have a
lift far from 1 discriminate; a prospect's look-alike score combines the lifts of its
values.

Two limits belong with the method. A lift is a correlation: recruiting more of a
high-lift profile raises the share of best customers only if the trait, not something that
travels with it, makes them good. And the rate must be measured over *everyone recruited*,
the leavers counted as not best: a profile drawn from today's best customers alone is
drawn from survivors (:func:`lookalike_lift` takes the whole cohort; the caller decides
who is in it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.segmentation._frame import require

__all__ = ["lookalike_lift", "lookalike_score"]


def _attributes(df: pd.DataFrame, attributes: Sequence[str], table: str) -> list[str]:
    attributes = [attributes] if isinstance(attributes, str) else list(attributes)
    if not attributes:
        raise ValueError("give at least one attribute to profile on")
    require(df, table, {a: None for a in attributes})
    for a in attributes:
        schema.check_rows(df, table, a, df[a].isna().to_numpy(), "missing value(s)")
    return attributes


def lookalike_lift(
    df: pd.DataFrame,
    target_col: str,
    attributes: Sequence[str],
    *,
    customer_col: str = "customer_id",
    table: str = "customers",
) -> pd.DataFrame:
    """Profile index of the best customers: lift of each value of each attribute.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer of the population profiled — to avoid survivorship bias,
        everyone recruited over a period, the customers who left included (as not best).
    target_col : str
        Boolean column: True for a best customer (e.g. in value class A).
    attributes : sequence of str
        Columns known at recruitment (channel, age band, life stage, first product...);
        numbers should be banded first (a lift per distinct value).
    customer_col : str, default "customer_id"
        Customer key (one row per customer).
    table : str, default "customers"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per attribute and value: ``attribute``, ``value``, ``customers``,
        ``targets`` (best customers among them), ``target_rate``, ``share_of_customers``,
        ``share_of_targets`` and ``lift`` (``target_rate`` over the overall rate, equal to
        ``share_of_targets / share_of_customers``: 1 is no difference), sorted by
        attribute (in the order given) and lift, highest first.

    Raises
    ------
    SchemaError
        A missing column, a missing attribute value, a non-boolean target, a duplicated
        customer.
    ValueError
        No attribute, or no best customer at all (every lift would be 0 / 0).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": range(1, 9),
    ...                    "channel": ["web"] * 4 + ["branch"] * 4,
    ...                    "best": [True, False, False, False, True, True, True, False]})
    >>> lookalike_lift(df, "best", ["channel"])[["value", "customers", "targets", "lift"]]
        value  customers  targets  lift
    0  branch          4        3   1.5
    1     web          4        1   0.5
    """
    attributes = _attributes(df, attributes, table)
    require(df, table, {customer_col: None, target_col: "bool"})
    schema.check_key(df, table, customer_col)
    target = df[target_col].to_numpy(dtype=bool)
    n, hits = len(df), int(target.sum())
    if hits == 0:
        raise ValueError(f"{table}.{target_col}: no best customer (no True value); "
                         "a lift needs at least one")
    rate = hits / n
    parts = []
    for a in attributes:
        grouped = (pd.DataFrame({"value": df[a].to_numpy(), "target": target})
                   .groupby("value", observed=True, sort=True)["target"].agg(["size", "sum"]))
        part = pd.DataFrame({
            "attribute": a,
            "value": grouped.index.to_numpy(dtype=object),
            "customers": grouped["size"].to_numpy(dtype=int),
            "targets": grouped["sum"].to_numpy(dtype=int),
        })
        part["target_rate"] = part["targets"] / part["customers"]
        part["share_of_customers"] = part["customers"] / n
        part["share_of_targets"] = part["targets"] / hits
        part["lift"] = part["target_rate"] / rate
        parts.append(part.sort_values(["lift", "customers"], ascending=False, kind="stable"))
    return pd.concat(parts, ignore_index=True)


def lookalike_score(
    df: pd.DataFrame,
    lifts: pd.DataFrame,
    *,
    smoothing: float = 20.0,
    customer_col: str = "customer_id",
    table: str = "prospects",
) -> pd.DataFrame:
    """Look-alike score of each prospect: the sum of the log-lifts of its attribute values.

    Each lift of :func:`lookalike_lift` is first shrunk towards 1 as if ``smoothing``
    average customers were added to its value (a value seen on few customers carries
    little evidence); a value the profile never saw counts as 1 (log-lift 0). Adding the
    log-lifts treats the attributes as independent (the naive-Bayes simplification): two
    traits that travel together are counted twice, so the score ranks prospects, it is
    not a probability.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per prospect, with every attribute of ``lifts``.
    lifts : pandas.DataFrame
        The output of :func:`lookalike_lift` (columns ``attribute``, ``value``,
        ``customers``, ``targets``, ``target_rate``, ``lift``).
    smoothing : float, default 20.0
        Weight of the prior (the overall rate), in customers; 0 uses the raw lifts (a
        value without any best customer then gives minus infinity).
    customer_col : str, default "customer_id"
        Prospect key.
    table : str, default "prospects"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``customer_col`` and ``lookalike_score`` (0: as likely as anyone to become a best
        customer; above 0: more), in the order of ``df``.

    Raises
    ------
    SchemaError
        A column missing from ``lifts`` or ``df``, a missing trait value, a duplicated
        prospect, a count of customers that is not positive or of best customers outside
        ``[0, customers]``.
    ValueError
        A negative smoothing, or a profile without any best customer.

    Examples
    --------
    >>> import pandas as pd
    >>> past = pd.DataFrame({"customer_id": range(1, 9),
    ...                      "channel": ["web"] * 4 + ["branch"] * 4,
    ...                      "best": [True, False, False, False, True, True, True, False]})
    >>> lifts = lookalike_lift(past, "best", ["channel"])
    >>> prospects = pd.DataFrame({"customer_id": [10, 11, 12],
    ...                           "channel": ["branch", "web", "phone"]})
    >>> lookalike_score(prospects, lifts, smoothing=0).round(3)
       customer_id  lookalike_score
    0           10            0.405
    1           11           -0.693
    2           12            0.000
    """
    require(lifts, "lifts", {"attribute": None, "value": None, "customers": "number",
                             "targets": "number", "target_rate": "number", "lift": "number"})
    schema.check_rows(lifts, "lifts", "customers", ~(lifts["customers"] > 0).to_numpy(),
                      "count(s) not positive")
    schema.check_rows(lifts, "lifts", "targets",
                      ((lifts["targets"] < 0) | (lifts["targets"] > lifts["customers"])).to_numpy(),
                      "best customers outside [0, customers]")
    if not (np.isfinite(smoothing) and smoothing >= 0):
        raise ValueError(f"smoothing must be a non-negative number, got {smoothing!r}")
    positive = lifts["lift"] > 0
    if not positive.any():
        raise ValueError("lifts: every lift is 0; the profile has no best customer")
    # the overall rate, read back from any row with a positive lift: rate = target_rate / lift
    rate = float((lifts.loc[positive, "target_rate"] / lifts.loc[positive, "lift"]).iloc[0])
    attributes = _attributes(df, list(dict.fromkeys(lifts["attribute"])), table)
    require(df, table, {customer_col: None})
    schema.check_key(df, table, customer_col)
    smoothed = ((lifts["targets"] + smoothing * rate) / (lifts["customers"] + smoothing)) / rate
    with np.errstate(divide="ignore"):
        log_lift = pd.Series(np.log(smoothed.to_numpy(dtype=float)),
                             index=pd.MultiIndex.from_arrays([lifts["attribute"],
                                                              lifts["value"].astype(object)]))
    score = np.zeros(len(df))
    for a in attributes:
        table_a = log_lift.xs(a, level=0)
        score += df[a].astype(object).map(table_a).fillna(0.0).to_numpy(dtype=float)
    return pd.DataFrame({customer_col: df[customer_col].to_numpy(), "lookalike_score": score})
