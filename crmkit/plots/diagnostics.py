"""Model diagnostics: a fitted model's predictions set against what customers truly did.

- :func:`calibration_plot`: a predicted probability (P(alive), survival from a Cox or sBG
  model) against the observed rate, bin by bin (:func:`crmkit.clv.scoring.score_probability`
  output), with the diagonal of a perfectly calibrated model;
- :func:`hazard_ratio_forest`: the hazard ratios of a Cox model with their 95 % intervals
  on a log scale (:func:`crmkit.loyalty.hazard_ratios` output), the line at 1 separating
  what retains from what drives customers away;
- :func:`survival_projection`: a cohort's observed survival against the model's projection,
  the calibration years marked (the figure of Fader and Hardie 2007);
- :func:`period_transactions_plot`: customers by repeat purchases in calibration, observed
  and expected by a purchase model (:func:`crmkit.clv.diagnostics.period_transactions`);
- :func:`frequency_recency_heatmap`: a purchase model's probability alive or expected
  purchases over frequency and recency (:func:`crmkit.clv.diagnostics.frequency_recency_grid`);
- :func:`cumulative_transactions_plot`: cumulative repeat purchases over calendar time,
  observed and expected, calibration then holdout
  (:func:`crmkit.clv.diagnostics.cumulative_transactions`).

Calibration against holdout is :func:`crmkit.plots.holdout_fit`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from crmkit import labels
from crmkit.plots._docs import figure
from crmkit.plots.style import COLORS, _axes, _numeric, _set_title, localised
from crmkit.schema import check_ids, check_in_range, check_not_empty, fail, require_columns

__all__ = ["calibration_plot", "cumulative_transactions_plot", "frequency_recency_heatmap",
           "hazard_ratio_forest", "period_transactions_plot", "survival_projection"]


@localised
@figure("model_diagnostic")
def calibration_plot(calibration: pd.DataFrame, *, label: str | None = None,
                     title: str | None = None, table: str = "calibration", ax=None):
    """Predicted probability against observed rate, one point per bin, and the diagonal.

    Parameters
    ----------
    calibration : DataFrame
        ``predicted`` (mean predicted probability of the bin) and ``observed`` (share of
        the bin's customers for whom the event happened), e.g. the ``calibration`` of
        :func:`crmkit.clv.scoring.score_probability`.
    label : str, optional
        Legend entry of the points (a label key or text), to draw several models on one
        ``ax``.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"predicted": [0.1, 0.5, 0.9], "observed": [0.15, 0.45, 0.92]})
    >>> ax = calibration_plot(c)
    >>> ax.get_xlabel()
    'Predicted probability'
    """
    _numeric(calibration, table, "predicted", "observed", nonnegative=("predicted", "observed"))
    ax = _axes(ax)
    ax.plot([0, 1], [0, 1], linestyle=":", color="black", linewidth=1,
            label=labels.label("perfect_calibration", "model_diagnostic"))
    name = labels.label(label) if label is not None else labels.header("observed_rate")
    ax.plot(calibration["predicted"], calibration["observed"], marker="o", linewidth=1.5,
            label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.header("predicted_probability"))
    ax.set_ylabel(labels.header("observed_rate"))
    ax.legend(loc="upper left")
    _set_title(ax, title, "calibration_plot", kind="model_diagnostic")
    return ax


@localised
@figure("model_diagnostic")
def hazard_ratio_forest(ratios: pd.DataFrame, *, title: str | None = None,
                        table: str = "hazard_ratios", ax=None):
    """Hazard ratios with their 95 % intervals, on a log scale, and the line at 1.

    Parameters
    ----------
    ratios : DataFrame
        Indexed by covariate, with ``hazard_ratio``, ``lower`` and ``upper``
        (:func:`crmkit.loyalty.hazard_ratios`).
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> hr = pd.DataFrame({"hazard_ratio": [0.8, 1.6], "lower": [0.7, 1.3],
    ...                    "upper": [0.9, 2.0]}, index=["contracts_held", "multichannel"])
    >>> ax = hazard_ratio_forest(hr)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Contracts held', 'Multichannel customer']
    """
    _numeric(ratios, table, "hazard_ratio", "lower", "upper")
    bad = ~((ratios["lower"] > 0) & (ratios["lower"] <= ratios["hazard_ratio"])
            & (ratios["hazard_ratio"] <= ratios["upper"]))
    if bad.any():
        fail(table, "hazard_ratio", "not positive and inside [lower, upper]", bad, ratios)
    ax = _axes(ax)
    pos = np.arange(len(ratios))[::-1]
    hr = ratios["hazard_ratio"].to_numpy(dtype=float)
    colours = np.where(hr < 1, COLORS["green"], COLORS["vermilion"])
    ax.hlines(pos, ratios["lower"], ratios["upper"], colors=colours, linewidth=2)
    ax.scatter(hr, pos, color=colours, zorder=3, s=40)
    ax.axvline(1.0, color="black", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(pos, [labels.header(str(c)) for c in ratios.index])
    ax.set_xlabel(labels.header("hazard_ratio"))
    _set_title(ax, title, "hazard_ratios", kind="model_diagnostic")
    return ax


@localised
@figure("model_diagnostic")
def survival_projection(observed: pd.DataFrame, projected: pd.DataFrame, *,
                        calibration_periods: int | None = None, title: str | None = None,
                        ax=None):
    """Observed and projected survival of one or more cohorts, against periods.

    Parameters
    ----------
    observed : DataFrame
        ``cohort``, ``period``, ``survival`` (share of the cohort still active, in
        [0, 1]), as observed: one row per cohort and period.
    projected : DataFrame
        The same columns, from the model (e.g. :meth:`crmkit.clv.ShiftedBetaGeoModel.survival`
        stacked), its cohorts written as in ``observed`` (numbers in both, or text in
        both).
    calibration_periods : int, optional
        Last period the model saw: a vertical line separates calibration from holdout.
    {title}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"cohort": ["a"] * 3, "period": [0, 1, 2],
    ...                     "survival": [1.0, 0.7, 0.55]})
    >>> proj = pd.DataFrame({"cohort": ["a"] * 4, "period": [0, 1, 2, 3],
    ...                      "survival": [1.0, 0.69, 0.56, 0.48]})
    >>> ax = survival_projection(obs, proj, calibration_periods=1)
    >>> len(ax.get_lines())
    3
    """
    text = {}
    for name, df in (("observed", observed), ("projected", projected)):
        check_not_empty(df, name)
        require_columns(df, name, {"cohort": None, "period": "number", "survival": "number"},
                        nonnegative=["period"], unique=["cohort", "period"])
        check_in_range(df, name, "survival", 0.0, 1.0)
        check_ids(df, name, "cohort")  # 2020 and "2020" in one column: two cohorts
        text[name] = pd.api.types.infer_dtype(df["cohort"], skipna=True) == "string"
    if text["observed"] != text["projected"]:
        # the two tables' curves of one cohort would not meet (a silent mismatch)
        kind = {True: "text", False: "numbers"}
        fail("projected", "cohort", f"holds {kind[text['projected']]} while observed.cohort "
             f"holds {kind[text['observed']]} (2020 and '2020' would be two cohorts); cast "
             "both to one type")
    ax = _axes(ax)
    cohorts = list(pd.unique(pd.concat([observed["cohort"], projected["cohort"]])))
    colours = dict(zip(cohorts, [f"C{i % 10}" for i in range(len(cohorts))], strict=True))
    for c in cohorts:
        o = observed.loc[observed["cohort"] == c].sort_values("period")
        p = projected.loc[projected["cohort"] == c].sort_values("period")
        ax.plot(o["period"], o["survival"], marker="o", color=colours[c], linewidth=0,
                label=f"{c}")
        ax.plot(p["period"], p["survival"], linestyle="--", color=colours[c], linewidth=1.5)
    if calibration_periods is not None:
        ax.axvline(calibration_periods, color="black", linestyle=":", linewidth=1)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.header("years_since_start"))
    ax.set_ylabel(labels.header("share_still_active"))
    ax.legend(title=labels.header("cohort"), fontsize="small", ncol=2)
    _set_title(ax, title, "survival_projection", kind="model_diagnostic")
    return ax


@localised
@figure("model_diagnostic")
def period_transactions_plot(table: pd.DataFrame, *, title: str | None = None,
                             table_name: str = "period_transactions", ax=None):
    """Customers by number of repeat purchases in calibration: observed and model bars.

    Parameters
    ----------
    table : DataFrame
        ``frequency``, ``actual``, ``expected``
        (:func:`crmkit.clv.diagnostics.period_transactions`); the last frequency reads
        "n+".
    {title}
    {table_name}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"frequency": [0, 1, 2], "actual": [50, 20, 9],
    ...                   "expected": [48.0, 22.5, 8.1]})
    >>> ax = period_transactions_plot(t)
    >>> [x.get_text() for x in ax.get_xticklabels()]
    ['0', '1', '2+']
    """
    _numeric(table, table_name, "frequency", "actual", "expected",
             nonnegative=("frequency", "actual", "expected"))
    ax = _axes(ax)
    f = table["frequency"].to_numpy()
    pos = np.arange(len(f))
    ax.bar(pos - 0.2, table["actual"], width=0.4, color=COLORS["grey"],
           label=labels.header("actual"))
    ax.bar(pos + 0.2, table["expected"], width=0.4, color=COLORS["blue"],
           label=labels.header("predicted"))
    ticks = [str(int(v)) for v in f]
    ticks[-1] += "+"
    ax.set_xticks(pos, ticks)
    ax.set_xlabel(labels.header("calibration_frequency"))
    ax.set_ylabel(labels.header("customers"))
    ax.legend()
    _set_title(ax, title, "period_transactions", kind="model_diagnostic")
    return ax


@localised
@figure("model_diagnostic")
def frequency_recency_heatmap(grid: pd.DataFrame, *, title: str | None = None,
                              table: str = "grid", ax=None):
    """A purchase model's value over frequency (rows) and recency (columns), as a heatmap.

    Parameters
    ----------
    grid : DataFrame
        ``frequency``, ``recency``, ``value``
        (:func:`crmkit.clv.diagnostics.frequency_recency_grid`).
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"frequency": [0, 1, 1, 2, 2], "recency": [0, 0, 10, 0, 10],
    ...                   "value": [1.0, 0.3, 0.9, 0.1, 0.95]})
    >>> ax = frequency_recency_heatmap(g)
    >>> ax.get_ylabel()
    'Repeat purchases (calibration period)'
    """
    _numeric(grid, table, "frequency", "recency", "value", nonnegative=("frequency", "recency"))
    import seaborn as sns

    wide = grid.pivot_table(index="frequency", columns="recency", values="value")
    wide = wide.sort_index(ascending=False)
    ax = _axes(ax)
    sns.heatmap(wide, ax=ax, cmap="viridis", cbar_kws={"label": labels.header("value")},
                xticklabels=max(1, wide.shape[1] // 5), yticklabels=max(1, wide.shape[0] // 10))
    ax.set_xticklabels([f"{float(t.get_text()):.0f}" for t in ax.get_xticklabels()])
    ax.set_xlabel(labels.header("recency"))
    ax.set_ylabel(labels.header("calibration_frequency"))
    _set_title(ax, title, "frequency_recency", kind="model_diagnostic")
    return ax


@localised
@figure("model_diagnostic")
def cumulative_transactions_plot(table: pd.DataFrame, *, title: str | None = None,
                                 table_name: str = "cumulative_transactions", ax=None):
    """Cumulative repeat purchases over time, observed and expected: the tracking plot.

    Parameters
    ----------
    table : DataFrame
        ``date``, ``actual``, ``expected``, ``period`` ("calibration" or "holdout")
        (:func:`crmkit.clv.diagnostics.cumulative_transactions`); a dotted line marks the
        end of calibration.
    {title}
    {table_name}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"date": pd.date_range("2024-01-07", periods=4, freq="W"),
    ...                   "actual": [1, 3, 4, 6], "expected": [1.2, 2.5, 4.1, 5.5],
    ...                   "period": ["calibration"] * 2 + ["holdout"] * 2})
    >>> ax = cumulative_transactions_plot(t)
    >>> [line.get_ydata().tolist() for line in ax.get_lines()[:2]]
    [[1, 3, 4, 6], [1.2, 2.5, 4.1, 5.5]]
    """
    _numeric(table, table_name, "actual", "expected", nonnegative=("actual", "expected"))
    require_columns(table, table_name, {"date": "datetime", "period": None})
    bad = ~table["period"].isin(["calibration", "holdout"])
    if bad.any():
        fail(table_name, "period", "not 'calibration' or 'holdout'", mask=bad, df=table)
    ax = _axes(ax)
    t = table.sort_values("date")
    ax.plot(t["date"], t["actual"], color=COLORS["grey"], linewidth=2,
            label=labels.header("actual"))
    ax.plot(t["date"], t["expected"], color=COLORS["blue"], linestyle="--", linewidth=1.5,
            label=labels.header("predicted"))
    cal = t.loc[t["period"] == "calibration", "date"]
    if len(cal) and (t["period"] == "holdout").any():
        ax.axvline(cal.max(), color="black", linestyle=":", linewidth=1,
                   label=labels.header("end_of_calibration"))
    ax.set_xlabel(labels.header("date"))
    ax.set_ylabel(labels.header("cumulative_repeat_purchases"))
    ax.legend()
    _set_title(ax, title, "cumulative_transactions", kind="model_diagnostic")
    return ax
