"""Chapter 4, customer value: its explorers."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

from crmkit import labels, plots
from crmkit.widgets import _base

__all__ = ["cost_pool_explorer", "ltv_explorer", "channel_migration_explorer"]


def _value_slider(key, value, low, high, step, fmt):
    return _base.slider("value_control", key, value, low, high, step, fmt)


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

    Parameters
    ----------
    interactions : DataFrame
        The contacts, each with its channel, direct cost and date.
    transactions : DataFrame
        The transactions, with their commercial margin and date.
    drivers : DataFrame
        Driver quantities, one row per customer (e.g.
        :func:`crmkit.value.activity_drivers`).
    pools : DataFrame
        The indirect cost pools: ``pool``, ``amount`` and the starting ``driver``.
    groups : DataFrame
        One row per customer with the ``by`` column.
    by : str
        Column of ``groups`` the mean cost to serve is shown by.
    start, end : date-like, optional
        Only interactions and transactions with ``start <= date < end``.
    common_costs : float, default 0.0
        The period's common, non-attributable costs (in the profit and loss account).
    options : sequence of str, optional
        The drivers offered; default every numeric column of ``drivers`` but the
        customer id. Each pool's starting driver must be among them.

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
    >>> dd = cost_pool_explorer(it, tx, d, p, g, by="preferred_channel")
    >>> dd["order_handling"].value = "customers"  # reallocates the pool and redraws
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
            left, right = _base.panels(fig, 2)
            plots.cost_breakdown(shown, by, ["direct_cost", *spec], legend=False, ax=left)
            left.legend(loc="upper left", fontsize="small")
            plots.pareto_curve(profit, "direct_profit", ax=right)
            fig.tight_layout()

        table = account.rename("value").rename_axis("item").reset_index()
        return _base.figure(draw, (13, 4.6)), labels.translate_frame(table.round(3))

    style = {"description_width": "initial"}
    dropdowns = {
        p: widgets.Dropdown(options=[(str(labels.header(o)), o) for o in options], value=d,
                            description=str(labels.label(p, "value_control")), style=style,
                            layout={"width": "460px"})
        for p, d in zip(pools["pool"], pools["driver"], strict=True)
    }
    _base.live(list(dropdowns.values()), render,
          lambda: ({p: dd.value for p, dd in dropdowns.items()},))
    return dropdowns


def ltv_explorer(
    df: pd.DataFrame,
    *,
    by: str = "strategy",
    profit_col: str = "direct_profit",
    potential_col: str = "potential",
    retention: str | float = "retention",
    default_probability_col: str | None = None,
    discount_rate: float = 0.08,
    horizon: int | None = 10,
    capture: float = 1.0,
) -> tuple[widgets.FloatSlider, widgets.FloatSlider]:
    """Move the discount rate and the retention: what is the customer base worth?

    Lifetime values by :func:`crmkit.value.lifetime_value_chain` (direct profit, future
    profit, potential; defaults when a yearly default probability is given) summed into
    customer equity by
    :func:`crmkit.value.customer_equity`. The baseline keeps ``discount_rate`` and the
    measured retention; two sliders set the scenario's discount rate and a change of
    every customer's retention (in points). The figure shows the scenario's value chain
    (:func:`crmkit.value.chain_steps`) and the equity of each group of ``by``, baseline
    against scenario; the table gives the numbers.

    Parameters
    ----------
    df : DataFrame
        One row per customer with ``profit_col``, ``potential_col``, the ``by`` column and
        (if a column name) ``retention``.
    by : str, default "strategy"
        Column the customer equity is grouped by.
    profit_col, potential_col : str
        Direct profit and potential per period.
    retention : str or float, default "retention"
        Probability of staying one more period, or a column of customer-specific rates.
    default_probability_col : str, optional
        Yearly probability of default (see :func:`crmkit.value.lifetime_value_chain`);
        None: no default.
    discount_rate : float, default 0.08
        Discount rate per period of the baseline and the slider's starting value.
    horizon : int or None, default 10
        Number of periods counted, the current one included; None for ever.
    capture : float, default 1.0
        Share of the potential expected to be won.

    Returns
    -------
    tuple of ipywidgets.FloatSlider
        Two sliders: the discount rate, and the change of retention in points.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2], "direct_profit": [400.0, -50.0],
    ...                    "potential": [100.0, 600.0], "retention": [0.9, 0.8],
    ...                    "strategy": ["loyalty", "multi_equipment"]})
    >>> rate, change = ltv_explorer(df)
    >>> change.value = 0.05  # recomputes the lifetime values and redraws
    """
    from crmkit import value

    common = dict(profit_col=profit_col, potential_col=potential_col, retention=retention,
                  horizon=horizon, capture=capture,
                  default_probability_col=default_probability_col)
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
            left, right = _base.panels(fig, 2, width_ratios=[1.1, 1])
            plots.value_waterfall(value.chain_steps(chain), totals=["lifetime_value"],
                                  title="value_chain", ax=left)
            plots.equity_comparison(both, by, ax=right)
            fig.tight_layout()

        return _base.figure(draw, (13, 4.8)), labels.translate_frame(both.round(0))

    rate = _value_slider("discount_rate", discount_rate, 0.0, 0.20, 0.01, ".2f")
    change = _value_slider("retention_change", 0.0, -0.10, 0.10, 0.01, "+.2f")
    _base.live([rate, change], render, lambda: (rate.value, change.value))
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

    The university lesson's step 5': :func:`crmkit.value.channel_migration` prices moving the eligible
    customers' contacts to ``to_channel``. Two sliders set the share of contacts that
    actually move and the extra probability that a moved customer leaves (some value
    their branch); the figure shows the saving, the margin put at risk and the net gain,
    and each channel's cost per contact; the table is the scenario's summary.

    Parameters
    ----------
    customers : DataFrame
        One row per customer with the boolean ``eligible_col`` and, for the risk,
        ``margin_col``.
    interactions : DataFrame
        Contacts of the period, each with its channel and cost.
    eligible_col : str, default "eligible"
        Boolean column of ``customers``: whose contacts may move.
    margin_col : str, optional
        Margin per period of ``customers``; None: no margin at risk.
    to_channel : str, default "web"
        The cheaper channel.
    adoption : float, default 0.5
        Starting share of the eligible contacts that actually move.
    churn_risk : float, default 0.02
        Starting extra probability that a moved customer leaves.

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
    >>> adoption, risk = channel_migration_explorer(cu, it, margin_col="margin")
    >>> risk.value = 0.1  # reprices the migration and redraws
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
            left, right = _base.panels(fig, 2, width_ratios=[1, 1.2])
            plots.value_waterfall(steps, totals=["net_gain"], title="channel_migration",
                                  ax=left)
            plots.cost_breakdown(unit, "channel", ["unit_cost"], value_label="unit_cost",
                                 legend=False, title="unit_cost", ax=right)
            fig.tight_layout()

        return _base.figure(draw, (12, 4.4)), labels.translate_frame(mig.summary().round(0))

    share = _value_slider("adoption", adoption, 0.0, 1.0, 0.05, ".2f")
    risk = _value_slider("churn_risk", churn_risk, 0.0, 0.20, 0.005, ".3f")
    _base.live([share, risk], render, lambda: (share.value, risk.value))
    return share, risk
