"""Webhooks signed per Standard Webhooks: what a receiver's own check accepts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from services.outbound.application import new_secret
from services.outbound.webhooks import signed_headers, webhook_body

pytestmark = pytest.mark.unit


def test_the_signature_is_base64_hmac_sha256_of_id_timestamp_body():
    secret = new_secret()
    now = datetime.now(UTC)
    body = webhook_body("order.shipped", now, {"order_id": "o1"})
    headers = signed_headers(secret, "msg_1", body, now)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(
        key, f"msg_1.{headers['webhook-timestamp']}.{body}".encode(), hashlib.sha256).digest())
    assert headers["webhook-signature"] == "v1," + expected.decode()
    assert headers["webhook-id"] == "msg_1"
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    assert json.loads(body)["type"] == "order.shipped"
    assert json.loads(body)["timestamp"].endswith("Z")


def test_another_secret_or_a_changed_body_does_not_verify():
    secret, now = new_secret(), datetime.now(UTC)
    body = webhook_body("machine.down", now, {"machine_id": "m1"})
    headers = signed_headers(secret, "msg_2", body, now)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("m1", "m2"), headers)
