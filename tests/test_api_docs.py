"""numpydoc sections on the public API (issue 15): checked with ``numpydoc.validate``.

Every public function and method (``__all__`` of every public module, and the public
methods of its classes) must have a docstring with ``Parameters`` covering its signature,
``Returns`` and ``Examples``. The functions written before this rule are listed in
``tests/data/numpydoc_backlog.txt`` with what they lack; the list may only shrink: a new
function must pass, and a listed function that now passes must leave the list.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpydoc.validate as numpydoc_validate

from tests.test_vocabulary import _public_callables

CHECKS = {"GL08", "PR01", "PR02", "RT01", "EX01"}
BACKLOG = Path(__file__).parent / "data" / "numpydoc_backlog.txt"


def _backlog() -> dict[str, set[str]]:
    out = {}
    for line in BACKLOG.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, *codes = line.split()
            out[name] = set(codes)
    return out


def _missing(name: str) -> set[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        errors = numpydoc_validate.validate(name)["errors"]
    return {code for code, _ in errors} & CHECKS


def _half_documented(x):
    """Return twice ``x``."""
    return 2 * x


def test_the_checks_catch_a_missing_section():
    # the validator itself: undocumented parameter, no Returns, no Examples are reported
    assert _missing("tests.test_api_docs._half_documented") == {"PR01", "RT01", "EX01"}


def test_public_functions_document_parameters_returns_and_examples():
    backlog = _backlog()
    public = {n for n in _public_callables() if not n.endswith(".__init__")}
    new_gaps, fixed = {}, []
    for name in sorted(public):
        missing = _missing(name)
        allowed = backlog.get(name, set())
        if missing - allowed:
            new_gaps[name] = sorted(missing - allowed)
        if name in backlog and not missing:
            fixed.append(name)
    assert new_gaps == {}, f"public functions missing numpydoc sections: {new_gaps}"
    assert fixed == [], f"documented now: remove them from {BACKLOG.name}: {fixed}"
    stale = sorted(set(backlog) - public)
    assert stale == [], f"no longer public: remove them from {BACKLOG.name}: {stale}"
