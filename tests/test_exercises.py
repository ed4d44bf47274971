"""crmkit.exercises: right answers pass, wrong ones get a hint that never gives the answer."""

from __future__ import annotations

import importlib
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crmkit.exercises import Feedback, answer_digest, check, exercises, register, register_answer
from crmkit.exercises.example import example_customers
from crmkit.schema import SchemaError

# Hand-computed from example_customers():
# margins 820, 410, -120, 260, 95, 1540, 35, -60, 180, 15 -> total 3175
# top 20 % = two customers: 1540 + 820 = 2360 -> share 2360 / 3175 = 0.743307...
# by region: Bretagne 820 + 410 - 60 = 1170; Normandie -120 + 260 + 180 = 320;
#            Occitanie 95 + 1540 + 35 + 15 = 1685
TOTAL = 3175.0
TOP20 = 2360 / 3175
BY_REGION = {"Bretagne": 1170.0, "Normandie": 320.0, "Occitanie": 1685.0}


def _all_text(fb: Feedback) -> str:
    """Everything a student can see: message, hint, text, Markdown and HTML (tags dropped)."""
    html_text = re.sub(r"<[^>]+>", " ", fb._repr_html_())
    return " ".join([fb.message, fb.hint or "", str(fb), html_text, fb._repr_markdown_()])


def _shows(secret: str, text: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(secret)}(?![\w])", text) is not None


# ---------------------------------------------------------------------------------------
# the example exercises: right answers
# ---------------------------------------------------------------------------------------
def test_right_answers_are_correct():
    assert check("example.total_margin", TOTAL).correct
    assert check("example.top20_share", TOP20).correct
    assert check("example.loss_makers", {3, 8}).correct
    assert check("example.loss_makers", [8, 3]).correct  # any collection
    assert check("example.best_region", "occitanie ").correct
    assert check("example.margin_by_region", pd.Series(BY_REGION)).correct
    assert check("example.churn_falls_with_products", True).correct
    frame = pd.DataFrame({"products_held": [1, 2, 3, 4, 5], "customers": [4, 3, 1, 1, 1],
                          "churn_rate": [1.0, 0.0, 0.0, 0.0, 0.0]})
    assert check("example.churn_by_products", frame).correct


def test_answers_computed_the_student_way_are_correct():
    df = example_customers()
    assert check("example.margin_by_region", df.groupby("region")["margin"].sum()).correct
    student = df.groupby("products_held").agg(customers=("customer_id", "size"),
                                              churn_rate=("churned", "mean"))
    assert check("example.churn_by_products", student.reset_index()).correct
    assert check("example.margin_by_region", BY_REGION).correct  # a dict is a Series


def test_expected_answer_follows_the_students_data():
    df = example_customers()
    df.loc[df["customer_id"] == 6, "margin"] = 40.0  # total drops by 1500
    assert check("example.total_margin", TOTAL - 1500, customers=df).correct
    assert not check("example.total_margin", TOTAL, customers=df).correct
    with pytest.raises(SchemaError, match="customers.margin"):
        check("example.total_margin", 1.0, customers=df.drop(columns="margin"))


def test_textual_answer_by_digest_in_either_language():
    for answer in ["Spurious loyalty", "  SPURIOUS   loyalty. ", "Fausse fidélité", "fausse fidelite",
                   "fidélité illusoire"]:
        assert check("example.loyalty_type", answer).correct, answer
    fb = check("example.loyalty_type", "true loyalty")
    assert not fb.correct and fb.hint
    assert "inertia" in check("example.loyalty_type", "spurious loyalty").message.lower()  # explanation


# ---------------------------------------------------------------------------------------
# wrong answers: message and hint, never the expected value
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exercise", "answer", "secrets"),
    [
        ("example.total_margin", 3000.0, ["3175", "3,175", "3 175"]),
        ("example.top20_share", 0.5, ["0.743", "74.3", "74%", "0.74", "2360"]),
        ("example.loss_makers", {3}, ["8"]),
        ("example.best_region", "Bretagne", ["Occitanie", "occitanie"]),
        ("example.margin_by_region", pd.Series({"Bretagne": 1170.0, "Normandie": 300.0, "Occitanie": 1685.0}),
         ["320"]),
        ("example.loyalty_type", "latent loyalty", ["spurious", "fausse", "illusoire"]),
    ],
)
def test_wrong_answers_do_not_reveal_the_solution(exercise, answer, secrets):
    fb = check(exercise, answer)
    assert not fb.correct
    assert fb.hint, "a wrong answer gets a hint"
    text = _all_text(fb)
    for secret in secrets:
        assert not _shows(secret, text), (secret, text)


@settings(max_examples=80, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_no_wrong_number_reveals_the_total(answer):
    assume(abs(answer - TOTAL) > 0.01)
    fb = check("example.total_margin", answer)
    assert not fb.correct
    assert not _shows("3175", _all_text(fb))


@register("test.secret_number", hint="Think harder.")
def _secret_number(value: float = 0.0):
    return value


@settings(max_examples=80, deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e6, allow_nan=False), st.floats(min_value=-1e6, max_value=1e6,
                                                                          allow_nan=False))
def test_messages_never_contain_the_expected_number(expected, answer):
    assume(abs(answer - expected) > 1e-6 * abs(expected) + 1e-9)
    fb = check("test.secret_number", answer, value=expected)
    assert not fb.correct
    text = _all_text(fb)
    for shown in {repr(expected), f"{expected:g}", f"{expected:.2f}", f"{expected:.1%}"}:
        assert not _shows(shown, text)


# ---------------------------------------------------------------------------------------
# tolerance and kinds of mistakes
# ---------------------------------------------------------------------------------------
def test_tolerance_is_absolute_and_inclusive():
    assert check("example.top20_share", TOP20 + 0.0049).correct
    assert check("example.top20_share", TOP20 - 0.0049).correct
    assert not check("example.top20_share", TOP20 + 0.006).correct
    assert check("example.top20_share", round(TOP20, 2)).correct  # 0.74, within 0.005
    # without a tolerance only float noise is forgiven
    assert check("test.secret_number", 0.1 + 0.2, value=0.3).correct
    assert not check("test.secret_number", 0.3001, value=0.3).correct


def test_number_mistakes_are_named():
    assert check("example.top20_share", 0.9).message == "Your value is too high."
    assert check("example.top20_share", 0.2).message == "Your value is too low."
    assert "scale" in check("example.top20_share", 74.3).message
    assert "sign" in check("example.total_margin", -TOTAL).message
    assert check("example.total_margin", "a lot").message == "Expected a number, got text."
    assert check("example.total_margin", "3175").correct  # a number typed as text
    assert check("example.total_margin", np.float32(3175)).correct
    assert check("example.total_margin", pd.Series([3175.0])).correct  # a one-value result
    assert "Expected a number" in check("example.total_margin", [1.0, 2.0]).message
    assert "NaN" in check("example.total_margin", float("nan")).message


def test_type_mistakes_are_named():
    assert check("example.best_region", 3).message == "Expected text, got a number."
    assert "True or False" in check("example.churn_falls_with_products", 1).message
    assert "collection" in check("example.loss_makers", 3).message
    assert "Series" in check("example.margin_by_region", 3.0).message
    assert "DataFrame" in check("example.churn_by_products", [1, 2]).message


def test_set_feedback_counts_without_naming_items():
    fb = check("example.loss_makers", {3, 5, 7})
    assert fb.message == "1 expected item(s) are missing and 2 item(s) should not be there."


def test_series_feedback():
    wrong_index = pd.Series({"Bretagne": 1170.0, "Normandie": 320.0, "Paris": 1685.0})
    assert "index labels differ" in check("example.margin_by_region", wrong_index).message
    assert check("example.margin_by_region", wrong_index.head(2)).message == "Expected 3 rows, got 2."
    shuffled = pd.Series(BY_REGION).iloc[::-1]  # order does not matter, labels do
    assert check("example.margin_by_region", shuffled).correct
    fb = check("example.margin_by_region", pd.Series({**BY_REGION, "Normandie": 0.0}))
    assert fb.message == "1 of 3 value(s) are not right (first at index label 'Normandie')."


def test_frame_feedback():
    right = check("example.churn_by_products", None)  # wrong type, yet no crash
    assert not right.correct
    base = pd.DataFrame({"products_held": [1, 2, 3, 4, 5], "customers": [4, 3, 1, 1, 1],
                         "churn_rate": [1.0, 0.0, 0.0, 0.0, 0.0]})
    fb = check("example.churn_by_products", base.drop(columns="churn_rate").assign(rate=0.0))
    assert fb.message == "Your table has missing column(s) ['churn_rate'] and unexpected column(s) ['rate']."
    fb = check("example.churn_by_products", base.assign(churn_rate=[0.9, 0.0, 0.0, 0.0, 0.0]))
    assert fb.message == "Some values are not right in column(s) 'churn_rate' (1 of 5 rows)."
    assert check("example.churn_by_products", base.assign(churn_rate=base["churn_rate"] + 0.0009)).correct
    assert "Expected 5 rows" in check("example.churn_by_products", base.head(3)).message
    assert check("example.churn_by_products", base[["churn_rate", "customers", "products_held"]]).correct


@register("test.ordered", hint="Sort them.")
def _ordered():
    return [3, 1, 2]


@register("test.unordered", ignore_order=True, tolerance=0.01)
def _unordered():
    return np.array([0.5, 0.25, 0.125])


@register("test.frame_any_order", ignore_index=True, ignore_order=True)
def _frame_any_order():
    return pd.DataFrame({"k": ["a", "b", "c"], "v": [1, 2, 3]})


def test_lists_arrays_and_order():
    assert check("test.ordered", [3, 1, 2]).correct
    fb = check("test.ordered", [1, 2, 3])
    assert fb.message == "3 of 3 item(s) are not right (first at position 0, counting from 0)."
    assert check("test.ordered", [3, 1]).message == "Expected 3 item(s), got 2."
    assert check("test.unordered", [0.125, 0.251, 0.5]).correct
    assert not check("test.unordered", [0.125, 0.3, 0.5]).correct
    shuffled = pd.DataFrame({"k": ["c", "a", "b"], "v": [3, 1, 2]}, index=[7, 8, 9])
    assert check("test.frame_any_order", shuffled).correct


# ---------------------------------------------------------------------------------------
# rendering and registry
# ---------------------------------------------------------------------------------------
def test_feedback_renders_in_jupyter():
    ok = check("example.total_margin", TOTAL)
    bad = check("example.total_margin", 1.0)
    assert bool(ok) and not bool(bad)
    assert ok.hint is None and "Hint" not in str(ok)
    assert str(bad) == f"✗ example.total_margin: Your value is too low. Hint: {bad.hint}"
    assert repr(bad) == str(bad)
    assert "#029e73" in ok._repr_html_() and "#d55e00" in bad._repr_html_()
    assert "<em>Hint:</em> Add up the margin column." in bad._repr_html_()
    assert bad._repr_markdown_().startswith("**✗ Not yet** — `example.total_margin`")
    escaped = Feedback("x.y", False, "a <b> & c", "use <code>")._repr_html_()
    assert "a &lt;b&gt; &amp; c" in escaped and "use &lt;code&gt;" in escaped


def test_registry_errors():
    with pytest.raises(ValueError, match="unknown exercise 'example.nope'"):
        check("example.nope", 1)
    with pytest.raises(ValueError, match="does not take input"):
        check("example.total_margin", 1.0, data=None)
    with pytest.raises(ValueError, match="lowercase, dotted"):
        register("Chapter 3 / ABC")(lambda: 1)
    with pytest.raises(ValueError, match="already registered"):
        register("example.total_margin")(lambda: 1)
    with pytest.raises(ValueError, match="sha256"):
        register_answer("test.bad_digest", "not-a-digest")
    with pytest.raises(ValueError, match="tolerance"):
        register("test.neg_tol", tolerance=-1)
    with pytest.raises(ValueError, match="takes no inputs"):
        check("example.loyalty_type", "x", customers=None)


def test_reloading_a_chapter_module_is_harmless():
    from crmkit.exercises import example

    before = exercises("example.")
    importlib.reload(example)
    assert exercises("example.") == before
    assert check("example.total_margin", TOTAL).correct


# chapter number -> exercise module, in the book's order (_toc.yml)
CHAPTER_MODULES = {1: "customer_data", 2: "loyalty", 3: "segmentation", 4: "value",
                   5: "campaigns", 6: "idic", 7: "project"}


def test_chapter_modules_exist():
    for i, name in CHAPTER_MODULES.items():
        module = importlib.import_module(f"crmkit.exercises.{name}")
        assert module.__doc__ and f"ch{i}." in module.__doc__
        assert module.__doc__.startswith(f"Exercises of Chapter {i},")


def test_exercise_ids_follow_the_book_order():
    # the notebook of chapter i (its number in _toc.yml) checks only ids ch<i>.*
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    toc = (root / "_toc.yml").read_text(encoding="utf-8")
    chapters = re.findall(r"file: notebooks/(\d\d)-([a-z-]+)", toc)
    # the numbered chapters, then the appendices (90-…), which check only their own ids too
    assert [int(n) for n, _ in chapters if int(n) < 90] == list(CHAPTER_MODULES)
    for number, slug in chapters:
        nb = json.loads((root / f"notebooks/{number}-{slug}.ipynb").read_text(encoding="utf-8"))
        text = "".join("".join(c["source"]) for c in nb["cells"])
        ids = set(re.findall(r"check\(\s*\"(ch\d+)\.", text))
        assert ids <= {f"ch{int(number)}"}, (slug, ids)
        assert all(int(n) == int(number) for n in re.findall(r":label: ch(\d+)-ex-", text)), slug


def test_answer_digest_normalises():
    assert answer_digest("Fidélité Latente") == answer_digest("  fidelite   latente ")
    assert answer_digest(["x", "Y"]) == answer_digest({"y", "x"})
    assert answer_digest("latent") != answer_digest("latent loyalty")
