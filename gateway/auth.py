"""Who may call an endpoint: bearer API keys bound to principals (DESIGN.md, Security)."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from gateway.deps import GatewayState
from services.kit.auth import Principal, bearer_token


async def principal_of(connection: ASGIConnection) -> Principal:
    state: GatewayState = connection.app.state.gateway
    principal = await state.keys.principal_for(bearer_token(connection.headers.get("authorization")))
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


admin_only = require("admin")
