"""Generate the synthetic market on Spark: one task per independent block of customers.

The generator (:mod:`crmkit.synth.simulate`) gives every *atom* of 500 customers its own
random stream, ``SeedSequence(seed, spawn_key=(0, atom))``, and derives every id from the
customer id, so a block of atoms needs nothing from any other block. That is what makes
the generation embarrassingly parallel: here each block is one Spark task, which simulates
its customers and writes its share of every table as one Parquet file,
``<out>/<table>/part-<first atom>.parquet``. The tables that do not depend on customers
(``products``, ``campaigns``) are written once by the driver.

The content is the local run's, row for row, for the same arguments (tested): only the
files differ (one per block and table instead of one per table).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from crmkit.io import MARKET_TABLES, to_arrow
from crmkit.market import check_table_names

__all__ = ["generate_on_spark", "read_market_folder"]

_PARQUET = dict(compression="zstd", compression_level=3)


def _write(df: pd.DataFrame, path: Path) -> None:
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(to_arrow(df), tmp, **_PARQUET)
    os.replace(tmp, path)  # a retried task overwrites whole files only


def _simulate_and_write(task):
    """Spark task: simulate one block of atoms and write its part of every table."""
    from crmkit.synth.identities import build_pools
    from crmkit.synth.market import global_tables
    from crmkit.synth.simulate import simulate_block

    cfg, first_atom, sizes, out = task
    # rebuilt in the task (deterministic from the seed) rather than shipped from the driver
    cal, _ = global_tables(cfg)
    pools = build_pools(cfg.seed)
    block = simulate_block(cfg, first_atom, sizes, cal, pools)
    rows = {}
    for name, df in block.items():
        _write(df, Path(out) / name / f"part-{first_atom:08d}.parquet")
        rows[name] = len(df)
    return first_atom, rows


def generate_on_spark(
    spark,
    out_dir: str | os.PathLike,
    customers: int = 10_000,
    years: int = 10,
    sector: str = "both",
    seed: int = 42,
    block_size: int = 25_000,
    *,
    start: str = "2015-01-01",
) -> Path:
    """Generate a market on Spark, one task per block of customers, into Parquet.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
        Local or on a cluster; with a cluster, ``out_dir`` must be a folder every
        executor can write (a shared mount).
    out_dir : path
        Folder to create (replaced if it exists): one sub-folder per table holding
        ``part-*.parquet`` files, readable by pandas, DuckDB, Spark and
        :func:`crmkit.warehouse.as_table`.
    customers, years, sector, seed, start : as :func:`crmkit.synth.generate`
        The same arguments give the same tables as the local generator.
    block_size : int
        Customers per task (rounded up to whole atoms of 500).

    Returns
    -------
    Path
        ``out_dir``.

    Examples
    --------
    Not run by the doctests: it starts a JVM and a Spark session (about half a minute) and
    writes a folder; ``tests/test_warehouse.py`` runs it on a local Spark session.

    >>> from crmkit.warehouse import generate_on_spark, spark_session
    >>> generate_on_spark(spark_session(), "market_spark", customers=2_000,
    ...                   years=2, seed=7, block_size=500)  # doctest: +SKIP
    PosixPath('market_spark')
    """
    from crmkit.synth.market import check_arguments, customer_blocks, global_tables

    cfg = check_arguments(customers, years, sector, seed, start, block_size)
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    tasks = [(cfg, first, sizes, str(out.resolve())) for first, sizes in customer_blocks(cfg, block_size)]
    sc = spark.sparkContext
    sc.setJobDescription(f"crmkit: generate {customers:,} customers in {len(tasks)} blocks")
    done = sc.parallelize(tasks, numSlices=len(tasks)).map(_simulate_and_write).collect()
    if len(done) != len(tasks):  # pragma: no cover - Spark returns every task or raises
        raise RuntimeError(f"{len(tasks) - len(done)} block(s) of the market were not written")
    _, glob = global_tables(cfg)
    for name, df in glob.items():
        _write(df, out / name / "part-global.parquet")
    return out


def read_market_folder(path: str | os.PathLike, tables=None) -> dict[str, pd.DataFrame]:
    """Read a folder written by :func:`generate_on_spark` into pandas, parts in order.

    Parameters
    ----------
    path : str or path
        The folder: one sub-folder per table, holding ``part-*.parquet`` files.
    tables : iterable of str, optional
        The tables to read (names of :data:`crmkit.io.MARKET_TABLES`); default all of them.

    Returns
    -------
    dict of str to DataFrame
        One frame per table found, its parts concatenated in the order of their names
        (the order of the blocks of customers) with a fresh 0…n-1 index.

    Raises
    ------
    ValueError
        ``path`` is not a folder.
    SchemaError
        ``tables`` names a table that is not a market table.

    Examples
    --------
    Two parts of ``customers``, written as the Spark tasks write them:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "customers").mkdir()
    >>> pd.DataFrame({"customer_id": [501, 502]}).to_parquet(
    ...     folder / "customers" / "part-00000001.parquet")
    >>> pd.DataFrame({"customer_id": [1, 2]}).to_parquet(
    ...     folder / "customers" / "part-00000000.parquet")
    >>> market = read_market_folder(folder, tables=["customers"])
    >>> list(market), market["customers"]["customer_id"].tolist()
    (['customers'], [1, 2, 501, 502])
    >>> read_market_folder("nowhere")
    Traceback (most recent call last):
    ...
    ValueError: no market folder at 'nowhere'
    """
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_dir():
        raise ValueError(f"no market folder at {str(path)!r}")
    out = {}
    for name in MARKET_TABLES if tables is None else check_table_names(tables):
        parts = sorted((path / name).glob("part-*.parquet"))
        if parts:
            out[name] = pd.concat([pq.read_table(p).to_pandas() for p in parts],
                                  ignore_index=True)
    return out
