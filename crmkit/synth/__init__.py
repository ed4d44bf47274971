"""The synthetic market: bank and insurance customers moving through life stages.

>>> from crmkit.synth import generate
>>> market = generate(customers=100, years=1, seed=3)
>>> list(market.tables())[:3]
['customers', 'source_records', 'life_events']
"""

from crmkit.synth.market import Market, generate, generate_to

__all__ = ["Market", "generate", "generate_to", "story"]


def story(name: str = "young_driver"):
    """One named persona's path over ~30 years (see :mod:`crmkit.synth.stories`).

    Parameters
    ----------
    name : {"young_driver", "bank_family"}, default "young_driver"
        The persona.

    Returns
    -------
    crmkit.synth.stories.Story
        Its ``path`` (one row per year), ``contracts``, ``events`` and numbered ``steps``.

    Examples
    --------
    The bank family's first step: a 19-year-old in 1985.

    >>> from crmkit.synth import story
    >>> s = story("bank_family")
    >>> s.sector, s.steps.loc[0, ["year", "age"]].tolist()
    ('bank', [1985, 19])
    """
    from crmkit.synth.stories import story as _story

    return _story(name)
