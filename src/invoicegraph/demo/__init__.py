"""The demo data set (`demo/data/demo.json`, in the import format) and the synthetic file generator."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from invoicegraph.demo.keys import DEMO_API_KEY, DEMO_PLATFORM_KEYS

if TYPE_CHECKING:
    from invoicegraph.db.engine import Database
    from invoicegraph.services.importing.report import ImportReport

DEMO_FILE = Path(__file__).with_name("data") / "demo.json"
# The platform `make run` points newcomers at (the demo key spans both demo platforms).
DEMO_PLATFORM_ID = "plat_acme"


async def load_demo(database: Database) -> ImportReport:
    """Import the demo data set (an upsert: loading it twice changes nothing)."""
    from invoicegraph.services.importing import import_files

    return await import_files(database, [DEMO_FILE], progress=False)


__all__ = ["DEMO_API_KEY", "DEMO_FILE", "DEMO_PLATFORM_ID", "DEMO_PLATFORM_KEYS", "load_demo"]
