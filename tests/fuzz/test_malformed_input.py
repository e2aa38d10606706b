"""Property-based malformed input against the REST routes and the importer.

Bad JSON, wrong types, floats for amounts, huge and unicode values, unknown enum values, missing
fields. Whatever comes in: no server error (REST answers a coded 4xx), no exception out of the
importer (a report with problems), and nothing written by a refused request or a failed file.
Seeded (`derandomize=True`) and bounded (`max_examples`); cases are drawn first, then sent in the
test's event loop.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel, col

from invoicegraph.db import tables
from invoicegraph.db.engine import Database
from invoicegraph.services.importing import import_files
from tests.security.tenancy.conftest import Tenants
from tests.support.data import example
from tests.support.tenant_guard import tenant_tables

REST_EXAMPLES = 120
IMPORT_EXAMPLES = 60

_WEIRD_TEXT = st.one_of(
    st.text(max_size=30),
    st.just("x" * 100_000),
    st.sampled_from(["", " ", "\x00", "🧾💶", "DROP TABLE invoice;--", "../../etc/passwd", "NaN", "Infinity", "1e309", "-0.0"]),
)
BAD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _WEIRD_TEXT,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(["FULL", "full", "PAYMENT_TERMS", "NOT_A_TYPE", "DRAFT", "VOID"]),
)


def draw(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    drawn: list[Any] = []

    @settings(max_examples=count, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


async def fingerprint(database: Database) -> dict[str, Any]:
    """Row counts of every tenant table, and every invoice's version and update time."""
    found: dict[str, Any] = {}
    async with database.read() as session:
        for name in sorted(tenant_tables()):
            table = SQLModel.metadata.tables[name]
            found[name] = (await session.execute(select(func.count()).select_from(table))).scalar_one()
        rows = await session.execute(
            select(col(tables.Invoice.platform_id), col(tables.Invoice.id), col(tables.Invoice.version), col(tables.Invoice.updated_at))
        )
        found["invoices"] = sorted(tuple(map(str, row)) for row in rows)
    return found


def _rest_case() -> st.SearchStrategy[tuple[str, bytes, str]]:
    bodies = st.one_of(
        st.binary(max_size=64),
        st.sampled_from([b"{", b"[]", b"null", b'"FULL"', b"{'type': 'FULL'}", b'{"type": "FULL",}', b"\xff\xfe{}"]),
        st.dictionaries(st.sampled_from(["type", "types", "id", "dry_run", "amount", "extra"]), BAD_VALUES, max_size=3).map(
            lambda d: json.dumps(d, default=str).encode()
        ),
        st.lists(BAD_VALUES, max_size=3).map(lambda types: json.dumps({"types": types}, default=str).encode()),
    )
    # Any text but "/", which would be another route (Starlette's plain 404, not this route's answer).
    ids = st.one_of(
        st.sampled_from(["invo_globex_2026_11", "invo_initech_2026_11"]), st.text(min_size=1, max_size=40).filter(lambda t: "/" not in t)
    )
    return st.tuples(ids, bodies, st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""]))


async def test_rest_routes_answer_coded_4xx_and_write_nothing(client: httpx.AsyncClient, database: Database, tenants: Tenants) -> None:
    cases = draw(_rest_case(), REST_EXAMPLES)
    before = await fingerprint(database)
    statuses: dict[int, int] = {}
    for number, (invoice_id, body, content_type) in enumerate(cases):
        path_id = quote(invoice_id, safe="") or "x"
        headers = {**tenants.a.key_headers, "content-type": content_type}
        dry_run = "?dry_run=true" if number % 3 == 0 else ""
        response = await client.post(f"/v1/invoices/{path_id}/refresh{dry_run}", content=body, headers=headers)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (invoice_id, body, response.text)
        if response.status_code >= 400:
            assert response.headers.get("content-type", "").startswith("application/json"), (
                invoice_id,
                body,
                response.status_code,
                response.text[:200],
            )
            problem = response.json()
            assert set(problem) == {"type", "code", "field", "message", "resource_id", "resource_type"}, problem
            assert problem["type"] == "INVALID_REQUEST"
        read = await client.get(f"/v1/invoices/{path_id}", headers=tenants.a.key_headers)
        assert read.status_code in (200, 404), read.text
        if response.status_code >= 400:
            after = await fingerprint(database)
            assert after == before, (invoice_id, body)
        else:
            before = await fingerprint(database)
    assert sum(count for status, count in statuses.items() if status >= 400) > len(cases) // 2, statuses


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [prefix] + [p for key, item in value.items() for p in _leaf_paths(item, (*prefix, key))]
    if isinstance(value, list):
        return [prefix] + [p for index, item in enumerate(value) for p in _leaf_paths(item, (*prefix, index))]
    return [prefix]


def _mutated(base: dict[str, Any], path: tuple[Any, ...], action: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    if not path:
        return data
    parent: Any = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "float" and isinstance(parent[last], str):
        try:
            parent[last] = float(parent[last])
        except ValueError:
            parent[last] = 0.1
    else:
        parent[last] = value
    return data


async def test_the_importer_reports_problems_and_writes_nothing_of_a_failed_file(database: Database, tmp_path: Path) -> None:
    base = example()
    paths = [p for p in _leaf_paths(base) if p and p[0] not in ("format",)]
    cases = draw(
        st.tuples(st.integers(0, len(paths) - 1), st.sampled_from(["replace", "delete", "float"]), BAD_VALUES, st.integers(0, 5)),
        IMPORT_EXAMPLES,
    )
    # A first import of the valid file: failed files must then leave that state untouched.
    assert (await import_files(database, [_write(tmp_path / "base.json", base)], progress=False)).ok
    before = await fingerprint(database)
    outcomes = {"ok": 0, "refused": 0}
    for number, (index, action, value, truncate) in enumerate(cases):
        data = _mutated(base, paths[index], action, value)
        path = tmp_path / f"case{number}.json"
        text = json.dumps(data, default=str)
        if truncate == 0:
            text = text[: len(text) // 2]  # not JSON any more
        path.write_text(text, encoding="utf-8")
        report = await import_files(database, [path], progress=False)
        if report.ok:
            outcomes["ok"] += 1
            before = await fingerprint(database)
            continue
        outcomes["refused"] += 1
        problems = [problem for file in report.files for problem in file.problems]
        assert problems, (paths[index], action, value)
        assert await fingerprint(database) == before, (paths[index], action, value)
    assert outcomes["refused"] > IMPORT_EXAMPLES // 3, outcomes


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_import_command_exits_1_without_a_traceback(tmp_path: Path, sqlite_template: Path) -> None:
    database = tmp_path / "cli.db"
    database.write_bytes(sqlite_template.read_bytes())
    bad = example()
    bad["invoices"][0]["billing_currency"] = 12.5
    bad["customers"][0]["type"] = "NOT_A_TYPE"
    files = [_write(tmp_path / "bad.json", bad), tmp_path / "broken.json"]
    files[1].write_text('{"format": "invoicegraph/v1", "platforms": [', encoding="utf-8")
    env = {**os.environ, "INVOICEGRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    for file in files:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "invoicegraph"), "import", "--no-progress", str(file)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "nothing imported" in done.stderr
