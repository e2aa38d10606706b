"""Small factories for tests: platforms and credentials, written through the real tables/services."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from invoicegraph.db.engine import Database
from invoicegraph.db.tables import Platform
from invoicegraph.services.api_keys import create_api_key
from invoicegraph.settings import Settings

ALL = ["INVOICE.VIEW", "INVOICE.REFRESH", "INVOICE.PREVIEW"]


@dataclass(frozen=True)
class Key:
    id: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-KEY": self.key}


async def add_platforms(database: Database, *platform_ids: str) -> None:
    now = datetime.now(UTC)
    async with database.write() as session:
        for platform_id in platform_ids:
            session.add(Platform(id=platform_id, name=platform_id.replace("_", " "), settings={}, created_at=now))


async def add_key(database: Database, platforms: list[str], permissions: list[str] | None = None, **options: Any) -> Key:
    key_id, key = await create_api_key(
        database, name="test", platforms=platforms, permissions=permissions or ALL, expires_at=options.get("expires_at")
    )
    return Key(key_id, key)


def bearer(settings: Settings, *, platforms: list[str], permissions: list[str] | None = None, **claims: Any) -> dict[str, str]:
    payload: dict[str, Any] = {"sub": "user-1", "exp": int(time.time()) + 300, "platforms": platforms, "permissions": permissions or ALL}
    payload.update(claims)
    return {"Authorization": "Bearer " + jwt.encode(payload, settings.jwt_secret, algorithm="HS256")}
