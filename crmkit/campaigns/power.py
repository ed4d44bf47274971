"""Planning a test: how many targets it takes to detect an uplift.

Course chapter 5, "Planning a test: how many targets?". The normal-approximation sample
size of a two-proportion test (Fleiss, Levin & Paik 2003) and its inverse, the smallest
uplift a campaign of a given size can detect: a campaign too small for its test may pay
without its test ever being able to show it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import norm

from crmkit._docs import fill

__all__ = ["SampleSize", "sample_size", "minimum_detectable_uplift", "detectable_uplift_curve"]


@dataclass(frozen=True)
class SampleSize:
    """Targets needed per group to detect an uplift."""

    n_test: int
    n_control: int

    @property
    def total(self) -> int:
        return self.n_test + self.n_control


#: The test-plan parameters of the functions below (``crmkit._docs.fill``).
_PLAN_DOCS = {
    "p_control": """\
p_control : float
    Expected rate without contact (the control group's).""",
    "alpha_power": """\
alpha, power : float, default 0.05 and 0.8
    Type I error and power of the test.""",
    "control_share": """\
control_share : float, default 0.5
    Share of the targets held out as control.""",
}


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


@fill(**_PLAN_DOCS)
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
    {p_control}
    uplift : float
        Smallest difference worth detecting (test rate - control rate), > 0.
    {alpha_power}
    {control_share}

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


@fill(**_PLAN_DOCS)
def minimum_detectable_uplift(
    n_total: int,
    p_control: float,
    alpha: float = 0.05,
    power: float = 0.8,
    control_share: float = 0.5,
) -> float:
    """Smallest uplift a campaign of ``n_total`` targets detects with the given power.

    The inverse of :func:`sample_size`.

    Parameters
    ----------
    n_total : int
        Targets of the campaign, test + control (at least 4).
    {p_control}
    {alpha_power}
    {control_share}

    Returns
    -------
    float
        The smallest uplift (test rate - control rate) detected with probability
        ``power``; a ``ValueError`` when the campaign is too small to detect any.

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


@fill(**_PLAN_DOCS)
def detectable_uplift_curve(
    sizes,
    p_control: float,
    control_share: float = 0.5,
    alpha: float = 0.05,
    power: float = 0.8,
) -> pd.DataFrame:
    """Minimum detectable uplift for each total number of targets in ``sizes``.

    Parameters
    ----------
    sizes : array-like of int
        Total numbers of targets (test + control), each at least 4.
    {p_control}
    {control_share}
    {alpha_power}

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
