"""Import files for tests: the example import file, changed as a test needs, loaded for real."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from invoicegraph.db.engine import Database
from invoicegraph.services.importing import import_files

EXAMPLE = Path(__file__).parent.parent / "integration" / "services" / "importing" / "fixtures" / "example.json"
EXAMPLE_KEY = "igk_test_2f9c7d1e8a4b4c6d9e0f1a2b3c4d5e6f"
INVOICE_ID = "invo_globex_2026_11"


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def record(data: dict[str, Any], section: str, record_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in data[section] if r.get("id") == record_id)
    return found


async def load(database: Database, directory: Path, data: dict[str, Any], name: str = "data.json") -> None:
    """Import `data` through the real import service; fail loudly on any problem."""
    path = directory / name
    path.write_text(json.dumps(data), encoding="utf-8")
    report = await import_files(database, [path], progress=False)
    problems = [p for f in report.files for p in f.problems]
    assert all(f.ok for f in report.files), problems
