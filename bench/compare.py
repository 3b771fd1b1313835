"""jiqun against PostGraphile 4 and a hand-written Starlette + asyncpg floor, on one PostgreSQL database.

    python -m bench.compare [--scale 2] [--rounds 3] [--requests 100] [--write]

One command: it fills ``jiqun_bench_pg`` with ``jiqun demo --scale N`` unless it is already filled,
installs PostGraphile with ``npm ci`` in bench/postgraphile, adds PostGraphile's two query functions,
and runs three server processes on the database: ``jiqun serve`` (response cache off, so every answer
is computed), the floor (``bench/floor.py``) and PostGraphile. Before measuring it checks that the floor's
answer to each query is byte-for-byte jiqun's and that PostGraphile's holds as many rows.

Statements per request are counted first, with ``log_statement = all`` set on this database only (the
servers started afresh so their connections take it), from the PostgreSQL log. Then, with logging off
and fresh servers, interleaved rounds: in each round every query, at concurrency 1 and 16, is sent to
the three servers in turn (the order rotates each round) by :mod:`bench.load` in its own process. The
server's CPU per request comes from /proc (CPU time of all the server process's threads over the run, from
schedstat, warm-up included), the figure that holds still on a shared machine; latency and req/s are the medians of
the rounds. ``--write`` replaces the section between the ``compare`` markers of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.compare_queries import PG_DEEP_CURSOR, Query, queries, rows_in
from bench.feed import cpu_seconds
from bench.queries import inputs
from bench.run import machine
from tests.server import Server, jiqun_command, running_process

ROOT = Path(__file__).resolve().parent.parent
POSTGRAPHILE = ROOT / "bench" / "postgraphile"
PG_LOG = Path("/var/log/postgresql/postgresql-15-main.log")
DATABASE = "jiqun_bench_pg"
ADMIN = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
SERVERS = ("jiqun", "postgraphile", "floor")
CONCURRENCIES = (1, 16)
JIQUN_ENV = {
    "JIQUN_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
    "JIQUN_MAX_CONNECTIONS_PER_ADDRESS": "0",
    "JIQUN_RESPONSE_CACHE_ENTRIES": "0",
}
MARK_START, MARK_END = "<!-- compare:start -->", "<!-- compare:end -->"


def _psql(sql: str, database: str = "test") -> str:
    run = subprocess.run([*ADMIN, "-d", database, "-tAc", sql], check=True, capture_output=True, text=True)
    return run.stdout.strip()


def prepare(scale: float) -> str:
    """The benchmark database, filled by ``jiqun demo`` unless it already holds agencies."""
    url = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
    if not _psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"):
        _psql(f'CREATE DATABASE "{DATABASE}"')
    filled = (
        _psql("SELECT to_regclass('agencies') IS NOT NULL", DATABASE) == "t"
        and _psql("SELECT count(*) > 0 FROM agencies", DATABASE) == "t"
    )
    if not filled:
        print(f"filling {DATABASE} with jiqun demo --scale {scale:g}", flush=True)
        env = {**os.environ, "JIQUN_DATABASE_URL": url}
        subprocess.run([*jiqun_command(), "demo", "--scale", str(scale)], check=True, env=env, cwd="/tmp")
    subprocess.run([*ADMIN, "-d", DATABASE, "-f", str(POSTGRAPHILE / "functions.sql")], check=True)
    print("npm ci (PostGraphile)", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], check=True, cwd=POSTGRAPHILE, capture_output=True)
    return url


def _commands() -> dict[str, Callable[[int], Sequence[str]]]:
    url = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    uvicorn = [sys.executable, "-m", "uvicorn", "bench.floor:create_app", "--factory", "--no-access-log"]
    return {
        "jiqun": lambda port: [*jiqun_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        "floor": lambda port: [*uvicorn, "--host", "127.0.0.1", "--port", str(port)],
        "postgraphile": lambda port: [
            str(POSTGRAPHILE / "node_modules" / ".bin" / "postgraphile"),
            *("-c", url, "-s", "public,bench_postgraphile", "--host", "127.0.0.1", "--port", str(port)),
            *("--disable-query-log", "--disable-default-mutations"),
        ],
    }


@contextlib.contextmanager
def servers(url: str) -> Iterator[dict[str, Server]]:
    env = {**JIQUN_ENV, "PYTHONPATH": str(ROOT)}
    with contextlib.ExitStack() as stack:
        yield {
            name: stack.enter_context(running_process(command, url, env=env, require_healthy=name != "postgraphile"))
            for name, command in _commands().items()
        }


def request_spec(name: str, server: Server, query: Query) -> dict[str, Any]:
    if name == "floor":
        return {"url": server.base_url + query.floor_path, "method": "GET", "params": query.floor_params}
    body = query.jiqun if name == "jiqun" else query.postgraphile
    return {"url": server.graphql_url, "method": "POST", "body": body}


def _send(client: httpx.Client, spec: dict[str, Any]) -> httpx.Response:
    if spec["method"] == "GET":
        return client.get(spec["url"], params=spec["params"])
    return client.post(spec["url"], json=spec["body"])


def check_answers(running: dict[str, Server], chosen: list[Query]) -> dict[str, int]:
    """The floor's bytes equal jiqun's; PostGraphile's answer holds as many rows. Rows per query."""
    rows: dict[str, int] = {}
    with httpx.Client(timeout=60) as client:
        for query in chosen:
            answers = {n: _send(client, request_spec(n, running[n], query)) for n in SERVERS}
            for name, answer in answers.items():
                if answer.status_code != 200 or answer.json().get("errors"):
                    raise RuntimeError(f"{name} failed {query.name}: {answer.text[:500]}")
            # jiqun's answer ends with `extensions` (cost, request id): the `data` before it must match.
            floor, jiqun = answers["floor"].content, answers["jiqun"].content.split(b',"extensions":', 1)[0] + b"}"
            if floor != jiqun:
                at = next((k for k, (a, b) in enumerate(zip(floor, jiqun, strict=False)) if a != b), len(floor))
                raise RuntimeError(
                    f"the floor's answer to {query.name} is not jiqun's from byte {at}:\n"
                    f"floor: {floor[max(0, at - 200) : at + 200]!r}\njiqun: {jiqun[max(0, at - 200) : at + 200]!r}"
                )
            counted = {n: rows_in(a.json()["data"]) for n, a in answers.items()}
            if counted["postgraphile"] != counted["jiqun"]:
                pg, jq = counted["postgraphile"], counted["jiqun"]
                print(f"  note: {query.name}: PostGraphile returns {pg} objects, jiqun {jq}")
            rows[query.name] = counted["jiqun"]
    return rows


def count_statements(url: str, chosen: list[Query], per: int = 10) -> dict[tuple[str, str], float]:
    """Statements per request, from the PostgreSQL log with ``log_statement = all`` on this database."""
    _psql(f"ALTER DATABASE {DATABASE} SET log_statement = 'all'")
    counts: dict[tuple[str, str], float] = {}
    try:
        with servers(url) as running, httpx.Client(timeout=60) as client:
            for query in chosen:
                for name in SERVERS:
                    spec = request_spec(name, running[name], query)
                    for _ in range(3):
                        _send(client, spec)  # warm: connections opened, statements prepared
                    time.sleep(0.3)
                    start = PG_LOG.stat().st_size
                    for _ in range(per):
                        _send(client, spec)
                    time.sleep(0.5)
                    with PG_LOG.open("rb") as log:
                        log.seek(start)
                        lines = log.read().decode(errors="replace").splitlines()
                    tag = f"@{DATABASE} "
                    kinds = ("LOG:  statement:", "LOG:  execute")
                    n = sum(1 for line in lines if tag in line and any(k in line for k in kinds))
                    counts[(query.name, name)] = n / per
    finally:
        _psql(f"ALTER DATABASE {DATABASE} RESET log_statement")
    return counts


def _load(spec: dict[str, Any]) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(spec)], check=True, capture_output=True, text=True, cwd=ROOT
    )
    result: dict[str, Any] = json.loads(run.stdout)
    return result


def measure(url: str, chosen: list[Query], rounds: int, requests: int) -> dict[str, Any]:
    """Interleaved rounds; per (query, server, concurrency) one sample per round."""
    samples: dict[str, list[dict[str, Any]]] = {}
    with servers(url) as running:
        for r in range(rounds):
            order = SERVERS[r % 3 :] + SERVERS[: r % 3]
            print(f"round {r + 1}/{rounds} ({', '.join(order)})", flush=True)
            for query in chosen:
                for concurrency in CONCURRENCIES:
                    for name in order:
                        warmup = 10
                        n = requests if concurrency == 1 else 2 * requests
                        spec = {**request_spec(name, running[name], query), "concurrency": concurrency}
                        spec |= {"requests": n, "warmup": warmup}
                        pid = running[name].process.pid
                        before = cpu_seconds(pid)
                        result = _load(spec)
                        result["cpu_ms"] = (cpu_seconds(pid) - before) * 1000 / (n + warmup)
                        if result["errors"]:
                            raise RuntimeError(f"{name} {query.name}: {result['first_error']}")
                        samples.setdefault(f"{query.name}|{name}|{concurrency}", []).append(result)
    return samples


def summary(samples: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for key, runs in samples.items():
        cpu = [s["cpu_ms"] for s in runs]
        out[key] = {
            "cpu_ms": statistics.median(cpu),
            "cpu_spread": (max(cpu) - min(cpu)) / statistics.median(cpu) if min(cpu) > 0 else float("nan"),
            "p50_ms": statistics.median(s["p50_ms"] for s in runs),
            "p99_ms": statistics.median(s["p99_ms"] for s in runs),
            "rps": statistics.median(s["rps"] for s in runs),
        }
    return out


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def markdown(info: dict[str, Any]) -> str:
    s, stmts, chosen = info["summary"], info["statements"], info["queries"]
    lines = [
        MARK_START,
        "## jiqun, PostGraphile 4 and the asyncpg floor on one database",
        "",
        f"Produced by `python -m bench.compare --scale {info['scale']:g} --rounds {info['rounds']} --requests "
        f"{info['requests']} --write` on {info['date']} (commit `{info['commit']}`); every figure in this section "
        "comes from that one run. One server process each on the same PostgreSQL database "
        f"(`jiqun demo --scale {info['scale']:g}`: {info['data']}): `jiqun serve` with the response cache off "
        "(every answer computed), PostGraphile 4 (`bench/postgraphile`, installed by `npm ci`) and the floor "
        "(`bench/floor.py`: Starlette + asyncpg, hand-written SQL, answers byte-identical to jiqun's, checked "
        "before measuring). Load from `bench/load.py` in its own process; "
        f"{info['rounds']} interleaved rounds (the server order rotates), {info['requests']} requests at "
        f"concurrency 1 and {2 * info['requests']} at 16 per round, after 10 warm-up requests. Figures are "
        "medians over the rounds. CPU = CPU time of the server process (all threads, /proc schedstat) per request "
        "(warm-up included). Machine: "
        f"{info['machine']['CPUs (nproc)']} × {info['machine']['CPU model']}, PostgreSQL "
        f"{info['machine']['PostgreSQL'].split(' ')[0]}, Python {info['machine']['Python']}, shared with other "
        f"work: load average {info['load_before']} before, {info['load_after']} after.",
        "",
    ]
    for q in chosen:
        lines.append(f"- **{q['name']}**: {q['description']} ({q['rows']} objects in the answer)")
    lines += [
        "",
        "### Server CPU per request (ms) and statements per request",
        "",
        "| query | conc. | jiqun | PostGraphile 4 | floor | jiqun ÷ PostGraphile | jiqun ÷ floor | spread over rounds "
        "(jiqun, PG, floor) | statements (jiqun / PG / floor) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for q in chosen:
        for c in CONCURRENCIES:
            j, p, f = (s[f"{q['name']}|{n}|{c}"] for n in ("jiqun", "postgraphile", "floor"))
            spread = ", ".join(f"±{x['cpu_spread'] * 50:.0f} %" for x in (j, p, f))
            st = " / ".join(f"{stmts[q['name']][n]:g}" for n in ("jiqun", "postgraphile", "floor"))
            lines.append(
                f"| {q['name']} | {c} | {j['cpu_ms']:.2f} | {p['cpu_ms']:.2f} | {f['cpu_ms']:.2f} | "
                f"{j['cpu_ms'] / p['cpu_ms']:.2f}× | {j['cpu_ms'] / f['cpu_ms']:.2f}× | {spread} | {st} |"
            )
    lines += [
        "",
        "### Latency and throughput",
        "",
        "| query | conc. | jiqun p50 / p99 ms | jiqun req/s | PostGraphile p50 / p99 ms | PostGraphile req/s | "
        "floor p50 / p99 ms | floor req/s | jiqun req/s ÷ PostGraphile req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for q in chosen:
        for c in CONCURRENCIES:
            cells = []
            for n in ("jiqun", "postgraphile", "floor"):
                x = s[f"{q['name']}|{n}|{c}"]
                cells += [f"{x['p50_ms']:.1f} / {x['p99_ms']:.1f}", f"{x['rps']:.0f}"]
            ratio = s[f"{q['name']}|jiqun|{c}"]["rps"] / s[f"{q['name']}|postgraphile|{c}"]["rps"]
            lines.append(f"| {q['name']} | {c} | {' | '.join(cells)} | {ratio:.2f} |")
    lines += ["", MARK_END]
    return "\n".join(lines)


def write_section(text: str, path: Path = ROOT / "bench" / "RESULTS.md") -> None:
    """Replace this benchmark's section of RESULTS.md (between its markers), or add it at the end."""
    current = path.read_text()
    if MARK_START in current and MARK_END in current:
        head, rest = current.split(MARK_START, 1)
        tail = rest.split(MARK_END, 1)[1]
        path.write_text(head + text + tail)
    else:
        path.write_text(f"{current.rstrip()}\n\n{text}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100, help="per round at concurrency 1 (twice at 16)")
    parser.add_argument("--only", default="", help="comma-separated query names (default: all)")
    parser.add_argument("--write", action="store_true", help="write the section of bench/RESULTS.md")
    parser.add_argument("--render", action="store_true", help="only write the section from RESULTS_compare.json")
    args = parser.parse_args()
    if args.render:
        write_section(markdown(json.loads((ROOT / "bench" / "RESULTS_compare.json").read_text())))
        return
    url = prepare(args.scale)
    i = inputs(url)
    load_before = _loadavg()
    with servers(url) as running, httpx.Client(timeout=60) as client:
        body = {"query": PG_DEEP_CURSOR, "variables": {"offset": i["deep_row"] - 1}}
        deep = client.post(running["postgraphile"].graphql_url, json=body).json()
        cursor = deep["data"]["allEnterprises"]["edges"][0]["cursor"]
        chosen = [q for q in queries(i, cursor) if not args.only or q.name in args.only.split(",")]
        rows = check_answers(running, chosen)
    print("answers checked; counting statements", flush=True)
    counted = count_statements(url, chosen)
    samples = measure(url, chosen, args.rounds, args.requests)
    info = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip(),
        "scale": args.scale,
        "rounds": args.rounds,
        "requests": args.requests,
        "data": f"{i['enterprises']:,} enterprises",
        "machine": machine(),
        "load_before": load_before,
        "load_after": _loadavg(),
        "queries": [{"name": q.name, "description": q.description, "rows": rows[q.name]} for q in chosen],
        "statements": {q.name: {n: counted[(q.name, n)] for n in SERVERS} for q in chosen},
        "summary": summary(samples),
        "samples": samples,
    }
    (ROOT / "bench" / "RESULTS_compare.json").write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n")
    text = markdown(info)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
