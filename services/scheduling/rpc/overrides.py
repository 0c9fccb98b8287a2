"""PlanOverridesService over gRPC (issue 19): a person pins an order to a factory, holds it
out of planning or weighs its lateness. Admin keys only: the gateway, which lets planners and
chain admins in and names the person (`dovetail-actor`) and their role
(`dovetail-actor-role`). The rules are in domain/overrides.py; the factory checks read the
planner's in-memory network state. Wire ↔ domain here too."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from dovetail.scheduling.v1 import plan_overrides_service_pb2 as pb
from dovetail.scheduling.v1 import plan_overrides_service_pb2_grpc as pb_grpc
from services.kit.auth import actor_of, actor_role_of
from services.kit.errors import (
    Categories,
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Violations,
    raising_categories,
)
from services.kit.rpc import current_principal
from services.kit.words import N_
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain import errors, overrides
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.overriding import PlanOverrides

ROLES = {name: ("admin",) for name in
         ("PinOrder", "HoldOrder", "PrioritiseOrder", "GetPlanOverrides")}
ERRORS: Categories = {errors.OrderNotInPool: NotFound, errors.PlanKeptChanging: Conflict,
                      overrides.OrderInProduction: FailedPrecondition,
                      overrides.OrderWithdrawn: FailedPrecondition}


def overrides_pb(order: PoolOrder) -> pb.PlanOverrides:
    return pb.PlanOverrides(order_id=order.order_id, pinned_factory_id=order.pinned_factory,
                            held=order.held, weight=order.weight)


def _order_id(text: str) -> str:
    order_id = text.strip()
    if not order_id:
        raise InvalidArgument(Violations.one("order_id", N_("is required")))
    return order_id


@raising_categories(ERRORS)
class PlanOverridesServicer(pb_grpc.PlanOverridesServiceServicer):
    def __init__(self, app: SchedulingApplication, state: NetworkState):
        self.pool = PlanOverrides(app)
        self.state = state

    async def _override(self, order_id: str, context,
                        act: Callable[[PoolOrder, str, str], bool]) -> pb.PlanOverrides:
        principal, metadata = current_principal(), context.invocation_metadata()
        by, role = actor_of(principal, metadata), actor_role_of(principal, metadata)
        order = await asyncio.to_thread(self.pool.override, order_id,
                                        lambda o: act(o, by, role))
        return overrides_pb(order)

    def _check_pin(self, order_id: str, factory_id: str, v: Violations) -> None:
        factory = self.state.factories.get(factory_id)
        order = self.state.orders.get(order_id)
        overrides.check_pin(
            factory_id, factory is not None, factory is not None and factory.active,
            {m.machine_type for m in self.state.machines_of(factory_id) if m.active},
            {step.machine_type for step in order.routing} if order is not None else (), v)

    async def PinOrder(self, request: pb.PinOrderRequest, context):
        order_id, factory_id, v = _order_id(request.order_id), request.factory_id.strip(), Violations()
        reason = overrides.check_reason(request.reason, v)
        if factory_id:
            self._check_pin(order_id, factory_id, v)
        v.raise_if_any()
        return pb.PinOrderResponse(overrides=await self._override(
            order_id, context, lambda o, by, role: o.pin(factory_id, reason, by, role)))

    async def HoldOrder(self, request: pb.HoldOrderRequest, context):
        order_id, v = _order_id(request.order_id), Violations()
        reason = overrides.check_reason(request.reason, v)
        v.raise_if_any()
        return pb.HoldOrderResponse(overrides=await self._override(
            order_id, context, lambda o, by, role: o.hold(request.held, reason, by, role)))

    async def PrioritiseOrder(self, request: pb.PrioritiseOrderRequest, context):
        order_id, v = _order_id(request.order_id), Violations()
        reason = overrides.check_reason(request.reason, v)
        overrides.check_weight(request.weight, v)
        v.raise_if_any()
        return pb.PrioritiseOrderResponse(overrides=await self._override(
            order_id, context, lambda o, by, role: o.prioritise(request.weight, reason, by, role)))

    async def GetPlanOverrides(self, request: pb.GetPlanOverridesRequest, context):
        order_id = _order_id(request.order_id)
        order = await asyncio.to_thread(self.pool.pool_order, order_id)
        return pb.GetPlanOverridesResponse(overrides=overrides_pb(order))
