"""Shared fixtures: one small generated market for the whole test session.

``market`` is 2,000 customers x 10 years (sector "both", seed 7), generated once per
session (a couple of seconds). Tests must not modify its tables in place: copy first.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def market():
    from crmkit.synth import generate

    return generate(customers=2_000, years=10, sector="both", seed=7)
