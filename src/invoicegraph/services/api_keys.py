"""Managing API keys (the CLI's `api-keys` commands)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlmodel import col

from invoicegraph.auth.keys import generate_key, hash_key, key_prefix
from invoicegraph.auth.permissions import GRANTABLE, unknown
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import ApiKey, ApiKeyPlatform, Platform


class UnknownPlatform(ValueError):
    pass


async def create_api_key(
    database: Database, *, name: str, platforms: list[str], permissions: list[str], expires_at: datetime | None
) -> tuple[str, str]:
    """Create a key; returns (id, key). The key itself is not stored."""
    refused = unknown(permissions)
    if refused:
        raise ValueError(f"unknown permission(s): {', '.join(refused)}; use {', '.join(sorted(GRANTABLE))}")
    if not platforms:
        raise ValueError("a key needs at least one platform (--platform)")
    key = generate_key()
    key_id = "akey_" + secrets.token_hex(8)
    now = datetime.now(UTC)
    async with database.write() as session:
        existing = set((await session.scalars(select(col(Platform.id)).where(col(Platform.id).in_(platforms)))).all())
        missing = sorted(set(platforms) - existing)
        if missing:
            raise UnknownPlatform(f"unknown platform(s): {', '.join(missing)}")
        session.add(
            ApiKey(
                id=key_id,
                name=name,
                key_prefix=key_prefix(key),
                key_hash=hash_key(key),
                status="ACTIVE",
                permissions=sorted(set(permissions)),
                expires_at=expires_at,
                created_at=now,
            )
        )
        await session.flush()
        session.add_all(ApiKeyPlatform(platform_id=p, api_key_id=key_id) for p in sorted(set(platforms)))
    return key_id, key


async def list_api_keys(database: Database) -> list[dict[str, object]]:
    async with database.read() as session:
        keys = (await session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id))).all()  # type: ignore[arg-type]
        links = (await session.execute(select(col(ApiKeyPlatform.api_key_id), col(ApiKeyPlatform.platform_id)))).all()
    platforms: dict[str, list[str]] = {}
    for key_id, platform_id in links:
        platforms.setdefault(key_id, []).append(platform_id)
    return [
        {
            "id": key.id,
            "name": key.name,
            "prefix": key.key_prefix,
            "status": key.status,
            "platforms": ",".join(sorted(platforms.get(key.id, []))),
            "permissions": ",".join(key.permissions),
            "expires_at": key.expires_at.isoformat() if key.expires_at else None,
            "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
        }
        for key in keys
    ]


async def revoke_api_key(database: Database, key_id: str) -> bool:
    async with database.write() as session:
        result = await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(status="INACTIVE"))  # type: ignore[arg-type]
    return bool(result.rowcount)  # type: ignore[attr-defined]
