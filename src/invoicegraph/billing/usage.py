"""Usage aggregation semantics (docs/billing-decisions.md): the reference for the data layer's SQL.

In production the quantities come from one grouped SQL query per refresh. `aggregate` is the pure,
obviously-correct statement of what that query must return; tests compare the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from invoicegraph.billing.fields import Fields, opt_str, req_str, str_tuple
from invoicegraph.billing.instants import parse_instant
from invoicegraph.billing.money import exact_sum, parse_decimal

AGGREGATIONS = ("SUM", "COUNT", "MAX", "UNIQUE_COUNT", "LATEST")
COMPARATORS = ("EQUALS", "NOT_EQUALS", "IN", "NOT_IN")


@dataclass(frozen=True)
class Condition:
    """`{property, comparator, value | values}`. A missing property is NOT_EQUALS / NOT_IN anything."""

    property: str
    comparator: str
    value: str | None = None
    values: tuple[str, ...] = ()

    @classmethod
    def from_fields(cls, record: Fields) -> Condition:
        comparator = req_str(record, "comparator")
        if comparator not in COMPARATORS:
            raise ValueError(f"unsupported condition comparator {comparator!r}")
        return cls(
            property=req_str(record, "property"),
            comparator=comparator,
            value=opt_str(record, "value"),
            values=str_tuple(record.get("values")),
        )

    def holds(self, properties: Mapping[str, str]) -> bool:
        actual = properties.get(self.property)
        if self.comparator == "EQUALS":
            return actual is not None and actual == self.value
        if self.comparator == "NOT_EQUALS":
            return actual is None or actual != self.value
        if self.comparator == "IN":
            return actual is not None and actual in self.values
        if self.comparator == "NOT_IN":
            return actual is None or actual not in self.values
        raise ValueError(f"unsupported condition comparator {self.comparator!r}")

    def as_dict(self) -> dict[str, object]:
        """The MeterPropertyCondition shape kept on an invoice line."""
        return {
            "id": None,
            "reference": self.property,
            "value": self.value,
            "values": list(self.values),
            "comparator": self.comparator,
        }


@dataclass(frozen=True)
class UsageEvent:
    reference: str
    timestamp: datetime
    value: Decimal = Decimal(0)
    properties: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_fields(cls, record: Fields) -> UsageEvent:
        raw = record.get("properties") or {}
        return cls(
            reference=req_str(record, "reference"),
            timestamp=parse_instant(record.get("timestamp")),
            value=parse_decimal(record["value"]) if record.get("value") is not None else Decimal(0),
            properties={str(key): _property_text(value) for key, value in raw.items() if value is not None},
        )


def _property_text(value: object) -> str:
    # Conditions compare text; JSON true/false print as JSON does.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def matches(properties: Mapping[str, str], conditions: Iterable[Condition]) -> bool:
    """All conditions hold (an empty list matches every event)."""
    return all(condition.holds(properties) for condition in conditions)


def aggregate(
    events: Iterable[UsageEvent],
    aggregation: str,
    property: str | None = None,
    conditions: Iterable[Condition] = (),
    *,
    start_at: datetime | None = None,
    end_at: datetime | None = None,
) -> Decimal:
    """The quantity of a usage-priced line: events in `[start_at, end_at)` matching every condition.

    SUM/MAX of `value`, COUNT of events, UNIQUE_COUNT of distinct values of `property` (events without
    it are not counted), LATEST: the value of the latest event (ties: the greatest reference wins).
    No matching event: 0.
    """
    rules = tuple(conditions)
    selected = [
        event
        for event in events
        if (start_at is None or start_at <= event.timestamp)
        and (end_at is None or event.timestamp < end_at)
        and matches(event.properties, rules)
    ]
    if not selected:
        return Decimal(0)
    if aggregation == "SUM":
        return exact_sum(event.value for event in selected)
    if aggregation == "COUNT":
        return Decimal(len(selected))
    if aggregation == "MAX":
        return max(event.value for event in selected)
    if aggregation == "UNIQUE_COUNT":
        if not property:
            raise ValueError("UNIQUE_COUNT needs a property")
        return Decimal(len({event.properties[property] for event in selected if property in event.properties}))
    if aggregation == "LATEST":
        return max(selected, key=lambda event: (event.timestamp, event.reference)).value
    raise ValueError(f"unknown aggregation {aggregation!r}")
