"""Uplift models: whom does the contact *convince*, rather than who buys?

A response score ranks customers by their probability of buying; part of those buyers
would have bought anyway. An *uplift* model estimates, for each customer, the difference the
contact makes: P(buy | contacted) - P(buy | not contacted). It is learnt from a randomised
campaign (contacted test group, held-out control group), since no customer is ever seen both
contacted and not. Two classic approaches, both on scikit-learn classifiers:

- :class:`TwoModelUplift`: one classifier on the test group, one on the control group; the
  uplift is the difference of their probabilities;
- :class:`ClassTransformationUplift` (Jaskowski & Jaroszewicz 2012): a single classifier of
  the transformed class ``z = 1`` when (contacted and bought) or (not contacted and did not
  buy); with test and control weighted to equal size, uplift = 2 P(z = 1 | x) - 1.

They are judged with the Qini curve of Radcliffe (2007): customers ranked by the model,
the cumulative *incremental* buyers among the first ones (:func:`qini_curve`), its area over
random targeting (:func:`qini_coefficient`), the uplift in the top share ranked
(:func:`uplift_at_k`), and the contact depth that maximises profit given a margin per
incremental sale and a cost per contact (:func:`targeting_profit`, :func:`best_targeting_depth`).
Where the true uplift of each customer is known (the course market exports it), the same
curves are drawn with it (:func:`true_qini_curve`).

References: Radcliffe, N. J. (2007), "Using control groups to target on predicted lift",
*Direct Marketing Analytics Journal* 1, 14-21; Jaskowski, M. & Jaroszewicz, S. (2012),
"Uplift modeling for clinical trial data", ICML workshop on clinical data analysis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from crmkit._docs import fill
from crmkit.models import FittedModel

__all__ = ["TwoModelUplift", "ClassTransformationUplift", "qini_curve", "true_qini_curve",
           "qini_coefficient", "uplift_at_k", "targeting_profit", "best_targeting_depth"]


def _default_estimator():
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
                                          min_samples_leaf=200, random_state=0)


class _UpliftBase(BaseEstimator):
    """Shared pieces: the columns, the checks of a randomised campaign's data.

    The model contract of :mod:`crmkit.models` without ``from_params``: the fitted state is
    scikit-learn classifiers, with no published parameters to start from (clone or pickle).
    """

    _fitted_marker = "estimators_"
    __sklearn_is_fitted__ = FittedModel.__sklearn_is_fitted__
    _forget = FittedModel._forget
    _check_fitted = FittedModel._check_fitted

    def __init__(self, features=None, treatment: str = "treated", outcome: str = "converted",
                 estimator=None):
        self.features = features
        self.treatment = treatment
        self.outcome = outcome
        self.estimator = estimator

    def _split(self, data: pd.DataFrame):
        from crmkit.schema import SchemaError

        for col in (self.treatment, self.outcome):
            if col not in data.columns:
                raise SchemaError(f"uplift data: column {col!r} is missing")
        features = (list(self.features) if self.features is not None
                    else [c for c in data.columns if c not in (self.treatment, self.outcome)])
        if not features:
            raise SchemaError("uplift data: no feature column to learn from (only "
                              f"{self.treatment!r} and {self.outcome!r})")
        w = data[self.treatment].to_numpy()
        y = data[self.outcome].to_numpy()
        for col, v in ((self.treatment, w), (self.outcome, y)):
            bad = ~np.isin(v, (0, 1, True, False))
            if bad.any():
                raise SchemaError(f"uplift data: column {col!r} must be 0/1 (or bool); "
                                  f"rows {data.index[bad][:5].tolist()} are not")
        w, y = w.astype(bool), y.astype(bool)
        if w.all() or not w.any():
            raise ValueError("uplift needs both contacted (treated) and held-out (control) customers")
        return _features(data, features), w, y, features

    def _estimator(self):
        return clone(self.estimator) if self.estimator is not None else _default_estimator()

    def _start_fit(self, data: pd.DataFrame):
        """Forget a previous fit, check ``data``, set ``features_``: (x, contacted, bought)."""
        self._forget()
        x, w, y, self.features_ = self._split(data)
        return x, w, y

    def _uplift(self, data: pd.DataFrame, estimate) -> pd.Series:
        """``estimate(x)`` on the fitted features of ``data``, as the ``uplift`` Series."""
        self._check_fitted()
        return pd.Series(estimate(_features(data, self.features_)), index=data.index,
                         name="uplift")


#: Parameter and return docs of the two models' fit and predict, written once.
_DOCS = {
    "fit_data": """\
data : DataFrame
    One row per target of a randomised campaign: the ``features``, the 0/1
    ``treatment`` and ``outcome`` columns.""",
    "predict_data": """\
data : DataFrame
    The ``features_`` columns (others are ignored).""",
    "uplift": """\
Series
    The estimated uplift, indexed like ``data``, named ``uplift``.""",
}


def _features(data: pd.DataFrame, features: list) -> pd.DataFrame:
    """The feature columns, refused with one clear error if missing, not numeric or
    categorical, or with missing values."""
    from crmkit.schema import SchemaError

    missing = [c for c in features if c not in data.columns]
    if missing:
        raise SchemaError(f"uplift data: feature column(s) {missing} missing")
    x = data[features]
    for col in features:
        s = x[col]
        if not (pd.api.types.is_numeric_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype)):
            raise SchemaError(f"uplift data: feature {col!r} must be numeric or categorical, "
                              f"got {s.dtype}")
        bad = s.isna().to_numpy()
        if bad.any():
            raise SchemaError(f"uplift data: feature {col!r} has missing values in rows "
                              f"{data.index[bad][:5].tolist()}")
    return x


class TwoModelUplift(_UpliftBase):
    """Uplift as the difference of two response models, one per group.

    Parameters
    ----------
    features : list of str, optional
        Columns used as predictors (default: every column but ``treatment`` and ``outcome``).
    treatment : str
        0/1 column: 1 for a contacted customer (test), 0 for a held-out one (control).
    outcome : str
        0/1 column: the customer bought.
    estimator : scikit-learn classifier, optional
        Cloned for each group (default: a histogram gradient-boosting classifier).

    Attributes
    ----------
    estimators_ : dict
        ``{"treated": fitted classifier, "control": fitted classifier}``.
    features_ : list of str
        The predictor columns.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 1, 4000)
    >>> treated = rng.random(4000) < 0.5
    >>> bought = rng.random(4000) < 0.1 + 0.3 * x * treated  # the contact works on high x
    >>> data = pd.DataFrame({"x": x, "treated": treated, "converted": bought})
    >>> m = TwoModelUplift(estimator=LogisticRegression()).fit(data)
    >>> u = m.predict(pd.DataFrame({"x": [0.05, 0.95]}))
    >>> bool(u.iloc[1] > u.iloc[0] + 0.15)
    True
    """

    @fill(**_DOCS)
    def fit(self, data: pd.DataFrame):
        """Fit one classifier on the contacted customers, one on the held-out ones.

        Parameters
        ----------
        {fit_data}

        Returns
        -------
        self

        Examples
        --------
        >>> import pandas as pd
        >>> from sklearn.dummy import DummyClassifier
        >>> d = pd.DataFrame({"x": [0, 1, 0, 1], "treated": [1, 1, 0, 0], "converted": [1, 0, 1, 0]})
        >>> sorted(TwoModelUplift(estimator=DummyClassifier()).fit(d).estimators_)
        ['control', 'treated']
        """
        x, w, y = self._start_fit(data)
        self.estimators_ = {"treated": self._estimator().fit(x[w], y[w]),
                            "control": self._estimator().fit(x[~w], y[~w])}
        return self

    @fill(**_DOCS)
    def predict(self, data: pd.DataFrame) -> pd.Series:
        """Estimated uplift, P(buy | contacted) - P(buy | not contacted), one per row.

        Parameters
        ----------
        {predict_data}

        Returns
        -------
        {uplift}

        Examples
        --------
        >>> import pandas as pd
        >>> from sklearn.dummy import DummyClassifier
        >>> d = pd.DataFrame({"x": [0, 1, 2, 0, 1, 2], "treated": [1, 1, 1, 0, 0, 0],
        ...                   "converted": [1, 1, 0, 1, 0, 0]})
        >>> m = TwoModelUplift(estimator=DummyClassifier()).fit(d)
        >>> round(float(m.predict(d).iloc[0]), 4)  # 2/3 bought when contacted, 1/3 when not
        0.3333
        """
        def estimate(x):
            return (self.estimators_["treated"].predict_proba(x)[:, 1]
                    - self.estimators_["control"].predict_proba(x)[:, 1])

        return self._uplift(data, estimate)


class ClassTransformationUplift(_UpliftBase):
    """Uplift from one classifier of the transformed class (Jaskowski & Jaroszewicz 2012).

    ``z = 1`` for a contacted buyer or a held-out non-buyer. When the two groups weigh the
    same, ``P(z = 1 | x) = (1 + uplift(x)) / 2``; the test and control groups are weighted
    to equal totals (weights ``0.5 / share``), so an unbalanced split such as 90 % test is
    handled too. Parameters and attributes as :class:`TwoModelUplift`
    (``estimators_`` holds ``{"z": classifier}``; the estimator must accept
    ``sample_weight``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 1, 8000)
    >>> treated = rng.random(8000) < 0.8  # an unbalanced split
    >>> bought = rng.random(8000) < 0.1 + 0.3 * x * treated
    >>> data = pd.DataFrame({"x": x, "treated": treated, "converted": bought})
    >>> m = ClassTransformationUplift(estimator=LogisticRegression()).fit(data)
    >>> u = m.predict(pd.DataFrame({"x": [0.05, 0.95]}))
    >>> bool(u.iloc[1] > u.iloc[0] + 0.15)
    True
    """

    @fill(**_DOCS)
    def fit(self, data: pd.DataFrame):
        """Fit the classifier of ``z`` with test and control weighted to equal totals.

        Parameters
        ----------
        {fit_data}

        Returns
        -------
        self

        Examples
        --------
        >>> import pandas as pd
        >>> from sklearn.dummy import DummyClassifier
        >>> d = pd.DataFrame({"x": [0, 1, 0, 0], "treated": [1, 1, 1, 0], "converted": [1, 1, 0, 0]})
        >>> ClassTransformationUplift(estimator=DummyClassifier()).fit(d).treated_share_
        0.75
        """
        x, w, y = self._start_fit(data)
        z = (y == w)
        share = w.mean()
        weight = np.where(w, 0.5 / share, 0.5 / (1.0 - share))
        self.treated_share_ = float(share)
        self.estimators_ = {"z": self._estimator().fit(x, z, sample_weight=weight)}
        return self

    @fill(**_DOCS)
    def predict(self, data: pd.DataFrame) -> pd.Series:
        """Estimated uplift, 2 P(z = 1 | x) - 1, one per row.

        Parameters
        ----------
        {predict_data}

        Returns
        -------
        {uplift}

        Examples
        --------
        >>> import pandas as pd
        >>> from sklearn.dummy import DummyClassifier
        >>> d = pd.DataFrame({"x": [0, 1, 0, 0], "treated": [1, 1, 1, 0], "converted": [1, 1, 0, 0]})
        >>> m = ClassTransformationUplift(estimator=DummyClassifier()).fit(d)
        >>> round(float(m.predict(d).iloc[0]), 4)  # 2/3 bought when contacted, 0/1 when not
        0.6667
        """
        return self._uplift(data, lambda x: 2.0 * self.estimators_["z"].predict_proba(x)[:, 1] - 1.0)


# ------------------------------------------------------------------------------ evaluation
def _ranked(score, *cols):
    score = np.asarray(score, dtype=float)
    order = np.argsort(-score, kind="stable")
    return [np.asarray(c)[order] for c in cols]


def _curve(n_total: int, incremental: np.ndarray) -> pd.DataFrame:
    n = np.arange(0, n_total + 1)
    return pd.DataFrame({"share": n / max(n_total, 1), "targeted": n,
                         "incremental": np.concatenate([[0.0], incremental])})


def qini_curve(score, outcome, treated) -> pd.DataFrame:
    """Radcliffe's Qini curve of a ranking, measured on a randomised campaign.

    Customers are ranked by ``score`` (highest first; ties keep their order). After the
    first ``k``, the incremental buyers are ``Y_t(k) - Y_c(k) N_t(k) / N_c(k)``: buyers of the
    test group minus those of the control group scaled to the test group's size (0 for the
    control part while no control customer is ranked yet).

    Parameters
    ----------
    score : array-like
        The ranking (predicted uplift, or any score).
    outcome, treated : array-like of 0/1
        Bought; contacted (test) rather than held out (control).

    Returns
    -------
    DataFrame
        ``share`` (of customers ranked, 0 to 1), ``targeted`` (count), ``incremental``.

    Examples
    --------
    >>> c = qini_curve([0.9, 0.8, 0.3, 0.1], outcome=[1, 0, 1, 0], treated=[1, 0, 0, 1])
    >>> c["incremental"].tolist()
    [0.0, 1.0, 1.0, 0.5, 0.0]
    """
    y, w = _ranked(score, np.asarray(outcome, dtype=float), np.asarray(treated, dtype=bool))
    nt, nc = np.cumsum(w), np.cumsum(~w)
    yt, yc = np.cumsum(y * w), np.cumsum(y * ~w)
    ratio = np.divide(nt, nc, out=np.zeros(len(y)), where=nc > 0)
    return _curve(len(y), yt - yc * ratio)


def true_qini_curve(score, true_uplift) -> pd.DataFrame:
    """The Qini curve under the true effect: expected incremental buyers if the first ``k``
    customers ranked by ``score`` are contacted (the running sum of their true uplift).

    Only a simulated market knows ``true_uplift`` (e.g. ``p_response_contacted -
    p_response_uncontacted`` of the course market's campaign targets).

    Parameters
    ----------
    score : array-like
        The ranking (highest first; ties keep their order).
    true_uplift : array-like
        Each customer's true uplift (a probability difference).

    Returns
    -------
    DataFrame
        ``share``, ``targeted``, ``incremental`` (expected sales caused), as :func:`qini_curve`.

    Examples
    --------
    >>> true_qini_curve([0.2, 0.9, 0.5], [0.1, 0.3, -0.05])["incremental"].round(2).tolist()
    [0.0, 0.3, 0.25, 0.35]
    """
    (u,) = _ranked(score, np.asarray(true_uplift, dtype=float))
    return _curve(len(u), np.cumsum(u))


def qini_coefficient(curve: pd.DataFrame) -> float:
    """Area between a Qini curve and random targeting (the straight line from 0 to the
    curve's end), over the share ranked from 0 to 1 (Radcliffe 2007), in incremental buyers.

    Parameters
    ----------
    curve : DataFrame
        :func:`qini_curve` or :func:`true_qini_curve` output (``share``, ``incremental``).

    Returns
    -------
    float
        Positive when the ranking beats random targeting, 0 for random, negative below it.

    Examples
    --------
    >>> perfect = qini_curve([4, 3, 2, 1], outcome=[1, 0, 0, 1], treated=[1, 0, 1, 0])
    >>> perfect["incremental"].tolist()
    [0.0, 1.0, 1.0, 1.0, 0.0]
    >>> qini_coefficient(perfect)
    0.75
    """
    from crmkit.schema import require_columns

    require_columns(curve, "qini curve", {"share": "number", "incremental": "number"})
    x = curve["share"].to_numpy(dtype=float)
    q = curve["incremental"].to_numpy(dtype=float)
    gain = q - x * q[-1]
    return float(np.sum((gain[1:] + gain[:-1]) * np.diff(x)) / 2.0)


def uplift_at_k(score, outcome, treated, k: float = 0.3) -> float:
    """Uplift among the top share ``k`` ranked by ``score``: conversion of the contacted
    minus conversion of the held-out customers among them.

    Parameters
    ----------
    score : array-like
        The ranking (highest first).
    outcome, treated : array-like of 0/1
        Bought; contacted (test) rather than held out (control).
    k : float
        The share of customers ranked first, in (0, 1].

    Returns
    -------
    float
        The uplift (a difference of conversion rates) in the top ``k``.

    Examples
    --------
    >>> uplift_at_k([4, 3, 2, 1], outcome=[1, 0, 0, 1], treated=[1, 0, 1, 0], k=0.5)
    1.0
    """
    if not 0 < k <= 1:
        raise ValueError(f"k must be a share in (0, 1], got {k!r}")
    y, w = _ranked(score, np.asarray(outcome, dtype=float), np.asarray(treated, dtype=bool))
    top = int(np.ceil(k * len(y)))
    y, w = y[:top], w[:top]
    if w.all() or not w.any():
        raise ValueError(f"the top {k:.0%} holds no {'control' if w.all() else 'test'} customer: "
                         "uplift is not measurable there")
    return float(y[w].mean() - y[~w].mean())


def targeting_profit(score, uplift, *, margin, cost) -> pd.DataFrame:
    """Profit of contacting the first ``k`` customers ranked by ``score``, for every ``k``.

    ``profit = sum of margin x uplift - sum of cost`` over the first ``k``: ``uplift`` is a
    model's own prediction (the profit it expects) or the true uplift (what it really
    earns). ``margin`` (per sale caused) and ``cost`` (per contact) are numbers, or one per
    customer when several offers or channels are pooled.

    Parameters
    ----------
    score : array-like
        The ranking (highest first).
    uplift : array-like
        The uplift counted for each customer (predicted or true).
    margin, cost : float or array-like
        Margin of a sale caused; cost of a contact.

    Returns
    -------
    DataFrame
        ``share``, ``targeted``, ``incremental`` (sales caused), ``profit``.

    Examples
    --------
    >>> targeting_profit([3, 2, 1], [0.5, 0.1, 0.3], margin=100, cost=20)["profit"].tolist()
    [0.0, 30.0, 20.0, 30.0]
    >>> targeting_profit([3, 2, 1], [0.5, 0.1, 0.3], margin=[100, 100, 10], cost=20)["profit"].tolist()
    [0.0, 30.0, 20.0, 3.0]
    """
    n = len(np.asarray(score))
    u, m, c = _ranked(score, np.asarray(uplift, dtype=float),
                      np.broadcast_to(np.asarray(margin, dtype=float), n),
                      np.broadcast_to(np.asarray(cost, dtype=float), n))
    out = _curve(n, np.cumsum(u))
    out["profit"] = np.concatenate([[0.0], np.cumsum(m * u - c)])
    return out


def best_targeting_depth(score, uplift, *, margin, cost) -> pd.Series:
    """The row of :func:`targeting_profit` with the highest profit (the smallest depth on
    ties): the share to contact, the contacts, the incremental buyers and the profit.

    Parameters
    ----------
    score, uplift, margin, cost
        As :func:`targeting_profit`.

    Returns
    -------
    Series
        ``share``, ``targeted``, ``incremental``, ``profit`` of the best depth.

    Examples
    --------
    >>> best = best_targeting_depth([3, 2, 1], [0.5, 0.1, 0.3], margin=100, cost=20)
    >>> int(best["targeted"]), float(best["profit"])
    (1, 30.0)
    """
    curve = targeting_profit(score, uplift, margin=margin, cost=cost)
    return curve.loc[curve["profit"].idxmax()]
