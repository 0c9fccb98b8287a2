"""The client's own logic against fake stubs: resuming a broken stream, retrying a report
with the same key, buffering telemetry while the link is down."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from dovetail_factory import (
    CurrentSample,
    FactoryClient,
    MemorySpool,
    RetryPolicy,
    ServerUnavailable,
    WrongKey,
)

pytestmark = pytest.mark.unit


def rpc_error(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), code.name)


def item(seq: int) -> pb.SubscribeAssignmentsResponse:
    return pb.SubscribeAssignmentsResponse(
        sequence=seq, kind=pb.ASSIGNMENT_CHANGE_KIND_ASSIGNED, live=True,
        assignment=pb.Assignment(operation_id=f"o/op-{seq}", order_id="o", seq=seq,
                                 machine_id="SAW", duration_seconds=60))


class Stream:
    def __init__(self, items, error=None):
        self.items, self.error = items, error

    def __aiter__(self):
        return self._run()

    async def _run(self):
        for i in self.items:
            yield i
        if self.error is not None:
            raise self.error
        await asyncio.Event().wait()  # stays open, like a live feed

    def cancel(self):
        pass


class FlakyScheduling:
    """Breaks the stream twice; the second time it also repeats a change already sent."""

    def __init__(self):
        self.resumed_after: list[int] = []
        self.reports: list[pb.ReportOperationRequest] = []
        self.report_failures = [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED]

    def SubscribeAssignments(self, request, metadata):
        after = request.resume_after_sequence
        self.resumed_after.append(after)
        unavailable = rpc_error(grpc.StatusCode.UNAVAILABLE)
        if after == 0:
            return Stream([item(1), item(2), item(3)], unavailable)
        if after == 3:
            return Stream([item(3), item(4), item(5)], unavailable)
        return Stream([item(s) for s in range(after + 1, 7)])

    async def ReportOperation(self, request, metadata, timeout):
        self.reports.append(request)
        if self.report_failures:
            raise rpc_error(self.report_failures.pop(0))
        return pb.ReportOperationResponse(operation_id=request.operation_id, order_id="o",
                                          status=pb.OPERATION_STATUS_STARTED)


@pytest.fixture
def scheduling(monkeypatch):
    fake = FlakyScheduling()
    real = FactoryClient._scheduling
    # Only this test's clients (target h:1) meet the fake: a client left running by another
    # test in the same event loop keeps its real server.
    monkeypatch.setattr(FactoryClient, "_scheduling", property(
        lambda self: fake if self.endpoints.scheduling.startswith("h:1") else real.fget(self)))
    return fake


async def take(client: FactoryClient, n: int) -> list[int]:
    seen = []
    async for change in client.assignments():
        seen.append(change.sequence)
        if len(seen) == n:
            break
    return seen


async def test_a_broken_stream_resumes_after_the_last_change_and_never_repeats(
        scheduling, tmp_path):
    client = FactoryClient("h:1", "k", state_dir=tmp_path)
    links = []
    client.on_link = links.append
    assert await take(client, 6) == [1, 2, 3, 4, 5, 6]
    assert scheduling.resumed_after == [0, 3, 5]
    assert any(link.startswith("reconnecting") for link in links)

    restarted = FactoryClient("h:1", "k", state_dir=tmp_path)
    assert restarted.book.sequence == 6 and len(restarted.book.held) == 6
    task = asyncio.create_task(take(restarted, 1))
    await asyncio.sleep(0.05)
    task.cancel()
    assert scheduling.resumed_after[-1] == 6


async def test_a_report_is_retried_with_the_same_key_and_time(scheduling):
    client = FactoryClient("h:1", "k", retry=RetryPolicy(first_backoff_s=0.001))
    receipt = await client.report("o/op-1", "start", "SAW")
    first, second, third = scheduling.reports
    assert first.idempotency_key == second.idempotency_key == third.idempotency_key
    assert first.occurred_at == third.occurred_at
    assert first.kind == pb.OPERATION_REPORT_KIND_STARTED and receipt.status == "STARTED"
    assert receipt.idempotency_key == first.idempotency_key


async def test_reports_give_up_on_a_dead_server_and_never_retry_a_wrong_key(scheduling):
    client = FactoryClient("h:1", "k", retry=RetryPolicy(attempts=2, first_backoff_s=0.001))
    scheduling.report_failures = [grpc.StatusCode.UNAVAILABLE] * 2
    with pytest.raises(ServerUnavailable, match="h:1"):
        await client.report("o/op-1", "start")
    scheduling.report_failures = [grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNAVAILABLE]
    with pytest.raises(WrongKey):
        await client.report("o/op-1", "start")
    assert len(scheduling.reports) == 3


class Uplink:
    def __init__(self):
        self.up = True
        self.received: list[str] = []

    async def stream(self, batches):
        if not self.up:
            raise rpc_error(grpc.StatusCode.UNAVAILABLE)
        fresh = [b for b in batches if b.batch_id not in self.received]
        self.received += [b.batch_id for b in fresh]
        return iot_pb.StreamTelemetryResponse(
            batches_received=len(batches),
            samples_accepted=sum(len(b.current_samples) for b in fresh))


async def test_telemetry_waits_in_the_buffer_while_the_link_is_down_then_goes_once():
    client = FactoryClient("h:1", "k", spool=MemorySpool(max_batches=3))
    uplink = Uplink()
    client._stream = uplink.stream

    def samples(t: int) -> list[CurrentSample]:
        return [CurrentSample("SAW", t * 1000 + i, 10.0) for i in range(5)]

    assert (await client.send_telemetry(samples(1))).samples_accepted == 5
    uplink.up = False
    for t in range(2, 6):
        result = await client.send_telemetry(samples(t), force=True)
        assert result.link_down
    assert result.batches_buffered == 3 and result.batches_dropped == 1  # t=2 dropped
    skipped = await client.send_telemetry(samples(6))  # within backoff: buffered, not tried
    assert skipped.link_down and skipped.batches_buffered == 3

    uplink.up = True
    flushed = await client.flush_telemetry()
    assert (flushed.batches_sent, flushed.samples_accepted, flushed.batches_buffered) == (3, 15, 0)
    assert len(uplink.received) == len(set(uplink.received)) == 4
