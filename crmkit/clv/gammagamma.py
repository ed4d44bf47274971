"""Gamma-Gamma model of spend per transaction (Colombo & Jiang 1999; Fader, Hardie & Lee 2005,
"RFM and CLV: using iso-value curves for customer base analysis", JMR 42(4)).

A customer's transaction values z are Gamma(p, nu) around the customer's own mean p / nu, and
nu ~ Gamma(q, gamma) across customers. The mean of a customer's x repeat transactions,
z-bar, is then Gamma(p x, nu x), and integrating nu out gives the likelihood

    f(z-bar | x) = Gamma(p x + q) / (Gamma(p x) Gamma(q)) * gamma^q z-bar^(p x - 1) x^(p x)
                   / (gamma + x z-bar)^(p x + q).

The model assumes spend is independent of the purchase process: :func:`spend_independence`
measures the correlation between frequency and mean spend that should be close to 0 (Fader
and Hardie report 0.11 on CDNOW) before the two models are multiplied into a CLV.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import digamma, gammaln

from crmkit import schema
from crmkit._docs import fill
from crmkit.clv._common import MLEModel, weights_array
from crmkit.clv._optim import ConvergenceWarning, fit_mle

__all__ = [
    "GammaGammaModel",
    "SpendDependenceWarning",
    "SpendIndependence",
    "spend_independence",
    "simulate_spend",
]

# above this |correlation| between frequency and spend the independence assumption is doubtful
INDEPENDENCE_THRESHOLD = 0.3


class SpendDependenceWarning(UserWarning):
    """Frequency and mean spend are correlated: the Gamma-Gamma assumption is doubtful."""


@dataclass(frozen=True)
class SpendIndependence:
    """Correlation between number of repeat purchases and their mean value (repeat buyers)."""

    n: int
    pearson: float
    pearson_pvalue: float
    spearman: float
    spearman_pvalue: float

    @property
    def independent(self) -> bool:
        """False when a correlation reaches :data:`INDEPENDENCE_THRESHOLD` in size.

        A correlation is NaN when frequency or spend does not vary among the repeat buyers:
        there is then no evidence of dependence, and this is True.
        """
        return not any(abs(c) >= INDEPENDENCE_THRESHOLD for c in (self.pearson, self.spearman))


#: The ``data`` parameter of the model's per-customer methods (``crmkit._docs.fill``).
_SPEND_DATA = """\
data : pandas.DataFrame
    Summary with ``frequency`` and ``monetary_value``."""


def _check_spend(data: pd.DataFrame, table: str = "summary") -> None:
    """``frequency`` and ``monetary_value`` present, numeric, not missing, not negative."""
    schema.check_not_empty(data, table)
    schema.check_columns(data, table, {"frequency": "number", "monetary_value": "number"})
    for c in ("frequency", "monetary_value"):
        schema.check_no_missing(data, table, c)
    for c in ("frequency", "monetary_value"):
        schema.check_nonnegative(data, table, c)


def _repeat_buyers(data: pd.DataFrame, table: str = "summary"):
    _check_spend(data, table)
    schema.check_key(data, table, "customer_id")
    x = data["frequency"].to_numpy(dtype=float)
    m = data["monetary_value"].to_numpy(dtype=float)
    schema.check_rows(data, table, "monetary_value", (x > 0) & (m <= 0),
                      "not > 0 for a repeat buyer (the Gamma-Gamma model needs positive spend)")
    keep = x > 0
    if keep.sum() < 2:
        raise ValueError("Gamma-Gamma: fewer than 2 customers with a repeat purchase; spend "
                         "per transaction cannot be estimated")
    return x[keep], m[keep], keep


def spend_independence(data: pd.DataFrame) -> SpendIndependence:
    """Pearson and Spearman correlation of ``frequency`` and ``monetary_value`` (x > 0 only).

    The Gamma-Gamma model assumes the two are independent; this is the usual check.

    Parameters
    ----------
    data : pandas.DataFrame
        Summary with ``frequency`` and ``monetary_value``, one row per customer; customers
        with no repeat purchase are left out.

    Returns
    -------
    SpendIndependence
        The number of repeat buyers, both correlations with their p-values, and
        ``independent`` (no correlation beyond the threshold).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"frequency": [1, 2, 3, 4, 0], "monetary_value": [10, 30, 20, 25, 0.0]})
    >>> round(spend_independence(d).spearman, 2)
    0.4
    """
    x, m, _ = _repeat_buyers(data)
    pr = stats.pearsonr(x, m) if np.ptp(x) > 0 and np.ptp(m) > 0 else (np.nan, np.nan)
    sr = stats.spearmanr(x, m) if np.ptp(x) > 0 and np.ptp(m) > 0 else (np.nan, np.nan)
    return SpendIndependence(n=int(x.size), pearson=float(pr[0]), pearson_pvalue=float(pr[1]),
                             spearman=float(sr[0]), spearman_pvalue=float(sr[1]))


def _loglik(params, x, m):
    """Per-customer log-density of z-bar given x (see the module docstring)."""
    p, q, g = params
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1) * np.log(m)
            + px * np.log(x) - (px + q) * np.log(g + m * x))


class _FitData:
    """Sums that do not depend on the parameters, and the distinct frequencies (the gamma
    functions of the likelihood depend on x alone)."""

    def __init__(self, x, m, w):
        self.x, self.mx, self.w = x, m * x, w
        self.W = w.sum()
        self.wlogm = w @ np.log(m)
        self.wxlogm = (w * x) @ np.log(m)
        self.wx_ = w * x
        self.xs, idx = np.unique(x, return_inverse=True)
        self.wu = np.bincount(idx, weights=w, minlength=self.xs.size)


def _loglik_sum(params, d: _FitData):
    """Total log-likelihood and gradient in (p, q, gamma)."""
    p, q, g = params
    xs, wu = d.xs, d.wu
    pxs = p * xs
    lg = np.log(g + d.mx)
    s_l, s_xl = d.w @ lg, d.wx_ @ lg
    ll = (wu @ (gammaln(pxs + q) - gammaln(pxs) + pxs * np.log(xs))
          + d.W * (q * np.log(g) - gammaln(q)) + p * d.wxlogm - d.wlogm - p * s_xl - q * s_l)
    dpq = digamma(pxs + q)
    dp = wu @ (xs * (dpq - digamma(pxs) + np.log(xs))) + d.wxlogm - s_xl
    dq = wu @ dpq - d.W * digamma(q) + d.W * np.log(g) - s_l
    inv = 1.0 / (g + d.mx)
    dg = d.W * q / g - p * (d.wx_ @ inv) - q * (d.w @ inv)
    return ll, np.array([dp, dq, dg])


class GammaGammaModel(MLEModel):
    """Gamma-Gamma spend model, fitted by maximum likelihood on the repeat buyers.

    ``fit`` reads ``frequency`` and ``monetary_value`` (the mean of the repeat purchases, as
    made by :func:`crmkit.clv.clv_summary`); customers without a repeat purchase
    carry no spend information and are left out of the fit (counted in ``n_excluded_``). It
    records :func:`spend_independence` in ``independence_`` and warns when frequency and spend
    are clearly correlated. ``predict(data)`` is the expected spend per transaction
    (:meth:`conditional_expected_spend`); it does not depend on a horizon, so it takes no
    ``t``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.clv import GammaGammaModel
    >>> m = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)  # CDNOW, rounded
    >>> d = pd.DataFrame({"frequency": [2, 1, 0], "monetary_value": [22.35, 11.77, 0.0]})
    >>> m.predict(d).round(2).tolist()
    [24.66, 18.92, 35.22]
    """

    _param_names = ("p", "q", "gamma")
    _shape_params = ("p", "q")
    _model_name = "Gamma-Gamma"

    def fit(self, data: pd.DataFrame, weights=None) -> GammaGammaModel:
        """Fit on a summary with ``frequency`` and ``monetary_value``.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per customer: ``frequency`` (repeat purchases) and ``monetary_value``
            (mean spend of those purchases). Customers with no repeat purchase are left out
            (``n_excluded_``). Warns (SpendDependenceWarning) when frequency and spend are
            correlated.
        weights : array-like, optional
            One count per row, for grouped data.

        Returns
        -------
        GammaGammaModel
            The model itself, with its fitted attributes set.

        Examples
        --------
        >>> truth = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
        >>> sim = simulate_spend(6.25, 3.74, 15.44, [1, 2, 3, 5, 8] * 200, seed=0)
        >>> m = GammaGammaModel().fit(sim)
        >>> bool(abs(m.mean_spend() - truth.mean_spend()) < 3)
        True
        """
        x, m, keep = _repeat_buyers(data)
        w = weights_array(weights, len(keep))[keep]
        self.independence_ = spend_independence(data)
        if not self.independence_.independent:
            warnings.warn(
                f"Gamma-Gamma: frequency and mean spend are correlated (Pearson "
                f"{self.independence_.pearson:.2f}, Spearman {self.independence_.spearman:.2f}"
                f"); the model assumes they are independent, so CLV may be biased",
                SpendDependenceWarning, stacklevel=2)

        fd = _FitData(x, m, w)

        def negll(th):
            par = np.exp(th)
            ll, g = _loglik_sum(par, fd)
            return -ll, -g * par

        mean = np.average(m, weights=w)
        x0 = np.array([1.0, 2.0, mean])
        self._store(fit_mle(negll, x0, self._param_names, w.sum(), jac=True,
                            model=self._model_name), w.sum())
        self.n_excluded_ = int((~keep).sum())
        if self.q_ <= 1:
            warnings.warn(f"Gamma-Gamma: q = {self.q_:.3f} <= 1, the population mean spend "
                          "p gamma / (q - 1) is infinite; expected spend is not defined",
                          ConvergenceWarning, stacklevel=2)
        return self

    @fill(spend_data=_SPEND_DATA)
    def loglik(self, data: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each repeat buyer under the current parameters.

        Parameters
        ----------
        {spend_data}

        Returns
        -------
        pandas.Series
            ``loglik`` of each repeat buyer (rows with ``frequency`` 0 are left out).

        Examples
        --------
        >>> import pandas as pd
        >>> m = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)  # CDNOW, FHL 2005
        >>> d = pd.DataFrame({"frequency": [1, 10, 0], "monetary_value": [20.0, 20.0, 0.0]})
        >>> m.loglik(d).index.tolist()
        [0, 1]
        """
        self._check_fitted()
        x, m, keep = _repeat_buyers(data)
        return pd.Series(_loglik(self._params(), x, m), index=data.index[keep], name="loglik")

    def mean_spend(self) -> float:
        """Population mean spend per transaction, E[M] = p gamma / (q - 1).

        Returns
        -------
        float
            The mean; a ValueError when q <= 1 (the mean is then infinite).

        Examples
        --------
        >>> m = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)  # CDNOW, FHL 2005
        >>> round(m.mean_spend(), 2)   # 6.25 * 15.44 / 2.74
        35.22
        """
        p, q, g = self._params()
        if q <= 1:
            raise ValueError(f"Gamma-Gamma: q = {q} <= 1, the mean spend is infinite")
        return p * g / (q - 1)

    @fill(spend_data=_SPEND_DATA)
    def conditional_expected_spend(self, data: pd.DataFrame) -> pd.Series:
        """E[M | x, z-bar] = (q - 1)/(p x + q - 1) * p gamma/(q - 1) + p x/(p x + q - 1) * z-bar.

        A weighted average of the population mean and the customer's own mean: the more
        repeat purchases, the more weight on the customer's own history.

        Parameters
        ----------
        {spend_data}

        Returns
        -------
        pandas.Series
            ``expected_spend`` per row; customers with ``frequency`` 0 get the population
            mean.

        Examples
        --------
        >>> import pandas as pd
        >>> m = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)  # CDNOW, FHL 2005
        >>> d = pd.DataFrame({"frequency": [1, 10, 0], "monetary_value": [20.0, 20.0, 0.0]})
        >>> m.conditional_expected_spend(d).round(2).tolist()
        [24.64, 20.64, 35.22]
        """
        self._check_fitted()
        _check_spend(data)
        p, q, g = self._params()
        x = data["frequency"].to_numpy(dtype=float)
        m = data["monetary_value"].to_numpy(dtype=float)
        if q <= 1:
            raise ValueError(f"Gamma-Gamma: q = {q} <= 1, expected spend is not defined")
        out = (g + m * x) * p / (p * x + q - 1)
        return pd.Series(out, index=data.index, name="expected_spend")

    @fill(spend_data=_SPEND_DATA)
    def predict(self, data: pd.DataFrame) -> pd.Series:
        """Expected spend per transaction of each customer (:meth:`conditional_expected_spend`).

        Parameters
        ----------
        {spend_data}

        Returns
        -------
        pandas.Series
            ``expected_spend`` per row.

        Examples
        --------
        >>> import pandas as pd
        >>> m = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)  # CDNOW, FHL 2005
        >>> m.predict(pd.DataFrame({"frequency": [0], "monetary_value": [0.0]})).round(2).tolist()
        [35.22]
        """
        return self.conditional_expected_spend(data)


def simulate_spend(p, q, gamma, frequency, *, seed=None) -> pd.DataFrame:
    """Mean spend of ``frequency`` repeat transactions under the Gamma-Gamma model.

    Parameters
    ----------
    p : float
        Shape of each transaction's spend.
    q, gamma : float
        Gamma heterogeneity of the customers' scale ``nu`` (shape, rate).
    frequency : array-like of int
        Number of repeat transactions of each customer (whole numbers >= 0).
    seed : int or numpy.random.Generator, optional
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``monetary_value`` (0 where frequency is 0) and the hidden ``nu``
        (so the customer's true mean spend is p / nu), indexed by ``customer_id``.

    Examples
    --------
    >>> sim = simulate_spend(6.25, 3.74, 15.44, [1, 3, 0], seed=0)
    >>> float(sim["monetary_value"].iloc[2])
    0.0
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be whole numbers >= 0")
    nu = rng.gamma(q, 1.0 / gamma, x.size)
    pos = x > 0
    m = np.zeros(x.size)
    m[pos] = rng.gamma(p * x[pos], 1.0 / (nu[pos] * x[pos]))
    out = pd.DataFrame({"frequency": x.astype("int64"), "monetary_value": m, "nu": nu})
    out.index.name = "customer_id"
    return out
