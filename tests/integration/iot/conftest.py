"""The iot service in this process, on a free port, with short liveness timeouts."""

from __future__ import annotations

import functools
import uuid

import grpc
import pytest

from dovetail.iot.v1 import iot_service_pb2_grpc as pb_grpc
from services.iot.application import IotApplication
from services.iot.main import build
from services.iot.settings import IotSettings
from services.kit import runtime
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY

# Short enough for a quick test, long enough to be sure it is the timer that acts.
IOT = IotSettings(offline_after_s=2.0, down_grace_s=1.0, tick_s=0.2, status_interval_s=0.2,
                  energy_flush_s=0.2)


class Tenant:
    """A factory with its own key."""

    def __init__(self, prefix: str):
        self.factory_id = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.key = f"dvt_factory_test_{uuid.uuid4().hex}"

    @property
    def auth(self):
        return auth(self.key)


def auth(key: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {key}"),)


ADMIN = auth(TEST_ADMIN_KEY)


@pytest.fixture(scope="session")
async def iot_service(settings):
    running = await runtime.start("iot", settings, IotApplication,
                                  functools.partial(build, iot=IOT), port=0)
    await running.runtime.keys.add(TEST_ADMIN_KEY, Principal("admin"))
    yield running
    running.stop.set()
    await running.done


@pytest.fixture(scope="session")
async def tenants(iot_service):
    a, b = Tenant("FA"), Tenant("FB")
    for t in (a, b):
        await iot_service.runtime.keys.add(t.key, Principal("factory", t.factory_id))
    return a, b


@pytest.fixture(scope="session")
async def iot_stub(iot_service):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{iot_service.port}")
    yield pb_grpc.IotServiceStub(channel)
    await channel.close()


@pytest.fixture
async def make_tenant(iot_service):
    """A new factory with its own key (not yet registered)."""

    async def make(prefix: str = "F") -> Tenant:
        tenant = Tenant(prefix)
        await iot_service.runtime.keys.add(tenant.key, Principal("factory", tenant.factory_id))
        return tenant

    return make
