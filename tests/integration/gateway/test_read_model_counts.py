"""The pipeline counts kept by triggers match counting the rows, from any starting point."""

from __future__ import annotations

import asyncio
import random
import uuid

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from gateway.channels import SCHEMA
from gateway.read_model import DDL, OrderFacts, _upsert


def own_database(url: str) -> str:
    name = f"facts_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
async def pool(settings):
    async with AsyncConnectionPool(own_database(settings.database_url), min_size=1, max_size=4,
                                   kwargs={"autocommit": True}) as pool:
        yield pool


async def counted(pool) -> dict[str, int]:
    async with pool.connection() as conn:
        rows = await (await conn.execute(
            f"SELECT status, count(*) FROM {SCHEMA}.order_facts WHERE status <> ''"
            " GROUP BY status")).fetchall()
    return dict(rows)


async def test_counts_follow_every_change_and_start_from_existing_rows(pool):
    # A database from before the counts existed: rows but no counts table.
    async with pool.connection() as conn:
        await conn.execute(DDL)
        for i in range(30):
            await conn.execute(*_upsert(f"old-{i}", status=["PLACED", "SCHEDULED"][i % 2]))
    facts = OrderFacts(pool)
    # Two replicas starting at once: one creates and fills the counts, the other finds them.
    await asyncio.gather(facts.ensure_schema(), OrderFacts(pool).ensure_schema())
    assert await facts.counts() == {"PLACED": 15, "SCHEDULED": 15}

    rng = random.Random(3)
    ids = [f"old-{i}" for i in range(30)] + [f"new-{i}" for i in range(30)]
    statuses = ["PLACED", "CONFIGURED", "SCHEDULED", "SHIPPED", "CANCELLED"]
    async with pool.connection() as conn:
        for _ in range(400):
            order = rng.choice(ids)
            kind = rng.random()
            if kind < 0.7:  # a status change, often to the status it already has
                await conn.execute(*_upsert(order, status=rng.choice(statuses)))
            elif kind < 0.9:  # a change that does not touch the status
                await conn.execute(*_upsert(order, factory_id=rng.choice(["f1", "f2"])))
            else:
                await conn.execute(f"DELETE FROM {SCHEMA}.order_facts WHERE order_id = %s",
                                   (order,))
        # A fact row before its placed event: no status yet, counted nowhere.
        await conn.execute(*_upsert("early", factory_id="f1"))
    assert await facts.counts() == await counted(pool)
    assert sum((await facts.counts()).values()) <= len(ids)


async def test_concurrent_writers_keep_the_counts_exact(pool):
    facts = OrderFacts(pool)
    await facts.ensure_schema()

    async def writer(n: int) -> None:
        async with pool.connection() as conn:
            for i in range(50):
                async with conn.transaction():
                    await conn.execute(*_upsert(f"w{n}-{i}", status="PLACED"))
                    await conn.execute(*_upsert(f"w{n}-{i // 2}", status="CONFIGURED"))

    await asyncio.gather(*(writer(n) for n in range(4)))
    assert await facts.counts() == await counted(pool) == {"PLACED": 100, "CONFIGURED": 100}


async def test_kpis_count_the_window_per_day_and_factory(pool):
    from datetime import UTC, datetime, timedelta

    facts = OrderFacts(pool)
    await facts.ensure_schema()
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    rows = [  # placed days ago, factory, days to deliver (None: not yet), on time
        (12, "F1", 10, True), (25, "F2", 20, False), (2, "F1", None, None),
        (3, "", None, None), (70, "F1", 5, True)]  # the last is outside a 30-day window
    async with pool.connection() as conn:
        for i, (ago, factory, lead, on_time) in enumerate(rows):
            placed = now - timedelta(days=ago)
            await conn.execute(*_upsert(
                f"k{i}", status="PLACED", placed_at=placed, factory_id=factory,
                delivered_at=placed + timedelta(days=lead) if lead else None, on_time=on_time))
    k = await facts.kpis(30)

    def day(ago: int) -> str:
        return (now - timedelta(days=ago)).strftime("%Y-%m-%d")

    assert k["placed"] == 4
    assert k["per_day"] == [(day(25), 1), (day(12), 1), (day(3), 1), (day(2), 1)]
    assert k["by_factory"] == {"F1": 2, "F2": 1}  # no factory yet: not a factory's
    assert (k["delivered"], k["lead_avg"], k["on_time_rate"], k["lead_p90"]) == (2, 15.0, 0.5, 19.0)
