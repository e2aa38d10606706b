"""Fairness under abuse: one tenant's heavy queries against another tenant's latency, and the memory they leave.

    make fairness                                  # about 3 minutes
    make fairness FAIRNESS_ARGS="--load-seconds 60"

Not a test: it measures. A throwaway PostgreSQL cluster is seeded with `invoicegraph generate` (two
platforms) and each platform gets an API key of its own. One `invoicegraph serve` process is pinned to
core 1; the clients and PostgreSQL share core 0. Then:

1. **B idle**: tenant B asks for one invoice (a typical frontend query), one request at a time, and
   its latencies are recorded (p50, p99);
2. **A heavy**: tenant A sends legal but heavy queries (`invoices(first: 100)` with every invoice field
   and nested page: within every GraphQL limit) from `--heavy-concurrency` connections (32) in a loop,
   while B is measured again the same way; A's answers are counted by status (200, 429, 503 …);
3. **after**: A stops; the server's resident memory (`VmRSS` in /proc/<pid>/status) is read until it is
   back within `--memory-slack-mb` of its level before the load (or `--settle-seconds` pass).

The target (the issue): B's p99 under A's load stays under 10× B's idle p99 while A is being limited,
and memory returns to its baseline. Writes bench/fairness.json and prints a summary. `--server-pythonpath`
runs the server from another source tree (an exported older commit), to measure the "before".
"""

# A command-line tool that starts and drives local processes and prints its report.
# ruff: noqa: T201, S603, S607

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import CLI, CLIENT_CORE, SEED, full_document, pin_postgres, run, start_server  # noqa: E402
from bench.soak import rss_mb  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402

PLATFORMS = ("plat_gen0", "plat_gen1")  # tenant A, tenant B (demo/generate.py names them)
PROBE = """query Probe($id: ID!) {
  invoice(id: $id) { id status invoiceNumber invoiceAmountIncludingTax { quantity currency } customer { reference } }
}"""


def heavy_document() -> str:
    """A hundred invoices with every field to depth 3 and, per invoice, its customer's first 20 invoices."""
    page = "invoices(first: 20) { edges { node { id status invoiceNumber invoiceAmountIncludingTax { quantity currency } } } }"
    return (
        "query Heavy {\n  invoices(first: 100) {\n    edges { node {\n"
        + full_document(3, skip=("refreshHistory", "customer"))
        + f"\n      customer {{ id reference {page} }}\n    }} }}\n  }}\n}}"
    )


def api_key(env: dict[str, str], platform: str) -> str:
    created = run(
        [CLI, "api-keys", "create", "--name", platform, "--platform", platform, "--permission", "READ_ONLY"], env, capture_output=True
    )
    return next(line.split()[1] for line in created.stdout.decode().splitlines() if line.startswith("key:"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def probe(client: httpx.AsyncClient, key: str, ids: list[str], seconds: float) -> dict[str, Any]:
    """Tenant B: one request at a time for `seconds`; latencies of the answers that were 200 without errors."""
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    index = 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        response = await client.post(
            "/graphql", json={"query": PROBE, "variables": {"id": ids[index % len(ids)]}}, headers={"X-API-KEY": key}, timeout=120
        )
        elapsed = time.perf_counter() - started
        index += 1
        ok = response.status_code == 200 and b'"errors"' not in response.content
        statuses[str(response.status_code) if ok or response.status_code != 200 else "200 with errors"] += 1
        if ok:
            latencies.append(elapsed * 1000)
        await asyncio.sleep(0.01)  # a frontend's pace, not a benchmark's
    return {
        "requests": index,
        "statuses": dict(statuses),
        "p50_ms": round(percentile(latencies, 0.50), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
    }


async def flood(client: httpx.AsyncClient, key: str, document: str, stop: asyncio.Event, statuses: Counter[str]) -> None:
    """Tenant A: one heavy query after another on one connection until `stop`; every answer counted."""
    body = {"query": document}
    while not stop.is_set():
        try:
            response = await client.post("/graphql", json=body, headers={"X-API-KEY": key}, timeout=120)
        except httpx.HTTPError as error:
            statuses[type(error).__name__] += 1
            continue
        statuses[str(response.status_code)] += 1
        if response.status_code == 429:
            # A client that honours Retry-After (as the limits ask), capped so that the load stays on.
            await asyncio.sleep(min(float(response.headers.get("retry-after", "1")), 1.0))


async def watch_memory(pid: int, stop: asyncio.Event, samples: list[float]) -> None:
    while not stop.is_set():
        samples.append(rss_mb(pid))
        await asyncio.sleep(0.5)


async def measure(port: int, keys: tuple[str, str], ids: list[str], args: argparse.Namespace, pid: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=args.heavy_concurrency + 4, max_keepalive_connections=args.heavy_concurrency + 4)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits) as client:
        await probe(client, keys[1], ids, 3)  # warm-up: caches, pools, the allocator
        heavy = heavy_document()
        first = await client.post("/graphql", json={"query": heavy}, headers={"X-API-KEY": keys[0]}, timeout=120)
        if first.status_code != 200 or b'"errors"' in first.content:
            raise SystemExit(f"the heavy query is refused: {first.status_code} {first.content[:400]!r}")
        heavy_bytes = len(first.content)
        await asyncio.sleep(2)
        baseline = rss_mb(pid)
        idle = await probe(client, keys[1], ids, args.probe_seconds)

        stop, statuses, memory = asyncio.Event(), Counter[str](), [baseline]
        load = [asyncio.create_task(flood(client, keys[0], heavy, stop, statuses)) for _ in range(args.heavy_concurrency)]
        watcher = asyncio.create_task(watch_memory(pid, stop, memory))
        await asyncio.sleep(2)  # A's queries are under way before B is measured
        loaded = await probe(client, keys[1], ids, args.load_seconds)
        stop.set()
        await asyncio.gather(*load, watcher)

        settle_started = time.monotonic()
        after = rss_mb(pid)
        while after > baseline + args.memory_slack_mb and time.monotonic() - settle_started < args.settle_seconds:
            await asyncio.sleep(1)
            after = rss_mb(pid)
        return {
            "heavy_answer_bytes": heavy_bytes,
            "b_idle": idle,
            "b_under_load": loaded,
            "a_statuses": dict(statuses),
            "rss_mb": {
                "baseline": round(baseline, 1),
                "peak": round(max(memory), 1),
                "after": round(after, 1),
                "settle_seconds": round(time.monotonic() - settle_started, 1),
            },
        }


def main() -> None:
    parser = argparse.ArgumentParser(description="One tenant's heavy queries against another's latency (bench/fairness.py).")
    parser.add_argument("--heavy-concurrency", type=int, default=32)
    parser.add_argument("--probe-seconds", type=float, default=20.0, help="How long B is measured when idle.")
    parser.add_argument("--load-seconds", type=float, default=40.0, help="How long B is measured under A's load.")
    parser.add_argument("--settle-seconds", type=float, default=60.0, help="How long to wait for memory to come back.")
    parser.add_argument("--memory-slack-mb", type=float, default=32.0)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--server-pythonpath", type=Path, help="Run the server from this source tree (the 'before').")
    parser.add_argument("--label", default="after")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "fairness.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="invoicegraph-fairness-"))
    logs = ROOT / "bench" / "out"
    logs.mkdir(parents=True, exist_ok=True)
    cluster = PostgresCluster.start()
    server = None
    try:
        pin_postgres(cluster)
        cluster.psql("CREATE DATABASE fairness")
        env = {**os.environ, "INVOICEGRAPH_DATABASE_URL": cluster.url("fairness"), "INVOICEGRAPH_LOG_LEVEL": "WARNING"}
        run([CLI, "migrate"], env, capture_output=True)
        data = work / "data.json"
        generate = ["generate", "--platforms", "2", "--customers", "200", "--invoices", str(args.invoices), "--events-per-invoice", "20"]
        run([CLI, *generate, "--seed", str(SEED), "-o", str(data)], env, capture_output=True)
        run([CLI, "import", "--no-progress", str(data)], env, capture_output=True)
        keys = (api_key(env, PLATFORMS[0]), api_key(env, PLATFORMS[1]))
        server_env = dict(env)
        if args.server_pythonpath is not None:
            server_env["PYTHONPATH"] = str(args.server_pythonpath)
        server = start_server(f"fairness-{args.label}", server_env, logs)
        ids = [f"invo_{i}" for i in range(1, args.invoices, 2)][:50]  # tenant B's (odd invoices: plat_gen1)
        _pin_clients()
        report = {"label": args.label, **asyncio.run(measure(server.port, keys, ids, args, server.process.pid))}
        idle, loaded = report["b_idle"], report["b_under_load"]
        ratio = loaded["p99_ms"] / idle["p99_ms"] if idle["p99_ms"] and loaded["p99_ms"] else None
        report["b_p99_ratio"] = round(ratio, 1) if ratio is not None else None
        report["target_met"] = ratio is not None and ratio < 10 and report["a_statuses"].get("429", 0) > 0
        args.output.write_text(json.dumps(report, indent=2))
        memory = report["rss_mb"]
        print(
            f"fairness ({args.label}): B idle p50 {idle['p50_ms']} ms p99 {idle['p99_ms']} ms; "
            f"under A's {args.heavy_concurrency} heavy queries p50 {loaded['p50_ms']} ms p99 {loaded['p99_ms']} ms "
            f"(×{report['b_p99_ratio']}); B answers {loaded['statuses']}; A answers {report['a_statuses']}; "
            f"RSS {memory['baseline']} → peak {memory['peak']} → {memory['after']} MB after {memory['settle_seconds']} s"
        )
    finally:
        if server is not None and server.process.poll() is None:
            server.process.terminate()
            server.process.wait(timeout=15)
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def _pin_clients() -> None:
    """The clients run on the client core (with PostgreSQL), away from the server's."""
    subprocess.run(["taskset", "-p", "-c", CLIENT_CORE, str(os.getpid())], check=False, capture_output=True)


if __name__ == "__main__":
    main()
