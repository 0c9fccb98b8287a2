"""Listing and revoking API keys by id for admins (the kit's KeyStore does the work)."""

from __future__ import annotations

from gateway.schemas.admin import KeyRead
from services.kit.auth import KEY_ID_CHARS, KeyStore, hash_key

ID_CHARS = KEY_ID_CHARS


def key_id(key: str) -> str:
    return hash_key(key)[:ID_CHARS]


async def key_reads(keys: KeyStore, limit: int = 500) -> list[KeyRead]:
    """Every key (never the key itself), newest first: for the REST listing and the portal."""
    return [KeyRead(kid, principal, label, origin, created.isoformat(),
                    revoked.isoformat() if revoked else None)
            for kid, principal, label, origin, created, revoked in await keys.list(limit)]


async def revoke(keys: KeyStore, kid: str) -> bool:
    return await keys.revoke_by_id(kid)
