"""Who may call an endpoint (DESIGN.md, Security).

Machines send `Authorization: Bearer <API key>`; people signed in to the portal carry a session
cookie. Either gives a principal (`admin`, `factory:<id>`, `channel:<name>`, `designer:<id>`,
and for people also `planner`, `customer_service`); each endpoint names the roles it lets in:
401 without a principal, 403 for another role. A factory principal is let into an endpoint
about one factory only when the path names its own factory (`scoped`). The matrix of roles and
endpoints is in docs/security.md.
Failed keys are budgeted per client address and per key prefix (gateway.limits): over budget,
429 with Retry-After before the key is even looked up.

A cookie-authenticated write must show that it comes from the portal's own origin (SameSite=Lax
already keeps cross-site POSTs from carrying the cookie; this is the second lock): an Origin of
this host, or without Origin a `Sec-Fetch-Site: same-origin` or a Referer of this host; and it
must be JSON or a form — never text/plain, which any page may send anywhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler

from gateway import i18n
from gateway.deps import GatewayState
from gateway.sessions import COOKIE
from services.kit.auth import KEY_ID_CHARS, Principal, bearer_token, hash_key

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class SignInRequired(NotAuthorizedException):
    """A portal page asked for without a session: answered with a redirect to sign in."""


async def find_principal(connection: ASGIConnection) -> Principal | None:
    state: GatewayState = connection.app.state.gateway
    header = connection.headers.get("authorization")
    if header:
        return await key_holder(connection, state, bearer_token(header))
    cookie = connection.cookies.get(COOKIE)
    if not cookie or state.sessions is None:
        return None
    principal, language = await state.sessions.reader_of(cookie)
    if language:  # the person's profile language beats this browser's cookie and header
        i18n.use(language)
    if principal and connection.scope.get("method", "GET") not in SAFE_METHODS:
        refuse_cross_site_write(connection)
    if principal:
        _hold(connection, "session", cookie)
    return principal


async def key_holder(connection: ASGIConnection, state: GatewayState,
                     key: str | None) -> Principal | None:
    """The principal of a bearer key; failures spend the caller's budget (429 beyond it)."""
    address = connection.client.host if connection.client else ""
    state.guessing.check(address, key)
    principal = await state.keys.principal_for(key)
    if principal is None:
        state.guessing.failed(address, key)
    else:
        _hold(connection, "key", key or "")
    return principal


def _hold(connection: ASGIConnection, kind: str, secret: str) -> None:
    """Name who holds the credential (for per-holder caps) without keeping the credential."""
    connection.scope.setdefault("state", {})["holder"] = f"{kind}:{hash_key(secret)[:KEY_ID_CHARS]}"


def came_from_this_site(connection: ASGIConnection) -> bool | None:
    """What the browser says of where a request comes from: True from this host, False from
    elsewhere (or `Origin: null`), None when it says nothing."""
    host = (connection.headers.get("host") or "").lower()
    origin = connection.headers.get("origin")
    if origin is not None:
        return urlsplit(origin.strip()).netloc.lower() == host
    fetch_site = connection.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.strip().lower() == "same-origin"
    referer = connection.headers.get("referer")
    if referer is not None:
        return urlsplit(referer.strip()).netloc.lower() == host
    return None


def refuse_cross_site_write(connection: ASGIConnection) -> None:
    """403 unless the write shows it comes from this site; 415 unless it is JSON or a form."""
    seen = came_from_this_site(connection)
    if seen is False:
        raise PermissionDeniedException("cross-origin write with a session cookie: the Origin "
                                        "is not this site")
    if seen is None:
        raise PermissionDeniedException("a write with a session cookie must show it comes from "
                                        "this site: send an Origin header (browsers do)")
    media_type = (connection.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type:
        if not (media_type in FORM_TYPES or media_type == "application/json"
                or media_type.endswith("+json")):
            raise ClientException(status_code=415, detail=(
                f"a write with a session cookie takes application/json or a form, "
                f"not {media_type[:60]}"))
    elif connection.headers.get("content-length", "0") != "0" or \
            connection.headers.get("transfer-encoding"):
        raise ClientException(status_code=415, detail=(
            "a write with a session cookie must say its Content-Type: application/json or a form"))


async def principal_of(connection: ASGIConnection) -> Principal:
    principal = await find_principal(connection)
    if principal is None:
        raise NotAuthorizedException("missing or unknown API key: send 'Authorization: Bearer <key>'")
    connection.scope.setdefault("state", {})["principal"] = principal
    return principal


def require(*roles: str, own_factory: bool = False):
    """A guard letting in `roles`; with `own_factory`, also a factory principal whose id is
    the path's `factory_id`."""
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = await principal_of(connection)
        if principal.role in roles:
            return
        if own_factory and principal.is_factory(connection.path_params.get("factory_id", "")):
            return
        raise PermissionDeniedException(f"{principal.role} may not use this endpoint")

    return guard


def portal_for(*roles: str):
    """Portal pages: a signed-in person of one of `roles`, or a redirect to sign in."""
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = await find_principal(connection)
        if principal is None:
            raise SignInRequired("sign in to the portal")
        if principal.role not in roles:
            raise PermissionDeniedException(f"this page is not for {principal.role}")
        connection.scope.setdefault("state", {})["principal"] = principal

    return guard


def current(connection: ASGIConnection) -> Principal:
    return connection.scope["state"]["principal"]


# Who reads and acts on what (docs/security.md, "Roles").
ORDER_DESK = ("admin", "planner", "customer_service")
PLANNING = ("admin", "planner")
admin_only = require("admin")
designer_or_admin = require("admin", "designer")
order_desk = require(*ORDER_DESK)
planning = require(*PLANNING)
factory_reader = require(*PLANNING, own_factory=True)
portal_admin = portal_for("admin")
