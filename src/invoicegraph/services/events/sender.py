"""One webhook request: signed, sent to the checked address, judged.

Success is a 2xx answered within the time limit (`INVOICEGRAPH_WEBHOOK_TIMEOUT_SECONDS`, 10 s by default,
for everything: resolving, connecting, sending, the answer's headers). Anything else is a failure with a
short reason: the status (`HTTP 500`; a redirect is not followed, so `HTTP 302` too), the time limit, the
connection error, or the SSRF guard's refusal. The answer's body is read only up to a few kilobytes and
never kept.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx

from invoicegraph.services.events.claims import Claim, Outcome
from invoicegraph.services.events.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signature_header
from invoicegraph.services.events.signing_secrets import SecretBox, SecretUnavailable
from invoicegraph.services.events.targets import TargetPolicy, TargetRefused, resolve

USER_AGENT = "invoicegraph-webhooks/1"
_MAX_ANSWER_BYTES = 4096


def http_client() -> httpx.AsyncClient:
    """The client of one process's deliveries: no redirects, no proxies from the environment (the request
    must go to the address the guard checked), certificates verified."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=50),
    )


def secrets_of(claimed: Claim, box: SecretBox, now: datetime) -> list[str]:
    """The secrets that sign this attempt: the endpoint's, and its previous one while that is still valid."""
    sealed = [claimed.secret]
    expires = claimed.previous_secret_expires_at
    if claimed.previous_secret is not None and (expires is None or expires > now):
        sealed.append(claimed.previous_secret)
    return [box.open(value) for value in sealed]


async def send(
    client: httpx.AsyncClient,
    claimed: Claim,
    *,
    box: SecretBox,
    policy: TargetPolicy,
    time_limit: float,
) -> Outcome:
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        async with asyncio.timeout(time_limit):
            target = await resolve(claimed.url, policy)
            headers = {
                "Content-Type": "application/json",
                EVENT_ID_HEADER: claimed.event_id,
                EVENT_TYPE_HEADER: claimed.event_type,
                SIGNATURE_HEADER: signature_header(secrets_of(claimed, box, datetime.now(UTC)), int(time.time()), claimed.payload),
            }
            extensions = {}
            if target.pinned:
                headers["Host"] = target.host_header
                extensions["sni_hostname"] = target.server_name
            request = client.build_request("POST", target.url, content=claimed.payload, headers=headers, extensions=extensions)
            response = await client.send(request, stream=True)
            try:
                await _read_some(response)
            finally:
                await response.aclose()
    except TimeoutError:
        return Outcome(ok=False, latency_ms=elapsed(), error=f"no answer within {time_limit:g} s")
    except (TargetRefused, SecretUnavailable) as error:
        return Outcome(ok=False, latency_ms=elapsed(), error=str(error))
    except httpx.HTTPError as error:
        return Outcome(ok=False, latency_ms=elapsed(), error=f"{type(error).__name__}: {error}".rstrip(": "))
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(ok=True, latency_ms=elapsed(), status_code=status)
    return Outcome(ok=False, latency_ms=elapsed(), status_code=status, error=f"HTTP {status}")


async def _read_some(response: httpx.Response) -> None:
    """Read a little of the answer (a receiver may wait for it to be read), then stop."""
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read >= _MAX_ANSWER_BYTES:
            return
