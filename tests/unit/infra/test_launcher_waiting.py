"""make up says what it is still waiting for while the platform becomes ready (the first start
after an install compiles the configurator's kernels before it is ready)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from infra.launcher import not_ready, wait_healthy
from infra.supervision import GiveUp

pytestmark = pytest.mark.unit


def test_the_services_not_serving_and_the_missing_dependencies_are_named_once():
    health = {"status": "unavailable",
              "missing": {"configurator": "NOT_SERVING", "postgres": "connection refused"},
              "services": {"configurator": "NOT_SERVING", "orders": "SERVING",
                           "scheduling": "UNKNOWN"}}
    assert not_ready(health) == "configurator, scheduling, postgres"


def test_no_answer_yet_is_the_gateway():
    assert not_ready({}) == "the gateway"


class _Health:
    """A gateway's /healthz on a local port: 503 for the first `failing` reads, then 200."""

    def __init__(self, failing: int):
        import http.server
        import json
        import threading

        answers = {"n": 0}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                answers["n"] += 1
                ok = answers["n"] > failing
                body = json.dumps({"services": {"configurator": "SERVING" if ok else
                                                "UNREACHABLE (UNAVAILABLE)"}}).encode()
                self.send_response(200 if ok else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.settings = SimpleNamespace(grpc_host="127.0.0.1",
                                        gateway_port=self.server.server_address[1])

    def close(self) -> None:
        self.server.shutdown()


async def test_what_dies_while_the_platform_comes_up_is_supervised_meanwhile():
    """The supervisor's tick runs between the reads (a service that exited at start was
    restarted only once the platform was up: never, since it was not)."""
    health = _Health(failing=3)
    ticks: list[int] = []
    try:
        answer = await wait_healthy(health.settings, timeout=30, tick=lambda: ticks.append(1))
    finally:
        health.close()
    assert answer["services"]["configurator"] == "SERVING"
    assert len(ticks) >= 4  # one before every read


async def test_a_service_that_cannot_be_kept_up_ends_the_wait():
    health = _Health(failing=10**6)

    def give_up() -> None:
        raise GiveUp("configurator died 5 times in a row")

    try:
        with pytest.raises(GiveUp):
            await wait_healthy(health.settings, timeout=30, tick=give_up)
    finally:
        health.close()
