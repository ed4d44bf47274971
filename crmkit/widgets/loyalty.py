"""Chapter 2, loyalty: its explorers."""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from crmkit import labels, loyalty, plots
from crmkit.widgets import _base

__all__ = ["dick_basu_explorer", "bathtub_explorer"]


def dick_basu_explorer(
    df: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    as_of,
    years: float = 5,
    attitude_threshold: float = 5.0,
    patronage_threshold: float | None = None,
) -> tuple[widgets.FloatSlider, widgets.FloatSlider]:
    """Move the thresholds of the Dick & Basu typology: who is "truly" loyal, who leaves?

    ``df`` holds one row per customer with ``relative_attitude`` and ``repeat_rate`` (e.g.
    :func:`crmkit.loyalty.loyalty_typology` output, measured at ``as_of``). Two sliders
    set the attitude and repeat-rate thresholds (:func:`crmkit.loyalty.dick_basu`; the
    default repeat-rate threshold is the median); the figure shows the matrix and, per
    type, the share of customers who left within ``years`` after ``as_of``
    (:func:`crmkit.loyalty.churn_within`); the table gives the same numbers.

    Parameters
    ----------
    df : DataFrame
        One row per customer: ``customer_id``, ``relative_attitude`` and ``repeat_rate``.
    customers : DataFrame
        One row per customer with ``customer_id`` and ``churn_date`` (NaT: still a
        customer).
    as_of : date-like
        The date the loyalty was measured; churn is counted from it.
    years : float, default 5
        Length of the window after ``as_of`` in which a departure counts.
    attitude_threshold : float, default 5.0
        Starting attitude threshold (at or above: high relative attitude).
    patronage_threshold : float, optional
        Starting repeat-rate threshold; default the median of ``repeat_rate``.

    Returns
    -------
    tuple of ipywidgets.FloatSlider
        The attitude and repeat-rate sliders.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3, 4], "relative_attitude": [6.0, 6.5, 2.0, 3.0],
    ...                    "repeat_rate": [0.9, 0.1, 0.8, 0.2]})
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3, 4],
    ...                    "churn_date": pd.to_datetime([None, None, "2021-01-01", None])})
    >>> att, pat = dick_basu_explorer(df, cu, as_of="2020-01-01")
    >>> att.value = 6.0  # reclassifies the customers and redraws
    """
    if patronage_threshold is None:
        patronage_threshold = float(df["repeat_rate"].median())

    def render(a_cut: float, p_cut: float):
        typ = loyalty.dick_basu(df, attitude_threshold=a_cut, patronage_threshold=p_cut)
        churn = loyalty.churn_within(typ, customers, as_of=as_of, years=years,
                                     by="loyalty_type")

        def draw(fig):
            left, right = _base.panels(fig, 2, width_ratios=[1.35, 1])
            plots.matrix_scatter(typ, "repeat_rate", "relative_attitude", "loyalty_type",
                                 x_cut=p_cut, y_cut=a_cut, quadrants="loyalty",
                                 show_shares=False, ax=left)
            left.get_legend().remove()
            # a type the cuts leave empty has no churn share: shown as "n/a"
            plots.measure_bars(churn, "loyalty_type", "churn_share", allow_missing=True,
                               title="churn_by_loyalty_type", ax=right)
            fig.tight_layout()

        table = churn.assign(share_of_customers=churn["customers"] / churn["customers"].sum())
        return _base.figure(draw, (12, 4.8)), labels.translate_frame(table.round(3))

    att = _base.slider("loyalty_control", "attitude_threshold", attitude_threshold, 1.5, 7.0, 0.5,
                  ".1f")
    pat = _base.slider("loyalty_control", "patronage_threshold", round(patronage_threshold, 2),
                  0.05, 1.0, 0.05, ".2f")
    _base.live([att, pat], render, lambda: (att.value, pat.value))
    return att, pat


def bathtub_explorer(
    params: loyalty.BathtubParameters,
    *,
    periods: int = 10,
    scenario: dict | None = None,
    discount_rate: float = 0.0,
) -> dict[str, widgets.FloatSlider]:
    """Open the tap or plug the drain: the customer base and the profit it earns.

    ``params`` is a year of the market measured by
    :func:`crmkit.loyalty.bathtub_parameters` (the baseline, kept constant). Sliders set
    the scenario's yearly acquisitions (the tap), retention rate (the drain), cost per
    customer won and retention cost per customer; both are simulated from the same
    stock by :func:`crmkit.loyalty.compare_bathtubs`; ``scenario`` sets the sliders'
    starting values (default: the baseline's). The figure shows the customer base and the
    cumulative profit; the table their values after ``periods`` years.

    Parameters
    ----------
    params : BathtubParameters
        The measured year (:func:`crmkit.loyalty.bathtub_parameters`): the baseline, and
        the starting stock of both runs (its ``end_stock``).
    periods : int, default 10
        Number of years simulated.
    scenario : dict, optional
        Starting slider values by :func:`crmkit.loyalty.bathtub` argument name
        (``acquired``, ``retention_rate``, ...); the others start at the baseline.
    discount_rate : float, default 0.0
        Yearly rate discounting the cumulative profit.

    Returns
    -------
    dict of ipywidgets.FloatSlider
        The sliders, by :func:`crmkit.loyalty.bathtub` argument name.

    Examples
    --------
    >>> from crmkit.loyalty import BathtubParameters
    >>> p = BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)
    >>> sliders = bathtub_explorer(p)
    >>> sliders["retention_rate"].value = 0.95  # reruns the bathtub and redraws
    """
    base = params.as_kwargs()
    start = base | dict(scenario or {})

    def render(values: dict):
        runs = loyalty.compare_bathtubs(
            periods, {"baseline": base, "scenario": base | values},
            initial_customers=params.end_stock, discount_rate=discount_rate)

        def draw(fig):
            left, right = _base.panels(fig, 2)
            plots.bathtub_scenarios(runs, "end_stock", ax=left)
            plots.bathtub_scenarios(runs, "cumulative_profit", ax=right)
            fig.tight_layout()

        last = runs.loc[runs["period"] == periods, ["scenario", "end_stock", "cumulative_profit"]]
        return _base.figure(draw, (12, 4.2)), labels.translate_frame(last.round(0))

    a, ca, cr = base["acquired"], base["acquisition_cost"], base["retention_cost"]
    sliders = {
        "acquired": _base.slider("loyalty_control", "acquired_per_year", start["acquired"], 0,
                            round(3 * a, -1), 10, ".0f"),
        "retention_rate": _base.slider("loyalty_control", "retention_rate", start["retention_rate"],
                                  0.60, 0.99, 0.005, ".3f"),
        "acquisition_cost": _base.slider("loyalty_control", "acquisition_cost",
                                    start["acquisition_cost"], 0, round(3 * ca, -1), 5, ".0f"),
        "retention_cost": _base.slider("loyalty_control", "retention_cost", start["retention_cost"],
                                  0, round(10 * cr + 10, -1), 1, ".0f"),
    }

    _base.live(list(sliders.values()), render, lambda: ({k: s.value for k, s in sliders.items()},),
               vary=1)  # static book: the retention rate, the chapter's lever
    return sliders
