"""GraphQL enums, one module per domain. Every value equals its name, so rows carry plain strings."""

from __future__ import annotations

from types import ModuleType

from invoicegraph.schema.enums import catalog as _catalog
from invoicegraph.schema.enums import coupons as _coupons
from invoicegraph.schema.enums import invoice as _invoice
from invoicegraph.schema.enums import parties as _parties
from invoicegraph.schema.enums import payments as _payments
from invoicegraph.schema.enums import resources as _resources
from invoicegraph.schema.enums import subscriptions as _subscriptions
from invoicegraph.schema.enums.catalog import (
    ConditionComparator,
    CreditTypeStatus,
    MeterConditionOperator,
    MeterValueStatus,
    MeterValueType,
    ProductItemModelType,
    ProductItemStatus,
    ProductItemType,
    ProductStatus,
    ProductType,
    TaxCategory,
)
from invoicegraph.schema.enums.coupons import CouponDiscountType, CouponDurationType, CouponStatus, PromotionCodeStatus
from invoicegraph.schema.enums.invoice import (
    ApprovalStatus,
    BillingType,
    InvoiceOrderField,
    InvoiceRefreshType,
    InvoiceStatus,
    InvoiceSubLineType,
    InvoiceType,
    OrderDirection,
    PaymentStatus,
    PeriodType,
    PricingAmountType,
)
from invoicegraph.schema.enums.parties import (
    CustomerRole,
    CustomerStatus,
    CustomerType,
    NotificationChannelType,
    NotificationType,
    TaxIdType,
    TaxIdValidity,
)
from invoicegraph.schema.enums.payments import (
    BankAccountType,
    BankAccountUsage,
    DunningActionStatus,
    PaymentAcceptorStatus,
    PaymentAcceptorType,
    PaymentCollectionType,
    PaymentGatewayVariant,
)
from invoicegraph.schema.enums.resources import CreditDetailsSource, ResourceType
from invoicegraph.schema.enums.subscriptions import (
    BillingTime,
    DueDateType,
    PricingPlanSubscriptionStatus,
    PricingPlanSubscriptionType,
    PricingPlanSubscriptionVariant,
)

ALL_MODULES: tuple[ModuleType, ...] = (
    _catalog,
    _coupons,
    _invoice,
    _parties,
    _payments,
    _resources,
    _subscriptions,
)

__all__ = [
    "ALL_MODULES",
    "ApprovalStatus",
    "BankAccountType",
    "BankAccountUsage",
    "BillingTime",
    "BillingType",
    "ConditionComparator",
    "CouponDiscountType",
    "CouponDurationType",
    "CouponStatus",
    "CreditDetailsSource",
    "CreditTypeStatus",
    "CustomerRole",
    "CustomerStatus",
    "CustomerType",
    "DueDateType",
    "DunningActionStatus",
    "InvoiceOrderField",
    "InvoiceRefreshType",
    "InvoiceStatus",
    "InvoiceSubLineType",
    "InvoiceType",
    "MeterConditionOperator",
    "MeterValueStatus",
    "MeterValueType",
    "NotificationChannelType",
    "NotificationType",
    "OrderDirection",
    "PaymentAcceptorStatus",
    "PaymentAcceptorType",
    "PaymentCollectionType",
    "PaymentGatewayVariant",
    "PaymentStatus",
    "PeriodType",
    "PricingAmountType",
    "PricingPlanSubscriptionStatus",
    "PricingPlanSubscriptionType",
    "PricingPlanSubscriptionVariant",
    "ProductItemModelType",
    "ProductItemStatus",
    "ProductItemType",
    "ProductStatus",
    "ProductType",
    "PromotionCodeStatus",
    "ResourceType",
    "TaxCategory",
    "TaxIdType",
    "TaxIdValidity",
]
