"""API keys in import files: created once, never changed by a later file, permissions from the known set."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from invoicegraph.auth.api_keys import verify_api_key
from invoicegraph.db import tables
from invoicegraph.db.engine import Database
from invoicegraph.services.api_keys import revoke_api_key
from invoicegraph.services.importing import import_files
from tests.integration.services.importing.conftest import write

pytestmark = pytest.mark.asyncio

FIXED = "already exists and an import never changes its {field}; keys are revoked and created with `invoicegraph api-keys`"


def problem(field: str) -> str:
    return f"api_keys[0].{field}: API key 'akey_ops' " + FIXED.format(field=field)


async def stored_key(db: Database) -> tuple[Any, list[str]]:
    async with db.read() as session:
        key = (await session.execute(select(tables.ApiKey))).scalar_one()
        platforms = sorted((await session.scalars(select(tables.ApiKeyPlatform.platform_id))).all())  # type: ignore[call-overload]
    return key, platforms


async def test_a_revoked_key_stays_revoked_when_its_file_is_imported_again(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    path = write(tmp_path, example)
    assert (await import_files(db, [path], progress=False)).ok
    secret = example["api_keys"][0]["key"]
    assert await verify_api_key(db, secret) is not None
    assert await revoke_api_key(db, "akey_ops")

    again = await import_files(db, [path], progress=False)

    assert [str(p) for p in again.files[0].problems] == [problem("status")]
    assert await verify_api_key(db, secret) is None
    key, _ = await stored_key(db)
    assert key.status == "INACTIVE"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("permissions", ["ADMINISTRATOR"]),  # widened by a role
        ("permissions", ["INVOICE.VIEW"]),  # narrowed: only `invoicegraph api-keys` changes a key
        ("platform_ids", ["plat_acme", "plat_more"]),
        ("expires_at", "2030-01-01T00:00:00Z"),
        ("status", "INACTIVE"),
        ("key", "igk_test_" + "9" * 40),  # another secret under the same id
    ],
)
async def test_an_import_never_changes_a_stored_key(db: Database, example: dict[str, Any], tmp_path: Path, field: str, value: Any) -> None:
    example["platforms"].append({"id": "plat_more", "name": "More"})
    assert (await import_files(db, [write(tmp_path, example)], progress=False)).ok
    before = await stored_key(db)
    changed = copy.deepcopy(example)
    changed["api_keys"][0][field] = value

    report = await import_files(db, [write(tmp_path, changed, "changed.json")], progress=False)

    assert [str(p) for p in report.files[0].problems] == [problem(field)]
    assert await stored_key(db) == before


async def test_a_stored_key_may_be_repeated_as_it_is_and_renamed(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    assert (await import_files(db, [write(tmp_path, example)], progress=False)).ok
    example["api_keys"][0]["permissions"] = ["INVOICE.PREVIEW", "INVOICE.VIEW", "INVOICE.REFRESH", "INVOICE.VIEW"]  # same set
    example["api_keys"][0]["name"] = "operations"

    report = await import_files(db, [write(tmp_path, example, "renamed.json")], progress=False)

    assert report.ok, report.summary()
    key, platforms = await stored_key(db)
    assert (key.name, key.status, key.permissions, platforms) == (
        "operations",
        "ACTIVE",
        ["INVOICE.PREVIEW", "INVOICE.REFRESH", "INVOICE.VIEW"],
        ["plat_acme"],
    )


async def test_a_new_key_is_created_with_what_the_file_says(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    example["api_keys"][0] |= {"status": "INACTIVE", "permissions": ["READ_ONLY"]}

    assert (await import_files(db, [write(tmp_path, example)], progress=False)).ok

    key, _ = await stored_key(db)
    assert (key.status, key.permissions) == ("INACTIVE", ["READ_ONLY"])


async def test_unknown_permissions_are_refused_at_their_path(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    example["api_keys"][0]["permissions"] = ["INVOICE.VIEW", "INVOICE.DELETE", "invoice.view"]

    report = await import_files(db, [write(tmp_path, example)], progress=False)

    known = "ADMINISTRATOR, INVOICE.LINE.EDIT, INVOICE.PREVIEW, INVOICE.REFRESH, INVOICE.VIEW, READ_ONLY, WEBHOOK.VIEW"
    assert [str(p) for p in report.files[0].problems] == [
        f"api_keys[0].permissions[1]: 'INVOICE.DELETE' is not a permission; use one of {known}",
        f"api_keys[0].permissions[2]: 'invoice.view' is not a permission; use one of {known}",
    ]
    async with db.read() as session:
        assert (await session.execute(select(tables.ApiKey))).first() is None
