"""The Relay `Node` interface: every record a client can fetch again by its id alone.

Ids already carry their kind (`invo_…`, `cust_…`: the import validates the prefixes), so `node(id:)`
needs no global-id encoding: the prefix names the type and the loader, and the id a client holds is
the id it sees everywhere else (REST, webhooks, the import file). An id with an unknown prefix, like
an unknown or foreign id, resolves to null.
"""

from __future__ import annotations

from typing import Any

import strawberry

from invoicegraph.resolvers.nodes import node_kind


@strawberry.interface(
    description=(
        "A record that can be fetched again by its id alone (Query.node). Ids are unique across the\n"
        "platform and start with their kind (invo_, cust_, enti_, paya_, coup_, prom_, metv_, ctyp_,\n"
        "psub_); `__typename` and `id` together are a safe cache key."
    ),
)
class Node:
    id: strawberry.ID = strawberry.field(description="The record's id, unique across the platform.")

    @classmethod
    def resolve_type(cls, obj: Any, info: Any, type_: Any) -> str | None:
        # Rows are plain dicts (no isinstance to go by): the id's prefix names the type.
        kind = node_kind(obj.get("id") if isinstance(obj, dict) else None)
        return kind[0] if kind is not None else None
