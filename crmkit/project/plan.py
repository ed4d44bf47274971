"""The project's content as data, and the plan template a consultant fills in.

Course chapter 7, "The eleven-step approach", "Change management", "Why CRM projects fail,
and the success factors" and "CRM applications". The content lives in
``crmkit/data/project.yaml`` (English and French): the 11-step approach, the 9
project-management steps, the three dimensions and three stages of change, the four causes
of failure, the 15 success factors with their self-assessment statements, the CRM
applications and the KPI targets. This module reads and checks it once for the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from crmkit import labels, schema

__all__ = ["PROJECT_PATH", "PARTS", "project_table", "load_project_plan"]


PROJECT_PATH = Path(str(resources.files("crmkit") / "data" / "project.yaml"))
PARTS = ("eleven_steps", "project_steps", "change_dimensions", "change_stages",
         "failure_causes", "success_factors", "applications", "kpis")
_LANGS = ("en", "fr")


def _read(path: Path | None) -> dict:
    path = PROJECT_PATH if path is None else Path(path)
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    where = f"project data {path.name}"
    if not isinstance(raw, dict):
        raise schema.SchemaError(f"{where}: expected a mapping of parts")
    for part in PARTS:
        items = raw.get(part)
        if not isinstance(items, list) or not items:
            raise schema.SchemaError(f"{where}: part {part!r} must be a non-empty list")
        ids = [item.get("id") for item in items]
        if len(set(ids)) != len(ids) or None in ids:
            raise schema.SchemaError(f"{where}: {part} ids must be present and unique: {ids}")
        for item in items:
            if set(_LANGS) - set(item):
                raise schema.SchemaError(f"{where}: {part} item {item['id']} needs en and fr")
    factors = {f["id"] for f in raw["success_factors"]}
    dims = {d["id"] for d in raw["change_dimensions"]}
    for f in raw["success_factors"]:
        if f.get("dimension") not in dims:
            raise schema.SchemaError(f"{where}: success factor {f['id']} has unknown "
                                     f"dimension {f.get('dimension')!r}")
    for c in raw["failure_causes"]:
        unknown = set(c.get("guarded_by") or []) - factors
        if unknown or not c.get("guarded_by"):
            raise schema.SchemaError(f"{where}: failure cause {c['id']} is guarded by unknown "
                                     f"or no factors {sorted(unknown)}")
    return raw


def _text(value, lang: str) -> str:
    return value[lang] if isinstance(value, Mapping) else ("" if value is None else str(value))


def project_table(part: str, lang: str | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """One part of the project data as a tidy table, one row per item, in order.

    Parameters
    ----------
    part : str
        One of :data:`PARTS`: ``eleven_steps``, ``project_steps``, ``change_dimensions``,
        ``change_stages``, ``failure_causes``, ``success_factors``, ``applications``,
        ``kpis``.
    lang : {"en", "fr"}, optional
        Language of the texts; default the kit's current language
        (:func:`crmkit.labels.get_language`, which ``CRMKIT_LANG`` sets).
    path : path, optional
        Another file with the same layout (a client's own grid).

    Returns
    -------
    DataFrame
        ``id``, ``order`` (1, 2...), ``name`` (the text in ``lang``) and the part's other
        fields: texts in ``lang``, lists joined by ", " (``crmkit``, ``guarded_by``),
        numbers as they are.

    Examples
    --------
    >>> steps = project_table("eleven_steps")
    >>> len(steps), steps.loc[2, "name"]
    (11, 'Segment the customers to find the crown jewels')
    >>> project_table("success_factors", lang="fr").loc[0, "name"]
    'Des objectifs précis exprimés en ratios ou en pourcentages'
    >>> project_table("kpis").set_index("id").loc["retention_rate", "direction"]
    'higher'
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {list(PARTS)}, got {part!r}")
    lang = labels.get_language() if lang is None else lang
    if lang not in _LANGS:
        raise ValueError(f"lang must be 'en' or 'fr', got {lang!r}")
    rows = []
    for i, item in enumerate(_read(path)[part], start=1):
        row = {"id": item["id"], "order": i, "name": item[lang]}
        for key, value in item.items():
            if key in ("id", *_LANGS):
                continue
            if isinstance(value, list):
                row[key] = ", ".join(map(str, value))
            elif isinstance(value, Mapping):
                row[key] = _text(value, lang)
            else:
                row[key] = value
        rows.append(row)
    return pd.DataFrame(rows)


def load_project_plan(lang: str | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """The CRM project plan template: the 11-step approach and the 9 project steps.

    A consultant exports it (``to_csv``, ``to_excel``) and fills ``owner``, ``start``,
    ``end`` and ``status`` with the client.

    Parameters
    ----------
    lang : {"en", "fr"}, optional
        Language of the texts; default the kit's current language
        (:func:`crmkit.labels.get_language`, which ``CRMKIT_LANG`` sets).
    path : path, optional
        Another project data file with the same layout.

    Returns
    -------
    DataFrame
        ``track`` (``approach`` or ``project_management``), ``id``, ``order``, ``step``,
        ``deliverable``, ``change_stage`` (unfreeze, move, refreeze), ``crmkit`` (kit
        functions giving the step's evidence), and the empty ``owner``, ``start``, ``end``,
        ``status`` columns.

    Examples
    --------
    >>> plan = load_project_plan()
    >>> plan["track"].value_counts().to_dict()
    {'approach': 11, 'project_management': 9}
    >>> plan.loc[plan["id"] == "P5", "step"].item()
    'Write the specifications'
    """
    parts = []
    for track, part in (("approach", "eleven_steps"),
                        ("project_management", "project_steps")):
        t = project_table(part, lang, path).rename(columns={"name": "step",
                                                             "phase": "change_stage"})
        parts.append(t.assign(track=track))
    plan = pd.concat(parts, ignore_index=True)
    plan = plan[["track", "id", "order", "step", "deliverable", "change_stage", "crmkit"]]
    return plan.assign(owner="", start=pd.NaT, end=pd.NaT, status="to do")
