"""The client-facing SDL (`clients/schema.graphql`): the schema as a frontend sees it, without federation.

`schema.graphql` is the subgraph's contract for gateways: it carries `@link`, `@key`, `@shareable`,
`_entities`, `_service`, `_Any`, `_Entity` and `_Service`, which graphql-js `buildSchema` refuses
(unknown directives) and which no frontend queries. This is the same schema without them, printed by
graphql-core: every description kept, `@specifiedBy` and `@deprecated` as the GraphQL spec writes
them. Code generators, IDE plugins and mocks read this one; `make schema` writes both files.
"""

from __future__ import annotations

from graphql import GraphQLNamedType, GraphQLObjectType, GraphQLSchema, print_schema, specified_directives

# Federation's plumbing: names that start with "_" (the entity resolver and the SDL) or "link__".
_FEDERATION_PREFIXES = ("_", "link__")


def _is_federation(name: str) -> bool:
    return name.startswith(_FEDERATION_PREFIXES) and not name.startswith("__")


def client_schema(schema: GraphQLSchema) -> GraphQLSchema:
    """A copy of the schema's types without federation's fields, types and directives."""
    query = schema.query_type
    if query is None:  # our schema always has one; graphql-core's type allows none
        raise ValueError("a schema without a query type has no client SDL")
    client_query = GraphQLObjectType(
        query.name,
        {name: field for name, field in query.fields.items() if not _is_federation(name)},
        description=query.description,
    )
    types: list[GraphQLNamedType] = [
        named
        for name, named in schema.type_map.items()
        if not name.startswith("__") and not _is_federation(name) and named is not query and named is not schema.mutation_type
    ]
    return GraphQLSchema(query=client_query, mutation=schema.mutation_type, types=types, directives=specified_directives)


def client_sdl(schema: GraphQLSchema) -> str:
    return print_schema(client_schema(schema)) + "\n"
