"""One HTTP try, timed and judged the same way for every target: a 2xx is taken; any other
answer, a redirect, a refused connection or a timeout is a failed try (Standard Webhooks:
redirects are not followed)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx

from services.outbound.domain.values import Attempt

MAX_ERROR = 300
Exchange = Callable[[], Awaitable[httpx.Response | Attempt]]


def failed(at: str, error: str, status_code: int = 0, started: float | None = None) -> Attempt:
    spent = int((time.perf_counter() - started) * 1000) if started is not None else 0
    return Attempt(at=at, delivered=False, status_code=status_code, error=error[:MAX_ERROR],
                   duration_ms=spent)


async def attempt(exchange: Exchange) -> Attempt:
    """Run `exchange` (one or more requests; the last answer decides) and judge it."""
    at = datetime.now(UTC).isoformat()
    started = time.perf_counter()
    try:
        answer = await exchange()
    except httpx.HTTPError as exc:
        return failed(at, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                      started=started)
    if isinstance(answer, Attempt):
        return Attempt(at=at, delivered=answer.delivered, status_code=answer.status_code,
                       error=answer.error[:MAX_ERROR],
                       duration_ms=int((time.perf_counter() - started) * 1000))
    return judged(at, answer, started)


def judged(at: str, response: httpx.Response, started: float) -> Attempt:
    spent = int((time.perf_counter() - started) * 1000)
    if 200 <= response.status_code < 300:
        return Attempt(at=at, delivered=True, status_code=response.status_code,
                       duration_ms=spent)
    return Attempt(at=at, delivered=False, status_code=response.status_code,
                   error=f"{response.request.method} {response.request.url.path} answered "
                         f"{response.status_code}: {response.text[:200]}"[:MAX_ERROR],
                   duration_ms=spent)
