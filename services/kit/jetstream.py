"""Connecting to NATS and declaring Dovetail's JetStream streams."""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from services.kit.envelope import stream_name, stream_subjects

log = logging.getLogger("dovetail.nats")

# Long enough to cover a relay's re-publish of one batch after a crash; the relay also
# checks the stream's tail on start, so this window is a second line of defence.
DUPLICATE_WINDOW_S = 600.0
EVENT_SERVICES = ("orders", "configurator", "scheduling", "delivery", "iot")


async def connect(url: str, name: str) -> Client:
    """A connection that reconnects for ever: services ride out a NATS restart."""

    async def on_error(exc: Exception) -> None:
        log.warning("nats error", extra={"error": str(exc)})

    async def on_disconnect() -> None:
        log.warning("nats disconnected")

    async def on_reconnect() -> None:
        log.info("nats reconnected")

    return await nats.connect(
        # "nats://a:4222,nats://b:4222": a cluster; the client fails over between them.
        [u.strip() for u in url.split(",") if u.strip()],
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        allow_reconnect=True,
        error_cb=on_error,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
        pending_size=64 * 1024 * 1024,
    )


async def ensure_event_stream(js: JetStreamContext, service: str, replicas: int = 1) -> None:
    config = StreamConfig(
        name=stream_name(service),
        subjects=stream_subjects(service),
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
        num_replicas=replicas,
    )
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


async def ensure_streams(js: JetStreamContext, services=EVENT_SERVICES, replicas: int = 1) -> None:
    for service in services:
        await ensure_event_stream(js, service, replicas)
