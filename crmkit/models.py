"""One contract for crmkit's fitted models, and the registry the API test runs over.

Every fitted model of the kit (BG/NBD, Pareto/NBD, Gamma-Gamma, the Markov migration model,
the statistical segmentation, and every model added later) has scikit-learn's shape:

- the constructor takes hyper-parameters only and stores them unchanged, so
  ``get_params``, ``set_params`` and :func:`sklearn.base.clone` work;
- ``fit(data, ...)`` returns the model itself; what it learns is stored in attributes whose
  names end in ``_`` (``params_``, ``transition_matrix_``...), which do not exist before;
  asking an unfitted model for a prediction raises
  :class:`~sklearn.exceptions.NotFittedError` (a ``ValueError``);
- ``predict(data, *, t=...)`` scores ``data``; a model whose prediction depends on a horizon
  takes it as the keyword ``t``: a number gives a Series (one value per row of ``data``), a
  1-D array of horizons gives a DataFrame with one column per horizon (column ``t[j]`` is
  what ``predict(data, t=t[j])`` returns), see :func:`by_horizon`;
- ``from_params(**params)`` (a class method) builds a fitted model from known parameter
  values, e.g. published estimates, and ``to_params()`` gives them back, so that
  ``type(m).from_params(**m.to_params(), **m.get_params())`` predicts exactly like ``m``.

:class:`FittedModel` is the base class that gives these pieces (fitted check, clone,
``from_params`` dispatch, the deprecated ``set_params(<fitted values>)``).

Adding a model
--------------
1. Write the class: subclass :class:`FittedModel` (maximum-likelihood models of
   :mod:`crmkit.clv` subclass ``crmkit.clv._common.MLEModel``, which adds ``summary()``),
   set ``_fitted_marker`` to an attribute that ``fit`` always sets, and implement ``fit``,
   ``predict``, ``_set_fitted`` and ``to_params``.
2. Add a :class:`ModelSpec` to :data:`REGISTRY` below: where the class lives, a function
   that returns an :class:`Example` (data to fit on, simulated from known parameters where
   the model can simulate, and data to predict on), the horizons to try when ``predict``
   takes ``t``, and degenerate data sets (identical customers, a single customer...) that
   the fit must either refuse with a clear error or turn into finite predictions.

``tests/test_model_api.py`` runs the same checks over every entry of :data:`REGISTRY`
(fit returns self; fitted attributes after fit and not before; shapes of scalar and array
``t``; ``from_params`` round trip; finite predictions; clone and ``get_params``; refitting
forgets the previous fit; pickling; degenerate data), so a new model needs no other edit.

Examples
--------
>>> from crmkit.models import REGISTRY
>>> sorted(REGISTRY)[:3]
['bgnbd', 'gammagamma', 'markov']
>>> REGISTRY["bgnbd"].load().__name__
'BetaGeoModel'
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

__all__ = ["REGISTRY", "Example", "FittedModel", "ModelSpec", "NotFittedError", "by_horizon"]


class FittedModel(BaseEstimator):
    """Base of crmkit's fitted models: scikit-learn's estimator shape plus ``from_params``.

    Subclasses set ``_fitted_marker`` (an attribute ``fit`` always sets) and implement
    ``fit``, ``predict``, ``_set_fitted(**params)`` (store known parameter values as fitted
    attributes, return self) and ``to_params()``.
    """

    _fitted_marker: str = "params_"

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, self._fitted_marker)

    def _forget(self) -> None:
        """Drop every fitted attribute (names ending in ``_``): a new fit starts clean."""
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("__")]:
            delattr(self, attr)

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            name = type(self).__name__
            raise NotFittedError(f"{name} is not fitted yet: call fit(), or build it from known "
                                 f"parameters with {name}.from_params(...)")

    @classmethod
    def from_params(cls, **params: Any):
        """A fitted model from known parameter values (hyper-parameters may be mixed in).

        Keywords that are constructor arguments go to the constructor, the others are the
        fitted parameters (see the class's ``to_params``).
        """
        hyper_names = set(cls._get_param_names())
        hyper = {k: params.pop(k) for k in list(params) if k in hyper_names}
        return cls(**hyper)._set_fitted(**params)

    def _set_fitted(self, **params: Any):  # pragma: no cover - every model overrides it
        raise NotImplementedError

    def to_params(self) -> dict[str, Any]:  # pragma: no cover - every model overrides it
        """The fitted parameters, as keywords of :meth:`from_params`.

        Returns
        -------
        dict
            Parameter name -> fitted value (hyper-parameters excluded: see
            ``get_params``).

        Examples
        --------
        Fader, Hardie & Lee's (2005) Gamma-Gamma estimates, back from the model:

        >>> from crmkit.clv import GammaGammaModel
        >>> m = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
        >>> m.to_params()
        {'p': 6.25, 'q': 3.74, 'gamma': 15.44}
        """
        raise NotImplementedError

    # names accepted by the old set_params(<fitted values>) (kept one release, deprecated)
    _legacy_fitted_names: tuple[str, ...] = ()

    def set_params(self, **params: Any):
        """Set hyper-parameters (scikit-learn's meaning).

        Setting *fitted* parameter values here (``set_params(r=..., alpha=...)``) is
        deprecated: use :meth:`from_params`; it still works for one release, with a
        ``FutureWarning``.

        Parameters
        ----------
        **params
            Hyper-parameters by name (constructor arguments), as in
            :meth:`sklearn.base.BaseEstimator.set_params`.

        Returns
        -------
        FittedModel
            The model itself, changed in place.

        Examples
        --------
        >>> from crmkit.clv import MarkovMigrationModel
        >>> m = MarkovMigrationModel()
        >>> m.set_params(discount_rate=0.1) is m, m.get_params()
        (True, {'discount_rate': 0.1})
        """
        legacy = set(self._legacy_fitted_names)
        if params and legacy and set(params) <= legacy:
            name = type(self).__name__
            warnings.warn(f"{name}.set_params(<fitted values>) is deprecated and will be "
                          f"removed in the next release; use {name}.from_params(...)",
                          FutureWarning, stacklevel=2)
            return self._set_fitted(**params)
        return super().set_params(**params)


def _as_horizons(t, *, name: str = "t", allow_none: bool = False, whole: bool = False):
    """Validate ``t``: a number >= 0 or a 1-D array of them (``None`` when allowed)."""
    if t is None:
        if allow_none:
            return None, True
        raise TypeError(f"give the horizon {name}= (a number, or an array of numbers)")
    arr = np.asarray(t, dtype=float)
    if arr.ndim > 1 or arr.size == 0 and arr.ndim == 1:
        raise ValueError(f"{name} must be a number or a non-empty 1-D array of numbers, "
                         f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be finite numbers >= 0, got {t!r}")
    if whole and np.any(arr != np.round(arr)):
        raise ValueError(f"{name} must be whole numbers of periods, got {t!r}")
    return arr, arr.ndim == 0


def by_horizon(compute: Callable[[Any], np.ndarray], t, index: pd.Index, *, name: str,
               vectorised: bool = False, allow_none: bool = False, whole: bool = False):
    """Predictions at one horizon (Series) or at several (DataFrame, one column per horizon).

    ``compute(tt)`` returns one value per row for a scalar horizon ``tt``. When ``t`` is an
    array, ``compute`` is called once per horizon, or, with ``vectorised=True``, once with
    the column ``t[:, None]`` (it must then broadcast to one row per horizon). ``t`` must be
    finite and >= 0 (``whole``: whole numbers); ``None`` is a horizon only when
    ``allow_none`` (e.g. the infinite horizon of the Markov model).

    Parameters
    ----------
    compute : callable
        ``compute(tt)`` -> array of one value per row of ``index`` (or, with
        ``vectorised``, of shape ``(len(t), len(index))``); ``tt`` is a float, or None
        when ``t`` is None.
    t : float, array-like of float or None
        The horizon, or several horizons (1-D).
    index : pandas.Index
        The rows of the result (e.g. the customers of the data predicted).
    name : str
        The name of the Series returned for a scalar ``t``, and of ``t`` in error
        messages.
    vectorised : bool, default False
        Call ``compute`` once with the column ``t[:, None]`` instead of once per horizon.
    allow_none : bool, default False
        Accept ``t=None`` (an infinite horizon).
    whole : bool, default False
        Require whole numbers of periods.

    Returns
    -------
    Series or DataFrame
        A Series named ``name`` for a scalar ``t``; a DataFrame with one column per
        horizon (columns named ``t``) for an array.

    Raises
    ------
    ValueError
        When a horizon is negative or not finite, not whole with ``whole``, or ``t`` is
        not a number or a non-empty 1-D array.
    TypeError
        When ``t`` is None and ``allow_none`` is False.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.Index([10, 11], name="customer_id")
    >>> by_horizon(lambda tt: np.array([1.0, 2.0]) * tt, 3, idx, name="y").tolist()
    [3.0, 6.0]
    >>> by_horizon(lambda tt: np.array([1.0, 2.0]) * tt, [1, 3], idx, name="y")
    ... # doctest: +NORMALIZE_WHITESPACE
    t            1.0  3.0
    customer_id
    10           1.0  3.0
    11           2.0  6.0
    """
    arr, scalar = _as_horizons(t, allow_none=allow_none, whole=whole)
    if scalar:
        value = compute(None if arr is None else float(arr))
        return pd.Series(np.asarray(value, dtype=float), index=index, name=name)
    if vectorised:
        values = np.asarray(compute(arr[:, None]), dtype=float).T
    else:
        values = np.column_stack([np.asarray(compute(float(v)), dtype=float) for v in arr])
    return pd.DataFrame(values, index=index, columns=pd.Index(arr, name="t"))


# ---------------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Example:
    """Data for the API checks: ``data`` to fit on (with ``fit_kwargs``), ``new_data`` to
    predict on (default ``data``)."""

    data: Any
    new_data: Any = None
    fit_kwargs: dict = field(default_factory=dict)

    @property
    def predict_on(self):
        return self.data if self.new_data is None else self.new_data


@dataclass(frozen=True)
class ModelSpec:
    """How the API test builds, fits and questions one model.

    Attributes
    ----------
    model : str
        ``"module:Class"`` (imported on demand, so the registry loads nothing heavy).
    example : callable
        ``example(seed) -> Example``.
    horizons : tuple of float, optional
        Horizons ``t`` to try; None when ``predict`` takes no ``t``.
    degenerate : callable, optional
        ``degenerate() -> dict`` of label -> :class:`Example` whose data ``fit`` must refuse
        (``ValueError``, which includes :class:`crmkit.schema.SchemaError`, or
        ``ConvergenceError``) or fit into finite predictions.
    from_params : bool
        Whether the model can be built from known parameters (``from_params``/``to_params``).
    hyper : dict
        Constructor arguments used by the checks.
    """

    model: str
    example: Callable[[int], Example]
    horizons: tuple | None = None
    degenerate: Callable[[], dict] | None = None
    from_params: bool = True
    hyper: dict = field(default_factory=dict)

    def load(self) -> type:
        """Import the model class named by :attr:`model`.

        Returns
        -------
        type
            The model class (a :class:`FittedModel` subclass).

        Examples
        --------
        >>> REGISTRY["markov"].load().__name__
        'MarkovMigrationModel'
        """
        module, _, name = self.model.partition(":")
        return getattr(importlib.import_module(module), name)

    def build(self):
        """A new, unfitted model built with the spec's hyper-parameters :attr:`hyper`.

        Returns
        -------
        FittedModel
            An unfitted instance of :meth:`load`'s class.

        Examples
        --------
        >>> REGISTRY["markov"].build()
        MarkovMigrationModel(discount_rate=0.05)
        """
        return self.load()(**self.hyper)


# -- example data: simulated from known parameters with the models' own simulators
_N = 400


def _observation_times(seed: int, n: int = _N) -> np.ndarray:
    return np.random.default_rng(seed).uniform(20.0, 40.0, n)


def _bgnbd_example(seed: int) -> Example:
    from crmkit.clv import simulate_bgnbd
    sim = simulate_bgnbd(0.5, 4.0, 0.8, 2.5, _observation_times(seed), seed=seed)
    return Example(sim[["frequency", "recency", "T"]])


def _paretonbd_example(seed: int) -> Example:
    from crmkit.clv import simulate_paretonbd
    sim = simulate_paretonbd(0.6, 5.0, 0.8, 12.0, _observation_times(seed), seed=seed)
    return Example(sim[["frequency", "recency", "T"]])


def _gammagamma_example(seed: int) -> Example:
    from crmkit.clv import simulate_bgnbd, simulate_spend
    freq = simulate_bgnbd(0.6, 4.0, 0.9, 3.0, _observation_times(seed), seed=seed)["frequency"]
    sim = simulate_spend(6.0, 4.0, 15.0, freq.to_numpy() + 1, seed=seed + 1)
    return Example(sim[["frequency", "monetary_value"]])


def _summary_degenerate() -> dict:
    same = pd.DataFrame({"frequency": [3] * 50, "recency": [20.0] * 50, "T": [30.0] * 50})
    return {
        "identical customers": Example(same),
        "one customer": Example(same.head(1)),
        "no repeat purchase": Example(same.assign(frequency=0, recency=0.0)),
    }


def _spend_degenerate() -> dict:
    same = pd.DataFrame({"frequency": [2] * 50, "monetary_value": [25.0] * 50})
    return {
        "identical customers": Example(same),
        "one customer": Example(same.head(1)),
        "no repeat purchase": Example(same.assign(frequency=0, monetary_value=0.0)),
    }


def _markov_example(seed: int) -> Example:
    from crmkit.clv import MarkovMigrationModel, recency_transition_matrix
    truth = MarkovMigrationModel.from_matrix(recency_transition_matrix([0.5, 0.3, 0.1, 0.0]))
    rng = np.random.default_rng(seed)
    paths = truth.simulate(rng.integers(1, 5, 200), 6, seed=seed)
    panel = paths.stack().rename("state").reset_index()
    panel.columns = ["customer_id", "period", "state"]
    reward = {1: 30.0, 2: -2.0, 3: -2.0, 4: 0.0}
    panel["value"] = panel["state"].map(reward) + rng.normal(0, 1, len(panel))
    new = pd.Series([1, 2, 3, 4, 1], index=pd.Index(list("abcde"), name="customer_id"))
    return Example(panel, new_data=new, fit_kwargs={"value": "value"})


def _markov_degenerate() -> dict:
    one = pd.DataFrame({"customer_id": [1, 1, 1], "period": [1, 2, 3], "state": [1, 1, 1],
                        "value": [5.0, 5.0, 5.0]})
    same = pd.DataFrame({"customer_id": np.repeat(np.arange(20), 3),
                         "period": np.tile([1, 2, 3], 20), "state": np.tile([1, 2, 2], 20),
                         "value": np.tile([5.0, 0.0, 0.0], 20)})
    return {label: Example(d, new_data=d["state"], fit_kwargs={"value": "value"})
            for label, d in (("one customer", one), ("identical customers", same))}


def _sbg_example(seed: int) -> Example:
    from crmkit.clv.sbg import simulate_sbg
    data = pd.concat([simulate_sbg(0.7, 1.2, 800, 7, seed=seed, cohort="regular"),
                      simulate_sbg(0.7, 3.8, 800, 7, seed=seed + 1, cohort="high end")],
                     ignore_index=True)
    new = pd.DataFrame({"cohort": ["regular", "high end", "regular"], "age": [0, 3, 10]})
    return Example(data, new_data=new)


def _sbg_degenerate() -> dict:
    nobody_left = pd.DataFrame({"period": [0, 1, 2], "survivors": [100, 100, 100]})
    all_left = pd.DataFrame({"period": [0, 1, 2], "survivors": [100, 0, 0]})
    new = pd.DataFrame({"age": [0, 2]})
    return {"no customer left": Example(nobody_left, new_data=new),
            "everyone left in period 1": Example(all_left, new_data=new),
            "one period only": Example(nobody_left.head(1), new_data=new)}


def _segmentation_example(seed: int) -> Example:
    rng = np.random.default_rng(seed)
    centres = np.array([[25.0, 1.0, 200.0], [45.0, 3.0, 900.0], [70.0, 2.0, 400.0]])
    x = np.repeat(centres, 60, axis=0) + rng.normal(0, [3.0, 0.3, 50.0], (180, 3))
    df = pd.DataFrame(x, columns=["age", "products", "margin"])
    return Example(df, new_data=df.sample(25, random_state=seed))


def _segmentation_degenerate() -> dict:
    same = pd.DataFrame({"age": [40.0] * 10, "products": [2.0] * 10, "margin": [300.0] * 10})
    return {"identical customers": Example(same), "one customer": Example(same.head(1))}


def _uplift_example(seed: int) -> Example:
    # a randomised campaign (70 % contacted) whose contact works on high "x" only
    rng = np.random.default_rng(seed)
    n = 3000
    x = rng.uniform(0, 1, n)
    treated = rng.random(n) < 0.7
    bought = rng.random(n) < 0.05 + 0.1 * rng.uniform(0, 1, n) + 0.25 * x * treated
    data = pd.DataFrame({"x": x, "noise": rng.normal(size=n), "treated": treated, "converted": bought})
    return Example(data, new_data=data[["x", "noise"]].head(40))


def _uplift_degenerate() -> dict:
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x": rng.uniform(0, 1, 200), "treated": np.tile([True, False], 100),
                         "converted": False})
    return {"nobody contacted": Example(data.assign(treated=False)),
            "nobody bought": Example(data),
            "everybody bought": Example(data.assign(converted=True))}


REGISTRY: dict[str, ModelSpec] = {
    "bgnbd": ModelSpec("crmkit.clv.bgnbd:BetaGeoModel", _bgnbd_example,
                       horizons=(0.0, 4.0, 39.0), degenerate=_summary_degenerate),
    "paretonbd": ModelSpec("crmkit.clv.paretonbd:ParetoNBDModel", _paretonbd_example,
                           horizons=(0.0, 4.0, 39.0), degenerate=_summary_degenerate),
    "gammagamma": ModelSpec("crmkit.clv.gammagamma:GammaGammaModel", _gammagamma_example,
                            degenerate=_spend_degenerate),
    "markov": ModelSpec("crmkit.clv.markov:MarkovMigrationModel", _markov_example,
                        horizons=(0, 1, 12), degenerate=_markov_degenerate,
                        hyper={"discount_rate": 0.05}),
    "sbg": ModelSpec("crmkit.clv.sbg:ShiftedBetaGeoModel", _sbg_example, horizons=(0, 1, 5),
                     degenerate=_sbg_degenerate),
    # k-means' fitted state is three scikit-learn objects (scaler, projection, centres):
    # there are no published parameters to start from, so no from_params (use clone/pickle)
    "segmentation": ModelSpec("crmkit.segmentation.clustering:StatisticalSegmentation",
                              _segmentation_example, degenerate=_segmentation_degenerate,
                              from_params=False,
                              hyper={"n_clusters": 3, "n_components": None, "n_init": 2}),
    # uplift models hold fitted scikit-learn classifiers: no published parameters, no from_params
    "uplift_two_model": ModelSpec("crmkit.campaigns.uplift_models:TwoModelUplift", _uplift_example,
                                  degenerate=_uplift_degenerate, from_params=False),
    "uplift_class_transformation": ModelSpec("crmkit.campaigns.uplift_models:ClassTransformationUplift",
                                             _uplift_example, degenerate=_uplift_degenerate,
                                             from_params=False),
}

