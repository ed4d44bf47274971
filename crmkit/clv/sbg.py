"""Shifted-beta-geometric (sBG) model of contractual retention, fitted by cohort.

In a contractual setting (a bank account, an insurance policy, a subscription) the firm
sees when a customer leaves. Fader & Hardie (2007, "How to project customer retention",
*Journal of Interactive Marketing* 21(1)) model it as follows: at the end of every period a
customer renews with probability ``1 - theta``, constant for that customer; ``theta``
varies across customers as Beta(alpha, beta). The cohort's retention rate then rises with
tenure (the customers most likely to leave leave first) even though nobody's own rate
changes: heterogeneity, not loyalty. With :math:`B` the beta function,

- P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta), t = 1, 2, ...;
- S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta);
- retention rate r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1).

The discounted expected residual lifetime (DERL) of a customer who has renewed ``n - 1``
times, evaluated just before the ``n``-th renewal decision, is (Fader & Hardie 2010,
"Customer-base valuation in a contractual setting: the perils of ignoring heterogeneity",
*Marketing Science* 29(1))

    DERL(d) = (beta + n - 1) / (alpha + beta + n - 1) * 2F1(1, beta + n; alpha + beta + n;
    1 / (1 + d)),

the expected number of further payments, each discounted at rate ``d`` per period;
multiplied by the margin per period it is the customer's residual lifetime value.

Examples
--------
>>> from crmkit.clv.sbg import ShiftedBetaGeoModel, fader_hardie_2007
>>> m = ShiftedBetaGeoModel().fit(fader_hardie_2007(periods=7))
>>> m.params_.round(3).to_dict("index")
{'high end': {'alpha': 0.668, 'beta': 3.806}, 'regular': {'alpha': 0.704, 'beta': 1.182}}
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, hyp2f1

from crmkit.clv._optim import ConvergenceError
from crmkit.market import seen_by
from crmkit.models import FittedModel, by_horizon
from crmkit.schema import (
    SchemaError,
    as_timestamp,
    check_dates_ordered,
    check_key,
    require_columns,
)

__all__ = ["ShiftedBetaGeoModel", "contract_survivors", "fader_hardie_2007", "simulate_sbg",
           "survivor_table"]

# Fader & Hardie (2007), Table 1: customers still active at the start of years 1..13 out of
# 1000 acquired in year 1 (period 0 is the acquisition). The paper fits years 1-8
# (periods 0-7) and projects the rest.
_FH2007 = {
    "regular": [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173],
    "high end": [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394],
}


def fader_hardie_2007(periods: int = 12) -> pd.DataFrame:
    """The survivor counts of Fader & Hardie (2007), Table 1: two cohorts of 1000 customers.

    Parameters
    ----------
    periods : int, default 12
        Last period kept (the paper fits periods 0 to 7).

    Returns
    -------
    DataFrame
        Columns ``cohort``, ``period`` (0 = acquisition), ``survivors``.

    Examples
    --------
    >>> fader_hardie_2007(periods=2)
         cohort  period  survivors
    0  high end       0       1000
    1  high end       1        869
    2  high end       2        743
    3   regular       0       1000
    4   regular       1        631
    5   regular       2        468
    """
    if not 1 <= periods <= 12:
        raise ValueError(f"periods must be between 1 and 12, got {periods!r}")
    rows = [(c, p, n) for c in sorted(_FH2007) for p, n in enumerate(_FH2007[c][: periods + 1])]
    return pd.DataFrame(rows, columns=["cohort", "period", "survivors"])


def simulate_sbg(alpha: float, beta: float, customers: int, periods: int, *,
                 seed=None, cohort="simulated") -> pd.DataFrame:
    """Survivor counts of a cohort drawn from the sBG model.

    Each customer draws ``theta ~ Beta(alpha, beta)`` and leaves after a Geometric(theta)
    number of periods.

    Parameters
    ----------
    alpha, beta : float
        Beta heterogeneity of the churn probabilities (> 0).
    customers : int
        Size of the cohort at acquisition.
    periods : int
        Last period counted.
    seed : int or numpy.random.Generator, optional
        Random seed.
    cohort : str, default "simulated"
        Name written in the ``cohort`` column.

    Returns
    -------
    pandas.DataFrame
        ``cohort``, ``period`` (0 = acquisition) and ``survivors``, as
        :func:`fader_hardie_2007`.

    Examples
    --------
    >>> simulate_sbg(0.7, 1.2, 1000, 3, seed=1)["survivors"].iloc[0]
    np.int64(1000)
    """
    if alpha <= 0 or beta <= 0 or customers < 1 or periods < 1:
        raise ValueError("alpha, beta must be > 0, customers and periods >= 1")
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, customers)
    lifetime = rng.geometric(np.clip(theta, 1e-300, 1.0))
    counts = np.bincount(np.minimum(lifetime, periods + 1).astype(np.intp), minlength=periods + 2)
    survivors = customers - np.cumsum(counts)[: periods + 1]
    return pd.DataFrame({"cohort": cohort, "period": np.arange(periods + 1),
                         "survivors": survivors.astype(np.int64)})


def survivor_table(customers: pd.DataFrame, *, cohort: str = "cohort",
                   tenure: str = "tenure", churned: str = "churned") -> pd.DataFrame:
    """Survivor counts by cohort from one row per customer.

    ``tenure`` is the number of whole periods the customer has been observed since
    acquisition and ``churned`` whether they left at the end of it. Every cohort must be
    observed over the same number of periods (customers still active all have the largest
    tenure of their cohort), as in a cohort acquired at one date.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with the three columns below.
    cohort : str, default "cohort"
        Cohort column.
    tenure : str, default "tenure"
        Whole periods observed since acquisition.
    churned : str, default "churned"
        Whether the customer left at the end of ``tenure`` (bool).

    Returns
    -------
    pandas.DataFrame
        ``cohort``, ``period`` and ``survivors``, the input of
        :meth:`ShiftedBetaGeoModel.fit`.

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"cohort": [2020] * 4, "tenure": [1, 2, 3, 3],
    ...                    "churned": [True, True, False, False]})
    >>> survivor_table(cu)["survivors"].tolist()
    [4, 3, 2, 2]
    """
    require_columns(customers, "customers", {cohort: None, tenure: "int", churned: "bool"},
                    nonnegative=[tenure])
    check_key(customers, "customers")  # one row per customer: a repeated one counts twice
    out = []
    for key, g in customers.groupby(cohort, sort=True):
        horizon = int(g[tenure].max())
        open_short = g.index[~g[churned].to_numpy() & (g[tenure].to_numpy() < horizon)]
        if len(open_short):
            raise SchemaError(f"customers.{tenure}: cohort {key!r} has active customers "
                              f"observed for less than the cohort's {horizon} periods; first "
                              f"offending rows (index): {list(open_short[:5])}")
        lost = np.bincount(g.loc[g[churned], tenure].to_numpy().astype(np.intp),
                           minlength=horizon + 1)
        survivors = len(g) - np.cumsum(lost)
        out.append(pd.DataFrame({"cohort": key, "period": np.arange(horizon + 1),
                                 "survivors": survivors}))
    return pd.concat(out, ignore_index=True).rename(columns={"cohort": cohort})


def contract_survivors(contracts: pd.DataFrame, *, as_of, by: str | None = None,
                       first_year: int | None = None, start_col: str = "start_date",
                       end_col: str = "end_date") -> pd.DataFrame:
    """Survivor counts of contracts by start-year cohort: the input of the sBG model.

    A contract started in year ``Y`` is in cohort ``Y``; it *survives period t* when it is
    still running ``t`` years after its start (``end_date`` later than that anniversary, or
    missing). Each cohort is counted up to the last anniversary every one of its contracts
    reached by ``as_of`` (``as_of.year - Y`` periods when ``as_of`` is a 31 December), so no
    contract is censored inside a cohort's table.

    Parameters
    ----------
    contracts : DataFrame
        ``start_date``, ``end_date`` (missing while running) and the ``by`` column.
    as_of : date-like
        Last day observed.
    by : str, optional
        A column splitting the cohorts (a product family): the cohort is then named
        ``"<value> <year>"``.
    first_year : int, optional
        First start year kept (contracts started before the data begin are in the data
        only because they survived: left-truncated, they would flatter retention).
    start_col, end_col : str
        Column names.

    Returns
    -------
    DataFrame
        ``cohort``, ``period`` (0 = start), ``survivors``; cohorts with no whole year
        observed are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> co = pd.DataFrame({
    ...     "start_date": pd.to_datetime(["2020-03-01", "2020-06-01", "2020-09-01",
    ...                                   "2021-02-01"]),
    ...     "end_date": pd.to_datetime(["2020-12-01", "2022-07-01", None, None])})
    >>> contract_survivors(co, as_of="2022-12-31")
       cohort  period  survivors
    0    2020       0          3
    1    2020       1          2
    2    2020       2          2
    3    2021       0          1
    4    2021       1          1
    """
    day = as_timestamp(as_of, "as_of")
    cols = {start_col: "datetime", end_col: "datetime"}
    if by is not None:
        cols[by] = None
    require_columns(contracts, "contracts", cols, nullable=[end_col])
    check_key(contracts, "contracts")
    check_dates_ordered(contracts, "contracts", start_col, end_col)
    co = contracts.loc[seen_by(contracts[start_col], day)]
    if first_year is not None:
        co = co.loc[co[start_col].dt.year >= first_year]
    year = pd.Timedelta(days=365.25)
    # an end after as_of is not seen yet: the contract is still running on as_of
    end = co[end_col].where(seen_by(co[end_col], day))
    lived = ((end - co[start_col]) / year).fillna(np.inf).to_numpy()
    observed = np.floor(((day - co[start_col]) / year).to_numpy())
    start_year = co[start_col].dt.year.to_numpy()
    keys = (start_year if by is None
            else co[by].astype(str).to_numpy() + " " + start_year.astype(str))
    frame = pd.DataFrame({"cohort": keys, "lived": lived, "observed": observed})
    horizon = frame.groupby("cohort")["observed"].min()
    horizon = horizon[horizon >= 1].astype(int)
    if horizon.empty:
        raise SchemaError(f"contracts.{start_col}: no cohort observed for a whole year by "
                          f"{day.date()}")
    frame = frame.loc[frame["cohort"].isin(horizon.index)]
    # survivors at period t: contracts still running t years after their start
    periods = np.arange(int(horizon.max()) + 1)
    alive = frame["lived"].to_numpy()[:, None] >= periods[None, :]
    alive[:, 0] = True
    counts = pd.DataFrame(alive, columns=periods).groupby(frame["cohort"].to_numpy()).sum()
    out = counts.stack().rename("survivors").reset_index()
    out.columns = ["cohort", "period", "survivors"]
    out = out.loc[out["period"] <= out["cohort"].map(horizon)]
    return out.sort_values(["cohort", "period"]).reset_index(drop=True).astype(
        {"period": "int64", "survivors": "int64"})


def _log_survival(alpha, beta, t):
    return betaln(alpha, beta + t) - betaln(alpha, beta)


def _check_table(data: pd.DataFrame, cohort: str) -> dict:
    """Validate a survivor table; return cohort -> survivors array (period 0, 1, ...)."""
    cols = {"period": "int", "survivors": "number"}
    if cohort in data.columns:
        cols[cohort] = None
    require_columns(data, "survivors", cols, nonnegative=["period", "survivors"])
    keyed = data.assign(_c=data[cohort] if cohort in data.columns else "all")
    tables = {}
    for key, g in keyed.groupby("_c", sort=True):
        g = g.sort_values("period")
        periods = g["period"].to_numpy()
        if periods[0] != 0 or np.any(np.diff(periods) != 1):
            raise SchemaError(f"survivors.period: cohort {key!r} must have periods 0, 1, 2, ... "
                              f"with none missing or repeated; first offending rows (index): "
                              f"{list(g.index[:5])}")
        n = g["survivors"].to_numpy(dtype=float)
        rising = np.flatnonzero(np.diff(n) > 0)
        if len(rising):
            raise SchemaError(f"survivors.survivors: cohort {key!r} gains customers; survivor "
                              f"counts must not rise; first offending rows (index): "
                              f"{list(g.index[rising + 1][:5])}")
        if len(n) < 2 or n[0] <= 0:
            raise ValueError(f"cohort {key!r}: need at least periods 0 and 1 and a cohort of "
                             f"at least one customer to fit alpha and beta")
        if n[-1] == n[0]:
            raise ValueError(f"cohort {key!r}: no customer left over the {len(n) - 1} periods "
                             f"observed; alpha and beta are not identified (beta -> infinity)")
        if n[1] == 0:
            raise ValueError(f"cohort {key!r}: every customer left in the first period; alpha "
                             f"and beta are not identified (beta -> 0)")
        tables[key] = n
    return tables


class ShiftedBetaGeoModel(FittedModel):
    """Shifted-beta-geometric retention model (Fader & Hardie 2007), one fit per cohort.

    Parameters
    ----------
    cohort : str, default "cohort"
        Column naming the cohort (in ``fit`` and ``predict``); without it every row is one
        cohort, named ``"all"``.

    Attributes
    ----------
    params_ : DataFrame
        ``alpha`` and ``beta`` by cohort.
    log_likelihood_ : Series
        Maximised log-likelihood by cohort.

    Examples
    --------
    >>> import pandas as pd
    >>> m = ShiftedBetaGeoModel.from_params(alpha={"a": 0.704}, beta={"a": 1.182})
    >>> m.retention_rate([1, 2]).round(3).to_numpy().tolist()
    [[0.627, 0.756]]
    >>> customers = pd.DataFrame({"cohort": ["a", "a"], "age": [0, 5]})
    >>> m.predict(customers, t=1).round(3).tolist()
    [0.627, 0.898]
    """

    _fitted_marker = "params_"

    def __init__(self, cohort: str = "cohort"):
        self.cohort = cohort

    # ------------------------------------------------------------------ fit
    def fit(self, data: pd.DataFrame):
        """Fit alpha and beta for each cohort by maximum likelihood.

        Parameters
        ----------
        data : DataFrame
            Survivor counts: ``period`` (0 = acquisition, then 1, 2, ... with none
            missing), ``survivors`` (customers still active at that period, not rising),
            and the cohort column (optional). Customers lost between periods ``t - 1`` and
            ``t`` churned at ``t``; those still active at the last period are censored.

        Returns
        -------
        ShiftedBetaGeoModel
            The model itself, with ``params_`` and ``log_likelihood_``.

        Examples
        --------
        Fader & Hardie (2007) fit years 1-8 and report alpha = 0.704, beta = 1.182 for the
        regular cohort and alpha = 0.668, beta = 3.806 for the high-end one:

        >>> m = ShiftedBetaGeoModel().fit(fader_hardie_2007(periods=7))
        >>> m.params_.round(3).to_numpy().tolist()
        [[0.668, 3.806], [0.704, 1.182]]
        """
        self._forget()
        tables = _check_table(data, self.cohort)
        rows, ll = {}, {}
        for key, n in tables.items():
            lost = -np.diff(n)
            t = np.arange(1, len(n))
            horizon = len(n) - 1

            def nll(log_ab, lost=lost, t=t, last=n[-1], horizon=horizon):
                a, b = np.exp(log_ab)
                lp = betaln(a + 1, b + t - 1) - betaln(a, b)
                return -(lost @ lp + last * _log_survival(a, b, horizon))

            best = None
            scale = max(1.0, abs(nll(np.zeros(2))))
            for start in ([0.0, 0.0], [-1.0, 1.0], [1.0, 2.0]):
                res = minimize(nll, start, method="Nelder-Mead",
                               options={"xatol": 1e-9, "fatol": 1e-11 * scale, "maxiter": 5000})
                if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                    best = res
            if best is None or not best.success or np.any(np.abs(best.x) > 30):
                raise ConvergenceError(f"sBG fit did not converge for cohort {key!r}")
            rows[key] = np.exp(best.x)
            ll[key] = -best.fun
        self.params_ = pd.DataFrame(rows, index=["alpha", "beta"]).T.rename_axis(self.cohort)
        self.log_likelihood_ = pd.Series(ll, name="log_likelihood").rename_axis(self.cohort)
        return self

    # ------------------------------------------------------------ contract
    def _set_fitted(self, *, alpha, beta):
        self._forget()
        if np.isscalar(alpha) and np.isscalar(beta):
            alpha, beta = {"all": alpha}, {"all": beta}
        params = pd.DataFrame({"alpha": pd.Series(alpha, dtype=float),
                               "beta": pd.Series(beta, dtype=float)})
        if params.isna().any().any() or (params <= 0).any().any() or params.empty:
            raise ValueError("alpha and beta must be > 0 and given for the same cohorts")
        self.params_ = params.rename_axis(self.cohort)
        return self

    def to_params(self) -> dict:
        """The fitted parameters, as keywords of :meth:`from_params`.

        Returns
        -------
        dict
            ``{"alpha": {cohort: value}, "beta": {cohort: value}}``.

        Examples
        --------
        >>> m = ShiftedBetaGeoModel.from_params(alpha={"regular": 0.704}, beta={"regular": 1.182})
        >>> m.to_params()
        {'alpha': {'regular': 0.704}, 'beta': {'regular': 1.182}}
        """
        self._check_fitted()
        return {"alpha": self.params_["alpha"].to_dict(), "beta": self.params_["beta"].to_dict()}

    def _row_params(self, data: pd.DataFrame, age: str):
        self._check_fitted()
        cols = {age: "int"}
        has_cohort = self.cohort in data.columns
        if has_cohort:
            cols[self.cohort] = None
        require_columns(data, "customers", cols, nonnegative=[age])
        if has_cohort:
            keys = data[self.cohort]
        elif len(self.params_) == 1:
            keys = pd.Series(self.params_.index[0], index=data.index)
        else:
            raise SchemaError(f"customers.{self.cohort}: missing; the model was fitted on "
                              f"{len(self.params_)} cohorts, say which one each row is in")
        unknown = ~keys.isin(self.params_.index)
        if unknown.any():
            raise SchemaError(f"customers.{self.cohort}: {int(unknown.sum())} row(s) of a cohort "
                              f"the model was not fitted on; first offending rows (index): "
                              f"{list(data.index[unknown.to_numpy()][:5])}")
        p = self.params_.reindex(keys.to_numpy())
        return (p["alpha"].to_numpy(), p["beta"].to_numpy(),
                data[age].to_numpy(dtype=float))

    def predict(self, data: pd.DataFrame, *, t, age: str = "age"):
        """Probability that a customer still active after ``age`` periods is still active
        ``t`` periods later: S(age + t) / S(age).

        Parameters
        ----------
        data : DataFrame
            One row per customer: ``age`` (whole periods since acquisition) and the cohort
            column (unless the model has a single cohort).
        t : int or array of int
            Periods ahead (an array gives one column per horizon).
        age : str, default "age"
            Column of ``data`` holding the age.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            ``p_active`` per customer; one column per horizon for an array of horizons.

        Examples
        --------
        >>> import pandas as pd
        >>> m = ShiftedBetaGeoModel.from_params(alpha={"regular": 0.704}, beta={"regular": 1.182})
        >>> m.predict(pd.DataFrame({"age": [0, 5]}), t=[1, 2]).round(3).to_numpy().tolist()
        [[0.627, 0.474], [0.898, 0.818]]
        """
        a, b, n = self._row_params(data, age)

        def compute(tt):
            return np.exp(_log_survival(a, b + n, tt))  # S(n+t)/S(n) = B(a, b+n+t)/B(a, b+n)

        return by_horizon(compute, t, data.index, name="p_active", vectorised=True,
                          whole=True)

    # ----------------------------------------------------- cohort quantities
    def _cohorts_at(self, t):
        """Each cohort's alpha and beta (a column each) and the periods ``t`` (a row)."""
        self._check_fitted()
        tt = np.atleast_1d(np.asarray(t, dtype=float))
        a, b = self.params_["alpha"].to_numpy()[:, None], self.params_["beta"].to_numpy()[:, None]
        return a, b, tt

    def _by_cohort(self, values, tt) -> pd.DataFrame:
        """``values`` as one row per cohort, one column per period of ``tt``."""
        return pd.DataFrame(values, index=self.params_.index, columns=pd.Index(tt, name="t"))

    def survival(self, t) -> pd.DataFrame:
        """Projected share of each cohort still active after ``t`` periods, S(t).

        Parameters
        ----------
        t : int or array-like
            Periods since acquisition.

        Returns
        -------
        pandas.DataFrame
            One row per cohort, one column per ``t``.

        Examples
        --------
        >>> m = ShiftedBetaGeoModel.from_params(alpha={"regular": 0.704}, beta={"regular": 1.182})
        >>> m.survival([1, 2]).round(3).to_numpy().tolist()
        [[0.627, 0.474]]
        """
        a, b, tt = self._cohorts_at(t)
        return self._by_cohort(np.exp(_log_survival(a, b, tt)), tt)

    def retention_rate(self, t) -> pd.DataFrame:
        """Retention rate in period ``t`` (t >= 1): (beta + t - 1) / (alpha + beta + t - 1).

        It rises with ``t``: the customers most likely to leave leave first.

        Parameters
        ----------
        t : int or array-like
            Periods, each >= 1.

        Returns
        -------
        pandas.DataFrame
            One row per cohort, one column per ``t``.

        Examples
        --------
        >>> m = ShiftedBetaGeoModel.from_params(alpha={"regular": 0.704}, beta={"regular": 1.182})
        >>> m.retention_rate([1, 2, 3]).round(3).to_numpy().tolist()
        [[0.627, 0.756, 0.819]]
        """
        a, b, tt = self._cohorts_at(t)
        if np.any(tt < 1):
            raise ValueError("retention rates are defined for periods t >= 1")
        return self._by_cohort((b + tt - 1) / (a + b + tt - 1), tt)

    def derl(self, data: pd.DataFrame, discount_rate: float, *, age: str = "age") -> pd.Series:
        """Discounted expected residual lifetime (Fader & Hardie 2010), in periods.

        For a customer active for ``age`` periods (``age`` renewals made), evaluated just
        before the next renewal decision: the expected number of further payments, the one
        at that renewal undiscounted, the ``k``-th after it discounted by ``(1 + d)**k``.
        Multiply by the margin per period for the residual lifetime value.

        Parameters
        ----------
        data : pandas.DataFrame
            One row per customer: ``age`` and the cohort column (unless the model has a
            single cohort).
        discount_rate : float
            Discount rate per period (> 0).
        age : str, default "age"
            Column of ``data`` holding the age.

        Returns
        -------
        pandas.Series
            ``derl`` per customer, in periods.

        Examples
        --------
        A customer who has renewed more often is worth more: the survivors are the loyal.

        >>> import pandas as pd
        >>> m = ShiftedBetaGeoModel.from_params(alpha={"regular": 0.704}, beta={"regular": 1.182})
        >>> derl = m.derl(pd.DataFrame({"age": [1, 5]}), discount_rate=0.1)
        >>> bool(derl.iloc[1] > derl.iloc[0] > 1)
        True

        Fader & Hardie (2010), table 3, case 1 (mean churn 0.2, little heterogeneity):
        DERL at 10 % after 0 and 4 renewals, as printed.

        >>> case1 = ShiftedBetaGeoModel.from_params(alpha={"case 1": 3.8}, beta={"case 1": 15.2})
        >>> case1.derl(pd.DataFrame({"age": [0, 4]}), discount_rate=0.1).round(2).tolist()
        [3.31, 3.84]
        """
        if not np.isfinite(discount_rate) or discount_rate <= 0:
            raise ValueError(f"discount_rate must be > 0, got {discount_rate!r}")
        a, b, n = self._row_params(data, age)
        value = (b + n) / (a + b + n) * hyp2f1(1.0, b + n + 1, a + b + n + 1,
                                                1.0 / (1.0 + discount_rate))
        return pd.Series(value, index=data.index, name="derl")
