"""Federation support: entity rows, `_service`, and the `_entities` guard.

`_entities` returns dict rows, which are not instances of any Strawberry type, so the `_Entity` union
could not tell an Invoice from a Customer. `entity()` wraps a loaded row in an `EntityRow` (a dict
subclass, so the default resolver reads it like any row) marked with `strawberry.cast`, which union
resolution checks first (strawberry/types/union.py).
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.printer import print_schema

from invoicegraph.schema.loading import Info, Row


class EntityRow(dict[str, Any]):
    """A row returned through `_entities`, tagged with its Strawberry type."""


def entity(type_: type, row: Row | None) -> Row | None:
    if row is None:
        return None
    return strawberry.cast(type_, EntityRow(row))


async def load_entity(type_: type, loader: str, info: Info, id: str) -> Row | None:
    """`resolve_reference` body: the row through the request's (platform-scoped) loader."""
    row: Row | None = await getattr(info.context.loaders, loader).load(id)
    return entity(type_, row)


def _sdl(info: Info) -> str:
    return print_schema(info.schema)


@strawberry.type(name="_Service")
class Service:
    sdl: str = strawberry.field(resolver=_sdl)
