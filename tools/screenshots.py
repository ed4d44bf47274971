"""Screenshot every page of the built book with headless Chromium, offline, for review.

A reviewer looks at the whole book in minutes: each page is loaded from disk with every
other host unreachable (as on a train or in a locked-down lab), and saved as a series of
PNG tiles (``<out>/<page>/01.png``, ``02.png``...) at a laptop's width. The run also writes
``<out>/report.md``: per page, the requests the page tried to make to another host, the
figures' scale on the page (a figure shrunk to fit the column shrinks its text too) and
whether MathJax typeset the maths.

Chromium comes from the system's package manager (Debian: ``apt-get install chromium``);
the script drives it through the DevTools protocol (``websocket-client``, installed with
Jupyter).

Usage::

    python tools/screenshots.py                      # _build/html -> _build/screenshots
    python tools/screenshots.py _build/html out/ --pages 02-loyalty intro
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from check_book_html import pages  # noqa: E402

WIDTH, TILE = 1280, 1600
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync",
         "--hide-scrollbars", "--mute-audio",
         # no internet: every host but this machine is unreachable
         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost"]

# measured in the page: images in cell outputs (natural vs shown width), MathJax state
_PROBE = """(() => {
  const imgs = [...document.querySelectorAll('div.cell_output img')].map(i => ({
    natural: i.naturalWidth, shown: Math.round(i.getBoundingClientRect().width)}));
  const raw = (document.querySelector('main') || document.body).innerText.match(/\\\\\\[|\\\\\\(/g);
  return JSON.stringify({height: document.documentElement.scrollHeight, imgs: imgs,
    mathjax: typeof MathJax !== 'undefined' && !!MathJax.startup,
    mjx: document.querySelectorAll('mjx-container').length,
    raw_tex: raw ? raw.length : 0});
})()"""


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("no Chromium found: install it with the system's package manager "
                     "(Debian: apt-get install -y chromium)")


class Browser:
    """A headless Chromium and one DevTools session on its first tab."""

    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="crmkit-shots-")
        self.proc = subprocess.Popen(
            [binary, *FLAGS, "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             f"--window-size={WIDTH},{TILE}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
            target = next(t for t in json.load(r) if t["type"] == "page")
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=120,
                                              suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for method in ("Page.enable", "Network.enable", "Runtime.enable"):
            self.call(method)
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=TILE,
                  deviceScaleFactor=1, mobile=False)

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 60):
        end = time.time() + timeout
        while time.time() < end:
            if any(e.get("method") == event for e in self.events):
                return
            self.ws.settimeout(max(0.1, end - time.time()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        self.ws.settimeout(120)

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            shutil.rmtree(self.profile, ignore_errors=True)


def shoot(browser: Browser, page: Path, out: Path, settle: float = 2.0) -> dict:
    """Load ``page``, save its tiles into ``out``, return what the page did."""
    browser.events.clear()
    browser.call("Page.navigate", url=page.resolve().as_uri())
    browser.wait_for("Page.loadEventFired")
    time.sleep(settle)  # MathJax typesets after the load event
    probe = json.loads(browser.call("Runtime.evaluate", expression=_PROBE,
                                    returnByValue=True)["result"]["value"])
    requests = {e["params"]["requestId"]: e["params"]["request"]["url"]
                for e in browser.events if e.get("method") == "Network.requestWillBeSent"}
    failed = sorted({requests.get(e["params"]["requestId"], "?") for e in browser.events
                     if e.get("method") == "Network.loadingFailed"})
    external = sorted({u for u in requests.values() if u.startswith(("http:", "https:"))})
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    height = min(probe["height"], 60 * TILE)
    for i, y in enumerate(range(0, height, TILE), start=1):
        shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                            clip={"x": 0, "y": y, "width": WIDTH,
                                  "height": min(TILE, height - y), "scale": 1})
        (out / f"{i:02d}.png").write_bytes(base64.b64decode(shot["data"]))
    scales = [round(i["shown"] / i["natural"], 2) for i in probe["imgs"] if i["natural"]]
    return {"tiles": len(range(0, height, TILE)), "height": probe["height"],
            "external_requests": external, "failed": failed, "figures": len(scales),
            "smallest_figure_scale": min(scales) if scales else None,
            "mathjax_loaded": probe["mathjax"], "maths_typeset": probe["mjx"],
            "raw_tex_left": probe["raw_tex"]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("build", nargs="?", default=str(ROOT / "_build" / "html"))
    p.add_argument("out", nargs="?", default=str(ROOT / "_build" / "screenshots"))
    p.add_argument("--pages", nargs="*", help="only pages whose path contains one of these")
    args = p.parse_args(argv)
    build, out = Path(args.build), Path(args.out)
    todo = pages(build)
    if args.pages:
        todo = [q for q in todo if any(k in q.as_posix() for k in args.pages)]
    if not todo:
        raise SystemExit(f"no pages in {build}: run `make book` first")
    browser = Browser(find_chromium())
    rows = []
    try:
        for page in todo:
            rel = page.relative_to(build).with_suffix("").as_posix()
            info = shoot(browser, page, out / rel.replace("/", "__"))
            rows.append((rel, info))
            print(f"{rel}: {info['tiles']} tiles, {info['figures']} figures "
                  f"(smallest scale {info['smallest_figure_scale']}), "
                  f"maths {info['maths_typeset']}, raw TeX {info['raw_tex_left']}, "
                  f"external {len(info['external_requests'])}", flush=True)
    finally:
        browser.close()
    lines = ["# Screenshot review", "", f"{len(rows)} pages from `{build}`, {WIDTH} px wide, "
             "no other host reachable.", "",
             "| page | tiles | figures | smallest figure scale | maths typeset | raw TeX left "
             "| requests to other hosts |", "|---|---|---|---|---|---|---|"]
    for rel, i in rows:
        lines.append(f"| {rel} | {i['tiles']} | {i['figures']} | "
                     f"{i['smallest_figure_scale']} | {i['maths_typeset']} | "
                     f"{i['raw_tex_left']} | {', '.join(i['external_requests']) or '—'} |")
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text("\n".join(lines) + "\n")
    print(f"screenshots and report.md in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
