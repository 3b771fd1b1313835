"""A real ``jiqun serve`` process for tests that need HTTP, websockets or several processes.

``running_server(database_url)`` picks a free port, starts the server in its own process group with
``JIQUN_DATABASE_URL`` (and any extra environment), waits until ``/healthz`` answers, yields a
:class:`Server`, and stops the whole process group afterwards, also when the test fails. The server's
output goes to a log file whose text is attached to every start-up failure.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    """A TCP port nobody listens on right now (bind to port 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def jiqun_command() -> list[str]:
    """The installed ``jiqun`` script of the running interpreter's environment."""
    script = Path(sys.executable).with_name("jiqun")
    if not script.exists():
        raise RuntimeError(f"{script} is missing; install the project with `pip install -e .`")
    return [str(script)]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def websocket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10.0, **kwargs)  # type: ignore[arg-type]


def _wait_until_up(server: Server, require_healthy: bool, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: str = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"jiqun serve exited with {server.process.returncode}:\n{server.log()}")
        try:
            response = httpx.get(f"{server.base_url}/healthz", timeout=5.0)
        except httpx.TransportError as exc:
            last = repr(exc)
        else:
            if response.status_code == 200 or not require_healthy:
                return
            last = f"{response.status_code} {response.text}"
        time.sleep(0.1)
    raise RuntimeError(f"jiqun serve did not come up in {timeout:.0f}s ({last}):\n{server.log()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (uvicorn and any workers), then SIGKILL what is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT_S)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # workers that outlived their parent


@contextlib.contextmanager
def running_server(
    database_url: str,
    *,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    require_healthy: bool = True,
    timeout: float = STARTUP_TIMEOUT_S,
) -> Iterator[Server]:
    """Run ``jiqun serve --port <free> [args]`` until the block ends.

    ``env`` adds or overrides environment variables (``JIQUN_REDIS_URL``, ``JIQUN_POLL_INTERVAL_S``, ...);
    ``args`` are extra ``serve`` options such as ``("--workers", "2")``. With ``require_healthy`` the
    server must answer ``/healthz`` with 200; without it any HTTP answer (e.g. 503) will do.
    """
    with running_process(
        lambda port: [*jiqun_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        database_url,
        env=env,
        require_healthy=require_healthy,
        timeout=timeout,
    ) as server:
        yield server


@contextlib.contextmanager
def running_process(
    command: Callable[[int], Sequence[str]],
    database_url: str,
    *,
    env: Mapping[str, str] | None = None,
    require_healthy: bool = True,
    timeout: float = STARTUP_TIMEOUT_S,
) -> Iterator[Server]:
    """Run ``command(port)``, a server process on a free port, on ``database_url`` until the block ends
    (see :func:`running_server`)."""
    port = free_port()
    environment = {**os.environ, "JIQUN_DATABASE_URL": database_url, "JIQUN_LOG_LEVEL": "WARNING", **(env or {})}
    with tempfile.TemporaryDirectory(prefix="jiqun-serve-") as tmp:
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                list(command(port)),
                env=environment,
                cwd=tmp,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(process, port, log_path)
        try:
            _wait_until_up(server, require_healthy, timeout)
            yield server
        finally:
            _stop(process)
