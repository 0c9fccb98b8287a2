"""Maintenance in the plan (issue 22): iot's wear alarm proposes one task per machine, placed
between its planned operations in valley hours before the failure; the factory accepts or moves
it, attributed to the person, and an accepted task is a planned stop of the machine; the factory
reports its work done, and only an alarm judged on a baseline learnt since proposes again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.kit.errors import InvalidArgument
from services.kit.settings import SettingsError
from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.errors import MaintenanceNotUnderway, MaintenanceStarted
from services.scheduling.domain.maintenance_tasks import (
    ACCEPTED,
    DONE,
    PROPOSED,
    MachineMaintenance,
    MaintenanceTaskNotFound,
    maintenance_key,
    stop_id_of,
)
from services.scheduling.domain.plans import FactoryPlan
from services.scheduling.domain.problem import ProblemIndex, _machine
from services.scheduling.domain.tariffs import guangdong_industrial
from services.scheduling.domain.tool_counters import FactoryTools
from services.scheduling.domain.tool_life import ToolLimit, ToolLimits, Work
from services.scheduling.domain.values import PlanRow
from services.scheduling.maintenance import MaintenanceDesk, MaintenanceTimes, due_by

pytestmark = pytest.mark.unit

H = 3_600_000
# 2026-12-07 09:00 in Guangzhou (01:00 UTC): peak from 10:00, valley 00:00-08:00
NOW = int(datetime(2026, 12, 7, 1, 0, tzinfo=UTC).timestamp() * 1000)
WORDS = ["cutting current up 18 % over 9 days"]


class Desk(MaintenanceDesk):
    """The application's maintenance part over aggregates held in memory."""

    def __init__(self, *aggregates):
        self.held = {a.id: a for a in aggregates}
        self.saved: list = []

    def _find(self, aggregate_id, kind):
        found = self.held.get(aggregate_id)
        return found if isinstance(found, kind) else None

    def save(self, *aggregates):
        for a in aggregates:
            self.saved.extend(a.collect_events())
            self.held[a.id] = a


def row(op: str, start: int, end: int, machine: str = "GZ-SAW") -> PlanRow:
    return PlanRow(
        op,
        op.split("/")[0],
        1,
        "GZ",
        machine,
        "panel_saw",
        start,
        end,
        (end - start) // 1000,
        0,
        "",
        0,
        "",
        False,
        "PLANNED",
        "2026-12-20",
        "ON_TIME",
    )


def factory_with(*rows: PlanRow) -> Desk:
    factory = FactoryCapacity(
        factory_id="GZ",
        name="Guangzhou",
        capacity_share=1.0,
        timezone="Asia/Shanghai",
        weekly_shifts=[],
        exceptions=[],
        active=True,
        source_version=1,
    )
    factory.set_tariff(guangdong_industrial(), NOW, "admin")
    machines = [
        MachineCapacity(
            machine_id=m,
            factory_id="GZ",
            machine_type="panel_saw",
            speed=1.0,
            batch_capacity=1,
            active=True,
            source_version=1,
        )
        for m in ("GZ-SAW", "GZ-SAW-2")
    ]
    plan = FactoryPlan(factory_id="GZ")
    plan.revise("plan-1", NOW, rows)
    return Desk(factory, plan, *machines)


def alarm(
    desk: Desk,
    at: int = NOW,
    failure: int = NOW + 48 * H,
    on: bool = True,
    machine: str = "GZ-SAW",
    since: int = 0,
) -> list:
    changed = desk.record_health_assessed(machine, "GZ", on, at, failure, 48.0, WORDS, since)
    desk.save(*changed)
    return changed


def the_task(desk: Desk, machine: str = "GZ-SAW"):
    (task,) = desk.held[maintenance_key(machine)].tasks.values()
    return task


def test_an_alarm_proposes_a_task_between_planned_work_in_valley_hours_before_the_failure():
    # the saw is busy 09:00-12:00 and 12:00-20:00 local; the failure is expected in 48 h
    desk = factory_with(
        row("o1/op-01", NOW, NOW + 3 * H), row("o2/op-01", NOW + 3 * H, NOW + 11 * H)
    )
    assert alarm(desk)
    task = the_task(desk)
    assert task.status == PROPOSED and task.explanation == tuple(WORDS)
    assert task.due_by_ms == due_by(NOW, NOW + 48 * H, 48.0) < NOW + 48 * H
    assert NOW + 11 * H <= task.start_ms and task.end_ms <= task.due_by_ms
    local_hour = datetime.fromtimestamp(task.start_ms / 1000, UTC).hour + 8
    assert local_hour % 24 < 8  # in the valley (00:00-08:00 local), not at 20:00 (flat)
    assert not task.displaces


def test_no_second_task_while_one_is_open_and_none_without_an_alarm():
    desk = factory_with()
    assert not alarm(desk, on=False)
    assert alarm(desk)
    assert not alarm(desk, at=NOW + H)  # proposed, still open
    task = the_task(desk)
    desk.accept_maintenance("GZ", ["GZ-SAW"], task.task_id, "ops@gz", NOW + H)
    assert not alarm(desk, at=NOW + 2 * H)  # accepted, not over yet
    assert not alarm(desk, at=task.end_ms + H)  # its stop is over, but not reported done
    desk.report_maintenance_done("GZ", ["GZ-SAW"], task.task_id, "ops@gz", task.end_ms)
    # iot's watch judged this one on the baseline of the blade that was changed
    assert not alarm(desk, at=task.end_ms + H, since=NOW - 100 * H)
    assert not alarm(desk, at=task.end_ms - H)  # older than the report, no baseline said
    assert alarm(desk, at=task.end_ms + 60 * H, since=task.end_ms)  # on the new baseline
    assert len(desk.held[maintenance_key("GZ-SAW")].tasks) == 2
    assert alarm(desk, machine="GZ-SAW-2")  # another machine has its own


def test_an_alarm_about_a_machine_scheduling_does_not_know_is_only_tracked():
    assert not factory_with().record_health_assessed("XX", "GZ", True, NOW, 0, 0, WORDS)


def test_accepted_by_the_person_it_is_a_planned_stop_of_the_machine():
    desk = factory_with()
    alarm(desk)
    task = the_task(desk)
    done = desk.accept_maintenance("GZ", ["GZ-SAW", "GZ-SAW-2"], task.task_id, "li@gz", NOW + H)
    assert (done.status, done.decided_by, done.decided_at_ms) == (ACCEPTED, "li@gz", NOW + H)
    stop = desk.held[FactoryCapacity.create_id("GZ")].stops[stop_id_of(task.task_id)]
    assert (stop.machine_ids, stop.start_ms, stop.end_ms) == (
        ("GZ-SAW",),
        task.start_ms,
        task.end_ms,
    )
    assert stop.reason.startswith("maintenance: cutting current up 18 %")
    events = len(desk.saved)
    again = desk.accept_maintenance("GZ", ["GZ-SAW"], task.task_id, "wang@gz", NOW + 2 * H)
    assert again.decided_by == "li@gz" and len(desk.saved) == events  # a repeat changes nothing


def test_iot_telling_back_the_accepted_stop_under_its_own_id_is_no_news():
    desk = factory_with()
    alarm(desk)
    task = desk.accept_maintenance("GZ", ["GZ-SAW"], the_task(desk).task_id, "li@gz", NOW)
    factory = desk.held[FactoryCapacity.create_id("GZ")]
    assert not factory.declare_stop("iot-stop-1", ["GZ-SAW"], task.start_ms, task.end_ms, "x")
    assert factory.declare_stop("iot-stop-2", ["GZ-SAW"], task.start_ms, task.end_ms + H, "x")


def test_a_move_onto_planned_work_or_past_the_due_time_is_refused_naming_the_start():
    desk = factory_with(row("o1/op-01", NOW + 2 * H, NOW + 5 * H))
    alarm(desk)
    task = the_task(desk)
    for start in (NOW + 3 * H, NOW - H, task.due_by_ms):
        with pytest.raises(InvalidArgument) as refused:
            desk.move_maintenance("GZ", ["GZ-SAW"], task.task_id, start, "li@gz", NOW)
        assert {v.field for v in refused.value.violations} == {"start"}  # the request's field
    assert (
        the_task(desk).status == PROPOSED and not desk.held[FactoryCapacity.create_id("GZ")].stops
    )


def test_moved_by_the_person_it_is_accepted_there_and_then_stays_put():
    desk = factory_with(row("o1/op-01", NOW + 2 * H, NOW + 5 * H))
    alarm(desk)
    task = the_task(desk)
    moved = desk.move_maintenance("GZ", ["GZ-SAW"], task.task_id, NOW + 5 * H, "li@gz", NOW)
    assert (moved.status, moved.start_ms, moved.decided_by) == (ACCEPTED, NOW + 5 * H, "li@gz")
    assert moved.end_ms - moved.start_ms == task.end_ms - task.start_ms
    stop = desk.held[FactoryCapacity.create_id("GZ")].stops[stop_id_of(task.task_id)]
    assert stop.start_ms == NOW + 5 * H
    events = len(desk.saved)
    again = desk.move_maintenance("GZ", ["GZ-SAW"], task.task_id, NOW + 5 * H, "wang@gz", NOW)
    assert again == moved and len(desk.saved) == events  # moved there already: no news


def accepted(*rows: PlanRow):
    """A factory whose saw's task is accepted by li@gz: the desk, the task, the factory and
    the task's planned stop."""
    desk = factory_with(*rows)
    alarm(desk)
    task = desk.accept_maintenance("GZ", ["GZ-SAW"], the_task(desk).task_id, "li@gz", NOW)
    factory = desk.held[FactoryCapacity.create_id("GZ")]
    return desk, task, factory, factory.stops[stop_id_of(task.task_id)]


def test_an_accepted_task_moves_again_until_its_stop_begins_with_the_same_checks():
    desk, task, factory, first = accepted(row("o1/op-01", NOW + 2 * H, NOW + 5 * H))
    assert (first.start_ms, first.end_ms) == (task.start_ms, task.end_ms)
    for start in (NOW + 3 * H, NOW - H, task.due_by_ms):  # onto work, past, too late
        with pytest.raises(InvalidArgument) as refused:
            desk.move_maintenance("GZ", ["GZ-SAW"], task.task_id, start, "wang@gz", NOW + H)
        assert {v.field for v in refused.value.violations} == {"start"}
    assert the_task(desk) == task  # refused: nothing changed
    moved = desk.move_maintenance("GZ", ["GZ-SAW"], task.task_id, NOW + 5 * H, "wang@gz",
                                  NOW + H)
    assert (moved.status, moved.start_ms, moved.end_ms - moved.start_ms) == (
        ACCEPTED, NOW + 5 * H, task.end_ms - task.start_ms)
    assert (moved.decided_by, moved.decided_at_ms) == ("wang@gz", NOW + H)
    stop = factory.stops[stop_id_of(task.task_id)]
    assert (stop.start_ms, stop.end_ms, stop.reason) == (moved.start_ms, moved.end_ms,
                                                          first.reason)
    assert len(factory.stops) == 1  # the stop moved, not a second one
    # iot's copy of the first window, told back late, does not bring it back
    assert not factory.declare_stop("iot-stop", ["GZ-SAW"], first.start_ms, first.end_ms, "x")
    with pytest.raises(MaintenanceStarted):  # its stop has begun: the machine is stopped
        desk.move_maintenance("GZ", ["GZ-SAW"], task.task_id, NOW + 7 * H, "li@gz",
                              moved.start_ms)
    assert factory.stops[stop_id_of(task.task_id)] == stop


def test_done_before_its_planned_end_frees_the_machine_from_then():
    desk, task, factory, planned = accepted(row("o1/op-01", NOW + 5 * H, NOW + 8 * H))
    early = task.start_ms + 30 * 60_000  # a 2-hour stop, done in half an hour
    done = desk.report_maintenance_done("GZ", ["GZ-SAW"], task.task_id, "wang@gz", early)
    assert (done.status, done.start_ms, done.end_ms, done.done_at_ms) == (
        DONE, task.start_ms, early, early)  # the stop as it really was
    stop = factory.stops[stop_id_of(task.task_id)]
    assert (stop.start_ms, stop.end_ms) == (task.start_ms, early)
    assert "StopEnded" in [type(e).__name__ for e in desk.saved]
    # iot's copy of the planned window, told back late, does not block the rest again
    assert not factory.declare_stop("iot-stop", ["GZ-SAW"], planned.start_ms, planned.end_ms,
                                    "x")
    # the planner sees the machine down only until the report
    index = ProblemIndex(origin_ms=task.start_ms, now_min=0, horizon=24 * 60)
    machine = desk.held[MachineCapacity.create_id("GZ-SAW")]
    assert [(w.start, w.end) for w in _machine(machine, factory, index).downtime] == [(0, 30)]
    # replayed from its events, the factory holds the same stops
    replayed = None
    for e in (e for e in desk.saved if e.originator_id == factory.id):
        replayed = e.mutate(replayed)
    assert replayed is not None and replayed.stops[stop_id_of(task.task_id)] == stop


def test_done_after_its_planned_end_leaves_the_stop_as_planned():
    desk = factory_with()
    alarm(desk)
    task = desk.accept_maintenance("GZ", ["GZ-SAW"], the_task(desk).task_id, "li@gz", NOW)
    done = desk.report_maintenance_done("GZ", ["GZ-SAW"], task.task_id, "li@gz",
                                        task.end_ms + H)
    assert (done.start_ms, done.end_ms) == (task.start_ms, task.end_ms)
    stop = desk.held[FactoryCapacity.create_id("GZ")].stops[stop_id_of(task.task_id)]
    assert (stop.start_ms, stop.end_ms, stop.earlier) == (task.start_ms, task.end_ms, ())


def test_done_is_reported_once_by_the_person_after_the_stop_began():
    desk = factory_with()
    alarm(desk)
    task = the_task(desk)
    with pytest.raises(MaintenanceNotUnderway):  # only proposed: accept it first
        desk.report_maintenance_done("GZ", ["GZ-SAW"], task.task_id, "li@gz", task.end_ms)
    desk.accept_maintenance("GZ", ["GZ-SAW"], task.task_id, "li@gz", NOW)
    with pytest.raises(MaintenanceNotUnderway):  # its stop has not begun
        desk.report_maintenance_done("GZ", ["GZ-SAW"], task.task_id, "li@gz", task.start_ms - 1)
    done = desk.report_maintenance_done("GZ", ["GZ-SAW"], task.task_id, "wang@gz", task.end_ms)
    assert (done.status, done.done_by, done.done_at_ms) == (DONE, "wang@gz", task.end_ms)
    assert done.decided_by == "li@gz" and not done.open
    events = len(desk.saved)
    again = desk.report_maintenance_done("GZ", ["GZ-SAW"], task.task_id, "x@gz", task.end_ms + H)
    assert again == done and len(desk.saved) == events  # a repeat changes nothing
    assert [type(e).__name__ for e in desk.saved[-1:]] == ["Done"]
    with pytest.raises(MaintenanceNotUnderway):  # done: nothing left to move
        desk.move_maintenance("GZ", ["GZ-SAW"], task.task_id, task.end_ms + H, "li@gz", NOW)
    with pytest.raises(MaintenanceTaskNotFound):
        desk.report_maintenance_done("SZ", ["GZ-SAW"], task.task_id, "x@sz", task.end_ms)


def test_a_serviced_machine_counts_its_tools_afresh():
    desk = factory_with()
    tools = FactoryTools(factory_id="GZ")
    tools.set_limits(ToolLimits([ToolLimit("saw_blade", "panel_saw", "m", 100.0)]), "m", NOW)
    tools.count("GZ-SAW", "panel_saw", Work(saw_m=70.0), "o1/op-01")
    tools.count("GZ-SAW-2", "panel_saw", Work(saw_m=30.0), "o2/op-01")
    desk.held[tools.id] = tools
    alarm(desk)  # wear, not a tool's count: the machine is serviced
    task = desk.accept_maintenance("GZ", ["GZ-SAW"], the_task(desk).task_id, "li@gz", NOW)
    assert tools.used["GZ-SAW|saw_blade"] == 70.0
    desk.report_maintenance_done("GZ", ["GZ-SAW"], task.task_id, "li@gz", task.start_ms)
    assert desk.held[tools.id].used == {"GZ-SAW|saw_blade": 0.0, "GZ-SAW-2|saw_blade": 30.0}


def test_the_demo_compresses_the_hours_of_maintenance_with_its_wear():
    demo = MaintenanceTimes.from_env({"DOVETAIL_SCHEDULER_MAINTENANCE_HOUR_S": "3"})
    assert demo.stop_ms == 6_000 and MaintenanceTimes.from_env({}).stop_ms == 2 * H
    # a lead of ten minutes (200 demo hours): due a demo day (72 s) before the failure
    assert due_by(NOW, NOW + 600_000, 0, demo) == NOW + 528_000
    # a lead of two minutes (40 demo hours): due a fifth of it before
    assert due_by(NOW, NOW + 120_000, 0, demo) == NOW + 96_000
    desk = factory_with()
    desk.maintenance_times = demo
    alarm(desk, failure=NOW + 600_000)
    task = the_task(desk)
    assert task.end_ms - task.start_ms == 6_000 and task.end_ms <= task.due_by_ms
    for bad in ("0", "-3", "soon", "7200"):
        with pytest.raises(SettingsError):
            MaintenanceTimes.from_env({"DOVETAIL_SCHEDULER_MAINTENANCE_HOUR_S": bad})


def test_another_factory_finds_no_such_task():
    desk = factory_with()
    alarm(desk)
    task = the_task(desk)
    with pytest.raises(MaintenanceTaskNotFound):
        desk.accept_maintenance("SZ", ["GZ-SAW"], task.task_id, "x@sz", NOW)
    with pytest.raises(MaintenanceTaskNotFound):
        desk.accept_maintenance("SZ", ["SZ-SAW"], task.task_id, "x@sz", NOW)


def test_the_due_time_keeps_a_margin_before_the_failure():
    assert due_by(NOW, NOW + 10 * H, 0) == NOW + 8 * H  # a fifth of the lead
    assert due_by(NOW, NOW + 500 * H, 0) == NOW + 476 * H  # at most a day
    assert due_by(NOW, 0, 30.0) == NOW + 24 * H  # from the horizon when no time is given
    assert due_by(NOW, 0, 0) == NOW + 72 * H


def test_the_machine_replays_to_the_same_tasks_from_its_events():
    desk = factory_with()
    alarm(desk)
    moved = desk.move_maintenance(
        "GZ", ["GZ-SAW"], the_task(desk).task_id, NOW + 3 * H, "li@gz", NOW
    )
    desk.report_maintenance_done("GZ", ["GZ-SAW"], moved.task_id, "li@gz", NOW + 4 * H)
    key = maintenance_key("GZ-SAW")
    replayed = None
    for e in (e for e in desk.saved if e.originator_id == key):
        replayed = e.mutate(replayed)
    assert isinstance(replayed, MachineMaintenance)
    assert replayed.tasks == desk.held[key].tasks
