"""The live-status bucket is kept in NATS's memory (its puts never wait for the disk the event
streams fsync to); a bucket an earlier version made on file storage is made again in memory."""

from __future__ import annotations

import uuid

import nats
import pytest
from nats.js.api import StorageType

from services.iot.intake import STATUS_BUCKET, status_bucket

pytestmark = pytest.mark.integration


async def test_the_status_bucket_of_the_running_service_is_in_memory(iot_service, settings):
    nc = await nats.connect(settings.nats_url)
    try:
        info = await nc.jetstream().stream_info(f"KV_{STATUS_BUCKET}")
    finally:
        await nc.close()
    assert info.config.storage == StorageType.MEMORY


async def test_a_file_bucket_is_made_again_in_memory_and_a_memory_one_kept(settings):
    name = f"status_{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    try:
        old = await js.create_key_value(bucket=name, history=1)
        await old.put("F1.M1", b"as an earlier version stored it")

        made = await status_bucket(js, name)
        await made.put("F1.M1", b"live")
        again = await status_bucket(js, name)

        status = await again.status()
        assert status.stream_info.config.storage == StorageType.MEMORY
        assert (await again.get("F1.M1")).value == b"live"
        assert status.stream_info.config.max_bytes > 0
    finally:
        await js.delete_key_value(name)
        await nc.close()
