"""Invoice links, custom fields, credit details, e-invoices, validation results, reprocess, integrations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from invoicegraph.schema.enums.invoice import ValidationStatus
from invoicegraph.schema.enums.payments import PaymentGatewayVariant
from invoicegraph.schema.enums.resources import CreditDetailsSource, ResourceType
from invoicegraph.schema.loading import load_one
from invoicegraph.schema.types.values import Amount

if TYPE_CHECKING:
    from invoicegraph.schema.types.invoice import Invoice


@strawberry.type(
    description="An invoice related to this one.",
)
class LinkedInvoiceDetail:
    id: strawberry.ID = strawberry.field(
        name="invoiceId",
        description="Id of the related invoice.",
    )
    link_type: str = strawberry.field(
        description="Kind of relation as a vendor string (values not documented).",
    )
    note: str | None = strawberry.field(
        description="Note on the relation; null when none.",
    )
    invoice_number: str | None = strawberry.field(
        description="Number of the related invoice; null when it has none.",
    )
    amount: Amount = strawberry.field(
        description="Amount involved in the relation, e.g. the amount credited.",
    )
    invoice_date: datetime | None = strawberry.field(
        description="Invoice date of the related invoice; null when unknown.",
    )
    invoice: Annotated[Invoice, strawberry.lazy("invoicegraph.schema.types.invoice")] | None = strawberry.field(
        resolver=load_one("invoice_by_id", "id"),
        description="The related invoice itself; null when it no longer exists or is not visible.",
    )


@strawberry.type(
    description="Value of one custom field.",
)
class CustomFieldValue:
    id: strawberry.ID | None = strawberry.field(
        name="customFieldId",
        description="Custom field (definition) id; null when given by reference.",
    )
    reference: str | None = strawberry.field(
        description="Custom field reference; null when given by id.",
    )
    value: str | None = strawberry.field(
        description="Single value; null for multi-value fields or when unset.",
    )
    values: list[str] = strawberry.field(
        description="Values of a multi-value field; empty otherwise.",
    )
    integration_details: IntegrationDetails | None = strawberry.field(
        description="Payment-provider details stored in the field; null when none.",
    )
    integration_id: strawberry.ID | None = strawberry.field(
        description="Integration the field is linked to; null when none.",
    )


@strawberry.type(
    description="Payment-provider details stored in a custom field.",
)
class IntegrationDetails:
    id: strawberry.ID | None = strawberry.field(
        name="integrationId",
        description="Integration id; null when given by reference.",
    )
    reference: str | None = strawberry.field(
        description="Integration reference; null when given by id.",
    )
    payment_gateway_variant: PaymentGatewayVariant | None = strawberry.field(
        description="Payment provider; null when unset.",
    )
    adyen: AdyenIntegrationDetails | None = strawberry.field(
        description="Adyen details; null for other providers.",
    )
    stripe: StripeIntegrationDetails | None = strawberry.field(
        description="Stripe details; null for other providers.",
    )


@strawberry.type(
    description="Adyen details stored in a custom field.",
)
class AdyenIntegrationDetails:
    recurring_detail_reference: str = strawberry.field(
        description="Adyen recurring detail reference (stored payment method).",
    )


@strawberry.type(
    description="Stripe details stored in a custom field.",
)
class StripeIntegrationDetails:
    payment_method_id: str = strawberry.field(
        description="Stripe payment method id.",
    )


@strawberry.type(
    description="Custom-field value of a resource related to the invoice.",
)
class OtherCustomFieldValue:
    resource: ResourceIdentifier = strawberry.field(
        description="Resource the value belongs to.",
    )
    id: strawberry.ID = strawberry.field(
        name="customFieldId",
        description="Custom field (definition) id.",
    )
    reference: str = strawberry.field(
        description="Custom field reference.",
    )
    name: str | None = strawberry.field(
        description="Custom field display name; null when unset.",
    )
    value: str | None = strawberry.field(
        description="Single value; null for multi-value fields or when unset.",
    )
    values: list[str] = strawberry.field(
        description="Values of a multi-value field; empty otherwise.",
    )


@strawberry.type(
    description="Pointer to a resource of any type.",
)
class ResourceIdentifier:
    type: ResourceType = strawberry.field(
        description="Type of the resource.",
    )
    id: strawberry.ID = strawberry.field(
        name="resourceId",
        description="Id of the resource.",
    )


@strawberry.type(
    description="What a credit invoice corrects.",
)
class InvoiceCreditDetail:
    original_invoice_id: strawberry.ID = strawberry.field(
        description="Invoice being credited.",
    )
    original_invoice_info: OriginalInvoiceInfo = strawberry.field(
        description="Id and number of the invoice being credited.",
    )
    note: str | None = strawberry.field(
        description="Reason for the credit; null when none.",
    )
    credit_details_source: CreditDetailsSource = strawberry.field(
        description="Whether customer and billing-entity details come from now or from the original invoice.",
    )


@strawberry.type(
    description="Id and number of a credited invoice.",
)
class OriginalInvoiceInfo:
    id: strawberry.ID = strawberry.field(
        name="invoiceId",
        description="Invoice id.",
    )
    invoice_number: str = strawberry.field(
        description="Invoice number.",
    )


@strawberry.type(
    description="One electronic-invoice submission made for the invoice.",
)
class EInvoice:
    external_reference: str | None = strawberry.field(
        description="Id of the e-invoice at the e-invoicing provider; null until submitted.",
    )
    applied_mandate: str = strawberry.field(
        description="E-invoicing mandate (country scheme) applied.",
    )
    processor: str = strawberry.field(
        description="E-invoicing provider that processed it.",
    )
    status: EInvoiceStatus | None = strawberry.field(
        description="Latest status; null before the first status update.",
    )
    status_history: list[EInvoiceStatus] = strawberry.field(
        description="All statuses, oldest first.",
    )
    supported_file_formats: list[EInvoiceFileFormat] = strawberry.field(
        description="File formats the e-invoice can be downloaded in.",
    )


@strawberry.type(
    description="A status report of an e-invoice.",
)
class EInvoiceStatus:
    status: str | None = strawberry.field(
        description="Status as a vendor string (values not documented).",
    )
    timestamp: datetime | None = strawberry.field(
        description="When the status was reported.",
    )
    message: str | None = strawberry.field(
        description="Provider message; null when none.",
    )


@strawberry.type(
    description="A downloadable e-invoice file format.",
)
class EInvoiceFileFormat:
    type: str | None = strawberry.field(
        description="Format code as a vendor string.",
    )
    description: str | None = strawberry.field(
        description="Human-readable description; null when none.",
    )


@strawberry.type(
    description="Result of one check on the invoice.",
)
class InvoiceValidationResult:
    status: ValidationStatus = strawberry.field(
        description="Severity: ERROR is blocking (the invoice is put on hold), WARNING is not.",
    )
    details: str = strawberry.field(
        description="What was found.",
    )


@strawberry.type(
    description="Reprocessing of the invoice (recomputing it from re-ingested usage).",
)
class InvoiceReprocess:
    to_be_reprocessed_at: datetime | None = strawberry.field(
        description="When the reprocess is scheduled; null when not scheduled.",
    )
    reprocess_status: str = strawberry.field(
        description="State of the reprocess as a vendor string (values not documented).",
    )
    reprocess_id: strawberry.ID = strawberry.field(
        description="Id of the reprocess run.",
    )


@strawberry.type(
    description="Link to this resource in an external system.",
)
class LinkedIntegration:
    id: strawberry.ID = strawberry.field(
        name="integrationId",
        description="Integration id.",
    )
    link_details: list[LinkDetail] = strawberry.field(
        description="Links into that system.",
    )


@strawberry.type(
    description="One link into an external system.",
)
class LinkDetail:
    url: str | None = strawberry.field(
        description="URL of the record in the external system; null when unknown.",
    )
    custom_field_name: str | None = strawberry.field(
        description="Custom field that holds the external id; null when none.",
    )
