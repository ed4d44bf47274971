"""Exercises of Chapter 3, segmentation (ids ``ch3.<name>``).

Each exercise registers a function that computes the expected answer, at check time, from
the table the student worked on (passed to :func:`crmkit.exercises.check` as a keyword
input): the answer is never written in the notebook, in a message or in a hint.

================================  ===============================  ===========================
exercise                          inputs                           answer
================================  ===============================  ===========================
``ch3.top5_profit_share``         ``customers`` (direct profit)    a share between 0 and 1
``ch3.lookalike_two_traits_auc``  ``cohort``, ``prospects``        an AUC between 0 and 1
``ch3.champions_lift``            ``rfm`` (segments, outcome)      a ratio
``ch3.non_priority_q75``          ``insurer`` (matrix inputs)      a number of customers
``ch3.class_a_stay``              ``before``, ``after`` (ABC)      a share between 0 and 1
``ch3.pooled_channel_mde``        ``customers``, ``control_rate``  uplifts by channel (Series)
================================  ===============================  ===========================

Examples
--------
>>> import pandas as pd
>>> from crmkit.exercises import check
>>> rfm = pd.DataFrame({"customer_id": [1, 2, 3, 4],
...                     "rfm_segment": ["champions", "champions", "hibernating", "hibernating"],
...                     "deposit_next_year": [1.0, 1.0, 0.0, 1.0]})
>>> check("ch3.champions_lift", 4 / 3, rfm=rfm).correct
True
>>> check("ch3.champions_lift", 1.0, rfm=rfm).correct
False
"""

from __future__ import annotations

import pandas as pd

from crmkit.exercises._core import _table, register

__all__: list[str] = []


@register(
    "ch3.top5_profit_share",
    hint="Rank the customers by direct profit, best first, keep the best 5 % of them and "
         "divide their direct profit by the total direct profit of all customers "
         "(crmkit.segmentation.top_share does it). Give a fraction between 0 and 1.",
    tolerance=0.001,
    explanation="Profit is far more concentrated than revenue: a thin top carries a large "
                "part of the margin, and the tail of the whale curve gives some of it back.",
)
def _top5_profit_share(customers: pd.DataFrame | None = None) -> float:
    from crmkit.segmentation import top_share  # imported here: crmkit.exercises stays light

    df = _table(customers, "customers", {"customer_id": None, "direct_profit": "number"})
    return top_share(df, "direct_profit", 0.05)


@register(
    "ch3.champions_lift",
    hint="A lift compares a group with everyone: divide the champions' rate of depositing "
         "the next year by the same rate over all the scored customers.",
    tolerance=0.005,
    explanation="The best RFM cell is worth several times the average customer: the reason "
                "direct marketers mail the top cells first.",
)
def _champions_lift(rfm: pd.DataFrame | None = None) -> float:
    df = _table(rfm, "rfm", {"customer_id": None, "rfm_segment": None,
                             "deposit_next_year": "number"})
    champions = df.loc[df["rfm_segment"].astype(str) == "champions", "deposit_next_year"]
    if champions.empty:
        raise ValueError("rfm: no customer in the champions segment")
    return float(champions.mean() / df["deposit_next_year"].mean())


@register(
    "ch3.non_priority_q75",
    hint="Call crmkit.segmentation.profitability_matrix on the insurer's table with "
         "current_col='insurer_margin', potential_threshold set to the 0.75 quantile of the "
         "potential column, and the same three checks as in the text (reference, recent life "
         "events at least 1, bank customer); then count the non_priority customers.",
    explanation="A stricter potential cut-off sends more customers to the low-potential "
                "row; the three checks still protect many of them.",
)
def _non_priority_q75(insurer: pd.DataFrame | None = None) -> int:
    from crmkit.segmentation import profitability_matrix

    df = _table(insurer, "insurer",
                {"customer_id": None, "insurer_margin": "number", "potential": "number",
                 "reference": "bool", "recent_life_events": "int", "bank_customer": "bool"})
    mat = profitability_matrix(
        df, current_col="insurer_margin", potential_col="potential",
        potential_threshold=float(df["potential"].quantile(0.75)),
        reference_col="reference", growth_col="recent_life_events", growth_threshold=1,
        other_division_col="bank_customer", table="insurer",
    )
    return int(mat["non_priority"].sum())


@register(
    "ch3.class_a_stay",
    hint="Build the migration matrix from the first date to the second (rows: class at the "
         "first date, shares per row) and read the cell where row A meets column A.",
    tolerance=0.001,
    explanation="Classes built on contractual revenue barely move from one year to the "
                "next; behavioural segments move far more.",
)
def _class_a_stay(before: pd.DataFrame | None = None, after: pd.DataFrame | None = None) -> float:
    from crmkit.segmentation import migration_matrix

    cols = {"customer_id": None, "abc_class": None}
    b = _table(before, "before", cols).rename(columns={"abc_class": "segment"})
    a = _table(after, "after", cols).rename(columns={"abc_class": "segment"})
    return float(migration_matrix(b[["customer_id", "segment"]],
                                  a[["customer_id", "segment"]]).loc["A", "A"])


@register(
    "ch3.lookalike_two_traits_auc",
    hint="Build the lift table of the 2015-2019 cohort on acquisition_channel and age_band "
         "only (crmkit.segmentation.lookalike_lift with the best flag), score the later "
         "recruits with crmkit.segmentation.lookalike_score (default smoothing), then compute "
         "the AUC of their score against their best flag (sklearn.metrics.roc_auc_score).",
    tolerance=0.005,
    explanation="Two traits a media plan can target already rank the recruits well above "
                "chance; on the course market the life stage and the first product add little "
                "to them.",
)
def _lookalike_two_traits_auc(cohort: pd.DataFrame | None = None,
                              prospects: pd.DataFrame | None = None) -> float:
    from sklearn.metrics import roc_auc_score

    from crmkit.segmentation import lookalike_lift, lookalike_score

    traits = ["acquisition_channel", "age_band"]
    cols = {"customer_id": None, "best": "bool", **{t: None for t in traits}}
    co = _table(cohort, "cohort", cols)
    pr = _table(prospects, "prospects", cols)
    if pr["best"].nunique() < 2:
        raise ValueError("prospects: an AUC needs both best and other recruits")
    scores = lookalike_score(pr, lookalike_lift(co, "best", traits, table="cohort"))
    return float(roc_auc_score(pr["best"].to_numpy(dtype=bool), scores["lookalike_score"]))


@register(
    "ch3.pooled_channel_mde",
    hint="Pool the customers by preferred channel only, count each pool, and give each pool "
         "the smallest uplift a test on all of it detects "
         "(crmkit.campaigns.minimum_detectable_uplift with the control groups' conversion "
         "rate): a Series indexed by the channel keys, as fractions.",
    tolerance=0.001,
    explanation="Pooled by channel alone, the largest groups can test a realistic uplift; "
                "the smallest still cannot.",
)
def _pooled_channel_mde(customers: pd.DataFrame | None = None,
                        control_rate: float | None = None) -> pd.Series:
    from crmkit.campaigns import minimum_detectable_uplift

    df = _table(customers, "customers", {"customer_id": None, "preferred_channel": None})
    if control_rate is None or not 0 < float(control_rate) < 1:
        raise ValueError("pass the control groups' conversion rate: check(..., control_rate=...)")
    sizes = df.groupby(df["preferred_channel"].astype(str)).size()
    return pd.Series({channel: minimum_detectable_uplift(int(n), float(control_rate))
                      for channel, n in sizes.items()}, name="detectable_uplift")
