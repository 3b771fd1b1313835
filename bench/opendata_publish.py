"""Throughput and peak memory of ``jiqun publish`` as the registry grows.

For each scale it fills a fresh database with bulk inserts (``scale`` x 3,000 published addresses and
3,000 notices, 300 agencies, one or two key industries per address), runs the real ``jiqun publish`` in a
subprocess, takes its peak RSS from ``wait4``, then changes 1% of the addresses and publishes again (the
delta path). Results go to ``bench/opendata_publish.md`` as a Markdown table; memory is judged by the
ratio against the smallest scale, measured in the same run.

    python bench/opendata_publish.py [--scales 1,10] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text, update

from domain.db import create_engine
from domain.model import Address, AddressKeyIndustry, Agency, ChangeLogEntry, Notice
from domain.types import utcnow
from domain.validators import uscc_check_character
from migrations import runner

ADDRESSES, NOTICES, AGENCIES = 3_000, 3_000, 300
INDUSTRIES = ("digital_economy", "modern_finance", "business_services", "technology_services")
BATCH = 2_000


def _uscc(serial: int) -> str:
    first17 = f"91110115{serial:09d}"
    return first17 + uscc_check_character(first17)


async def fill(url: str, scale: int) -> None:
    engine = create_engine(url)
    now, day = utcnow(), dt.date(2026, 3, 2)
    agencies, addresses, notices = AGENCIES * scale, ADDRESSES * scale, NOTICES * scale
    async with engine.begin() as conn:
        for start in range(0, agencies, BATCH):
            await conn.execute(
                insert(Agency),
                [
                    {
                        "id": i + 1,
                        "uscc": _uscc(i + 1),
                        "name": f"北京兴业众创空间管理有限公司第{i + 1}分部",
                        "role": "hosting_agency",
                        "kind": "maker_space",
                        "jurisdiction_code": "110115",
                        "status": "active",
                        "registered_on": day,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(start, min(start + BATCH, agencies))
                ],
            )
        for start in range(0, addresses, BATCH):
            ids = range(start + 1, min(start + BATCH, addresses) + 1)
            await conn.execute(
                insert(Address),
                [
                    {
                        "id": i,
                        "code": f"110115-{i:06d}",
                        "jurisdiction_code": "110115",
                        "agency_id": i % agencies + 1,
                        "kind": "cluster_registration",
                        "address_text": f"北京市大兴区兴华大街二段{i}号",
                        "building": f"{i % 9 + 1}号楼",
                        "room": str(100 + i % 700),
                        "latitude": 39.7 + (i % 1000) / 10_000,
                        "longitude": 116.3 + (i % 997) / 10_000,
                        "premises_basis": "title_deed",
                        "tenure": "owned",
                        "residential": False,
                        "planning_approved": True,
                        "lawful_and_safe": True,
                        "standardised": True,
                        "capacity": 50,
                        "occupied": i % 50,
                        "status": "published",
                        "status_changed_on": day,
                        "published_on": day,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            await conn.execute(
                insert(AddressKeyIndustry),
                [{"address_id": i, "industry": INDUSTRIES[i % 4]} for i in ids]
                + [{"address_id": i, "industry": INDUSTRIES[(i + 1) % 4]} for i in ids if i % 2],
            )
        for start in range(0, notices, BATCH):
            await conn.execute(
                insert(Notice),
                [
                    {
                        "id": i,
                        "kind": "address_published",
                        "jurisdiction_code": "110115",
                        "subject_kind": "Address",
                        "subject_id": i % addresses + 1,
                        "title": f"集群注册地址公示：北京市大兴区兴华大街二段{i}号",
                        "title_en": f"Cluster-registration address published: No. {i}",
                        "body": f"经审核，北京市大兴区兴华大街二段{i}号准予作为集群注册地址，现予公示。" * 3,
                        "body_en": f"No. {i} has been approved as a cluster-registration address. " * 3,
                        "legal_basis": "大兴区集群登记管理措施 第七条 (DX Art.7)",
                        "published_on": day,
                        "deadline_on": day + dt.timedelta(days=7),
                        "deadline_estimated": False,
                        "status": "published",
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(start + 1, min(start + BATCH, notices) + 1)
                ],
            )
        await _log_change(conn, 1, now)
    await engine.dispose()


async def _log_change(conn: object, seq: int, now: dt.datetime) -> None:
    await conn.execute(  # type: ignore[attr-defined]
        insert(ChangeLogEntry),
        [
            {
                "seq": seq,
                "occurred_at": now,
                "type": "bench.filled",
                "entity_kind": "Address",
                "entity_id": "bench",
                "actor": "bench",
                "changed_fields": [],
                "projection": None,
            }
        ],
    )
    await conn.execute(text("UPDATE change_log_counter SET last_seq = :s"), {"s": seq})  # type: ignore[attr-defined]


async def change_one_percent(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(update(Address).where(Address.id % 100 == 0).values(status="suspended", updated_at=utcnow()))
        await _log_change(conn, 2, utcnow())
    await engine.dispose()


def publish(url: str, out: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of one ``jiqun publish`` process. CPU time is the
    throughput figure that holds on a busy machine; wall time also counts waiting for the CPU and disk."""
    jiqun = str(Path(sys.executable).with_name("jiqun"))
    env = {**os.environ, "JIQUN_DATABASE_URL": url}
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen([jiqun, "publish", "--out", str(out)], env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read()
    if status != 0:
        raise RuntimeError(f"jiqun publish failed:\n{output}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def rows_written(out: Path) -> int:
    total = 0
    for package in ("approved-addresses", "public-notices"):
        history = json.loads((out / package / "releases.json").read_text(encoding="utf-8"))
        total += sum(r["rows"] for r in history["releases"][0]["resources"].values())
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a database per scale is created on it")
    parser.add_argument("--output", type=Path, help="default: bench/opendata_publish_<backend>.md")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="jiqun-bench-") as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            if args.database_url:
                name = f"jiqun_bench_{os.getpid()}_{scale}"
                subprocess.run(["psql", args.database_url, "-qc", f'CREATE DATABASE "{name}"'], check=True)
                url = args.database_url.rsplit("/", 1)[0] + f"/{name}"
            else:
                url = f"sqlite+aiosqlite:///{tmp}/bench{scale}.db"
            runner.upgrade(url)
            asyncio.run(fill(url, scale))
            out = Path(tmp) / f"out{scale}"
            first = publish(url, out)
            rows = rows_written(out)
            asyncio.run(change_one_percent(url))
            second = publish(url, out)
            results.append((scale, rows, first, second))
            print(
                f"scale {scale}: {rows:,} rows; {first[1]:.1f} CPU s, {first[2] / 1024:.0f} MiB; again {second[1]:.1f}"
            )
            if args.database_url:
                subprocess.run(["psql", args.database_url, "-qc", f'DROP DATABASE "{name}" WITH (FORCE)'], check=True)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    output = args.output or Path(__file__).with_name(f"opendata_publish_{backend.lower()}.md")
    base_rss = results[0][2][2]
    lines = [
        f"# jiqun publish — {backend}",
        "",
        f"`python bench/opendata_publish.py --scales {args.scales}`; scale 1 = {ADDRESSES:,} published addresses, "
        f"{NOTICES:,} notices, {AGENCIES} agencies. Rows = data rows written across both packages. "
        "The second publish follows a change to 1% of the addresses (delta path).",
        "",
        "| scale | rows | CPU s | rows per CPU s | wall s | peak RSS MiB | RSS vs scale 1 "
        "| 2nd publish CPU s | 2nd peak RSS MiB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scale, rows, (wall1, cpu1, rss1), (_, cpu2, rss2) in results:
        lines.append(
            f"| {scale} | {rows:,} | {cpu1:.1f} | {rows / cpu1:,.0f} | {wall1:.1f} | {rss1 / 1024:.0f} | "
            f"{rss1 / base_rss:.2f}x | {cpu2:.1f} | {rss2 / 1024:.0f} |"
        )
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(output.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
