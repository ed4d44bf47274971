"""Churn as a survival process, through lifelines: Kaplan-Meier with delayed entry and Cox.

A bank or an insurer knows when a customer leaves, but its database usually starts at a
date (a system migration, the start of the extract) while many customers were acquired
before: they are in the data only because they were still customers then. Counting them
from their acquisition would make retention look better than it is (survivor bias); the
Kaplan-Meier estimator with delayed entry (left truncation) puts each one in the risk set
only from the tenure they had when observation began.

- :func:`kaplan_meier`: lifelines' ``KaplanMeierFitter`` on :func:`tenure_table`, with
  delayed entry; :func:`crmkit.loyalty.survival_curve` is the kit's vectorised yearly
  version and is checked against it in the tests.
- :func:`churn_covariates`: the customers active on a date with what a bank or an insurer
  knows of them that day (tenure, contracts held, a mortgage, recent incidents,
  multichannel use), the input of a Cox model from a snapshot;
- :func:`churn_cox`: lifelines' ``CoxPHFitter`` of churn on customer covariates (products
  held, incidents, channel use...): :func:`hazard_ratios` reads the fit as "each extra
  product multiplies the monthly risk of leaving by ...", the reading of chapter 2.

lifelines is imported when a function is called, so importing :mod:`crmkit.loyalty` stays
light.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.loyalty.retention import tenure_table
from crmkit.market import active_on, in_window, running_on
from crmkit.segmentation._frame import as_timestamp

__all__ = ["churn_covariates", "churn_cox", "hazard_ratios", "kaplan_meier"]

# the covariates of churn_covariates, in the order of the chapter's reading
COVARIATES = ("tenure", "contracts_held", "mortgage", "incidents", "multichannel")


def kaplan_meier(customers: pd.DataFrame, *, as_of=None, observed_from=None,
                 acquisition_col: str = "acquisition_date", churn_col: str = "churn_date",
                 label: str = "survival"):
    """Kaplan-Meier survival of customers (tenure in years), with delayed entry.

    Parameters
    ----------
    customers : DataFrame
        Acquisition and churn dates.
    as_of, observed_from, acquisition_col, churn_col
        As in :func:`crmkit.loyalty.tenure_table` (``observed_from``: delayed entry).
    label : str, default "survival"
        Name of the curve.

    Returns
    -------
    lifelines.KaplanMeierFitter
        Fitted; ``survival_function_at_times(t)``, ``median_survival_time_``,
        ``confidence_interval_``, ``plot_survival_function(ax=...)``.

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({
    ...     "acquisition_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-01",
    ...                                         "2021-12-31"]),
    ...     "churn_date": pd.to_datetime(["2020-07-02", "2021-07-02", None, None])})
    >>> km = kaplan_meier(cu, as_of="2023-01-01")
    >>> km.survival_function_at_times([1, 2, 3]).round(3).tolist()
    [0.75, 0.375, 0.375]
    """
    from lifelines import KaplanMeierFitter

    tt = tenure_table(customers, as_of=as_of, observed_from=observed_from,
                      acquisition_col=acquisition_col, churn_col=churn_col)
    entry = tt["entry"] if observed_from is not None else None
    return KaplanMeierFitter(label=label).fit(tt["exit"], tt["churned"], entry=entry)


def churn_covariates(market, as_of, *, years: int = 1,
                     mortgage_product: str = "B_MORTGAGE") -> pd.DataFrame:
    """What the company knows of each customer on ``as_of``: the covariates of a churn model.

    Parameters
    ----------
    market : Market
        Anything with the market's ``customers``, ``contracts`` and ``incidents`` tables
        (:class:`crmkit.market.Market`).
    as_of : date-like
        The snapshot day. Only what is known on that day is used: contracts running on it
        (:func:`crmkit.market.running_on`), incidents in ``[as_of - years, as_of)``.
    years : int, default 1
        Length of the window over which incidents are counted.
    mortgage_product : str, default "B_MORTGAGE"
        The product whose contract is the strongest exit barrier of a bank.

    Returns
    -------
    DataFrame
        The rows of ``market.customers`` active on ``as_of`` (same index; every column kept,
        so :func:`churn_cox` finds the dates) plus the covariates ``tenure`` (years since
        acquisition), ``contracts_held`` (contracts running), ``mortgage`` (1 if one of them
        is a mortgage), ``incidents`` (critical incidents in the window) and
        ``multichannel`` (1 if the customer uses three channels or more, ``n_channels``).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3],
    ...     "acquisition_date": pd.to_datetime(["2015-01-01", "2019-01-01", "2016-01-01"]),
    ...     "churn_date": pd.to_datetime([None, None, "2019-06-01"]), "n_channels": [1, 4, 2]})
    >>> co = pd.DataFrame({"contract_id": [10, 11, 12], "customer_id": [1, 1, 2],
    ...     "product_id": ["B_CURRENT", "B_MORTGAGE", "I_AUTO"],
    ...     "start_date": pd.to_datetime(["2015-01-01", "2017-05-01", "2019-01-01"]),
    ...     "end_date": pd.to_datetime([None, None, "2019-12-01"])})
    >>> inc = pd.DataFrame({"incident_id": [1, 2], "customer_id": [2, 2],
    ...     "date": pd.to_datetime(["2019-03-01", "2020-02-01"])})
    >>> m = SimpleNamespace(customers=cu, contracts=co, incidents=inc)
    >>> churn_covariates(m, "2020-01-01")[list(COVARIATES)].round(2)
       tenure  contracts_held  mortgage  incidents  multichannel
    0     5.0               2         1          0             0
    1     1.0               0         0          1             1
    """
    day = as_timestamp(as_of, "as_of")
    if not isinstance(years, int | np.integer) or years < 1:
        raise ValueError(f"years must be a whole number of years >= 1, got {years!r}")
    customers, contracts, incidents = market.customers, market.contracts, market.incidents
    schema.require_columns(customers, "customers",
                           {"customer_id": "int", "acquisition_date": "datetime",
                            "churn_date": "datetime", "n_channels": "int"},
                           nullable=["churn_date"], nonnegative=["n_channels"])
    schema.check_key(customers, "customers")
    schema.require_columns(contracts, "contracts",
                           {"customer_id": "int", "product_id": None,
                            "start_date": "datetime", "end_date": "datetime"},
                           nullable=["end_date"])
    # a market may have had no incident yet: an empty table is valid
    schema.check_columns(incidents, "incidents", {"customer_id": "int", "date": "datetime"})
    for column in ("customer_id", "date"):
        schema.check_no_missing(incidents, "incidents", column)
    schema.check_key(contracts, "contracts")
    schema.check_key(incidents, "incidents")
    cu = customers.loc[active_on(customers, day)]
    if cu.empty:
        raise schema.SchemaError(f"customers: no customer active on {day.date()}")
    held = contracts.loc[running_on(contracts, day)]
    recent = incidents.loc[in_window(incidents["date"], day - pd.DateOffset(years=years), day)]
    ids = cu["customer_id"]
    return cu.assign(
        tenure=((day - cu["acquisition_date"]) / pd.Timedelta(days=365.25)).to_numpy(),
        contracts_held=ids.map(held.groupby("customer_id").size()).fillna(0).astype(int),
        mortgage=ids.isin(held.loc[held["product_id"] == mortgage_product, "customer_id"])
        .astype(int),
        incidents=ids.map(recent.groupby("customer_id").size()).fillna(0).astype(int),
        multichannel=(cu["n_channels"] >= 3).astype(int),
    )


def churn_cox(customers: pd.DataFrame, covariates: pd.DataFrame | list[str], *, as_of=None,
              observed_from=None, acquisition_col: str = "acquisition_date",
              churn_col: str = "churn_date", penalizer: float = 0.0,
              clock: str = "tenure"):
    """Cox proportional-hazards model of churn (in years) on customer covariates.

    Parameters
    ----------
    customers : DataFrame
        Acquisition and churn dates (see :func:`crmkit.loyalty.survival_curve`).
    covariates : DataFrame or list of str
        One row per customer, aligned on ``customers``' index (or names of numeric columns
        of ``customers``): products held, incidents, share of digital contacts...
    as_of, observed_from, acquisition_col, churn_col
        As in :func:`crmkit.loyalty.survival_curve`; with ``observed_from`` the fit uses
        delayed entry.
    penalizer : float, default 0
        lifelines' ridge penalty (0: plain partial likelihood).
    clock : {"tenure", "observation"}, default "tenure"
        The time axis. ``"tenure"``: years since acquisition, with delayed entry at the
        tenure reached on ``observed_from``. ``"observation"``: years since the customer
        entered observation (``observed_from``, or the acquisition if later), the clock
        of a snapshot model: covariates measured on ``observed_from``
        (:func:`churn_covariates`), tenure among them, and every customer followed from
        that day.

    Returns
    -------
    lifelines.CoxPHFitter
        Fitted; read it with :func:`hazard_ratios`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> products = rng.integers(1, 5, 500)
    >>> acq = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 2000, 500), "D")
    >>> life = pd.to_timedelta(rng.exponential(365 / (0.4 * np.exp(-0.5 * products))), "D")
    >>> churn = (acq + life).floor("D")
    >>> cu = pd.DataFrame({"acquisition_date": acq, "products": products,
    ...                    "churn_date": churn.where(churn <= "2022-01-01")})
    >>> cox = churn_cox(cu, ["products"], as_of="2022-01-01")
    >>> bool(hazard_ratios(cox).loc["products", "hazard_ratio"] < 1)
    True
    """
    from lifelines import CoxPHFitter

    if clock not in ("tenure", "observation"):
        raise ValueError(f"clock must be 'tenure' or 'observation', got {clock!r}")
    if isinstance(covariates, list):
        # columns of the customers table: present, and held to its schema (n_channels >= 1...)
        schema.check_columns(customers, "customers", covariates)
        known = [c for c in covariates if c in schema.TABLES["customers"].names]
        if known:
            schema.validate(customers, "customers", columns=known)
        x = customers[covariates]
    else:
        x = covariates
    if not isinstance(x, pd.DataFrame) or x.shape[1] == 0:
        raise ValueError("covariates must be a non-empty DataFrame or list of column names")
    schema.require_columns(x, "covariates", {c: "number" for c in x.columns})
    tt = tenure_table(customers, as_of=as_of, observed_from=observed_from,
                      acquisition_col=acquisition_col, churn_col=churn_col)
    missing = tt.index.difference(x.index)
    if len(missing):
        raise schema.SchemaError(f"covariates: {len(missing)} customer(s) without covariates; "
                                 f"first offending rows (index): {list(missing[:5])}")
    frame = x.loc[tt.index].assign(_exit=tt["exit"], _churned=tt["churned"].astype(int))
    kwargs = {}
    if clock == "observation":
        frame = frame.assign(_exit=tt["exit"] - tt["entry"])
        frame = frame[frame["_exit"] > 0]  # no time observed: no information
    elif observed_from is not None:
        # lifelines' Cox wants entry < exit: a customer acquired and gone the same day
        # (tenure 0 to 0) has no time at risk
        frame = frame[tt["exit"] > tt["entry"]].assign(_entry=tt["entry"])
        kwargs["entry_col"] = "_entry"
    return CoxPHFitter(penalizer=penalizer).fit(frame, duration_col="_exit",
                                                 event_col="_churned", **kwargs)


def hazard_ratios(cox) -> pd.DataFrame:
    """Hazard ratios of a fitted Cox model with their 95% interval, in plain words.

    ``hazard_ratio`` is exp(coef): the factor by which one more unit of the covariate
    multiplies the instantaneous risk of leaving, the others held fixed (below 1: the
    covariate retains). ``effect`` says it as a percentage.

    Parameters
    ----------
    cox : lifelines.CoxPHFitter
        A fitted model, e.g. from :func:`churn_cox`.

    Returns
    -------
    DataFrame
        Index covariate; ``hazard_ratio``, ``lower``, ``upper``, ``p``, ``effect``.

    Examples
    --------
    See :func:`churn_cox`; with a hazard ratio of 0.61 per product, ``effect`` reads
    ``"-39% risk of leaving per unit"``.

    >>> import pandas as pd
    >>> class Fit:  # anything with lifelines' ``summary`` columns
    ...     summary = pd.DataFrame({"exp(coef)": [0.61], "exp(coef) lower 95%": [0.5],
    ...                             "exp(coef) upper 95%": [0.7], "p": [0.001]},
    ...                            index=["products"])
    >>> hazard_ratios(Fit())["effect"].item()
    '-39% risk of leaving per unit'
    """
    s = cox.summary
    out = pd.DataFrame({"hazard_ratio": s["exp(coef)"],
                        "lower": s["exp(coef) lower 95%"],
                        "upper": s["exp(coef) upper 95%"],
                        "p": s["p"]})
    pct = (out["hazard_ratio"] - 1) * 100
    out["effect"] = [f"{'+' if v >= 0 else '-'}{abs(v):.0f}% risk of leaving per unit"
                     for v in np.asarray(pct)]
    return out.rename_axis("covariate")
