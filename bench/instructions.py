"""CPU instructions per request, counted by valgrind's callgrind: a measure the other core's load cannot move.

`make bench` measures throughput and CPU time against a real server under wrk; on a shared machine
those drift by several percent between runs. This counts the instructions one in-process request
costs (the app through httpx's ASGI transport, the demo data on SQLite), the same for the same code
whatever else the machine does, so that two versions of a hot path can be compared to a percent:

    .venv/bin/python bench/instructions.py                    # every workload, 20 requests each
    .venv/bin/python bench/instructions.py --workloads full,refresh --requests 40
    .venv/bin/python bench/instructions.py --uvloop        # on uvloop, the loop the server runs on

One process runs under callgrind with `--dump-before=time_sleep`: the app starts, and per workload
it warms up, calls `time.sleep(0)` (callgrind dumps its counters: what came before is not counted),
runs `--requests` requests and sleeps again (a dump: exactly those requests). Nothing else on the
request path calls `time.sleep`. Needs valgrind (Debian's package).
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
import time
from pathlib import Path
from typing import Any

import uvloop
from fairness_limits import RAISED  # bench/ is the script's own directory on sys.path

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


async def _run(database: str, workloads: list[str], count: int) -> None:
    import httpx

    from invoicegraph.app import create_app
    from invoicegraph.memory import tune_collector
    from invoicegraph.settings import Settings

    app = create_app(Settings(database_url=database, log_level="WARNING", max_tokens=100_000, metrics_enabled=False, **RAISED))
    # Without the app's lifespan: its background work (webhook delivery and feed polls, maintenance jobs
    # such as the idle full collection) runs per second, not per request, and a slow run under callgrind
    # would count more of it per request. The collector is tuned as the lifespan tunes it.
    tune_collector()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as client:
        for workload in workloads:
            method, path, body = _requests(workload)
            for index in range(WARM_UP + count):
                if index == WARM_UP:
                    time.sleep(0)  # noqa: ASYNC251  (callgrind dumps its counters here: the warm-up is not counted)
                response = await client.request(method, path, json=body, headers=HEADERS)
                if response.status_code != 200 or b'"errors"' in response.content[:12]:
                    raise SystemExit(f"{workload}: {response.status_code} {response.text[:300]}")
            time.sleep(0)  # noqa: ASYNC251  (and here: exactly `count` requests of this workload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="full,list,refresh,rest-get,rest-list,rest-refresh")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--uvloop", action="store_true", help="run the app on uvloop (as the server does) instead of asyncio's loop")
    parser.add_argument("--run", nargs=3, metavar=("WORKLOADS", "COUNT", "DATABASE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        workloads, count, database = args.run
        runner = uvloop.run if args.uvloop else asyncio.run
        runner(_run(database, workloads.split(","), int(count)))
        return
    workloads = args.workloads.split(",")
    with tempfile.TemporaryDirectory(prefix="invoicegraph-instructions-") as scratch:
        workdir = Path(scratch)
        database = f"sqlite+aiosqlite:///{workdir / 'demo.db'}"
        env = {**os.environ, "INVOICEGRAPH_DATABASE_URL": database}
        subprocess.run([str(Path(sys.executable).with_name("invoicegraph")), "demo"], env=env, cwd=workdir, check=True, capture_output=True)
        out = workdir / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-before=time_sleep",
            sys.executable, __file__, "--run", ",".join(workloads), str(args.requests), database,
            *(["--uvloop"] if args.uvloop else []),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"callgrind failed:\n{done.stderr[-2000:]}")
        # Dumps in order: start-up and the first warm-up, then per workload its requests and the next warm-up.
        totals = [_summary(workdir / f"callgrind.out.{n}") for n in range(1, 2 * len(workloads) + 1)]
        for index, workload in enumerate(workloads):
            print(f"{workload:<13} {totals[2 * index + 1] / args.requests / 1e6:8.2f} M instructions per request", flush=True)


def _summary(path: Path) -> int:
    found = re.search(r"^summary: (\d+)", path.read_text(), re.MULTILINE)
    if found is None:
        raise SystemExit(f"no summary in {path}")
    return int(found.group(1))


if __name__ == "__main__":
    main()
