"""Determinism, block independence and bad arguments of the generator."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from crmkit.io import MARKET_TABLES, load_market
from crmkit.synth import generate, generate_to
from crmkit.synth import market as market_mod

SMALL = dict(customers=1_300, years=3, sector="both", seed=5)


def _digest(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.glob("*.parquet"))}


def test_same_arguments_give_byte_identical_parquet(tmp_path):
    a = generate_to(tmp_path / "a", **SMALL, duckdb=False)
    b = generate_to(tmp_path / "b", **SMALL, duckdb=False)
    da, db = _digest(a), _digest(b)
    assert set(da) == {f"{n}.parquet" for n in MARKET_TABLES}
    assert da == db


def test_a_different_seed_gives_different_data():
    a = generate(customers=300, years=2, seed=1)
    b = generate(customers=300, years=2, seed=2)
    for name in ("customers", "contracts", "transactions", "interactions"):
        assert not a[name].equals(b[name]), name


@pytest.fixture(scope="module")
def one_block():
    """SMALL generated in memory as a single block: the reference of the tests below."""
    return generate(**SMALL, block_size=100_000)


@pytest.mark.parametrize("block_size", [500, 1_000])
def test_block_size_does_not_change_the_data(one_block, block_size):
    other = generate(**SMALL, block_size=block_size)
    for name in MARKET_TABLES:
        pd.testing.assert_frame_equal(one_block[name], other[name], check_exact=True, obj=name)


def test_streaming_and_in_memory_agree(one_block, tmp_path):
    # streamed to disk in blocks of 1,000 against the in-memory single block
    path = generate_to(tmp_path / "m", **SMALL, block_size=1_000, duckdb=False)
    disk = load_market(path)
    for name in MARKET_TABLES:
        pd.testing.assert_frame_equal(one_block[name], disk[name], check_exact=True, obj=name)
    assert disk.params["seed"] == SMALL["seed"]


def test_a_customer_does_not_depend_on_the_population_size():
    """Customers are seeded by fixed atoms: the first 500 are the same in a larger market."""
    small = generate(customers=500, years=2, seed=9)
    large = generate(customers=1_500, years=2, seed=9)
    for name in ("customers", "contracts", "transactions", "life_events"):
        part = large[name][large[name].customer_id <= 500].reset_index(drop=True)
        pd.testing.assert_frame_equal(small[name], part, check_exact=True, obj=name)


@pytest.mark.parametrize("kwargs, word", [
    (dict(customers=-5), "customers"),
    (dict(customers=0), "customers"),
    (dict(customers=10.5), "customers"),
    (dict(years=0), "years"),
    (dict(years=-1), "years"),
    (dict(sector="retail"), "sector"),
    (dict(sector=None), "sector"),
    (dict(seed=1.5), "seed"),
    (dict(seed="7"), "seed"),
    (dict(seed=-1), "seed"),
    (dict(seed=True), "seed"),
    (dict(start="not a date"), "start"),
    (dict(block_size=0), "block_size"),
])
def test_bad_arguments_raise_one_clear_error(tmp_path, kwargs, word):
    args = dict(customers=100, years=1, sector="both", seed=1) | kwargs
    with pytest.raises(ValueError, match=word):
        generate(**args)
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=word):
        generate_to(out, **args)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failure_midway_leaves_nothing(tmp_path, monkeypatch):
    real = market_mod.simulate_block
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(market_mod, "simulate_block", flaky)
    with pytest.raises(RuntimeError, match="disk full"):
        generate_to(tmp_path / "out", customers=1_200, years=1, seed=1, block_size=500, workers=1)
    assert list(tmp_path.iterdir()) == []


def test_generating_into_an_existing_market_replaces_it(tmp_path):
    out = tmp_path / "m"
    generate_to(out, customers=200, years=1, seed=1, duckdb=False)
    (out / "notes.txt").write_text("mine")
    generate_to(out, customers=300, years=1, seed=2, duckdb=False)
    assert len(load_market(out).customers) == 300
    assert (out / "notes.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_block_size_does_not_change_the_bytes(tmp_path, monkeypatch):
    """Row groups have a fixed number of rows, so the Parquet files are the same bytes
    whatever the block size (small row groups here so that several are written)."""
    from crmkit import io as io_mod

    monkeypatch.setattr(io_mod, "ROW_GROUP_ROWS", 3_000)
    args = dict(customers=1_600, years=2, seed=4, duckdb=False, workers=1)
    small = generate_to(tmp_path / "small", block_size=500, **args)
    large = generate_to(tmp_path / "large", block_size=100_000, **args)
    assert _digest(small) == _digest(large)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(small / "transactions.parquet").metadata.num_row_groups > 2


def test_parallel_workers_write_the_same_bytes(tmp_path):
    args = dict(customers=1_200, years=2, seed=4, block_size=500, duckdb=False)
    one = generate_to(tmp_path / "one", workers=1, **args)
    two = generate_to(tmp_path / "two", workers=2, **args)
    assert _digest(one) == _digest(two)
    # the workers' tables come through spool files (memory-mapped): none is left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]


def test_spool_in_memory_only_where_there_is_room(tmp_path, monkeypatch):
    """Blocks go through /dev/shm only when it can hold twice the blocks in flight; the
    disk folder next to the market is always the last resort."""
    import os

    def fs(free):
        return lambda path: os.statvfs_result((4096, 4096, 10**9, free // 4096, free // 4096, 0, 0, 0, 0, 255))

    monkeypatch.setattr(market_mod.os, "access", lambda path, mode: True)
    monkeypatch.setattr(market_mod.tempfile, "mkdtemp", lambda prefix, dir: str(Path(dir) / prefix))
    need = 2 * market_mod._SPOOL_BYTES_PER_CUSTOMER * 50_000 * (2 + 2)
    monkeypatch.setattr(market_mod.os, "statvfs", fs(64 * 2**20))  # a container's 64 MB
    assert market_mod._spool_folders(tmp_path, 50_000, 2) == [str(tmp_path / ".blocks-")]
    monkeypatch.setattr(market_mod.os, "statvfs", fs(need + 4096))
    assert market_mod._spool_folders(tmp_path, 50_000, 2) == ["/dev/shm/crmkit-blocks-", str(tmp_path / ".blocks-")]


def test_a_block_that_finds_the_memory_full_goes_to_disk(tmp_path):
    """A spool folder that refuses the file (full, or gone) passes it to the next one, and
    leaves no partial file behind; the block's tables read back whole."""
    import pyarrow as pa

    table = pa.table({"a": list(range(1_000))})
    gone, disk = tmp_path / "gone", tmp_path / "disk"
    disk.mkdir()
    path = market_mod._spool_table(table, [str(gone), str(disk)], "0-t.arrow")
    assert Path(path).parent == disk and not gone.exists()
    assert market_mod._unspool({"t": path})["t"].equals(table)
    with pytest.raises(OSError):
        market_mod._spool_table(table, [str(gone)], "1-t.arrow")


def test_one_spool_folder_given_as_a_string(tmp_path):
    """A folder given as a string is one folder, not a list of one-letter folders (which
    once wrote a block's files into ``/``)."""
    cfg = market_mod.check_arguments(200, 1, "both", 1, "2015-01-01", 500)
    cal, _ = market_mod.global_tables(cfg)
    paths = market_mod._block_job(cfg, 0, [200], cal, True, str(tmp_path))
    assert {Path(p).parent for p in paths.values()} == {tmp_path}


def test_bad_workers():
    with pytest.raises(ValueError, match="workers"):
        generate(customers=10, years=1, workers=0)
