"""Assembles the federation v2 schema of the billing subgraph.

- Plain fields have no resolver: `StrawberryConfig.default_resolver` is the dict-aware getter of
  `resolving.py` (a root value is a dict in the vendor's snake_case shape).
- Decimal, DateTime and Date replace Strawberry's built-ins; CurrencyCode, CountryCode and JSON are
  ours (`scalars.py`).
- `_entities` refuses more than `settings.max_entities` representations and requires INVOICE.VIEW.
- Errors are coded by the GraphQL endpoint, which runs graphql-core itself (graphql/errors.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.info import Info

from invoicegraph.errors import InvalidField, LimitExceeded
from invoicegraph.execution.context import PlanMode, PlannedExecutionContext
from invoicegraph.library_internals import graphql_core_schema
from invoicegraph.schema.federation import ANY_DESCRIPTION, describe_federation
from invoicegraph.schema.permissions import INVOICE_VIEW, require_any
from invoicegraph.schema.resolving import list_field_names, make_default_resolver
from invoicegraph.schema.roots import Mutation, Query
from invoicegraph.schema.scalars import SCALAR_OVERRIDES
from invoicegraph.schema.subscription_root import Subscription
from invoicegraph.schema.types.invoice import Invoice
from invoicegraph.schema.types.parties import BillingEntity, Customer

# Entity types, listed explicitly so they stay in the schema even if no field reaches them.
ENTITY_TYPES: tuple[type, ...] = (Invoice, Customer, BillingEntity)
ENTITY_TYPE_NAMES = frozenset({"Invoice", "Customer", "BillingEntity"})


class BillingSchema(strawberry.federation.Schema):
    """The subgraph schema: federation's Schema with our `_entities` guard."""

    def entities_resolver(
        self,
        info: Info,
        representations: list[FederationAny],
    ) -> list[FederationAny]:
        # Entities are invoices, customers and billing entities: what INVOICE.VIEW reads (docs/api.md). First,
        # so that a request without a credential is told so (graphql/anonymous.py relies on it).
        require_any(info, (INVOICE_VIEW,))
        # Checked before any representation is looked at: the count is the cost.
        limit: int = info.context.settings.max_entities
        if len(representations) > limit:
            raise LimitExceeded(
                f"_entities accepts at most {limit} representations per request; {len(representations)} were sent.",
                field="representations",
            )
        # Strawberry's resolver fails with an unexpected error (a 500-like INTERNAL_ERROR) on an unknown
        # or missing __typename, a non-object, or an extra field, and builds types that have no
        # resolve_reference straight from client data. Only our keyed entities, by id, get through;
        # anything else is a coded error at its own index.
        results: list[Any] = [None] * len(representations)
        positions: list[int] = []
        keys: list[Any] = []
        for index, representation in enumerate(representations):
            typename = representation.get("__typename") if isinstance(representation, dict) else None
            entity_id = representation.get("id") if isinstance(representation, dict) else None
            if typename in ENTITY_TYPE_NAMES and isinstance(entity_id, str):
                positions.append(index)
                keys.append({"__typename": typename, "id": entity_id})
            else:
                results[index] = InvalidField(
                    f"Representation {index} must be an object with __typename {', '.join(sorted(ENTITY_TYPE_NAMES))} and a string id.",
                    field=f"representations.{index}",
                )
        for index, result in zip(positions, super().entities_resolver(info, keys), strict=True):
            results[index] = result
        return results


def _same(value: Any) -> Any:
    return value


def default_config(**options: Any) -> StrawberryConfig:
    """A StrawberryConfig for this schema; `options` are StrawberryConfig fields.

    `build_schema` always installs the dict-aware default resolver, whatever the config says.
    """
    return StrawberryConfig(**options)


def build_schema(
    *,
    extensions: Sequence[Any] = (),
    config: StrawberryConfig | None = None,
    execution_plans: PlanMode = "on",
) -> BillingSchema:
    """The billing subgraph schema. Pass schema extensions as classes or factories, never instances.

    `config` is copied, not changed; its `default_resolver` is replaced by the dict-aware one.
    `execution_plans` is the mode of the compiled completion plans (execution/context.py).
    """
    list_fields: set[str] = set()
    config = dataclasses.replace(config) if config is not None else StrawberryConfig()
    config.default_resolver = make_default_resolver(list_fields)
    schema = BillingSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(ENTITY_TYPES),
        extensions=list(extensions),
        config=config,
        scalar_overrides={
            **SCALAR_OVERRIDES,
            FederationAny: strawberry.scalar(name="_Any", description=ANY_DESCRIPTION, serialize=_same, parse_value=_same),
        },
        federation_version="2.11",
        execution_context_class=PlannedExecutionContext.with_mode(execution_plans),
    )
    definitions = [
        concrete.definition
        for concrete in schema.schema_converter.type_map.values()
        if isinstance(concrete.definition, StrawberryObjectDefinition)
    ]
    list_fields.update(list_field_names(definitions))
    _trust_abstract_types(schema)
    describe_federation(graphql_core_schema(schema))
    return schema


def _trust_abstract_types(schema: BillingSchema) -> None:
    """Let interfaces decide the type of a row, not `isinstance`.

    Strawberry gives every object type that implements an interface an `is_type_of` check that is
    `isinstance(value, TheClass)`; our values are dict rows, which no check would pass, and compiled
    plans leave such types to graphql-core. Our interfaces resolve a row's type themselves (`Node` by
    the id's prefix) and every other field is typed by its concrete type, so the check has nothing to
    add: it is removed (graphql-core's `is_type_of` is a public, optional attribute).
    """
    for named in graphql_core_schema(schema).type_map.values():
        if isinstance(named, GraphQLObjectType) and named.interfaces:
            named.is_type_of = None
