"""Connecting to NATS and declaring Dovetail's JetStream streams."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import APIError, BadRequestError, NotFoundError

from services.kit.envelope import stream_name, stream_subjects
from services.kit.settings import StreamSettings

log = logging.getLogger("dovetail.nats")

EVENT_SERVICES = ("orders", "configurator", "scheduling", "delivery", "iot")
TELEMETRY_STREAM = "DOVETAIL_TELEMETRY"
TELEMETRY_SUBJECTS = "dovetail.telemetry.>"


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


async def publish_acked(js: JetStreamContext,
                        messages: Iterable[tuple[str, bytes, Mapping[str, str] | None]],
                        timeout_s: float) -> list[object]:
    """Publish ``(subject, payload, headers)`` in order, pipelined, and wait for every PubAck,
    all within ``timeout_s``: one result per message, its PubAck or its exception. Raises
    TimeoutError when the time runs out first (every pending ack is cancelled).

    The deadline is one for the whole batch on purpose: nats-py's ``publish_async(wait_stall=)``
    waits for its pending-acks semaphore through ``asyncio.wait_for``, a task and a turn of the
    event loop per message. Beside a busy loop (iot's intake takes a thousand telemetry
    messages a turn) that made a thousand publishes take seconds: the iot relay published
    ~200 events a second, a minute behind. Without ``wait_stall`` a free semaphore is taken
    without leaving the loop; a full one waits, within this deadline.
    """
    futures: list[asyncio.Future] = []
    try:
        async with asyncio.timeout(timeout_s):
            for subject, payload, headers in messages:
                futures.append(await js.publish_async(
                    subject, payload, headers=dict(headers) if headers else None))
            return list(await asyncio.gather(*futures, return_exceptions=True))
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def event_stream_config(service: str, limits: StreamSettings, replicas: int = 1) -> StreamConfig:
    """A service's event stream: the way other services learn of its events."""
    return StreamConfig(
        name=stream_name(service),
        subjects=stream_subjects(service),
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=limits.event_max_age_s,
        max_bytes=limits.max_bytes_of(service),
        # Full: refuse, never drop what a consumer has not read. The relay retries the batch
        # and the events wait in PostgreSQL; dovetail_relay_lag_seconds shows it.
        discard=DiscardPolicy.NEW,
        max_msg_size=limits.event_max_msg_size,
        duplicate_window=limits.duplicate_window_s,
        num_replicas=replicas,
    )


def telemetry_stream_config(limits: StreamSettings, name: str = TELEMETRY_STREAM,
                            subjects: str = TELEMETRY_SUBJECTS) -> StreamConfig:
    """Telemetry as a short replay buffer: one copy, oldest dropped first."""
    return StreamConfig(
        name=name, subjects=[subjects],
        retention=RetentionPolicy.LIMITS, storage=StorageType.FILE,
        max_age=limits.telemetry_max_age_s, max_bytes=limits.telemetry_max_bytes,
        max_msg_size=limits.telemetry_max_msg_size, discard=DiscardPolicy.OLD,
        # Senders publish plainly (or ask for the intake's summary as the reply): the stream
        # keeps a copy for replay and must not answer them with a PubAck.
        no_ack=True,
        # Best effort by design: the intake reads the subjects directly, so losing the node of
        # a one-copy stream loses only the replay copy; three copies would triple the writes.
        num_replicas=1)


_MANAGED = ("subjects", "retention", "storage", "max_age", "max_bytes", "discard",
            "max_msg_size", "duplicate_window", "num_replicas", "no_ack")


def _differs(current: StreamConfig, wanted: StreamConfig) -> list[str]:
    def norm(name: str, value):
        if value is None:
            return {"max_msg_size": -1, "max_bytes": -1, "max_age": 0.0, "no_ack": False}.get(name)
        if name in ("max_age", "duplicate_window"):
            return round(float(value), 3)
        if name == "subjects":
            return sorted(value)
        return value

    return [f for f in _MANAGED
            if norm(f, getattr(current, f)) != norm(f, getattr(wanted, f))]


class StreamStorageError(RuntimeError):
    """The NATS server cannot reserve a stream's max_bytes on its JetStream store."""


# nats-server reserves each stream's max_bytes on its store when the stream is made.
_INSUFFICIENT_STORAGE = 10047


async def ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    """Create the stream, or bring one made by an older version to `config`."""
    if not config.name:
        raise ValueError("a stream config needs a name")
    try:
        info = await js.stream_info(config.name)
    except NotFoundError:
        try:
            await js.add_stream(config)
            log.info("stream created", extra={"stream": config.name})
            return
        except APIError as exc:
            if exc.err_code == _INSUFFICIENT_STORAGE:
                raise StreamStorageError(
                    f"NATS cannot reserve {config.max_bytes} bytes for {config.name}: give its "
                    "JetStream store more room (max_file_store) or lower the stream's "
                    "DOVETAIL_*_STREAM_MAX_BYTES (docs/operations.md)") from exc
            if not isinstance(exc, BadRequestError):
                raise
            info = await js.stream_info(config.name)  # another process created it meanwhile
    changed = _differs(info.config, config)
    if not changed:
        return
    try:
        await js.update_stream(config)
    except APIError as exc:
        # An immutable field (storage, retention) differs, or the store has no room for a
        # larger max_bytes: the stream still works with its old limits (docs/operations.md).
        log.error("stream kept its old configuration", extra={
            "stream": config.name, "fields": changed, "error": str(exc)})
        return
    log.info("stream updated", extra={"stream": config.name, "fields": changed})


async def ensure_event_stream(js: JetStreamContext, service: str, replicas: int = 1,
                              limits: StreamSettings | None = None) -> None:
    await ensure_stream(js, event_stream_config(service, limits or StreamSettings(), replicas))


async def ensure_streams(js: JetStreamContext, services=EVENT_SERVICES, replicas: int = 1,
                         limits: StreamSettings | None = None) -> None:
    """Every event stream and the telemetry stream, with `limits` (default: StreamSettings())."""
    limits = limits or StreamSettings()
    for service in services:
        await ensure_event_stream(js, service, replicas, limits)
    await ensure_stream(js, telemetry_stream_config(limits))
