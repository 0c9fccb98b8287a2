"""JetStream streams carry the configured limits, on a real nats-server; a stream made by an
older version (no limits) is brought to them on start, keeping its messages."""

from __future__ import annotations

import uuid

import nats
import pytest
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import APIError

from services.kit.envelope import stream_name
from services.kit.jetstream import (
    ensure_event_stream,
    ensure_stream,
    ensure_streams,
    telemetry_stream_config,
)
from services.kit.settings import MiB, Settings, StreamSettings

pytestmark = pytest.mark.integration

LIMITS = StreamSettings(event_max_age_s=3 * 3600.0, duplicate_window_s=90.0,
                        event_max_msg_size=64 * 1024, telemetry_max_age_s=120.0,
                        telemetry_max_bytes=2 * MiB, telemetry_max_msg_size=4096)


def a_service() -> str:
    """A service name of this test only (the session's NATS is shared)."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def js(settings):
    nc = await nats.connect(settings.nats_url)
    yield nc.jetstream()
    await nc.close()


async def test_an_event_stream_has_the_configured_limits(js):
    service = a_service()
    limits = StreamSettings(**{**LIMITS.__dict__, "event_max_bytes": {service: 3 * MiB}})
    await ensure_event_stream(js, service, limits=limits)
    config = (await js.stream_info(stream_name(service))).config
    assert config.subjects == [f"dovetail.{service}.>"]
    assert config.retention == RetentionPolicy.LIMITS and config.storage == StorageType.FILE
    assert config.max_age == 3 * 3600.0 and config.max_bytes == 3 * MiB
    assert config.discard == DiscardPolicy.NEW
    assert config.max_msg_size == 64 * 1024 and config.duplicate_window == 90.0
    await js.delete_stream(stream_name(service))


async def test_the_telemetry_stream_is_a_short_buffer_dropping_its_oldest(js):
    name = f"T{uuid.uuid4().hex[:10]}".upper()
    await ensure_stream(js, telemetry_stream_config(LIMITS, name, f"{name.lower()}.>"))
    config = (await js.stream_info(name)).config
    assert config.max_age == 120.0 and config.max_bytes == 2 * MiB
    assert config.max_msg_size == 4096 and config.discard == DiscardPolicy.OLD
    assert config.no_ack and config.num_replicas == 1
    await js.delete_stream(name)


async def test_a_stream_of_an_older_version_is_updated_and_keeps_its_messages(js):
    service = a_service()
    name = stream_name(service)
    # As services/kit/jetstream.py made it before limits were set.
    await js.add_stream(StreamConfig(name=name, subjects=[f"dovetail.{service}.>"],
                                     retention=RetentionPolicy.LIMITS, storage=StorageType.FILE,
                                     duplicate_window=600.0))
    for i in range(3):
        await js.publish(f"dovetail.{service}.placed", b"x", headers={"Nats-Msg-Id": f"{i}"})
    limits = StreamSettings(**{**LIMITS.__dict__, "event_max_bytes": {service: 5 * MiB}})
    await ensure_event_stream(js, service, limits=limits)
    info = await js.stream_info(name)
    assert info.config.max_bytes == 5 * MiB and info.config.max_age == 3 * 3600.0
    assert info.config.discard == DiscardPolicy.NEW and info.config.max_msg_size == 64 * 1024
    assert info.state.messages == 3
    # Starting again with the same settings changes nothing and does not fail.
    await ensure_event_stream(js, service, limits=limits)
    assert (await js.stream_info(name)).state.messages == 3
    await js.delete_stream(name)


async def test_a_full_event_stream_refuses_rather_than_dropping_unread_events(js):
    service = a_service()
    name = stream_name(service)
    limits = StreamSettings(**{**LIMITS.__dict__, "event_max_bytes": {service: 4096}})
    await ensure_event_stream(js, service, limits=limits)
    refused = None
    for i in range(20):
        try:
            await js.publish(f"dovetail.{service}.placed", b"e" * 500,
                             headers={"Nats-Msg-Id": f"{service}:{i}"})
        except APIError as exc:
            refused = exc
            break
    assert refused is not None and "maximum bytes" in str(refused.description)
    first = (await js.stream_info(name)).state.first_seq
    assert first == 1  # nothing the consumers have not read was dropped to make room
    with pytest.raises(APIError):  # larger than max_msg_size: refused too
        await js.publish(f"dovetail.{service}.placed", b"e" * (64 * 1024 + 1))
    await js.delete_stream(name)


async def test_every_stream_of_the_platform_is_made_from_the_settings(js):
    # The session's own streams: the defaults as Settings() passes them down.
    settings = Settings()
    await ensure_streams(js, replicas=settings.stream_replicas, limits=settings.streams)
    for service in ("orders", "configurator", "scheduling", "delivery", "iot"):
        config = (await js.stream_info(stream_name(service))).config
        assert config.max_bytes == settings.streams.max_bytes_of(service)
        assert config.max_age == settings.streams.event_max_age_s
    telemetry = (await js.stream_info("DOVETAIL_TELEMETRY")).config
    assert telemetry.max_bytes == settings.streams.telemetry_max_bytes


def test_stream_settings_come_from_the_environment():
    env = {"DOVETAIL_STREAM_MAX_AGE_S": "86400", "DOVETAIL_ORDERS_STREAM_MAX_BYTES": "1048576",
           "DOVETAIL_IOT_TELEMETRY_MAX_AGE_S": "600"}
    s = Settings.from_env(env).streams
    assert s.event_max_age_s == 86400.0 and s.max_bytes_of("orders") == 1 << 20
    assert s.telemetry_max_age_s == 600.0  # the name the iot service read before still works
    assert Settings.from_env(Settings.from_env(env).to_env()).streams == s
