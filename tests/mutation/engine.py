"""Run one registry entry on a mutated input and classify the outcome.

Outcomes:

- ``"error"``: a clear crmkit error: a ``ValueError`` (``crmkit.schema.SchemaError`` is
  one) raised by crmkit's own code whose message names the mutated column (or, for a
  whole-table mutation, the table);
- ``"correct"``: a result, checked by the oracle: equal to the result on the valid input
  (the mutation did not matter, or was handled), or, for an empty input, a result with
  no non-finite number in it;
- ``"crash"``: any other exception (a ``KeyError`` from pandas, a ``TypeError`` from
  NumPy, a ``ValueError`` raised inside a library, or one that names neither...);
- ``"silent"``: a result that differs from the valid input's, or that holds NaN/inf the
  valid result did not: a silent wrong answer.
"""

from __future__ import annotations

import dataclasses
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from tests.mutation.mutations import MUTATIONS

OUTCOMES = ("error", "correct", "crash", "silent")
_CRMKIT = str(Path(__file__).resolve().parents[2] / "crmkit")


# ---------------------------------------------------------------------------------------
# results as comparable values
# ---------------------------------------------------------------------------------------
def _axes_fingerprint(fig) -> list:
    out = []
    for ax in fig.axes:
        for line in ax.get_lines():
            out.append(np.asarray(line.get_xydata(), dtype=float).round(9).tolist())
        for patch in ax.patches:
            bb = patch.get_bbox() if hasattr(patch, "get_bbox") else None
            if bb is not None:
                out.append([round(float(v), 9) for v in (bb.x0, bb.y0, bb.x1, bb.y1)])
        for coll in ax.collections:
            off = np.asarray(coll.get_offsets(), dtype=float)
            out.append(off.round(9).tolist())
            if type(coll).__name__ in ("PolyCollection", "FillBetweenPolyCollection"):
                # areas (stackplot, fill_between) carry their data in their outlines
                out.append([np.asarray(p.vertices, dtype=float).round(9).tolist()
                            for p in coll.get_paths()])
            arr = coll.get_array()
            if arr is not None:
                out.append(np.asarray(arr, dtype=float).round(9).tolist())
        for img in ax.images:
            out.append(np.asarray(img.get_array(), dtype=float).round(9).tolist())
        out.append(sorted(t.get_text() for t in ax.texts))
        out.append(_tick_labels(ax.xaxis))
        out.append(_tick_labels(ax.yaxis))
    return out


def _tick_labels(axis) -> list[str]:
    """The major tick labels of an axis: its formatter on its locator's ticks, which is the
    text ``get_ticklabels()`` returns, without building the tick artists (that took most
    of a figure's fingerprint)."""
    from matplotlib.ticker import NullLocator

    if isinstance(axis.get_major_locator(), NullLocator):
        return []
    return [str(t) for t in axis.major.formatter.format_ticks(axis.get_majorticklocs())]


def normalise(value):
    """A plain structure of the result: frames stay frames, the rest becomes builtins."""
    import matplotlib.axes
    import matplotlib.figure

    if isinstance(value, matplotlib.axes.Axes):
        return ("figure", _axes_fingerprint(value.figure))
    if isinstance(value, matplotlib.figure.Figure):
        return ("figure", _axes_fingerprint(value))
    if isinstance(value, pd.DataFrame | pd.Series | pd.Index):
        return value
    if isinstance(value, np.ndarray):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: normalise(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if hasattr(value, "execute") and hasattr(value, "schema"):  # an Ibis table
        return value.to_pandas()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _numbers(value) -> list[np.ndarray]:
    """Every numeric array in a normalised result."""
    if isinstance(value, pd.DataFrame):
        return [value[c].to_numpy(dtype=float, na_value=np.nan) for c in value.columns
                if _numeric(value[c])]
    if isinstance(value, pd.Series | pd.Index):
        return [value.to_numpy(dtype=float, na_value=np.nan)] if _numeric(value) else []
    if isinstance(value, np.ndarray):
        return [value.astype(float)] if value.dtype.kind in "iuf" else []
    if isinstance(value, dict):
        return [a for v in value.values() for a in _numbers(v)]
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], str) and value[0] == "figure":
            return []
        return [a for v in value for a in _numbers(v)]
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [np.array([value], dtype=float)]
    return []


def _numeric(s) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def non_finite(value) -> int:
    """How many NaN/inf numbers a normalised result holds."""
    return int(sum((~np.isfinite(a)).sum() for a in _numbers(value)))


def same(a, b) -> bool:
    """Equal results (floats to 1e-9 relative), whatever the integer/float dtypes."""
    try:
        if isinstance(a, pd.DataFrame) or isinstance(b, pd.DataFrame):
            if not (isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame)):
                return False
            pd.testing.assert_frame_equal(a, b, check_dtype=False, check_index_type=False,
                                          check_column_type=False, check_categorical=False,
                                          check_freq=False, rtol=1e-9, atol=1e-12)
            return True
        if isinstance(a, pd.Series) or isinstance(b, pd.Series):
            if not (isinstance(a, pd.Series) and isinstance(b, pd.Series)):
                return False
            pd.testing.assert_series_equal(a, b, check_dtype=False, check_index_type=False,
                                           check_categorical=False, check_freq=False,
                                           rtol=1e-9, atol=1e-12)
            return True
        if isinstance(a, pd.Index):
            return isinstance(b, pd.Index) and a.equals(b)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            a, b = np.asarray(a), np.asarray(b)
            if a.shape != b.shape:
                return False
            if a.dtype.kind in "iuf" and b.dtype.kind in "iuf":
                return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
            return bool((a == b).all())
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        # tuples too: a figure is ("figure", [...]), and `==` on it holds NaN != NaN
        if isinstance(a, list | tuple):
            return isinstance(b, list | tuple) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(a, float) and isinstance(b, float | int):
            return bool(np.isclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
        return bool(a == b)
    except (AssertionError, TypeError, ValueError):
        return False


def without(value, column):
    """The result without ``column`` where it is a column of a frame (passed through)."""
    if column is None:
        return value
    if isinstance(value, pd.DataFrame) and column in value.columns:
        return value.drop(columns=[column])
    if isinstance(value, dict):
        return {k: without(v, column) for k, v in value.items()}
    if isinstance(value, list):
        return [without(v, column) for v in value]
    return value


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------
def raised_by_crmkit(exc: BaseException) -> bool:
    """The innermost frame of the traceback is crmkit code (not pandas, NumPy, Ibis)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(_CRMKIT)


def is_clear(exc: BaseException, column: str | None) -> bool:
    """A ValueError raised by crmkit's code that names ``column`` (any, for a whole-table
    mutation: an empty table, a duplicated key)."""
    if not isinstance(exc, ValueError) or not raised_by_crmkit(exc):
        return False
    return column is None or str(column) in str(exc)


# ---------------------------------------------------------------------------------------
# one case
# ---------------------------------------------------------------------------------------
class NotApplicable(Exception):  # noqa: N818 - a marker, not an error
    """The harness cannot even build the input (e.g. Arrow refuses a column mixing ints
    and strings before an Ibis table exists): the case does not reach crmkit."""


@dataclasses.dataclass
class Case:
    entry: str
    arg: str
    column: str | None
    mutation: str
    outcome: str = ""
    detail: str = ""


def call(entry, frames: dict):
    import random

    import matplotlib.pyplot as plt

    np.random.seed(0)  # noqa: NPY002 - seaborn's jitter draws from the global generator
    random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return normalise(entry.call(**frames))
        finally:
            plt.close("all")


def baseline(entry):
    """The valid input frames and the normalised result on them."""
    frames = entry.frames()
    return frames, call(entry, {k: v.copy() for k, v in frames.items()})


def used_columns(entry, frames, base) -> dict[str, list[str]]:
    """Per table argument, the columns whose removal changes the outcome."""
    used = {}
    for arg, df in frames.items():
        cols = []
        for col in df.columns:
            trial = dict(frames)
            trial[arg] = df.drop(columns=[col])
            try:
                res = call(entry, trial)
            except Exception:  # noqa: BLE001 - any failure means the column is used
                cols.append(col)
                continue
            if not same(without(base, col), without(res, col)):
                cols.append(col)
        used[arg] = cols
    return used


def cases(entry, frames, used) -> list[Case]:
    """Every (argument, column, mutation) that applies to this entry."""
    from tests.mutation.mutations import applies

    out = []
    for arg, df in frames.items():
        spec = entry.args[arg]
        # what the registry says of the frame, read once (not once per column and mutation)
        nonneg, ids = set(spec.nonneg_columns(df)), set(spec.id_columns(df))
        nullable = spec.nullable_columns()
        for name, (_, scope, _) in MUTATIONS.items():
            if scope == "table":
                out.append(Case(entry.name, arg, None, name))
                continue
            if scope == "key":  # a duplicated row double counts whatever columns are used
                if spec.unique:
                    out.append(Case(entry.name, arg, None, name))
                continue
            for col in used[arg]:
                if scope == "nonneg" and col not in nonneg:
                    continue
                if scope == "id" and col not in ids:
                    continue
                if name == "text_numbers" and col in ids:
                    continue
                if name == "drop_column" and (col in spec.optional or spec.wide):
                    continue
                if col in spec.labels and name != "missing":
                    continue
                if scope == "column" and name == "missing" and col in nullable:
                    continue
                if not applies(name, df[col]):
                    continue
                out.append(Case(entry.name, arg, col, name))
    return out


def run_case(entry, frames, base, case: Case, row: int | None = None) -> Case:
    """Run one case; ``row`` picks the row a value mutation alters (default: the middle)."""
    fn, _, expect = MUTATIONS[case.mutation]
    trial = {k: v.copy() for k, v in frames.items()}
    mutated = fn(frames[case.arg], case.column, row)
    trial[case.arg] = mutated
    try:
        res = call(entry, trial)
    except NotApplicable as exc:
        case.outcome, case.detail = "n/a", str(exc)
        return case
    except Exception as exc:  # noqa: BLE001 - classifying every exception is the point
        case.outcome = "error" if is_clear(exc, case.column) else "crash"
        case.detail = f"{type(exc).__name__}: {str(exc)[:160]}"
        return case
    if expect == "empty":
        ok = non_finite(res) == 0
    else:
        ok = same(without(base, case.column), without(res, case.column))
    case.outcome = "correct" if ok else "silent"
    if not ok:
        case.detail = f"non-finite values: {non_finite(res)} (valid input: {non_finite(base)})"
    return case


def run_typo(name: str, load, tables: list[str]) -> Case:
    """A loader given a misspelt table name: a clear error names the misspelt name."""
    case = Case(name, "tables", None, "unknown_table")
    bad = [t for t in tables if t not in ("customers",)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load(tables)
    except Exception as exc:  # noqa: BLE001
        clear = (isinstance(exc, ValueError) and raised_by_crmkit(exc)
                 and all(b in str(exc) for b in bad))
        case.outcome = "error" if clear else "crash"
        case.detail = f"{type(exc).__name__}: {str(exc)[:160]}"
        return case
    case.outcome = "silent"
    case.detail = "returned without naming the unknown table"
    return case
