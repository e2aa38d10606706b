"""The default resolver: plain fields read the snake_case key of the parent dict.

Strawberry calls `StrawberryConfig.default_resolver(source, python_name)` for every field without a
resolver (strawberry/types/field.py `StrawberryField.get_result`, wired in
schema/schema_converter.py `from_resolver`). It gets no type information, so the one rule that depends
on the field's type, "a non-null list is never null", is precomputed by name: `build_schema` collects
the Python names of every resolver-less non-null list field and checks that no other resolver-less
field uses the same name with another shape (see `list_field_names`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from strawberry.types.base import StrawberryList, StrawberryObjectDefinition

from invoicegraph.execution import hints

DefaultResolver = Callable[[Any, str], object]

# Values that are derived from other keys of the same dict, used only when the data layer left the
# key out (it normally includes them: they are fields of the vendor's REST body too).


def _linked_invoices_ids(row: dict[str, Any]) -> list[Any]:
    return [link.get("id") for link in row.get("linked_invoices") or () if link.get("id") is not None]


def _to_be_reprocessed_at(row: dict[str, Any]) -> Any:
    reprocess = row.get("reprocess")
    return reprocess.get("to_be_reprocessed_at") if isinstance(reprocess, dict) else None


def _to_be_reprocessed(row: dict[str, Any]) -> bool:
    return _to_be_reprocessed_at(row) is not None


def _customer_display_name(row: dict[str, Any]) -> str | None:
    organization = row.get("organization")
    if isinstance(organization, dict) and organization.get("legal_name"):
        return str(organization["legal_name"])
    individual = row.get("individual")
    name = individual.get("name") if isinstance(individual, dict) else None
    if isinstance(name, dict):
        parts = [name.get(key) for key in ("first_name", "infix", "last_name")]
        text = " ".join(str(part) for part in parts if part)
        if text:
            return text
    reference = row.get("reference")
    return str(reference) if reference is not None else None


DERIVED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "customer_display_name": _customer_display_name,
    "linked_invoices_ids": _linked_invoices_ids,
    "to_be_reprocessed": _to_be_reprocessed,
    "to_be_reprocessed_at": _to_be_reprocessed_at,
}

_MISSING = object()


def make_default_resolver(lists: set[str] | frozenset[str]) -> DefaultResolver:
    """A dict-aware getter: `row.get(name)`; null or missing non-null lists give `[]`.

    `lists` is read at call time, so `build_schema` can fill it once the types are converted.
    """
    derived = DERIVED

    def resolve(source: Any, name: str) -> object:
        if isinstance(source, dict):
            value = source.get(name, _MISSING)
            if value is _MISSING:
                if name in derived:
                    return derived[name](source)
                value = None
            if value is None and name in lists:
                return []
            return value
        # Strawberry's own objects (e.g. federation's _Service) and any dataclass instance.
        return getattr(source, name)

    def reads_key(name: str) -> bool:
        """Whether, for a dict, this resolver answers `source.get(name)` (no derived value, no list default)."""
        return name not in derived and name not in lists

    hints.default_reads_key(reads_key)  # compiled plans read such keys themselves (execution/unrolled.py)
    return resolve


def list_field_names(definitions: Iterable[object]) -> frozenset[str]:
    """Python names of resolver-less non-null list fields of the given Strawberry object types.

    Raises when a name is a non-null list on one type and something else on another, because the
    default resolver only sees the name.
    """
    lists: set[str] = set()
    others: dict[str, str] = {}
    for definition in definitions:
        if not isinstance(definition, StrawberryObjectDefinition) or definition.is_input:
            continue
        for field in definition.fields:
            if field.base_resolver is not None:
                continue
            field_type = field.type
            where = f"{definition.name}.{field.python_name}"
            if isinstance(field_type, StrawberryList):
                lists.add(field.python_name)
            else:
                others.setdefault(field.python_name, where)
    clashes = sorted(name for name in lists if name in others)
    if clashes:
        detail = ", ".join(f"{name} (also {others[name]})" for name in clashes)
        raise TypeError(f"Default resolver: field names used both as non-null lists and otherwise: {detail}")
    return frozenset(lists)
