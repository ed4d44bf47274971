"""``crmkit`` command line: ``crmkit generate | import | workshop | data``.

Every argument is parsed here, and only here (``python -m crmkit.datasets`` is ``crmkit
data``, parsed here too; ``tests/test_cli.py`` checks that no other module imports
argparse); each subcommand calls the library. A
subcommand is registered by a ``_add_<name>(subparsers)`` function that adds its parser and
sets ``func``; ``main`` dispatches.

Exit codes: 0 done; 1 done but failed — an import that rejected every row of a table or
more than the mapping's ``max_rejected_share``, a workshop whose notebook failed — with a
one-line summary on stderr; 2 bad arguments or input that cannot be read (one line on
stderr, nothing written).
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main", "build_parser"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    return value


def _add_generate(sub) -> None:
    p = sub.add_parser("generate", help="generate a synthetic bank/insurance market",
                       description="Generate a synthetic market into a folder: one Parquet file "
                                   "per table plus market.duckdb (see book/datasheet.md).")
    p.add_argument("--sector", default="both", help="bank, insurance or both (default: both)")
    p.add_argument("--customers", type=_positive_int, default=10_000, help="number of customers (default 10000)")
    p.add_argument("--years", type=_positive_int, default=10, help="years simulated (default 10)")
    p.add_argument("--seed", type=_positive_int, default=42, help="random seed, a non-negative integer (default 42)")
    p.add_argument("--start", default="2015-01-01", help="first month simulated (default 2015-01-01)")
    p.add_argument("--block-size", type=_positive_int, default=None,
                   help="customers simulated together (memory only; the data do not depend on it)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--no-duckdb", action="store_true", help="skip market.duckdb")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_generate)


def _run_generate(args, parser) -> int:
    from crmkit.synth.market import DEFAULT_BLOCK, check_arguments, generate_to

    block = args.block_size if args.block_size is not None else DEFAULT_BLOCK
    try:  # validate everything before touching the output folder
        check_arguments(args.customers, args.years, args.sector, args.seed, args.start, block)
    except ValueError as err:
        parser.error(str(err))
    path = generate_to(args.out, customers=args.customers, years=args.years, sector=args.sector,
                       seed=args.seed, start=args.start, block_size=block,
                       progress=not args.quiet, duckdb=not args.no_duckdb)
    if not args.quiet:
        print(f"market written to {path}", file=sys.stderr)
    return 0


def _add_import(sub) -> None:
    p = sub.add_parser(
        "import", help="import a client's CSV/TXT/Excel/Parquet files into the crmkit schema",
        description="Import a client's files with a column mapping; rejected rows go to "
                    "rejects.csv with their reason. `--suggest FILE` proposes a mapping from a "
                    "file's headers and values; `--template` prints every column to map. Exit "
                    "code 1 when a table keeps no row or rejects more than the mapping's "
                    "max_rejected_share (default 10%).")
    p.add_argument("mapping", nargs="?", help="mapping file (YAML or JSON)")
    p.add_argument("--template", action="store_true", help="print a mapping template and exit")
    p.add_argument("--suggest", metavar="FILE",
                   help="print a mapping proposed from FILE's headers and values, and exit")
    p.add_argument("--out", help="output folder for the imported tables")
    p.add_argument("--data", help="folder of the client's files (default: the mapping's)")
    p.add_argument("--as-of", help="no date may lie after this day (default: the mapping's "
                                   "as_of, else today)")
    p.add_argument("--salt", help="the workshop's pseudonymisation secret, 16 bytes or more "
                                  "(default: a random one of 128 bits, printed once)")
    p.add_argument("--no-pseudonymise", action="store_true",
                   help="keep identifiers (for the client's own use only)")
    p.set_defaults(func=_run_import)


_SHOWN_REASONS = 12


def _run_import(args, parser) -> int:
    from crmkit import schema
    from crmkit.importer import import_data, mapping_template, suggest_mapping

    if args.template:
        sys.stdout.write(mapping_template())
        return 0
    if args.suggest:
        try:
            sys.stdout.write(suggest_mapping(args.suggest))
        except (schema.SchemaError, ValueError, FileNotFoundError) as err:
            parser.error(str(err))
        return 0
    if not args.mapping or not args.out:
        parser.error("give a MAPPING file and --out DIR (or --suggest FILE, or --template)")
    try:
        result = import_data(args.mapping, out_dir=args.out, base_dir=args.data, salt=args.salt,
                             pseudonymise=not args.no_pseudonymise, as_of=args.as_of)
    except (schema.SchemaError, ValueError, FileNotFoundError) as err:
        parser.error(str(err))
    sys.stdout.write(result.summary().to_string(index=False) + "\n")
    reasons = result.rejects_summary()
    if len(reasons):
        shown = reasons.head(_SHOWN_REASONS)
        sys.stdout.write("\nrejected rows by reason (first rows; every line in rejects.csv):\n"
                         + shown.to_string(index=False) + "\n")
        if len(reasons) > _SHOWN_REASONS:
            sys.stdout.write(f"... and {len(reasons) - _SHOWN_REASONS} other reason(s): "
                             "see import_report.json\n")
    if len(result.conflicts):
        counts = result.conflicts.groupby(["table", "column"]).size().rename("keys")
        sys.stdout.write("\nrepeated keys whose rows disagree (value kept by the table's "
                         "`repeats` rule; every one in conflicts.csv):\n"
                         + counts.reset_index().to_string(index=False) + "\n")
    sys.stdout.write(f"\nwritten to {result.out_dir} (rejects.csv, conflicts.csv, "
                     "import_report.json)\n")
    if args.salt is None and result.salt:
        sys.stderr.write(f"pseudonymisation salt (keep it with the client to re-link): "
                         f"{result.salt}\n")
    if result.failures:
        sys.stderr.write("crmkit import: failed: " + "; ".join(result.failures) + "\n")
        return 1
    return 0


def _add_workshop(sub) -> None:
    from crmkit.workshop.runner import WORKSHOPS

    p = sub.add_parser(
        "workshop", help="run a workshop notebook on imported data and export an HTML report",
        description="Run a consultant workshop (value-audit or segmentation) on a folder "
                    "written by `crmkit import` (or on the course market without --data) and "
                    "export a self-contained HTML report with the code hidden.")
    p.add_argument("name", choices=sorted(WORKSHOPS), help="the workshop")
    p.add_argument("--data", help="folder written by `crmkit import` (default: course market)")
    p.add_argument("--out", required=True, help="HTML report to write")
    p.add_argument("--client", help="client name shown on the report")
    p.add_argument("--as-of", help="end of the analysis window (default: the end of the "
                                   "data's dense date range)")
    p.add_argument("--months", type=_positive_int, help="length of the analysis window in months")
    p.add_argument("--language", choices=("en", "fr"), help="language of the whole report")
    p.add_argument("--currency", help="ISO code of the data's money, e.g. EUR or USD (default EUR)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="any other notebook parameter (value read as JSON, else text)")
    p.set_defaults(func=_run_workshop)


def _parse_param(text: str, parser) -> tuple[str, object]:
    import json
    import re

    if "=" not in text or not re.fullmatch(r"[A-Za-z_]\w*", text.split("=", 1)[0]):
        parser.error(f"--param expects NAME=VALUE, got {text!r}")
    name, raw = text.split("=", 1)
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError:
        return name, raw


def _run_workshop(args, parser) -> int:
    from papermill.exceptions import PapermillExecutionError

    from crmkit.workshop import run
    from crmkit.workshop.report import check_currency

    params = dict(_parse_param(t, parser) for t in args.param)
    if args.currency is not None:
        try:  # before the notebook starts: one line, not a failed cell
            args.currency = check_currency(args.currency)
        except ValueError as err:
            parser.error(str(err))
    for name, value in (("client", args.client), ("as_of", args.as_of),
                        ("months", args.months), ("language", args.language),
                        ("currency", args.currency)):
        if value is not None:
            params[name] = value
    try:
        result = run(args.name, args.out, data_dir=args.data, parameters=params, progress=True)
    except (ValueError, FileNotFoundError) as err:
        parser.error(str(err))
    except PapermillExecutionError as err:
        print(f"crmkit workshop: the notebook failed in cell {err.exec_count}: {err.ename}: "
              f"{err.evalue}", file=sys.stderr)
        return 1
    print(f"report written to {result.html} ({result.seconds:.1f} s); executed notebook: "
          f"{result.notebook}", file=sys.stderr)
    return 0


def _add_data(sub) -> None:
    p = sub.add_parser("data", help="build the course market (or the shipped sample)",
                       description="Generate the course's default market into the datasets "
                                   "folder ($CRMKIT_DATA, or the checkout's datasets/), as "
                                   "`make data` does; nothing is done if it is already there.")
    p.add_argument("--sample", action="store_true", help="(re)build the shipped sample instead")
    p.add_argument("--force", action="store_true", help="regenerate even if present")
    p.set_defaults(func=_run_data)


def _run_data(args, parser) -> int:
    from crmkit.datasets import build

    path = build("sample" if args.sample else "market", force=args.force, progress=True)
    print(f"dataset ready in {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``crmkit`` parser with its subcommands, each with its ``func`` to run.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> args = build_parser().parse_args(["data", "--sample"])
    >>> args.command, args.sample, args.force
    ('data', True, False)
    """
    parser = argparse.ArgumentParser(prog="crmkit", description="crmkit: the CRM course kit's tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in (_add_generate, _add_import, _add_workshop, _add_data):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one ``crmkit`` command (the console script's entry point).

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``crmkit`` (default: the process's).

    Returns
    -------
    int
        The exit code: 0 done, 1 done but failed (see the module's docstring); bad
        arguments exit with code 2 through ``SystemExit``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "market"
    >>> main(["generate", "--customers", "50", "--years", "1", "--out", str(out),
    ...       "--no-duckdb", "--quiet"])
    0
    >>> (out / "customers.parquet").exists()
    True
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    sub = parser._subparsers._group_actions[0].choices[args.command]  # the subcommand's parser
    return args.func(args, sub)


if __name__ == "__main__":
    raise SystemExit(main())
