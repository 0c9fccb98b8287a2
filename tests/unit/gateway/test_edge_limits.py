"""Budgets of failed API keys, caps on live streams, the edge settings and response headers."""

from __future__ import annotations

import gc

import pytest
from litestar.exceptions import TooManyRequestsException

from gateway.errors import ServiceError
from gateway.headers import INERT_POLICY, VIEWER_POLICY, security_headers
from gateway.limits import FailureBudget, KeyGuessing
from gateway.settings import EdgeSettings
from gateway.sse.slots import StreamSlots
from services.kit.settings import SettingsError

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_budget_is_spent_then_waits_out_its_window():
    budget = FailureBudget(limit=3, window_s=60)
    for _ in range(3):
        assert budget.wait_s("10.0.0.1", 1000) == 0
        budget.spend("10.0.0.1", 1000)
    assert budget.wait_s("10.0.0.1", 1010) == 50
    assert budget.wait_s("10.0.0.2", 1010) == 0
    assert budget.wait_s("10.0.0.1", 1060) == 0


def test_wrong_keys_from_one_address_are_answered_429_with_retry_after():
    clock = Clock()
    guessing = KeyGuessing(EdgeSettings(auth_failures_per_address=5,
                                        auth_failures_per_key_prefix=100), clock)
    for i in range(5):
        guessing.check("203.0.113.9", f"dvt_admin_guess{i:06d}")
        guessing.failed("203.0.113.9", f"dvt_admin_guess{i:06d}")
    clock.now += 20
    with pytest.raises(TooManyRequestsException) as refused:
        guessing.check("203.0.113.9", "dvt_admin_another_guess")
    assert refused.value.status_code == 429 and refused.value.headers == {"Retry-After": "40"}
    guessing.check("198.51.100.7", "dvt_admin_another_guess")  # another address is not held
    clock.now += 40
    guessing.check("203.0.113.9", "dvt_admin_another_guess")


def test_guesses_at_one_key_prefix_are_limited_from_any_address():
    guessing = KeyGuessing(EdgeSettings(auth_failures_per_key_prefix=3), Clock())
    for i in range(3):
        guessing.failed(f"198.51.100.{i}", f"dvt_admin_Xy7Kp2{i}rest")
    with pytest.raises(TooManyRequestsException):
        guessing.check("198.51.100.99", "dvt_admin_Xy7Kp2-anything")
    guessing.check("198.51.100.99", "dvt_admin_Qq1Zz9-anything")


def test_a_flood_of_names_keeps_memory_bounded(monkeypatch):
    monkeypatch.setattr("gateway.limits.MAX_TRACKED", 100)
    budget = FailureBudget(limit=1, window_s=60)
    for i in range(1000):
        budget.spend(f"name-{i}", 1000 + i * 0.001)
    assert len(budget._windows) <= 100
    assert budget.wait_s("name-999", 1001) > 0  # the newest are kept


def test_streams_are_capped_per_holder_and_in_all_and_given_back_once():
    slots = StreamSlots(per_holder=2, total=3)
    a1, a2 = slots.take("key:a"), slots.take("key:a")
    with pytest.raises(ServiceError) as mine:
        slots.take("key:a")
    assert mine.value.status_code == 503 and mine.value.headers["Retry-After"] == "10"
    slots.take("session:b")
    with pytest.raises(ServiceError, match="as many live streams"):
        slots.take("session:c")
    a1.give_back()
    a1.give_back()
    assert slots.open == 2
    slots.take("session:c")
    a2.give_back()
    assert dict(slots.held) == {"session:b": 1, "session:c": 1}


async def test_a_slot_comes_back_when_its_stream_ends_or_never_starts():
    slots = StreamSlots(per_holder=5, total=5)

    async def messages():
        yield "ready"
        yield "event"

    read = [m async for m in slots.take("key:a").holding(messages())]
    assert read == ["ready", "event"] and slots.open == 0
    never_started = slots.take("key:a").holding(messages())
    assert slots.open == 1
    del never_started
    gc.collect()
    assert slots.open == 0


def test_edge_settings_come_from_the_environment_and_refuse_typos():
    edge = EdgeSettings.from_env({"DOVETAIL_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16,::1",
                                  "DOVETAIL_STREAMS_PER_HOLDER": "2",
                                  "DOVETAIL_HEADER_TIMEOUT_S": "2.5"})
    assert edge.trusted_proxies == ("10.0.0.5/32", "10.1.0.0/16", "::1/128")
    assert edge.streams_per_holder == 2 and edge.header_timeout_s == 2.5
    assert EdgeSettings.from_env({}).trusted_proxies == ()
    with pytest.raises(SettingsError, match="'10.0.0.300' is not an IP address"):
        EdgeSettings.from_env({"DOVETAIL_TRUSTED_PROXIES": "10.0.0.300"})
    with pytest.raises(SettingsError, match="DOVETAIL_STREAMS_TOTAL='many'"):
        EdgeSettings.from_env({"DOVETAIL_STREAMS_TOTAL": "many"})
    with pytest.raises(SettingsError, match="must be positive"):
        EdgeSettings(auth_failures_per_address=0)


@pytest.mark.parametrize("content_type, policy", [
    (b"application/json", INERT_POLICY), (b"image/svg+xml", INERT_POLICY),
    (b"text/csv; charset=utf-8", INERT_POLICY), (b"text/event-stream", INERT_POLICY),
    (b"text/html; charset=utf-8", VIEWER_POLICY)])
async def test_every_response_gets_nosniff_a_referrer_policy_and_a_csp(content_type, policy):
    message = {"type": "http.response.start", "status": 200,
               "headers": [(b"content-type", content_type)]}
    await security_headers(message, {})
    headers = dict(message["headers"])
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"referrer-policy"] == b"same-origin"
    assert headers[b"content-security-policy"] == policy


async def test_a_handlers_own_policy_wins():
    own = [(b"content-type", b"text/html"), (b"content-security-policy", b"default-src 'self'"),
           (b"referrer-policy", b"no-referrer")]
    message = {"type": "http.response.start", "status": 200, "headers": list(own)}
    await security_headers(message, {})
    assert message["headers"] == [*own, (b"x-content-type-options", b"nosniff")]
