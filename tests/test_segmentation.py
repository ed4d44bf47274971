"""Tests of crmkit.segmentation: hand-computed examples, invariants, bad input, and the
mechanisms measured on the generated market (fixture ``market`` from conftest)."""

from __future__ import annotations

import importlib
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit import labels
from crmkit import segmentation as S
from crmkit.schema import SchemaError
from crmkit.segmentation._frame import quantile_scores

D = pd.Timestamp
# the submodule (the package attribute "rfm" is the function of that name)
rfm_module = importlib.import_module("crmkit.segmentation.rfm")


def customers_values(values, ids=None):
    ids = list(range(1, len(values) + 1)) if ids is None else ids
    return pd.DataFrame({"customer_id": ids, "value": values})


# ---------------------------------------------------------------------------------------
# ABC / Pareto
# ---------------------------------------------------------------------------------------
def test_abc_hand_computed_seed_shares():
    # 20 customers: the best 2 (10 %) are A, the next 5 (25 %) B, the last 13 C
    values = [100, 80] + [20, 20, 15, 10, 10] + [1] * 13
    res = S.abc_analysis(customers_values(values), "value")
    s = res.summary.set_index("abc_class")
    assert s["customers"].tolist() == [2, 5, 13]
    total = sum(values)
    assert s.loc["A", "value"] == 180
    assert s.loc["A", "value_share"] == pytest.approx(180 / total)
    assert s.loc["B", "value_share"] == pytest.approx(75 / total)
    assert s.loc["C", "min_value"] == 1 and s.loc["A", "max_value"] == 100
    assert res.customers["rank"].tolist() == list(range(1, 21))
    assert res.customers["cum_value_share"].iloc[-1] == pytest.approx(1.0)


def test_abc_ties_broken_by_customer_id():
    df = customers_values([5, 5, 5, 5], ids=[40, 10, 30, 20])
    res = S.abc_analysis(df, "value", shares=(0.25, 0.25, 0.5))
    assert res.customers["customer_id"].tolist() == [10, 20, 30, 40]
    assert res.customers["abc_class"].astype(str).tolist() == ["A", "B", "C", "C"]


def test_abc_custom_labels_and_negative_margins():
    df = customers_values([300.0, 100.0, -50.0, -50.0])
    res = S.abc_analysis(df, "value", shares=(0.5, 0.5), labels=("top", "rest"))
    s = res.summary.set_index("abc_class")
    # the top half carries 400 of a total of 300: more than 100 % (the whale curve)
    assert s.loc["top", "value_share"] == pytest.approx(400 / 300)
    assert s.loc["rest", "value_share"] == pytest.approx(-100 / 300)


@pytest.mark.parametrize(
    "kwargs",
    [dict(shares=(0.5, 0.4)), dict(shares=(1.0,)), dict(shares=(0.5, -0.5, 1.0)),
     dict(labels=("A", "A", "B")), dict(labels=("A", "B"))],
)
def test_abc_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        S.abc_analysis(customers_values([3, 2, 1]), "value", **kwargs)


def test_abc_bad_input_names_table_column_rows():
    with pytest.raises(SchemaError, match=r"customers\.value: missing column"):
        S.abc_analysis(pd.DataFrame({"customer_id": [1]}), "value")
    with pytest.raises(SchemaError, match=r"customers\.value: expected number.*offending rows \(index\): \[1\]"):
        S.abc_analysis(pd.DataFrame({"customer_id": [1, 2], "value": ["3", "x"]}), "value")
    with pytest.raises(SchemaError, match="customers: the table is empty"):
        S.abc_analysis(customers_values([]), "value")
    with pytest.raises(SchemaError, match=r"customers\.customer_id: 2 row\(s\) duplicated key"):
        S.abc_analysis(customers_values([1, 2], ids=[7, 7]), "value")
    with pytest.raises(SchemaError, match=r"customers\.value: 1 row\(s\) missing"):
        S.abc_analysis(customers_values([1.0, np.nan]), "value")
    with pytest.raises(ValueError, match="positive total"):
        S.abc_analysis(customers_values([1.0, -3.0]), "value")


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    cut=st.lists(st.floats(0.05, 1.0), min_size=2, max_size=4),
)
def test_abc_invariants(values, cut):
    df = customers_values(values)
    if not df["value"].sum() > 0:
        return
    shares = tuple(np.asarray(cut) / np.sum(cut))
    res = S.abc_analysis(df, "value", shares=shares)
    s = res.summary
    assert s["customer_share"].sum() == pytest.approx(1.0)
    assert s["value_share"].sum() == pytest.approx(1.0)
    assert s["customers"].sum() == len(values)
    # classes are ordered by value: everyone in a class is worth at least everyone after it
    present = s.loc[s["customers"] > 0]
    assert (present["min_value"].to_numpy()[:-1] >= present["max_value"].to_numpy()[1:]).all()
    # class sizes follow the cumulative shares (floor), the last class takes the rest
    bounds = np.floor(np.cumsum(shares) * len(values) + 1e-9).astype(int)
    assert s["customers"].cumsum().to_numpy()[:-1].tolist() == bounds[:-1].tolist()


def test_pareto_lorenz_gini_top_share_hand():
    df = customers_values([50.0, 30.0, 20.0, 0.0])
    p = S.pareto_curve(df, "value")
    assert p["value_share"].tolist() == pytest.approx([0, 0.5, 0.8, 1.0, 1.0])
    lz = S.lorenz_curve(df, "value")
    assert lz["value_share"].tolist() == pytest.approx([0, 0, 0.2, 0.5, 1.0])
    # area under the Lorenz curve: trapezes of width 1/4 -> (0 + 0.1 + 0.35 + 0.75) / 4 = 0.3
    assert S.gini(df, "value") == pytest.approx(1 - 2 * 0.3)
    assert S.top_share(df, "value", 0.25) == pytest.approx(0.5)
    assert S.top_share(df, "value", 0.3) == pytest.approx(0.8)  # ceil(0.3 * 4) = 2 customers
    with pytest.raises(SchemaError, match="negative"):
        S.lorenz_curve(customers_values([1.0, -1.0]), "value")
    with pytest.raises(ValueError):
        S.top_share(df, "value", 0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50))
def test_lorenz_curve_is_below_diagonal_and_gini_in_unit_interval(values):
    df = customers_values(values)
    if not df["value"].sum() > 0:
        return
    lz = S.lorenz_curve(df, "value")
    assert (lz["value_share"] <= lz["customer_share"] + 1e-9).all()
    assert np.all(np.diff(lz["value_share"]) >= -1e-12)
    assert -1e-9 <= S.gini(df, "value") <= 1.0


# ---------------------------------------------------------------------------------------
# quantile scores, RFM, FRAT
# ---------------------------------------------------------------------------------------
def test_quantile_scores_tie_rules_hand():
    v = np.array([1, 1, 1, 2, 3, 4])
    ids = np.array([6, 5, 4, 3, 2, 1])
    # min: ranks 0,0,0,3,4,5 -> 1 + 3k // 6
    assert quantile_scores(v, ids, 3, ties="min").tolist() == [1, 1, 1, 2, 3, 3]
    # first: ties ordered by id (4, 5, 6) -> ranks 2,1,0 for ids 6,5,4
    assert quantile_scores(v, ids, 3, ties="first").tolist() == [2, 1, 1, 2, 3, 3]
    # lower is better (recency): the smallest value gets the top score
    assert quantile_scores(np.array([10, 20, 30]), np.array([1, 2, 3]), 3,
                           higher_is_better=False).tolist() == [3, 2, 1]
    with pytest.raises(ValueError):
        quantile_scores(v, ids, 1)
    with pytest.raises(ValueError):
        quantile_scores(v, ids, 3, ties="average")


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.integers(0, 20), min_size=1, max_size=80),
    bins=st.integers(2, 10),
    ties=st.sampled_from(["min", "first"]),
)
def test_quantile_scores_in_range_and_monotone(values, bins, ties):
    v = np.asarray(values, dtype=float)
    ids = np.arange(len(v))[::-1]
    s = quantile_scores(v, ids, bins, ties=ties)
    assert s.min() >= 1 and s.max() <= bins
    order = np.lexsort((ids, v))  # by value, then id: scores never go down
    assert np.all(np.diff(s[order]) >= 0)
    if ties == "min":  # equal values, equal scores
        for x in np.unique(v):
            assert len(np.unique(s[v == x])) == 1
    else:  # equal-sized scores
        counts = np.bincount(s, minlength=bins + 1)[1:]
        assert counts.max() - counts.min() <= 1


def tx_table():
    return pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 3, 4],
        "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2023-06-01",
                                "2024-03-20", "2024-01-15", "2024-04-30"]),
        "kind": ["deposit", "deposit", "premium", "deposit", "deposit", "deposit", "deposit"],
        "amount": [100.0, 50.0, 999.0, 10.0, 30.0, 500.0, 20.0],
        "margin": [1.0] * 7,
    })


def test_rfm_table_hand_with_kinds_and_as_of():
    out = S.rfm_table(tx_table(), as_of="2024-03-31")  # customer 4 is after as_of
    assert out["customer_id"].tolist() == [1, 2, 3]
    assert out["recency_days"].tolist() == [59, 11, 76]  # the premium row is not a purchase
    assert out["frequency"].tolist() == [2, 2, 1]
    assert out["monetary"].tolist() == [150.0, 40.0, 500.0]
    mean = S.rfm_table(tx_table(), as_of="2024-03-31", monetary="mean")
    assert mean["monetary"].tolist() == [75.0, 20.0, 500.0]
    # default as_of: the last date of the whole table
    assert S.rfm_table(tx_table())["recency_days"].tolist() == [89, 41, 106, 0]
    allkinds = S.rfm_table(tx_table(), kinds=None, as_of="2024-03-31")
    assert allkinds["frequency"].tolist() == [3, 2, 1]


def test_rfm_bad_input():
    tx = tx_table()
    with pytest.raises(SchemaError, match=r"transactions\.amount: 1 row\(s\) negative; first offending rows \(index\): \[2\]"):
        S.rfm_table(tx.assign(amount=tx["amount"].where(tx.index != 2, -1.0)))
    with pytest.raises(SchemaError, match=r"transactions\.date: expected datetime"):
        S.rfm_table(tx.assign(date=tx["date"].astype(str)))
    with pytest.raises(SchemaError, match=r"transactions\.kind: missing column"):
        S.rfm_table(tx.drop(columns="kind"))
    with pytest.raises(SchemaError, match="no row dated on or before"):
        S.rfm_table(tx, as_of="2000-01-01")
    with pytest.raises(SchemaError, match=r"transactions\.kind: no row of kind \['refund'\]"):
        S.rfm_table(tx, kinds=("refund",))
    with pytest.raises(SchemaError, match="transactions: the table is empty"):
        S.rfm_table(tx.iloc[:0])
    with pytest.raises(ValueError, match="monetary"):
        S.rfm_table(tx, monetary="median")
    with pytest.raises(ValueError, match="as_of"):
        S.rfm_table(tx, as_of="not a date")


def test_rfm_scores_and_segments_hand():
    rfm_df = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
                           "recency_days": [1, 10, 100, 200, 300],
                           "frequency": [9, 7, 5, 3, 1],
                           "monetary": [10.0, 20, 30, 40, 50]})
    out = S.rfm_segments(S.rfm_scores(rfm_df))
    assert out["R"].tolist() == [5, 4, 3, 2, 1]
    assert out["F"].tolist() == [5, 4, 3, 2, 1]
    assert out["M"].tolist() == [1, 2, 3, 4, 5]
    assert out["FM"].tolist() == [3, 3, 3, 3, 3]  # ceil((F + M) / 2)
    assert out["rfm_segment"].astype(str).tolist() == [
        "potential_loyalists", "potential_loyalists", "need_attention", "at_risk", "at_risk"]
    assert out["rfm_cell"].tolist() == ["551", "442", "333", "224", "115"]
    assert out["rfm_score"].tolist() == [11, 10, 9, 8, 7]


def test_rfm_segment_rules_cover_the_grid_once():
    cells = [(r, f) for r in range(1, 6) for f in range(1, 6)]
    scores = pd.DataFrame({"R": [c[0] for c in cells], "F": [c[1] for c in cells],
                           "M": [c[1] for c in cells]})
    seg = S.rfm_segments(scores)["rfm_segment"]
    assert seg.notna().all() and set(seg.astype(str)) == set(S.RFM_SEGMENTS)
    assert labels.missing(S.RFM_SEGMENTS, "rfm_segment") == []
    with pytest.raises(ValueError, match="cover"):
        S.rfm_segments(scores, rules=S.RFM_SEGMENT_RULES[:-1])
    with pytest.raises(ValueError, match="overlaps"):
        S.rfm_segments(scores, rules=S.RFM_SEGMENT_RULES + (("x", (1, 1), (1, 1)),))
    with pytest.raises(ValueError, match="5 bins"):
        S.rfm_segments(scores.assign(R=6))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 30), st.integers(0, 5000)),
                min_size=1, max_size=60))
def test_rfm_scores_monotone_in_their_input(rows):
    df = pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary"])
    df.insert(0, "customer_id", np.arange(len(df)))
    out = S.rfm_scores(df, bins=5)
    for col in "RFM":
        assert out[col].between(1, 5).all()
    # a more recent customer never has a lower R; more purchases or spend never lower F/M
    for col, score, sign in (("recency_days", "R", -1), ("frequency", "F", 1),
                             ("monetary", "M", 1)):
        x = sign * out[col].to_numpy()
        s = out[score].to_numpy()
        assert not np.any((x[:, None] > x[None, :]) & (s[:, None] < s[None, :]))


def test_frat_hand():
    tx = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2],
        "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01",
                                "2024-01-02"]),
        "family": ["cover", "savings", "savings", "credit", "credit"],
        "amount": [50.0, 20.0, 20.0, 10.0, 10.0],
    })
    f = S.frat_table(tx, type_col="family")
    assert f["n_types"].tolist() == [2, 1]
    # customer 1: cover 50 > savings 40
    assert f["main_type"].tolist() == ["cover", "credit"]
    assert f["frequency"].tolist() == [3, 2] and f["recency_days"].tolist() == [0, 59]
    sc = S.frat_scores(f, bins=2)
    assert sc[["F", "R", "A", "T"]].to_numpy().tolist() == [[2, 2, 2, 2], [1, 1, 1, 1]]
    # a tie between two types goes to the first in sort order
    tie = tx.assign(amount=[20.0, 20.0, 0.0, 10.0, 10.0])
    assert S.frat_table(tie, type_col="family")["main_type"].tolist() == ["cover", "credit"]
    with pytest.raises(SchemaError, match=r"transactions\.family: missing column"):
        S.frat_table(tx.drop(columns="family"), type_col="family")


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(1, 8), st.integers(0, 400), st.sampled_from("cab"),
                            st.integers(0, 500)), min_size=1, max_size=60),
    dense=st.booleans(),
    categorical=st.booleans(),
)
def test_rfm_and_frat_agree_with_a_plain_groupby(rows, dense, categorical):
    tx = pd.DataFrame(rows, columns=["customer_id", "day", "family", "amount"])
    tx["date"] = D("2020-01-01") + pd.to_timedelta(tx["day"], unit="D")
    tx["amount"] = tx["amount"].astype(float)
    if categorical:  # categories deliberately not in sorted order
        tx["family"] = pd.Categorical(tx["family"], categories=["c", "a", "b"])
    with patch.object(rfm_module, "_DENSE_CELLS", 10**9 if dense else 0):
        got = S.frat_table(tx, type_col="family")
    as_of = tx["date"].max()
    g = tx.groupby("customer_id")
    assert got["customer_id"].tolist() == sorted(tx["customer_id"].unique())
    assert got["frequency"].tolist() == g.size().tolist()
    assert got["monetary"].tolist() == pytest.approx(g["amount"].sum().tolist())
    assert got["recency_days"].tolist() == (as_of - g["date"].max()).dt.days.tolist()
    assert got["first_purchase"].tolist() == g["date"].min().tolist()
    assert got["n_types"].tolist() == g["family"].nunique().tolist()
    sums = tx.assign(family=tx["family"].astype(str)).groupby(["customer_id", "family"])[
        "amount"].sum()
    best = [min(t for t, v in grp.droplevel(0).items() if v == grp.max())
            for _, grp in sums.groupby(level=0)]
    assert got["main_type"].astype(str).tolist() == best


def test_rfm_table_timezone_aware_dates_are_refused_with_the_fix():
    # one policy for the whole kit (crmkit.schema.check_dates): refused, never converted
    tx = tx_table().assign(date=tx_table()["date"].dt.tz_localize("Europe/Paris"))
    with pytest.raises(SchemaError, match=r"transactions.date: time-zone-aware.*tz_localize"):
        S.rfm_table(tx, as_of=D("2024-03-31"))
    with pytest.raises(SchemaError, match="as_of: time-zone-aware"):
        S.rfm_table(tx_table(), as_of=D("2024-03-31", tz="Europe/Paris"))
    # the fix the message gives restores the naive wall-clock dates and the answer
    fixed = tx.assign(date=tx["date"].dt.tz_localize(None))
    assert S.rfm_table(fixed, as_of=D("2024-03-31"))["recency_days"].tolist() == [59, 11, 76]


# ---------------------------------------------------------------------------------------
# profitability matrix
# ---------------------------------------------------------------------------------------
def test_profitability_matrix_quadrants_and_checks():
    df = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 6, 7],
        "direct_profit": [500.0, -20, 400, 10, 5, 0, -30],
        "potential": [900.0, 800, 50, 0, 10, 20, 5],
        "reference": [False, False, False, False, True, False, True],
        "growth": [0.0, 0.0, 0.0, 0.05, 0.0, 0.5, 0.9],
        "other": [False, False, False, False, False, False, True],
    })
    m = S.profitability_matrix(df, current_threshold=100, potential_threshold=100,
                               reference_col="reference", growth_col="growth",
                               growth_threshold=0.3, other_division_col="other")
    assert m["quadrant"].astype(str).tolist() == [
        "desirable", "under_developed", "mature", "undesirable", "undesirable", "undesirable",
        "undesirable"]
    # the first check in the seed's order names the reason
    assert m["check"].tolist() == ["", "", "", "", "reference_customer", "fast_growing",
                                   "reference_customer"]
    assert m["non_priority"].tolist() == [False, False, False, True, False, False, False]
    # at the threshold counts as high
    edge = S.profitability_matrix(df, current_threshold=500, potential_threshold=900)
    assert edge.loc[0, "quadrant"] == "desirable"
    # median thresholds: 4 of 7 at or above the median of each axis
    med = S.profitability_matrix(df)
    assert med["high_current"].sum() == 4 and med["high_potential"].sum() == 4
    assert labels.missing(S.MATRIX_QUADRANTS, "value_quadrant") == []


def test_profitability_matrix_bad_input():
    df = pd.DataFrame({"customer_id": [1], "direct_profit": [1.0], "potential": [1.0]})
    with pytest.raises(ValueError, match="growth"):
        S.profitability_matrix(df, growth_col="direct_profit")
    with pytest.raises(SchemaError, match=r"customers\.ref: expected bool"):
        S.profitability_matrix(df.assign(ref=[1]), reference_col="ref")
    with pytest.raises(ValueError, match="median"):
        S.profitability_matrix(df, current_threshold="mean")


# ---------------------------------------------------------------------------------------
# lifecycle
# ---------------------------------------------------------------------------------------
def life_tables():
    ev = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 3],
        "date": pd.to_datetime(["2010-01-01", "2011-01-01", "2014-01-01", "2012-01-01",
                                "2016-01-01", "2013-01-01"]),
        "event": ["marriage", "car_purchase", "birth", "marriage", "birth", "car_purchase"],
        "stage_before": ["single", "couple", "couple", "single", "couple", "single"],
        "stage_after": ["couple", "couple", "family", "couple", "family", "single"],
    })
    cu = pd.DataFrame({"customer_id": [1, 2, 3],
                       "birth_date": pd.to_datetime(["1985-01-01", "1980-01-01",
                                                     "1990-01-01"])})
    return ev, cu


def test_stage_spells_and_norms_hand():
    ev, cu = life_tables()
    sp = S.stage_spells(ev, cu, as_of="2018-01-01")
    # customer 1: single (unknown entry) -> couple 2010 -> family 2014; the car purchase
    # changes nothing; customer 3 never changed stage
    c1 = sp.loc[sp["customer_id"] == 1]
    assert c1["stage"].tolist() == ["single", "couple", "family"]
    assert c1["completed"].tolist() == [True, True, False]
    assert c1["age_at_entry"].round(1).tolist()[1:] == [25.0, 29.0]
    assert c1["years_in_stage"].round(1).tolist()[1:] == [4.0, 4.0]
    c3 = sp.loc[sp["customer_id"] == 3]
    assert c3["stage"].tolist() == ["single"] and c3["left"].isna().all()
    norms = S.stage_norms(sp).set_index("stage")
    # couple: entered at 25 (customer 1) and 32 (customer 2); stays of 4 years each
    assert norms.loc["couple", "norm_age_at_entry"] == pytest.approx(28.5, abs=0.01)
    assert norms.loc["couple", "norm_years_in_stage"] == pytest.approx(4.0, abs=0.01)
    assert norms.loc["family", "entries"] == 2


def test_lifecycle_segments_pace_hand():
    ev, cu = life_tables()
    seg = S.lifecycle_segments(ev, cu, as_of="2018-01-01", tolerance_years=2).set_index(
        "customer_id")
    # family norm: entered at 29 (c1) and 36 (c2) -> median 32.5
    assert seg.loc[1, "stage"] == "family" and seg.loc[1, "pace"] == "ahead"
    assert seg.loc[2, "pace"] == "behind"
    assert seg.loc[3, "pace"] == "unknown"
    assert seg.loc[1, "years_ahead"] == pytest.approx(3.5, abs=0.01)
    wide = S.lifecycle_segments(ev, cu, as_of="2018-01-01", tolerance_years=5)
    assert (wide.loc[wide["customer_id"] < 3, "pace"] == "on_norm").all()
    assert labels.missing(S.PACES, "lifecycle_pace") == []


def test_lifecycle_bad_input():
    ev, cu = life_tables()
    with pytest.raises(SchemaError, match=r"life_events\.date: 1 row\(s\) before birth_date; first offending rows \(index\): \[5\]"):
        S.stage_spells(ev, cu.assign(birth_date=cu["birth_date"].where(
            cu["customer_id"] != 3, D("2014-01-01"))))
    with pytest.raises(SchemaError, match=r"life_events\.customer_id: 1 row\(s\) not in the customers table"):
        S.stage_spells(ev, cu.iloc[:2])
    with pytest.raises(ValueError):
        S.lifecycle_segments(ev, cu, tolerance_years=-1)


# ---------------------------------------------------------------------------------------
# statistical segmentation
# ---------------------------------------------------------------------------------------
def blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[20, 1, 100], [45, 4, 900], [70, 2, 300]])
    sizes = [n // 2, n // 3, n - n // 2 - n // 3]
    parts = [rng.normal(c, [2, 0.2, 20], size=(k, 3)) for c, k in zip(centres, sizes, strict=True)]
    df = pd.DataFrame(np.vstack(parts), columns=["age", "products", "margin"])
    truth = np.repeat([0, 1, 2], sizes)
    return df, truth


def test_statistical_segmentation_recovers_blobs():
    df, truth = blobs()
    seg = S.StatisticalSegmentation(3, n_components=0.95).fit(df)
    # clusters are numbered by size: the blobs were built largest first
    assert (seg.labels_ == truth).all()
    assert seg.profile_["size"].tolist() == [30, 20, 10]
    assert seg.profile_["share"].sum() == pytest.approx(1.0)
    assert seg.profile_.loc[1, "margin"] == pytest.approx(df["margin"][truth == 1].mean())
    assert (seg.predict(df) == seg.labels_).all()
    assert 0 < seg.explained_variance_ratio_.sum() <= 1
    again = S.StatisticalSegmentation(3, n_components=0.95).fit(df)
    assert (again.labels_ == seg.labels_).all()
    assert seg.get_params()["n_clusters"] == 3  # scikit-learn estimator API


def test_statistical_segmentation_bad_input_and_choose_k():
    df, _ = blobs()
    with pytest.raises(SchemaError, match=r"customers\.age: 1 row\(s\) infinite value\(s\); first offending rows \(index\): \[3\]"):
        S.StatisticalSegmentation(2).fit(df.assign(age=df["age"].where(df.index != 3, np.inf)))
    with pytest.raises(SchemaError, match=r"customers\.age: 1 row\(s\) missing"):
        S.StatisticalSegmentation(2).fit(df.assign(age=df["age"].where(df.index != 3)))
    with pytest.raises(ValueError):
        S.StatisticalSegmentation(0).fit(df)
    same = pd.DataFrame({"age": [40.0] * 6, "products": [2.0, 2.0, 3.0, 3.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="only 2 distinct row"):
        S.StatisticalSegmentation(3).fit(same)
    assert S.StatisticalSegmentation(2).fit(same).profile_["size"].tolist() == [3, 3]
    ks = S.choose_k(df, ["age", "products", "margin"], ks=[2, 3, 4], n_components=None)
    assert ks["k"].tolist() == [2, 3, 4]
    assert ks["inertia"].is_monotonic_decreasing
    assert ks.set_index("k")["silhouette"].idxmax() == 3


def test_cluster_profile_hand():
    df = pd.DataFrame({"x": [1.0, 3.0, 10.0]})
    prof = S.cluster_profile(df, ["a", "a", "b"], ["x"])
    assert prof["x"].tolist() == [2.0, 10.0] and prof["size"].tolist() == [2, 1]
    with pytest.raises(ValueError):
        S.cluster_profile(df, [0, 1], ["x"])


# ---------------------------------------------------------------------------------------
# piloting
# ---------------------------------------------------------------------------------------
def test_migration_matrix_counts_and_categories():
    cats = pd.CategoricalDtype(["gold", "silver", "bronze"], ordered=True)
    t0 = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
                       "segment": pd.Series(["gold", "gold", "silver", "bronze", "bronze"],
                                            dtype=cats)})
    t1 = pd.DataFrame({"customer_id": [1, 2, 3, 5, 6],
                       "segment": pd.Series(["gold", "silver", "silver", "gold", "bronze"],
                                            dtype=cats)})
    counts = S.migration_matrix(t0, t1, normalize=False)
    assert counts.index.tolist() == ["gold", "silver", "bronze", "new"]
    assert counts.columns.tolist() == ["gold", "silver", "bronze", "lost"]
    assert counts.loc["gold"].tolist() == [1, 1, 0, 0]
    assert counts.loc["bronze"].tolist() == [1, 0, 0, 1]
    assert counts.loc["new"].tolist() == [0, 0, 1, 0]
    shares = S.migration_matrix(t0, t1)
    assert shares.loc["bronze"].tolist() == [0.5, 0, 0, 0.5]
    with pytest.raises(SchemaError, match=r"before\.customer_id: 2 row\(s\) duplicated"):
        S.migration_matrix(pd.concat([t0, t0.iloc[:1]]), t1)
    with pytest.raises(SchemaError, match=r"after\.segment: missing column"):
        S.migration_matrix(t0, t1.rename(columns={"segment": "seg"}))


@settings(max_examples=25, deadline=None)
@given(
    before=st.lists(st.sampled_from("ABCD"), min_size=1, max_size=40),
    after=st.lists(st.sampled_from("ABC"), min_size=1, max_size=40),
    shift=st.integers(0, 20),
)
def test_migration_rows_sum_to_one(before, after, shift):
    t0 = pd.DataFrame({"customer_id": range(len(before)), "segment": before})
    t1 = pd.DataFrame({"customer_id": range(shift, shift + len(after)), "segment": after})
    m = S.migration_matrix(t0, t1)
    assert np.allclose(m.sum(axis=1), 1.0)
    counts = S.migration_matrix(t0, t1, normalize=False)
    assert counts.drop(index="new", errors="ignore").to_numpy().sum() == len(before)
    stab = S.stability_index(t0, t1)
    assert 0 <= stab.psi and (np.isnan(stab.share_unchanged) or 0 <= stab.share_unchanged <= 1)


def test_stability_index_hand():
    t0 = pd.DataFrame({"customer_id": [1, 2, 3, 4], "segment": ["A", "A", "B", "B"]})
    same = S.stability_index(t0, t0)
    assert same.share_unchanged == 1.0 and same.psi == 0.0
    t1 = pd.DataFrame({"customer_id": [1, 2, 3, 4], "segment": ["A", "B", "B", "B"]})
    s = S.stability_index(t0, t1)
    assert s.share_unchanged == 0.75
    # PSI = (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5)
    assert s.psi == pytest.approx(-0.25 * np.log(0.5) + 0.25 * np.log(1.5))
    assert s.segments["stayed"].tolist() == [0.5, 1.0]


def test_segment_kpis_hand_and_by_period():
    df = pd.DataFrame({"year": [2023, 2023, 2023, 2024, 2024],
                       "segment": ["A", "B", "B", "A", "A"],
                       "margin": [10.0, 20.0, 30.0, 40.0, 50.0]})
    out = S.segment_kpis(df, "segment", kpis={"margin": ("margin", "sum"),
                                              "avg": ("margin", "mean")}, period_col="year")
    assert out[["year", "segment"]].values.tolist() == [[2023, "A"], [2023, "B"], [2024, "A"]]
    assert out["customers"].tolist() == [1, 2, 2]
    assert out["share"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert out["margin"].tolist() == [10.0, 50.0, 90.0]
    assert out["avg"].tolist() == [10.0, 25.0, 45.0]
    with pytest.raises(ValueError):
        S.segment_kpis(df, "segment", kpis={"customers": ("margin", "sum")})
    with pytest.raises(ValueError):
        S.segment_kpis(df, "segment", kpis={"m": "margin"})
    with pytest.raises(SchemaError, match=r"customers\.nope: missing column"):
        S.segment_kpis(df, "segment", kpis={"m": ("nope", "sum")})


# ---------------------------------------------------------------------------------------
# the mechanisms on the generated market
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def yearly_margin(market):
    tx = market.transactions
    last = tx.loc[tx["date"] >= D("2024-01-01")]
    return last.groupby("customer_id", as_index=False)["margin"].sum()


def test_market_value_is_concentrated(yearly_margin):
    abc = S.abc_analysis(yearly_margin, "margin").summary.set_index("abc_class")
    # the A class (10 % of customers) carries far more than 10 % of the margin
    assert abc.loc["A", "value_share"] > 0.4
    assert abc.loc["A", "value_share"] > abc.loc["B", "value_share"] > abc.loc["C", "value_share"]
    assert S.top_share(yearly_margin, "margin", 0.2) > 0.6


def test_market_rfm_on_contracts_predicts_churn(market):
    as_of = D("2019-12-31")
    cu = market.customers
    alive = cu.loc[(cu["acquisition_date"] <= as_of)
                   & (cu["churn_date"].isna() | (cu["churn_date"] > as_of)), "customer_id"]
    contracts = market.contracts.loc[market.contracts["customer_id"].isin(alive)]
    seg = S.rfm(contracts, as_of=as_of, kinds=None, date_col="start_date",
                amount_col="monthly_premium", table="contracts")
    churn = seg["customer_id"].map(cu.set_index("customer_id")["churn_date"])
    seg["left"] = churn.notna().to_numpy()
    by_f = seg.groupby("F")["left"].mean()
    # customers who bought more contracts (breadth of the relationship) leave less
    assert by_f.loc[by_f.index >= 4].mean() < by_f.loc[by_f.index <= 2].mean()


def test_market_segments_are_stable_but_move(market):
    co = market.contracts
    kw = dict(kinds=None, date_col="start_date", amount_col="monthly_premium", table="contracts")
    a = S.rfm(co, as_of="2021-12-31", **kw).rename(columns={"rfm_segment": "segment"})
    b = S.rfm(co, as_of="2022-12-31", **kw).rename(columns={"rfm_segment": "segment"})
    stab = S.stability_index(a, b)
    # one year later most customers keep their segment, but not all
    assert 0.5 < stab.share_unchanged < 1.0
    mig = S.migration_matrix(a, b)
    assert np.allclose(mig.sum(axis=1), 1.0)
    # the diagonal dominates for the large, settled segments
    assert mig.loc["hibernating", "hibernating"] > 0.5


def test_market_lifecycle_norms_follow_the_life_course(market):
    norms = S.stage_norms(S.stage_spells(market.life_events, market.customers)).set_index(
        "stage")["norm_age_at_entry"]
    assert norms["couple"] < norms["mature_family"] < norms["empty_nest"] < norms["retired"]
    assert norms["retired"] < norms["widowed"]
    seg = S.lifecycle_segments(market.life_events, market.customers)
    known = seg.loc[seg["pace"] != "unknown"]
    assert (known.loc[known["pace"] == "ahead", "years_ahead"] > 2).all()
    assert set(known["pace"].astype(str)) == {"ahead", "on_norm", "behind"}


def test_market_statistical_segmentation_profiles(market, yearly_margin):
    feats = yearly_margin.merge(
        market.contracts.groupby("customer_id").size().rename("contracts").reset_index())
    feats = feats.merge(market.customers[["customer_id", "income", "credit_score"]])
    cols = ["margin", "contracts", "income", "credit_score"]
    seg = S.StatisticalSegmentation(4, columns=cols).fit(feats)
    prof = seg.profile_
    assert prof["size"].sum() == len(feats) and prof["size"].is_monotonic_decreasing
    # segments are not all alike: mean margins differ widely between clusters
    assert prof["margin"].max() - prof["margin"].min() > feats["margin"].std()


def test_rfm_equal_totals_tie_whatever_the_row_order():
    # (0.1 + 0.2) + 0.3 != (0.3 + 0.2) + 0.1 in floats: a float sum would split the two
    # customers across a score boundary; exact micro-euro sums make them tie, as on DuckDB
    from crmkit.segmentation.rfm import frat_table, rfm

    assert (0.1 + 0.2) + 0.3 != (0.3 + 0.2) + 0.1
    amounts = [0.1, 0.2, 0.3, 0.3, 0.2, 0.1]
    tx = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 2] + [3, 4, 5],
        "date": pd.to_datetime(["2024-01-01"] * 9),
        "amount": amounts + [0.1, 5.0, 9.0],
        "kind": ["a", "b", "a", "a", "b", "a", "a", "a", "a"],
    })
    out = rfm(tx, kinds=None).set_index("customer_id")
    assert out.loc[1, "monetary"] == out.loc[2, "monetary"] == 0.6
    assert out.loc[1, "M"] == out.loc[2, "M"]
    frat = frat_table(tx, type_col="kind").set_index("customer_id")
    # type totals a = 0.4 and b = 0.2 for both customers, summed in different orders
    assert frat.loc[1, "main_type"] == frat.loc[2, "main_type"] == "a"


# spans of up to 5,050 ids over up to 200 rows fall on both sides of the dense threshold
@given(st.lists(st.integers(-50, 5000), min_size=1, max_size=200),
       st.sampled_from(["int64", "int32", "uint32"]))
def test_sorted_codes_is_sorted_factorize(keys, dtype):
    # the dense lookup path (and the sparse fallback) number keys as factorize(sort=True)
    from crmkit.segmentation._frame import sorted_codes

    s = pd.Series(np.array(keys)).abs().astype(dtype) if dtype.startswith("u") else \
        pd.Series(np.array(keys, dtype=dtype))
    codes, uniques = sorted_codes(s)
    ref_codes, ref_uniques = pd.factorize(s, sort=True)
    assert codes.tolist() == ref_codes.tolist()
    assert uniques.tolist() == ref_uniques.tolist() and uniques.dtype == s.dtype


@pytest.mark.parametrize("fn", [S.stage_spells, S.lifecycle_segments])
def test_lifecycle_when_no_event_changes_the_stage(fn):
    # issue 14: a car purchase keeps the stage; with only such events both crashed
    cu = pd.DataFrame({"customer_id": [1, 2],
                       "birth_date": pd.to_datetime(["1980-01-01", "1990-06-01"])})
    ev = pd.DataFrame({"customer_id": [1, 2], "date": pd.to_datetime(["2020-01-01"] * 2),
                       "event": ["car_purchase"] * 2, "stage_before": ["couple", "single"],
                       "stage_after": ["couple", "single"]})
    out = fn(ev, cu, as_of="2024-01-01").set_index("customer_id")
    # one spell each, in the stage held throughout, entered before the data began
    assert out["stage"].to_dict() == {1: "couple", 2: "single"}
    assert out["entered"].isna().all()


def test_identical_customers_cannot_be_clustered():
    # issue 14: k-means on identical rows returned one cluster and choose_k a NaN silhouette
    df = pd.DataFrame({"customer_id": range(20), "a": 1.0, "b": 2.0})
    with pytest.raises(ValueError, match="only 1 distinct row"):
        S.StatisticalSegmentation(3, columns=["a", "b"], n_components=None).fit(df)
    with pytest.raises(ValueError, match="only 1 distinct row"):
        S.choose_k(df, ["a", "b"], ks=[2, 3], n_components=None)
