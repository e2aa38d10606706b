"""Helpers for field arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry

from invoicegraph.errors import InvalidField

DEFAULT_PAGE_SIZE = 25


def page_size(first: int | None) -> int:
    """`first: Int = 25` is nullable in the SDL; an explicit null means the default."""
    return DEFAULT_PAGE_SIZE if first is None or first is strawberry.UNSET else first


def checked_ids(info: Any, ids: Sequence[str]) -> list[str]:
    """`nodes(ids:)` takes at most the page size limit of ids: the count is the cost."""
    limit: int = info.context.settings.max_page_size
    if len(ids) > limit:
        raise InvalidField(f"`ids` takes at most {limit} ids, got {len(ids)}.", field="ids")
    return list(ids)
