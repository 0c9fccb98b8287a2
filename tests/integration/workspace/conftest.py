"""One platform for the workspace tests (tests/integration/workspace/platform.py)."""

from __future__ import annotations

import pytest

from tests.integration.workspace.platform import planned_here, workspace_platform


@pytest.fixture(scope="package")
async def platform(settings):
    async with workspace_platform(settings) as running:
        yield running


@pytest.fixture(scope="package")
async def order(platform) -> tuple[str, dict]:
    """An order configured and planned into MINE: its id and its operations there."""
    order_id = await platform.place_order()
    return order_id, await planned_here(platform, order_id)
