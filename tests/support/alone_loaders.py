"""Loaders whose every read runs its own statement: the reference the folded rounds are compared with."""

from __future__ import annotations

from typing import Any

from invoicegraph.db.loaders import Loaders, _alone, _Round
from invoicegraph.db.prepared import Reads
from invoicegraph.db.reads import Read
from invoicegraph.db.request import RequestDatabase


class _AloneRound(_Round):
    """A round that runs each read's statement on its own, never one folded UNION ALL."""

    @staticmethod
    async def _answer(session: Reads, platform_id: str, wanted: dict[Read, list[str]]) -> dict[Read, dict[str, Any]]:
        return {read: await _alone(session, read, platform_id, keys) for read, keys in wanted.items()}


class AloneLoaders(Loaders):
    """The request's loaders, except that their rounds never fold reads together (db/loaders.py `_Round`)."""

    def __init__(self, database: RequestDatabase, platform_id: str | None) -> None:
        super().__init__(database, platform_id)
        self._round = _AloneRound(database, platform_id, None)
