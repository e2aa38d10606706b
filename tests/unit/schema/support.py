"""Plain helpers for the schema tests: a request context with fake loaders and sample rows.

Loaders are real aiodataloader DataLoaders over in-memory tables, built inside the running event loop
(as the GraphQL endpoint does per request, graphql/endpoint.py); each records the batches it was asked for.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from types import ModuleType, SimpleNamespace
from typing import Any, cast

from aiodataloader import DataLoader

from invoicegraph.auth.principal import Principal
from invoicegraph.graphql.context import RequestContext

Row = dict[str, Any]

LOADER_NAMES = (
    "invoice_by_id",
    "customer_by_id",
    "billing_entity_by_id",
    "payment_acceptor_by_id",
    "coupon_by_id",
    "promotion_code_by_id",
    "meter_value_by_id",
    "credit_type_by_id",
    "subscription_by_id",
)

ALL_PERMISSIONS = frozenset({"INVOICE.VIEW", "INVOICE.REFRESH", "INVOICE.PREVIEW"})


class FakeLoaders:
    """One DataLoader per name over `tables[name]` (id -> row); `batches[name]` lists each batch's keys."""

    def __init__(self, tables: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.batches: dict[str, list[list[str]]] = {name: [] for name in LOADER_NAMES}
        for name in LOADER_NAMES:
            table = dict((tables or {}).get(name, {}))
            setattr(self, name, DataLoader(batch_load_fn=self._batch(name, table)))

    def _batch(self, name: str, table: dict[str, Any]) -> Any:
        async def load(keys: list[str]) -> list[Any]:
            self.batches[name].append(list(keys))
            return [table.get(key) for key in keys]

        return load


def principal(permissions: Iterable[str] = ALL_PERMISSIONS) -> Principal:
    return Principal(
        credential_id="key_test",
        credential_kind="API_KEY",
        platform_id="plat_1",
        permissions=frozenset(permissions),
        request_id="reqr_test",
    )


def make_context(
    loaders: FakeLoaders | None = None,
    *,
    who: Principal | None = None,
    anonymous: bool = False,
    max_entities: int = 100,
) -> RequestContext:
    return RequestContext(
        settings=cast(Any, SimpleNamespace(max_entities=max_entities, max_page_size=100)),
        database=cast(Any, None),
        principal=None if anonymous else (who or principal()),
        loaders=cast(Any, loaders or FakeLoaders()),
        request_id="reqr_test",
    )


def fake_module(name: str, **functions: Any) -> ModuleType:
    module = ModuleType(name)
    for attribute, function in functions.items():
        setattr(module, attribute, function)
    return module


def install(monkeypatch: Any, name: str, **functions: Any) -> None:
    """Stand in for a module of `invoicegraph.resolvers` (the schema imports them inside fields)."""
    monkeypatch.setitem(sys.modules, name, fake_module(name, **functions))


def amount(quantity: str, currency: str = "EUR") -> Row:
    return {"quantity": quantity, "currency": currency}


def line_row() -> Row:
    return {
        "id": "line_1",
        "line_order": 1,
        "description": "API calls",
        "product_items": [],
        "type": "REVENUE",
        "pricing_type": "PER_UNIT",
        "tax_categories": [],
        "amount_excluding_tax": amount("94.50"),
        "amount_including_tax": amount("114.35"),
        "meter_value": {"reference": "api_calls", "type": "NUMBER", "number": "9450", "meter_value_id": "mv_1"},
        "details": {"amount": amount("94.500000000000"), "meter_values": None, "report_meter_values": []},
        "sub_lines": [],
    }


def invoice_row(**overrides: Any) -> Row:
    row: Row = {
        "id": "inv_1",
        "version": 3,
        "object_type": "INVOICE",
        "invoice_number": None,
        "platform_id": "plat_1",
        "customer_id": "cus_1",
        "customer_reference": "acme",
        "sales_tax_percentage": "8.875",
        "customer_details": {
            "id": "cus_1",
            "type": "ORGANIZATION",
            "legal_name": "Acme B.V.",
            "address": {"line1": "Main 1", "country": "NL"},
            "tax_ids": [],
            "tax_registrations": [],
            "copied_at": "2024-03-01T00:00:00Z",
        },
        "billing_entity_id": "be_1",
        "status": "DRAFT",
        "on_hold": False,
        "paid": False,
        "type": "STANDARD",
        "created_at": "2024-03-01T00:00:00Z",
        "updated_at": "2024-03-02T10:00:00Z",
        "invoice_date": "2024-03-01T00:00:00Z",
        "billing_period_date": "2024-03-01",
        "billing_currency": "EUR",
        "invoice_amount_including_tax": amount("114.35"),
        "open_invoice_amount": amount("114.35"),
        "closed_invoice_amount": amount("0.00"),
        "paid_invoice_amount": amount("0.00"),
        "billing_period": {"type": "MONTH", "value": 1},
        "pricing_plan_subscription_ids": ["sub_1", "sub_gone"],
        "pricing_amount_type": "EXCLUDING_TAX",
        "periods": [
            {
                "period_order": 0,
                "amount_excluding_tax": amount("94.50"),
                "amount_including_tax": amount("114.35"),
                "billing_period": {"type": "MONTH", "value": 1},
                "start_at": "2024-02-01T00:00:00Z",
                "end_at": "2024-03-01T00:00:00Z",
                "tax_categories": [],
                "groups": [
                    {
                        "group_order": 0,
                        "amount_excluding_tax": amount("94.50"),
                        "amount_including_tax": amount("114.35"),
                        "products": [],
                        "tax_categories": [],
                        "lines": [line_row()],
                    }
                ],
            }
        ],
        "tax_categories": [],
        "payment_acceptor_ids": ["pa_1"],
        "payment_actions": [{"payment_acceptor_id": "pa_1", "type": "BANK_ACCOUNT", "bank_account": {"iban": "NL00BANK0123456789"}}],
        "notes": ["Thank you"],
        "linked_invoices": [
            {"id": "inv_0", "link_type": "CREDITS", "amount": amount("-5.00"), "invoice_number": "INV-0"},
            {"id": "inv_elsewhere", "link_type": "CREDITS", "amount": amount("-1.00")},
        ],
        "processing_only_customer_ids": ["cus_2", "cus_missing"],
        "forwarded_from_customer_ids": ["cus_2"],
        "meter_value_ids": ["mv_1"],
        "credit_type_ids": [],
        "display_invoice_sub_lines_per_processing_only_customer": False,
        "validation_result": [],
        "reprocess": {"to_be_reprocessed_at": "2024-03-05T00:00:00Z", "reprocess_status": "PENDING", "reprocess_id": "rp_1"},
        "has_usage_based_pricing": True,
        "coupons": [{"coupon_id": "cou_1", "coupon_name": "Spring"}, {"coupon_id": None, "coupon_name": "Legacy"}],
        "promotion_codes": [{"promotion_code_details": {"promotion_code_id": "pc_1", "code": "SPRING"}, "coupon_id": "cou_1"}],
        "linked_integrations": [],
        "billing_type": "DEFAULT",
        "payment_status": "UNPAID",
    }
    row.update(overrides)
    return row


def customer_row(id: str = "cus_1", **overrides: Any) -> Row:
    row: Row = {
        "id": id,
        "object_type": "CUSTOMER",
        "reference": f"ref-{id}",
        "status": "ACTIVE",
        "type": "ORGANIZATION",
        "email": "billing@example.com",
        "created_at": "2024-01-01T00:00:00Z",
        "processing_only": False,
    }
    row.update(overrides)
    return row
