"""Federation support: entity rows, `_service`, and the `_entities` guard.

`_entities` returns dict rows, which are not instances of any Strawberry type, so the `_Entity` union
could not tell an Invoice from a Customer. `entity()` wraps a loaded row in an `EntityRow` (a dict
subclass, so the default resolver reads it like any row) marked with `strawberry.cast`, which union
resolution checks first (strawberry/types/union.py).
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLEnumType, GraphQLSchema
from strawberry.printer import print_schema

from invoicegraph.rows import Row
from invoicegraph.schema.loading import Info


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


@strawberry.type(
    name="_Service",
    description="Apollo Federation: this subgraph's own schema, for a gateway or composition tool to read.",
)
class Service:
    sdl: str = strawberry.field(
        resolver=_sdl,
        description="This subgraph's schema in SDL, with its federation directives (the committed schema.graphql).",
    )


ANY_DESCRIPTION = (
    "Apollo Federation: an entity representation, `{__typename, id}` of an Invoice, Customer or BillingEntity, "
    "as a gateway sends it to _entities."
)

# Federation's own parts, which Strawberry adds without a word: described here, so every type, field,
# argument and directive of the schema says what it is (a gateway's schema browser shows these too).
_DESCRIPTIONS: dict[str, str] = {
    "_Entity": 'Apollo Federation: the types this subgraph resolves by key (`@key(fields: "id")`).',
    "_FieldSet": "Apollo Federation: a selection of fields, as a string (the `fields` of @key).",
    "link__Import": "Apollo Federation: a name imported by @link.",
    "link__Purpose": "Apollo Federation: why a schema is linked (@link's `for`).",
}
_ENTITIES = (
    "Apollo Federation: the entities a gateway asks this subgraph for, by key, in the order given; null for "
    "an id that is unknown or belongs to another platform. At most INVOICEGRAPH_MAX_ENTITIES (100) "
    "representations; requires the INVOICE.VIEW permission."
)
_DIRECTIVES: dict[str, str] = {
    "key": "Apollo Federation: the fields that identify an entity across subgraphs.",
    "shareable": "Apollo Federation: a type or field other subgraphs may resolve too.",
    "link": "Apollo Federation: the federation specification (and version) this schema uses.",
}


def describe_federation(schema: GraphQLSchema) -> None:
    """Give federation's types, fields, enum values and directives their descriptions (public attributes)."""
    for name, text in _DESCRIPTIONS.items():
        named = schema.type_map.get(name)
        if named is not None and not named.description:
            named.description = text
    purpose = schema.type_map.get("link__Purpose")
    if isinstance(purpose, GraphQLEnumType):
        purpose.values["SECURITY"].description = purpose.values["SECURITY"].description or "Linked for security reasons."
        purpose.values["EXECUTION"].description = purpose.values["EXECUTION"].description or "Linked because it changes execution."
    entities = schema.query_type.fields.get("_entities") if schema.query_type else None
    if entities is not None:
        entities.description = entities.description or _ENTITIES
        entities.args["representations"].description = "Entity representations: `{__typename, id}` each."
    for directive in schema.directives:
        if directive.name in _DIRECTIVES and not directive.description:
            directive.description = _DIRECTIVES[directive.name]
        for arg_name, argument in directive.args.items():
            argument.description = argument.description or f"The `{arg_name}` argument of @{directive.name} (Apollo Federation)."
