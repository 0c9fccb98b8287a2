"""`dovetail-factory login --target http://HOST:PORT` with the portal's address: the gateway's
discovery document names the services' ports, whatever ports they were given, and what login
stores is what the other commands then use."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from types import SimpleNamespace

import pytest
from litestar import Litestar

from dovetail_factory.cli import main
from dovetail_factory.connection import discover
from gateway.controllers.discovery import DiscoveryController
from tests.integration.gateway.conftest import serve

pytestmark = pytest.mark.integration


async def discovery_gateway(settings, scheduling, iot):
    """The gateway's discovery controller, served as the gateway serves it, for services on the
    test's (non-default) ports."""
    ports = {**settings.service_ports, "scheduling": scheduling.port, "iot": iot.port}
    app = Litestar(route_handlers=[DiscoveryController])
    app.state.gateway = SimpleNamespace(settings=replace(settings, service_ports=ports))
    return await serve(app)


async def test_login_with_the_portals_address_finds_the_services(maker, settings, scheduling, iot,
                                                                 monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DOVETAIL_FACTORY_HOME", str(tmp_path / "home"))
    for name in ("DOVETAIL_FACTORY_TARGET", "DOVETAIL_FACTORY_IOT_TARGET", "DOVETAIL_FACTORY_KEY"):
        monkeypatch.delenv(name, raising=False)
    server, task, base_url = await discovery_gateway(settings, scheduling, iot)
    try:
        found = await asyncio.to_thread(discover, base_url)
        assert (found.scheduling, found.iot, found.tls) == (
            f"127.0.0.1:{scheduling.port}", f"127.0.0.1:{iot.port}", False)

        code = await asyncio.to_thread(main, ["login", "--target", base_url, "--key", maker.key])
        out = capsys.readouterr().out
        assert code == 0, out
        assert f"scheduling at 127.0.0.1:{scheduling.port}" in out and maker.factory_id in out
        saved = json.loads((tmp_path / "home" / "config.json").read_text())
        assert (saved["target"], saved["iot_target"]) == (
            f"127.0.0.1:{scheduling.port}", f"127.0.0.1:{iot.port}")
        configurator = f"127.0.0.1:{settings.service_ports['configurator']}"
        assert (found.configurator, saved["configurator_target"]) == (configurator, configurator)
    finally:
        server.should_exit = True
        await task
    code = await asyncio.to_thread(main, ["machines"])  # from what login stored, gateway gone
    out = capsys.readouterr().out
    assert code == 0 and all(machine_id in out for machine_id, _ in maker.machines)


async def test_a_public_address_set_for_a_deployment_is_published(settings, scheduling, iot, monkeypatch):
    monkeypatch.setenv("DOVETAIL_PUBLIC_SCHEDULING_TARGET", "chain.example.com:443")
    server, task, base_url = await discovery_gateway(settings, scheduling, iot)
    try:
        found = await asyncio.to_thread(discover, base_url)
    finally:
        server.should_exit = True
        await task
    assert (found.scheduling, found.iot) == ("chain.example.com:443", f"127.0.0.1:{iot.port}")


def test_an_address_without_a_discovery_document_is_a_grpc_address(scheduling):
    assert discover(f"127.0.0.1:{scheduling.port}") is None  # no scheme: never asked
    assert discover(f"http://127.0.0.1:{scheduling.port}", timeout=2) is None  # gRPC, not a portal
