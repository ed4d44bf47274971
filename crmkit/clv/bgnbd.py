"""BG/NBD: the beta-geometric / negative binomial model of repeat buying.

Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
Pareto/NBD model", *Marketing Science* 24(2). While alive, a customer buys as a Poisson
process of rate lambda; after each repeat purchase the customer drops out for good with
probability p. Across customers lambda ~ Gamma(r, alpha) (shape r, rate alpha) and
p ~ Beta(a, b). A customer is summarised by (x, t_x, T): repeat purchases, time of the last
one and time observed, all counted from the first purchase (see
:func:`crmkit.clv.clv_summary`).

The likelihood is their equation (6), computed on the log scale with log-sum-exp; the
hypergeometric functions of the expectations are taken after Euler's transformation,
2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z), which keeps them bounded for
customers with hundreds of purchases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from crmkit._docs import fill
from crmkit.clv import _common
from crmkit.clv._common import (
    PURCHASE_MODEL_DOCS,
    PurchaseModel,
    grouped,
    observation_times,
    order_statistics,
    paths_frame,
    paths_to_summary,
    weights_array,
)
from crmkit.clv._optim import fit_mle
from crmkit.clv.summary import check_summary

__all__ = ["BetaGeoModel", "simulate_bgnbd", "simulate_bgnbd_paths"]


def _loglik(params, x, tx, T):
    """Per-customer log-likelihood, FHL (2005) eq. (6) on the log scale."""
    r, alpha, a, b = params
    pos = x > 0
    L3 = -(r + x) * np.log(alpha + T)
    L4 = np.full_like(L3, -np.inf)
    L4[pos] = (np.log(a) - np.log(b + x[pos] - 1.0) - (r + x[pos]) * np.log(alpha + tx[pos]))
    return (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
            + np.logaddexp(L3, L4))


class _FitData:
    """The summary arranged for fast likelihood sums: customers without repeat purchases
    contribute only r log(alpha / (alpha + T)); terms that depend on x alone are computed
    once per distinct x and weighted by how many customers share it."""

    def __init__(self, x, tx, T, w):
        zero = x == 0
        self.T0, self.w0 = T[zero], w[zero]
        self.W = w.sum()
        pos = ~zero
        self.x, self.tx, self.T, self.w = x[pos], tx[pos], T[pos], w[pos]
        self.xs, self.idx = np.unique(self.x, return_inverse=True)
        self.wx = np.bincount(self.idx, weights=self.w, minlength=self.xs.size)


def _loglik_sum(params, d: _FitData):
    """Total log-likelihood and its gradient in (r, alpha, a, b)."""
    r, alpha, a, b = params
    la = np.log(alpha)
    # customers with x = 0: the "alive" term alone
    inv0 = 1.0 / (alpha + d.T0)
    s_l0 = d.w0 @ np.log(alpha + d.T0)
    ll = r * (d.w0.sum() * la - s_l0)
    dr = d.w0.sum() * la - s_l0
    dal = r * d.w0.sum() / alpha - r * (d.w0 @ inv0)
    # customers with x > 0: per distinct x, then the two-term mixture per customer
    xs, wx, w = d.xs, d.wx, d.w
    lb = np.log(b + xs - 1.0)
    A = gammaln(r + xs) - gammaln(r) + betaln(a, b + xs) - betaln(a, b) + r * la
    ll += wx @ A
    rx = r + d.x
    laT = np.log(alpha + d.T)
    latx = np.log(alpha + d.tx)
    L3 = -rx * laT
    delta = np.log(a) - lb[d.idx] - rx * latx - L3  # L4 - L3
    w4 = expit(delta)  # weight of the "dropped out after t_x" term
    w3 = 1.0 - w4
    # log(1 + e^delta) from the weights, taking the log of whichever is >= 1/2 (accurate)
    big = delta > 0
    ll += w @ (L3 + np.where(big, delta, 0.0) - np.log(np.where(big, w4, w3)))
    ww4 = w * w4
    dr += wx @ (digamma(r + xs) - digamma(r) + la) - w @ (w3 * laT + w4 * latx)
    dal += (wx.sum() * r / alpha
            - (w * rx) @ (w3 / (alpha + d.T) + w4 / (alpha + d.tx)))
    sw4 = np.bincount(d.idx, weights=ww4, minlength=xs.size)
    dab = digamma(a + b)
    da = wx @ (dab - digamma(a + b + xs)) + sw4.sum() / a
    db = wx @ (digamma(b + xs) - digamma(a + b + xs) - digamma(b) + dab) - sw4 @ np.exp(-lb)
    return ll, np.array([dr, dal, da, db])


def _euler_tail(r, alpha, a, b, x, T, t):
    """1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t)), bounded form.

    The hypergeometric function dominates the cost of scoring; it depends on (x, T) only,
    so on day-grained summaries it is evaluated once per distinct pair.
    """
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    groups = _common.distinct_rows(x, T) if x.ndim == 1 and x.size > 1000 else None
    if groups is not None:
        first, inv, _ = groups
        return _euler_tail(r, alpha, a, b, x[first], T[first], t)[..., inv]
    z = t / (alpha + T + t)
    with np.errstate(over="ignore", invalid="ignore"):
        out = 1.0 - (1.0 - z) ** (a - 1.0) * _hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
    bad = ~np.isfinite(out)
    if bad.any():
        # a and b in the millions (a fit that collapses the beta law of p on a few customers):
        # the form above is 0 * inf; Euler's transformation gives the same value as
        # (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z), whose series converges like (1-(1-p)z)^-(r+x)
        xb, zb = (np.broadcast_to(v, out.shape)[bad] for v in (x, z))
        out = out.copy()
        out[bad] = 1.0 - (1.0 - zb) ** (r + xb) * _hyp2f1(r + xb, b + xb, a + b + xb - 1.0, zb)
    return out


def _hyp2f1(A, B, C, z, max_terms: int = 400):
    """Gauss's 2F1(A, B; C; z), with the power series where scipy gives up.

    scipy's ``hyp2f1`` returns NaN when ``A`` is a large negative number, which happens when
    a fit collapses the gamma mixing law (identical customers: r and alpha in the millions);
    there z = t / (alpha + T + t) is tiny and the series sum_k (A)_k (B)_k / ((C)_k k!) z^k
    converges in a few terms.
    """
    out = np.asarray(hyp2f1(A, B, C, z), dtype=float)
    bad = ~np.isfinite(out)
    if not bad.any():
        return out
    A, B, C, z = (np.broadcast_to(np.asarray(v, dtype=float), out.shape)[bad]
                  for v in (A, B, C, z))
    term = np.ones_like(z)
    total = np.ones_like(z)
    for k in range(max_terms):
        term = term * (A + k) * (B + k) / ((C + k) * (k + 1.0)) * z
        total = total + term
        if np.all(np.abs(term) <= 1e-16 * np.abs(total)):
            break
    out = out.copy()
    out[bad] = np.where(np.abs(term) <= 1e-12 * np.abs(total), total, np.nan)
    return out


def _cond_expected(r, alpha, a, b, t, x, tx, T):
    """E[Y(t) | x, t_x, T], FHL (2005) eq. (10); broadcasts t against the customers."""
    if abs(a - 1.0) < 1e-7:  # removable singularity at a = 1: average the two sides
        return 0.5 * (_cond_expected(r, alpha, 1 - 1e-6, b, t, x, tx, T)
                      + _cond_expected(r, alpha, 1 + 1e-6, b, t, x, tx, T))
    num = (a + b + x - 1.0) / (a - 1.0) * _euler_tail(r, alpha, a, b, x, T, t)
    return num * _p_alive(r, alpha, a, b, x, tx, T)


def _p_alive(r, alpha, a, b, x, tx, T):
    """P(alive at T | x, t_x, T), FHL (2005) eq. (9), as a logistic of a log-odds."""
    pos = x > 0
    with np.errstate(divide="ignore"):
        log_odds = (np.log(a) - np.log(np.where(pos, b + x - 1.0, 1.0))
                    + (r + x) * (np.log(alpha + T) - np.log(alpha + tx)))
    return np.where(pos, 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0))), 1.0)


class BetaGeoModel(PurchaseModel):
    """BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

    Fitted attributes: ``r_``, ``alpha_``, ``a_``, ``b_``, ``params_``, ``covariance_``,
    ``loglik_``, ``aic_``, ``n_obs_``, ``converged_``; :meth:`summary` gives standard errors
    and 95% intervals. Time is in the unit of the summary (e.g. weeks). ``predict(data,
    t=...)`` is the expected number of purchases in the next ``t`` units (FHL eq. 10); an
    array of horizons gives one column per horizon.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.clv import BetaGeoModel
    >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)  # CDNOW
    >>> one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    >>> round(float(m.predict(one, t=39).iloc[0]), 3)
    1.226
    >>> m.predict(one, t=[13, 26, 39]).round(3)
    t   13.0   26.0   39.0
    0  0.457  0.862  1.226
    >>> m.expected_purchases([1.0, 3.0, 78.0]).round(4).tolist()
    [0.0533, 0.1509, 1.8605]
    """

    _param_names = ("r", "alpha", "a", "b")
    _shape_params = ("r", "a", "b")
    _model_name = "BG/NBD"

    @fill(**PURCHASE_MODEL_DOCS)
    def fit(self, data: pd.DataFrame, weights=None) -> BetaGeoModel:
        """Fit on a summary with ``frequency``, ``recency`` and ``T`` (one row per customer).

        Parameters
        ----------
        {fit_summary}

        Returns
        -------
        BetaGeoModel
            The model itself, with its fitted attributes set.

        Examples
        --------
        >>> import numpy as np
        >>> truth = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> sim = truth.simulate(np.full(500, 39.0), seed=1)
        >>> m = BetaGeoModel().fit(sim)
        >>> bool(m.converged_), round(float(m.r_), 2)
        (True, 0.24)
        """
        d = check_summary(data)
        x, tx, T = d["frequency"], d["recency"], d["T"]
        w = weights_array(weights, len(x))
        if not np.any(x > 0):
            raise ValueError("BG/NBD: no customer made a repeat purchase (all frequency == 0); "
                             "drop-out cannot be estimated from this data")
        x, tx, T, w = grouped(x, tx, T, w)
        fd = _FitData(x, tx, T, w)

        def negll(th):
            p = np.exp(th)
            ll, g = _loglik_sum(p, fd)
            return -ll, -g * p

        rate = max(np.average(x, weights=w) / np.average(T, weights=w), 1e-6)
        x0 = np.array([1.0, 1.0 / rate, 1.0, 3.0])
        self._store(fit_mle(negll, x0, self._param_names, w.sum(), jac=True,
                            model=self._model_name), w.sum())
        return self

    @fill(**PURCHASE_MODEL_DOCS)
    def loglik(self, data: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each customer under the current parameters.

        Parameters
        ----------
        {summary_data}

        {loglik_returns}

        Examples
        --------
        >>> import pandas as pd
        >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> two = pd.DataFrame({"frequency": [2, 0], "recency": [30.43, 0.0], "T": [38.86, 38.86]})
        >>> m.loglik(two).round(3).tolist()
        [-9.459, -0.555]
        """
        params = self._params()
        return self._per_customer(data, "loglik", lambda x, tx, T: _loglik(params, x, tx, T))

    @fill(**PURCHASE_MODEL_DOCS)
    def expected_purchases(self, t):
        """E[X(t)]: expected repeat purchases in (0, t] of a customer who just made a first
        purchase (FHL 2005 eq. 7).

        {expected_purchases}

        Examples
        --------
        >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> m.expected_purchases([1.0, 39.0]).round(4).tolist()
        [0.0533, 1.1967]
        """
        r, alpha, a, b = self._params()
        t = np.asarray(t, dtype=float)
        return _cond_expected(r, alpha, a, b, t, 0.0, 0.0, 0.0)[()]

    def _expected(self, t, x, tx, T):
        """E[Y(t) | x, t_x, T] (eq. 10); ``t`` broadcasts against the customers."""
        return _cond_expected(*self._params(), t, x, tx, T)

    @fill(**PURCHASE_MODEL_DOCS)
    def probability_alive(self, data: pd.DataFrame) -> pd.Series:
        """P(alive at T | x, t_x, T) (FHL 2005 eq. 9).

        Parameters
        ----------
        {summary_data}

        Returns
        -------
        pandas.Series
            ``p_alive`` per row; 1 for customers with no repeat purchase (under BG/NBD a
            customer can only drop out right after a purchase).

        Examples
        --------
        >>> import pandas as pd
        >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> two = pd.DataFrame({"frequency": [2, 0], "recency": [30.43, 0.0], "T": [38.86, 38.86]})
        >>> m.probability_alive(two).round(3).tolist()
        [0.727, 1.0]
        """
        params = self._params()
        return self._per_customer(data, "p_alive", lambda x, tx, T: _p_alive(*params, x, tx, T))

    def probability_of_purchases(self, t, n):
        """P(X(t) = n): probability of exactly ``n`` repeat purchases in (0, t] (eq. 8).

        Parameters
        ----------
        t : float or array-like
            Length of the period, in the model's time unit.
        n : int or array-like
            Number of repeat purchases; broadcasts against ``t``.

        Returns
        -------
        float or numpy.ndarray
            The probabilities. Summed over customers' own ``T``, they give the expected
            histogram of calibration frequencies.

        Examples
        --------
        >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> m.probability_of_purchases(39.0, [0, 1, 2]).round(3).tolist()
        [0.574, 0.199, 0.085]
        """
        r, alpha, a, b = self._params()
        t = np.asarray(t, dtype=float)
        n = np.asarray(n, dtype=float)
        lp = np.log(alpha / (alpha + t))
        with np.errstate(divide="ignore"):
            lq = np.log(t / (alpha + t))
        first = np.exp(betaln(a, b + n) - betaln(a, b) + gammaln(r + n) - gammaln(r)
                       - gammaln(n + 1) + r * lp + np.where(n > 0, n * lq, 0.0))
        cdf = stats.nbinom.cdf(n - 1, r, alpha / (alpha + t))
        second = np.where(n > 0, np.exp(betaln(a + 1, np.maximum(b + n - 1, 1e-300))
                                        - betaln(a, b)) * (1.0 - cdf), 0.0)
        return (first + second)[()]

    @fill(**PURCHASE_MODEL_DOCS)
    def simulate(self, T, *, holdout: float = 0.0, seed=None) -> pd.DataFrame:
        """Simulate customers from the fitted parameters (see :func:`simulate_bgnbd`).

        Parameters
        ----------
        {observation}

        Returns
        -------
        pandas.DataFrame
            One row per customer, as :func:`simulate_bgnbd`.

        Examples
        --------
        >>> import numpy as np
        >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> m.simulate(np.full(4, 39.0), seed=0)["frequency"].tolist()
        [3, 0, 6, 1]
        """
        return simulate_bgnbd(*self._params(), T, holdout=holdout, seed=seed)


# ---------------------------------------------------------------------------------------
# simulation
# ---------------------------------------------------------------------------------------
def _bgnbd_draw(r, alpha, a, b, T, holdout, seed):
    rng = np.random.default_rng(seed)
    T = observation_times(T, holdout)
    m = T.size
    H = T + holdout
    lam = rng.gamma(r, 1.0 / alpha, m)
    p = rng.beta(a, b, m)
    death = rng.geometric(np.maximum(p, 1e-300))  # dies right after this repeat purchase
    k = rng.poisson(lam * H)
    n = np.minimum(k, death)
    owner, times = order_statistics(rng, n, k, H)
    return owner, times, T, H, lam, p, death


@fill(**PURCHASE_MODEL_DOCS)
def simulate_bgnbd(r, alpha, a, b, T, *, holdout: float = 0.0, seed=None) -> pd.DataFrame:
    """Simulate the BG/NBD story for customers observed ``T`` (array) after a first purchase.

    Parameters
    ----------
    {purchase_rates}
    a, b : float
        Beta heterogeneity of the drop-out probability after each purchase.
    {observation}

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``frequency``, ``recency``, ``T``; with ``holdout > 0``
        also ``frequency_holdout`` (repeat purchases in (T, T + holdout]) and
        ``duration_holdout``; and the hidden truth ``lambda``, ``p`` and ``alive`` (at T).

    Examples
    --------
    >>> import numpy as np
    >>> sim = simulate_bgnbd(0.243, 4.414, 0.793, 2.426, np.full(5, 39.0), seed=1)
    >>> list(sim.columns)
    ['frequency', 'recency', 'T', 'lambda', 'p', 'alive']
    >>> bool((sim["recency"] <= sim["T"]).all())
    True
    """
    owner, times, T, H, lam, p, death = _bgnbd_draw(r, alpha, a, b, T, holdout, seed)
    out = paths_to_summary(owner, times, T, H, T.size)
    out["lambda"] = lam
    out["p"] = p
    out["alive"] = out["frequency"].to_numpy() < death
    return out


@fill(**PURCHASE_MODEL_DOCS)
def simulate_bgnbd_paths(r, alpha, a, b, T, *, seed=None) -> pd.DataFrame:
    """Purchase paths under BG/NBD: one row per purchase, first purchase at time 0.

    Parameters
    ----------
    {purchase_rates}
    a, b : float
        Beta heterogeneity of the drop-out probability after each purchase.
    {paths}

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` and ``time`` (in the unit of the parameters). Turn times
        into dates and feed :func:`crmkit.clv.clv_summary` to close the loop.

    Examples
    --------
    >>> import numpy as np
    >>> paths = simulate_bgnbd_paths(0.5, 2.0, 0.5, 3.0, np.full(3, 10.0), seed=0)
    >>> bool((paths.groupby("customer_id")["time"].min() == 0).all())
    True
    """
    owner, times, T, H, *_ = _bgnbd_draw(r, alpha, a, b, T, 0.0, seed)
    return paths_frame(owner, times, T.size)

