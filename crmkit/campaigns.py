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
    g = targets.assign(group=targets["group"].astype(str)).groupby(["campaign_id", "group"])
    counts = g[outcome].agg(["size", "sum"]).unstack("group")
    counts = counts.reindex(columns=pd.MultiIndex.from_product(
        [["size", "sum"], ["test", "control"]]), fill_value=0).fillna(0)
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
        ``naive_roi``, ``roi`` (= (incremental margin - cost) / cost).

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
    conversions = up["rate_test"] * up["n_test"]
    out = pd.DataFrame({
        "cost": cost,
        "conversions": conversions.round().astype(np.int64),
        "incremental_conversions": up["incremental"],
        "naive_margin": conversions * margin,
        "incremental_margin": up["incremental"] * margin,
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
