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


def selected_at(info: Info, *names: str) -> list[SelectedField]:
    """The fields at `names[0] { names[1] { … } }` below the current field (fragments included); [] if not selected."""
    level = _fields(list(info.selected_fields))
    for name in names:
        level = [field for field in _fields([s for parent in level for s in parent.selections]) if field.name == name]
        if not level:
            return []
    return level


def selected_names(fields: list[SelectedField]) -> set[str]:
    """Names of the fields selected inside `fields` (fragments included)."""
    return _names([selection for field in fields for selection in field.selections])


def _fields(selections: list[Selection]) -> list[SelectedField]:
    found: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.append(selection)
        elif isinstance(selection, (FragmentSpread, InlineFragment)):
            found += _fields(selection.selections)
    return found
