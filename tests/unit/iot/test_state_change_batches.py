"""A fleet's state changes saved a writer round at a time: many machines in one transaction,
each machine's events in order, no read of a log the application already knows, nothing lost
when a save fails and the round is tried again."""

from __future__ import annotations

import pytest

from services.iot.application import IotApplication
from services.iot.domain.machine_state import MachineStateLog, state_log_key
from services.iot.domain.profiles import FactoryProfile, MachineProfile, SensorCalibration
from services.iot.domain.tracker import Transition
from services.iot.domain.values import LiveState
from services.kit.words import Words

pytestmark = pytest.mark.unit

CYCLE = [LiveState.IDLE, LiveState.RUNNING, LiveState.OFFLINE]


def _app() -> IotApplication:
    return IotApplication(env={"IOT_PERSISTENCE_MODULE": "eventsourcing.popo"})


def _round(machines: int, changes: int, start_ms: int = 1_000) -> list[Transition]:
    """`changes` changes of each machine, interleaved across machines as the intake sees them."""
    return [Transition(f"M{m:03d}", "F1", "panel_saw", CYCLE[(k - 1) % 3], CYCLE[k % 3],
                       start_ms + 1000 * k + m, Words(f"change {k}"))
            for k in range(changes) for m in range(machines)]


def _state_events(app: IotApplication) -> list:
    notifications = app.recorder.select_notifications(1, 100_000)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    return [e for e in events if type(e).__name__ == "StateChanged"]


def _fails_to_save(app: IotApplication, transitions: list[Transition]) -> None:
    """``transitions`` recorded while the database is away: the save raises."""
    put = app.events.put

    def broken(*args, **kwargs):
        raise ConnectionError("database away")

    app.events.put = broken
    try:
        with pytest.raises(ConnectionError):
            app.record_transitions(transitions)
    finally:
        app.events.put = put


def test_many_machines_changing_in_one_round_are_saved_once_each_in_order_per_machine():
    app = _app()

    app.record_transitions(_round(machines=200, changes=3))

    events = _state_events(app)
    assert len(events) == 600
    by_machine: dict[str, list] = {}
    for e in events:
        by_machine.setdefault(e.machine_id, []).append(e)
    assert len(by_machine) == 200
    for machine_id, mine in by_machine.items():
        assert [e.to_state for e in mine] == ["IDLE", "RUNNING", "OFFLINE"], machine_id
        assert [e.originator_version for e in mine] == sorted(e.originator_version for e in mine)
        assert mine[0].at_ms < mine[1].at_ms < mine[2].at_ms


def test_the_first_changes_of_machines_registered_here_read_no_state_log():
    app = _app()
    app.register_factory(FactoryProfile("F1", name="Works", timezone="Asia/Shanghai"))
    for m in range(50):
        app.register_machine(MachineProfile(
            f"M{m:03d}", "F1", machine_type="panel_saw", rated_power_kw=18.0,
            calibration=SensorCalibration(off_level_amperes=0.5, idle_level_amperes=8.0,
                                          running_level_amperes=30.0)))
    reads: list = []
    original = app.repository.get
    app.repository.get = lambda *a, **k: reads.append(a) or original(*a, **k)

    app.record_transitions(_round(machines=50, changes=1))
    app.record_transitions(_round(machines=50, changes=2, start_ms=100_000)[50:])

    assert reads == []
    assert app.state_log("M007").state == "RUNNING"
    assert app.repository.get(state_log_key("M007")).state == "RUNNING"


def test_a_round_whose_save_failed_is_saved_whole_when_tried_again():
    app = _app()
    app.record_transitions(_round(machines=5, changes=1))
    failing = _round(machines=5, changes=2, start_ms=50_000)[5:]  # each machine to RUNNING
    _fails_to_save(app, failing)
    app.record_transitions(failing)

    assert [e.to_state for e in _state_events(app)] == ["IDLE"] * 5 + ["RUNNING"] * 5
    assert all(app.repository.get(state_log_key(f"M{m:03d}")).state == "RUNNING"
               for m in range(5))


def test_a_state_log_is_snapshotted_from_memory_at_its_interval_and_loads_the_same():
    app = _app()
    interval = IotApplication.snapshotting_intervals[MachineStateLog]
    assert [app.state_log(f"M{m:03d}") for m in range(3)] == [None] * 3  # read once: none yet
    reads: list = []
    original = app.repository.get
    app.repository.get = lambda *a, **k: reads.append(a) or original(*a, **k)

    for k in range(interval):  # IDLE, RUNNING, OFFLINE (two events: a downtime opens) ...
        app.record_transitions(_round(machines=3, changes=k + 1)[3 * k:])
    app.repository.get = original

    assert reads == []
    log = app.state_log("M001")
    snapshots = app.snapshots.get(state_log_key("M001"))
    taken = list(snapshots)
    assert taken and all(s.originator_version <= log.version for s in taken)
    assert any(s.originator_version % interval <= 1 for s in taken)
    fresh = _app()
    fresh.recorder.insert_events(app.recorder.select_events(state_log_key("M001")))
    fresh.snapshots.recorder.insert_events(
        app.snapshots.recorder.select_events(state_log_key("M001")))
    loaded = fresh.repository.get(state_log_key("M001"))
    assert (loaded.version, loaded.state, loaded.downtimes) == (
        log.version, log.state, log.downtimes)


def test_a_round_whose_save_failed_is_tried_again_from_memory_without_reading_a_log():
    app = _app()
    app.record_transitions(_round(machines=50, changes=1))  # every log known here
    failing = _round(machines=50, changes=3, start_ms=50_000)[50:]  # RUNNING, then OFFLINE
    _fails_to_save(app, failing)
    assert app.state_log("M007").state == "IDLE"  # put back as it was, not half changed
    reads: list = []
    original = app.repository.get
    app.repository.get = lambda *a, **k: reads.append(a) or original(*a, **k)
    app.record_transitions(failing)
    app.repository.get = original

    assert reads == []
    by_machine: dict[str, list[str]] = {}
    for e in _state_events(app):
        by_machine.setdefault(e.machine_id, []).append(e.to_state)
    assert by_machine == {f"M{m:03d}": ["IDLE", "RUNNING", "OFFLINE"] for m in range(50)}
    stored = app.repository.get(state_log_key("M007"))
    assert (stored.state, stored.version) == ("OFFLINE", app.state_log("M007").version)
    assert len(stored.downtimes) == 1
