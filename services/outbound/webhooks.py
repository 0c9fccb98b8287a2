"""Signed webhooks to the chain leader's systems, per the Standard Webhooks spec.

Headers `webhook-id` (the same on every try), `webhook-timestamp` (unix seconds of this try)
and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the
subscription's `whsec_` secret, made by the `standardwebhooks` package; the body is the
JSON `{"type", "timestamp", "data"}` fixed when the delivery was queued.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook

from services.outbound.domain.delivery import Delivery
from services.outbound.domain.subscription import Subscription
from services.outbound.domain.values import Attempt
from services.outbound.sending import attempt


def webhook_body(event_type: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The JSON body of a webhook (Standard Webhooks' recommended envelope)."""
    return json.dumps({"type": event_type,
                       "timestamp": occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                       "data": data}, separators=(",", ":"), sort_keys=True)


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    stamp = datetime.fromtimestamp(int(now.timestamp()), UTC)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(stamp.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, stamp, body),
            "content-type": "application/json", "user-agent": "Dovetail-Webhooks/1"}


async def send_webhook(client: httpx.AsyncClient, subscription: Subscription,
                       delivery: Delivery) -> Attempt:
    body = delivery.payload["body"]

    async def exchange() -> httpx.Response | Attempt:
        if not subscription.active:
            return Attempt(at="", delivered=False, error="the subscription was removed")
        headers = signed_headers(subscription.secret, delivery.message_id, body,
                                 datetime.now(UTC))
        return await client.post(subscription.url, content=body.encode(), headers=headers)

    return await attempt(exchange)
