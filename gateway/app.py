"""The gateway: `create_app(settings)` builds the Litestar app; nothing connects at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.exceptions import ClientException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from psycopg_pool import AsyncConnectionPool

from gateway.controllers.orders import OrderController
from gateway.controllers.system import SystemController
from gateway.deps import GatewayState, Services
from gateway.errors import (
    ServiceError,
    bad_request_handler,
    service_error_handler,
    validation_error_handler,
)
from gateway.webhooks.canonical import CanonicalWebhookController
from services.kit.auth import KeyStore
from services.kit.settings import Settings

MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings, service_addresses: dict[str, str] | None = None) -> Litestar:
    """`service_addresses`: name → host:port of each service (default: settings.services)."""
    addresses = service_addresses if service_addresses is not None else {
        name: settings.service_address(name) for name in settings.services}

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        pool = AsyncConnectionPool(settings.database_url, min_size=1, max_size=settings.pool_size,
                                   kwargs={"autocommit": True}, open=False)
        await pool.open(wait=True, timeout=30)
        keys = KeyStore(pool)
        await keys.ensure_schema()
        services = Services(settings, addresses)
        services.open()
        app.state.gateway = GatewayState(settings, services, pool, keys)
        try:
            yield
        finally:
            await services.close()
            await pool.close()

    return Litestar(
        route_handlers=[CanonicalWebhookController, OrderController, SystemController],
        lifespan=[lifespan],
        exception_handlers={ServiceError: service_error_handler,
                            ValidationException: validation_error_handler,
                            ClientException: bad_request_handler},
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="Dovetail", version="1.0.0",
            description="Supply-chain collaboration for the custom-furniture industry chain.",
            components=Components(security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer",
                                         description="API key: Authorization: Bearer <key>"),
                "webhookSignature": SecurityScheme(
                    type="apiKey", name="Dovetail-Signature", security_scheme_in="header",
                    description="t=<unix seconds>,v1=<hex HMAC-SHA256 over \"<t>.<raw body>\">"),
            })),
    )
