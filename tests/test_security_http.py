"""HTTP abuse against a real server process: forged client addresses, slow headers and bodies, connection
floods from one address, and malformed requests. Each has a stated limit (README, "Configuration"), and
``/healthz`` keeps answering within a second while it runs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence

import httpx
import pytest

from api.proxies import UNVERIFIED
from api.settings import Settings, SettingsError
from tests.graphql_support import Api
from tests.security_tally import HEALTHZ_LIMIT_S, TALLY
from tests.server import Server, free_port, jiqun_command, running_process, running_server

QUERY = b'{"query":"{ __typename }"}'
# The request of the security review, byte for byte: a lone surrogate escaped in the variables.
SURROGATE_IN_VARIABLES = b'{"query":"query($c:String!){jurisdiction(code:$c){code}}","variables":{"c":"\\ud800abc"}}'
TIMEOUT_S = 2.0
CAP = 40
LIMITS = {
    "JIQUN_HEADER_TIMEOUT_S": str(TIMEOUT_S),
    "JIQUN_BODY_TIMEOUT_S": str(TIMEOUT_S),
    "JIQUN_MAX_CONNECTIONS_PER_ADDRESS": str(CAP),
    "JIQUN_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000",
}
RATE_LIMIT = 3  # per minute: one request back every 20 s, longer than any of these tests
RATE_LIMITED = {**LIMITS, "JIQUN_RATE_LIMIT_ANONYMOUS_PER_MINUTE": str(RATE_LIMIT)}


@contextlib.contextmanager
def running_uvicorn(database_url: str, env: Mapping[str, str], args: Sequence[str] = ()) -> Iterator[Server]:
    """``uvicorn api.app:create_app --factory [args]``, as a deployment might run it without ``jiqun serve``
    (and so with uvicorn's own defaults, X-Forwarded-For handling included)."""
    with running_process(
        lambda port: [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port), *args],
        database_url,
        env=env,
    ) as server:
        yield server


@contextlib.contextmanager
def serving(how: str, database_url: str, env: Mapping[str, str]) -> Iterator[Server]:
    if how == "jiqun serve":
        with running_server(database_url, env=env) as server:
            yield server
    elif how == "uvicorn":
        with running_uvicorn(database_url, env) as server:
            yield server
    else:
        assert how == "uvicorn --no-proxy-headers"
        with running_uvicorn(database_url, env, ["--no-proxy-headers"]) as server:
            yield server


@pytest.fixture
def fresh_database(sqlite_databases) -> Iterator[str]:  # type: ignore[no-untyped-def]
    url = sqlite_databases.create()
    yield url
    sqlite_databases.drop(url)


@pytest.fixture(scope="module")
def server(sqlite_databases) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    database_url = sqlite_databases.create()
    with running_server(database_url, env=LIMITS) as running:
        yield running
    sqlite_databases.drop(database_url)


def _post(client: httpx.Client, forwarded_for: str) -> int:
    response = client.post(
        "/graphql", content=QUERY, headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}
    )
    TALLY.answered("http", response)
    return response.status_code


# Client addresses


@pytest.mark.parametrize("how", ["jiqun serve", "uvicorn"])
def test_a_forged_forwarded_address_does_not_reset_the_rate_limit(how: str, fresh_database: str) -> None:
    """Without a trusted proxy, X-Forwarded-For is the client's own claim: its limit stays on one address,
    also when uvicorn runs the app with its default proxy-header handling (which trusts local peers)."""
    with serving(how, fresh_database, RATE_LIMITED) as running, running.client() as client:
        first = [_post(client, "203.0.113.1") for _ in range(RATE_LIMIT)]
        rotating = [_post(client, f"198.51.100.{n}") for n in range(40)]
        log = running.log()
    assert first == [200] * RATE_LIMIT
    assert set(rotating) == {429}, rotating
    if how == "uvicorn":  # the app saw uvicorn's substitution, and says how to fix the deployment
        assert UNVERIFIED in log and "--no-proxy-headers" in log, log


@pytest.mark.parametrize("how", ["jiqun serve", "uvicorn --no-proxy-headers"])
def test_a_trusted_proxy_names_the_client(how: str, fresh_database: str) -> None:
    env = {**RATE_LIMITED, "JIQUN_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/8"}
    with serving(how, fresh_database, env) as running, running.client() as client:
        each_once = [_post(client, f"203.0.113.{n}") for n in range(12)]
        # The right-most address that is not a trusted proxy is the client.
        through_two = [_post(client, f"198.51.100.7, 10.1.2.{n}") for n in range(RATE_LIMIT + 1)]
    assert each_once == [200] * 12, "each forwarded client has its own limit"
    assert through_two == [200] * RATE_LIMIT + [429], through_two


def test_a_malformed_trusted_proxy_list_stops_the_server_at_start_up(fresh_database: str) -> None:
    env = {**os.environ, "JIQUN_DATABASE_URL": fresh_database, "JIQUN_TRUSTED_PROXIES": "10.0.0.1,10.0.0.0/33"}
    done = subprocess.run(
        [*jiqun_command(), "serve", "--port", str(free_port())], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "JIQUN_TRUSTED_PROXIES" in done.stderr and "'10.0.0.0/33'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("JIQUN_TRUSTED_PROXIES", "localhost"),
        ("JIQUN_TRUSTED_PROXIES", "10.0.0.1/8"),  # host bits set: a typo for 10.0.0.0/8 or 10.0.0.1
        ("JIQUN_HEADER_TIMEOUT_S", "ten"),
        ("JIQUN_HEADER_TIMEOUT_S", "0"),
        ("JIQUN_BODY_TIMEOUT_S", "-1"),
        ("JIQUN_BODY_TIMEOUT_S", "nan"),
        ("JIQUN_MAX_CONNECTIONS_PER_ADDRESS", "50.5"),
        ("JIQUN_MAX_CONNECTIONS_PER_ADDRESS", "-1"),
    ],
)
def test_malformed_client_settings_are_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        Settings.from_env()
    assert name in str(refused.value) and repr(value) in str(refused.value)


def test_client_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIQUN_TRUSTED_PROXIES", " 10.0.0.5, 192.168.0.0/24 ,::1,2001:db8::/32")
    monkeypatch.setenv("JIQUN_HEADER_TIMEOUT_S", "2.5")
    monkeypatch.setenv("JIQUN_MAX_CONNECTIONS_PER_ADDRESS", "0")
    settings = Settings.from_env()
    assert settings.trusted_proxies == ("10.0.0.5", "192.168.0.0/24", "::1", "2001:db8::/32")
    assert settings.header_timeout_s == 2.5 and settings.body_timeout_s == 10.0
    assert settings.max_connections_per_address == 0


# Slow clients


def _open(server: Server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.settimeout(10)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _read_response(sock: socket.socket) -> bytes:
    """One whole response (head and a ``Content-Length`` body), however the server split it into packets."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _trickle(sock: socket.socket, start: bytes, byte: bytes, every_s: float = 0.3, limit_s: float = 10.0) -> bytes:
    """Send ``start``, then ``byte`` every ``every_s`` until the server answers or closes; what it sent."""
    sock.sendall(start)
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], every_s)
        if readable:
            return _read_all(sock)
        try:
            sock.sendall(byte)
        except OSError:
            return _read_all(sock)
    raise AssertionError(f"the server still reads a trickle after {limit_s}s")


def _healthz(server: Server) -> float:
    started = time.monotonic()
    response = httpx.get(f"{server.base_url}/healthz", timeout=10)
    elapsed = time.monotonic() - started
    TALLY.answered("http", response)
    TALLY.healthz(elapsed)
    assert response.status_code == 200
    return elapsed


def _error(answer: bytes) -> dict[str, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"json; charset=utf-8" in head.lower(), head
    error = json.loads(body)["errors"][0]
    return {"message": error["message"], "code": error["extensions"]["code"]}


def test_headers_trickled_a_byte_at_a_time_are_cut_off(server: Server) -> None:
    sock = _open(server)
    started = time.monotonic()
    answer = _trickle(sock, b"POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: ", b"a")
    elapsed = time.monotonic() - started
    sock.close()
    TALLY.answered("http")
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert _error(answer) == {
        "message": f"the request headers did not arrive within {TIMEOUT_S:g}s",
        "code": "REQUEST_TIMEOUT",
    }
    assert TIMEOUT_S - 0.2 < elapsed < TIMEOUT_S + 1.5, elapsed


def test_a_connection_that_sends_nothing_is_closed(server: Server) -> None:
    sock = _open(server)
    started = time.monotonic()
    answer = _read_all(sock)
    elapsed = time.monotonic() - started
    sock.close()
    TALLY.answered("http")
    assert answer == b""
    assert TIMEOUT_S - 0.2 < elapsed < TIMEOUT_S + 1.5, elapsed


def test_a_body_trickled_a_byte_at_a_time_gets_408(server: Server) -> None:
    sock = _open(server)
    started = time.monotonic()
    head = b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    answer = _trickle(sock, head + b'{"query": "', b"a")
    elapsed = time.monotonic() - started
    sock.close()
    TALLY.answered("http")
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:300]
    assert b"connection: close" in answer.lower()
    assert _error(answer) == {
        "message": f"the request body did not arrive within {TIMEOUT_S:g}s",
        "code": "REQUEST_TIMEOUT",
    }
    assert TIMEOUT_S - 0.2 < elapsed < TIMEOUT_S + 1.5, elapsed


def test_a_body_nobody_reads_cannot_keep_the_connection(server: Server) -> None:
    """/healthz answers without reading the body; the client trickling it on is still cut off."""
    sock = _open(server)
    started = time.monotonic()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nx")
    answer = _read_response(sock)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    rest = _trickle(sock, b"x", b"x")  # the answer came at once; the trickle goes on until it is cut
    elapsed = time.monotonic() - started
    sock.close()
    TALLY.answered("http")
    assert rest == b""
    assert TIMEOUT_S - 0.2 < elapsed < TIMEOUT_S + 2.0, elapsed


def test_one_address_cannot_hold_more_than_its_connections(server: Server) -> None:
    """At most CAP connections per address: one more is refused at once, even while the others are idle,
    and the refusal reaches a client that has already sent its request."""
    held = [_open(server) for _ in range(CAP)]
    try:
        extra = _open(server)
        started = time.monotonic()
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_all(extra)
        refused_in = time.monotonic() - started
        extra.close()
        TALLY.answered("http")
        assert answer.startswith(b"HTTP/1.1 429 "), answer[:200]
        assert b"retry-after: 1" in answer.lower()
        assert _error(answer) == {
            "message": f"too many open connections from this address (at most {CAP})",
            "code": "TOO_MANY_CONNECTIONS",
        }
        assert refused_in < 1.5, refused_in
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    _healthz(server)


def test_healthz_answers_while_100_slow_clients_hold_connections(fresh_database: str) -> None:
    """100 clients (under a cap that admits them) trickle headers or bodies, a byte each per 0.3 s: /healthz
    answers within a second all along, and each of them is cut off at its time limit."""
    timeout_s = 5.0
    env = {
        **LIMITS,
        "JIQUN_HEADER_TIMEOUT_S": str(timeout_s),
        "JIQUN_BODY_TIMEOUT_S": str(timeout_s),
        "JIQUN_MAX_CONNECTIONS_PER_ADDRESS": "200",
    }
    with running_server(fresh_database, env=env) as slow:
        socks = [_open(slow) for _ in range(100)]
        started = time.monotonic()
        for n, sock in enumerate(socks):
            sock.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: "
                if n % 2
                else b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n{"
            )
        stop = threading.Event()

        def trickle() -> None:
            while not stop.wait(0.3):
                for sock in socks:
                    with contextlib.suppress(OSError):
                        sock.send(b"a")

        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        try:
            answered = []
            for _ in range(12):
                answered.append(_healthz(slow))
                time.sleep(0.2)
            slowest = max(answered)
            stop.set()
            trickler.join()
            answers = [_read_all(sock) for sock in socks]
            all_cut_in = time.monotonic() - started
        finally:
            stop.set()
            for sock in socks:
                sock.close()
    TALLY.answered("http")
    print(f"\n/healthz under 100 slow clients: slowest {slowest * 1000:.0f} ms of {len(answered)}")
    assert slowest < HEALTHZ_LIMIT_S, answered
    assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers), {a[:40] for a in answers}
    assert all_cut_in < timeout_s + 3, all_cut_in


# Malformed requests


@pytest.mark.parametrize(
    ("content_type", "body", "status", "message"),
    [
        (None, QUERY, 415, "the request has no Content-Type header; send application/json (UTF-8)"),
        ("", QUERY, 415, "the Content-Type header is empty; send application/json (UTF-8)"),
        (" ", QUERY, 415, "the Content-Type header is empty; send application/json (UTF-8)"),
        ("; charset=utf-8", QUERY, 415, "the Content-Type header names no media type; send application/json (UTF-8)"),
        (
            "application/json",
            SURROGATE_IN_VARIABLES,
            400,
            "invalid text in variables.c: a lone surrogate (\\ud800-\\udfff without its pair) is not text",
        ),
        (
            "application/json",
            b'{"query":"{ __typename }","operationName":"\\udfff"}',
            400,
            "invalid text in operationName: a lone surrogate (\\ud800-\\udfff without its pair) is not text",
        ),
        (
            "application/json",
            b'{"query":"query($c:String!){jurisdiction(code:$c){code}}","variables":{"c":{"\\ud800":["x"]}}}',
            400,
            "invalid text in a name in variables.c: a lone surrogate (\\ud800-\\udfff without its pair) is not text",
        ),
    ],
)
async def test_malformed_requests_get_a_clear_answer(
    api: Api, content_type: str | None, body: bytes, status: int, message: str
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = await api.client.post("/graphql", content=body, headers=headers)
    TALLY.answered("http", response, response.json())
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert error["message"] == message
    assert error["extensions"]["code"] == ("BAD_REQUEST" if status == 400 else "UNSUPPORTED_MEDIA_TYPE")


async def test_nesting_deeper_than_the_json_parser_takes_is_a_bad_request(api: Api) -> None:
    body = b'{"query":"{ __typename }","variables":{"a":' + b"[" * 20_000 + b"]" * 20_000 + b"}}"
    response = await api.client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    TALLY.answered("http", response, response.json())
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["message"] == "the request body is nested too deeply"


@pytest.mark.parametrize("name", ["variables", "extensions"])
async def test_a_lone_surrogate_in_get_parameters_is_refused(api: Api, name: str) -> None:
    params = {"query": "query($c:String!){jurisdiction(code:$c){code}}", "variables": json.dumps({"c": "110115"})}
    params[name] = json.dumps({"c": "\ud800abc"})  # json.dumps escapes it: {"c": "\ud800abc"}
    response = await api.get(params)
    TALLY.answered("http", response, response.json())
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["message"] == (
        f"invalid text in {name}.c: a lone surrogate (\\ud800-\\udfff without its pair) is not text"
    )
    assert error["extensions"]["code"] == "BAD_REQUEST"


async def test_paired_surrogates_are_text(api: Api) -> None:
    body = b'{"query":"query($c:String!){jurisdiction(code:$c){code}}","variables":{"c":"\\ud83d\\ude00"}}'
    response = await api.client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    TALLY.answered("http", response, response.json())
    assert response.status_code == 200, response.text
    assert "INTERNAL_SERVER_ERROR" not in response.text


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ('{ address(code: "\\u0000") { code } }', None),
        ('{ jurisdictions(parentCode: "11\\u00000115") { code } }', None),
        ("query($c: String!) { jurisdiction(code: $c) { code } }", {"c": "a\x00b"}),
        ("query($c: String!) { address(code: $c) { code } }", {"c": "\x00"}),
    ],
)
async def test_nul_is_refused_before_it_reaches_the_database(
    api: Api, query: str, variables: dict[str, str] | None
) -> None:
    """PostgreSQL text holds no NUL: a literal or a variable holding one is refused by name, never an
    internal error from the driver."""
    response = await api.client.post("/graphql", json={"query": query, "variables": variables})
    TALLY.answered("http", response, response.json())
    error = response.json()["errors"][0]
    if variables is None:  # a literal: refused by the GraphQL checks, where it is in the document
        assert response.status_code == 200, response.text
        assert error["message"] == "invalid string literal: the NUL character (\\u0000) is not allowed in text"
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["locations"][0]["column"] > 10
    else:  # in the JSON of the request: not a well-formed request
        assert response.status_code == 400, response.text
        assert error["message"] == "invalid text in variables.c: the NUL character (\\u0000) is not allowed in text"
        assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "data" not in response.json() or response.json()["data"] is None
