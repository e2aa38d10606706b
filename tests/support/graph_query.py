"""A query document that selects every field of a type, to a depth, built from the schema itself.

Fields with required arguments are left out; list and connection fields use their defaults.
"""

from __future__ import annotations

from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLUnionType, get_named_type


def _selection(schema: GraphQLSchema, type_: GraphQLObjectType, depth: int, indent: str = "  ", skip: tuple[str, ...] = ()) -> str:
    lines: list[str] = []
    for name, field in type_.fields.items():
        if name in skip or any(isinstance(arg.type, GraphQLNonNull) and arg.default_value is None for arg in field.args.values()):
            continue
        named = get_named_type(field.type)
        if isinstance(named, GraphQLObjectType):
            if depth <= 1:
                continue
            inner = _selection(schema, named, depth - 1, indent + "  ", skip)
            if inner:
                lines.append(f"{indent}{name} {{\n{inner}\n{indent}}}")
        elif isinstance(named, GraphQLUnionType):
            continue
        else:
            lines.append(f"{indent}{name}")
    return "\n".join(lines)


def full_selection(schema: GraphQLSchema, type_name: str, depth: int, *, skip: tuple[str, ...] = ()) -> str:
    """Every field of `type_name` to `depth`, but those named in `skip` (at any level)."""
    type_ = schema.get_type(type_name)
    assert isinstance(type_, GraphQLObjectType)
    return _selection(schema, type_, depth, skip=skip)
