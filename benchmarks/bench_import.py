"""Bring-your-own-data import of a 1M-row client CSV (target: at most 30 s).

The file is what a French client exports: Windows-1252, ``;`` separators, ``dd/mm/yyyy``
dates, amounts like ``1 234,56 €``, French category labels, text customer numbers; 0.5 % of
its rows are broken (impossible dates, unreadable amounts, unknown kinds, lines with a
stray field). ``crmkit import`` reads, coerces, validates, pseudonymises and writes it as a
market folder, with every broken row in ``rejects.csv``. The baseline is a bare
``pandas.read_csv`` of the same file that parses the dates and decimals but checks nothing,
rejects nothing and pseudonymises nothing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import Case

TITLE = "Client data import (crmkit import)"
ROWS = 1_000_000
HERE = Path(tempfile.gettempdir()) / "crmkit-bench-import"
KINDS_FR = np.array(["Prime", "Frais", "Marge d'intérêt", "Sinistre indemnisé", "Versement"])


def _csv_path(rows: int) -> Path:
    return HERE / f"mouvements_{rows}.csv"


def _mapping(rows: int) -> Path:
    return HERE / f"mapping_{rows}.yaml"


def make_csv(rows: int = ROWS, seed: int = 0) -> dict:
    """Write the client file (once; reused by the other cases)."""
    path = _csv_path(rows)
    if path.exists() and _mapping(rows).exists():
        return {"rows": rows, "mb": round(path.stat().st_size / 2**20, 1)}
    HERE.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    customer = pd.Series(rng.integers(1, rows // 10, rows)).map("C{:07d}".format)
    day = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3650, rows), unit="D")
    amount = rng.gamma(2.0, 60.0, rows).round(2)
    margin = (amount * rng.uniform(-0.5, 0.4, rows)).round(2)

    def fr(x):
        # 1 234,56 with a no-break space, as French spreadsheets write it
        s = pd.Series(x).map("{:,.2f}".format)
        return s.str.replace(",", "\u00a0").str.replace(".", ",")

    df = pd.DataFrame({
        "N° client": customer,
        "Date": day.strftime("%d/%m/%Y"),
        "Type": KINDS_FR[rng.integers(0, len(KINDS_FR), rows)],
        "Montant": fr(amount) + " €",
        "Marge": fr(margin),
    })
    broken = rng.choice(rows, rows // 200, replace=False)
    quarter = len(broken) // 4
    df.loc[broken[:quarter], "Date"] = "31/02/2021"
    df.loc[broken[quarter:2 * quarter], "Montant"] = "n/a"
    df.loc[broken[2 * quarter:3 * quarter], "Type"] = "Remboursement"
    df.loc[broken[3 * quarter:], "Marge"] = "1,5;extra"  # a stray separator: one field too many
    # joined by hand: the stray separator must stay a separator, not be quoted away
    lines = df[df.columns[0]].str.cat([df[c] for c in df.columns[1:]], sep=";")
    text = ";".join(df.columns) + "\n" + "\n".join(lines) + "\n"
    path.write_bytes(text.encode("cp1252"))
    _mapping(rows).write_text(
        "date_format: '%d/%m/%Y'\n"
        "tables:\n"
        "  transactions:\n"
        f"    file: {path.name}\n"
        "    columns: {customer_id: N° client, date: Date, kind: Type, amount: Montant,"
        " margin: Marge}\n", encoding="utf-8")
    return {"rows": rows, "mb": round(path.stat().st_size / 2**20, 1)}


def pandas_read(rows: int = ROWS) -> dict:
    """The obvious alternative: read and parse, no checks, no rejects, no pseudonyms."""
    df = pd.read_csv(_csv_path(rows), sep=";", decimal=",", thousands="\u00a0",
                     encoding="cp1252", on_bad_lines="skip")
    df["Date"] = pd.to_datetime(df["Date"], format="%d/%m/%Y", errors="coerce")
    return {"rows_kept": len(df)}


def crmkit_import(rows: int = ROWS) -> dict:
    """``crmkit import``: read, coerce, validate, reject, pseudonymise, write Parquet."""
    from crmkit.importer import import_data

    out = HERE / f"imported_{rows}"
    result = import_data(_mapping(rows), out_dir=out, salt="benchmark-salt-of-16-bytes")
    info = result.report["tables"]["transactions"]
    assert info["read"] == rows == info["kept"] + info["merged"] + info["rejected"]
    return {"kept": info["kept"], "rejected": info["rejected"]}


def cases() -> list[Case]:
    return [
        Case("write the client CSV (setup)", "make_csv", {"rows": ROWS},
             size=f"{ROWS:,} rows"),
        Case("pandas.read_csv, no checks", "pandas_read", {"rows": ROWS}, size=f"{ROWS:,} rows",
             units=ROWS, unit_name="rows/s"),
        Case("crmkit import", "crmkit_import", {"rows": ROWS}, size=f"{ROWS:,} rows",
             baseline="pandas.read_csv, no checks", units=ROWS, unit_name="rows/s",
             target="<= 30 s"),
    ]
