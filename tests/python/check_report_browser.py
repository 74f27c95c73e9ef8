"""Opens a report's index.html in headless Chromium over the DevTools protocol and checks it as a
person would see it: no console errors or exceptions, no request leaving the machine, every
chart rendered (a non-empty SVG with data marks), and a full-page screenshot that is not blank.

    python check_report_browser.py REPORT_DIR SCREENSHOT.png
"""

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket  # websocket-client


def browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("no Chromium found: scripts/test.sh installs Debian's chromium")


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, event, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(e.get("method") == event for e in self.events):
                return
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(event)


def main(report: Path, shot: Path) -> int:
    page_file = (report / "index.html").resolve()
    profile = tempfile.mkdtemp()
    proc = subprocess.Popen(
        [browser(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1366,900",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        p = Page(ws_url)
        for domain in ("Page", "Runtime", "Log", "Network"):
            p.call(f"{domain}.enable")
        p.call("Page.navigate", url=page_file.as_uri())
        p.wait_for("Page.loadEventFired")
        problems = []
        for e in p.events:
            m, params = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                problems.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif m == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                problems.append(f"console.{params['type']}: {params.get('args')}")
            elif m == "Log.entryAdded" and params["entry"]["level"] == "error":
                problems.append(f"log: {params['entry']['text']}")
            elif m == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    problems.append(f"request leaves the page: {url}")
        charts = p.call("Runtime.evaluate", returnByValue=True, expression="""
            Array.from(document.querySelectorAll('svg.chart')).map(s => ({
              title: (s.querySelector('title') || {}).textContent || '',
              marks: s.querySelectorAll('.mark').length,
              width: s.getBoundingClientRect().width,
              height: s.getBoundingClientRect().height}))""")["result"]["value"]
        if len(charts) < 9:
            problems.append(f"only {len(charts)} charts on the page")
        for c in charts:
            if c["marks"] == 0 or c["width"] < 50 or c["height"] < 20:
                problems.append(f"chart not rendered: {c}")
        titles = " | ".join(c["title"] for c in charts)
        for want in ("Active accounts", "MRR", "Plan tier mix", "Industry mix", "Pours by local hour",
                     "Pours by local weekday", "Pours by local month", "parents by number of children",
                     "Campaign spend"):
            if want not in titles:
                problems.append(f"no chart titled {want!r}")
        size = p.call("Page.getLayoutMetrics")["cssContentSize"]
        shot_data = p.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                           clip={"x": 0, "y": 0, "width": size["width"],
                                 "height": min(size["height"], 16000), "scale": 1})["data"]
        png = base64.b64decode(shot_data)
        shot.parent.mkdir(parents=True, exist_ok=True)
        shot.write_bytes(png)
        top = p.call("Page.captureScreenshot", format="png")["data"]
        (shot.parent / (shot.stem + "-top.png")).write_bytes(base64.b64decode(top))
        box = p.call("Runtime.evaluate", returnByValue=True, expression="""
            (() => { const r = document.getElementById('charts').getBoundingClientRect();
                     return {x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height}; })()""")["result"]["value"]
        charts_png = p.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                            clip={"x": box["x"], "y": box["y"], "width": box["w"],
                                  "height": min(box["h"], 2400), "scale": 1})["data"]
        (shot.parent / (shot.stem + "-charts.png")).write_bytes(base64.b64decode(charts_png))
        # A blank page compresses to almost nothing; text, tables and charts do not.
        if len(png) < 50_000:
            problems.append(f"full-page screenshot is {len(png)} bytes: blank?")
        if problems:
            print("\n".join(problems))
            return 1
        print(f"{len(charts)} charts rendered with data marks, no console errors; "
              f"screenshot {shot} ({len(png) // 1024} KiB, page {size['width']:.0f}x{size['height']:.0f})")
        return 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
