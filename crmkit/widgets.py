"""ipywidgets front-ends over crmkit's pure functions: controls, no logic of their own.

Each explorer computes with the crmkit functions a chapter already uses, draws its
initial state with a plain :func:`IPython.display.display` (so the figure and the table
stay in the saved notebook and in the built book, where no kernel runs) and, in a live
kernel, redraws them in place when a control moves (``DisplayHandle.update``). It returns
its controls, so that a notebook or a test can move them.

Chapter authors add their explorers below, one function per idea, keeping them thin: a
widget that needs a computation crmkit lacks means a function is missing in crmkit.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import DisplayHandle, display

from crmkit import labels, loyalty, plots
from crmkit.segmentation import (
    StatisticalSegmentation,
    choose_k,
    cluster_profile,
    profitability_matrix,
)

__all__ = ["cluster_explorer", "matrix_explorer"]


def _show(obj) -> DisplayHandle:
    """Display ``obj`` under a display id, so that it can be replaced in place later."""
    handle = DisplayHandle()
    handle.display(obj)
    return handle


def _styled(df: pd.DataFrame, percent: Sequence[str] = (), decimals: int = 2):
    """``df`` with translated headers and labels, shares as percentages (display only)."""
    out = labels.translate_frame(df)
    shares = [labels.header(c) for c in percent]
    styler = out.style.format(precision=decimals, thousands=",")
    return styler.format("{:.1%}", subset=shares) if shares else styler


def _figure(draw, figsize):
    """Run ``draw(fig)`` on a new figure and detach it from pyplot (no double display)."""
    fig = plt.figure(figsize=figsize)
    draw(fig)
    plt.close(fig)
    return fig


# ---------------------------------------------------------------------------------------
# chapter 4, segmentation
# ---------------------------------------------------------------------------------------
def cluster_explorer(
    features: pd.DataFrame,
    columns: Sequence[str],
    *,
    profile_columns: Sequence[str] | None = None,
    ks: Sequence[int] = range(2, 9),
    k: int = 4,
    selection: pd.DataFrame | None = None,
    n_components: int | float | None = 0.9,
    random_state: int = 0,
) -> widgets.IntSlider:
    """Explore the number of clusters of a statistical segmentation.

    A slider sets ``k``; the figure shows the elbow and silhouette of every k
    (:func:`crmkit.segmentation.choose_k`, or ``selection`` if already computed) next to
    the profile of the k clusters (:class:`crmkit.segmentation.StatisticalSegmentation`
    fitted on ``columns``, described on ``profile_columns`` by
    :func:`crmkit.segmentation.cluster_profile`), and the profile table below it.

    Returns
    -------
    ipywidgets.IntSlider
        The control (its ``value`` is the k shown).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [20, 22, 21, 60, 64, 62, 40, 41],
    ...                    "products": [1, 1, 2, 4, 6, 5, 3, 3]})
    >>> slider = cluster_explorer(df, ["age", "products"], ks=[2, 3], k=2)  # doctest: +SKIP
    >>> slider.value = 3  # doctest: +SKIP
    """
    columns = list(columns)
    profile_columns = columns if profile_columns is None else list(profile_columns)
    if selection is None:
        selection = choose_k(features, columns, ks, n_components=n_components,
                             random_state=random_state)
    ks = [int(v) for v in selection["k"]]
    if k not in ks:
        raise ValueError(f"k={k} is not among the numbers of clusters explored {ks}")

    def render(n: int):
        model = StatisticalSegmentation(n, columns=columns, n_components=n_components,
                                        random_state=random_state).fit(features)
        profile = cluster_profile(features, model.labels_, profile_columns)

        def draw(fig):
            left, right = fig.subplots(1, 2, width_ratios=[1, 2.2])
            plots.k_selection(selection, k=n, ax=left)
            plots.cluster_profile_heatmap(profile, profile_columns, ax=right)
            fig.tight_layout()

        return _figure(draw, (13, 4.6)), _styled(profile, ["share"]).hide(axis="index")

    slider = widgets.IntSlider(value=k, min=min(ks), max=max(ks), step=1,
                               description=str(labels.label("k", "segmentation_measure")),
                               style={"description_width": "initial"},
                               continuous_update=False)
    fig, table = render(k)
    display(slider)
    fig_handle = _show(fig)
    table_handle = _show(table)

    def on_change(change):
        new_fig, new_table = render(int(change["new"]))
        fig_handle.update(new_fig)
        table_handle.update(new_table)

    slider.observe(on_change, names="value")
    return slider


def matrix_explorer(
    df: pd.DataFrame,
    *,
    current_col: str = "direct_profit",
    potential_col: str = "potential",
    id_col: str = "customer_id",
    current_quantile: float = 0.5,
    potential_quantile: float = 0.5,
    reference_col: str | None = None,
    growth_col: str | None = None,
    growth_threshold: float | None = None,
    other_division_col: str | None = None,
    xlim: tuple[float, float] | None = None,
) -> tuple[widgets.FloatSlider, widgets.FloatSlider]:
    """Move the cut-offs of the profitability matrix and watch the quadrants change.

    Two sliders set the cut-offs as quantiles of current profitability and of potential
    (0.5 = the median); the figure is :func:`crmkit.plots.matrix_scatter`, the table
    counts the customers per quadrant and how many of them
    :func:`crmkit.segmentation.profitability_matrix` calls non-priority after seed
    001's three checks (pass their columns as in that function). ``xlim`` crops the
    horizontal axis (margins have long tails).

    Returns
    -------
    tuple of ipywidgets.FloatSlider
        The current and potential sliders.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3, 4], "direct_profit": [500.0, -20, 400, 10],
    ...                    "potential": [900.0, 800, 50, 0]})
    >>> cur, pot = matrix_explorer(df)  # doctest: +SKIP
    >>> pot.value = 0.75  # doctest: +SKIP
    """
    checks = dict(reference_col=reference_col, growth_col=growth_col,
                  growth_threshold=growth_threshold, other_division_col=other_division_col)

    def render(qc: float, qp: float):
        cut_c = float(df[current_col].quantile(qc))
        cut_p = float(df[potential_col].quantile(qp))
        mat = profitability_matrix(df, current_col=current_col, potential_col=potential_col,
                                   id_col=id_col, current_threshold=cut_c,
                                   potential_threshold=cut_p, **checks)
        counts = mat.groupby("quadrant", observed=False).agg(
            customers=("quadrant", "size"), non_priority=("non_priority", "sum"))
        counts.insert(1, "share", counts["customers"] / len(mat))

        def draw(fig):
            ax = fig.subplots()
            plots.matrix_scatter(mat, "current", "potential", "quadrant", x_cut=cut_c,
                                 y_cut=cut_p, ax=ax)
            ax.set_xlabel(labels.header(current_col))
            ax.set_ylabel(labels.header(potential_col))
            if xlim is not None:
                ax.set_xlim(*xlim)
            fig.tight_layout()

        table = _styled(counts, ["share"], decimals=0)
        return _figure(draw, (8, 5)), table

    style = {"description_width": "initial"}
    cur = widgets.FloatSlider(value=current_quantile, min=0.1, max=0.9, step=0.05,
                              description=str(labels.header(current_col)), style=style,
                              continuous_update=False, readout_format=".2f")
    pot = widgets.FloatSlider(value=potential_quantile, min=0.1, max=0.9, step=0.05,
                              description=str(labels.header(potential_col)), style=style,
                              continuous_update=False, readout_format=".2f")
    fig, table = render(current_quantile, potential_quantile)
    display(widgets.VBox([cur, pot]))
    fig_handle = _show(fig)
    table_handle = _show(table)

    def on_change(_change):
        new_fig, new_table = render(cur.value, pot.value)
        fig_handle.update(new_fig)
        table_handle.update(new_table)

    cur.observe(on_change, names="value")
    pot.observe(on_change, names="value")
    return cur, pot


# ---------------------------------------------------------------------------------------
# chapter 2, loyalty
# ---------------------------------------------------------------------------------------
def _live(controls: list, render, values) -> None:
    """Display ``controls`` and the figure and table of ``render(*values())``; redraw both
    in place whenever a control moves."""
    fig, table = render(*values())
    display(widgets.VBox(controls))
    fig_handle, table_handle = _show(fig), _show(table)

    def on_change(_change):
        new_fig, new_table = render(*values())
        fig_handle.update(new_fig)
        table_handle.update(new_table)

    for control in controls:
        control.observe(on_change, names="value")


def _slider(kind, key, value, low, high, step, fmt):
    return widgets.FloatSlider(value=value, min=low, max=high, step=step,
                               description=str(labels.label(key, kind)), readout_format=fmt,
                               style={"description_width": "initial"},
                               layout={"width": "460px"}, continuous_update=False)


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
    >>> att, pat = dick_basu_explorer(df, cu, as_of="2020-01-01")  # doctest: +SKIP
    >>> att.value = 6.0  # doctest: +SKIP
    """
    if patronage_threshold is None:
        patronage_threshold = float(df["repeat_rate"].median())

    def render(a_cut: float, p_cut: float):
        typ = loyalty.dick_basu(df, attitude_threshold=a_cut, patronage_threshold=p_cut)
        typ = typ.rename(columns={"loyalty": "loyalty_type"})
        churn = loyalty.churn_within(typ, customers, as_of=as_of, years=years,
                                     by="loyalty_type")

        def draw(fig):
            left, right = fig.subplots(1, 2, width_ratios=[1.35, 1])
            plots.matrix_scatter(typ, "repeat_rate", "relative_attitude", "loyalty_type",
                                 x_cut=p_cut, y_cut=a_cut, quadrants="loyalty",
                                 show_shares=False, ax=left)
            left.get_legend().remove()
            plots.measure_bars(churn, "loyalty_type", "churn_share",
                               title="churn_by_loyalty_type", ax=right)
            fig.tight_layout()

        table = churn.assign(share_of_customers=churn["customers"] / churn["customers"].sum())
        return _figure(draw, (12, 4.8)), labels.translate_frame(table.round(3))

    att = _slider("loyalty_control", "attitude_threshold", attitude_threshold, 1.5, 7.0, 0.5,
                  ".1f")
    pat = _slider("loyalty_control", "patronage_threshold", round(patronage_threshold, 2),
                  0.05, 1.0, 0.05, ".2f")
    _live([att, pat], render, lambda: (att.value, pat.value))
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

    Returns
    -------
    dict of ipywidgets.FloatSlider
        The sliders, by :func:`crmkit.loyalty.bathtub` argument name.

    Examples
    --------
    >>> from crmkit.loyalty import BathtubParameters
    >>> p = BathtubParameters(2024, 1000, 1000, 100, 0.9, 400.0, 200.0, 10.0)
    >>> sliders = bathtub_explorer(p)  # doctest: +SKIP
    >>> sliders["retention_rate"].value = 0.95  # doctest: +SKIP
    """
    base = params.as_kwargs()
    start = base | dict(scenario or {})

    def render(values: dict):
        runs = loyalty.compare_bathtubs(
            periods, {"baseline": base, "scenario": base | values},
            initial_customers=params.end_stock, discount_rate=discount_rate)

        def draw(fig):
            left, right = fig.subplots(1, 2)
            plots.bathtub_scenarios(runs, "end_stock", ax=left)
            plots.bathtub_scenarios(runs, "cumulative_profit", ax=right)
            fig.tight_layout()

        last = runs.loc[runs["period"] == periods, ["scenario", "end_stock", "cumulative_profit"]]
        return _figure(draw, (12, 4.2)), labels.translate_frame(last.round(0))

    a, ca, cr = base["acquired"], base["acquisition_cost"], base["retention_cost"]
    sliders = {
        "acquired": _slider("loyalty_control", "acquired_per_year", start["acquired"], 0,
                            round(3 * a, -1), 10, ".0f"),
        "retention_rate": _slider("loyalty_control", "retention_rate", start["retention_rate"],
                                  0.60, 0.99, 0.005, ".3f"),
        "acquisition_cost": _slider("loyalty_control", "acquisition_cost",
                                    start["acquisition_cost"], 0, round(3 * ca, -1), 5, ".0f"),
        "retention_cost": _slider("loyalty_control", "retention_cost", start["retention_cost"],
                                  0, round(10 * cr + 10, -1), 1, ".0f"),
    }

    _live(list(sliders.values()), render, lambda: ({k: s.value for k, s in sliders.items()},))
    return sliders


__all__ += ["dick_basu_explorer", "bathtub_explorer"]


# ---------------------------------------------------------------------------------------
# chapter 3, the IDIC method
# ---------------------------------------------------------------------------------------
def contact_policy_explorer(
    proposed: pd.DataFrame,
    customers: pd.DataFrame,
    policy=None,
    *,
    by: str | None = "sender",
    history: pd.DataFrame | None = None,
) -> dict[str, widgets.ValueWidget]:
    """Tighten or loosen a contact policy and watch which proposed contacts go out.

    Starting from ``policy`` (a :class:`crmkit.idic.ContactPolicy`, default rules if not
    given), the controls set its contact-pressure cap (contacts per customer and calendar
    period), its conflict window (days between two offers meeting one need), whether
    only the customer's preferred channel may be used and the tolerance around the
    preferred hour. The policy decides every ``proposed`` contact
    (:meth:`~crmkit.idic.ContactPolicy.apply`); the figure is
    :func:`crmkit.plots.contact_decisions` (stacked by ``by``), the table
    :func:`crmkit.idic.contact_summary`: contacts, share and channel cost per reason (the
    cost of the sent contacts is spent, the others' is saved).

    Returns
    -------
    dict of ipywidgets controls
        By :class:`~crmkit.idic.ContactPolicy` field: ``max_contacts``,
        ``conflict_window`` (days), ``preferred_channel_only``, ``hour_tolerance``.

    Examples
    --------
    >>> import pandas as pd
    >>> customers = pd.DataFrame({"customer_id": [1], "preferred_channel": ["email"],
    ...     "preferred_hour": [9], "contact_consent": [True], "opt_out": [False]})
    >>> proposed = pd.DataFrame({"customer_id": [1, 1], "channel": ["email", "email"],
    ...     "date": pd.to_datetime(["2025-01-06 09:00", "2025-01-20 09:00"]),
    ...     "offer": ["B_SAVINGS", "B_LIFE"], "sender": ["bank_marketing"] * 2})
    >>> controls = contact_policy_explorer(proposed, customers)  # doctest: +SKIP
    >>> controls["max_contacts"].value = 1  # doctest: +SKIP
    """
    from dataclasses import replace

    from crmkit import idic  # lazy: only this explorer needs the IDIC engine

    base = policy if policy is not None else idic.ContactPolicy()
    days = int(pd.Timedelta(base.conflict_window) / pd.Timedelta(days=1))

    def render(n: int, window: int, preferred_only: bool, tolerance: int):
        rules = replace(base, max_contacts=n, conflict_window=pd.Timedelta(days=window),
                        preferred_channel_only=preferred_only, hour_tolerance=tolerance)
        decided = rules.apply(proposed, customers, history)
        summary = idic.contact_summary(decided)

        def draw(fig):
            plots.contact_decisions(decided, by=by, ax=fig.subplots())
            fig.tight_layout()

        table = labels.translate_frame(summary, kinds={"reason": "contact_reason"})
        share, cost = labels.header("share"), labels.header("cost")
        table = table.style.format(thousands=",").format("{:.1%}", subset=[share]).format(
            "{:,.0f} €", subset=[cost])
        return _figure(draw, (10, 5)), table

    style = {"description_width": "initial"}
    layout = {"width": "460px"}

    def text(key):
        return str(labels.label(key, "idic_control"))

    controls = {
        "max_contacts": widgets.IntSlider(
            value=base.max_contacts, min=0, max=6, step=1, description=text("max_contacts"),
            style=style, layout=layout, continuous_update=False),
        "conflict_window": widgets.IntSlider(
            value=days, min=0, max=90, step=5, description=text("conflict_days"),
            style=style, layout=layout, continuous_update=False),
        "preferred_channel_only": widgets.Checkbox(
            value=base.preferred_channel_only, description=text("preferred_channel_only"),
            style=style, layout=layout),
        "hour_tolerance": widgets.IntSlider(
            value=base.hour_tolerance, min=0, max=12, step=1,
            description=text("hour_tolerance"), style=style, layout=layout,
            continuous_update=False),
    }
    _live(list(controls.values()), render, lambda: tuple(c.value for c in controls.values()))
    return controls


__all__ += ["contact_policy_explorer"]


# ---------------------------------------------------------------------------------------
# chapter 1, customer data and identity resolution
# ---------------------------------------------------------------------------------------
def identity_threshold_explorer(
    resolution,
    source_records: pd.DataFrame,
    *,
    thresholds: Sequence[float] = tuple(range(0, 27)),
    threshold: float | None = None,
) -> widgets.SelectionSlider:
    """Move the match threshold of identity resolution: who gets merged, who gets split?

    ``resolution`` is a :func:`crmkit.idic.resolve_identities` result on
    ``source_records`` (with the ground truth ``true_customer_id``). The pairs are scored
    once; each threshold of ``thresholds`` re-clusters them
    (:func:`crmkit.idic.identify.threshold_sweep`, computed once for the whole grid, so
    the slider is instant). The figure shows the match weights of true matches and other
    pairs with the threshold (:func:`crmkit.plots.match_weights`) and precision, recall
    and customers resolved against the threshold (:func:`crmkit.plots.threshold_curve`);
    the table gives the sweep's row at the threshold.

    Returns
    -------
    ipywidgets.SelectionSlider
        The threshold slider (its ``value`` is the threshold shown; default the
        resolution's own).

    Examples
    --------
    >>> from crmkit.datasets import load_sample
    >>> from crmkit.idic import resolve_identities
    >>> recs = load_sample(tables=["source_records"]).source_records  # doctest: +SKIP
    >>> slider = identity_threshold_explorer(resolve_identities(recs), recs)  # doctest: +SKIP
    >>> slider.value = 16.0  # doctest: +SKIP
    """
    from crmkit.idic import identify  # lazy: only this explorer needs identity resolution

    grid = sorted({float(t) for t in thresholds})
    start = float(resolution.rules.threshold if threshold is None else threshold)
    if start not in grid:
        raise ValueError(f"threshold={start:g} is not among the thresholds explored {grid}")
    sweep = identify.threshold_sweep(resolution, source_records, grid)
    pairs = resolution.pairs.assign(
        same_person=identify.true_matches(resolution.pairs, source_records))

    def render(t: float):
        def draw(fig):
            left, right = fig.subplots(1, 2)
            plots.match_weights(pairs, threshold=t, ax=left)
            plots.threshold_curve(sweep, threshold=t, ax=right)
            fig.tight_layout()

        row = sweep.loc[sweep["threshold"] == t].set_index("threshold")
        return _figure(draw, (13, 4.8)), labels.translate_frame(row.round(4))

    slider = widgets.SelectionSlider(options=grid, value=start,
                                     description=str(labels.header("threshold")),
                                     style={"description_width": "initial"},
                                     layout={"width": "520px"}, continuous_update=False)
    _live([slider], render, lambda: (slider.value,))
    return slider


__all__ += ["identity_threshold_explorer"]


# ---------------------------------------------------------------------------------------
# chapter 5, customer value
# ---------------------------------------------------------------------------------------
def _value_slider(key, value, low, high, step, fmt):
    return _slider("value_control", key, value, low, high, step, fmt)


def cost_pool_explorer(
    interactions: pd.DataFrame,
    transactions: pd.DataFrame,
    drivers: pd.DataFrame,
    pools: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    by: str,
    start=None,
    end=None,
    common_costs: float = 0.0,
    options: Sequence[str] | None = None,
) -> dict[str, widgets.Dropdown]:
    """Choose the driver of each indirect cost pool and see who looks unprofitable.

    ``pools`` lists the pools (``pool``, ``amount``, ``driver``: the starting choice);
    one dropdown per pool picks its driver among ``options`` (default: every numeric
    column of ``drivers`` but the customer id). The costs are spread by
    :func:`crmkit.value.cost_to_serve` (activity-based allocation), the direct profit
    computed by :func:`crmkit.value.direct_profit`; the figure shows the mean cost to
    serve by category of ``by`` (a column of ``groups``, one row per customer) and the
    whale curve of direct profit, the table the portfolio account of
    :func:`crmkit.value.profit_and_loss`. The totals never move: only who carries the
    costs does.

    Returns
    -------
    dict of ipywidgets.Dropdown
        The dropdowns, by pool.

    Examples
    --------
    >>> import pandas as pd
    >>> it = pd.DataFrame({"customer_id": [1, 2], "channel": ["branch", "web"],
    ...                    "cost": [30.0, 1.0], "date": pd.to_datetime(["2024-03-01"] * 2)})
    >>> tx = pd.DataFrame({"customer_id": [1, 2], "margin": [300.0, 40.0],
    ...                    "date": pd.to_datetime(["2024-03-01"] * 2)})
    >>> d = pd.DataFrame({"customer_id": [1, 2], "contracts": [1, 3], "customers": [1, 1]})
    >>> p = pd.DataFrame({"pool": ["order_handling"], "amount": [80.0],
    ...                   "driver": ["contracts"]})
    >>> g = pd.DataFrame({"customer_id": [1, 2], "preferred_channel": ["branch", "web"]})
    >>> dd = cost_pool_explorer(it, tx, d, p, g, by="preferred_channel")  # doctest: +SKIP
    >>> dd["order_handling"].value = "customers"  # doctest: +SKIP
    """
    from crmkit import value

    if options is None:
        options = [c for c in drivers.columns if c != "customer_id"
                   and pd.api.types.is_numeric_dtype(drivers[c])]
    options = list(options)
    missing = sorted(set(pools["driver"]) - set(options))
    if missing:
        raise ValueError(f"pools: driver(s) {missing} not among the options {options}")

    def render(choice: dict):
        spec = {p: (float(a), choice[p]) for p, a in zip(pools["pool"], pools["amount"],
                                                         strict=True)}
        costs = value.cost_to_serve(interactions, pools=spec, drivers=drivers, start=start,
                                    end=end)
        profit = value.direct_profit(transactions, costs, start=start, end=end)
        account = value.profit_and_loss(profit, common_costs=common_costs)
        shown = costs.merge(groups[["customer_id", by]], on="customer_id")

        def draw(fig):
            left, right = fig.subplots(1, 2)
            plots.cost_breakdown(shown, by, ["direct_cost", *spec], legend=False, ax=left)
            left.legend(loc="upper left", fontsize="x-small")
            plots.pareto_curve(profit, "direct_profit", ax=right)
            fig.tight_layout()

        table = account.rename("value").rename_axis("item").reset_index()
        return _figure(draw, (13, 4.6)), labels.translate_frame(table.round(3))

    style = {"description_width": "initial"}
    dropdowns = {
        p: widgets.Dropdown(options=[(str(labels.header(o)), o) for o in options], value=d,
                            description=str(labels.label(p, "value_control")), style=style,
                            layout={"width": "460px"})
        for p, d in zip(pools["pool"], pools["driver"], strict=True)
    }
    _live(list(dropdowns.values()), render,
          lambda: ({p: dd.value for p, dd in dropdowns.items()},))
    return dropdowns


def ltv_explorer(
    df: pd.DataFrame,
    *,
    by: str = "strategy",
    profit_col: str = "direct_profit",
    potential_col: str = "potential",
    retention: str | float = "retention",
    credit_score_col: str | None = "credit_score",
    discount_rate: float = 0.08,
    horizon: int | None = 10,
    capture: float = 1.0,
) -> tuple[widgets.FloatSlider, widgets.FloatSlider]:
    """Move the discount rate and the retention: what is the customer base worth?

    Lifetime values by :func:`crmkit.value.lifetime_value_chain` (direct profit, future
    profit, potential, weighted by the credit score) summed into customer equity by
    :func:`crmkit.value.customer_equity`. The baseline keeps ``discount_rate`` and the
    measured retention; two sliders set the scenario's discount rate and a change of
    every customer's retention (in points). The figure shows the scenario's value chain
    (:func:`crmkit.value.chain_steps`) and the equity of each group of ``by``, baseline
    against scenario; the table gives the numbers.

    Returns
    -------
    tuple of ipywidgets.FloatSlider
        The discount-rate and retention-change sliders.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2], "direct_profit": [400.0, -50.0],
    ...                    "potential": [100.0, 600.0], "retention": [0.9, 0.8],
    ...                    "credit_score": [0.8, 0.6], "strategy": ["loyalty", "multi_equipment"]})
    >>> rate, change = ltv_explorer(df)  # doctest: +SKIP
    >>> change.value = 0.05  # doctest: +SKIP
    """
    from crmkit import value

    common = dict(profit_col=profit_col, potential_col=potential_col, retention=retention,
                  horizon=horizon, capture=capture, credit_score_col=credit_score_col)
    base_chain = value.lifetime_value_chain(df, discount_rate=discount_rate, **common)
    base = value.customer_equity(base_chain.assign(**{by: df[by].to_numpy()}), by=by)

    def render(rate: float, change: float):
        chain = value.lifetime_value_chain(df, discount_rate=rate, retention_change=change,
                                           **common)
        scen = value.customer_equity(chain.assign(**{by: df[by].to_numpy()}), by=by)
        both = base[[by, "customers", "equity"]].rename(columns={"equity": "baseline_equity"})
        both = both.merge(scen[[by, "equity"]].rename(columns={"equity": "scenario_equity"}),
                          on=by)

        def draw(fig):
            left, right = fig.subplots(1, 2, width_ratios=[1.1, 1])
            plots.value_waterfall(value.chain_steps(chain), totals=["lifetime_value"],
                                  title="value_chain", ax=left)
            plots.equity_comparison(both, by, ax=right)
            fig.tight_layout()

        return _figure(draw, (13, 4.8)), labels.translate_frame(both.round(0))

    rate = _value_slider("discount_rate", discount_rate, 0.0, 0.20, 0.01, ".2f")
    change = _value_slider("retention_change", 0.0, -0.10, 0.10, 0.01, "+.2f")
    _live([rate, change], render, lambda: (rate.value, change.value))
    return rate, change


def channel_migration_explorer(
    customers: pd.DataFrame,
    interactions: pd.DataFrame,
    *,
    eligible_col: str = "eligible",
    margin_col: str | None = None,
    to_channel: str = "web",
    adoption: float = 0.5,
    churn_risk: float = 0.02,
) -> tuple[widgets.FloatSlider, widgets.FloatSlider]:
    """Move loyal low-value customers to a cheaper channel: what does it earn, what does it risk?

    Seed 000's step 5': :func:`crmkit.value.channel_migration` prices moving the eligible
    customers' contacts to ``to_channel``. Two sliders set the share of contacts that
    actually move and the extra probability that a moved customer leaves (some value
    their branch); the figure shows the saving, the margin put at risk and the net gain,
    and each channel's cost per contact; the table is the scenario's summary.

    Returns
    -------
    tuple of ipywidgets.FloatSlider
        The adoption and churn-risk sliders.

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2], "eligible": [True, False],
    ...                    "margin": [100.0, 900.0]})
    >>> it = pd.DataFrame({"customer_id": [1, 1, 2], "channel": ["branch", "web", "branch"],
    ...                    "cost": [30.0, 1.0, 30.0]})
    >>> adoption, risk = channel_migration_explorer(cu, it, margin_col="margin")  # doctest: +SKIP
    >>> risk.value = 0.1  # doctest: +SKIP
    """
    from crmkit import value

    def render(share: float, risk: float):
        mig = value.channel_migration(customers, interactions, eligible_col=eligible_col,
                                      to_channel=to_channel, adoption=share, churn_risk=risk,
                                      margin_col=margin_col)
        steps = pd.DataFrame({"item": ["saving", "margin_at_risk", "net_gain"],
                              "amount": [mig.saving, -mig.margin_at_risk, mig.net_gain]})
        unit = mig.unit_costs.rename_axis("channel").reset_index()

        def draw(fig):
            left, right = fig.subplots(1, 2, width_ratios=[1, 1.2])
            plots.value_waterfall(steps, totals=["net_gain"], title="channel_migration",
                                  ax=left)
            plots.cost_breakdown(unit, "channel", ["unit_cost"], value_label="unit_cost",
                                 legend=False, title="unit_cost", ax=right)
            fig.tight_layout()

        return _figure(draw, (12, 4.4)), labels.translate_frame(mig.summary().round(0))

    share = _value_slider("adoption", adoption, 0.0, 1.0, 0.05, ".2f")
    risk = _value_slider("churn_risk", churn_risk, 0.0, 0.20, 0.005, ".3f")
    _live([share, risk], render, lambda: (share.value, risk.value))
    return share, risk


__all__ += ["cost_pool_explorer", "ltv_explorer", "channel_migration_explorer"]


# ---------------------------------------------------------------------------------------
# chapter 7, running a CRM project
# ---------------------------------------------------------------------------------------
def maturity_explorer(
    answers: dict | None = None,
    *,
    n_weakest: int = 3,
    lang: str | None = None,
) -> dict[str, widgets.IntSlider]:
    """Score the 15 success factors of a CRM project and read the maturity profile.

    One slider per factor (1 = not at all, 5 = fully; ``answers`` sets their starting
    values, 3 by default) next to the statement to score, from the project data
    (:func:`crmkit.project.project_table`). :func:`crmkit.project.maturity_profile` turns
    them into the figure (the factors, the weakest hatched; the maturity of each dimension
    of change, its mean score rescaled to 0-100 %) and the table of the four causes of failure with the mean score of the
    factors that guard against each.

    Returns
    -------
    dict of ipywidgets.IntSlider
        The sliders, by factor id.

    Examples
    --------
    >>> sliders = maturity_explorer({"SF11": 1})  # doctest: +SKIP
    >>> sliders["SF11"].value = 4  # doctest: +SKIP
    """
    from crmkit import project

    lang = lang or labels.get_language()
    factors = project.project_table("success_factors", lang)
    start = {f: 3 for f in factors["id"]} | dict(answers or {})

    def render(values: dict):
        prof = project.maturity_profile(values, n_weakest=n_weakest, lang=lang)

        def draw(fig):
            left, right = fig.subplots(1, 2, width_ratios=[1.9, 1])
            plots.maturity_bars(prof.factors, ax=left)
            plots.measure_bars(prof.dimensions, "dimension", "maturity", kind="change_dimension",
                               title="maturity_dimensions", ax=right)
            right.set_ylim(0, 1.1)
            fig.tight_layout()

        table = prof.failure_risks.drop(columns="id").round(2)
        return _figure(draw, (13, 5.6)), labels.translate_frame(table)

    sliders = {
        fid: widgets.IntSlider(value=int(start[fid]), min=1, max=5, step=1, description=fid,
                               continuous_update=False, layout={"width": "260px"})
        for fid in factors["id"]
    }
    rows = [widgets.HBox([sliders[fid], widgets.Label(str(text))])
            for fid, text in zip(factors["id"], factors["statement"], strict=True)]
    fig, table = render({k: s.value for k, s in sliders.items()})
    display(widgets.VBox(rows))
    fig_handle, table_handle = _show(fig), _show(table)

    def on_change(_change):
        new_fig, new_table = render({k: s.value for k, s in sliders.items()})
        fig_handle.update(new_fig)
        table_handle.update(new_table)

    for slider in sliders.values():
        slider.observe(on_change, names="value")
    return sliders


__all__ += ["maturity_explorer"]


# ---------------------------------------------------------------------------------------
# chapter 6, campaigns
# ---------------------------------------------------------------------------------------
def campaign_planner(
    *,
    n_targets: int = 500,
    cost_per_contact: float = 0.15,
    margin_per_conversion: float = 150.0,
    p_control: float = 0.012,
    uplift: float = 0.012,
    control_share: float = 0.2,
    fixed_cost: float = 0.0,
) -> dict[str, widgets.FloatSlider]:
    """Plan a campaign: what it costs, what it should earn, and whether its test can tell.

    Sliders set the targets, the cost per contact, the margin of a sale, the conversion
    rate without contact, the expected uplift and the share held out;
    :func:`crmkit.campaigns.plan_campaign` computes the plan. The figure shows the cost
    against the margin of every sale to the contacted (the naive view) and of the sales
    the campaign causes (:func:`crmkit.plots.measure_bars`), and the detectable uplift
    against the number of targets with the plan's uplift and breakeven
    (:func:`crmkit.plots.campaign_power`); the table gives the plan.

    Returns
    -------
    dict of ipywidgets.FloatSlider
        The sliders, by :func:`crmkit.campaigns.plan_campaign` argument name.

    Examples
    --------
    >>> sliders = campaign_planner(n_targets=2_000)  # doctest: +SKIP
    >>> sliders["uplift"].value = 0.02  # doctest: +SKIP
    """
    import numpy as np

    from crmkit import campaigns

    sizes = np.unique(np.geomspace(100, 1_000_000, 60).astype(np.int64))
    rates, rois = ("breakeven_rate", "detectable_uplift"), ("naive_roi", "roi")

    def render(values: dict):
        values = values | {"n_targets": int(values["n_targets"])}
        plan = campaigns.plan_campaign(**values, fixed_cost=fixed_cost)
        curve = campaigns.detectable_uplift_curve(sizes, values["p_control"],
                                                  values["control_share"])
        money = pd.DataFrame({
            "plan_item": ["cost", "naive_margin", "incremental_margin"],
            "amount": [plan.cost, plan.naive_margin, plan.incremental_margin],
        })

        def draw(fig):
            left, right = fig.subplots(1, 2, width_ratios=[1, 1.5])
            plots.measure_bars(money, "plan_item", "amount", kind="campaign_plan",
                               percent=False, title="plan_money", ax=left)
            plots.campaign_power(curve, n_targets=plan.n_targets, uplift=values["uplift"],
                                 breakeven_rate=plan.breakeven_rate, ax=right)
            fig.tight_layout()

        shown = {k: (f"{v:.2%}" if k in rates else f"{v:,.0%}" if k in rois else f"{v:,.1f}"
                     if k.endswith("conversions") else f"{v:,.0f}")
                 for k, v in vars(plan).items()}
        table = pd.Series(shown, name=labels.label("plan_item", "campaign_plan")).rename(
            lambda k: labels.label(k, "campaign_plan")).to_frame()
        return _figure(draw, (13, 4.6)), table

    sliders = {
        "n_targets": _slider("campaign_plan", "n_targets", n_targets, 100, 50_000, 100, ".0f"),
        "cost_per_contact": _slider("campaign_plan", "cost_per_contact", cost_per_contact,
                                    0.05, 40.0, 0.05, ".2f"),
        "margin_per_conversion": _slider("campaign_plan", "margin_per_conversion",
                                         margin_per_conversion, 10, 2_000, 10, ".0f"),
        "p_control": _slider("campaign_plan", "p_control", p_control, 0.001, 0.3, 0.001, ".3f"),
        "uplift": _slider("campaign_plan", "uplift", uplift, 0.001, 0.3, 0.001, ".3f"),
        "control_share": _slider("campaign_plan", "control_share", control_share, 0.05, 0.5,
                                 0.05, ".2f"),
    }
    _live(list(sliders.values()), render, lambda: ({k: s.value for k, s in sliders.items()},))
    return sliders


__all__ += ["campaign_planner"]
