"""`make bench`: GraphQL against the hand-written REST routes, side by side, on one PostgreSQL, in one run.

What it does (bench/README.md has the why):
1. starts a throwaway PostgreSQL cluster on loopback (tests/support/postgres.py), pinned to core 0;
2. seeds it with `invoicegraph generate` + `invoicegraph import`, refreshes the invoices it will use;
3. starts two `invoicegraph serve` processes pinned to core 1: ours (tuned) and the naive baseline
   (INVOICEGRAPH_NAIVE_EXECUTION=true: no parse/validation caches, the standard JSON encoder, loaders
   that neither batch nor cache);
4. per round, per workload, runs wrk (`taskset -c 0 wrk -t1 -c8`) against every contestant in a
   rotated order, reading the server's CPU time (/proc/<pid>/stat) before and after each run;
5. reports medians of the same-round ratios to REST, a rate-capped latency pass (p50/p99), and the SQL
   statements per request (counted in-process by the engine's statement counter, at several list sizes);
6. writes bench/results.json and prints a table.

Contestants per workload: `rest` (the hand-written counterpart), `graphql` (POST with the document),
`persisted` (POST with only the APQ hash, after one registration), `naive` (POST, naive server).
"""

# A command-line tool that starts and drives local processes and prints its report.
# ruff: noqa: T201, S603, S607

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.postgres import PostgresCluster, free_port  # noqa: E402

BIN = Path(sys.executable).parent
CLI = str(BIN / "invoicegraph")
SERVER_CORE = "1"
CLIENT_CORE = "0"
SEED = 1
API_KEY = f"igk_gen_{SEED:08d}{'x' * 32}"  # demo/generate.py: the generated file's key (VIEW, REFRESH, PREVIEW)
FULL_INVOICE = "invo_1"  # a DRAFT, refreshed once before the rounds so that it has lines, usage and history
LIST_DOCUMENT = """query FrontendList($first: Int!) {
  invoices(first: $first) {
    edges { node {
      id invoiceNumber status invoiceDate dueDate
      invoiceAmountIncludingTax { quantity currency }
      customer { organization { legalName } }
    } }
  }
}"""
TARGETS = {"full": 0.7, "list": 1.0, "refresh": 0.9}
# Workloads that refresh: each answer is a new refresh, so contestants' bodies are compared by content, not bytes.
REFRESHES = ("refresh", "rfields")
# The records the vendor Invoice JSON embeds (rest/vendor.py), as GraphQL fields.
VENDOR_EMBEDDED = ("processingOnlyCustomers", "forwardedFromCustomers", "meterValues", "creditTypes", "paymentAcceptor")


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Contestant:
    name: str
    server: str  # "tuned" or "naive"
    requests: list[Request]  # cycled round-robin by wrk


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- documents -----------------------------------------------------------------------------------


def full_document(depth: int, *, skip: tuple[str, ...] = (), plain_only: bool = False, also: tuple[str, ...] = ()) -> str:
    """Every field of Invoice to `depth` (unions left out); `plain_only` leaves out fields with resolvers
    but those named in `also` (their own fields plain only)."""
    from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type

    from invoicegraph.schema.build import build_schema

    schema = build_schema()._schema

    def selection(type_: GraphQLObjectType, level: int, indent: str) -> str:
        lines = []
        for name, definition in type_.fields.items():
            if name in skip or any(isinstance(a.type, GraphQLNonNull) and a.default_value is None for a in definition.args.values()):
                continue
            if plain_only and name not in also and not getattr(definition.resolve, "_is_default", False):
                continue  # a resolver: a related record, read by a loader
            named = get_named_type(definition.type)
            if isinstance(named, GraphQLObjectType):
                inner = selection(named, level - 1, indent + "  ") if level > 1 else ""
                if inner:
                    lines.append(f"{indent}{name} {{\n{inner}\n{indent}}}")
            elif not hasattr(named, "types"):  # unions are left out
                lines.append(f"{indent}{name}")
        return "\n".join(lines)

    invoice = schema.get_type("Invoice")
    if not isinstance(invoice, GraphQLObjectType):
        raise SystemExit("no Invoice type in the schema")
    return selection(invoice, depth, "    ")


def graphql_body(document: str, variables: dict[str, Any], *, persisted: bool = False) -> bytes:
    digest = hashlib.sha256(document.encode()).hexdigest()
    body: dict[str, Any] = {"variables": variables}
    if persisted:
        body["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    else:
        body["query"] = document
    return json.dumps(body, separators=(",", ":")).encode()


def register_persisted(port: int, document: str, variables: dict[str, Any]) -> None:
    """The APQ handshake: a hash alone is unknown, then hash and document register it."""
    digest = hashlib.sha256(document.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    body = json.dumps({"query": document, "variables": variables, "extensions": extensions}).encode()
    status, payload = call(port, Request("POST", "/graphql", body, JSON_HEADERS))
    if status != 200 or "errors" in json.loads(payload):
        raise SystemExit(f"persisted query registration failed: {status} {payload[:300]!r}")


JSON_HEADERS = {"Content-Type": "application/json", "X-API-KEY": API_KEY}
GET_HEADERS = {"X-API-KEY": API_KEY}


def workloads(refresh_ids: list[str], list_size: int) -> dict[str, dict[str, Any]]:
    full = "query FullInvoice($id: ID!) {\n  invoice(id: $id) {\n" + full_document(4) + "\n  }\n}"
    # The REST refresh answers the vendor body; the mutation selects the same graph, without the
    # growing refresh history (every round adds records to it).
    refresh = (
        "mutation Refresh($id: ID!) {\n  refreshInvoice(id: $id, types: [FULL]) {\n"
        + full_document(4, skip=("refreshHistory",))
        + "\n  }\n}"
    )
    fields = "query InvoiceFields($id: ID!) {\n  invoice(id: $id) {\n" + full_document(4, plain_only=True, also=VENDOR_EMBEDDED) + "\n  }\n}"
    # The refresh answering what the REST refresh answers: the invoice's own fields and the records
    # the vendor body embeds, without the customer, billing entity, subscriptions or the customer's
    # invoice page that the depth-4 graph adds (no target: it shows what that graph costs).
    refresh_fields = (
        "mutation RefreshFields($id: ID!) {\n  refreshInvoice(id: $id, types: [FULL]) {\n"
        + full_document(4, plain_only=True, also=VENDOR_EMBEDDED)
        + "\n  }\n}"
    )
    return {
        "full": {
            "document": full,
            "variables": [{"id": FULL_INVOICE}],
            "rest": [Request("GET", f"/v1/invoices/{FULL_INVOICE}", None, GET_HEADERS)],
        },
        # What REST GET answers: the invoice's own fields and the records the vendor body embeds, without
        # the customer, billing entity, subscriptions, history or the customer's invoice page the full
        # graph adds; so this shows the cost of GraphQL execution itself (no target).
        "fields": {
            "document": fields,
            "variables": [{"id": FULL_INVOICE}],
            "rest": [Request("GET", f"/v1/invoices/{FULL_INVOICE}", None, GET_HEADERS)],
        },
        "list": {
            "document": LIST_DOCUMENT,
            "variables": [{"first": list_size}],
            "rest": [Request("GET", f"/v1/invoices?limit={list_size}", None, GET_HEADERS)],
        },
        "refresh": {
            "document": refresh,
            "variables": [{"id": i} for i in refresh_ids],
            "rest": [Request("POST", f"/v1/invoices/{i}/refresh", b'{"types":["FULL"]}', JSON_HEADERS) for i in refresh_ids],
        },
        "rfields": {
            "document": refresh_fields,
            "variables": [{"id": i} for i in refresh_ids],
            "rest": [Request("POST", f"/v1/invoices/{i}/refresh", b'{"types":["FULL"]}', JSON_HEADERS) for i in refresh_ids],
        },
    }


def contestants(spec: dict[str, Any]) -> list[Contestant]:
    document, variables = spec["document"], spec["variables"]
    graphql = [Request("POST", "/graphql", graphql_body(document, v), JSON_HEADERS) for v in variables]
    persisted = [Request("POST", "/graphql", graphql_body(document, v, persisted=True), JSON_HEADERS) for v in variables]
    return [
        Contestant("rest", "tuned", spec["rest"]),
        Contestant("graphql", "tuned", graphql),
        Contestant("persisted", "tuned", persisted),
        Contestant("naive", "naive", graphql),
    ]


# --- processes -----------------------------------------------------------------------------------


def run(cmd: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, env=env, check=True, **kwargs)


def call(port: int, request: Request, timeout: float = 30) -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{request.path}", data=request.body, method=request.method)
    for name, value in request.headers.items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310  (loopback only)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def start_server(name: str, env: dict[str, str], logs: Path, *, workers: int = 1, pin: bool = True, log_name: str | None = None) -> Server:
    """`invoicegraph serve` on a free loopback port, pinned to the server core unless `pin` is off."""
    port = free_port()
    log = (logs / (log_name or f"server-{name}.log")).open("wb")
    pinning = ["taskset", "-c", SERVER_CORE] if pin else []
    process = subprocess.Popen(
        [*pinning, CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server {name} exited; see {log.name}")
        try:
            if call(port, Request("GET", "/healthz"), timeout=2)[0] == 200:
                return Server(name, port, process)
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server {name} did not become ready on port {port}")


def server_env(url: str) -> dict[str, str]:
    """The environment of the bench's servers and CLI runs on database `url`."""
    return {
        **os.environ,
        "INVOICEGRAPH_DATABASE_URL": url,
        "INVOICEGRAPH_LOG_LEVEL": "WARNING",
        "INVOICEGRAPH_MAX_TOKENS": "100000",
        "INVOICEGRAPH_DATABASE_POOL_SIZE": "10",
    }


def seed(env: dict[str, str], work: Path, customers: int, invoices: int, events: int) -> float:
    """Migrate, generate and import the bench data (one platform, SEED); returns the import's seconds."""
    run([CLI, "migrate"], env, capture_output=True)
    data = work / "data.json"
    generate = ["generate", "--platforms", "1", "--customers", str(customers), "--invoices", str(invoices)]
    run([CLI, *generate, "--events-per-invoice", str(events), "--seed", str(SEED), "-o", str(data)], env, capture_output=True)
    started = time.monotonic()
    run([CLI, "import", "--no-progress", str(data)], env, capture_output=True)
    return time.monotonic() - started


def pin_postgres(cluster: PostgresCluster) -> None:
    """PostgreSQL shares the client's core: the server's core serves only the application."""
    pid = (cluster.data / "postmaster.pid").read_text().split()[0]
    subprocess.run(["taskset", "-a", "-p", "-c", CLIENT_CORE, pid], check=False, capture_output=True)


# --- wrk -----------------------------------------------------------------------------------------

_LUA = """
local items = {
%s
}
local reqs = {}
local n = 0
function init(args)
  for i, item in ipairs(items) do
    reqs[i] = wrk.format(item[1], item[2], item[3], item[4])
  end
end
function request()
  n = n %% #reqs + 1
  return reqs[n]
end
%s
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCHJSON {\\"requests\\":%%d,\\"duration_us\\":%%d,\\"socket_errors\\":%%d,\\"non2xx\\":%%d,\\"p50_us\\":%%d,\\"p99_us\\":%%d,\\"mean_us\\":%%f}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def _lua_string(value: str) -> str:
    for level in range(8):
        close = "]" + "=" * level + "]"
        if close not in value:
            return "[" + "=" * level + "[" + value + close
    raise ValueError("cannot quote")


def lua_script(contestant: Contestant, directory: Path, delay_ms: float | None) -> Path:
    items = []
    for req in contestant.requests:
        headers = "{" + ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in req.headers.items()) + "}"
        body = _lua_string(req.body.decode()) if req.body is not None else "nil"
        items.append(f"  {{{_lua_string(req.method)}, {_lua_string(req.path)}, {headers}, {body}}},")
    delay = f"function delay() return {delay_ms:.3f} end" if delay_ms is not None else ""
    script = _LUA % ("\n".join(items), delay)
    # Named by content: contestants of different workloads share names ("rest", "graphql"), and a
    # name-only file let the last workload's script overwrite the others (every workload then
    # measured the refresh, the bug behind the session-1 figures).
    digest = hashlib.sha256(script.encode()).hexdigest()[:12]
    path = directory / f"{contestant.name}-{'capped' if delay_ms else 'max'}-{digest}.lua"
    path.write_text(script)
    return path


def wrk(server: Server, script: Path, seconds: float, connections: int) -> dict[str, Any]:
    cpu_before = server.cpu_seconds()
    output = subprocess.run(
        [
            "taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
            "-s", str(script), f"http://127.0.0.1:{server.port}",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout  # fmt: skip
    cpu = server.cpu_seconds() - cpu_before
    match = re.search(r"^BENCHJSON (.*)$", output, re.MULTILINE)
    if match is None:
        raise SystemExit(f"wrk printed no summary:\n{output}")
    stats: dict[str, Any] = json.loads(match.group(1))
    seconds_run = stats["duration_us"] / 1e6
    stats["rps"] = stats["requests"] / seconds_run if seconds_run else 0.0
    stats["cpu_ms_per_request"] = 1000 * cpu / stats["requests"] if stats["requests"] else None
    return stats


# --- checks and statement counts -----------------------------------------------------------------


def check_answers(name: str, port_of: dict[str, int], cases: list[Contestant]) -> None:
    """Every contestant answers 200 without GraphQL errors, and GraphQL agrees with REST."""
    bodies: dict[str, Any] = {}
    for contestant in cases:
        status, payload = call(port_of[contestant.server], contestant.requests[0])
        body = json.loads(payload)
        if status != 200 or (isinstance(body, dict) and "errors" in body):
            raise SystemExit(f"{name}/{contestant.name}: {status} {payload[:500]!r}")
        bodies[contestant.name] = body
    rest = bodies["rest"]
    for other in ("graphql", "persisted", "naive"):
        data = bodies[other]["data"]
        if name in ("full", "fields"):
            invoice = data["invoice"]
            same = invoice["id"] == rest["id"] and invoice["invoiceAmountIncludingTax"] == rest["invoice_amount_including_tax"]
        elif name == "list":
            same = [edge["node"]["id"] for edge in data["invoices"]["edges"]] == [item["id"] for item in rest["data"]]
        else:
            invoice = data["refreshInvoice"]
            same = invoice["id"] == rest["id"] and len(invoice["periods"]) == len(rest["periods"])
        if not same:
            raise SystemExit(f"{name}/{other} does not answer what REST answers")
    if name not in REFRESHES and bodies["graphql"] != bodies["persisted"]:
        raise SystemExit(f"{name}: the persisted query answers differently")
    if name not in REFRESHES and bodies["graphql"] != bodies["naive"]:
        raise SystemExit(f"{name}: the naive server answers differently")


async def _statements(database_url: str, naive: bool, requests: dict[str, Request]) -> dict[str, int]:
    import httpx

    from invoicegraph.app import create_app
    from invoicegraph.db.engine import Database
    from invoicegraph.settings import Settings

    settings = Settings(database_url=database_url, max_tokens=100_000, naive_execution=naive, log_level="WARNING", metrics_enabled=False)
    database = Database(database_url, pool_size=2)
    app = create_app(settings, database)
    counts: dict[str, int] = {}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

            async def send(request: Request) -> httpx.Response:
                return await client.request(request.method, request.path, content=request.body, headers=request.headers)

            await send(Request("POST", "/graphql", b'{"query":"{ __typename }"}', JSON_HEADERS))  # the key's last_used_at
            for label, request in requests.items():
                await send(request)  # warm: a first refresh of an invoice may write, later ones not
                before = database.counter.total
                response = await send(request)
                if response.status_code != 200 or b'"errors"' in response.content[:20]:
                    raise SystemExit(f"statement count {label}: {response.status_code} {response.text[:300]}")
                counts[label] = database.counter.total - before
    finally:
        await database.dispose()
    return counts


def statement_counts(database_url: str, specs: dict[str, dict[str, Any]], sizes: tuple[int, ...]) -> dict[str, Any]:
    """Statements per request (credential lookup included), per contestant, and across list sizes."""
    one: dict[str, Request] = {}
    for name, spec in specs.items():
        one[f"{name}/rest"] = spec["rest"][0]
        one[f"{name}/graphql"] = Request("POST", "/graphql", graphql_body(spec["document"], spec["variables"][0]), JSON_HEADERS)
    scaling: dict[str, Request] = {}
    for size in sizes:
        scaling[f"list/rest/{size}"] = Request("GET", f"/v1/invoices?limit={size}", None, GET_HEADERS)
        scaling[f"list/graphql/{size}"] = Request("POST", "/graphql", graphql_body(LIST_DOCUMENT, {"first": size}), JSON_HEADERS)
    tuned = asyncio.run(_statements(database_url, False, {**one, **scaling}))
    naive = asyncio.run(_statements(database_url, True, {k: v for k, v in {**one, **scaling}.items() if "/graphql" in k}))
    return {"tuned": tuned, "naive": naive}


# --- the run -------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line), "?")
    versions = {}
    for package in ("strawberry-graphql", "graphql-core", "uvicorn", "sqlalchemy", "asyncpg", "orjson"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # only a report
            versions[package] = "?"
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "packages": versions,
        "wrk": wrk_version.split(" Copyright")[0].strip(),
        "postgresql": subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False).stdout.strip(),
    }


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description="GraphQL against hand-written REST, same-run ratios (bench/README.md).")
    parser.add_argument("--quick", action="store_true", help="Short run (under 3 minutes): small data, 3 rounds of 2 s.")
    parser.add_argument("--rounds", type=int, help="Interleaved rounds (default 5; 3 with --quick).")
    parser.add_argument("--seconds", type=float, help="wrk duration per contestant and round (default 8; 2 with --quick).")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8).")
    parser.add_argument(
        "--workloads",
        help="Comma-separated subset of full,fields,list,refresh,rfields (default: all; with --quick full,list,refresh, to stay under 3 minutes).",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 5)
    seconds = args.seconds or (2.0 if args.quick else 8.0)
    customers, invoices, events = (60, 600, 5) if args.quick else (200, 4000, 20)
    chosen = [w for w in (args.workloads or ("full,list,refresh" if args.quick else "full,fields,list,refresh,rfields")).split(",") if w]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it)")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="invoicegraph-bench-"))
    logs = ROOT / "bench" / "out"
    logs.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"bench: {info['cpu']}, {info['cores']} cores, load {info['load_average_at_start'][0]:.2f}; work in {work}", flush=True)
    cluster = PostgresCluster.start()
    servers: list[Server] = []
    try:
        pin_postgres(cluster)
        cluster.psql("CREATE DATABASE bench")
        url = cluster.url("bench")
        env = server_env(url)
        import_seconds = seed(env, work, customers, invoices, events)
        print(f"bench: imported {invoices} invoices, {invoices * events} events in {import_seconds:.1f} s", flush=True)

        tuned = start_server("tuned", env, logs)
        servers.append(tuned)
        naive = start_server("naive", {**env, "INVOICEGRAPH_NAIVE_EXECUTION": "true"}, logs)
        servers.append(naive)
        port_of = {"tuned": tuned.port, "naive": naive.port}
        server_of = {"tuned": tuned, "naive": naive}

        drafts = [f"invo_{i}" for i in range(2, invoices) if i % 4][:16]
        for invoice_id in [FULL_INVOICE, *drafts]:  # the drafts get their lines (the first refresh writes)
            status, payload = call(tuned.port, Request("POST", f"/v1/invoices/{invoice_id}/refresh", b"{}", JSON_HEADERS))
            if status != 200:
                raise SystemExit(f"refresh of {invoice_id} failed: {status} {payload[:300]!r}")
        specs = {name: spec for name, spec in workloads(drafts, 25).items() if name in chosen}
        cases = {name: contestants(spec) for name, spec in specs.items()}
        for name, spec in specs.items():
            register_persisted(tuned.port, spec["document"], spec["variables"][0])
            check_answers(name, port_of, cases[name])

        scripts = {(w, c.name): lua_script(c, work, None) for w, cs in cases.items() for c in cs}
        # Warm-up: every contestant once, 1 s (pools, caches, lazy imports).
        for w, cs in cases.items():
            for c in cs:
                wrk(server_of[c.server], scripts[(w, c.name)], 1, args.connections)

        results: dict[str, Any] = {w: {c.name: {"rounds": []} for c in cs} for w, cs in cases.items()}
        for round_index in range(rounds):
            for w, cs in cases.items():
                order = cs[round_index % len(cs) :] + cs[: round_index % len(cs)]  # rotated: no fixed position
                for c in order:
                    stats = wrk(server_of[c.server], scripts[(w, c.name)], seconds, args.connections)
                    results[w][c.name]["rounds"].append(stats)
                line = "  ".join(f"{c.name} {results[w][c.name]['rounds'][-1]['rps']:.0f}" for c in cs)
                print(f"bench: round {round_index + 1}/{rounds} {w}: {line} rps", flush=True)

        # Latency at a capped rate (wrk's per-connection delay): REST and our GraphQL at one common
        # rate, half of the slowest one's median throughput; the naive server at half of its own.
        for w, cs in cases.items():
            best = {c.name: median([r["rps"] for r in results[w][c.name]["rounds"]]) or 1.0 for c in cs}
            common = min(v for k, v in best.items() if k != "naive") / 2
            for c in cs:
                rate = max(1.0, best["naive"] / 2 if c.name == "naive" else common)
                connections = 2
                # Enough requests for a p99, within bounds (the naive server gets the plain duration).
                capped_seconds = seconds if c.name == "naive" else max(seconds, min(2 * seconds, 20 / rate))
                script = lua_script(c, work, 1000.0 * connections / rate)
                stats = wrk(server_of[c.server], script, capped_seconds, connections)
                results[w][c.name]["capped"] = {**stats, "target_rps": rate}

        counts = statement_counts(url, specs, (5, 25, 100))
        report = summarize(results, counts, cases)
        report["machine"] = info
        report["config"] = {
            "quick": args.quick,
            "rounds": rounds,
            "seconds": seconds,
            "connections": args.connections,
            "data": {"customers": customers, "invoices": invoices, "events": invoices * events},
            "import_seconds": round(import_seconds, 1),
            "server_core": SERVER_CORE,
            "client_and_postgres_core": CLIENT_CORE,
            "elapsed_seconds": round(time.monotonic() - started, 1),
        }
        args.output.write_text(json.dumps(report, indent=2) + "\n")
        print_table(report)
        print(f"bench: wrote {args.output} in {report['config']['elapsed_seconds']:.0f} s", flush=True)
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def summarize(results: dict[str, Any], counts: dict[str, Any], cases: dict[str, list[Contestant]]) -> dict[str, Any]:
    workloads_out: dict[str, Any] = {}
    for w, cs in cases.items():
        rest_rounds = results[w]["rest"]["rounds"]
        naive_rounds = results[w]["naive"]["rounds"]
        contestants_out: dict[str, Any] = {}
        for c in cs:
            rounds = results[w][c.name]["rounds"]
            ratios = [r["rps"] / b["rps"] for r, b in zip(rounds, rest_rounds, strict=True) if b["rps"]]
            over_naive = [r["rps"] / b["rps"] for r, b in zip(rounds, naive_rounds, strict=True) if b["rps"]]
            # The same ratio from server CPU per request (REST's / ours): steadier on a shared machine.
            cpu_ratios = [
                b["cpu_ms_per_request"] / r["cpu_ms_per_request"]
                for r, b in zip(rounds, rest_rounds, strict=True)
                if r["cpu_ms_per_request"] and b["cpu_ms_per_request"]
            ]
            capped = results[w][c.name]["capped"]
            statements = counts["naive" if c.name == "naive" else "tuned"].get(f"{w}/{'rest' if c.name == 'rest' else 'graphql'}")
            contestants_out[c.name] = {
                "rps_median": round(median([r["rps"] for r in rounds]) or 0, 1),
                "ratio_to_rest_per_round": [round(x, 3) for x in ratios],
                "ratio_to_rest_median": round(median(ratios) or 0, 3),
                "ratio_to_naive_median": round(median(over_naive) or 0, 3),
                "cpu_ratio_to_rest_median": round(median(cpu_ratios) or 0, 3),
                "cpu_ms_per_request_median": round(median([r["cpu_ms_per_request"] for r in rounds]) or 0, 3),
                "p50_ms": round(capped["p50_us"] / 1000, 2),
                "p99_ms": round(capped["p99_us"] / 1000, 2),
                "capped_rps": round(capped["rps"], 1),
                "capped_target_rps": round(capped["target_rps"], 1),
                "non2xx": sum(r["non2xx"] for r in rounds) + capped["non2xx"],
                "socket_errors": sum(r["socket_errors"] for r in rounds) + capped["socket_errors"],
                "statements_per_request": statements,
                "rounds": rounds,
            }
        workloads_out[w] = contestants_out
    sizes = sorted({int(k.rsplit("/", 1)[1]) for k in counts["tuned"] if k.startswith("list/rest/")})
    scaling = {
        mode: {kind: {size: counts[mode].get(f"list/{kind}/{size}") for size in sizes} for kind in ("rest", "graphql")}
        for mode in ("tuned", "naive")
    }
    scaling["naive"].pop("rest")
    targets = {}
    for w, floor in TARGETS.items():
        if w in workloads_out:
            best = max(workloads_out[w]["graphql"]["ratio_to_rest_median"], workloads_out[w]["persisted"]["ratio_to_rest_median"])
            targets[w] = {
                "graphql_cpu": workloads_out[w]["graphql"]["cpu_ratio_to_rest_median"],
                "target": floor,
                "graphql": workloads_out[w]["graphql"]["ratio_to_rest_median"],
                "best": best,
                "met": best >= floor,
            }
    constant = all(len(set(v.values())) == 1 for v in scaling["tuned"].values())
    targets["statements_constant_in_list_size"] = {"met": constant}
    return {"workloads": workloads_out, "statements_by_list_size": scaling, "targets": targets}


def print_table(report: dict[str, Any]) -> None:
    header = (
        f"{'workload':<8} {'contestant':<10} {'rps':>8} {'x REST':>7} {'x naive':>8} {'CPU ms/req':>10} {'x REST CPU':>10} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'SQL/req':>7}"
    )
    print()
    print(header)
    print("-" * len(header))
    for w, cs in report["workloads"].items():
        for name, c in cs.items():
            print(
                f"{w:<8} {name:<10} {c['rps_median']:>8.0f} {c['ratio_to_rest_median']:>7.2f} {c['ratio_to_naive_median']:>8.2f} "
                f"{c['cpu_ms_per_request_median']:>10.2f} {c['cpu_ratio_to_rest_median']:>10.2f} {c['p50_ms']:>7.1f} {c['p99_ms']:>7.1f} {c['statements_per_request'] or '':>7}"
            )
    print()
    scaling = report["statements_by_list_size"]
    for mode, kinds in scaling.items():
        for kind, by_size in kinds.items():
            print(f"statements per list request, {mode} {kind}: " + ", ".join(f"{s} items: {n}" for s, n in by_size.items()))
    for w, t in report["targets"].items():
        if "target" in t:
            verdict = "met" if t["met"] else "NOT met"
            print(
                f"target {w}: GraphQL/REST {t['graphql']:.2f} rps, {t['graphql_cpu']:.2f} CPU (best {t['best']:.2f}) >= {t['target']}: {verdict}"
            )
        else:
            print(f"target {w}: {'met' if t['met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
