"""crmkit.clv.summary and the CDNOW data: from a transaction log to (x, t_x, T, z-bar)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.clv import calibration_holdout, check_summary, clv_summary, load_cdnow
from crmkit.clv.data import read_cdnow_sample
from crmkit.schema import SchemaError

DATA = Path(__file__).parent / "data"


def tx(rows):
    cust, dates, amount = zip(*rows, strict=True)
    return pd.DataFrame({"customer_id": list(cust), "date": pd.to_datetime(list(dates), format="ISO8601"),
                         "amount": list(amount)})


# ------------------------------------------------------------------ hand-computed examples
def test_summary_by_hand_days_same_day_merged():
    t = tx([(1, "2024-01-01", 10.0), (1, "2024-01-01 18:00", 5.0), (1, "2024-01-04", 30.0),
            (1, "2024-01-11", 50.0), (2, "2024-01-10", 7.0), (3, "2024-02-01", 1.0)])
    s = clv_summary(t, value="amount", observation_end="2024-01-21", freq="D")
    # customer 3 bought after the end: not a customer yet
    assert list(s.index) == [1, 2]
    # customer 1: occasions on 1, 4, 11 January (the two purchases of 1 January are one)
    assert s.loc[1, "frequency"] == 2
    assert s.loc[1, "recency"] == 10.0
    assert s.loc[1, "T"] == 20.0
    assert s.loc[1, "monetary_value"] == pytest.approx((30 + 50) / 2)
    assert s.loc[2].tolist() == [0, 0.0, 11.0, 0.0]
    assert s["frequency"].dtype == np.int64


def test_summary_weeks_is_days_over_seven_and_grain_week_merges():
    t = tx([(1, "2024-01-01", 10.0), (1, "2024-01-03", 5.0), (1, "2024-01-15", 30.0)])
    d = clv_summary(t, value="amount", observation_end="2024-01-29", freq="D")
    w = clv_summary(t, value="amount", observation_end="2024-01-29", freq="W")
    assert np.allclose(w[["recency", "T"]].to_numpy() * 7, d[["recency", "T"]].to_numpy())
    assert d.loc[1, "frequency"] == 2
    # 1 and 3 January 2024 fall in the same (Monday-start) week: one occasion worth 15
    g = clv_summary(t, value="amount", observation_end="2024-01-29", freq="W",
                                  grain="W")
    assert g.loc[1, "frequency"] == 1
    assert g.loc[1, "monetary_value"] == 30.0
    # grain=None: every row is a purchase
    n = clv_summary(t, value="amount", observation_end="2024-01-29", grain=None)
    assert n.loc[1, "frequency"] == 2


def test_summary_without_value_and_default_end():
    t = tx([(1, "2024-01-01", 0.0), (1, "2024-01-08", 0.0), (2, "2024-01-05", 0.0)])
    s = clv_summary(t, freq="D")
    assert "monetary_value" not in s.columns
    assert s.loc[1, "T"] == 7.0 and s.loc[2, "T"] == 3.0  # end = last transaction


def test_calibration_holdout_by_hand():
    t = tx([(1, "2024-01-01", 10.0), (1, "2024-01-05", 20.0), (1, "2024-01-12", 40.0),
            (1, "2024-01-13", 60.0), (2, "2024-01-09", 5.0), (3, "2024-01-12", 9.0)])
    s = calibration_holdout(t, value="amount", calibration_end="2024-01-10",
                            observation_end="2024-01-20", freq="D")
    assert list(s.index) == [1, 2]  # customer 3 first bought in the holdout
    assert s.loc[1, "frequency"] == 1 and s.loc[1, "recency"] == 4.0 and s.loc[1, "T"] == 9.0
    assert s.loc[1, "frequency_holdout"] == 2
    assert s.loc[1, "monetary_holdout"] == 50.0
    assert s.loc[2, "frequency_holdout"] == 0 and s.loc[2, "monetary_holdout"] == 0.0
    assert (s["duration_holdout"] == 10.0).all()


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda d: d.drop(columns="date"), r"transactions\.date: missing column"),
        (lambda d: d.assign(date=d["date"].astype(str)), r"transactions\.date: expected datetime"),
        (lambda d: d.assign(amount=[1.0, -2.0]), r"transactions\.amount: 1 row\(s\) negative"),
        (lambda d: d.assign(customer_id=[1, None]), r"transactions\.customer_id: 1 row\(s\) missing"),
        (lambda d: d.iloc[0:0], "empty"),
    ],
)
def test_summary_bad_input(mutate, match):
    t = tx([(1, "2024-01-01", 1.0), (2, "2024-01-02", 2.0)])
    with pytest.raises(SchemaError, match=match):
        clv_summary(mutate(t), value="amount")


def test_summary_bad_arguments():
    t = tx([(1, "2024-03-01", 1.0)])
    with pytest.raises(SchemaError, match="before the first transaction"):
        clv_summary(t, observation_end="2024-01-01")
    with pytest.raises(ValueError, match="fixed time unit"):
        clv_summary(t, freq="M")
    with pytest.raises(ValueError, match="must be after calibration_end"):
        calibration_holdout(t, calibration_end="2024-03-05", observation_end="2024-03-02")
    with pytest.raises(SchemaError, match="calibration period is empty"):
        calibration_holdout(t, calibration_end="2024-01-05", observation_end="2024-03-02")
    with pytest.raises(ValueError, match="calibration_end is required"):
        calibration_holdout(t)


@pytest.mark.parametrize(
    "frame, match",
    [
        ({"frequency": [1], "recency": [5.0], "T": [4.0]}, "recency: 1 row.*greater than T"),
        ({"frequency": [0], "recency": [2.0], "T": [4.0]}, "recency.*with frequency 0"),
        ({"frequency": [1.5], "recency": [2.0], "T": [4.0]}, "frequency.*whole number"),
        ({"frequency": [1], "recency": [0.0], "T": [0.0]}, r"T: 1 row.*not > 0"),
        ({"frequency": [-1], "recency": [0.0], "T": [3.0]}, "frequency.*negative"),
        ({"frequency": [1], "recency": [np.nan], "T": [3.0]}, "recency.*missing"),
        ({"frequency": [1], "recency": [1.0], "T": [np.inf]}, r"\.T: 1 row\(s\) infinite"),
        ({"frequency": [1], "recency": [1.0]}, "T: missing column"),
    ],
)
def test_check_summary_rejects(frame, match):
    with pytest.raises(SchemaError, match=match):
        check_summary(pd.DataFrame(frame))


# ------------------------------------------------------------------ property
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 60),
                          st.floats(0, 100, allow_nan=False)), min_size=1, max_size=40))
def test_summary_invariants(rows):
    base = pd.Timestamp("2024-01-01")
    t = pd.DataFrame({"customer_id": [r[0] for r in rows],
                      "date": [base + pd.Timedelta(days=r[1]) for r in rows],
                      "amount": [r[2] for r in rows]})
    s = clv_summary(t, value="amount", observation_end="2024-03-15", freq="W")
    assert ((s["recency"] >= 0) & (s["recency"] <= s["T"])).all()
    days = t.groupby("customer_id")["date"].nunique()
    assert (s["frequency"] == days.loc[s.index] - 1).all()
    # first occasion value + frequency * mean of repeats = total spend
    first = t.loc[t.groupby("customer_id")["date"].transform("min") == t["date"]]
    first_val = first.groupby("customer_id")["amount"].sum()
    total = t.groupby("customer_id")["amount"].sum()
    rebuilt = first_val + s["frequency"] * s["monetary_value"]
    assert np.allclose(rebuilt.loc[s.index], total.loc[s.index])
    assert (s["monetary_value"][s["frequency"] == 0] == 0).all()


# ------------------------------------------------------------------ CDNOW
def test_cdnow_package_copy_is_the_test_copy():
    assert (DATA / "CDNOW_sample.txt").read_bytes() == (
        Path(__file__).parents[1] / "crmkit" / "data" / "cdnow_sample.txt").read_bytes()
    a = load_cdnow("transactions")
    b = read_cdnow_sample(DATA / "CDNOW_sample.txt")
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 6919 and a["customer_id"].nunique() == 2357
    with pytest.raises(ValueError, match="kind"):
        load_cdnow("nope")


def test_cdnow_summary_matches_fader_hardie_published_summary():
    """Our calibration summary from the raw log equals FH's to their 2 decimals."""
    ours = calibration_holdout(read_cdnow_sample(DATA / "CDNOW_sample.txt"), value="amount",
                               calibration_end="1997-09-30", observation_end="1998-06-30",
                               freq="W")
    fh = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv").set_index("ID")
    assert len(ours) == len(fh) == 2357
    assert (ours.index.to_numpy() == fh.index.to_numpy()).all()
    assert (ours["frequency"].to_numpy() == fh["x"].to_numpy()).all()
    for a, b in [("recency", "t_x"), ("T", "T"), ("monetary_value", "zbar")]:
        assert np.abs(ours[a].to_numpy() - fh[b].to_numpy()).max() <= 0.005 + 1e-9
    assert ours["T"].max() == pytest.approx(272 / 7)  # 1 Jan to 30 Sep 1997
    assert (ours["duration_holdout"] == 39).all()
    assert ours["frequency_holdout"].sum() > 0
