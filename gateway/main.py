"""Run the gateway: `python -m gateway.main` (make up does this)."""

from __future__ import annotations

import uvicorn

from gateway.app import create_app
from services.kit.logs import configure_logging
from services.kit.settings import Settings


def serve() -> None:
    settings = Settings.from_env()
    configure_logging("gateway", settings.log_level, settings.log_format)
    uvicorn.run(create_app(settings), host=settings.grpc_host, port=settings.gateway_port,
                log_level="warning", access_log=False, timeout_graceful_shutdown=5)


if __name__ == "__main__":
    serve()
