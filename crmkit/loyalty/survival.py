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

__all__ = ["churn_cox", "hazard_ratios", "kaplan_meier"]


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


def churn_cox(customers: pd.DataFrame, covariates: pd.DataFrame | list[str], *, as_of=None,
              observed_from=None, acquisition_col: str = "acquisition_date",
              churn_col: str = "churn_date", penalizer: float = 0.0):
    """Cox proportional-hazards model of churn (tenure in years) on customer covariates.

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

    x = customers[list(covariates)] if isinstance(covariates, list) else covariates
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
    if observed_from is not None:
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
