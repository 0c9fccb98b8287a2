"""A real OpenID Connect provider for the tests, speaking the protocol over HTTP on a free port:
discovery, /authorize (redirects back with a code and the state), /token (checks the code, the
PKCE verifier, the client's secret; answers an RS256-signed ID token), /jwks.

`Provider.next` says who the next person to sign in is and how the ID token is to be spoiled
(another nonce, audience, an expired token, another key's signature), so each test can make
the one thing wrong that the gateway must notice.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from litestar import Litestar, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from infra.servers import free_port

CLIENT_ID = "dovetail-portal"
CLIENT_SECRET = "s3cret-of-the-portal-client"


@dataclass
class Person:
    email: str
    email_verified: bool = True
    sub: str = field(default_factory=lambda: secrets.token_hex(8))
    # How to spoil the ID token (None: as it should be).
    nonce: str | None = None
    audience: str | None = None
    expires_in: int = 300
    signed_by_stranger: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Grant:
    person: Person
    challenge: str
    nonce: str
    redirect_uri: str


@dataclass
class Provider:
    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "k1"}))
    # Another key under the same kid: what a forger without the provider's key can sign with.
    stranger: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "k1"}))
    next: Person | None = None
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def id_token(self, grant: Grant) -> str:
        person, now = grant.person, int(time.time())
        claims = {"iss": self.issuer, "sub": person.sub, "aud": person.audience or CLIENT_ID,
                  "iat": now, "exp": now + person.expires_in,
                  "nonce": grant.nonce if person.nonce is None else person.nonce,
                  "email": person.email, "email_verified": person.email_verified,
                  **person.extra}
        key = self.stranger if person.signed_by_stranger else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    def app(self) -> Litestar:
        provider = self

        @get("/.well-known/openid-configuration")
        async def discovery() -> dict:
            return {"issuer": provider.issuer,
                    "authorization_endpoint": f"{provider.issuer}/authorize",
                    "token_endpoint": f"{provider.issuer}/token",
                    "jwks_uri": f"{provider.issuer}/jwks",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic"]}

        @get("/jwks")
        async def jwks() -> dict:
            return {"keys": [provider.key.as_dict(private=False)]}

        @get("/authorize")
        async def authorize(request: Request) -> Response:
            q = request.query_params
            if (q.get("client_id") != CLIENT_ID or q.get("response_type") != "code"
                    or "openid" not in (q.get("scope") or "").split()
                    or q.get("code_challenge_method") != "S256" or not q.get("code_challenge")
                    or not q.get("state") or not q.get("nonce") or provider.next is None):
                return Response({"error": "invalid_request"}, status_code=400)
            code = secrets.token_urlsafe(16)
            provider.grants[code] = Grant(provider.next, q["code_challenge"], q["nonce"],
                                          q["redirect_uri"])
            return Redirect(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}",
                            status_code=302)

        @post("/token", status_code=200)
        async def token(request: Request, data: Annotated[
                dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
            provider.token_requests.append(data)
            scheme, _, credentials = (request.headers.get("authorization") or "").partition(" ")
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if scheme.lower() != "basic" or not hmac.compare_digest(credentials, expected):
                return Response({"error": "invalid_client"}, status_code=401)
            grant = provider.grants.pop(data.get("code", ""), None)
            verifier = data.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(
                hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if (grant is None or data.get("grant_type") != "authorization_code"
                    or data.get("redirect_uri") != grant.redirect_uri
                    or not hmac.compare_digest(challenge, grant.challenge)):
                return Response({"error": "invalid_grant"}, status_code=400)
            return Response({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                             "expires_in": 300, "id_token": provider.id_token(grant)})

        return Litestar([discovery, jwks, authorize, token])


async def serve_provider() -> tuple[Provider, uvicorn.Server, asyncio.Task]:
    port = free_port()
    provider = Provider(issuer=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return provider, server, task
