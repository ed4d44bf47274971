"""Saving and loading markets: Parquet per table, one DuckDB database, atomic writes."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from crmkit.io import (
    DUCKDB_FILE,
    MARKET_TABLES,
    build_duckdb,
    load_market,
    open_duckdb,
    save_market,
)
from crmkit.synth import generate


@pytest.fixture(scope="module")
def small():
    return generate(customers=400, years=2, seed=3)


def test_save_and_load_round_trip(small, tmp_path):
    path = small.save(tmp_path / "m")
    back = load_market(path)
    for name in MARKET_TABLES:
        pd.testing.assert_frame_equal(small[name], back[name], check_exact=True, obj=name)
    assert back.params == small.params


def test_duckdb_holds_one_view_per_market_table(small, tmp_path):
    path = small.save(tmp_path / "m")
    con = open_duckdb(path / DUCKDB_FILE)
    try:
        kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
        assert kinds == {name: "VIEW" for name in MARKET_TABLES}  # views: no copy of the data
        for name in MARKET_TABLES:
            (count,) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            assert count == len(small[name]), name
        margin = con.execute("SELECT sum(margin) FROM transactions").fetchone()[0]
        assert margin == pytest.approx(small.transactions.margin.sum())
    finally:
        con.close()


def test_duckdb_copy_holds_tables_equal_to_the_views(small, tmp_path):
    path = small.save(tmp_path / "m", duckdb=False)
    copied = tmp_path / "copied"
    path.rename(copied)
    build_duckdb(copied, copy=True)
    with open_duckdb(copied) as con:
        kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
        assert kinds == {name: "BASE TABLE" for name in MARKET_TABLES}
        got = con.execute("SELECT * FROM transactions").df()
    # the files may go: the data are in the DuckDB file
    (copied / "transactions.parquet").unlink()
    with open_duckdb(copied) as con:
        assert con.execute("SELECT count(*) FROM transactions").fetchone()[0] == len(small.transactions)
    want = load_market(small.save(tmp_path / "v"), tables=["transactions"]).transactions
    pd.testing.assert_frame_equal(got.astype(want.dtypes.to_dict()), want, check_exact=True,
                                  check_categorical=False)


def test_duckdb_views_follow_the_folder_not_the_working_directory(small, tmp_path, monkeypatch):
    path = small.save(tmp_path / "m")
    moved = path.rename(tmp_path / "elsewhere")  # the views name their files relatively
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with duckdb.connect(str(moved / DUCKDB_FILE), read_only=True) as raw:
        with pytest.raises(duckdb.IOException, match="customers.parquet"):
            raw.execute("SELECT count(*) FROM customers")  # plain DuckDB: the cwd only
    con = open_duckdb(moved)
    try:
        (count,) = con.execute("SELECT count(*) FROM customers").fetchone()
        assert count == len(small.customers)
        assert con.execute("SELECT * FROM customers LIMIT 0").df().columns.tolist() == list(
            small.customers.columns)
    finally:
        con.close()
    # a stranger's products.parquet in the working directory when the file is built: the
    # views are checked against the market's own files
    pd.DataFrame({"x": [1]}).to_parquet(elsewhere / "products.parquet")
    again = small.save(tmp_path / "again")
    monkeypatch.chdir(tmp_path)
    with open_duckdb(again) as con:
        cols = [r[0] for r in con.execute("DESCRIBE products").fetchall()]
        assert cols == list(small.products.columns)
        assert con.execute("SELECT count(*) FROM products").fetchone()[0] == len(small.products)


def test_load_only_some_tables(small, tmp_path):
    path = small.save(tmp_path / "m", duckdb=False)
    part = load_market(path, tables=["customers"])
    assert len(part.customers) == 400
    assert len(part.transactions) == 0
    assert list(part.transactions.columns) == list(small.transactions.columns)


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no market folder"):
        load_market(tmp_path / "nowhere")
    (tmp_path / "m").mkdir()
    with pytest.raises(ValueError, match="unknown table"):
        load_market(tmp_path / "m", tables=["clients"])


def test_save_is_atomic(small, tmp_path):
    bad = dict(small.tables())
    bad["contracts"] = "not a frame"
    with pytest.raises(Exception):  # noqa: B017 - any failure must clean up
        save_market(bad, tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_a_file_as_folder(small, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ValueError, match="not a folder"):
        small.save(f)
