"""Chapter 2 figures: the bathtub, rates by group, incident responses, survival."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from crmkit import labels
from crmkit.plots._docs import figure
from crmkit.plots.style import (
    COLORS,
    _any_label,
    _axes,
    _numeric,
    _set_title,
    localised,
    palette,
)
from crmkit.schema import check_columns, check_not_empty, require_columns

# the simulated scenario stands out against a grey baseline; the two survival estimates


@localised
@figure("plot_loyalty")
def bathtub_flows(flows: pd.DataFrame, *, title: str | None = None, table: str = "flows",
                  ax=None):
    """The observed bathtub: customers won (tap) and lost (drain) per period, and the stock.

    Takes :func:`crmkit.loyalty.customer_flows` output (one row per period): ``acquired``
    as bars above zero, ``churned`` as bars below, and ``end_stock`` (the water level) as a
    line on a second axis.

    Parameters
    ----------
    flows : DataFrame
        One row per period with ``acquired``, ``churned`` and ``end_stock``.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes
        The flows' axes; the stock is on its twin.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"acquired": [50, 80], "churned": [30, 40], "end_stock": [500, 540]},
    ...                  index=pd.period_range("2023", periods=2, freq="Y"))
    >>> ax = bathtub_flows(f)
    >>> [float(p.get_height()) for p in ax.patches]  # won above zero, lost below
    [50.0, 80.0, -30.0, -40.0]
    """
    _numeric(flows, table, "acquired", "churned", "end_stock")
    colours = palette("bathtub")
    ax = _axes(ax)
    pos = np.arange(len(flows))
    ax.bar(pos, flows["acquired"], color=colours["tap"], label=labels.label("tap", "bathtub"))
    ax.bar(pos, -flows["churned"].to_numpy(dtype=float), color=colours["drain"],
           label=labels.label("drain", "bathtub"))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(pos, [str(p) for p in flows.index], rotation=45 if len(pos) > 12 else 0)
    ax.set_xlabel(labels.header(flows.index.name or "period"))
    ax.set_ylabel(labels.label("flow_customers", "loyalty_measure"))
    twin = ax.twinx()
    twin.plot(pos, flows["end_stock"], color=colours["water_level"], marker="o", linewidth=2.5,
              label=labels.label("water_level", "bathtub"))
    twin.set_ylim(0, float(flows["end_stock"].max()) * 1.15)
    twin.set_ylabel(labels.header("end_stock"))
    twin.grid(False)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper center",
              bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize="small")
    _set_title(ax, title, "bathtub_flows")
    return ax


@localised
@figure("plot_loyalty")
def bathtub_scenarios(
    runs: pd.DataFrame,
    value: str = "end_stock",
    *,
    scenario_col: str = "scenario",
    period_col: str = "period",
    title: str | None = None,
    table: str = "runs",
    ax=None,
):
    """One line per scenario of a bathtub simulation: ``value`` against the period.

    ``runs`` stacks :func:`crmkit.loyalty.bathtub` outputs (reset index) with a
    ``scenario`` column: the stock (``end_stock``) or the ``cumulative_profit`` of a
    baseline against the scenario being explored.

    Parameters
    ----------
    runs : DataFrame
        Stacked simulation outputs: one row per (scenario, period).
    value : str
        Column drawn against the period (``end_stock`` or ``cumulative_profit``).
    scenario_col : str
        Column naming the scenario of each row: one line each.
    period_col : str
        Column of the period, the horizontal axis.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"scenario": ["baseline"] * 2 + ["scenario"] * 2,
    ...                   "period": [1, 2, 1, 2], "end_stock": [100.0, 100.0, 100.0, 110.0]})
    >>> ax = bathtub_scenarios(r)
    >>> [[float(v) for v in line.get_ydata()] for line in ax.lines]  # baseline, scenario
    [[100.0, 100.0], [100.0, 110.0]]
    """
    require_columns(runs, table, [scenario_col])
    _numeric(runs, table, period_col, value)
    kind = labels.kind_of(scenario_col, pd.unique(runs[scenario_col])) or "bathtub_scenario"
    keys = labels.order(kind, runs[scenario_col].astype(str))
    colours = palette(kind, keys)
    ax = _axes(ax)
    for key in keys:
        part = runs.loc[runs[scenario_col].astype(str) == key].sort_values(period_col)
        ax.plot(part[period_col], part[value], marker="o", markersize=3, linewidth=2,
                color=colours[key], label=labels.label(key, kind))
    ax.set_xlabel(labels.header(period_col))
    ax.set_ylabel(labels.header(value))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.legend(loc="best")
    _set_title(ax, title, "bathtub_profit" if "profit" in value else "bathtub_stock")
    return ax


@localised
@figure("plot_loyalty")
def measure_bars(
    df: pd.DataFrame,
    category: str,
    value: str,
    *,
    kind: str | None = None,
    reference: float | None = None,
    reference_label: str = "reference",
    percent: bool = True,
    allow_missing: bool = False,
    title: str | None = None,
    table: str = "groups",
    ax=None,
):
    """One bar per category with its ``value`` (a churn share, a rate, a margin...).

    ``df`` has one row per category. A category whose value is undefined (NaN, e.g. a
    churn rate over no exposure) is refused, unless ``allow_missing=True`` says the
    caller expects some (e.g. a loyalty type left with no customer by an explorer's
    cuts): the category then keeps its place, with no bar and the label "n/a".

    Categories follow their label order and colours (``kind`` is inferred from the column
    when not given). ``reference`` draws a dashed line (e.g. the churn rate without an
    incident) labelled with the label key ``reference_label``. ``title`` is a label key
    (kind ``plot_loyalty``) or a text.

    Parameters
    ----------
    df : DataFrame
        One row per category.
    category : str
        Column of the categories, one bar each.
    value : str
        Numeric column, the bar's height.
    kind : str, optional
        Label kind of the categories (their labels, order and colours); inferred from the
        column when ``None``.
    reference : float, optional
        A reference value drawn as a dashed line; ``None`` draws none.
    reference_label : str
        Label key of the reference line.
    percent : bool
        Format the values as percentages (for shares and rates).
    allow_missing : bool
        Accept a missing value: its category keeps its place, marked "n/a".
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"loyalty_type": ["true_loyalty", "spurious_loyalty"],
    ...                   "churn_share": [0.2, 0.35]})
    >>> ax = measure_bars(d, "loyalty_type", "churn_share")
    >>> [t.get_text() for t in ax.texts]
    ['20%', '35%']
    """
    require_columns(df, table, {category: None, value: "number"}, unique=category,
                    nullable=[value] if allow_missing else [])
    cats = df[category].astype(str)
    kind = kind or labels.kind_of(category, pd.unique(cats))
    keys = labels.order(kind, cats) if kind else list(pd.unique(cats))
    values = df.assign(_k=cats.to_numpy()).set_index("_k")[value].reindex(keys)
    # categories with colours of their own keep them; plain ones (tenure years...) are blue
    colours = palette(kind, keys) if kind else dict.fromkeys(keys, COLORS["blue"])
    names = ["\n".join(textwrap.wrap(str(_any_label(k, kind)), 14)) for k in keys]
    ax = _axes(ax)
    pos = np.arange(len(keys))
    bars = ax.bar(pos, values.to_numpy(dtype=float), color=[colours[k] for k in keys])
    fmt = (lambda v: f"{v:.0%}" if abs(v) >= 0.1 else f"{v:.1%}") if percent else (
        lambda v: f"{v:,.0f}")
    heights = values.to_numpy(dtype=float)
    ax.bar_label(bars, labels=["" if np.isnan(v) else fmt(v) for v in heights],
                 fontsize="small", padding=2)
    for x in pos[np.isnan(heights)]:  # only with allow_missing: no bar, said so
        ax.annotate(str(labels.label("not_available", "measure")), (x, 0),
                    textcoords="offset points", xytext=(0, 2), ha="center", fontsize="small")
    if reference is not None:
        ax.axhline(reference, color="black", linestyle="--", linewidth=1,
                   label=labels.label(reference_label, "loyalty_measure"))
        ax.legend(loc="upper left")
    ax.set_xticks(pos, names, fontsize="small")
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    top = np.nanmax(np.r_[values.to_numpy(dtype=float), reference or 0.0])
    ax.set_ylim(top=max(top, 0) * 1.15 + (0.01 if percent else 1))
    ax.set_xlabel(labels.header(category))
    ax.set_ylabel(labels.header(value))
    _set_title(ax, title, f"{labels.header(value)} — {labels.header(category)}")
    return ax


@localised
@figure("plot_loyalty")
def response_mix(
    mix: pd.DataFrame,
    *,
    kind: str | None = None,
    title: str | None = None,
    table: str = "response_mix",
    ax=None,
):
    """How customers respond to critical incidents: one 100 % bar per row of ``mix``.

    Takes :func:`crmkit.loyalty.incident_response_mix` output (rows: incident types, or
    any grouping such as loyalty types; columns: ``incidents`` and one share per
    response). Responses keep their colours and order, from no reaction to exit; each row
    label carries its number of incidents.

    Parameters
    ----------
    mix : DataFrame
        One row per group with ``incidents`` and one share column per response.
    kind : str, optional
        Label kind of the rows (e.g. ``loyalty_type``); inferred from the index when
        ``None``.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"incidents": [10, 20], "complaint": [0.6, 0.3], "exit": [0.4, 0.7]},
    ...                  index=pd.Index(["price_rise", "competitor_offer"], name="type"))
    >>> ax = response_mix(m)
    >>> [t.get_text() for t in ax.texts]  # complaint shares, then exit shares
    ['60%', '30%', '40%', '70%']
    """
    check_not_empty(mix, table)
    responses = [c for c in labels.order("incident_response", [c for c in mix.columns
                                                              if c != "incidents"])]
    counts = [c for c in ("incidents",) if c in mix.columns]
    _numeric(mix, table, *responses, *counts, nonnegative=(*responses, *counts))
    rows = [str(r) for r in mix.index]
    kind = kind or labels.kind_of(mix.index.name, rows)
    order = labels.order(kind, rows) if kind else rows
    data = mix.set_axis(rows).reindex(order)
    colours = palette("incident_response", responses)
    ax = _axes(ax)
    pos = np.arange(len(order))[::-1]  # first row on top
    left = np.zeros(len(order))
    for resp in responses:
        share = data[resp].to_numpy(dtype=float)
        ax.barh(pos, share, left=left, color=colours[resp], height=0.7,
                label=labels.label(resp, "incident_response"))
        for y, x0, s in zip(pos, left, share, strict=True):
            if s >= 0.06:
                ax.text(x0 + s / 2, y, f"{s:.0%}", ha="center", va="center",
                        fontsize="small", color="white", fontweight="bold")
        left = left + share
    names = [str(labels.label(r, kind)) for r in order]
    if "incidents" in data.columns:
        names = [f"{n}\n(n = {int(k):,})" for n, k in zip(names, data["incidents"], strict=True)]
    ax.set_yticks(pos, names, fontsize="small")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.label("share_of_incidents", "loyalty_measure"))
    ax.set_ylabel(labels.header(mix.index.name) if mix.index.name else "")
    ax.grid(axis="y", visible=False)
    ax.legend(title=labels.header("response"), loc="center left", bbox_to_anchor=(1.0, 0.5))
    _set_title(ax, title, "response_mix")
    return ax


@localised
@figure("plot_loyalty")
def survival_curves(
    curves: pd.DataFrame,
    *,
    curve_col: str = "estimate",
    mark_years: float | None = 5,
    title: str | None = None,
    table: str = "survival",
    ax=None,
):
    """Share of customers still there against years since acquisition, one step line per
    estimate (:func:`crmkit.loyalty.survival_curve` outputs stacked with ``curve_col``),
    with the 50 % line and each curve's value at ``mark_years``.

    Parameters
    ----------
    curves : DataFrame
        Stacked survival curves, one per value of ``curve_col``.
    curve_col : str
        Column naming the estimate each row belongs to: one step line each.
    mark_years : float, optional
        Years since acquisition at which each curve's value is marked; ``None`` marks none.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"estimate": ["naive"] * 3 + ["left_truncated"] * 3,
    ...                   "years": [0, 1, 2] * 2, "survival": [1, .9, .8, 1, .8, .6]})
    >>> ax = survival_curves(c, mark_years=2)
    >>> [t.get_text() for t in ax.texts]  # each curve at 2 years
    ['80%', '60%']
    """
    check_not_empty(curves, table)
    check_columns(curves, table, [curve_col])
    _numeric(curves, table, "years", "survival")
    kind = labels.kind_of(curve_col, pd.unique(curves[curve_col].astype(str)))
    keys = labels.order(kind, curves[curve_col].astype(str)) if kind else list(
        pd.unique(curves[curve_col].astype(str)))
    colours = palette(kind, keys)
    ax = _axes(ax)
    for key in keys:
        part = curves.loc[curves[curve_col].astype(str) == key].sort_values("years")
        name = "\n".join(textwrap.wrap(str(labels.label(key, kind)), 40))
        ax.step(part["years"], part["survival"], where="post", linewidth=2,
                color=colours[key], label=name)
        if mark_years is not None:
            at = part.loc[part["years"] <= mark_years, "survival"]
            if len(at):
                s = float(at.iloc[-1])
                ax.plot([mark_years], [s], "o", color=colours[key])
                ax.annotate(f"{s:.0%}", (mark_years, s), textcoords="offset points",
                            xytext=(6, 4), fontsize="small", color=colours[key])
    ax.axhline(0.5, color="black", linestyle=":", linewidth=1)
    if mark_years is not None:
        ax.axvline(mark_years, color=COLORS["grey"], linestyle="--", linewidth=1)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(labels.header("years"))
    ax.set_ylabel(labels.header("survival"))
    ax.legend(loc="lower left", fontsize="small")
    _set_title(ax, title, "survival_curves")
    return ax


__all__ = ["bathtub_flows", "bathtub_scenarios", "measure_bars", "response_mix",
            "survival_curves"]
