"""CPU instructions per request, counted by valgrind's callgrind: a measure the other core's load cannot move.

`make bench` measures throughput and CPU time against a real server under wrk; on a shared machine
those drift by several percent between runs. This counts the instructions one in-process request
costs (the app through httpx's ASGI transport, the demo data on SQLite), the same for the same code
whatever else the machine does, so that two versions of a hot path can be compared to a percent:

    .venv/bin/python bench/instructions.py                    # every workload, 20 and 60 requests each
    .venv/bin/python bench/instructions.py --workloads full,refresh --low 10 --high 40

Each workload runs twice under callgrind, with `low` and `high` measured requests after the same
warm-up; (instructions(high) - instructions(low)) / (high - low) is one request's cost, start-up and
warm-up cancelled out. Needs valgrind (Debian's package).
"""

# A command-line tool that starts and drives local processes and prints its report.
# ruff: noqa: T201, S603

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 10
INVOICE = "invo_globex_2026_11"
HEADERS = {"X-API-KEY": "igk_demo_all_platforms_0000000000000000000000", "x-platform-id": "plat_acme"}
LIST = "query List { invoices(first: 25) { edges { node { id invoiceNumber status invoiceDate dueDate invoiceAmountIncludingTax { quantity currency } customer { organization { legalName } } } } } }"
REFRESH = "mutation Refresh($id: ID!) { refreshInvoice(id: $id, types: [FULL]) { id version invoiceAmountIncludingTax { quantity currency } customer { id reference } periods { groups { lines { id description amountExcludingTax { quantity currency } } } } } }"


def _full_document() -> str:
    sys.path.insert(0, str(ROOT))
    from tests.support.graph_query import full_selection

    from invoicegraph.library_internals import graphql_core_schema
    from invoicegraph.schema.build import build_schema

    return f'query Full {{ invoice(id: "{INVOICE}") {{\n' + full_selection(graphql_core_schema(build_schema()), "Invoice", 4) + "\n} }"


def _requests(workload: str) -> tuple[str, str, dict[str, Any] | None]:
    if workload == "full":
        return "POST", "/graphql", {"query": _full_document()}
    if workload == "list":
        return "POST", "/graphql", {"query": LIST}
    if workload == "refresh":
        return "POST", "/graphql", {"query": REFRESH, "variables": {"id": INVOICE}}
    if workload == "rest-get":
        return "GET", f"/v1/invoices/{INVOICE}", None
    if workload == "rest-list":
        return "GET", "/v1/invoices?limit=25", None
    if workload == "rest-refresh":
        return "POST", f"/v1/invoices/{INVOICE}/refresh", {"types": ["FULL"]}
    raise SystemExit(f"unknown workload {workload}")


async def _run(database: str, workload: str, count: int) -> None:
    import httpx

    from invoicegraph.app import create_app
    from invoicegraph.settings import Settings

    app = create_app(Settings(database_url=database, log_level="WARNING", max_tokens=100_000, metrics_enabled=False))
    method, path, body = _requests(workload)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as client:
        for _ in range(WARM_UP + count):
            response = await client.request(method, path, json=body, headers=HEADERS)
            if response.status_code != 200 or b'"errors"' in response.content[:12]:
                raise SystemExit(f"{workload}: {response.status_code} {response.text[:300]}")


def _callgrind(database: str, workload: str, count: int, workdir: Path) -> int:
    out = workdir / f"callgrind.{workload}.{count}"
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        sys.executable,
        __file__,
        "--run",
        workload,
        str(count),
        database,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind failed for {workload} ({count}):\n{done.stderr[-2000:]}")
    out.unlink(missing_ok=True)
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="full,list,refresh,rest-get,rest-list,rest-refresh")
    parser.add_argument("--low", type=int, default=20)
    parser.add_argument("--high", type=int, default=60)
    parser.add_argument("--run", nargs=3, metavar=("WORKLOAD", "COUNT", "DATABASE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        workload, count, database = args.run
        asyncio.run(_run(database, workload, int(count)))
        return
    with tempfile.TemporaryDirectory(prefix="invoicegraph-instructions-") as scratch:
        workdir = Path(scratch)
        database = f"sqlite+aiosqlite:///{workdir / 'demo.db'}"
        env = {**os.environ, "INVOICEGRAPH_DATABASE_URL": database}
        subprocess.run([str(Path(sys.executable).with_name("invoicegraph")), "demo"], env=env, cwd=workdir, check=True, capture_output=True)
        for workload in args.workloads.split(","):
            low = _callgrind(database, workload, args.low, workdir)
            high = _callgrind(database, workload, args.high, workdir)
            print(f"{workload:<13} {(high - low) / (args.high - args.low) / 1e6:8.2f} M instructions per request")


if __name__ == "__main__":
    main()
