"""Maximum likelihood machinery shared by the probabilistic models of :mod:`crmkit.clv`.

Every model here has strictly positive parameters, so the optimiser works on their
logarithms (unconstrained, better scaled) and the standard errors come back to the original
scale by the delta method. The negative log-likelihood is averaged over customers while
optimising, so the tolerances mean the same thing for 2,000 or 2,000,000 customers.

The pieces: :func:`fit_mle` (optimise, polish with Newton steps, invert the Hessian),
:class:`MLEResult` (what a fit leaves behind) and :class:`FittedModel` (the base of the
models: parameter attributes ending in ``_``, ``summary()``, ``params_``, ``loglik_``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from threadpoolctl import threadpool_limits

__all__ = ["ConvergenceError", "ConvergenceWarning", "MLEResult", "fit_mle", "FittedModel"]

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


def distinct_rows(*cols: np.ndarray, probe: int = 20_000, max_share: float = 0.5):
    """Group identical rows of float columns, when that pays off.

    Summaries built from dated transactions repeat themselves: T and recency are whole days,
    frequency a small integer, so a million customers may hold only tens of thousands of
    distinct rows. Returns ``(first, inverse, counts)`` (a representative row index per
    group, the group of every row, the group sizes), or None when more than ``max_share``
    of the rows are distinct (continuous simulated data), judged first on a ``probe``-row
    sample so that case costs little.

    Examples
    --------
    >>> import numpy as np
    >>> first, inv, counts = distinct_rows(np.array([1., 1., 2., 1.]), np.array([3., 3., 3., 3.]))
    >>> first.tolist(), inv.tolist(), counts.tolist()
    ([0, 2], [0, 0, 1, 0], [3, 1])
    """
    n = len(cols[0])

    def codes(m):
        code = pd.factorize(cols[0][:m] + 1j * (cols[1][:m] if len(cols) > 1 else 0))[0]
        for c in cols[2:]:
            code = pd.factorize(code + 1j * c[:m])[0]
        return code

    if n > probe and codes(probe).max() + 1 > max_share * probe:
        return None
    code = codes(n)
    k = int(code.max()) + 1
    if k > max_share * n:
        return None
    first = np.empty(k, dtype=np.int64)
    first[code[::-1]] = np.arange(n - 1, -1, -1)  # last write wins: the first occurrence
    return first, code, np.bincount(code, minlength=k)


class FittedModel:
    """Base of the fitted models: parameters as attributes ``<name>_`` and a summary table."""

    _param_names: tuple[str, ...] = ()
    _shape_params: tuple[str, ...] = ()  # unit-free parameters (shapes of gamma/beta laws)
    _model_name = "model"

    def _store(self, res: MLEResult, n_obs: int) -> None:
        odd = {nm: float(v) for nm, v in zip(res.names, res.estimate, strict=True)
               if nm in self._shape_params and not 1e-4 < v < 1e4}
        if odd:
            warnings.warn(
                f"{self._model_name}: shape parameter(s) {odd} are degenerate; the mixing "
                "distribution collapses (e.g. every customer with the same rate, or nobody "
                "dropping out), so this model does not describe the data well",
                ConvergenceWarning, stacklevel=3)
        for nm, v in zip(res.names, res.estimate, strict=True):
            setattr(self, nm + "_", float(v))
        self.params_ = pd.Series(res.estimate, index=list(res.names), name="estimate")
        self.covariance_ = pd.DataFrame(res.cov, index=list(res.names), columns=list(res.names))
        self.loglik_ = res.loglik
        self.n_obs_ = int(n_obs)
        self.aic_ = 2 * len(res.names) - 2 * res.loglik
        self.converged_ = res.converged
        self.n_iter_ = res.n_iter
        self._mle = res

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ValueError(f"{type(self).__name__} is not fitted yet: call fit() first, or "
                             "set_params() with known parameter values")

    def set_params(self, **params: float):
        """Set the model parameters by hand (e.g. published estimates) instead of fitting."""
        missing = [p for p in self._param_names if p not in params]
        extra = [p for p in params if p not in self._param_names]
        if missing or extra:
            raise ValueError(f"{type(self).__name__} needs exactly {list(self._param_names)}; "
                             f"missing {missing}, unknown {extra}")
        for p in self._param_names:
            v = float(params[p])
            if not np.isfinite(v) or v <= 0:
                raise ValueError(f"{type(self).__name__}: parameter {p} must be > 0, got {v}")
        # whatever a previous fit left no longer describes these parameters
        for attr in ("_mle", "covariance_", "loglik_", "aic_", "n_obs_", "converged_", "n_iter_"):
            self.__dict__.pop(attr, None)
        for p in self._param_names:
            setattr(self, p + "_", float(params[p]))
        self.params_ = pd.Series([params[p] for p in self._param_names],
                                 index=list(self._param_names), name="estimate", dtype=float)
        return self

    def _params(self) -> tuple[float, ...]:
        self._check_fitted()
        return tuple(getattr(self, p + "_") for p in self._param_names)

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors (inverse Hessian, delta method) and 95% intervals.

        The interval is computed on the log scale and mapped back, so it stays positive.
        """
        self._check_fitted()
        if not hasattr(self, "_mle"):
            raise ValueError(f"{type(self).__name__}: parameters were set by hand, there is no "
                             "likelihood to summarise; call fit()")
        res = self._mle
        se_log = np.sqrt(np.diag(res.cov_log))
        return pd.DataFrame(
            {
                "estimate": res.estimate,
                "std_error": res.std_error,
                "lower_95": res.estimate * np.exp(-_Z95 * se_log),
                "upper_95": res.estimate * np.exp(_Z95 * se_log),
            },
            index=pd.Index(list(res.names), name="parameter"),
        )

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({ps})"


def check_identified(model: str, names: tuple[str, ...], n_params: int, *cols: np.ndarray) -> None:
    """Refuse data with fewer distinct customers than the model has parameters.

    Identical customers (or a single one) carry the information of one: the likelihood
    has a ridge, the optimiser runs to the edge of the search box and the predictions
    of the fitted model are NaN or meaningless. ``cols`` are the columns the likelihood
    reads (``names`` names them in the error).
    """
    distinct = len(np.unique(np.column_stack(cols), axis=0)) if len(cols[0]) else 0
    if distinct < n_params:
        raise ValueError(
            f"{model}: the data hold {distinct} distinct customer(s) in {list(names)}; "
            f"its {n_params} parameters cannot be estimated from fewer than {n_params}")
