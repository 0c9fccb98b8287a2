"""The network's factory figures kept by the gateway: one reading at a time, readers served the
kept figures while they are young enough, and a failed reading never kept."""

from __future__ import annotations

import asyncio

import pytest

from gateway.factory_figures import FactoryFigures


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Iot:
    """Answers reading n with ["n"], once let go (or fails when told to)."""

    def __init__(self) -> None:
        self.reads = 0
        self.go = asyncio.Event()
        self.fail = False

    async def read(self) -> list[str]:
        self.reads += 1
        n = self.reads
        await self.go.wait()
        if self.fail:
            raise RuntimeError("iot cannot answer")
        return [str(n)]


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_readers_at_once_share_one_reading_then_the_kept_figures(clock):
    kept, iot = FactoryFigures(fresh_s=60, stale_s=600, clock=clock), Iot()
    waiting = [asyncio.create_task(kept.get(30, iot.read)) for _ in range(5)]
    await asyncio.sleep(0)
    iot.go.set()
    assert await asyncio.gather(*waiting) == [["1"]] * 5 and iot.reads == 1
    clock.now += 59
    assert await kept.get(30, iot.read) == ["1"] and iot.reads == 1
    assert await kept.get(7, iot.read) == ["2"]  # another window is read on its own


async def test_older_figures_answer_at_once_while_one_new_reading_runs(clock):
    kept, iot = FactoryFigures(fresh_s=60, stale_s=600, clock=clock), Iot()
    iot.go.set()
    await kept.get(30, iot.read)
    iot.go.clear()
    clock.now += 61
    assert [await kept.get(30, iot.read) for _ in range(3)] == [["1"]] * 3
    await asyncio.sleep(0)
    assert iot.reads == 2  # one reading behind them, not one per reader
    iot.go.set()
    await asyncio.sleep(0.01)
    assert await kept.get(30, iot.read) == ["2"] and iot.reads == 2


async def test_too_old_figures_are_waited_for(clock):
    kept, iot = FactoryFigures(fresh_s=60, stale_s=600, clock=clock), Iot()
    iot.go.set()
    await kept.get(30, iot.read)
    clock.now += 601
    assert await kept.get(30, iot.read) == ["2"]


async def test_a_failed_reading_is_not_kept(clock):
    kept, iot = FactoryFigures(fresh_s=60, stale_s=600, clock=clock), Iot()
    iot.fail = True
    iot.go.set()
    with pytest.raises(RuntimeError):
        await kept.get(30, iot.read)
    iot.fail = False
    assert await kept.get(30, iot.read) == ["2"]
    clock.now += 61
    iot.fail = True  # fails behind a reader who had the older figures: they stay
    assert await kept.get(30, iot.read) == ["2"]
    await asyncio.sleep(0.01)
    assert await kept.get(30, iot.read) == ["2"]
    await asyncio.sleep(0)
    assert iot.reads == 4
