"""Run the gateway: `python -m gateway.main` (make up does this)."""

from __future__ import annotations

import uvicorn
from litestar import Litestar

from gateway.app import create_app
from gateway.settings import EdgeSettings
from gateway.slow_clients import read_deadline_protocol
from services.kit.exposure import check_exposure
from services.kit.logs import configure_logging
from services.kit.settings import Settings, SettingsError


def server_config(app: Litestar, edge: EdgeSettings, host: str, port: int,
                  **options) -> uvicorn.Config:
    """How uvicorn serves the gateway (tests serve it the same way, on port 0's stand-in).

    uvicorn's own proxy handling is off: it would believe X-Forwarded-For from 127.0.0.1 by
    default; the app believes it only from DOVETAIL_TRUSTED_PROXIES (gateway.app). Reading a
    request has deadlines (gateway.slow_clients); idle kept-alive connections close after
    keep_alive_s. The event loop is uvloop's, as the orders service's, named here rather than
    left to uvicorn's "auto" (which picks it when it is installed, as it is: a pinned
    dependency); `loop` applies when uvicorn runs the server itself. uvicorn's loggers get no
    handlers of their own (log_config=None): their records reach the root handler, as JSON
    with secrets masked like every other line (services.kit.logs).
    """
    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, forwarded_allow_ips=[],
                          http=read_deadline_protocol(edge), loop="uvloop",
                          timeout_keep_alive=edge.keep_alive_s,
                          server_header=False,
                          **{"log_level": "warning", "log_config": None, **options})


def serve() -> None:
    try:
        settings, edge = Settings.from_env(), EdgeSettings.from_env()
        check_exposure(settings)
    except SettingsError as exc:
        raise SystemExit(f"Cannot start the gateway: {exc}") from None
    configure_logging("gateway", settings.log_level, settings.log_format)
    app = create_app(settings, edge=edge)
    uvicorn.Server(server_config(app, edge, settings.grpc_host, settings.gateway_port,
                                 access_log=False, timeout_graceful_shutdown=5)).run()


if __name__ == "__main__":
    serve()
