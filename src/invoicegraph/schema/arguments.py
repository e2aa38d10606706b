"""Helpers for field arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeAlias

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


# Relay's connection arguments, shared by every invoice and customer connection (resolvers/paging.py checks them).
FirstArg: TypeAlias = Annotated[
    int | None,
    strawberry.argument(
        description=(
            "Page size when paging forward: 0 to 100; 25 when neither first nor last is given. Out of range:\nINVALID_FIELD naming `first`."
        )
    ),
]
AfterArg: TypeAlias = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "Opaque cursor (an endCursor of an earlier page); the page starts after it. A malformed cursor, or\n"
            "one taken with another filter or order, fails with INVALID_FIELD naming `after`."
        )
    ),
]
LastArg: TypeAlias = Annotated[
    int | None,
    strawberry.argument(
        description=(
            "Page size when paging backward: the last 0 to 100 items before `before` (or of the whole list).\n"
            "Cannot be combined with first or after (INVALID_FIELD)."
        )
    ),
]
BeforeArg: TypeAlias = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "Opaque cursor (a startCursor of a later page); the page ends before it. Malformed or foreign:\nINVALID_FIELD naming `before`."
        )
    ),
]
