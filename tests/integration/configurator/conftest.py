"""The configurator started in this process, on a free port, against the session's servers.

Package-scoped: it stops after these tests, so that tests of other services that publish
configurator facts themselves are not answered by a real configurator too.
"""

from __future__ import annotations

import grpc
import pytest

from dovetail.configurator.v1 import configurator_service_pb2_grpc as pb_grpc
from services.configurator.application import ConfiguratorApplication
from services.configurator.main import build
from services.kit import runtime
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY
from tests.integration.conftest import CHANNEL_KEY, FACTORY_KEY

DESIGNER_KEY = "dvt_designer_test_d1"


@pytest.fixture(scope="package")
async def configurator_service(settings):
    running = await runtime.start("configurator", settings, ConfiguratorApplication, build, port=0)
    keys = running.runtime.keys
    await keys.add(TEST_ADMIN_KEY, Principal("admin"))
    await keys.add(CHANNEL_KEY, Principal("channel", "dovetail"))
    await keys.add(FACTORY_KEY, Principal("factory", "f1"))
    await keys.add(DESIGNER_KEY, Principal("designer", "d1"))
    yield running
    running.stop.set()
    await running.done


@pytest.fixture(scope="package")
async def configurator_channel(configurator_service):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{configurator_service.port}")
    yield channel
    await channel.close()


@pytest.fixture
def configurator(configurator_channel):
    return pb_grpc.ConfiguratorServiceStub(configurator_channel)
