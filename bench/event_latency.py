"""Webhook delivery latency after commit: p50/p99 over 1,000 events (docs/events.md).

What it does:
1. starts a throwaway PostgreSQL cluster on loopback (tests/support/postgres.py), or uses a SQLite file
   (`--backend sqlite`), and seeds it with `invoicegraph generate` + `invoicegraph import`;
2. starts a webhook receiver in this process (a threaded `http.server` on loopback that notes when each
   event arrives and answers 200) and registers it with `invoicegraph webhooks create`;
3. starts one `invoicegraph serve` (which delivers, as every serve process does);
4. per round, re-imports the customers with a new e-mail address, then refreshes each DRAFT invoice with
   `types: [CUSTOMER]` through GraphQL, one at a time: each refresh changes its invoice and commits
   one event;
5. for each event, latency = when the receiver got it − when the refresh's answer (GraphQL, which
   returns the new version) came back. The answer is sent after the commit, so this is the time from (just after) the commit to the arrival: dispatch,
   claim, signing and the HTTP request, plus the wake-up (PostgreSQL's NOTIFY; SQLite's poll interval).

    .venv/bin/python bench/event_latency.py                      # PostgreSQL, 1,000 events
    .venv/bin/python bench/event_latency.py --backend sqlite     # the embedded database (polled every second)

It prints the figures and writes bench/event_latency.json. A benchmark, not a test: nothing is asserted.
"""

# A command-line tool that starts and drives local processes and prints its report.
# ruff: noqa: T201, S603

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.postgres import PostgresCluster, free_port  # noqa: E402

CLI = str(Path(sys.executable).parent / "invoicegraph")
API_KEY = f"igk_gen_{1:08d}{'x' * 32}"  # demo/generate.py: the generated file's key (seed 1)
PLATFORM = "plat_gen0"
REFRESH = "mutation($id: ID!) { refreshInvoice(id: $id, types: [CUSTOMER]) { version } }"


class Arrivals:
    """When each event reached the receiver (perf_counter seconds), by invoice and version."""

    def __init__(self) -> None:
        self.at: dict[tuple[str, int], float] = {}
        self.lock = threading.Condition()

    def serve(self, port: int) -> ThreadingHTTPServer:
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                now = time.perf_counter()
                data = json.loads(body)["data"]
                with arrivals.lock:
                    arrivals.at.setdefault((data["invoice"]["id"], data["version"]), now)
                    arrivals.lock.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def wait(self, key: tuple[str, int], timeout: float = 60) -> float:
        with self.lock:
            if not self.lock.wait_for(lambda: key in self.at, timeout=timeout):
                raise TimeoutError(f"the event of {key} did not arrive within {timeout:.0f} s")
            return self.at[key]


def run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310  (loopback)
        url, data=json.dumps(body).encode(), headers={"X-API-KEY": API_KEY, "Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def wait_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("invoicegraph serve exited")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1):  # noqa: S310
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("invoicegraph serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description="Webhook delivery latency after commit.")
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=100)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="event-latency-"))
    cluster = PostgresCluster.start() if args.backend == "postgres" else None
    try:
        if cluster is not None:
            cluster.psql("CREATE DATABASE bench")
            url = cluster.url("bench")
        else:
            url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        env = {name: value for name, value in os.environ.items() if not name.startswith("INVOICEGRAPH_")}
        env |= {"INVOICEGRAPH_DATABASE_URL": url, "INVOICEGRAPH_LOG_LEVEL": "WARNING"}
        data_file = work / "data.json"
        # Three invoices in four are DRAFT (demo/generate.py): 4 per customer, 3 drafts each.
        run([CLI, "generate", "--platforms", "1", "--customers", str(args.customers), "--invoices", str(4 * args.customers),
             "--events-per-invoice", "2", "--seed", "1", "-o", str(data_file)], env)  # fmt: skip
        run([CLI, "migrate"], env)
        run([CLI, "import", str(data_file), "--no-progress"], env)
        data = json.loads(data_file.read_text())
        drafts = [invoice["id"] for invoice in data["invoices"] if invoice["status"] == "DRAFT"]

        arrivals = Arrivals()
        receiver_port = free_port()
        receiver = arrivals.serve(receiver_port)
        run([CLI, "webhooks", "create", "--platform", PLATFORM, "--url", f"http://127.0.0.1:{receiver_port}/hooks"], env)

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with (work / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_healthy(base_url, server)
            latencies = measure(args.events, drafts, data, work, env, base_url, arrivals)
        finally:
            server.terminate()
            server.wait(timeout=30)
            receiver.shutdown()
    finally:
        if cluster is not None:
            cluster.stop()
    report(args.backend, latencies)


def measure(
    count: int, drafts: list[str], data: dict[str, Any], work: Path, env: dict[str, str], base_url: str, arrivals: Arrivals
) -> list[float]:
    latencies: list[float] = []
    round_number = 0
    while len(latencies) < count:
        round_number += 1
        customers = [{**customer, "email": f"round{round_number}-{customer['id']}@example.com"} for customer in data["customers"]]
        changed = work / f"customers-{round_number}.json"
        changed.write_text(json.dumps({"format": data["format"], "customers": customers}))
        run([CLI, "import", str(changed), "--no-progress"], env)
        for invoice_id in drafts:
            if len(latencies) >= count:
                break
            answer = post(f"{base_url}/graphql", {"query": REFRESH, "variables": {"id": invoice_id}})
            committed = time.perf_counter()
            latencies.append(arrivals.wait((invoice_id, answer["data"]["refreshInvoice"]["version"])) - committed)
        print(f"round {round_number}: {len(latencies)} events", file=sys.stderr)
    return latencies


def report(backend: str, latencies: list[float]) -> None:
    ms = sorted(value * 1000 for value in latencies)
    quantiles = statistics.quantiles(ms, n=100, method="inclusive")
    result = {
        "backend": backend,
        "events": len(ms),
        "p50_ms": round(quantiles[49], 1),
        "p90_ms": round(quantiles[89], 1),
        "p99_ms": round(quantiles[98], 1),
        "max_ms": round(ms[-1], 1),
    }
    (ROOT / "bench" / "event_latency.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
