"""Readiness follows its dependencies' checks: who is missing and why, a gauge per dependency,
listeners told only when readiness flips."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY

from services.kit.health import DependencyDown, Readiness

pytestmark = pytest.mark.unit


class Switch:
    """A dependency a test turns off and on: its check raises `why` while off."""

    def __init__(self) -> None:
        self.why: BaseException | None = None

    async def check(self) -> None:
        if self.why is not None:
            raise self.why


def gauge(component: str, dependency: str) -> float | None:
    return REGISTRY.get_sample_value("dovetail_dependency_up",
                                     {"component": component, "dependency": dependency})


async def test_readiness_names_what_is_missing_and_tells_listeners_when_it_flips():
    db, broker = Switch(), Switch()
    readiness = Readiness("unit-a", {"postgres": db.check, "nats": broker.check})
    heard: list[bool] = []

    async def listener(ready: bool) -> None:
        heard.append(ready)

    readiness.on_change(listener)
    assert not readiness.ready and readiness.status("postgres") == "not checked yet"

    assert await readiness.check_once()
    assert readiness.missing == {} and heard == [True]
    assert gauge("unit-a", "postgres") == 1 and gauge("unit-a", "nats") == 1

    db.why = ConnectionRefusedError("connection refused")
    broker.why = DependencyDown("reconnecting")
    assert not await readiness.check_once()
    assert readiness.missing == {"postgres": "ConnectionRefusedError: connection refused",
                                 "nats": "reconnecting"}
    assert gauge("unit-a", "postgres") == 0 and gauge("unit-a", "nats") == 0

    db.why = None
    assert not await readiness.check_once()  # still not ready: no second flip
    assert readiness.missing == {"nats": "reconnecting"} and heard == [True, False]
    assert gauge("unit-a", "postgres") == 1

    broker.why = None
    assert await readiness.check_once()
    assert heard == [True, False, True]


async def test_a_check_that_hangs_counts_as_missing_after_the_timeout():
    async def hangs() -> None:
        await asyncio.Event().wait()

    readiness = Readiness("unit-b", {"postgres": hangs}, timeout=0.01)
    assert not await readiness.check_once()
    assert readiness.status("postgres") == "no answer within 0.01 s"


async def test_run_keeps_checking_until_stopped():
    db = Switch()
    readiness = Readiness("unit-c", {"postgres": db.check}, interval=0.01)
    stop = asyncio.Event()
    running = asyncio.create_task(readiness.run(stop))
    db.why = DependencyDown("gone")
    while readiness.status("postgres") != "gone":
        await asyncio.sleep(0.01)
    stop.set()
    await running


def test_a_process_with_nothing_to_check_is_refused():
    with pytest.raises(ValueError, match="unit-d: readiness needs at least one dependency"):
        Readiness("unit-d", {})
