"""Chapter 7, running a CRM project: its explorers."""

from __future__ import annotations

import ipywidgets as widgets

from crmkit import labels, plots
from crmkit.display import say
from crmkit.widgets import _base

__all__ = ["maturity_explorer"]


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

    Parameters
    ----------
    answers : dict, optional
        Starting score (1 to 5) by factor id (``"SF01"`` ... ``"SF15"``); the factors not
        given start at 3.
    n_weakest : int, default 3
        Number of weakest factors hatched in the figure.
    lang : str, optional
        Language of the statements and labels ("en" or "fr"); default the current
        language (:func:`crmkit.labels.get_language`).

    Returns
    -------
    dict of ipywidgets.IntSlider
        The sliders, by factor id.

    Examples
    --------
    >>> sliders = maturity_explorer({"SF11": 1})
    >>> len(sliders), sliders["SF11"].value, sliders["SF01"].value
    (15, 1, 3)
    >>> sliders["SF11"].value = 4  # rescores the profile and redraws
    """
    from crmkit import project

    lang = lang or labels.get_language()
    factors = project.project_table("success_factors", lang)
    start = {f: 3 for f in factors["id"]} | dict(answers or {})

    def render(values: dict):
        prof = project.maturity_profile(values, n_weakest=n_weakest, lang=lang)

        def draw(fig):
            left, right = _base.panels(fig, 2, width_ratios=[1.9, 1])
            plots.maturity_bars(prof.factors, ax=left)
            plots.measure_bars(prof.dimensions, "dimension", "maturity", kind="change_dimension",
                               title="maturity_dimensions", ax=right)
            right.set_ylim(0, 1.1)
            fig.tight_layout()

        table = prof.failure_risks.drop(columns="id").round(2)
        return _base.figure(draw, (13, 5.6)), labels.translate_frame(table)

    sliders = {
        fid: widgets.IntSlider(value=int(start[fid]), min=1, max=5, step=1, description=fid,
                               continuous_update=False, layout={"width": "260px"})
        for fid in factors["id"]
    }
    rows = [widgets.HBox([sliders[fid], widgets.Label(str(text))])
            for fid, text in zip(factors["id"], factors["statement"], strict=True)]
    # static book: the chapter's answers beside a project with every factor weak or strong
    ids = list(sliders)
    settings = [(say("The answers given above", "Les réponses données plus haut"), {}),
                (say("Every success factor at 2 (weak)", "Tous les facteurs de succès à 2 (faibles)"),
                 dict.fromkeys(range(len(ids)), 2)),
                (say("Every success factor at 4 (strong)", "Tous les facteurs de succès à 4 (forts)"),
                 dict.fromkeys(range(len(ids)), 4))]
    _base.live(list(sliders.values()), render, lambda: ({k: s.value for k, s in sliders.items()},),
               box=widgets.VBox(rows), settings=settings)
    return sliders
