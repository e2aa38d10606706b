"""API key material: generation, hashing, and the public prefix.

Keys carry 32 random bytes, so a single SHA-256 is a safe way to store them (there is no dictionary
to try); only the hash and a short prefix are kept. The prefix lets a person tell keys apart in
listings without revealing anything useful.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "igk_"
PREFIX_LENGTH = 12
# The demo data set's keys start with this (invoicegraph/demo/keys.py). They are published, so
# production refuses to start while one is active, and refuses every request that presents one.
DEMO_KEY_PREFIX = "igk_demo_"


def generate_key() -> str:
    """A new key: `igk_` + 32 random bytes, URL-safe base64 (43 characters)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The stored form of a key (hex SHA-256)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def is_demo_key(key: str) -> bool:
    return key.startswith(DEMO_KEY_PREFIX)


def key_prefix(key: str) -> str:
    """The public part shown in listings."""
    return key[:PREFIX_LENGTH]
