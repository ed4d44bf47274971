"""Census of bad-input outcomes over crmkit's public API (issue 14).

Runs every mutation of :mod:`tests.mutation.mutations` on the valid input of every
entry of :mod:`tests.mutation.registry` and counts, per module, the outcomes: a clear
crmkit error, a correct result, a crash, a silent wrong/NaN result.

Usage (from the repository root)::

    .venv/bin/python tools/mutation_census.py --out census.md [--only NAME ...] [--cases cases.csv]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.mutation import engine  # noqa: E402
from tests.mutation.registry import REGISTRY, TYPO_TABLES, _typo_loaders  # noqa: E402


def census(names, *, only=None, log=print):
    rows, broken = [], {}
    for name in names:
        entry = REGISTRY[name]
        t0 = time.perf_counter()
        try:
            frames, base = engine.baseline(entry)
        except (AttributeError, ImportError) as exc:
            if "crmkit" not in str(exc) and "has no attribute" not in str(exc):
                raise
            log(f"ABSENT {name} (not in this version of crmkit): {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - a broken valid input is reported, not hidden
            broken[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
            log(f"BROKEN {name}: {broken[name]}")
            continue
        used = engine.used_columns(entry, frames, base)
        for case in engine.cases(entry, frames, used):
            rows.append(engine.run_case(entry, frames, base, case))
        got = Counter(c.outcome for c in rows if c.entry == name)
        log(f"{name}: {dict(got)} ({time.perf_counter() - t0:.1f} s)")
    for name, load in _typo_loaders().items():
        if only and not any(o in name for o in only):
            continue
        for tables in TYPO_TABLES:
            rows.append(engine.run_typo(name, load, list(tables)))
        log(f"{name}: {[c.outcome for c in rows[-len(TYPO_TABLES):]]}")
    return rows, broken


def table(rows) -> str:
    rows = [c for c in rows if c.outcome != "n/a"]  # the harness could not build the input
    per = defaultdict(Counter)
    for c in rows:
        per[c.entry.split(".")[1]][c.outcome] += 1
    lines = ["| module | functions | cases | clear error | correct | crash | silent wrong |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    tot = Counter()
    nfun = Counter(c.entry.split(".")[1] for c in {c.entry: c for c in rows}.values())
    for mod in sorted(per):
        n = per[mod]
        tot.update(n)
        lines.append(f"| {mod} | {nfun[mod]} | {sum(n.values())} | {n['error']} | {n['correct']} "
                     f"| {n['crash']} | {n['silent']} |")
    lines.append(f"| **total** | {sum(nfun.values())} | {sum(tot.values())} | {tot['error']} "
                 f"| {tot['correct']} | {tot['crash']} | {tot['silent']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--cases", type=Path, help="write every case with its outcome (CSV)")
    ap.add_argument("--only", nargs="*", help="entries whose name contains one of these")
    args = ap.parse_args(argv)
    names = sorted(REGISTRY)
    if args.only:
        names = [n for n in names if any(o in n for o in args.only)]
    rows, broken = census(names, only=args.only)
    if broken:
        # a valid input that fails is a crash on valid input: one crash case each
        for name, detail in broken.items():
            rows.append(engine.Case(name, "*", None, "valid_input", "crash", detail))
    text = table(rows)
    if broken:
        text += "\n\nEntries whose valid input failed (each counted as one crash):\n\n" + "\n".join(
            f"- `{k}`: {v}" for k, v in broken.items())
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    if args.cases:
        import pandas as pd

        pd.DataFrame([vars(c) for c in rows]).to_csv(args.cases, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
