"""What the shop door shows Prometheus: requests by route and status, their latency, and the
webhooks taken or refused by channel and reason.

Requests are counted and timed per route template (`/api/v1/orders/{order_id}`, never the raw
path), so the label set stays small whatever callers send: the metric names and labels are
those of Litestar's Prometheus middleware (`_requests_total`, `_request_duration_seconds`,
`_requests_in_progress`, `_requests_error_total`; method, path, status_code, app_name).
One middleware of our own records them and the webhook outcomes: Litestar's built a request
object and four label sets per request and asked prometheus_client for each series by its
labels every time (about a twentieth of the gateway's CPU per webhook, load/bench_webhooks.py);
here a series is looked up once and kept. Webhook outcomes are read from the answer the route
gave (its status code), so no adapter has to remember to count: 202 taken, 200 a resend taken
again, the rest refused for the reason its status stands for.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import Counter, Gauge, Histogram

PREFIX = "dovetail_gateway"
APP_NAME = "gateway"
BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
# Probes and the scrape itself would swamp the figures that matter.
UNCOUNTED = frozenset({"/metrics", "/livez", "/readyz", "/healthz"})
LABELS = ["method", "path", "status_code", "app_name"]

REQUESTS = Counter(f"{PREFIX}_requests_total", "Total requests", LABELS)
DURATION = Histogram(
    f"{PREFIX}_request_duration_seconds", "Request duration, in seconds", LABELS, buckets=BUCKETS
)
IN_PROGRESS = Gauge(
    f"{PREFIX}_requests_in_progress",
    "Total requests currently in progress",
    LABELS,
    multiprocess_mode="livesum",
)
ERRORS = Counter(f"{PREFIX}_requests_error_total", "Total errors in requests", LABELS)
WEBHOOKS = Counter(
    f"{PREFIX}_webhooks_total",
    "Webhooks answered, by channel, outcome and reason",
    ["channel", "outcome", "reason"],
)

# Status → (outcome, reason) of a webhook answer.
WEBHOOK_ANSWERS = {
    202: ("taken", "placed"),
    200: ("taken", "resent"),
    400: ("refused", "malformed"),
    401: ("refused", "signature"),
    403: ("refused", "forbidden"),
    404: ("refused", "unknown_channel"),
    413: ("refused", "too_large"),
    415: ("refused", "media_type"),
    422: ("refused", "invalid_body"),
    429: ("refused", "rate_limited"),
    503: ("refused", "unavailable"),
}


def webhook_outcome(status: int) -> tuple[str, str]:
    """(taken | refused, reason) of a webhook answered with `status`."""
    if status in WEBHOOK_ANSWERS:
        return WEBHOOK_ANSWERS[status]
    if 200 <= status < 300:
        return "taken", "placed"
    return "refused", "server_error" if status >= 500 else f"http_{status}"


def webhook_channel(scope: Scope, status: int) -> str:
    """The channel (or carrier) a webhook came in on; "unknown" for a channel we do not
    have, so that made-up names in paths cannot grow the label set."""
    if status == 404:
        return "unknown"
    params: dict[str, Any] = scope.get("path_params") or {}
    for key in ("channel", "carrier"):
        if params.get(key):
            return str(params[key])[:64]
    parts = scope["path"].strip("/").split("/")
    return parts[1] if len(parts) > 1 else "unknown"


class _Series:
    """The series of one route, method and status, looked up once (prometheus_client's
    `labels()` takes a lock and checks every label value on each call)."""

    __slots__ = ("requests", "duration", "errors")

    def __init__(self, labels: tuple[str, str, str, str]) -> None:
        self.requests = REQUESTS.labels(*labels)
        self.duration = DURATION.labels(*labels)
        self.errors = ERRORS.labels(*labels) if int(labels[2]) >= 500 else None


class RequestMetrics:
    """ASGI middleware: every request's count and duration by route template, method and
    status (the duration runs until the answer's body starts), the requests in progress, and
    each webhook's outcome (routes under /webhooks/)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._series: dict[tuple[str, str, int], _Series] = {}
        self._in_progress: dict[tuple[str, str], Any] = {}
        self._webhooks: dict[tuple[str, str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNCOUNTED:
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope.get("path_template") or scope["path"]
        started = time.perf_counter()
        span = [200, 0.0]  # status, duration

        async def sending(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                span[0] = message["status"]
            elif kind == "http.response.body":
                span[1] = time.perf_counter() - started
            await send(message)

        gauge = self._in_progress.get((method, path))
        if gauge is None:
            gauge = self._in_progress[method, path] = IN_PROGRESS.labels(
                method, path, "200", APP_NAME
            )
        gauge.inc()
        try:
            await self.app(scope, receive, sending)
        finally:
            gauge.dec()
            status = span[0]
            series = self._series.get((method, path, status))
            if series is None:
                series = self._series[method, path, status] = _Series(
                    (method, path, str(status), APP_NAME)
                )
            series.requests.inc()
            series.duration.observe(span[1])
            if series.errors is not None:
                series.errors.inc()
            if path.startswith("/webhooks/"):
                self._count_webhook(scope, status)

    def _count_webhook(self, scope: Scope, status: int) -> None:
        key = (webhook_channel(scope, status), *webhook_outcome(status))
        counter = self._webhooks.get(key)
        if counter is None:
            counter = self._webhooks[key] = WEBHOOKS.labels(*key)
        counter.inc()


def metrics_middleware() -> list[DefineMiddleware]:
    """The gateway's request metrics (per route template and status) and webhook outcomes."""
    return [DefineMiddleware(RequestMetrics)]
