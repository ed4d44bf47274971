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

from crmkit import labels, schema
from crmkit._i18n import mark, tr

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
def _table(df, name: str, columns: dict) -> pd.DataFrame:
    """The chapter's table ``name`` a solution function reads, checked: given (the student
    passes it to :func:`check` as ``name=``), not empty, with ``columns`` (see
    :func:`crmkit.schema.check_columns`)."""
    if df is None:
        raise ValueError(f"pass the chapter's table: check(..., {name}=<the {name} table>)")
    schema.check_not_empty(df, name)
    schema.check_columns(df, name, columns)
    return df


def _colon() -> str:
    """The colon between an exercise's id and its message (French puts a space before it)."""
    return tr(": ")


# the message of a right answer: none, the verdict ("Correct") says it; an exercise's
# explanation, when it has one, takes its place
RIGHT = ""


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct``, a ``message`` and, when wrong, a ``hint``.

    Renders as a coloured box in Jupyter; ``bool(feedback)`` is ``feedback.correct`` so a
    closing cell can ``assert check(...)``.

    Examples
    --------
    >>> fb = Feedback("example.total_margin", False, "Your value is too high.", "Sum the margins.")
    >>> print(fb)
    ✗ Not yet — example.total_margin: Your value is too high. Hint: Sum the margins.
    >>> bool(fb)
    False
    >>> print(Feedback("example.total_margin", True, ""))
    ✓ Correct — example.total_margin
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

    def _after_id(self, message: str) -> str:
        """The colon and the message after the exercise's id (nothing without a message)."""
        return f"{_colon()}{message}" if message else ""

    def __str__(self) -> str:
        mark, message, hint = self._parts()
        verdict, hint_word = self._words()
        text = f"{mark} {verdict} — {self.exercise}{self._after_id(message)}"
        return f"{text} {hint_word} {hint}" if hint else text

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        mark, message, hint = self._parts()
        verdict, hint_word = self._words()
        text = f"**{mark} {verdict}** — `{self.exercise}`{self._after_id(message)}"
        return f"{text}\n\n*{hint_word}* {hint}" if hint else text

    def _repr_html_(self) -> str:
        mark, message, hint = self._parts()
        colour, background = ("#029e73", "#e8f6f1") if self.correct else ("#d55e00", "#fcefe6")
        verdict, hint_word = self._words()
        body = (
            f"<strong>{mark} {verdict}</strong> — <code>{html.escape(self.exercise)}</code>"
            f"{html.escape(self._after_id(message))}"
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

    def _expected(self, **inputs):
        """The expected answer (calls the solution function with the student's inputs).

        Used by :func:`check` to compare; private, like every solution function, so that
        no public function hands out an expected answer (the feedback never contains it).

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
        >>> ex._expected(x=2) == 6
        True
        >>> ex._expected(y=2)
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
# A percentage rounded for display (74 for 0.7433) still reads as the share it shows.
_PERCENT_RTOL = 0.02
_POWERS = [mark("one"), mark("ten"), mark("a hundred"), mark("a thousand"),
           mark("ten thousand"), mark("a hundred thousand"), mark("a million")]


def _times(k: int) -> str:
    """10 ** k in words: a message written in digits could show a number equal to the
    expected one by chance."""
    return tr(_POWERS[k]) if k < len(_POWERS) else tr("millions of")


def _is_number(v) -> bool:
    return isinstance(v, (numbers.Real, np.number)) and not isinstance(v, (bool, np.bool_))


def _is_integer(v) -> bool:
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def _close(a: float, e: float, ex: Exercise) -> bool:
    if math.isnan(e):
        return math.isnan(a)
    atol = ex.tolerance if ex.tolerance is not None else 1e-9
    return abs(a - e) <= max(atol, ex.rtol * abs(e))


def _describe(v) -> str:
    if isinstance(v, str):
        return tr("text")
    if isinstance(v, (bool, np.bool_)):
        return "True/False"
    if _is_number(v):
        return tr("a number")
    if isinstance(v, (pd.Series, pd.DataFrame, pd.Index, np.ndarray, list, tuple, set, dict)):
        kind = {pd.Series: mark("a Series of {size} values"),
                pd.DataFrame: mark("a DataFrame of {size} values"),
                pd.Index: mark("an Index of {size} values"),
                np.ndarray: mark("an array of {size} values"),
                list: mark("a list of {size} values"), tuple: mark("a tuple of {size} values"),
                set: mark("a set of {size} values"), dict: mark("a dict of {size} values")}
        name = next(text for cls, text in kind.items() if isinstance(v, cls))
        size = len(v) if isinstance(v, (set, dict)) else np.size(v)
        return tr(name, size=size)
    return type(v).__name__


def _unwrap_single(v):
    """A one-element Series/array/list given where a number or text is expected."""
    if isinstance(v, (pd.Series, pd.Index, np.ndarray, list, tuple)) and np.size(v) == 1:
        return np.asarray(v).reshape(-1)[0]
    if isinstance(v, pd.DataFrame) and v.size == 1:
        return v.to_numpy().reshape(-1)[0]
    return v


def _one_value_expected(a, what: str) -> str | None:
    """The message for several values (a Series, a table, a list) given where one is expected."""
    if isinstance(a, (pd.Series, pd.DataFrame, pd.Index, np.ndarray, list, tuple, set, dict)):
        return tr("Expected {what}, got {got}: reduce it to the one value asked for (a sum, a "
                  "mean, a ratio, or the one row or label the question names).",
                  what=tr(what), got=_describe(a))
    return None


# --- format diagnoses: the answer would be right in another format ---------------------
def _label_keys() -> dict[str, set[str]]:
    """Normalised display label (English or French) -> the normalised keys it labels.

    Read from :mod:`crmkit.labels` at each call (labels may be registered at run time); it
    is only called to explain a wrong answer.
    """
    table: dict[str, set[str]] = {}
    for kind in labels.kinds():
        for lang in labels.LANGUAGES:
            for key, text in labels.labels_of(kind, lang=lang).items():
                if isinstance(text, str) and _norm_text(text) != _norm_text(key):
                    table.setdefault(_norm_text(text), set()).add(_norm_text(key))
    return table


def _labels_of_keys(answer_items, expected_items) -> int:
    """How many answer items are display labels of expected keys (and not keys themselves)."""
    want = {_norm_text(v) for v in expected_items if isinstance(v, str)}
    given = [_norm_text(v) for v in answer_items if isinstance(v, str)]
    if not want or not given:
        return 0
    table = _label_keys()
    return sum(1 for v in given if v not in want and table.get(v, set()) & want)


_LABEL_ADVICE = mark("write each value as the data has it (its key, e.g. 'true_loyalty'), not "
                     "the label shown in tables and charts; crmkit.labels.label(key) shows a "
                     "key's label.")


def _ids_as_text(answer_items, expected_items) -> str | None:
    """What is wrong when text is given where integer ids are expected, or None."""
    want = list(expected_items)
    given = [v for v in answer_items if not (isinstance(v, float) and math.isnan(v))]
    if not want or not given or not all(_is_integer(v) for v in want):
        return None
    if not all(isinstance(v, str) for v in given):
        return None
    if all(re.fullmatch(r"\s*-?\d+\s*", v) for v in given):
        return tr("ids written as text where integers are expected: convert them (astype(int))")
    return tr("text (names?) where integer ids are expected: take the id column (customer_id, "
              "product_id...), not a name")


_SCALE_FRACTION = mark("Check the scale: give a share as a fraction between zero and one, not a "
                       "percentage.")
_SCALE_PERCENT = mark("Check the scale: this answer is expected as a percentage, not a fraction.")


def _is_scale_check(note: str | None) -> bool:
    """Whether ``note`` is a percentage-for-fraction diagnosis (said alone, in any language)."""
    return note is not None and note in (tr(_SCALE_FRACTION), tr(_SCALE_PERCENT))


def _scale_note(a: np.ndarray, e: np.ndarray) -> str | None:
    """How two sets of numbers differ when it is a matter of scale, or None.

    A percentage where a fraction is expected (answer = 100 x expected) and the reverse, or
    one power of ten between every answer and its expected value; said without the value.
    """
    a, e = np.asarray(a, dtype=float), np.asarray(e, dtype=float)
    ok = np.isfinite(a) & np.isfinite(e) & (e != 0) & (a != 0)
    if not ok.any():
        return None
    a, e = a[ok], e[ok]
    ratio = a / e
    if (np.abs(e) <= 1).all() and np.allclose(ratio, 100, rtol=_PERCENT_RTOL, atol=0):
        return tr(_SCALE_FRACTION)
    if (np.abs(a) <= 1).all() and np.allclose(ratio, 0.01, rtol=_PERCENT_RTOL, atol=0):
        return tr(_SCALE_PERCENT)
    if (ratio > 0).all():
        logs = np.log10(ratio)
        powers = np.rint(logs)
        # one power of ten, nearly exact (within a factor 1.6): a unit or a missing factor
        if (powers == powers[0]).all() and powers[0] != 0 and (np.abs(logs - powers) <= 0.2).all():
            k = int(powers[0])
            unit = tr(" (check the unit: euros or thousands of euros?)") if abs(k) == 3 else ""
            text = (tr("about {times} times too large", times=_times(abs(k))) if k > 0
                    else tr("about {times} times too small", times=_times(abs(k))))
            return text + unit
        if len(logs) == 1 and abs(logs[0]) >= 0.5:  # one number: its order of magnitude
            large = logs[0] > 0
            m = int(np.floor(abs(logs[0])))
            if m == 0:
                return (tr("more than three times too large") if large
                        else tr("more than three times too small"))
            low, high = _times(m), _times(m + 1)
            return (tr("between {low} and {high} times too large", low=low, high=high) if large
                    else tr("between {low} and {high} times too small", low=low, high=high))
    return None


def _compare_number(a, e, ex: Exercise):
    a = _unwrap_single(a)
    several = _one_value_expected(a, mark("a number"))
    if several:
        return False, several
    if isinstance(a, str):
        try:
            a = float(a.replace(",", ".").strip().rstrip("%"))
        except ValueError:
            if _is_integer(e):
                return False, tr("Expected a number, got text: if it is a name or a label, give "
                                 "its id (the integer of the id column) instead.")
            return False, tr("Expected a number, got text.")
    if not _is_number(a):
        return False, tr("Expected a number, got {got}.", got=_describe(a))
    a, e = float(a), float(e)
    if _close(a, e, ex):
        return True, RIGHT
    if math.isnan(a):
        return False, tr("Your value is NaN (missing): check for empty groups or missing data.")
    note = _scale_note(np.array([a]), np.array([e]))
    if _is_scale_check(note):
        return False, note
    if e != 0 and _close(-a, e, ex):
        return False, tr("Check the sign of your value.")
    direction = tr("Your value is too high") if a > e else tr("Your value is too low")
    if note:
        return False, tr("{direction}: it is {note}.", direction=direction, note=note)
    if 0 <= e <= 1 and not 0 <= a <= 1:
        return False, tr("{direction}: the expected value is between zero and one.",
                         direction=direction)
    if a * e > 0:  # same sign, within a factor of three (10 ** 0.5)
        return False, tr("{direction}, though of the right order of magnitude (within a factor "
                         "of three).", direction=direction)
    return False, tr("{direction}.", direction=direction)


def _compare_text(a, e, ex: Exercise):
    a = _unwrap_single(a)
    several = _one_value_expected(a, mark("text"))
    if several:
        return False, several
    if not isinstance(a, str):
        return False, tr("Expected text, got {got}.", got=_describe(a))
    if _norm_text(a) == _norm_text(e):
        return True, RIGHT
    if _labels_of_keys([a], [e]):
        return False, tr("Right, but given as a display label: {advice}", advice=tr(_LABEL_ADVICE))
    return False, tr("That is not the expected answer.")


def _compare_bool(a, e, ex: Exercise):
    a = _unwrap_single(a)
    several = _one_value_expected(a, mark("True or False"))
    if several:
        return False, several
    if not isinstance(a, (bool, np.bool_)):
        return False, tr("Expected True or False, got {got}.", got=_describe(a))
    return ((True, RIGHT) if bool(a) == bool(e)
            else (False, tr("That is not the expected answer.")))


def _as_items(a) -> list | None:
    if isinstance(a, (str, bytes, dict)) or not isinstance(a, Iterable):
        return None
    if isinstance(a, pd.DataFrame):
        return None
    return list(a)


def _format_note(items, want, what: str) -> str | None:
    """A label-for-key or name-for-id note on a collection of items, or None."""
    ids = _ids_as_text(items, want)
    if ids:
        return tr("Your {what} are {ids}.", what=tr(what), ids=ids)
    n = _labels_of_keys(items, want)
    if n:
        return tr("{n} of your {what} are display labels, not the data's keys: {advice}",
                  n=n, what=tr(what), advice=tr(_LABEL_ADVICE))
    return None


def _missing_extra(missing, extra, both: str, only_missing: str, only_extra: str) -> str:
    """The message for what is missing and what should not be there (either may be empty),
    in the kit's language."""
    if missing and extra:
        return tr(both, missing=missing, extra=extra)
    return tr(only_missing, missing=missing) if missing else tr(only_extra, extra=extra)


def _compare_set(a, e, ex: Exercise):
    items = _as_items(a)
    if items is None:
        return False, tr("Expected a collection of items (a set or a list), got {got}.",
                         got=_describe(a))
    got, want = {_scalar(v) for v in items}, {_scalar(v) for v in e}
    if got == want:
        return True, RIGHT
    note = _format_note(list(items), list(e), mark("items"))
    missing, extra = len(want - got), len(got - want)
    message = _missing_extra(missing, extra,
                             mark("{missing} expected item(s) are missing and {extra} item(s) "
                                  "should not be there."),
                             mark("{missing} expected item(s) are missing."),
                             mark("{extra} item(s) should not be there."))
    return False, f"{note} {message}" if note else message


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


def _numbers_note(items, want) -> str | None:
    """A scale note on two equally long collections of numbers, or None."""
    if not items or not all(_is_number(v) for v in items) or not all(_is_number(v) for v in want):
        return None
    note = _scale_note(np.array(items, dtype=float), np.array(want, dtype=float))
    if note is None:
        return None
    return note if _is_scale_check(note) else tr("Your values are {note}.", note=note)


def _compare_list(a, e, ex: Exercise):
    items = _as_items(a)
    if items is None:
        return False, tr("Expected a list of items, got {got}.", got=_describe(a))
    want = list(np.asarray(e).reshape(-1)) if isinstance(e, np.ndarray) else list(e)
    items = list(np.asarray(items).reshape(-1)) if isinstance(a, np.ndarray) else items
    if len(items) != len(want):
        return False, tr("Expected {n} item(s), got {m}.", n=len(want), m=len(items))
    if ex.ignore_order:
        items, want = sorted(items, key=_sort_key), sorted(want, key=_sort_key)
    wrong = [i for i, (x, y) in enumerate(zip(items, want, strict=True)) if not _equal_item(x, y, ex)]
    if not wrong:
        return True, RIGHT
    message = (tr("{n} of {m} item(s) are not right.", n=len(wrong), m=len(want))
               if ex.ignore_order else
               tr("{n} of {m} item(s) are not right (first at position {first}, counting from 0).",
                  n=len(wrong), m=len(want), first=wrong[0]))
    note = (_format_note([items[i] for i in wrong], [want[i] for i in wrong], mark("items"))
            or _numbers_note([items[i] for i in wrong], [want[i] for i in wrong]))
    return False, f"{message} {note}" if note else message


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _values_differ(a: pd.Series, e: pd.Series, ex: Exercise) -> np.ndarray:
    """Boolean mask of positions where two aligned series differ."""
    if _numeric(e):
        av = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float)
        ev = e.to_numpy(dtype=float)
        atol = ex.tolerance if ex.tolerance is not None else 1e-9
        close = np.abs(av - ev) <= np.maximum(atol, ex.rtol * np.abs(ev))
        return ~(close | (np.isnan(av) & np.isnan(ev)))
    av = a.astype(object).map(_scalar).to_numpy()
    ev = e.astype(object).map(_scalar).to_numpy()
    both_na = pd.isna(av) & pd.isna(ev)
    return ~(both_na | (av == ev))


def _values_note(a: pd.Series, e: pd.Series, bad: np.ndarray, what: str) -> str | None:
    """Why the differing values of aligned series differ, when it is their format or scale."""
    a_bad, e_bad = a[bad], e[bad]
    if _numeric(e) and _numeric(a):
        note = _scale_note(a_bad.to_numpy(dtype=float), e_bad.to_numpy(dtype=float))
        if note:
            return (note if _is_scale_check(note)
                    else tr("The {what} are {note}.", what=tr(what), note=note))
        ev, av = e_bad.to_numpy(dtype=float), a_bad.to_numpy(dtype=float)
        if ((ev >= 0) & (ev <= 1)).all() and not ((av >= 0) & (av <= 1)).all():
            return tr("The expected {what} are between zero and one.", what=tr(what))
        return None
    return _format_note(a_bad.tolist(), e_bad.tolist(), what)


def _positional(s, ex: Exercise, by=None):
    s = s.reset_index(drop=True)
    if ex.ignore_order:
        s = s.sort_values(by=by, kind="stable") if by is not None else s.sort_values(kind="stable")
        s = s.reset_index(drop=True)
    return s


def _index_note(a, e, ex: Exercise) -> str:
    """Why the answer's index does not match the expected one (without naming its labels)."""
    a_index, e_index = a.index, e.index
    name = [n for n in e_index.names if n is not None]
    named = f" ({', '.join(map(repr, name))})" if name else ""
    if isinstance(a_index, pd.RangeIndex) and not isinstance(e_index, pd.RangeIndex):
        return tr("Your answer has the default 0, 1, 2... index where the expected one holds "
                  "labels{named}: set the index (set_index, or group by that column).", named=named)
    if not a_index.is_unique:
        return tr("Your index has duplicated labels: group by it so that each label appears once.")
    if isinstance(e, pd.DataFrame):
        by_position = ~np.array([_values_differ(a[c].reset_index(drop=True),
                                                e[c].reset_index(drop=True), ex).any()
                                 for c in e.columns]).any()
    else:
        by_position = not _values_differ(a.reset_index(drop=True), e.reset_index(drop=True),
                                         ex).any()
    format_note = _format_note(list(a_index), list(e_index), mark("index labels"))
    if format_note:
        return format_note
    missing = e_index.difference(a_index)
    extra = a_index.difference(e_index)
    text = tr("The index labels differ from the expected ones ({missing} missing, {extra} "
              "unexpected): check what you grouped by or set as index{named}.",
              missing=len(missing), extra=len(extra), named=named)
    if by_position:
        return tr("The values are right, in the right order, but not the index. {text}", text=text)
    return text


def _align(a, e, ex: Exercise, what: str, by=None):
    """Align the answer on the expected index (or by position); returns (a, e, message)."""
    if len(a) != len(e):
        return None, None, tr("Expected {n} {what}, got {m}.", n=len(e), what=tr(what), m=len(a))
    if ex.ignore_index:
        return _positional(a, ex, by), _positional(e, ex, by), None
    missing = e.index.difference(a.index)
    extra = a.index.difference(e.index)
    if len(missing) or len(extra) or not a.index.is_unique:
        return None, None, _index_note(a, e, ex)
    return a.loc[e.index], e, None


def _compare_series(a, e, ex: Exercise):
    if isinstance(a, dict):
        a = pd.Series(a)
    if isinstance(a, pd.DataFrame) and a.shape[1] == 1:
        a = a.iloc[:, 0]
    if not isinstance(a, pd.Series):
        return False, tr("Expected a pandas Series, got {got}.", got=_describe(a))
    a_, e_, message = _align(a, e, ex, mark("rows"))
    if message:
        return False, message
    bad = _values_differ(a_, e_, ex)
    if not bad.any():
        return True, RIGHT
    message = (tr("{n} of {m} value(s) are not right.", n=int(bad.sum()), m=len(e_))
               if ex.ignore_index else
               tr("{n} of {m} value(s) are not right (first at index label {first!r}).",
                  n=int(bad.sum()), m=len(e_), first=e_.index[np.argmax(bad)]))
    note = _values_note(a_, e_, bad, mark("values"))
    return False, f"{message} {note}" if note else message


def _columns_note(a: pd.DataFrame, e: pd.DataFrame, missing: list, extra: list) -> str | None:
    """Index for column (or the reverse), or translated headers, or None."""
    moved_in = [c for c in missing if c in a.index.names]
    if moved_in:
        return tr("Column(s) {cols} are your index but columns in the expected table: "
                  "reset_index().", cols=moved_in)
    moved_out = [c for c in extra if c in e.index.names and c is not None]
    if moved_out:
        return tr("Column(s) {cols} should be the index of the table: set_index({first!r}).",
                  cols=moved_out, first=moved_out[0])
    n = _labels_of_keys([str(c) for c in extra], [str(c) for c in missing])
    if n:
        return tr("{n} of your column names are display headers, not the data's column names: "
                  "build the table before translating it for display.", n=n)
    return None


def _compare_frame(a, e, ex: Exercise):
    if not isinstance(a, pd.DataFrame):
        return False, tr("Expected a pandas DataFrame, got {got}.", got=_describe(a))
    missing = [c for c in e.columns if c not in a.columns]
    extra = [c for c in a.columns if c not in e.columns]
    if missing or extra:
        message = _missing_extra(missing, extra,
                                 mark("Your table has missing column(s) {missing} and "
                                      "unexpected column(s) {extra}."),
                                 mark("Your table has missing column(s) {missing}."),
                                 mark("Your table has unexpected column(s) {extra}."))
        note = _columns_note(a, e, missing, extra)
        return False, f"{message} {note}" if note else message
    cols = list(e.columns)
    a_, e_, message = _align(a[cols], e, ex, mark("rows"), by=cols)
    if message:
        return False, message
    masks = {c: _values_differ(a_[c], e_[c], ex) for c in cols}
    wrong = {c: int(m.sum()) for c, m in masks.items() if m.any()}
    if not wrong:
        return True, RIGHT
    detail = ", ".join(tr("{col!r} ({n} of {m} rows)", col=c, n=n, m=len(e_))
                       for c, n in wrong.items())
    message = tr("Some values are not right in column(s) {detail}.", detail=detail)
    notes = [f"{c!r}: {note}" for c in wrong
             if (note := _values_note(a_[c], e_[c], masks[c], mark("values")))]
    return False, " ".join([message, *notes])


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
    ✓ Correct — example.loyalty_type: Inertia without preference: repeat buying with a low relative attitude.
    """
    ex = _REGISTRY.get(exercise_id)
    if ex is None:
        near = [k for k in _REGISTRY if k.split(".")[0] == str(exercise_id).split(".")[0]]
        raise ValueError(f"unknown exercise {exercise_id!r}; known in that chapter: {sorted(near)}")
    if ex.digests:
        if inputs:
            raise ValueError(f"exercise {exercise_id!r} takes no inputs")
        ok = answer_digest(answer) in ex.digests
        message = RIGHT if ok else tr("That is not the expected answer.")
    else:
        ok, message = _compare(answer, ex._expected(**inputs), ex)
    if ok and ex.explanation:
        message = tr(ex.explanation)
    return Feedback(exercise_id, bool(ok), message, None if ok else tr(ex.hint))
