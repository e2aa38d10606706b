"""The schema's custom scalars: Decimal, DateTime, Date, CurrencyCode, CountryCode, JSON.

Root values are plain dicts in the vendor's JSON shape (docs/architecture.md), so most values reach
`serialize` as already-formatted strings ("94.50", "2024-03-01T00:00:00Z", "EUR"). Those pass through
unchanged: the data layer formats them once, and re-parsing every leaf would cost time on every
response. Python values (Decimal, aware datetime, date) are formatted here, for resolvers that return
them.

Input is strict: `parse_value` refuses anything that could lose precision or meaning (floats for
Decimal, instants without an offset or with fractional seconds, unknown currency or country codes),
with a message naming the problem. Literals go through graphql-core's default literal handling and then
`parse_value`, so `amount: 1.5` (a Float literal) is refused like the float variable `1.5`.

Decimal, DateTime and Date replace Strawberry's built-in scalars of the same Python types via
`scalar_overrides` (see `SCALAR_OVERRIDES`, used by `build.build_schema`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, NewType

import iso4217
import pycountry
import strawberry
from strawberry.types.scalar import ScalarDefinition

from invoicegraph.billing.instants import format_instant
from invoicegraph.billing.money import parse_decimal
from invoicegraph.execution import hints

CurrencyCode = NewType("CurrencyCode", str)
CountryCode = NewType("CountryCode", str)
JSON = NewType("JSON", object)

_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?P<fraction>[.,]\d+)?(?P<offset>Z|z|[+-]\d{2}:\d{2})?$", re.ASCII)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


# --- Decimal -------------------------------------------------------------------------------------


def serialize_decimal(value: object) -> str:
    if type(value) is str:
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"Decimal cannot represent a non-finite value: {value}")
        # "f" keeps trailing zeros ("94.50") and never uses exponent notation ("1E+3").
        return format(value, "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"Decimal cannot represent {type(value).__name__} value {value!r}; use Decimal or str.")


def parse_decimal_input(value: object) -> Decimal:
    """A Decimal input: a JSON string only (a number would have passed through a float), then the one
    decimal parser (billing/money.py)."""
    if not isinstance(value, str):
        raise ValueError(
            f'Decimal must be given as a string such as "12.30", not as {_json_kind(value)} '
            "(numbers would pass through binary floating point)."
        )
    try:
        return parse_decimal(value)
    except ValueError as error:
        raise ValueError(f"Decimal: {error}.") from None


# --- DateTime ------------------------------------------------------------------------------------


def serialize_datetime(value: object) -> str:
    if type(value) is str:
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"DateTime cannot represent a naive datetime ({value.isoformat()}); use an aware one.")
        return format_instant(value)
    raise ValueError(f"DateTime cannot represent {type(value).__name__} value {value!r}.")


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f'DateTime must be a string such as "2024-03-01T00:00:00Z", not {_json_kind(value)}.')
    match = _DATETIME_RE.match(value)
    if match is None:
        raise ValueError(f'DateTime: {value!r} is not an RFC 3339 date-time like "2024-03-01T00:00:00Z" or "2024-03-01T01:00:00+01:00".')
    if match.group("fraction"):
        raise ValueError(f"DateTime: {value!r} has fractional seconds; only whole seconds are accepted.")
    if not match.group("offset"):
        raise ValueError(f'DateTime: {value!r} has no UTC offset; add "Z" or an offset such as "+01:00".')
    try:
        return datetime.fromisoformat(value.upper())  # RFC 3339 §5.6: "T" and "Z" may be lower case
    except ValueError:
        raise ValueError(f"DateTime: {value!r} is not a valid date-time.") from None


# --- Date ----------------------------------------------------------------------------------------


def serialize_date(value: object) -> str:
    if type(value) is str:
        return value
    if isinstance(value, datetime):
        # A datetime is a date subclass; silently dropping its time would hide a data bug.
        raise ValueError(f"Date cannot represent a datetime ({value.isoformat()}); pass a date.")
    if isinstance(value, date):
        return value.isoformat()
    raise ValueError(f"Date cannot represent {type(value).__name__} value {value!r}.")


def parse_date(value: object) -> date:
    if not isinstance(value, str):
        raise ValueError(f'Date must be a string such as "2024-03-01", not {_json_kind(value)}.')
    if _DATE_RE.match(value) is None:
        raise ValueError(f"Date: {value!r} is not a date in the form YYYY-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Date: {value!r} is not a valid calendar date.") from None


# --- CurrencyCode, CountryCode -------------------------------------------------------------------


@cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 alphabetic codes, including the special codes (XAU, XTS, XXX...)."""
    return frozenset(currency.code for currency in iso4217.Currency)


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


def serialize_code(value: object) -> str:
    if type(value) is str:
        return value
    # Accept str-like enums and similar, but never silently stringify arbitrary objects.
    code = getattr(value, "value", None)
    if isinstance(code, str):
        return code
    raise ValueError(f"Cannot represent {type(value).__name__} value {value!r} as a code string.")


def parse_currency_code(value: object) -> CurrencyCode:
    if not isinstance(value, str):
        raise ValueError(f'CurrencyCode must be a string such as "EUR", not {_json_kind(value)}.')
    if value not in currency_codes():
        raise ValueError(f'CurrencyCode: {value!r} is not an ISO 4217 currency code (three uppercase letters, e.g. "EUR").')
    return CurrencyCode(value)


def parse_country_code(value: object) -> CountryCode:
    if not isinstance(value, str):
        raise ValueError(f'CountryCode must be a string such as "NL", not {_json_kind(value)}.')
    if value not in country_codes():
        raise ValueError(f'CountryCode: {value!r} is not an ISO 3166-1 alpha-2 country code (two uppercase letters, e.g. "NL").')
    return CountryCode(value)


# --- JSON ----------------------------------------------------------------------------------------


def _identity(value: Any) -> Any:
    return value


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


# --- definitions ---------------------------------------------------------------------------------

DecimalScalar: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description=(
        'Exact decimal number, serialized as a JSON string such as "12.30", "-0.5" or\n'
        '"1000". Never a float. As input only strings are accepted, so that no value\n'
        "passes through binary floating point. Trailing zeros are kept as computed."
    ),
    serialize=serialize_decimal,
    parse_value=parse_decimal_input,
)

DateTimeScalar: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description=(
        "Point in time as an ISO 8601 / RFC 3339 string with an explicit UTC offset and\n"
        'whole seconds, e.g. "2024-03-01T00:00:00Z" or "2024-03-01T01:00:00+01:00".\n'
        "Output always has seconds precision; input with fractional seconds or without\n"
        "an offset is rejected."
    ),
    specified_by_url="https://www.rfc-editor.org/rfc/rfc3339",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)

DateScalar: ScalarDefinition = strawberry.scalar(
    name="Date",
    description='Calendar date as an ISO 8601 string "YYYY-MM-DD", without time or offset.',
    specified_by_url="https://www.iso.org/iso-8601-date-and-time-format.html",
    serialize=serialize_date,
    parse_value=parse_date,
)

CurrencyCodeScalar: ScalarDefinition = strawberry.scalar(
    name="CurrencyCode",
    description=(
        'Three-letter uppercase ISO 4217 alphabetic currency code, e.g. "EUR", "USD",\n'
        '"JPY". Validated against the ISO 4217 list (including the special codes XAU,\n'
        "XTS and XXX); unknown codes are rejected."
    ),
    specified_by_url="https://www.iso.org/iso-4217-currency-codes.html",
    serialize=serialize_code,
    parse_value=parse_currency_code,
)

CountryCodeScalar: ScalarDefinition = strawberry.scalar(
    name="CountryCode",
    description=(
        'Two-letter uppercase ISO 3166-1 alpha-2 country code, e.g. "NL", "US".\n'
        "Validated against the ISO 3166-1 list; unknown codes are rejected."
    ),
    specified_by_url="https://www.iso.org/iso-3166-country-codes.html",
    serialize=serialize_code,
    parse_value=parse_country_code,
)

JSONScalar: ScalarDefinition = strawberry.scalar(
    name="JSON",
    description=(
        "Any JSON value (object, array, string, number, boolean or null). Used only by\n"
        "InvoiceChange to show a value before and after a refresh; do not rely on its\n"
        "shape beyond what the change path implies."
    ),
    serialize=_identity,
    parse_value=_identity,
)

# Their serializers return an exact `str` unchanged: compiled plans take such values as they are.
for _name in ("Decimal", "DateTime", "Date", "CurrencyCode", "CountryCode", "JSON"):
    hints.exact_str_scalar(_name)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    Decimal: DecimalScalar,
    datetime: DateTimeScalar,
    date: DateScalar,
    CurrencyCode: CurrencyCodeScalar,
    CountryCode: CountryCodeScalar,
    JSON: JSONScalar,
}
