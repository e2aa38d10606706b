"""The vendor's resource types, and the credit-details source."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Resource types of the vendor's API.")
class ResourceType(Enum):
    PLATFORM = strawberry.enum_value("PLATFORM", description="Platform (tenant).")
    CUSTOMER = strawberry.enum_value("CUSTOMER", description="Customer.")
    BILLING_ENTITY = strawberry.enum_value("BILLING_ENTITY", description="Billing entity.")
    METER = strawberry.enum_value("METER", description="Meter.")
    METER_VALUE = strawberry.enum_value("METER_VALUE", description="Meter value.")
    METER_PROPERTY = strawberry.enum_value("METER_PROPERTY", description="Meter property.")
    METER_VALUE_CALCULATION = strawberry.enum_value("METER_VALUE_CALCULATION", description="Meter value calculation (billable metric).")
    PRODUCT = strawberry.enum_value("PRODUCT", description="Product.")
    PRODUCT_ITEM = strawberry.enum_value("PRODUCT_ITEM", description="Product item.")
    PRODUCT_CATEGORY = strawberry.enum_value("PRODUCT_CATEGORY", description="Product category.")
    PRICING = strawberry.enum_value("PRICING", description="Pricing.")
    PRICING_ITEM = strawberry.enum_value("PRICING_ITEM", description="Pricing item.")
    PRICING_ITEM_CONFIG = strawberry.enum_value("PRICING_ITEM_CONFIG", description="Pricing item configuration.")
    PRICING_ITEM_SUMMARY = strawberry.enum_value("PRICING_ITEM_SUMMARY", description="Pricing item summary.")
    METER_VALUE_CALCULATION_SUMMARY = strawberry.enum_value(
        "METER_VALUE_CALCULATION_SUMMARY", description="Meter value calculation summary."
    )
    PRICING_PLAN = strawberry.enum_value("PRICING_PLAN", description="Pricing plan.")
    PRICING_PLAN_VERSION = strawberry.enum_value("PRICING_PLAN_VERSION", description="Pricing plan version.")
    PRICING_PLAN_SUBSCRIPTION = strawberry.enum_value("PRICING_PLAN_SUBSCRIPTION", description="Pricing plan subscription.")
    PRICING_PLAN_SCHEDULE = strawberry.enum_value("PRICING_PLAN_SCHEDULE", description="Pricing plan schedule.")
    QUOTE = strawberry.enum_value("QUOTE", description="Quote.")
    QUOTE_VERSION = strawberry.enum_value("QUOTE_VERSION", description="Quote version.")
    CONTACT = strawberry.enum_value("CONTACT", description="Contact.")
    CUSTOM_FIELD = strawberry.enum_value("CUSTOM_FIELD", description="Custom field.")
    REQUEST_REFERENCE = strawberry.enum_value("REQUEST_REFERENCE", description="Request reference.")
    METER_DATA = strawberry.enum_value("METER_DATA", description="Meter data.")
    CHARGE_DATA = strawberry.enum_value("CHARGE_DATA", description="Charge data.")
    ADJUSTMENT_DATA = strawberry.enum_value("ADJUSTMENT_DATA", description="Adjustment data.")
    PERSIST_DATA = strawberry.enum_value("PERSIST_DATA", description="Persisted data.")
    INVOICE = strawberry.enum_value("INVOICE", description="Invoice.")
    INVOICE_PAYMENT_ATTEMPT = strawberry.enum_value("INVOICE_PAYMENT_ATTEMPT", description="Invoice payment attempt.")
    PAYMENT_ACCEPTOR = strawberry.enum_value("PAYMENT_ACCEPTOR", description="Payment acceptor.")
    PAYMENT_SCHEDULE = strawberry.enum_value("PAYMENT_SCHEDULE", description="Payment schedule.")
    PAYMENT_REQUEST = strawberry.enum_value("PAYMENT_REQUEST", description="Payment request.")
    FEATURE = strawberry.enum_value("FEATURE", description="Feature.")
    ALERT_RULE = strawberry.enum_value("ALERT_RULE", description="Alert rule.")
    ALERT = strawberry.enum_value("ALERT", description="Alert.")
    USER = strawberry.enum_value("USER", description="User.")
    MEMBERSHIP = strawberry.enum_value("MEMBERSHIP", description="Membership.")
    TEAM = strawberry.enum_value("TEAM", description="Team.")
    ENTITY = strawberry.enum_value("ENTITY", description="Entity (owner of users and API keys).")
    ACCOUNT_GROUP = strawberry.enum_value("ACCOUNT_GROUP", description="Account group.")
    AUDIT = strawberry.enum_value("AUDIT", description="Audit record.")
    WEBHOOK = strawberry.enum_value("WEBHOOK", description="Webhook.")
    REPORT_SUBSCRIPTION = strawberry.enum_value("REPORT_SUBSCRIPTION", description="Report subscription.")
    REPORT_CONFIGURATION = strawberry.enum_value("REPORT_CONFIGURATION", description="Report configuration.")


@strawberry.enum(description="Source of party details on a credit invoice.")
class CreditDetailsSource(Enum):
    CURRENT = strawberry.enum_value("CURRENT", description="Current customer and billing-entity details (default).")
    ORIGINAL = strawberry.enum_value("ORIGINAL", description="Details as they were on the original invoice.")


@strawberry.enum(description="The `objectType` tag of a record: which kind of record it is (the vendor's object_type).")
class ObjectType(Enum):
    INVOICE = strawberry.enum_value("INVOICE", description="An invoice.")
    CUSTOMER = strawberry.enum_value("CUSTOMER", description="A customer.")
    BILLING_ENTITY = strawberry.enum_value("BILLING_ENTITY", description="A billing entity.")
    METER_VALUE = strawberry.enum_value("METER_VALUE", description="A meter value (usage metric).")
    CREDIT_TYPE = strawberry.enum_value("CREDIT_TYPE", description="A credit type.")
    PRODUCT = strawberry.enum_value("PRODUCT", description="A product.")
    PRODUCT_ITEM = strawberry.enum_value("PRODUCT_ITEM", description="A product item.")
    PRODUCT_CATEGORY = strawberry.enum_value("PRODUCT_CATEGORY", description="A product category.")
    COUPON = strawberry.enum_value("COUPON", description="A coupon.")
    PROMOTION_CODE = strawberry.enum_value("PROMOTION_CODE", description="A promotion code.")
    PAYMENT_ACCEPTOR = strawberry.enum_value("PAYMENT_ACCEPTOR", description="A payment acceptor.")
    PRICING_PLAN_SUBSCRIPTION = strawberry.enum_value("PRICING_PLAN_SUBSCRIPTION", description="A pricing plan subscription.")
