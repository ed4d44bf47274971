"""Registry of exercises, answer comparison and the Feedback a student sees.

An exercise is registered under an id (``"ch3.abc_top_share"``) with a *solution function*
that computes the expected answer at check time, from the course data or from the inputs
the student passes to :func:`check` (so the expected value is never written in a notebook
or a message), or, for textual answers, with the digest of the normalised answer
(:func:`register_answer`).

Feedback says whether the answer is right and, if not, what kind of mistake it is (wrong
type, too high, wrong scale, missing items, which column differs) and the exercise's hint:
it never shows the expected value.
"""

from __future__ import annotations

import hashlib
import html
import inspect
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit import labels

__all__ = [
    "Feedback",
    "Exercise",
    "register",
    "register_answer",
    "answer_digest",
    "check",
    "exercises",
]

_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_REGISTRY: dict[str, Exercise] = {}
_OWNERS: dict[str, str] = {}  # exercise id -> where it was registered


# ---------------------------------------------------------------------------------------
# feedback
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct``, a ``message`` and, when wrong, a ``hint``.

    Renders as a coloured box in Jupyter; ``bool(feedback)`` is ``feedback.correct`` so a
    closing cell can ``assert check(...)``.

    Examples
    --------
    >>> fb = Feedback("example.total_margin", False, "Your value is too high.", "Sum the margins.")
    >>> print(fb)
    ✗ example.total_margin: Your value is too high. Hint: Sum the margins.
    >>> bool(fb)
    False
    """

    exercise: str
    correct: bool
    message: str
    hint: str | None = None

    def __bool__(self) -> bool:
        return self.correct

    def _parts(self) -> tuple[str, str, str]:
        mark = "✓" if self.correct else "✗"
        hint = "" if self.correct or not self.hint else self.hint
        return mark, self.message, hint

    def _words(self) -> tuple[str, str]:
        """The verdict and "Hint:" in the kit's language (crmkit.labels)."""
        verdict = labels.label("correct" if self.correct else "not_yet", "feedback")
        return verdict, labels.label("hint", "feedback")

    def __str__(self) -> str:
        mark, message, hint = self._parts()
        text = f"{mark} {self.exercise}: {message}"
        return f"{text} {self._words()[1]} {hint}" if hint else text

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        mark, message, hint = self._parts()
        verdict, hint_word = self._words()
        text = f"**{mark} {verdict}** — `{self.exercise}`: {message}"
        return f"{text}\n\n*{hint_word}* {hint}" if hint else text

    def _repr_html_(self) -> str:
        mark, message, hint = self._parts()
        colour, background = ("#029e73", "#e8f6f1") if self.correct else ("#d55e00", "#fcefe6")
        verdict, hint_word = self._words()
        body = (
            f"<strong>{mark} {verdict}</strong> — <code>{html.escape(self.exercise)}</code>: "
            f"{html.escape(message)}"
        )
        if hint:
            body += f"<br><em>{html.escape(hint_word)}</em> {html.escape(hint)}"
        return (
            f'<div class="crmkit-feedback" style="border-left: 4px solid {colour}; '
            f'background: {background}; padding: 0.4em 0.8em; margin: 0.3em 0;">{body}</div>'
        )


# ---------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Exercise:
    """A registered exercise: how to get the expected answer and how to compare."""

    id: str
    solution: Callable | None = None
    digests: tuple[str, ...] = ()
    hint: str | None = None
    tolerance: float | None = None
    rtol: float = 1e-6
    ignore_index: bool = False
    ignore_order: bool = False
    explanation: str | None = None

    def expected(self, **inputs):
        """The expected answer (calls the solution function with the student's inputs).

        Used by :func:`check` to compare; a notebook never shows it (the feedback never
        contains the expected value).

        Parameters
        ----------
        **inputs
            Keyword inputs of the solution function (the data the student worked on).

        Returns
        -------
        object
            What the solution function returns for ``inputs``.

        Raises
        ------
        ValueError
            When the exercise is checked against a digest (it has no solution function),
            or the solution function does not take one of ``inputs``.

        Examples
        --------
        A hand-made exercise, not a registered one:

        >>> ex = Exercise("demo.triple", solution=lambda x=1: 3 * x)
        >>> ex.expected(x=2) == 6
        True
        >>> ex.expected(y=2)
        Traceback (most recent call last):
        ...
        ValueError: exercise 'demo.triple' does not take input(s) ['y']; it takes ['x']
        """
        if self.solution is None:
            raise ValueError(f"exercise {self.id!r} is checked against a digest; it has no solution function")
        params = inspect.signature(self.solution).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        unknown = [k for k in inputs if k not in params and not takes_any]
        if unknown:
            raise ValueError(
                f"exercise {self.id!r} does not take input(s) {unknown}; it takes {list(params) or 'none'}"
            )
        return self.solution(**inputs)


def _add(ex: Exercise, owner: str) -> None:
    if not isinstance(ex.id, str) or not _ID.match(ex.id):
        raise ValueError(f"exercise id {ex.id!r} must look like 'ch3.abc_top_share' (lowercase, dotted)")
    # re-running the same module (importlib.reload in a notebook) replaces; a clash raises
    if _OWNERS.get(ex.id, owner) != owner:
        raise ValueError(f"exercise id {ex.id!r} is already registered by {_OWNERS[ex.id]}")
    _OWNERS[ex.id] = owner
    _REGISTRY[ex.id] = ex


def _check_tolerance(tolerance, rtol) -> None:
    if tolerance is not None and not (isinstance(tolerance, numbers.Real) and tolerance >= 0):
        raise ValueError(f"tolerance must be a non-negative number, got {tolerance!r}")
    if not (isinstance(rtol, numbers.Real) and rtol >= 0):
        raise ValueError(f"rtol must be a non-negative number, got {rtol!r}")


def register(
    exercise_id: str,
    *,
    hint: str | None = None,
    tolerance: float | None = None,
    rtol: float = 1e-6,
    ignore_index: bool = False,
    ignore_order: bool = False,
    explanation: str | None = None,
):
    """Decorator: register the function that computes the expected answer of an exercise.

    The function may take keyword inputs (the data the student worked on), which
    :func:`check` passes through; it returns a number, a string, a bool, a set, a list, a
    numpy array, a Series or a DataFrame.

    Parameters
    ----------
    exercise_id : str
        ``"<chapter>.<name>"``, lowercase, e.g. ``"ch3.abc_top_share"``.
    hint : str, optional
        Shown when the answer is wrong. Must not contain the answer.
    tolerance : float, optional
        Absolute tolerance for numbers (also inside lists, Series, DataFrames).
    rtol : float
        Relative tolerance (default 1e-6: float noise only).
    ignore_index : bool
        Series/DataFrames: compare values by position, not by index label.
    ignore_order : bool
        Lists (and Series/DataFrames with ``ignore_index``): order does not matter.
    explanation : str, optional
        Shown when the answer is right (what the result teaches).

    Returns
    -------
    callable
        The decorator; it registers the function and returns it unchanged.

    Examples
    --------
    >>> @register("demo.double", hint="Multiply by two.")
    ... def _double(x=21):
    ...     return 2 * x
    >>> check("demo.double", 42).correct
    True
    >>> check("demo.double", 10, x=5).correct
    True
    """
    _check_tolerance(tolerance, rtol)

    def decorate(fn: Callable) -> Callable:
        owner = f"{fn.__module__}.{fn.__qualname__}"
        _add(
            Exercise(exercise_id, solution=fn, hint=hint, tolerance=tolerance, rtol=rtol,
                     ignore_index=ignore_index, ignore_order=ignore_order, explanation=explanation),
            owner,
        )
        return fn

    return decorate


def register_answer(
    exercise_id: str,
    digest: str | Sequence[str],
    *,
    hint: str | None = None,
    explanation: str | None = None,
) -> None:
    """Register a textual exercise by the digest(s) of its accepted answer(s).

    The answer is not stored in clear: compute the digest once with :func:`answer_digest`
    (outside the notebook) and paste the hex string. Several digests accept several answers
    (an English and a French term, say). Case, accents, spaces and surrounding punctuation
    do not matter.

    Parameters
    ----------
    exercise_id : str
        ``"<chapter>.<name>"``, lowercase, e.g. ``"example.loyalty_type"``.
    digest : str or sequence of str
        The sha256 hex digest(s) of the accepted answer(s), from :func:`answer_digest`.
    hint : str, optional
        Shown when the answer is wrong. Must not contain the answer.
    explanation : str, optional
        Shown when the answer is right.

    Raises
    ------
    ValueError
        When a digest is not a sha256 hex string, or the id is malformed or already
        registered by another module.

    Examples
    --------
    >>> register_answer("demo.capital", answer_digest("Paris"), hint="A city on the Seine.")
    >>> check("demo.capital", "  paris ").correct
    True
    """
    digests = (digest,) if isinstance(digest, str) else tuple(digest)
    if not digests or not all(isinstance(d, str) and re.fullmatch(r"[0-9a-f]{64}", d) for d in digests):
        raise ValueError(f"{exercise_id}: digests must be sha256 hex strings from answer_digest()")
    caller = inspect.currentframe().f_back
    module = caller.f_globals.get("__name__", "?") if caller is not None else "?"
    _add(Exercise(exercise_id, digests=digests, hint=hint, explanation=explanation), f"{module}:{exercise_id}")


def exercises(prefix: str = "") -> list[str]:
    """Ids of the registered exercises starting with ``prefix``, sorted.

    Parameters
    ----------
    prefix : str, default ""
        Start of the ids kept (e.g. ``"ch3."``); the empty string keeps them all.

    Returns
    -------
    list of str
        The exercise ids.

    Examples
    --------
    >>> "example.total_margin" in exercises("example.")
    True
    """
    return sorted(k for k in _REGISTRY if k.startswith(prefix))


# ---------------------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------------------
def _norm_text(text: str) -> str:
    """Case-, accent-, space- and outer-punctuation-insensitive form of a text answer."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = " ".join(text.casefold().split())
    return text.strip(" .;:!?\"'`")


def _scalar(v):
    """numpy scalars to Python ones; strings normalised (for set membership)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, str):
        return _norm_text(v)
    return v


def answer_digest(answer: str | Iterable[str]) -> str:
    """sha256 of a normalised text answer (or of a set of texts, order-free).

    Case, accents, repeated spaces and surrounding punctuation are removed first, so
    variants of one answer share a digest.

    Parameters
    ----------
    answer : str or iterable of str
        A text answer, or several (a set: the order and repeats do not matter).

    Returns
    -------
    str
        The 64-character hex digest, to pass to :func:`register_answer`.

    Examples
    --------
    >>> answer_digest("Fidélité  Latente") == answer_digest("fidelite latente")
    True
    >>> answer_digest(["b", "a"]) == answer_digest({"A", "B"})
    True
    """
    if isinstance(answer, str):
        text = _norm_text(answer)
    elif isinstance(answer, Iterable):
        text = "\x1f".join(sorted({_norm_text(str(a)) for a in answer}))
    else:
        text = _norm_text(str(answer))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------
# comparison: each returns (ok, message); messages never show the expected value
# ---------------------------------------------------------------------------------------
def _is_number(v) -> bool:
    return isinstance(v, (numbers.Real, np.number)) and not isinstance(v, (bool, np.bool_))


def _close(a: float, e: float, ex: Exercise) -> bool:
    if math.isnan(e):
        return math.isnan(a)
    atol = ex.tolerance if ex.tolerance is not None else 1e-9
    return abs(a - e) <= max(atol, ex.rtol * abs(e))


def _describe(v) -> str:
    if isinstance(v, str):
        return "text"
    if isinstance(v, (bool, np.bool_)):
        return "True/False"
    if _is_number(v):
        return "a number"
    return type(v).__name__


def _unwrap_single(v):
    """A one-element Series/array/list given where a number or text is expected."""
    if isinstance(v, (pd.Series, pd.Index, np.ndarray, list, tuple)) and np.size(v) == 1:
        return np.asarray(v).reshape(-1)[0]
    if isinstance(v, pd.DataFrame) and v.size == 1:
        return v.to_numpy().reshape(-1)[0]
    return v


def _compare_number(a, e, ex: Exercise):
    a = _unwrap_single(a)
    if isinstance(a, str):
        try:
            a = float(a.replace(",", ".").strip().rstrip("%"))
        except ValueError:
            return False, "Expected a number, got text."
    if not _is_number(a):
        return False, f"Expected a number, got {_describe(a)}."
    a, e = float(a), float(e)
    if _close(a, e, ex):
        return True, "Correct."
    if math.isnan(a):
        return False, "Your value is NaN (missing): check for empty groups or missing data."
    if e != 0 and _close(a / 100, e, ex):
        return False, "Check the scale: give a share as a fraction between 0 and 1, not a percentage."
    if e != 0 and _close(a * 100, e, ex):
        return False, "Check the scale: this answer is expected as a percentage."
    if e != 0 and _close(-a, e, ex):
        return False, "Check the sign of your value."
    return False, f"Your value is too {'high' if a > e else 'low'}."


def _compare_text(a, e, ex: Exercise):
    a = _unwrap_single(a)
    if not isinstance(a, str):
        return False, f"Expected text, got {_describe(a)}."
    if _norm_text(a) == _norm_text(e):
        return True, "Correct."
    return False, "That is not the expected answer."


def _compare_bool(a, e, ex: Exercise):
    a = _unwrap_single(a)
    if not isinstance(a, (bool, np.bool_)):
        return False, f"Expected True or False, got {_describe(a)}."
    return (True, "Correct.") if bool(a) == bool(e) else (False, "That is not the expected answer.")


def _as_items(a) -> list | None:
    if isinstance(a, (str, bytes, dict)) or not isinstance(a, Iterable):
        return None
    if isinstance(a, pd.DataFrame):
        return None
    return list(a)


def _compare_set(a, e, ex: Exercise):
    items = _as_items(a)
    if items is None:
        return False, f"Expected a collection of items (a set or a list), got {_describe(a)}."
    got, want = {_scalar(v) for v in items}, {_scalar(v) for v in e}
    if got == want:
        return True, "Correct."
    missing, extra = len(want - got), len(got - want)
    parts = []
    if missing:
        parts.append(f"{missing} expected item(s) are missing")
    if extra:
        parts.append(f"{extra} item(s) should not be there")
    return False, " and ".join(parts).capitalize() + "."


def _equal_item(a, e, ex: Exercise) -> bool:
    if _is_number(e):
        return _is_number(a) and _close(float(a), float(e), ex)
    if isinstance(e, str):
        return isinstance(a, str) and _norm_text(a) == _norm_text(e)
    try:
        return bool(a == e)
    except (TypeError, ValueError):
        return False


def _sort_key(v):
    return (0, float(v), "") if _is_number(v) else (1, 0.0, str(_scalar(v)))


def _compare_list(a, e, ex: Exercise):
    items = _as_items(a)
    if items is None:
        return False, f"Expected a list of items, got {_describe(a)}."
    want = list(np.asarray(e).reshape(-1)) if isinstance(e, np.ndarray) else list(e)
    items = list(np.asarray(items).reshape(-1)) if isinstance(a, np.ndarray) else items
    if len(items) != len(want):
        return False, f"Expected {len(want)} item(s), got {len(items)}."
    if ex.ignore_order:
        items, want = sorted(items, key=_sort_key), sorted(want, key=_sort_key)
    wrong = [i for i, (x, y) in enumerate(zip(items, want, strict=True)) if not _equal_item(x, y, ex)]
    if not wrong:
        return True, "Correct."
    where = "" if ex.ignore_order else f" (first at position {wrong[0]}, counting from 0)"
    return False, f"{len(wrong)} of {len(want)} item(s) are not right{where}."


def _values_differ(a: pd.Series, e: pd.Series, ex: Exercise) -> np.ndarray:
    """Boolean mask of positions where two aligned series differ."""
    if pd.api.types.is_numeric_dtype(e.dtype) and not pd.api.types.is_bool_dtype(e.dtype):
        av = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float)
        ev = e.to_numpy(dtype=float)
        atol = ex.tolerance if ex.tolerance is not None else 1e-9
        close = np.abs(av - ev) <= np.maximum(atol, ex.rtol * np.abs(ev))
        return ~(close | (np.isnan(av) & np.isnan(ev)))
    av = a.astype(object).map(_scalar).to_numpy()
    ev = e.astype(object).map(_scalar).to_numpy()
    both_na = pd.isna(av) & pd.isna(ev)
    return ~(both_na | (av == ev))


def _positional(s, ex: Exercise, by=None):
    s = s.reset_index(drop=True)
    if ex.ignore_order:
        s = s.sort_values(by=by, kind="stable") if by is not None else s.sort_values(kind="stable")
        s = s.reset_index(drop=True)
    return s


def _align(a, e, ex: Exercise, what: str, by=None):
    """Align the answer on the expected index (or by position); returns (a, e, message)."""
    if len(a) != len(e):
        return None, None, f"Expected {len(e)} {what}, got {len(a)}."
    if ex.ignore_index:
        return _positional(a, ex, by), _positional(e, ex, by), None
    missing = e.index.difference(a.index)
    extra = a.index.difference(e.index)
    if len(missing) or len(extra) or not a.index.is_unique:
        return None, None, (
            f"The index labels differ from the expected ones ({len(missing)} missing, "
            f"{len(extra)} unexpected): check what you grouped by or set as index."
        )
    return a.loc[e.index], e, None


def _compare_series(a, e, ex: Exercise):
    if isinstance(a, dict):
        a = pd.Series(a)
    if isinstance(a, pd.DataFrame) and a.shape[1] == 1:
        a = a.iloc[:, 0]
    if not isinstance(a, pd.Series):
        return False, f"Expected a pandas Series, got {_describe(a)}."
    a_, e_, message = _align(a, e, ex, "rows")
    if message:
        return False, message
    bad = _values_differ(a_, e_, ex)
    if not bad.any():
        return True, "Correct."
    where = "" if ex.ignore_index else f" (first at index label {e_.index[np.argmax(bad)]!r})"
    return False, f"{int(bad.sum())} of {len(e_)} value(s) are not right{where}."


def _compare_frame(a, e, ex: Exercise):
    if not isinstance(a, pd.DataFrame):
        return False, f"Expected a pandas DataFrame, got {_describe(a)}."
    missing = [c for c in e.columns if c not in a.columns]
    extra = [c for c in a.columns if c not in e.columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {missing}")
        if extra:
            parts.append(f"unexpected column(s) {extra}")
        return False, "Your table has " + " and ".join(parts) + "."
    cols = list(e.columns)
    a_, e_, message = _align(a[cols], e, ex, "rows", by=cols)
    if message:
        return False, message
    wrong = {c: int(_values_differ(a_[c], e_[c], ex).sum()) for c in cols}
    wrong = {c: n for c, n in wrong.items() if n}
    if not wrong:
        return True, "Correct."
    detail = ", ".join(f"{c!r} ({n} of {len(e_)} rows)" for c, n in wrong.items())
    return False, f"Some values are not right in column(s) {detail}."


def _compare(answer, expected, ex: Exercise):
    if isinstance(expected, pd.DataFrame):
        return _compare_frame(answer, expected, ex)
    if isinstance(expected, pd.Series):
        return _compare_series(answer, expected, ex)
    if isinstance(expected, (bool, np.bool_)):
        return _compare_bool(answer, expected, ex)
    if _is_number(expected):
        return _compare_number(answer, expected, ex)
    if isinstance(expected, str):
        return _compare_text(answer, expected, ex)
    if isinstance(expected, (set, frozenset)):
        return _compare_set(answer, expected, ex)
    if isinstance(expected, (list, tuple, np.ndarray)):
        return _compare_list(answer, expected, ex)
    raise TypeError(f"exercise {ex.id!r}: cannot compare answers of type {type(expected).__name__}")


# ---------------------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------------------
def check(exercise_id: str, answer, **inputs) -> Feedback:
    """Check a student's ``answer`` to exercise ``exercise_id``; returns :class:`Feedback`.

    ``inputs`` are passed to the exercise's solution function (the data the student worked
    on), so the expected answer is computed from the same data. Raises ``ValueError`` for an
    unknown exercise id or unexpected inputs (errors of the notebook, not of the student).

    Parameters
    ----------
    exercise_id : str
        The registered exercise, e.g. ``"example.total_margin"``.
    answer : object
        The student's answer: a number, text, bool, set, list, array, Series or
        DataFrame, as the exercise expects.
    **inputs
        Keyword inputs of the exercise's solution function (not for exercises
        registered by digest).

    Returns
    -------
    Feedback
        Whether the answer is correct, a message (never the expected value) and, when
        wrong, the hint.

    Raises
    ------
    ValueError
        For an unknown exercise id or inputs the exercise does not take.

    Examples
    --------
    >>> from crmkit.exercises import check
    >>> check("example.total_margin", 0.0).correct
    False
    >>> check("example.loyalty_type", "Spurious loyalty")
    ✓ example.loyalty_type: Correct. Inertia without preference: repeat buying with a low relative attitude.
    """
    ex = _REGISTRY.get(exercise_id)
    if ex is None:
        near = [k for k in _REGISTRY if k.split(".")[0] == str(exercise_id).split(".")[0]]
        raise ValueError(f"unknown exercise {exercise_id!r}; known in that chapter: {sorted(near)}")
    if ex.digests:
        if inputs:
            raise ValueError(f"exercise {exercise_id!r} takes no inputs")
        ok = answer_digest(answer) in ex.digests
        message = "Correct." if ok else "That is not the expected answer."
    else:
        ok, message = _compare(answer, ex.expected(**inputs), ex)
    if ok and ex.explanation:
        message = f"{message} {ex.explanation}"
    return Feedback(exercise_id, bool(ok), message, None if ok else ex.hint)
