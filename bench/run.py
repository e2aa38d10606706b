"""`make bench`: the service against the stack's own limit and against its REST routes, on SQLite and PostgreSQL.

What it does per backend (bench/README.md has the why):
1. seeds a database with `invoicegraph generate` + `invoicegraph import` (PostgreSQL: a throwaway
   cluster on loopback, pinned to core 0; SQLite: a file), refreshes the invoices it will use;
2. starts, pinned to core 1: `invoicegraph serve` (the service as it ships), the limit
   (bench/limit_app.py: the credential lookup and the reads an answer needs, stored bytes sent as
   they are), and with `--compare DIR` the service of another checkout (its `.venv`), for A/B runs;
3. per round, per workload, runs wrk (`taskset -c 0 wrk -t1 -c8`) against every contestant in a
   rotated order, reading each server's CPU time (/proc/<pid>/stat) before and after each run;
4. reports medians of the same-round ratios to the limit of the workload's kind and to its REST
   counterpart, CPU per request, a rate-capped latency pass (p50/p99), and the SQL statements per
   request (counted in-process, at several list sizes);
5. writes bench/results.json and prints a table per backend.

Contestants per workload: `limit` (the limit app), `rest` (the hand-written REST counterpart),
`graphql` (POST with the document), `persisted` (POST with only the APQ hash, after one
registration), and with `--compare` `graphql@B` / `rest@B` (the other checkout's server).
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

from bench.fairness_limits import RAISED, raised_env  # noqa: E402
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
# The list page with what a drafts screen adds: which refresh types each invoice needs (docs/drafts.md).
STALE_DOCUMENT = LIST_DOCUMENT.replace("id invoiceNumber status", "id invoiceNumber status staleSources").replace(
    "FrontendList", "StaleList"
)
# GraphQL against its REST counterpart (rps), and each workload against the limit of its kind.
TARGETS_REST = {"full": 0.7, "list": 1.0, "refresh": 0.85}
TARGETS_LIMIT = {("full", "rest"): 0.5, ("full", "graphql"): 0.25, ("list", "graphql"): 0.4}
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
    server: str  # "app", "limit" or "compare"
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
    fields = (
        "query InvoiceFields($id: ID!) {\n  invoice(id: $id) {\n" + full_document(4, plain_only=True, also=VENDOR_EMBEDDED) + "\n  }\n}"
    )
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
            "limit": [Request("GET", f"/v1/invoices/{FULL_INVOICE}", None, GET_HEADERS)],
        },
        # What REST GET answers: the invoice's own fields and the records the vendor body embeds, without
        # the customer, billing entity, subscriptions, history or the customer's invoice page the full
        # graph adds; so this shows the cost of GraphQL execution itself (no target).
        "fields": {
            "document": fields,
            "variables": [{"id": FULL_INVOICE}],
            "rest": [Request("GET", f"/v1/invoices/{FULL_INVOICE}", None, GET_HEADERS)],
            "limit": [Request("GET", f"/v1/invoices/{FULL_INVOICE}", None, GET_HEADERS)],
        },
        "list": {
            "document": LIST_DOCUMENT,
            "variables": [{"first": list_size}],
            "rest": [Request("GET", f"/v1/invoices?limit={list_size}", None, GET_HEADERS)],
            "limit": [Request("GET", f"/v1/invoices?limit={list_size}", None, GET_HEADERS)],
        },
        # The list with staleSources: its cost is read against "list" (statements and throughput).
        "stale": {
            "document": STALE_DOCUMENT,
            "variables": [{"first": list_size}],
            "rest": [Request("GET", f"/v1/invoices?limit={list_size}", None, GET_HEADERS)],
            "limit": [Request("GET", f"/v1/invoices?limit={list_size}", None, GET_HEADERS)],
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


def contestants(spec: dict[str, Any], *, compare: bool) -> list[Contestant]:
    document, variables = spec["document"], spec["variables"]
    graphql = [Request("POST", "/graphql", graphql_body(document, v), JSON_HEADERS) for v in variables]
    persisted = [Request("POST", "/graphql", graphql_body(document, v, persisted=True), JSON_HEADERS) for v in variables]
    cases = [Contestant("rest", "app", spec["rest"]), Contestant("graphql", "app", graphql), Contestant("persisted", "app", persisted)]
    if "limit" in spec:
        cases.insert(0, Contestant("limit", "limit", spec["limit"]))
    if compare:
        cases += [Contestant("rest@B", "compare", spec["rest"]), Contestant("graphql@B", "compare", graphql)]
    return cases


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


def start_server(
    name: str,
    env: dict[str, str],
    logs: Path,
    *,
    workers: int = 1,
    pin: bool = True,
    log_name: str | None = None,
    command: list[str] | None = None,
) -> Server:
    """`invoicegraph serve` (or `command`, given `--port`) on a free loopback port, pinned to the server core unless `pin` is off."""
    port = free_port()
    log = (logs / (log_name or f"server-{name}.log")).open("wb")
    pinning = ["taskset", "-c", SERVER_CORE] if pin else []
    serve = command or [CLI, "serve", "--workers", str(workers)]
    process = subprocess.Popen(
        [*pinning, *serve, "--host", "127.0.0.1", "--port", str(port)],
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
        **raised_env(),
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
    if stats["non2xx"] or stats["socket_errors"]:
        # A refusal (a 429, a 503) is answered faster than the work: counting it would inflate the figure.
        raise SystemExit(f"{script.name}: {stats['non2xx']} answers other than 2xx, {stats['socket_errors']} socket errors")
    seconds_run = stats["duration_us"] / 1e6
    stats["rps"] = stats["requests"] / seconds_run if seconds_run else 0.0
    stats["cpu_ms_per_request"] = 1000 * cpu / stats["requests"] if stats["requests"] else None
    return stats


# --- checks and statement counts -----------------------------------------------------------------


def check_answers(name: str, port_of: dict[str, int], cases: list[Contestant]) -> None:
    """Every contestant answers 200 without GraphQL errors; GraphQL and the limit agree with REST."""
    bodies: dict[str, Any] = {}
    for contestant in cases:
        status, payload = call(port_of[contestant.server], contestant.requests[0])
        body = json.loads(payload)
        if status != 200 or (isinstance(body, dict) and "errors" in body):
            raise SystemExit(f"{name}/{contestant.name}: {status} {payload[:500]!r}")
        bodies[contestant.name] = body
    rest = bodies["rest"]
    for other, body in bodies.items():
        if other in ("rest", "rest@B"):
            continue
        if other == "limit":  # the stored document: the invoice's own JSON without its lifted columns
            if name in ("list", "stale"):
                same = len(body["data"]) == len(rest["data"]) and bool(body["customers"])
            else:
                same = len(body.get("periods") or []) == len(rest.get("periods") or [])
        elif name in ("full", "fields"):
            invoice = body["data"]["invoice"]
            same = invoice["id"] == rest["id"] and invoice["invoiceAmountIncludingTax"] == rest["invoice_amount_including_tax"]
        elif name in ("list", "stale"):
            same = [edge["node"]["id"] for edge in body["data"]["invoices"]["edges"]] == [item["id"] for item in rest["data"]]
        else:
            invoice = body["data"]["refreshInvoice"]
            same = invoice["id"] == rest["id"] and len(invoice["periods"]) == len(rest["periods"])
        if not same:
            raise SystemExit(f"{name}/{other} does not answer what REST answers")
    if name not in REFRESHES and bodies["graphql"] != bodies["persisted"]:
        raise SystemExit(f"{name}: the persisted query answers differently")


async def _statements(database_url: str, requests: dict[str, Request]) -> dict[str, int]:
    import httpx

    from invoicegraph.app import create_app
    from invoicegraph.db.engine import Database
    from invoicegraph.settings import Settings

    settings = Settings(database_url=database_url, max_tokens=100_000, log_level="WARNING", metrics_enabled=False, **RAISED)
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


def statement_counts(database_url: str, specs: dict[str, dict[str, Any]], sizes: tuple[int, ...]) -> dict[str, int]:
    """Statements per request (credential lookup included), per contestant, and across list sizes."""
    requests: dict[str, Request] = {}
    for name, spec in specs.items():
        requests[f"{name}/rest"] = spec["rest"][0]
        requests[f"{name}/graphql"] = Request("POST", "/graphql", graphql_body(spec["document"], spec["variables"][0]), JSON_HEADERS)
    for size in sizes:
        requests[f"list/rest/{size}"] = Request("GET", f"/v1/invoices?limit={size}", None, GET_HEADERS)
        requests[f"list/graphql/{size}"] = Request("POST", "/graphql", graphql_body(LIST_DOCUMENT, {"first": size}), JSON_HEADERS)
    return asyncio.run(_statements(database_url, requests))


# --- the run -------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line), "?")
    versions = {}
    for package in ("strawberry-graphql", "graphql-core", "uvicorn", "starlette", "sqlalchemy", "asyncpg", "aiosqlite", "orjson"):
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


@dataclass
class BenchConfig:
    rounds: int
    seconds: float
    connections: int
    customers: int
    invoices: int
    events: int
    workloads: list[str]
    compare: Path | None


def bench_backend(backend: str, config: BenchConfig, work: Path, logs: Path) -> dict[str, Any]:
    """Seed one backend, start its servers, run every workload's rounds; the backend's report."""
    cluster = PostgresCluster.start() if backend == "postgres" else None
    servers: list[Server] = []
    try:
        if cluster is not None:
            pin_postgres(cluster)
            cluster.psql("CREATE DATABASE bench")
            url = cluster.url("bench")
        else:
            url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        env = server_env(url)
        import_seconds = seed(env, work, config.customers, config.invoices, config.events)
        print(
            f"bench {backend}: imported {config.invoices} invoices, {config.invoices * config.events} events in {import_seconds:.1f} s",
            flush=True,
        )
        app = start_server(f"{backend}-app", env, logs)
        servers.append(app)
        limit = start_server(
            f"{backend}-limit", env, logs, command=[sys.executable, str(ROOT / "bench" / "limit_app.py"), "--database", url]
        )
        servers.append(limit)
        server_of = {"app": app, "limit": limit}
        if config.compare is not None:
            other = str(config.compare / ".venv" / "bin" / "invoicegraph")
            compare = start_server(f"{backend}-compare", env, logs, command=[other, "serve"])
            servers.append(compare)
            server_of["compare"] = compare
        port_of = {name: server.port for name, server in server_of.items()}

        drafts = [f"invo_{i}" for i in range(2, config.invoices) if i % 4][:16]
        for invoice_id in [FULL_INVOICE, *drafts]:  # the drafts get their lines (the first refresh writes)
            status, payload = call(app.port, Request("POST", f"/v1/invoices/{invoice_id}/refresh", b"{}", JSON_HEADERS))
            if status != 200:
                raise SystemExit(f"refresh of {invoice_id} failed: {status} {payload[:300]!r}")
        specs = {name: spec for name, spec in workloads(drafts, 25).items() if name in config.workloads}
        cases = {name: contestants(spec, compare=config.compare is not None) for name, spec in specs.items()}
        for name, spec in specs.items():
            for port in {app.port, *([port_of["compare"]] if "compare" in port_of else [])}:
                register_persisted(port, spec["document"], spec["variables"][0])
            check_answers(name, port_of, cases[name])

        scripts = {(w, c.name): lua_script(c, work, None) for w, cs in cases.items() for c in cs}
        for w, cs in cases.items():  # warm-up, 1 s each: pools, caches, plans, lazy imports
            for c in cs:
                wrk(server_of[c.server], scripts[(w, c.name)], 1, config.connections)

        results: dict[str, Any] = {w: {c.name: {"rounds": []} for c in cs} for w, cs in cases.items()}
        for round_index in range(config.rounds):
            for w, cs in cases.items():
                order = cs[round_index % len(cs) :] + cs[: round_index % len(cs)]  # rotated: no fixed position
                for c in order:
                    results[w][c.name]["rounds"].append(wrk(server_of[c.server], scripts[(w, c.name)], config.seconds, config.connections))
                line = "  ".join(f"{c.name} {results[w][c.name]['rounds'][-1]['rps']:.0f}" for c in cs)
                print(f"bench {backend}: round {round_index + 1}/{config.rounds} {w}: {line} rps", flush=True)

        # Latency at a capped rate (wrk's per-connection delay): every contestant of a workload at one
        # common rate, half of the slowest one's median throughput.
        for w, cs in cases.items():
            common = min(median([r["rps"] for r in results[w][c.name]["rounds"]]) or 1.0 for c in cs) / 2
            for c in cs:
                rate, connections = max(1.0, common), 2
                script = lua_script(c, work, 1000.0 * connections / rate)
                stats = wrk(server_of[c.server], script, max(config.seconds, min(2 * config.seconds, 20 / rate)), connections)
                results[w][c.name]["capped"] = {**stats, "target_rps": rate}

        counts = statement_counts(url, specs, (5, 25, 100))
        report = summarize(results, counts, cases)
        report["import_seconds"] = round(import_seconds, 1)
        return report
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
        if cluster is not None:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="The service against the stack's limit and its REST routes (bench/README.md).")
    parser.add_argument("--quick", action="store_true", help="Short run (a few minutes): small data, 3 rounds of 2 s.")
    parser.add_argument("--backends", default="sqlite,postgres", help="Comma-separated: sqlite, postgres (default both).")
    parser.add_argument("--rounds", type=int, help="Interleaved rounds (default 5; 3 with --quick).")
    parser.add_argument("--seconds", type=float, help="wrk duration per contestant and round (default 8; 2 with --quick).")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8).")
    parser.add_argument(
        "--workloads",
        help="Comma-separated subset of full,fields,list,stale,refresh,rfields (default: all; --quick: full,list,stale,refresh).",
    )
    parser.add_argument(
        "--compare", type=Path, help="Another checkout (with its .venv) whose server runs as graphql@B / rest@B: an A/B of two builds."
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    config = BenchConfig(
        rounds=args.rounds or (3 if args.quick else 5),
        seconds=args.seconds or (2.0 if args.quick else 8.0),
        connections=args.connections,
        customers=60 if args.quick else 200,
        invoices=600 if args.quick else 4000,
        events=5 if args.quick else 20,
        workloads=[
            w
            for w in (args.workloads or ("full,list,stale,refresh" if args.quick else "full,fields,list,stale,refresh,rfields")).split(",")
            if w
        ],
        compare=args.compare.resolve() if args.compare else None,
    )
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it)")
    started = time.monotonic()
    logs = ROOT / "bench" / "out"
    logs.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"bench: {info['cpu']}, {info['cores']} cores, load {info['load_average_at_start'][0]:.2f}", flush=True)
    report: dict[str, Any] = {"backends": {}, "machine": info}
    for backend in args.backends.split(","):
        work = Path(tempfile.mkdtemp(prefix=f"invoicegraph-bench-{backend}-"))
        try:
            report["backends"][backend] = bench_backend(backend, config, work, logs)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    report["config"] = {
        "quick": args.quick,
        "rounds": config.rounds,
        "seconds": config.seconds,
        "connections": config.connections,
        "data": {"customers": config.customers, "invoices": config.invoices, "events": config.invoices * config.events},
        "compare": str(config.compare) if config.compare else None,
        "server_core": SERVER_CORE,
        "client_and_postgres_core": CLIENT_CORE,
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    for backend, backend_report in report["backends"].items():
        print_table(backend, backend_report)
    print(f"bench: wrote {args.output} in {report['config']['elapsed_seconds']:.0f} s", flush=True)


def _ratios(rounds: list[dict[str, Any]], base: list[dict[str, Any]]) -> tuple[float, float]:
    """Medians of the same-round ratios to `base`: throughput (ours / base) and CPU per request (base's / ours)."""
    rps = [r["rps"] / b["rps"] for r, b in zip(rounds, base, strict=True) if b["rps"]]
    cpu = [
        b["cpu_ms_per_request"] / r["cpu_ms_per_request"]
        for r, b in zip(rounds, base, strict=True)
        if r["cpu_ms_per_request"] and b["cpu_ms_per_request"]
    ]
    return round(median(rps) or 0, 3), round(median(cpu) or 0, 3)


def summarize(results: dict[str, Any], counts: dict[str, int], cases: dict[str, list[Contestant]]) -> dict[str, Any]:
    workloads_out: dict[str, Any] = {}
    for w, cs in cases.items():
        rest_rounds = results[w]["rest"]["rounds"]
        limit_rounds = results[w]["limit"]["rounds"] if "limit" in results[w] else None
        contestants_out: dict[str, Any] = {}
        for c in cs:
            rounds = results[w][c.name]["rounds"]
            to_rest, cpu_to_rest = _ratios(rounds, rest_rounds)
            to_limit, cpu_to_limit = _ratios(rounds, limit_rounds) if limit_rounds else (None, None)
            capped = results[w][c.name]["capped"]
            kind = "rest" if c.name.startswith("rest") else "graphql"
            contestants_out[c.name] = {
                "rps_median": round(median([r["rps"] for r in rounds]) or 0, 1),
                "ratio_to_rest_median": to_rest,
                "cpu_ratio_to_rest_median": cpu_to_rest,
                "ratio_to_limit_median": to_limit,
                "cpu_ratio_to_limit_median": cpu_to_limit,
                "cpu_ms_per_request_median": round(median([r["cpu_ms_per_request"] for r in rounds]) or 0, 3),
                "p50_ms": round(capped["p50_us"] / 1000, 2),
                "p99_ms": round(capped["p99_us"] / 1000, 2),
                "capped_target_rps": round(capped["target_rps"], 1),
                "non2xx": sum(r["non2xx"] for r in rounds) + capped["non2xx"],
                "socket_errors": sum(r["socket_errors"] for r in rounds) + capped["socket_errors"],
                "statements_per_request": None if c.name == "limit" or "@" in c.name else counts.get(f"{w}/{kind}"),
                "rounds": rounds,
            }
        workloads_out[w] = contestants_out
    sizes = sorted({int(k.rsplit("/", 1)[1]) for k in counts if k.startswith("list/rest/")})
    scaling = {kind: {size: counts.get(f"list/{kind}/{size}") for size in sizes} for kind in ("rest", "graphql")}
    targets: dict[str, Any] = {}
    for w, floor in TARGETS_REST.items():
        if w in workloads_out:
            best = max(workloads_out[w]["graphql"]["ratio_to_rest_median"], workloads_out[w]["persisted"]["ratio_to_rest_median"])
            targets[f"{w} graphql/rest"] = {"value": best, "target": floor, "met": best >= floor}
    for (w, name), floor in TARGETS_LIMIT.items():
        if w in workloads_out:
            value = workloads_out[w][name]["ratio_to_limit_median"] or 0
            targets[f"{w} {name}/limit"] = {"value": value, "target": floor, "met": value >= floor}
    targets["statements constant in list size"] = {"met": all(len(set(v.values())) == 1 for v in scaling.values())}
    report: dict[str, Any] = {"workloads": workloads_out, "statements_by_list_size": scaling, "targets": targets}
    if "stale" in workloads_out and "list" in workloads_out:
        # What staleSources costs on the 25-invoice list: statements added, and throughput against the plain list.
        list_rps, stale_rps = workloads_out["list"]["graphql"]["rps_median"], workloads_out["stale"]["graphql"]["rps_median"]
        report["stale_sources_cost"] = {
            "statements_list": counts.get("list/graphql"),
            "statements_stale": counts.get("stale/graphql"),
            "rps_ratio_to_list": round(stale_rps / list_rps, 3) if list_rps else None,
        }
    return report


def print_table(backend: str, report: dict[str, Any]) -> None:
    header = (
        f"{'workload':<8} {'contestant':<10} {'rps':>7} {'x limit':>7} {'x REST':>7} {'CPU ms/req':>10} {'x limit CPU':>11} "
        f"{'x REST CPU':>10} {'p50 ms':>7} {'p99 ms':>7} {'SQL/req':>7}"
    )
    print(f"\n{backend}")
    print(header)
    print("-" * len(header))
    for w, cs in report["workloads"].items():
        for name, c in cs.items():
            limit = f"{c['ratio_to_limit_median']:>7.2f}" if c["ratio_to_limit_median"] is not None else f"{'':>7}"
            limit_cpu = f"{c['cpu_ratio_to_limit_median']:>11.2f}" if c["cpu_ratio_to_limit_median"] is not None else f"{'':>11}"
            print(
                f"{w:<8} {name:<10} {c['rps_median']:>7.0f} {limit} {c['ratio_to_rest_median']:>7.2f} {c['cpu_ms_per_request_median']:>10.2f} "
                f"{limit_cpu} {c['cpu_ratio_to_rest_median']:>10.2f} {c['p50_ms']:>7.1f} {c['p99_ms']:>7.1f} {c['statements_per_request'] or '':>7}"
            )
    print()
    for kind, by_size in report["statements_by_list_size"].items():
        print(f"statements per list request, {kind}: " + ", ".join(f"{s} items: {n}" for s, n in by_size.items()))
    for name, t in report["targets"].items():
        shown = f"{t['value']:.2f} >= {t['target']}: " if "value" in t else ""
        print(f"target {name}: {shown}{'met' if t['met'] else 'NOT met'}")
    stale = report.get("stale_sources_cost")
    if stale is not None:
        print(
            f"staleSources on the 25-invoice list: {stale['statements_stale']} statements per request "
            f"(plain list {stale['statements_list']}), throughput x{stale['rps_ratio_to_list']} of the plain list"
        )


if __name__ == "__main__":
    main()
