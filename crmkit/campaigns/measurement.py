"""Measuring a campaign: response, conversion and uplift, with its uncertainty.

Course chapter 5, "Response, conversion and uplift" and "Uplift and its uncertainty".
The uplift is the test group's rate minus the control group's (Radcliffe & Surry 2011):
the part of the response the campaign caused. Its interval is Newcombe's (1998) hybrid
score interval (or the textbook Wald one, to show why it fails on rare responses).
:func:`pooled_uplift` pools the targets of several campaigns (or splits the targets of
one) when a single campaign is too small to show its effect.

Every campaign function that reads the ``campaign_targets`` table goes through
:func:`_validate_targets` and, for an uplift, through :func:`_group_counts` and
:func:`_uplift_frame`: one computation behind every uplift figure of chapters 3, 6 and 7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from crmkit import schema

__all__ = ["response_rates", "uplift_interval", "uplift", "pooled_uplift"]


_TARGETS = ["campaign_id", "customer_id", "group", "responded", "converted"]


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
                    f"campaigns.test_share: campaigns with different test shares are pooled "
                    f"in {by}="
                    f"{shares.index[np.argmax(shares.to_numpy() > 1)]!r}: pool campaigns "
                    "with the same control share, or compare them one by one")
    for c in cols:
        schema.check_no_missing(frame, "targets", c)
    out = _uplift_frame(_group_counts(frame, cols, outcome), confidence, method)
    n_campaigns = frame.groupby(cols, observed=True)["campaign_id"].nunique()
    out.insert(0, "campaigns", n_campaigns.reindex(out.index).to_numpy(dtype=np.int64))
    return out
