"""Enterprise registrations through GraphQL as a regulator, in its own process.

    python -m bench.writes '<json spec>'

Each request registers a new enterprise (fresh USCC) at one of the given published addresses with room,
taking its industry code from an enterprise already there, so the rules and the change log run as in
production. Prints a JSON object: registrations accepted, refused (userErrors), failed, per second.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from typing import Any

import httpx

from bench.load import percentile
from domain.validators import uscc_check_character

REGISTER = """mutation($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) { enterprise { id } userErrors { code message } }
}"""


def uscc(serial: int) -> str:
    first17 = f"91110115{serial:09d}"
    return first17 + uscc_check_character(first17)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    targets: list[tuple[str, str]] = [tuple(t) for t in spec["targets"]]  # (address global id, industry code)
    serials = itertools.count(int(spec["first_serial"]))
    picks = itertools.cycle(targets)
    headers = {"Authorization": f"Bearer {spec['key']}"}
    accepted, refused, failed = 0, 0, 0
    first_refusal: str | None = None
    latencies: list[float] = []
    remaining = int(spec["requests"])
    async with httpx.AsyncClient(base_url=spec["url"], headers=headers, timeout=60.0) as client:

        async def writer() -> None:
            nonlocal remaining, accepted, refused, failed, first_refusal
            while remaining > 0:
                remaining -= 1
                address, industry = next(picks)
                serial = next(serials)
                variables = {
                    "input": {
                        "addressId": address,
                        "uscc": uscc(serial),
                        "name": f"北京基准测试科技有限公司{serial}",
                        "kind": "COMPANY",
                        "industryCode": industry,
                    }
                }
                start = time.perf_counter()
                response = await client.post("/graphql", json={"query": REGISTER, "variables": variables})
                latencies.append(time.perf_counter() - start)
                body = response.json() if response.status_code == 200 else {}
                payload = (body.get("data") or {}).get("registerEnterprise")
                if payload and payload["enterprise"] and not payload["userErrors"]:
                    accepted += 1
                elif payload:
                    refused += 1
                    first_refusal = first_refusal or json.dumps(payload["userErrors"], ensure_ascii=False)[:300]
                else:
                    failed += 1
                    first_refusal = first_refusal or f"HTTP {response.status_code} {response.text[:300]}"

        start = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(int(spec["concurrency"]))))
        wall = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "accepted": accepted,
        "refused": refused,
        "failed": failed,
        "first_refusal": first_refusal,
        "per_s": accepted / wall,
        "p50_ms": percentile(ordered, 50) * 1000,
        "p99_ms": percentile(ordered, 99) * 1000,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(json.loads(sys.argv[1])))))
