"""Diagnostics of the purchase models: what the model expects, in the shape of the data.

The figures of :mod:`crmkit.plots.diagnostics` draw these tidy tables; one call per fitted
purchase model (:class:`~crmkit.clv.BetaGeoModel` or :class:`~crmkit.clv.ParetoNBDModel`):

- :func:`period_transactions`: how many customers made 0, 1, 2... repeat purchases in the
  calibration period, as observed and as the fitted model expects for customers observed
  as long (the model simulated with its own parameters at each customer's ``T``, the check
  of Fader, Hardie & Lee 2005 and of lifetimes' ``plot_period_transactions``);
- :func:`frequency_recency_grid`: the model's probability alive or expected purchases for
  every (frequency, recency) of a customer observed ``T``, the matrix that shows how the
  model reads a silence;
- :func:`cumulative_transactions`: cumulative repeat purchases over calendar time,
  observed and expected, through calibration and holdout (the tracking plot of Fader,
  Hardie & Lee 2005, fig. 3, and of lifetimes' ``plot_cumulative_transactions``).

Calibration against holdout is :func:`crmkit.clv.holdout_comparison`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.clv.bgnbd import BetaGeoModel, simulate_bgnbd
from crmkit.clv.paretonbd import ParetoNBDModel, simulate_paretonbd
from crmkit.clv.summary import (
    _holdout_window,
    _occasions,
    check_summary,
    unit_timedelta,
    validate_transactions,
)

__all__ = ["cumulative_transactions", "frequency_recency_grid", "period_transactions"]

_SIMULATORS = {BetaGeoModel: simulate_bgnbd, ParetoNBDModel: simulate_paretonbd}


def _simulator(model):
    for cls, fn in _SIMULATORS.items():
        if isinstance(model, cls):
            return fn
    raise TypeError(f"a fitted BetaGeoModel or ParetoNBDModel is needed, got "
                    f"{type(model).__name__}")


def period_transactions(model, data: pd.DataFrame, *, max_frequency: int = 7,
                        draws: int = 20, seed=0) -> pd.DataFrame:
    """Customers by number of repeat purchases in calibration: observed and expected.

    Parameters
    ----------
    model : BetaGeoModel or ParetoNBDModel
        Fitted.
    data : DataFrame
        The calibration summary the model was fitted on (``frequency``, ``recency``,
        ``T``; :func:`crmkit.clv.clv_summary`).
    max_frequency : int, default 7
        The last group gathers this many repeat purchases or more.
    draws : int, default 20
        Simulations of the whole customer base averaged for the expected counts.
    seed : int, optional
        Seed of the simulation.

    Returns
    -------
    DataFrame
        One row per frequency 0 ... ``max_frequency``: ``frequency``, ``actual``
        (customers observed), ``expected`` (mean over the draws).

    Examples
    --------
    >>> import numpy as np
    >>> from crmkit.clv import BetaGeoModel, simulate_bgnbd
    >>> data = simulate_bgnbd(0.243, 4.414, 0.793, 2.426, np.full(2000, 39.0), seed=2)
    >>> model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> table = period_transactions(model, data, max_frequency=3)
    >>> table["frequency"].tolist(), int(table["actual"].sum())
    ([0, 1, 2, 3], 2000)
    >>> closed_form = [2000 * model.probability_of_purchases(39.0, n) for n in range(3)]
    >>> bool(np.allclose(table["expected"][:3], closed_form, rtol=0.03))
    True
    """
    simulate = _simulator(model)
    d = check_summary(data)
    if not isinstance(max_frequency, int | np.integer) or max_frequency < 1:
        raise ValueError(f"max_frequency must be a whole number >= 1, got {max_frequency!r}")
    if not isinstance(draws, int | np.integer) or draws < 1:
        raise ValueError(f"draws must be a whole number >= 1, got {draws!r}")
    T = np.asarray(d["T"], dtype=float)
    rng = np.random.default_rng(seed)
    bins = max_frequency + 1
    expected = np.zeros(bins)
    for seed_i in rng.integers(0, 2**32 - 1, draws):  # a few whole-base draws, vectorised
        sim = simulate(**model.to_params(), T=T, seed=int(seed_i))
        expected += np.bincount(np.minimum(sim["frequency"].to_numpy(), max_frequency).astype(np.intp),
                                minlength=bins)
    # np.intp: bincount takes the platform integer only (int32 in the browser edition)
    actual = np.bincount(np.minimum(np.asarray(d["frequency"]).astype(np.intp), max_frequency),
                         minlength=bins)
    return pd.DataFrame({"frequency": np.arange(bins), "actual": actual,
                         "expected": expected / draws})


def frequency_recency_grid(model, *, T: float, max_frequency: int = 20,
                           quantity: str = "p_alive", t: float | None = None,
                           recency_steps: int = 20) -> pd.DataFrame:
    """The model's probability alive (or expected purchases) over frequency and recency.

    Parameters
    ----------
    model : BetaGeoModel or ParetoNBDModel
        Fitted.
    T : float
        Length of observation of the customers read (e.g. the largest ``T`` of the data).
    max_frequency : int, default 20
        Frequencies 0 ... ``max_frequency`` (rows).
    quantity : {"p_alive", "expected"}, default "p_alive"
        What the grid holds: the probability alive at ``T``, or the expected purchases in
        the next ``t`` (``t`` required).
    t : float, optional
        Horizon of the expected purchases.
    recency_steps : int, default 20
        Recencies from 0 to ``T`` (columns).

    Returns
    -------
    DataFrame
        Tidy: ``frequency``, ``recency``, ``value``; recency is 0 for frequency 0 (no
        repeat purchase: the model sets it so).

    Examples
    --------
    >>> from crmkit.clv import BetaGeoModel
    >>> model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> grid = frequency_recency_grid(model, T=39.0, max_frequency=2, recency_steps=3)
    >>> grid.loc[grid["frequency"] == 2, "value"].round(3).tolist()
    [0.025, 0.531, 0.812]
    """
    _simulator(model)
    if quantity not in ("p_alive", "expected"):
        raise ValueError(f"quantity must be 'p_alive' or 'expected', got {quantity!r}")
    if quantity == "expected" and (t is None or not np.isfinite(t) or t <= 0):
        raise ValueError("quantity='expected' needs a horizon t > 0")
    if not np.isfinite(T) or T <= 0:
        raise ValueError(f"T must be > 0, got {T!r}")
    f = np.arange(max_frequency + 1)
    rec = np.linspace(0.0, float(T), recency_steps)
    ff, rr = np.meshgrid(f, rec, indexing="ij")
    grid = pd.DataFrame({"frequency": ff.ravel(), "recency": rr.ravel(), "T": float(T)})
    grid = grid.loc[(grid["frequency"] > 0) | (grid["recency"] == 0)].reset_index(drop=True)
    if quantity == "p_alive":
        value = model.probability_alive(grid)
    else:
        value = model.predict(grid, t=t)
    return grid[["frequency", "recency"]].assign(value=np.asarray(value, dtype=float))


def cumulative_transactions(model, transactions: pd.DataFrame, *, calibration_end,
                            observation_end=None, customer_col: str = "customer_id",
                            date_col: str = "date", freq: str = "W",
                            grain: str | None = "D") -> pd.DataFrame:
    """Cumulative repeat purchases over calendar time: observed and model-expected.

    The customers are those who bought by ``calibration_end`` (the ones the model was
    fitted on). At the end of every ``freq`` period from the first purchase of the log to
    ``observation_end``, ``expected`` is the sum over these customers of the model's
    E[X(t)] (expected repeat purchases of a customer ``t`` after a first purchase, the
    model's ``expected_purchases``), with ``t`` the time since the customer's first
    purchase; ``actual`` counts their repeat purchase occasions so far. The gap after
    ``calibration_end`` is the forecast error the tracking plot shows (Fader, Hardie & Lee
    2005, fig. 3).

    Parameters
    ----------
    model : BetaGeoModel or ParetoNBDModel
        Fitted on the calibration summary of the same log, in the unit ``freq``.
    transactions : DataFrame
        One row per transaction.
    calibration_end : date
        End of the calibration period.
    observation_end : date, optional
        End of the holdout; defaults to the last transaction date.
    customer_col, date_col : str
        Columns holding the customer key and the (datetime) date.
    freq : str, default "W"
        Time unit of the model and step of the table.
    grain : str or None, default "D"
        Purchase occasions as in :func:`crmkit.clv.clv_summary`.

    Returns
    -------
    DataFrame
        One row per period end: ``date``, ``t`` (periods since the first purchase of the
        log), ``actual``, ``expected`` (cumulative), ``period`` ("calibration" or
        "holdout").

    Examples
    --------
    Two customers, first purchases on day 0 and day 7; a Pareto/NBD model whose E[X(t)] is
    r/alpha * beta/(s-1) * (1 - (beta/(beta+t))**(s-1)):

    >>> import pandas as pd
    >>> from crmkit.clv import ParetoNBDModel
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-08"])})
    >>> m = ParetoNBDModel.from_params(r=1.0, alpha=10.0, s=2.0, beta=20.0)
    >>> track = cumulative_transactions(m, tx, calibration_end="2024-01-08",
    ...                                 observation_end="2024-01-22", freq="D")
    >>> track.loc[track["date"] == "2024-01-15", ["actual", "expected"]].round(4).values
    array([[1.   , 1.342]])
    >>> ex = lambda t: 1 / 10 * (20 / 1) * (1 - (20 / (20 + t)))
    >>> round(ex(14) + ex(7), 4)
    1.342
    """
    expected_purchases = getattr(model, "expected_purchases", None)
    if not callable(expected_purchases):
        raise TypeError(f"a fitted purchase model with expected_purchases(t) is needed, got "
                        f"{type(model).__name__}")
    validate_transactions(transactions, customer_col, date_col)
    unit = unit_timedelta(freq)
    cal, end = _holdout_window(transactions, date_col, calibration_end, observation_end)
    occ = _occasions(transactions.loc[transactions[date_col] <= end], customer_col, date_col,
                     None, grain)
    first = occ.groupby("customer", sort=False)["date"].transform("min")
    occ = occ.loc[first <= cal]
    first = first.loc[occ.index]
    if occ.empty:
        raise schema.SchemaError(
            f"transactions.{date_col}: no purchase by calibration_end {cal.date()}; the "
            "calibration period is empty")
    births, n_born = np.unique(occ.groupby("customer")["date"].min().to_numpy(),
                               return_counts=True)
    start = births[0]
    n_periods = int(np.floor((end - start) / unit))
    grid = start + unit * np.arange(1, n_periods + 1)
    grid = grid[grid <= end]
    # E[X(t)] at every (period end, birth) lag, evaluated once per distinct lag
    lag = (grid[:, None] - births[None, :]) / unit
    lag = np.clip(lag.astype(float), 0.0, None)
    uniq, inv = np.unique(lag, return_inverse=True)
    ex = np.asarray(expected_purchases(uniq), dtype=float)[inv.reshape(lag.shape)]
    expected = ex @ n_born.astype(float)
    repeat_dates = np.sort(occ.loc[occ["date"] > first, "date"].to_numpy())
    actual = np.searchsorted(repeat_dates, grid, side="right")
    return pd.DataFrame({"date": grid, "t": np.arange(1, len(grid) + 1),
                         "actual": actual.astype("int64"), "expected": expected,
                         "period": np.where(grid <= cal, "calibration", "holdout")})
