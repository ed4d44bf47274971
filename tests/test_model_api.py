"""The same API checks over every fitted model of the registry (crmkit.models.REGISTRY).

In the spirit of scikit-learn's ``parametrize_with_checks``: each check is run on each
registered model, so a model added to the registry is checked with no edit here.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from crmkit.clv import ConvergenceError, ConvergenceWarning
from crmkit.models import REGISTRY, NotFittedError

NAMES = sorted(REGISTRY)


def _fitted_attributes(model) -> set[str]:
    return {a for a in vars(model) if a.endswith("_") and not a.startswith("_")}


def _fit(spec, seed=0):
    ex = spec.example(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = spec.build().fit(ex.data, **ex.fit_kwargs)
    return model, ex


def _values(pred) -> np.ndarray:
    return np.asarray(pred, dtype=float)


def _predict(spec, model, data, t=None):
    if spec.horizons is None:
        return model.predict(data)
    return model.predict(data, t=spec.horizons[-1] if t is None else t)


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    # OpenMP models (gradient boosting in the uplift models) slow to a crawl when their
    # threads fight other processes for a shared machine's cores
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module", params=NAMES)
def fitted(request):
    spec = REGISTRY[request.param]
    model, ex = _fit(spec)
    return request.param, spec, model, ex


def test_registry_loads_real_classes():
    assert {"bgnbd", "paretonbd", "gammagamma", "markov", "segmentation"} <= set(REGISTRY)
    for spec in REGISTRY.values():
        cls = spec.load()
        assert callable(getattr(cls, "fit", None)) and callable(getattr(cls, "predict", None))


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_fitted_attributes_appear_only_after_fit(name):
    spec = REGISTRY[name]
    model = spec.build()
    assert _fitted_attributes(model) == set()
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    ex = spec.example(1)
    with pytest.raises(NotFittedError):
        _predict(spec, model, ex.predict_on)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert model.fit(ex.data, **ex.fit_kwargs) is model
    assert _fitted_attributes(model)
    check_is_fitted(model)


def test_predictions_are_finite_and_one_per_row(fitted):
    name, spec, model, ex = fitted
    data = ex.predict_on
    pred = _predict(spec, model, data)
    assert _values(pred).shape == (len(data),)
    assert np.all(np.isfinite(_values(pred)))
    if isinstance(data, pd.DataFrame | pd.Series) and isinstance(pred, pd.Series):
        assert pred.index.equals(data.index)


def test_scalar_and_array_horizons_agree(fitted):
    name, spec, model, ex = fitted
    if spec.horizons is None:
        with pytest.raises(TypeError):
            model.predict(ex.predict_on, t=1.0)
        return
    data = ex.predict_on
    t = np.asarray(spec.horizons)
    wide = model.predict(data, t=t)
    assert isinstance(wide, pd.DataFrame) and wide.shape == (len(data), len(t))
    assert np.all(np.isfinite(wide.to_numpy()))
    for j, tj in enumerate(t):
        one = model.predict(data, t=tj)
        assert isinstance(one, pd.Series) and one.index.equals(wide.index)
        assert np.allclose(wide.iloc[:, j].to_numpy(), one.to_numpy(), rtol=1e-12, atol=0)
    with pytest.raises(ValueError):
        model.predict(data, t=-1.0)
    with pytest.raises(ValueError):
        model.predict(data, t=[[1.0, 2.0]])


def test_from_params_round_trips(fitted):
    name, spec, model, ex = fitted
    if not spec.from_params:
        assert not hasattr(model, "to_params"), f"{name}: has to_params, register from_params"
        return
    params = model.to_params()
    rebuilt = type(model).from_params(**params, **model.get_params())
    assert type(rebuilt) is type(model)
    assert rebuilt.get_params() == model.get_params()
    check_is_fitted(rebuilt)
    assert np.allclose(_values(_predict(spec, rebuilt, ex.predict_on)),
                       _values(_predict(spec, model, ex.predict_on)), rtol=1e-12)


def test_clone_get_params_and_set_params(fitted):
    name, spec, model, ex = fitted
    params = model.get_params()
    assert params == spec.build().get_params()
    for k, v in spec.hyper.items():
        assert params[k] == v
    twin = clone(model)
    assert type(twin) is type(model) and twin.get_params() == params
    assert _fitted_attributes(twin) == set()
    with pytest.raises(NotFittedError):
        check_is_fitted(twin)
    assert twin.set_params(**params) is twin


def test_refit_forgets_the_previous_fit(fitted):
    """Fitting on new data gives what a fresh model fitted on it gives."""
    name, spec, model, ex = fitted
    other = spec.example(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        refit = clone(model).fit(ex.data, **ex.fit_kwargs).fit(other.data, **other.fit_kwargs)
        fresh = spec.build().fit(other.data, **other.fit_kwargs)
    assert _fitted_attributes(refit) == _fitted_attributes(fresh)
    assert np.allclose(_values(_predict(spec, refit, other.predict_on)),
                       _values(_predict(spec, fresh, other.predict_on)), rtol=1e-9)


def test_pickle_round_trip(fitted):
    name, spec, model, ex = fitted
    back = pickle.loads(pickle.dumps(model))
    assert np.array_equal(_values(_predict(spec, back, ex.predict_on)),
                          _values(_predict(spec, model, ex.predict_on)))


@pytest.mark.parametrize("name", NAMES)
def test_degenerate_data_is_refused_or_gives_finite_predictions(name):
    """Identical customers, a single customer...: a clear error or finite numbers, never NaN."""
    spec = REGISTRY[name]
    assert spec.degenerate is not None, f"{name}: register degenerate data sets"
    for label, ex in spec.degenerate().items():
        model = spec.build()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(ex.data, **ex.fit_kwargs)
        except (ValueError, ConvergenceError) as e:
            assert not isinstance(e, NotFittedError)
            assert str(e), f"{name} / {label}: an error without a message"
            continue
        pred = _values(_predict(spec, model, ex.predict_on))
        assert np.all(np.isfinite(pred)), f"{name} / {label}: non-finite predictions"
