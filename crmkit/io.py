"""Load and save market datasets: one Parquet file per table plus one DuckDB database.

A market folder holds ``<table>.parquet`` for every table of :data:`crmkit.schema.TABLES`,
``market.duckdb`` (one DuckDB view per market table over its Parquet file: the "unified
customer view" that SQL and :mod:`crmkit.warehouse` query, see :func:`build_duckdb`) and ``market.json`` (the generation parameters).
Writes are atomic: everything is written into a hidden temporary folder beside the target
and moved into place only once complete, so a failure never leaves a half-written market.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crmkit import schema
from crmkit.market import MARKET_TABLES, Market, check_table_names
from crmkit.schema import TABLES

__all__ = ["MARKET_TABLES", "save_market", "load_market", "MarketWriter", "build_duckdb",
           "open_duckdb", "search_beside_database", "to_arrow"]

# zstd at level 1 compresses nearly as well as the default level, faster; dictionary
# encoding only where values repeat (categories and text), not on ids, dates and amounts
_PARQUET = dict(compression="zstd", compression_level=1, write_statistics=True)


def _encodings(schema: pa.Schema) -> dict:
    """Parquet encodings by column: dictionaries where values repeat (categories, text);
    deltas for the 64-bit ids, which rise row after row (customer x contract number): at
    1M transactions they take 3.6x less room and half the CPU time of plain values."""
    return dict(
        use_dictionary=[f.name for f in schema if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
                        or pa.types.is_large_string(f.type)],
        column_encoding={f.name: "DELTA_BINARY_PACKED" for f in schema
                         if f.name.endswith("_id") and pa.types.is_int64(f.type)})


DUCKDB_FILE = "market.duckdb"
META_FILE = "market.json"


def to_arrow(df: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    """``df`` as an Arrow table (no index), cast to ``schema`` when given.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    schema : pyarrow.Schema, optional
        The Arrow schema to cast to.

    Returns
    -------
    pyarrow.Table
        The table, without the pandas index.

    Examples
    --------
    >>> import pandas as pd
    >>> to_arrow(pd.DataFrame({"a": [1, 2]}, index=[5, 6])).column_names
    ['a']
    """
    return pa.Table.from_pandas(df, schema=schema, preserve_index=False)


ROW_GROUP_ROWS = 1_000_000  # rows per Parquet row group (fixed: the files do not depend on blocks)


class MarketWriter:
    """Write a market table by table, block by block, into a temporary folder and move it
    into ``path`` on :meth:`close` (atomic; :meth:`abort` removes everything).

    Each table becomes one Parquet file, written in row groups of exactly
    :data:`ROW_GROUP_ROWS` rows (the last one shorter), so that the bytes do not depend on
    how many rows each :meth:`write` brings: a market generated block by block is the same
    file whatever the block size or the number of worker processes. (``market.duckdb`` holds
    views over the Parquet files: equal in content, not guaranteed byte for byte.)
    """

    def __init__(self, path: str | os.PathLike, *, duckdb: bool = True):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"out: {self.path} exists and is not a folder")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.tmp-", dir=self.path.parent))
        self.tmp.chmod(0o755)  # mkdtemp makes it private; a market folder is ordinary data
        self.duckdb = duckdb
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._pending: dict[str, list[pa.Table]] = {}

    def write(self, name: str, df: pd.DataFrame | pa.Table) -> None:
        """Append ``df`` (a DataFrame or an Arrow table) to table ``name``; full row groups
        of :data:`ROW_GROUP_ROWS` rows are written as they fill.

        Parameters
        ----------
        name : str
            A market table.
        df : pandas.DataFrame or pyarrow.Table
            The next rows of that table.

        Examples
        --------
        >>> import tempfile, pathlib, pandas as pd
        >>> from crmkit.synth.products import catalogue
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "market"
        >>> w = MarketWriter(folder, duckdb=False)
        >>> w.write("products", catalogue())
        >>> w.close() == folder, (folder / "products.parquet").exists()
        (True, True)
        """
        check_table_names([name])
        w = self._writers.get(name)
        if isinstance(df, pa.Table):
            table = df if w is None else df.cast(w.schema)
        else:
            table = to_arrow(df, w.schema if w is not None else None)
        if w is None:
            w = pq.ParquetWriter(self.tmp / f"{name}.parquet", table.schema, **_encodings(table.schema), **_PARQUET)
            self._writers[name] = w
        pending = self._pending.setdefault(name, [])
        pending.append(table)
        if sum(len(t) for t in pending) >= ROW_GROUP_ROWS:
            self._flush(name, final=False)

    def _flush(self, name: str, *, final: bool) -> None:
        pending = self._pending.pop(name, [])
        if not pending:
            return
        table = pa.concat_tables(pending)  # (no copy: the blocks stay chunks)
        full = len(table) - len(table) % ROW_GROUP_ROWS
        end = len(table) if final else full
        w = self._writers[name]
        for start in range(0, end, ROW_GROUP_ROWS):
            # each row group is encoded from one contiguous chunk, so its bytes do not depend
            # on where the blocks ended; only a group straddling two blocks is copied
            group = table.slice(start, min(ROW_GROUP_ROWS, end - start)).combine_chunks()
            w.write_table(group, row_group_size=ROW_GROUP_ROWS)
        if end < len(table):
            self._pending[name] = [table.slice(end)]
        elif final and len(table) == 0:
            w.write_table(table, row_group_size=1)

    def close(self, meta: Mapping | None = None) -> Path:
        """Finish every file, build ``market.duckdb`` and move the folder into place.

        Parameters
        ----------
        meta : mapping, optional
            Written as ``market.json`` (generator version, parameters...).

        Returns
        -------
        pathlib.Path
            The market folder.

        Examples
        --------
        >>> import tempfile, pathlib, pandas as pd
        >>> from crmkit.synth.products import catalogue
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "market"
        >>> w = MarketWriter(folder, duckdb=False)
        >>> w.write("products", catalogue())
        >>> w.close() == folder, (folder / "products.parquet").exists()
        (True, True)
        """
        for name in list(self._writers):
            self._flush(name, final=True)
        for w in self._writers.values():
            w.close()
        self._writers = {}
        if meta is not None:
            (self.tmp / META_FILE).write_text(json.dumps(dict(meta), indent=2, sort_keys=True) + "\n")
        if self.duckdb:
            build_duckdb(self.tmp, [n for n in MARKET_TABLES if (self.tmp / f"{n}.parquet").exists()])
        _move_into_place(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Close the files and remove the temporary folder: nothing is left at ``path``.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from crmkit.synth.products import catalogue
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "market"
        >>> w = MarketWriter(folder, duckdb=False)
        >>> w.write("products", catalogue())
        >>> w.abort()
        >>> folder.exists()
        False
        """
        self._pending = {}
        for w in self._writers.values():
            try:
                w.close()
            except Exception:  # noqa: BLE001 - cleaning up after a failure
                pass
        self._writers = {}
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.abort()
        return False


def _move_into_place(tmp: Path, path: Path) -> None:
    if path.exists():
        # replace the market files only; anything else the user keeps there stays
        for f in tmp.iterdir():
            target = path / f.name
            if target.exists():
                target.unlink()
            os.replace(f, target)
        tmp.rmdir()
    else:
        os.replace(tmp, path)


def build_duckdb(folder: str | os.PathLike, tables: Iterable[str] = MARKET_TABLES, *,
                 copy: bool = False) -> Path:
    """Create ``market.duckdb`` in ``folder``: one DuckDB *view* per Parquet file.

    The file holds no data, only views such as ``CREATE VIEW customers AS SELECT * FROM
    read_parquet('customers.parquet')``: DuckDB reads the Parquet files out-of-core when a
    query runs, so building the file takes milliseconds whatever the market's size (copying
    the data into DuckDB's own storage took a quarter of ``crmkit generate`` at 1M customers).
    Its content is that of the Parquet files by construction; its bytes are not guaranteed.

    The file names are relative, so that the folder can be moved or copied whole. DuckDB
    looks a relative file name up in the working directory, then in the folders of its
    ``file_search_path`` setting: :func:`crmkit.warehouse.connect` and :func:`open_duckdb`
    add the database's folder to it. From the DuckDB command line, open the file from the
    market folder (``cd datasets/market && duckdb market.duckdb``) or set the path first
    (``duckdb -cmd "SET file_search_path = 'datasets/market'" datasets/market/market.duckdb``).

    Parameters
    ----------
    folder : str or os.PathLike
        A market folder of Parquet files.
    tables : iterable of str, default every market table
        The tables given a view; each needs its Parquet file (a ValueError otherwise).
    copy : bool, default False
        Copy the data into DuckDB tables instead, as ``market.duckdb`` did before: about
        100 CPU seconds more at 1M customers and a file of gigabytes, for queries about 1.5
        times faster (see the benchmarks page); the Parquet files are then no longer read.

    Returns
    -------
    pathlib.Path
        The DuckDB file.

    Examples
    --------
    >>> import tempfile
    >>> from crmkit.synth.products import catalogue
    >>> d = save_market({"products": catalogue()}, tempfile.mkdtemp() + "/m", duckdb=False)
    >>> db = build_duckdb(d, tables=["products"])
    >>> con = open_duckdb(db)
    >>> con.sql("select table_type from information_schema.tables").fetchall()
    [('VIEW',)]
    >>> con.sql("select count(*) from products").fetchall()[0][0]
    11
    """
    import duckdb

    folder = Path(folder).resolve()
    names = check_table_names(tables)
    for name in names:
        if not (folder / f"{name}.parquet").exists():
            raise ValueError(f"{name}: no {name}.parquet in {str(folder)!r}")
    db = folder / DUCKDB_FILE
    if db.exists():
        db.unlink()
    con = duckdb.connect(str(db))
    try:
        con.execute("SET threads TO 2")
        con.execute("SET preserve_insertion_order = true")  # (a copy keeps the files' order)
        # DuckDB checks a view against its file when creating it, looking the relative name
        # up in the working directory first: work from the market folder so that a
        # customers.parquet lying in the caller's directory is never the one checked
        here = os.getcwd()
        os.chdir(folder)
        try:
            for name in names:
                kind = "TABLE" if copy else "VIEW"
                con.execute(f'CREATE {kind} "{name}" AS SELECT * FROM read_parquet(\'{name}.parquet\')')
        finally:
            os.chdir(here)
    finally:
        con.close()
    return db


def open_duckdb(path: str | os.PathLike, *, read_only: bool = True):
    """A ``duckdb`` connection to a market's ``market.duckdb`` whose views find their files.

    Adds the database's folder to DuckDB's ``file_search_path`` (see :func:`build_duckdb`:
    the views name their Parquet files relative to the market folder).

    Parameters
    ----------
    path : str or os.PathLike
        The ``market.duckdb`` file, or the market folder holding it.
    read_only : bool, default True
        Open read-only (several readers may share the file).

    Returns
    -------
    duckdb.DuckDBPyConnection

    Examples
    --------
    >>> import tempfile
    >>> from crmkit.synth.products import catalogue
    >>> d = save_market({"products": catalogue()}, tempfile.mkdtemp() + "/m")
    >>> open_duckdb(d).sql("select count(*) from products").fetchall()
    [(11,)]
    """
    import duckdb

    path = Path(path)
    if path.is_dir():
        path = path / DUCKDB_FILE
    if not path.exists():
        raise ValueError(f"no DuckDB database at {str(path)!r}")
    con = duckdb.connect(str(path), read_only=read_only)
    search_beside_database(con)
    return con


def search_beside_database(con) -> None:
    """Add the folder of ``con``'s database file to its ``file_search_path`` (kept as is
    for an in-memory database), so that relative file names in its views resolve.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> search_beside_database(con)
    >>> con.sql("select current_setting('file_search_path')").fetchall()
    [('',)]
    """
    rows = con.execute("SELECT path FROM duckdb_databases() "
                       "WHERE database_name = current_database()").fetchall()
    if not rows or not rows[0][0]:
        return
    folder = str(Path(rows[0][0]).resolve().parent)
    ((current,),) = con.execute("SELECT current_setting('file_search_path')").fetchall()
    paths = [p for p in (current or "").split(",") if p]
    if folder not in paths:
        value = ",".join([*paths, folder]).replace("'", "''")
        con.execute(f"SET file_search_path = '{value}'")


def save_market(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike, *,
                meta: Mapping | None = None, duckdb: bool = True) -> Path:
    """Save market tables (a mapping name -> DataFrame, or a :class:`crmkit.market.Market`)
    to ``path``: Parquet files plus ``market.duckdb``. Atomic: on any error nothing is left.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame, or crmkit.market.Market
        The tables.
    path : str or os.PathLike
        The market folder written.
    meta : mapping, optional
        Written as ``market.json``.
    duckdb : bool, default True
        Also write ``market.duckdb``.

    Returns
    -------
    pathlib.Path
        The market folder.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from crmkit.io import save_market, load_market
    >>> from crmkit.synth.products import catalogue
    >>> d = tempfile.mkdtemp()
    >>> _ = save_market({"products": catalogue()}, d + "/m", duckdb=False)
    >>> len(load_market(d + "/m", tables=["products"]).products)
    11
    """
    if hasattr(tables, "tables") and callable(tables.tables):
        meta = meta if meta is not None else getattr(tables, "params", None)
        tables = tables.tables()
    check_table_names(list(tables))  # a misspelt name must not be silently left out
    for name, df in tables.items():  # one row per customer, contract...: no double counting
        if isinstance(df, pd.DataFrame):
            schema.check_key(df, name)
    with MarketWriter(path, duckdb=duckdb) as w:
        for name in MARKET_TABLES:
            if name in tables:
                w.write(name, tables[name])
        return w.close(meta)


def load_market(path: str | os.PathLike, tables: Iterable[str] | None = None):
    """Load a market folder written by :func:`save_market` or ``crmkit generate``.

    Returns a :class:`crmkit.market.Market` whose tables are read from their Parquet file
    when first used (:meth:`crmkit.market.Market.lazy`); tables not asked for (``tables``) or
    absent from the folder are empty DataFrames with the schema's columns. An unknown table
    name in ``tables`` (a typo) raises :class:`crmkit.schema.SchemaError`.

    Parameters
    ----------
    path : str or os.PathLike
        The market folder.
    tables : iterable of str, optional
        The tables to load (default: all).

    Returns
    -------
    crmkit.market.Market
        The market.

    Examples
    --------
    >>> import tempfile
    >>> from crmkit.synth.products import catalogue
    >>> d = save_market({"products": catalogue()}, tempfile.mkdtemp() + "/m", duckdb=False)
    >>> m = load_market(d, tables=["products"])
    >>> len(m.products) == len(catalogue()), m.customers.empty
    (True, True)
    """
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"no market folder at {path}")
    names = check_table_names(MARKET_TABLES if tables is None else tables)
    readers = {}
    for name in MARKET_TABLES:
        f = path / f"{name}.parquet"
        if name in names and f.exists():
            readers[name] = functools.partial(pd.read_parquet, f)
        else:
            readers[name] = functools.partial(_empty_table, name)
    meta = {}
    if (path / META_FILE).exists():
        meta = json.loads((path / META_FILE).read_text())
    return Market.lazy(readers, params=meta)


def _empty_table(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLES[name].names})


def __getattr__(name):
    # bring-your-own-data import lives in crmkit.importer; crmkit.io.import_data still works,
    # but importing crmkit.io (hence crmkit.synth) no longer loads the importer
    if name == "import_data":
        from crmkit.importer import import_data

        return import_data
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
