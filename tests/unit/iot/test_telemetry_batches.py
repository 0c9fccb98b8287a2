"""NATS telemetry is taken a loop turn's worth of messages at a time: the batch decides what taking
the messages one by one decides (state changes, counts), and each message is judged alone:
a resent one is refused once, a poison one costs only itself."""

import time

import pytest

from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail_factory.signals.profiles import PROFILES
from services.iot.domain.telemetry import Rejection
from services.iot.domain.values import LiveState
from services.iot.intake import DROPPED, Inbox, TelemetryIntake
from tests.unit.iot.live_fleet import intake_with

pytestmark = pytest.mark.unit

SAW = PROFILES["panel_saw"]
MACHINES = ("SAW-1", "SAW-2")


class Message:
    """What nats-py hands the intake: subject, data, reply inbox, and respond()."""

    def __init__(self, subject: str, data: bytes, reply: str = ""):
        self.subject, self.data, self.reply = subject, data, reply
        self.responses: list[pb.StreamTelemetryResponse] = []

    async def respond(self, data: bytes) -> None:
        self.responses.append(pb.StreamTelemetryResponse.FromString(data))


def _intake() -> TelemetryIntake:
    return intake_with(dict.fromkeys(MACHINES, "panel_saw"), rated_power_kw=18.0)


START_MS = int(time.time() * 1000) - 600_000


def _sample(machine_id: str, i: int, amps: float, reply: str = "") -> Message:
    """A live message: one sample, a batch id per (machine, second)."""
    batch = pb.TelemetryBatch(factory_id="F1", machine_id=machine_id, batch_id=f"{machine_id}-{i}")
    batch.current_samples.add(timestamp_unix_ms=START_MS + 1000 * i, amperes=amps)
    return Message(f"dovetail.telemetry.F1.{machine_id}", batch.SerializeToString(), reply)


def _idle_then_running(machine_id: str, idle_s: int = 20, running_s: int = 20) -> list[Message]:
    levels = [SAW.idle_amps] * idle_s + [SAW.running_amps] * running_s
    return [_sample(machine_id, i, amps) for i, amps in enumerate(levels)]


def _interleaved(*streams: list[Message]) -> list[Message]:
    return [m for group in zip(*streams, strict=True) for m in group]


def _changes(intake: TelemetryIntake) -> list[tuple[str, LiveState, LiveState, int]]:
    found = []
    while not intake._changes.empty():
        t = intake._changes.get_nowait()
        found.append((t.machine_id, t.from_state, t.to_state, t.at_ms))
    return found


async def test_a_batch_spanning_a_state_change_records_what_one_by_one_records():
    messages = _interleaved(_idle_then_running("SAW-1"), _idle_then_running("SAW-2", 25, 15))
    one_by_one, batched = _intake(), _intake()
    for msg in messages:
        machine_id = msg.subject.rsplit(".", 1)[1]
        one_by_one.take(one_by_one.trackers[machine_id], pb.TelemetryBatch.FromString(msg.data),
                        "F1")

    accepted = await batched.take_messages(messages)

    expected = _changes(one_by_one)
    assert accepted == batched.accepted == len(messages)
    assert _changes(batched) == expected
    assert [(m, to) for m, _, to, _ in expected if to == LiveState.RUNNING] == [
        ("SAW-1", LiveState.RUNNING), ("SAW-2", LiveState.RUNNING)]
    assert {"SAW-1", "SAW-2"} <= batched._marked  # their statuses go out at once
    assert batched.trackers["SAW-1"].public_state() == LiveState.RUNNING


async def test_a_state_change_split_across_batches_is_recorded_once():
    messages = _idle_then_running("SAW-1")
    whole, split = _intake(), _intake()

    await whole.take_messages(messages)
    for cut in range(0, len(messages), 7):
        await split.take_messages(messages[cut:cut + 7])

    assert _changes(split) == _changes(whole)
    assert split.accepted == whole.accepted == len(messages)


async def test_a_message_resent_within_a_batch_or_the_next_is_refused_and_counted_once():
    intake = _intake()
    messages = _idle_then_running("SAW-1", 5, 0)
    resent = _sample("SAW-1", 2, SAW.idle_amps)

    first = await intake.take_messages(messages[:4] + [resent] + messages[4:])
    second = await intake.take_messages([_sample("SAW-1", 4, SAW.idle_amps)])

    assert (first, second) == (5, 0)
    assert intake.accepted == 5
    assert intake.refused.counts == {Rejection.DUPLICATE_BATCH: 2}


async def test_a_poison_message_is_refused_alone_and_its_sender_told_why():
    intake = _intake()
    good = _idle_then_running("SAW-1", 10, 0)
    garbage = Message("dovetail.telemetry.F1.SAW-1", b"\xff\xfe not a TelemetryBatch", "inbox.1")
    no_machine = Message("dovetail.telemetry.F1", good[0].data)
    other_machine = Message("dovetail.telemetry.F1.SAW-2", good[1].data, "inbox.2")

    accepted = await intake.take_messages(good[:5] + [garbage, no_machine, other_machine]
                                          + good[5:])
    await _replies_sent(intake)

    assert accepted == intake.accepted == 10
    assert intake.refused.counts == {Rejection.INVALID_VALUE: 2, Rejection.WRONG_FACTORY: 1}
    (told,) = garbage.responses
    assert (told.samples_accepted, told.samples_rejected) == (0, 1)
    assert told.rejections[0].reason == pb.TELEMETRY_REJECTION_REASON_INVALID_VALUE
    assert other_machine.responses[0].rejections[0].reason == (
        pb.TELEMETRY_REJECTION_REASON_WRONG_FACTORY)


async def test_a_message_that_breaks_its_tracker_costs_only_itself():
    intake = _intake()
    broken = intake.trackers["SAW-2"]

    def take_sample(*args, **kwargs):
        raise RuntimeError("a fault in the classifier")

    broken.take_sample = take_sample
    messages = _interleaved(_idle_then_running("SAW-1", 10, 0), _idle_then_running("SAW-2", 10, 0))

    accepted = await intake.take_messages(messages)

    assert accepted == 10
    assert intake.refused.counts == {Rejection.INVALID_VALUE: 10}
    assert "could not be taken" in intake.refused.messages[Rejection.INVALID_VALUE]


async def test_an_unknown_machine_in_a_batch_is_refused_and_the_others_keep_their_order():
    intake = _intake()
    intake._unknown["GHOST"] = time.monotonic() + 60  # looked up a moment ago: not registered
    saw = _idle_then_running("SAW-1")
    ghost = [_sample("GHOST", i, SAW.idle_amps) for i in range(3)]

    accepted = await intake.take_messages(saw[:10] + ghost + saw[10:])

    assert accepted == len(saw)
    assert intake.refused.counts == {Rejection.UNKNOWN_MACHINE: 3}
    assert [to for _, _, to, _ in _changes(intake)][-1] == LiveState.RUNNING


async def test_the_inbox_hands_over_the_oldest_messages_a_turn_at_a_time_and_drops_past_its_limit():
    inbox = Inbox(limit=5)
    dropped = DROPPED._value.get()
    for i in range(7):
        await inbox.put(i)

    first, second = inbox.take(3), inbox.take(3)

    assert (first, second) == ([0, 1, 2], [3, 4])
    assert DROPPED._value.get() - dropped == 2
    assert not inbox.arrived.is_set() and not inbox.messages


async def _replies_sent(intake: TelemetryIntake) -> None:
    for task in list(intake._replies):
        await task


async def test_machines_whose_samples_wait_in_the_inbox_are_not_judged_silent():
    intake = _intake()
    await intake.take_messages([_sample(m, 0, SAW.idle_amps) for m in MACHINES])
    _changes(intake)
    now = time.time()
    offline_after = intake.settings.offline_after_s
    for tracker in intake.trackers.values():  # last heard longer ago than offline_after_s
        tracker.liveness.last_heard = now - 3 * offline_after
    intake._inbox = Inbox(limit=100)
    for m in MACHINES:  # ... and the next sample of each came just after, still waiting
        await intake._inbox.put(_sample(m, 1, SAW.idle_amps))
    intake._inbox.arrivals = type(intake._inbox.arrivals)(
        [now - 3 * offline_after + 1] * len(MACHINES))

    await intake.sweep()

    assert intake.taken_up_to() == now - 3 * offline_after + 1
    assert [to for _, _, to, _ in _changes(intake)] == []
    intake._inbox.take(len(MACHINES))  # taken (or lost): now silence is silence
    await intake.sweep()
    assert [to for _, _, to, _ in _changes(intake)] == [LiveState.OFFLINE] * len(MACHINES)
