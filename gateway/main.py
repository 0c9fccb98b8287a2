"""Run the gateway: `python -m gateway.main` (make up does this)."""

from __future__ import annotations

import uvicorn

from gateway.app import create_app
from services.kit.exposure import check_exposure
from services.kit.logs import configure_logging
from services.kit.settings import Settings, SettingsError


def serve() -> None:
    try:
        settings = Settings.from_env()
        check_exposure(settings)
    except SettingsError as exc:
        raise SystemExit(f"Cannot start the gateway: {exc}") from None
    configure_logging("gateway", settings.log_level, settings.log_format)
    uvicorn.run(create_app(settings), host=settings.grpc_host, port=settings.gateway_port,
                log_level="warning", access_log=False, timeout_graceful_shutdown=5)


if __name__ == "__main__":
    serve()
