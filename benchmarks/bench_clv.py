"""crmkit.clv against lifetimes 0.11.3, on CDNOW and on 1M simulated customers.

The lifetimes cases run in the separate interpreter ``.venv-lifetimes`` (lifetimes needs old
numpy/pandas/scipy, pinned in ``benchmarks/requirements-lifetimes.txt``); they never import
crmkit. Each pair does the same work: fit the purchase model and the Gamma-Gamma spend model,
then score every customer (P(alive), expected purchases in the next 52 weeks, 12-month CLV at
1% a month with 4.345 weeks a month, lifetimes' own convention). The 1M customers are
simulated once from BG/NBD + Gamma-Gamma with CDNOW's parameters by ``cases()`` (in the main
interpreter) and cached in ``benchmarks/out/`` so both libraries read the same data.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

try:  # present only in .venv-lifetimes, the baselines' interpreter
    import lifetimes
except ImportError:
    lifetimes = None

if lifetimes is None:  # the crmkit side; imported here so import time is not timed
    from crmkit.clv import (
        BetaGeoModel,
        GammaGammaModel,
        ParetoNBDModel,
        customer_lifetime_value,
    )

from benchmarks._harness import Case

TITLE = "Probabilistic CLV (crmkit.clv vs lifetimes 0.11.3)"
LIFETIMES = ".venv-lifetimes/bin/python"
CDNOW = "tests/data/cdnow_customers_summary_with_transactions.csv"
N_SIM = 1_000_000
HORIZON_WEEKS = 52
WEEKS_PER_MONTH = 4.345  # lifetimes' factor for freq="W"


def _sim_path(n: int) -> str:
    return os.path.join("benchmarks", "out", f"clv_sim_days_{n}.npz")


def _cdnow() -> pd.DataFrame:
    d = pd.read_csv(CDNOW).set_index("ID")
    return d.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


def _sim(n: int) -> pd.DataFrame:
    z = np.load(_sim_path(n))
    return pd.DataFrame({k: z[k] for k in ("frequency", "recency", "T", "monetary_value")})


def _make_sim(n: int) -> None:
    """Simulate n customers (BG/NBD + Gamma-Gamma with CDNOW's parameters), first purchases
    spread over a year, times in weeks at daily grain, as a summary of a real transaction log
    is (``clv_summary`` counts whole days)."""
    path = _sim_path(n)
    if os.path.exists(path):
        return
    from crmkit.clv import simulate_bgnbd, simulate_spend

    rng = np.random.default_rng(2005)
    T = rng.integers(7, 366, n) / 7.0
    s = simulate_bgnbd(0.243, 4.414, 0.793, 2.426, T, seed=2006)
    m = simulate_spend(6.25, 3.74, 15.44, s["frequency"].to_numpy(), seed=2007)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savez(path, frequency=s["frequency"].to_numpy(),
             recency=np.floor(s["recency"].to_numpy() * 7) / 7, T=T,
             monetary_value=m["monetary_value"].to_numpy())


# ------------------------------------------------------------------ crmkit
def _crmkit_pipeline(d: pd.DataFrame, purchase_model) -> dict:
    t0 = time.perf_counter()
    pm = purchase_model().fit(d)
    gg = GammaGammaModel().fit(d)
    t_fit = time.perf_counter() - t0
    alive = pm.probability_alive(d)
    nxt = pm.predict(d, t=HORIZON_WEEKS)
    clv = customer_lifetime_value(pm, gg, d, horizon=12, period=WEEKS_PER_MONTH,
                                  discount_rate=0.01)
    return {"params": {k: float(v) for k, v in pm.params_.items()} | {
                k: float(v) for k, v in gg.params_.items()},
            "loglik": pm.loglik_, "fit_seconds": t_fit,
            "mean_p_alive": float(alive.mean()), "sum_expected": float(nxt.sum()),
            "customer_equity": float(clv["clv"].sum())}


def crmkit_cdnow_bgnbd() -> dict:
    return _crmkit_pipeline(_cdnow(), BetaGeoModel)


def crmkit_cdnow_paretonbd() -> dict:
    return _crmkit_pipeline(_cdnow(), ParetoNBDModel)


def crmkit_sim_bgnbd(n: int = N_SIM) -> dict:
    return _crmkit_pipeline(_sim(n), BetaGeoModel)


# ------------------------------------------------------------------ lifetimes
def _lifetimes_pipeline(d: pd.DataFrame, fitter) -> dict:
    import warnings

    warnings.simplefilter("ignore")
    f, r, T, m = d["frequency"], d["recency"], d["T"], d["monetary_value"]
    t0 = time.perf_counter()
    pm = fitter().fit(f, r, T)
    rep = d[d["frequency"] > 0]
    gg = lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    t_fit = time.perf_counter() - t0
    alive = pm.conditional_probability_alive(f, r, T)
    nxt = pm.conditional_expected_number_of_purchases_up_to_time(HORIZON_WEEKS, f, r, T)
    clv = gg.customer_lifetime_value(pm, f, r, T, m, time=12, discount_rate=0.01, freq="W")
    return {"params": {k: float(v) for k, v in pm.params_.items()} | {
                k: float(v) for k, v in gg.params_.items()},
            "fit_seconds": t_fit, "mean_p_alive": float(np.mean(alive)),
            "sum_expected": float(np.sum(nxt)), "customer_equity": float(clv.sum())}


def lifetimes_cdnow_bgnbd() -> dict:
    return _lifetimes_pipeline(_cdnow(), lifetimes.BetaGeoFitter)


def lifetimes_cdnow_paretonbd() -> dict:
    return _lifetimes_pipeline(_cdnow(), lifetimes.ParetoNBDFitter)


def lifetimes_sim_bgnbd(n: int = N_SIM) -> dict:
    return _lifetimes_pipeline(_sim(n), lifetimes.BetaGeoFitter)


def cases() -> list[Case]:
    _make_sim(N_SIM)
    work = "fit purchase + Gamma-Gamma, P(alive), 52-week expectation, 12-month CLV"
    cdnow = "CDNOW, 2,357 customers"
    sim = f"{N_SIM:,} simulated customers"
    return [
        Case("lifetimes BG/NBD CDNOW", "lifetimes_cdnow_bgnbd", size=cdnow, python=LIFETIMES),
        Case("crmkit BG/NBD CDNOW", "crmkit_cdnow_bgnbd", size=cdnow,
             baseline="lifetimes BG/NBD CDNOW", target=f"faster than lifetimes ({work})"),
        Case("lifetimes Pareto/NBD CDNOW", "lifetimes_cdnow_paretonbd", size=cdnow,
             python=LIFETIMES),
        Case("crmkit Pareto/NBD CDNOW", "crmkit_cdnow_paretonbd", size=cdnow,
             baseline="lifetimes Pareto/NBD CDNOW", target="faster than lifetimes"),
        Case("lifetimes BG/NBD 1M", "lifetimes_sim_bgnbd", size=sim, python=LIFETIMES,
             units=N_SIM, unit_name="customers/s"),
        Case("crmkit BG/NBD 1M", "crmkit_sim_bgnbd", size=sim, units=N_SIM,
             unit_name="customers/s", baseline="lifetimes BG/NBD 1M",
             target="<= 20 s fitted and scored"),
    ]
