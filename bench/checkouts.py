"""Server CPU per request of two checkouts of jiqun on one database: a before/after figure for a change.

Each checkout runs as its own ``uvicorn api.app:create_app --factory`` process (imports resolve from the
checkout's folder), and every read scenario of bench/queries.py is sent to both in interleaved rounds,
one request at a time; the figure is the server process's user + system CPU time per request, read
from /proc, whose median over the rounds is stable on a shared machine where wall time is not.

    git worktree add /tmp/before <commit>
    python -m bench.checkouts --before /tmp/before --after . --database-url postgresql://…/db
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.queries import scenarios

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(checkout: Path, database_url: str) -> Iterator[tuple[int, int]]:
    """A server of ``checkout`` on ``database_url``: its pid and port."""
    port = _free_port()
    env = {
        **os.environ,
        "JIQUN_DATABASE_URL": database_url,
        "JIQUN_LOG_LEVEL": "WARNING",
        "JIQUN_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
    }
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--no-access-log"], cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(150):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise SystemExit(f"the server of {checkout} did not start")
        yield process.pid, port
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the checkout measured first")
    parser.add_argument("--after", type=Path, required=True, help="the checkout compared with it")
    parser.add_argument("--database-url", required=True, help="a database filled by `jiqun demo`")
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario, server and round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (their median is reported)")
    parser.add_argument(
        "--no-cache", action="store_true", help="send Cache-Control: no-cache, so that every answer is computed"
    )
    args = parser.parse_args()
    cases, _ = scenarios(args.database_url)
    figures: dict[str, dict[str, list[float]]] = {c.name: {"before": [], "after": []} for c in cases}
    with (
        serving(args.before, args.database_url) as before,
        serving(args.after, args.database_url) as after,
        httpx.Client(timeout=30, headers={"Cache-Control": "no-cache"} if args.no_cache else {}) as client,
    ):
        servers = {"before": before, "after": after}
        for round_ in range(args.rounds):
            order = list(servers.items()) if round_ % 2 == 0 else list(reversed(servers.items()))
            for case in cases:
                body = {"query": case.query, "variables": case.variables}
                for name, (pid, port) in order:
                    url = f"http://127.0.0.1:{port}/graphql"
                    answer = client.post(url, json=body).json()
                    if answer.get("errors"):
                        raise SystemExit(f"{name} answered {case.name} with errors: {answer['errors']}")
                    started = cpu_s(pid)
                    for _ in range(args.requests):
                        client.post(url, json=body)
                    figures[case.name][name].append((cpu_s(pid) - started) * 1000 / args.requests)
    how = "computed afresh (Cache-Control: no-cache)" if args.no_cache else "as sent by clients"
    print(f"server CPU ms per request, {how}: median of {args.rounds} interleaved rounds of {args.requests}")
    print("| query | before | after | after/before | spread of after over rounds |")
    print("|---|---:|---:|---:|---:|")
    for case in cases:
        b, a = (statistics.median(figures[case.name][k]) for k in ("before", "after"))
        spread = f"{min(figures[case.name]['after']):.2f}–{max(figures[case.name]['after']):.2f}"
        print(f"| {case.name} | {b:.2f} | {a:.2f} | {a / b:.2f} | {spread} |")


if __name__ == "__main__":
    main()
