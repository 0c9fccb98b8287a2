"""Integration events on the wire: subjects, streams and the protobuf envelope."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from google.protobuf import any_pb2
from google.protobuf.message import Message

from dovetail.common.v1 import envelope_pb2
from services.kit.wellknown import timestamp_of

EVENT_NAMESPACE = uuid.UUID("0b8f5d1e-2c3a-4f6b-9e7d-1a2b3c4d5e6f")
SUBJECT_PREFIX = "dovetail"


def stream_name(service: str) -> str:
    """One stream per service: DOVETAIL_ORDERS over dovetail.orders.>"""
    return f"DOVETAIL_{service.upper()}"


def stream_subjects(service: str) -> list[str]:
    return [f"{SUBJECT_PREFIX}.{service}.>"]


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def subject(service: str, event_name: str) -> str:
    """dovetail.<service>.<event in snake case>"""
    return f"{SUBJECT_PREFIX}.{service}.{snake_case(event_name)}"


def msg_id(service: str, notification_id: int) -> str:
    """The Nats-Msg-Id of a relayed notification: a re-publish is dropped as a duplicate."""
    return f"{service}:{notification_id}"


def event_id(service: str, aggregate_id: str, version: int) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{service}:{aggregate_id}:{version}"))


def wrap(*, service: str, body: Message, aggregate_id: str, version: int,
         occurred_at: datetime, tenant: str, notification_id: int) -> envelope_pb2.EventEnvelope:
    packed = any_pb2.Any()
    packed.Pack(body)
    return envelope_pb2.EventEnvelope(
        event_id=event_id(service, aggregate_id, version),
        type=body.DESCRIPTOR.full_name,
        aggregate_id=aggregate_id,
        version=version,
        occurred_at=timestamp_of(occurred_at),
        tenant=tenant,
        notification_id=notification_id,
        source=service,
        body=packed,
    )


class UndecodableEvent(ValueError):
    """A message on a Dovetail subject that is not an envelope we can read (poison)."""


def unwrap(data: bytes) -> envelope_pb2.EventEnvelope:
    envelope = envelope_pb2.EventEnvelope()
    try:
        envelope.ParseFromString(data)
    except Exception as exc:  # protobuf raises DecodeError, a plain Exception subclass
        raise UndecodableEvent(f"not an EventEnvelope: {exc}") from exc
    if not envelope.source or envelope.notification_id <= 0 or not envelope.type:
        raise UndecodableEvent("envelope lacks source, notification id or type")
    return envelope


def body_as(envelope: envelope_pb2.EventEnvelope, message_type: type[Message]) -> Message:
    message = message_type()
    if not envelope.body.Unpack(message):
        raise UndecodableEvent(
            f"body is {envelope.body.TypeName()}, expected {message_type.DESCRIPTOR.full_name}")
    return message
