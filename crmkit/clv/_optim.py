"""Maximum likelihood machinery shared by the probabilistic models of :mod:`crmkit.clv`.

Every model here has strictly positive parameters, so the optimiser works on their
logarithms (unconstrained, better scaled) and the standard errors come back to the original
scale by the delta method. The negative log-likelihood is averaged over customers while
optimising, so the tolerances mean the same thing for 2,000 or 2,000,000 customers.

The pieces: :func:`fit_mle` (optimise, polish with Newton steps, invert the Hessian) and
:class:`MLEResult` (what a fit leaves behind); the models' base class is in
:mod:`crmkit.clv._common`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from threadpoolctl import threadpool_limits

__all__ = ["ConvergenceError", "ConvergenceWarning", "MLEResult", "fit_mle"]

# log-parameters are kept in this box: beyond it a parameter is running off to 0 or infinity,
# which is a degenerate fit to report, not a number to use
_LOG_BOUND = 18.0
_Z95 = 1.959963984540054


class ConvergenceError(RuntimeError):
    """The likelihood could not be maximised (non-finite value or optimiser failure)."""


class ConvergenceWarning(UserWarning):
    """The fit finished but is doubtful: optimiser stopped early, a parameter ran to a bound,
    or the Hessian is not positive definite (standard errors unavailable)."""


@dataclass
class MLEResult:
    """What :func:`fit_mle` returns: estimates and their uncertainty, on the original scale."""

    names: tuple[str, ...]
    estimate: np.ndarray  # original scale
    loglik: float  # total log-likelihood at the optimum
    cov_log: np.ndarray  # covariance of the log-parameters (inverse Hessian)
    converged: bool
    n_iter: int
    message: str

    @property
    def cov(self) -> np.ndarray:
        """Covariance on the original scale (delta method: J cov_log J, J = diag(theta))."""
        j = np.diag(self.estimate)
        return j @ self.cov_log @ j

    @property
    def std_error(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))


def _central_gradient(f: Callable, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _hessian(f: Callable, grad: Callable | None, x: np.ndarray) -> np.ndarray:
    """Numerical Hessian: forward differences of the analytic gradient when there is one
    (k + 1 gradients, plenty for standard errors), second differences of the function
    otherwise."""
    k = x.size
    if grad is not None:
        h = 1e-6
        H = np.empty((k, k))
        g0 = grad(x)
        for i in range(k):
            e = np.zeros(k)
            e[i] = h
            H[:, i] = (grad(x + e) - g0) / h
        return (H + H.T) / 2
    h = 1e-3  # truncation error O(h^2) is far below the rounding error of 1e-4
    H = np.empty((k, k))
    f0 = f(x)
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h
        H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h**2
        for j in range(i):
            ej = np.zeros(k)
            ej[j] = h
            H[i, j] = H[j, i] = (
                f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)
            ) / (4 * h**2)
    return H


def _last_value_cache(f: Callable) -> Callable:
    """Remember the last evaluation: the optimiser and the Newton polish often ask for the
    value and then the gradient at the same point, and one evaluation gives both."""
    last: dict = {}

    def g(th):
        key = np.asarray(th, dtype=float).tobytes()
        if last.get("key") != key:
            last["key"], last["out"] = key, f(th)
        return last["out"]

    return g


def fit_mle(
    negll: Callable[[np.ndarray], float | tuple[float, np.ndarray]],
    x0: np.ndarray,
    names: tuple[str, ...],
    n_obs: float,
    *,
    jac: bool = False,
    model: str = "model",
) -> MLEResult:
    """Maximise a log-likelihood over strictly positive parameters.

    Parameters
    ----------
    negll : callable
        Takes the *log* of the parameters and returns the total negative log-likelihood
        (and its gradient with respect to the log-parameters when ``jac`` is True).
    x0 : array
        Starting values on the original (positive) scale.
    names : tuple of str
        Parameter names, for messages and summaries.
    n_obs : float
        Number of customers (sum of weights); the objective is divided by it.
    jac : bool
        Whether ``negll`` also returns the gradient.
    model : str
        Model name used in warnings and errors.

    Returns
    -------
    MLEResult

    Examples
    --------
    Exponential waiting times with rate 2: the MLE of the rate is 1 / mean.

    >>> import numpy as np
    >>> y = np.array([0.2, 0.7, 0.4, 0.7])
    >>> res = fit_mle(lambda th: -(len(y) * th[0] - np.exp(th[0]) * y.sum()), np.array([1.0]),
    ...               ("rate",), n_obs=len(y))
    >>> round(float(res.estimate[0]), 4), round(float(1 / y.mean()), 4)
    (2.0, 2.0)
    """
    # the optimiser's linear algebra is on 3x3 / 4x4 matrices: a multi-threaded BLAS only
    # adds thread hand-offs, which cost milliseconds per iteration on a busy machine
    with threadpool_limits(1, user_api="blas"):
        return _fit_mle(negll, x0, names, n_obs, jac=jac, model=model)


def _fit_mle(negll, x0, names, n_obs, *, jac, model) -> MLEResult:
    n = float(n_obs)
    negll = _last_value_cache(negll)

    def fun(th):
        out = negll(th)
        return out[0] if jac else out

    def scaled(th):
        # outside the box the likelihood is not needed: steer the optimiser back
        if np.any(np.abs(th) > _LOG_BOUND + 1):
            return (np.inf, np.zeros_like(th)) if jac else np.inf
        out = negll(th)
        if jac:
            v, g = out
            return v / n, np.asarray(g) / n
        return out / n

    grad = (lambda th: negll(th)[1] / n) if jac else (lambda th: _central_gradient(
        lambda u: fun(u) / n, th))

    th0 = np.log(np.asarray(x0, dtype=float))
    with np.errstate(all="ignore"):
        start = fun(th0)
    if not np.isfinite(start):
        raise ConvergenceError(
            f"{model}: the log-likelihood is not finite at the starting values "
            f"{dict(zip(names, np.round(x0, 4), strict=True))}; check the data for impossible values"
        )
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(th0)
    with np.errstate(all="ignore"):
        if jac:
            res = optimize.minimize(scaled, th0, jac=True, method="L-BFGS-B", bounds=bounds,
                                    options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10})
        else:
            # forward differences while far from the optimum (half the evaluations of central
            # ones); the Newton polish below uses central differences for the last digits
            res = optimize.minimize(scaled, th0, jac="2-point", method="L-BFGS-B",
                                    bounds=bounds,
                                    options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10})
        th = res.x
        converged = bool(res.success)
        value = fun(th)
        H = _hessian(lambda u: fun(u) / n, grad if jac else None, th)
        # Newton polish: quasi-Newton stops a few digits short of what the published
        # estimates are quoted to; a few steps on the numerical Hessian close the gap (the
        # Hessian barely moves over such steps, so it is recomputed only after a long one)
        moved = 0.0
        for _ in range(4):
            try:
                step = np.linalg.solve(H, grad(th))
            except np.linalg.LinAlgError:
                break
            cand = th - step
            if not np.all(np.isfinite(cand)) or np.any(np.abs(cand) > _LOG_BOUND):
                break
            v = fun(cand)
            if not np.isfinite(v) or v > value + 1e-12 * max(1.0, abs(value)):
                break
            th, value = cand, v
            moved += float(np.max(np.abs(step)))
            if np.max(np.abs(step)) < 1e-9:
                converged = True
                break
        if moved > 1e-3:
            H = _hessian(lambda u: fun(u) / n, grad if jac else None, th)
    if not np.isfinite(value) or not np.all(np.isfinite(th)):
        raise ConvergenceError(f"{model}: the optimiser ended on a non-finite log-likelihood "
                               f"({res.message})")
    est = np.exp(th)
    at_bound = [nm for nm, t in zip(names, th, strict=True) if abs(t) >= _LOG_BOUND - 1e-6]
    if at_bound:
        warnings.warn(
            f"{model}: parameter(s) {at_bound} ran to the edge of the search box "
            f"(estimate(s) {[float(est[names.index(a)]) for a in at_bound]}); the data do not "
            "identify the model (too few repeat purchases, or no sign of drop-out)",
            ConvergenceWarning, stacklevel=3)
    g = grad(th)
    if not converged and np.max(np.abs(g)) > 1e-4:
        warnings.warn(f"{model}: the optimiser did not converge ({res.message}); "
                      "estimates may be off", ConvergenceWarning, stacklevel=3)
    else:
        converged = True
    cov_log = np.full((len(th), len(th)), np.nan)
    try:
        eig = np.linalg.eigvalsh(H)
        if np.all(np.isfinite(H)) and eig.min() > 0:
            cov_log = np.linalg.inv(H * n)
        else:
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        warnings.warn(f"{model}: the Hessian at the optimum is not positive definite; "
                      "standard errors are not available (reported as NaN)",
                      ConvergenceWarning, stacklevel=3)
    return MLEResult(names=tuple(names), estimate=est, loglik=-float(value), cov_log=cov_log,
                     converged=converged, n_iter=int(res.nit), message=str(res.message))
