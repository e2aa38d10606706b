"""The example `make run` prints is the one a newcomer pastes: it must be a valid query."""

from __future__ import annotations

import json
import re

from graphql import parse, validate

from invoicegraph.schema.build import build_schema
from invoicegraph.welcome import EXAMPLE_QUERY, message


def test_example_query_is_valid_against_the_schema() -> None:
    assert validate(build_schema()._schema, parse(EXAMPLE_QUERY)) == []


def test_the_curl_line_carries_key_platform_and_the_same_query() -> None:
    text = message()
    curl = next(line for line in text.splitlines() if line.strip().startswith("curl "))
    assert "X-API-KEY: igk_demo_" in curl
    assert "X-PLATFORM-ID: plat_acme" in curl
    body = json.loads(re.search(r"-d '(.*)'$", curl).group(1))  # type: ignore[union-attr]
    assert body["query"] == " ".join(EXAMPLE_QUERY.split())
