"""Log lines: JSON or console, the request id on every line of a request, and never a secret."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from invoicegraph.observability.facts import RequestFacts, enter, leave
from invoicegraph.observability.logging import ConsoleFormatter, JsonFormatter, Scrubber, configure_logging
from invoicegraph.settings import Settings

KEY = "igk_" + "Ab3_-x" * 7 + "Z"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz"
SECRET = "a-jwt-secret-of-forty-characters-length!"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = configure_logging(Settings(log_format="json", jwt_secret=SECRET), stream=out)
    try:
        yield out
    finally:
        logging.getLogger().removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


def test_scrubber_removes_keys_tokens_passwords_and_the_jwt_secret() -> None:
    scrub = Scrubber([SECRET])
    text = scrub(
        f"key {KEY} header Bearer {JWT} token {JWT} url postgresql+asyncpg://app:hunter2@db/x secret={SECRET} id akey_0123456789abcdef"
    )
    for secret in (KEY, JWT, "hunter2", SECRET):
        assert secret not in text
    assert "igk_[redacted]" in text
    assert "postgresql+asyncpg://app:[redacted]@db/x" in text
    assert "akey_0123456789abcdef" in text  # the key's id is what logs name


def test_scrubber_leaves_prose_and_ordinary_urls_alone() -> None:
    text = "The bearer token is not valid. See http://host:8080/docs@v1 and plan 'Basic fee'."
    assert Scrubber()(text) == text
    assert Scrubber()("Authorization: Bearer abcdefghijklmnop1234") == "Authorization: Bearer [redacted]"


def test_json_line_has_fields_extras_and_the_request_id(stream: io.StringIO) -> None:
    token = enter(RequestFacts(method="GET", path="/x", request_id="reqr_abc"))
    try:
        logging.getLogger("invoicegraph.test").info("hello %s", "world", extra={"status": 200, "platform_id": "plat_a"})
    finally:
        leave(token)
    logging.getLogger("invoicegraph.test").warning("outside a request")
    inside, outside = _lines(stream)
    assert inside["message"] == "hello world"
    assert inside["level"] == "info"
    assert inside["logger"] == "invoicegraph.test"
    assert inside["request_id"] == "reqr_abc"
    assert inside["status"] == 200
    assert inside["platform_id"] == "plat_a"
    assert str(inside["ts"]).endswith("Z")
    assert "request_id" not in outside


def test_exceptions_carry_type_and_traceback_without_secrets(stream: io.StringIO) -> None:
    try:
        raise RuntimeError(f"failed with {KEY} and {JWT}")
    except RuntimeError:
        logging.getLogger("invoicegraph.test").exception("boom", extra={"detail": f"Bearer {JWT}"})
    (line,) = _lines(stream)
    assert line["error_type"] == "RuntimeError"
    assert "Traceback (most recent call last)" in str(line["exception"])
    assert KEY not in stream.getvalue()
    assert JWT not in stream.getvalue()


def test_console_format_is_one_readable_line() -> None:
    record = logging.LogRecord("invoicegraph.access", logging.INFO, __file__, 1, "POST /graphql 200", (), None)
    record.status = 200  # said by the message already
    record.outcome = "OK"
    record.secret = KEY
    text = ConsoleFormatter(Scrubber()).format(record)
    assert "INFO  invoicegraph.access: POST /graphql 200  outcome=OK secret=igk_[redacted]" in text
    assert "status=" not in text
    assert KEY not in text
    assert "\n" not in text


def test_configure_logging_replaces_its_own_handler_only() -> None:
    root = logging.getLogger()
    other = logging.NullHandler()
    root.addHandler(other)
    first = configure_logging(Settings(log_format="json"), stream=io.StringIO())
    second = configure_logging(Settings(log_format="console", log_level="debug"), stream=io.StringIO())
    try:
        assert first not in root.handlers
        assert second in root.handlers
        assert other in root.handlers
        assert isinstance(second.formatter, ConsoleFormatter)
        assert root.level == logging.DEBUG
    finally:
        root.removeHandler(second)
        root.removeHandler(other)
        root.setLevel(logging.WARNING)


def test_json_formatter_renders_non_json_values_as_text() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    record.thing = object()
    line = orjson.loads(JsonFormatter(Scrubber()).format(record))
    assert str(line["thing"]).startswith("<object object")
