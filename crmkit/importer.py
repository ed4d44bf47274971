"""Bring your own data: load a client's export into the crmkit schema, nothing dropped silently.

A consultant arrives with the client's CSV, Excel or Parquet files. A small *mapping* file
(YAML or JSON) says which file holds which crmkit table and which client column feeds which
crmkit column; :func:`import_data` then

1. reads each file, sniffing its encoding (UTF-8, Windows-1252 "latin-1", or a mix of both
   line by line) and its separator (``;``, ``,``, tab, ``|``);
2. coerces every mapped column to its schema kind: French decimal commas and thousands
   spaces (``1 234,50 €``), currency symbols, ``dd/mm/yyyy`` dates, ``oui``/``non``,
   category labels in French or English (``Agence`` → ``branch``);
3. rejects, row by row and with a reason, what cannot be used: lines with the wrong number
   of fields, empty rows, unreadable numbers, impossible dates (31/02), missing values in a
   required column, values outside their range or vocabulary, an end before its start,
   duplicated keys (the first occurrence is kept), references to a customer, contract or
   product that is not in the import;
4. pseudonymises what it kept (:mod:`crmkit.privacy`) with the workshop's salt;
5. validates every kept table with :func:`crmkit.schema.validate` and writes them as Parquet
   (the layout of a saved market, so :func:`crmkit.io.load_market` and the workshop
   notebooks read them), with ``rejects.csv`` and ``import_report.json`` beside them.

For every table, rows read = rows kept + rows rejected: the importer asserts it, and the
report shows it. ``source_row`` numbers rows as a spreadsheet does: the header is row 1, the
first record row 2 (a record spanning lines in a CSV counts once).

``rejects.csv`` is a working file for the client's data owner: it shows the raw offending
values (except direct identifiers, redacted) so the source can be fixed. The kept tables
and everything derived from them carry pseudonyms only.

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "clients.csv").write_bytes(
...     "N°;Nom;Créé le\\n1;Dupré;05/01/2021\\n2;Martin;31/02/2021\\n1;Dupré;05/01/2021\\n"
...     .encode("cp1252"))
>>> mapping = {"tables": {"customers": {"file": "clients.csv", "columns": {
...     "customer_id": "N°", "last_name": "Nom", "acquisition_date": "Créé le"}}}}
>>> result = import_data(mapping, base_dir=d, salt="demo")
>>> result.summary()[["table", "read", "kept", "rejected"]].to_dict("records")
[{'table': 'customers', 'read': 3, 'kept': 1, 'rejected': 2}]
>>> result.rejects[["source_row", "column", "reason"]].to_dict("records")
[{'source_row': 3, 'column': 'acquisition_date', 'reason': 'impossible date'}, \
{'source_row': 4, 'column': 'customer_id', 'reason': 'duplicate key (first at row 2)'}]
>>> list(result.tables["customers"].columns)  # the name is gone
['customer_id', 'acquisition_date']
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

from crmkit import labels, privacy, schema

__all__ = [
    "ImportResult",
    "Source",
    "REQUIRED",
    "IMPORT_ORDER",
    "import_data",
    "read_source",
    "load_mapping",
    "mapping_template",
    "parse_numbers",
    "parse_dates",
    "add_import_command",
]

# ---------------------------------------------------------------------------------------
# what the importer needs beyond the schema
# ---------------------------------------------------------------------------------------
# tables are imported in this order so references can be checked against what was kept
IMPORT_ORDER: list[str] = ["products", "customers", "contracts", "transactions", "interactions"] + [
    t for t in schema.TABLES if t not in
    {"products", "customers", "contracts", "transactions", "interactions"}
]

# the least a table needs to be useful; every other mapped column is optional, and a
# column that is not mapped is simply absent from the imported table
REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "products": ("product_id",),
    "contracts": ("contract_id", "customer_id", "product_id", "start_date"),
    "transactions": ("customer_id", "date", "amount"),
    "interactions": ("customer_id", "date", "channel"),
    "source_records": ("record_id", "system"),
    "life_events": ("customer_id", "date", "event"),
    "campaigns": ("campaign_id",),
    "campaign_targets": ("campaign_id", "customer_id", "group"),
    "surveys": ("customer_id", "date"),
    "incidents": ("customer_id", "date", "type"),
}

# a key a contact log or incident log rarely has: numbered 1..n over the kept rows
GENERATED_KEYS: dict[str, str] = {"interactions": "interaction_id", "incidents": "incident_id"}

NONNEGATIVE: dict[str, tuple[str, ...]] = {
    "customers": ("income",),
    "products": ("monthly_price",),
    "contracts": ("monthly_premium",),
    "transactions": ("amount",),
    "interactions": ("cost",),
    "campaigns": ("cost_per_contact",),
}

RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("customers", "credit_score"): (0.0, 1.0),
    ("customers", "preferred_hour"): (0, 23),
    ("surveys", "satisfaction"): (1, 10),
    ("surveys", "relative_attitude"): (1, 7),
    ("surveys", "repurchase_intent"): (1, 5),
}

DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "customers": (("acquisition_date", "churn_date"),),
    "contracts": (("start_date", "end_date"),),
}

FOREIGN_KEYS: dict[str, dict[str, str]] = {
    "contracts": {"customer_id": "customers", "product_id": "products"},
    "transactions": {"customer_id": "customers", "contract_id": "contracts"},
    "interactions": {"customer_id": "customers"},
    "life_events": {"customer_id": "customers"},
    "campaigns": {"product_id": "products"},
    "campaign_targets": {"campaign_id": "campaigns", "customer_id": "customers"},
    "surveys": {"customer_id": "customers"},
    "incidents": {"customer_id": "customers"},
}

# dates outside this window are typing errors (01/01/0001, 2202 for 2022), not history
DATE_MIN = pd.Timestamp("1900-01-01")
DATE_MAX = pd.Timestamp("2100-01-01")

# tried in order when the mapping says ``date_format: auto``: ISO first, then French
AUTO_DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
    "%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y", "%d.%m.%Y",
)
# a number with an optional thousands grouping of exactly three digits
# (written with [0-9] and explicit characters, not \d, \s or \b, so that pyarrow's regex
# engine runs them on millions of cells instead of pandas falling back to Python's re)
_NUM_COMMA = r"[+-]?(?:(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]*)?|,[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUM_DOT = r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUM_NOISE = "(?i)[ \t\u00a0\u202f'\u2019\u20ac$\u00a3]|euros?|eur|usd|gbp"
_DATE_SHAPE = (r"[0-9]{1,4}[/.\-][0-9]{1,2}[/.\-][0-9]{1,4}"
               r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?")
_ISO_SHAPE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"

TRUE_WORDS = frozenset({"true", "vrai", "yes", "oui", "y", "o", "1", "x", "t"})
FALSE_WORDS = frozenset({"false", "faux", "no", "non", "n", "0", "f"})

OPTIONS = frozenset({"file", "sheet", "encoding", "separator", "decimal", "date_format",
                     "columns", "values", "constants"})
DEFAULTS = {"encoding": "auto", "separator": "auto", "decimal": "auto", "date_format": "auto"}
SEPARATORS = (";", ",", "\t", "|")
# WHATWG practice: files labelled latin-1 are in fact Windows-1252 (the euro sign is 0x80)
_LATIN1_LABELS = frozenset({"latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1", "ansi",
                            "cp1252", "windows-1252"})
_REDACTED = "<redacted>"


def _legacy_fallback(err: UnicodeDecodeError):
    # bytes that are not UTF-8 are read as Windows-1252 (undefined bytes as Latin-1): the
    # way a file concatenated from a UTF-8 and a Windows export reads right
    chunk = err.object[err.start:err.end]
    try:
        return chunk.decode("cp1252"), err.end
    except UnicodeDecodeError:
        return chunk.decode("latin-1"), err.end


codecs.register_error("crmkit-legacy", _legacy_fallback)


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------
@dataclass
class Source:
    """One client file as read: raw cells, their spreadsheet row numbers, unreadable lines."""

    frame: pd.DataFrame  # raw cells: strings (CSV) or native values (Excel, Parquet)
    rows: np.ndarray  # spreadsheet row number of each frame row (header = 1)
    bad_lines: pd.DataFrame  # source_row, reason of lines that could not be split
    path: Path
    format: str
    encoding: str | None = None
    separator: str | None = None

    @property
    def n_read(self) -> int:
        return len(self.frame) + len(self.bad_lines)


@dataclass
class ImportResult:
    """What :func:`import_data` kept, rejected and counted."""

    tables: dict[str, pd.DataFrame]
    rejects: pd.DataFrame  # table, source_file, source_row, column, value, reason
    report: dict  # JSON-able: per table read/kept/rejected, reasons, source format
    salt: str | None = field(default=None, repr=False)  # generated when none was given
    out_dir: Path | None = None

    def summary(self) -> pd.DataFrame:
        """One row per table: source, rows read, kept and rejected."""
        rows = [
            {"table": t, "source": r["source"], "read": r["read"], "kept": r["kept"],
             "rejected": r["rejected"]}
            for t, r in self.report["tables"].items()
        ]
        return pd.DataFrame(rows, columns=["table", "source", "read", "kept", "rejected"])


# ---------------------------------------------------------------------------------------
# mapping
# ---------------------------------------------------------------------------------------
def load_mapping(mapping: str | Path | Mapping) -> tuple[dict, Path | None]:
    """Read and check a mapping (a YAML/JSON file or an equivalent dict).

    Returns the mapping as a dict and the folder its relative file names are resolved
    against (the mapping file's folder, or None for a dict).

    Examples
    --------
    >>> load_mapping({"tables": {"customers": {"file": "c.csv", "columns": {"id": "x"}}}})
    Traceback (most recent call last):
    ...
    ValueError: mapping: customers.columns: 'id' is not a column of customers; \
its columns are ['customer_id', 'sector', ...]
    """
    base = None
    if isinstance(mapping, str | Path):
        path = Path(mapping)
        if not path.is_file():
            raise FileNotFoundError(f"mapping file {path} not found")
        text = path.read_text(encoding="utf-8")
        mapping = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        base = path.parent
    if not isinstance(mapping, Mapping) or not isinstance(mapping.get("tables"), Mapping):
        raise ValueError("mapping: expected a mapping with a 'tables' section "
                         "(see `crmkit import --template`)")
    defaults = {k: mapping.get(k, v) for k, v in DEFAULTS.items()}
    unknown_top = set(mapping) - set(DEFAULTS) - {"tables"}
    if unknown_top:
        raise ValueError(f"mapping: unknown option(s) {sorted(unknown_top)}; "
                         f"use {sorted(DEFAULTS)} or 'tables'")
    tables = {}
    for name, spec in mapping["tables"].items():
        if name not in schema.TABLES:
            raise ValueError(f"mapping: unknown table {name!r}; known tables: {list(schema.TABLES)}")
        if not isinstance(spec, Mapping):
            raise ValueError(f"mapping: {name}: expected file, columns, ... got {spec!r}")
        bad = set(spec) - OPTIONS
        if bad:
            raise ValueError(f"mapping: {name}: unknown option(s) {sorted(bad)}; use {sorted(OPTIONS)}")
        if "file" not in spec:
            raise ValueError(f"mapping: {name}: no 'file' given")
        cols = dict(spec.get("columns") or {})
        constants = dict(spec.get("constants") or {})
        values = dict(spec.get("values") or {})
        table = schema.TABLES[name]
        for section, names in (("columns", cols), ("constants", constants), ("values", values)):
            for col in names:
                if col not in table.names:
                    raise ValueError(
                        f"mapping: {name}.{section}: {col!r} is not a column of {name}; "
                        f"its columns are {table.names[:2] + ['...']}"
                        if len(table.names) > 2 else f"its columns are {table.names}")
                if table.column(col).truth:
                    raise ValueError(f"mapping: {name}.{section}: {col!r} is ground truth of the "
                                     "synthetic market; a client's data cannot have it")
        both = set(cols) & set(constants)
        if both:
            raise ValueError(f"mapping: {name}: {sorted(both)} both mapped and constant")
        have = set(cols) | set(constants) | ({GENERATED_KEYS[name]} if name in GENERATED_KEYS else set())
        missing = [c for c in REQUIRED[name] if c not in have]
        if missing:
            raise schema.SchemaError(
                f"{name}.{missing[0]}: required column(s) {missing} not mapped; "
                f"add them under tables.{name}.columns"
            )
        tables[name] = {**defaults, **{k: v for k, v in spec.items() if k in DEFAULTS},
                        "file": spec["file"], "sheet": spec.get("sheet"),
                        "columns": cols, "constants": constants, "values": values}
    if not tables:
        raise ValueError("mapping: the 'tables' section is empty")
    return {"tables": tables}, base


def mapping_template() -> str:
    """A commented YAML mapping listing every importable column of every table.

    Examples
    --------
    >>> t = mapping_template()
    >>> "customer_id:" in t and "persona" not in t
    True
    >>> import yaml; sorted(yaml.safe_load(t)["tables"])[:2]
    ['contracts', 'customers']
    """
    lines = [
        "# crmkit import mapping: which client file feeds which crmkit table.",
        "# Under each table, `columns` maps a crmkit column (left) to the client's column",
        "# header (right). Delete the tables and columns the client does not have; a column",
        "# marked REQUIRED must stay. Relative file names are read from this file's folder.",
        "#",
        "# Reading options (here for all tables, or under one table to override):",
        "encoding: auto       # auto | utf-8 | latin-1 (read as Windows-1252) | ...",
        "separator: auto      # auto | ';' | ',' | '\\t' | '|'",
        "decimal: auto        # auto | ',' | '.'   (auto: the last of , or . in a number)",
        "date_format: auto    # auto (ISO, then dd/mm/yyyy) | '%d/%m/%Y' | '%m/%d/%Y' | ...",
        "tables:",
    ]
    shown = ["customers", "contracts", "transactions", "interactions", "products"]
    for name in shown:
        table = schema.TABLES[name]
        lines += [f"  {name}:  # {table.grain}",
                  f"    file: {name}.csv   # .csv, .txt, .xlsx, .xls or .parquet",
                  "    # sheet: 0        # Excel only: sheet name or number",
                  "    columns:"]
        for col in table.columns:
            if col.truth:
                continue
            need = "REQUIRED" if col.name in REQUIRED[name] else "optional"
            if name in GENERATED_KEYS and col.name == GENERATED_KEYS[name]:
                need = "optional, numbered 1..n if absent"
            hint = f"; one of {list(col.allowed)}" if col.allowed else ""
            lines.append(f"      {col.name}: {col.name:<20} # {need}, {col.kind}: "
                         f"{col.meaning}{hint}")
        lines += ["    # values:          # recode client categories, e.g.",
                  "    #   channel: {Agence: branch, Internet: web}",
                  "    # constants:       # a column the file lacks, same value everywhere",
                  "    #   sector: bank"]
    lines += ["  # other tables: " + ", ".join(t for t in IMPORT_ORDER if t not in shown)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------
def _decode(data: bytes, encoding: str) -> tuple[str, str]:
    """Bytes to text; ``auto`` tells UTF-8, Windows-1252 and a line-by-line mix apart."""
    enc = str(encoding).strip().lower()
    if enc in _LATIN1_LABELS:
        return data.decode("cp1252", errors="crmkit-legacy"), "windows-1252"
    if enc != "auto":
        try:
            return data.decode(enc), enc
        except (LookupError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot decode the file as {encoding!r}: {exc}; "
                             "try encoding: auto") from exc
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    loose = data.decode("utf-8", errors="replace")
    if re.search("[^\x00-\x7f\ufffd]", loose):
        # real UTF-8 characters *and* invalid bytes: a file stitched from two exports
        n_bad = loose.count("\ufffd")
        return (data.decode("utf-8", errors="crmkit-legacy"),
                f"utf-8 + windows-1252 (mixed: {n_bad} non-UTF-8 byte sequence(s))")
    return data.decode("cp1252", errors="crmkit-legacy"), "windows-1252"


def _sniff_separator(text: str) -> str:
    lines = [ln for ln in text[:200_000].splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    unquoted = [re.sub(r'"[^"]*"', "", ln) for ln in lines]
    best, best_score = ",", (-1, -1)
    for sep in SEPARATORS:
        head = unquoted[0].count(sep)
        if head == 0:
            continue
        score = (sum(u.count(sep) == head for u in unquoted), head)
        if score > best_score:
            best, best_score = sep, score
    return best


def _read_csv(data: bytes, sep: str, names: list[str], threads: bool):
    bad: list = []

    def keep_track(row):
        bad.append((row.number, row.actual_columns, row.expected_columns))
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(use_threads=threads, column_names=names, skip_rows=1),
        parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True,
                                         ignore_empty_lines=False,
                                         invalid_row_handler=keep_track),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=False,
                                             quoted_strings_can_be_null=False),
    )
    return table, bad


def read_source(path: str | Path, *, encoding: str = "auto", separator: str = "auto",
                sheet=None) -> Source:
    """Read one client file (CSV/TXT, Excel, Parquet) without interpreting its cells.

    CSV cells stay text; Excel and Parquet cells keep their native types. Lines of a CSV
    that cannot be split into the header's number of fields are listed in ``bad_lines``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes("id;montant\\n1;12,5 €\\n2;3;extra\\n".encode("cp1252"))
    >>> src = read_source(p)
    >>> src.encoding, src.separator, src.frame["montant"].tolist(), src.rows.tolist()
    ('windows-1252', ';', ['12,5 €'], [2])
    >>> src.bad_lines.to_dict("records")
    [{'source_row': 3, 'reason': 'line has 3 field(s), expected 2'}]
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    suffix = path.suffix.lower()
    no_bad = pd.DataFrame({"source_row": pd.Series([], dtype=np.int64),
                           "reason": pd.Series([], dtype="str")})
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
        return Source(frame.reset_index(drop=True), np.arange(2, len(frame) + 2), no_bad,
                      path, "parquet")
    if suffix == ".xls":
        raise ValueError(f"{path.name}: old Excel .xls files are not read; save it as .xlsx "
                         "(or CSV) and point the mapping to that file")
    if suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)
        frame.columns = [str(c) for c in frame.columns]
        return Source(frame, np.arange(2, len(frame) + 2), no_bad, path, "excel")
    text, enc = _decode(path.read_bytes(), encoding)
    sep = _sniff_separator(text) if str(separator) == "auto" else str(separator)
    if len(sep) != 1:
        raise ValueError(f"{path.name}: separator must be one character, got {separator!r}")
    header = next(csv.reader([text.split("\n", 1)[0].rstrip("\r")], delimiter=sep), [])
    names = [h.strip() for h in header]
    if not any(names):
        raise schema.SchemaError(f"{path.name}: the file is empty or has no header line")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise schema.SchemaError(f"{path.name}: duplicated column name(s) {dup} in the header")
    data = text.encode("utf-8")
    table, bad = _read_csv(data, sep, names, threads=True)
    if bad and any(b[0] is None for b in bad):
        # row numbers of bad lines are only known to a single-threaded read: redo it
        table, bad = _read_csv(data, sep, names, threads=False)
    frame = table.to_pandas()
    n_total = len(frame) + len(bad)
    bad_rows = np.array([b[0] for b in bad], dtype=np.int64)
    rows = np.setdiff1d(np.arange(2, n_total + 2), bad_rows)
    bad_lines = pd.DataFrame({
        "source_row": bad_rows,
        "reason": pd.Series([f"line has {b[1]} field(s), expected {b[2]}" for b in bad],
                            dtype="str"),
    }) if bad else no_bad
    return Source(frame, rows, bad_lines, path, "csv", enc, sep)


# ---------------------------------------------------------------------------------------
# cell parsing (vectorised)
# ---------------------------------------------------------------------------------------
def _split_cells(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(text, native): stripped strings ('' is missing) and the non-string values."""
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        text = raw.str.strip()
        return text.where(text != ""), pd.Series(np.nan, index=raw.index, dtype="float64")
    if raw.dtype != object:
        return pd.Series(pd.NA, index=raw.index, dtype="str"), raw
    # object columns (Excel): strings and native numbers/dates mixed, cell by cell
    is_text = raw.map(lambda v: isinstance(v, str)).astype(bool)
    text = raw.where(is_text).astype("str").str.strip()
    text = text.where(is_text & (text != ""))
    return text, raw.where(~is_text)


def _shown(raw: pd.Series) -> pd.Series:
    """Cells as text for the rejects file."""
    return raw.astype("str").str.slice(0, 100)


def parse_numbers(raw: pd.Series, decimal: str = "auto") -> tuple[pd.Series, np.ndarray]:
    """Read amounts as a French or English export writes them.

    Currency symbols and codes, spaces (also the non-breaking ones French software puts
    between thousands) and apostrophes are removed; a trailing minus or parentheses mean a
    negative amount. ``decimal="auto"`` takes the last of ``,`` or ``.`` as the decimal mark
    when both appear, and a lone separator appearing once as the decimal mark (so ``1,234``
    reads 1.234: set ``decimal="."`` for English exports with thousands commas).

    Returns the values (float64, NaN where missing or unreadable) and the mask of cells
    that were present but unreadable.

    Examples
    --------
    >>> import pandas as pd
    >>> v, bad = parse_numbers(pd.Series(["1 234,50 €", "€1,234.50", "-12,5", "(3.5)",
    ...                                   "1.234.567", "", "12,5,3", "abc"]))
    >>> v.tolist()[:5], bad.tolist()
    ([1234.5, 1234.5, -12.5, -3.5, 1234567.0], [False, False, False, False, False, False, True, True])
    >>> parse_numbers(pd.Series(["1,234.5", "7"]), decimal=".")[0].tolist()
    [1234.5, 7.0]
    """
    if decimal not in ("auto", ",", "."):
        raise ValueError(f"decimal must be 'auto', ',' or '.', got {decimal!r}")
    text, native = _split_cells(raw)
    if pd.api.types.is_bool_dtype(native.dtype):
        native = native.astype(float)
    if native.dtype == object:
        is_num = native.map(_is_native_number).astype(bool) & native.notna()
        native_values = native.where(is_num)
    else:
        native_values = native
    values = pd.to_numeric(native_values, errors="coerce").astype("float64")
    native_bad = native.notna() & values.isna()
    t = text.str.replace(_NUM_NOISE, "", regex=True)
    t = t.str.replace("−", "-", regex=False)
    paren = (t.str.startswith("(") & t.str.endswith(")")).fillna(False).astype(bool)
    t = t.str.strip("()")
    trailing_minus = t.str.endswith("-").fillna(False).astype(bool)
    t = t.str.rstrip("-")
    if decimal == ",":
        comma_dec = pd.Series(True, index=t.index)
    elif decimal == ".":
        comma_dec = pd.Series(False, index=t.index)
    else:
        # the decimal mark is the last of both; a mark repeated alone groups thousands
        n_comma, n_dot = t.str.count(","), t.str.count(r"\.")
        both = (n_comma > 0) & (n_dot > 0)
        comma_last = t.str.contains(",[^.]*$", regex=True).fillna(False).astype(bool)
        comma_dec = (
            (both & comma_last)
            | (~both & (n_comma == 1))
            | (~both & (n_dot > 1))
        )
        comma_dec = comma_dec.fillna(False).astype(bool)
    ok = (t.str.fullmatch(_NUM_COMMA).where(comma_dec, t.str.fullmatch(_NUM_DOT))
          .fillna(False).astype(bool))
    t = t.where(~comma_dec, t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    t = t.where(comma_dec, t.str.replace(",", "", regex=False))
    parsed = pd.to_numeric(t.where(ok), errors="coerce").astype("float64")
    parsed = parsed.where(~(paren | trailing_minus), -parsed)
    out = values.where(text.isna(), parsed)
    bad = (text.notna() & ~ok) | native_bad
    return out, bad.to_numpy()


def _is_native_number(v) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def parse_dates(raw: pd.Series, date_format: str = "auto") -> tuple[pd.Series, pd.Series]:
    """Read dates: ISO always, then ``date_format`` (``auto``: French day-first formats).

    Returns the dates (NaT where missing or rejected) and, per cell, the reason it was
    rejected (``impossible date`` for a well-formed day that does not exist such as 31/02,
    ``unreadable date``, ``implausible date (outside 1900-2099)``) or NA.

    Examples
    --------
    >>> import pandas as pd
    >>> d, why = parse_dates(pd.Series(["05/01/2021", "2021-01-05", "31/02/2021", "hier",
    ...                                 "01/01/2202", None]))
    >>> d.dt.strftime("%Y-%m-%d").tolist()[:2]
    ['2021-01-05', '2021-01-05']
    >>> why.tolist()
    [nan, nan, 'impossible date', 'unreadable date', 'implausible date (outside 1900-2099)', nan]
    """
    text, native = _split_cells(raw)
    formats = AUTO_DATE_FORMATS[4:] if date_format == "auto" else (
        date_format, f"{date_format} %H:%M", f"{date_format} %H:%M:%S")
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    if native.notna().any():
        if pd.api.types.is_datetime64_any_dtype(native.dtype):
            nat = native.dt.tz_localize(None) if native.dt.tz is not None else native
        else:
            is_date = native.map(lambda v: hasattr(v, "year")).astype(bool) & native.notna()
            nat = pd.to_datetime(native.where(is_date), errors="coerce")
        out = out.where(nat.isna(), nat.astype("datetime64[us]"))
    # an export repeats a few thousand dates a million times: parse each distinct text once
    codes, uniq = pd.factorize(text)
    uniq = pd.Series(uniq, dtype="str")
    parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[us]")
    iso = uniq.str.fullmatch(_ISO_SHAPE).fillna(False).astype(bool)
    if iso.any():
        parsed[iso] = pd.to_datetime(uniq[iso], format="ISO8601", errors="coerce")
    todo = ~iso
    for fmt in formats:
        if not todo.any():
            break
        got = pd.to_datetime(uniq.where(todo), format=fmt, errors="coerce")
        parsed = parsed.where(got.isna(), got.astype("datetime64[us]"))
        todo &= got.isna()
    shaped = uniq.str.fullmatch(_DATE_SHAPE).fillna(False).astype(bool)
    reason = pd.Series(pd.NA, index=uniq.index, dtype="str")
    reason = reason.where(~(parsed.isna() & shaped), "impossible date")
    reason = reason.where(~(parsed.isna() & ~shaped), "unreadable date")
    far = parsed.notna() & ((parsed < DATE_MIN) | (parsed >= DATE_MAX))
    reason = reason.where(~far, "implausible date (outside 1900-2099)")
    has = codes >= 0
    got = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[us]")
    got[has] = parsed.to_numpy()[codes[has]]
    out = out.where(~has, pd.Series(got, index=raw.index))
    why_text = np.full(len(raw), None, dtype=object)
    why_text[has] = reason.to_numpy(dtype=object, na_value=None)[codes[has]]
    why = pd.Series(why_text, index=raw.index, dtype="str")
    native_bad = native.notna() & out.isna() & text.isna()
    why = why.where(~native_bad, "unreadable date")
    far = out.notna() & ((out < DATE_MIN) | (out >= DATE_MAX))
    why = why.where(~far, "implausible date (outside 1900-2099)")
    return out.where(why.isna()), why


def _parse_bools(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    text, native = _split_cells(raw)
    low = text.str.lower()
    val = pd.Series(np.nan, index=raw.index, dtype=object)
    val = val.where(~low.isin(TRUE_WORDS), True).where(~low.isin(FALSE_WORDS), False)
    if native.notna().any():
        nat = native.map(lambda v: bool(v) if v in (0, 1, True, False) else None,
                         na_action="ignore")
        val = val.where(nat.isna(), nat)
    bad = (text.notna() & val.isna()) | (native.notna() & val.isna())
    return val, bad.to_numpy()


def _normalise_ids(raw: pd.Series) -> pd.Series:
    """Key cells as canonical text: ``12``, ``12.0``, ``"0012"`` and ``" 12 "`` are one key."""
    text, native = _split_cells(raw)
    if native.notna().any():
        nat = native.map(privacy._canonical, na_action="ignore").astype("str")
        text = text.where(native.isna(), nat)
    numeric = text.str.fullmatch(r"[0-9]+(?:\.0+)?").fillna(False).astype(bool)
    stripped = text.str.replace(r"\.0+$", "", regex=True).str.lstrip("0").replace("", "0")
    return text.where(~numeric, stripped)


def _fold(values: pd.Series) -> pd.Series:
    """Case-, accent- and spacing-insensitive spelling (computed once per distinct value)."""
    codes, uniq = pd.factorize(values)
    folded = [unicodedata.normalize("NFKD", v).encode("ascii", "ignore").decode().casefold()
              for v in uniq]
    folded = pd.Series(folded, dtype="str").str.replace(r"[ \t\-/_]+", "_", regex=True)
    out = np.full(len(values), None, dtype=object)
    out[codes >= 0] = folded.str.strip("_").to_numpy(dtype=object)[codes[codes >= 0]]
    return pd.Series(out, index=values.index, dtype="str")


def _vocabulary(column: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """Folded spelling -> allowed key: the keys themselves and their English/French labels."""
    lookup = {}
    kind = labels.kind_of(column)
    for key in allowed:
        names = [key]
        if kind is not None:
            try:
                names += list(labels.entry(kind, key))
            except KeyError:
                pass
        for n in names:
            lookup[_fold(pd.Series([n], dtype="str"))[0]] = key
    return lookup


# ---------------------------------------------------------------------------------------
# one table
# ---------------------------------------------------------------------------------------
def _resolve_columns(src: Source, name: str, wanted: dict[str, str]) -> dict[str, str]:
    """crmkit column -> the file's column, matching headers exactly, then ignoring case,
    accents and spacing; a clear error when a mapped column is not in the file."""
    have = list(src.frame.columns)
    folded = dict(zip(_fold(pd.Series(have, dtype="str")).tolist(), have, strict=True))
    out, missing = {}, []
    for col, client in wanted.items():
        client = str(client)
        if client in have:
            out[col] = client
        elif (f := _fold(pd.Series([client], dtype="str"))[0]) in folded:
            out[col] = folded[f]
        else:
            missing.append((col, client))
    if missing:
        hint = ""
        if src.format == "csv" and len(have) == 1:
            guess = _sniff_separator(str(have[0]) + "\n")
            if guess != src.separator:
                hint = f"; the header looks {guess!r}-separated: set separator: {guess!r} or auto"
        col, client = missing[0]
        raise schema.SchemaError(
            f"{name}.{col}: column(s) {[m[1] for m in missing]} not found in {src.path.name} "
            f"(read with separator {src.separator!r}); the file has {have}{hint}"
        )
    return out


@dataclass
class _Problems:
    """Per-row problems of one table, gathered as masks (vectorised)."""

    rows: np.ndarray
    pieces: list = field(default_factory=list)
    any: np.ndarray = None

    def __post_init__(self):
        self.any = np.zeros(len(self.rows), dtype=bool)

    def add(self, mask, column: str, reason, shown: pd.Series | None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        n = int(mask.sum())
        reasons = (np.asarray(reason, dtype=object)[mask] if not isinstance(reason, str)
                   else np.full(n, reason, dtype=object))
        values = (shown.to_numpy(dtype=object)[mask] if shown is not None
                  else np.full(n, "", dtype=object))
        self.pieces.append(pd.DataFrame({"source_row": self.rows[mask], "column": column,
                                         "value": values, "reason": reasons}))
        self.any |= mask


def _coerce(src: Source, name: str, spec: dict, cols: dict[str, str],
            problems: _Problems, pseudonymise: bool) -> pd.DataFrame:
    table = schema.TABLES[name]
    frame = src.frame
    n = len(frame)
    out = {}
    empty = np.ones(n, dtype=bool)
    for col, client in cols.items():
        raw = frame[client]
        kind = table.column(col).kind
        shown = (pd.Series(_REDACTED, index=raw.index, dtype="str")
                 if col in privacy.DIRECT_IDENTIFIERS else _shown(raw))
        present = raw.notna().to_numpy(copy=True)
        if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
            present &= (raw.str.strip() != "").fillna(False).to_numpy(dtype=bool)
        elif raw.dtype == object:
            present &= ~raw.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
        empty &= ~present
        if kind == "int" and col.endswith("_id"):
            ids = _normalise_ids(raw)
            if not (pseudonymise and col in privacy.KEY_DOMAINS):
                # only keys that get a pseudonym may be text ("CL-0012")
                problems.add(ids.notna() & ~ids.str.fullmatch(r"[0-9]+").fillna(False).astype(bool),
                             col, "not an integer id", shown)
            out[col] = ids
        elif kind in ("int", "float", "number"):
            vals, bad = parse_numbers(raw, spec["decimal"])
            problems.add(bad, col, "not a number", shown)
            if kind == "int":
                problems.add(~bad & vals.notna() & (vals % 1 != 0), col, "not an integer", shown)
            out[col] = vals
        elif kind == "datetime":
            vals, why = parse_dates(raw, spec["date_format"])
            problems.add(why.notna(), col, why, shown)
            out[col] = vals
        elif kind == "bool":
            vals, bad = _parse_bools(raw)
            problems.add(bad, col, "not a yes/no value", shown)
            out[col] = vals
        else:
            text, native = _split_cells(raw)
            if native.notna().any():
                text = text.where(native.isna(), native.map(privacy._canonical,
                                                            na_action="ignore").astype("str"))
            recode = spec["values"].get(col)
            if recode:
                text = text.replace({str(k): str(v) for k, v in recode.items()})
            allowed = table.column(col).allowed
            if allowed is not None:
                known = _fold(text).map(_vocabulary(col, allowed))
                problems.add(text.notna() & known.isna(), col, f"not one of {list(allowed)}",
                             shown)
                text = known.astype("str")
            out[col] = text
        dropped = pseudonymise and col in privacy.DIRECT_IDENTIFIERS
        if (not table.column(col).nullable or col in REQUIRED[name]) and not dropped:
            problems.add(~present, col, "missing value", shown)
    if n:
        problems.add(empty, "*", "empty row", None)
        # keep only the first reason per row for empty rows: drop their per-column ones
        if empty.any():
            keep = [p[~(p["reason"].eq("missing value") & p["source_row"].isin(problems.rows[empty]))]
                    for p in problems.pieces]
            problems.pieces = [p for p in keep if len(p)]
    df = pd.DataFrame(out, index=frame.index)
    for col, value in spec["constants"].items():
        df[col] = value
    return df


def _row_rules(df: pd.DataFrame, name: str, problems: _Problems, shown: dict) -> None:
    for col in NONNEGATIVE.get(name, ()):
        if col in df:
            problems.add(df[col] < 0, col, "negative value", shown.get(col))
    for (tname, col), (low, high) in RANGES.items():
        if tname == name and col in df:
            problems.add((df[col] < low) | (df[col] > high), col,
                         f"outside [{low}, {high}]", shown.get(col))
    for start, end in DATE_ORDER.get(name, ()):
        if start in df and end in df:
            problems.add(df[end] < df[start], end, f"before {start}", shown.get(end))


def _duplicates(df: pd.DataFrame, name: str, problems: _Problems, shown: dict) -> None:
    key = list(schema.TABLES[name].key)
    if not key or not all(k in df for k in key):
        return
    ok = ~problems.any
    sub = df.loc[ok, key]
    dup = sub.duplicated(keep="first")
    if not dup.any():
        return
    first_row = pd.Series(problems.rows[ok], index=sub.index).groupby(
        [sub[k] for k in key], sort=False, dropna=False).transform("first")
    mask = np.zeros(len(df), dtype=bool)
    mask[np.flatnonzero(ok)[dup.to_numpy()]] = True
    reasons = np.full(len(df), None, dtype=object)
    reasons[mask] = [f"duplicate key (first at row {r})" for r in first_row[dup].to_numpy()]
    problems.add(mask, "+".join(key), reasons, shown.get(key[0]))


def _references(df: pd.DataFrame, name: str, kept: dict, problems: _Problems,
                shown: dict) -> None:
    for col, parent in FOREIGN_KEYS.get(name, {}).items():
        if col not in df or parent not in kept:
            continue
        known = df[col].isin(kept[parent][col])
        problems.add(df[col].notna() & ~known & ~problems.any, col,
                     f"unknown {col} (not among the kept {parent})", shown.get(col))


def _finish_types(df: pd.DataFrame, name: str, text_keys: bool) -> pd.DataFrame:
    """Final dtypes of a kept table; ``text_keys`` leaves person keys as canonical text
    (for :mod:`crmkit.privacy` to hash)."""
    table = schema.TABLES[name]
    df = df.copy()
    for col in df.columns:
        kind = table.column(col).kind
        if kind == "int" and text_keys and col in privacy.KEY_DOMAINS:
            continue
        if kind == "int":
            # whole numbers by now (checked row by row); nullable ones keep their gaps
            num = pd.to_numeric(df[col])
            df[col] = num.astype(np.int64) if num.notna().all() else num.astype("Int64")
        elif kind == "bool":
            df[col] = df[col].astype(bool)
        elif kind == "float":
            df[col] = df[col].astype("float64")
        elif kind == "string":
            df[col] = df[col].astype("str")
    return df


def _import_table(name: str, spec: dict, base: Path | None, kept: dict,
                  pseudonymise: bool) -> tuple[pd.DataFrame, pd.DataFrame, dict, frozenset]:
    path = Path(spec["file"])
    if not path.is_absolute() and base is not None:
        path = base / path
    src = read_source(path, encoding=spec["encoding"], separator=spec["separator"],
                      sheet=spec["sheet"])
    cols = _resolve_columns(src, name, spec["columns"])
    problems = _Problems(src.rows)
    df = _coerce(src, name, spec, cols, problems, pseudonymise)
    shown = {c: (pd.Series(_REDACTED, index=df.index, dtype="str")
                 if c in privacy.DIRECT_IDENTIFIERS else _shown(src.frame[cl]))
             for c, cl in cols.items()}
    _row_rules(df, name, problems, shown)
    _duplicates(df, name, problems, shown)
    _references(df, name, kept, problems, shown)
    good = df.loc[~problems.any].reset_index(drop=True)
    rejects = pd.concat(
        [pd.DataFrame({"source_row": src.bad_lines["source_row"], "column": "*", "value": "",
                       "reason": src.bad_lines["reason"]}), *problems.pieces],
        ignore_index=True,
    )
    rejects = rejects.sort_values("source_row", kind="stable").reset_index(drop=True)
    rejects.insert(0, "source_file", src.path.name)
    rejects.insert(0, "table", name)
    n_rejected = int(problems.any.sum()) + len(src.bad_lines)
    info = {
        "source": src.path.name, "format": src.format, "encoding": src.encoding,
        "separator": src.separator, "read": src.n_read, "kept": len(good),
        "rejected": n_rejected,
        "reasons": {str(k): int(v) for k, v in
                    rejects.drop_duplicates(["source_row", "reason"])["reason"]
                    .value_counts().sort_index().items()},
        "columns": list(good.columns),
    }
    # the invariant the consultant relies on: nothing disappears without a line in rejects
    assert info["read"] == info["kept"] + info["rejected"], info
    assert rejects["source_row"].nunique() == n_rejected, (name, n_rejected)
    # names of every row read, kept or not, to scrub them from free text and rejects
    names = privacy.name_tokens(*[src.frame[cols[c]] for c in ("first_name", "last_name")
                                  if c in cols])
    return good, rejects, info, names


def import_data(
    mapping: str | Path | Mapping,
    *,
    out_dir: str | Path | None = None,
    base_dir: str | Path | None = None,
    salt: str | bytes | None = None,
    pseudonymise: bool = True,
    keep_hashed: tuple[str, ...] = (),
) -> ImportResult:
    """Import a client's files into crmkit tables, with a rejects file and a report.

    Parameters
    ----------
    mapping : path or dict
        The mapping (see :func:`mapping_template`, or ``crmkit import --template``).
    out_dir : path, optional
        Where to write ``<table>.parquet``, ``rejects.csv`` and ``import_report.json``;
        nothing is written when None.
    base_dir : path, optional
        Folder of the client's files (default: the mapping file's folder, else the
        working directory).
    salt : str or bytes, optional
        The workshop's secret for :mod:`crmkit.privacy`. When None a random one is drawn
        and returned in ``ImportResult.salt`` (never written to disk).
    pseudonymise : bool
        Pseudonymise the kept tables (default). Without it, keys must be integers and the
        tables keep the client's identifiers: for the client's own use only.
    keep_hashed : tuple of str
        Direct identifiers to keep as keyed hashes (e.g. ``("email",)``).

    Returns
    -------
    ImportResult
        ``tables`` (kept rows, crmkit schema), ``rejects`` (one line per problem: table,
        source_file, source_row, column, value, reason), ``report`` (counts per table).

    Raises
    ------
    SchemaError
        A required column is not mapped, or a mapped column is not in the file.
    ValueError
        A malformed mapping or a bad option.
    """
    spec, mapping_dir = load_mapping(mapping)
    if out_dir is not None:
        _check_out_dir(out_dir)  # before any work
    base = Path(base_dir) if base_dir is not None else mapping_dir
    if pseudonymise and salt is None:
        salt = secrets.token_hex(16)
    tables: dict[str, pd.DataFrame] = {}
    all_rejects, report = [], {"tables": {}, "pseudonymised": bool(pseudonymise)}
    names: frozenset[str] = frozenset()
    for name in (t for t in IMPORT_ORDER if t in spec["tables"]):
        good, rejects, info, found = _import_table(name, spec["tables"][name], base, tables,
                                                   pseudonymise)
        tables[name] = good
        all_rejects.append(rejects)
        report["tables"][name] = info
        names |= found
    # keys stay canonical text until every reference is checked, then get their type
    tables = {n: _finish_types(df, n, text_keys=pseudonymise) for n, df in tables.items()}
    rejects = pd.concat(all_rejects, ignore_index=True)
    rejects = rejects.astype({"source_row": np.int64, "value": "str", "reason": "str"})
    if pseudonymise:
        tables = privacy.pseudonymise_tables(tables, salt, names=names, keep_hashed=keep_hashed)
        rejects["value"] = privacy.scrub_text(rejects["value"], names).fillna("")
    for name, key in GENERATED_KEYS.items():
        if name in tables and key not in tables[name]:
            tables[name].insert(0, key, np.arange(1, len(tables[name]) + 1, dtype=np.int64))
    for name, df in tables.items():
        report["tables"][name]["columns"] = list(df.columns)
        if len(df):
            schema.validate(df, name, columns=list(df.columns))
    result = ImportResult({n: df for n, df in tables.items() if len(df)}, rejects, report,
                          salt=salt if isinstance(salt, str) else None)
    if out_dir is not None:
        result.out_dir = write_import(result, out_dir)
    return result


def _check_out_dir(out_dir: str | Path) -> Path:
    """An import writes into a new or empty folder, or over an earlier import: never over a
    market or other data it did not write."""
    from crmkit.io import MARKET_TABLES

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out: {out} exists and is not a folder")
    if out.is_dir() and not (out / "import_report.json").exists() and any(
            (out / f"{t}.parquet").exists() for t in MARKET_TABLES):
        raise ValueError(f"out: {out} holds market tables that no import wrote; choose a new "
                         "or empty folder")
    return out


def write_import(result: ImportResult, out_dir: str | Path) -> Path:
    """Write the kept tables as a market folder (:func:`crmkit.io.save_market`: Parquet
    files and ``market.duckdb``), with ``rejects.csv`` and ``import_report.json``.

    Over an earlier import, the tables this import does not have are removed, so that the
    workshop never reads a stale table next to fresh ones.
    """
    from crmkit.io import MARKET_TABLES, save_market

    out = _check_out_dir(out_dir)
    out = save_market(result.tables, out, meta={"source": "crmkit import",
                                                "pseudonymised": result.report["pseudonymised"]})
    for name in MARKET_TABLES:
        if name not in result.tables and (out / f"{name}.parquet").exists():
            (out / f"{name}.parquet").unlink()
    result.rejects.to_csv(out / "rejects.csv", index=False)
    (out / "import_report.json").write_text(json.dumps(result.report, indent=2) + "\n",
                                            encoding="utf-8")
    return out


# ---------------------------------------------------------------------------------------
# command line: `crmkit import`
# ---------------------------------------------------------------------------------------
def add_import_command(subparsers) -> None:
    """Register ``crmkit import`` on an :mod:`argparse` sub-parsers object."""
    p = subparsers.add_parser(
        "import", help="import a client's CSV/Excel/Parquet files into the crmkit schema",
        description="Import a client's files with a column mapping; rejected rows go to "
                    "rejects.csv with their reason. `--template` prints a mapping to fill in.")
    p.add_argument("mapping", nargs="?", help="mapping file (YAML or JSON)")
    p.add_argument("--template", action="store_true", help="print a mapping template and exit")
    p.add_argument("--out", help="output folder for the imported tables")
    p.add_argument("--data", help="folder of the client's files (default: the mapping's)")
    p.add_argument("--salt", help="the workshop's pseudonymisation secret "
                                  "(default: a random one, printed once)")
    p.add_argument("--no-pseudonymise", action="store_true",
                   help="keep identifiers (for the client's own use only)")
    p.set_defaults(func=_run_import)


def _run_import(args, parser) -> int:
    import sys

    if args.template:
        sys.stdout.write(mapping_template())
        return 0
    if not args.mapping or not args.out:
        parser.error("give a MAPPING file and --out DIR (or --template)")
    try:
        result = import_data(args.mapping, out_dir=args.out, base_dir=args.data, salt=args.salt,
                             pseudonymise=not args.no_pseudonymise)
    except (schema.SchemaError, ValueError, FileNotFoundError) as err:
        parser.error(str(err))
    sys.stdout.write(result.summary().to_string(index=False) + "\n")
    if len(result.rejects):
        top = result.rejects.drop_duplicates(["table", "source_row", "reason"])
        counts = top.groupby(["table", "reason"]).size().sort_values(ascending=False)
        sys.stdout.write("\nrejected rows by reason:\n" + counts.head(10).to_string() + "\n")
    sys.stdout.write(f"\nwritten to {result.out_dir} (rejects.csv, import_report.json)\n")
    if args.salt is None and result.salt:
        sys.stderr.write(f"pseudonymisation salt (keep it with the client to re-link): "
                         f"{result.salt}\n")
    return 0
