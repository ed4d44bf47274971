"""The IDIC worksheet: the questions of each step, as data a chapter or a workshop renders.

The questions live in ``crmkit/data/idic_worksheet.yaml`` (English and French), each with
the market tables that inform it and the crmkit operations that compute an answer.
:func:`load_worksheet` reads them into a tidy table; :func:`render_worksheet` turns them
into Markdown, with the answers a workshop collected.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from crmkit import labels, schema

__all__ = ["WORKSHEET_PATH", "STEPS", "load_worksheet", "render_worksheet", "resolve_operation"]

WORKSHEET_PATH = Path(str(resources.files("crmkit") / "data" / "idic_worksheet.yaml"))
STEPS = ("identify", "differentiate", "interact", "customize")
_LANGS = ("en", "fr")


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    where = f"worksheet {path.name}"
    if not isinstance(raw, dict) or not isinstance(raw.get("steps"), list):
        raise schema.SchemaError(f"{where}: expected a mapping with a 'steps' list")
    keys = [s.get("key") for s in raw["steps"]]
    if tuple(keys) != STEPS:
        raise schema.SchemaError(f"{where}: steps must be {list(STEPS)} in order, got {keys}")
    seen = set()
    for step in raw["steps"]:
        for field in ("name", "aim"):
            if set(_LANGS) - set(step.get(field) or {}):
                raise schema.SchemaError(f"{where}: step {step['key']}.{field} needs {_LANGS}")
        for q in step.get("questions") or []:
            missing = {"id", "en", "fr", "data", "operations", "evidence"} - set(q)
            if missing:
                raise schema.SchemaError(
                    f"{where}: question {q.get('id')} of {step['key']} lacks {sorted(missing)}")
            if q["id"] in seen:
                raise schema.SchemaError(f"{where}: question id {q['id']} is duplicated")
            seen.add(q["id"])
            unknown = [t for t in q["data"] if t not in schema.TABLES]
            if unknown:
                raise schema.SchemaError(
                    f"{where}: question {q['id']} names unknown table(s) {unknown}")
    return raw


def load_worksheet(lang: str | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """The IDIC questions as a table, one row per question.

    Parameters
    ----------
    lang : {"en", "fr"}, optional
        Language of the texts; default the current one (:func:`crmkit.labels.get_language`,
        so the French edition of the book, run with ``CRMKIT_LANG=fr``, gets French).
    path : path, optional
        Another worksheet file with the same layout (default: the kit's).

    Returns
    -------
    DataFrame
        ``step`` (key), ``step_order`` (1-4), ``step_name``, ``aim``, ``question_id``,
        ``question``, ``data`` and ``operations`` (comma-separated), ``evidence``.

    Examples
    --------
    >>> ws = load_worksheet("en")
    >>> ws.groupby("step", sort=False).size().to_dict()
    {'identify': 4, 'differentiate': 3, 'interact': 4, 'customize': 3}
    >>> load_worksheet("fr").loc[0, "step_name"]
    'Identifier'
    >>> with labels.language("fr"):
    ...     load_worksheet().loc[0, "step_name"]
    'Identifier'
    """
    lang = labels.get_language() if lang is None else lang
    if lang not in _LANGS:
        raise ValueError(f"lang must be one of {_LANGS}, got {lang!r}")
    raw = _read(Path(path) if path is not None else WORKSHEET_PATH)
    rows = []
    for order, step in enumerate(raw["steps"], start=1):
        for q in step["questions"]:
            rows.append({
                "step": step["key"], "step_order": order, "step_name": step["name"][lang],
                "aim": step["aim"][lang], "question_id": q["id"], "question": q[lang],
                "data": ", ".join(q["data"]), "operations": ", ".join(q["operations"]),
                "evidence": q["evidence"][lang],
            })
    return pd.DataFrame(rows)


def resolve_operation(name: str):
    """The crmkit object a worksheet operation names (``"crmkit.idic.ContactPolicy"``).

    Parameters
    ----------
    name : str
        Dotted name: the module, then the attribute.

    Returns
    -------
    object
        The function, class or other object named.

    Raises
    ------
    ValueError
        When the module or the attribute does not exist.

    Examples
    --------
    >>> resolve_operation("crmkit.campaigns.uplift").__name__
    'uplift'
    """
    module, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"worksheet operation {name!r} does not exist in crmkit") from exc


def render_worksheet(
    lang: str | None = None,
    answers: Mapping[str, str] | None = None,
    steps: tuple[str, ...] | list[str] | None = None,
) -> str:
    """The worksheet as Markdown: one section per step, one table of questions each.

    Parameters
    ----------
    lang : {"en", "fr"}, optional
        Language; default the current one (:func:`crmkit.labels.get_language`).
    answers : mapping question id -> text, optional
        Answers collected in a workshop; questions without one get an empty cell.
    steps : list of step keys, optional
        Only these steps (default: all four).

    Returns
    -------
    str
        Markdown (headings and pipe tables), ready for ``IPython.display.Markdown`` or an
        HTML report.

    Examples
    --------
    >>> md = render_worksheet("en", answers={"I3": "Resolve the 8 systems' records nightly"},
    ...                       steps=["identify"])
    >>> print(md.splitlines()[0])
    ## 1. Identify (Identifier)
    >>> "| I3 |" in md and "nightly" in md
    True
    """
    lang = labels.get_language() if lang is None else lang
    ws = load_worksheet(lang)
    answers = dict(answers or {})
    unknown = sorted(set(answers) - set(ws["question_id"]))
    if unknown:
        raise ValueError(f"answers for unknown question id(s) {unknown}; "
                         f"known: {ws['question_id'].tolist()}")
    chosen = list(STEPS) if steps is None else list(steps)
    bad = [s for s in chosen if s not in STEPS]
    if bad:
        raise ValueError(f"unknown step(s) {bad}; use {list(STEPS)}")
    other = "fr" if lang == "en" else "en"
    names_other = load_worksheet(other).drop_duplicates("step").set_index("step")["step_name"]
    h = labels.labels_of("worksheet_header", lang=lang)  # column heads: crmkit/data/labels.yaml

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    out = []
    for step, part in ws[ws["step"].isin(chosen)].groupby("step_order"):
        key = part["step"].iloc[0]
        out.append(f"## {step}. {part['step_name'].iloc[0]} ({names_other[key]})")
        out.append("")
        out.append(f"**{h['aim']}** {part['aim'].iloc[0]}")
        out.append("")
        out.append(f"| | {h['question']} | {h['data']} | {h['operations']} | "
                   f"{h['evidence']} | {h['answer']} |")
        out.append("|---|---|---|---|---|---|")
        for r in part.itertuples():
            ops = ", ".join(f"`{o}`" for o in r.operations.split(", "))
            out.append(f"| {r.question_id} | {cell(r.question)} | {cell(r.data)} | {ops} | "
                       f"{cell(r.evidence)} | {cell(answers.get(r.question_id, ''))} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
