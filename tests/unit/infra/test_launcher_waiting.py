"""make up says what it is still waiting for while the platform becomes ready (the first start
after an install compiles the configurator's kernels before it is ready)."""

from __future__ import annotations

import pytest

from infra.launcher import not_ready

pytestmark = pytest.mark.unit


def test_the_services_not_serving_and_the_missing_dependencies_are_named_once():
    health = {"status": "unavailable",
              "missing": {"configurator": "NOT_SERVING", "postgres": "connection refused"},
              "services": {"configurator": "NOT_SERVING", "orders": "SERVING",
                           "scheduling": "UNKNOWN"}}
    assert not_ready(health) == "configurator, scheduling, postgres"


def test_no_answer_yet_is_the_gateway():
    assert not_ready({}) == "the gateway"
