"""Campaigns and direct marketing: test and control groups, response, uplift, breakeven, ROI.

Direct marketing expects a *measurable* response (seed 001). Measuring it honestly needs a
control group: customers selected like the targets but, at random, not contacted. What
the campaign caused is the difference between the two groups (the *uplift*), not the
response of the contacted group, part of which would have happened anyway (Radcliffe &
Surry 2011; Hughes 2005, *Strategic Database Marketing*).

Functions
---------
- :func:`assign_groups` — random test/control split, reproducible (seed), stratified;
- :func:`response_rates` — response and conversion per campaign and group;
- :func:`uplift` / :func:`uplift_interval` — uplift with a Newcombe or Wald interval;
- :func:`breakeven` — units (or responses) needed to pay for an operation (seed 001);
- :func:`campaign_roi` — ROI on the incremental margin, next to the naive one;
- :func:`sample_size` / :func:`minimum_detectable_uplift` — how many targets to detect an
  uplift with a given power;
- :func:`run_waves` — a multi-wave campaign through a contact policy, each wave counting
  the contacts already sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import norm

from crmkit import schema
from crmkit.market import running_on

__all__ = [
    "Breakeven",
    "SampleSize",
    "assign_groups",
    "response_rates",
    "uplift_interval",
    "uplift",
    "breakeven",
    "campaign_roi",
    "sample_size",
    "minimum_detectable_uplift",
    "run_waves",
]

_TARGETS = ["campaign_id", "customer_id", "group", "responded", "converted"]


# ---------------------------------------------------------------------------------------
# design
# ---------------------------------------------------------------------------------------
def assign_groups(
    targets: pd.DataFrame,
    control_share: float = 0.1,
    seed: int = 0,
    strata: str | list[str] | None = None,
    id_column: str = "customer_id",
) -> pd.DataFrame:
    """Split selected targets at random into a test group (contacted) and a control group.

    Within each stratum (e.g. value segment x region) exactly
    ``round(n * control_share)`` targets go to control, so the groups have the same mix
    on the strata and the comparison is not biased by them. The draw depends only on the
    seed and the targets' ids, not on the row order.

    Parameters
    ----------
    targets : DataFrame
        One row per selected target, with ``id_column`` (unique) and the strata columns.
    control_share : float
        Share of each stratum held out, in (0, 1).
    seed : int
        Random seed: the same seed gives the same split.
    strata : str or list of str, optional
        Columns to stratify on.
    id_column : str
        Target key.

    Returns
    -------
    DataFrame
        ``targets`` with a ``group`` column (``"test"`` / ``"control"``), same index/order.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"customer_id": range(1, 11), "segment": ["A"] * 5 + ["B"] * 5})
    >>> g = assign_groups(t, control_share=0.2, seed=1, strata="segment")
    >>> g.groupby("segment")["group"].value_counts().unstack()["control"].tolist()
    [1, 1]
    """
    if not 0 < control_share < 1:
        raise ValueError(f"control_share must be in (0, 1), got {control_share}")
    cols = [] if strata is None else [strata] if isinstance(strata, str) else list(strata)
    schema.check_not_empty(targets, "targets")
    schema.check_columns(targets, "targets", [id_column, *cols])
    schema.check_no_missing(targets, "targets", id_column)
    schema.check_unique(targets, "targets", id_column)
    for c in cols:
        schema.check_no_missing(targets, "targets", c)
    # sort by id so the draw does not depend on the row order
    order = np.argsort(targets[id_column].to_numpy(), kind="stable")
    u = np.empty(len(targets))
    u[order] = np.random.default_rng(seed).random(len(targets))
    stratum = (targets.groupby(cols, sort=True).ngroup().to_numpy() if cols
               else np.zeros(len(targets), dtype=np.int64))
    frame = pd.DataFrame({"s": stratum, "u": u})
    rank = frame.groupby("s")["u"].rank(method="first").to_numpy()
    size = frame.groupby("s")["u"].transform("size").to_numpy()
    n_control = np.floor(size * control_share + 0.5)
    out = targets.copy()
    out["group"] = pd.array(np.where(rank <= n_control, "control", "test"), dtype="str")
    return out


# ---------------------------------------------------------------------------------------
# measurement
# ---------------------------------------------------------------------------------------
def _validate_targets(targets: pd.DataFrame) -> None:
    schema.validate(targets, "campaign_targets", columns=_TARGETS)


def response_rates(targets: pd.DataFrame) -> pd.DataFrame:
    """Response and conversion rates per campaign and group.

    Parameters
    ----------
    targets : DataFrame
        The ``campaign_targets`` table.

    Returns
    -------
    DataFrame
        Indexed by (``campaign_id``, ``group``): ``targets``, ``responses``,
        ``response_rate``, ``conversions``, ``conversion_rate``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"campaign_id": [1] * 4, "customer_id": [1, 2, 3, 4],
    ...     "group": ["test", "test", "test", "control"],
    ...     "responded": [True, True, False, False], "converted": [True, False, False, False]})
    >>> response_rates(t)["response_rate"].round(3).tolist()
    [0.0, 0.667]
    """
    _validate_targets(targets)
    g = targets.groupby(["campaign_id", "group"])
    out = pd.DataFrame(
        {"targets": g.size(), "responses": g["responded"].sum(),
         "conversions": g["converted"].sum()}
    )
    out.insert(2, "response_rate", out["responses"] / out["targets"])
    out["conversion_rate"] = out["conversions"] / out["targets"]
    return out


def _wilson(x, n, z):
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def uplift_interval(
    x_test, n_test, x_control, n_control, confidence: float = 0.95, method: str = "newcombe"
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of the difference of two proportions, test minus control.

    Parameters
    ----------
    x_test, n_test, x_control, n_control : array-like of int
        Successes and sizes of the two groups (vectorised over campaigns).
    confidence : float
        Confidence level.
    method : {"newcombe", "wald"}
        ``"newcombe"``: the hybrid score interval built from the two Wilson intervals
        (Newcombe 1998, method 10), good with small counts and rates near 0;
        ``"wald"``: estimate +/- z * standard error (textbook, poor for rare responses).

    Returns
    -------
    low, high : ndarray

    Examples
    --------
    Newcombe's (1998) worked example, 56/70 vs 48/80:

    >>> low, high = uplift_interval(56, 70, 48, 80)
    >>> round(float(low), 4), round(float(high), 4)
    (0.0524, 0.3339)
    >>> low, high = uplift_interval(56, 70, 48, 80, method="wald")
    >>> round(float(low), 4), round(float(high), 4)
    (0.0575, 0.3425)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if method not in ("newcombe", "wald"):
        raise ValueError(f"method must be 'newcombe' or 'wald', got {method!r}")
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x_test, n_test, x_control, n_control))
    if (n1 <= 0).any() or (n2 <= 0).any():
        raise ValueError("group sizes must be positive")
    if ((x1 < 0) | (x1 > n1) | (x2 < 0) | (x2 > n2)).any():
        raise ValueError("successes must lie between 0 and the group size")
    z = norm.ppf(0.5 + confidence / 2)
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    if method == "wald":
        half = z * np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        return d - half, d + half
    l1, u1 = _wilson(x1, n1, z)
    l2, u2 = _wilson(x2, n2, z)
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def uplift(
    targets: pd.DataFrame,
    outcome: str = "converted",
    confidence: float = 0.95,
    method: str = "newcombe",
) -> pd.DataFrame:
    """Uplift of each campaign: test rate minus control rate, with its interval and test.

    Parameters
    ----------
    targets : DataFrame
        The ``campaign_targets`` table. A campaign without a control (or test) group gets
        NaN uplift, interval and test.
    outcome : {"converted", "responded"}
        The behaviour measured.
    confidence : float
        Confidence level of the interval.
    method : {"newcombe", "wald"}
        Interval method, see :func:`uplift_interval`.

    Returns
    -------
    DataFrame
        Indexed by ``campaign_id``: ``n_test``, ``n_control``, ``rate_test``,
        ``rate_control``, ``uplift``, ``ci_low``, ``ci_high``, ``z`` and ``p_value`` of
        the pooled two-proportion z test (two-sided), and ``incremental`` = uplift x
        n_test, the outcomes the campaign caused.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"campaign_id": 1, "customer_id": range(150),
    ...     "group": ["test"] * 70 + ["control"] * 80,
    ...     "responded": False, "converted": [True] * 56 + [False] * 14 + [True] * 48 + [False] * 32})
    >>> u = uplift(t)
    >>> u[["uplift", "ci_low", "ci_high"]].round(4).iloc[0].tolist()
    [0.2, 0.0524, 0.3339]
    """
    if outcome not in ("converted", "responded"):
        raise ValueError(f"outcome must be 'converted' or 'responded', got {outcome!r}")
    _validate_targets(targets)
    return _uplift_frame(_group_counts(targets, ["campaign_id"], outcome), confidence, method)


def _group_counts(targets: pd.DataFrame, by: list[str], outcome: str) -> pd.DataFrame:
    """Sizes and successes of the test and control groups per value of ``by``."""
    g = targets.assign(_group=targets["group"].astype(str)).groupby(
        [*by, "_group"], observed=True)
    counts = g[outcome].agg(["size", "sum"]).unstack("_group")
    return counts.reindex(columns=pd.MultiIndex.from_product(
        [["size", "sum"], ["test", "control"]]), fill_value=0).fillna(0)


def _uplift_frame(counts: pd.DataFrame, confidence: float, method: str) -> pd.DataFrame:
    """The uplift table of :func:`uplift` from :func:`_group_counts` output."""
    n1, n2 = counts[("size", "test")].to_numpy(float), counts[("size", "control")].to_numpy(float)
    x1, x2 = counts[("sum", "test")].to_numpy(float), counts[("sum", "control")].to_numpy(float)
    # a campaign without a test or a control group (a tiny campaign where the draw put
    # everybody on one side) has no measurable uplift: NaN, not an error
    both = (n1 > 0) & (n2 > 0)
    low, high = np.full(len(n1), np.nan), np.full(len(n1), np.nan)
    if both.any():
        low[both], high[both] = uplift_interval(x1[both], n1[both], x2[both], n2[both],
                                                confidence, method)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        pooled = (x1 + x2) / (n1 + n2)
        se0 = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = np.where(~both, np.nan, np.where(se0 > 0, (p1 - p2) / se0, 0.0))
    return pd.DataFrame(
        {
            "n_test": n1.astype(np.int64), "n_control": n2.astype(np.int64),
            "rate_test": p1, "rate_control": p2, "uplift": p1 - p2,
            "ci_low": low, "ci_high": high, "z": z, "p_value": 2 * norm.sf(np.abs(z)),
            "incremental": (p1 - p2) * n1,
        },
        index=counts.index,
    )


# ---------------------------------------------------------------------------------------
# economics
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Breakeven:
    """Breakeven of a direct-marketing operation.

    Attributes
    ----------
    total_cost : float
        Fixed cost + contacts x cost per contact.
    units : float
        Units to sell to cover the cost (total cost / margin per unit).
    units_rounded : int
        The same, rounded up: what the operation must actually sell.
    response_rate : float
        Share of the contacts that must buy (units / contacts / units per response).
    """

    total_cost: float
    units: float
    units_rounded: int
    response_rate: float


def breakeven(
    n_contacts: int,
    cost_per_contact: float,
    margin_per_unit: float,
    fixed_cost: float = 0.0,
    units_per_response: float = 1.0,
) -> Breakeven:
    """Number of units to sell (and response rate to reach) to pay for an operation.

    Seed 001 defines the breakeven of a marketing operation as the number of articles it
    must sell to cover its cost: (fixed cost + contacts x cost per contact) / unit margin.

    Parameters
    ----------
    n_contacts : int
        Contacts made.
    cost_per_contact : float
        Cost of one contact (print, postage, call time...), euros.
    margin_per_unit : float
        Margin on one unit sold, euros (> 0).
    fixed_cost : float
        Design, creation, data selection, euros.
    units_per_response : float
        Units bought per responding customer.

    Returns
    -------
    Breakeven

    Examples
    --------
    A mailing to 20,000 customers at 0.80 euro each plus 4,000 euros of creation, selling
    a product with a 25 euro margin, must sell 800 units: a 4 % response rate.

    >>> b = breakeven(20_000, 0.80, 25.0, fixed_cost=4_000)
    >>> b.total_cost, b.units_rounded, b.response_rate
    (20000.0, 800, 0.04)
    """
    for name, v in [("n_contacts", n_contacts), ("cost_per_contact", cost_per_contact),
                    ("fixed_cost", fixed_cost)]:
        if not v >= 0:
            raise ValueError(f"{name} must be >= 0, got {v}")
    if not margin_per_unit > 0:
        raise ValueError(f"margin_per_unit must be > 0, got {margin_per_unit}")
    if not units_per_response > 0:
        raise ValueError(f"units_per_response must be > 0, got {units_per_response}")
    total = float(fixed_cost + n_contacts * cost_per_contact)
    units = total / margin_per_unit
    rate = units / units_per_response / n_contacts if n_contacts else float("inf")
    return Breakeven(total_cost=total, units=units, units_rounded=int(np.ceil(units - 1e-9)),
                     response_rate=float(rate))


def campaign_roi(
    targets: pd.DataFrame,
    campaigns: pd.DataFrame,
    margin_per_conversion: float | pd.Series,
    fixed_cost: float | pd.Series = 0.0,
) -> pd.DataFrame:
    """Return on investment of each campaign, on the margin it caused.

    The naive ROI credits the campaign with every conversion of the contacted group; the
    incremental ROI only with the uplift (test minus control rate) times the contacted
    targets. Only the test group is contacted, so only it costs.

    Parameters
    ----------
    targets : DataFrame
        The ``campaign_targets`` table.
    campaigns : DataFrame
        The ``campaigns`` table (``campaign_id``, ``cost_per_contact``).
    margin_per_conversion : float or Series indexed by campaign_id
        Margin of one conversion (e.g. the product's margin over its expected life).
    fixed_cost : float or Series indexed by campaign_id
        Fixed cost of each campaign.

    Returns
    -------
    DataFrame
        Indexed by ``campaign_id``: ``cost``, ``conversions`` (test group),
        ``incremental_conversions``, ``naive_margin``, ``incremental_margin``,
        ``naive_roi``, ``roi`` (= (incremental margin - cost) / cost). A campaign whose
        targets are all in the control group contacted nobody: 0 conversions and 0
        incremental conversions, a ROI of -1 if it had a fixed cost, undefined (NaN)
        if it cost nothing.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"campaign_id": 7, "customer_id": range(200),
    ...     "group": ["test"] * 100 + ["control"] * 100, "responded": False,
    ...     "converted": [True] * 10 + [False] * 90 + [True] * 4 + [False] * 96})
    >>> c = pd.DataFrame({"campaign_id": [7], "cost_per_contact": [2.0]})
    >>> campaign_roi(t, c, margin_per_conversion=50.0)[["cost", "naive_roi", "roi"]]  # doctest: +NORMALIZE_WHITESPACE
                  cost  naive_roi  roi
    campaign_id
    7            200.0        1.5  0.5
    """
    _validate_targets(targets)
    schema.validate(campaigns, "campaigns", columns=["campaign_id", "cost_per_contact"])
    schema.check_nonnegative(campaigns, "campaigns", "cost_per_contact")
    up = uplift(targets)
    camp = campaigns.set_index("campaign_id")
    missing = ~up.index.isin(camp.index)
    if missing.any():
        bad = targets["campaign_id"].isin(up.index[missing])
        schema._fail("campaign_targets", "campaign_id", "not in the campaigns table", bad, targets)

    def per_campaign(v, name):
        s = v.reindex(up.index) if isinstance(v, pd.Series) else pd.Series(v, index=up.index)
        if s.isna().any() or (s < 0).any():
            raise ValueError(f"{name} must be given and >= 0 for every campaign")
        return s.astype(float)

    margin = per_campaign(margin_per_conversion, "margin_per_conversion")
    fixed = per_campaign(fixed_cost, "fixed_cost")
    cost = fixed + up["n_test"] * camp["cost_per_contact"].reindex(up.index)
    # a campaign whose targets are all held out contacted nobody: no conversion, no
    # incremental conversion (its uplift is undefined, its effect is nil)
    contacted = up["n_test"] > 0
    conversions = (up["rate_test"] * up["n_test"]).where(contacted, 0.0)
    incremental = up["incremental"].where(contacted, 0.0)
    out = pd.DataFrame({
        "cost": cost,
        "conversions": conversions.round().astype(np.int64),
        "incremental_conversions": incremental,
        "naive_margin": conversions * margin,
        "incremental_margin": incremental * margin,
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        out["naive_roi"] = (out["naive_margin"] - cost) / cost
        out["roi"] = (out["incremental_margin"] - cost) / cost
    return out


# ---------------------------------------------------------------------------------------
# planning
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleSize:
    """Targets needed per group to detect an uplift."""

    n_test: int
    n_control: int

    @property
    def total(self) -> int:
        return self.n_test + self.n_control


def _check_plan(p_control, alpha, power, control_share):
    if not 0 < p_control < 1:
        raise ValueError(f"p_control must be in (0, 1), got {p_control}")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError(f"alpha and power must be in (0, 1), got {alpha}, {power}")
    if not 0 < control_share < 1:
        raise ValueError(f"control_share must be in (0, 1), got {control_share}")


def _n_test(p0, delta, alpha, power, k):
    """Test-group size for a two-sided two-proportion z test, n_control = k * n_test."""
    p1 = p0 + delta
    pbar = (p1 + k * p0) / (1 + k)
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    root = za * np.sqrt(pbar * (1 - pbar) * (1 + 1 / k)) + zb * np.sqrt(
        p1 * (1 - p1) + p0 * (1 - p0) / k)
    return root**2 / delta**2


def sample_size(
    p_control: float,
    uplift: float,
    alpha: float = 0.05,
    power: float = 0.8,
    control_share: float = 0.5,
) -> SampleSize:
    """Targets needed to detect ``uplift`` over a control rate ``p_control``.

    The classic normal-approximation formula for comparing two proportions (two-sided
    test at level ``alpha``, power ``power``; Fleiss, Levin & Paik 2003, without
    continuity correction), with unequal groups when ``control_share`` != 0.5: a small
    control group is cheap in lost sales but needs more targets in all.

    Parameters
    ----------
    p_control : float
        Expected rate without contact (the control group's).
    uplift : float
        Smallest difference worth detecting (test rate - control rate), > 0.
    alpha, power : float
        Type I error and power.
    control_share : float
        Share of the targets held out as control.

    Returns
    -------
    SampleSize

    Examples
    --------
    Detecting a rise from 5 % to 10 % with 80 % power at the 5 % level takes 435
    customers per group:

    >>> sample_size(0.05, 0.05)
    SampleSize(n_test=435, n_control=435)
    """
    _check_plan(p_control, alpha, power, control_share)
    if not 0 < uplift < 1 - p_control:
        raise ValueError(f"uplift must be in (0, 1 - p_control), got {uplift}")
    k = control_share / (1 - control_share)
    n1 = _n_test(p_control, uplift, alpha, power, k)
    return SampleSize(n_test=int(np.ceil(n1 - 1e-9)), n_control=int(np.ceil(k * n1 - 1e-9)))


def minimum_detectable_uplift(
    n_total: int,
    p_control: float,
    alpha: float = 0.05,
    power: float = 0.8,
    control_share: float = 0.5,
) -> float:
    """Smallest uplift a campaign of ``n_total`` targets detects with the given power.

    The inverse of :func:`sample_size`.

    Examples
    --------
    >>> round(minimum_detectable_uplift(870, 0.05), 3)
    0.05
    """
    _check_plan(p_control, alpha, power, control_share)
    if n_total < 4:
        raise ValueError(f"n_total must be at least 4, got {n_total}")
    k = control_share / (1 - control_share)
    n1 = n_total * (1 - control_share)
    hi = 1 - p_control - 1e-9
    if _n_test(p_control, hi, alpha, power, k) > n1:
        raise ValueError(f"{n_total} targets cannot detect any uplift at this power")
    return float(optimize.brentq(lambda d: _n_test(p_control, d, alpha, power, k) - n1,
                                 1e-9, hi, xtol=1e-12))


def run_waves(
    waves: pd.DataFrame,
    customers: pd.DataFrame,
    policy,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Send a multi-wave campaign through a contact policy, wave after wave.

    Each wave is decided with the contacts already sent (the history plus the earlier
    waves) counted: contact pressure, conflicting offers and the budget hold over the
    whole campaign, not only within a wave.

    Parameters
    ----------
    waves : DataFrame
        Proposed contacts (see :meth:`crmkit.idic.ContactPolicy.apply`) with a ``wave``
        column (integer, waves run in increasing order).
    customers : DataFrame
        Customers with their contact preferences.
    policy : crmkit.idic.ContactPolicy
        The contact rules.
    history : DataFrame, optional
        Contacts sent before the campaign.

    Returns
    -------
    DataFrame
        ``waves`` (same index and order) with ``cost``, ``decision`` and ``reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.idic import ContactPolicy
    >>> customers = pd.DataFrame({"customer_id": [1], "preferred_channel": ["email"],
    ...     "preferred_hour": [9], "contact_consent": [True], "opt_out": [False]})
    >>> waves = pd.DataFrame({"customer_id": [1, 1, 1], "channel": "email", "wave": [1, 2, 3],
    ...     "date": pd.to_datetime(["2024-03-01", "2024-03-10", "2024-03-20"]),
    ...     "offer": ["savings", "savings_reminder", "savings_last_call"]})
    >>> run_waves(waves, customers, ContactPolicy(max_contacts=2))["reason"].tolist()
    ['ok', 'ok', 'contact_pressure']
    """
    schema.check_not_empty(waves, "waves")
    schema.check_columns(waves, "waves", {"wave": "int"})
    parts = []
    sent = [] if history is None else [history]
    for w in np.sort(waves["wave"].unique()):
        wave = waves[waves["wave"] == w]
        decided = policy.apply(wave, customers, pd.concat(sent) if sent else None)
        parts.append(decided)
        sent.append(decided.loc[decided["decision"] == "sent",
                                ["customer_id", "channel", "date", "offer", "cost"]])
    return pd.concat(parts).loc[waves.index]


# ---------------------------------------------------------------------------------------
# pooling, targets' profiles, planning (chapter 5)
# ---------------------------------------------------------------------------------------
def trigger_family(campaigns: pd.DataFrame) -> pd.Series:
    """What selected each campaign's targets, without the detail: the part of ``trigger``
    before the colon (``life_event``, ``segment``, ``churn_risk``...) or ``none``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"campaign_id": [1, 2, 3],
    ...     "trigger": ["life_event:birth", "none", "segment:multichannel"]})
    >>> trigger_family(c).tolist()
    ['life_event', 'none', 'segment']
    """
    schema.check_not_empty(campaigns, "campaigns")
    schema.check_columns(campaigns, "campaigns", {"trigger": "string"})
    schema.check_no_missing(campaigns, "campaigns", "trigger")
    schema.check_key(campaigns, "campaigns")
    family = campaigns["trigger"].astype(str).str.split(":", n=1).str[0]
    return pd.Series(family.to_numpy(), index=campaigns.index, name="trigger_family",
                     dtype="str")


def pooled_uplift(
    targets: pd.DataFrame,
    by: str | list[str],
    campaigns: pd.DataFrame | None = None,
    outcome: str = "converted",
    confidence: float = 0.95,
    method: str = "newcombe",
) -> pd.DataFrame:
    """Uplift of groups of campaigns (or of targets), their targets pooled.

    One campaign is often too small to show its effect: pooling the targets of campaigns
    of one kind (all the event-triggered offers, all the mailings) gives test and control
    groups large enough for a narrow interval. ``by`` may also split targets (a score band,
    a segment) to see where a campaign works.

    Pooling is only fair between campaigns that hold out the same share of their targets:
    otherwise the campaigns with a large control group weigh more in the control rate than
    in the test rate, and the difference mixes campaigns instead of measuring them
    (Simpson's paradox). When ``campaigns`` is given with its ``test_share``, a group that
    pools campaigns of different shares raises a ``ValueError``.

    Parameters
    ----------
    targets : DataFrame
        The ``campaign_targets`` table, plus the ``by`` columns that are not in
        ``campaigns``.
    by : str or list of str
        Columns of ``targets`` or of ``campaigns`` (joined on ``campaign_id``) to pool by.
    campaigns : DataFrame, optional
        The ``campaigns`` table; required when ``by`` names one of its columns.
    outcome, confidence, method
        As in :func:`uplift`.

    Returns
    -------
    DataFrame
        Indexed by ``by``: ``campaigns`` (number pooled), then the columns of
        :func:`uplift`.

    Examples
    --------
    Two campaigns of the same kind, each too small to conclude, pooled:

    >>> import pandas as pd
    >>> t = pd.DataFrame({"campaign_id": [1] * 10 + [2] * 10, "customer_id": range(20),
    ...     "group": (["test"] * 8 + ["control"] * 2) * 2, "responded": False,
    ...     "converted": [True] * 4 + [False] * 6 + [True] * 2 + [False] * 8})
    >>> c = pd.DataFrame({"campaign_id": [1, 2], "kind": ["mailing", "mailing"],
    ...                   "test_share": [0.8, 0.8]})
    >>> pooled_uplift(t, "kind", c)[["campaigns", "n_test", "n_control", "uplift"]]  # doctest: +NORMALIZE_WHITESPACE
             campaigns  n_test  n_control  uplift
    kind
    mailing          2      16          4   0.375
    """
    if outcome not in ("converted", "responded"):
        raise ValueError(f"outcome must be 'converted' or 'responded', got {outcome!r}")
    cols = [by] if isinstance(by, str) else list(by)
    if not cols:
        raise ValueError("by must name at least one column")
    _validate_targets(targets)
    frame = targets
    joined = [c for c in cols if c not in targets.columns]
    if joined and campaigns is None:
        raise ValueError(f"columns {joined} are not in the targets; pass the campaigns table")
    if campaigns is not None:
        schema.validate(campaigns, "campaigns", columns=["campaign_id"])
        schema.check_columns(campaigns, "campaigns", joined)
        unknown = ~targets["campaign_id"].isin(campaigns["campaign_id"])
        if unknown.any():
            schema._fail("campaign_targets", "campaign_id", "not in the campaigns table",
                         unknown, targets)
        extra = [c for c in (*joined, "test_share") if c in campaigns.columns]
        frame = targets.merge(campaigns[["campaign_id", *extra]], on="campaign_id",
                              how="left")
        if "test_share" in extra:
            shares = frame.groupby(cols, observed=True)["test_share"].nunique()
            if (shares > 1).any():
                raise ValueError(
                    f"campaigns with different test shares are pooled in {by}="
                    f"{shares.index[np.argmax(shares.to_numpy() > 1)]!r}: pool campaigns "
                    "with the same control share, or compare them one by one")
    for c in cols:
        schema.check_no_missing(frame, "targets", c)
    out = _uplift_frame(_group_counts(frame, cols, outcome), confidence, method)
    n_campaigns = frame.groupby(cols, observed=True)["campaign_id"].nunique()
    out.insert(0, "campaigns", n_campaigns.reindex(out.index).to_numpy(dtype=np.int64))
    return out


_PROFILE_CUSTOMERS = {"customer_id": "int", "birth_date": "datetime",
                      "acquisition_date": "datetime", "income": "number",
                      "credit_score": "number"}


def target_profiles(
    targets: pd.DataFrame,
    campaigns: pd.DataFrame,
    customers: pd.DataFrame,
    contracts: pd.DataFrame,
) -> pd.DataFrame:
    """Who each target was on the day the campaign started: the inputs of a response score.

    Parameters
    ----------
    targets : DataFrame
        The ``campaign_targets`` table.
    campaigns : DataFrame
        The ``campaigns`` table (``start_date``, ``trigger``, ``channel``, ``product_id``).
    customers : DataFrame
        ``customer_id``, ``birth_date``, ``acquisition_date``, ``income``, ``credit_score``.
    contracts : DataFrame
        ``customer_id``, ``product_id``, ``start_date``, ``end_date``.

    Returns
    -------
    DataFrame
        ``targets`` (same index and order) plus the campaign's ``start_date``,
        ``trigger_family``, ``channel`` and ``product_id``, and the customer's ``age`` and
        ``tenure`` (years) on that day, ``income``, ``credit_score`` and ``products_held``
        (distinct products of the contracts running on that day).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"campaign_id": [1, 1], "customer_id": [7, 8],
    ...     "group": ["test", "control"], "responded": [True, False],
    ...     "converted": [True, False]})
    >>> c = pd.DataFrame({"campaign_id": [1], "start_date": pd.to_datetime(["2020-01-01"]),
    ...     "trigger": ["none"], "channel": ["email"], "product_id": ["B_SAVINGS"]})
    >>> cu = pd.DataFrame({"customer_id": [7, 8],
    ...     "birth_date": pd.to_datetime(["1980-01-01", "1990-01-01"]),
    ...     "acquisition_date": pd.to_datetime(["2010-01-01", "2019-01-01"]),
    ...     "income": [40e3, 30e3], "credit_score": [700, 650]})
    >>> co = pd.DataFrame({"customer_id": [7, 7, 8], "product_id": ["B_CURRENT", "I_AUTO", "B_CURRENT"],
    ...     "start_date": pd.to_datetime(["2010-01-01", "2015-01-01", "2019-01-01"]),
    ...     "end_date": pd.to_datetime([None, "2018-01-01", None])})
    >>> p = target_profiles(t, c, cu, co)
    >>> p["age"].round(1).tolist(), p["products_held"].tolist()
    ([40.0, 30.0], [1, 1])
    """
    _validate_targets(targets)
    schema.validate(campaigns, "campaigns", columns=["campaign_id", "start_date", "trigger",
                                                     "channel", "product_id"])
    schema.require_columns(customers, "customers", _PROFILE_CUSTOMERS, unique="customer_id")
    schema.require_columns(contracts, "contracts", {"customer_id": "int", "product_id": "string",
                                                    "start_date": "datetime",
                                                    "end_date": "datetime"},
                           nullable=("end_date",))
    schema.check_key(contracts, "contracts")
    camp = campaigns.set_index("campaign_id")
    cpos = camp.index.get_indexer(targets["campaign_id"].to_numpy())
    if (cpos < 0).any():
        schema._fail("campaign_targets", "campaign_id", "not in the campaigns table",
                     cpos < 0, targets)
    cust = customers.set_index("customer_id")
    upos = cust.index.get_indexer(targets["customer_id"].to_numpy())
    if (upos < 0).any():
        schema._fail("campaign_targets", "customer_id", "not in the customers table",
                     upos < 0, targets)
    day = pd.DatetimeIndex(camp["start_date"]).as_unit("ns")[cpos]
    year = pd.Timedelta(days=365.25)
    out = targets.copy()
    out["start_date"] = day
    out["trigger_family"] = trigger_family(campaigns).to_numpy()[cpos]
    for col in ("channel", "product_id"):
        out[col] = camp[col].astype(str).to_numpy()[cpos]
    out["age"] = (day - pd.DatetimeIndex(cust["birth_date"]).as_unit("ns")[upos]) / year
    out["tenure"] = (day - pd.DatetimeIndex(cust["acquisition_date"]).as_unit("ns")[upos]) / year
    out["income"] = cust["income"].to_numpy(dtype=float)[upos]
    out["credit_score"] = cust["credit_score"].to_numpy(dtype=float)[upos]
    # contracts running on the campaign's day, one merge over all targets at once
    rows = pd.DataFrame({"row": np.arange(len(targets)),
                         "customer_id": targets["customer_id"].to_numpy(), "day": day})
    held = rows.merge(contracts[["customer_id", "product_id", "start_date", "end_date"]],
                      on="customer_id")
    running = running_on(held, held["day"])
    n_held = held.loc[running].groupby("row")["product_id"].nunique()
    products_held = np.zeros(len(targets), dtype=np.int64)
    products_held[n_held.index.to_numpy()] = n_held.to_numpy()
    out["products_held"] = products_held
    return out


def pooled_roi(roi: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """ROI of groups of campaigns: costs and margins summed, then the two ratios.

    Campaigns whose uplift cannot be measured (no control group) are left out, their cost
    included: what a campaign caused is unknown without a control group.

    Parameters
    ----------
    roi : DataFrame
        :func:`campaign_roi` output with the ``by`` column(s) added.
    by : str or list of str
        Columns to group the campaigns by.

    Returns
    -------
    DataFrame
        Indexed by ``by``: ``campaigns`` (measured), ``cost``, ``naive_margin``,
        ``incremental_margin``, ``naive_roi`` and ``roi``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"channel": ["mail", "mail", "email"], "cost": [100.0, 300.0, 10.0],
    ...     "naive_margin": [300.0, 500.0, 40.0], "incremental_margin": [100.0, 300.0, 20.0]})
    >>> pooled_roi(r, "channel")[["cost", "naive_roi", "roi"]]  # doctest: +NORMALIZE_WHITESPACE
              cost  naive_roi  roi
    channel
    email     10.0        3.0  1.0
    mail     400.0        1.0  0.0
    """
    cols = [by] if isinstance(by, str) else list(by)
    schema.check_not_empty(roi, "roi")
    schema.check_columns(roi, "roi", cols)
    schema.check_columns(roi, "roi", {"cost": "number", "naive_margin": "number",
                                      "incremental_margin": "number"})
    measured = roi.loc[roi["incremental_margin"].notna()]
    schema.check_not_empty(measured, "roi")
    g = measured.groupby(cols, observed=True)
    out = g[["cost", "naive_margin", "incremental_margin"]].sum()
    out.insert(0, "campaigns", g.size())
    with np.errstate(divide="ignore", invalid="ignore"):
        out["naive_roi"] = (out["naive_margin"] - out["cost"]) / out["cost"]
        out["roi"] = (out["incremental_margin"] - out["cost"]) / out["cost"]
    return out


@dataclass(frozen=True)
class CampaignPlan:
    """What a planned campaign costs, should earn, and whether its test can prove it.

    Attributes
    ----------
    n_targets, n_test, n_control : int
        Selected targets, contacted (test) and held out (control).
    cost : float
        Fixed cost + contacted targets x cost per contact.
    expected_conversions : float
        Conversions expected among the contacted: n_test x (control rate + uplift).
    incremental_conversions : float
        The part the campaign causes: n_test x uplift.
    naive_margin, incremental_margin : float
        The margin of those conversions.
    naive_roi, roi : float
        (margin - cost) / cost, on all the expected conversions (naive) or on the
        incremental ones.
    breakeven_rate : float
        Conversion rate among the contacted that pays the cost (cost / (n_test x margin)).
        The naive reading compares it with the test group's rate, the honest one with the
        uplift.
    detectable_uplift : float
        Smallest uplift the test detects with the given power (NaN if none).
    needed_targets : int
        Targets (test + control) needed to detect the expected uplift.
    """

    n_targets: int
    n_test: int
    n_control: int
    cost: float
    expected_conversions: float
    incremental_conversions: float
    naive_margin: float
    incremental_margin: float
    naive_roi: float
    roi: float
    breakeven_rate: float
    detectable_uplift: float
    needed_targets: int


def plan_campaign(
    n_targets: int,
    cost_per_contact: float,
    margin_per_conversion: float,
    p_control: float,
    uplift: float,
    control_share: float = 0.2,
    fixed_cost: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
) -> CampaignPlan:
    """Plan a campaign: cost, expected ROI (naive and incremental), breakeven, and power.

    Puts :func:`breakeven`, :func:`sample_size` and :func:`minimum_detectable_uplift`
    side by side for one campaign: a campaign whose breakeven rate lies below the uplift
    its test can detect may pay without its test ever being able to show it.

    Parameters
    ----------
    n_targets : int
        Selected targets (test + control), at least 4.
    cost_per_contact, margin_per_conversion : float
        Euros; the margin is that of one conversion (e.g. over the product's expected life).
    p_control : float
        Expected conversion rate without contact (the control group's), in (0, 1).
    uplift : float
        Expected uplift (test rate - control rate), in (0, 1 - p_control).
    control_share : float
        Share of the targets held out.
    fixed_cost : float
        Creation, selection, set-up, euros.
    alpha, power : float
        Level and power of the test.

    Returns
    -------
    CampaignPlan

    Examples
    --------
    10,000 targets, 20 % held out, 1 euro a contact, 100 euros a conversion, 2 % buying
    anyway and 1 point of uplift: 8,000 euros of cost, 80 sales caused (8,000 euros), so
    the incremental ROI is nil while the naive one is 2.

    >>> p = plan_campaign(10_000, 1.0, 100.0, p_control=0.02, uplift=0.01)
    >>> p.cost, p.incremental_conversions, round(p.roi, 6), round(p.naive_roi, 6)
    (8000.0, 80.0, 0.0, 2.0)
    >>> p.breakeven_rate
    0.01
    """
    if not n_targets >= 4:
        raise ValueError(f"n_targets must be at least 4, got {n_targets}")
    _check_plan(p_control, alpha, power, control_share)
    if not 0 < uplift < 1 - p_control:
        raise ValueError(f"uplift must be in (0, 1 - p_control), got {uplift}")
    for name, v in [("cost_per_contact", cost_per_contact), ("fixed_cost", fixed_cost)]:
        if not v >= 0:
            raise ValueError(f"{name} must be >= 0, got {v}")
    if not margin_per_conversion > 0:
        raise ValueError(f"margin_per_conversion must be > 0, got {margin_per_conversion}")
    n_control = int(np.floor(n_targets * control_share + 0.5))  # as assign_groups draws
    n_test = int(n_targets - n_control)
    if n_test < 1 or n_control < 1:
        raise ValueError(f"{n_targets} targets leave an empty group at control_share "
                         f"{control_share}")
    cost = float(fixed_cost + n_test * cost_per_contact)
    if not cost > 0:
        raise ValueError("the campaign costs nothing: its ROI is undefined")
    expected = n_test * (p_control + uplift)
    incremental = n_test * uplift
    try:
        detectable = minimum_detectable_uplift(n_targets, p_control, alpha, power,
                                               control_share)
    except ValueError:  # arguments are valid: the campaign is too small to detect anything
        detectable = float("nan")
    return CampaignPlan(
        n_targets=int(n_targets), n_test=n_test, n_control=n_control, cost=cost,
        expected_conversions=float(expected), incremental_conversions=float(incremental),
        naive_margin=float(expected * margin_per_conversion),
        incremental_margin=float(incremental * margin_per_conversion),
        naive_roi=float((expected * margin_per_conversion - cost) / cost),
        roi=float((incremental * margin_per_conversion - cost) / cost),
        breakeven_rate=float(cost / (n_test * margin_per_conversion)),
        detectable_uplift=detectable,
        needed_targets=sample_size(p_control, uplift, alpha, power, control_share).total,
    )


def detectable_uplift_curve(
    sizes,
    p_control: float,
    control_share: float = 0.5,
    alpha: float = 0.05,
    power: float = 0.8,
) -> pd.DataFrame:
    """Minimum detectable uplift for each total number of targets in ``sizes``.

    Returns
    -------
    DataFrame
        ``group_size`` (targets, test + control) and ``detectable_uplift`` (NaN where the
        group is too small to detect any uplift), sorted by size.

    Examples
    --------
    >>> detectable_uplift_curve([870, 3480], 0.05)["detectable_uplift"].round(3).tolist()
    [0.05, 0.023]
    """
    _check_plan(p_control, alpha, power, control_share)
    n = np.sort(np.asarray(sizes, dtype=np.int64).ravel())
    if len(n) == 0 or (n < 4).any():
        raise ValueError("sizes must be non-empty and each at least 4")
    out = np.full(len(n), np.nan)
    for i, size in enumerate(n):  # one root search per size, a few dozen sizes at most
        try:
            out[i] = minimum_detectable_uplift(int(size), p_control, alpha, power,
                                               control_share)
        except ValueError:
            pass
    return pd.DataFrame({"group_size": n, "detectable_uplift": out})


# Vaughn's (1980) FCB grid: involvement x think/feel, and the order in which people learn,
# feel and act in each quadrant (seed 001's four quadrants)
FCB_QUADRANTS = pd.DataFrame(
    [("learning", "high", "think", "learn > feel > do"),
     ("affectivity", "high", "feel", "feel > learn > do"),
     ("routine", "low", "think", "do > learn > feel"),
     ("hedonism", "low", "feel", "do > feel > learn")],
    columns=["fcb_quadrant", "involvement", "mode", "sequence"],
)
# the first response a product calls for (products.learn_feel_do) -> its quadrant; a
# first response of "doing" is routine for a bank or an insurer (no small pleasures)
LEARN_FEEL_DO_QUADRANT = {"cognitive": "learning", "affective": "affectivity",
                          "conative": "routine"}


def learn_feel_do_grid(products: pd.DataFrame, mapping: dict | None = None) -> pd.DataFrame:
    """Place products in the FCB grid from their ``learn_feel_do`` (first response).

    Parameters
    ----------
    products : DataFrame
        ``product_id`` and ``learn_feel_do`` (``cognitive``, ``affective``, ``conative``).
    mapping : dict, optional
        ``learn_feel_do`` -> quadrant of :data:`FCB_QUADRANTS` (default
        :data:`LEARN_FEEL_DO_QUADRANT`).

    Returns
    -------
    DataFrame
        ``products`` with ``fcb_quadrant``, ``involvement`` (high / low), ``mode``
        (think / feel) and ``sequence`` (the order of the three responses).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"product_id": ["B_MORTGAGE", "B_CARD"],
    ...                   "learn_feel_do": ["cognitive", "conative"]})
    >>> learn_feel_do_grid(p)[["product_id", "fcb_quadrant", "sequence"]]
       product_id fcb_quadrant           sequence
    0  B_MORTGAGE     learning  learn > feel > do
    1      B_CARD      routine  do > learn > feel
    """
    mapping = LEARN_FEEL_DO_QUADRANT if mapping is None else dict(mapping)
    bad = set(mapping.values()) - set(FCB_QUADRANTS["fcb_quadrant"])
    if bad:
        raise ValueError(f"unknown quadrant(s) {sorted(bad)}; use {FCB_QUADRANTS['fcb_quadrant'].tolist()}")
    schema.require_columns(products, "products", {"product_id": "string",
                                                  "learn_feel_do": "string"})
    schema.check_key(products, "products")
    schema.check_allowed(products, "products", "learn_feel_do", list(mapping))
    quadrant = products["learn_feel_do"].astype(str).map(mapping)
    info = FCB_QUADRANTS.set_index("fcb_quadrant").reindex(quadrant.to_numpy())
    out = products.copy()
    out["fcb_quadrant"] = quadrant.to_numpy()
    for col in ("involvement", "mode", "sequence"):
        out[col] = info[col].to_numpy()
    return out


__all__ += ["trigger_family", "pooled_uplift", "target_profiles", "pooled_roi", "CampaignPlan",
            "plan_campaign", "detectable_uplift_curve", "FCB_QUADRANTS",
            "LEARN_FEEL_DO_QUADRANT", "learn_feel_do_grid"]
