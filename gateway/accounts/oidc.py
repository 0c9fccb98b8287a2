"""Sign-in with the company's OpenID Connect provider (issue 19, item 1), when one is set up
(DOVETAIL_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _NAME).

The authorization-code flow with PKCE (S256), state and nonce, through authlib's httpx client.
`begin` keeps the state, nonce and code verifier in PostgreSQL for ten minutes, under the
SHA-256 of the state, and gives the browser the state in an HttpOnly cookie; `finish` takes
them back once (a state is spent by its first use), refuses a callback whose state is not the
cookie's, trades the code for tokens and checks the ID token with joserfc against the
provider's JWKS (from its discovery document): signature (RS256/ES256/PS256 only), issuer,
audience (and `azp` when there are several), expiry, nonce. Who gets in is then the gateway's
decision: a verified e-mail address (`email_verified` true) of an account an admin invited and
did not disable. The role is the account's; nothing the provider says about roles is read.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc6749.errors import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from psycopg_pool import AsyncConnectionPool

from gateway.accounts.application import Accounts, now
from gateway.accounts.domain import Account
from gateway.channels import SCHEMA
from gateway.settings import EdgeSettings

log = logging.getLogger("dovetail.gateway.oidc")
COOKIE = "dovetail_oidc"
FLOW_TTL_S = 600
DISCOVERY_TTL_S = 3600
ALGORITHMS = ["RS256", "ES256", "PS256"]
LEEWAY_S = 60
TIMEOUT_S = 10

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.oidc_flows (
  state_hash text PRIMARY KEY, nonce text NOT NULL, verifier text NOT NULL,
  next text NOT NULL, expires_at timestamptz NOT NULL);
"""


class Refused(Exception):
    """The provider's answer does not sign this person in; `status` and a reason for the log
    (the person reads a sentence of the page's choosing, not this)."""

    def __init__(self, status: int, kind: str, reason: str):
        super().__init__(reason)
        self.status, self.kind = status, kind


def digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


@dataclass
class OidcSignIn:
    issuer: str
    client_id: str
    client_secret: str
    name: str
    pool: AsyncConnectionPool
    _discovery: tuple[float, dict[str, Any]] = field(default=(0.0, {}))

    async def ensure_schema(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(DDL)

    def client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(self.client_id, self.client_secret, scope="openid email",
                                 redirect_uri=redirect_uri, code_challenge_method="S256",
                                 timeout=TIMEOUT_S)

    async def discovery(self) -> dict[str, Any]:
        """The provider's discovery document, kept an hour; its `issuer` must be ours."""
        fetched_at, document = self._discovery
        if document and time.monotonic() - fetched_at < DISCOVERY_TTL_S:
            return document
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
            answer = await http.get(f"{self.issuer.rstrip('/')}/.well-known/openid-configuration")
            answer.raise_for_status()
            document = answer.json()
        if document.get("issuer") != self.issuer:
            raise Refused(502, "provider", f"discovery names issuer {document.get('issuer')!r}")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(key), str):
                raise Refused(502, "provider", f"discovery has no {key}")
        self._discovery = (time.monotonic(), document)
        return document

    async def begin(self, redirect_uri: str, next_: str) -> tuple[str, str]:
        """(the provider's authorization URL, the state for the browser's cookie)."""
        document = await self.discovery()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)  # 64 characters: RFC 7636 asks 43 to 128
        async with self.pool.connection() as conn:
            await conn.execute(f"DELETE FROM {SCHEMA}.oidc_flows WHERE expires_at < now()")
            await conn.execute(
                f"INSERT INTO {SCHEMA}.oidc_flows (state_hash, nonce, verifier, next, expires_at)"
                " VALUES (%s, %s, %s, %s, now() + make_interval(secs => %s))",
                (digest(state), nonce, verifier, next_, FLOW_TTL_S))
        async with self.client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                document["authorization_endpoint"], state=state, nonce=nonce,
                code_verifier=verifier)
        return url, state

    async def _take_flow(self, cookie_state: str) -> tuple[str, str, str]:
        """The nonce, verifier and destination kept for this browser's state; spent now."""
        async with self.pool.connection() as conn:
            row = await (await conn.execute(
                f"DELETE FROM {SCHEMA}.oidc_flows WHERE state_hash = %s"
                " RETURNING nonce, verifier, next, expires_at > now()",
                (digest(cookie_state),))).fetchone()
        if row is None or not row[3]:
            raise Refused(400, "state", "no sign-in under way for this browser (or it expired)")
        return row[0], row[1], row[2]

    async def finish(self, redirect_uri: str, code: str, state: str,
                     cookie_state: str) -> tuple[dict[str, Any], str]:
        """(the ID token's checked claims, where the person was going)."""
        if not cookie_state or len(cookie_state) > 100:
            raise Refused(400, "state", "no sign-in cookie")
        nonce, verifier, next_ = await self._take_flow(cookie_state)
        # The callback's state must be the one this browser was sent off with (login CSRF).
        if not hmac.compare_digest(state.encode(), cookie_state.encode()):
            raise Refused(400, "state", "the callback's state is not this browser's")
        if not code:
            raise Refused(400, "state", "no code in the callback")
        document = await self.discovery()
        async with self.client(redirect_uri) as client:
            token = await client.fetch_token(document["token_endpoint"], code=code[:2048],
                                             code_verifier=verifier)
            jwks = (await client.get(document["jwks_uri"])).raise_for_status().json()
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise Refused(502, "provider", "the token answer has no id_token")
        return self.check_id_token(id_token, jwks, nonce), next_

    def check_id_token(self, id_token: str, jwks: dict, nonce: str) -> dict[str, Any]:
        """The claims of a signed ID token meant for us, now, from this flow (OIDC Core 3.1.3.7)."""
        try:
            decoded = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY_S, iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id}, exp={"essential": True},
                iat={"essential": True}, sub={"essential": True},
                nonce={"essential": True, "value": nonce}).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise Refused(403, "token", f"ID token refused: {exc!r}") from None
        claims = decoded.claims
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise Refused(403, "token", "ID token for several audiences, azp not ours")
        return claims


def person_of(app: Accounts, issuer: str, claims: dict[str, Any]) -> Account:
    """The invited, enabled account of a verified address; the sign-in recorded on it."""
    email = claims.get("email")
    if claims.get("email_verified") is not True or not isinstance(email, str):
        raise Refused(403, "unverified", "the provider did not vouch for an e-mail address")
    account = app.find(email[:254])
    if account is None:
        raise Refused(403, "uninvited", "no account for this address")
    if account.disabled:
        raise Refused(403, "disabled", "the account is disabled")
    account.signed_in_with(issuer, str(claims["sub"])[:255], now())
    app.save(account)
    return account


async def sign_in(oidc: OidcSignIn, app: Accounts, redirect_uri: str, code: str, state: str,
                  cookie_state: str) -> tuple[Account, str]:
    """(the account the provider's answer signs in, where the person was going), or Refused."""
    try:
        claims, next_ = await oidc.finish(redirect_uri, code, state, cookie_state)
    except (httpx.HTTPError, OAuth2Error, ValueError) as exc:
        raise Refused(502, "provider", f"the provider did not answer as expected: {exc!r}"
                      ) from None
    return await asyncio.to_thread(person_of, app, oidc.issuer, claims), next_


async def open_oidc(edge: EdgeSettings, pool: AsyncConnectionPool) -> OidcSignIn | None:
    """The provider's sign-in when DOVETAIL_OIDC_ISSUER is set, else None (nothing changes)."""
    if not edge.oidc_issuer:
        return None
    oidc = OidcSignIn(edge.oidc_issuer, edge.oidc_client_id, edge.oidc_client_secret,
                      edge.oidc_name or urlsplit(edge.oidc_issuer).hostname or "", pool)
    await oidc.ensure_schema()
    return oidc
