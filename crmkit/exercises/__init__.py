"""Immediate feedback on the chapters' exercises.

In a notebook::

    from crmkit.exercises import check
    check("ch3.abc_top_share", answer)            # renders a green or orange box
    check("ch3.abc_top_share", answer, customers=my_table)   # checked on the student's data

:func:`check` returns a :class:`Feedback` (``correct``, ``message``, ``hint``) that says
whether the answer is right and, if not, what kind of mistake it is and a hint, never the
expected value. Exercises live in one module per chapter, named by its topic
(``crmkit.exercises.customer_data`` ... ``project``; the ids carry the chapter number,
``ch3.`` for segmentation), registered with :func:`register` (a function computing the expected answer) or
:func:`register_answer` (the digest of a textual answer); ``crmkit.exercises.example``
shows the pattern.
"""

# importing the chapter modules registers their exercises
from crmkit.exercises import (  # noqa: F401
    campaigns,
    customer_data,
    example,
    idic,
    loyalty,
    project,
    segmentation,
    value,
)
from crmkit.exercises._core import (
    Exercise,
    Feedback,
    answer_digest,
    check,
    exercises,
    register,
    register_answer,
)

__all__ = ["Exercise", "Feedback", "answer_digest", "check", "exercises", "register", "register_answer"]
