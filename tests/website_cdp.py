"""Headless Chromium driven over the DevTools protocol, for what a command line cannot tell: console
messages and failed loads as events, Navigation and Resource Timing, and key presses.

The browser runs with its own profile on a port it picks (``--remote-debugging-port=0`` writes the port
to ``DevToolsActivePort``); one page target is driven over a WebSocket with the ``websockets`` client.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.browser import CHROMIUM, HEADLESS_FLAGS

START_TIMEOUT_S = 20.0
LOAD_TIMEOUT_S = 30.0


@dataclass
class Load:
    """What one navigation showed: console messages, exceptions, log entries (failed loads), timings."""

    messages: list[str] = field(default_factory=list)
    timing: dict[str, Any] = field(default_factory=dict)


class Browser:
    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=LOAD_TIMEOUT_S))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, method: str) -> None:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                del self.events[: i + 1]
                return
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv(timeout=LOAD_TIMEOUT_S))
            if message.get("method") == method:
                return
            self.events.append(message)
        raise TimeoutError(method)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def load(self, url: str) -> Load:
        """Navigate, wait for the load event and a quiet moment, and report what the page did."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        time.sleep(0.3)  # late console messages and the favicon request
        self.call("Runtime.evaluate", expression="0")  # drains the events that arrived meanwhile
        load = Load()
        for event in self.events:
            params = event.get("params", {})
            match event.get("method"):
                case "Runtime.consoleAPICalled":
                    load.messages.append(f"console.{params['type']}: {params.get('args')}")
                case "Runtime.exceptionThrown":
                    load.messages.append(f"exception: {params['exceptionDetails'].get('text')}")
                case "Log.entryAdded":
                    entry = params["entry"]
                    load.messages.append(f"{entry['level']}: {entry.get('text')} {entry.get('url', '')}")
        load.timing = self.evaluate(TIMING)
        return load

    def press(self, key: str, code: str, key_code: int) -> None:
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=code, windowsVirtualKeyCode=key_code, text="")
        if key == "Enter":
            self.call("Input.dispatchKeyEvent", type="char", key=key, code=code, text="\r")


TIMING = """(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  return {
    ttfb_ms: nav.responseStart - nav.requestStart,
    dom_content_loaded_ms: nav.domContentLoadedEventEnd - nav.startTime,
    load_ms: nav.loadEventEnd - nav.startTime,
    html_bytes: nav.transferSize,
    total_bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    requests: 1 + resources.length,
  };
})()"""


@contextlib.contextmanager
def browser(profile: Path) -> Iterator[Browser]:
    """A headless Chromium with one page, driven over the DevTools protocol."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        *HEADLESS_FLAGS,
        "--window-size=1280,1000",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "about:blank",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=5).json()
        page = next(t for t in targets if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None) as socket:
            driven = Browser(socket)
            for domain in ("Page", "Runtime", "Log"):
                driven.call(f"{domain}.enable")
            yield driven
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
