"""Screenshot the Airflow 3 UI's Add Connection form for the dataworks type (for README; not part of CI).

Starts a throwaway Airflow (SQLite DB, `airflow api-server`, everyone admin), drives headless Chromium through
the DevTools protocol (aiohttp's websocket client: no browser automation package needed) to open the form and
pick "Alibaba Cloud DataWorks", and saves a PNG. Needs the `chromium` binary (Debian package `chromium`).

    .venv/bin/python scripts/screenshot_connection_form.py [--out docs/connection-form.png]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 1400


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 180) -> None:
    """Poll ``url`` until it answers, failing early if ``process`` died."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"{process.args[0]} exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer within {seconds} s") from None
            time.sleep(0.5)


class Page:
    """One Chromium tab driven over the DevTools protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (events in between are skipped)."""
        message_id = next(self.ids)
        await self.ws.send_json({"id": message_id, "method": method, "params": params})
        while True:
            message = json.loads((await self.ws.receive()).data)
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    async def js(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    async def wait_js(self, expression: str, seconds: float = 60) -> None:
        """Wait until ``expression`` is truthy in the page."""
        deadline = time.monotonic() + seconds
        while not await self.js(expression):
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for: {expression}")
            await asyncio.sleep(0.3)

    async def click(self, element: str) -> None:
        """A real mouse click in the middle of the element that the JS expression ``element`` finds."""
        box = await self.js(
            f"(() => {{ const r = {element}.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    async def key(self, key: str, code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            await self.send("Input.dispatchKeyEvent", type=kind, key=key, code=key, windowsVirtualKeyCode=code)


async def open_form(page: Page, base: str) -> None:
    """Open Add Connection, fill in a connection id and choose the DataWorks type."""
    await page.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)
    await page.send("Page.navigate", url=f"{base}/connections")
    button = "[...document.querySelectorAll('button')].find(b => b.textContent.includes('Add Connection'))"
    await page.wait_js(f"!!{button}")
    await page.js(f"{button}.click()")
    inputs = "document.querySelectorAll('[role=dialog] input')"
    await page.wait_js(f"{inputs}.length >= 2")
    await page.js(f"{inputs}[0].focus()")  # Connection ID
    await page.send("Input.insertText", text="dataworks_default")
    await page.js(f"{inputs}[1].focus()")  # Connection Type (a searchable drop-down)
    await page.send("Input.insertText", text="DataWorks")
    await asyncio.sleep(1)
    await page.key("Enter", 13)
    await page.wait_js("document.querySelector('[role=dialog]').textContent.includes('AccessKey ID')")
    extras = "[...document.querySelectorAll('[role=dialog] button')].find(b => b.textContent.trim() === 'Extra Fields')"
    await page.wait_js(f"!!{extras}")
    await page.click(extras)  # expand the extras section
    await asyncio.sleep(1.5)


async def capture(debug_port: int, base: str, out: Path) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.put(f"http://127.0.0.1:{debug_port}/json/new?about:blank") as response:
            target = await response.json(content_type=None)
        async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            page = Page(ws)
            try:
                await open_form(page, base)
            except SystemExit:
                failed = out.with_suffix(".failed.png")
                shot = await page.send("Page.captureScreenshot", format="png")
                failed.write_bytes(base64.b64decode(shot["data"]))
                print(f"the page as it was: {failed}", file=sys.stderr)
                raise
            box = await page.js(
                "(() => { const r = document.querySelector('[role=dialog]').getBoundingClientRect();"
                " return {x: r.x, y: r.y, width: r.width, height: Math.min(r.height, innerHeight - r.y)}; })()"
            )
            shot = await page.send("Page.captureScreenshot", format="png", clip={**box, "scale": 1})
    out.write_bytes(base64.b64decode(shot["data"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "connection-form.png")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found: install the Debian package `chromium`.")
    airflow = str(Path(sys.executable).with_name("airflow"))
    with tempfile.TemporaryDirectory() as home:
        port, debug_port = free_port(), free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__API__BASE_URL": base,
        }
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
        api = subprocess.Popen(
            [airflow, "api-server", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        browser = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--remote-debugging-port={debug_port}",
                f"--user-data-dir={home}/chromium",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"{base}/api/v2/monitor/health", api)
            wait_for(f"http://127.0.0.1:{debug_port}/json/version", browser)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            asyncio.run(capture(debug_port, base, args.out))
        finally:
            for process in (browser, api):
                process.terminate()
                process.wait(timeout=30)
    print(f"saved {args.out} ({args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
