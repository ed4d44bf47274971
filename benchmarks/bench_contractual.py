"""Contractual retention and survival at the scale of a 1M-customer market.

- sBG by cohort: one million contracts started over ten yearly cohorts, each renewing
  yearly with a probability drawn from Beta(alpha, beta) (the sBG law, with the
  parameters Fader & Hardie 2007 published for their "regular" cohort). crmkit turns the
  contract dates into survivor counts (:func:`crmkit.clv.contract_survivors`) and fits
  each cohort on its counts (:class:`crmkit.clv.ShiftedBetaGeoModel`). The baseline is the
  obvious alternative without the counts: the same maximum-likelihood fit on one censored
  lifetime per contract (the individual-level likelihood, as pymc-marketing's
  ``ShiftedBetaGeoModelIndividual`` writes it), with scipy, cohort by cohort.
- Cox: one million customers observed from a snapshot, with contracts held, a mortgage,
  incidents, multichannel use and tenure as covariates and exponential departures.
  :func:`crmkit.loyalty.churn_cox` (validation, tenure table, lifelines) against lifelines'
  own ``CoxPHFitter`` on the same prepared frame: the ratio is crmkit's overhead.

The data are simulated once by ``cases()`` and cached in ``benchmarks/out/``; they are the
market's shapes at its largest size, not the generated 1M market itself (generating it is
the ``synth`` benchmark).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln

from benchmarks._harness import Case

TITLE = "Contractual retention and survival (sBG by cohort, Cox)"
N = 1_000_000
ALPHA, BETA = 0.704, 1.182  # Fader & Hardie (2007), regular cohort
END = pd.Timestamp("2024-12-31")
SNAPSHOT = pd.Timestamp("2019-12-31")


def _path(name: str, n: int) -> str:
    return os.path.join("benchmarks", "out", f"contractual_{name}_{n}.parquet")


def _make(n: int) -> None:
    os.makedirs(os.path.join("benchmarks", "out"), exist_ok=True)
    rng = np.random.default_rng(20)
    if not os.path.exists(_path("contracts", n)):
        start = (pd.Timestamp("2015-01-01")
                 + pd.to_timedelta(rng.integers(0, 10 * 365, n), "D"))
        years = np.minimum(rng.geometric(rng.beta(ALPHA, BETA, n)), 60)
        end = start + pd.to_timedelta((years - 1) * 365.25 + rng.uniform(1, 364, n), "D")
        pd.DataFrame({"contract_id": np.arange(n), "start_date": start,
                      "end_date": end.floor("D").where(end <= END)}).to_parquet(
            _path("contracts", n))
    if not os.path.exists(_path("customers", n)):
        tenure = rng.uniform(0, 20, n)
        x = pd.DataFrame({"tenure": tenure, "contracts_held": rng.integers(1, 8, n),
                          "mortgage": rng.integers(0, 2, n), "incidents": rng.poisson(0.15, n),
                          "multichannel": rng.integers(0, 2, n)})
        log_hr = (-0.2 * x["contracts_held"] - 0.5 * x["mortgage"] + 0.1 * x["incidents"]
                  + 0.5 * x["multichannel"])
        years = rng.exponential(1 / (0.12 * np.exp(log_hr)))
        acq = (SNAPSHOT - pd.to_timedelta(np.round(tenure * 365.25), "D")).floor("D")
        churn = SNAPSHOT + pd.to_timedelta(np.round(years * 365.25) + 1, "D")
        x.assign(acquisition_date=acq, churn_date=churn.where(churn <= END)).to_parquet(
            _path("customers", n))


def sbg_crmkit(n: int) -> dict:
    from crmkit.clv import ShiftedBetaGeoModel, contract_survivors

    contracts = pd.read_parquet(_path("contracts", n))
    table = contract_survivors(contracts, as_of=END)
    fit = ShiftedBetaGeoModel().fit(table)
    return {"cohorts": len(fit.params_), "alpha_2015": float(fit.params_["alpha"].iloc[0])}


def sbg_individual(n: int) -> dict:
    """The per-contract censored likelihood (no survivor counts), scipy, cohort by cohort."""
    contracts = pd.read_parquet(_path("contracts", n))
    start = contracts["start_date"]
    year = pd.Timedelta(days=365.25)
    lived = ((contracts["end_date"] - start) / year).to_numpy()
    observed = np.floor(((END - start) / year).to_numpy())
    out = {}
    for cohort, idx in contracts.groupby(start.dt.year).indices.items():
        horizon = observed[idx].min()
        if horizon < 1:  # no whole year observed: nothing to fit (crmkit leaves it out too)
            continue
        t = np.floor(lived[idx]) + 1  # the period in which the contract ended
        churned = np.isfinite(t) & (t <= horizon)
        t_churn, n_censored = t[churned], int((~churned).sum())

        def nll(log_ab, t_churn=t_churn, n_censored=n_censored, horizon=horizon):
            a, b = np.exp(log_ab)
            ll = (betaln(a + 1, b + t_churn - 1) - betaln(a, b)).sum()
            return -(ll + n_censored * (betaln(a, b + horizon) - betaln(a, b)))

        res = minimize(nll, [0.0, 0.0], method="Nelder-Mead",
                       options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 5000})
        out[int(cohort)] = float(np.exp(res.x[0]))
    return {"cohorts": len(out), "alpha_2015": out[min(out)]}


_COVARIATES = ["tenure", "contracts_held", "mortgage", "incidents", "multichannel"]


def cox_crmkit(n: int) -> dict:
    from crmkit.loyalty import churn_cox

    customers = pd.read_parquet(_path("customers", n))
    cox = churn_cox(customers, _COVARIATES, as_of=END, observed_from=SNAPSHOT,
                    clock="observation")
    return {"hr_contracts": float(np.exp(cox.params_["contracts_held"]))}


def cox_lifelines(n: int) -> dict:
    from lifelines import CoxPHFitter

    customers = pd.read_parquet(_path("customers", n))
    year = pd.Timedelta(days=365.25)
    stop = customers["churn_date"].fillna(END)
    frame = customers[_COVARIATES].assign(
        duration=((stop - SNAPSHOT) / year).to_numpy(),
        event=customers["churn_date"].notna().astype(int))
    cox = CoxPHFitter().fit(frame, duration_col="duration", event_col="event")
    return {"hr_contracts": float(np.exp(cox.params_["contracts_held"]))}


def cases() -> list[Case]:
    _make(N)
    size = f"{N:,} contracts, 10 cohorts"
    who = f"{N:,} customers, 5 covariates"
    return [
        Case("per-contract likelihood (scipy), sBG by cohort", "sbg_individual", {"n": N},
             size=size),
        Case("crmkit sBG by cohort (survivor counts)", "sbg_crmkit", {"n": N}, size=size,
             baseline="per-contract likelihood (scipy), sBG by cohort",
             target="<= 20 s at 1M (the BG/NBD target); faster than per contract"),
        Case("lifelines CoxPHFitter", "cox_lifelines", {"n": N}, size=who),
        Case("crmkit churn_cox", "cox_crmkit", {"n": N}, size=who,
             baseline="lifelines CoxPHFitter",
             target="<= 1.5x lifelines' own fit (validation overhead)"),
    ]
