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
    assert check("example.top20_share", 0.9).message == (
        "Your value is too high, though of the right order of magnitude (within a factor of three).")
    assert check("example.top20_share", 0.2).message == (
        "Your value is too low: it is more than three times too small.")
    assert "scale" in check("example.top20_share", 74.3).message
    assert "sign" in check("example.total_margin", -TOTAL).message
    assert check("example.total_margin", "a lot").message == "Expected a number, got text."
    assert check("example.total_margin", "3175").correct  # a number typed as text
    assert check("example.total_margin", np.float32(3175)).correct
    assert check("example.total_margin", pd.Series([3175.0])).correct  # a one-value result
    assert "Expected a number" in check("example.total_margin", [1.0, 2.0]).message
    assert "NaN" in check("example.total_margin", float("nan")).message


# ---------------------------------------------------------------------------------------
# wrong only by its format: say so; wrong by a number: give its scale, not its value
# ---------------------------------------------------------------------------------------
@register("test.loyalty_key")
def _loyalty_key():
    return "true_loyalty"


@register("test.loyalty_keys")
def _loyalty_keys():
    return {"true_loyalty", "latent_loyalty"}


@register("test.churn_by_type", tolerance=0.001)
def _churn_by_type():
    return pd.Series({"true_loyalty": 0.05, "latent_loyalty": 0.12, "no_loyalty": 0.30},
                     name="churn_rate").rename_axis("loyalty_type")


@register("test.type_table")
def _type_table():
    return pd.DataFrame({"customer_id": [3, 5, 8], "loyalty_type": ["true_loyalty", "no_loyalty",
                                                                    "no_loyalty"]})


@register("test.best_customer")
def _best_customer():
    return 6


@register("test.by_customer")
def _by_customer():
    return pd.Series({3: 120.0, 5: 80.0, 8: 45.0}).rename_axis("customer_id")


@register("test.count_by_type")
def _count_by_type():
    return pd.DataFrame({"customers": [4, 3]}, index=pd.Index(["a", "b"], name="segment"))


def test_a_label_given_for_a_key_is_named():
    for label_ in ["True loyalty", "Fidélité véritable"]:
        fb = check("test.loyalty_key", label_)
        assert not fb.correct and "display label" in fb.message and "key" in fb.message
    other = check("test.loyalty_key", "Latent loyalty")  # a label, but of another key
    assert "display label" not in other.message
    assert check("test.loyalty_key", "true loyalty ").message.startswith("Right, but given as")
    fb = check("test.loyalty_keys", {"True loyalty", "Latent loyalty"})
    assert fb.message.startswith("2 of your items are display labels")
    labelled = _churn_by_type().rename(index=lambda k: k.replace("_", " ").capitalize())
    fb = check("test.churn_by_type", labelled)
    assert "3 of your index labels are display labels" in fb.message
    table = _type_table().assign(loyalty_type=["True loyalty", "No loyalty", "no_loyalty"])
    fb = check("test.type_table", table)
    assert "'loyalty_type' (2 of 3 rows)" in fb.message and "2 of your values are display labels" in fb.message
    headers = _type_table().rename(columns={"customer_id": "Customer id"})
    assert "display headers" in check("test.type_table", headers).message


def test_a_name_given_for_an_id_is_named():
    assert "give its id" in check("test.best_customer", "Durand").message
    assert check("test.best_customer", "6").correct  # an id typed as text is still the id
    fb = check("example.loss_makers", {"Martin", "Durand"})
    assert "text (names?) where integer ids are expected" in fb.message
    fb = check("example.loss_makers", ["3", "8"])
    assert "ids written as text" in fb.message
    named = pd.Series({"Martin": 120.0, "Durand": 80.0, "Petit": 45.0})
    assert "Your index labels are text (names?)" in check("test.by_customer", named).message
    table = _type_table().assign(customer_id=["Martin", "Durand", "Petit"])
    assert "'customer_id': Your values are text (names?)" in check("test.type_table", table).message


def test_a_percentage_for_a_fraction_and_the_reverse():
    assert "fraction between zero and one" in check("example.top20_share", 74).message  # rounded
    assert "expected as a percentage" in check("test.secret_number", 0.743, value=74.3).message
    fb = check("test.churn_by_type", _churn_by_type() * 100)
    assert fb.message.startswith("3 of 3 value(s) are not right") and "not a percentage" in fb.message


def test_several_values_for_one_are_named():
    fb = check("example.total_margin", example_customers()["margin"])
    assert fb.message.startswith("Expected a number, got a Series of 10 values: reduce it")
    assert "got a DataFrame of" in check("example.total_margin", example_customers()).message
    assert "Expected text, got a list of 2 values" in check("example.best_region", ["a", "b"]).message
    assert "Expected True or False, got an array" in check("example.churn_falls_with_products",
                                                            np.array([True, False])).message


def test_a_wrong_index_is_named():
    right = _churn_by_type()
    fb = check("test.churn_by_type", right.reset_index(drop=True))
    assert "default 0, 1, 2... index" in fb.message and "'loyalty_type'" in fb.message
    moved = right.set_axis(["a", "b", "c"])
    assert check("test.churn_by_type", moved).message.startswith(
        "The values are right, in the right order, but not the index.")
    twice = pd.Series([0.05, 0.12, 0.30], index=["true_loyalty", "true_loyalty", "no_loyalty"])
    assert "duplicated labels" in check("test.churn_by_type", twice).message
    counts = _count_by_type()
    assert "should be the index of the table: set_index('segment')" in check(
        "test.count_by_type", counts.reset_index()).message
    frame = check("example.churn_by_products", example_customers().groupby("products_held").agg(
        customers=("customer_id", "size"), churn_rate=("churned", "mean")))
    assert "['products_held'] are your index but columns in the expected table" in frame.message


def test_a_wrong_number_gets_its_scale_not_its_value():
    assert check("example.total_margin", TOTAL * 10).message == (
        "Your value is too high: it is about ten times too large.")
    assert "about a thousand times too small (check the unit" in check(
        "example.total_margin", TOTAL / 1000).message
    assert check("example.total_margin", 10.0).message == (  # 3175 / 10: 317 times
        "Your value is too low: it is between a hundred and a thousand times too small.")
    assert check("example.top20_share", 2.0).message == (
        "Your value is too high: the expected value is between zero and one.")
    fb = check("test.churn_by_type", _churn_by_type() * 10)
    assert fb.message.endswith("The values are about ten times too large.")
    spread = _churn_by_type() * [10, 1, 1] + [0, 2, 0]
    assert "The expected values are between zero and one." in check("test.churn_by_type", spread).message


# every name a chapter or a student may import from crmkit.exercises
PUBLIC_API = {"Exercise", "Feedback", "answer_digest", "check", "exercises", "register", "register_answer"}


def public_solutions() -> list[str]:
    """Public names of crmkit.exercises and its modules bound to a registered solution."""
    import pkgutil

    import crmkit.exercises as package
    from crmkit.exercises._core import _REGISTRY

    solutions = [ex.solution for ex in _REGISTRY.values() if ex.solution is not None]
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"crmkit.exercises.{info.name}")
        for name, obj in vars(module).items():
            if not name.startswith("_") and any(obj is s for s in solutions):
                found.append(f"crmkit.exercises.{info.name}.{name}")
    return found


def test_no_public_function_returns_an_expected_answer():
    import crmkit.exercises as package
    from crmkit.exercises import Exercise

    assert set(package.__all__) == PUBLIC_API
    assert public_solutions() == [], "name solution functions with a leading underscore"
    methods = [m for m in vars(Exercise) if not m.startswith("_") and callable(vars(Exercise)[m])]
    assert methods == [], f"Exercise has public methods {methods}"


def test_the_public_api_check_catches_a_public_solution(monkeypatch):
    from crmkit.exercises import example

    monkeypatch.setattr(example, "total_margin", example._total_margin, raising=False)
    assert public_solutions() == ["crmkit.exercises.example.total_margin"]


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
    assert str(bad) == f"✗ Not yet — example.total_margin: {bad.message} Hint: {bad.hint}"
    assert bad.message.startswith("Your value is too low")
    assert repr(bad) == str(bad)
    assert "#029e73" in ok._repr_html_() and "#d55e00" in bad._repr_html_()
    assert "<em>Hint:</em> Add up the margin column." in bad._repr_html_()
    assert bad._repr_markdown_().startswith("**✗ Not yet** — `example.total_margin`")
    escaped = Feedback("x.y", False, "a <b> & c", "use <code>")._repr_html_()
    assert "a &lt;b&gt; &amp; c" in escaped and "use &lt;code&gt;" in escaped


def test_a_right_answer_says_so_once_in_either_language():
    # the verdict says it: no "Correct." message beside it (the box read "Correct —
    # ...: Correct.", "Bonne réponse — ... : Juste." in French); an explanation takes its place
    from crmkit import labels

    ok, explained = check("example.total_margin", TOTAL), check("example.loyalty_type",
                                                                "Spurious loyalty")
    assert str(ok) == "✓ Correct — example.total_margin" and ok.message == ""
    assert ok._repr_markdown_() == "**✓ Correct** — `example.total_margin`"
    assert str(explained).startswith("✓ Correct — example.loyalty_type: Inertia without")
    for lang, verdict in (("en", "Correct"), ("fr", "Bonne réponse")):
        with labels.language(lang):  # the box is written in the language it is shown in
            shown = [(fb, " ".join([str(fb), fb._repr_markdown_(), fb._repr_html_()]))
                     for fb in (check("example.total_margin", TOTAL),
                                check("example.churn_falls_with_products", True),
                                check("example.loyalty_type", "Spurious loyalty"))]
        for fb, text in shown:
            assert fb.correct and text.count(verdict) == 3, text
            assert "Correct." not in text and "Juste" not in text, text


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
