"""What the gateway accepts from the network: proxies it trusts, failure budgets, stream caps,
read deadlines. Read from DOVETAIL_* once (`EdgeSettings.from_env`) and passed to create_app.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from urllib.parse import urlsplit

from gateway.i18n import valid_zone
from services.kit.settings import SettingsError


def parse_networks(name: str, text: str) -> tuple[str, ...]:
    """`10.0.0.1, 10.1.0.0/16` → normalised networks; a typo is refused, not silently kept."""
    networks = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise SettingsError(f"{name}: {part!r} is not an IP address or a CIDR network "
                                f"(e.g. 10.0.0.5 or 10.0.0.0/8)") from None
    return tuple(networks)


LOOPBACK = ("localhost", "127.0.0.1", "::1")
TEXTS = ("smtp_url", "time_zone", "oidc_issuer", "oidc_client_id", "oidc_client_secret",
         "oidc_name", "mail_dir")


def issuer_problem(issuer: str) -> str:
    """Why an OpenID Connect issuer is not one ("" when it is): https with a host, no query or
    fragment (plain http only on this machine, for a provider run beside the gateway)."""
    try:
        url = urlsplit(issuer)
        host = url.hostname or ""
        url.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return "is not a URL"
    if url.scheme != "https" and not (url.scheme == "http" and host in LOOPBACK):
        return "must be an https:// URL (http:// only for localhost)"
    if not host or url.query or url.fragment or url.username or url.password:
        return "must be the provider's issuer URL: a host, no query, fragment or user"
    return ""


@dataclass(frozen=True)
class EdgeSettings:
    # Direct peers whose X-Forwarded-For / X-Forwarded-Proto are believed. Empty: nobody's.
    trusted_proxies: tuple[str, ...] = ()
    # Failed API-key attempts allowed per window, from one client address and for one key
    # prefix; beyond them 429 with Retry-After until the window ends.
    auth_failures_per_address: int = 20
    auth_failures_per_key_prefix: int = 10
    auth_failure_window_s: int = 60
    # Concurrent live-update (SSE) streams per key or portal session, and in all.
    streams_per_holder: int = 4
    streams_total: int = 200
    # A client must finish its request line and headers within this, and its body within
    # the next; idle keep-alive connections close after keep_alive_s.
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    keep_alive_s: int = 5
    max_header_bytes: int = 64 * 1024
    # Where invitation and reset links are mailed (smtp:// or smtps://); empty: written to
    # mail_dir (DOVETAIL_MAIL_DIR, one .eml per mail; `make up` sets DOVETAIL_HOME/mail), or,
    # with neither, only said in the log (the link masked).
    smtp_url: str = ""
    mail_dir: str = ""
    # The tenant's time zone: the portal's times are shown in it (a factory's pages in the
    # factory's own), named on every time (DOVETAIL_TIME_ZONE, an IANA name).
    time_zone: str = "Asia/Shanghai"
    # Sign-in with the company's OpenID Connect provider (gateway/accounts/oidc.py); empty
    # issuer: the portal has only passwords (and the admin key).
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    oidc_name: str = ""  # on the button: "Sign in with <name>" (default: the issuer's host)

    def __post_init__(self) -> None:
        if self.oidc_issuer:
            problem = issuer_problem(self.oidc_issuer)
            if problem:
                raise SettingsError(f"DOVETAIL_OIDC_ISSUER={self.oidc_issuer!r} {problem}")
            for name in ("oidc_client_id", "oidc_client_secret"):
                if not getattr(self, name):
                    raise SettingsError(f"DOVETAIL_{name.upper()} must be set with "
                                        "DOVETAIL_OIDC_ISSUER")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and value <= 0:
                raise SettingsError(f"gateway setting {f.name} must be positive, not {value}")
        if not valid_zone(self.time_zone):
            raise SettingsError(f"DOVETAIL_TIME_ZONE={self.time_zone!r} is not a time zone "
                                "(an IANA name such as Asia/Shanghai)")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EdgeSettings:
        env = os.environ if env is None else env
        values: dict = {"trusted_proxies": parse_networks(
            "DOVETAIL_TRUSTED_PROXIES", env.get("DOVETAIL_TRUSTED_PROXIES", "")),
            "smtp_url": env.get("DOVETAIL_SMTP_URL", "").strip(),
            "time_zone": env.get("DOVETAIL_TIME_ZONE", "").strip() or cls.time_zone,
            **{name: env.get(f"DOVETAIL_{name.upper()}", "").strip() for name in TEXTS[2:]}}
        for f in fields(cls):
            name = f"DOVETAIL_{f.name.upper()}"
            raw = env.get(name, "")
            if f.name == "trusted_proxies" or f.name in TEXTS or not raw:
                continue
            kind = float if isinstance(f.default, float) else int
            try:
                values[f.name] = kind(raw)
            except ValueError:
                raise SettingsError(f"{name}={raw!r} is not a number") from None
        return cls(**values)

    def with_(self, **changes) -> EdgeSettings:
        return replace(self, **changes)
