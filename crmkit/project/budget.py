"""Tap or drain: the same budget spent on acquisition or on retention.

Course chapter 7, "Tap or drain: a budget decision". The bathtub of chapter 2 becomes a
budget decision: what a saved customer costs, measured on the retention campaigns with
chapter 5's functions (:func:`crmkit.campaigns.pooled_uplift` for the customers saved,
:func:`crmkit.campaigns.campaign_roi` for the cost of the contacts), and what the same euro
buys on the tap or on the drain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit import loyalty, schema
from crmkit.campaigns import campaign_roi, pooled_uplift, trigger_family

__all__ = ["SavingCost", "cost_per_saved_customer", "budget_scenarios", "budget_summary", "break_even_cost_per_saved"]


@dataclass(frozen=True)
class SavingCost:
    """Result of :func:`cost_per_saved_customer`: what a retention action paid per customer
    it kept, with the range its test/control interval allows."""

    contacts: int
    cost: float
    saved: float
    saved_low: float
    saved_high: float

    @property
    def per_saved(self) -> float:
        """Cost per customer saved (the central estimate)."""
        return self.cost / self.saved if self.saved > 0 else float("inf")

    @property
    def per_saved_range(self) -> tuple[float, float]:
        """Cost per customer saved at the high and at the low end of the uplift interval."""
        low = self.cost / self.saved_high if self.saved_high > 0 else float("inf")
        high = self.cost / self.saved_low if self.saved_low > 0 else float("inf")
        return low, high


def cost_per_saved_customer(
    campaigns: pd.DataFrame,
    campaign_targets: pd.DataFrame,
    *,
    trigger: str = "churn_risk",
    gesture_cost: float = 0.0,
    confidence: float = 0.95,
) -> SavingCost:
    """The marginal cost of keeping a customer, measured on retention campaigns.

    The retention campaigns (trigger family ``trigger``) are pooled; their ``converted``
    outcome means "still a customer" (:func:`crmkit.campaigns.uplift`), so the
    uplift times the contacted is the number of customers the campaigns saved. The cost
    is the contacts at each campaign's ``cost_per_contact`` plus ``gesture_cost`` for each
    contacted customer who accepted the offer (``responded``).

    Parameters
    ----------
    campaigns : DataFrame
        The ``campaigns`` table (``campaign_id``, ``cost_per_contact``, ``trigger``).
    campaign_targets : DataFrame
        The ``campaign_targets`` table.
    trigger : str
        Trigger family of the retention campaigns (:func:`crmkit.campaigns.trigger_family`).
    gesture_cost : float
        Cost of the commercial gesture given to each contacted customer who accepted it,
        euros (>= 0).
    confidence : float
        Confidence level of the uplift's interval.

    Returns
    -------
    SavingCost
        The contacts, their cost, the customers saved with their interval; its
        ``per_saved`` and ``per_saved_range`` are the cost per customer saved.

    Raises
    ------
    ValueError
        When the retention campaigns hold out different shares of their targets
        (``campaigns.test_share``, when given): pooled, their difference would mix the
        campaigns instead of measuring them (Simpson's paradox).

    Examples
    --------
    >>> import pandas as pd
    >>> ca = pd.DataFrame({"campaign_id": [1], "cost_per_contact": [6.0],
    ...                    "trigger": ["churn_risk:incident"], "test_share": [0.8]})
    >>> tg = pd.DataFrame({"campaign_id": 1, "customer_id": range(100),
    ...     "group": ["test"] * 80 + ["control"] * 20,
    ...     "responded": [True] * 40 + [False] * 40 + [False] * 20,
    ...     "converted": [True] * 76 + [False] * 4 + [True] * 18 + [False] * 2})
    >>> s = cost_per_saved_customer(ca, tg, gesture_cost=20.0)
    >>> s.contacts, s.cost, round(s.saved, 2), round(s.per_saved, 1)
    (80, 1280.0, 4.0, 320.0)
    """
    if not gesture_cost >= 0:
        raise ValueError(f"gesture_cost must be >= 0, got {gesture_cost!r}")
    schema.validate(campaigns, "campaigns", columns=["campaign_id", "cost_per_contact",
                                                     "trigger"])
    schema.check_nonnegative(campaigns, "campaigns", "cost_per_contact")
    schema.validate(campaign_targets, "campaign_targets")
    family = trigger_family(campaigns)
    chosen = campaigns.loc[family == trigger]
    if chosen.empty:
        raise schema.SchemaError(f"campaigns.trigger: no campaign of the family {trigger!r}")
    targets = campaign_targets.loc[campaign_targets["campaign_id"].isin(chosen["campaign_id"])]
    schema.check_not_empty(targets, "campaign_targets")
    # chapter 5's functions behind both numbers: the customers saved are the pooled uplift
    # of the retention campaigns, the contacts cost what campaign_roi says they cost
    pooled = pooled_uplift(targets.assign(trigger_family=trigger), "trigger_family", chosen,
                           confidence=confidence).iloc[0]
    contacts_cost = campaign_roi(targets, chosen, margin_per_conversion=0.0)["cost"].sum()
    accepted = targets.loc[targets["group"].astype(str) == "test", "responded"].sum()
    cost = float(contacts_cost + gesture_cost * accepted)
    n = float(pooled["n_test"])
    return SavingCost(contacts=int(n), cost=cost, saved=float(pooled["uplift"] * n),
                      saved_low=float(pooled["ci_low"] * n),
                      saved_high=float(pooled["ci_high"] * n))


def budget_scenarios(
    params: loyalty.BathtubParameters,
    budget: float,
    *,
    cost_per_saved: float,
    periods: int = 10,
    discount_rate: float = 0.0,
) -> pd.DataFrame:
    """The same yearly budget spent on the tap or on the drain, from today's bathtub.

    Three runs of :func:`crmkit.loyalty.compare_bathtubs` from ``params.end_stock``:

    - ``baseline``: the year ``params`` measured, kept constant;
    - ``open_the_tap``: ``budget`` more acquisition each year, at ``params``' cost per
      customer won: ``budget / acquisition_cost`` more customers a year;
    - ``plug_the_drain``: the same ``budget`` (in the first year) spent on keeping
      customers at ``cost_per_saved`` each: the retention rate rises by
      ``budget / (cost_per_saved * end_stock)``, and the extra spend per customer is kept,
      so it follows the base as it grows.

    Parameters
    ----------
    params : crmkit.loyalty.BathtubParameters
        The measured year (:func:`crmkit.loyalty.bathtub_parameters`).
    budget : float
        Extra yearly budget, euros (> 0).
    cost_per_saved : float
        What keeping one more customer costs, euros (> 0), e.g. measured by
        :func:`cost_per_saved_customer`.
    periods : int
        Years simulated.
    discount_rate : float
        Yearly rate of the discounted profit.

    Returns
    -------
    DataFrame
        The stacked runs (``scenario``, ``period`` and :func:`crmkit.loyalty.bathtub`'s
        columns).

    Examples
    --------
    >>> from crmkit.loyalty import BathtubParameters
    >>> p = BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)
    >>> runs = budget_scenarios(p, 10_000, cost_per_saved=100.0, periods=1)
    >>> runs.set_index("scenario")[["acquired", "lost", "end_stock"]].round(1)  # doctest: +NORMALIZE_WHITESPACE
                    acquired   lost  end_stock
    scenario
    baseline           100.0  100.0     1000.0
    open_the_tap       150.0  100.0     1050.0
    plug_the_drain     100.0    0.0     1100.0
    """
    for name, v in (("budget", budget), ("cost_per_saved", cost_per_saved)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if not params.end_stock > 0:
        raise ValueError("params.end_stock must be > 0: the bathtub is empty")
    base = params.as_kwargs()
    gain = budget / (cost_per_saved * params.end_stock)
    retention = base["retention_rate"] + gain
    if retention > 1:
        raise ValueError(f"the budget buys {gain:.3f} of retention, more than the "
                         f"{1 - base['retention_rate']:.3f} lost each year: lower it")
    scenarios = {
        "baseline": base,
        "open_the_tap": base | {"acquired": base["acquired"]
                                + budget / base["acquisition_cost"]},
        "plug_the_drain": base | {"retention_rate": retention,
                                  "retention_cost": base["retention_cost"]
                                  + budget / params.end_stock},
    }
    return loyalty.compare_bathtubs(periods, scenarios, initial_customers=params.end_stock,
                                    discount_rate=discount_rate)


def budget_summary(runs: pd.DataFrame, *, discount_rate: float = 0.0,
                   baseline: str = "baseline") -> pd.DataFrame:
    """Per scenario, what the extra spend bought against the baseline.

    Parameters
    ----------
    runs : DataFrame
        :func:`budget_scenarios` output (``scenario``, ``period``, ``end_stock``,
        ``acquisition_spend``, ``retention_spend``, ``discounted_profit``).
    discount_rate : float
        Yearly rate at which the spend is discounted (that of the runs' profit).
    baseline : str
        The scenario the others are compared with.

    Returns
    -------
    DataFrame
        Index ``scenario`` (the baseline left out): ``end_stock``, ``extra_customers``,
        ``extra_spend`` and ``extra_profit`` (both discounted at ``discount_rate`` and
        summed over the periods; the profit is net of the spend) and ``profit_per_euro``
        (extra profit per extra euro spent).

    Examples
    --------
    >>> from crmkit.loyalty import BathtubParameters
    >>> p = BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)
    >>> runs = budget_scenarios(p, 10_000, cost_per_saved=100.0, periods=1)
    >>> s = budget_summary(runs)
    >>> s[["extra_customers", "extra_spend", "profit_per_euro"]]  # doctest: +NORMALIZE_WHITESPACE
                    extra_customers  extra_spend  profit_per_euro
    scenario
    open_the_tap               50.0      10000.0              1.0
    plug_the_drain            100.0      10000.0              3.0
    """
    schema.require_columns(runs, "runs", {"scenario": None, "period": "number",
                                          "end_stock": "number", "acquisition_spend": "number",
                                          "retention_spend": "number",
                                          "discounted_profit": "number"},
                           nonnegative=("end_stock", "acquisition_spend", "retention_spend"))
    if baseline not in set(runs["scenario"]):
        raise schema.SchemaError(f"runs.scenario: no {baseline!r} run to compare with")
    factor = (1 + discount_rate) ** runs["period"].to_numpy(dtype=float)
    frame = runs.assign(spend=(runs["acquisition_spend"] + runs["retention_spend"]) / factor)
    g = frame.groupby("scenario", sort=False)
    last = frame.loc[frame["period"] == frame["period"].max()].set_index("scenario")
    out = pd.DataFrame({"end_stock": last["end_stock"], "spend": g["spend"].sum(),
                        "profit": g["discounted_profit"].sum()})
    base = out.loc[baseline]
    out = out.drop(index=baseline)
    result = pd.DataFrame({
        "end_stock": out["end_stock"],
        "extra_customers": out["end_stock"] - base["end_stock"],
        "extra_spend": out["spend"] - base["spend"],
        "extra_profit": out["profit"] - base["profit"],
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        result["profit_per_euro"] = result["extra_profit"] / result["extra_spend"]
    return result.rename_axis("scenario")


def break_even_cost_per_saved(
    params: loyalty.BathtubParameters,
    budget: float,
    *,
    periods: int = 10,
    discount_rate: float = 0.0,
) -> float:
    """The cost per saved customer at which plugging the drain pays as much as opening the
    tap, per euro, over ``periods`` (:func:`budget_scenarios`, :func:`budget_summary`).

    Below it, retention is the better use of the budget; above it, acquisition.

    Parameters
    ----------
    params : crmkit.loyalty.BathtubParameters
        The measured year.
    budget : float
        Extra yearly budget, euros (> 0).
    periods : int
        Years simulated.
    discount_rate : float
        Yearly discount rate.

    Returns
    -------
    float
        The break-even cost per saved customer, euros; NaN when even the cheapest saving
        the budget can buy loses to the tap, ``inf`` when retention wins at any cost.

    Examples
    --------
    >>> from crmkit.loyalty import BathtubParameters
    >>> p = BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)
    >>> round(break_even_cost_per_saved(p, 10_000, periods=1))
    200
    """
    from scipy.optimize import brentq

    def gap(cost: float) -> float:
        runs = budget_scenarios(params, budget, cost_per_saved=cost, periods=periods,
                                discount_rate=discount_rate)
        ppe = budget_summary(runs, discount_rate=discount_rate)["profit_per_euro"]
        return float(ppe["plug_the_drain"] - ppe["open_the_tap"])

    # the cheapest saving the budget can buy keeps every customer; beyond that, no solution
    low = budget / ((1 - params.retention_rate) * params.end_stock) * (1 + 1e-9)
    high = 1_000 * max(params.acquisition_cost, low)
    if gap(low) < 0:
        return float("nan")  # even the cheapest saving loses to the tap
    if gap(high) > 0:
        return float("inf")
    return float(brentq(gap, low, high, xtol=1e-6, rtol=1e-10))
