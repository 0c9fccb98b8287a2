"""Composition root of the iot service: `python -m services.iot.main`."""

from __future__ import annotations

import asyncio
import contextlib
import functools

from dovetail.iot.v1 import iot_service_pb2, iot_service_pb2_grpc
from services.iot.analytics import Analytics
from services.iot.application import IotApplication
from services.iot.energy_ledger import EnergyLedger
from services.iot.intake import TelemetryIntake
from services.iot.policies import consumers
from services.iot.power_learning import PowerLearner
from services.iot.projections import ensure_tables, iot_projector
from services.iot.published import to_integration
from services.iot.rpc.servicer import ROLES, IotServicer
from services.iot.settings import IotSettings
from services.iot.views import IotViews
from services.kit import runtime
from services.kit.jetstream import connect
from services.kit.runtime import Runtime, ServiceParts

NAME = "iot"


def build(rt: Runtime, iot: IotSettings | None = None) -> ServiceParts:
    """The service's parts; `iot` overrides the DOVETAIL_IOT_* settings (tests)."""
    assert isinstance(rt.app, IotApplication)
    iot = iot or IotSettings.from_env()
    views = IotViews(rt.pool)
    ledger = EnergyLedger(rt.pool)
    intake = TelemetryIntake(rt.app, views, ledger, rt.nc, rt.js, iot, functools.partial(
        connect, rt.settings.nats_url, f"dovetail-{NAME}-telemetry"))
    projector = iot_projector(rt.app, rt.pool, rt.wakeup)
    learner = PowerLearner(rt.app, rt.pool)
    servicer = IotServicer(rt.app, views, intake, Analytics(views, ledger))

    def add_servicers(server) -> list[str]:
        iot_service_pb2_grpc.add_IotServiceServicer_to_server(servicer, server)
        return [iot_service_pb2.DESCRIPTOR.services_by_name["IotService"].full_name]

    tables_ready = asyncio.Lock()
    made: list[bool] = []

    async def tables_then(job, stop) -> None:
        async with tables_ready:  # concurrent CREATE TABLE IF NOT EXISTS can collide
            if not made:
                await ensure_tables(rt.pool)
                await ledger.ensure_table()
                made.append(True)
        await job(stop)

    async def flush_energy() -> None:
        with contextlib.suppress(Exception):
            await ledger.flush()

    async def projection(stop) -> None:
        await tables_then(projector.run, stop)

    async def telemetry(stop) -> None:
        await tables_then(intake.run, stop)

    async def power(stop) -> None:
        await tables_then(learner.run, stop)

    return ServiceParts(add_servicers=add_servicers, roles=ROLES, to_integration=to_integration,
                        # The intake keeps this process's event loop busy (most of a core at
                        # 16,000 machines): state changes are relayed from a process of their
                        # own, not in the turns the intake leaves.
                        relay_process=True,
                        consumers=consumers(rt.app), background=[projection, telemetry],
                        # one replica learns each machine's running kW for scheduling
                        leader_jobs={"power": power},
                        on_close=[flush_energy],
                        # Telemetry flows through the in-memory intake and NATS: machines keep
                        # sending, and watchers keep watching, while PostgreSQL is away.
                        without_postgres=("StreamTelemetry", "WatchMachineStatus"))


def serve() -> None:
    runtime.main(NAME, IotApplication, build)


if __name__ == "__main__":
    serve()
