"""Chapter 3, segmentation: its explorers."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

from crmkit import labels, plots
from crmkit._deprecation import renamed_keywords
from crmkit.segmentation import (
    StatisticalSegmentation,
    choose_k,
    cluster_profile,
    profitability_matrix,
)
from crmkit.widgets import _base

__all__ = ["cluster_explorer", "matrix_explorer"]


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

    Parameters
    ----------
    features : DataFrame
        One row per customer with the clustering and profile columns.
    columns : sequence of str
        The columns the clusters are fitted on.
    profile_columns : sequence of str, optional
        The columns the clusters are described on; default ``columns``.
    ks : sequence of int, default range(2, 9)
        The numbers of clusters compared (elbow, silhouette) and offered by the slider.
    k : int, default 4
        The number of clusters shown first.
    selection : DataFrame, optional
        A :func:`crmkit.segmentation.choose_k` result for ``ks``, if already computed.
    n_components : int, float or None, default 0.9
        Principal components kept before clustering (a share of variance if a float;
        None: no reduction), as in :class:`crmkit.segmentation.StatisticalSegmentation`.
    random_state : int, default 0
        Seed of the k-means initialisation.

    Returns
    -------
    ipywidgets.IntSlider
        The control (its ``value`` is the k shown).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [20, 22, 21, 60, 64, 62, 40, 41],
    ...                    "products": [1, 1, 2, 4, 6, 5, 3, 3]})
    >>> slider = cluster_explorer(df, ["age", "products"], ks=[2, 3], k=2)
    >>> slider.value = 3  # refits with three clusters and redraws
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
            left, right = _base.panels(fig, 2, width_ratios=[1, 2.2])
            plots.k_selection(selection, k=n, ax=left)
            plots.cluster_profile_heatmap(profile, profile_columns, ax=right)
            fig.tight_layout()

        return _base.figure(draw, (13, 4.6)), _base.styled(profile, ["share"]).hide(axis="index")

    slider = widgets.IntSlider(value=k, min=min(ks), max=max(ks), step=1,
                               description=str(labels.label("k", "segmentation_measure")),
                               style={"description_width": "initial"},
                               continuous_update=False)
    _base.live([slider], render, lambda: (int(slider.value),))
    return slider


@renamed_keywords(id_col="customer_col")
def matrix_explorer(
    df: pd.DataFrame,
    *,
    current_col: str = "direct_profit",
    potential_col: str = "potential",
    customer_col: str = "customer_id",
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
    :func:`crmkit.segmentation.profitability_matrix` calls non-priority after the
    lecture slides' three checks (pass their columns as in that function). ``xlim`` crops the
    horizontal axis (margins have long tails).

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    current_col, potential_col : str
        Current profitability (e.g. direct profit) and potential (future profit).
    customer_col : str, default "customer_id"
        Customer key.
    current_quantile, potential_quantile : float, default 0.5
        Starting cut-offs, as quantiles of ``current_col`` and ``potential_col``.
    reference_col : str, optional
        Boolean column: a reference customer to keep whatever they spend.
    growth_col, growth_threshold : str and float, optional
        Growth measure and the level at or above which a customer counts as
        fast-growing. Both or neither.
    other_division_col : str, optional
        Boolean column: also a customer of another division.
    xlim : tuple of float, optional
        Limits of the horizontal axis; default matplotlib's automatic limits.

    Returns
    -------
    tuple of ipywidgets.FloatSlider
        The current and potential sliders.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3, 4], "direct_profit": [500.0, -20, 400, 10],
    ...                    "potential": [900.0, 800, 50, 0]})
    >>> cur, pot = matrix_explorer(df)
    >>> pot.value = 0.75  # moves the potential cut and redraws
    """
    checks = dict(reference_col=reference_col, growth_col=growth_col,
                  growth_threshold=growth_threshold, other_division_col=other_division_col)

    def render(qc: float, qp: float):
        cut_c = float(df[current_col].quantile(qc))
        cut_p = float(df[potential_col].quantile(qp))
        mat = profitability_matrix(df, current_col=current_col, potential_col=potential_col,
                                   customer_col=customer_col, current_threshold=cut_c,
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

        table = _base.styled(counts, ["share"], decimals=0)
        return _base.figure(draw, (8, 5)), table

    style = {"description_width": "initial"}
    cur = widgets.FloatSlider(value=current_quantile, min=0.1, max=0.9, step=0.05,
                              description=str(labels.header(current_col)), style=style,
                              continuous_update=False, readout_format=".2f")
    pot = widgets.FloatSlider(value=potential_quantile, min=0.1, max=0.9, step=0.05,
                              description=str(labels.header(potential_col)), style=style,
                              continuous_update=False, readout_format=".2f")
    _base.live([cur, pot], render, lambda: (cur.value, pot.value))
    return cur, pot
