"""Value types shared by every import record: decimals, instants, codes, ids, amounts.

Each type validates the strict input form of docs/importing.md and serializes (`mode="json"`) to the
one data shape of docs/architecture.md, so `model_dump(mode="json")` of a record is the stored,
vendor-shaped dict. Input arrives from ijson (numbers as int or Decimal) or from `json.loads`, so
every check looks at the Python type: a JSON number where a decimal string belongs is refused
instead of being read through binary floating point.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, NoReturn

import iso4217
import pycountry
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from invoicegraph.billing.instants import format_instant, parse_instant
from invoicegraph.billing.money import parse_decimal

# Decimal strings: at most 12 decimal places (docs/billing-decisions.md) and at most 15 digits before the
# point (docs/decisions.md): every value then fits the NUMERIC(38, 12) money columns with room to add.
MAX_DECIMAL_PLACES = 12
MAX_INTEGER_DIGITS = 15
DECIMAL_PATTERN = rf"^-?0*[0-9]{{1,{MAX_INTEGER_DIGITS}}}(\.[0-9]{{1,{MAX_DECIMAL_PLACES}}})?$"
NON_NEGATIVE_DECIMAL_PATTERN = DECIMAL_PATTERN.replace("^-?", "^", 1)
_ANY_DECIMAL_RE = re.compile(r"^-?([0-9]+)(?:\.([0-9]+))?$")
INSTANT_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)
_INSTANT_RE = re.compile(INSTANT_PATTERN)
_DATE_RE = re.compile(DATE_PATTERN)


class Record(BaseModel):
    """Base of every import model: unknown keys are errors, no silent type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=False, validate_default=False)


# --- decimals -----------------------------------------------------------------------------------


def _decimal_text(value: object) -> str:
    """The import format's decimal: a JSON string within the bounds, kept in canonical form ("0.10" stays
    "0.10"; "007" becomes "7")."""
    if isinstance(value, (bool, int | float | Decimal)):
        raise PydanticCustomError(
            "decimal_number",
            '{value} is a JSON number; decimals must be JSON strings such as "0.10"',
            {"value": str(value)},
        )
    if not isinstance(value, str):
        raise PydanticCustomError("decimal_type", 'expected a decimal string such as "0.10"')
    if not _DECIMAL_RE.match(value):
        _refuse_unbounded(value)
    return format(parse_decimal(value), "f")


def _refuse_unbounded(value: str) -> NoReturn:
    """The problem with a string that is not a decimal within the bounds: which bound it breaks."""
    found = _ANY_DECIMAL_RE.match(value)
    if found is None:
        raise PydanticCustomError("decimal_format", "{value} is not a decimal", {"value": repr(value)})
    digits, places = found.group(1).lstrip("0"), found.group(2) or ""
    if len(places) > MAX_DECIMAL_PLACES:
        raise PydanticCustomError(
            "decimal_places",
            "{value} has {places} decimal places; at most {limit} are allowed",
            {"value": repr(value), "places": len(places), "limit": MAX_DECIMAL_PLACES},
        )
    raise PydanticCustomError(
        "decimal_magnitude",
        "{value} is too large: at most {limit} digits before the decimal point are allowed",
        {"value": repr(value), "digits": len(digits), "limit": MAX_INTEGER_DIGITS},
    )


_DECIMAL_SCHEMA = {"type": "string", "pattern": DECIMAL_PATTERN}

DecimalStr = Annotated[str, BeforeValidator(_decimal_text), WithJsonSchema(_DECIMAL_SCHEMA)]


def _non_negative(value: str) -> str:
    # Any minus sign, "-0" included, so that the JSON Schema's pattern (no sign) says the same.
    if value.startswith("-"):
        raise PydanticCustomError("decimal_negative", "{value} must be zero or more", {"value": repr(value)})
    return value


def _positive(value: str) -> str:
    if Decimal(value) <= 0:
        raise PydanticCustomError("decimal_positive", "{value} must be greater than 0", {"value": repr(value)})
    return value


def _percentage(value: str) -> str:
    if not Decimal(0) <= Decimal(value) <= Decimal(100):
        raise PydanticCustomError("percentage", "{value} is not a percentage from 0 to 100", {"value": repr(value)})
    return value


NonNegativeDecimal = Annotated[
    str,
    BeforeValidator(lambda v: _non_negative(_decimal_text(v))),
    WithJsonSchema({"type": "string", "pattern": NON_NEGATIVE_DECIMAL_PATTERN}),
]
PositiveDecimal = Annotated[str, BeforeValidator(lambda v: _positive(_decimal_text(v))), WithJsonSchema(_DECIMAL_SCHEMA)]
Percentage = Annotated[str, BeforeValidator(lambda v: _percentage(_decimal_text(v))), WithJsonSchema(_DECIMAL_SCHEMA)]


# --- instants and dates -------------------------------------------------------------------------


def _instant(value: object) -> datetime:
    """The import format's instant: ISO 8601 text with Z or an offset and whole seconds."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    if not isinstance(value, str) or not _INSTANT_RE.match(value):
        raise PydanticCustomError(
            "instant",
            '{value} is not an ISO 8601 instant with whole seconds and Z or an offset (e.g. "2026-11-01T00:00:00Z")',
            {"value": repr(value)},
        )
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise PydanticCustomError("instant", "{value} is not a valid date and time", {"value": repr(value)}) from exc


Instant = Annotated[
    datetime,
    BeforeValidator(_instant),
    PlainSerializer(format_instant, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN}),
]


def parse_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise PydanticCustomError("date", "{value} is not a date YYYY-MM-DD", {"value": repr(value)})
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PydanticCustomError("date", "{value} is not a valid date", {"value": repr(value)}) from exc


CalendarDate = Annotated[
    date,
    BeforeValidator(parse_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]


# --- countries and currencies -------------------------------------------------------------------


@cache
def country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


def parse_country(value: object) -> str:
    if not isinstance(value, str) or value not in country_codes():
        raise PydanticCustomError("country", "{value} is not a country code", {"value": repr(value)})
    return value


@cache
def currency_exponent(code: str) -> int | None:
    """Minor-unit digits of a currency (EUR 2, JPY 0); None for codes without one (XAU)."""
    exponent: int | None = iso4217.Currency(code).exponent
    return exponent


def parse_currency(value: object) -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isupper():
        raise PydanticCustomError("currency", "{value} is not a currency code", {"value": repr(value)})
    try:
        currency_exponent(value)
    except ValueError as exc:
        raise PydanticCustomError("currency", "{value} is not a currency code", {"value": repr(value)}) from exc
    return value


CountryCode = Annotated[str, BeforeValidator(parse_country), WithJsonSchema({"type": "string", "pattern": "^[A-Z]{2}$"})]
CurrencyCode = Annotated[str, BeforeValidator(parse_currency), WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$"})]


# --- ids ----------------------------------------------------------------------------------------

ID_BODY = r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,58}"
# The longest id any record can have: a five-character prefix and ID_BODY (the columns hold 64 too).
ID_MAX_LENGTH = 64


def _id_type(prefix: str) -> Any:
    pattern = f"^{prefix}{ID_BODY}$"
    regex = re.compile(pattern)

    def check(value: object) -> str:
        if not isinstance(value, str) or not regex.match(value):
            raise PydanticCustomError(
                "id_format",
                "{value} is not a valid id (expected '{prefix}' followed by letters, digits, '_', '-', '.' or ':', at most 64 characters)",
                {"value": repr(value), "prefix": prefix},
            )
        return value

    return Annotated[str, BeforeValidator(check), WithJsonSchema({"type": "string", "pattern": pattern})]


PlatformId = _id_type("plat_")
BillingEntityId = _id_type("enti_")
CustomerId = _id_type("cust_")
PaymentAcceptorId = _id_type("paya_")
ProductId = _id_type("prod_")
MeterId = _id_type("metr_")
MeterValueId = _id_type("metv_")
PricingPlanId = _id_type("ppln_")
PricingItemId = _id_type("pitm_")
SubscriptionId = _id_type("psub_")
CouponId = _id_type("coup_")
PromotionCodeId = _id_type("prom_")
CreditTypeId = _id_type("ctyp_")
TaxRateId = _id_type("txrt_")
ExchangeRateId = _id_type("fxrt_")
InvoiceId = _id_type("invo_")
ApiKeyId = _id_type("akey_")

# Free-form keys chosen by users (references, codes): non-empty, no surrounding whitespace.
Reference = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^\S(.*\S)?$")]


# --- amounts and periods ------------------------------------------------------------------------


class Amount(Record):
    """Money as the vendor writes it; `quantity` kept exactly as given (may carry extra decimals)."""

    quantity: DecimalStr
    currency: CurrencyCode


def _money(value: object) -> object:
    # Invoice totals are printed with exactly the currency's minor-unit decimals ("94.50", "1000"):
    # pad missing zeros, refuse digits that would need rounding.
    if not isinstance(value, dict):
        return value
    quantity, currency = value.get("quantity"), value.get("currency")
    if not isinstance(quantity, str) or not isinstance(currency, str) or not _DECIMAL_RE.match(quantity):
        return value
    try:
        exponent = currency_exponent(currency)
    except ValueError:
        return value
    if exponent is None:
        return value
    number = Decimal(quantity)
    rounded = number.quantize(Decimal(1).scaleb(-exponent))
    if rounded != number:
        raise PydanticCustomError(
            "money_decimals",
            "{quantity} has more decimals than {currency} allows ({exponent})",
            {"quantity": quantity, "currency": currency, "exponent": exponent},
        )
    return {**value, "quantity": format(rounded, "f")}


Money = Annotated[Amount, BeforeValidator(_money)]

PeriodType = Literal["DAY", "WEEK", "MONTH", "YEAR"]


class Period(Record):
    type: PeriodType
    value: Annotated[int, Field(ge=1)] | None = None
