"""The demo API keys. They are public on purpose (printed by `make run`); never use them in production."""

from __future__ import annotations

# Spans both demo platforms; INVOICE.VIEW, INVOICE.REFRESH and INVOICE.PREVIEW.
DEMO_API_KEY = "igk_demo_all_platforms_0000000000000000000000"
# One key per demo platform, same permissions.
DEMO_PLATFORM_KEYS = {
    "plat_acme": "igk_demo_acme_only_00000000000000000000000000",
    "plat_initech": "igk_demo_initech_only_00000000000000000000000",
}
