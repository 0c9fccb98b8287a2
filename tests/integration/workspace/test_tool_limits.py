"""Tool life through the gateway (issue 22, item 2): a factory sets its tools' life limits
(PUT /api/v1/factories/{id}/tool-limits, every bad field named; another factory 403); the saw
work its people report finished counts metres on the saw's blade, from the routing's own
words; when the planned work uses the blade up within its warning, a task to change it is
proposed and shown in the reader's words."""

from __future__ import annotations

import pytest

from tests.helpers import eventually, ref
from tests.integration.workspace.platform import planned_here
from tests.integration.workspace.test_reports_and_scope import tap

pytestmark = pytest.mark.integration
BLADE = {"tool_type": "saw_blade", "machine_type": "panel_saw", "unit": "m", "life": 0.5,
         "warn_shifts": 2}


async def test_limits_are_the_factorys_own_and_bad_ones_are_named(platform):
    path = f"/api/v1/factories/{platform.mine.factory_id}/tool-limits/"
    other = await platform.client.put(path, json={"limits": [BLADE]},
                                      headers=platform.other.bearer)
    assert other.status_code == 403
    assert (await platform.client.get(path, headers=platform.other.bearer)).status_code == 403
    bad = await platform.client.put(path, headers=platform.mine.bearer, json={"limits": [
        {**BLADE, "machine_type": "chainsaw"}, {**BLADE, "unit": "km", "life": -2}]})
    assert bad.status_code == 422, bad.text
    assert {e["field"] for e in bad.json()["errors"]} == {"limits[0].machine_type"}
    bad = await platform.client.put(path, headers=platform.mine.bearer, json={"limits": [
        BLADE, {**BLADE, "unit": "km", "life": -2}]})
    assert {e["field"] for e in bad.json()["errors"]} == {
        "limits[1].tool_type", "limits[1].unit", "limits[1].life"}


async def test_finished_saw_work_wears_the_blade_and_its_change_is_proposed(platform):
    path = f"/api/v1/factories/{platform.mine.factory_id}/tool-limits/"
    answer = await platform.client.put(path, json={"limits": [BLADE]},
                                       headers=platform.mine.bearer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["limits"] == [BLADE] and answer.json()["set_by"].startswith("factory")
    try:
        order_id = await platform.place_order()
        ops = await planned_here(platform, order_id)
        saw_op, (saw, _bar) = next((op, (m, b)) for op, (m, b) in ops.items()
                                   if m.endswith("-panel_saw"))
        for kind in ("start", "finish"):
            async def reported(kind=kind):
                answer = await tap(platform, saw_op, kind, ref("tap"))
                return answer.status_code == 303

            await eventually(reported, timeout=60, interval=1)

        async def worn():
            uses = (await platform.client.get(path, headers=platform.mine.bearer)).json()["uses"]
            return next((u for u in uses if u["machine_id"] == saw and u["used"] > 0), None)

        use = await eventually(worn, timeout=60)
        assert use["tool_type"] == "saw_blade" and use["life"] == 0.5

        async def proposed():
            tasks = (await platform.client.get(
                f"/api/v1/factories/{platform.mine.factory_id}/maintenance/",
                headers=platform.mine.bearer)).json()["tasks"]
            return next((t for t in tasks if t["machine_id"] == saw), None)

        task = await eventually(proposed, timeout=60)
        assert task["reason"] == "tool" and task["status"] == "proposed"
        assert task["explanation"] == ["saw_blade at 100 % of its life, change now"]
        page = await platform.client.get("/factory/maintenance/", headers={
            **platform.mine.bearer, "Accept-Language": "zh-CN"})
        assert "锯片" in page.text and "立即更换" in page.text
    finally:
        await platform.client.put(path, json={"limits": []}, headers=platform.mine.bearer)
