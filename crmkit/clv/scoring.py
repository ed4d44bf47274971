"""Predictions scored against what customers truly did after the calibration period.

The course market has ground truth (true churn dates, true purchases after the calibration
date), so a model's P(alive), survival probability or expected purchases can be scored
against it rather than against another model:

- :func:`score_probability`: a predicted probability (P(alive), sBG or Cox survival) against
  the true outcome: AUC (scikit-learn's ``roc_auc_score``), Brier score, and the
  calibration curve (``sklearn.calibration.calibration_curve``);
- :func:`score_totals`: predicted counts (expected purchases) against actual ones: error on
  the total, mean absolute error per customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ProbabilityScore", "score_probability", "score_totals"]


@dataclass(frozen=True)
class ProbabilityScore:
    """AUC, Brier score and calibration curve of a predicted probability."""

    auc: float
    brier: float
    calibration: pd.DataFrame

    @property
    def calibration_error(self) -> float:
        """Largest gap between predicted and observed rates over the calibration bins."""
        c = self.calibration
        return float(np.max(np.abs(c["predicted"] - c["observed"])))


def _aligned(predicted: pd.Series, actual: pd.Series, name: str):
    if not isinstance(predicted, pd.Series) or not isinstance(actual, pd.Series):
        raise TypeError("predicted and actual must be pandas Series indexed by customer")
    missing = predicted.index.difference(actual.index)
    if len(missing):
        from crmkit.schema import SchemaError
        raise SchemaError(f"{name}: {len(missing)} predicted customer(s) without a true "
                          f"outcome; first offending rows (index): {list(missing[:5])}")
    p = predicted.to_numpy(dtype=float)
    if not np.all(np.isfinite(p)):
        raise ValueError("predicted values must be finite")
    return p, actual.reindex(predicted.index)


def score_probability(predicted: pd.Series, actual: pd.Series, *, bins: int = 10
                      ) -> ProbabilityScore:
    """Score a predicted probability against the true binary outcome.

    Parameters
    ----------
    predicted : Series
        Predicted probability per customer (e.g. P(alive) at the end of calibration).
    actual : Series of bool
        What truly happened (e.g. the customer had not churned at that date), indexed by
        customer (a superset of ``predicted``'s index is fine).
    bins : int, default 10
        Quantile bins of the calibration curve.

    Returns
    -------
    ProbabilityScore
        ``auc``, ``brier`` and ``calibration`` (columns ``predicted``, ``observed``: mean
        predicted probability and observed rate per bin).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> p = pd.Series(rng.uniform(0, 1, 5000))
    >>> truth = pd.Series(rng.uniform(0, 1, 5000) < p)
    >>> s = score_probability(p, truth)
    >>> bool(0.8 < s.auc < 0.9), bool(s.calibration_error < 0.05)
    (True, True)
    """
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss, roc_auc_score

    p, y = _aligned(predicted, actual, "actual")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("predicted probabilities must lie in [0, 1]")
    y = y.astype(bool).to_numpy()
    if y.all() or not y.any():
        raise ValueError("the true outcome takes a single value: AUC is undefined")
    observed, mean_pred = calibration_curve(y, p, n_bins=bins, strategy="quantile")
    return ProbabilityScore(
        auc=float(roc_auc_score(y, p)),
        brier=float(brier_score_loss(y, p)),
        calibration=pd.DataFrame({"predicted": mean_pred, "observed": observed}),
    )


def score_totals(predicted: pd.Series, actual: pd.Series) -> pd.Series:
    """Predicted counts (e.g. expected purchases in the holdout) against the actual ones.

    Parameters
    ----------
    predicted : Series
        Predicted count per customer.
    actual : Series
        Actual count per customer (a superset of ``predicted``'s index is fine).

    Returns
    -------
    Series
        ``predicted_total``, ``actual_total``, ``total_error`` (relative error on the
        total, signed) and ``mae`` (mean absolute error per customer).

    Examples
    --------
    >>> import pandas as pd
    >>> score_totals(pd.Series([1.0, 2.0]), pd.Series([0, 4])).round(3).tolist()
    [3.0, 4.0, -0.25, 1.5]
    """
    p, y = _aligned(predicted, actual, "actual")
    y = y.to_numpy(dtype=float)
    if np.isnan(y).any():
        raise ValueError("actual counts must not be missing")
    return pd.Series({"predicted_total": p.sum(), "actual_total": y.sum(),
                      "total_error": (p.sum() - y.sum()) / y.sum(),
                      "mae": np.mean(np.abs(p - y))})
