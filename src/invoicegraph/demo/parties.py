"""Demo billing entities, customers and payment acceptors."""

from __future__ import annotations

from typing import Any

ACME, INITECH = "plat_acme", "plat_initech"


def _address(line1: str, city: str, postal_code: str, country: str, state: str | None = None) -> dict[str, Any]:
    return {"line1": line1, "city": city, "postal_code": postal_code, "country": country} | ({"state": state} if state else {})


def billing_entities() -> list[dict[str, Any]]:
    return [
        {
            "id": "enti_nl",
            "platform_id": ACME,
            "reference": "acme-nl",
            "legal_name": "Acme Cloud B.V.",
            "email": "billing@acme.example",
            "timezone": "Europe/Amsterdam",
            "tax_id": "NL001234567B01",
            "registration_number": "KvK 12345678",
            "registered_address": _address("Keizersgracht 1", "Amsterdam", "1015 AA", "NL"),
            "tax_settings": {"apply_local_vat_for_missing_tax_id": True},
            "tax_registrations": [
                {
                    "id": "txrg_de",
                    "description": "DE VAT",
                    "tax_id": "DE123456789",
                    "registered_address": _address("Unter den Linden 1", "Berlin", "10117", "DE"),
                }
            ],
            "default_billing_currency_selector": ["EUR"],
            "default_customer_country_selector": ["NL", "BE", "FR"],
        },
        {
            "id": "enti_de",
            "platform_id": ACME,
            "reference": "acme-de",
            "legal_name": "Acme Cloud GmbH",
            "email": "rechnung@acme.example",
            "timezone": "Europe/Berlin",
            "tax_id": "DE987654321",
            "registered_address": _address("Friedrichstraße 10", "Berlin", "10117", "DE"),
            "default_customer_country_selector": ["DE", "AT"],
        },
        {
            "id": "enti_us",
            "platform_id": INITECH,
            "reference": "initech-us",
            "legal_name": "Initech Inc.",
            "email": "ar@initech.example",
            "timezone": "America/New_York",
            "tax_id": "12-3456789",
            "registered_address": _address("1 Penny Lane", "Austin", "73301", "US", "TX"),
            "default_billing_currency_selector": ["USD"],
        },
        {
            "id": "enti_gb",
            "platform_id": INITECH,
            "reference": "initech-gb",
            "legal_name": "Initech UK Ltd",
            "email": "ar-uk@initech.example",
            "timezone": "Europe/London",
            "tax_id": "GB123456789",
            "registered_address": _address("10 Downing Court", "London", "SW1A 2AA", "GB"),
            "default_billing_currency_selector": ["GBP"],
        },
    ]


def _organization(
    cid: str, platform: str, ref: str, name: str, email: str, address: dict[str, Any], tax_id: str | None, **extra: Any
) -> dict[str, Any]:
    org = {"legal_name": name, "tax_id": tax_id, "registered_address": address, "tax_exempt": extra.pop("tax_exempt", False)}
    if "tax_exempt_note" in extra:
        org["tax_exempt_note"] = extra.pop("tax_exempt_note")
    return {
        "id": cid,
        "platform_id": platform,
        "reference": ref,
        "type": "ORGANIZATION",
        "status": "ACTIVE",
        "email": email,
        "locale": extra.pop("locale", "en-GB"),
        "organization": org,
    } | extra


def customers() -> list[dict[str, Any]]:
    return [
        _organization(
            "cust_globex",
            ACME,
            "globex",
            "Globex BV",
            "ap@globex.example",
            _address("Rue Neuve 1", "Brussels", "1000", "BE"),
            "BE0123456789",
            timezone="Europe/Brussels",
            custom_fields=[{"reference": "cost_center", "value": "CC-42"}],
            notification_preferences=[{"type": "INVOICE", "channels": [{"type": "EMAIL", "enabled": True}]}],
        ),
        _organization(
            "cust_hooli",
            ACME,
            "hooli",
            "Hooli Nederland B.V.",
            "finance@hooli.example",
            _address("Stationsplein 5", "Utrecht", "3511 ED", "NL"),
            "NL812345678B01",
            locale="nl-NL",
        ),
        _organization(
            "cust_umbrella",
            ACME,
            "umbrella",
            "Umbrella GmbH",
            "buchhaltung@umbrella.example",
            _address("Marienplatz 8", "München", "80331", "DE"),
            "DE811111111",
            locale="de-DE",
        ),
        _organization(
            "cust_stark",
            ACME,
            "stark-foundation",
            "Stark Foundation",
            "office@stark.example",
            _address("Museumplein 2", "Amsterdam", "1071 DJ", "NL"),
            None,
            tax_exempt=True,
            tax_exempt_note="Charitable foundation (ANBI), exempt from VAT",
        ),
        {
            "id": "cust_jan",
            "platform_id": ACME,
            "reference": "jan-de-vries",
            "type": "INDIVIDUAL",
            "status": "ACTIVE",
            "email": "jan@devries.example",
            "locale": "nl-NL",
            "timezone": "Europe/Amsterdam",
            "individual": {
                "name": {"first_name": "Jan", "infix": "de", "last_name": "Vries"},
                "residential_address": _address("Prinsengracht 263", "Amsterdam", "1016 GV", "NL"),
            },
        },
        {
            "id": "cust_amelie",
            "platform_id": ACME,
            "reference": "amelie-martin",
            "type": "INDIVIDUAL",
            "status": "ACTIVE",
            "email": "amelie@martin.example",
            "locale": "fr-FR",
            "timezone": "Europe/Paris",
            "individual": {
                "name": {"first_name": "Amélie", "last_name": "Martin"},
                "residential_address": _address("12 rue de Rivoli", "Paris", "75004", "FR"),
            },
        },
        _organization(
            "cust_dunder",
            INITECH,
            "dunder-mifflin",
            "Dunder Mifflin Inc.",
            "ap@dunder.example",
            _address("1725 Slough Avenue", "Scranton", "18505", "US", "PA"),
            "98-7654321",
            locale="en-US",
            timezone="America/New_York",
        ),
        {
            "id": "cust_pat",
            "platform_id": INITECH,
            "reference": "pat-lee",
            "type": "INDIVIDUAL",
            "status": "ACTIVE",
            "email": "pat@lee.example",
            "locale": "en-US",
            "timezone": "America/Los_Angeles",
            "individual": {
                "name": {"first_name": "Pat", "last_name": "Lee"},
                "residential_address": _address("500 Market St", "San Francisco", "94105", "US", "CA"),
            },
        },
        _organization(
            "cust_wayne",
            INITECH,
            "wayne",
            "Wayne Enterprises Ltd",
            "accounts@wayne.example",
            _address("1 Canary Wharf", "London", "E14 5AB", "GB"),
            "GB999999973",
            timezone="Europe/London",
        ),
    ]


def payment_acceptors() -> list[dict[str, Any]]:
    return [
        {
            "id": "paya_acme_bank",
            "platform_id": ACME,
            "billing_entity_id": "enti_nl",
            "reference": "bank",
            "name": "Bank transfer",
            "type": "BANK_ACCOUNT",
            "status": "ACTIVE",
            "bank_account": {
                "type": "IBAN",
                "legal_name": "Acme Cloud B.V.",
                "iban": "NL91ABNA0417164300",
                "bic": "ABNANL2A",
                "country_code": "NL",
            },
        },
        {
            "id": "paya_acme_card",
            "platform_id": ACME,
            "billing_entity_id": "enti_nl",
            "reference": "card",
            "name": "Card",
            "type": "PAYMENT_GATEWAY",
            "status": "ACTIVE",
            "payment_gateway": {
                "integration_id": "intg_adyen",
                "collection_type": "LINK",
                "link_expiry_period": {"type": "DAY", "value": 14},
                "adyen": {
                    "merchant_account": "AcmeCloudEU",
                    "allowed_payment_methods": ["scheme", "ideal"],
                    "auto_rescue_enabled": True,
                    "auto_rescue_period": {"type": "DAY", "value": 7},
                },
            },
        },
        {
            "id": "paya_initech_ach",
            "platform_id": INITECH,
            "billing_entity_id": "enti_us",
            "reference": "ach",
            "name": "ACH",
            "type": "BANK_ACCOUNT",
            "status": "ACTIVE",
            "bank_account": {
                "type": "US_LOCAL",
                "legal_name": "Initech Inc.",
                "account_number": "000123456789",
                "routing_number": "110000000",
                "account_type": "CHECKING",
                "country": "US",
            },
        },
        {
            "id": "paya_initech_portal",
            "platform_id": INITECH,
            "billing_entity_id": "enti_gb",
            "reference": "portal",
            "name": "Customer portal",
            "type": "CUSTOM_REDIRECT",
            "custom_redirect": {"url": "https://pay.initech.example"},
        },
    ]
