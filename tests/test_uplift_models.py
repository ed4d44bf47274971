"""Uplift models and Qini evaluation (crmkit.campaigns.uplift_models)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from crmkit.campaigns import (
    ClassTransformationUplift,
    TwoModelUplift,
    best_targeting_depth,
    qini_coefficient,
    qini_curve,
    targeting_profit,
    true_qini_curve,
    uplift_at_k,
)
from crmkit.schema import SchemaError


def _campaign(n=20_000, treated_share=0.7, seed=0):
    """A randomised campaign where the answer is known: the contact persuades customers with
    high ``x``, leaves alone those with high ``habit`` (they buy anyway) and puts off a few
    (negative uplift at low ``x``)."""
    rng = np.random.default_rng(seed)
    x, habit, noise = rng.uniform(0, 1, n), rng.uniform(0, 1, n), rng.normal(size=n)
    p0 = 0.02 + 0.4 * habit  # buys anyway: the response score's favourites
    lift = 0.3 * x - 0.05  # the true uplift, from -5 to +25 points
    p1 = np.clip(p0 + lift, 0, 1)
    treated = rng.random(n) < treated_share
    bought = rng.random(n) < np.where(treated, p1, p0)
    data = pd.DataFrame({"x": x, "habit": habit, "noise": noise, "treated": treated, "converted": bought})
    return data, p1 - p0, p1


@pytest.fixture(autouse=True)
def _one_thread():
    # gradient boosting's OpenMP threads fight each other on a shared, loaded machine
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def campaign():
    return _campaign()


@pytest.mark.parametrize("model", [TwoModelUplift(), ClassTransformationUplift()],
                         ids=["two-model", "class-transformation"])
def test_each_model_ranks_by_true_uplift_better_than_random_and_than_a_response_score(campaign, model):
    data, true_uplift, p1 = campaign
    train, test = data.iloc[:14_000], data.iloc[14_000:]
    pred = model.fit(train).predict(test[["x", "habit", "noise"]])
    truth = true_uplift[14_000:]
    assert pred.index.equals(test.index)
    assert np.corrcoef(pred, truth)[0, 1] > 0.5
    q_model = qini_coefficient(true_qini_curve(pred, truth))
    rng = np.random.default_rng(1)
    q_random = [qini_coefficient(true_qini_curve(rng.random(len(truth)), truth)) for _ in range(20)]
    q_perfect = qini_coefficient(true_qini_curve(truth, truth))
    # random targeting is the diagonal: its area is about 0, the model's a good part of the perfect one
    assert max(np.abs(q_random)) < 0.15 * q_perfect
    assert q_model > 0.6 * q_perfect
    # ranking by P(buy | contacted) also favours customers who buy anyway: worse than the model
    q_response = qini_coefficient(true_qini_curve(p1[14_000:], truth))
    assert q_model > q_response


def test_class_transformation_weights_an_unbalanced_split():
    # with 90 % contacted, the unweighted transformed class would be mostly "contacted": the
    # weights make 2 P(z=1) - 1 the uplift; a linear model recovers the average uplift
    data, true_uplift, _ = _campaign(n=40_000, treated_share=0.9, seed=3)
    m = ClassTransformationUplift(features=["x", "habit"], estimator=LogisticRegression()).fit(data)
    assert m.treated_share_ == pytest.approx(0.9, abs=0.01)
    assert m.predict(data).mean() == pytest.approx(true_uplift.mean(), abs=0.02)


def test_qini_of_a_perfect_ranking_by_hand():
    # six customers ranked by a perfect score: contacted buyers first, then held-out
    # non-buyers, then contacted non-buyers and held-out buyers last
    outcome = [1, 1, 0, 0, 0, 1]
    treated = [1, 1, 0, 1, 0, 0]
    curve = qini_curve([6, 5, 4, 3, 2, 1], outcome, treated)
    # k=1: 1 test buyer, no control yet -> 1;  k=2: 2;  k=3: 2 - 0 x 2/1 = 2;
    # k=4: 2 - 0 = 2;  k=5: 2 - 0 x 3/2 = 2;  k=6: 2 - 1 x 3/3 = 1
    assert curve["incremental"].tolist() == [0, 1, 2, 2, 2, 2, 1]
    assert curve["share"].tolist() == pytest.approx([0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1])
    # above the diagonal from 0 to 1: gains 0, 5/6, 10/6, 9/6, 8/6, 7/6, 0 (q - share x 1);
    # trapezoids of width 1/6: (0+5 + 5+10 + 10+9 + 9+8 + 8+7 + 7+0) / 6 / 2 / 6
    assert qini_coefficient(curve) == pytest.approx(78 / 72)
    # the reversed ranking is below the diagonal
    assert qini_coefficient(qini_curve([1, 2, 3, 4, 5, 6], outcome, treated)) < 0


def test_uplift_at_k_is_the_difference_of_rates_in_the_top():
    score = np.arange(10, 0, -1)
    outcome = [1, 1, 0, 0, 1, 0, 0, 0, 1, 1]
    treated = [1, 1, 1, 0, 0, 1, 0, 1, 0, 0]
    # top 5: contacted 1,1,0 (2/3), held out 0,1 (1/2)
    assert uplift_at_k(score, outcome, treated, k=0.5) == pytest.approx(2 / 3 - 1 / 2)
    with pytest.raises(ValueError, match="no control"):
        uplift_at_k(score, outcome, treated, k=0.2)
    with pytest.raises(ValueError, match="share"):
        uplift_at_k(score, outcome, treated, k=0)


def test_profit_maximising_depth_contacts_exactly_the_customers_worth_it():
    rng = np.random.default_rng(5)
    u = rng.uniform(-0.05, 0.3, 500)
    margin, cost = 200.0, 12.0
    best = best_targeting_depth(u, u, margin=margin, cost=cost)
    # ranked by the true uplift, stop where a contact's expected margin falls below its cost
    assert int(best["targeted"]) == int((u * margin > cost).sum())
    assert best["profit"] == pytest.approx(np.sum(np.maximum(u * margin - cost, 0)))
    curve = targeting_profit(u, u, margin=margin, cost=cost)
    assert curve["profit"].iloc[0] == 0 and best["profit"] == curve["profit"].max()


def test_bad_input_is_one_clear_schema_error(campaign):
    data = campaign[0].head(100)
    with pytest.raises(SchemaError, match="'treated'.*rows \\[0\\]"):
        TwoModelUplift().fit(data.assign(treated=np.r_[2, np.ones(99)]))
    with pytest.raises(SchemaError, match="'converted' is missing"):
        ClassTransformationUplift().fit(data.drop(columns="converted"))
    with pytest.raises(ValueError, match="both contacted"):
        TwoModelUplift().fit(data.assign(treated=True))
