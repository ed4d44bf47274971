"""Markov migration model of customer value (Pfeifer & Carraway 2000).

Pfeifer & Carraway, "Modeling customer relationships as Markov chains", *Journal of
Interactive Marketing* 14(2). Each period a customer is in one of a few states (recency
states "bought this period", "1 period ago", ...; or value segments) and moves to the next
state with the probabilities of a transition matrix P. Each state earns an expected reward
R (margin minus marketing cost) per period. With a discount rate d, the expected present
value of a customer who is in each state now is

    finite horizon T:   V_T = sum_{t=0..T} (P / (1 + d))^t R
    infinite horizon:   V   = (I - P / (1 + d))^{-1} R

(the sum starts at t = 0: the current period's reward counts, undiscounted). The matrix is
estimated from a panel of customer x period states by counting transitions between
consecutive periods, or given by hand; :func:`recency_panel` builds recency states from a
transaction log and :func:`recency_transition_matrix` the classic recency structure.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit._deprecation import renamed_keywords
from crmkit.clv.summary import validate_transactions
from crmkit.market import in_window, seen_by
from crmkit.models import FittedModel, by_horizon

__all__ = ["MarkovMigrationModel", "recency_panel", "recency_transition_matrix", "value_tier_panel"]

_PANEL = "panel"


def _period_codes(s: pd.Series, table: str, column: str) -> np.ndarray:
    """Integer code of each period such that consecutive periods differ by exactly 1."""
    if isinstance(s.dtype, pd.PeriodDtype):
        return np.asarray(s.array.asi8, dtype=np.int64)
    if pd.api.types.is_integer_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=np.int64)
    raise schema.SchemaError(
        f"{table}.{column}: expected integer periods or pandas Periods, got dtype {s.dtype}; "
        "convert dates with .dt.to_period('M') (or 'Q', 'Y')")


def recency_transition_matrix(purchase_probability) -> pd.DataFrame:
    """The recency-state transition matrix of Pfeifer & Carraway (2000).

    State k (1..K) means the last purchase was k - 1 periods ago (1 = bought this period);
    from state k a customer buys with probability ``purchase_probability[k-1]`` and goes to
    state 1, or else moves to state k + 1 (state K, "K - 1 or more periods ago", stays K).

    Parameters
    ----------
    purchase_probability : sequence of float
        Probability of a purchase from each state, at least two, in [0, 1].

    Returns
    -------
    pandas.DataFrame
        The K x K transition matrix, states ``1..K`` on both axes (rows = from).

    Examples
    --------
    >>> recency_transition_matrix([0.5, 0.2, 0.0])
         1    2    3
    1  0.5  0.5  0.0
    2  0.2  0.0  0.8
    3  0.0  0.0  1.0
    """
    p = np.asarray(purchase_probability, dtype=float)
    if p.ndim != 1 or p.size < 2 or np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
        raise ValueError("purchase_probability must be >= 2 probabilities in [0, 1]")
    k = p.size
    P = np.zeros((k, k))
    P[:, 0] = p
    P[np.arange(k), np.minimum(np.arange(k) + 1, k - 1)] += 1 - p
    labels = list(range(1, k + 1))
    return pd.DataFrame(P, index=labels, columns=labels)


class MarkovMigrationModel(FittedModel):
    """Markov chain of customer states with rewards: value per state and per customer.

    Parameters
    ----------
    discount_rate : float
        Discount rate per period (the panel's period, e.g. 0.03 a quarter).

    Attributes
    ----------
    states_ : list
        State labels, in order.
    transition_matrix_ : pandas.DataFrame
        Transition probabilities, rows = from, columns = to.
    counts_ : pandas.DataFrame
        Observed transitions, when fitted from a panel.
    rewards_ : pandas.Series
        Reward per state, when known.

    Notes
    -----
    Build the model from a known matrix with :meth:`from_matrix`.

    Examples
    --------
    Two states, "active" earning 100 a period and "lapsed" earning nothing; lapsed customers
    come back with probability 0.1.

    >>> import pandas as pd
    >>> P = pd.DataFrame([[0.8, 0.2], [0.1, 0.9]], index=["active", "lapsed"],
    ...                  columns=["active", "lapsed"])
    >>> m = MarkovMigrationModel.from_matrix(P, rewards=[100.0, 0.0], discount_rate=0.1)
    >>> m.state_values(horizon=1).round(2).tolist()   # 100 + 0.8 * 100 / 1.1
    [172.73, 9.09]
    >>> m.predict(["lapsed", "active"]).round(1).tolist()   # infinite horizon
    [275.0, 550.0]
    >>> m.predict(["lapsed", "active"], t=[0, 1]).round(2).to_numpy().tolist()
    [[0.0, 9.09], [100.0, 172.73]]
    """

    _fitted_marker = "transition_matrix_"

    def __init__(self, discount_rate: float = 0.0):
        self.discount_rate = discount_rate

    @classmethod
    def from_matrix(cls, transition_matrix, rewards=None, states=None, *,
                    discount_rate: float = 0.0) -> MarkovMigrationModel:
        """A model from a known transition matrix (rows sum to 1) and optional rewards.

        ``transition_matrix`` is a square DataFrame (rows = from, columns = to, the same
        states in the same order) or array (states ``1..K`` unless ``states`` names them);
        ``rewards`` one value per state (a Series indexed by state, or a sequence in order).

        Examples
        --------
        >>> m = MarkovMigrationModel.from_matrix([[0.9, 0.1], [0.0, 1.0]], rewards=[10, 0],
        ...                                      discount_rate=0.1)
        >>> m.state_values().round(2).tolist()
        [55.0, 0.0]
        """
        return cls(discount_rate=discount_rate)._set_fitted(transition_matrix, rewards, states)

    # ------------------------------------------------------------------ estimation
    @renamed_keywords(customer="customer_col")
    def fit(self, panel: pd.DataFrame, customer_col: str = "customer_id", period: str = "period",
            state: str = "state", value: str | None = None, states=None) -> MarkovMigrationModel:
        """Estimate the transition matrix (and rewards) from a customer x period panel.

        Transitions are counted between rows of the same customer in consecutive periods
        (period t and t + 1); a state never left in the data gets a warning and is made
        absorbing. With ``value`` the reward of a state is the mean value of the panel rows
        in that state.

        Parameters
        ----------
        panel : pandas.DataFrame
            One row per customer and period, as :func:`recency_panel` or
            :func:`value_tier_panel` give.
        customer_col : str, default "customer_id"
            Customer key.
        period : str, default "period"
            Period column: integers or pandas Periods.
        state : str, default "state"
            State column.
        value : str, optional
            Value column; its mean per state gives the rewards.
        states : sequence, optional
            All states, in order (default: the states observed, sorted).

        Returns
        -------
        MarkovMigrationModel
            The model itself, with ``states_``, ``transition_matrix_``, ``counts_`` (and
            ``rewards_`` with ``value``).

        Examples
        --------
        >>> import pandas as pd
        >>> panel = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2], "period": [1, 2, 3, 1, 2],
        ...                       "state": ["a", "b", "b", "a", "a"]})
        >>> m = MarkovMigrationModel().fit(panel)
        >>> m.transition_matrix_.loc["a"].tolist()   # a -> b once, a -> a once
        [0.5, 0.5]
        """
        self._check_rate()
        self._forget()
        schema.check_not_empty(panel, _PANEL)
        cols = {customer_col: None, period: None, state: None}
        if value is not None:
            cols[value] = "number"
        schema.check_columns(panel, _PANEL, cols)
        for c in cols:
            schema.check_no_missing(panel, _PANEL, c)
        schema.check_unique(panel, _PANEL, [customer_col, period])
        per = _period_codes(panel[period], _PANEL, period)
        observed = pd.unique(panel[state])
        if states is None:
            labels = sorted(observed, key=lambda v: (str(type(v)), v))
        else:
            labels = list(states)
            schema.check_allowed(panel, _PANEL, state, labels)
        # the index type (int32 in the browser edition, whose NumPy cannot count int64)
        codes = pd.Categorical(panel[state], categories=labels).codes.astype(np.intp)
        cust = pd.factorize(panel[customer_col])[0]
        order = np.lexsort((per, cust))
        c_s, p_s, s_s = cust[order], per[order], codes[order]
        step = (c_s[1:] == c_s[:-1]) & (p_s[1:] - p_s[:-1] == 1)
        k = len(labels)
        counts = np.bincount(s_s[:-1][step] * k + s_s[1:][step], minlength=k * k).reshape(k, k)
        if counts.sum() == 0:
            raise ValueError("panel: no customer is observed in two consecutive periods; "
                             "no transition to count")
        out = counts.sum(axis=1)
        P = np.zeros((k, k))
        P[out > 0] = counts[out > 0] / out[out > 0, None]
        never = [labels[i] for i in np.flatnonzero(out == 0)]
        if never:
            warnings.warn(f"panel: no transition out of state(s) {never} was observed; they are "
                          "treated as absorbing (the customer stays there)", UserWarning,
                          stacklevel=2)
            stuck = np.flatnonzero(out == 0)
            P[stuck] = 0.0
            P[stuck, stuck] = 1.0
        self.states_ = labels
        self.transition_matrix_ = pd.DataFrame(P, index=labels, columns=labels)
        self.counts_ = pd.DataFrame(counts, index=labels, columns=labels)
        if value is not None:
            v = panel[value].to_numpy(dtype=float)
            tot = np.bincount(codes, weights=v, minlength=k)
            n = np.bincount(codes, minlength=k)
            with np.errstate(invalid="ignore"):
                r = np.where(n > 0, tot / np.maximum(n, 1), 0.0)
            self.rewards_ = pd.Series(r, index=labels, name="reward")
        return self

    def set_matrix(self, transition_matrix, rewards=None, states=None) -> MarkovMigrationModel:
        """Deprecated: use :meth:`from_matrix` (kept one release, with a ``FutureWarning``).

        Parameters
        ----------
        transition_matrix : pandas.DataFrame or array-like
            As in :meth:`from_matrix`.
        rewards : pandas.Series or sequence, optional
            As in :meth:`from_matrix`.
        states : sequence, optional
            As in :meth:`from_matrix`.

        Returns
        -------
        MarkovMigrationModel
            The model itself, set from the matrix.

        Examples
        --------
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always")
        ...     m = MarkovMigrationModel().set_matrix([[0.5, 0.5], [0.0, 1.0]])
        >>> w[0].category.__name__, m.states_
        ('FutureWarning', [1, 2])
        """
        warnings.warn("MarkovMigrationModel.set_matrix is deprecated and will be removed in the "
                      "next release; use MarkovMigrationModel.from_matrix(P, rewards, "
                      "discount_rate=...)", FutureWarning, stacklevel=2)
        return self._set_fitted(transition_matrix, rewards, states)

    def _set_fitted(self, transition_matrix, rewards=None, states=None) -> MarkovMigrationModel:
        self._check_rate()
        if isinstance(transition_matrix, pd.DataFrame):
            P = transition_matrix.to_numpy(dtype=float)
            labels = list(transition_matrix.index) if states is None else list(states)
            if list(transition_matrix.columns) != list(transition_matrix.index):
                raise ValueError("transition_matrix: rows and columns must list the same states "
                                 "in the same order")
        else:
            P = np.asarray(transition_matrix, dtype=float)
            labels = list(range(1, len(P) + 1)) if states is None else list(states)
        if P.ndim != 2 or P.shape[0] != P.shape[1] or P.shape[0] != len(labels):
            raise ValueError(f"transition_matrix must be square with one row per state, got "
                             f"shape {P.shape} for {len(labels)} states")
        if not np.all(np.isfinite(P)) or np.any(P < 0) or not np.allclose(P.sum(axis=1), 1,
                                                                          atol=1e-8):
            bad = np.flatnonzero(~np.isclose(P.sum(axis=1), 1, atol=1e-8) | (P < 0).any(axis=1))
            raise ValueError(f"transition_matrix: each row must be probabilities summing to 1; "
                             f"offending rows {[labels[i] for i in bad[:5]]}")
        self._forget()
        self.states_ = labels
        self.transition_matrix_ = pd.DataFrame(P, index=labels, columns=labels)
        if rewards is not None:
            self.rewards_ = self._rewards(rewards)
        return self

    def to_params(self) -> dict:
        """The transition matrix and rewards, as keywords of :meth:`from_params`.

        Returns
        -------
        dict
            ``transition_matrix`` (DataFrame) and ``rewards`` (Series, or None).

        Examples
        --------
        >>> m = MarkovMigrationModel.from_matrix([[0.5, 0.5], [0.0, 1.0]], rewards=[5, 0])
        >>> sorted(m.to_params())
        ['rewards', 'transition_matrix']
        """
        self._check_fitted()
        rewards = self.rewards_.copy() if hasattr(self, "rewards_") else None
        return {"transition_matrix": self.transition_matrix_.copy(), "rewards": rewards}

    # ------------------------------------------------------------------ value
    def _check_rate(self):
        d = self.discount_rate
        try:
            ok = np.isfinite(d) and d >= 0
        except TypeError:
            ok = False
        if not ok:
            raise ValueError(f"discount_rate must be a number >= 0, got {d!r}")

    def _rewards(self, rewards) -> pd.Series:
        if isinstance(rewards, pd.Series):
            missing = [s for s in self.states_ if s not in rewards.index]
            if missing:
                raise ValueError(f"rewards: no reward for state(s) {missing}")
            r = rewards.reindex(self.states_).to_numpy(dtype=float)
        else:
            r = np.asarray(rewards, dtype=float)
            if r.shape != (len(self.states_),):
                raise ValueError(f"rewards must have one value per state ({len(self.states_)})")
        if not np.all(np.isfinite(r)):
            raise ValueError("rewards must be finite numbers")
        return pd.Series(r, index=self.states_, name="reward")

    def state_values(self, horizon: int | None = None, rewards=None) -> pd.Series:
        """Expected present value of a customer in each state now.

        ``horizon`` T gives sum_{t=0..T} (P/(1+d))^t R (T + 1 periods, the current one
        included); None gives the infinite-horizon value (I - P/(1+d))^{-1} R, which needs
        ``discount_rate > 0``.

        Parameters
        ----------
        horizon : int, optional
            Last period counted (whole number >= 0); None for an infinite horizon.
        rewards : pandas.Series or sequence, optional
            Reward per state, overriding the fitted ones (e.g. margin minus the cost of a
            mailing in each state).

        Returns
        -------
        pandas.Series
            ``value`` per state.

        Examples
        --------
        >>> m = MarkovMigrationModel.from_matrix([[0.8, 0.2], [0.1, 0.9]], rewards=[100.0, 0.0],
        ...                                      states=["active", "lapsed"], discount_rate=0.1)
        >>> m.state_values(horizon=0).tolist()
        [100.0, 0.0]
        >>> m.state_values(horizon=1).round(2).tolist()   # 100 + 0.8 * 100 / 1.1
        [172.73, 9.09]
        """
        self._check_fitted()
        self._check_rate()
        if rewards is not None:
            R = self._rewards(rewards).to_numpy()
        elif hasattr(self, "rewards_"):
            R = self.rewards_.to_numpy()
        else:
            raise ValueError("no rewards: pass rewards=, or fit with a value column")
        A = self.transition_matrix_.to_numpy() / (1.0 + self.discount_rate)
        if horizon is None:
            if self.discount_rate <= 0:
                raise ValueError("the infinite-horizon value needs discount_rate > 0 (otherwise "
                                 "the sum of rewards does not converge); give a horizon")
            V = np.linalg.solve(np.eye(len(R)) - A, R)
        else:
            if int(horizon) != horizon or horizon < 0:
                raise ValueError(f"horizon must be a whole number >= 0, got {horizon}")
            V = R.copy()
            for _ in range(int(horizon)):
                V = R + A @ V  # Horner: R + A(R + A(R + ...))
        return pd.Series(V, index=self.states_, name="value")

    def predict(self, data, *, t=None, rewards=None, state: str = "state"):
        """Value of each customer given the state they are in now (see :meth:`state_values`).

        ``data`` is the customers' current states: a Series or sequence of states, or a
        DataFrame with a ``state`` column.

        Parameters
        ----------
        data : pandas.Series, sequence or pandas.DataFrame
            The customers' current states.
        t : int or array-like, optional
            Horizon in periods (None: infinite, which needs ``discount_rate > 0``).
        rewards : pandas.Series or sequence, optional
            Reward per state, overriding the fitted ones.
        state : str, default "state"
            State column when ``data`` is a DataFrame.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            ``value`` per customer; an array of horizons gives one column per horizon.

        Examples
        --------
        >>> m = MarkovMigrationModel.from_matrix([[0.8, 0.2], [0.1, 0.9]], rewards=[100.0, 0.0],
        ...                                      states=["active", "lapsed"], discount_rate=0.1)
        >>> m.predict(["active", "lapsed", "active"], t=1).round(2).tolist()
        [172.73, 9.09, 172.73]
        """
        self._check_fitted()
        if isinstance(data, pd.DataFrame):
            s = schema.require_columns(data, "customers", {state: None})[state]
        else:
            s = data if isinstance(data, pd.Series) else pd.Series(list(data))
        unknown = ~s.isin(self.states_)
        if unknown.any():
            schema.check_allowed(s.to_frame("state"), "customers", "state", self.states_)

        def value(horizon):
            h = None if horizon is None else int(horizon)
            return s.map(self.state_values(h, rewards)).to_numpy(dtype=float)

        return by_horizon(value, t, s.index, name="value", allow_none=True, whole=True)

    def state_distribution(self, initial, steps: int) -> pd.DataFrame:
        """Share of customers in each state after 0..``steps`` periods.

        Parameters
        ----------
        initial : array-like
            A distribution over the states (floats, in order), or a list of current states.
        steps : int
            Number of periods to project.

        Returns
        -------
        pandas.DataFrame
            One row per period 0..``steps`` (index ``period``), one column per state.

        Examples
        --------
        >>> m = MarkovMigrationModel.from_matrix([[0.8, 0.2], [0.1, 0.9]], rewards=[100.0, 0.0],
        ...                                      states=["active", "lapsed"], discount_rate=0.1)
        >>> m.state_distribution(["active", "active"], 2).round(2).to_numpy().tolist()
        [[1.0, 0.0], [0.8, 0.2], [0.66, 0.34]]
        """
        self._check_fitted()
        k = len(self.states_)
        init = np.asarray(initial)
        if init.shape == (k,) and np.issubdtype(init.dtype, np.floating):
            pi = init.astype(float)
        else:
            codes = pd.Categorical(list(initial), categories=self.states_).codes
            if np.any(codes < 0):
                raise ValueError("initial: unknown state(s)")
            pi = np.bincount(codes, minlength=k) / len(codes)
        P = self.transition_matrix_.to_numpy()
        rows = [pi]
        for _ in range(int(steps)):
            rows.append(rows[-1] @ P)
        return pd.DataFrame(rows, columns=self.states_).rename_axis("period")

    def simulate(self, initial_states, n_periods: int, *, seed=None) -> pd.DataFrame:
        """Monte Carlo paths: states of each customer in periods 0..``n_periods``.

        Each period every customer moves by one draw from their row of P (inverse CDF,
        vectorised over customers).

        Parameters
        ----------
        initial_states : sequence
            State of each customer in period 0 (row i starts in ``initial_states[i]``).
        n_periods : int
            Number of periods to simulate.
        seed : int or numpy.random.Generator, optional
            Random seed.

        Returns
        -------
        pandas.DataFrame
            One row per customer, one column per period 0..``n_periods``.

        Examples
        --------
        >>> m = MarkovMigrationModel.from_matrix([[0.0, 1.0], [0.0, 1.0]], states=["a", "b"])
        >>> m.simulate(["a", "b"], 2, seed=0).to_numpy().tolist()
        [['a', 'b', 'b'], ['b', 'b', 'b']]
        """
        self._check_fitted()
        rng = np.random.default_rng(seed)
        codes = pd.Categorical(list(initial_states), categories=self.states_).codes
        if np.any(codes < 0):
            raise ValueError("initial_states: unknown state(s)")
        cdf = np.cumsum(self.transition_matrix_.to_numpy(), axis=1)
        cdf[:, -1] = 1.0
        k = cdf.shape[0]
        out = np.empty((int(n_periods) + 1, codes.size), dtype=np.int64)  # period-major
        out[0] = codes
        for t in range(int(n_periods)):
            u = rng.random(codes.size)
            c = cdf[out[t]]
            nxt = np.zeros(codes.size, dtype=np.int64)
            for j in range(k - 1):  # next state = number of cumulative probabilities <= u
                nxt += u >= c[:, j]
            out[t + 1] = nxt
        labels = np.asarray(self.states_)  # int or str labels keep a compact dtype
        return pd.DataFrame(labels[out.T], columns=pd.RangeIndex(int(n_periods) + 1,
                                                                  name="period"))


@renamed_keywords(customer="customer_col", date="date_col")
def recency_panel(transactions: pd.DataFrame, customer_col: str = "customer_id",
                  date_col: str = "date", value: str | None = None, *, freq: str = "M",
                  n_states: int = 5, end=None) -> pd.DataFrame:
    """Recency state of every customer in every period from their first purchase to ``end``.

    State k in 1..``n_states``: the last purchase was k - 1 periods ago (1 = bought in the
    period; ``n_states`` = that long ago or longer). With ``value``, the period's total value.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase, with ``customer_col``, ``date_col`` (and ``value``).
    customer_col : str, default "customer_id"
        Customer key.
    date_col : str, default "date"
        Date of the purchase.
    value : str, optional
        Value column, summed per customer and period.
    freq : str, default "M"
        Period of the panel (pandas period alias).
    n_states : int, default 5
        Number of recency states.
    end : date-like, optional
        Last day of the panel; default the last purchase.

    Returns
    -------
    pandas.DataFrame
        ``customer_col``, ``period``, ``state`` (and ``value``), one row per customer and
        period from their first purchase.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1], "date": pd.to_datetime(["2024-01-05",
    ...                    "2024-03-02"]), "amount": [10.0, 5.0]})
    >>> recency_panel(tx, value="amount", n_states=3, end="2024-05-31")
       customer_id   period  state  amount
    0            1  2024-01      1    10.0
    1            1  2024-02      2     0.0
    2            1  2024-03      1     5.0
    3            1  2024-04      2     0.0
    4            1  2024-05      3     0.0
    """
    table = "transactions"
    validate_transactions(transactions, customer_col, date_col, value)
    if int(n_states) != n_states or n_states < 2:
        raise ValueError(f"n_states must be a whole number >= 2, got {n_states}")
    per = transactions[date_col].dt.to_period(freq)
    last_p = per.max() if end is None else schema.as_timestamp(end, "end").to_period(freq)
    keep = (per <= last_p).to_numpy()
    if not keep.any():
        raise schema.SchemaError(f"{table}.{date_col}: every transaction is after end={end}")
    ords = per.array.asi8[keep]
    cust_codes, cust_labels = pd.factorize(transactions[customer_col].to_numpy()[keep], sort=True)
    o0 = ords.min()
    n_p = int(last_p.ordinal - o0 + 1)
    col = (ords - o0).astype(np.int64)
    last = np.full((len(cust_labels), n_p), -1, dtype=np.int32)
    last[cust_codes, col] = col
    np.maximum.accumulate(last, axis=1, out=last)
    rows, cols_ = np.nonzero(last >= 0)  # row-major: by customer, then period
    state = np.minimum(cols_ - last[rows, cols_] + 1, n_states)
    out = pd.DataFrame({customer_col: cust_labels[rows],
                        "period": pd.PeriodIndex.from_ordinals(cols_ + o0, freq=per.dt.freq),
                        "state": state.astype(np.int64)})
    if value is not None:
        v = np.zeros((len(cust_labels), n_p))
        np.add.at(v, (cust_codes, col), transactions[value].to_numpy(dtype=float)[keep])
        out[value] = v[rows, cols_]
    return out


@renamed_keywords(customer="customer_col", date="date_col")
def value_tier_panel(
    transactions: pd.DataFrame,
    customers: pd.DataFrame,
    interactions: pd.DataFrame | None = None,
    *,
    bins=(0.0, 300.0, 1000.0),
    tiers=("loss_making", "low", "medium", "high"),
    start=None,
    end=None,
    freq: str = "Y",
    lost: str = "lost",
    customer_col: str = "customer_id",
    date_col: str = "date",
    margin: str = "margin",
    cost: str = "cost",
    acquisition: str = "acquisition_date",
    churn: str = "churn_date",
) -> pd.DataFrame:
    """Value tier of every customer in every whole period, and ``lost`` once they have left.

    The panel of Pfeifer & Carraway's *migration* model with states defined by profitability
    rather than recency: :class:`MarkovMigrationModel` fitted on it (``value="direct_profit"``)
    gives the expected value of a customer in each tier. For each period of ``freq`` from
    ``start`` (inclusive) to ``end`` (exclusive), and each customer acquired on or before
    its first day (:func:`crmkit.market.seen_by`):

    - a customer still there when the period ends is in the tier of their *direct profit*
      over the period: the margin of their flows minus the cost of their contacts
      (``interactions``, optional), cut at ``bins`` (``tiers[k]`` holds
      ``bins[k-1] <= profit < bins[k]``);
    - a customer who leaves during the period, or left before, is ``lost`` (direct profit
      0) in that period and every later one: the absorbing state.

    The period in which a customer arrives is left out (not a whole period for them).

    Parameters
    ----------
    transactions : DataFrame
        Money flows with ``customer_col``, ``date_col`` and ``margin``.
    customers : DataFrame
        One row per customer with ``acquisition`` and ``churn`` dates (churn missing while
        the customer stays).
    interactions : DataFrame, optional
        Contacts with ``customer_col``, ``date_col`` and ``cost`` (the direct cost to serve).
    bins : sequence of float
        Increasing cut points of direct profit between the tiers.
    tiers : sequence of str
        One name per tier, ``len(bins) + 1`` of them, lowest first.
    start, end : date-like, optional
        First day of the first period and day after the last one; default the periods
        spanned by the transactions.
    freq : str, default "Y"
        Period of the panel (``"Y"``, ``"Q"``, ``"M"``).
    lost : str, default "lost"
        Name of the absorbing state.
    customer_col : str, default "customer_id"
        Customer key in every table.
    date_col : str, default "date"
        Date column of ``transactions`` and ``interactions``.
    margin : str, default "margin"
        Margin column of ``transactions``.
    cost : str, default "cost"
        Cost column of ``interactions``.
    acquisition, churn : str
        Acquisition and churn date columns of ``customers``.

    Returns
    -------
    DataFrame
        ``customer_col``, ``period`` (pandas Period), ``state`` (ordered categorical: the tiers,
        then ``lost``) and ``direct_profit`` (0 when lost), sorted by customer and period.

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2], "acquisition_date": pd.to_datetime(
    ...     ["2019-05-01", "2020-03-01"]), "churn_date": pd.to_datetime([None, "2022-06-30"])})
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2], "date": pd.to_datetime(
    ...     ["2020-02-01", "2021-02-01", "2021-02-01", "2022-02-01"]),
    ...     "margin": [150.0, 500.0, -40.0, 90.0]})
    >>> it = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2021-05-01"]),
    ...                    "cost": [30.0]})
    >>> value_tier_panel(tx, cu, it, bins=[0, 300], tiers=["loss", "low", "high"],
    ...                  start="2020-01-01", end="2023-01-01")
       customer_id period state  direct_profit
    0            1   2020   low          150.0
    1            1   2021  high          470.0
    2            1   2022   low            0.0
    3            2   2021  loss          -40.0
    4            2   2022  lost            0.0
    """
    b = np.asarray(bins, dtype=float)
    tiers = [str(t) for t in tiers]
    if b.ndim != 1 or b.size < 1 or not np.all(np.isfinite(b)) or np.any(np.diff(b) <= 0):
        raise ValueError(f"bins must be one or more finite, strictly increasing numbers, got "
                         f"{list(bins)}")
    if len(tiers) != b.size + 1 or len(set(tiers)) != len(tiers):
        raise ValueError(f"give {b.size + 1} distinct tier names for {b.size} bins, got {tiers}")
    if lost in tiers:
        raise ValueError(f"the lost state {lost!r} cannot also be a tier")
    table = "transactions"
    schema.check_not_empty(transactions, table)
    schema.check_columns(transactions, table, {customer_col: None, date_col: "datetime",
                                               margin: "number"})
    for c in (customer_col, date_col, margin):
        schema.check_no_missing(transactions, table, c)
    schema.check_not_empty(customers, "customers")
    schema.check_columns(customers, "customers", {customer_col: None, acquisition: "datetime",
                                                  churn: "datetime"})
    schema.check_no_missing(customers, "customers", customer_col)
    schema.check_no_missing(customers, "customers", acquisition)
    schema.check_unique(customers, "customers", customer_col)
    if interactions is not None:
        schema.check_key(interactions, "interactions")
    if interactions is not None:
        schema.check_columns(interactions, "interactions", {customer_col: None, date_col: "datetime",
                                                            cost: "number"})
        for c in (customer_col, date_col, cost):
            schema.check_no_missing(interactions, "interactions", c)
        schema.check_nonnegative(interactions, "interactions", cost)
    first = schema.as_timestamp(start, "start") if start is not None else transactions[date_col].min()
    last = (schema.as_timestamp(end, "end") - pd.Timedelta(days=1) if end is not None
            else transactions[date_col].max())
    if pd.isna(first) or pd.isna(last) or last < first:
        raise ValueError(f"end ({end}) must be after start ({start})")
    periods = pd.period_range(first, last, freq=freq)
    starts = periods.start_time.to_numpy()
    ends = (periods + 1).start_time.to_numpy()
    ids = customers[customer_col].to_numpy()
    index = pd.Index(ids)
    acq = customers[acquisition].to_numpy(dtype="datetime64[ns]")
    gone = customers[churn].to_numpy(dtype="datetime64[ns]")  # NaT while the customer stays
    # in the panel from the first period the customer is active on its first day, and
    # "lost" from the period of the departure on (crmkit.market's [acquisition, churn))
    in_panel = seen_by(acq[:, None], starts[None, :])
    left = in_window(gone[:, None], None, ends[None, :])

    def per_period(df, col, name):
        rows = index.get_indexer(df[customer_col])
        schema.check_rows(df, name, customer_col, rows < 0, "not in the customers table")
        cols = df[date_col].dt.to_period(freq).array.asi8 - periods[0].ordinal
        keep = (cols >= 0) & (cols < len(periods))
        grid = np.zeros((len(ids), len(periods)))
        np.add.at(grid, (rows[keep], cols[keep]), df[col].to_numpy(dtype=float)[keep])
        return grid

    profit = per_period(transactions, margin, table)
    if interactions is not None:
        profit -= per_period(interactions, cost, "interactions")
    code = np.where(left, len(tiers), np.digitize(profit, b))
    r, c = np.nonzero(in_panel)  # row-major: by customer, then period
    order = np.argsort(ids[r], kind="stable")
    r, c = r[order], c[order]
    states = pd.Categorical.from_codes(code[r, c], categories=[*tiers, lost], ordered=True)
    return pd.DataFrame({
        customer_col: ids[r],
        "period": periods[c],
        "state": states,
        "direct_profit": np.where(left[r, c], 0.0, profit[r, c]),
    })
