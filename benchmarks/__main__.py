"""Run the benchmarks and write ``benchmarks/results.md``.

Usage: ``python -m benchmarks [topic ...]`` where a topic is the ``<topic>`` of
``benchmarks/bench_<topic>.py`` (all topics when none is given).  Each case runs in its
own subprocess (see ``_harness.py``); the table reports wall time, peak memory, throughput
and the speed ratio against the case's baseline measured in the same run.
"""

from __future__ import annotations

import importlib
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from benchmarks._harness import run_case

HERE = Path(__file__).resolve().parent


def _fmt(x, spec):
    return format(x, spec) if isinstance(x, int | float) else "–"


def run_topic(topic: str) -> list[str]:
    module = f"benchmarks.bench_{topic}"
    mod = importlib.import_module(module)
    cases = mod.cases()
    results = {}
    for case in tqdm(cases, desc=topic, unit="case"):
        results[case.name] = run_case(module, case)
    lines = [f"### {mod.TITLE}", "",
             "| case | size | seconds | peak MB | throughput | vs baseline | target |",
             "|---|---|---:|---:|---:|---:|---|"]
    by_name = {case.name: case for case in cases}
    for case in cases:
        r = results[case.name]
        if "error" in r:
            lines.append(f"| {case.name} | {case.size} | error: {r['error']} | | | | {case.target} |")
            continue
        thr = (f"{case.units / r['seconds']:,.0f} {case.unit_name}"
               if case.units and r["seconds"] > 0 else "")
        ratios = []
        for name in case.baselines:
            base = results.get(name)
            if base and "seconds" in base and r["seconds"] > 0:
                # work per second when both cases count units (the sizes may differ), else time
                b_case = by_name[name]
                if case.units and b_case.units:
                    x = (case.units / r["seconds"]) / (b_case.units / base["seconds"])
                else:
                    x = base["seconds"] / r["seconds"]
                ratios.append(f"{x:.1f}x faster than {name}")
        ratio = "; ".join(ratios)
        if len(r.get("runs", ())) > 1:  # median of several runs: show the spread
            thr += f" (median of {len(r['runs'])}: {min(r['runs']):.2f}–{max(r['runs']):.2f} s)"
        peak = _fmt(r["peak_mb"], ",.0f")
        extra = r.get("extra")
        if isinstance(extra, dict) and "jvm_peak_mb" in extra:  # Spark's JVM, a child process
            peak += f" + JVM {_fmt(extra['jvm_peak_mb'], ',.0f')}"
        secs = _fmt(r["seconds"], ".2f")
        if isinstance(extra, dict) and "cpu_seconds" in extra:  # worker processes included
            # on a shared machine wall time is contention; CPU seconds and the load say how much
            load = extra.get("load_average")
            secs += f" (CPU {_fmt(extra['cpu_seconds'], ',.0f')} s" + (
                f", load {_fmt(load[0], '.1f')})" if isinstance(load, list | tuple) and load else ")")
        lines.append(f"| {case.name} | {case.size} | {secs} | "
                     f"{peak} | {thr} | {ratio} | {case.target} |")
    lines.append("")
    return lines


def main(argv: list[str]) -> int:
    topics = argv or sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))
    head = [
        "# crmkit benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'} "
        f"({platform.processor() or platform.machine()}, Python {platform.python_version()}); "
        "each case in a fresh subprocess; peak MB is the process's maximum resident set size.",
        "Reproduce with `make bench` (or `python -m benchmarks <topic>` for one table).",
        "",
    ]
    body = []
    for topic in topics:
        body += run_topic(topic)
    text = "\n".join(head + body)
    out = HERE / ("results.md" if not argv else f"results-{'-'.join(topics)}.md")
    out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
