"""A refresh's vendor change paths, named in GraphQL's fields (schema/change_paths.py), on the real schema."""

from __future__ import annotations

import pytest

from invoicegraph.library_internals import graphql_core_schema
from invoicegraph.schema.build import build_schema
from invoicegraph.schema.change_paths import graphql_path

SCHEMA = graphql_core_schema(build_schema())


@pytest.mark.parametrize(
    ("root", "vendor", "graphql"),
    [
        ("Invoice", "periods.0.groups.1.lines.2.amount_excluding_tax.quantity", "periods.0.groups.1.lines.2.amountExcludingTax.quantity"),
        ("Invoice", "invoice_amount_including_tax.quantity", "invoiceAmountIncludingTax.quantity"),
        # The vendor's party copies are our customerDetails / billingEntityDetails, flatter.
        ("Invoice", "customer.organization.registered_address.city", "customerDetails.address.city"),
        ("Invoice", "customer.individual.residential_address.postal_code", "customerDetails.address.postalCode"),
        ("Invoice", "customer.individual.name.first_name", "customerDetails.name.firstName"),
        ("Invoice", "customer.organization.legal_name", "customerDetails.legalName"),
        ("Invoice", "customer.id", "customerDetails.customerId"),
        ("Invoice", "customer.organization.tax_ids.0.id", "customerDetails.taxIds.0.number"),
        ("Invoice", "billing_entity.registered_address.line1", "billingEntityDetails.address.line1"),
        ("Invoice", "billing_entity.id", "billingEntityDetails.billingEntityId"),
        # Copies name the record they copy; a stored line keeps `id`, a previewed one is `lineId`.
        ("Invoice", "periods.0.groups.0.products.1.id", "periods.0.groups.0.products.1.productId"),
        ("Invoice", "periods.0.groups.0.lines.0.product_items.0.id", "periods.0.groups.0.lines.0.productItems.0.productItemId"),
        ("Invoice", "periods.0.groups.0.lines.3.id", "periods.0.groups.0.lines.3.id"),
        ("InvoiceRefreshPreviewInvoice", "periods.0.groups.0.lines.3.id", "periods.0.groups.0.lines.3.lineId"),
        ("Invoice", "linked_invoices.0.id", "linkedInvoices.0.invoiceId"),
        ("Invoice", "meter_values.1.id", "meterValues.1.id"),
        ("Invoice", "payment_actions.0.payment_gateway.adyen.id", "paymentActions.0.paymentGateway.adyen.sessionId"),
        # A key the schema does not have keeps its place, camel-cased: a path is never lost.
        ("Invoice", "customer.object_type", "customerDetails.objectType"),
        ("Invoice", "no_such_key.deeper_key", "noSuchKey.deeperKey"),
    ],
)
def test_vendor_paths_become_the_fields_a_query_selects(root: str, vendor: str, graphql: str) -> None:
    assert graphql_path(SCHEMA, root, vendor) == graphql
