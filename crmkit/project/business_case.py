"""The return on investment of a CRM programme: NPV, payback period, ROI.

Course chapter 7, "The return on investment of a CRM programme": the costs and benefits of
a programme year by year, discounted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit import schema

__all__ = ["ProgrammeROI", "programme_roi"]


@dataclass(frozen=True)
class ProgrammeROI:
    """Result of :func:`programme_roi`.

    Attributes
    ----------
    flows : DataFrame
        One row per year: ``costs``, ``benefits``, ``net``, ``discounted_net``,
        ``cumulative_net``, ``cumulative_discounted``.
    npv : float
        Net present value: the sum of the discounted net flows.
    payback_years : float
        Years until the cumulative (undiscounted) net flow turns positive, interpolated
        within the year; ``inf`` if it never does.
    discounted_payback_years : float
        The same on the discounted flows.
    roi : float
        Discounted benefits over discounted costs, minus one.
    """

    flows: pd.DataFrame
    npv: float
    payback_years: float
    discounted_payback_years: float
    roi: float


def _payback(cumulative: np.ndarray, net: np.ndarray, years: np.ndarray) -> float:
    # years are flow dates (0 = today); the flow of year y accrues over (y - 1, y]
    after = np.flatnonzero(cumulative >= 0)
    if not (cumulative < 0).any():
        return 0.0
    last_negative = np.flatnonzero(cumulative < 0).max()
    after = after[after > last_negative]
    if len(after) == 0:
        return float("inf")
    k = after[0]
    before = cumulative[k] - net[k]
    return float(years[k] - 1 + (-before / net[k]))


def programme_roi(cash_flows: pd.DataFrame, *, discount_rate: float = 0.08) -> ProgrammeROI:
    """Costs and benefits of a CRM programme, year by year: NPV, payback period, ROI.

    Parameters
    ----------
    cash_flows : DataFrame
        Tidy: one row per ``year`` (integer, 0 = the launch year, not discounted),
        ``item`` (licences, data, training, change, campaign response, retention...),
        ``kind`` (``cost`` or ``benefit``) and ``amount`` (euros, >= 0).
    discount_rate : float
        Yearly rate of the net present value.

    Returns
    -------
    ProgrammeROI

    Examples
    --------
    1,000 invested today, 400 of benefits a year for four years, at 10 %:

    >>> import pandas as pd
    >>> cf = pd.DataFrame({"year": [0, 1, 2, 3, 4], "item": ["licences"] + ["campaigns"] * 4,
    ...     "kind": ["cost"] + ["benefit"] * 4, "amount": [1000.0, 400.0, 400.0, 400.0, 400.0]})
    >>> r = programme_roi(cf, discount_rate=0.10)
    >>> round(r.npv, 2), r.payback_years, round(r.roi, 3)
    (267.95, 2.5, 0.268)
    """
    if not (np.isfinite(discount_rate) and discount_rate > -1):
        raise ValueError(f"discount_rate must be a number above -1, got {discount_rate!r}")
    schema.check_not_empty(cash_flows, "cash_flows")
    schema.check_columns(cash_flows, "cash_flows", {"year": "int", "item": None,
                                                    "kind": None, "amount": "number"})
    for col in ("year", "item", "kind", "amount"):
        schema.check_no_missing(cash_flows, "cash_flows", col)
    schema.check_allowed(cash_flows, "cash_flows", "kind", ["cost", "benefit"])
    schema.check_nonnegative(cash_flows, "cash_flows", "year")
    schema.check_nonnegative(cash_flows, "cash_flows", "amount")
    years = np.arange(0, int(cash_flows["year"].max()) + 1)
    table = cash_flows.pivot_table(index="year", columns="kind", values="amount",
                                   aggfunc="sum", fill_value=0.0)
    table = table.reindex(index=years, columns=["cost", "benefit"], fill_value=0.0)
    flows = pd.DataFrame({"costs": table["cost"].to_numpy(dtype=float),
                          "benefits": table["benefit"].to_numpy(dtype=float)},
                         index=pd.Index(years, name="year"))
    factor = (1 + discount_rate) ** years
    flows["net"] = flows["benefits"] - flows["costs"]
    flows["discounted_net"] = flows["net"] / factor
    flows["cumulative_net"] = flows["net"].cumsum()
    flows["cumulative_discounted"] = flows["discounted_net"].cumsum()
    d_costs = float((flows["costs"] / factor).sum())
    d_benefits = float((flows["benefits"] / factor).sum())
    return ProgrammeROI(
        flows=flows,
        npv=float(flows["discounted_net"].sum()),
        payback_years=_payback(flows["cumulative_net"].to_numpy(), flows["net"].to_numpy(),
                               years),
        discounted_payback_years=_payback(flows["cumulative_discounted"].to_numpy(),
                                          flows["discounted_net"].to_numpy(), years),
        roi=d_benefits / d_costs - 1 if d_costs > 0 else float("inf"),
    )
