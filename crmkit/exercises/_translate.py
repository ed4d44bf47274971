"""The checker's words in the kit's language: gettext catalogs read with Babel.

Every text the checker shows a student — its own messages (``_core``) and each exercise's
hint and explanation (the chapter modules) — is written in English in the code, where it
belongs, and translated through a catalog per module in
``crmkit/locale/<lang>/LC_MESSAGES/``: ``checker.po`` for the messages of :mod:`._core`,
``exercises/<module>.po`` for the hints and explanations of ``crmkit.exercises.<module>``.
A message is looked up by its English text, so an English text that changes has no
translation until the catalog is brought in step (``make translations``) and translated
again; ``tests/test_translations.py`` counts what each catalog leaves untranslated.

:func:`tr` translates into the language of :mod:`crmkit.labels` (English: the text itself);
:func:`mark` only marks a text for extraction where it is defined before it is shown (a
module-level constant).
"""

from __future__ import annotations

import functools
from pathlib import Path

from crmkit import labels

LOCALE = Path(__file__).resolve().parents[1] / "locale"
CHECKER = "checker"  # the catalog of _core's own messages


@functools.cache
def _translations(lang: str) -> dict[str, str]:
    """English text -> translation, from every catalog of ``lang`` (fuzzy and empty
    entries left out: those show the English)."""
    from babel.messages.pofile import read_po

    out: dict[str, str] = {}
    for po in sorted((LOCALE / lang / "LC_MESSAGES").rglob("*.po")):
        with po.open("rb") as fh:
            for m in read_po(fh):
                if m.id and m.string and not m.fuzzy:
                    out[m.id] = m.string
    return out


def tr(text: str | None, /, **values) -> str | None:
    """``text`` in the kit's language, its ``{placeholders}`` filled with ``values``.

    Examples
    --------
    >>> from crmkit import labels
    >>> tr("Correct.")
    'Correct.'
    >>> with labels.language("fr"):
    ...     tr("Correct."), tr("Expected {n} item(s), got {m}.", n=3, m=2)
    ('Juste.', 'Il fallait 3 élément(s), il y en a 2.')
    >>> tr("A text no catalog holds stays {what}.", what="English")
    'A text no catalog holds stays English.'
    """
    if text is None:
        return None
    lang = labels.get_language()
    if lang != "en":
        text = _translations(lang).get(text, text)
    return text.format(**values) if values else text


def mark(text: str) -> str:
    """Mark ``text`` for the catalog without translating it (translated where shown, with
    :func:`tr`)."""
    return text
