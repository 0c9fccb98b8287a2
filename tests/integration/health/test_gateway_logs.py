"""The gateway logs like the services: every line, uvicorn's included, one JSON object with
secrets masked (logging configured, the app built and served the way gateway.main does it)."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import httpx
import pytest
import uvicorn

from gateway.app import create_app
from gateway.main import server_config
from gateway.settings import EdgeSettings
from infra.servers import free_port
from services.kit.logs import configure_logging

pytestmark = pytest.mark.integration

KEY = "dvt_admin_" + "Qm7Zr2Vx9Lp4Tn8Ks3Wd6Yh1Bf5Gc0Ja"


async def serve_and_call(settings, out: io.StringIO) -> None:
    configure_logging("gateway", "INFO", "json", stream=out)
    app = create_app(settings, {})
    port = free_port()
    server = uvicorn.Server(server_config(app, EdgeSettings(), "127.0.0.1", port,
                                          access_log=True, log_level="info"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        assert (await client.get(f"/livez?api_key={KEY}")).status_code == 200
        denied = await client.get(f"/api/v1/orders?key={KEY}",
                                  headers={"Authorization": f"Bearer {KEY}"})
        assert denied.status_code == 401
    logging.getLogger("dovetail.gateway").warning(
        "webhook refused", extra={"headers": {"Authorization": f"Bearer {KEY}",
                                              "Dovetail-Signature": "t=1,v1=9f86d081884c7d65"}})
    server.should_exit = True
    await serving


async def test_the_gateway_logs_json_lines_with_keys_masked(settings):
    out = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        await serve_and_call(settings, out)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)

    text = out.getvalue()
    assert KEY not in text and "9f86d081884c7d65" not in text
    entries = [json.loads(line) for line in text.splitlines()]  # each line is one JSON object
    assert {e["service"] for e in entries} == {"gateway"}
    messages = {(e["logger"], e["msg"]) for e in entries}
    assert ("uvicorn.error", "Application startup complete.") in messages
    access = [msg for logger, msg in messages if logger == "uvicorn.access"]
    assert any('"GET /livez?api_key=*** HTTP/1.1" 200' in msg for msg in access), access
    assert any('"GET /api/v1/orders?key=*** HTTP/1.1" 401' in msg for msg in access), access
    refused = next(e for e in entries if e["msg"] == "webhook refused")
    assert refused["headers"] == {"Authorization": "***", "Dovetail-Signature": "***"}
