"""Deterministic ids: one aggregate per natural key, and operation ids a factory can quote."""

from __future__ import annotations

import uuid

from services.kit.errors import InvalidArgument, Violations
from services.kit.words import N_

NAMESPACE = uuid.UUID("3c5e8a41-6d2b-4f0e-9a7c-2e1b5d8f4a93")
_OP_SEPARATOR = "/op-"


def factory_key(factory_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"factory:{factory_id}")


def machine_key(machine_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"machine:{machine_id}")


def pool_key(order_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"pool:{order_id}")


def progress_key(order_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"progress:{order_id}")


def factory_plan_key(factory_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"factory-plan:{factory_id}")


def operation_id(order_id: str, seq: int) -> str:
    """Unique across the network: the configurator's ids are only unique within an order."""
    return f"{order_id}{_OP_SEPARATOR}{seq:02d}"


def parse_operation_id(text: str) -> tuple[str, int]:
    """(order id, seq) of an operation id, or INVALID_ARGUMENT."""
    order_id, sep, seq = text.rpartition(_OP_SEPARATOR)
    if not sep or not order_id or not seq.isdigit():
        raise InvalidArgument(Violations.one(
            "operation_id", N_("'%(text)s' is not an operation id (<order id>/op-<seq>)"),
            text=text))
    return order_id, int(seq)
