"""REST for the factory network (admin): factories, machines with live state, OEE, energy."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Annotated

from litestar import Controller, get
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, QueryParameter

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot
from gateway import reads
from gateway.auth import factory_reader, planning
from gateway.deps import Services, ServicesDep
from gateway.schemas.network import (
    EnergyReportRead,
    FactoryPage,
    MachinePage,
    MachineStatusRead,
    OeeRead,
)

STATES = [n.removeprefix("MACHINE_STATE_") for n in iot.MachineState.keys()][1:]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]
Cursor = Annotated[str | None, QueryParameter(max_length=500)]
Hours = Annotated[int, QueryParameter(ge=1, le=24 * 92, description="window: the last N hours")]
Bucket = Annotated[int, QueryParameter(ge=0, le=24 * 60, description="bucket size, 0 = totals")]


def pb_date(d: date) -> types_pb2.Date:
    return types_pb2.Date(year=d.year, month=d.month, day=d.day)


def oee_request(scope: dict, day: date | None, end_day: date | None) -> iot.GetOeeRequest:
    today = datetime.now(UTC).date()
    req = iot.GetOeeRequest(**scope, day=pb_date(day or today))
    if end_day:
        req.end_day.CopyFrom(pb_date(end_day))
    return req


def last_hours(hours: int) -> types_pb2.TimeWindow:
    now_ms = int(time.time() * 1000)
    return types_pb2.TimeWindow(start_unix_ms=now_ms - hours * 3_600_000, end_unix_ms=now_ms)


def energy_request(scope: dict, hours: int, bucket_minutes: int) -> iot.GetEnergyRequest:
    return iot.GetEnergyRequest(**scope, window=last_hours(hours),
                                bucket_seconds=bucket_minutes * 60)


async def machines(services: Services, factory_id: str, states: list[str], limit: int,
                   cursor: str | None) -> MachinePage:
    bad = [s for s in states if s.upper() not in STATES]
    if bad:  # ignoring it would list every machine as if the filter matched
        raise ValidationException("unknown state", extra=[
            {"key": "state", "message": f"{bad[0]!r} is not one of {STATES}"}])
    reply = await services.call("iot", "ListMachines", iot.ListMachinesRequest(
        factory_id=factory_id, page=dict(page_size=limit, page_token=cursor or ""),
        states=[iot.MachineState.Value(f"MACHINE_STATE_{s.upper()}") for s in states]))
    statuses = list(reply.statuses) + [None] * (len(reply.machines) - len(reply.statuses))
    return MachinePage(items=[reads.machine(m, s) for m, s in zip(reply.machines, statuses,
                                                                    strict=True)],
                       next_cursor=reply.next_page_token or None)


async def oee(services: Services, scope: dict, day: date | None, end_day: date | None
              ) -> list[OeeRead]:
    reply = await services.call("iot", "GetOee", oee_request(scope, day, end_day))
    return ([reads.oee(r.factory_id or r.machine_id, r) for r in reply.days]
            + [reads.oee(r.machine_id, r) for r in reply.machines])


async def energy(services: Services, scope: dict, hours: int, bucket: int) -> EnergyReportRead:
    reply = await services.call("iot", "GetEnergy", energy_request(scope, hours, bucket))
    return reads.energy(next(iter(scope.values())), reply)


class FactoryController(Controller):
    path = "/api/v1/factories"
    tags = ["factories"]
    guards = [factory_reader]
    security = [{"bearer": []}]

    @get("/", summary="Factories of the network")
    async def list_factories(self, services: ServicesDep, limit: Limit = 100,
                             cursor: Cursor = None) -> FactoryPage:
        reply = await services.call("iot", "ListFactories", iot.ListFactoriesRequest(
            page=dict(page_size=limit, page_token=cursor or "")))
        return FactoryPage([reads.factory(f) for f in reply.factories], reply.next_page_token or None)

    @get("/{factory_id:str}/machines", summary="A factory's machines with their live state")
    async def factory_machines(self, factory_id: FromPath[str], services: ServicesDep,
                               limit: Limit = 200, cursor: Cursor = None) -> MachinePage:
        return await machines(services, factory_id, [], limit, cursor)

    @get("/{factory_id:str}/oee", summary="OEE per day of a factory, and per machine")
    async def factory_oee(self, factory_id: FromPath[str], services: ServicesDep,
                          day: FromQuery[date | None] = None,
                          end_day: FromQuery[date | None] = None) -> list[OeeRead]:
        return await oee(services, {"factory_id": factory_id}, day, end_day)

    @get("/{factory_id:str}/energy", summary="kWh and kg CO2e of a factory")
    async def factory_energy(self, factory_id: FromPath[str], services: ServicesDep,
                             hours: Hours = 24, bucket_minutes: Bucket = 60) -> EnergyReportRead:
        return await energy(services, {"factory_id": factory_id}, hours, bucket_minutes)


class MachineController(Controller):
    path = "/api/v1/machines"
    tags = ["factories"]
    guards = [planning]
    security = [{"bearer": []}]

    @get("/", summary="Machines of every factory, with their live state")
    async def list_machines(self, services: ServicesDep, factory_id: FromQuery[str] = "",
                            machine_state: Annotated[list[str] | None, QueryParameter(
                                name="state", description=f"one of {STATES}")] = None,
                            limit: Limit = 200, cursor: Cursor = None) -> MachinePage:
        return await machines(services, factory_id, machine_state or [], limit, cursor)

    @get("/{machine_id:str}/status", summary="Live state of one machine")
    async def status(self, machine_id: FromPath[str], services: ServicesDep) -> MachineStatusRead:
        s = (await services.call("iot", "GetMachineStatus",
                                 iot.GetMachineStatusRequest(machine_id=machine_id))).status
        return reads.machine_status(s)

    @get("/{machine_id:str}/oee", summary="OEE per day of one machine")
    async def machine_oee(self, machine_id: FromPath[str], services: ServicesDep,
                          day: FromQuery[date | None] = None,
                          end_day: FromQuery[date | None] = None) -> list[OeeRead]:
        return await oee(services, {"machine_id": machine_id}, day, end_day)

    @get("/{machine_id:str}/energy", summary="kWh and kg CO2e of one machine")
    async def machine_energy(self, machine_id: FromPath[str], services: ServicesDep,
                             hours: Hours = 24, bucket_minutes: Bucket = 60) -> EnergyReportRead:
        return await energy(services, {"machine_id": machine_id}, hours, bucket_minutes)


