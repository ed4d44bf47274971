"""Chapter 7 figures: reporting, budgets, KPI lights, maturity, payback."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crmkit import labels
from crmkit.plots._docs import figure
from crmkit.plots.style import _C, _axes, _numeric, _set_title, localised, palette
from crmkit.schema import check_columns, check_no_missing, require_columns

_REVENUE_BOXES = labels.palette_of("project_column")  # revenue_existing, _cross_sell, _new


def _euro_axis(axis) -> None:
    axis.set_major_formatter(lambda v, _: f"{v:,.0f}")


@localised
@figure("plot_project")
def usual_report(split: pd.DataFrame, *, title: str | None = None, table: str = "split",
                 ax=None):
    """The report a company usually shows: the customers won each year, and nothing else.

    Takes :func:`crmkit.project.reporting_split` output (index ``year``); bars of
    ``acquired`` labelled with their count.

    Parameters
    ----------
    split : DataFrame
        One row per year (the index) with ``acquired``.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"acquired": [120.0, 150.0]}, index=pd.Index([2023, 2024], name="year"))
    >>> ax = usual_report(s)
    >>> [t.get_text() for t in ax.texts]
    ['120', '150']
    """
    _numeric(split, table, "acquired")
    ax = _axes(ax)
    pos = np.arange(len(split))
    bars = ax.bar(pos, split["acquired"].to_numpy(dtype=float), color=_C["blue"])
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in split["acquired"]], fontsize="small",
                 padding=2)
    ax.set_xticks(pos, [str(y) for y in split.index], rotation=45 if len(pos) > 6 else 0)
    ax.set_xlabel(labels.header(split.index.name or "year"))
    ax.set_ylabel(labels.label("customers_won", "plot_project"))
    ax.set_ylim(top=float(split["acquired"].max()) * 1.15)
    _set_title(ax, title, "usual_report", kind="plot_project")
    return ax


@localised
@figure("plot_project")
def revenue_split(split: pd.DataFrame, *, title: str | None = None, table: str = "split",
                  ax=None):
    """The report that shows retention: each year's revenue by who earned it.

    Stacked bars of :func:`crmkit.project.reporting_split`'s ``revenue_existing``,
    ``revenue_cross_sell`` and ``revenue_new``, with the share of revenue from existing
    customers written above each bar.

    Parameters
    ----------
    split : DataFrame
        One row per year (the index) with ``revenue_existing``, ``revenue_cross_sell`` and
        ``revenue_new``.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"revenue_existing": [900.0], "revenue_cross_sell": [60.0],
    ...                   "revenue_new": [40.0]}, index=pd.Index([2024], name="year"))
    >>> ax = revenue_split(s)
    >>> [t.get_text() for t in ax.texts]  # (900 + 60) / 1000 from existing customers
    ['96%']
    """
    _numeric(split, table, *_REVENUE_BOXES)
    ax = _axes(ax)
    pos = np.arange(len(split))
    bottom = np.zeros(len(split))
    for col, colour in _REVENUE_BOXES.items():
        values = split[col].to_numpy(dtype=float)
        ax.bar(pos, values, bottom=bottom, color=colour, label=labels.header(col))
        bottom = bottom + values
    existing = (split["revenue_existing"] + split["revenue_cross_sell"]).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(bottom > 0, existing / bottom, np.nan)
    for x, top, share in zip(pos, bottom, shares, strict=True):
        ax.text(x, top, "" if np.isnan(share) else f"{share:.0%}", ha="center", va="bottom",
                fontsize="small")
    ax.set_xticks(pos, [str(y) for y in split.index], rotation=45 if len(pos) > 6 else 0)
    ax.set_xlabel(labels.header(split.index.name or "year"))
    revenue = str(labels.header("revenue"))
    ax.set_ylabel(revenue if "€" in revenue else f"{revenue} (€)")
    _euro_axis(ax.yaxis)
    ax.set_ylim(top=float(np.nanmax(bottom)) * 1.12)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), ncol=1, fontsize="small")
    _set_title(ax, title, "revenue_split", kind="plot_project")
    return ax


@localised
@figure("plot_project")
def kpi_lights(dashboard: pd.DataFrame, *, period_col: str = "year", kpi_kind: str = "project_kpi",
               plain: Sequence[str] = ("cross_sell_rate", "campaign_lift"),
               title: str | None = None, table: str = "dashboard", ax=None):
    """Traffic lights of a KPI dashboard: one row per KPI, one column per period.

    Takes :func:`crmkit.project.kpi_dashboard` output; each cell is coloured by its
    ``status`` (green, amber, red; blank without a value) and shows the value (as a
    percentage with one decimal when the target is below 1, so that a value just off its
    target does not read as equal to it; KPIs in ``plain``, counts per customer or ratios
    of rates, as numbers). The target is written after the KPI's name.

    Parameters
    ----------
    dashboard : DataFrame
        One row per (KPI, period) with its value, target and ``status``.
    period_col : str
        Column of the period, one column of lights each.
    kpi_kind : str
        Label kind of the KPI names.
    plain : sequence of str
        KPIs written as plain numbers rather than percentages.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"year": [2023, 2024], "kpi": ["retention_rate"] * 2,
    ...                   "value": [0.93, 0.90], "target": [0.92] * 2,
    ...                   "status": ["green", "red"]})
    >>> ax = kpi_lights(d)
    >>> [t.get_text() for t in ax.texts], [t.get_text() for t in ax.get_yticklabels()]
    (['93.0%', '90.0%'], ['Customers kept over the year (target 92%)'])
    """
    require_columns(dashboard, table, [period_col, "kpi"])
    check_columns(dashboard, table, ["status"])
    check_columns(dashboard, table, {"value": "number", "target": "number"})
    check_no_missing(dashboard, table, "target")
    kpis = list(pd.unique(dashboard["kpi"].astype(str)))
    periods = sorted(pd.unique(dashboard[period_col]))
    colours = palette("kpi_status")
    ax = _axes(ax)
    targets = dashboard.groupby("kpi", sort=False)["target"].first()
    for _, row in dashboard.iterrows():  # one cell per (KPI, period): a few dozen patches
        x = periods.index(row[period_col])
        y = len(kpis) - 1 - kpis.index(str(row["kpi"]))
        status = row["status"]
        face = colours.get(status, "white") if isinstance(status, str) else "white"
        ax.add_patch(plt.Rectangle((x, y), 1, 1, facecolor=face, alpha=0.75,
                                   edgecolor="white", linewidth=2))
        v = row["value"]
        if pd.notna(v):
            as_share = abs(row["target"]) < 1 and str(row["kpi"]) not in plain
            text = f"{v:.1%}" if as_share else f"{v:.2f}"
            ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", fontsize="small")
    names = []
    for k in kpis:
        t = float(targets[k])
        target = f"{t:.0%}" if abs(t) < 1 and k not in plain else f"{t:.2f}"
        wrapped = textwrap.fill(str(labels.label(k, kpi_kind)), 34)
        names.append(f"{wrapped} ({labels.header('target').lower()} {target})")
    ax.set_xlim(0, len(periods))
    ax.set_ylim(0, len(kpis))
    ax.set_xticks(np.arange(len(periods)) + 0.5, [str(p) for p in periods])
    ax.set_yticks(np.arange(len(kpis)) + 0.5, names[::-1], fontsize="small")
    ax.set_xlabel(labels.header(period_col))
    ax.set_ylabel(labels.header("kpi"))
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor=colours[s], alpha=0.75)
               for s in ("green", "amber", "red")]
    ax.legend(handles, [labels.label(s, "kpi_status") for s in ("green", "amber", "red")],
              loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize="small")
    _set_title(ax, title, "kpi_lights", kind="plot_project")
    return ax


@localised
@figure("plot_project")
def maturity_bars(factors: pd.DataFrame, *, title: str | None = None, table: str = "factors",
                  ax=None):
    """The maturity self-assessment: one horizontal bar per success factor, 1 to 5.

    Takes :attr:`crmkit.project.MaturityProfile.factors` (``id``, ``name``,
    ``dimension``, ``score``, ``weakest``): bars coloured by dimension of change, the
    weakest factors hatched and marked with an arrow.

    Parameters
    ----------
    factors : DataFrame
        One row per success factor: ``id``, ``name``, ``dimension``, ``score``, ``weakest``.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"id": ["SF01", "SF02"], "name": ["Ratios", "Involvement"],
    ...                   "dimension": ["organisational", "collective"], "score": [2.0, 4.0],
    ...                   "weakest": [True, False]})
    >>> ax = maturity_bars(f)
    >>> [str(p.get_hatch()) for p in ax.patches]  # the weakest factor hatched
    ['//', '']
    """
    require_columns(factors, table, ["id", "name", "dimension", "weakest"], unique="id")
    _numeric(factors, table, "score")
    colours = palette("change_dimension")
    ax = _axes(ax)
    pos = np.arange(len(factors))[::-1]
    scores = factors["score"].to_numpy(dtype=float)
    weakest = factors["weakest"].to_numpy(dtype=bool)
    ax.barh(pos, scores, color=[colours[d] for d in factors["dimension"].astype(str)],
            hatch=["//" if w else "" for w in weakest], edgecolor="white")
    for y, s, w in zip(pos, scores, weakest, strict=True):
        if w:
            ax.text(s + 0.08, y, "◀", va="center", color=_C["vermilion"], fontsize="small")
    names = [f"{i} {textwrap.shorten(str(n), 48, placeholder='…')}"
             for i, n in zip(factors["id"], factors["name"], strict=True)]
    ax.set_yticks(pos, names, fontsize="small")
    ax.set_xlim(0, 5.5)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.axvline(3, color="black", linestyle="--", linewidth=0.8)
    ax.set_xlabel(labels.header("score"))
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor=colours[d])
               for d in labels.order("change_dimension")]
    ax.legend(handles, [labels.label(d, "change_dimension")
                        for d in labels.order("change_dimension")],
              loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize="small")
    _set_title(ax, title, "maturity_profile", kind="plot_project")
    return ax


@localised
@figure("plot_project")
def payback_curve(flows: pd.DataFrame, *, payback: float | None = None, title: str | None = None,
                  table: str = "flows", ax=None):
    """A programme's cumulative cash flow, plain and discounted, against the year.

    Takes :attr:`crmkit.project.ProgrammeROI.flows` (index ``year``,
    ``cumulative_net``, ``cumulative_discounted``, ``costs``, ``benefits``): bars of the
    year's costs (down) and benefits (up), the two cumulative lines, and ``payback`` (in
    years) as a dotted line.

    Parameters
    ----------
    flows : DataFrame
        One row per year (the index) with ``costs``, ``benefits``, ``cumulative_net`` and
        ``cumulative_discounted``.
    payback : float, optional
        The payback period in years, a dotted line; ``None`` draws none.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"costs": [1000.0, 0.0], "benefits": [0.0, 1500.0],
    ...                   "cumulative_net": [-1000.0, 500.0],
    ...                   "cumulative_discounted": [-1000.0, 364.0]},
    ...                  index=pd.Index([0, 1], name="year"))
    >>> ax = payback_curve(f, payback=0.67)
    >>> [t.get_text().strip() for t in ax.texts]
    ['Payback 0.7']
    """
    _numeric(flows, table, "costs", "benefits", "cumulative_net", "cumulative_discounted",
             nonnegative=("costs", "benefits"))
    ax = _axes(ax)
    years = flows.index.to_numpy(dtype=float)
    ax.bar(years, flows["benefits"], width=0.6, color=_C["green"], alpha=0.45,
           label=labels.header("benefits"))
    ax.bar(years, -flows["costs"].to_numpy(dtype=float), width=0.6, color=_C["vermilion"],
           alpha=0.45, label=labels.header("costs"))
    ax.plot(years, flows["cumulative_net"], marker="o", color=_C["blue"], linewidth=2,
            label=labels.header("cumulative_net"))
    ax.plot(years, flows["cumulative_discounted"], marker="o", color=_C["purple"],
            linewidth=2, linestyle="--", label=labels.header("cumulative_discounted"))
    ax.axhline(0, color="black", linewidth=0.8)
    if payback is not None and np.isfinite(payback):
        ax.axvline(payback, color=_C["grey"], linestyle=":", linewidth=1.5)
        ax.text(payback, ax.get_ylim()[1], f" {labels.label('payback_year', 'plot_project')}"
                f" {payback:.1f}", va="top", fontsize="small")
    ax.set_xticks(years)
    ax.set_xlabel(labels.header(flows.index.name or "year"))
    ax.set_ylabel(labels.header("amount"))
    _euro_axis(ax.yaxis)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize="small")
    _set_title(ax, title, "payback", kind="plot_project")
    return ax


@localised
@figure("plot_project")
def break_even_sweep(sweep: pd.DataFrame, *, measured: float | None = None,
                     title: str | None = None, table: str = "sweep", ax=None):
    """Extra profit per euro of the tap and of the drain against the cost of a saved customer.

    ``sweep`` has one row per (``cost_per_saved``, ``scenario``) with ``profit_per_euro``
    (:func:`crmkit.project.budget_summary` run at several costs); ``measured`` marks the
    cost measured on the retention campaigns.

    Parameters
    ----------
    sweep : DataFrame
        One row per (``cost_per_saved``, ``scenario``) with ``profit_per_euro``.
    measured : float, optional
        The cost per saved customer measured on the campaigns, a vertical line.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"cost_per_saved": [100, 100, 300, 300],
    ...     "scenario": ["open_the_tap", "plug_the_drain"] * 2,
    ...     "profit_per_euro": [4.0, 8.0, 4.0, 2.0]})
    >>> ax = break_even_sweep(s, measured=250)
    >>> [line.get_label() for line in ax.lines[:3]]
    ['Open the tap (acquisition)', 'Plug the drain (retention)', 'Measured on the retention calls']
    """
    require_columns(sweep, table, ["scenario"])
    _numeric(sweep, table, "cost_per_saved", "profit_per_euro", nonnegative=("cost_per_saved",))
    colours = palette("budget_scenario")
    ax = _axes(ax)
    for key in labels.order("budget_scenario", sweep["scenario"].astype(str)):
        part = sweep.loc[sweep["scenario"].astype(str) == key].sort_values("cost_per_saved")
        ax.plot(part["cost_per_saved"], part["profit_per_euro"], color=colours[key],
                linewidth=2, label=labels.label(key, "budget_scenario"))
    if measured is not None:
        ax.axvline(measured, color="black", linestyle="--", linewidth=1,
                   label=labels.label("measured", "plot_project"))
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlabel(labels.label("cost_per_saved", "plot_project"))
    ax.set_ylabel(labels.header("profit_per_euro"))
    ax.legend(loc="best", fontsize="small")
    _set_title(ax, title, "break_even", kind="plot_project")
    return ax


__all__ = ["usual_report", "revenue_split", "kpi_lights", "maturity_bars", "payback_curve",
            "break_even_sweep"]
