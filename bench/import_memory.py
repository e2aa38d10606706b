"""`make bench` (second part): importing a million usage events with flat memory.

The importer streams (ijson, two passes, bounded batches), so its peak memory must not grow with the
file. This imports two generated files into a throwaway PostgreSQL cluster, one four times the size
of the other (1,000,000 and 250,000 events; `--quick`: 80,000 and 20,000), each with a fresh
`invoicegraph import` process under GNU time, and compares their peak RSS. Writes
bench/import.json and prints a line per size and the verdict.

Flat means: the large file's peak RSS exceeds the small one's by less than `FLAT_MB` (the events
grow fourfold; a loader that held them would grow by hundreds of MB).
"""

# A command-line tool that starts local processes and prints its report.
# ruff: noqa: T201, S603

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.postgres import PostgresCluster  # noqa: E402

BIN = Path(sys.executable).parent
CLI = str(BIN / "invoicegraph")
FLAT_MB = 32
EVENTS_PER_INVOICE = 100


def measure(cluster: PostgresCluster, work: Path, events: int, name: str) -> dict[str, Any]:
    invoices = events // EVENTS_PER_INVOICE
    data = work / f"{name}.json"
    env = {**os.environ, "INVOICEGRAPH_LOG_LEVEL": "WARNING"}
    started = time.monotonic()
    subprocess.run(
        [CLI, "generate", "--platforms", "2", "--customers", str(max(10, invoices // 10)), "--invoices", str(invoices),
         "--events-per-invoice", str(EVENTS_PER_INVOICE), "--seed", "7", "-o", str(data)],
        check=True, env=env,
    )  # fmt: skip
    generated = time.monotonic() - started
    cluster.psql(f"CREATE DATABASE {name}")
    url = cluster.url(name)
    subprocess.run([CLI, "migrate"], check=True, env={**env, "INVOICEGRAPH_DATABASE_URL": url}, capture_output=True)
    report = work / f"{name}.time"
    started = time.monotonic()
    subprocess.run(
        ["/usr/bin/time", "-f", "%M", "-o", str(report), CLI, "import", "--no-progress", str(data)],
        check=True,
        env={**env, "INVOICEGRAPH_DATABASE_URL": url},
        capture_output=True,
    )
    seconds = time.monotonic() - started
    peak_kb = int(report.read_text().strip().splitlines()[-1])
    stored = cluster.query("SELECT count(*) FROM usage_event", name)
    return {
        "events": events,
        "events_stored": int(stored),
        "invoices": invoices,
        "file_mb": round(data.stat().st_size / 2**20, 1),
        "generate_seconds": round(generated, 1),
        "import_seconds": round(seconds, 1),
        "events_per_second": round(events / seconds),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Import memory: peak RSS of two file sizes (bench/import_memory.py).")
    parser.add_argument("--quick", action="store_true", help="80,000 and 20,000 events instead of 1,000,000 and 250,000.")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "import.json")
    args = parser.parse_args()
    large = 80_000 if args.quick else 1_000_000
    sizes = {"small": large // 4, "large": large}
    work = Path(tempfile.mkdtemp(prefix="invoicegraph-import-"))
    cluster = PostgresCluster.start()
    try:
        results = {name: measure(cluster, work, events, f"import_{name}") for name, events in sizes.items()}
    finally:
        cluster.stop()
        for path in work.iterdir():
            path.unlink()
        work.rmdir()
    growth = results["large"]["peak_rss_mb"] - results["small"]["peak_rss_mb"]
    for name, result in results.items():
        print(
            f"import {name}: {result['events']:,} events ({result['file_mb']} MB file) in {result['import_seconds']} s, "
            f"{result['events_per_second']:,} events/s, peak RSS {result['peak_rss_mb']} MB"
        )
        if result["events_stored"] != result["events"]:
            raise SystemExit(f"import {name}: {result['events_stored']} events stored, {result['events']} in the file")
    flat = growth < FLAT_MB
    print(f"target import memory flat: peak RSS grows {growth:.1f} MB for 4x the events (< {FLAT_MB} MB): {'met' if flat else 'NOT met'}")
    args.output.write_text(json.dumps({"sizes": results, "growth_mb": round(growth, 1), "flat": flat, "bound_mb": FLAT_MB}, indent=2))
    print(f"bench: wrote {args.output}")


if __name__ == "__main__":
    main()
