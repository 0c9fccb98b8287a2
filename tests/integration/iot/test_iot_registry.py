"""The registry on real PostgreSQL and NATS: admins register factories, factories their machines,
and nobody sees another factory."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import field_mask_pb2

from dovetail.iot.v1 import iot_events_pb2
from dovetail.iot.v1 import iot_service_pb2 as pb
from tests.helpers import eventually, stream_envelopes
from tests.integration.iot.conftest import ADMIN
from tests.integration.iot.scenario import register_factory, register_machine

pytestmark = pytest.mark.integration


async def test_admin_registers_a_factory_and_the_factory_its_machines(iot_stub, tenants, settings):
    a, _ = tenants
    first = await register_factory(iot_stub, a)
    again = await register_factory(iot_stub, a)
    assert not first.duplicate and again.duplicate
    assert first.factory.timezone == "Asia/Shanghai" and len(
        first.factory.shift_calendar.weekly_shifts) == 7

    machine = await register_machine(iot_stub, a, "SAW1")
    assert machine.sensor_kind == pb.SENSOR_KIND_CURRENT_SENSOR
    assert machine.calibration.running_level_amperes == 20.0
    repeat = await iot_stub.RegisterMachine(pb.RegisterMachineRequest(
        factory_id=a.factory_id, machine_id=machine.machine_id, name=machine.name,
        machine_type=machine.machine_type, speed_factor=1.1, rated_power_kw=18.0,
        sensor_kind=machine.sensor_kind, calibration=machine.calibration), metadata=a.auth)
    assert repeat.duplicate

    async def listed():
        reply = await iot_stub.ListMachines(pb.ListMachinesRequest(), metadata=a.auth)
        return reply if machine.machine_id in [m.machine_id for m in reply.machines] else None

    reply = await eventually(listed)
    assert all(m.factory_id == a.factory_id for m in reply.machines)
    assert reply.statuses[0].state == pb.MACHINE_STATE_UNSPECIFIED and reply.statuses[0].available

    async def registered_events():
        envelopes = await stream_envelopes(settings.nats_url, "iot", "dovetail.iot.machine_registered")
        bodies = [iot_events_pb2.MachineRegistered.FromString(e.body.value) for _, e in envelopes]
        return [b for b in bodies if b.machine.machine_id == machine.machine_id]

    events = await eventually(registered_events)
    assert len(events) == 1 and events[0].machine.rated_power_kw == 18.0


async def test_a_factory_updates_its_shifts_but_not_its_share(iot_stub, make_tenant):
    a = await make_tenant()
    await register_factory(iot_stub, a)

    async def listed():
        reply = await iot_stub.ListFactories(pb.ListFactoriesRequest(), metadata=a.auth)
        return reply.factories

    assert [f.factory_id for f in await eventually(listed)] == [a.factory_id]
    changed = pb.Factory(factory_id=a.factory_id, name="Renamed works", capacity_share_percent=99)
    reply = await iot_stub.UpdateFactory(pb.UpdateFactoryRequest(
        factory=changed, update_mask=field_mask_pb2.FieldMask(paths=["name"])), metadata=a.auth)
    assert reply.factory.name == "Renamed works" and reply.factory.capacity_share_percent == 60
    with pytest.raises(grpc.aio.AioRpcError) as share:
        await iot_stub.UpdateFactory(pb.UpdateFactoryRequest(
            factory=changed, update_mask=field_mask_pb2.FieldMask(
                paths=["capacity_share_percent"])), metadata=a.auth)
    assert share.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await iot_stub.UpdateFactory(pb.UpdateFactoryRequest(
            factory=changed, update_mask=field_mask_pb2.FieldMask(paths=["name"]),
            expected_version=1), metadata=ADMIN)
    assert stale.value.code() == grpc.StatusCode.ABORTED


async def test_factory_a_can_neither_see_nor_touch_factory_b(iot_stub, tenants):
    a, b = tenants
    await register_factory(iot_stub, a)
    await register_factory(iot_stub, b)
    b_machine = await register_machine(iot_stub, b)

    denied = [
        iot_stub.RegisterMachine(pb.RegisterMachineRequest(
            factory_id=b.factory_id, machine_id=f"{b.factory_id}-X", rated_power_kw=5,
            machine_type=1), metadata=a.auth),
        iot_stub.GetMachineStatus(pb.GetMachineStatusRequest(machine_id=b_machine.machine_id),
                                  metadata=a.auth),
        iot_stub.ListMachines(pb.ListMachinesRequest(factory_id=b.factory_id), metadata=a.auth),
        iot_stub.UpdateMachine(pb.UpdateMachineRequest(
            machine=pb.Machine(machine_id=b_machine.machine_id, name="mine now"),
            update_mask=field_mask_pb2.FieldMask(paths=["name"])), metadata=a.auth),
        iot_stub.GetEnergy(pb.GetEnergyRequest(factory_id=b.factory_id, window=dict(
            start_unix_ms=1, end_unix_ms=2)), metadata=a.auth),
        iot_stub.GetDowntime(pb.GetDowntimeRequest(machine_id=b_machine.machine_id),
                             metadata=a.auth),
        iot_stub.RegisterFactory(pb.RegisterFactoryRequest(factory_id="F-NEW", name="x"),
                                 metadata=a.auth),
    ]
    for call in denied:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED, caught.value.details()

    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await iot_stub.GetMachineStatus(pb.GetMachineStatusRequest(machine_id="NO-SUCH"),
                                        metadata=ADMIN)
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await iot_stub.RegisterMachine(pb.RegisterMachineRequest(
            factory_id=a.factory_id, machine_id="has.dot", rated_power_kw=-1), metadata=a.auth)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
