"""The demo factories' maintenance crew and the simulator's side of a maintenance stop (issue 22):
a proposed task is taken within a demo hour, an accepted one reported done once its stop is
over; the stop the simulator reads from scheduling's MaintenanceAccepted, and a stop over or
repeated changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from demo.machines import maintenance_stop
from demo.maintenance_crew import CrewPace, to_accept, to_report_done
from demo.simulated_machine import MaintenanceStop, network
from demo.wear import DemoWear
from dovetail.scheduling.v1 import scheduling_events_pb2 as events
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from services.kit.envelope import wrap

NOW_MS = 1_796_600_000_000


def task(task_id: str, status: int, proposed_ms: int, end_ms: int = 0) -> pb.MaintenanceTask:
    t = pb.MaintenanceTask(task_id=task_id, machine_id="F-DG-03-SAW1", status=status)
    t.proposed_at.FromMilliseconds(proposed_ms)
    t.start.FromMilliseconds(end_ms - 6000 if end_ms else proposed_ms)
    t.end.FromMilliseconds(end_ms or proposed_ms + 6000)
    return t


def test_the_crew_takes_a_task_within_a_demo_hour_and_reports_it_done_after_its_stop():
    pace = CrewPace.of_demo_hour(3.0)
    assert (pace.accept_after_s, pace.poll_s) == (3.0, 3.0)
    assert CrewPace.of_demo_hour(3600.0).poll_s == 30.0  # an hour of an hour: look every 30 s
    tasks = [
        task("new", pb.MAINTENANCE_STATUS_PROPOSED, NOW_MS - 1000),
        task("waiting", pb.MAINTENANCE_STATUS_PROPOSED, NOW_MS - 3000),
        task("stopping", pb.MAINTENANCE_STATUS_ACCEPTED, NOW_MS - 9000, end_ms=NOW_MS + 1),
        task("stopped", pb.MAINTENANCE_STATUS_ACCEPTED, NOW_MS - 9000, end_ms=NOW_MS),
        task("done", pb.MAINTENANCE_STATUS_DONE, NOW_MS - 90000, end_ms=NOW_MS - 80000),
    ]
    assert [t.task_id for t in to_accept(tasks, NOW_MS, pace)] == ["waiting"]
    assert [t.task_id for t in to_report_done(tasks, NOW_MS)] == ["stopped"]


def test_the_simulator_reads_the_accepted_stop_and_forgets_it_when_over():
    accepted = task("t1", pb.MAINTENANCE_STATUS_ACCEPTED, NOW_MS, end_ms=NOW_MS + 6000)
    envelope = wrap(service="scheduling", body=events.MaintenanceAccepted(task=accepted),
                    aggregate_id="F-DG-03-SAW1", version=2, occurred_at=datetime.now(UTC),
                    tenant="default", notification_id=7)
    stop = maintenance_stop(envelope.SerializeToString())
    assert stop == MaintenanceStop("F-DG-03-SAW1", "t1", NOW_MS / 1000, NOW_MS / 1000 + 6)
    assert maintenance_stop(b"not an envelope") is None
    demo = DemoWear()
    floor = network(wear=demo, now=NOW_MS / 1000 - 600)
    saw = floor.machines[demo.machine_id]
    assert not floor.plan_stop(stop, stop.end)  # over already (a replay after a restart)
    assert floor.plan_stop(stop, stop.start - 1) and floor.plan_stop(stop, stop.start - 1)
    assert len(saw.stops) == 1
    floor.step(stop.start + 1)
    assert saw.state == "OFF" and saw.wear.fitted == stop.end  # the new blade, from its end
    floor.step(stop.end + 1)
    assert saw.state != "OFF" and not saw.stops
    assert saw.wear.effect(stop.end + 1).running == 1.0


def test_the_simulator_stops_the_machine_where_the_task_was_moved_to():
    demo = DemoWear()
    floor = network(wear=demo, now=NOW_MS / 1000 - 600)
    saw = floor.machines[demo.machine_id]
    first = MaintenanceStop(demo.machine_id, "t1", NOW_MS / 1000, NOW_MS / 1000 + 6)
    moved = MaintenanceStop(demo.machine_id, "t1", NOW_MS / 1000 + 60, NOW_MS / 1000 + 66)
    assert floor.plan_stop(first, first.start - 1) and floor.plan_stop(moved, first.start - 1)
    floor.step(first.start + 1)
    assert saw.state != "OFF"  # not stopped in the window it had
    floor.step(moved.start + 1)
    assert saw.state == "OFF" and saw.wear.fitted == moved.end
