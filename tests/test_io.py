"""Saving and loading markets: Parquet per table, one DuckDB database, atomic writes."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from crmkit.io import DUCKDB_FILE, MARKET_TABLES, load_market, save_market
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


def test_duckdb_holds_one_table_per_market_table(small, tmp_path):
    path = small.save(tmp_path / "m")
    con = duckdb.connect(str(path / DUCKDB_FILE), read_only=True)
    try:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert names == set(MARKET_TABLES)
        for name in MARKET_TABLES:
            (count,) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            assert count == len(small[name]), name
        margin = con.execute("SELECT sum(margin) FROM transactions").fetchone()[0]
        assert margin == pytest.approx(small.transactions.margin.sum())
    finally:
        con.close()


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
