"""Shared pieces for resolvers in the schema: the row type, the Info alias and loader fields.

A root value is a plain dict in the vendor's snake_case JSON shape (docs/architecture.md). Fields that
read live records from other tables go through the per-request DataLoaders on
`info.context.loaders` (invoicegraph.db.loaders.Loaders); `load_one` and `load_many` build those
resolvers, so every loader field is the same few lines and one batch is made per tick.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any, TypeAlias

import strawberry

from invoicegraph.db.loaders import ready, settled
from invoicegraph.execution import hints
from invoicegraph.graphql.context import RequestContext
from invoicegraph.rows import Row

Info: TypeAlias = strawberry.Info[RequestContext, Any]


def _dig(row: Row, path: tuple[str, ...]) -> Any:
    value: Any = row
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


@dataclass(frozen=True)
class _LoadOne:
    """The live record whose id is at `key_path` in the parent dict (execution/hints.py `PlanLoad`)."""

    loader: str
    key_path: tuple[str, ...]

    def keys(self, root: Row) -> list[str]:
        key = _dig(root, self.key_path)
        return [] if key is None else [key]

    def start(self, root: Row, context: RequestContext) -> Any:
        key = _dig(root, self.key_path)
        return None if key is None else settled(getattr(context.loaders, self.loader).load(key))

    def finish(self, value: Any, context: RequestContext) -> Any:
        return value


@dataclass(frozen=True)
class _LoadMany:
    """The live records whose ids are listed at `ids_key`, in that order, misses skipped."""

    loader: str
    ids_key: str

    def keys(self, root: Row) -> list[str]:
        return list(root.get(self.ids_key) or [])

    def start(self, root: Row, context: RequestContext) -> Any:
        keys = root.get(self.ids_key) or []
        if not keys:
            return []
        loader = getattr(context.loaders, self.loader)
        futures = [loader.load(key) for key in keys]
        if all(ready(future) for future in futures):
            return [future.result() for future in futures]
        return asyncio.gather(*futures)  # what BatchLoader.load_many does

    def finish(self, value: Any, context: RequestContext) -> Any:
        return [row for row in value if row is not None]


def load_one(loader: str, *key_path: str) -> Any:
    """Resolver: the live record whose id is at `key_path` in the parent dict, or None.

    None when the key is absent or null, and when the loader finds nothing (deleted, or another
    platform's id: the loaders are scoped to the caller's platform). The compiled plans run the same
    `_LoadOne` without calling the resolver (execution/hints.py).
    """
    load = _LoadOne(loader, key_path)

    async def resolve(root: Row, info: Info) -> Row | None:
        started = load.start(root, info.context)
        result: Row | None = load.finish(await started if isawaitable(started) else started, info.context)
        return result

    resolve.__name__ = f"load_{loader}"
    hints.load(resolve, load)
    return returns_rows(resolve)


def load_many(loader: str, ids_key: str) -> Any:
    """Resolver: the live records whose ids are listed at `ids_key`, in that order, misses skipped."""
    load = _LoadMany(loader, ids_key)

    async def resolve(root: Row, info: Info) -> list[Row]:
        started = load.start(root, info.context)
        rows: list[Row] = load.finish(await started if isawaitable(started) else started, info.context)
        return rows

    resolve.__name__ = f"load_many_{loader}"
    hints.load(resolve, load)
    return returns_rows(resolve)


def returns_rows(resolver: Callable[..., Any]) -> Any:
    """Mark a resolver that returns dict rows for a field typed by its class annotation.

    Strawberry types the field by the class annotation (`customer: Customer = strawberry.field(...)`),
    while the resolver returns the dict row; `strawberry.field(resolver=...)` is typed as returning
    the resolver's result, which mypy would compare with the annotation. At runtime this is identity.
    """
    return resolver


def unset_to_none(value: Any) -> Any:
    """Arguments left out arrive as strawberry.UNSET (so the SDL shows no `= null` default)."""
    return None if value is strawberry.UNSET else value
