"""The copies a refresh writes onto an invoice (docs/refresh.md), built from live records.

Pure functions over record dicts (as an import file gives them: docs/importing.md). `copied_at` moves only when the copy's
content changed, so refreshing an unchanged customer writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from invoicegraph.billing.fields import MutableFields

# An internal key (not a vendor field): the footnote shown is the platform's default, not the invoice's own.
FOOTNOTE_FROM_PLATFORM = "footnote_from_platform"


def _address(holder: MutableFields) -> MutableFields | None:
    for key in ("registered_address", "residential_address", "address"):
        value = holder.get(key)
        if value:
            return dict(value)
    return None


def customer_snapshot(customer: MutableFields) -> MutableFields:
    """PartyDetails of a customer (`copied_at` is added by `keep_copied_at`)."""
    kind = customer.get("type") or "ORGANIZATION"
    organization = customer.get("organization") or {}
    individual = customer.get("individual") or {}
    holder = organization if kind == "ORGANIZATION" else individual
    return {
        "id": customer["id"],
        "reference": customer.get("reference"),
        "type": kind,
        "legal_name": organization.get("legal_name") if kind == "ORGANIZATION" else None,
        "name": individual.get("name") if kind == "INDIVIDUAL" else None,
        "email": customer.get("email"),
        "address": _address(holder) or _address(customer),
        "tax_id": holder.get("tax_id"),
        "tax_ids": list(holder.get("tax_ids") or []),
        "registration_number": holder.get("registration_number"),
        "tax_registrations": [],
        "tax_exempt": bool(holder.get("tax_exempt", False)),
        "tax_exempt_note": holder.get("tax_exempt_note"),
        "locale": customer.get("locale"),
        "timezone": customer.get("timezone"),
    }


def billing_entity_snapshot(entity: MutableFields) -> MutableFields:
    """PartyDetails of a billing entity, with its tax registrations."""
    return {
        "id": entity["id"],
        "reference": entity.get("reference"),
        "type": "ORGANIZATION",
        "legal_name": entity.get("legal_name"),
        "name": None,
        "email": entity.get("email"),
        "address": _address(entity),
        "tax_id": entity.get("tax_id"),
        "tax_ids": list(entity.get("tax_ids") or []),
        "registration_number": entity.get("registration_number"),
        "tax_registrations": [_registration(r) for r in entity.get("tax_registrations") or []],
        "tax_exempt": None,
        "tax_exempt_note": None,
        "locale": entity.get("locale"),
        "timezone": entity.get("timezone"),
    }


def _registration(registration: MutableFields) -> MutableFields:
    return {
        "id": registration.get("id"),
        "description": registration.get("description"),
        "tax_id": registration.get("tax_id"),
        "tax_ids": list(registration.get("tax_ids") or []),
        "registration_number": registration.get("registration_number"),
        "registered_address": registration.get("registered_address"),
    }


def keep_copied_at(new: MutableFields, old: MutableFields | None, now: str) -> MutableFields:
    """`new` with `copied_at`: the old instant when nothing else changed, else `now`."""
    if old is not None and {k: v for k, v in old.items() if k != "copied_at"} == new:
        return {**new, "copied_at": old.get("copied_at") or now}
    return {**new, "copied_at": now}


def used_tax_registration(entity_snapshot: MutableFields | None, registration_id: str | None) -> MutableFields | None:
    """The registration the tax treatment chose (billing/treatment.py), from the entity's copy."""
    if entity_snapshot is None or registration_id is None:
        return None
    for registration in entity_snapshot.get("tax_registrations") or []:
        if registration.get("id") == registration_id:
            return dict(registration)
    return None


def custom_field_id(value: MutableFields) -> str | None:
    """The id of the custom field a value belongs to (the vendor's CustomFieldValue.id is the custom
    field's resource id): the one given with the value, else one derived from the field's reference,
    so every value of the same field, on any record, names the same field. None without either."""
    given = value.get("id")
    if isinstance(given, str) and given:
        return given
    reference = value.get("reference")
    if not isinstance(reference, str) or not reference:
        return None
    return f"cfld_{hashlib.sha256(reference.encode()).hexdigest()[:24]}"


def _custom_field(value: MutableFields) -> MutableFields:
    values = value.get("values")
    return {
        "id": custom_field_id(value),
        "reference": value.get("reference"),
        "value": value.get("value"),
        "values": list(values) if isinstance(values, list) else [],
        "integration_details": None,
        "integration_id": None,
    }


def custom_fields(customer: MutableFields | None) -> list[MutableFields]:
    """The customer's custom field values, in their stored order."""
    return [_custom_field(v) for v in (customer or {}).get("custom_fields") or []]


def other_custom_fields(subscriptions: Sequence[MutableFields], entity: MutableFields | None) -> list[MutableFields]:
    """Custom field values of the subscriptions (in invoice order), then of the billing entity."""
    found: list[MutableFields] = []
    owners: list[tuple[str, MutableFields]] = [("PRICING_PLAN_SUBSCRIPTION", s) for s in subscriptions]
    if entity is not None:
        owners.append(("BILLING_ENTITY", entity))
    for resource_type, owner in owners:
        for value in owner.get("custom_fields") or []:
            reference = value.get("reference") or ""
            values = value.get("values")
            found.append(
                {
                    "resource": {"type": resource_type, "id": owner["id"]},
                    "id": custom_field_id(value),
                    "reference": reference,
                    "name": value.get("name"),
                    "value": value.get("value"),
                    "values": list(values) if isinstance(values, list) else [],
                }
            )
    return found


def footnote(invoice: MutableFields, platform: MutableFields) -> MutableFields:
    """`footnote` and its internal marker (docs/billing-decisions.md): the invoice's own footnote, else
    the platform's default (`settings.footnote`), followed as the platform changes it."""
    own = None if invoice.get(FOOTNOTE_FROM_PLATFORM) else invoice.get("footnote")
    if own:
        return {"footnote": own}
    default = (platform.get("settings") or {}).get("footnote")
    if default:
        return {"footnote": default, FOOTNOTE_FROM_PLATFORM: True}
    return {"footnote": own}


def purchase_order_number(subscriptions: Sequence[MutableFields]) -> str | None:
    """The first non-empty PO number of the subscriptions, in subscription order."""
    for subscription in subscriptions:
        number = subscription.get("purchase_order_number")
        if isinstance(number, str) and number.strip():
            return number
    return None


_BANK_FIELDS = (
    "legal_name",
    "country_code",
    "iban",
    "bic",
    "bank_name",
    "account_number",
    "bank_code",
    "sort_code",
    "reference",
    "routing_number",
    "account_type",
    "type",
    "bank_address",
    "branch",
    "cbu",
    "clabe",
)


def _gateway_action(gateway: MutableFields) -> MutableFields:
    """PaymentActionPaymentGateway of a gateway acceptor (docs/rest.md).

    The provider is the integration's, which an acceptor does not carry; Adyen settings on the acceptor
    say it is Adyen, anything else leaves it unknown (null). The Adyen session and the Stripe payment
    intent are made at the provider when the customer pays, never by a refresh: null until then.
    """
    return {
        "variant": "ADYEN" if gateway.get("adyen") is not None else None,
        "collection_type": gateway.get("collection_type"),
        "adyen": None,
        "stripe": None,
    }


def payment_action(acceptor: MutableFields) -> MutableFields:
    """How the customer can pay through one acceptor (InvoicePaymentAction): the details of its type."""
    kind = acceptor.get("type") or "BANK_ACCOUNT"
    bank, gateway, redirect = acceptor.get("bank_account"), acceptor.get("payment_gateway"), acceptor.get("custom_redirect")
    return {
        "payment_acceptor_id": acceptor["id"],
        "type": kind,
        "bank_account": {field: bank.get(field) for field in _BANK_FIELDS} if kind == "BANK_ACCOUNT" and isinstance(bank, dict) else None,
        "payment_gateway": _gateway_action(gateway) if kind == "PAYMENT_GATEWAY" and isinstance(gateway, dict) else None,
        "custom_redirect": {"url": redirect.get("url")} if kind == "CUSTOM_REDIRECT" and isinstance(redirect, dict) else None,
    }


def pay_invoice_link(acceptors: Sequence[MutableFields], stored: MutableFields | None) -> MutableFields | None:
    """The hosted page where the customer pays (PortalUrlLink), from the first acceptor, in the
    refresh's order, that has one to give (docs/refresh.md):

    - a CUSTOM_REDIRECT acceptor with a URL: that page (it does not expire, no portal URL resource);
    - a PAYMENT_GATEWAY acceptor collecting by LINK: the link the payment portal issued for this
      invoice (one with a `portal_url_id`), kept as it was issued. Issuing one is the portal's job,
      not a refresh's: until then this acceptor has no link to give.

    None when no acceptor has one: a link to a way of paying the invoice no longer offers is dropped.
    """
    for acceptor in acceptors:
        kind = acceptor.get("type")
        redirect, gateway = acceptor.get("custom_redirect") or {}, acceptor.get("payment_gateway") or {}
        if kind == "CUSTOM_REDIRECT" and redirect.get("url"):
            return {"expiry_period": None, "portal_url_id": None, "url": redirect["url"]}
        if kind == "PAYMENT_GATEWAY" and gateway.get("collection_type") == "LINK" and stored and stored.get("portal_url_id"):
            return dict(stored)
    return None
