"""Settings from the environment; subjects, message ids and envelopes."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dovetail.orders.v1 import orders_events_pb2
from services.kit.auth import InvalidPrincipal, Principal, hash_key, new_key
from services.kit.envelope import (
    UndecodableEvent,
    body_as,
    msg_id,
    stream_name,
    subject,
    unwrap,
    wrap,
)
from services.kit.settings import Settings, SettingsError, parse_secrets

pytestmark = pytest.mark.unit


def test_defaults_need_no_configuration():
    s = Settings.from_env({})
    assert s.service_ports["orders"] == 50051 and s.gateway_port == 8000
    # No key or secret falls back to a published value (make up generates them).
    assert s.database_url == "" and s.admin_key == "" and s.webhook_secrets == {}


def test_environment_overrides_and_round_trips():
    env = {"DOVETAIL_ORDERS_PORT": "6001", "DOVETAIL_WEBHOOK_SECRETS": "a=1, b = 2",
           "DOVETAIL_ADMIN_KEY": "k", "DOVETAIL_SERVICES": "orders"}
    s = Settings.from_env(env)
    assert s.service_ports["orders"] == 6001 and s.webhook_secrets == {"a": "1", "b": "2"}
    again = Settings.from_env(s.to_env())
    assert again.service_ports == s.service_ports and again.services == ("orders",)


@pytest.mark.parametrize("env", [{"DOVETAIL_ORDERS_PORT": "x"},
                                 {"DOVETAIL_WEBHOOK_SECRETS": "nochannel"},
                                 {"DOVETAIL_SERVICES": "orders,warehouse"}])
def test_bad_settings_are_named(env):
    with pytest.raises(SettingsError, match="DOVETAIL_"):
        Settings.from_env(env)


def test_secrets_parse():
    assert parse_secrets("x=a=b") == {"x": "a=b"}


def test_subjects_streams_and_message_ids():
    assert subject("orders", "placed") == "dovetail.orders.placed"
    assert subject("iot", "MachineStateChanged") == "dovetail.iot.machine_state_changed"
    assert stream_name("orders") == "DOVETAIL_ORDERS"
    assert msg_id("orders", 42) == "orders:42"


def test_an_envelope_carries_its_typed_body():
    body = orders_events_pb2.OrderPlaced(order_id="o1", revision=1)
    env = wrap(service="orders", body=body, aggregate_id="o1", version=1,
               occurred_at=datetime(2026, 11, 25, tzinfo=UTC), tenant="t", notification_id=7)
    again = unwrap(env.SerializeToString())
    assert again.type == "dovetail.orders.v1.OrderPlaced" and again.notification_id == 7
    assert body_as(again, orders_events_pb2.OrderPlaced).order_id == "o1"
    assert again.event_id == wrap(service="orders", body=body, aggregate_id="o1", version=1,
                                  occurred_at=datetime.now(UTC), tenant="t",
                                  notification_id=8).event_id
    with pytest.raises(UndecodableEvent):
        body_as(again, orders_events_pb2.OrderCancelled)
    with pytest.raises(UndecodableEvent):
        unwrap(b"\xff\xff not protobuf")


def test_principals_and_keys():
    assert Principal.parse("factory:F-GZ-01") == Principal("factory", "F-GZ-01")
    assert str(Principal.parse("admin")) == "admin"
    for bad in ["root", "factory:", "factory:a b", "admin:x"]:
        with pytest.raises(InvalidPrincipal):
            Principal.parse(bad)
    key = new_key(Principal("channel", "shop"))
    assert key.startswith("dvt_channel_") and len(hash_key(key)) == 64 and key not in hash_key(key)


def test_generated_protobuf_code_is_current():
    # protoc runs in its own process: loading it beside generated modules aborts the process.
    result = subprocess.run([sys.executable, "-m", "infra.protos", "--check"],
                            capture_output=True, text=True, cwd=Path(__file__).parents[3])
    assert result.returncode == 0, f"run `make protos` and commit the result:\n{result.stdout}"
