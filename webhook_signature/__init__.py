"""Webhook signatures: `Dovetail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<body>")>`.

The timestamp is inside the signed text, and a signature is accepted only within a
tolerance window of it, so a captured request cannot be replayed later. Comparison is
constant-time. Several v1 values may be sent (secret rotation); one must match.

Shared by the side that verifies (the gateway's webhook adapters) and the sides that sign
(the demo shop and carriers, load generators, tests), so neither imports the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


class SignatureError(Exception):
    """Why a signature was refused (said to the sender; never reveals the secret)."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(secret: str, body: bytes, header: str | None, *, tolerance_s: int = 300,
           now: float | None = None) -> None:
    if not header:
        raise SignatureError("missing Dovetail-Signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("signature timestamp t is not a whole number") from None
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("signature header must be t=<unix seconds>,v1=<hex hmac>")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise SignatureError(f"signature timestamp is more than {tolerance_s} s from now")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match the body")


def sign_base64(secret: str, body: bytes) -> str:
    """Shopify's and WooCommerce's signature: base64 of HMAC-SHA256 over the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_base64(secret: str, body: bytes, header: str | None, header_name: str) -> None:
    """These platforms put no timestamp in the signed text: replays are caught by the
    delivery id and the idempotent order id instead."""
    if not header:
        raise SignatureError(f"missing {header_name} header")
    if not hmac.compare_digest(sign_base64(secret, body).encode(), header.strip().encode()):
        raise SignatureError(f"{header_name} does not match the body")
