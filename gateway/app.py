"""The gateway: `create_app(settings)` builds the Litestar app; nothing connects at import."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import psycopg
from litestar import Litestar
from litestar.di import Provide
from litestar.exceptions import ClientException, ValidationException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from psycopg_pool import AsyncConnectionPool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway.accounts.application import Accounts
from gateway.accounts.controller import AccountController
from gateway.accounts.mail import Mailer
from gateway.accounts.oidc import open_oidc
from gateway.accounts.service import People
from gateway.auth import SignInRequired
from gateway.bodies import GatewayRequest
from gateway.channels import SCHEMA as GATEWAY_SCHEMA
from gateway.channels import ChannelStore
from gateway.controllers.admin import AdminController, MappingController
from gateway.controllers.designs import DesignController
from gateway.controllers.discovery import DiscoveryController
from gateway.controllers.events import EventController
from gateway.controllers.kpis import KpiController
from gateway.controllers.machine_health import MachineHealthController
from gateway.controllers.maintenance import MaintenanceController, ToolLimitsController
from gateway.controllers.network import FactoryController, MachineController
from gateway.controllers.orders import OrderController
from gateway.controllers.outbound import OutboundController
from gateway.controllers.plan_overrides import PlanOverrideController
from gateway.controllers.schedule import ScheduleController
from gateway.controllers.shipments import ShipmentController
from gateway.controllers.shop_desk import ChannelDeskController, ReprocessController
from gateway.controllers.stock import StockController
from gateway.controllers.system import SystemController
from gateway.controllers.tariffs import OrderPriceController, TariffController
from gateway.controllers.tracking import TrackingController
from gateway.deps import GatewayState, Services, provide_services, provide_state
from gateway.errors import (
    ServiceError,
    bad_request_handler,
    database_unavailable_handler,
    service_error_handler,
    unexpected_error_handler,
    validation_error_handler,
)
from gateway.headers import security_headers
from gateway.i18n import ReaderMiddleware
from gateway.limits import KeyGuessing
from gateway.metrics import metrics_middleware
from gateway.openapi import document_plain_route, document_raw_bodies, document_shared_errors
from gateway.portal.energy import EnergyPortalController
from gateway.portal.mapping import SHOP_DESK_PAGES
from gateway.portal.pages import PORTAL_HANDLERS, sign_in_redirect, template_config
from gateway.portal.plan_overrides import PlanOverridePortalController
from gateway.portal.purchases import PurchasesPortalController
from gateway.read_model import OrderFacts
from gateway.schemas.orders import CanonicalOrder
from gateway.sessions import SessionStore
from gateway.settings import EdgeSettings
from gateway.sse.slots import StreamSlots
from gateway.webhooks import canonical, plain
from gateway.webhooks.carriers import CarrierWebhookController
from gateway.webhooks.release import MappingRelease
from gateway.webhooks.shopify import SHOPIFY, ShopifyWebhookController
from gateway.webhooks.woocommerce import WOOCOMMERCE, WooCommerceWebhookController
from gateway.workspace.controller import WORKSPACE_HANDLERS
from gateway.workspace.maintenance_pages import MAINTENANCE_HANDLERS
from gateway.workspace.stock_pages import STOCK_HANDLERS
from services.kit.auth import KeyStore
from services.kit.health import Readiness, grpc_health_check, nats_check, postgres_check
from services.kit.jetstream import connect, ensure_streams
from services.kit.persistence import RECONNECT_S, open_application
from services.kit.settings import Settings

MAX_BODY_BYTES = 1024 * 1024
DB_WAIT_S = 5.0
ACCOUNTS_POOL = 2  # people sign in now and then: the accounts application's connections


def create_app(settings: Settings, service_addresses: dict[str, str] | None = None,
               edge: EdgeSettings | None = None) -> Litestar:
    """`service_addresses`: name → host:port of each service (default: settings.services);
    `edge`: what the gateway accepts from the network (default: EdgeSettings())."""
    edge = edge or EdgeSettings()
    addresses = service_addresses if service_addresses is not None else {
        name: settings.service_address(name) for name in settings.services}

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        pool = AsyncConnectionPool(settings.database_url, min_size=1, max_size=settings.pool_size,
                                   kwargs={"autocommit": True}, open=False,
                                   # After a PostgreSQL restart, stale connections are replaced
                                   # on checkout instead of failing a request.
                                   check=AsyncConnectionPool.check_connection,
                                   # With PostgreSQL away, a request is answered 503 after this
                                   # wait for a connection, not after psycopg_pool's 30 s,
                                   # by which time shops and browsers have given up.
                                   timeout=DB_WAIT_S, reconnect_timeout=RECONNECT_S)
        await pool.open(wait=True, timeout=30)
        keys = KeyStore(pool)
        await keys.ensure_schema()
        await keys.bootstrap_admin(settings.admin_key)
        channels, sessions = ChannelStore(pool, settings), SessionStore(pool)
        await channels.ensure_schema()
        await sessions.ensure_schema()
        services = Services(settings, addresses)
        services.open()
        state = app.state.gateway = GatewayState(
            settings, services, pool, keys, channels, sessions, guessing=KeyGuessing(edge),
            streams=StreamSlots(edge.streams_per_holder, edge.streams_total))
        accounts = await asyncio.to_thread(open_application, Accounts, replace(
            settings, pool_size=ACCOUNTS_POOL), GATEWAY_SCHEMA)
        state.people = People(accounts, sessions, Mailer(edge.smtp_url, outbox=Path(edge.mail_dir) if edge.mail_dir else None))
        app.state.oidc = await open_oidc(edge, pool)  # None without DOVETAIL_OIDC_ISSUER
        stop, tasks = asyncio.Event(), []
        if settings.nats_url:
            state.nc = await connect(settings.nats_url, "dovetail-gateway")
            await ensure_streams(state.nc.jetstream(), replicas=settings.stream_replicas,
                                 limits=settings.streams)
            state.facts = OrderFacts(pool)
            await state.facts.ensure_schema()
            tasks.append(asyncio.create_task(state.facts.follow(state.nc.jetstream(), stop)))
        app.state.readiness = readiness = Readiness("gateway", {
            "postgres": postgres_check(pool),
            **({"nats": nats_check(state.nc, state.nc.jetstream())} if state.nc else {}),
            **{name: grpc_health_check(services.health(name)) for name in services.channels}})
        await readiness.check_once()  # probes answer from what the last round found
        tasks.append(asyncio.create_task(readiness.run(stop)))
        state.release = MappingRelease(state, {p.channel: p for p in (SHOPIFY, WOOCOMMERCE)})
        tasks.append(asyncio.create_task(state.release.run(stop)))
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if state.nc is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(state.nc.drain(), 5)
            await services.close()
            await channels.close()
            accounts.close()
            await pool.close()

    app = Litestar(
        route_handlers=[canonical.receive_canonical_order, ShopifyWebhookController,
                        WooCommerceWebhookController, OrderController, PlanOverrideController,
                        DesignController,
                        FactoryController, StockController, TariffController, OrderPriceController,
                        MachineController, MachineHealthController,
                        ScheduleController,
                        ShipmentController, KpiController, AdminController, OutboundController,
                        AccountController,
                        MappingController, ChannelDeskController, ReprocessController,
                        EventController,
                        SystemController, DiscoveryController, CarrierWebhookController,
                        TrackingController, EnergyPortalController, PurchasesPortalController,
                        *PORTAL_HANDLERS, *SHOP_DESK_PAGES, PlanOverridePortalController,
                        *WORKSPACE_HANDLERS, *STOCK_HANDLERS,
                        *MAINTENANCE_HANDLERS, MaintenanceController,
                        ToolLimitsController],
        lifespan=[lifespan],
        # The client address (for every limit) is X-Forwarded-For only behind a trusted proxy.
        middleware=[*([DefineMiddleware(ProxyHeadersMiddleware,
                                        trusted_hosts=list(edge.trusted_proxies))]
                      if edge.trusted_proxies else []),
                    *metrics_middleware(),
                    DefineMiddleware(ReaderMiddleware, time_zone=edge.time_zone)],
        request_class=GatewayRequest,
        before_send=[security_headers],
        dependencies={"services": Provide(provide_services, sync_to_thread=False),
                      "gateway": Provide(provide_state, sync_to_thread=False)},
        exception_handlers={ServiceError: service_error_handler,
                            psycopg.OperationalError: database_unavailable_handler,
                            SignInRequired: sign_in_redirect,
                            ValidationException: validation_error_handler,
                            ClientException: bad_request_handler,
                            Exception: unexpected_error_handler},
        template_config=template_config(),
        # Litestar's default logging config would replace the root handler with plain text;
        # the process's logging is configure_logging's (JSON, secrets masked).
        logging_config=None,
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
                "shopifyHmac": SecurityScheme(
                    type="apiKey", name="X-Shopify-Hmac-Sha256", security_scheme_in="header",
                    description="base64 HMAC-SHA256 of the raw body with the channel secret"),
                "wooSignature": SecurityScheme(
                    type="apiKey", name="X-WC-Webhook-Signature", security_scheme_in="header",
                    description="base64 HMAC-SHA256 of the raw body with the channel secret"),
                "session": SecurityScheme(
                    type="apiKey", name="dovetail_session", security_scheme_in="cookie",
                    description="portal session (sign in at /portal/sign-in)"),
            })),
    )
    plain.route_path_parameters(app)
    document_plain_route(app, canonical.PATH, canonical.OPERATION, CanonicalOrder,
                         canonical.RESPONSES)
    document_shared_errors(app)
    document_raw_bodies(app, {"/webhooks/shopify/orders": SHOPIFY.payload,
                              "/webhooks/woocommerce/orders": WOOCOMMERCE.payload})
    return app
