"""Shared fixtures: one small generated market for the whole test session.

``market`` is 2,000 customers x 10 years (sector "both", seed 7), generated once per
session (a couple of seconds). Tests must not modify its tables in place: copy first.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# CI must be reproducible: by default the property tests draw the same examples on every
# run, and a loaded 2-core machine must not turn a slow example into a failure. To hunt
# for new counter-examples, run with HYPOTHESIS_PROFILE=explore (random draws).
settings.register_profile("crmkit", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "crmkit"))


@pytest.fixture(scope="session")
def market():
    from crmkit.synth import generate

    return generate(customers=2_000, years=10, sector="both", seed=7)


@pytest.fixture
def targets_from_counts():
    """Build a ``campaign_targets`` table from counts (chapter 5's tests).

    ``spec`` maps campaign_id -> ((n_test, converted), (n_control, converted)); the
    converted test targets are also the ones who responded.
    """
    import numpy as np
    import pandas as pd

    def build(spec):
        parts, next_id = [], 1
        for cid, ((n1, x1), (n0, x0)) in spec.items():
            n = n1 + n0
            parts.append(pd.DataFrame({
                "campaign_id": cid, "customer_id": np.arange(next_id, next_id + n),
                "group": ["test"] * n1 + ["control"] * n0,
                "responded": [True] * x1 + [False] * (n - x1),
                "converted": ([True] * x1 + [False] * (n1 - x1)
                              + [True] * x0 + [False] * (n0 - x0)),
            }))
            next_id += n
        return pd.concat(parts, ignore_index=True)

    return build
