"""What the probabilistic models of :mod:`crmkit.clv` share (private).

- :class:`MLEModel`: the base of the models fitted by maximum likelihood (parameters as
  attributes ``<name>_``, ``params_``, ``summary()``, ``from_params``/``to_params``), on
  crmkit's model contract (:class:`crmkit.models.FittedModel`);
- :class:`PurchaseModel`: the purchase-count models (BG/NBD, Pareto/NBD): ``predict(data,
  *, t)`` is the expected number of purchases in the next ``t`` time units, cumulative in
  ``t``; the lifetime-value code reads any purchase model through it;
- the helpers of the fits and the simulators: case weights, grouping of identical
  customers (:func:`distinct_rows`), order statistics of purchase times, and the
  summary/path frames the simulators return.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from crmkit.clv._optim import _Z95, ConvergenceWarning, MLEResult
from crmkit.clv.summary import check_summary
from crmkit.models import FittedModel, by_horizon

__all__ = ["MLEModel", "PurchaseModel", "distinct_rows"]


class MLEModel(FittedModel):
    """Base of the models fitted by maximum likelihood: parameters as attributes
    ``<name>_`` and ``params_``, a summary table with standard errors."""

    _param_names: tuple[str, ...] = ()
    _shape_params: tuple[str, ...] = ()  # unit-free parameters (shapes of gamma/beta laws)
    _model_name = "model"
    _fitted_marker = "params_"

    @property
    def _legacy_fitted_names(self) -> tuple[str, ...]:
        return self._param_names

    def _store(self, res: MLEResult, n_obs: float) -> None:
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

    def _set_fitted(self, **params: float):
        missing = [p for p in self._param_names if p not in params]
        extra = [p for p in params if p not in self._param_names]
        if missing or extra:
            raise ValueError(f"{type(self).__name__} needs exactly {list(self._param_names)}; "
                             f"missing {missing}, unknown {extra}")
        values = {}
        for p in self._param_names:
            try:
                v = float(params[p])
            except (TypeError, ValueError):
                raise ValueError(f"{type(self).__name__}: parameter {p} must be a number, got "
                                 f"{params[p]!r}") from None
            if not np.isfinite(v) or v <= 0:
                raise ValueError(f"{type(self).__name__}: parameter {p} must be > 0, got {v}")
            values[p] = v
        # whatever a previous fit left no longer describes these parameters
        self._forget()
        self.__dict__.pop("_mle", None)
        for p, v in values.items():
            setattr(self, p + "_", v)
        self.params_ = pd.Series(values, name="estimate", dtype=float)
        return self

    def to_params(self) -> dict[str, float]:
        """The parameter values, as keywords of :meth:`from_params`."""
        return dict(zip(self._param_names, self._params(), strict=True))

    def _params(self) -> tuple[float, ...]:
        self._check_fitted()
        return tuple(getattr(self, p + "_") for p in self._param_names)

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors (inverse Hessian, delta method) and 95% intervals.

        The interval is computed on the log scale and mapped back, so it stays positive.
        """
        self._check_fitted()
        if not hasattr(self, "_mle"):
            raise ValueError(f"{type(self).__name__}: parameters were given (from_params), "
                             "there is no likelihood to summarise; call fit()")
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

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({ps})"


class PurchaseModel(MLEModel):
    """Purchase-count models read from a (frequency, recency, T) summary.

    Subclasses implement ``_expected(t, x, tx, T)``: E[Y(t) | x, t_x, T], broadcasting
    ``t`` (a number, or a column of horizons) against the customers.
    """

    def _expected(self, t, x, tx, T):  # pragma: no cover - every model overrides it
        raise NotImplementedError

    def _per_customer(self, data: pd.DataFrame, name: str, fn) -> pd.Series:
        """``fn(x, t_x, T)`` of each customer of the summary ``data`` (checked) under the
        fitted parameters: a Series named ``name``, indexed like ``data``."""
        self._check_fitted()
        d = check_summary(data)
        return pd.Series(fn(d["frequency"], d["recency"], d["T"]), index=data.index, name=name)

    def predict(self, data: pd.DataFrame, *, t):
        """Expected purchases of each customer in the next ``t`` time units, E[Y(t) | x,
        t_x, T] (cumulative in ``t``).

        ``t`` is in the unit of the summary (e.g. weeks). A number gives a Series indexed
        like ``data``; an array of horizons a DataFrame with one column per horizon.
        """
        self._check_fitted()
        d = check_summary(data)
        return by_horizon(lambda tt: self._expected(tt, d["frequency"], d["recency"], d["T"]),
                          t, data.index, name="expected_purchases", vectorised=True)

    def conditional_expected_purchases(self, data: pd.DataFrame, t=None):
        """The literature's name of :meth:`predict`: E[Y(t) | x, t_x, T].

        The old argument order ``(t, data)`` still works for one release, with a
        ``FutureWarning``.
        """
        if isinstance(t, pd.DataFrame) and not isinstance(data, pd.DataFrame):
            warnings.warn(f"{type(self).__name__}.conditional_expected_purchases(t, data) is "
                          "deprecated; call conditional_expected_purchases(data, t=t) or "
                          "predict(data, t=t)", FutureWarning, stacklevel=2)
            data, t = t, data
        return self.predict(data, t=t)


def weights_array(weights, n: int) -> np.ndarray:
    """Case weights (one per row, finite, >= 0, not all 0); ones when None."""
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be {n} finite non-negative numbers, not all zero")
    return w


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


def grouped(x, tx, T, w):
    """Identical customers fitted once, with their summed weight (same likelihood)."""
    groups = distinct_rows(x, tx, T) if x.size > 1000 else None
    if groups is None:
        return x, tx, T, w
    first, inv, _ = groups
    return x[first], tx[first], T[first], np.bincount(inv, weights=w)


# ---------------------------------------------------------------------------------- simulation
#: Docstring blocks of the purchase models (fit, simulators), written once (``crmkit._docs.fill``).
PURCHASE_MODEL_DOCS = {
    "purchase_rates": """\
r, alpha : float
    Gamma heterogeneity of the purchase rates (shape, rate).""",
    "observation": """\
T : array-like
    Observation time of each customer after the first purchase.
holdout : float, default 0.0
    Length of a holdout period after ``T`` (adds ``frequency_holdout`` and
    ``duration_holdout``).
seed : int or numpy.random.Generator, optional
    Random seed.""",
    "fit_summary": """\
data : pandas.DataFrame
    One row per customer: ``frequency`` (repeat purchases), ``recency`` (time of the
    last one) and ``T`` (time observed), in one time unit.
weights : array-like, optional
    One count per row, for grouped data (identical customers counted once).""",
    "paths": """\
T : array-like
    Observation time of each customer; each is followed over (0, T_i].
seed : int or numpy.random.Generator, optional
    Random seed.""",
    "summary_data": """\
data : pandas.DataFrame
    Summary with ``frequency``, ``recency`` and ``T``.""",
    "expected_purchases": """\
Parameters
----------
t : float or array-like
    Horizon(s), in the model's time unit.

Returns
-------
float or numpy.ndarray
    The expected count; scalar in, scalar out, arrays broadcast.""",
    "loglik_returns": """\
Returns
-------
pandas.Series
    ``loglik``, one value per row of ``data``.""",
}


def observation_times(T, holdout: float) -> np.ndarray:
    """The simulators' ``T`` (one observation time > 0 per customer) and ``holdout`` >= 0."""
    T = np.asarray(T, dtype=float)
    if T.ndim == 0:
        raise ValueError("T must be an array with one observation time per customer")
    if np.any(T <= 0) or holdout < 0:
        raise ValueError("T must be > 0 and holdout >= 0")
    return T


def order_statistics(rng, n, k, horizon):
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


def paths_to_summary(owner, times, T, H, n_customers) -> pd.DataFrame:
    """Frequency, recency, T (and the holdout columns when H > T) from simulated times."""
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


def paths_frame(owner, times, m) -> pd.DataFrame:
    """One row per purchase (``customer_id``, ``time``), the first purchase at time 0."""
    cust = np.concatenate([np.arange(m), owner])
    t = np.concatenate([np.zeros(m), times])
    order = np.lexsort((t, cust))
    return pd.DataFrame({"customer_id": cust[order], "time": t[order]})
