"""Shapes of a planner's overrides of one order's planning (issue 19)."""

from __future__ import annotations

from typing import Annotated

import msgspec

Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500,
                                     description="why: the order's history shows it")]


class PlanOverridesRead(msgspec.Struct):
    order_id: str
    pinned_factory_id: Annotated[str, msgspec.Meta(description="\"\" when not pinned")]
    held: bool
    weight: Annotated[int, msgspec.Meta(description="its lateness counts this many times")]


class PinOrder(msgspec.Struct, forbid_unknown_fields=True):
    factory_id: Annotated[str, msgspec.Meta(max_length=64, description=(
        "plan the order at this factory only; \"\" lifts the pin"))]
    reason: Reason


class HoldOrder(msgspec.Struct, forbid_unknown_fields=True):
    held: Annotated[bool, msgspec.Meta(description="true: out of planning; false: release it")]
    reason: Reason


class PrioritiseOrder(msgspec.Struct, forbid_unknown_fields=True):
    weight: Annotated[int, msgspec.Meta(ge=1, le=100, description=(
        "the weight of its lateness in the plan (1: as every order)"))]
    reason: Reason
