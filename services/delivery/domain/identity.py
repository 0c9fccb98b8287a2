"""Deterministic ids (uuid5 of natural keys) and the public tracking tokens.

A tracking token is 256 random bits (`secrets.token_urlsafe(32)`). Only its SHA-256 names
the index that leads to the shipment, so the store is looked up by digest, never scanned,
and nothing lists tokens: they cannot be enumerated, only known.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid

NAMESPACE = uuid.UUID("3d1f6b8e-7a52-4c0e-9b6f-2e8d4a1c5f37")
TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def shipment_id(order_id: str) -> uuid.UUID:
    """One shipment per order."""
    return uuid.uuid5(NAMESPACE, f"shipment\x1f{order_id}")


def order_facts_id(order_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"order-facts\x1f{order_id}")


def tracking_number_id(carrier: str, number: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"tracking-number\x1f{carrier}\x1f{number}")


def lane_id(carrier: str, country: str, region: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"lane\x1f{carrier}\x1f{country.upper()}\x1f{region.casefold()}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tracking_link_id(token: str) -> uuid.UUID | None:
    """The index id a token leads to; None for text that cannot be a token."""
    if not TOKEN_RE.match(token):
        return None
    return link_id(token_digest(token))


def link_id(digest: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"tracking-link\x1f{digest}")
