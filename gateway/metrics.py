"""What the shop door shows Prometheus: requests by route and status, their latency, and the
webhooks taken or refused by channel and reason.

Requests are counted and timed by Litestar's own Prometheus middleware, grouped by route
template (`/api/v1/orders/{order_id}`, never the raw path), so the label set stays small
whatever callers send. Webhook outcomes are read from the answer the route gave (its status
code), so no adapter has to remember to count: 202 taken, 200 a resend taken again, the rest
refused for the reason its status stands for.
"""

from __future__ import annotations

from typing import Any

from litestar.middleware import DefineMiddleware
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import Counter

PREFIX = "dovetail_gateway"
BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
# Probes and the scrape itself would swamp the figures that matter.
UNCOUNTED = ["^/metrics$", "^/livez$", "^/readyz$", "^/healthz$"]

WEBHOOKS = Counter(
    f"{PREFIX}_webhooks_total", "Webhooks answered, by channel, outcome and reason",
    ["channel", "outcome", "reason"])

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


class WebhookOutcomes:
    """ASGI middleware counting each webhook's answer (routes under /webhooks/)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/webhooks/"):
            await self.app(scope, receive, send)
            return
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            outcome, reason = webhook_outcome(status[0])
            WEBHOOKS.labels(webhook_channel(scope, status[0]), outcome, reason).inc()


def metrics_middleware() -> list[DefineMiddleware]:
    """The gateway's request metrics (per route template and status) and webhook outcomes."""
    config = PrometheusConfig(app_name="gateway", prefix=PREFIX, group_path=True,
                              buckets=list(BUCKETS), exclude=UNCOUNTED)
    return [config.middleware, DefineMiddleware(WebhookOutcomes)]
