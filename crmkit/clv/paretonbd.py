"""Pareto/NBD: Poisson purchases during an exponential lifetime (Schmittlein, Morrison &
Colombo 1987).

While alive a customer buys at Poisson rate lambda; the unobserved lifetime is exponential
with rate mu. Across customers lambda ~ Gamma(r, alpha) and mu ~ Gamma(s, beta). The
likelihood follows Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and
related expressions", eq. (22):

    L = Gamma(r+x) alpha^r beta^s / Gamma(r) *
        [ 1 / ((alpha+T)^(r+x) (beta+T)^s) + s / (r+s+x) * A0 ]

where A0 is a difference of two Gauss hypergeometric terms, one at t_x and one at T. Here
each term is written after Euler's transformation as a power factor times
2F1(1, b'; r+s+x+1; z), a series with positive terms that converges on [0, 1) without
overflow even for hundreds of purchases; the difference and the sum are taken on the log
scale (log-sum-exp), so neither underflow nor cancellation produces a NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln, hyp2f1

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

__all__ = ["ParetoNBDModel", "simulate_paretonbd", "simulate_paretonbd_paths"]


def _log_term(r, alpha, s, beta, x, t):
    """log of 2F1(r+s+x, b1; r+s+x+1; z(t)) / (max(alpha,beta) + t)^(r+s+x), the A0 pieces."""
    c = r + s + x + 1.0
    if alpha >= beta:
        z = (alpha - beta) / (alpha + t)
        # 2F1(a, s+1; a+1; z) = (1-z)^(-s) 2F1(1, r+x; a+1; z), 1 - z = (beta+t)/(alpha+t)
        return (np.log(hyp2f1(1.0, r + x, c, z)) - s * np.log(beta + t)
                - (r + x) * np.log(alpha + t))
    z = (beta - alpha) / (beta + t)
    # 2F1(a, r+x; a+1; z) = (1-z)^(1-r-x) 2F1(1, s+1; a+1; z), 1 - z = (alpha+t)/(beta+t)
    return (np.log(hyp2f1(1.0, s + 1.0, c, z)) + (1.0 - r - x) * np.log(alpha + t)
            - (s + 1.0) * np.log(beta + t))


def _log_a0(r, alpha, s, beta, x, tx, T):
    """log A0 = log(term(t_x) - term(T)); -inf when t_x == T (the two terms coincide)."""
    x, tx, T = np.broadcast_arrays(np.asarray(x, float), np.asarray(tx, float),
                                   np.asarray(T, float))
    groups = _common.distinct_rows(x, tx, T) if x.ndim == 1 and x.size > 1000 else None
    if groups is not None:  # day-grained data: one evaluation per distinct customer
        first, inv, _ = groups
        return _log_a0(r, alpha, s, beta, x[first], tx[first], T[first])[inv]
    # customers without repeat purchase all share term(t_x = 0): one evaluation for them all
    zero = (x == 0) & (tx == 0)
    l1 = np.empty(x.shape)
    l1[zero] = _log_term(r, alpha, s, beta, 0.0, 0.0)
    l1[~zero] = _log_term(r, alpha, s, beta, x[~zero], tx[~zero])
    l2 = _log_term(r, alpha, s, beta, x, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        return l1 + np.log1p(-np.exp(np.minimum(l2 - l1, 0.0)))


def _loglik(params, x, tx, T):
    r, alpha, s, beta = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died = np.log(s) - np.log(r + s + x) + _log_a0(r, alpha, s, beta, x, tx, T)
    return head + np.logaddexp(alive, died)


def _p_alive(r, alpha, s, beta, x, tx, T):
    """P(alive at T | x, t_x, T), from the log-odds of having left."""
    lo = _log_odds_dead(r, alpha, s, beta, x, tx, T)
    return 1.0 / (1.0 + np.exp(np.minimum(lo, 700.0)))


def _log_odds_dead(r, alpha, s, beta, x, tx, T):
    """log[(s/(r+s+x)) (alpha+T)^(r+x) (beta+T)^s A0]: log-odds of having dropped out."""
    return (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
            + _log_a0(r, alpha, s, beta, x, tx, T))


def _growth(s, beta, t):
    """(beta / (s-1)) (1 - (beta/(beta+t))^(s-1)), with its limit beta log(1 + t/beta) at s=1."""
    k = s - 1.0
    lg = np.log1p(t / beta)
    if abs(k) < 1e-10:
        return beta * lg
    return beta * -np.expm1(-k * lg) / k


class ParetoNBDModel(PurchaseModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987) fitted by maximum likelihood.

    Fitted attributes: ``r_``, ``alpha_``, ``s_``, ``beta_``, ``params_``, ``covariance_``,
    ``loglik_``, ``aic_``, ``n_obs_``; :meth:`summary` gives standard errors. ``predict(data,
    t=...)`` is the expected number of purchases in the next ``t`` time units (Fader & Hardie
    2005 note, eq. 25).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.clv import ParetoNBDModel
    >>> m = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    >>> one = pd.DataFrame({"frequency": [0, 4], "recency": [0.0, 30.0], "T": [38.0, 38.0]})
    >>> m.probability_alive(one).round(3).tolist()
    [0.3, 0.851]
    >>> m.predict(one, t=52).round(3).tolist()
    [0.141, 3.279]
    """

    _param_names = ("r", "alpha", "s", "beta")
    _shape_params = ("r", "s")
    _model_name = "Pareto/NBD"

    @fill(**PURCHASE_MODEL_DOCS)
    def fit(self, data: pd.DataFrame, weights=None) -> ParetoNBDModel:
        """Fit on a summary with ``frequency``, ``recency`` and ``T`` (one row per customer).

        Parameters
        ----------
        {fit_summary}

        Returns
        -------
        ParetoNBDModel
            The model itself, with its fitted attributes set.

        Examples
        --------
        >>> import numpy as np
        >>> truth = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> m = ParetoNBDModel().fit(truth.simulate(np.full(500, 39.0), seed=1))
        >>> bool(m.converged_), round(float(m.r_), 1)
        (True, 0.4)
        """
        d = check_summary(data)
        x, tx, T = d["frequency"], d["recency"], d["T"]
        w = weights_array(weights, len(x))
        x, tx, T, w = grouped(x, tx, T, w)
        if not np.any(x > 0):
            raise ValueError("Pareto/NBD: no customer made a repeat purchase (all frequency "
                             "== 0); the model cannot be estimated from this data")

        def negll(th):
            return -np.dot(w, _loglik(np.exp(th), x, tx, T))

        rate = max(np.average(x, weights=w) / np.average(T, weights=w), 1e-6)
        Tm = np.average(T, weights=w)
        x0 = np.array([1.0, 1.0 / rate, 1.0, Tm])
        self._store(fit_mle(negll, x0, self._param_names, w.sum(), model=self._model_name),
                    w.sum())
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
        >>> m = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> two = pd.DataFrame({"frequency": [0, 4], "recency": [0.0, 30.0], "T": [38.0, 38.0]})
        >>> m.loglik(two).round(3).tolist()
        [-0.518, -15.039]
        """
        params = self._params()
        return self._per_customer(data, "loglik", lambda x, tx, T: _loglik(params, x, tx, T))

    @fill(**PURCHASE_MODEL_DOCS)
    def probability_alive(self, data: pd.DataFrame) -> pd.Series:
        """P(alive at T | x, t_x, T) (Fader & Hardie 2005 note, eq. 24).

        Parameters
        ----------
        {summary_data}

        Returns
        -------
        pandas.Series
            ``p_alive`` per row. Unlike BG/NBD, a customer with no repeat purchase may
            already have left.

        Examples
        --------
        >>> import pandas as pd
        >>> m = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> two = pd.DataFrame({"frequency": [0, 4], "recency": [0.0, 30.0], "T": [38.0, 38.0]})
        >>> m.probability_alive(two).round(3).tolist()
        [0.3, 0.851]
        """
        params = self._params()
        return self._per_customer(data, "p_alive", lambda x, tx, T: _p_alive(*params, x, tx, T))

    @fill(**PURCHASE_MODEL_DOCS)
    def expected_purchases(self, t):
        """E[X(t)] for a customer who just made a first purchase: r/alpha * growth(t).

        {expected_purchases}

        Examples
        --------
        >>> m = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> m.expected_purchases([1.0, 39.0]).round(4).tolist()
        [0.051, 1.213]
        """
        r, alpha, s, beta = self._params()
        t = np.asarray(t, dtype=float)
        return (r / alpha * _growth(s, beta, t))[()]

    def _expected(self, t, x, tx, T):
        """E[Y(t) | x, t_x, T] (note eq. 25); ``t`` broadcasts against the customers."""
        r, alpha, s, beta = self._params()
        p_alive = _p_alive(r, alpha, s, beta, x, tx, T)
        # (r+x)(beta+T)/((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] * P(alive)
        return (r + x) / (alpha + T) * _growth(s, beta + T, t) * p_alive

    @fill(**PURCHASE_MODEL_DOCS)
    def simulate(self, T, *, holdout: float = 0.0, seed=None) -> pd.DataFrame:
        """Simulate customers from the fitted parameters (see :func:`simulate_paretonbd`).

        Parameters
        ----------
        {observation}

        Returns
        -------
        pandas.DataFrame
            One row per customer, as :func:`simulate_paretonbd`.

        Examples
        --------
        >>> import numpy as np
        >>> m = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> sim = m.simulate(np.full(3, 39.0), holdout=39.0, seed=0)
        >>> "frequency_holdout" in sim.columns, bool((sim["recency"] <= sim["T"]).all())
        (True, True)
        """
        return simulate_paretonbd(*self._params(), T, holdout=holdout, seed=seed)


def _paretonbd_draw(r, alpha, s, beta, T, holdout, seed):
    rng = np.random.default_rng(seed)
    T = observation_times(T, holdout)
    m = T.size
    H = T + holdout
    lam = rng.gamma(r, 1.0 / alpha, m)
    mu = rng.gamma(s, 1.0 / beta, m)
    tau = rng.exponential(1.0 / np.maximum(mu, 1e-300))
    span = np.minimum(tau, H)
    k = rng.poisson(lam * span)
    owner, times = order_statistics(rng, k, k, span)
    return owner, times, T, H, lam, mu, tau


@fill(**PURCHASE_MODEL_DOCS)
def simulate_paretonbd(r, alpha, s, beta, T, *, holdout: float = 0.0, seed=None):
    """Simulate the Pareto/NBD story for customers observed ``T`` (array) after a first purchase.

    Parameters
    ----------
    {purchase_rates}
    s, beta : float
        Gamma heterogeneity of the drop-out rates (shape, rate).
    {observation}

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` (and ``frequency_holdout``, ``duration_holdout``
        when ``holdout > 0``) plus the hidden ``lambda``, ``mu``, ``lifetime`` and ``alive``
        (at T).

    Examples
    --------
    >>> import numpy as np
    >>> sim = simulate_paretonbd(0.553, 10.578, 0.606, 11.669, np.full(4, 39.0), seed=3)
    >>> sim.shape
    (4, 7)
    """
    owner, times, T, H, lam, mu, tau = _paretonbd_draw(r, alpha, s, beta, T, holdout, seed)
    out = paths_to_summary(owner, times, T, H, T.size)
    out["lambda"] = lam
    out["mu"] = mu
    out["lifetime"] = tau
    out["alive"] = tau > T
    return out


@fill(**PURCHASE_MODEL_DOCS)
def simulate_paretonbd_paths(r, alpha, s, beta, T, *, seed=None) -> pd.DataFrame:
    """Purchase paths under Pareto/NBD: one row per purchase, first purchase at time 0.

    Parameters
    ----------
    {purchase_rates}
    s, beta : float
        Gamma heterogeneity of the drop-out rates (shape, rate).
    {paths}

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` and ``time`` (in the unit of the parameters).

    Examples
    --------
    >>> import numpy as np
    >>> paths = simulate_paretonbd_paths(0.553, 10.578, 0.606, 11.669, np.full(3, 39.0), seed=0)
    >>> sorted(paths.columns), int(paths["customer_id"].nunique())
    (['customer_id', 'time'], 3)
    """
    owner, times, T, *_ = _paretonbd_draw(r, alpha, s, beta, T, 0.0, seed)
    return paths_frame(owner, times, T.size)
