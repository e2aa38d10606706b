"""Scaling figures: throughput with 1 and 2 worker processes, on the primary alone and with a read replica.

    .venv/bin/python bench/scaling.py            # about 2 minutes
    .venv/bin/python bench/scaling.py --quick    # about 1 minute

What it does (docs/scaling.md reports the figures):
1. starts a throwaway PostgreSQL primary on loopback, seeds it like `make bench` (`invoicegraph generate`
   + `invoicegraph import`, the drafts refreshed once), then a streaming replica (`pg_basebackup -R`);
2. starts four `invoicegraph serve` processes at once: `--workers 1` and `--workers 2`, each on the
   primary alone and with `INVOICEGRAPH_READ_REPLICA_URLS` naming the replica;
3. per round, per workload, runs wrk (bench/run.py's helper: one thread, 8 connections) against each of
   them in a rotated order: `read` (the full invoice document, bench/run.py's `full`) and `refresh`
   (the refresh mutation over 16 drafts, bench/run.py's `refresh`);
4. counts the transactions each PostgreSQL server ran during each run (pg_stat_database), which shows
   where the reads went;
5. prints medians beside the single-process figure (`x 1 worker`) and writes JSON with `--output`.

Every process shares this machine's cores with wrk and PostgreSQL: the ratios say what a second worker
or a replica buys *here*, not on a larger machine (the report prints the core count).
"""

# A command-line tool that starts and drives local processes and prints its report.
# ruff: noqa: T201

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402  (after the path set-up, like bench/run.py's own imports)
    FULL_INVOICE,
    JSON_HEADERS,
    Contestant,
    Request,
    Server,
    call,
    graphql_body,
    lua_script,
    machine,
    median,
    seed,
    server_env,
    start_server,
    workloads,
    wrk,
)
from tests.support.postgres import PostgresCluster  # noqa: E402

CONFIGS = [  # (name, workers, with the replica)
    ("1 worker", 1, False),
    ("2 workers", 2, False),
    ("1 worker + replica", 1, True),
    ("2 workers + replica", 2, True),
]
BASELINE = "1 worker"


@dataclass
class Config:
    name: str
    workers: int
    replica: bool
    server: Server


def start(name: str, workers: int, env: dict[str, str], logs: Path) -> Server:
    # Not pinned: the point is to let N workers use the machine's cores.
    log_name = f"scaling-{name.replace(' ', '-').replace('+', 'and')}.log"
    return start_server(name, env, logs, workers=workers, pin=False, log_name=log_name)


def transactions(cluster: PostgresCluster) -> int:
    return int(cluster.query("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'bench'") or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description="Throughput with 1 and 2 workers, with and without a read replica.")
    parser.add_argument("--quick", action="store_true", help="Smaller data, 2 rounds of 2 s (about a minute).")
    parser.add_argument("--rounds", type=int, help="Interleaved rounds (default 3; 2 with --quick).")
    parser.add_argument("--seconds", type=float, help="wrk duration per server and round (default 4; 2 with --quick).")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8).")
    parser.add_argument("--output", type=Path, help="Also write the report as JSON here.")
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 3)
    seconds = args.seconds or (2.0 if args.quick else 4.0)
    customers, invoices, events = (60, 600, 5) if args.quick else (200, 2000, 10)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="invoicegraph-scaling-"))
    info = machine()
    print(f"scaling: {info['cpu']}, {info['cores']} cores, load {info['load_average_at_start'][0]:.2f}; work in {work}", flush=True)
    primary = PostgresCluster.start()
    replica: PostgresCluster | None = None
    configs: list[Config] = []
    try:
        primary.psql("CREATE DATABASE bench")
        base_env = server_env(primary.url("bench"))
        seed(base_env, work, customers, invoices, events)
        replica = PostgresCluster.start_replica(primary)
        print(f"scaling: imported {invoices} invoices; replica streaming on port {replica.port}", flush=True)

        replica_env = {**base_env, "INVOICEGRAPH_READ_REPLICA_URLS": json.dumps([replica.url("bench")])}
        for name, workers, with_replica in CONFIGS:
            server = start(name, workers, replica_env if with_replica else base_env, work)
            configs.append(Config(name, workers, with_replica, server))
        first = configs[0].server
        drafts = [f"invo_{i}" for i in range(2, invoices) if i % 4][:16]
        for invoice_id in [FULL_INVOICE, *drafts]:  # the drafts get their lines (the first refresh writes)
            status, payload = call(first.port, Request("POST", f"/v1/invoices/{invoice_id}/refresh", b"{}", JSON_HEADERS))
            if status != 200:
                raise SystemExit(f"refresh of {invoice_id} failed: {status} {payload[:300]!r}")
        replica.wait_for_replay(primary)

        specs = workloads(drafts, 25)
        chosen = {"read": specs["full"], "refresh": specs["refresh"]}
        scripts: dict[str, Path] = {}
        for label, spec in chosen.items():
            requests = [Request("POST", "/graphql", graphql_body(spec["document"], v), JSON_HEADERS) for v in spec["variables"]]
            status, payload = call(first.port, requests[0])
            if status != 200 or b'"errors"' in payload[:20]:
                raise SystemExit(f"{label}: {status} {payload[:300]!r}")
            scripts[label] = lua_script(Contestant(label, "tuned", requests), work, None)
        for config in configs:  # warm-up: pools, caches, lazy imports, the replica's health check
            for script in scripts.values():
                wrk(config.server, script, 1, args.connections)

        results: dict[str, dict[str, list[dict[str, Any]]]] = {w: {c.name: [] for c in configs} for w in scripts}
        for round_index in range(rounds):
            for label, script in scripts.items():
                order = configs[round_index % len(configs) :] + configs[: round_index % len(configs)]
                for config in order:
                    before = (transactions(primary), transactions(replica))
                    stats = wrk(config.server, script, seconds, args.connections)
                    stats["primary_transactions"] = transactions(primary) - before[0]
                    stats["replica_transactions"] = transactions(replica) - before[1]
                    results[label][config.name].append(stats)
                line = "  ".join(f"{c.name} {results[label][c.name][-1]['rps']:.0f}" for c in configs)
                print(f"scaling: round {round_index + 1}/{rounds} {label}: {line} rps", flush=True)

        report = summarize(results, configs)
        report["machine"] = info
        report["config"] = {
            "quick": args.quick,
            "rounds": rounds,
            "seconds": seconds,
            "connections": args.connections,
            "data": {"customers": customers, "invoices": invoices, "events": invoices * events},
            "elapsed_seconds": round(time.monotonic() - started, 1),
        }
        print_table(report)
        if args.output is not None:
            args.output.write_text(json.dumps(report, indent=2) + "\n")
            print(f"scaling: wrote {args.output}")
    finally:
        for config in configs:
            config.server.process.terminate()
        for config in configs:
            try:
                config.server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                config.server.process.kill()
        if replica is not None:
            replica.stop()
        primary.stop()
        shutil.rmtree(work, ignore_errors=True)


def summarize(results: dict[str, dict[str, list[dict[str, Any]]]], configs: list[Config]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, by_config in results.items():
        baseline = by_config[BASELINE]
        rows: dict[str, Any] = {}
        for config in configs:
            runs = by_config[config.name]
            ratios = [r["rps"] / b["rps"] for r, b in zip(runs, baseline, strict=True) if b["rps"]]
            primary = sum(r["primary_transactions"] for r in runs)
            replica = sum(r["replica_transactions"] for r in runs)
            rows[config.name] = {
                "workers": config.workers,
                "replica": config.replica,
                "rps_median": round(median([r["rps"] for r in runs]) or 0, 1),
                "ratio_to_1_worker_median": round(median(ratios) or 0, 2),
                "p50_ms_median": round((median([r["p50_us"] for r in runs]) or 0) / 1000, 1),
                "p99_ms_median": round((median([r["p99_us"] for r in runs]) or 0) / 1000, 1),
                "share_of_transactions_on_replica": round(replica / (primary + replica), 2) if primary + replica else 0.0,
                "non2xx": sum(r["non2xx"] for r in runs),
                "socket_errors": sum(r["socket_errors"] for r in runs),
                "rounds": runs,
            }
        out[label] = rows
    return {"workloads": out}


def print_table(report: dict[str, Any]) -> None:
    header = f"{'workload':<8} {'server':<20} {'rps':>7} {'x 1 worker':>10} {'p50 ms':>7} {'p99 ms':>7} {'on replica':>10} {'errors':>6}"
    print()
    print(header)
    print("-" * len(header))
    for label, rows in report["workloads"].items():
        for name, row in rows.items():
            errors = row["non2xx"] + row["socket_errors"]
            print(
                f"{label:<8} {name:<20} {row['rps_median']:>7.0f} {row['ratio_to_1_worker_median']:>10.2f} {row['p50_ms_median']:>7.1f} "
                f"{row['p99_ms_median']:>7.1f} {row['share_of_transactions_on_replica']:>10.0%} {errors:>6}"
            )
    print(f"\n{report['machine']['cores']} cores shared by the servers, wrk and both PostgreSQL servers.")


if __name__ == "__main__":
    main()
