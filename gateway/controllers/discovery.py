"""Where a factory's client finds the services it talks to, from the one address a person
knows: the portal's. ``dovetail-factory login --target http://HOST:8000`` reads it.

Public, like an OpenID provider's discovery document: it names addresses that answer only
to a key, nothing else. The addresses are the public ones set for a deployment
(``DOVETAIL_PUBLIC_SCHEDULING_TARGET`` / ``_IOT_TARGET`` / ``_CONFIGURATOR_TARGET``, e.g. an
ingress),
otherwise the host the client reached the gateway by with each service's port (``make up``,
on whatever ports it was given).
"""

from __future__ import annotations

import os

from litestar import Controller, Request, get

from gateway.deps import GatewayState

FACTORY_SERVICES = ("scheduling", "iot", "configurator")  # configurator: board stock
DOCUMENT = "/.well-known/dovetail-factory"


def public_targets(state: GatewayState, host: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """Each factory-facing service's address as a client outside should dial it."""
    env = dict(os.environ) if env is None else env
    settings = state.settings
    return {name: env.get(f"DOVETAIL_PUBLIC_{name.upper()}_TARGET")
            or f"{host}:{settings.service_ports[name]}" for name in FACTORY_SERVICES}


class DiscoveryController(Controller):
    tags = ["system"]

    @get(DOCUMENT, summary="The gRPC addresses a factory client uses (public)",
         description="`scheduling`, `iot` and `configurator` as `host:port`, and whether "
                     "they speak TLS.")
    async def factory_endpoints(self, request: Request) -> dict:
        state: GatewayState = request.app.state.gateway
        host = request.url.hostname or state.settings.grpc_host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 literal
        return {"version": 1, **public_targets(state, host), "tls": bool(state.settings.tls_cert)}
