"""API keys in an import file: new keys are created; a stored key is never changed by a file.

A key's secret, status, permissions, platforms and expiry change only through `invoicegraph api-keys`
(create, revoke). An import that could set them would undo a revocation (re-importing the file a key
came from sets it ACTIVE again) or widen a key without anyone running the command made for it. So a
file may repeat a stored key exactly as it is (its name may change), and every other difference is a
problem at the changed field: nothing of the file is written.

Both checks read the database at the end of the first pass (services/importing/survey.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.auth.keys import hash_key
from invoicegraph.billing.instants import parse_instant
from invoicegraph.db import tables
from invoicegraph.records.problems import Problem, json_path

CHUNK = 500
FIXED_MESSAGE = (
    "API key {id!r} already exists and an import never changes its {field}; keys are revoked and created with `invoicegraph api-keys`"
)


@dataclass(frozen=True)
class KeyFacts:
    """What the first pass keeps of one API key record (never the key itself)."""

    where: tuple[str, int]
    id: str
    digest: str
    status: str
    permissions: frozenset[str]
    platforms: frozenset[str]
    expires_at: datetime | None


def key_facts(where: tuple[str, int], data: dict[str, Any]) -> KeyFacts:
    """The facts of a normalized `api_keys` record."""
    expires = data["expires_at"]
    return KeyFacts(
        where=where,
        id=data["id"],
        digest=hash_key(data["key"]),
        status=data["status"],
        permissions=frozenset(data["permissions"]),
        platforms=frozenset(data["platform_ids"]),
        expires_at=parse_instant(expires) if expires is not None else None,
    )


async def key_problems(keys: list[KeyFacts], session: AsyncSession) -> list[Problem]:
    """Secrets another stored key holds, and changes to stored keys, each at its path."""
    if not keys:
        return []
    by_digest = await _stored_digests(session, [k.digest for k in keys])
    stored = await _stored_keys(session, [k.id for k in keys])
    problems: list[Problem] = []
    for key in keys:
        holder = by_digest.get(key.digest)
        if holder is not None and holder != key.id:
            # The message names neither that key nor its platforms: keys of other tenants are not the
            # file's business, and telling whose secret it is would leak it.
            problems.append(
                Problem(json_path((*key.where, "key")), "this key is already in use by another API key; give a new, unique key")
            )
        old = stored.get(key.id)
        if old is not None:
            problems += [
                Problem(json_path((*key.where, field)), FIXED_MESSAGE.format(id=key.id, field=field)) for field in _changed(key, old)
            ]
    return problems


def _changed(key: KeyFacts, old: KeyFacts) -> Iterator[str]:
    if key.digest != old.digest:
        yield "key"
    if key.status != old.status:
        yield "status"
    if key.permissions != old.permissions:
        yield "permissions"
    if key.platforms != old.platforms:
        yield "platform_ids"
    if key.expires_at != old.expires_at:
        yield "expires_at"


async def _stored_digests(session: AsyncSession, digests: list[str]) -> dict[str, str]:
    table: Any = tables.ApiKey
    found: dict[str, str] = {}
    for start in range(0, len(digests), CHUNK):
        rows = await session.execute(select(table.key_hash, table.id).where(table.key_hash.in_(digests[start : start + CHUNK])))
        found.update({row[0]: row[1] for row in rows})
    return found


async def _stored_keys(session: AsyncSession, ids: list[str]) -> dict[str, KeyFacts]:
    key: Any = tables.ApiKey
    link: Any = tables.ApiKeyPlatform
    found: dict[str, KeyFacts] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        platforms: dict[str, set[str]] = {}
        for key_id, platform_id in await session.execute(select(link.api_key_id, link.platform_id).where(link.api_key_id.in_(chunk))):
            platforms.setdefault(key_id, set()).add(platform_id)
        rows = await session.execute(select(key.id, key.key_hash, key.status, key.permissions, key.expires_at).where(key.id.in_(chunk)))
        for key_id, digest, status, permissions, expires_at in rows:
            found[key_id] = KeyFacts(
                where=("api_keys", -1),
                id=key_id,
                digest=digest,
                status=status,
                permissions=frozenset(permissions),
                platforms=frozenset(platforms.get(key_id, ())),
                expires_at=expires_at,
            )
    return found
