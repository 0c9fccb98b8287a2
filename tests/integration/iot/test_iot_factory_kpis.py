"""Every factory's utilisation, OEE, kWh and CO2e in one network-wide query (GetFactoryKpis),
paged over the factories, agreeing with the per-factory GetOee and GetEnergy."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import grpc
import pytest

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as pb
from tests.helpers import eventually
from tests.integration.iot.conftest import ADMIN
from tests.integration.iot.scenario import (
    GRID,
    current_batch,
    now_ms,
    register_factory,
    register_machine,
    stream,
)

pytestmark = pytest.mark.integration


def local_day(ms: int) -> types_pb2.Date:
    day = datetime.fromtimestamp(ms / 1000, ZoneInfo("Asia/Shanghai")).date()
    return types_pb2.Date(year=day.year, month=day.month, day=day.day)


async def every_factory(stub, request: pb.GetFactoryKpisRequest, page_size: int
                        ) -> tuple[list[pb.FactoryKpis], int]:
    """All pages of the answer, and how many calls they took."""
    found, calls, token = [], 0, ""
    while True:
        request.page.CopyFrom(types_pb2.PageRequest(page_size=page_size, page_token=token))
        reply = await stub.GetFactoryKpis(request, metadata=ADMIN)
        found += reply.factories
        calls += 1
        token = reply.next_page_token
        if not token:
            return found, calls


async def test_network_figures_agree_with_each_factorys_own(iot_stub, make_tenant):
    busy, quiet = await make_tenant("KPI"), await make_tenant("KPI")
    for tenant in (busy, quiet):
        await register_factory(iot_stub, tenant)
    machines = [await register_machine(iot_stub, busy) for _ in range(2)]
    minute = now_ms() // 60_000 * 60_000 - 240_000
    for n, machine in enumerate(machines):  # 20 A: running; 2 and 3 minutes of it
        seconds = 120 + 60 * n
        await stream(iot_stub, busy, current_batch(
            machine, [minute + 1000 * i for i in range(seconds + 1)], [20.0] * (seconds + 1)))
    window = types_pb2.TimeWindow(start_unix_ms=minute - 60_000, end_unix_ms=minute + 300_000)
    day = local_day(minute)
    own_energy = pb.GetEnergyRequest(factory_id=busy.factory_id, window=window)

    async def settled():
        energy = await iot_stub.GetEnergy(own_energy, metadata=ADMIN)
        oee = await iot_stub.GetOee(pb.GetOeeRequest(factory_id=busy.factory_id, day=day),
                                    metadata=ADMIN)
        ran = oee.days and oee.days[0].run_seconds >= 290  # both machines' runs classified
        return (energy, oee) if energy.kwh > 0 and ran else None

    energy, oee = await eventually(settled)
    figures, calls = await every_factory(iot_stub, pb.GetFactoryKpisRequest(
        day=day, energy_window=window), page_size=3)
    by_id = {f.factory_id: f for f in figures}
    assert len(by_id) == len(figures) and calls >= len(figures) / 3
    assert [f.factory_id for f in figures] == sorted(by_id)
    mine = by_id[busy.factory_id]
    assert mine.kwh == pytest.approx(energy.kwh, rel=1e-9)
    assert mine.kg_co2e == pytest.approx(energy.kwh * GRID, rel=1e-9)
    # today's planned time runs up to the moment of each reading: seconds apart
    assert mine.planned_production_seconds == pytest.approx(
        oee.days[0].planned_production_seconds, abs=5)
    assert mine.run_seconds == oee.days[0].run_seconds
    assert mine.utilisation == pytest.approx(
        oee.days[0].run_seconds / oee.days[0].planned_production_seconds, abs=1e-4)
    assert mine.oee == pytest.approx(oee.days[0].oee, rel=1e-9)
    assert mine.days_with_planned_time == 1 and mine.name == f"Factory {busy.factory_id}"
    idle = by_id[quiet.factory_id]  # no machines: planned time none, figures left unset
    assert not idle.HasField("utilisation") and not idle.HasField("oee") and idle.kwh == 0


async def test_a_factory_key_may_not_read_the_network(iot_stub, make_tenant):
    tenant = await make_tenant("KPI")
    await register_factory(iot_stub, tenant)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await iot_stub.GetFactoryKpis(pb.GetFactoryKpisRequest(
            day=local_day(now_ms()), energy_window=dict(start_unix_ms=1, end_unix_ms=2)),
            metadata=tenant.auth)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_bad_requests_name_every_problem(iot_stub):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await iot_stub.GetFactoryKpis(pb.GetFactoryKpisRequest(
            day=types_pb2.Date(year=2026, month=2, day=30),
            end_day=types_pb2.Date(year=2026, month=1, day=1),
            energy_window=dict(start_unix_ms=5, end_unix_ms=4),
            page=dict(page_size=501, page_token="not a token")), metadata=ADMIN)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    message = refused.value.details()
    for field in ("day", "energy_window", "page.page_size", "page.page_token"):
        assert field in message
    with pytest.raises(grpc.aio.AioRpcError) as too_long:
        await iot_stub.GetFactoryKpis(pb.GetFactoryKpisRequest(
            day=types_pb2.Date(year=2026, month=1, day=1),
            end_day=types_pb2.Date(year=2026, month=6, day=1),
            energy_window=dict(start_unix_ms=1, end_unix_ms=2)), metadata=ADMIN)
    assert "end_day" in too_long.value.details()
