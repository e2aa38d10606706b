"""A line edit's values as a caller sends them (GraphQL input or REST body), checked once for both.

Amounts and prices are decimal strings (never JSON numbers), bounded like the import's. One way to
price: `amount`, or `quantity` with `unit_price`; a description alone keeps the computed amount.
Every refusal is `INVALID_FIELD` or `MISSING_FIELD` naming the field as the caller spelled it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from pydantic_core import PydanticCustomError

from invoicegraph.billing.money import has_valid_scale, minor_units
from invoicegraph.errors import InvalidField, MissingField
from invoicegraph.records.values import decimal_text

DESCRIPTION_MAX_LENGTH = 1000
FIELDS = ("quantity", "unit_price", "amount", "description")


@dataclass(frozen=True)
class LineValues:
    amount: Decimal | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    description: str | None = None


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return name


def parse_line_values(raw: Mapping[str, object], *, prefix: str, spell: Callable[[str], str], optional: bool = False) -> LineValues:
    """`raw` (keys snake_case, values as sent) → checked values; `spell` names a field as the caller wrote it."""

    def field(name: str) -> str:
        return f"{prefix}{spell(name)}"

    def number(name: str) -> Decimal | None:
        value = raw.get(name)
        if value is None:
            return None
        try:
            return Decimal(decimal_text(value))
        except PydanticCustomError as error:
            raise InvalidField(f"`{spell(name)}`: {error.message()}.", field=field(name)) from None

    amount, quantity, unit_price = number("amount"), number("quantity"), number("unit_price")
    if amount is not None and (quantity is not None or unit_price is not None):
        raise InvalidField(
            f"Send either `{spell('amount')}` or `{spell('quantity')}` × `{spell('unit_price')}`, not both.", field=field("amount")
        )
    if (quantity is None) != (unit_price is None):
        missing = "unit_price" if unit_price is None else "quantity"
        raise MissingField(
            f"`{spell('quantity')}` and `{spell('unit_price')}` go together; `{spell(missing)}` is missing.", field=field(missing)
        )
    if quantity is not None and quantity < 0:
        raise InvalidField(f"`{spell('quantity')}` must be zero or more.", field=field("quantity"))
    description = raw.get("description")
    if description is not None:
        if not isinstance(description, str):
            raise InvalidField(f"`{spell('description')}` must be a string.", field=field("description"))
        if not description.strip() or len(description) > DESCRIPTION_MAX_LENGTH:
            raise InvalidField(
                f"`{spell('description')}` must be 1 to {DESCRIPTION_MAX_LENGTH} characters, not blank.", field=field("description")
            )
    if amount is None and quantity is None and description is None and not optional:
        raise MissingField(
            f"Nothing to change: send `{spell('amount')}`, `{spell('quantity')}` with `{spell('unit_price')}`, or `{spell('description')}`.",
            field=prefix.rstrip(".") or "body",
        )
    return LineValues(amount=amount, quantity=quantity, unit_price=unit_price, description=description)


def check_amount_scale(values: LineValues, currency: str, *, prefix: str, spell: Callable[[str], str]) -> None:
    """An amount is money in the invoice's currency: no more decimals than the currency has."""
    if values.amount is not None and not has_valid_scale(values.amount, currency):
        raise InvalidField(
            f"`{spell('amount')}` has more decimals than {currency} allows ({minor_units(currency)}).", field=f"{prefix}{spell('amount')}"
        )
