"""Customer lifetime value from a purchase model and a spend model, and customer equity.

The future value of a customer is the discounted sum, period by period, of the purchases the
purchase model (BG/NBD or Pareto/NBD) expects given the customer's history, times the spend
per purchase the Gamma-Gamma model expects, times the margin rate:

    CLV_i = sum_{k=1..K} margin * E[M_i] * (E[Y_i(k L)] - E[Y_i((k-1) L)]) / (1 + d)^k

with L the length of a discount period in the models' time unit (4.345 weeks for a month
when the summary is in weeks) and d the discount rate per period. Customer equity is the sum
of the customers' CLVs (Gupta, Lehmann & Stuart 2004 value the firm this way).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.clv._common import PurchaseModel
from crmkit.clv.gammagamma import GammaGammaModel

__all__ = ["customer_lifetime_value", "customer_equity"]

# weeks in an average month (365.25 / 12 / 7), the usual step when the summary is in weeks
WEEKS_PER_MONTH = 4.348


def customer_lifetime_value(
    purchase_model,
    spend_model: GammaGammaModel,
    data: pd.DataFrame,
    *,
    horizon: int = 12,
    period: float = WEEKS_PER_MONTH,
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> pd.DataFrame:
    """Discounted expected value of each customer over the next ``horizon`` periods.

    Parameters
    ----------
    purchase_model : BetaGeoModel, ParetoNBDModel or another purchase model
        Fitted (or built with ``from_params``) purchase model; its time unit is the
        summary's. Read through its ``predict(data, t=...)``, the cumulative expected
        purchases at every period end.
    spend_model : GammaGammaModel
        Fitted (or built with ``from_params``) spend model, read through ``predict(data)``.
    data : DataFrame
        Summary with ``frequency``, ``recency``, ``T`` and ``monetary_value``.
    horizon : int
        Number of discount periods (e.g. 12 months).
    period : float
        Length of one discount period in the models' time unit (4.348 weeks for a month).
    discount_rate : float
        Discount rate per period (0.01 a month is about 12.7% a year).
    margin : float
        Share of spend that is margin (1 values revenue).

    Returns
    -------
    DataFrame
        Indexed like ``data``: ``expected_purchases`` over the horizon (undiscounted),
        ``expected_spend`` per purchase, ``clv`` (discounted, times margin).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value
    >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> gg = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
    >>> d = pd.DataFrame({"frequency": [2, 0], "recency": [30.43, 0.0], "T": [38.86, 38.86],
    ...                   "monetary_value": [22.35, 0.0]})
    >>> out = customer_lifetime_value(bg, gg, d, horizon=12, discount_rate=0.0)
    >>> bool(abs(out["clv"] - out["expected_purchases"] * out["expected_spend"]).max() < 1e-9)
    True
    """
    if int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1, got {horizon}")
    if not period > 0:
        raise ValueError(f"period must be > 0, got {period}")
    if not discount_rate > -1:
        raise ValueError(f"discount_rate must be > -1, got {discount_rate}")
    if not np.isfinite(margin):
        raise ValueError(f"margin must be a finite number, got {margin}")
    if not isinstance(purchase_model, PurchaseModel):
        raise TypeError(f"purchase_model must be a purchase model (BetaGeoModel, "
                        f"ParetoNBDModel...), got {type(purchase_model).__name__}")
    # each model validates the summary it reads (spend: frequency and monetary_value first)
    spend = spend_model.predict(data).to_numpy()
    k = np.arange(1, int(horizon) + 1)
    # cumulative expected purchases at each period end: one row per period, one column each
    cum = purchase_model.predict(data, t=k * period).to_numpy().T
    per_period = np.diff(cum, axis=0, prepend=0.0)  # purchases in ((k-1)L, kL]
    disc = (1.0 + discount_rate) ** -k.astype(float)
    purchases = cum[-1]
    clv = margin * spend * (disc @ per_period)
    return pd.DataFrame({"expected_purchases": purchases, "expected_spend": spend, "clv": clv},
                        index=data.index)


def customer_equity(purchase_model, spend_model: GammaGammaModel, data: pd.DataFrame,
                    **kwargs) -> float:
    """Customer equity: the sum of :func:`customer_lifetime_value` over the customers.

    Parameters
    ----------
    purchase_model : BetaGeoModel or ParetoNBDModel
        Fitted model of the number of purchases.
    spend_model : GammaGammaModel
        Fitted model of the spend per purchase.
    data : pandas.DataFrame
        Summary with ``frequency``, ``recency``, ``T`` and ``monetary_value``.
    **kwargs
        Passed to :func:`customer_lifetime_value` (horizon, discount rate, margin...).

    Returns
    -------
    float
        The sum of the customers' lifetime values.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmkit.clv import BetaGeoModel, GammaGammaModel, customer_equity
    >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> gg = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
    >>> d = pd.DataFrame({"frequency": [2, 0], "recency": [30.43, 0.0], "T": [38.86, 38.86],
    ...                   "monetary_value": [22.35, 0.0]})
    >>> customer_equity(bg, gg, d) > 0
    True
    """
    return float(customer_lifetime_value(purchase_model, spend_model, data, **kwargs)["clv"]
                 .sum())
