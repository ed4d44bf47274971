"""Run every chapter of the browser edition in headless Chromium, offline.

Serves the built JupyterLite site (``make lite``) on 127.0.0.1, opens each chapter in a new
page (so a fresh Pyodide kernel), runs all its cells top to bottom and fails on:

- any cell error (the chapter's first error is printed with its traceback);
- any request to another host than the local server (Chromium is also started with every
  other host unresolvable, so such a request could not succeed anyway);
- a chapter that does not finish within ``--timeout`` seconds.

It reports the kernel start time and the time to import the first chapter's packages (the
"first chapter interactive" target), each chapter's run time, and the bytes the server sent
(the first visit's download, with the browser's disk cache then warm for the next chapters).
Each chapter runs in a new page, so in a new Pyodide kernel, in one browser.

Chromium comes from the system's package manager (``apt-get install chromium``), never from
Playwright's own download: ``--chromium`` (default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html" / "lite"
CHROMIUM = "/usr/bin/chromium"

# run the open notebook, then collect per-cell errors; returns a JSON-able summary
RUN_ALL_JS = """
async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const t0 = performance.now();
  const ok = await app.commands.execute('notebook:run-all-cells');
  const seconds = (performance.now() - t0) / 1000;
  const cells = panel.content.model.cells;
  const errors = [];
  let code = 0, run = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    code += 1;
    if (cell.executionCount) run += 1;
    const outputs = cell.outputs.toJSON();
    for (const o of outputs) {
      if (o.output_type === 'error') {
        errors.push({cell: i, ename: o.ename, evalue: o.evalue,
                     traceback: (o.traceback || []).join('\\n')});
      }
    }
  }
  return {ok, seconds, code, run, errors};
}
"""

# wait until the notebook's kernel is ready, run its first code cell (the imports); `setup`
# runs in the kernel before that cell (TIMING_PY)
FIRST_CELL_JS = """
async (setup) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session.kernel;
  await kernel.info;
  const ready = performance.now() / 1000;
  await kernel.requestExecute({code: setup, silent: true, store_history: false}).done;
  const cells = panel.content.model.cells;
  let first = null;
  for (let i = 0; i < cells.length; i++) {
    if (cells.get(i).type === 'code') { first = i; break; }
  }
  const t0 = performance.now();
  panel.content.activeCellIndex = first;
  await app.commands.execute('notebook:run-cell');
  const imports = (performance.now() - t0) / 1000;
  return {ready, imports, first};
}
"""


# The kernel loads the packages a cell imports (Pyodide's loadPackagesFromImports) before it
# runs the cell: this times each such load, to split the first cell into loading packages
# and running Python (imports, the market's first tables)
TIMING_PY = """
def _crmkit_timing():
    import time
    import pyodide_kernel.kernel as k
    load, k._crmkit_package_s = k._load_packages_from_imports, []
    async def timed(code):
        t0 = time.perf_counter()
        try:
            return await load(code)
        finally:
            k._crmkit_package_s.append(time.perf_counter() - t0)
    k._load_packages_from_imports = timed
_crmkit_timing()
del _crmkit_timing
"""
PACKAGE_S_PY = "import pyodide_kernel.kernel as _k\nprint(_k._crmkit_package_s[0])\ndel _k\n"

# the Python modules the chapter's kernel imported, by file (the standard library's, in its zip,
# and the packages'), relative to where Pyodide unpacks them: the build compiles these to
# bytecode (tools/build_lite.py, lite/bytecode-modules.txt)
IMPORTED_PY = """
import sys as _s
print('\\n'.join(sorted({_p.split('/lib/', 1)[1] for _m in list(_s.modules.values())
                          for _p in [getattr(_m, '__file__', None) or '']
                          if _p.startswith(('/lib/python312.zip/', '/lib/python3.12/site-packages/'))
                          and _p.endswith(('.py', '.pyc'))})))
"""

# the language crmkit ran the chapter in (a French chapter's first cell sets it: the figures,
# tables and checker of fr/notebooks/... must come out French)
LANGUAGE_PY = "from crmkit import labels as _l\nprint(_l.get_language())\ndel _l\n"
# the French chapter run after the English ones by default: one, to keep the test's time (the
# French chapters are the English code; tests/test_lite.py checks them all on the desktop)
FRENCH_CHAPTERS = ["fr/notebooks/01-customer-data"]


def chapter_language(chapter: str) -> str:
    """The language a chapter of the site runs in: ``fr/notebooks/...`` French, else English.

    >>> chapter_language("fr/notebooks/02-loyalty"), chapter_language("notebooks/02-loyalty")
    ('fr', 'en')
    """
    first = chapter.split("/", 1)[0]
    return first if first != "notebooks" else "en"


def failed(entry: dict) -> bool:
    """Whether a chapter's run failed: an error, a cell not run, or crmkit in the wrong
    language."""
    return bool(entry["errors"] or entry["cells_run"] != entry["code_cells"]
                or not entry.get("language_ok", True))


# run code in the chapter's kernel, outside the notebook (no cell, no output shown); its
# standard output
KERNEL_EXEC_JS = """
async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const out = [];
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === 'stream') out.push(msg.content.text);
  };
  await future.done;
  return out.join('');
}
"""


IMPORTS_HEADER = """\
# The Python modules the chapters of the browser edition import, recorded in Pyodide by
# `python tools/browser_test.py --write-imports lite/bytecode-modules.txt` (every chapter, one
# file a line, relative to Pyodide's /lib: python312.zip/ is the standard library,
# python3.12/site-packages/ the packages). `make lite` ships these modules compiled to
# bytecode, so that a new kernel does not compile them again; the other modules stay sources
# (compiled on import if ever imported: correct, only slower); crmkit is compiled whole
# whatever this list says. Refresh after changing what the chapters import or the pinned
# packages.
"""


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, with the MIME types Pyodide needs and a byte count per path."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript",
                      ".js": "text/javascript", ".json": "application/json",
                      ".whl": "application/zip", ".parquet": "application/octet-stream"}

    def log_message(self, *args):  # quiet
        pass

    def end_headers(self):
        # as a static host would: the browser keeps what it downloaded, so the chapters
        # after the first one start from its cache (as a reader's second chapter does)
        self.send_header("Cache-Control", "public, max-age=3600")
        super().end_headers()

    def copyfile(self, source, outputfile):
        n = 0
        while chunk := source.read(1 << 16):
            outputfile.write(chunk)
            n += len(chunk)
        path = unquote(urlsplit(self.path).path)
        with self.server.lock:
            self.server.sent[path] = self.server.sent.get(path, 0) + n


def serve(site: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(CountingHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.sent, server.lock = {}, threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def cpu_seconds(root: int | None = None) -> float | None:
    """CPU time (user + system, children reaped included) of the processes under ``root``
    (this process by default: Playwright's driver and the browser it starts), from Linux's
    /proc; None elsewhere. Unlike wall-clock times it does not grow with the machine's load:
    it is what a chapter costs a dedicated core."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None

    root = os.getpid() if root is None else root
    parent, ticks = {}, {}
    for d in proc.iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d.name)] = int(fields[1])
        ticks[int(d.name)] = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime

    def under(pid):
        while pid in parent and pid != root:
            pid = parent[pid]
        return pid == root

    return sum(t for pid, t in ticks.items() if pid != root and under(pid)) / os.sysconf(
        "SC_CLK_TCK")


def sent_bytes(server) -> int:
    with server.lock:
        return sum(server.sent.values())


def run(site: Path, chapters: list[str], chromium: str, timeout: float) -> dict:
    from playwright.sync_api import sync_playwright

    server = serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    foreign: list[str] = []
    report = {"chapters": [], "foreign_requests": foreign}
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="crmkit-lite-") as profile:
        # a new, empty profile on disk: the first chapter starts cold (the first visit's
        # download), the next ones from the browser's disk cache, as a reader's do. (A
        # Playwright context without a profile keeps its cache in memory, where Chromium does
        # not keep entries as large as Pyodide's wheels: every chapter downloaded them again.)
        context = p.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True,
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                  "--no-sandbox", f"--disk-cache-size={2 << 30}"])

        def check(request):
            host = urlsplit(request.url).hostname
            if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host != "127.0.0.1":
                foreign.append(request.url)

        context.on("request", check)
        for i, chapter in enumerate(chapters):
            page = context.new_page()
            page.set_default_timeout(timeout * 1000)
            logs: list[str] = []
            page.on("console", lambda m, logs=logs: logs.append(f"{m.type}: {m.text}"))
            before = sent_bytes(server)
            cpu0 = cpu_seconds()
            t0 = time.perf_counter()
            page.goto(f"{base}/notebooks/index.html?path={chapter}.ipynb")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell"
                                   " && window.jupyterapp.shell.currentWidget"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext")
            load0 = os.getloadavg()[0]
            first = page.evaluate(FIRST_CELL_JS, TIMING_PY)
            start = time.perf_counter() - t0
            cpu1 = cpu_seconds()
            packages = float(page.evaluate(KERNEL_EXEC_JS, PACKAGE_S_PY))
            result = page.evaluate(RUN_ALL_JS)
            language = page.evaluate(KERNEL_EXEC_JS, LANGUAGE_PY).strip()
            imported = page.evaluate(KERNEL_EXEC_JS, IMPORTED_PY).split()
            report.setdefault("imported", set()).update(
                m[:-1] if m.endswith(".pyc") else m for m in imported)
            entry = {"chapter": chapter, "kernel_ready_s": round(first["ready"], 1),
                     "first_cell_s": round(first["imports"], 1),
                     "first_cell_packages_s": round(packages, 1),
                     "interactive_s": round(start, 1),
                     "interactive_cpu_s": None if cpu0 is None else round(cpu1 - cpu0, 1),
                     "run_all_s": round(result["seconds"], 1),
                     "code_cells": result["code"], "cells_run": result["run"],
                     "errors": result["errors"], "language": language,
                     "language_ok": language == chapter_language(chapter),
                     "bytes": sent_bytes(server) - before,
                     "load_average": round((load0 + os.getloadavg()[0]) / 2, 1)}
            if i == 0:
                report["first_visit_bytes"] = entry["bytes"]
            if failed(entry):
                entry["console"] = logs[-30:]
            report["chapters"].append(entry)
            print(f"{chapter}: kernel ready {entry['kernel_ready_s']} s, first cell "
                  f"{entry['first_cell_s']} s ({entry['first_cell_packages_s']} s loading "
                  f"packages; interactive after {entry['interactive_s']} s, "
                  f"{entry['interactive_cpu_s']} s of CPU), all cells {entry['run_all_s']} s, "
                  f"{result['run']}/{result['code']} cells, {len(result['errors'])} errors, "
                  f"crmkit in {language or '?'}, "
                  f"{entry['bytes'] / 1e6:.1f} MB", flush=True)
            for e in result["errors"][:1]:
                print(f"  cell {e['cell']}: {e['ename']}: {e['evalue']}", flush=True)
            page.close()
        context.close()
    server.shutdown()
    report["total_bytes"] = sum(server.sent.values())
    report["imported"] = sorted(report.get("imported", ()))
    return report


def desktop_times(chapters: list[str], timeout: float) -> dict[str, float]:
    """Each chapter's run time on this machine's desktop Python (nbclient, fresh kernel), for
    the benchmarks page's comparison with the browser."""
    import nbformat
    from nbclient import NotebookClient

    out = {}
    for chapter in chapters:
        if chapter_language(chapter) != "en":
            continue  # made by the site's build, not in the repository: its English is timed
        nb = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
        t0 = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str((ROOT / chapter).parent)}}).execute()
        out[chapter] = round(time.perf_counter() - t0, 1)
        print(f"{chapter}: desktop {out[chapter]} s", flush=True)
    return out


# the measures of a chapter that the table gives (the median over the runs)
MEASURES = ("load_average", "kernel_ready_s", "first_cell_packages_s", "first_cell_s",
            "interactive_s", "interactive_cpu_s", "run_all_s", "bytes")


def medians(runs: list[list[dict]]) -> list[dict]:
    """Each chapter's median of each measure over ``runs`` (each run a list of chapter
    entries, as :func:`run` reports them), with the range of the wall and CPU times until
    the chapter was interactive."""
    out = []
    for chapter in [c["chapter"] for c in runs[0]]:
        entries = [c for r in runs for c in r if c["chapter"] == chapter]
        m = {"chapter": chapter, "runs": len(entries)}
        for key in MEASURES:
            values = [c[key] for c in entries if c.get(key) is not None]
            m[key] = statistics.median(values) if values else None
            if key in ("interactive_s", "interactive_cpu_s") and values:
                m[key + "_range"] = (min(values), max(values))
        out.append(m)
    return out


def markdown(report: dict) -> str:
    """The benchmarks page's table of a report: each chapter's times (the median of the
    runs), browser and desktop, with the machine's load average during the chapter."""
    desktop = report.get("desktop_s", {})
    runs = report.get("runs") or [report["chapters"]]
    loads = [c["load_average"] for r in runs for c in r if c.get("load_average") is not None]
    head = (f"Measured on {time.strftime('%Y-%m-%d', time.gmtime(report.get('time', 0)))}"
            f" by `tools/browser_test.py`: each figure is the median of {len(runs)} "
            f"run{'s' if len(runs) > 1 else ''}, each in a new browser whose cache starts empty"
            + (f"; the machine's load average was {min(loads):.1f}–{max(loads):.1f} during them."
               if loads else "."))

    def desk(chapter):
        return f"{desktop[chapter]:.1f}" if chapter in desktop else "–"

    def rng(m, key):
        lo, hi = m.get(key + "_range", (None, None))
        return f" ({lo:.1f}–{hi:.1f})" if lo is not None and len(runs) > 1 else ""

    rows = [head, "",
            "| chapter | load average | kernel ready (s) | first cell: loading packages (s) "
            "| first cell: running it (s) | interactive: wall (s) | interactive: CPU (s) "
            "| rest of the chapter (s) | desktop, whole chapter (s) | served (MB) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    def num(v):
        return "–" if v is None else f"{v:.1f}"

    for m in medians(runs):
        packages = m["first_cell_packages_s"]
        python = None if packages is None else m["first_cell_s"] - packages
        rows.append(
            f"| {m['chapter'].split('/')[-1]} | {num(m['load_average'])} | "
            f"{num(m['kernel_ready_s'])} | {num(packages)} | {num(python)} | "
            f"{num(m['interactive_s'])}{rng(m, 'interactive_s')} | "
            f"{num(m['interactive_cpu_s'])}{rng(m, 'interactive_cpu_s')} | "
            f"{num(m['run_all_s'])} | {desk(m['chapter'])} | {m['bytes'] / 1e6:.1f} |")
    return "\n".join(rows) + "\n"


def compare_markdown(before: list[dict], after: list[dict]) -> str:
    """The first chapter's start, before and after a change: the median (and range) of each
    phase over the runs of the ``before`` and ``after`` reports."""
    def first(reports):
        runs = [r.get("runs") or [r["chapters"]] for r in reports]
        return medians([[run[0]] for rs in runs for run in rs])[0]

    b, a = first(before), first(after)

    def cell(m, key, scale=1.0):
        v = m.get(key)
        if v is None:
            return "–"
        lo, hi = m.get(key + "_range", (None, None))
        spread = f" ({lo * scale:.1f}–{hi * scale:.1f})" if lo is not None and m["runs"] > 1 else ""
        return f"{v * scale:.1f}{spread}"

    def python(m):
        return m["first_cell_s"] - m["first_cell_packages_s"] if m.get(
            "first_cell_packages_s") is not None else None

    rows = [f"| {b['chapter'].split('/')[-1]}, median of the runs (range) | before | after |",
            "|---|---:|---:|",
            f"| runs | {b['runs']} | {a['runs']} |",
            f"| load average during the runs | {cell(b, 'load_average')} | "
            f"{cell(a, 'load_average')} |",
            f"| kernel ready (s) | {cell(b, 'kernel_ready_s')} | {cell(a, 'kernel_ready_s')} |",
            f"| first cell: loading packages (s) | {cell(b, 'first_cell_packages_s')} | "
            f"{cell(a, 'first_cell_packages_s')} |"]
    pb, pa = python(b), python(a)
    rows += [f"| first cell: running it (s) | {'–' if pb is None else f'{pb:.1f}'} | "
             f"{'–' if pa is None else f'{pa:.1f}'} |",
             f"| **interactive: wall (s)** | {cell(b, 'interactive_s')} | "
             f"{cell(a, 'interactive_s')} |",
             f"| **interactive: CPU (s)** | {cell(b, 'interactive_cpu_s')} | "
             f"{cell(a, 'interactive_cpu_s')} |",
             f"| first download (MB) | {cell(b, 'bytes', 1e-6)} | {cell(a, 'bytes', 1e-6)} |"]
    return "\n".join(rows) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, default=SITE)
    ap.add_argument("--chromium", default=CHROMIUM)
    ap.add_argument("--timeout", type=float, default=600, help="seconds per chapter")
    ap.add_argument("--report", type=Path, default=ROOT / "_build" / "lite-browser-test.json")
    ap.add_argument("--markdown", action="store_true",
                    help="print the report as the benchmarks page's table")
    ap.add_argument("--markdown-out", type=Path, metavar="FILE",
                    help="write that table to FILE (book/_data/browser-times.md, which the "
                         "benchmarks page includes)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the chapters this many times, each in a new browser (the table "
                         "gives the medians)")
    ap.add_argument("--desktop", action="store_true",
                    help="also time each chapter on the desktop Python (benchmarks page)")
    ap.add_argument("--write-imports", type=Path, metavar="FILE",
                    help="write the modules the chapters imported (lite/bytecode-modules.txt)")
    ap.add_argument("--render", type=Path, nargs="+", metavar="REPORT",
                    help="run nothing: the table of these reports' runs (--markdown-out)")
    ap.add_argument("--before", type=Path, nargs="+", metavar="REPORT",
                    help="run nothing: compare the first chapter's start in these reports...")
    ap.add_argument("--after", type=Path, nargs="+", metavar="REPORT",
                    help="...with these (--markdown-out)")
    ap.add_argument("chapters", nargs="*", help="notebooks/NAME (default: every chapter)")
    args = ap.parse_args(argv)
    if args.render or args.before:
        if args.render:
            reports = [json.loads(f.read_text()) for f in args.render]
            merged = {"runs": [run for r in reports
                               for run in (r["runs"] if "runs" in r else [r["chapters"]])],
                      "time": max(r.get("time", 0) for r in reports),
                      "desktop_s": next((r["desktop_s"] for r in reports if "desktop_s" in r),
                                        {})}
            table = markdown(merged)
        else:
            table = compare_markdown([json.loads(f.read_text()) for f in args.before],
                                     [json.loads(f.read_text()) for f in args.after])
        if args.markdown_out:
            args.markdown_out.write_text(table)
        print(table)
        return 0
    summary = json.loads((args.site / "build-summary.json").read_text())
    chapters = args.chapters or [*summary["pages"], *FRENCH_CHAPTERS]
    runs = []
    for i in range(args.repeat):
        if args.repeat > 1:
            print(f"run {i + 1} of {args.repeat}", flush=True)
        runs.append(run(args.site, chapters, args.chromium, args.timeout))
    report = runs[-1]
    report["time"] = time.time()
    report["imported"] = sorted({m for r in runs for m in r["imported"]})
    report["runs"] = [r["chapters"] for r in runs]
    report["chapters"] = [c for r in runs for c in r["chapters"]]  # every run's, for the checks
    report["foreign_requests"] = [u for r in runs for u in r["foreign_requests"]]
    if args.desktop:
        report["desktop_s"] = desktop_times(chapters, args.timeout)
    if args.write_imports:
        args.write_imports.write_text(IMPORTS_HEADER + "".join(f"{m}\n" for m in report["imported"]))
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=1))
    failures = [c for c in report["chapters"] if failed(c)]
    for c in failures:
        print(f"\nFAILED {c['chapter']}: {c['cells_run']}/{c['code_cells']} cells ran, "
              f"crmkit in {c.get('language') or '?'} (expected "
              f"{chapter_language(c['chapter'])})")
        for e in c["errors"][:1]:
            print(f"  cell {e['cell']}: {e['ename']}: {e['evalue']}\n{e['traceback']}")
        for line in c.get("console", [])[-10:]:
            print("  console", line[:300])
    if report["foreign_requests"]:
        print("\nrequests to another host:", *sorted(set(report["foreign_requests"])), sep="\n  ")
    print(f"\nfirst visit downloaded {report.get('first_visit_bytes', 0) / 1e6:.1f} MB, "
          f"all chapters {report['total_bytes'] / 1e6:.1f} MB; report in {args.report}")
    n_fail = len(failures) + bool(report["foreign_requests"])
    if args.markdown:
        print(markdown(report))
    if args.markdown_out:
        args.markdown_out.write_text(markdown(report))
    print(f"browser: {len(report['chapters']) - len(failures)} passed, {n_fail} failed")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
