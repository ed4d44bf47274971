"""The kit's words in the reader's language: gettext catalogs read with Babel.

Texts the code shows a reader are written in English in the code, where they belong, and
translated through the catalogs of ``crmkit/locale/<lang>/LC_MESSAGES/`` (shipped in the
package, so pip installs and the browser edition have them):

- ``checker.po``: the exercise checker's own messages (``crmkit/exercises/_core.py``);
- ``exercises/<module>.po``: the hints and explanations of ``crmkit.exercises.<module>``;
- ``synth/parameters.po``: the meanings, units and sources of the generator's parameters.
- ``synth/targets.po``: the publishers and title notes of the calibration targets' sources
  (``crmkit.synth.validation.source_words``).

A message is looked up by its English text, so an English text that changes has no
translation until the catalog is brought in step (``make translations``) and translated
again; ``tests/test_translations.py`` counts what each catalog leaves untranslated.

:func:`tr` translates into the language of :mod:`crmkit.labels` (English: the text itself);
:func:`translations` is the whole table of a language; :func:`mark` only marks a text for
extraction where it is defined before it is shown (a module-level constant).
"""

from __future__ import annotations

import functools
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"
CHECKER = "checker"  # the catalog of _core's own messages


@functools.cache
def translations(lang: str) -> dict[str, str]:
    """English text -> its translation in ``lang``, from every catalog of ``lang`` (fuzzy
    and empty entries left out: those stay English). English, or a language without
    catalogs: no entries.

    Examples
    --------
    >>> translations("en")
    {}
    >>> translations("fr")["per month"], translations("fr")["Expected a number, got text."]
    ('par mois', 'Il fallait un nombre, votre réponse est du texte.')
    """
    if lang == "en":
        return {}
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
    >>> tr("That is not the expected answer.")
    'That is not the expected answer.'
    >>> with labels.language("fr"):
    ...     tr("That is not the expected answer."), tr("Expected {n} item(s), got {m}.", n=3, m=2)
    ("Ce n'est pas la réponse attendue.", 'Il fallait 3 élément(s), il y en a 2.')
    >>> tr("A text no catalog holds stays {what}.", what="English")
    'A text no catalog holds stays English.'
    """
    if text is None:
        return None
    from crmkit import labels  # here: the generator reads its catalog without the labels

    lang = labels.get_language()
    if lang != "en":
        text = translations(lang).get(text, text)
    return text.format(**values) if values else text


def mark(text: str) -> str:
    """Mark ``text`` for the catalog without translating it (translated where shown, with
    :func:`tr`)."""
    return text
