"""BG/NBD: the beta-geometric / negative binomial model of repeat buying.

Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
Pareto/NBD model", *Marketing Science* 24(2). While alive, a customer buys as a Poisson
process of rate lambda; after each repeat purchase the customer drops out for good with
probability p. Across customers lambda ~ Gamma(r, alpha) (shape r, rate alpha) and
p ~ Beta(a, b). A customer is summarised by (x, t_x, T): repeat purchases, time of the last
one and time observed, all counted from the first purchase (see
:func:`crmkit.clv.summary_from_transactions`).

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

from crmkit.clv._optim import FittedModel, distinct_rows, fit_mle
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
    groups = distinct_rows(x, T) if x.ndim == 1 and x.size > 1000 else None
    if groups is not None:
        first, inv, _ = groups
        return _euler_tail(r, alpha, a, b, x[first], T[first], t)[..., inv]
    z = t / (alpha + T + t)
    return 1.0 - (1.0 - z) ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)


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


class BetaGeoModel(FittedModel):
    """BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

    Fitted attributes: ``r_``, ``alpha_``, ``a_``, ``b_``, ``params_``, ``covariance_``,
    ``loglik_``, ``aic_``, ``n_obs_``, ``converged_``; :meth:`summary` gives standard errors
    and 95% intervals. Time is in the unit of the summary (e.g. weeks).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.clv import BetaGeoModel
    >>> m = BetaGeoModel().set_params(r=0.243, alpha=4.414, a=0.793, b=2.426)  # CDNOW
    >>> one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    >>> round(float(m.conditional_expected_purchases(39, one).iloc[0]), 3)
    1.226
    >>> m.expected_purchases([1.0, 3.0, 78.0]).round(4).tolist()
    [0.0533, 0.1509, 1.8605]
    """

    _param_names = ("r", "alpha", "a", "b")
    _shape_params = ("r", "a", "b")
    _model_name = "BG/NBD"

    def fit(self, data: pd.DataFrame, weights=None) -> BetaGeoModel:
        """Fit on a summary with ``frequency``, ``recency`` and ``T`` (one row per customer).

        ``weights`` (optional, one per row) counts identical customers, as in grouped data.
        """
        d = check_summary(data)
        x, tx, T = d["frequency"], d["recency"], d["T"]
        w = _weights(weights, len(x))
        if not np.any(x > 0):
            raise ValueError("BG/NBD: no customer made a repeat purchase (all frequency == 0); "
                             "drop-out cannot be estimated from this data")
        x, tx, T, w = _grouped(x, tx, T, w)
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

    def loglik(self, data: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each customer under the current parameters."""
        d = check_summary(data)
        ll = _loglik(self._params(), d["frequency"], d["recency"], d["T"])
        return pd.Series(ll, index=data.index, name="loglik")

    def expected_purchases(self, t):
        """E[X(t)]: expected repeat purchases in (0, t] of a customer who just made a first
        purchase (FHL 2005 eq. 7). Scalar in, scalar out; arrays broadcast."""
        r, alpha, a, b = self._params()
        t = np.asarray(t, dtype=float)
        return _cond_expected(r, alpha, a, b, t, 0.0, 0.0, 0.0)[()]

    def conditional_expected_purchases(self, t, data: pd.DataFrame) -> pd.Series:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` time units (eq. 10)."""
        d = check_summary(data)
        out = _cond_expected(*self._params(), float(t), d["frequency"], d["recency"], d["T"])
        return pd.Series(out, index=data.index, name="expected_purchases")

    predict = conditional_expected_purchases

    def probability_alive(self, data: pd.DataFrame) -> pd.Series:
        """P(alive at T | x, t_x, T) (eq. 9); 1 for customers with no repeat purchase."""
        d = check_summary(data)
        out = _p_alive(*self._params(), d["frequency"], d["recency"], d["T"])
        return pd.Series(out, index=data.index, name="p_alive")

    def probability_of_purchases(self, t, n):
        """P(X(t) = n): probability of exactly ``n`` repeat purchases in (0, t] (eq. 8).

        ``t`` and ``n`` broadcast; summing over customers' own T gives the expected histogram
        of calibration frequencies.
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

    def simulate(self, T, *, holdout: float = 0.0, seed=None) -> pd.DataFrame:
        """Simulate customers from the fitted parameters (see :func:`simulate_bgnbd`)."""
        return simulate_bgnbd(*self._params(), T, holdout=holdout, seed=seed)


def _grouped(x, tx, T, w):
    """Identical customers fitted once, with their summed weight (same likelihood)."""
    groups = distinct_rows(x, tx, T) if x.size > 1000 else None
    if groups is None:
        return x, tx, T, w
    first, inv, _ = groups
    return x[first], tx[first], T[first], np.bincount(inv, weights=w)


def _weights(weights, n):
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be {n} finite non-negative numbers, not all zero")
    return w


# ---------------------------------------------------------------------------------------
# simulation
# ---------------------------------------------------------------------------------------
def _order_statistics(rng, n, k, horizon):
    """Times of the first n of k uniform points on (0, horizon], per customer, sorted.

    Uses the spacings of exponentials: the j-th of k uniforms is S_j / S_{k+1}, and only the
    first n partial sums are drawn (the rest is one Gamma(k + 1 - n) draw).
    """
    n = np.asarray(n, dtype=np.intp)  # np.repeat counts in the index type (int32 in a browser)
    owner = np.repeat(np.arange(n.size), n)
    e = rng.standard_exponential(owner.size)
    cs = np.cumsum(e)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    before = np.concatenate([[0.0], cs])[starts]
    s = cs - before[owner]
    s_n = np.zeros(n.size)
    has = n > 0
    s_n[has] = s[np.cumsum(n)[has] - 1]
    rest = rng.standard_gamma(np.maximum(k - n + 1, 1e-300))
    total = s_n + rest
    return owner, horizon[owner] * s / total[owner]


def _paths_to_summary(owner, times, T, H, n_customers):
    in_cal = times <= T[owner]
    x = np.bincount(owner[in_cal], minlength=n_customers)
    tx = np.zeros(n_customers)
    np.maximum.at(tx, owner[in_cal], times[in_cal])
    out = pd.DataFrame({"frequency": x.astype("int64"), "recency": tx, "T": T})
    if np.any(H > T):
        out["frequency_holdout"] = np.bincount(owner[~in_cal], minlength=n_customers)
        out["duration_holdout"] = H - T
    out.index.name = "customer_id"
    return out


def _bgnbd_draw(r, alpha, a, b, T, holdout, seed):
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=float)
    if T.ndim == 0:
        raise ValueError("T must be an array with one observation time per customer")
    if np.any(T <= 0) or holdout < 0:
        raise ValueError("T must be > 0 and holdout >= 0")
    m = T.size
    H = T + holdout
    lam = rng.gamma(r, 1.0 / alpha, m)
    p = rng.beta(a, b, m)
    death = rng.geometric(np.maximum(p, 1e-300))  # dies right after this repeat purchase
    k = rng.poisson(lam * H)
    n = np.minimum(k, death)
    owner, times = _order_statistics(rng, n, k, H)
    return owner, times, T, H, lam, p, death


def simulate_bgnbd(r, alpha, a, b, T, *, holdout: float = 0.0, seed=None) -> pd.DataFrame:
    """Simulate the BG/NBD story for customers observed ``T`` (array) after a first purchase.

    Returns one row per customer: ``frequency``, ``recency``, ``T``; with ``holdout > 0``
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
    out = _paths_to_summary(owner, times, T, H, T.size)
    out["lambda"] = lam
    out["p"] = p
    out["alive"] = out["frequency"].to_numpy() < death
    return out


def simulate_bgnbd_paths(r, alpha, a, b, T, *, seed=None) -> pd.DataFrame:
    """Purchase paths under BG/NBD: one row per purchase, first purchase at time 0.

    Columns ``customer_id`` and ``time`` (in the unit of the parameters); each customer is
    followed over (0, T_i]. Turn times into dates and feed
    :func:`crmkit.clv.summary_from_transactions` to close the loop.

    Examples
    --------
    >>> import numpy as np
    >>> paths = simulate_bgnbd_paths(0.5, 2.0, 0.5, 3.0, np.full(3, 10.0), seed=0)
    >>> bool((paths.groupby("customer_id")["time"].min() == 0).all())
    True
    """
    owner, times, T, H, *_ = _bgnbd_draw(r, alpha, a, b, T, 0.0, seed)
    return _paths_frame(owner, times, T.size)


def _paths_frame(owner, times, m):
    cust = np.concatenate([np.arange(m), owner])
    t = np.concatenate([np.zeros(m), times])
    order = np.lexsort((t, cust))
    return pd.DataFrame({"customer_id": cust[order], "time": t[order]})
