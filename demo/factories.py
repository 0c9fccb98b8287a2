"""Demo data for `make up`: the factory network of demo/network.py, registered over gRPC.

Idempotent: a second run finds every factory and machine registered and changes nothing. Each
factory's development key is registered as principal factory:<id>.
"""

from __future__ import annotations

import logging

import grpc
from psycopg_pool import AsyncConnectionPool

from demo.network import DEMO_FACTORIES, DemoFactory, DemoMachine
from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail.iot.v1 import iot_service_pb2_grpc as pb_grpc
from dovetail_factory.signals.profiles import PROFILES
from services.kit.auth import KeyRefused, KeyStore, Principal
from services.kit.settings import Settings
from services.kit.tls import client_channel

log = logging.getLogger("dovetail.iot.demo")
TIMEZONE = "Asia/Shanghai"
SINGLE_PHASE = ("assembly", "packing")


def factory_request(f: DemoFactory) -> pb.RegisterFactoryRequest:
    return pb.RegisterFactoryRequest(
        factory_id=f.factory_id, name=f.name,
        location=pb.Location(latitude=f.latitude, longitude=f.longitude,
                             address=types_pb2.Address(city=f.city, region="Guangdong",
                                                       country="CN")),
        capacity_share_percent=f.capacity_share_percent,
        shift_calendar=pb.ShiftCalendar(weekly_shifts=[
            pb.WeeklyShift(weekday=day + 1, start_minute=start, end_minute=end,
                           name="morning" if start < 12 * 60 else "afternoon")
            for day, start, end in f.shifts]),
        grid_emission_factor_kg_per_kwh=f.grid_kg_co2e_per_kwh, timezone=TIMEZONE)


def calibration(m: DemoMachine) -> pb.SensorCalibration:
    """Commissioned levels: the current profile the simulator draws from (CNC machines: none)."""
    if m.cnc:
        return pb.SensorCalibration()
    profile = PROFILES[m.machine_type]
    single = m.machine_type in SINGLE_PHASE
    return pb.SensorCalibration(
        current_scale=1.0, nominal_voltage_v=230.0 if single else 400.0,
        phases=1 if single else 3, default_power_factor=0.85,
        off_level_amperes=profile.off_amps, idle_level_amperes=profile.idle_amps,
        running_level_amperes=profile.running_amps)


def machine_request(f: DemoFactory, m: DemoMachine) -> pb.RegisterMachineRequest:
    return pb.RegisterMachineRequest(
        factory_id=f.factory_id, machine_id=m.machine_id, name=f"{m.machine_type} {m.machine_id}",
        machine_type=types_pb2.MachineType.Value(f"MACHINE_TYPE_{m.machine_type.upper()}"),
        speed_factor=m.speed_factor, rated_power_kw=m.rated_power_kw,
        sensor_kind=pb.SENSOR_KIND_CNC_CONTROLLER if m.cnc else pb.SENSOR_KIND_CURRENT_SENSOR,
        calibration=calibration(m), batch_capacity=2 if m.machine_type == "paint_line" else 1)


async def _register(call, request, admin) -> None:
    try:
        await call(request, metadata=admin)
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.FAILED_PRECONDITION:
            raise
        log.warning("demo item registered differently before; kept as it is",
                    extra={"detail": exc.details()})


async def seed(settings: Settings) -> list[str]:
    """Register the demo factories, their machines and keys; return banner lines."""
    admin = (("authorization", f"Bearer {settings.admin_key}"),)
    async with AsyncConnectionPool(settings.database_url, min_size=1, max_size=2,
                                   kwargs={"autocommit": True}) as pool:
        keys = KeyStore(pool)
        await keys.ensure_schema()
        revoked = []
        for f in DEMO_FACTORIES:
            try:
                await keys.add(f.dev_key, Principal("factory", f.factory_id), f"demo {f.name}")
            except KeyRefused:  # revoked when this home once listened beyond loopback
                revoked.append(f.factory_id)
    async with client_channel(settings, settings.service_address("iot")) as channel:
        stub = pb_grpc.IotServiceStub(channel)
        for f in DEMO_FACTORIES:
            await _register(stub.RegisterFactory, factory_request(f), admin)
            for m in f.machines:
                await _register(stub.RegisterMachine, machine_request(f, m), admin)
    lines = ["Demo factories (gRPC key per factory; telemetry on "
             "dovetail.telemetry.<factory>.<machine>):"]
    lines += [f"    {f.factory_id:<8} {f.name:<26} {len(f.machines)} machines  key {f.dev_key}"
              for f in DEMO_FACTORIES]
    if revoked:
        lines.append(f"  Demo keys of {', '.join(revoked)} were revoked (this DOVETAIL_HOME once "
                     "listened beyond loopback): their simulated shop floors cannot sign in")
    lines.append("  Break a simulated machine: python -m demo.machines break <machine id>")
    portal = f"http://{settings.grpc_host}:{settings.gateway_port}"
    lines.append(f"  A factory's view: .venv/bin/dovetail-factory login --target {portal} "
                 f"--key {DEMO_FACTORIES[0].dev_key}, then `.venv/bin/dovetail-factory "
                 "assignments --follow` (the portal's address: login finds the services' ports)")
    lines.append("  To drive a factory yourself, start with DOVETAIL_DEMO_MANUAL_FACTORIES=<factory id>"
                 " (the simulated shop floor leaves it to you)")
    return lines
