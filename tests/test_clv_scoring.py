"""Scores against the truth: a good model scores better than a bad one."""

import numpy as np
import pandas as pd
import pytest

from crmkit.clv.scoring import score_probability, score_totals
from crmkit.schema import SchemaError


def test_true_probabilities_beat_noisy_ones_and_are_calibrated():
    rng = np.random.default_rng(3)
    p = pd.Series(rng.beta(2, 2, 20_000))
    truth = pd.Series(rng.uniform(0, 1, len(p)) < p)
    good = score_probability(p, truth)
    noisy = score_probability((p + rng.normal(0, 0.3, len(p))).clip(0, 1), truth)
    biased = score_probability(p ** 3, truth)
    assert good.auc > noisy.auc + 0.05
    assert good.calibration_error < 0.03 < biased.calibration_error
    assert biased.auc == pytest.approx(good.auc)  # a monotone transform keeps the ranking
    assert good.brier < noisy.brier


def test_totals_and_bad_input():
    s = score_totals(pd.Series([2.0, 2.0, 0.0]), pd.Series([1, 4, 1]))
    assert s["total_error"] == pytest.approx(-1 / 3)
    assert s["mae"] == pytest.approx(4 / 3)
    with pytest.raises(SchemaError, match="without a true outcome"):
        score_totals(pd.Series([1.0], index=[9]), pd.Series([1]))
    with pytest.raises(ValueError, match="single value"):
        score_probability(pd.Series([0.2, 0.4]), pd.Series([True, True]))
