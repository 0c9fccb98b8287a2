"""Maintenance in the factory workspace and over REST (issue 22): iot's wear alarm becomes a task
MINE's people see with its reasons in their language and times on the factory's clock; an
operator accepts it (attributed to them) and it is a planned stop at scheduling and at iot;
then reports it done (a proposed task cannot be: 409), and iot's health of the machine says
maintained, when (the factory's zone named) and by whom; OTHER's people and keys neither see nor
decide MINE's tasks (403 by the path, 404 by the id)."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime, timedelta, timezone

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from dovetail.iot.v1 import iot_events_pb2 as iot
from gateway.deps import Services
from gateway.errors import service_error
from services.iot.domain.operations import planned_stop_key
from services.iot.signals.wear import FeatureTrend
from services.kit.words_pb import words_pb
from tests.helpers import eventually, stream_envelopes
from tests.integration.scheduling.conftest import publish

pytestmark = pytest.mark.integration
H = 3_600_000
# what iot's wear watch writes, in English and as words (services/iot/signals/wear.py)
SAID = FeatureTrend(feature="running_amps", baseline=10.0, level=11.8, change=0.18,
                    rise_per_day=0.02, since_days=9.0, horizon_days=1.2, confidence=0.7,
                    wearing=True, step_pending=False).describe_words()
WORDS = [SAID.english()]
assert WORDS == ["cutting current up 18 % over 9 days; +25 % in ~1.2 days"]


def stamp(ms: int) -> Timestamp:
    return Timestamp(seconds=ms // 1000, nanos=ms % 1000 * 1_000_000)


@pytest.fixture(scope="module")
async def task(platform, settings) -> dict:
    """MINE's edge bander wears: iot alarms, failure expected in 30 hours."""
    machine = f"{platform.mine.factory_id}-edge_bander"
    now = int(time.time() * 1000)
    await publish(settings, "iot", "machine_health_assessed", machine, iot.MachineHealthAssessed(
        machine_id=machine, factory_id=platform.mine.factory_id, assessed_at=stamp(now),
        score=38, horizon_hours=30, confidence=0.7, alarm=True,
        failure_expected_by=stamp(now + 30 * H), explanation=WORDS,
        explanation_words=[words_pb(SAID)]))
    path = f"/api/v1/factories/{platform.mine.factory_id}/maintenance/"

    async def listed():
        answer = await platform.client.get(path, headers=platform.mine.bearer)
        assert answer.status_code == 200, answer.text
        return [t for t in answer.json()["tasks"] if t["machine_id"] == machine]

    (found,) = await eventually(listed, timeout=60)
    return found


async def test_the_task_is_listed_for_the_factory_and_hidden_from_others(platform, task):
    mine, other = platform.mine, platform.other
    assert task["status"] == "proposed" and task["reason"] == "risk"
    assert task["explanation"] == WORDS and task["machine_id"].endswith("-edge_bander")
    assert [w["template"] for w in task["explanation_words"]] == [SAID.template]  # issue 19
    assert task["start"] < task["end"] <= task["due_by"]
    base = f"/api/v1/factories/{mine.factory_id}/maintenance"
    assert (await platform.client.get(base + "/", headers=other.bearer)).status_code == 403
    for action in ("accept", "move"):
        body = {"start": task["start"]} if action == "move" else None
        by_path = await platform.client.post(f"{base}/{task['task_id']}/{action}",
                                             headers=other.bearer, json=body)
        assert by_path.status_code == 403, by_path.text
        by_id = await platform.client.post(
            f"/api/v1/factories/{other.factory_id}/maintenance/{task['task_id']}/{action}",
            headers=other.bearer, json=body)
        assert by_id.status_code == 404, by_id.text
    page = await platform.client.get("/factory/maintenance/", headers=other.bearer)
    assert page.status_code == 200 and task["task_id"] not in page.text


async def test_a_bad_move_is_refused_naming_the_start(platform, task):
    base = f"/api/v1/factories/{platform.mine.factory_id}/maintenance/{task['task_id']}"
    for start in ("tomorrow", "2026-12-08T02:00:00"):
        answer = await platform.client.post(base + "/move", headers=platform.mine.bearer,
                                            json={"start": start})
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["start"]
    past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    answer = await platform.client.post(base + "/move", headers=platform.mine.bearer,
                                        json={"start": past})
    assert answer.status_code == 422, answer.text
    assert {e["field"] for e in answer.json()["errors"]} == {"start"}
    form = await platform.client.post(f"/factory/maintenance/{task['task_id']}/move",
                                      headers=platform.mine.bearer, data={"start": "soon"})
    assert form.status_code == 422 and "start:" in form.text


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_the_page_says_why_and_when_in_the_readers_language(platform, task, language):
    page = await platform.client.get("/factory/maintenance/", headers={
        **platform.mine.bearer, "Accept-Language": language})
    assert page.status_code == 200
    assert task["task_id"] in page.text and "Asia/Shanghai" in page.text
    if language == "en":
        assert "cutting current up 18 % over 9 days" in page.text and ">Accept<" in page.text
    else:
        assert "切削电流" in page.text and "18" in page.text and "接受" in page.text


async def test_an_operator_accepts_it_and_it_is_a_planned_stop_everywhere(platform, task,
                                                                          settings):
    cookie = await platform.session("factory_operator")
    accepted = await platform.client.post(
        f"/factory/maintenance/{task['task_id']}/accept", cookies={"dovetail_session": cookie},
        headers={"Origin": platform.base_url}, follow_redirects=False)
    assert accepted.status_code == 303, accepted.text
    listed = await platform.client.get(
        f"/api/v1/factories/{platform.mine.factory_id}/maintenance/",
        headers=platform.mine.bearer)
    (done,) = [t for t in listed.json()["tasks"] if t["task_id"] == task["task_id"]]
    assert done["status"] == "accepted" and done["decided_by"].endswith("@factory.example")
    start_ms = int(datetime.fromisoformat(done["start"]).timestamp() * 1000)
    end_ms = int(datetime.fromisoformat(done["end"]).timestamp() * 1000)

    async def at_iot():
        for _, envelope in await stream_envelopes(settings.nats_url, "iot",
                                                  "dovetail.iot.planned_stop_declared"):
            body = iot.PlannedStopDeclared()
            envelope.body.Unpack(body)
            if list(body.machine_ids) == [done["machine_id"]] and (
                    body.window.start_unix_ms, body.window.end_unix_ms) == (start_ms, end_ms):
                return body
        return None

    await eventually(at_iot, timeout=60)
    state = platform.services["scheduling"].runtime.state

    async def one_stop():
        stops = [s for s in state.factories[platform.mine.factory_id].stops.values()
                 if s.machine_ids == (done["machine_id"],)]
        return stops if len(stops) == 1 else None

    (stop,) = await eventually(one_stop)
    assert (stop.start_ms, stop.end_ms) == (start_ms, end_ms)
    page = await platform.client.get("/factory/maintenance/", headers=platform.mine.bearer)
    assert "Accepted by" in page.text and done["decided_by"] in page.text
    machines = await platform.client.get("/factory/machines", headers=platform.mine.bearer)
    assert "maintenance: cutting current up 18 % over 9 days" in machines.text


async def wears(platform, settings, kind: str) -> dict:
    """MINE's machine of `kind` wears too (failure expected in 30 hours): its proposed task."""
    mine = platform.mine
    machine = f"{mine.factory_id}-{kind}"
    now = int(time.time() * 1000)
    await publish(settings, "iot", "machine_health_assessed", machine, iot.MachineHealthAssessed(
        machine_id=machine, factory_id=mine.factory_id, assessed_at=stamp(now), score=40,
        horizon_hours=30, confidence=0.7, alarm=True, failure_expected_by=stamp(now + 30 * H),
        explanation=WORDS, explanation_words=[words_pb(SAID)]))

    async def proposed():
        answer = await platform.client.get(f"/api/v1/factories/{mine.factory_id}/maintenance/",
                                           headers=mine.bearer)
        return [t for t in answer.json()["tasks"] if t["machine_id"] == machine] or None

    (task,) = await eventually(proposed, timeout=60)
    return task


async def test_done_is_reported_by_the_floor_and_the_machine_reads_maintained(platform, task,
                                                                              settings):
    mine, other = platform.mine, platform.other
    base = f"/api/v1/factories/{mine.factory_id}/maintenance"
    # a proposed task (the sander wears too) cannot be done before it is accepted
    early = await wears(platform, settings, "sander")
    refused = await platform.client.post(f"{base}/{early['task_id']}/done", headers=mine.bearer)
    assert refused.status_code == 409 and "accept it" in refused.text, refused.text

    listed = await platform.client.get(base + "/", headers=mine.bearer)
    (accepted,) = [t for t in listed.json()["tasks"] if t["task_id"] == task["task_id"]]
    assert accepted["status"] == "accepted"
    for url in (f"{base}/{task['task_id']}/done",
                f"/api/v1/factories/{other.factory_id}/maintenance/{task['task_id']}/done"):
        assert (await platform.client.post(url, headers=other.bearer)).status_code in (403, 404)
    if datetime.fromisoformat(accepted["start"]) > datetime.now(UTC):
        pytest.skip("the stop was placed after planned work: it has not begun")
    page = await platform.client.get("/factory/maintenance/", headers=mine.bearer)
    assert f'action="/factory/maintenance/{task["task_id"]}/done"' in page.text
    cookie = await platform.session("factory_operator")
    done = await platform.client.post(
        f"/factory/maintenance/{task['task_id']}/done", cookies={"dovetail_session": cookie},
        headers={"Origin": platform.base_url}, follow_redirects=False)
    assert done.status_code == 303 and "done=done" in done.headers["location"], done.text
    listed = await platform.client.get(base + "/", headers=mine.bearer)
    (reported,) = [t for t in listed.json()["tasks"] if t["task_id"] == task["task_id"]]
    assert reported["status"] == "done" and reported["done_by"].endswith("@factory.example")
    assert reported["done_at"] and reported["decided_by"] == accepted["decided_by"]

    machine = task["machine_id"]

    async def maintained():
        answer = await platform.client.get(f"/api/v1/machines/{machine}/health",
                                           headers=mine.bearer)
        body = answer.json()
        return body if body.get("state") == "maintained" else None

    health = await eventually(maintained, timeout=60)
    assert health["maintained_by"] == reported["done_by"] and not health["alarm"]
    assert health["maintenance_task_id"] == task["task_id"] and health["score"] is None
    for language, words in (("en", "Maintained"), ("zh-CN", "完成维护")):
        # the page reads iot's health read model, which follows the machine a moment later
        card = await eventually(functools.partial(machine_card, platform, machine, language,
                                                  words), timeout=60)
        assert "Asia/Shanghai" in card and reported["done_by"] in card
    page = await platform.client.get("/factory/maintenance/?done=done", headers=mine.bearer)
    section = page.text.split(f'data-task="{task["task_id"]}"')[1].split("</section>")[0]
    assert 'data-status="done"' in page.text and "Done by" in section


async def machine_card(platform, machine: str, language: str, words: str) -> str | None:
    """The machine's card on MINE's machines page once it says `words` (None before)."""
    floor = await platform.client.get("/factory/machines", headers={
        **platform.mine.bearer, "Accept-Language": language})
    assert floor.status_code == 200, floor.text[:300]
    assert 'id="health-unread"' not in floor.text, "the machines' health could not be read"
    card = floor.text.split(f'id="m-{machine}"')[1].split("</section>")[0]
    return card if words in card else None


@pytest.mark.parametrize(("language", "words"), [
    ("en", "The machines' health could not be read"), ("zh-CN", "无法读取设备健康状况")])
async def test_the_machines_page_says_when_it_cannot_read_their_health(platform, task,
                                                                       monkeypatch, language,
                                                                       words):
    """A health read that fails (iot too slow to answer, here) is said on the page and on
    each machine, not shown as a machine with nothing to report."""
    real_call = Services.call

    async def call(self, service, method, request, *args, **kwargs):
        if (service, method) == ("iot", "ListMachineHealth"):
            raise service_error(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")
        return await real_call(self, service, method, request, *args, **kwargs)

    monkeypatch.setattr(Services, "call", call)
    floor = await platform.client.get("/factory/machines", headers={
        **platform.mine.bearer, "Accept-Language": language})
    assert floor.status_code == 200, floor.text[:300]
    warning = floor.text.split('id="health-unread"')[1].split("</p>")[0]
    assert words in warning
    card = floor.text.split(f'id="m-{task["machine_id"]}"')[1].split("</section>")[0]
    assert 'class="health unread"' in card and "data-health=" not in card
    monkeypatch.undo()
    floor = await platform.client.get("/factory/machines", headers=platform.mine.bearer)
    assert 'id="health-unread"' not in floor.text and 'class="health unread"' not in floor.text


def free_start(busy: list[tuple[str, int, int]], after_ms: int, length_ms: int,
               due_ms: int) -> int:
    """The first whole minute from `after_ms` where a stop of `length_ms` clears planned work
    and ends by `due_ms`."""
    start = -(-after_ms // 60_000) * 60_000
    while start + length_ms <= due_ms:
        clash = [b for _, a, b in busy if a < start + length_ms and start < b]
        if not clash:
            return start
        start = -(-max(clash) // 60_000) * 60_000
    raise AssertionError("no gap for the stop before it is due")


async def test_an_accepted_task_is_moved_again_by_the_floor_until_it_starts(platform,
                                                                              settings):
    """Issue 22: an accepted task can be moved again (the workspace shows the form until its
    stop begins), attributed to the person; scheduling's stop and iot's copy move with it."""
    mine = platform.mine
    base = f"/api/v1/factories/{mine.factory_id}/maintenance"
    drill = f"{mine.factory_id}-cnc_drill"
    now = int(time.time() * 1000)
    task = await wears(platform, settings, "cnc_drill")
    length = (datetime.fromisoformat(task["end"]) - datetime.fromisoformat(task["start"]))
    length_ms = int(length.total_seconds() * 1000)
    due_ms = int(datetime.fromisoformat(task["due_by"]).timestamp() * 1000)
    app = platform.services["scheduling"].runtime.app
    busy = app.machine_busy(mine.factory_id, drill, now)
    first = free_start(busy, now + H, length_ms, due_ms)
    zone = timezone(timedelta(hours=8))  # the factory's, Asia/Shanghai
    moved = await platform.client.post(f"{base}/{task['task_id']}/move", headers=mine.bearer,
                                       json={"start": datetime.fromtimestamp(
                                           first / 1000, zone).isoformat()})
    assert moved.status_code == 200 and moved.json()["status"] == "accepted", moved.text

    page = await platform.client.get("/factory/maintenance/", headers=mine.bearer)
    section = page.text.split(f'data-task="{task["task_id"]}"')[1].split("</section>")[0]
    assert 'data-status="accepted"' in page.text.split(f'data-task="{task["task_id"]}"')[1][:40]
    assert f'action="/factory/maintenance/{task["task_id"]}/move"' in section

    second = free_start(busy, first + length_ms + H, length_ms, due_ms)
    cookie = await platform.session("factory_operator")
    again = await platform.client.post(
        f"/factory/maintenance/{task['task_id']}/move", cookies={"dovetail_session": cookie},
        headers={"Origin": platform.base_url}, follow_redirects=False,
        data={"start": datetime.fromtimestamp(second / 1000, zone).strftime("%Y-%m-%dT%H:%M")})
    assert again.status_code == 303 and "done=moved" in again.headers["location"], again.text
    listed = await platform.client.get(base + "/", headers=mine.bearer)
    (now_at,) = [t for t in listed.json()["tasks"] if t["task_id"] == task["task_id"]]
    assert now_at["status"] == "accepted" and now_at["decided_by"].endswith("@factory.example")
    assert int(datetime.fromisoformat(now_at["start"]).timestamp() * 1000) == second
    state = platform.services["scheduling"].runtime.state
    iot_app = platform.services["iot"].runtime.app
    iot_key = planned_stop_key(mine.factory_id, f"maintenance-{task['task_id']}")

    async def moved_everywhere():
        stops = [(s.start_ms, s.end_ms) for s in state.factories[mine.factory_id].stops.values()
                 if s.machine_ids == (drill,)]
        at_iot = iot_app.repository.get(iot_key)
        return stops == [(second, second + length_ms)] and (
            at_iot.start_ms, at_iot.end_ms) == (second, second + length_ms)

    await eventually(moved_everywhere, timeout=60)
