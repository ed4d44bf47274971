"""``crmkit`` command line: ``crmkit generate`` (more subcommands plug in the same way).

Each subcommand is registered by a ``_add_<name>(subparsers)`` function that adds its
parser and sets ``func``; ``main`` dispatches. Errors in arguments exit with status 2 and
one line on stderr; nothing is written to the output folder.
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crmkit", description="crmkit: the CRM course kit's tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    from crmkit.importer import add_import_command
    from crmkit.workshop import add_workshop_command

    for add in (_add_generate, add_import_command, add_workshop_command):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    sub = parser._subparsers._group_actions[0].choices[args.command]  # the subcommand's parser
    return args.func(args, sub)


if __name__ == "__main__":
    raise SystemExit(main())
