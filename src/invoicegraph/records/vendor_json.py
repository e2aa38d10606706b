"""The vendor's Invoice JSON (docs/rest.md) from our invoice dict.

Our dict is the same snake_case shape with GraphQL's split of live records and copies: the vendor's
`customer` / `billing_entity` are our copies (`customer_details`, `billing_entity_details`), and its
embedded `meter_values`, `credit_types`, `processing_only_customers`, `forwarded_from_customers` are
records we keep by id. Internal keys (our `version`, stored tax rates, who set a hold) stay inside.

`vendor_body` is the pure projection; `rest.vendor.vendor_invoice` fills the embedded records through the
request's loaders, `vendor_projection` (the refresh's change paths) puts `{"id": …}` in their place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Body = dict[str, Any]

# docs/rest.md, in its order.
FIELDS = (
    "object_type", "id", "invoice_number", "purchase_order_number", "platform_id", "customer_id", "customer_reference",
    "sales_tax_percentage", "customer", "billing_entity_id", "billing_entity", "status", "on_hold", "paid", "type",
    "created_at", "updated_at", "invoice_date", "delivery_date", "due_date", "billing_period_date", "billing_currency",
    "invoice_amount_including_tax", "open_invoice_amount", "closed_invoice_amount", "paid_invoice_amount", "timezone",
    "billing_period", "pricing_plan_subscription_ids", "pricing_amount_type", "periods", "closed_periods", "tax_categories",
    "tax_summary", "auto_rescues", "dunning_actions", "payment_acceptor_ids", "payment_actions", "pay_invoice_link", "notes",
    "linked_invoices", "linked_invoices_ids", "custom_fields", "other_custom_fields", "credit", "e_invoices",
    "used_exchange_rates", "processing_only_customers", "meter_values", "credit_types",
    "display_invoice_sub_lines_per_processing_only_customer", "forwarded_from_customers", "validation_result",
    "to_be_reprocessed", "to_be_reprocessed_at", "reprocess", "used_tax_registration", "footnote", "approval_status",
    "updated_to_final_at", "has_usage_based_pricing", "coupons", "promotion_codes", "linked_integrations", "billing_type",
    "payment_status",
)  # fmt: skip

_LIST_FIELDS = frozenset(
    {
        "pricing_plan_subscription_ids", "periods", "payment_acceptor_ids", "notes", "linked_invoices", "linked_invoices_ids",
        "custom_fields", "other_custom_fields", "validation_result", "coupons", "promotion_codes", "tax_categories",
    }
)  # fmt: skip


def _customer(copy: Body | None) -> Body | None:
    """A copy (PartyDetails) back in the vendor's Customer shape."""
    if not copy:
        return None
    kind = copy.get("type") or "ORGANIZATION"
    holder = {
        "tax_id": copy.get("tax_id"),
        "tax_ids": copy.get("tax_ids") or [],
        "registration_number": copy.get("registration_number"),
        "tax_exempt": copy.get("tax_exempt"),
        "tax_exempt_note": copy.get("tax_exempt_note"),
    }
    body: Body = {
        "object_type": "CUSTOMER",
        "id": copy.get("id"),
        "reference": copy.get("reference"),
        "type": kind,
        "email": copy.get("email"),
        "locale": copy.get("locale"),
        "timezone": copy.get("timezone"),
        "organization": None,
        "individual": None,
    }
    if kind == "INDIVIDUAL":
        body["individual"] = {
            "name": copy.get("name"),
            "residential_address": copy.get("address"),
        }  # an individual has no tax keys (docs/rest.md)
    else:
        body["organization"] = {"legal_name": copy.get("legal_name"), "registered_address": copy.get("address"), **holder}
    return body


def _billing_entity(copy: Body | None) -> Body | None:
    if not copy:
        return None
    return {
        "object_type": "BILLING_ENTITY",
        "id": copy.get("id"),
        "reference": copy.get("reference"),
        "legal_name": copy.get("legal_name"),
        "email": copy.get("email"),
        "timezone": copy.get("timezone"),
        "tax_id": copy.get("tax_id"),
        "tax_ids": copy.get("tax_ids") or [],
        "registration_number": copy.get("registration_number"),
        "registered_address": copy.get("address"),
        "tax_registrations": copy.get("tax_registrations") or [],
    }


# Our bookkeeping on a line: the product and category it was rated with, and a stated amount that
# some stored FINAL lines carry. Not in the vendor's InvoiceLine (docs/rest.md).
_LINE_INTERNAL = frozenset({"product_id", "tax_category", "amount"})
# The usage snapshot's live meter value id is ours ("stored, not exposed": docs/rest.md).
_METER_VALUE_INTERNAL = frozenset({"id", "meter_value_id"})


def _clean_line(line: Body) -> Body:
    cleaned = {k: v for k, v in line.items() if k not in _LINE_INTERNAL}
    snapshot = cleaned.get("meter_value")
    if isinstance(snapshot, dict):
        cleaned["meter_value"] = {k: v for k, v in snapshot.items() if k not in _METER_VALUE_INTERNAL}
    return cleaned


def _clean_lines(periods: list[Body]) -> list[Body]:
    """Drop our bookkeeping keys from lines."""
    cleaned = []
    for period in periods:
        groups = []
        for group in period.get("groups") or []:
            groups.append({**group, "lines": [_clean_line(line) for line in group.get("lines") or []]})
        cleaned.append({**period, "groups": groups})
    return cleaned


def embedded_record(record: Body) -> Body:
    """A live record as the vendor embeds it: without the platform key our records carry."""
    return {k: v for k, v in record.items() if k != "platform_id"}


# The vendor's BankAccount (Configuration API PaymentAcceptor): these at the top, the scheme's own
# fields in a local sub-object named by `type`. Our record (like the GraphQL type) is flat.
_BANK_TOP = (
    "type", "iban", "country", "bic", "bank_name", "bank_address", "account_number", "bank_code", "routing_number", "account_type",
)  # fmt: skip
_BANK_LOCAL = {
    "BIC_AND_ACCOUNT_NUMBER": ("account_number_and_bic", ("account_number", "bank_code", "bic")),
    "ACCOUNT_NUMBER_AND_BIC": ("account_number_and_bic", ("account_number", "bank_code", "bic")),
    "UK_LOCAL": ("uk_local", ("account_number", "sort_code")),
    "US_LOCAL": ("us_local", ("account_number", "account_type", "bank_code", "routing_number")),
    "US_BANK_ACCOUNT": ("us_local", ("account_number", "account_type", "bank_code", "routing_number")),
    "BR_LOCAL": ("br_local", ("branch", "account_number", "bic")),
    "AR_LOCAL": ("ar_local", ("cbu", "account_number", "bic")),
    "MX_LOCAL": ("mx_local", ("clabe", "account_number", "bic")),
}


def _vendor_bank_account(bank: Body) -> Body:
    body = {name: bank.get("country") or bank.get("country_code") if name == "country" else bank.get(name) for name in _BANK_TOP}
    local = _BANK_LOCAL.get(bank.get("type") or "")
    if local is not None:
        name, fields = local
        body[name] = {field: bank.get(field) for field in fields}
    return body


def _vendor_gateway(gateway: Body) -> Body:
    """`link.expiry_period` and `adyen.auto_rescue.{enabled, period}`, the vendor's names (docs/rest.md
    the vendor lists `linkExpiryPeriod` and `autoRescueEnabled/Period` as GraphQL's flattenings)."""
    expiry, adyen = gateway.get("link_expiry_period"), gateway.get("adyen")
    body: Body = {
        "integration_id": gateway.get("integration_id"),
        "store_payment_method": gateway.get("store_payment_method"),
        "auto_charge_payment_method": gateway.get("auto_charge_payment_method"),
        "collection_type": gateway.get("collection_type"),
        "link": {"expiry_period": expiry} if expiry is not None else None,
        "adyen": None,
    }
    if isinstance(adyen, dict):
        enabled, period = adyen.get("auto_rescue_enabled"), adyen.get("auto_rescue_period")
        body["adyen"] = {
            "auto_rescue": {"enabled": enabled, "period": period} if enabled is not None or period is not None else None,
            "merchant_account": adyen.get("merchant_account"),
            "allowed_payment_methods": adyen.get("allowed_payment_methods"),
        }
    return body


def vendor_acceptor(record: Body) -> Body:
    """A live PaymentAcceptor as the vendor embeds it: its gateway and bank account in the vendor's
    shape, without our platform key. The integration (provider credentials) is never there."""
    body = embedded_record(record)
    if isinstance(body.get("payment_gateway"), dict):
        body["payment_gateway"] = _vendor_gateway(body["payment_gateway"])
    if isinstance(body.get("bank_account"), dict):
        body["bank_account"] = _vendor_bank_account(body["bank_account"])
    return body


def acceptor_ids(invoice: Body) -> list[str]:
    """The payment acceptors the invoice's payment actions name, in order, once each."""
    ids = (action.get("payment_acceptor_id") for action in invoice.get("payment_actions") or [])
    return list(dict.fromkeys(i for i in ids if i))


def _payment_actions(invoice: Body, acceptors: Mapping[str, Body]) -> list[Body] | None:
    """InvoicePaymentAction with its `payment_acceptor` (`payment_acceptor` or null, docs/rest.md)."""
    actions = invoice.get("payment_actions")
    if actions is None:
        return None
    found = {i: vendor_acceptor(record) for i, record in acceptors.items()}
    # `payment_acceptor` is always the action's last key: records/served.py leaves its place there.
    return [
        {
            **{k: v for k, v in action.items() if k != "payment_acceptor"},
            "payment_acceptor": found.get(action.get("payment_acceptor_id") or ""),
        }
        for action in actions
    ]


# The vendor's embedded records that we keep by id: vendor field → our id list.
EMBEDDED_BY_ID = {
    "processing_only_customers": "processing_only_customer_ids",
    "forwarded_from_customers": "forwarded_from_customer_ids",
    "meter_values": "meter_value_ids",
    "credit_types": "credit_type_ids",
}


def embedded_ids(invoice: Body, name: str) -> list[str]:
    """The ids our invoice keeps for the vendor's embedded list `name` (a key of EMBEDDED_BY_ID)."""
    return list(invoice.get(EMBEDDED_BY_ID[name]) or [])


def vendor_body(invoice: Body, embedded: Mapping[str, list[Body]], acceptors: Mapping[str, Body] | None = None) -> Body:
    """The vendor JSON of an invoice, in FIELDS order, with the given records for EMBEDDED_BY_ID and
    the payment actions' acceptors (by id; an absent one is null).

    Pure: everything else comes from the invoice dict (copies mapped back to the vendor's shapes,
    line bookkeeping dropped, absent lists as []).
    """
    own = {
        "customer": _customer(invoice.get("customer_details")),
        "billing_entity": _billing_entity(invoice.get("billing_entity_details")),
        **{name: [embedded_record(record) for record in embedded[name]] for name in EMBEDDED_BY_ID},
        "periods": _clean_lines(list(invoice.get("periods") or [])),
        "payment_actions": _payment_actions(invoice, acceptors or {}),
    }
    body: Body = {}
    for name in FIELDS:
        value = own[name] if name in own else invoice.get(name)
        if value is None and name in _LIST_FIELDS:
            value = []
        body[name] = value
    return body


def vendor_projection(invoice: Body) -> Body:
    """`vendor_body` without loading anything: each embedded record is `{"id": …}`.

    Every leaf of it is at the same path in the REST body (`meter_values.0.id`, …) with the same
    value, as long as the embedded records exist; the live records' other fields are not the
    invoice's data (a refresh does not copy them), so they are left out.
    """
    return vendor_body(
        invoice,
        {name: [{"id": i} for i in embedded_ids(invoice, name)] for name in EMBEDDED_BY_ID},
        {i: {"id": i} for i in acceptor_ids(invoice)},
    )
