"""Kaplan-Meier with delayed entry and Cox, through lifelines, against the kit's estimator
and against simulated truth."""

import numpy as np
import pandas as pd
import pytest

from crmkit.loyalty import churn_cox, hazard_ratios, kaplan_meier, survival_curve
from crmkit.schema import SchemaError


def _customers(n=4000, seed=0, beta=(-0.4, 0.3)):
    """Acquisitions over 2010-2022, exponential lifetimes whose hazard depends on products
    held and incidents (true log hazard ratios ``beta``)."""
    rng = np.random.default_rng(seed)
    products = rng.integers(1, 5, n)
    incidents = rng.poisson(1.0, n)
    hazard = 0.25 * np.exp(beta[0] * products + beta[1] * incidents)
    years = rng.exponential(1 / hazard)
    acq = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.uniform(0, 12 * 365, n), "D")
    churn = acq + pd.to_timedelta(np.round(years * 365.25), "D")
    return pd.DataFrame({"acquisition_date": acq.floor("D"),
                         "churn_date": churn.where(churn <= "2023-01-01").floor("D"),
                         "products": products, "incidents": incidents})


@pytest.mark.parametrize("observed_from", [None, "2016-01-01"])
def test_kit_kaplan_meier_equals_lifelines(observed_from):
    cu = _customers()
    kit = survival_curve(cu, as_of="2023-01-01", observed_from=observed_from, max_years=10)
    km = kaplan_meier(cu, as_of="2023-01-01", observed_from=observed_from)
    ref = km.survival_function_at_times(kit["years"].to_numpy()).to_numpy()
    assert np.allclose(kit["survival"].to_numpy(), ref, rtol=1e-10, atol=1e-12)


def test_delayed_entry_removes_the_survivor_bias():
    # true survival at 5 years, averaged over the covariates, from the simulation's law
    cu = _customers(n=20_000, seed=1)
    truth = np.mean(np.exp(-0.25 * np.exp(-0.4 * cu["products"] + 0.3 * cu["incidents"]) * 5))
    # a database that starts in 2016 only holds customers still there then; counting them
    # from acquisition (no delayed entry) overstates survival
    kept = cu[cu["churn_date"].isna() | (cu["churn_date"] >= "2016-01-01")]
    naive = kaplan_meier(kept, as_of="2023-01-01").survival_function_at_times(5).item()
    fixed = kaplan_meier(kept, as_of="2023-01-01",
                         observed_from="2016-01-01").survival_function_at_times(5).item()
    assert naive - truth > 0.05
    assert abs(fixed - truth) < 0.02


def test_cox_recovers_true_hazard_ratios():
    cu = _customers(n=6000, seed=2)
    cox = churn_cox(cu, ["products", "incidents"], as_of="2023-01-01",
                    observed_from="2014-01-01")
    hr = hazard_ratios(cox)
    true = np.exp([-0.4, 0.3])
    assert np.all((hr["lower"].to_numpy() < true) & (true < hr["upper"].to_numpy()))
    assert np.allclose(hr["hazard_ratio"].to_numpy(), true, rtol=0.08)
    assert hr.loc["products", "effect"].startswith("-33%")


def test_cox_refuses_customers_without_covariates():
    cu = _customers(n=200)
    with pytest.raises(SchemaError, match="without covariates"):
        churn_cox(cu, cu[["products"]].iloc[:150], as_of="2023-01-01")
