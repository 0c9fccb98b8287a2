"""One platform for the workspace tests (tests/integration/workspace/platform.py)."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.conftest import servers_of_its_own
from tests.integration.workspace.platform import planned_here, workspace_platform


@pytest.fixture(scope="package")
def settings(work_dir):
    """Servers of the package's own: the services here plan onto two factories, and on the
    session's servers every order earlier packages left in the pool (their factories retired)
    would be planned onto them, pushing this package's work out of the shift it looks at."""
    with servers_of_its_own(work_dir / f"workspace-{uuid.uuid4().hex[:8]}") as own:
        yield own


@pytest.fixture(scope="package")
async def platform(settings):
    async with workspace_platform(settings) as running:
        yield running


@pytest.fixture(scope="package")
async def order(platform) -> tuple[str, dict]:
    """An order configured and planned into MINE: its id and its operations there."""
    order_id = await platform.place_order()
    return order_id, await planned_here(platform, order_id)
