"""A log line never carries a secret: keys, tokens, signatures, passwords in URLs are masked
wherever they appear (the message, a field, a header dict, a traceback), in JSON and text."""

from __future__ import annotations

import io
import json
import logging

import pytest

from services.kit.logs import JsonFormatter, TextFormatter, configure_logging, mask_secrets

pytestmark = pytest.mark.unit

KEY = "dvt_admin_Zq3v9XkR2mN8pL4wT6yB1cD5eF7gH0jK"


@pytest.mark.parametrize(("text", "secret", "kept"), [
    (f"key {KEY} refused", KEY, "key dvt_*** refused"),
    (f"authorization: Bearer {KEY}", KEY, "authorization: ***"),
    ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz", "Authorization: ***"),
    ("calling with Bearer abc.def-ghi", "abc.def-ghi", "Bearer ***"),
    ("Dovetail-Signature: t=1764057600,v1=9f86d081884c7d659a2feaa0c55ad015",
     "9f86d081884c7d659a2feaa0c55ad015", "Dovetail-Signature: ***"),
    ("{'x-shopify-hmac-sha256': 'q1w2e3r4t5+/=', 'x-shopify-topic': 'orders/create'}",
     "q1w2e3r4t5", "'x-shopify-topic': 'orders/create'"),
    ('{"X-WC-Webhook-Signature": "b64sig=="}', "b64sig", '"X-WC-Webhook-Signature": "***"'),
    ("signed t=1764057600,v1=9f86d081884c7d65", "9f86d081884c7d65", "t=1764057600,v1=***"),
    ("cannot connect to postgresql://dovetail:hunter2@db:5432/dovetail", "hunter2",
     "postgresql://dovetail:***@db:5432/dovetail"),
    ("nats://svc:s3cret@nats-0:4222,nats://svc:s3cret@nats-1:4222", "s3cret",
     "nats://svc:***@nats-1:4222"),
    ("dbname=dovetail user=dovetail password=hunter2 host=db", "hunter2", "user=dovetail password=***"),
    ("GET /api/v1/orders?api_key=abc123&page=2", "abc123", "api_key=***&page=2"),
])
def test_a_secret_in_text_is_masked_and_the_rest_kept(text, secret, kept):
    masked = mask_secrets(text)
    assert secret not in masked
    assert kept in masked


def test_text_without_secrets_is_left_alone():
    text = "order 1f0c placed for shop-10001 (idempotency_key=shop:SHOP-10001) in 12 ms"
    assert mask_secrets(text) == text


def record(msg: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.LogRecord("dovetail.gateway", logging.WARNING, __file__, 1, msg, args, exc_info)
    made.__dict__.update(extra)
    return made


def test_a_json_line_masks_the_message_fields_nested_headers_and_the_traceback():
    try:
        raise ConnectionError(f"refused for Bearer {KEY}")
    except ConnectionError:
        import sys

        exc_info = sys.exc_info()
    line = JsonFormatter("gateway").format(record(
        "webhook from %s with key %s", "shop", KEY, exc_info=exc_info,
        headers={"Authorization": f"Bearer {KEY}", "X-Shopify-Hmac-Sha256": "c2ln",
                 "Content-Type": "application/json"},
        api_key=KEY, database="postgresql://dovetail:hunter2@db/dovetail", attempts=3))
    assert KEY not in line and "c2ln" not in line and "hunter2" not in line
    entry = json.loads(line)
    assert entry["service"] == "gateway" and entry["level"] == "warning"
    assert entry["msg"] == "webhook from shop with key dvt_***"
    assert entry["headers"] == {"Authorization": "***", "X-Shopify-Hmac-Sha256": "***",
                                "Content-Type": "application/json"}
    assert entry["api_key"] == "***" and entry["attempts"] == 3
    assert entry["database"] == "postgresql://dovetail:***@db/dovetail"
    assert "ConnectionError: refused for Bearer ***" in entry["exc"]


def test_a_text_line_is_masked_too():
    line = TextFormatter("orders").format(record("channel key %s", KEY))
    assert KEY not in line and line.endswith("dovetail.gateway: channel key dvt_***")


def test_configure_logging_sends_library_loggers_through_the_json_handler():
    uvicorn_error = logging.getLogger("uvicorn.error")
    uvicorn_error.addHandler(logging.StreamHandler(io.StringIO()))  # as uvicorn's config does
    uvicorn_error.propagate = False
    out = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("gateway", stream=out)
        uvicorn_error.warning("Invalid HTTP request received: %s", f"Bearer {KEY}")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    entry = json.loads(out.getvalue())
    assert entry["logger"] == "uvicorn.error" and entry["msg"].endswith("Bearer ***")
