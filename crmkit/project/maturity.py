"""Why CRM projects fail: the success factors scored into a maturity profile.

Course chapter 7, "Why CRM projects fail, and the success factors". A team scores the 15
success factors; the profile shows the weakest factors, the maturity of each dimension of
change and the causes of failure those factors leave open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit import schema
from crmkit.project.plan import project_table

__all__ = ["MaturityProfile", "maturity_profile"]


@dataclass(frozen=True)
class MaturityProfile:
    """Result of :func:`maturity_profile`.

    Attributes
    ----------
    factors : DataFrame
        One row per success factor: ``id``, ``name``, ``dimension``, ``score`` (1-5),
        ``weakest`` (flagged among the lowest).
    dimensions : DataFrame
        One row per change dimension: ``dimension``, ``factors``, ``mean_score``,
        ``maturity`` (mean score rescaled to [0, 1]).
    failure_risks : DataFrame
        One row per cause of failure: ``id``, ``name``, ``guarded_by``, ``mean_score`` of
        its guarding factors and ``exposed`` (their mean is below 3).
    """

    factors: pd.DataFrame
    dimensions: pd.DataFrame
    failure_risks: pd.DataFrame

    @property
    def overall(self) -> float:
        """Mean score of the factors rescaled to [0, 1] (1 = every factor fully in place)."""
        return float((self.factors["score"].mean() - 1) / 4)


def maturity_profile(
    answers,
    *,
    n_weakest: int = 3,
    lang: str | None = None,
    path: str | Path | None = None,
) -> MaturityProfile:
    """Score the 15 success factors into a maturity profile.

    Parameters
    ----------
    answers : mapping or DataFrame
        The team's score of each factor's statement, 1 (not at all) to 5 (fully): a
        mapping ``{factor id: score}`` or a frame with ``id`` and ``score``. Every factor
        must be scored.
    n_weakest : int
        How many of the lowest-scored factors to flag (ties included); a factor scored 4
        or 5 is never flagged.
    lang : {"en", "fr"}, optional
        Language of the names; default the kit's current language
        (:func:`crmkit.labels.get_language`, which ``CRMKIT_LANG`` sets).
    path : path, optional
        Another project data file.

    Returns
    -------
    MaturityProfile

    Examples
    --------
    >>> answers = {f"SF{i:02d}": 4 for i in range(1, 16)} | {"SF11": 1, "SF08": 2}
    >>> p = maturity_profile(answers)
    >>> p.factors.loc[p.factors["weakest"], "id"].tolist()
    ['SF08', 'SF11']
    >>> p.dimensions.set_index("dimension")["mean_score"].round(2).to_dict()
    {'collective': 4.0, 'individual': 2.75, 'organisational': 4.0}
    >>> p.failure_risks.set_index("id")["exposed"].to_dict()
    {'it_only': False, 'lack_of_resources': False, 'unrealistic_expectations': False, 'insufficient_training': True}
    >>> round(p.overall, 3)
    0.667
    """
    if not (isinstance(n_weakest, int | np.integer) and n_weakest >= 0):
        raise ValueError(f"n_weakest must be a non-negative integer, got {n_weakest!r}")
    factors = project_table("success_factors", lang, path)
    if isinstance(answers, pd.DataFrame):
        frame = answers
    elif isinstance(answers, Mapping):
        frame = pd.DataFrame({"id": list(answers), "score": list(answers.values())})
    else:
        raise ValueError("answers must be a mapping {factor id: score} or a DataFrame")
    schema.check_not_empty(frame, "answers")
    schema.check_columns(frame, "answers", {"id": None, "score": "number"})
    schema.check_no_missing(frame, "answers", "score")
    schema.check_unique(frame, "answers", "id")
    schema.check_allowed(frame, "answers", "id", factors["id"])
    schema.check_in_range(frame, "answers", "score", 1, 5)
    missing = sorted(set(factors["id"]) - set(frame["id"]))
    if missing:
        raise schema.SchemaError(f"answers.id: factor(s) not scored: {missing}")
    scored = factors[["id", "name", "dimension"]].merge(frame[["id", "score"]], on="id")
    scored["score"] = scored["score"].astype(float)
    rank = scored["score"].rank(method="min")
    scored["weakest"] = (rank <= n_weakest) & (scored["score"] < 4)

    dims = project_table("change_dimensions", lang, path)
    g = scored.groupby("dimension")["score"]
    dimensions = pd.DataFrame({"dimension": dims["id"]})
    dimensions["factors"] = dimensions["dimension"].map(g.size()).fillna(0).astype(np.int64)
    dimensions["mean_score"] = dimensions["dimension"].map(g.mean())
    dimensions["maturity"] = (dimensions["mean_score"] - 1) / 4

    causes = project_table("failure_causes", lang, path)
    score_of = scored.set_index("id")["score"]
    guards = causes["guarded_by"].str.split(", ")
    causes["mean_score"] = [float(score_of.loc[g].mean()) for g in guards]  # 4 causes
    causes["exposed"] = causes["mean_score"] < 3
    return MaturityProfile(scored, dimensions,
                           causes[["id", "name", "guarded_by", "mean_score", "exposed"]])
