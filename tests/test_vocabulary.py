"""One vocabulary: every label and every palette comes from crmkit/data/labels.yaml (issue 15).

The French labels and the category colours used to be scattered: per-module ``*_LABELS_FR``
dicts that disagreed with the label file, palettes added with ``setdefault`` at import time
(so a colour depended on which module was imported first), labels registered at run time by
the workshop. These tests read the package's source so that none of it comes back.
"""

from __future__ import annotations

import ast
import functools
import importlib
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import crmkit
from crmkit import labels
from tests._public_api import public_exports

PACKAGE = Path(crmkit.__file__).parent
# the one module that reads the label file, and the one that keeps the old names a release
ALLOWED = {PACKAGE / "labels.py", PACKAGE / "_deprecation.py"}
FRENCH = set("àâçéèêëîïôûùüÿœÀÂÇÉÈÊÎÔÛ")


@functools.cache
def _modules() -> tuple:
    # parsed once for the tests that walk every module
    return tuple((path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
                 for path in sorted(PACKAGE.rglob("*.py")) if path not in ALLOWED)


def _strings(node) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_module_outside_labels_defines_a_french_label_dict():
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name) and t.id.endswith("_FR"):
                        found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {t.id}")
            if isinstance(node, ast.Dict):
                values = [v for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
                if len(values) >= 2 and any(FRENCH & set(v.value) for v in values):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} dict of French strings")
    assert found == [], "French labels belong in crmkit/data/labels.yaml:\n" + "\n".join(found)


def test_no_module_registers_labels_or_edits_a_palette_at_run_time():
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (name, node.func.attr) == ("labels", "register") or (
                name == "PALETTES" and node.func.attr in {"setdefault", "update", "__setitem__"}
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}.{node.func.attr}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Subscript) and getattr(t.value, "id", "") == "PALETTES":
                        found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} PALETTES[...] =")
    assert found == []


def test_every_palette_colours_keys_of_its_label_kind():
    named, pal = labels.read_palettes()
    entries, _ = labels.read_label_file()
    assert pal, "the label file has no palettes"
    for kind, colours in pal.items():
        assert kind in entries, kind
        unknown = [k for k in colours if k not in entries[kind]]
        assert unknown == [], f"_palettes.{kind} colours keys the kind does not label: {unknown}"
        assert all(c.startswith("#") and len(c) == 7 for c in colours.values())
    # the four corners of the two course matrices share their colours (seed 000/001 logic)
    assert pal["value_quadrant"]["desirable"] == pal["strategy"]["loyalty"] == named["green"]
    assert pal["loyalty_type"]["no_loyalty"] == pal["value_quadrant"]["undesirable"] == named["vermilion"]


def test_bad_palettes_are_refused(tmp_path):
    base = labels.DATA_PATH.read_text(encoding="utf-8")
    for bad, match in [
        ("_palettes:\n  no_such_kind:\n    a: blue\n", "no label kind"),
        ("_palettes:\n  group:\n    test: ultraviolet\n", "unknown colour"),
        ("_colors:\n  blue: '#12345'\n", "not a #rrggbb"),
    ]:
        path = tmp_path / "labels.yaml"
        path.write_text(base.replace("_palettes:\n", "_old_palettes:\n").replace("_colors:\n", "_old_colors:\n")
                        + "\n" + bad, encoding="utf-8")
        with pytest.raises(ValueError, match=match):
            labels.read_palettes(path)


def test_colours_do_not_depend_on_import_order():
    # here: every plots module imported, in package order; there: style alone, then the
    # plot modules that used to add palettes, in reverse order
    from crmkit import plots  # noqa: F401
    from crmkit.plots import style

    code = ("import importlib, json, sys\n"
            "from crmkit.plots import style\n"
            "before = json.dumps(style.PALETTES, sort_keys=True)\n"
            "for m in sys.argv[1:]: importlib.import_module(m)\n"
            "print(before == json.dumps(style.PALETTES, sort_keys=True))\n"
            "print(json.dumps(style.PALETTES, sort_keys=True))\n")
    mods = ["crmkit.plots.project", "crmkit.plots.value", "crmkit.plots.loyalty",
            "crmkit.plots.idic", "crmkit.plots.campaigns"]
    same, there = subprocess.run([sys.executable, "-c", code, *mods], capture_output=True,
                                 text=True, check=True).stdout.splitlines()
    assert same == "True"
    assert json.loads(there) == style.PALETTES == labels.palettes()
    assert "trigger_family" in style.PALETTES  # once added only when plots.campaigns loaded


@pytest.mark.parametrize("module, name, kind", [
    ("crmkit.value", "STRATEGY_LABELS_FR", "strategy"),
    ("crmkit.value", "COST_POOLS_FR", "value_column"),
    ("crmkit.loyalty", "LOYALTY_LABELS_FR", "loyalty_type"),
    ("crmkit.segmentation", "MATRIX_LABELS_FR", "value_quadrant"),
    ("crmkit.segmentation", "CHECK_LABELS_FR", "matrix_check"),
    ("crmkit.segmentation", "PACE_LABELS_FR", "lifecycle_pace"),
    ("crmkit.segmentation", "RFM_SEGMENT_LABELS_FR", "rfm_segment"),
])
def test_old_french_dicts_warn_and_read_the_label_file(module, name, kind):
    mod = importlib.import_module(module)
    with pytest.warns(FutureWarning, match=name):
        old = getattr(mod, name)
    assert old and old == {k: labels.label(k, kind, lang="fr") for k in old}
    with pytest.raises(AttributeError):
        mod.NO_SUCH_LABELS_FR  # noqa: B018


def test_typology_columns_are_named_after_their_label_kind():
    from crmkit import loyalty

    df = pd.DataFrame({"relative_attitude": [6.0, 2.0], "repeat_rate": [0.9, 0.1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = loyalty.dick_basu(df, patronage_threshold=0.5)
    assert "loyalty" not in out.columns
    assert labels.kind_of("loyalty_type") == "loyalty_type"
    assert labels.missing(out["loyalty_type"].astype(str), "loyalty_type") == []


def test_workshop_headers_are_labels():
    from crmkit.workshop import report

    assert report.text("headers.status", lang="fr") == labels.entry("workshop_header", "status")[1]
    assert labels.label("recommended_action", "workshop_header", lang="fr") == "Action recommandée"


# --- names: one keyword for the customer key, one for the snapshot date -----------------
OLD_KEYWORDS = {"id_col": "customer_col", "customer": "customer_col", "on": "as_of",
                "day": "as_of", "id_column": "customer_col"}


def _public_callables():
    import inspect

    found = {}
    for obj in public_exports():
        if inspect.isfunction(obj):
            found[f"{obj.__module__}.{obj.__qualname__}"] = obj
        elif inspect.isclass(obj) and obj.__module__.startswith("crmkit"):
            for name, fn in vars(obj).items():
                if inspect.isfunction(fn) and (not name.startswith("_") or name == "__init__"):
                    found[f"{obj.__module__}.{obj.__qualname__}.{name}"] = fn
    return found


def test_no_public_function_takes_an_old_keyword_name():
    import inspect

    public = _public_callables()
    assert len(public) > 200  # the walk found the package
    bad = sorted(f"{name}({p})" for name, fn in public.items()
                 for p in inspect.signature(fn).parameters if p in OLD_KEYWORDS)
    assert bad == [], f"use customer_col= / as_of= (old names only through renamed_keywords): {bad}"
    # a date column is date_col; a snapshot date is as_of
    dated = sorted(name for name, fn in public.items()
                   if "date" in inspect.signature(fn).parameters)
    assert dated == [], dated


def test_old_keywords_still_work_one_release_with_a_future_warning():
    from crmkit import clv, segmentation
    from crmkit.market import active_on

    df = pd.DataFrame({"customer_id": [1, 2, 3], "margin": [50.0, 30.0, 20.0]})
    new = segmentation.abc_analysis(df, "margin")
    with pytest.warns(FutureWarning, match=r"abc_analysis\(id_col=\.\.\.\) is deprecated.*customer_col="):
        old = segmentation.abc_analysis(df, "margin", id_col="customer_id")
    pd.testing.assert_frame_equal(old.customers, new.customers)
    with pytest.raises(TypeError, match="both id_col= .* and customer_col="):
        segmentation.abc_analysis(df, "margin", id_col="customer_id", customer_col="customer_id")

    tx = pd.DataFrame({"client": [1, 1, 2], "when": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15"])})
    with pytest.warns(FutureWarning, match="customer_col="):
        old = clv.clv_summary(tx, customer="client", date="when", observation_end="2024-03-01")
    pd.testing.assert_frame_equal(
        old, clv.clv_summary(tx, customer_col="client", date_col="when", observation_end="2024-03-01"))

    cu = pd.DataFrame({"acquisition_date": pd.to_datetime(["2020-01-01"]), "churn_date": pd.NaT})
    with pytest.warns(FutureWarning, match="as_of="):
        assert active_on(cu, day="2021-01-01").tolist() == [True]
    # the shim keeps the new signature visible (the twins test compares signatures)
    import inspect

    assert "customer_col" in inspect.signature(segmentation.abc_analysis).parameters
    assert segmentation.abc_analysis.__renamed_keywords__ == {"id_col": "customer_col"}
