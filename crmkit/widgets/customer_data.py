"""Chapter 1, customer data and identity resolution: its explorers."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

from crmkit import labels, plots
from crmkit.widgets import _base

__all__ = ["identity_threshold_explorer"]


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

    Parameters
    ----------
    resolution : IdentityResolution
        The result of :func:`crmkit.idic.resolve_identities` on ``source_records``.
    source_records : DataFrame
        The records resolved, with the ground truth ``true_customer_id``.
    thresholds : sequence of float, default 0, 1, ..., 26
        The match thresholds the slider offers (the sweep is computed for all of them).
    threshold : float, optional
        The threshold shown first; it must be among ``thresholds``. Default the
        resolution's own (``resolution.rules.threshold``).

    Returns
    -------
    ipywidgets.SelectionSlider
        The threshold slider (its ``value`` is the threshold shown; default the
        resolution's own).

    Examples
    --------
    Marie Martin's two records (a typo in one first name) and her husband's:

    >>> import pandas as pd
    >>> from crmkit.idic import resolve_identities
    >>> recs = pd.DataFrame({
    ...     "record_id": ["r1", "r2", "r3"], "system": ["bank_core", "insurance_auto", "bank_core"],
    ...     "account_number": ["B-001", "A-77", "B-002"],
    ...     "first_name": ["Marie", "Marei", "Paul"], "last_name": ["Martin"] * 3,
    ...     "birth_date": pd.to_datetime(["1970-03-01", "1970-03-01", "1968-11-20"]),
    ...     "email": [None] * 3, "phone": [None] * 3, "address": [None] * 3,
    ...     "postcode": [None] * 3, "city": [None] * 3, "true_customer_id": [7, 7, 8]})
    >>> slider = identity_threshold_explorer(resolve_identities(recs), recs)
    >>> slider.value = 16.0  # re-clusters the scored pairs at 16 and redraws
    >>> slider.value
    16.0
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
            left, right = _base.panels(fig, 2)
            plots.match_weights(pairs, threshold=t, ax=left)
            plots.threshold_curve(sweep, threshold=t, ax=right)
            fig.tight_layout()

        row = sweep.loc[sweep["threshold"] == t].set_index("threshold")
        return _base.figure(draw, (13, 4.8)), labels.translate_frame(row.round(4))

    slider = widgets.SelectionSlider(options=grid, value=start,
                                     description=str(labels.header("threshold")),
                                     style={"description_width": "initial"},
                                     layout={"width": "520px"}, continuous_update=False)
    _base.live([slider], render, lambda: (slider.value,))
    return slider
