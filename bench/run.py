"""Run the benchmarks and write ``bench/RESULTS.md``.

    python -m bench.run [--scale 50] [--backends sqlite,postgresql] [--requests 400] [--reuse]

For each backend it fills a database with ``jiqun demo --scale N`` (timed; ``--reuse`` keeps a database
filled by an earlier run at the same scale), starts jiqun with the baseline endpoints beside it in one
uvicorn process (bench/baseline.py, with jiqun's own HTTP protocol), checks that each baseline answer
equals the GraphQL answer, then measures every read scenario through GraphQL and through its baseline at
concurrency 1 and 16 with :mod:`bench.load` in a separate process. Every GraphQL answer is computed
(the response cache is off: a repeated request would otherwise measure the cache). Every figure in the
output comes from the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.feed import measure_feed
from bench.opendata_publish import publish, rows_written
from bench.queries import Scenario, scenarios
from domain.db import create_engine, create_sessionmaker
from domain.ids import to_global_id
from domain.keys import create_key
from domain.model import Address, Enterprise
from tests.server import jiqun_command, running_process, running_server

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
WORK = Path("/tmp/jiqun-bench")
FRICTIONLESS = Path(sys.executable).with_name("frictionless")
CONCURRENCIES = (1, 16)
# Load from one address: no rate limit and no connection cap (the feed run holds a thousand subscribers).
SERVER_ENV = {
    "JIQUN_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
    "JIQUN_MAX_CONNECTIONS_PER_ADDRESS": "0",
    "JIQUN_RESPONSE_CACHE_ENTRIES": "0",
    # The server runs in a scratch folder: bench/ is found from the checkout.
    "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
}


def with_baseline(port: int) -> list[str]:
    """jiqun and the baseline endpoints in one server process, served as ``jiqun serve`` serves."""
    app = ["bench.baseline:create_app", "--factory", "--http", "api.connections:GuardedHttpProtocol"]
    return [sys.executable, "-m", "uvicorn", *app, "--port", str(port), "--no-access-log", "--no-proxy-headers"]


def _sh(command: str) -> str:
    try:
        return subprocess.run(command, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine() -> dict[str, str]:
    return {
        "CPUs (nproc)": _sh("nproc"),
        "CPU model": _sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
        "Memory": _sh("free -h | awk '/Mem:/ {print $2}'"),
        "Python": platform.python_version(),
        "PostgreSQL": _sh("psql -h 127.0.0.1 -U postgres -d test -tAc 'SHOW server_version'"),
        "Redis": _sh("redis-server --version | awk '{print $3}'"),
        "OS": platform.platform(),
    }


def database_url(backend: str, scale: float) -> str:
    tag = f"{scale:g}".replace(".", "_")
    if backend == "sqlite":
        return f"sqlite:///{WORK}/demo_s{tag}.db"
    return f"postgresql://postgres@127.0.0.1:5432/jiqun_bench_s{tag}"


def _filled(url: str) -> bool:
    try:
        return count_enterprises(url) > 0
    except Exception:  # a database without the schema or unreachable: generate it afresh
        return False


def prepare(backend: str, scale: float, reuse: bool) -> tuple[str, float | None, str]:
    """A filled database; the generation's wall time and its own summary line, or None when reused."""
    url = database_url(backend, scale)
    WORK.mkdir(parents=True, exist_ok=True)
    record = WORK / f"generation_{backend}_s{scale:g}.json"
    if reuse and _exists(url) and _filled(url):
        if record.exists():  # filled by an earlier run of this harness, which timed it
            e = json.loads(record.read_text())
            return url, None, f"reused; generated on {e['date']} in {e['seconds']:.1f} s: {e['summary']}"
        return url, None, "reused"
    if backend == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        name = url.rsplit("/", 1)[1]
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _psql(f'CREATE DATABASE "{name}"')
    start = time.perf_counter()
    done = subprocess.run(
        [*jiqun_command(), "demo", "--scale", f"{scale:g}"],
        env={**os.environ, "JIQUN_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    )
    took, summary = time.perf_counter() - start, done.stdout.strip().splitlines()[-1]
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    record.write_text(json.dumps({"seconds": took, "summary": summary, "date": date}))
    return url, took, summary


def _psql(sql: str) -> None:
    subprocess.run(["psql", ADMIN_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)


def _exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).exists()
    name = url.rsplit("/", 1)[1]
    out = subprocess.run(
        ["psql", ADMIN_URL, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() == "1"


def count_enterprises(url: str) -> int:
    async def go() -> int:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(select(func.count()).select_from(Enterprise))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _load(spec: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(spec)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(out.stdout)


def _specs(base: str, s: Scenario) -> tuple[dict[str, Any], dict[str, Any]]:
    graphql = {"url": f"{base}/graphql", "method": "POST", "body": {"query": s.query, "variables": s.variables}}
    baseline = {"url": f"{base}{s.baseline_path}", "method": "GET", "params": s.baseline_params}
    return graphql, baseline


def check_equivalence(base: str, s: Scenario) -> None:
    """The baseline must return exactly the data GraphQL returns, or the ratio compares different work."""
    graphql, baseline = _specs(base, s)
    a = httpx.post(graphql["url"], json=graphql["body"], timeout=60).json()
    b = httpx.get(baseline["url"], params=baseline["params"], timeout=60).json()
    if (where := first_difference(a.get("data"), b.get("data"))) is not None:
        raise SystemExit(f"{s.name}: the baseline's answer differs from GraphQL's at {where}")


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """The JSON path of the first place where two decoded bodies differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k} (present on one side only)"
            if (found := first_difference(a[k], b[k], f"{path}.{k}")) is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path} (lengths {len(a)} and {len(b)})"
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            if (found := first_difference(x, y, f"{path}[{n}]")) is not None:
                return found
        return None
    return None if a == b else f"{path}: GraphQL {a!r}, baseline {b!r}"


def measure_reads(url: str, requests: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    chosen, inputs = scenarios(url)
    rows: list[dict[str, Any]] = []
    with running_process(with_baseline, url, env=SERVER_ENV) as server:
        for s in chosen:
            check_equivalence(server.base_url, s)
            graphql, baseline = _specs(server.base_url, s)
            for c in CONCURRENCIES:
                n = requests if c == 1 else requests * 2
                g = _load({**graphql, "concurrency": c, "requests": n})
                b = _load({**baseline, "concurrency": c, "requests": n})
                rows.append({"scenario": s.name, "description": s.description, "concurrency": c, "g": g, "b": b})
                print(f"  {s.name} c={c}: GraphQL {_brief(g)}; baseline {_brief(b)}", flush=True)
    return rows, inputs


WRITERS = (1, 8)


def measure_publisher(url: str) -> dict[str, Any]:
    """The full first release (addresses and notices) of this database, then ``frictionless validate``."""
    with tempfile.TemporaryDirectory(prefix="jiqun-bench-publish-") as tmp:
        out = Path(tmp) / "data"
        seconds, cpu, rss_kib = publish(url, out)
        rows = rows_written(out)
        packages = sorted(out.rglob("datapackage.json"))
        started = time.perf_counter()
        checks = [
            subprocess.run([str(FRICTIONLESS), "validate", str(p)], capture_output=True, text=True) for p in packages
        ]
        validate_s = time.perf_counter() - started
    valid = all(c.returncode == 0 for c in checks)
    result = {
        "rows": rows,
        "seconds": seconds,
        "cpu_s": cpu,
        "rows_per_s": rows / seconds,
        "peak_rss_mib": rss_kib / 1024,
        "packages": [str(p.relative_to(out)) for p in packages],
        "validate_s": validate_s,
        "valid": valid,
    }
    print(f"  publish: {rows:,} rows in {seconds:.1f} s, peak {rss_kib / 1024:.0f} MiB; validate {validate_s:.1f} s")
    return result


async def _write_setup(url: str) -> tuple[str, list[tuple[str, str]]]:
    """A Daxing regulator key, and published Daxing addresses with room with an industry code in use there."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            _, key = await create_key(session, name="benchmark", role="regulator", jurisdiction_code="110115")
            await session.commit()
            rows = (
                await session.execute(
                    select(Address.id, func.min(Enterprise.industry_code))
                    .join(Enterprise, Enterprise.address_id == Address.id)
                    .where(
                        Address.jurisdiction_code == "110115",
                        Address.status == "published",
                        Address.capacity - Address.occupied >= 5,
                    )
                    .group_by(Address.id)
                    .order_by(Address.id)
                    .limit(300)
                )
            ).all()
    finally:
        await engine.dispose()
    return key, [(to_global_id("Address", a), code) for a, code in rows]


def measure_writes(url: str, requests: int) -> list[dict[str, Any]]:
    key, targets = asyncio.run(_write_setup(url))
    base = int(time.time()) % 10**7 * 10
    out = []
    with running_server(url, env={**SERVER_ENV, "JIQUN_RATE_LIMIT_KEY_PER_MINUTE": "100000000"}) as server:
        for n, writers in enumerate(WRITERS):
            spec = {
                "url": server.base_url,
                "key": key,
                "targets": targets[n::2],
                "first_serial": base + n * 10**6,
                "requests": requests * (1 if writers == 1 else 2),
                "concurrency": writers,
            }
            done = subprocess.run(
                [sys.executable, "-m", "bench.writes", json.dumps(spec)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
            result = {"writers": writers, **json.loads(done.stdout)}
            print(
                f"  {writers} writer(s): {result['per_s']:.1f} registrations/s, {result['refused']} refused", flush=True
            )
            out.append(result)
    return out


def writes_table(rows: list[dict[str, Any]]) -> list[str]:
    out = [
        "| writers | accepted | refused (userErrors) | failed | registrations/s | p50 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['writers']} | {r['accepted']} | {r['refused']} | {r['failed']} | {r['per_s']:.1f} "
            f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |"
        )
    if any(r["first_refusal"] for r in rows):
        out += ["", f"First refusal: `{next(r['first_refusal'] for r in rows if r['first_refusal'])}`"]
    return out


def _brief(r: dict[str, Any]) -> str:
    return f"p50 {r['p50_ms']:.1f} ms, {r['rps']:.0f} req/s, {r['errors']} errors"


def reads_table(rows: list[dict[str, Any]]) -> list[str]:
    out = [
        "| scenario | conc. | GraphQL p50 / p95 / p99 ms | GraphQL req/s | baseline p50 / p95 / p99 ms "
        "| baseline req/s | p50 ratio | req/s ratio | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        g, b = r["g"], r["b"]
        out.append(
            f"| {r['scenario']} | {r['concurrency']} | {g['p50_ms']:.1f} / {g['p95_ms']:.1f} / {g['p99_ms']:.1f} "
            f"| {g['rps']:.0f} | {b['p50_ms']:.1f} / {b['p95_ms']:.1f} / {b['p99_ms']:.1f} | {b['rps']:.0f} "
            f"| {g['p50_ms'] / b['p50_ms']:.2f}x | {b['rps'] / g['rps']:.2f}x | {g['errors']} + {b['errors']} |"
        )
    return out


def report(args: argparse.Namespace, results: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `{results['command']}` on {results['date']}; every figure below comes from this one run.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in results["machine"].items()),
        "",
        f"## Data: `jiqun demo --scale {args.scale:g}`",
        "",
        "| backend | generation wall time | generator's summary |",
        "|---|---:|---|",
    ]
    for backend, r in results["backends"].items():
        took = "reused from an earlier run" if r["generation_s"] is None else f"{r['generation_s']:.1f} s"
        lines.append(f"| {backend} | {took} | {r['generation']} |")
    for backend, r in results["backends"].items():
        inputs = r["inputs"]
        lines += [
            "",
            f"## Reads on {backend} ({inputs['enterprises']:,} enterprises)",
            "",
            "One `jiqun serve` process (uvicorn, one worker); load from `bench/load.py` in a separate process "
            f"(httpx, keep-alive), {args.requests} requests at concurrency 1 and {args.requests * 2} at 16, "
            "after 20 warm-up requests. Ratios: GraphQL p50 / baseline p50 and baseline req/s / GraphQL req/s "
            "(above 1 means GraphQL is slower). Before measuring, each baseline answer was checked equal to the "
            "GraphQL answer.",
            "",
            *(f"- **{s}**: {d}" for s, d in r["descriptions"].items()),
            "",
            *reads_table(r["reads"]),
        ]
    if "writes" in results:
        lines += [
            "",
            "## Enterprise registrations on postgresql",
            "",
            "`registerEnterprise` through GraphQL with a Daxing regulator key on the same database, after the reads: "
            "rules, change log and counters as in production; each writer sends its next request when the last "
            "is answered.",
            "",
            *writes_table(results["writes"]),
        ]
    if "publish" in results:
        p = results["publish"]
        lines += [
            "",
            "## Publisher on postgresql",
            "",
            "The full first release (`jiqun publish`: approved addresses and public notices) of the same database; "
            "peak memory from `wait4`; then `frictionless validate` on each release's datapackage.json.",
            "",
            "| rows | wall s | CPU s | rows/s | peak RSS MiB | frictionless validate s | valid |",
            "|---:|---:|---:|---:|---:|---:|---|",
            f"| {p['rows']:,} | {p['seconds']:.1f} | {p['cpu_s']:.1f} | {p['rows_per_s']:.0f} | "
            f"{p['peak_rss_mib']:.0f} | {p['validate_s']:.1f} | {p['valid']} |",
        ]
    if results.get("failures"):
        lines += ["", "## Failed measurements", "", *(f"- {f}" for f in results["failures"])]
    if results.get("feed"):
        lines += [
            "",
            "## Change feed",
            "",
            "A fresh PostgreSQL database; anonymous subscribers over graphql-transport-ws (`websockets`) from "
            "4 client processes, spread evenly over the servers; 20 notices created through GraphQL on the "
            "first server, 0.5 s apart; latency = receive time minus the change's `occurred_at`. With two "
            "servers the wake-ups cross through Redis; the poll interval is 30 s, so deliveries are by wake-up.",
            "",
            "| servers | subscribers | deliveries / expected | p50 ms | p99 ms | max ms | peak RSS MiB per server |",
            "|---:|---:|---:|---:|---:|---:|---|",
            *(
                f"| {f['servers']} | {f['subscribers']} | {f['deliveries']:,} / {f['expected_deliveries']:,} "
                f"| {f['p50_ms']:.0f} | {f['p99_ms']:.0f} | {f['max_ms']:.0f} "
                f"| {', '.join(f'{r:.0f}' for r in f['peak_rss_mib'])} |"
                for f in results["feed"]
            ),
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=50.0, help="jiqun demo --scale (50: 1,000,000 enterprises)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=400, help="requests per measurement at concurrency 1")
    parser.add_argument("--reuse", action="store_true", help="keep a database filled at this scale by an earlier run")
    parser.add_argument("--writes", type=int, default=300, help="registrations by the single writer (8 writers: 2x)")
    parser.add_argument("--subscribers", type=int, default=1000, help="change-feed subscribers")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="Redis for the two-process feed")
    parser.add_argument("--reads-only", action="store_true", help="skip registrations, publisher and feed")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "command": "python -m bench.run " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "backends": {},
    }
    for backend in args.backends.split(","):
        print(f"{backend}: preparing scale {args.scale:g}", flush=True)
        url, took, summary = prepare(backend, args.scale, args.reuse)
        reads, inputs = measure_reads(url, args.requests)
        descriptions = {r["scenario"]: r["description"] for r in reads}
        results["backends"][backend] = {
            "generation_s": took,
            "generation": summary,
            "reads": reads,
            "inputs": {k: v for k, v in inputs.items() if k in ("enterprises", "district", "industry", "code")},
            "descriptions": descriptions,
        }
    if "postgresql" in results["backends"] and not args.reads_only:
        url = database_url("postgresql", args.scale)
        print("postgresql: enterprise registrations", flush=True)
        results["writes"] = measure_writes(url, args.writes)
        print("postgresql: publisher", flush=True)
        results["publish"] = measure_publisher(url)
        print("change feed", flush=True)
        results["feed"] = []
        for n in (1, 2):
            try:
                results["feed"].append(measure_feed(args.subscribers, n, args.redis_url))
            except Exception as exc:  # a failed measurement is reported as such, the others are kept
                print(f"  feed on {n} server(s) failed: {exc!r}", flush=True)
                results.setdefault("failures", []).append(f"change feed on {n} server(s): {exc!r}")
    args.out.write_text(report(args, results))
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
