"""Screenshot the Airflow 3 UI's Add Connection form for the dataworks type, and its Test of saved connections
(for the docs; not part of CI).

Starts a throwaway Airflow (SQLite DB, `airflow api-server`, everyone admin) and a DataWorks emulator, drives
headless Chromium through the DevTools protocol (aiohttp's websocket client: no browser automation package needed)
to open the form and pick "Alibaba Cloud DataWorks", then clicks Test on two saved connections (the endpoint in
Host, as documented; and host and port apart) and prints the request the UI sent and the answer. Saves PNGs.
Needs the `chromium` binary (Debian package `chromium`).

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

from dataworks_emulator import DataWorksEmulator

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 1400
#: The list page with the Test result's toast.
LIST_WIDTH, LIST_HEIGHT = 1400, 600
TEST_PATH = "/api/v2/connections/test"


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
        #: The events that arrived while waiting for command results (network events, once enabled).
        self.events: list[dict[str, Any]] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (events in between are kept in `events`)."""
        message_id = next(self.ids)
        await self.ws.send_json({"id": message_id, "method": method, "params": params})
        while True:
            message = json.loads((await self.ws.receive()).data)
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    def network_event(self, method: str, url_suffix: str) -> dict[str, Any] | None:
        """The params of the first network event `method` for a URL ending in `url_suffix`, if one arrived."""
        for event in self.events:
            params = event.get("params", {})
            url = (params.get("request") or params.get("response") or {}).get("url", "")
            if event.get("method") == method and url.endswith(url_suffix):
                return dict(params)
        return None

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


async def click_test(page: Page, base: str, conn_id: str) -> None:
    """Open the connections list and click Test on `conn_id`'s row; print the request the UI sent and the answer."""
    await page.send("Network.enable")
    await page.send(
        "Emulation.setDeviceMetricsOverride", width=LIST_WIDTH, height=LIST_HEIGHT, deviceScaleFactor=1, mobile=False
    )
    await page.send("Page.navigate", url=f"{base}/connections")
    row = f"[...document.querySelectorAll('tr')].find(r => r.cells[1] && r.cells[1].innerText.trim() === '{conn_id}')"
    await page.wait_js(f"!!{row}")
    await page.click(f"{row}.querySelector('button[aria-label=\"Test Connection\"]')")
    deadline = time.monotonic() + 60
    while (answer := page.network_event("Network.responseReceived", TEST_PATH)) is None:
        if time.monotonic() > deadline:
            raise SystemExit(f"no answer to the Test of {conn_id}")
        await page.js("0")  # let the events arrive
        await asyncio.sleep(0.2)
    sent = page.network_event("Network.requestWillBeSent", TEST_PATH) or {}
    body = await page.send("Network.getResponseBody", requestId=answer["requestId"])
    print(f"Test of {conn_id}: the UI sent {sent.get('request', {}).get('postData')}")
    print(f"  and the API server answered HTTP {answer['response']['status']}: {body.get('body')}")
    await page.wait_js("/Test Connection (Failed|Successful)/.test(document.body.innerText)")  # the toast
    await asyncio.sleep(0.5)


async def in_tab(debug_port: int, out: Path, steps: Any, clip: str | None = None) -> None:
    """Run `steps(page)` in a new tab and save a PNG of it (of the element `clip` finds, if given)."""
    async with aiohttp.ClientSession() as session:
        async with session.put(f"http://127.0.0.1:{debug_port}/json/new?about:blank") as response:
            target = await response.json(content_type=None)
        async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            page = Page(ws)
            try:
                await steps(page)
            except SystemExit:
                failed = out.with_suffix(".failed.png")
                shot = await page.send("Page.captureScreenshot", format="png")
                failed.write_bytes(base64.b64decode(shot["data"]))
                print(f"the page as it was: {failed}", file=sys.stderr)
                raise
            options: dict[str, Any] = {}
            if clip:
                box = await page.js(
                    f"(() => {{ const r = {clip}.getBoundingClientRect();"
                    " return {x: r.x, y: r.y, width: r.width, height: Math.min(r.height, innerHeight - r.y)}; })()"
                )
                options["clip"] = {**box, "scale": 1}
            shot = await page.send("Page.captureScreenshot", format="png", **options)
    out.write_bytes(base64.b64decode(shot["data"]))


def save_connections(base: str, emulator: DataWorksEmulator) -> tuple[str, str]:
    """Save two connections to the emulator through the REST API, as the Add form does: the endpoint in Host (the
    documented form, no port), and host and port apart. Returns their ids."""
    with urllib.request.urlopen(f"{base}/auth/token", timeout=30) as response:
        token = json.loads(response.read())["access_token"]
    conn = emulator.connection()
    host, port = conn["host"].rsplit(":", 1)
    documented = {**conn, "connection_id": "dataworks_default", "extra": json.dumps(conn["extra"])}
    with_port = {**documented, "connection_id": "dataworks_host_and_port", "host": host, "port": int(port)}
    for body in (documented, with_port):
        request = urllib.request.Request(
            f"{base}/api/v2/connections",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        urllib.request.urlopen(request, timeout=30).close()
    return documented["connection_id"], with_port["connection_id"]


async def capture(debug_port: int, base: str, emulator: DataWorksEmulator, outs: list[Path]) -> None:
    form_out, test_out, port_test_out = outs
    await in_tab(
        debug_port, form_out, lambda page: open_form(page, base), clip="document.querySelector('[role=dialog]')"
    )
    documented, with_port = save_connections(base, emulator)
    await in_tab(debug_port, test_out, lambda page: click_test(page, base, documented))
    await in_tab(debug_port, port_test_out, lambda page: click_test(page, base, with_port))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "connection-form.png")
    parser.add_argument(
        "--test-out",
        type=Path,
        default=ROOT / "docs" / "images" / "connection-form-test.png",
        help="Test on the saved connection with the endpoint in Host (no port)",
    )
    parser.add_argument(
        "--port-test-out",
        type=Path,
        default=ROOT / "docs" / "images" / "connection-form-test-host-and-port.png",
        help="Test on the saved connection with host and port apart",
    )
    args = parser.parse_args()
    outs = [args.out, args.test_out, args.port_test_out]
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
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
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
            for out in outs:
                out.parent.mkdir(parents=True, exist_ok=True)
            with DataWorksEmulator() as emulator:
                asyncio.run(capture(debug_port, base, emulator, outs))
        finally:
            for process in (browser, api):
                process.terminate()
                process.wait(timeout=30)
    for out in outs:
        print(f"saved {out} ({out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
