"""Loaders whose every batch runs its own statement: the reference the folded rounds are compared with."""

from __future__ import annotations

from typing import Any

from invoicegraph.db.loaders import BatchFn, Loaders, _alone, _in_key_order
from invoicegraph.db.reads import Read


class AloneLoaders(Loaders):
    """The request's loaders, except that a batch never joins a round (db/loaders.py `_Round`)."""

    def _batch(self, read: Read) -> BatchFn:
        database, platform_id = self._database, self._platform_id

        async def batch(keys: list[str]) -> list[Any]:
            if platform_id is None:
                return [None] * len(keys)
            async with database.session() as session:
                return _in_key_order(keys, await _alone(session, read, platform_id, keys))

        return batch
