"""Bring your own data: load a client's export into the crmkit schema, nothing dropped silently.

A consultant arrives with the client's CSV, TXT, Excel or Parquet files. A small *mapping*
file (YAML or JSON; ``crmkit import --suggest FILE`` proposes one, ``crmkit import
--template`` lists every column) says which file holds which crmkit table and which client
column feeds which crmkit column; :func:`import_data` then

1. reads each file (:mod:`~crmkit.importer.read`), sniffing its encoding (UTF-8,
   Windows-1252 "latin-1", or a mix of both line by line), its separator (``;``, ``,``,
   tab, ``|``, runs of spaces), with or without a header line;
2. coerces every mapped column to its schema kind (:mod:`~crmkit.importer.parse`): French
   decimal commas and thousands spaces (``1 234,50 €``), currency symbols, ``dd/mm/yyyy`` and
   ``yyyymmdd`` dates, ``oui``/``non``, category labels in French or English
   (``Agence`` → ``branch``);
3. rejects, row by row and with a reason, what cannot be used (:mod:`~crmkit.importer.rules`):
   unreadable or impossible values, missing required values, values out of range, an end
   before its start, implausible dates (in the future, before the mapping's minimum, before
   the customer's birth), customers under age at acquisition, references to a customer,
   contract or product that is not in the import; rows repeating a key are merged (the
   customer columns of a file with one row per purchase), their disagreements reported;
4. pseudonymises what it kept, and the rejects, (:mod:`crmkit.privacy`) with the workshop's
   salt;
5. validates every kept table with :func:`crmkit.schema.validate` and writes them as Parquet
   (the layout of a saved market, so :func:`crmkit.io.load_market` and the workshop
   notebooks read them), with ``rejects.csv``, ``conflicts.csv`` and ``import_report.json``.

For every table, rows read = rows kept + rows merged + rows rejected: the importer asserts
it, and the report shows it. ``source_row`` numbers rows as a spreadsheet does: the header
is row 1, the first record row 2 (row 1 in a file without header; a record spanning lines in
a CSV counts once). An import *fails* (``ImportResult.failures``, exit code 1 of ``crmkit
import``) when a table keeps no row or rejects more than the mapping's
``max_rejected_share``.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "achats.csv").write_bytes(
...     "N° client;Né le;Date d'achat;Montant TTC\\n"
...     "A1;14/03/1978;12/02/2023;129,90 €\\nA1;14/03/1978;03/06/2023;45,00 €\\n"
...     "A2;02/11/1985;12/03/2091;59,90 €\\n".encode("cp1252"))
>>> mapping = {"as_of": "2024-06-30", "tables": {
...     "customers": {"file": "achats.csv", "columns": {"customer_id": "N° client",
...                                                     "birth_date": "Né le"}},
...     "transactions": {"file": "achats.csv", "columns": {
...         "customer_id": "N° client", "date": "Date d'achat", "amount": "Montant TTC"}}}}
>>> result = import_data(mapping, base_dir=d)
>>> result.summary()[["table", "read", "kept", "merged", "rejected"]].to_dict("records")
[{'table': 'customers', 'read': 3, 'kept': 2, 'merged': 1, 'rejected': 0}, \
{'table': 'transactions', 'read': 3, 'kept': 2, 'merged': 0, 'rejected': 1}]
>>> result.rejects[["source_row", "column", "reason", "detail"]].to_dict("records")
[{'source_row': 4, 'column': 'date', 'reason': 'date in the future', 'detail': 'after 2024-06-30'}]
"""

from crmkit.importer.core import ImportResult, import_data, rejects_by_reason, write_import
from crmkit.importer.mapping import load_mapping, mapping_template
from crmkit.importer.parse import date_format_of, parse_dates, parse_numbers
from crmkit.importer.read import Source, read_source
from crmkit.importer.rules import IMPORT_ORDER, REQUIRED, RULE_DEFAULTS
from crmkit.importer.suggest import suggest_mapping

__all__ = [
    "ImportResult",
    "Source",
    "REQUIRED",
    "IMPORT_ORDER",
    "RULE_DEFAULTS",
    "import_data",
    "write_import",
    "rejects_by_reason",
    "read_source",
    "load_mapping",
    "mapping_template",
    "suggest_mapping",
    "parse_numbers",
    "parse_dates",
    "date_format_of",
]
