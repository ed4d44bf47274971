"""Exercises that ask for thinking (issue 17; the convention is written for the chapter
authors in the instructor guide): every chapter 1-7 has

- at least two **multi-step analyses**: an ``{exercise}`` with ``:class: multi-step`` whose
  statement lists at least three numbered steps, followed by a cell calling ``check(...)``
  before the next exercise (the final result is checked);
- at least one **open question**: an ``{exercise}`` with ``:class: open-question``, followed
  by a markdown cell tagged ``solution`` holding its ``{solution}`` with ``:class: dropdown``
  and a heading-less "**Marking rubric**" table (criterion | points | what earns them) whose
  points sum to 10;
- no solution code cell that displays its answer (a trailing expression, ``print``,
  ``display``...; ``glue(name, value, display=False)`` shows nothing): the answer shows only
  in the dropdown text, which is removed with the solutions in the student edition.

The chapters still short are listed in ``tests/data/exercise_kinds_backlog.txt``; the list
may only shrink: a chapter that meets the rule must leave it, a chapter not in it must meet
the rule.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
# the parser the instructor's guide counts the exercises with (one parser for both)
from exercise_counts import counts, directives  # noqa: E402

CHAPTERS = sorted((ROOT / "notebooks").glob("0[1-7]-*.ipynb"))
BACKLOG = ROOT / "tests" / "data" / "exercise_kinds_backlog.txt"

NUMBERED_STEP = re.compile(r"^[ \t]*\d+[.)][ \t]+\S", re.M)
RUBRIC = re.compile(r"\*\*Marking rubric\*\*")
# calls that show something from a solution cell
DISPLAY_CALLS = {"print", "display", "show_table", "pprint"}


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def rubric_points(text: str) -> list[float] | None:
    """The points column of the first markdown table after "**Marking rubric**", or None
    when there is no rubric or no table with a "points" column."""
    m = RUBRIC.search(text)
    if not m:
        return None
    rows = []
    for line in text[m.end():].splitlines():
        line = line.strip()
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
        elif rows:
            break  # the table ended
    if len(rows) < 3:
        return None
    header = [c.casefold().strip("* ") for c in rows[0]]
    if "points" not in header:
        return None
    col = header.index("points")
    points = []
    for row in rows[2:]:  # rows[1] is the |---|---| separator
        cell = row[col] if col < len(row) else ""
        number = re.search(r"-?\d+(?:[.,]\d+)?", cell)
        if number is None:
            return None
        points.append(float(number.group().replace(",", ".")))
    return points


def shown_by(code: str) -> str | None:
    """What makes a code cell display something (a trailing expression, a print or display
    call), or None. IPython magics and a trailing ``;`` (which silences) are allowed for."""
    lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    source = "\n".join(lines)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "code that does not parse"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            if name in DISPLAY_CALLS:
                return f"a call to {name}()"
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        if not source.rstrip().endswith(";") and not _silent_glue(last.value):
            return f"a trailing expression ({ast.unparse(last)[:40]})"
    return None


def _silent_glue(node: ast.expr) -> bool:
    """``glue(name, value, display=False)``: stores the value for the dropdown, shows nothing."""
    return (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "glue"
            and any(k.arg == "display" and isinstance(k.value, ast.Constant) and k.value.value is False
                    for k in node.keywords))


def problems(path: Path) -> list[str]:
    """What keeps a chapter from meeting the exercise convention (empty list: it meets it)."""
    cells = _cells(path)
    found = []
    # exercises in cell order: (cell index, directive)
    exercises_ = [(i, d) for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                  for d in directives(_source(c)) if d["name"] == "exercise"]
    starts = [i for i, _ in exercises_] + [len(cells)]
    multi = 0
    for k, (i, d) in enumerate(exercises_):
        if "multi-step" not in d["classes"]:
            continue
        steps = len(NUMBERED_STEP.findall(d["body"]))
        following = cells[i + 1:starts[k + 1]]
        checked = any(c["cell_type"] == "code" and "solution" not in _tags(c)
                      and "check(" in _source(c) for c in following)
        if steps < 3:
            found.append(f"multi-step {d['label']!r} lists {steps} numbered step(s), not 3")
        elif not checked:
            found.append(f"multi-step {d['label']!r} is not followed by a check(...) cell")
        else:
            multi += 1
    if multi < 2:
        found.append(f"{multi} complete multi-step exercise(s), at least 2 expected")
    solutions = {d["arg"]: (c, d) for c in cells if c["cell_type"] == "markdown"
                 and "solution" in _tags(c) for d in directives(_source(c)) if d["name"] == "solution"}
    open_ok = 0
    for _, d in exercises_:
        if "open-question" not in d["classes"]:
            continue
        label = d["label"]
        if label not in solutions:
            found.append(f"open question {label!r} has no solution cell (tagged 'solution')")
            continue
        _, sol = solutions[label]
        points = rubric_points(sol["body"])
        if "dropdown" not in sol["classes"]:
            found.append(f"the solution of {label!r} is not a dropdown")
        elif points is None:
            found.append(f"the solution of {label!r} has no **Marking rubric** table with points")
        elif abs(sum(points) - 10) > 1e-9:
            found.append(f"the rubric of {label!r} sums to {sum(points):g} points, not 10")
        else:
            open_ok += 1
    if open_ok < 1:
        found.append("no complete open question (with a rubric dropdown)")
    for i, c in enumerate(cells):
        if c["cell_type"] == "code" and "solution" in _tags(c):
            why = shown_by(_source(c))
            if why:
                found.append(f"solution code cell {i} displays its answer: {why}")
    return found


def _backlog() -> set[str]:
    return {line.split("#", 1)[0].strip() for line in BACKLOG.read_text(encoding="utf-8").splitlines()
            if line.split("#", 1)[0].strip()}


# ---------------------------------------------------------------------------------------
# the checks themselves can fail
# ---------------------------------------------------------------------------------------
GOOD = '''
```{exercise}
:label: ch9-ex-first
:class: multi-step

Do it.

1. Build the table.
2. Compute the rate.
3. Compare and decide.
```
'''

RUBRIC_CELL = '''
```{solution} ch9-q-why
:class: dropdown

**Marking rubric**

| criterion | points | what earns them |
|---|---|---|
| uses the matrix | 4 | reads both axes |
| cites the literature | 3 | names the study |
| decides | 3 | a clear decision |

A strong answer ...
```
'''


def _nb(*cells):
    out = []
    for kind, text, tags in cells:
        out.append({"cell_type": kind, "source": text, "metadata": {"tags": tags}})
    return out


def _problems_of(cells, tmp_path) -> list[str]:
    path = tmp_path / "09-demo.ipynb"
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    return problems(path)


def test_a_complete_chapter_has_no_problem(tmp_path):
    cells = _nb(("markdown", GOOD, []), ("code", "answer = None", []),
                ("code", "answer = df.x.mean()", ["solution", "hide-input"]),
                ("code", 'check("ch9.first", answer)', []),
                ("markdown", GOOD.replace("first", "second"), []),
                ("code", 'check("ch9.second", answer)', []),
                ("markdown", "```{exercise}\n:label: ch9-q-why\n:class: open-question\n\nWhy?\n```", []),
                ("markdown", RUBRIC_CELL, ["solution"]))
    assert _problems_of(cells, tmp_path) == []


def test_each_missing_part_is_reported(tmp_path):
    two_steps = GOOD.replace("3. Compare and decide.\n", "")
    cells = _nb(("markdown", two_steps, []), ("code", 'check("ch9.first", answer)', []),
                ("markdown", GOOD.replace("first", "second"), []),  # no check cell follows
                ("markdown", GOOD.replace("first", "third"), []),
                ("code", 'check("ch9.third", answer)', []),
                ("markdown", "```{exercise}\n:label: ch9-q-why\n:class: open-question\n\nWhy?\n```", []),
                ("markdown", RUBRIC_CELL.replace("| 3 | a clear", "| 4 | a clear"), ["solution"]),
                ("code", "answer = 3\nanswer", ["solution"]),
                ("code", "print(answer)", ["solution"]),
                ("code", "ax = plot(x);", ["solution"]))
    found = "\n".join(_problems_of(cells, tmp_path))
    assert "'ch9-ex-first' lists 2 numbered step(s)" in found
    assert "'ch9-ex-second' is not followed by a check" in found
    assert "1 complete multi-step" in found
    assert "sums to 11 points" in found
    assert "trailing expression (answer)" in found
    assert "print()" in found
    assert "cell 9" not in found  # a trailing ';' silences the figure


def test_an_open_question_without_a_dropdown_rubric_is_reported(tmp_path):
    question = "```{exercise}\n:label: ch9-q-why\n:class: open-question\n\nWhy?\n```"
    not_dropdown = RUBRIC_CELL.replace(":class: dropdown\n", "")
    no_table = "```{solution} ch9-q-why\n:class: dropdown\n\n**Marking rubric**: judge it.\n```"
    for cell, expected in [(not_dropdown, "not a dropdown"), (no_table, "no **Marking rubric** table"),
                           (None, "no solution cell")]:
        cells = _nb(("markdown", question, []))
        if cell is not None:
            cells += _nb(("markdown", cell, ["solution"]))
        found = "\n".join(_problems_of(cells, tmp_path))
        assert expected in found and "no complete open question" in found


def test_rubric_points_and_display_rules_by_hand():
    assert rubric_points(RUBRIC_CELL) == [4.0, 3.0, 3.0]
    assert rubric_points("no rubric") is None
    assert shown_by("x = 1\ny = x + 1") is None
    assert shown_by("%%time\nanswer = 2") is None
    assert "trailing expression" in shown_by("answer = 2\nanswer")
    assert "display()" in shown_by("from IPython.display import display\ndisplay(answer)")
    assert shown_by("fig, ax = plt.subplots()\nax.plot([1, 2]);") is None
    assert shown_by('answer = 2\nglue("x", answer, display=False)') is None
    assert "trailing expression" in shown_by('answer = 2\nglue("x", answer)')


# ---------------------------------------------------------------------------------------
# the chapters
# ---------------------------------------------------------------------------------------
def test_there_are_seven_chapters():
    assert [p.stem[:2] for p in CHAPTERS] == ["01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_exercises_follow_the_convention(path):
    found = problems(path)
    if path.stem in _backlog():
        assert found, (f"{path.stem} now meets the exercise convention: delete its line from "
                       f"{BACKLOG.relative_to(ROOT)}")
    else:
        assert found == [], f"{path.name}:\n" + "\n".join(found)


def test_the_backlog_names_only_chapters():
    assert _backlog() <= {p.stem for p in CHAPTERS}


def test_the_instructor_guide_counts_the_exercises_at_build_time():
    guide = (ROOT / "book" / "instructor-guide.md").read_text(encoding="utf-8")
    assert "```{exercise-counts}" in guide
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert "exercise_counts: book/_ext" in config
    for path in CHAPTERS:  # the guide's counts are the test's
        c = counts(path)
        exercises_ = [d for c_ in _cells(path) if c_["cell_type"] == "markdown"
                      for d in directives(_source(c_)) if d["name"] == "exercise"]
        assert c["exercises"] == len(exercises_)
        assert c["multi_step"] == sum("multi-step" in d["classes"] for d in exercises_)
        assert c["number"] == int(path.stem[:2]) and not c["title"].startswith("0")
