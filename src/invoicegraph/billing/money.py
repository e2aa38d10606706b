"""Money: ISO 4217 minor units, half-up rounding, and the `Amount` dict shape.

Minor units come from the maintained `iso4217` package (EUR 2, JPY 0, BHD 3 ...), never from a
table typed in here. Every amount the engine emits has passed through `round_money`, so it carries
exactly the billing currency's number of decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from functools import cache
from typing import Any

import iso4217

# Wide enough for NUMERIC(38, 12) operands multiplied together; the default 28 digits is not.
CONTEXT = Context(prec=80, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])

Amount = dict[str, str]
"""`{"quantity": "94.50", "currency": "EUR"}`."""


@cache
def minor_units(currency: str) -> int:
    """Decimals of `currency` per ISO 4217. Currencies without minor units (gold, `XXX`) are refused."""
    try:
        exponent = iso4217.Currency(currency).exponent
    except ValueError:
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code") from None
    if exponent is None:
        raise ValueError(f"{currency!r} has no minor unit and cannot be billed")
    return exponent


def is_currency(code: str) -> bool:
    try:
        minor_units(code)
    except ValueError:
        return False
    return True


@cache
def quantum(currency: str) -> Decimal:
    """The smallest unit of `currency` as a Decimal exponent (`Decimal("0.01")` for EUR)."""
    return Decimal(1).scaleb(-minor_units(currency))


def _clean_zero(value: Decimal) -> Decimal:
    # Decimal keeps the sign of zero ("-0.00"); an invoice never shows a negative zero.
    return value.copy_abs() if value.is_zero() else value


def round_money(value: Decimal, currency: str) -> Decimal:
    """`value` rounded half-up to the minor unit of `currency`."""
    # CONTEXT rounds half-up: its own `quantize` is the same rounding without keyword arguments (a list
    # page rounds a few hundred amounts).
    return _clean_zero(CONTEXT.quantize(value, quantum(currency)))


def floor_money(value: Decimal, currency: str) -> Decimal:
    """`value` rounded toward negative infinity to the minor unit of `currency`."""
    return _clean_zero(value.quantize(quantum(currency), rounding=ROUND_FLOOR, context=CONTEXT))


def has_valid_scale(value: Decimal, currency: str) -> bool:
    """True when `value` has no more decimals than `currency` allows."""
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and -exponent <= minor_units(currency)


def amount(value: Decimal, currency: str) -> Amount:
    """The Amount dict, printed with exactly the currency's number of decimals (`"1000"` for JPY)."""
    return {"quantity": format(round_money(value, currency), "f"), "currency": currency}


def printed_amount(rounded: Decimal, currency: str) -> Amount:
    """The Amount dict of a value already rounded to the minor unit of `currency` (`round_money`)."""
    return {"quantity": format(rounded, "f"), "currency": currency}


def zero_amount(currency: str) -> Amount:
    return amount(Decimal(0), currency)


def parse_amount(value: Any) -> Decimal:
    """The Decimal quantity of an Amount dict (as the engine and the import emit it)."""
    if not isinstance(value, dict):
        raise ValueError(f"an amount must be an object with quantity and currency, got {value!r}")
    return parse_decimal(value.get("quantity"))


def parse_decimal(value: Any) -> Decimal:
    """A decimal read exactly from its text. Floats are refused: they are not exact."""
    if isinstance(value, bool | float):
        raise ValueError(f"a decimal must be a string, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    else:
        raise ValueError(f"a decimal must be a string, got {value!r}")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number")
    return result


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """Σ `values` in the wide context: `sum()` in the default 28-digit context rounds large totals."""
    with localcontext(CONTEXT):
        return sum(values, Decimal(0))


def format_decimal(value: Decimal) -> str:
    """A percentage or quantity as plain text without exponent or trailing zeros (`"21"`, `"20.5"`)."""
    if value.is_zero():
        return "0"
    normalized = value.normalize(CONTEXT)
    if normalized == normalized.to_integral_value():
        return format(normalized.quantize(Decimal(1)), "f")
    return format(normalized, "f")
