"""Parties: live Customer and BillingEntity records (federation entities) and PartyDetails snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from invoicegraph.execution import hints
from invoicegraph.resolvers.invoices import CUSTOMER_INVOICES_PLAN
from invoicegraph.rows import Row
from invoicegraph.schema.arguments import AfterArg, BeforeArg, FirstArg, LastArg
from invoicegraph.schema.enums.parties import CustomerRole, CustomerStatus, CustomerType, NotificationChannelType, NotificationType
from invoicegraph.schema.enums.resources import ObjectType
from invoicegraph.schema.federation import load_entity
from invoicegraph.schema.inputs import InvoiceFilter, InvoiceOrder, to_query
from invoicegraph.schema.loading import Info, returns_rows, unset_to_none
from invoicegraph.schema.node import Node
from invoicegraph.schema.permissions import RequireInvoiceView, requires
from invoicegraph.schema.scalars import CountryCode, CurrencyCode
from invoicegraph.schema.types.connections import InvoiceConnection
from invoicegraph.schema.types.misc import CustomFieldValue, LinkedIntegration
from invoicegraph.schema.types.tax import TaxId, TaxRegistration, TaxSettings
from invoicegraph.schema.types.values import Address


@strawberry.interface(
    description=(
        "Copy of a customer's or billing entity's invoicing details as stored on the\n"
        "invoice at the last snapshot (creation or a CUSTOMER / BILLING_ENTITY / FULL\n"
        "refresh). It does not follow later changes of the live record, and it has no\n"
        "`id` of its own: the record it was copied from is named by customerId or\n"
        "billingEntityId, so a normalized cache never mixes a copy with the live record\n"
        "or with another invoice's copy."
    ),
)
class PartyDetails:
    reference: str | None = strawberry.field(
        description="That record's own reference; null when it has none.",
    )
    type: CustomerType = strawberry.field(
        description="Organization or individual. Billing entities are always ORGANIZATION.",
    )
    legal_name: str | None = strawberry.field(
        description="Registered legal name (organizations and billing entities); null for individuals.",
    )
    name: PersonName | None = strawberry.field(
        description="Personal name (individuals); null for organizations and billing entities.",
    )
    email: str | None = strawberry.field(
        description="Invoicing e-mail address; null when none.",
    )
    address: Address | None = strawberry.field(
        description="Registered address (organizations, billing entities) or residential address (individuals); null when none.",
    )
    tax_id: str | None = strawberry.field(
        description="Primary tax number (e.g. VAT id); null when none.",
    )
    tax_ids: list[TaxId] = strawberry.field(
        description="All tax numbers, with their type and validation result.",
    )
    registration_number: str | None = strawberry.field(
        description="Company registration number (e.g. chamber of commerce number); null when none.",
    )
    tax_registrations: list[TaxRegistration] = strawberry.field(
        description="Additional tax registrations in other jurisdictions.",
    )
    tax_exempt: bool | None = strawberry.field(
        description="True when the customer is exempt from tax; null for billing entities or when unknown.",
    )
    tax_exempt_note: str | None = strawberry.field(
        description="Reason for tax exemption printed on the invoice; null when none.",
    )
    locale: str | None = strawberry.field(
        description='Locale in language-country form (e.g. "en-US") used for the invoice; null for billing entities or when unset.',
    )
    timezone: str | None = strawberry.field(
        description="Time zone of the party, in the vendor's free form; null when unset.",
    )
    copied_at: datetime = strawberry.field(
        description="When this copy was taken.",
    )


@strawberry.type(
    description="The customer's invoicing details as copied onto the invoice (Invoice.customerDetails).",
)
class CustomerDetails(PartyDetails):
    id: strawberry.ID = strawberry.field(
        name="customerId",
        description="Id of the customer the copy was taken from (the live record is Invoice.customer).",
    )


@strawberry.type(
    description="The billing entity's details as copied onto the invoice (Invoice.billingEntityDetails).",
)
class BillingEntityDetails(PartyDetails):
    id: strawberry.ID = strawberry.field(
        name="billingEntityId",
        description="Id of the billing entity the copy was taken from (the live record is Invoice.billingEntity).",
    )


@strawberry.type(
    description="Name of a person.",
)
class PersonName:
    first_name: str | None = strawberry.field(
        description="Given name.",
    )
    last_name: str | None = strawberry.field(
        description="Family name.",
    )
    infix: str | None = strawberry.field(
        description='Name particle between given and family name (e.g. "van").',
    )


async def customer_invoices(
    root: Row,
    info: Info,
    filter: Annotated[
        InvoiceFilter | None,
        strawberry.argument(description="Conditions every invoice must meet; customerId is ignored."),
    ] = strawberry.UNSET,
    order_by: Annotated[
        InvoiceOrder | None,
        strawberry.argument(description="Sort order. Absent means INVOICE_DATE, DESC."),
    ] = strawberry.UNSET,
    first: FirstArg = strawberry.UNSET,
    after: AfterArg = strawberry.UNSET,
    last: LastArg = strawberry.UNSET,
    before: BeforeArg = strawberry.UNSET,
) -> Row:
    from invoicegraph.resolvers.invoices import resolve_customer_invoices

    query = to_query(unset_to_none(filter), unset_to_none(order_by), from_filter=False)
    return await resolve_customer_invoices(
        info, root, query, unset_to_none(first), unset_to_none(after), unset_to_none(last), unset_to_none(before)
    )


hints.page(customer_invoices, CUSTOMER_INVOICES_PLAN)  # compiled plans load it (execution/hints.py)


@strawberry.federation.type(
    keys=["id"],
    description=(
        "A customer as it is now (live record). Federation entity keyed by id; this\n"
        "subgraph contributes `invoices`. References to customers of another platform\n"
        "resolve to null."
    ),
)
class Customer(Node):
    id: strawberry.ID = strawberry.field(
        description="Unique customer id.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "CUSTOMER".',
    )
    reference: str = strawberry.field(
        description="User-chosen unique key of the customer (case-sensitive, no whitespace, up to 256 characters).",
    )
    customer_display_name: str = strawberry.field(
        name="displayName",
        description=(
            "Name to show for the customer: the organization's legal name, else the individual's name\n"
            "(given name, infix, family name), else the reference."
        ),
    )
    status: CustomerStatus = strawberry.field(
        description="Lifecycle state.",
    )
    type: CustomerType = strawberry.field(
        description="Organization or individual.",
    )
    email: str = strawberry.field(
        description="Main e-mail address.",
    )
    locale: str | None = strawberry.field(
        description='Locale in language-country form, e.g. "en-US"; null when unset.',
    )
    timezone: str | None = strawberry.field(
        description="Time zone in the vendor's free form; null when unset.",
    )
    created_at: datetime = strawberry.field(
        description="When the customer was created.",
    )
    parent_customer_id: strawberry.ID | None = strawberry.field(
        description="The single parent customer; null when there are none or several (see parentCustomerIds).",
    )
    parent_customer_ids: list[strawberry.ID] = strawberry.field(
        description="All parent customers; empty when none.",
    )
    individual: Individual | None = strawberry.field(
        description="Details of an individual; null for organizations.",
    )
    organization: Organization | None = strawberry.field(
        description="Details of an organization; null for individuals.",
    )
    custom_fields: list[CustomFieldValue] = strawberry.field(
        description="Custom-field values set on the customer.",
    )
    processing_only: bool = strawberry.field(
        description="True for a processing-only customer, whose usage is billed to a parent.",
    )
    linked_integrations: list[LinkedIntegration] = strawberry.field(
        description="Links to this customer in external systems.",
    )
    roles: list[CustomerRole] = strawberry.field(
        description="Roles the customer plays.",
    )
    seller_details: SellerDetails | None = strawberry.field(
        description="Seller settings; null unless the customer has the SELLER role.",
    )
    notification_preferences: list[NotificationPreference] = strawberry.field(
        description="Which notifications the customer receives, per channel.",
    )
    invoices: InvoiceConnection = strawberry.field(
        resolver=returns_rows(customer_invoices),
        extensions=requires(RequireInvoiceView),
        description=(
            "Invoices of this customer, as a Relay connection. Same arguments and rules\nas Query.invoices; filter.customerId is ignored."
        ),
    )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Row | None:
        return await load_entity(cls, "customer_by_id", info, id)


@strawberry.type(
    description="Details of an individual customer.",
)
class Individual:
    name: PersonName | None = strawberry.field(
        description="Personal name.",
    )
    residential_address: Address | None = strawberry.field(
        description="Home address.",
    )


@strawberry.type(
    description="Details of an organization customer.",
)
class Organization:
    legal_name: str = strawberry.field(
        description="Registered legal name.",
    )
    tax_id: str | None = strawberry.field(
        description="Primary tax number; null when none.",
    )
    tax_ids: list[TaxId] = strawberry.field(
        description="All tax numbers.",
    )
    registration_number: str | None = strawberry.field(
        description="Company registration number; null when none.",
    )
    tax_exempt: bool | None = strawberry.field(
        description="True when exempt from tax; null when unknown.",
    )
    tax_exempt_note: str | None = strawberry.field(
        description="Reason for the exemption; null when none.",
    )
    registered_address: Address | None = strawberry.field(
        description="Registered address; null when unknown.",
    )
    tax_registrations: list[TaxRegistration] = strawberry.field(
        description="Additional tax registrations.",
    )


@strawberry.type(
    description="Settings of a customer with the SELLER role.",
)
class SellerDetails:
    default_billing_entity_id: strawberry.ID | None = strawberry.field(
        description="Billing entity used by default for this seller; null when unset.",
    )


@strawberry.type(
    description="Notification settings for one notification type.",
)
class NotificationPreference:
    type: NotificationType = strawberry.field(
        description="What the notification is about.",
    )
    channels: list[NotificationChannel] = strawberry.field(
        description="Channels and whether each is on.",
    )


@strawberry.type(
    description="One delivery channel of a notification preference.",
)
class NotificationChannel:
    type: NotificationChannelType = strawberry.field(
        description="Channel kind.",
    )
    enabled: bool | None = strawberry.field(
        description="Whether the channel is on; null means the platform default.",
    )


@strawberry.federation.type(
    keys=["id"],
    description=(
        "A billing entity (the legal entity that issues invoices) as it is now (live\n"
        "record). Its country sets the tax regime. Federation entity keyed by id."
    ),
)
class BillingEntity(Node):
    id: strawberry.ID = strawberry.field(
        description="Unique billing entity id.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "BILLING_ENTITY".',
    )
    reference: str = strawberry.field(
        description="User-chosen unique key.",
    )
    status: str | None = strawberry.field(
        description="Lifecycle state as a vendor string (values not documented); null when unset.",
    )
    created_at: datetime = strawberry.field(
        description="When the billing entity was created.",
    )
    timezone: str | None = strawberry.field(
        description="Time zone in the vendor's free form; null when unset.",
    )
    legal_name: str | None = strawberry.field(
        description="Registered legal name; null when unset.",
    )
    tax_id: str | None = strawberry.field(
        description="Primary tax number; null when none.",
    )
    tax_ids: list[TaxId] = strawberry.field(
        description="All tax numbers.",
    )
    registration_number: str | None = strawberry.field(
        description="Company registration number; null when none.",
    )
    registered_address: Address | None = strawberry.field(
        description="Registered address; null when unset.",
    )
    email: str | None = strawberry.field(
        description="Contact e-mail address; null when unset.",
    )
    tax_settings: TaxSettings | None = strawberry.field(
        description="Tax behaviour settings; null means defaults.",
    )
    tax_registrations: list[TaxRegistration] = strawberry.field(
        description="Additional tax registrations in other jurisdictions.",
    )
    custom_fields: list[CustomFieldValue] = strawberry.field(
        description="Custom-field values set on the billing entity.",
    )
    default_customer_country_selector: list[CountryCode] = strawberry.field(
        description="Customer countries for which this entity is chosen by default.",
    )
    default_billing_currency_selector: list[CurrencyCode] = strawberry.field(
        description="Billing currencies for which this entity is chosen by default.",
    )
    linked_integrations: list[LinkedIntegration] = strawberry.field(
        description="Links to this billing entity in external systems.",
    )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Row | None:
        return await load_entity(cls, "billing_entity_by_id", info, id)
