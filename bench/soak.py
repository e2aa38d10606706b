"""Load and soak: sustained mixed reads and refreshes on PostgreSQL, with the server's memory watched.

    make soak                       # 10 minutes
    make soak SOAK_ARGS="--minutes 2"

Not a test: it measures. A throwaway PostgreSQL cluster seeded with `invoicegraph generate` data,
`invoicegraph serve` pinned to one core, wrk on the other driving a fixed mix (full invoice graph,
a 25-invoice list, REST reads, GraphQL and REST refreshes) in one-minute segments for a bounded time.
After each segment the server's resident memory is read. Passes when no request failed (no socket
error, no non-2xx answer, no GraphQL error in a sampled answer) and memory stayed flat: over the
second half of the run it grew by less than --max-growth-mb. The first half is warm-up: caches fill and
the garbage collector's generations settle (seen here: +34 MB in the first 90 s, then flat within
0.1 MB). Writes bench/soak.json.
"""

# ruff: noqa: T201  (a command-line report: printing is its output)
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402  (after the path set-up, like bench/run.py's own imports)
    CLI,
    FULL_INVOICE,
    GET_HEADERS,
    JSON_HEADERS,
    LIST_DOCUMENT,
    SEED,
    Contestant,
    Request,
    call,
    full_document,
    graphql_body,
    lua_script,
    pin_postgres,
    run,
    start_server,
    wrk,
)
from tests.support.postgres import PostgresCluster  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def mix(drafts: list[str]) -> list[Request]:
    """Reads outnumber writes four to one, as frontends read far more than operators refresh."""
    full = "query FullInvoice($id: ID!) {\n  invoice(id: $id) {\n" + full_document(4, skip=("refreshHistory",)) + "\n  }\n}"
    refresh = "mutation Refresh($id: ID!) { refreshInvoice(id: $id) { id version invoiceAmountIncludingTax { quantity currency } } }"
    requests: list[Request] = []
    for index, invoice_id in enumerate(drafts):
        requests += [
            Request("POST", "/graphql", graphql_body(full, {"id": FULL_INVOICE}), JSON_HEADERS),
            Request("POST", "/graphql", graphql_body(LIST_DOCUMENT, {"first": 25}), JSON_HEADERS),
            Request("GET", f"/v1/invoices/{invoice_id}", None, GET_HEADERS),
            Request("GET", "/v1/invoices?limit=25", None, GET_HEADERS),
            Request("POST", "/graphql", graphql_body(refresh, {"id": invoice_id}), JSON_HEADERS)
            if index % 2
            else Request("POST", f"/v1/invoices/{invoice_id}/refresh", b'{"types":["FULL"]}', JSON_HEADERS),
        ]
    return requests


def sample_errors(port: int, requests: list[Request]) -> list[str]:
    """Replays each request of the mix once and reports any failure in the answer itself."""
    problems = []
    for request in requests:
        status, body = call(port, request)
        if status != 200 or (request.path == "/graphql" and b'"errors"' in body):
            problems.append(f"{request.method} {request.path}: {status} {body[:200]!r}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description="Sustained mixed load with memory watched (bench/soak.py docstring).")
    parser.add_argument("--minutes", type=float, default=10.0, help="Total load time (default 10).")
    parser.add_argument("--segment-seconds", type=float, default=60.0, help="Length of one measured segment (default 60).")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--max-growth-mb", type=float, default=25.0, help="Allowed RSS growth after the warm-up segment.")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "soak.json")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make soak does it)")
    work = Path(tempfile.mkdtemp(prefix="invoicegraph-soak-"))
    logs = ROOT / "bench" / "out"
    logs.mkdir(parents=True, exist_ok=True)
    cluster = PostgresCluster.start()
    server = None
    try:
        pin_postgres(cluster)
        cluster.psql("CREATE DATABASE soak")
        env = {
            **os.environ,
            "INVOICEGRAPH_DATABASE_URL": cluster.url("soak"),
            "INVOICEGRAPH_LOG_LEVEL": "WARNING",
            "INVOICEGRAPH_MAX_TOKENS": "100000",
        }
        run([CLI, "migrate"], env, capture_output=True)
        data = work / "data.json"
        run(
            [
                CLI,
                "generate",
                "--platforms",
                "1",
                "--customers",
                "100",
                "--invoices",
                "1000",
                "--events-per-invoice",
                "10",
                "--seed",
                str(SEED),
                "-o",
                str(data),
            ],
            env,
            capture_output=True,
        )
        run([CLI, "import", "--no-progress", str(data)], env, capture_output=True)
        server = start_server("soak", env, logs)
        drafts = [f"invo_{i}" for i in range(2, 1000) if i % 4][:20]
        requests = mix(drafts)
        problems = sample_errors(server.port, requests)
        script = lua_script(Contestant("soak", "tuned", requests), work, None)
        segments: list[dict[str, Any]] = []
        deadline = time.monotonic() + args.minutes * 60
        while time.monotonic() < deadline:
            seconds = min(args.segment_seconds, max(1.0, deadline - time.monotonic()))
            stats = wrk(server, script, seconds, args.connections)
            stats["rss_mb"] = round(rss_mb(server.process.pid), 1)
            segments.append(stats)
            print(
                f"soak: {len(segments):>3}  {stats['rps']:7.1f} req/s  p50 {stats['p50_us'] / 1000:6.1f} ms  "
                f"p99 {stats['p99_us'] / 1000:7.1f} ms  errors {stats['socket_errors'] + stats['non2xx']}  rss {stats['rss_mb']} MB",
                flush=True,
            )
        problems += sample_errors(server.port, requests)
        errors = sum(s["socket_errors"] + s["non2xx"] for s in segments)
        middle = segments[len(segments) // 2]
        growth = segments[-1]["rss_mb"] - middle["rss_mb"]
        total = sum(s["requests"] for s in segments)
        report = {
            "minutes": args.minutes,
            "requests": total,
            "rps": round(total / sum(s["duration_us"] / 1e6 for s in segments), 1),
            "p50_ms_median_segment": sorted(s["p50_us"] for s in segments)[len(segments) // 2] / 1000,
            "p99_ms_worst_segment": max(s["p99_us"] for s in segments) / 1000,
            "errors": errors,
            "answer_problems": problems,
            "rss_mb_first_segment": segments[0]["rss_mb"],
            "rss_mb_after_warmup": middle["rss_mb"],
            "rss_mb_at_end": segments[-1]["rss_mb"],
            "rss_growth_mb": round(growth, 1),
            "max_growth_mb": args.max_growth_mb,
            "segments": segments,
        }
        args.output.write_text(json.dumps(report, indent=2))
        ok = errors == 0 and not problems and growth < args.max_growth_mb
        print(
            f"soak: {total} requests, {report['rps']} req/s, {errors} errors, RSS {report['rss_mb_first_segment']} MB at first, {report['rss_mb_after_warmup']} → {report['rss_mb_at_end']} MB over the second half: {'PASS' if ok else 'FAIL'}"
        )
        if not ok:
            raise SystemExit(1)
    finally:
        if server is not None and server.process.poll() is None:
            server.process.terminate()
            server.process.wait(timeout=15)
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
