"""Benchmark harness: each case runs in a fresh subprocess so wall time and peak memory
(max RSS of that process) are measured without interference from earlier cases.

A benchmark module ``benchmarks/bench_<topic>.py`` defines ``TITLE`` (str) and
``cases()`` returning a list of :class:`Case`; each case names a module-level function of
that module and its keyword arguments, and optionally the case it is compared against
(the "obvious alternative"), so the report shows a speed ratio.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field


@dataclass
class Case:
    name: str  # shown in the table, e.g. "crmkit generate 100k x 10y"
    func: str  # function of the benchmark module to call
    kwargs: dict = field(default_factory=dict)
    size: str = ""  # human-readable size, e.g. "100,000 customers x 120 months"
    # name of the case this one is compared with, or several names (one ratio each)
    baseline: str | tuple[str, ...] | None = None
    units: float | None = None  # work units (e.g. customer-months) for a throughput column
    unit_name: str = ""  # e.g. "customer-months/s"
    target: str = ""  # the target, e.g. "<= 120 s, <= 8 GB"
    # another interpreter for this case, relative to the repo root (e.g. the separate
    # ".venv-lifetimes/bin/python" where an old reference library lives); None = this one
    python: str | None = None
    # runs of the case (each in its own subprocess): the report gives the median time and
    # the largest peak, for cases short enough that one run is at the mercy of the machine
    repeat: int = 1

    @property
    def baselines(self) -> tuple[str, ...]:
        if self.baseline is None:
            return ()
        return (self.baseline,) if isinstance(self.baseline, str) else tuple(self.baseline)


def _own_peak_mb() -> float:
    """Peak resident memory of this process since it started, in MB.

    Linux keeps ``ru_maxrss`` across ``execve``, so a child forked from a large runner
    would report the runner's peak; ``VmHWM`` belongs to the new address space only.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(module: str, func: str, kwargs_json: str) -> None:
    mod = importlib.import_module(module)
    kwargs = json.loads(kwargs_json)
    t0 = time.perf_counter()
    extra = getattr(mod, func)(**kwargs)
    wall = time.perf_counter() - t0
    peak_mb = _own_peak_mb()
    if isinstance(extra, dict) and isinstance(extra.get("peak_mb"), int | float):
        peak_mb = max(peak_mb, extra["peak_mb"])  # a case that also measured its worker processes
    print("__RESULT__" + json.dumps({"seconds": wall, "peak_mb": peak_mb, "extra": extra}))


def run_case(module: str, case: Case, timeout: float = 3600) -> dict:
    """Run one case (``case.repeat`` times) and return its timing and peak memory."""
    runs = [_run_once(module, case, timeout) for _ in range(max(1, case.repeat))]
    failed = [r for r in runs if "error" in r]
    if failed or len(runs) == 1:
        return failed[0] if failed else runs[0]
    seconds = sorted(r["seconds"] for r in runs)
    return {"seconds": statistics.median(seconds), "peak_mb": max(r["peak_mb"] for r in runs),
            "extra": runs[-1]["extra"], "runs": seconds}


def _run_once(module: str, case: Case, timeout: float) -> dict:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    python = os.path.join(root, case.python) if case.python else sys.executable
    cmd = [python, "-c",
           "import sys; from benchmarks._harness import _child; _child(*sys.argv[1:])",
           module, case.func, json.dumps(case.kwargs)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=root)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("__RESULT__")][-1]
    return json.loads(line[len("__RESULT__"):])
