"""IotService over gRPC: thin handlers; rules live in the domain, numbers in the analytics.

A factory key acts for its own factory only: anything of another factory is PERMISSION_DENIED.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import date, timedelta

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail.iot.v1 import iot_service_pb2_grpc as pb_grpc
from services.iot import wire
from services.iot.analytics import Analytics, EnergyReport, FactoryFigures
from services.iot.application import IotApplication
from services.iot.domain.errors import (
    ChangedByOthers,
    DowntimeUnknown,
    FactoryInactive,
    FactoryNotRegistered,
    MachineNotRegistered,
    MachineOfAnotherFactory,
    RegisteredOtherwise,
    VersionMoved,
)
from services.iot.domain.profiles import FactoryProfile, MachineProfile
from services.iot.domain.registry import FACTORY_FIELDS, FACTORY_SELF_FIELDS, MACHINE_FIELDS
from services.iot.domain.telemetry import Refusals, Rejection
from services.iot.domain.tracker import NO_TELEMETRY
from services.iot.domain.values import LiveState, from_plain
from services.iot.intake import TelemetryIntake, summary
from services.iot.views import IotViews, page_args
from services.kit.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Violations,
    raising_categories,
)
from services.kit.rpc import current_principal
from services.kit.words import N_, Words

BOTH = ("admin", "factory")
ROLES = {
    "RegisterFactory": ("admin",),
    **{m: BOTH for m in (
        "UpdateFactory", "ListFactories", "RegisterMachine", "UpdateMachine", "ListMachines",
        "GetMachineStatus", "WatchMachineStatus", "StreamTelemetry", "DeclarePlannedStop",
        "SetDowntimeReason", "GetEnergy", "GetOee", "GetDowntime", "GetMachineHealth",
        "ListMachineHealth")},
    "GetFactoryKpis": ("admin",),
}
MAX_WINDOW_MS = 400 * 86_400_000
MAX_BUCKETS = 10_000
MAX_OEE_DAYS = 92
MAX_HEALTH_FACTORIES = 500


def own(factory_id: str) -> None:
    """The caller may act for this factory (admins for any)."""
    principal = current_principal()
    if not principal.is_admin and not principal.is_factory(factory_id):
        raise PermissionDenied(Words.of(N_("%(principal)s may not see or act for factory "
                                           "%(factory_id)s"),
            principal=principal, factory_id=factory_id))


def scope(requested: str) -> str | None:
    """The factory a list or watch covers: a factory key's own (None: all, admins only)."""
    principal = current_principal()
    if principal.is_admin:
        return requested or None
    if requested and requested != principal.subject:
        raise PermissionDenied(Words.of(N_("%(principal)s may not see factory %(requested)s"),
            principal=principal, requested=requested))
    return principal.subject


def window_of(w: types_pb2.TimeWindow, field: str = "window", required: bool = True
              ) -> tuple[int, int] | None:
    if not required and not w.start_unix_ms and not w.end_unix_ms:
        return None
    v = Violations()
    v.check(0 < w.start_unix_ms < w.end_unix_ms, field,
            N_("must have start_unix_ms and a later end_unix_ms"))
    v.check(w.end_unix_ms - w.start_unix_ms <= MAX_WINDOW_MS, field,
            N_("must span at most 400 days"))
    v.raise_if_any()
    return w.start_unix_ms, w.end_unix_ms


def _day(d: types_pb2.Date, field: str, v: Violations) -> date | None:
    try:
        return date(d.year, d.month, d.day)
    except ValueError:
        v.add(field, N_("must be a valid date"))
        return None


def days_of(request, v: Violations) -> list[date]:
    """The days from `day` to `end_day` (unset: `day` alone), at most MAX_OEE_DAYS of them."""
    first = _day(request.day, "day", v)
    last = _day(request.end_day, "end_day", v) if request.HasField("end_day") else first
    if first is None or last is None:
        return []
    if not v.check(0 <= (last - first).days < MAX_OEE_DAYS, "end_day",
                   N_("must be on or after day, at most %(n)s days on"),
                   n=MAX_OEE_DAYS):
        return []
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def kpi_request_of(request: pb.GetFactoryKpisRequest) -> tuple[list[date], tuple[int, int]]:
    """The days and energy window of a GetFactoryKpis request, naming every problem at once."""
    v = Violations()
    days = days_of(request, v)
    window = None
    try:
        window = window_of(request.energy_window, "energy_window")
    except InvalidArgument as exc:
        v.items += exc.violations
    try:
        page_args(request.page.page_size, request.page.page_token)
    except InvalidArgument as exc:
        v.items += exc.violations
    v.raise_if_any()
    assert window is not None
    return days, window


# The iot domain's errors as the statuses callers get.
ERRORS = {FactoryNotRegistered: NotFound, MachineNotRegistered: NotFound,
          DowntimeUnknown: NotFound, RegisteredOtherwise: FailedPrecondition,
          FactoryInactive: FailedPrecondition, MachineOfAnotherFactory: PermissionDenied,
          VersionMoved: Conflict, ChangedByOthers: Conflict}


@raising_categories(ERRORS)
class IotServicer(pb_grpc.IotServiceServicer):
    def __init__(self, app: IotApplication, views: IotViews, intake: TelemetryIntake,
                 analytics: Analytics):
        self.app = app
        self.views = views
        self.intake = intake
        self.analytics = analytics

    async def _call(self, fn, *args):
        return await asyncio.to_thread(fn, *args)

    # ---- registry -------------------------------------------------------------------------

    async def RegisterFactory(self, request, context) -> pb.RegisterFactoryResponse:
        factory, duplicate = await self._call(self.app.register_factory,
                                              wire.factory_from_pb(request))
        self.intake.factory_changed(factory.profile)
        return pb.RegisterFactoryResponse(factory=wire.factory_to_pb(factory),
                                          duplicate=duplicate)

    async def UpdateFactory(self, request, context) -> pb.UpdateFactoryResponse:
        factory_id = request.factory.factory_id
        own(factory_id)
        fields = wire.mask_fields(request.update_mask.paths, FACTORY_FIELDS)
        if not current_principal().is_admin and set(fields) - set(FACTORY_SELF_FIELDS):
            raise PermissionDenied(Words.of(N_("a factory changes its name, location, shifts and "
                                               "time zone; its capacity share, grid factor and "
                                               "status are the chain's")))
        factory = await self._call(self.app.update_factory, factory_id,
                                   wire.factory_from_pb(request.factory), fields,
                                   request.expected_version)
        self.intake.factory_changed(factory.profile)
        return pb.UpdateFactoryResponse(factory=wire.factory_to_pb(factory))

    async def ListFactories(self, request, context) -> pb.ListFactoriesResponse:
        page = await self.views.factories(request.page.page_size, request.page.page_token,
                                          request.include_inactive, scope(""))
        return pb.ListFactoriesResponse(
            factories=[wire.factory_row_to_pb(r) for r in page.rows],
            next_page_token=page.next_token)

    async def RegisterMachine(self, request, context) -> pb.RegisterMachineResponse:
        own(request.factory_id)
        machine, duplicate = await self._call(self.app.register_machine,
                                              wire.machine_from_pb(request))
        self.intake.machine_changed(machine.profile)
        return pb.RegisterMachineResponse(machine=wire.machine_to_pb(machine),
                                          duplicate=duplicate)

    async def UpdateMachine(self, request, context) -> pb.UpdateMachineResponse:
        machine_id = request.machine.machine_id
        own((await self._call(self.app.get_machine, machine_id)).factory_id)
        fields = wire.mask_fields(request.update_mask.paths, MACHINE_FIELDS)
        machine = await self._call(self.app.update_machine, machine_id,
                                   wire.machine_from_pb(request.machine), fields,
                                   request.expected_version)
        self.intake.machine_changed(machine.profile)
        return pb.UpdateMachineResponse(machine=wire.machine_to_pb(machine))

    async def ListMachines(self, request, context) -> pb.ListMachinesResponse:
        types = [wire.machine_type_from_pb(t) for t in request.machine_types]
        page = await self.views.machines(scope(request.factory_id), types,
                                         request.page.page_size, request.page.page_token,
                                         request.include_inactive)
        statuses = await asyncio.gather(*[self._status(r["factory_id"], r["machine_id"],
                                                       r["machine_type"]) for r in page.rows])
        wanted = set(request.states)
        pairs = [(r, s) for r, s in zip(page.rows, statuses, strict=True)
                 if not wanted or s.state in wanted]
        return pb.ListMachinesResponse(
            machines=[wire.machine_row_to_pb(r) for r, _ in pairs],
            statuses=[s for _, s in pairs],
            next_page_token=page.next_token)

    async def _status(self, factory_id: str, machine_id: str,
                      machine_type: str) -> pb.MachineStatus:
        found = await self.intake.status(factory_id, machine_id)
        if found is not None:
            return found
        reason, reason_words = wire.reason_to_pb(NO_TELEMETRY)
        return pb.MachineStatus(
            machine_id=machine_id, factory_id=factory_id,
            machine_type=wire.machine_type_to_pb(machine_type),
            state=wire.state_to_pb(LiveState.UNSPECIFIED), available=True, reason=reason,
            reason_words=reason_words)

    async def GetMachineStatus(self, request, context) -> pb.GetMachineStatusResponse:
        machine = await self._call(self.app.get_machine, request.machine_id)
        own(machine.factory_id)
        p = machine.profile
        return pb.GetMachineStatusResponse(status=await self._status(p.factory_id, p.machine_id,
                                                                     p.machine_type))

    async def GetMachineHealth(self, request, context) -> pb.GetMachineHealthResponse:
        machine = await self._call(self.app.get_machine, request.machine_id)
        own(machine.factory_id)
        seen = self.intake.windows_seen(machine.machine_id)
        return pb.GetMachineHealthResponse(health=wire.health_to_pb(
            machine.machine_id, machine.factory_id, machine.health, seen,
            self.intake.wear_clock, machine.maintenance))

    async def ListMachineHealth(self, request, context) -> pb.ListMachineHealthResponse:
        factory_ids = list(dict.fromkeys(request.factory_ids))
        v = Violations()
        v.check(0 < len(factory_ids) <= MAX_HEALTH_FACTORIES, "factory_ids",
                N_("must name 1-%(n)s factories"),
                n=MAX_HEALTH_FACTORIES)
        v.raise_if_any()
        for factory_id in factory_ids:
            own(factory_id)
        clock = self.intake.wear_clock
        return pb.ListMachineHealthResponse(healths=[
            wire.health_to_pb(machine_id, factory_id, health, self.intake.windows_seen(machine_id),
                              clock, maintenance)
            for machine_id, factory_id, health, maintenance
            in await self.views.machine_healths(factory_ids)])

    async def WatchMachineStatus(self, request, context):
        factory_id = scope(request.factory_id)
        async for status, snapshot in self.intake.watch(factory_id, set(request.machine_ids)):
            yield pb.WatchMachineStatusResponse(status=status, snapshot=snapshot)

    # ---- telemetry ------------------------------------------------------------------------

    async def StreamTelemetry(self, request_iterator, context) -> pb.StreamTelemetryResponse:
        principal = current_principal()
        claim = None if principal.is_admin else principal.subject
        batches = accepted = 0
        refusals = Refusals()
        machines: dict[Rejection, str] = {}
        async for request in request_iterator:
            batches += 1
            taken, refused = await self.intake.ingest(request.batch, claim)
            accepted += taken
            for reason in refused.counts:
                machines.setdefault(reason, request.batch.machine_id)
            refusals.merge(refused)
        return summary(batches, accepted, refusals, machines)

    # ---- stops and downtime ---------------------------------------------------------------

    async def DeclarePlannedStop(self, request, context) -> pb.DeclarePlannedStopResponse:
        own(request.factory_id)
        stop, duplicate = await self._call(
            self.app.declare_planned_stop, request.factory_id, list(request.machine_ids),
            request.window.start_unix_ms, request.window.end_unix_ms, request.reason.strip(),
            request.idempotency_key)
        self.intake.stop_declared({
            "stop_id": str(stop.id), "factory_id": stop.factory_id,
            "machine_ids": stop.machine_ids, "start_ms": stop.start_ms, "end_ms": stop.end_ms,
            "reason": stop.reason})
        return pb.DeclarePlannedStopResponse(stop_id=str(stop.id), duplicate=duplicate)

    async def SetDowntimeReason(self, request, context) -> pb.SetDowntimeReasonResponse:
        machine = await self._call(self.app.get_machine, request.machine_id)
        own(machine.factory_id)
        found = await self._call(self.app.set_downtime_reason, request.machine_id,
                                 request.downtime_id, wire.category_from_pb(request.category),
                                 request.note.strip())
        return pb.SetDowntimeReasonResponse(downtime=wire.downtime_to_pb(found))

    # ---- energy, OEE, downtime analytics -----------------------------------------------------

    async def _grid(self, factory_id: str) -> float:
        factory = await self._call(self.app.get_factory, factory_id)
        return factory.profile.grid_emission_factor_kg_per_kwh

    async def GetEnergy(self, request, context) -> pb.GetEnergyResponse:
        which = request.WhichOneof("scope")
        bucket_s = request.bucket_seconds
        window = window_of(request.window, required=which != "order_id")
        if bucket_s < 0 or (window and bucket_s and (window[1] - window[0]) / (
                bucket_s * 1000) > MAX_BUCKETS):
            raise InvalidArgument(Violations.one(
                "bucket_seconds", N_("must be ≥ 0 and give at most %(n)s buckets"),
                n=MAX_BUCKETS))
        if which == "machine_id":
            machine = await self._call(self.app.get_machine, request.machine_id)
            own(machine.factory_id)
            grid = await self._grid(machine.factory_id)
            report = await self.analytics.machines_energy({machine.machine_id: grid}, *window,
                                                          bucket_s)
        elif which == "factory_id":
            own(request.factory_id)
            grid = await self._grid(request.factory_id)
            ids = await self.views.machine_ids(request.factory_id)
            report = await self.analytics.machines_energy(dict.fromkeys(ids, grid), *window,
                                                          bucket_s)
        elif which == "order_id":
            principal = current_principal()
            grids = {f.factory_id: f.grid_emission_factor_kg_per_kwh
                     for f in await self.views.all_factories()}
            report = await self.analytics.order_energy(
                request.order_id, grids, None if principal.is_admin else principal.subject,
                window, bucket_s)
        else:
            raise InvalidArgument(Violations.one("scope", N_("name a machine, factory or order")))
        return energy_to_pb(report)

    async def _scope_machines(self, request
                              ) -> tuple[list[MachineProfile], dict[str, FactoryProfile]]:
        which = request.WhichOneof("scope")
        if which == "machine_id":
            machine = await self._call(self.app.get_machine, request.machine_id)
            own(machine.factory_id)
            machines = [machine.profile]
        elif which == "factory_id":
            own(request.factory_id)
            await self._call(self.app.get_factory, request.factory_id)
            machines = [m for m in await self.views.all_machines()
                        if m.factory_id == request.factory_id]
        else:
            raise InvalidArgument(Violations.one("scope", N_("name a machine or a factory")))
        factory_ids = {m.factory_id for m in machines} | (
            {request.factory_id} if which == "factory_id" else set())
        factories = {f: (await self._call(self.app.get_factory, f)).profile for f in factory_ids}
        return machines, factories

    async def GetOee(self, request, context) -> pb.GetOeeResponse:
        v = Violations()
        days = days_of(request, v)
        v.raise_if_any()
        machines, factories = await self._scope_machines(request)
        results = await self.analytics.oee(machines, factories, days)
        factory_id = request.factory_id if request.WhichOneof("scope") == "factory_id" else ""
        by_machine = {m.machine_id: m for m in machines}
        response = pb.GetOeeResponse()
        for day in days:
            rows = [r for r in results if r[0] == day]
            if factory_id:
                combined = Analytics.combine_days(rows)
                response.days.append(oee_to_pb("", factory_id, day, combined,
                                               sum(r[3] for r in rows)))
                response.machines.extend(
                    oee_to_pb(r[1], factory_id, day, r[2], r[3]) for r in rows)
            else:
                for r in rows:
                    response.days.append(oee_to_pb(r[1], by_machine[r[1]].factory_id, day,
                                                   r[2], r[3]))
        return response

    async def GetFactoryKpis(self, request, context) -> pb.GetFactoryKpisResponse:
        days, window = kpi_request_of(request)
        page = await self.views.factories(request.page.page_size, request.page.page_token,
                                          request.include_inactive, None)
        factories = {r["factory_id"]: from_plain(FactoryProfile, r["profile"])
                     for r in page.rows}
        figures = await self.analytics.factory_figures(factories, days, window)
        return pb.GetFactoryKpisResponse(
            factories=[factory_kpis_to_pb(f, factories[f.factory_id].name) for f in figures],
            next_page_token=page.next_token)

    async def GetDowntime(self, request, context) -> pb.GetDowntimeResponse:
        which = request.WhichOneof("scope")
        now_ms = int(time.time() * 1000)
        window = window_of(request.window, required=False) or (now_ms - 7 * 86_400_000, now_ms)
        size, after = page_args(request.page.page_size, request.page.page_token)
        if which == "machine_id":
            machine = await self._call(self.app.get_machine, request.machine_id)
            own(machine.factory_id)
            ids = [machine.machine_id]
        elif which == "factory_id":
            own(request.factory_id)
            ids = await self.views.machine_ids(request.factory_id)
        else:
            raise InvalidArgument(Violations.one("scope", N_("name a machine or a factory")))
        rows, stats = await self.analytics.downtime(ids, *window)
        offset = int(after or 0)
        page = rows[offset:offset + size]
        token = "" if offset + size >= len(rows) else _offset_token(offset + size)
        return pb.GetDowntimeResponse(
            intervals=[wire.downtime_row_to_pb(r) for r in page],
            next_page_token=token,
            analytics=pb.DowntimeAnalytics(
                count=stats["count"], total_seconds=int(stats["total_seconds"]),
                mean_time_between_failures_seconds=int(stats["mtbf_s"]),
                mean_time_to_repair_seconds=int(stats["mttr_s"]),
                by_category=[pb.DowntimeByCategory(category=wire.category_to_pb(c),
                                                   count=int(v[0]), seconds=int(v[1]))
                             for c, v in stats["by_category"].items()],
                by_machine=[pb.DowntimeByMachine(machine_id=m, count=int(v[0]),
                                                 seconds=int(v[1]))
                            for m, v in stats["by_machine"].items()]))


def _offset_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(offset).encode()).decode()


def energy_to_pb(report: EnergyReport) -> pb.GetEnergyResponse:
    return pb.GetEnergyResponse(
        kwh=report.kwh, kg_co2e=report.kg_co2e,
        buckets=[pb.EnergyBucket(start_unix_ms=s, kwh=k, kg_co2e=c) for s, k, c in report.buckets],
        shares=[pb.EnergyShare(machine_id=s.machine_id, operation_id=s.operation_id, kwh=s.kwh,
                               kg_co2e=s.kg_co2e) for s in report.shares])


def factory_kpis_to_pb(f: FactoryFigures, name: str) -> pb.FactoryKpis:
    return pb.FactoryKpis(
        factory_id=f.factory_id, name=name, utilisation=f.utilisation, oee=f.oee, kwh=f.kwh,
        kg_co2e=f.kg_co2e, planned_production_seconds=int(f.planned_s), run_seconds=int(f.run_s),
        days_with_planned_time=f.days_with_planned_time)


def oee_to_pb(machine_id: str, factory_id: str, day: date, oee, down_s: float) -> pb.OeeReport:
    return pb.OeeReport(
        machine_id=machine_id, factory_id=factory_id,
        day=types_pb2.Date(year=day.year, month=day.month, day=day.day),
        availability=oee.availability, performance=oee.performance, quality=oee.quality,
        oee=oee.oee, planned_production_seconds=int(oee.planned_s), run_seconds=int(oee.run_s),
        downtime_seconds=int(down_s), ideal_run_seconds=int(oee.ideal_s),
        good_count=oee.good, scrap_count=oee.total - oee.good)
