"""Who may call an endpoint (DESIGN.md, Security).

Machines send `Authorization: Bearer <API key>`; people signed in to the portal carry a session
cookie. Either gives a principal (`admin`, `factory:<id>`, `channel:<name>`, `designer:<id>`);
each endpoint names the roles it lets in: 401 without a principal, 403 for another role.
A cookie-authenticated write must come from the portal's own origin (SameSite=Lax already
keeps cross-site POSTs from carrying the cookie; this is the second lock).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from gateway.deps import GatewayState
from gateway.sessions import COOKIE
from services.kit.auth import Principal, bearer_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(NotAuthorizedException):
    """A portal page asked for without a session: answered with a redirect to sign in."""


async def find_principal(connection: ASGIConnection) -> Principal | None:
    state: GatewayState = connection.app.state.gateway
    header = connection.headers.get("authorization")
    if header:
        return await state.keys.principal_for(bearer_token(header))
    cookie = connection.cookies.get(COOKIE)
    if not cookie or state.sessions is None:
        return None
    principal = await state.sessions.principal_for(cookie)
    if principal and connection.scope.get("method", "GET") not in SAFE_METHODS:
        origin = connection.headers.get("origin")
        if origin and urlsplit(origin).netloc != connection.headers.get("host"):
            raise PermissionDeniedException("cross-origin write with a session cookie")
    return principal


async def principal_of(connection: ASGIConnection) -> Principal:
    principal = await find_principal(connection)
    if principal is None:
        raise NotAuthorizedException("missing or unknown API key: send 'Authorization: Bearer <key>'")
    connection.scope.setdefault("state", {})["principal"] = principal
    return principal


def require(*roles: str):
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = await principal_of(connection)
        if principal.role not in roles:
            raise PermissionDeniedException(f"{principal.role} may not use this endpoint")

    return guard


async def portal_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Portal pages: a signed-in admin, or a redirect to the sign-in page."""
    principal = await find_principal(connection)
    if principal is None:
        raise SignInRequired("sign in to the portal")
    if not principal.is_admin:
        raise PermissionDeniedException("the portal is for the chain leader's admins")
    connection.scope.setdefault("state", {})["principal"] = principal


def current(connection: ASGIConnection) -> Principal:
    return connection.scope["state"]["principal"]


admin_only = require("admin")
designer_or_admin = require("admin", "designer")
