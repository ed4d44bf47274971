"""The mapping: which client file feeds which crmkit table, and how to read it.

A YAML or JSON file (or a dict) with reading options (for all tables, or under one table to
override), the plausibility ``rules`` (:mod:`crmkit.importer.rules`), an optional ``as_of``
(the import date by default: no date may lie after it) and a ``tables`` section. Table
names are those of :data:`crmkit.schema.TABLES` (``transactions`` for purchases).
:func:`mapping_template` writes a commented one to fill in; :func:`crmkit.importer.suggest_mapping`
proposes one from a client's file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import yaml

from crmkit import schema
from crmkit.importer.read import separator_of
from crmkit.importer.rules import (
    GENERATED_KEYS,
    IMPORT_ORDER,
    REPEAT_RULES,
    REQUIRED,
    RULE_DEFAULTS,
    check_rules,
)

__all__ = ["OPTIONS", "DEFAULTS", "load_mapping", "mapping_template"]

# reading options: top level (all tables) or per table
DEFAULTS = {"encoding": "auto", "separator": "auto", "decimal": "auto", "date_format": "auto",
            "header": True}
OPTIONS = frozenset({"file", "sheet", "names", "columns", "values", "constants", "repeats",
                     *DEFAULTS})
TOP_LEVEL = frozenset({"tables", "rules", "as_of", *DEFAULTS})


def _fail(text: str):
    raise ValueError(f"mapping: {text}")


def load_mapping(mapping: str | Path | Mapping) -> tuple[dict, Path | None]:
    """Read and check a mapping (a YAML/JSON file or an equivalent dict).

    Parameters
    ----------
    mapping : str, Path or mapping
        A ``.yaml``/``.yml`` or ``.json`` mapping file, or the same content as a dict.

    Returns
    -------
    spec : dict
        The mapping completed with the defaults: ``tables`` (each table's reading options,
        columns, values, constants and ``repeats`` rule), ``rules`` (the plausibility
        bounds) and ``as_of`` (a date or None).
    base : Path or None
        The folder its relative file names are resolved against: the mapping file's
        folder, or None for a dict.

    Raises
    ------
    ValueError
        An unknown table, column or option, or a malformed value.
    FileNotFoundError
        The mapping file does not exist.

    Examples
    --------
    >>> load_mapping({"tables": {"customers": {"file": "c.csv", "columns": {"id": "x"}}}})
    Traceback (most recent call last):
    ...
    ValueError: mapping: customers.columns: 'id' is not a column of customers; \
its columns are ['customer_id', 'sector', ...]
    >>> spec, _ = load_mapping({"separator": "\\\\t", "tables": {"customers": {
    ...     "file": "c.txt", "header": False, "names": ["id"], "columns": {"customer_id": "id"}}}})
    >>> spec["tables"]["customers"]["separator"] == "\\t", spec["rules"]["min_age"]
    (True, 18)
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
        _fail("expected a mapping with a 'tables' section (see `crmkit import --template` "
              "or `crmkit import --suggest FILE`)")
    unknown_top = set(mapping) - TOP_LEVEL
    if unknown_top:
        _fail(f"unknown option(s) {sorted(unknown_top)}; use {sorted(TOP_LEVEL)}")
    defaults = {k: mapping.get(k, v) for k, v in DEFAULTS.items()}
    as_of = mapping.get("as_of")
    if as_of is not None:
        try:
            as_of = schema.as_timestamp(as_of).normalize()
        except schema.SchemaError:
            _fail(f"as_of must be a date (YYYY-MM-DD), got {as_of!r}")
    tables = {}
    for name, spec in mapping["tables"].items():
        if name not in schema.TABLES:
            hint = " (purchases are 'transactions')" if str(name).lower() in (
                "purchases", "achats", "orders", "sales") else ""
            _fail(f"unknown table {name!r}{hint}; known tables: {list(schema.TABLES)}")
        if not isinstance(spec, Mapping):
            _fail(f"{name}: expected file, columns, ... got {spec!r}")
        bad = set(spec) - OPTIONS
        if bad:
            _fail(f"{name}: unknown option(s) {sorted(bad)}; use {sorted(OPTIONS)}")
        if "file" not in spec:
            _fail(f"{name}: no 'file' given")
        cols = dict(spec.get("columns") or {})
        constants = dict(spec.get("constants") or {})
        values = dict(spec.get("values") or {})
        table = schema.TABLES[name]
        for section, names in (("columns", cols), ("constants", constants), ("values", values)):
            for col in names:
                if col not in table.names:
                    _fail(f"{name}.{section}: {col!r} is not a column of {name}; "
                          f"its columns are {table.names[:2] + ['...']}")
                if table.column(col).truth:
                    _fail(f"{name}.{section}: {col!r} is ground truth of the synthetic market; "
                          "a client's data cannot have it")
        both = set(cols) & set(constants)
        if both:
            _fail(f"{name}: {sorted(both)} both mapped and constant")
        have = set(cols) | set(constants) | ({GENERATED_KEYS[name]} if name in GENERATED_KEYS else set())
        missing = [c for c in REQUIRED[name] if c not in have]
        if missing:
            schema.fail(name, missing[0], f"required column(s) {missing} not mapped; "
                        f"add them under tables.{name}.columns")
        opts = {**defaults, **{k: v for k, v in spec.items() if k in DEFAULTS}}
        opts["separator"] = separator_of(opts["separator"])
        if not isinstance(opts["header"], bool):
            _fail(f"{name}: header must be true or false, got {opts['header']!r}")
        names_ = spec.get("names")
        if names_ is not None and (opts["header"] or not isinstance(names_, list)):
            _fail(f"{name}: 'names' lists the columns of a file without a header line: "
                  "give it as a list, with header: false")
        rule = spec.get("repeats", "first")
        if rule not in REPEAT_RULES:
            _fail(f"{name}: repeats must be one of {list(REPEAT_RULES)}, got {rule!r}")
        tables[name] = {**opts, "file": spec["file"], "sheet": spec.get("sheet"),
                        "names": names_, "columns": cols, "constants": constants,
                        "values": values, "repeats": rule}
    if not tables:
        _fail("the 'tables' section is empty")
    return {"tables": tables, "rules": check_rules(mapping.get("rules")), "as_of": as_of}, base


def mapping_template() -> str:
    """A commented YAML mapping listing every importable column of every table.

    Returns
    -------
    str
        The YAML text (what ``crmkit import --template`` prints): the reading options, the
        rules with their defaults, and per table its file, ``repeats`` rule and columns
        marked required or optional; ground-truth columns of the synthetic market are left
        out.

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
        "# `crmkit import --suggest FILE` proposes a mapping from a file's headers and values.",
        "#",
        "# Reading options (here for all tables, or under one table to override):",
        "encoding: auto       # auto | utf-8 | latin-1 (read as Windows-1252) | ...",
        "separator: auto      # auto | ';' | ',' | '\\t' | '|' | whitespace (runs of spaces)",
        "decimal: auto        # auto | ',' | '.'   (auto: the last of , or . in a number)",
        "date_format: auto    # auto (ISO, dd/mm/yyyy, yyyymmdd) | '%d/%m/%Y' | 'YYYYMMDD' | ...",
        "header: true         # false: the first line is data; list the columns under `names`",
        "# as_of: 2024-12-31  # no date may lie after it (default: the day of the import)",
        "rules:               # plausibility: rows breaking them are rejected, with the reason",
        f"  min_date: {RULE_DEFAULTS['min_date']}      # no date before it",
        f"  min_age: {RULE_DEFAULTS['min_age']}               # customers at least this old at acquisition (0: off)",
        f"  max_rejected_share: {RULE_DEFAULTS['max_rejected_share']}  # more rejected in a table: the import fails (exit 1)",
        "tables:",
    ]
    shown = ["customers", "contracts", "transactions", "interactions", "products"]
    grain_note = {"transactions": "  (purchases, payments: one row per money flow)"}
    for name in shown:
        table = schema.TABLES[name]
        lines += [f"  {name}:  # {table.grain}{grain_note.get(name, '')}",
                  f"    file: {name}.csv   # .csv, .txt, .xlsx or .parquet",
                  "    # sheet: 0        # Excel only: sheet name or number",
                  "    # names: [...]    # header: false only: the file's columns, in order"]
        if table.key:
            lines.append("    repeats: first    # rows repeating a key: identical ones are merged; "
                         "disagreeing ones keep first | last | most_frequent value, or reject")
        lines.append("    columns:")
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
