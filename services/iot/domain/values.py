"""Plain values of the iot domain: live machine states, machine types, sensor kinds, ids; and
how a value object turns into plain data and back."""

from __future__ import annotations

import re
import uuid
from enum import StrEnum
from typing import Any, TypeVar

import msgspec

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NAMESPACE = uuid.UUID("3d6a9f7e-5b1c-4c2e-8a40-7f1e2b9c6d55")

MACHINE_TYPES = ("panel_saw", "edge_bander", "cnc_drill", "cnc_router", "sander", "paint_line",
                 "assembly", "packing")
CNC_TYPES = ("cnc_drill", "cnc_router")
SENSOR_KINDS = ("cnc_controller", "current_sensor")
DOWNTIME_CATEGORIES = ("unspecified", "breakdown", "maintenance", "changeover", "no_operator",
                       "no_material", "power_outage", "network", "planned_stop", "other")


class LiveState(StrEnum):
    """What a machine is doing as the platform reports it (the wire's MachineState)."""

    UNSPECIFIED = "UNSPECIFIED"
    OFF = "OFF"
    IDLE = "IDLE"
    RUNNING = "RUNNING"
    OVERLOAD = "OVERLOAD"
    DOWN = "DOWN"
    OFFLINE = "OFFLINE"

    @property
    def available(self) -> bool:
        """Usable by the scheduler (DOWN and OFFLINE are not)."""
        return self not in UNAVAILABLE

    @property
    def productive(self) -> bool:
        return self in (LiveState.RUNNING, LiveState.OVERLOAD)


V = TypeVar("V")


def as_plain(value: Any) -> Any:
    """A value object as plain data: nested values as objects of their fields."""
    return msgspec.to_builtins(value)


def from_plain(kind: type[V], data: Any) -> V:
    """A value of ``kind`` from its plain data; missing fields take their defaults, fields it
    does not know are left aside (``msgspec.ValidationError`` names a field of the wrong type)."""
    return msgspec.convert(data, kind)


UNAVAILABLE = frozenset({LiveState.DOWN, LiveState.OFFLINE})


def valid_id(text: str) -> bool:
    """Factory and machine ids are NATS subject tokens and KV key parts: no dots or spaces."""
    return bool(ID_RE.match(text or ""))


def stable_id(kind: str, *parts: str) -> uuid.UUID:
    """Deterministic aggregate id from a natural key (idempotency, uniqueness)."""
    return uuid.uuid5(NAMESPACE, "\x1f".join((kind, *parts)))
