"""Failures foreseen, end to end (issue 22, acceptance): a wearing saw's own current, through iot's
real intake, alarms; scheduling plans its maintenance before the failure iot predicts; an
operator accepts it and, the blade changed, reports it done in the factory workspace (Chromium);
the machine reads "maintained ... by" them, and once iot has learnt the new blade's baseline from
its signals, healthy again - with no second task from the old blade's wear.

Time is compressed alike for iot and scheduling, as the demo does (demo/wear.py): a wear window
(an "hour" of the monitor) is a second, and so is an hour of maintenance planning. The saw is the
demo's simulated one (demo/simulated_machine.py) at 60 samples a second: its history up to the
alarm is sent at once, its new blade live, second by second.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import grpc
import pytest

from demo.factories import calibration
from demo.machines import telemetry
from demo.network import ROUND_THE_CLOCK, DemoFactory, DemoMachine
from demo.simulated_machine import network
from demo.wear import DemoWear
from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2_grpc as iot_grpc
from services.iot.settings import IotSettings
from services.scheduling.maintenance import MaintenanceTimes
from tests.e2e.workspace.test_factory_workspace import accessible, signed_in
from tests.helpers import eventually
from tests.integration.workspace.platform import workspace_platform

pytestmark = pytest.mark.e2e
HOUR_S = 1.0  # one wear window, one hour of maintenance planning
SAMPLES_PER_S = 60
HISTORY_S = 110  # the saw's past, sent at once: its baseline, then the blade dulling


@pytest.fixture(scope="module")
async def platform(settings):
    compressed = IotSettings(offline_after_s=3600.0, status_interval_s=0.2, energy_flush_s=0.2,
                             wear_window_s=HOUR_S,
                             wear_capture_samples=int(HOUR_S * SAMPLES_PER_S),
                             max_sample_age_s=600.0)
    async with workspace_platform(settings, compressed, MaintenanceTimes(hour_s=HOUR_S)) as p:
        yield p


class Saw:
    """MINE's panel saw, simulated as in the demo, its blade dulling in compressed time."""

    def __init__(self, platform):
        self.platform = platform
        self.machine = DemoMachine(f"{platform.mine.factory_id}-wearsaw", "panel_saw", 1.0, 18.0,
                                   cnc=False, rated_amps=32)
        factory = DemoFactory(platform.mine.factory_id, "Works", "Guangzhou", 23.1, 113.3, 100,
                              0.58, ROUND_THE_CLOCK, (self.machine,))
        self.started = time.time() - HISTORY_S
        wear = DemoWear(self.machine.machine_id, HOUR_S, SAMPLES_PER_S)
        self.floor = network(factories=(factory,), wear=wear, now=self.started)
        self.sim = self.floor.machines[self.machine.machine_id]
        self.sent_until = self.started
        self.auth = (("authorization", f"Bearer {platform.mine.key}"),)

    @property
    def machine_id(self) -> str:
        return self.machine.machine_id

    def channel(self):
        return grpc.aio.insecure_channel(f"127.0.0.1:{self.platform.services['iot'].port}")

    async def register(self) -> None:
        async with self.channel() as ch:
            await iot_grpc.IotServiceStub(ch).RegisterMachine(iot.RegisterMachineRequest(
                factory_id=self.platform.mine.factory_id, machine_id=self.machine_id,
                name="wearing saw", machine_type=types_pb2.MACHINE_TYPE_PANEL_SAW,
                speed_factor=1.0, rated_power_kw=18.0,
                sensor_kind=iot.SENSOR_KIND_CURRENT_SENSOR,
                calibration=calibration(self.machine)), metadata=self.auth)
        state = self.platform.services["scheduling"].runtime.state

        async def known():
            return self.machine_id in state.machines

        await eventually(known, timeout=60)

    async def send_until(self, until: float) -> None:
        """The saw's telemetry, a batch a second, from where it left off up to `until`."""
        batches = []
        while self.sent_until + 1 <= until:
            self.sent_until += 1
            self.floor.step(self.sent_until)
            batches.append(iot.StreamTelemetryRequest(batch=telemetry(self.sim,
                                                                      self.sent_until)))
        if not batches:
            return

        async def stream():
            for b in batches:
                yield b

        async with self.channel() as ch:
            reply = await iot_grpc.IotServiceStub(ch).StreamTelemetry(stream(),
                                                                       metadata=self.auth)
        assert reply.samples_accepted == len(batches) * SAMPLES_PER_S, reply


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def health(platform, machine_id: str) -> dict:
    answer = await platform.client.get(f"/api/v1/machines/{machine_id}/health",
                                       headers=platform.mine.bearer)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def tasks_of(platform, machine_id: str) -> list[dict]:
    answer = await platform.client.get(
        f"/api/v1/factories/{platform.mine.factory_id}/maintenance/",
        headers=platform.mine.bearer)
    return [t for t in answer.json()["tasks"] if t["machine_id"] == machine_id]


async def test_a_wearing_saw_is_maintained_before_it_fails_and_is_healthy_again(
        browser, platform, artifacts: Path):
    saw = Saw(platform)
    await saw.register()
    await saw.send_until(time.time() - 1)  # its past: baseline, then dulling

    async def alarmed():
        h = await health(platform, saw.machine_id)
        return h if h["alarm"] else None

    alarm = await eventually(alarmed, timeout=60)
    assert any("cutting current up" in words for words in alarm["explanation"])
    (task,) = await eventually(lambda: tasks_of(platform, saw.machine_id), timeout=60)
    assert task["status"] == "proposed" and task["reason"] == "risk"
    # planned before the failure iot predicts, with the margin scheduling keeps
    assert task["start"] < task["end"] <= task["due_by"] < alarm["failure_expected_by"]

    async with signed_in(browser, platform, locale="en") as (page, email, errors):
        await page.goto(f"{platform.base_url}/factory/maintenance/")
        card = page.locator(f'section[data-task="{task["task_id"]}"]')
        assert "cutting current up" in await card.inner_text()
        await card.get_by_role("button", name="Accept", exact=True).click()
        await page.wait_for_url(re.compile(r"/factory/maintenance/\?done=accepted"))
        assert await card.get_attribute("data-status") == "accepted"
        # the stop began at once (no planned work on the saw, due within minutes): the blade
        # is changed in it, and the operator says so
        saw.sim.repair(time.time())
        await card.get_by_role("button", name="Done: machine serviced", exact=True).click()
        await page.wait_for_url(re.compile(r"/factory/maintenance/\?done=done"))
        assert await card.get_attribute("data-status") == "done"
        assert "Done by" in await card.inner_text() and email in await card.inner_text()
        await accessible(page, "maintenance done")
        await page.screenshot(path=str(artifacts / "factory_maintenance_done.png"),
                              full_page=True)

        async def maintained():
            h = await health(platform, saw.machine_id)
            return h if h["state"] == "maintained" else None

        serviced = await eventually(maintained, timeout=60)
        assert serviced["maintained_by"] == email and not serviced["alarm"]
        await page.goto(f"{platform.base_url}/factory/machines")
        line = page.locator(f"#m-{saw.machine_id} .health.maintained")
        assert "Maintained" in await line.inner_text() and email in await line.inner_text()
        assert "Asia/Shanghai" in await line.inner_text()

        # the new blade, live: iot learns its baseline from the signals and judges it healthy
        deadline = time.monotonic() + 150
        healthy = None
        while healthy is None and time.monotonic() < deadline:
            await saw.send_until(time.time() - 0.2)
            h = await health(platform, saw.machine_id)
            if h["state"] == "assessed" and _at(h["assessed_at"]) > _at(serviced["maintained_at"]):
                healthy = h
            else:
                await page.wait_for_timeout(1000)  # the saw's next second of current
        assert healthy is not None, await health(platform, saw.machine_id)
        assert not healthy["alarm"] and healthy["score"] >= 90
        assert healthy["maintained_by"] == email  # and it still says when it was serviced
        await page.reload()
        card = page.locator(f"#m-{saw.machine_id}")
        assert "Health" in await card.locator(".health").first.inner_text()
        assert await card.locator(".health.warn").count() == 0
        await page.screenshot(path=str(artifacts / "factory_machines_healthy_again.png"),
                              full_page=True)
        assert errors == []
    # the old blade's wear proposed nothing more: one task, done
    assert [t["status"] for t in await tasks_of(platform, saw.machine_id)] == ["done"]
