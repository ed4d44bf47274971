"""Identify: moving the match threshold without re-scoring (chapter 1's threshold explorer).

``links_at_threshold`` must give what a full run at that threshold gives, and
``threshold_sweep`` the measures ``resolution_quality`` gives, on hand-made records and on
the shipped sample market."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _hand_records import martin_records  # tests/ helper

from crmkit.datasets import load_sample
from crmkit.idic import MatchRules, resolution_quality, resolve_identities
from crmkit.idic.identify import links_at_threshold, threshold_sweep, true_matches
from crmkit.schema import SchemaError


def _weights(res):
    return {(str(a), str(b)): w for a, b, w in
            zip(res.pairs["record_id_l"], res.pairs["record_id_r"], res.pairs["weight"],
                strict=True)}


def test_hand_records_split_as_the_threshold_rises():
    recs = martin_records()
    res = resolve_identities(recs)
    w = _weights(res)
    # r1-r2: first name (an initial agrees partly) 2 + last name 4 + birth date 7
    # + postcode 1 + address 2
    assert w[("r1", "r2")] == 16.0
    # r1-r3: names 4 + 4 + birth date 7 - postcode 0.5 (moved)
    assert w[("r1", "r3")] == 14.5
    assert res.links["resolved_id"].tolist() == [1, 1, 1, 2]
    # at 15, r3 only joined through r2-r3 (names 2 + 4, date 7, postcode -0.5 = 12.5): split
    assert links_at_threshold(res, recs, 15.0)["resolved_id"].tolist() == [1, 1, 2, 3]
    assert links_at_threshold(res, recs, 16.5)["resolved_id"].tolist() == [1, 2, 3, 4]
    # the husband shares the phone, but his first name and birth date disagree:
    # first -5 + last 4 + birth date -7 + phone 5 + postcode 1 + address 2 = 0
    assert w[("r1", "r4")] == 0.0
    for t in (1.0, 10.0):
        assert links_at_threshold(res, recs, t)["resolved_id"].iloc[3] != 1
    assert links_at_threshold(res, recs, 0.0)["resolved_id"].tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize("threshold", [4.0, 10.0, 13.5, 18.0])
def test_relinking_equals_a_full_run_on_the_sample(threshold):
    recs = load_sample(tables=["source_records"]).source_records
    res = resolve_identities(recs)
    full = resolve_identities(recs, MatchRules(threshold=threshold))
    pd.testing.assert_frame_equal(links_at_threshold(res, recs, threshold), full.links)


def test_sweep_agrees_with_resolution_quality_and_is_monotone():
    recs = load_sample(tables=["source_records"]).source_records
    res = resolve_identities(recs)
    sweep = threshold_sweep(res, recs, [22, 0, 10, 16, 10])  # unsorted, repeated
    assert sweep["threshold"].tolist() == [0.0, 10.0, 16.0, 22.0]
    for row in sweep.itertuples():
        q = resolution_quality(links_at_threshold(res, recs, row.threshold), recs)
        assert (row.precision, row.recall, row.f1) == pytest.approx((q.precision, q.recall, q.f1))
        assert (row.resolved, row.persons) == (q.resolved, q.persons)
        assert row.links == int((res.pairs["weight"] >= row.threshold).sum())
    # a higher threshold keeps fewer links, so it can only split customers
    assert sweep["links"].is_monotonic_decreasing
    assert sweep["resolved"].is_monotonic_increasing
    assert sweep["recall"].is_monotonic_decreasing
    assert sweep["persons"].eq(recs["true_customer_id"].nunique()).all()


def test_true_matches_hand_and_on_the_sample():
    recs = martin_records()
    res = resolve_identities(recs)
    same = true_matches(res.pairs, recs)
    want = [recs.set_index("record_id").loc[str(a), "true_customer_id"]
            == recs.set_index("record_id").loc[str(b), "true_customer_id"]
            for a, b in zip(res.pairs["record_id_l"], res.pairs["record_id_r"], strict=True)]
    assert same.tolist() == want and same.name == "same_person"
    sample = load_sample(tables=["source_records"]).source_records
    pairs = resolve_identities(sample).pairs
    assert np.mean(true_matches(pairs, sample)) > 0.9  # blocking finds mostly true pairs


def test_bad_input_is_named():
    recs = martin_records()
    res = resolve_identities(recs)
    with pytest.raises(SchemaError, match="source_records.record_id: 3 record"):
        links_at_threshold(res, recs.iloc[:3], 10.0)
    other = recs.assign(record_id=["r1", "r2", "r3", "r9"])
    with pytest.raises(SchemaError, match="pass the table that was resolved"):
        threshold_sweep(res, other, [10])
    with pytest.raises(SchemaError, match="source_records.true_customer_id"):
        threshold_sweep(res, recs.drop(columns="true_customer_id"), [10])
    with pytest.raises(ValueError, match="thresholds is empty"):
        threshold_sweep(res, recs, [])
    with pytest.raises(SchemaError, match="pairs.record_id_l: 1 row"):
        true_matches(pd.DataFrame({"record_id_l": ["r1", "zz"], "record_id_r": ["r2", "r3"]}),
                     recs)
