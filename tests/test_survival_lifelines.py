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
    # covariates named by column: present (was a KeyError), and held to the customers' schema
    with pytest.raises(SchemaError, match=r"customers.n_channels: missing column"):
        churn_cox(cu, ["products", "n_channels"], as_of="2023-01-01")
    with pytest.raises(SchemaError, match=r"customers.n_channels: 1 row\(s\) outside \[1, None\]"):
        churn_cox(cu.assign(n_channels=np.r_[-1, np.ones(len(cu) - 1, dtype=int)]),
                  ["products", "n_channels"], as_of="2023-01-01")


# ---------------------------------------------------------------------------------------
# the covariates of a churn model, known on a snapshot day, and the snapshot clock
# ---------------------------------------------------------------------------------------
def _tiny_market():
    from types import SimpleNamespace

    day = pd.Timestamp("2020-01-01")
    cu = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5],
        # 4 is acquired on the snapshot day (in), 5 left on it (out)
        "acquisition_date": pd.to_datetime(["2010-01-01", "2018-07-02", "2015-01-01",
                                            "2020-01-01", "2012-01-01"]),
        "churn_date": pd.to_datetime([None, "2022-05-01", None, None, "2020-01-01"]),
        "n_channels": [1, 3, 2, 5, 4]})
    co = pd.DataFrame({
        "contract_id": range(7),
        "customer_id": [1, 1, 1, 2, 3, 3, 4],
        "product_id": ["B_CURRENT", "B_MORTGAGE", "I_AUTO", "I_HOME", "B_MORTGAGE",
                       "B_CURRENT", "B_CURRENT"],
        # 1's car policy ends on the snapshot day (not running); 3's mortgage ended before
        "start_date": pd.to_datetime(["2010-01-01", "2011-01-01", "2012-01-01", "2018-07-02",
                                      "2015-01-01", "2015-01-01", "2020-01-01"]),
        "end_date": pd.to_datetime([None, None, "2020-01-01", None, "2019-12-31", None,
                                    None])})
    inc = pd.DataFrame({
        "incident_id": range(5), "customer_id": [2, 2, 2, 3, 1],
        # the window is [2019-01-01, 2020-01-01): the first and the last of 2's are out
        "date": pd.to_datetime(["2018-12-31", "2019-01-01", "2020-01-01", "2019-06-30",
                                "2017-05-05"])})
    return SimpleNamespace(customers=cu, contracts=co, incidents=inc), day


def test_churn_covariates_by_hand():
    from crmkit.loyalty import churn_covariates

    m, day = _tiny_market()
    cov = churn_covariates(m, day).set_index("customer_id")
    assert cov.index.tolist() == [1, 2, 3, 4]
    assert cov["contracts_held"].tolist() == [2, 1, 1, 1]
    assert cov["mortgage"].tolist() == [1, 0, 0, 0]
    assert cov["incidents"].tolist() == [0, 1, 1, 0]
    assert cov["multichannel"].tolist() == [0, 1, 0, 1]
    assert np.allclose(cov["tenure"], [3652 / 365.25, 548 / 365.25, 1826 / 365.25, 0.0])
    # the dates churn_cox needs are kept, on market.customers' index
    assert (cov["churn_date"].isna() == [True, False, True, True]).all()
    two_years = churn_covariates(m, day, years=2).set_index("customer_id")
    assert two_years["incidents"].tolist() == [0, 2, 1, 0]


def test_churn_covariates_bad_input():
    from crmkit.loyalty import churn_covariates

    m, day = _tiny_market()
    m.customers = m.customers.drop(columns="n_channels")
    with pytest.raises(SchemaError, match="n_channels"):
        churn_covariates(m, day)
    m, day = _tiny_market()
    with pytest.raises(ValueError, match="years"):
        churn_covariates(m, day, years=0)
    with pytest.raises(SchemaError, match="no customer active"):
        churn_covariates(m, "2000-01-01")


def test_cox_on_the_snapshot_clock_recovers_tenure_and_products():
    # customers active on a snapshot day, followed from it: hazard 0.3 a year times
    # exp(-0.5 x products + 0.08 x tenure); memoryless, so the clock since the snapshot is
    # the right time axis and tenure is a covariate like the others
    rng = np.random.default_rng(5)
    n = 6000
    snapshot, end = pd.Timestamp("2018-01-01"), pd.Timestamp("2023-01-01")
    tenure = rng.uniform(0, 15, n)
    products = rng.integers(1, 5, n)
    years = rng.exponential(1 / (0.3 * np.exp(-0.5 * products + 0.08 * tenure)))
    acq = (snapshot - pd.to_timedelta(np.round(tenure * 365.25), "D")).floor("D")
    churn = snapshot + pd.to_timedelta(np.round(years * 365.25) + 1, "D")
    cu = pd.DataFrame({"acquisition_date": acq, "churn_date": churn.where(churn <= end),
                       "products": products,
                       "tenure": (snapshot - acq) / pd.Timedelta(days=365.25)})
    cox = churn_cox(cu, ["products", "tenure"], as_of=end, observed_from=snapshot,
                    clock="observation")
    hr = hazard_ratios(cox)
    true = np.exp([-0.5, 0.08])
    assert np.all((hr["lower"].to_numpy() < true) & (true < hr["upper"].to_numpy()))
    # the clock runs from the snapshot: nobody is followed for more than five years
    assert cox.durations.max() <= 5.0 + 1e-9
    with pytest.raises(ValueError, match="clock"):
        churn_cox(cu, ["products"], as_of=end, observed_from=snapshot, clock="calendar")
