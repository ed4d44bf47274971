"""Importing the tables of a mapping: coerce, apply the rules, pseudonymise, write.

For every table, rows read = rows kept + rows merged (repeats of a kept key) + rows
rejected: the importer asserts it, and the report shows it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit import privacy, schema
from crmkit._docs import fill
from crmkit.importer import rules as R
from crmkit.importer.mapping import load_mapping
from crmkit.importer.parse import (
    _fold,
    _normalise_ids,
    _parse_bools,
    _shown,
    _split_cells,
    _vocabulary,
    parse_dates,
    parse_numbers,
)
from crmkit.importer.read import Source, _sniff_separator, read_source

__all__ = ["ImportResult", "import_data", "write_import", "MIN_SALT_BYTES"]

_REDACTED = "<redacted>"
# the workshop salt: 128 bits at least (a short one is recovered from one known id and its
# pseudonym by trying every salt); see crmkit.privacy
MIN_SALT_BYTES = privacy.MIN_SALT_BYTES
# the import that the examples of ImportResult's methods and of write_import run
# (``crmkit._docs.fill``): three rows of a client's file, one kept, one impossible date,
# one unreadable date
_EXAMPLE = """\
>>> import tempfile, pathlib
>>> from crmkit.importer import import_data
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "c.csv").write_text("id;created\\n1;05/01/2021\\n2;31/02/2021\\n3;x\\n")
>>> result = import_data({"tables": {"customers": {"file": "c.csv", "columns": {
...     "customer_id": "id", "acquisition_date": "created"}}}}, base_dir=d)"""
REJECT_COLUMNS = ["table", "source_file", "source_row", "column", "value", "reason", "detail"]


@dataclass
class ImportResult:
    """What :func:`import_data` kept, merged, rejected and counted.

    Attributes
    ----------
    tables : dict of DataFrame
        The kept rows, crmkit schema (pseudonymised unless asked otherwise).
    rejects : DataFrame
        One line per problem: table, source_file, source_row, column, value, reason,
        detail (values pseudonymised like the tables).
    conflicts : DataFrame
        Repeats of a key that disagree: table, key, column, values seen, value kept, rows.
    report : dict
        JSON-able counts per table (read, kept, merged, rejected, reasons with their first
        rows), the rules applied and the failures.
    salt : str or None
        The salt drawn at random when none was given (never written to disk).
    """

    tables: dict[str, pd.DataFrame]
    rejects: pd.DataFrame
    report: dict
    conflicts: pd.DataFrame = field(default_factory=pd.DataFrame)
    salt: str | None = field(default=None, repr=False)
    out_dir: Path | None = None

    @fill(example_import=_EXAMPLE)
    def summary(self) -> pd.DataFrame:
        """One row per table: source, rows read, kept, merged and rejected.

        Returns
        -------
        DataFrame
            Columns ``table``, ``source`` (the client's file), ``read``, ``kept``,
            ``merged`` (identical repeats of a key folded into one row) and ``rejected``.

        Examples
        --------
        {example_import}
        >>> result.summary().to_dict("records")
        [{'table': 'customers', 'source': 'c.csv', 'read': 3, 'kept': 1, 'merged': 0, \
'rejected': 2}]
        """
        cols = ["table", "source", "read", "kept", "merged", "rejected"]
        return pd.DataFrame([{"table": t, **{c: r[c] for c in cols[1:]}}
                             for t, r in self.report["tables"].items()], columns=cols)

    @fill(example_import=_EXAMPLE)
    def rejects_summary(self) -> pd.DataFrame:
        """Rejected rows by table and reason, with the first rows of each (see
        :func:`rejects_by_reason`).

        Returns
        -------
        DataFrame
            Columns ``table``, ``reason``, ``rows`` (rows rejected for that reason) and
            ``first_rows`` (their spreadsheet row numbers), most frequent reason first.

        Examples
        --------
        {example_import}
        >>> result.rejects_summary().to_dict("records")
        [{'table': 'customers', 'reason': 'impossible date', 'rows': 1, 'first_rows': '3'}, \
{'table': 'customers', 'reason': 'unreadable date', 'rows': 1, 'first_rows': '4'}]
        """
        return rejects_by_reason(self.report)

    @property
    def failures(self) -> list[str]:
        """One line per table that failed: every row rejected, or more than the mapping's
        ``max_rejected_share``. Empty when the import succeeded."""
        return list(self.report.get("failures", []))


def rejects_by_reason(report: dict) -> pd.DataFrame:
    """Rejected rows by table and reason (a row counts once per reason) with the spreadsheet
    numbers of the first rows, from an import report: the summary a report shows instead
    of thousands of reject lines.

    Parameters
    ----------
    report : dict
        An import report (:attr:`ImportResult.report`): under ``tables``, each table's
        ``reasons``, each with its count of ``rows`` and its ``first_rows``.

    Returns
    -------
    DataFrame
        Columns ``table``, ``reason``, ``rows`` and ``first_rows`` (the row numbers joined
        by commas, ending in ``...`` when there are more), by table then most rows first.

    Examples
    --------
    >>> rejects_by_reason({"tables": {"customers": {"reasons": {
    ...     "missing value": {"rows": 3, "first_rows": [4, 7, 9]}}}}}).to_dict("records")
    [{'table': 'customers', 'reason': 'missing value', 'rows': 3, 'first_rows': '4, 7, 9'}]
    """
    out = [{"table": t, "reason": reason, "rows": r["rows"],
            "first_rows": ", ".join(str(x) for x in r["first_rows"])
            + (", ..." if r["rows"] > len(r["first_rows"]) else "")}
           for t, info in report["tables"].items() for reason, r in info["reasons"].items()]
    df = pd.DataFrame(out, columns=["table", "reason", "rows", "first_rows"])
    return df.sort_values(["table", "rows"], ascending=[True, False], ignore_index=True)


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
        if not src.header:
            hint += "; a file without a header line names its columns under `names`"
        col, client = missing[0]
        schema.fail(name, col, f"column(s) {[m[1] for m in missing]} not found in "
                    f"{src.path.name} (read with separator {src.separator!r}); the file has "
                    f"{have}{hint}")
    return out


def _no_date_read(name, col, client, src, raw, spec):
    sample = [str(v) for v in pd.unique(raw.dropna().astype(str))[:3]]
    schema.fail(name, col, f"no date of column {client!r} of {src.path.name} could be read "
                f"with date_format {spec['date_format']!r} (first values {sample}); set "
                "date_format in the mapping, e.g. '%d/%m/%Y', '%m/%d/%Y' or 'YYYYMMDD'")


def _coerce(src: Source, name: str, spec: dict, cols: dict[str, str],
            problems: R.Problems, pseudonymise: bool) -> pd.DataFrame:
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
                             col, "not an integer id", shown,
                             "text ids are read only with pseudonymisation (the default)")
            out[col] = ids
        elif kind in ("int", "float", "number"):
            vals, bad = parse_numbers(raw, spec["decimal"])
            problems.add(bad, col, "not a number", shown)
            if kind == "int":
                problems.add(~bad & vals.notna() & (vals % 1 != 0), col, "not an integer", shown)
            out[col] = vals
        elif kind == "datetime":
            vals, why = parse_dates(raw, spec["date_format"])
            if present.any() and not vals[present].notna().any():
                # not one date read: the format is wrong, not every row
                _no_date_read(name, col, client, src, raw[present], spec)
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
        if (not table.column(col).nullable or col in R.REQUIRED[name]) and not dropped:
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


_FIRST_ROWS = 5


def _reasons(rejects: pd.DataFrame) -> dict:
    one = rejects.drop_duplicates(["source_row", "reason"])
    out = {}
    for reason, rows in one.groupby("reason", sort=True)["source_row"]:
        out[str(reason)] = {"rows": int(len(rows)),
                            "first_rows": [int(r) for r in np.sort(rows.to_numpy())[:_FIRST_ROWS]]}
    return out


def _import_table(name: str, spec: dict, base: Path | None, kept: dict, pseudonymise: bool,
                  rules: dict, as_of: pd.Timestamp):
    path = Path(spec["file"])
    if not path.is_absolute() and base is not None:
        path = base / path
    src = read_source(path, encoding=spec["encoding"], separator=spec["separator"],
                      sheet=spec["sheet"], header=spec["header"], names=spec["names"])
    cols = _resolve_columns(src, name, spec["columns"])
    problems = R.Problems(src.rows)
    df = _coerce(src, name, spec, cols, problems, pseudonymise)
    shown = {c: (pd.Series(_REDACTED, index=df.index, dtype="str")
                 if c in privacy.DIRECT_IDENTIFIERS else _shown(src.frame[cl]))
             for c, cl in cols.items()}
    R.row_rules(df, name, problems, shown)
    R.plausibility(df, name, problems, shown, rules, as_of)
    R.references(df, name, kept, problems, shown)
    R.births(df, name, kept, problems, shown)
    df, merged, conflicts = R.repeats(df, name, problems, shown, spec["repeats"])
    good = df.loc[~problems.any & ~merged].reset_index(drop=True)
    rejects = pd.concat(
        [pd.DataFrame({"source_row": src.bad_lines["source_row"], "column": "*", "value": "",
                       "reason": src.bad_lines["reason"], "detail": ""}), *problems.pieces],
        ignore_index=True,
    )
    rejects = rejects.sort_values("source_row", kind="stable").reset_index(drop=True)
    rejects.insert(0, "source_file", src.path.name)
    rejects.insert(0, "table", name)
    conflicts.insert(0, "table", name)
    n_rejected = int(problems.any.sum()) + len(src.bad_lines)
    info = {
        "source": src.path.name, "format": src.format, "encoding": src.encoding,
        "separator": src.separator, "header": src.header, "read": src.n_read,
        "kept": len(good), "merged": int(merged.sum()), "rejected": n_rejected,
        "rejected_share": round(n_rejected / src.n_read, 4) if src.n_read else 0.0,
        "reasons": _reasons(rejects),
        "conflicts": {str(c): int(n) for c, n in conflicts["column"].value_counts().items()},
        "repeats": spec["repeats"],
        "columns": list(good.columns),
    }
    # the invariant the consultant relies on: nothing disappears without a line in rejects
    assert info["read"] == info["kept"] + info["merged"] + info["rejected"], info
    assert rejects["source_row"].nunique() == n_rejected, (name, n_rejected)
    # names of every row read, kept or not, to scrub them from free text and rejects
    names = privacy.name_tokens(*[src.frame[cols[c]] for c in ("first_name", "last_name")
                                  if c in cols])
    return good, rejects, conflicts, info, names


def _failures(report: dict, max_share: float) -> list[str]:
    out = []
    for name, info in report["tables"].items():
        if info["read"] and info["kept"] == 0:
            out.append(f"{name}: every row rejected ({info['rejected']:,} of {info['read']:,}; "
                       f"first reason: {_top_reason(info)})")
        elif info["rejected_share"] > max_share:
            out.append(f"{name}: {info['rejected']:,} of {info['read']:,} rows rejected "
                       f"({info['rejected_share']:.0%} > max_rejected_share "
                       f"{max_share:.0%}; first reason: {_top_reason(info)})")
    return out


def _top_reason(info: dict) -> str:
    if not info["reasons"]:
        return "none"
    # the most frequent reason; among equals, the one met first in the file
    reason, r = min(info["reasons"].items(), key=lambda kv: (-kv[1]["rows"], kv[1]["first_rows"][0]))
    return f"{reason}, {r['rows']:,} row(s) from row {r['first_rows'][0]}"


def _pseudonymise_values(frame: pd.DataFrame, value_col: str, column_col: str, salt,
                         names) -> pd.Series:
    """The offending values of rejects or conflicts, pseudonymised as the tables are:
    keys replaced by their pseudonym, postcodes cut to the département, birth dates to
    the year, names, e-mails and phone numbers scrubbed."""
    values = frame[value_col].astype("str")
    out = privacy.scrub_text(values, names).fillna("")
    for col, domain in privacy.KEY_DOMAINS.items():
        at = frame[column_col].eq(col).to_numpy()
        if at.any():
            ids = _normalise_ids(values[at])
            hashed = privacy.hash_keys(ids, salt, domain).astype("str")
            out[at] = hashed.where(ids.notna(), "").to_numpy()
    at = frame[column_col].eq("postcode").to_numpy()
    if at.any():
        out[at] = privacy.generalise_postcode(values[at]).fillna("").to_numpy()
    at = frame[column_col].isin(["birth_date"]).to_numpy()
    if at.any():
        year = values[at].str.extract(r"((?:19|20)[0-9]{2})", expand=False)
        out[at] = ("year " + year).fillna(_REDACTED).to_numpy()
    return out


def import_data(
    mapping: str | Path | Mapping,
    *,
    out_dir: str | Path | None = None,
    base_dir: str | Path | None = None,
    salt: str | bytes | None = None,
    pseudonymise: bool = True,
    keep_hashed: tuple[str, ...] = (),
    as_of=None,
) -> ImportResult:
    """Import a client's files into crmkit tables, with a rejects file and a report.

    Parameters
    ----------
    mapping : path or dict
        The mapping (see :func:`mapping_template`, ``crmkit import --template`` or
        ``crmkit import --suggest FILE``).
    out_dir : path, optional
        Where to write ``<table>.parquet``, ``rejects.csv``, ``conflicts.csv`` and
        ``import_report.json``; nothing is written when None.
    base_dir : path, optional
        Folder of the client's files (default: the mapping file's folder, else the
        working directory).
    salt : str or bytes, optional
        The workshop's secret for :mod:`crmkit.privacy`, at least 16 bytes (128 bits).
        When None a random one is drawn and returned in ``ImportResult.salt`` (never
        written to disk).
    pseudonymise : bool
        Pseudonymise the kept tables and the rejects (default). Without it, keys must be
        integers and the tables keep the client's identifiers: for the client's own use only.
    keep_hashed : tuple of str
        Direct identifiers to keep as keyed hashes (e.g. ``("email",)``).
    as_of : date, optional
        No date may lie after it (default: the mapping's ``as_of``, else today).

    Returns
    -------
    ImportResult
        ``tables`` (kept rows, crmkit schema), ``rejects`` (one line per problem),
        ``conflicts`` (repeats that disagree), ``report`` (counts per table),
        ``failures`` (tables rejected beyond the mapping's ``max_rejected_share``).

    Raises
    ------
    SchemaError
        A required column is not mapped, a mapped column is not in the file, or no date of
        a date column can be read.
    ValueError
        A malformed mapping, a bad option or a salt shorter than 128 bits.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "clients.csv").write_bytes(
    ...     "N°;Nom;Créé le\\n1;Dupré;05/01/2021\\n2;Martin;31/02/2021\\n1;Dupré;05/01/2021\\n"
    ...     .encode("cp1252"))
    >>> mapping = {"tables": {"customers": {"file": "clients.csv", "columns": {
    ...     "customer_id": "N°", "last_name": "Nom", "acquisition_date": "Créé le"}}}}
    >>> result = import_data(mapping, base_dir=d)
    >>> result.summary()[["table", "read", "kept", "merged", "rejected"]].to_dict("records")
    [{'table': 'customers', 'read': 3, 'kept': 1, 'merged': 1, 'rejected': 1}]
    >>> result.rejects[["source_row", "column", "reason"]].to_dict("records")
    [{'source_row': 3, 'column': 'acquisition_date', 'reason': 'impossible date'}]
    >>> list(result.tables["customers"].columns)  # the name is gone
    ['customer_id', 'acquisition_date']
    >>> result.failures  # a third of the rows rejected: more than the default 10 %
    ['customers: 1 of 3 rows rejected (33% > max_rejected_share 10%; first reason: \
impossible date, 1 row(s) from row 3)']
    """
    spec, mapping_dir = load_mapping(mapping)
    if out_dir is not None:
        _check_out_dir(out_dir)  # before any work
    base = Path(base_dir) if base_dir is not None else mapping_dir
    if pseudonymise:
        salt = privacy.workshop_salt(salt)
    as_of = schema.as_timestamp(as_of).normalize() if as_of is not None else (
        spec["as_of"] if spec["as_of"] is not None else pd.Timestamp.today().normalize())
    # a date on the as_of day itself is allowed: only later days are in the future
    limit = as_of + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    tables: dict[str, pd.DataFrame] = {}
    all_rejects, all_conflicts = [], []
    report = {"tables": {}, "pseudonymised": bool(pseudonymise), "as_of": str(as_of.date()),
              "rules": {k: (str(v.date()) if isinstance(v, pd.Timestamp) else v)
                        for k, v in spec["rules"].items()}}
    names: frozenset[str] = frozenset()
    for name in (t for t in R.IMPORT_ORDER if t in spec["tables"]):
        good, rejects, conflicts, info, found = _import_table(
            name, spec["tables"][name], base, tables, pseudonymise, spec["rules"], limit)
        tables[name] = good
        all_rejects.append(rejects)
        all_conflicts.append(conflicts)
        report["tables"][name] = info
        names |= found
    # keys stay canonical text until every reference is checked, then get their type
    tables = {n: _finish_types(df, n, text_keys=pseudonymise) for n, df in tables.items()}
    rejects = pd.concat(all_rejects, ignore_index=True)
    rejects = rejects.astype({"source_row": np.int64, "value": "str", "reason": "str",
                              "detail": "str"})[REJECT_COLUMNS]
    conflicts = pd.concat(all_conflicts, ignore_index=True).astype("str")
    if pseudonymise:
        tables = privacy.pseudonymise_tables(tables, salt, names=names, keep_hashed=keep_hashed)
        rejects["value"] = _pseudonymise_values(rejects, "value", "column", salt, names)
        if len(conflicts):
            keys = conflicts.assign(key_col=[schema.TABLES[t].key[0] for t in conflicts["table"]])
            conflicts["key"] = _pseudonymise_values(keys, "key", "key_col", salt, names)
            conflicts["kept"] = _pseudonymise_values(conflicts, "kept", "column", salt, names)
            # each value seen, pseudonymised on its own
            seen = conflicts.assign(values=conflicts["values"].str.split(" | ", regex=False))
            seen = seen.explode("values").reset_index()
            seen["values"] = _pseudonymise_values(seen, "values", "column", salt, names).to_numpy()
            conflicts["values"] = seen.groupby("index")["values"].agg(" | ".join).to_numpy()
    for name, key in R.GENERATED_KEYS.items():
        if name in tables and key not in tables[name]:
            tables[name].insert(0, key, np.arange(1, len(tables[name]) + 1, dtype=np.int64))
    for name, df in tables.items():
        report["tables"][name]["columns"] = list(df.columns)
        if len(df):
            schema.validate(df, name, columns=list(df.columns))
    report["failures"] = _failures(report, spec["rules"]["max_rejected_share"])
    result = ImportResult({n: df for n, df in tables.items() if len(df)}, rejects, report,
                          conflicts=conflicts, salt=salt if isinstance(salt, str) else None)
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


@fill(example_import=_EXAMPLE)
def write_import(result: ImportResult, out_dir: str | Path) -> Path:
    """Write the kept tables as a market folder (:func:`crmkit.io.save_market`: Parquet
    files and ``market.duckdb``), with ``rejects.csv``, ``conflicts.csv`` and
    ``import_report.json``.

    Over an earlier import, the tables this import does not have are removed, so that the
    workshop never reads a stale table next to fresh ones.

    Parameters
    ----------
    result : ImportResult
        What :func:`import_data` returned.
    out_dir : str or Path
        The folder to write; refused if it holds files that are not a crmkit market or
        import.

    Returns
    -------
    Path
        The folder written.

    Examples
    --------
    {example_import}
    >>> out = write_import(result, d / "market")
    >>> sorted(f.name for f in out.iterdir() if f.suffix != ".parquet")
    ['conflicts.csv', 'import_report.json', 'market.duckdb', 'market.json', 'rejects.csv']
    >>> import pandas as pd
    >>> pd.read_csv(out / "rejects.csv")[["source_row", "reason"]].to_dict("records")
    [{'source_row': 3, 'reason': 'impossible date'}, {'source_row': 4, 'reason': 'unreadable date'}]
    >>> from crmkit.io import load_market
    >>> len(load_market(out, tables=["customers"]).customers)
    1
    """
    from crmkit.io import MARKET_TABLES, save_market

    out = _check_out_dir(out_dir)
    out = save_market(result.tables, out, meta={"source": "crmkit import",
                                                "pseudonymised": result.report["pseudonymised"]})
    for name in MARKET_TABLES:
        if name not in result.tables and (out / f"{name}.parquet").exists():
            (out / f"{name}.parquet").unlink()
    result.rejects.to_csv(out / "rejects.csv", index=False)
    result.conflicts.to_csv(out / "conflicts.csv", index=False)
    (out / "import_report.json").write_text(json.dumps(result.report, indent=2) + "\n",
                                            encoding="utf-8")
    return out
