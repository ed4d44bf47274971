"""Chapter 6 figures: contact decisions, needs, triggered offers."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from crmkit import labels
from crmkit.plots._docs import figure
from crmkit.plots.style import COLORS, _axes, _numeric, _set_title, localised, palette
from crmkit.schema import check_columns, check_no_missing, check_not_empty, require_columns

# who proposes a contact keeps a colour (the bank blue and the insurer orange, as sectors);
# event-triggered campaigns and offers are green, untargeted ones grey


@localised
@figure("plot_idic")
def contact_decisions(
    decisions: pd.DataFrame,
    by: str | None = None,
    *,
    reason_col: str = "reason",
    title: str | None = None,
    table: str = "decisions",
    ax=None,
):
    """Proposed contacts by the reason they were sent or suppressed, one bar per reason.

    Takes :meth:`crmkit.idic.ContactPolicy.apply` output: ``reason`` is ``ok`` for the
    contacts that go out, else the first rule the contact broke; reasons keep the rule
    order of the policy (sent first). With ``by`` (who proposed the contact, its channel,
    its offer...) the bars are stacked by that column. Each bar ends with its share of all
    proposals.

    Parameters
    ----------
    decisions : DataFrame
        One row per proposed contact with its ``reason_col``.
    by : str, optional
        Column the bars are stacked by (proposer, channel, offer...).
    reason_col : str
        Column of the reason: ``ok`` when sent, else the first rule broken.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"reason": ["ok", "ok", "no_consent", "contact_pressure"],
    ...                   "sender": ["bank_marketing", "advisor_workstation"] * 2})
    >>> ax = contact_decisions(d, by="sender")
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts]
    (['Sent', 'No marketing consent', 'Contact pressure cap reached'], ['50%', '25%', '25%'])
    """
    check_not_empty(decisions, table)
    check_columns(decisions, table, [reason_col] + ([by] if by else []))
    check_no_missing(decisions, table, reason_col)
    reasons = decisions[reason_col].astype(str)
    order = labels.order("contact_reason", pd.unique(reasons))
    groups = decisions[by].astype(str) if by else pd.Series("all", index=decisions.index)
    kind = labels.kind_of(by, pd.unique(groups)) if by else None
    keys = labels.order(kind, groups) if kind else list(pd.unique(groups))
    counts = (pd.crosstab(reasons, groups).reindex(index=order, columns=keys, fill_value=0)
              .astype(float))
    colours = palette(kind, keys) if kind else dict.fromkeys(keys, COLORS["blue"])
    ax = _axes(ax)
    pos = np.arange(len(order))[::-1]  # sent on top, then the rules in order
    left = np.zeros(len(order))
    for key in keys:
        ax.barh(pos, counts[key].to_numpy(), left=left, height=0.7, color=colours[key],
                label=labels.label(key, kind) if kind else None)
        left = left + counts[key].to_numpy()
    total = float(len(decisions))
    for y, n in zip(pos, left, strict=True):
        ax.annotate(f"{n / total:.0%}" if n / total >= 0.01 else f"{n / total:.1%}",
                    (n, y), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize="small")
    ax.set_yticks(pos, ["\n".join(textwrap.wrap(str(labels.label(r, "contact_reason")), 28))
                        for r in order], fontsize="small")
    ax.set_xlim(0, left.max() * 1.12)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_xlabel(labels.header("proposed"))
    ax.set_ylabel(labels.header(reason_col) if reason_col != "reason" else
                  labels.header("decision"))
    ax.grid(axis="y", visible=False)
    if kind:
        ax.legend(title=labels.header(by), loc="lower right", fontsize="small")
    _set_title(ax, title, "contact_decisions", kind="plot_idic")
    return ax


@localised
@figure("plot_idic")
def need_heatmap(
    shares: pd.DataFrame,
    row: str = "need",
    col: str = "life_stage",
    value: str = "share",
    *,
    title: str | None = None,
    table: str = "needs",
    ax=None,
):
    """Share of customers with each open need (rows) in each group (columns), as a heatmap.

    ``shares`` is tidy: one row per (need, group) with the share of the group's customers
    who have that need open (e.g. from :func:`crmkit.idic.customer_profiles`'
    ``open_needs``, exploded and counted). Rows and columns follow their label order.

    Parameters
    ----------
    shares : DataFrame
        Tidy frame: one row per (``row``, ``col``) pair with its ``value``.
    row : str
        Column whose categories are the heatmap's rows (the needs).
    col : str
        Column whose categories are the heatmap's columns (the groups).
    value : str
        Column of the share, a number in [0, 1].
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"need": ["car_cover", "car_cover", "savings", "savings"],
    ...                   "life_stage": ["couple", "retired"] * 2, "share": [0.1, 0.0, 0.0, 0.05]})
    >>> ax = need_heatmap(s)
    >>> [t.get_text() for t in ax.texts]
    ['10%', '0%', '0%', '5%']
    """
    require_columns(shares, table, [row, col])
    _numeric(shares, table, value)
    rkind = labels.kind_of(row, pd.unique(shares[row].astype(str))) or "need"
    ckind = labels.kind_of(col, pd.unique(shares[col].astype(str)))
    grid = shares.pivot_table(index=row, columns=col, values=value, aggfunc="sum",
                              fill_value=0.0, observed=True)
    grid = grid.reindex(index=labels.order(rkind, grid.index.astype(str)),
                        columns=labels.order(ckind, grid.columns.astype(str)) if ckind
                        else grid.columns)
    ax = _axes(ax)
    sns.heatmap(grid.astype(float), ax=ax, cmap="Blues", annot=True, fmt=".0%",
                annot_kws={"fontsize": "small"}, linewidths=0.5,
                cbar_kws={"label": labels.header(value),
                          "format": PercentFormatter(1.0, decimals=0)})
    ax.set_yticklabels(["\n".join(textwrap.wrap(str(labels.label(k, rkind)), 20))
                        for k in grid.index], rotation=0, fontsize="small")
    ax.set_xticklabels(["\n".join(textwrap.wrap(str(labels.label(k, ckind)), 12))
                        for k in grid.columns], rotation=0, fontsize="small")
    ax.set_xlabel(labels.header(col))
    ax.set_ylabel(labels.header(row))
    _set_title(ax, title, "need_heatmap", kind="plot_idic")
    return ax


@localised
@figure("plot_idic")
def offer_values(
    offers: pd.DataFrame,
    category: str = "rule",
    value: str = "expected_value",
    *,
    baseline: str | None = "untargeted_value",
    hue: str | None = "trigger",
    count: str | None = "customers",
    title: str | None = None,
    table: str = "offers",
    ax=None,
):
    """Expected value of each kind of offer (horizontal bars, best on top), against a
    baseline drawn as a black tick on each bar (e.g. the same product offered untargeted).

    ``offers`` has one row per ``category`` (a next-best-offer rule...) with the mean
    ``value`` of its offers, optionally the ``baseline`` value, a ``hue`` column colouring
    the bars (the rule's trigger) and a ``count`` written after each bar.

    Parameters
    ----------
    offers : DataFrame
        One row per ``category`` with its ``value`` and the optional columns below.
    category : str
        Column naming the bars (a next-best-offer rule...).
    value : str
        Column of the expected value per offer, the bar's length.
    baseline : str, optional
        Column of the baseline value, a black tick on each bar; ``None`` draws none.
    hue : str, optional
        Category column colouring the bars; ``None`` for one colour.
    count : str, optional
        Column of a count written after each bar; ``None`` writes none.
    {title}
    {table}
    {ax}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"rule": ["birth_health", "savings_capacity_life"],
    ...                   "trigger": ["event", "savings_capacity"], "customers": [31, 790],
    ...                   "expected_value": [216.0, 21.6], "untargeted_value": [25.5, 5.1]})
    >>> ax = offer_values(o)
    >>> [t.get_text() for t in ax.texts]  # bottom to top: the best offer on top
    ['22 €  (n = 790)', '216 €  (n = 31)']
    """
    require_columns(offers, table, [category] + [c for c in (hue,) if c], unique=category)
    _numeric(offers, table, value, *[c for c in (baseline, count) if c],
             nonnegative=tuple(c for c in (count,) if c))
    data = offers.sort_values(value, ascending=True).reset_index(drop=True)
    cats = data[category].astype(str)
    ckind = labels.kind_of(category, pd.unique(cats))
    hkind = labels.kind_of(hue, pd.unique(data[hue].astype(str))) if hue else None
    hues = data[hue].astype(str) if hue else pd.Series("all", index=data.index)
    colours = palette(hkind, list(pd.unique(hues))) if hkind else {"all": COLORS["blue"]}
    ax = _axes(ax)
    pos = np.arange(len(data))
    ax.barh(pos, data[value].to_numpy(dtype=float), height=0.7,
            color=[colours[h] for h in hues])
    if baseline:
        ax.plot(data[baseline].to_numpy(dtype=float), pos, "|", color="black",
                markersize=16, markeredgewidth=2.5, label=labels.header(baseline))
    for y, v, n in zip(pos, data[value].to_numpy(dtype=float),
                       data[count].to_numpy() if count else [None] * len(data), strict=True):
        text = f"{v:,.0f} €" + (f"  (n = {int(n):,})" if n is not None else "")
        ax.annotate(text, (v, y), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize="small")
    ax.set_yticks(pos, ["\n".join(textwrap.wrap(str(labels.label(c, ckind)), 40))
                        for c in cats], fontsize="small")
    ax.set_xlim(0, float(data[value].max()) * 1.35)
    ax.set_xlabel(labels.header(value))
    ax.set_ylabel(labels.header(category))
    ax.grid(axis="y", visible=False)
    shown = labels.order(hkind, hues) if hkind else []
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[h]) for h in shown]
    names = [str(labels.label(h, hkind)) for h in shown]
    if baseline:
        handles.append(ax.get_lines()[0])
        names.append(str(labels.header(baseline)))
    if names:
        ax.legend(handles, names, loc="lower right", fontsize="small")
    _set_title(ax, title, "offer_values", kind="plot_idic")
    return ax


__all__ = ["contact_decisions", "need_heatmap", "offer_values"]
