"""Real PostgreSQL and NATS for the whole test session, on free ports in a temporary folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from infra.servers import NatsProcess, PostgresProcess, free_port
from services.kit.settings import Settings

TEST_ADMIN_KEY = "dvt_admin_test_" + os.urandom(8).hex()


@pytest.fixture(scope="session")
def work_dir():
    with tempfile.TemporaryDirectory(prefix="dovetail-test-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def postgres(work_dir):
    server = PostgresProcess(work_dir / "pg" / "data", free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nats_server(work_dir):
    server = NatsProcess(work_dir / "nats", free_port(), free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def settings(postgres, nats_server, work_dir) -> Settings:
    return Settings(home=work_dir / "home", database_url=postgres.url, nats_url=nats_server.url,
                    admin_key=TEST_ADMIN_KEY, log_format="text")
