"""Assertions on an exercise's Feedback, shared by the chapters' checker tests.

A typical wrong answer must fail with the exercise's hint, and nothing the student reads may
give the expected value away."""

from __future__ import annotations

import re

from crmkit.exercises import Feedback


def assert_wrong(feedback: Feedback, *secrets: str) -> None:
    """Wrong, with a hint; neither the message nor the hint holds a secret."""
    assert not feedback.correct
    assert feedback.hint  # the hint is shown...
    for secret in secrets:  # ...and neither it nor the message gives the answer
        assert secret not in feedback.message and secret not in feedback.hint


def visible(fb: Feedback) -> str:
    """Everything a student can read: message, hint, text and HTML (tags dropped)."""
    html_text = re.sub(r"<[^>]+>", " ", fb._repr_html_())
    return " ".join([fb.message, fb.hint or "", str(fb), html_text, fb._repr_markdown_()])


def wrong_with_hint(fb: Feedback, *secrets: str) -> None:
    """Wrong, with a hint; no secret stands as a word anywhere the student reads."""
    assert not fb.correct
    assert fb.hint
    text = visible(fb)
    for secret in secrets:
        assert not re.search(rf"(?<![\w.]){re.escape(secret)}(?![\w])", text), secret
