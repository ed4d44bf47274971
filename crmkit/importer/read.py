"""Reading one client file (CSV/TXT, Excel, Parquet) without interpreting its cells.

Delimited text files may be in UTF-8, Windows-1252 ("latin-1") or a line-by-line mix of
both; separated by ``;``, ``,``, tab, ``|`` or runs of spaces (``whitespace``); with or
without a header line (``header: false`` and the column ``names`` in the mapping). A
separator written as an escape in the mapping (``'\\t'``) means the character.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from crmkit import schema

__all__ = ["Source", "SEPARATORS", "WHITESPACE", "read_source", "separator_of"]

SEPARATORS = (";", ",", "\t", "|")
# a separator made of runs of spaces or tabs (fixed-width-looking logs such as CDNOW's)
WHITESPACE = "whitespace"
# WHATWG practice: files labelled latin-1 are in fact Windows-1252 (the euro sign is 0x80)
_LATIN1_LABELS = frozenset({"latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1", "ansi",
                            "cp1252", "windows-1252"})
_ESCAPES = {"\\t": "\t", "tab": "\t", "\\s+": WHITESPACE, " ": WHITESPACE, "space": WHITESPACE,
            "spaces": WHITESPACE}


def _legacy_fallback(err: UnicodeDecodeError):
    # bytes that are not UTF-8 are read as Windows-1252 (undefined bytes as Latin-1): the
    # way a file concatenated from a UTF-8 and a Windows export reads right
    chunk = err.object[err.start:err.end]
    try:
        return chunk.decode("cp1252"), err.end
    except UnicodeDecodeError:
        return chunk.decode("latin-1"), err.end


codecs.register_error("crmkit-legacy", _legacy_fallback)


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
    header: bool = True

    @property
    def n_read(self) -> int:
        return len(self.frame) + len(self.bad_lines)


def separator_of(text) -> str:
    """The separator a mapping means: ``'\\t'`` or ``tab`` is a tab, ``' '``, ``space`` or
    ``whitespace`` are runs of spaces and tabs, ``auto`` is sniffed; anything else must be
    one character.

    Parameters
    ----------
    text : str
        The mapping's ``separator`` option.

    Returns
    -------
    str
        One character, ``"whitespace"`` or ``"auto"``.

    Raises
    ------
    ValueError
        Anything else.

    Examples
    --------
    >>> separator_of("\\\\t") == "\\t", separator_of(" "), separator_of(";")
    (True, 'whitespace', ';')
    >>> separator_of("::")
    Traceback (most recent call last):
    ...
    ValueError: separator must be one character, an escape such as '\\t', 'whitespace' or \
'auto'; got '::'
    """
    text = str(text)
    if text in ("auto", WHITESPACE):
        return text
    text = _ESCAPES.get(text.lower() if text.strip() else text, text)
    if text == WHITESPACE or len(text) == 1:
        return text
    raise ValueError("separator must be one character, an escape such as '\\t', 'whitespace' "
                     f"or 'auto'; got {text!r}")


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
    best, best_score = None, (-1, -1)
    for sep in SEPARATORS:
        head = unquoted[0].count(sep)
        if head == 0:
            continue
        score = (sum(u.count(sep) == head for u in unquoted), head)
        if score > best_score:
            best, best_score = sep, score
    if best is None or best_score[0] < len(lines) / 2:
        # no delimiter on most lines: columns aligned with spaces, if they split evenly
        fields = [len(u.split()) for u in unquoted]
        if fields[0] > 1 and sum(f == fields[0] for f in fields) > max(best_score[0], 0):
            return WHITESPACE
    return best or ","


def _read_csv(data: bytes, sep: str, names: list[str], threads: bool, skip: int):
    bad: list = []

    def keep_track(row):
        bad.append((row.number, row.actual_columns, row.expected_columns))
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(use_threads=threads, column_names=names, skip_rows=skip),
        parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True,
                                         ignore_empty_lines=False,
                                         invalid_row_handler=keep_track),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=False,
                                             quoted_strings_can_be_null=False),
    )
    return table, bad


def read_source(path: str | Path, *, encoding: str = "auto", separator: str = "auto",
                sheet=None, header: bool = True, names=None) -> Source:
    """Read one client file (CSV/TXT, Excel, Parquet) without interpreting its cells.

    CSV cells stay text; Excel and Parquet cells keep their native types. Lines of a CSV
    that cannot be split into the header's number of fields are listed in ``bad_lines``.

    Parameters
    ----------
    path : str or Path
        The file: ``.csv``/``.txt``, ``.xlsx``/``.xlsm`` or ``.parquet``.
    encoding : str
        ``auto`` (UTF-8, Windows-1252 or a mix), or a codec name.
    separator : str
        ``auto`` (sniffed), one character, an escape (``'\\t'``) or ``whitespace``.
    sheet : str or int, optional
        Excel sheet.
    header : bool
        False when the first line is already data; ``names`` then name the columns (default
        ``col1``, ``col2``...), and the first record is row 1.
    names : list of str, optional
        Column names of a headerless file.

    Returns
    -------
    Source
        ``frame`` (the cells), ``rows`` (each row's spreadsheet row number),
        ``bad_lines`` (the lines that could not be split, with the reason), ``path``, and
        the ``encoding`` and ``separator`` found.

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

    A headerless log aligned with spaces (the CDNOW purchase log):

    >>> _ = p.write_text(" 00004 0001 19970101  2   29.33\\n 00004 0001 19970118  2   29.73\\n")
    >>> src = read_source(p, header=False, names=["id", "sample", "date", "cds", "value"])
    >>> src.separator, src.frame["date"].tolist(), src.rows.tolist()
    ('whitespace', ['19970101', '19970118'], [1, 2])
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
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object,
                              header=0 if header else None)
        first = 2 if header else 1
        if not header:
            frame.columns = _names(names, frame.shape[1], path)
        frame.columns = [str(c) for c in frame.columns]
        return Source(frame, np.arange(first, len(frame) + first), no_bad, path, "excel",
                      header=bool(header))
    text, enc = _decode(path.read_bytes(), encoding)
    sep = separator_of(separator)
    if sep == "auto":
        sep = _sniff_separator(text)
    shown_sep = sep
    if sep == WHITESPACE:
        # runs of spaces/tabs become one tab; leading and trailing ones go
        text = re.sub(r"[ \t]+", "\t", re.sub(r"(?m)^[ \t]+|[ \t]+(?=\r?$)", "", text))
        sep = "\t"
    first_line = text.split("\n", 1)[0].rstrip("\r")
    cells = next(csv.reader([first_line], delimiter=sep), [])
    if header:
        names = [h.strip() for h in cells]
        if not any(names):
            schema.fail(path.name, None, "the file is empty or has no header line")
    else:
        names = _names(names, len(cells), path)
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        schema.fail(path.name, None, f"duplicated column name(s) {dup} in the header")
    data = text.encode("utf-8")
    skip = 1 if header else 0
    table, bad = _read_csv(data, sep, names, threads=True, skip=skip)
    if bad and any(b[0] is None for b in bad):
        # row numbers of bad lines are only known to a single-threaded read: redo it
        table, bad = _read_csv(data, sep, names, threads=False, skip=skip)
    frame = table.to_pandas()
    n_total = len(frame) + len(bad)
    first = 2 if header else 1
    # pyarrow numbers the file's lines from 1, a skipped header included: spreadsheet rows
    bad_rows = np.array([b[0] for b in bad], dtype=np.int64)
    rows = np.setdiff1d(np.arange(first, n_total + first), bad_rows)
    bad_lines = pd.DataFrame({
        "source_row": bad_rows,
        "reason": pd.Series([f"line has {b[1]} field(s), expected {b[2]}" for b in bad],
                            dtype="str"),
    }) if bad else no_bad
    return Source(frame, rows, bad_lines, path, "csv", enc, shown_sep, header=bool(header))


def _names(names, n: int, path: Path) -> list[str]:
    if names is None:
        return [f"col{i}" for i in range(1, n + 1)]
    names = [str(x).strip() for x in names]
    if len(names) != n:
        schema.fail(path.name, None, f"the mapping names {len(names)} column(s) ({names}) but "
                    f"the first line has {n} field(s)")
    return names
