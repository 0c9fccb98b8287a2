"""What Dovetail refuses once it listens beyond this machine: development or weak secrets.

On a loopback address only this machine reaches the platform, and development values are
harmless. Once the services and the gateway bind another address (DOVETAIL_GRPC_HOST=0.0.0.0,
a LAN address, a host name), every secret they are given must be one nobody else knows: at least
32 random characters, not a value published in the code or docs, not a placeholder such as
`change-me`. A process that would break this refuses to start, naming the setting.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from services.kit.settings import DEV_ADMIN_KEY, DEV_WEBHOOK_SECRETS, Settings, SettingsError

MIN_SECRET_CHARS = 32
# 32 random characters of any alphabet, even hex, use well over 8 different ones; "aaaa…" or
# "abcdabcd…" does not.
MIN_DISTINCT_CHARS = 8
PUBLISHED = frozenset({DEV_ADMIN_KEY, *DEV_WEBHOOK_SECRETS.values()})
PLACEHOLDER = re.compile(r"change[-_ .]?me|changeit|replace[-_ .]?me|placeholder|dev_key",
                         re.IGNORECASE)
HOW_TO_GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps a server reachable from this machine only."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:  # 0.0.0.0 parses; a host name or "" binds wherever it resolves
        return False


def weakness(secret: str) -> str | None:
    """Why `secret` is not fit for a platform others can reach, or None when it is."""
    if secret in PUBLISHED:
        return "is a development value published with Dovetail"
    if PLACEHOLDER.search(secret):
        return "is a placeholder"
    if len(secret) < MIN_SECRET_CHARS:
        return f"has {len(secret)} characters; at least {MIN_SECRET_CHARS} random ones are needed"
    if len(set(secret)) < MIN_DISTINCT_CHARS:
        return "is not random (it repeats a few characters)"
    return None


def weak_settings(settings: Settings) -> list[str]:
    """Each secret setting that is weak, named, with why (never the secret itself)."""
    found: list[str] = []
    if settings.admin_key and (why := weakness(settings.admin_key)):
        found.append(f"DOVETAIL_ADMIN_KEY {why}")
    for channel, secret in settings.webhook_secrets.items():
        if why := weakness(secret):
            found.append(f"DOVETAIL_WEBHOOK_SECRETS: the secret of channel {channel!r} {why}")
    password = urlsplit(settings.database_url).password if settings.database_url else None
    if password and (password in PUBLISHED or PLACEHOLDER.search(password)):
        found.append("DOVETAIL_DATABASE_URL holds a placeholder password")
    return found


def check_exposure(settings: Settings) -> None:
    """Refuse (SettingsError) development or weak secrets when listening beyond loopback."""
    if is_loopback(settings.grpc_host):
        return
    found = weak_settings(settings)
    if found:
        listed = "\n".join(f"  - {line}" for line in found)
        raise SettingsError(
            f"DOVETAIL_GRPC_HOST={settings.grpc_host!r} lets other machines reach Dovetail, so it "
            f"refuses development or weak secrets:\n{listed}\n"
            f"Generate each with: {HOW_TO_GENERATE}  (see docs/security.md)")
