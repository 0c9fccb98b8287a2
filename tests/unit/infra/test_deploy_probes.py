"""The deploy files probe what the processes serve: a service's liveness is gRPC health
`liveness`, its readiness `""`; the gateway's are `/livez` and `/readyz` (issue #17, item 5)."""

from __future__ import annotations

import socket

import pytest
import yaml

from gateway.controllers.system import SystemController
from infra import probe
from infra.launcher import ROOT
from services.kit.health import LIVENESS
from services.kit.settings import SERVICE_PORTS

pytestmark = pytest.mark.unit

DEPLOY = ROOT / "infra" / "deploy"


def k8s_containers() -> dict[str, dict]:
    docs = yaml.safe_load_all((DEPLOY / "k8s" / "services.yaml").read_text())
    return {c["name"]: c for d in docs if d and d["kind"] == "Deployment"
            for c in d["spec"]["template"]["spec"]["containers"]}


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_a_service_pod_is_alive_while_it_answers_and_ready_while_it_reaches_its_servers(service):
    container = k8s_containers()[service]
    port = SERVICE_PORTS[service]
    assert container["livenessProbe"]["grpc"] == {"port": port, "service": LIVENESS}
    assert container["readinessProbe"]["grpc"] == {"port": port}  # "" : readiness


def test_the_gateway_pod_probes_its_own_livez_and_readyz():
    gateway = k8s_containers()["gateway"]
    assert gateway["livenessProbe"]["httpGet"]["path"] in SystemController.livez.paths
    assert gateway["readinessProbe"]["httpGet"]["path"] in SystemController.readyz.paths
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_compose_checks_the_same_readiness():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    for name, port in SERVICE_PORTS.items():
        assert services[name]["healthcheck"]["test"] == [
            "CMD", "python", "-m", "infra.probe", "grpc", f"127.0.0.1:{port}"]
    assert services["gateway"]["healthcheck"]["test"][-1] == "http://127.0.0.1:8000/readyz"
    assert services["balancer"]["depends_on"] == {"gateway": {"condition": "service_healthy"}}


def test_the_probe_says_why_it_failed():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: refused
        assert probe.http(f"http://127.0.0.1:{port}/readyz").startswith(
            f"http://127.0.0.1:{port}/readyz: ")
    assert probe.main(["tcp", "x"]) == 2
