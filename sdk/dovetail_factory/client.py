"""`FactoryClient`: one small factory's connection to the chain.

    async with FactoryClient("127.0.0.1", key) as factory:
        for machine in await factory.machines():
            print(machine.machine_id, machine.status.state)
        async for change in factory.assignments():          # reconnects and resumes by itself
            ...
            await factory.report(change.assignment.operation_id, "start",
                                 change.assignment.machine_id)

Every call that is safe to repeat is retried on UNAVAILABLE / DEADLINE_EXCEEDED with backoff;
reports carry an idempotency key chosen once per report and reused on its retries; telemetry
waits in a bounded buffer while the link is down and is sent, oldest first, once it is back.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import field_mask_pb2, timestamp_pb2

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import stock_service_pb2 as stock_pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as stock_grpc
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.iot.v1 import iot_service_pb2_grpc as iot_grpc
from dovetail.scheduling.v1 import scheduling_service_pb2 as sched_pb
from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as sched_grpc
from dovetail_factory.book import AssignmentBook
from dovetail_factory.connection import (
    Backoff,
    Endpoints,
    RetryPolicy,
    TlsConfig,
    open_channel,
    resolve_endpoints,
    with_retry,
)
from dovetail_factory.errors import NotFound, WrongKey, from_rpc_error
from dovetail_factory.models import (
    AssignmentChange,
    CurrentSample,
    EnergyReport,
    Factory,
    Machine,
    MachineStatus,
    OeeDay,
    ReportKind,
    ReportReceipt,
    ScheduledOperation,
    Shift,
    TelemetryResult,
    machine_type_value,
    risk_name,
)
from dovetail_factory.spool import MemorySpool, TelemetrySpool
from dovetail_factory.stock import Batch, BatchDetail, BoardKind, Stock, current_shift, in_shift
from dovetail_factory.telemetry import make_batches

log = logging.getLogger("dovetail_factory")
# A long-lived stream reconnects on these; anything else (wrong key, not allowed) is raised.
RECONNECT = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                       grpc.StatusCode.CANCELLED, grpc.StatusCode.INTERNAL,
                       grpc.StatusCode.UNKNOWN, grpc.StatusCode.ABORTED,
                       grpc.StatusCode.RESOURCE_EXHAUSTED})
TELEMETRY_CHUNK = 100  # batches per StreamTelemetry call
TELEMETRY_TIMEOUT_S = 60.0
MACHINE_FIELDS = ("name", "machine_type", "speed_factor", "rated_power_kw", "sensor_kind",
                  "calibration", "batch_capacity", "active")


def default_state_dir() -> Path:
    """Where the SDK keeps assignment books and telemetry buffers by default."""
    home = os.environ.get("DOVETAIL_FACTORY_HOME")
    if home:
        return Path(home).expanduser() / "state"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "dovetail-factory"


def _timestamp(at: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC))
    return stamp


def _date_pb(d: date) -> types_pb2.Date:
    return types_pb2.Date(year=d.year, month=d.month, day=d.day)


def _ms(at: datetime) -> int:
    return int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() * 1000)


class FactoryClient:
    """A factory's client of the Dovetail services, authenticated by its API key.

    target: ``host`` (default ports of a local deployment), ``host:port`` (one ingress for
        both services) or with ``https://`` for TLS; ``iot_target`` when iot lives elsewhere.
    tls: ``True`` for TLS with the system's roots, a ``TlsConfig`` for a CA bundle or a client
        certificate, ``None`` to follow the target's scheme (plaintext without one).
    configurator_target: the configurator's address (board stock), when it is elsewhere.
    factory_id: skip looking it up (it is found from the key through iot otherwise).
    state_dir: where the assignment book is kept (``consumer`` names it, so two programs
        following the same factory keep separate books); defaults to ~/.local/state.
    spool: the telemetry buffer (in memory by default; ``DiskSpool`` survives restarts).
    """

    def __init__(self, target: str, key: str, *, tls: TlsConfig | bool | None = None,
                 iot_target: str | None = None, factory_id: str | None = None,
                 state_dir: str | Path | None = None, consumer: str = "default",
                 spool: TelemetrySpool | None = None, retry: RetryPolicy | None = None,
                 configurator_target: str | None = None):
        if not key or not key.strip():
            raise WrongKey("no API key: pass the factory's key (dvt_factory_…)")
        self.endpoints: Endpoints = resolve_endpoints(target, iot_target, tls,
                                                      configurator_target)
        self._metadata = (("authorization", f"Bearer {key.strip()}"),)
        self._factory_id = factory_id
        self.retry = retry or RetryPolicy()
        identity = hashlib.sha256(f"{self.endpoints.scheduling}|{key.strip()}".encode())
        self.identity = identity.hexdigest()[:16]
        self.state_dir = Path(state_dir).expanduser() if state_dir else default_state_dir()
        self.book = AssignmentBook.open(
            self.state_dir / f"assignments-{self.identity}-{consumer}.json", self.identity)
        self.spool: TelemetrySpool = spool if spool is not None else MemorySpool()
        self.link = "not connected"  # of the assignment stream, for display
        self.on_link: Callable[[str], None] | None = None
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._telemetry_backoff = Backoff(1.0, 30.0)
        self._telemetry_retry_at = 0.0

    # ---- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> FactoryClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        channels, self._channels = self._channels, {}
        for channel in channels.values():
            await channel.close()

    def _channel(self, service: str) -> grpc.aio.Channel:
        channel = self._channels.get(service)
        if channel is None:
            channel = open_channel(getattr(self.endpoints, service), self.endpoints.tls)
            self._channels[service] = channel
        return channel

    @property
    def _scheduling(self) -> sched_grpc.SchedulingServiceStub:
        return sched_grpc.SchedulingServiceStub(self._channel("scheduling"))

    @property
    def _iot(self) -> iot_grpc.IotServiceStub:
        return iot_grpc.IotServiceStub(self._channel("iot"))

    @property
    def _stock(self) -> stock_grpc.StockServiceStub:
        return stock_grpc.StockServiceStub(self._channel("configurator"))

    async def _call(self, service: str, method: str, request: Any, *, retry: bool = True) -> Any:
        stub = (self._scheduling if service == "scheduling" else
                self._stock if service == "configurator" else self._iot)
        rpc = getattr(stub, method)
        where = getattr(self.endpoints, service)

        async def attempt(timeout: float) -> Any:
            return await rpc(request, metadata=self._metadata, timeout=timeout)

        if retry:
            return await with_retry(attempt, self.retry, where)
        try:
            return await attempt(self.retry.timeout_s)
        except grpc.aio.AioRpcError as exc:
            raise from_rpc_error(exc, where) from None

    def _set_link(self, text: str) -> None:
        self.link = text
        if self.on_link is not None:
            self.on_link(text)

    # ---- who am I ----------------------------------------------------------------------------

    async def factory(self) -> Factory:
        """This key's factory as iot registered it (raises NotFound before registration)."""
        reply = await self._call("iot", "ListFactories", iot_pb.ListFactoriesRequest(
            include_inactive=True))
        if not reply.factories:
            raise NotFound("this key's factory is not registered yet: ask the chain leader "
                           "to register it")
        factory = Factory.from_pb(reply.factories[0])
        self._factory_id = factory.factory_id
        return factory

    async def factory_id(self) -> str:
        if not self._factory_id:
            await self.factory()
        assert self._factory_id
        return self._factory_id

    async def set_shifts(self, shifts: Sequence[Shift], *, closed_days: Sequence[date] = (),
                         expected_version: int = 0) -> Factory:
        """Replace the factory's weekly shift calendar (and close some days)."""
        calendar = iot_pb.ShiftCalendar(
            weekly_shifts=[s.to_pb() for s in shifts],
            exceptions=[iot_pb.CalendarException(date=_date_pb(d), closed=True)
                        for d in closed_days])
        reply = await self._call("iot", "UpdateFactory", iot_pb.UpdateFactoryRequest(
            factory=iot_pb.Factory(factory_id=await self.factory_id(), shift_calendar=calendar),
            update_mask=field_mask_pb2.FieldMask(paths=["shift_calendar"]),
            expected_version=expected_version))
        return Factory.from_pb(reply.factory)

    # ---- machines ----------------------------------------------------------------------------

    async def register_machine(self, machine_id: str, machine_type: str, *, name: str = "",
                               speed_factor: float = 1.0, rated_power_kw: float = 0.0,
                               cnc: bool = False, batch_capacity: int = 0,
                               calibration: dict[str, Any] | None = None) -> Machine:
        """Register a machine of this factory (idempotent by machine id).

        cnc: the machine reports its controller's states; otherwise a clamp-on current sensor
        feeds iot's classifier. calibration: SensorCalibration fields, e.g.
        ``{"idle_level_amperes": 8.0, ...}`` (levels are learnt from the signal when unset).
        """
        reply = await self._call("iot", "RegisterMachine", iot_pb.RegisterMachineRequest(
            factory_id=await self.factory_id(), machine_id=machine_id, name=name or machine_id,
            machine_type=machine_type_value(machine_type), speed_factor=speed_factor,
            rated_power_kw=rated_power_kw,
            sensor_kind=iot_pb.SENSOR_KIND_CNC_CONTROLLER if cnc
            else iot_pb.SENSOR_KIND_CURRENT_SENSOR,
            calibration=iot_pb.SensorCalibration(**(calibration or {})),
            batch_capacity=batch_capacity))
        return Machine.from_pb(reply.machine)

    async def update_machine(self, machine_id: str, *, expected_version: int = 0,
                             **changes: Any) -> Machine:
        """Change some of a machine's fields (name, machine_type, speed_factor, rated_power_kw,
        sensor_kind, calibration, batch_capacity, active); the rest stays."""
        unknown = set(changes) - set(MACHINE_FIELDS)
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))}; "
                             f"use {', '.join(MACHINE_FIELDS)}")
        fields = dict(changes)
        if isinstance(fields.get("machine_type"), str):
            fields["machine_type"] = machine_type_value(fields["machine_type"])
        if isinstance(fields.get("sensor_kind"), str):
            fields["sensor_kind"] = iot_pb.SensorKind.Value(
                f"SENSOR_KIND_{fields['sensor_kind'].upper()}")
        if isinstance(fields.get("calibration"), dict):
            fields["calibration"] = iot_pb.SensorCalibration(**fields["calibration"])
        reply = await self._call("iot", "UpdateMachine", iot_pb.UpdateMachineRequest(
            machine=iot_pb.Machine(machine_id=machine_id, **fields),
            update_mask=field_mask_pb2.FieldMask(paths=list(changes)),
            expected_version=expected_version))
        return Machine.from_pb(reply.machine)

    async def machines(self, *, include_inactive: bool = False) -> list[Machine]:
        """The factory's machines, each with its live status."""
        out: list[Machine] = []
        token = ""
        while True:
            reply = await self._call("iot", "ListMachines", iot_pb.ListMachinesRequest(
                factory_id=self._factory_id or "", include_inactive=include_inactive,
                page=types_pb2.PageRequest(page_size=200, page_token=token)))
            out += [Machine.from_pb(m, s) for m, s in zip(reply.machines, reply.statuses,
                                                          strict=False)]
            token = reply.next_page_token
            if not token:
                return out

    async def machine_status(self, machine_id: str) -> MachineStatus:
        reply = await self._call("iot", "GetMachineStatus",
                                 iot_pb.GetMachineStatusRequest(machine_id=machine_id))
        return MachineStatus.from_pb(reply.status)

    async def watch_machines(self, machine_ids: Iterable[str] = ()) -> AsyncIterator[MachineStatus]:
        """Every machine's status, then each change as it happens; reconnects by itself."""
        backoff = Backoff()
        request = iot_pb.WatchMachineStatusRequest(factory_id=self._factory_id or "",
                                                   machine_ids=list(machine_ids))
        while True:
            call = self._iot.WatchMachineStatus(request, metadata=self._metadata)
            try:
                async for item in call:
                    backoff.reset()
                    yield MachineStatus.from_pb(item.status)
            except grpc.aio.AioRpcError as exc:
                if exc.code() not in RECONNECT:
                    raise from_rpc_error(exc, self.endpoints.iot) from None
            finally:
                call.cancel()
            await asyncio.sleep(backoff.next())

    # ---- assignments -------------------------------------------------------------------------

    async def assignments(self, *, machine_ids: Iterable[str] = (),
                          book: AssignmentBook | None = None) -> AsyncIterator[AssignmentChange]:
        """The factory's assignment changes, forever: first what it holds now (or what changed
        since the book's last sequence), then each change as it happens.

        The stream reconnects by itself with backoff and resumes after the last change handed
        out, which the book records on disk before handing it out: across broken links,
        server restarts and restarts of this program, no change is missed or given twice.
        Raises WrongKey / NotAllowed; never ServerUnavailable (it keeps trying).
        """
        book = book if book is not None else self.book
        backoff = Backoff()
        wanted = list(machine_ids)
        while True:
            call = self._scheduling.SubscribeAssignments(
                sched_pb.SubscribeAssignmentsRequest(resume_after_sequence=book.sequence,
                                                     machine_ids=wanted),
                metadata=self._metadata)
            self._set_link("connecting")
            reason = "the server ended the stream"
            try:
                async for item in call:
                    if self.link != "connected":
                        self._set_link("connected")
                    backoff.reset()
                    change = AssignmentChange.from_pb(item)
                    if book.apply(change):
                        yield change
            except grpc.aio.AioRpcError as exc:
                if exc.code() not in RECONNECT:
                    self._set_link(f"refused: {exc.details()}")
                    raise from_rpc_error(exc, self.endpoints.scheduling) from None
                reason = exc.details() or exc.code().name
            finally:
                call.cancel()
            delay = backoff.next()
            self._set_link(f"reconnecting in {delay:.1f} s ({reason})")
            log.info("assignment stream lost (%s); resuming after %d in %.1f s",
                     reason, book.sequence, delay)
            await asyncio.sleep(delay)

    async def schedule(self) -> list[ScheduledOperation]:
        """The factory's operations in the current plan, per machine (no stream needed)."""
        reply = await self._call("scheduling", "GetSchedule", sched_pb.GetScheduleRequest(
            factory_id=self._factory_id or ""))
        out = []
        for lane in reply.lanes:
            for bar in lane.bars:
                out.append(ScheduledOperation(
                    operation_id=bar.operation_id, order_id=bar.order_id, seq=bar.seq,
                    machine_id=lane.machine_id,
                    start=datetime.fromtimestamp(bar.start_unix_ms / 1000, UTC),
                    end=datetime.fromtimestamp(bar.end_unix_ms / 1000, UTC),
                    status=sched_pb.OperationStatus.Name(bar.status).removeprefix(
                        "OPERATION_STATUS_"),
                    risk=risk_name(bar.risk)))
        return out

    async def report(self, operation_id: str, kind: ReportKind | str, machine_id: str = "", *,
                     quantity: int = 0, reason: str = "", note: str = "",
                     occurred_at: datetime | None = None,
                     idempotency_key: str | None = None) -> ReportReceipt:
        """Report an operation started, finished or scrapped (kind: start / finish / scrap).

        The idempotency key is chosen once (pass your own to make a retry across program
        restarts safe) and reused on every retry, as is the time of the report: a report that
        reached the server before the link broke is answered ``duplicate=True``, never
        recorded twice. Raises OutOfOrder when the report does not follow from what happened
        (e.g. finishing what never started), with the server's explanation.
        """
        kind = ReportKind.parse(kind)
        key = idempotency_key or f"dvf-{uuid.uuid4().hex}"
        request = sched_pb.ReportOperationRequest(
            operation_id=operation_id.strip(), kind=kind.pb, idempotency_key=key,
            machine_id=machine_id.strip(), occurred_at=_timestamp(occurred_at or datetime.now(UTC)),
            scrap_quantity=quantity, scrap_reason=reason, note=note)
        reply = await self._call("scheduling", "ReportOperation", request)
        return ReportReceipt(operation_id=reply.operation_id, order_id=reply.order_id,
                             status=sched_pb.OperationStatus.Name(reply.status).removeprefix(
                                 "OPERATION_STATUS_"),
                             duplicate=reply.duplicate, idempotency_key=key)

    # ---- telemetry ---------------------------------------------------------------------------

    async def send_telemetry(self, data: Iterable[CurrentSample] | Iterable[iot_pb.TelemetryBatch],
                             *, force: bool = False,
                             on_progress: Callable[[int], None] | None = None) -> TelemetryResult:
        """Queue samples (or ready batches) and send everything queued, oldest first.

        While the link is down nothing is raised: the batches wait in the buffer
        (``result.link_down``, ``result.batches_buffered``) and go with the next send or
        ``flush_telemetry()``. Raises WrongKey / NotAllowed.
        """
        items = list(data)
        batches = [b for b in items if isinstance(b, iot_pb.TelemetryBatch)]
        samples = [s for s in items if isinstance(s, CurrentSample)]
        batches += make_batches(samples, self._factory_id or "")
        dropped = self.spool.put(batches)
        result = await self.flush_telemetry(force=force, on_progress=on_progress)
        result.batches_dropped += dropped
        return result

    async def flush_telemetry(self, *, force: bool = True,
                              on_progress: Callable[[int], None] | None = None) -> TelemetryResult:
        """Send what the buffer holds. Without ``force`` a link that just failed is given
        time (growing backoff) before the next try, so senders are not slowed down."""
        result = TelemetryResult()
        if not force and time.monotonic() < self._telemetry_retry_at and len(self.spool):
            result.link_down, result.batches_buffered = True, len(self.spool)
            return result
        while True:
            batches = self.spool.peek(TELEMETRY_CHUNK)
            if not batches:
                break
            try:
                summary = await self._stream(batches)
            except grpc.aio.AioRpcError as exc:
                if exc.code() not in RECONNECT:
                    raise from_rpc_error(exc, self.endpoints.iot) from None
                self._telemetry_retry_at = time.monotonic() + self._telemetry_backoff.next()
                result.link_down = True
                log.info("telemetry link down (%s); %d batches buffered", exc.code().name,
                         len(self.spool))
                break
            self._telemetry_backoff.reset()
            self._telemetry_retry_at = 0.0
            self.spool.remove([b.batch_id for b in batches])
            result.add(_result_of(summary, len(batches)))
            if on_progress is not None:
                on_progress(len(batches))
        result.batches_buffered = len(self.spool)
        return result

    async def _stream(self, batches: list[iot_pb.TelemetryBatch]) -> iot_pb.StreamTelemetryResponse:
        requests = [iot_pb.StreamTelemetryRequest(batch=b) for b in batches]
        return await self._iot.StreamTelemetry(iter(requests), metadata=self._metadata,
                                               timeout=TELEMETRY_TIMEOUT_S)

    # ---- energy and OEE ----------------------------------------------------------------------

    async def energy(self, start: datetime, end: datetime, *, machine_id: str | None = None,
                     bucket_seconds: int = 0) -> EnergyReport:
        """kWh and kg CO2e of the factory (or one machine) over [start, end)."""
        window = types_pb2.TimeWindow(start_unix_ms=_ms(start), end_unix_ms=_ms(end))
        if machine_id:
            request = iot_pb.GetEnergyRequest(machine_id=machine_id, window=window,
                                              bucket_seconds=bucket_seconds)
        else:
            request = iot_pb.GetEnergyRequest(factory_id=await self.factory_id(), window=window,
                                              bucket_seconds=bucket_seconds)
        reply = await self._call("iot", "GetEnergy", request)
        return EnergyReport(kwh=reply.kwh, kg_co2e=reply.kg_co2e, buckets=[
            (datetime.fromtimestamp(b.start_unix_ms / 1000, UTC), b.kwh, b.kg_co2e)
            for b in reply.buckets])

    async def oee(self, day: date, end_day: date | None = None, *,
                  machine_id: str | None = None) -> list[OeeDay]:
        """OEE per day for the factory (then per machine and day), or for one machine."""
        kwargs: dict[str, Any] = {"day": _date_pb(day)}
        if end_day is not None:
            kwargs["end_day"] = _date_pb(end_day)
        if machine_id:
            kwargs["machine_id"] = machine_id
        else:
            kwargs["factory_id"] = await self.factory_id()
        reply = await self._call("iot", "GetOee", iot_pb.GetOeeRequest(**kwargs))
        return [OeeDay.from_pb(r) for r in [*reply.days, *reply.machines]]


    # ---- board stock (issue 20) -------------------------------------------------------------

    async def stock(self) -> Stock:
        """The factory's boards on hand, reserved and on order, its offcuts, its batches
        (newest first) and what the planned batches are short of."""
        reply = await self._call("configurator", "GetStock", stock_pb.GetStockRequest(
            factory_id=await self.factory_id()))
        return Stock.from_pb(reply.stock)

    async def receive_boards(self, kind: BoardKind, quantity: int, *, purchase_ref: str = "",
                             note: str = "", key: str | None = None) -> Stock:
        """Sheets received (against a purchase when ``purchase_ref`` names one). The key is
        chosen once and reused on every retry, so a receipt that reached the server before
        the link broke is recorded once; pass your own to retry across restarts."""
        request = stock_pb.ReceiveBoardsRequest(
            factory_id=await self.factory_id(), kind=kind.to_pb(), quantity=quantity,
            purchase_ref=purchase_ref.strip(), note=note, key=key or f"dvf-{uuid.uuid4().hex}")
        reply = await self._call("configurator", "ReceiveBoards", request)
        return Stock.from_pb(reply.stock)

    async def count_boards(self, kind: BoardKind, counted: int, *,
                           note: str = "") -> tuple[int, Stock]:
        """A stocktake of one kind: the count replaces what stock thought. Returns the
        difference (counted - what stock thought) and the stock. Repeating it changes nothing
        more (the second count finds what the first set)."""
        reply = await self._call("configurator", "CountBoards", stock_pb.CountBoardsRequest(
            factory_id=await self.factory_id(), kind=kind.to_pb(), counted=counted, note=note))
        return reply.difference, Stock.from_pb(reply.stock)

    async def shift_batches(self, now: datetime | None = None) -> list[Batch]:
        """The cutting batches of the factory's current shift (nested during it, or named
        after its start as the workspace names them), newest first."""
        factory, found = await self.factory(), await self.stock()
        shift = current_shift(factory, now or datetime.now(UTC))
        return [b for b in found.batches if in_shift(b, shift)]

    async def batch(self, batch: str, *, diagrams: bool = True) -> BatchDetail:
        """A batch as it was nested: boards with their cutting diagrams (SVG), every part
        with its order, the cut list (CSV). NotFound for a batch the factory never nested."""
        reply = await self._call("configurator", "GetBatch", stock_pb.GetBatchRequest(
            factory_id=await self.factory_id(), batch=batch.strip(), include_svg=diagrams))
        return BatchDetail.from_pb(reply)


def _result_of(summary: iot_pb.StreamTelemetryResponse, batches: int) -> TelemetryResult:
    duplicate = sum(r.count for r in summary.rejections
                    if r.reason == iot_pb.TELEMETRY_REJECTION_REASON_DUPLICATE_BATCH)
    return TelemetryResult(
        batches_sent=batches, samples_accepted=summary.samples_accepted,
        samples_rejected=summary.samples_rejected - duplicate, samples_duplicate=duplicate,
        rejections=[f"{iot_pb.TelemetryRejectionReason.Name(r.reason).removeprefix('TELEMETRY_REJECTION_REASON_').lower()}: "
                    f"{r.message} ({r.count} samples)"
                    for r in summary.rejections
                    if r.reason != iot_pb.TELEMETRY_REJECTION_REASON_DUPLICATE_BATCH])

