"""Chapter 6, the IDIC method: its explorers."""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from crmkit import labels, plots
from crmkit.widgets import _base

__all__ = ["contact_policy_explorer"]


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

    Parameters
    ----------
    proposed : DataFrame
        The contacts proposed, one row each (``customer_id``, ``channel``, ``date``,
        ``offer`` and the ``by`` column), as for :meth:`crmkit.idic.ContactPolicy.apply`.
    customers : DataFrame
        One row per customer with its consent, opt-out and preferred channel and hour.
    policy : ContactPolicy, optional
        The starting policy (its fields are the explorer's first values); default
        ``ContactPolicy()``.
    by : str or None, default "sender"
        Column of ``proposed`` that stacks the bars of the figure; None for one bar per
        reason.
    history : DataFrame, optional
        Contacts already sent, counted by the policy (see
        :meth:`crmkit.idic.ContactPolicy.apply`).

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
    >>> controls = contact_policy_explorer(proposed, customers)
    >>> controls["max_contacts"].value = 1  # applies the stricter policy and redraws
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
        return _base.figure(draw, (10, 5)), table

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
    _base.live(list(controls.values()), render, lambda: tuple(c.value for c in controls.values()))
    return controls
