"""Process logging: one JSON object per line (production) or readable lines (development).

`configure_logging` installs one handler on the root logger, so the service's own lines, Strawberry's
error lines (`strawberry.execution`, with the traceback) and uvicorn's all share one format. Every
record emitted while a request runs carries its `request_id` (from `RequestFacts`).

Secrets never reach the output: whatever a message or traceback says, API keys, bearer tokens,
JWTs, passwords in URLs and the JWT secret are replaced before a line is written. The access log
names the credential by its id only (`akey_…`, or a token's subject).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from invoicegraph.observability.facts import current_facts
from invoicegraph.settings import Settings

_OURS = "_invoicegraph_handler"
# Attributes every LogRecord has; anything else on a record came from `extra=` and is a field.
# (uvicorn's `color_message` repeats the message with terminal colours.)
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName", "color_message"}
# The console line says these in its message already.
_CONSOLE_SKIP = frozenset({"method", "path", "status"})
_REDACTED = "[redacted]"
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # API keys: `igk_` + 43 URL-safe characters (demo and test keys too). Only the key id is loggable.
    (re.compile(r"igk_[A-Za-z0-9_-]{12,}"), "igk_" + _REDACTED),
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), _REDACTED),  # JWTs (JWS compact form)
    # Opaque bearer tokens (16+ characters, so prose such as "the bearer token is…" stays readable).
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{16,}"), r"\1 " + _REDACTED),
    (re.compile(r"(://[^:/@\s\"'\\]+:)[^/@\s\"'\\]+@"), r"\1" + _REDACTED + "@"),  # passwords in URLs (user:password@)
)


class Scrubber:
    """Replaces secrets in text: the patterns above and the exact values given (the JWT secret)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._exact = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._exact:
            text = text.replace(secret, _REDACTED)
        for pattern, replacement in _SECRET_PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RequestIdFilter(logging.Filter):
    """Stamps the current request's id on every record emitted while the request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            facts = current_facts()
            record.request_id = facts.request_id if facts is not None else None
        return True


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in record.__dict__.items() if key not in _STANDARD and value is not None}


def _scrub_value(value: Any, scrub: Scrubber) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _scrub_value(v, scrub) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_value(v, scrub) for v in value]
    return scrub(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, the extras, exception."""

    def __init__(self, scrub: Scrubber) -> None:
        super().__init__()
        self.scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            exception = record.exc_info[1]
            line["error_type"] = type(exception).__name__ if exception is not None else None
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(_scrub_value(line, self.scrub)).decode()


class ConsoleFormatter(logging.Formatter):
    """`12:00:01.123 INFO  invoicegraph.access: POST /graphql 200 key=value …`, then any traceback."""

    def __init__(self, scrub: Scrubber) -> None:
        super().__init__()
        self.scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        clock = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S.%f")[:-3]
        fields = " ".join(f"{key}={value}" for key, value in _extras(record).items() if key not in _CONSOLE_SKIP)
        text = f"{clock} {record.levelname:<5} {record.name}: {record.getMessage()}" + (f"  {fields}" if fields else "")
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return self.scrub(text)


class _StandardErrorHandler(logging.StreamHandler[IO[str]]):
    """Writes to whatever `sys.stderr` is at the time (test runners and tools swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(settings: Settings, *, stream: IO[str] | None = None) -> logging.Handler:
    """Install (or replace) the service's handler on the root logger; returns it.

    Idempotent: calling it again (another app in the same process, tests) replaces the handler
    installed before instead of adding a second one. Handlers installed by others stay.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
    scrub = Scrubber([settings.jwt_secret])
    new: logging.Handler = _StandardErrorHandler(sys.stderr) if stream is None else logging.StreamHandler(stream)
    setattr(new, _OURS, True)
    new.addFilter(RequestIdFilter())
    new.setFormatter(JsonFormatter(scrub) if settings.effective_log_format == "json" else ConsoleFormatter(scrub))
    root.addHandler(new)
    root.setLevel(settings.log_level.upper())
    # uvicorn installs its own plain-text handlers; route its lines through ours instead. Its access
    # log stays as uvicorn set it (`serve` turns it off: the access line above replaces it).
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return new
