"""`make up` on shifted ports (issue 22): every process the launcher starts takes the ports it is
given, outbound's as much as the others. Outbound once had no entry among the settings' ports,
so DOVETAIL_OUTBOUND_PORT was never read and the launcher neither passed it on nor checked it
(c1a12d1); these tests keep the launcher's services and the settings' ports one list."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from infra.launcher import SERVICE_ORDER, Platform, available_services
from infra.servers import PortInUseError
from load.launched import shifted_env
from services.kit.settings import METRICS_PORTS, SERVICE_PORTS, Settings

pytestmark = pytest.mark.unit


def test_every_service_the_launcher_starts_has_its_ports_in_the_settings():
    assert set(SERVICE_ORDER) <= set(SERVICE_PORTS)
    assert set(SERVICE_ORDER) <= set(METRICS_PORTS)
    assert "outbound" in available_services()


def test_shifted_environment_moves_every_port_and_children_get_it(tmp_path: Path):
    env = shifted_env(tmp_path)
    settings = Settings.from_env(env)
    for name in available_services():
        assert settings.service_ports[name] == int(env[f"DOVETAIL_{name.upper()}_PORT"]), name
        assert settings.metrics_ports[name] == int(
            env[f"DOVETAIL_{name.upper()}_METRICS_PORT"]), name
    defaults = set(SERVICE_PORTS.values()) | set(METRICS_PORTS.values())
    taken = set(settings.service_ports.values()) | set(settings.metrics_ports.values())
    assert not defaults & taken - {int(v) for v in env.values() if v.isdigit()}
    # each child process reads its settings from the launcher's environment again
    child = Settings.from_env(settings.to_env())
    assert child.service_ports == settings.service_ports
    assert child.metrics_ports == settings.metrics_ports


@pytest.mark.parametrize("which", ["service_ports", "metrics_ports"])
def test_launcher_refuses_a_taken_outbound_port_before_starting_anything(tmp_path: Path,
                                                                         which: str):
    settings = Settings.from_env(shifted_env(tmp_path))
    with socket.socket() as held:
        held.bind(("127.0.0.1", getattr(settings, which)["outbound"]))
        held.listen()
        platform = Platform(settings)
        with pytest.raises(PortInUseError, match="outbound"):
            platform.start_processes(available_services())
        assert all(child.process is None for child in platform.children)
