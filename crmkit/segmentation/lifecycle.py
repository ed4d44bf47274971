"""Lifecycle segmentation: the customer's life stage and the speed of passage between stages.

The lecture slides ("segmentation par le cycle de vie") associate each customer with a consumption
cycle driven by the phases and events of their life — useful where equipment cycles are
long and renew, as in banking and insurance — and measures the customer against the norm:
the speed of passage from one stage to the next indicates their potential.

From the ``life_events`` table (one row per event with the stage before and after) this
module builds *spells* (one stretch of time in one stage), the *norms* (median age at entry
and median time spent per stage over all customers), and for each customer the current
stage with its pace: ``ahead`` (entered the stage younger than the norm by more than a
tolerance), ``on_norm``, ``behind``, or ``unknown`` (entry not observed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import french_label_aliases
from crmkit._docs import fill
from crmkit.segmentation._frame import ordered_categorical, require, snapshot

__all__ = ["stage_spells", "stage_norms", "lifecycle_segments", "PACES"]

PACES = ("ahead", "on_norm", "behind", "unknown")

# the French labels live in crmkit/data/labels.yaml; the old dict is read from there one release
__getattr__ = french_label_aliases(__name__, {"PACE_LABELS_FR": ("lifecycle_pace", PACES)})
_YEAR = pd.Timedelta(days=365.25)


#: Parameter docs of the functions reading the life events (``crmkit._docs.fill``).
_DOCS = {
    "as_of": """\
as_of : date-like, optional
    Date of the snapshot (default: the last event).""",
    "event_columns": """\
customer_col, date_col : str
    Customer key and event date columns.
before_col, after_col : str
    Stage before and after each event.
birth_col : str, default "birth_date"
    Birth date column of ``customers``.""",
}


@fill(**_DOCS)
def stage_spells(
    life_events: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    as_of=None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    before_col: str = "stage_before",
    after_col: str = "stage_after",
    birth_col: str = "birth_date",
) -> pd.DataFrame:
    """One row per spell of a customer in a life stage, up to ``as_of``.

    Only events that change the stage (``stage_before != stage_after``) open a spell; the
    stage before a customer's first event is a spell whose entry is unknown (``entered``
    is NaT). A spell still running at ``as_of`` is censored (``completed`` False).

    Parameters
    ----------
    life_events, customers : pandas.DataFrame
        The market's ``life_events`` and ``customers`` tables.
    {as_of}
    {event_columns}

    Returns
    -------
    DataFrame
        ``customer_id``, ``stage``, ``entered``, ``left``, ``completed``,
        ``age_at_entry`` and ``years_in_stage`` (up to ``left`` or ``as_of``), sorted by
        customer and entry.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"customer_id": [1, 1, 1],
    ...     "date": pd.to_datetime(["2010-01-01", "2012-06-01", "2014-01-01"]),
    ...     "event": ["marriage", "car_purchase", "birth"],
    ...     "stage_before": ["single", "couple", "couple"],
    ...     "stage_after": ["couple", "couple", "family"]})
    >>> cu = pd.DataFrame({"customer_id": [1], "birth_date": pd.to_datetime(["1985-01-01"])})
    >>> stage_spells(ev, cu, as_of="2016-01-01")[
    ...     ["stage", "completed", "age_at_entry", "years_in_stage"]].round(1)
        stage  completed  age_at_entry  years_in_stage
    0  single       True           NaN             NaN
    1  couple       True          25.0             4.0
    2  family      False          29.0             2.0
    """
    require(
        life_events, "life_events",
        {customer_col: None, date_col: "datetime", before_col: "string", after_col: "string"},
    )
    require(customers, "customers", {customer_col: None, birth_col: "datetime"})
    schema.check_unique(customers, "customers", customer_col)
    ev, as_of = snapshot(life_events, "life_events", date_col, as_of)
    birth = customers.set_index(customer_col)[birth_col]
    ev = ev.assign(_birth=ev[customer_col].map(birth))
    schema.check_rows(
        ev, "life_events", customer_col, ev["_birth"].isna(),
        "not in the customers table (or no birth date)",
    )
    schema.check_dates_ordered(ev.rename(columns={"_birth": birth_col}), "life_events",
                               birth_col, date_col)
    ev = ev.sort_values([customer_col, date_col], kind="stable")
    # only events that change the stage open a spell (a car purchase keeps the stage)
    moves = ev.loc[(ev[before_col].astype(str) != ev[after_col].astype(str)).to_numpy()]
    cust = moves[customer_col].to_numpy()
    dates = moves[date_col].to_numpy()
    last = np.r_[cust[1:] != cust[:-1], True]
    next_date = np.r_[dates[1:], dates[-1:]]
    after = pd.DataFrame(
        {
            customer_col: cust,
            "stage": moves[after_col].astype(str).to_numpy(),
            "entered": dates,
            "left": np.where(last, np.datetime64("NaT"), next_date).astype(dates.dtype),
            "_birth": moves["_birth"].to_numpy(),
        }
    )
    # the stage each customer was in before their first event, left at the first move
    first = ev.drop_duplicates(customer_col)
    first_move = moves.drop_duplicates(customer_col).set_index(customer_col)[date_col]
    initial = pd.DataFrame(
        {
            customer_col: first[customer_col].to_numpy(),
            "stage": first[before_col].astype(str).to_numpy(),
            "entered": pd.NaT,
            # reindex keeps the date dtype even when no event changes the stage
            "left": first_move.reindex(first[customer_col].to_numpy()).to_numpy(),
            "_birth": first["_birth"].to_numpy(),
        }
    ).astype({"entered": ev[date_col].dtype, "left": ev[date_col].dtype})
    spells = pd.concat([initial, after], ignore_index=True)
    spells = spells.sort_values([customer_col, "left"], kind="stable", na_position="last")
    spells["completed"] = spells["left"].notna()
    spells["age_at_entry"] = (spells["entered"] - spells["_birth"]) / _YEAR
    end = spells["left"].fillna(as_of)
    spells["years_in_stage"] = (end - spells["entered"]) / _YEAR
    return spells.drop(columns="_birth").reset_index(drop=True)


def stage_norms(spells: pd.DataFrame, *, table: str = "spells") -> pd.DataFrame:
    """The norm of each stage: median age at entry and median time spent in it.

    Only spells with an observed entry count for the age, only completed ones for the
    time spent.

    Parameters
    ----------
    spells : pandas.DataFrame
        Spells as :func:`stage_spells` gives them.
    table : str, default "spells"
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per stage: ``stage``, ``entries``, ``norm_age_at_entry`` and
        ``norm_years_in_stage``.

    Examples
    --------
    >>> import pandas as pd
    >>> sp = pd.DataFrame({"stage": ["couple"] * 3, "completed": [True, True, False],
    ...                    "age_at_entry": [25.0, 30.0, 28.0],
    ...                    "years_in_stage": [4.0, 2.0, 1.0]})
    >>> stage_norms(sp)
        stage  entries  norm_age_at_entry  norm_years_in_stage
    0  couple        3               28.0                  3.0
    """
    require(
        spells, table,
        {"stage": "string", "completed": "bool", "age_at_entry": "number",
         "years_in_stage": "number"},
        nullable=("age_at_entry", "years_in_stage"),
    )
    seen = spells.loc[spells["age_at_entry"].notna()]
    done = seen.loc[seen["completed"]]
    return pd.DataFrame(
        {
            "entries": seen.groupby("stage").size(),
            "norm_age_at_entry": seen.groupby("stage")["age_at_entry"].median(),
            "norm_years_in_stage": done.groupby("stage")["years_in_stage"].median(),
        }
    ).rename_axis("stage").reset_index()


@fill(**_DOCS)
def lifecycle_segments(
    life_events: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    as_of=None,
    tolerance_years: float = 2.0,
    customer_col: str = "customer_id",
    date_col: str = "date",
    before_col: str = "stage_before",
    after_col: str = "stage_after",
    birth_col: str = "birth_date",
) -> pd.DataFrame:
    """Each customer's current life stage and pace against the norm of that stage.

    Parameters
    ----------
    life_events, customers : DataFrame
        The market's ``life_events`` and ``customers`` tables (only customers with at least
        one event appear in the result).
    {as_of}
    tolerance_years : float, default 2.0
        How far from the norm's age at entry a customer must be to count as ahead or behind.
    {event_columns}

    Returns
    -------
    DataFrame
        One row per customer: ``stage``, ``entered``, ``age_at_entry``,
        ``norm_age_at_entry``, ``years_ahead`` (norm minus own age at entry),
        ``pace`` (:data:`PACES`), ``years_in_stage``, ``norm_years_in_stage`` and
        ``transition_due`` (longer in the stage than the norm: the next life event, and
        the needs it brings, is due).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"customer_id": [1, 2, 3],
    ...     "date": pd.to_datetime(["2010-01-01", "2012-01-01", "2015-01-01"]),
    ...     "stage_before": ["single"] * 3, "stage_after": ["couple"] * 3})
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3],
    ...     "birth_date": pd.to_datetime(["1990-01-01", "1982-01-01", "1980-01-01"])})
    >>> seg = lifecycle_segments(ev, cu, as_of="2016-01-01")
    >>> seg[["customer_id", "stage", "pace"]]
       customer_id   stage     pace
    0            1  couple    ahead
    1            2  couple  on_norm
    2            3  couple   behind
    """
    if not tolerance_years >= 0:
        raise ValueError(f"tolerance_years must be >= 0, got {tolerance_years!r}")
    spells = stage_spells(
        life_events, customers, as_of=as_of, customer_col=customer_col, date_col=date_col,
        before_col=before_col, after_col=after_col, birth_col=birth_col,
    )
    norms = stage_norms(spells)
    current = spells.loc[~spells["completed"]].merge(norms, on="stage", how="left")
    ahead = current["norm_age_at_entry"] - current["age_at_entry"]
    pace = np.select(
        [ahead.isna(), ahead > tolerance_years, ahead < -tolerance_years],
        ["unknown", "ahead", "behind"],
        default="on_norm",
    )
    return pd.DataFrame(
        {
            customer_col: current[customer_col].to_numpy(),
            "stage": current["stage"].to_numpy(),
            "entered": current["entered"].to_numpy(),
            "age_at_entry": current["age_at_entry"].to_numpy(),
            "norm_age_at_entry": current["norm_age_at_entry"].to_numpy(),
            "years_ahead": ahead.to_numpy(),
            "pace": ordered_categorical(pace, PACES),
            "years_in_stage": current["years_in_stage"].to_numpy(),
            "norm_years_in_stage": current["norm_years_in_stage"].to_numpy(),
            "transition_due": (
                current["years_in_stage"] > current["norm_years_in_stage"]
            ).to_numpy(),
        }
    )
