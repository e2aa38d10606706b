"""Looking at what a query selected, to skip work nobody asked for."""

from __future__ import annotations

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from invoicegraph.resolvers.types import Info


def _names(selections: list[Selection]) -> set[str]:
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        elif isinstance(selection, (FragmentSpread, InlineFragment)):
            names |= _names(selection.selections)
    return names


def selects(info: Info, field_name: str) -> bool:
    """True when the current field's selection asks for `field_name` (fragments included)."""
    return any(field_name in _names(field.selections) for field in info.selected_fields)
