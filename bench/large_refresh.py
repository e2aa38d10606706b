"""`make bench` (third part): refreshing an invoice with a million usage events in its period.

The refresh aggregates usage in the database (db/usage_aggregation.py: one grouped statement per
invoice), so its time must not be a walk over the events in Python. This seeds a throwaway PostgreSQL
cluster with `invoicegraph generate` + `invoicegraph import` (one platform, a few invoices), picks a
draft invoice whose period has usage, and adds `--events` copies (1,000,000; `--quick`: 100,000) of one
of its events with `INSERT … SELECT generate_series` (the importer's own speed is the second part's
measure, not this one's), then ANALYZE. One `invoicegraph serve` process (pinned to the server core)
answers `POST /v1/invoices/{id}/refresh` with `types: [FULL]`, first once to take the new usage in,
then `--repeats` times, each re-rating the whole period; it reports the median and the largest
wall time, and the invoice's `staleSources` read (the late-usage marker over the same events).

Target: a FULL refresh under 1 s on PostgreSQL. Writes bench/large_refresh.json and prints the verdict.
"""

# A command-line tool that starts local processes and prints its report.
# ruff: noqa: T201

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import API_KEY, CLI, SEED, Request, call, pin_postgres, run, server_env, start_server  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402

TARGET_SECONDS = 1.0
HEADERS = {"Content-Type": "application/json", "X-API-KEY": API_KEY}
# A draft invoice of the generated data with usage in its period, and the event to copy.
PICK = """
SELECT i.id, e.reference
FROM invoice i JOIN usage_event e ON e.platform_id = i.platform_id AND e.customer_id = i.customer_id
WHERE i.status = 'DRAFT'
ORDER BY i.id, e.reference
LIMIT 1
"""
COPY = """
INSERT INTO usage_event (platform_id, reference, customer_id, meter_value_id, timestamp, value, properties, received_at)
SELECT platform_id, reference || '-copy-' || n, customer_id, meter_value_id, timestamp, value, properties, now()
FROM usage_event CROSS JOIN generate_series(1, {count}) AS n
WHERE reference = '{reference}'
"""
STALE = '{{"query":"{{ invoice(id: \\"{id}\\") {{ staleSources }} }}"}}'


def timed(port: int, request: Request) -> tuple[float, bytes]:
    started = time.perf_counter()
    status, payload = call(port, request, timeout=120)
    seconds = time.perf_counter() - started
    if status != 200 or b'"errors"' in payload[:20]:
        raise SystemExit(f"{request.method} {request.path}: {status} {payload[:300]!r}")
    return seconds, payload


def main() -> None:
    parser = argparse.ArgumentParser(description="A FULL refresh over a million usage events (bench/large_refresh.py).")
    parser.add_argument("--quick", action="store_true", help="100,000 events instead of 1,000,000.")
    parser.add_argument("--events", type=int, help="Events to add to the invoice's period (default 1,000,000; --quick 100,000).")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "large_refresh.json")
    args = parser.parse_args()
    count = args.events or (100_000 if args.quick else 1_000_000)
    work = Path(tempfile.mkdtemp(prefix="invoicegraph-large-refresh-"))
    cluster = PostgresCluster.start()
    server = None
    try:
        pin_postgres(cluster)
        cluster.psql("CREATE DATABASE large_refresh")
        env = server_env(cluster.url("large_refresh"))
        run([CLI, "migrate"], env, capture_output=True)
        data = work / "data.json"
        generate = ["generate", "--platforms", "1", "--customers", "5", "--invoices", "20", "--events-per-invoice", "5"]
        run([CLI, *generate, "--seed", str(SEED), "-o", str(data)], env, capture_output=True)
        run([CLI, "import", "--no-progress", str(data)], env, capture_output=True)
        picked = cluster.query(PICK, "large_refresh").split("|")
        invoice_id, reference = picked[0].strip(), picked[1].strip()
        started = time.monotonic()
        cluster.psql(COPY.format(count=int(count), reference=reference.replace("'", "''")), database="large_refresh")
        cluster.psql("ANALYZE usage_event", database="large_refresh")
        seeded = time.monotonic() - started
        server = start_server("large-refresh", env, work)
        refresh = Request("POST", f"/v1/invoices/{invoice_id}/refresh", b'{"types":["FULL"]}', HEADERS)
        first, _ = timed(server.port, refresh)  # takes the added usage in (and writes the new lines)
        seconds = [timed(server.port, refresh)[0] for _ in range(args.repeats)]
        stale = Request("POST", "/graphql", STALE.format(id=invoice_id).encode(), HEADERS)
        stale_seconds, _ = timed(server.port, stale)
    finally:
        if server is not None:
            server.process.terminate()
            server.process.wait(timeout=30)
        cluster.stop()
    median = statistics.median(seconds)
    met = median < TARGET_SECONDS
    result = {
        "events_added": count,
        "invoice": invoice_id,
        "seed_seconds": round(seeded, 1),
        "first_refresh_seconds": round(first, 3),
        "refresh_seconds": [round(s, 3) for s in seconds],
        "refresh_median_seconds": round(median, 3),
        "stale_sources_seconds": round(stale_seconds, 3),
        "target_seconds": TARGET_SECONDS,
        "met": met,
    }
    args.output.write_text(json.dumps(result, indent=2))
    print(
        f"large refresh: {count:,} usage events in the period; FULL refresh median {median:.3f} s, largest {max(seconds):.3f} s "
        f"(first {first:.3f} s); staleSources {stale_seconds:.3f} s"
    )
    print(f"target FULL refresh over {count:,} events < {TARGET_SECONDS:.0f} s on PostgreSQL: {'met' if met else 'NOT met'}")
    print(f"bench: wrote {args.output}")


if __name__ == "__main__":
    main()
