"""Every type, field, argument, enum value and directive of the schema says what it is, federation's included."""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, GraphQLScalarType

from invoicegraph.library_internals import graphql_core_schema
from invoicegraph.schema.build import build_schema

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def test_nothing_in_the_schema_is_undescribed() -> None:
    schema = graphql_core_schema(build_schema())
    missing: list[str] = []
    for name, named in schema.type_map.items():
        if name.startswith("__") or (isinstance(named, GraphQLScalarType) and name in BUILT_IN_SCALARS):
            continue
        if not named.description:
            missing.append(name)
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field_name, field in named.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, argument in getattr(field, "args", {}).items():
                    if not argument.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(named, GraphQLEnumType):
            missing += [f"{name}.{value}" for value, member in named.values.items() if not member.description]
    for directive in schema.directives:
        if not directive.description:
            missing.append(f"@{directive.name}")
        missing += [f"@{directive.name}({arg})" for arg, argument in directive.args.items() if not argument.description]
    assert missing == []
