"""REST for a planner's overrides of one order's planning (issue 19): pin it to a factory,
hold it out of planning or release it, weigh its lateness. Planners and chain admins only
(the order desk's customer service and factory people get 403). Each call names the person
and their role to scheduling, which records the override with them; its field violations
come back as 422 naming each field of the body."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from dovetail.scheduling.v1 import plan_overrides_service_pb2 as pb
from gateway.auth import PLANNING, current, planning
from gateway.deps import GatewayState, Services, ServicesDep
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.schemas.plan_overrides import (
    HoldOrder,
    PinOrder,
    PlanOverridesRead,
    PrioritiseOrder,
)


def overrides_read(o: pb.PlanOverrides) -> PlanOverridesRead:
    return PlanOverridesRead(order_id=o.order_id, pinned_factory_id=o.pinned_factory_id,
                             held=o.held, weight=o.weight)


async def override(services: Services, request: Request, method: str,
                   body: object) -> PlanOverridesRead:
    """One override as the signed-in person (or the key's principal), in their role."""
    who = current(request)
    reply = await services.call("plan_overrides", method, body, actor=who.actor, role=who.role)
    return overrides_read(reply.overrides)


class PlanOverrideController(Controller):
    path = "/api/v1/orders/{order_id:str}/plan"
    tags = ["orders"]
    guards = [planning]
    security = [{"bearer": []}]

    @get("/", summary="The order's plan overrides: pinned factory, held, weight")
    async def overrides(self, order_id: FromPath[str], services: ServicesDep) -> PlanOverridesRead:
        return overrides_read((await services.call(
            "plan_overrides", "GetPlanOverrides",
            pb.GetPlanOverridesRequest(order_id=order_id))).overrides)

    @post("/pin", status_code=200, summary="Pin the order to a factory (\"\" lifts the pin)")
    async def pin(self, request: Request, order_id: FromPath[str], data: JSONBody[PinOrder],
                  services: ServicesDep) -> PlanOverridesRead:
        return await override(services, request, "PinOrder", pb.PinOrderRequest(
            order_id=order_id, factory_id=data.factory_id, reason=data.reason))

    @post("/hold", status_code=200, summary="Hold the order out of planning, or release it")
    async def hold(self, request: Request, order_id: FromPath[str], data: JSONBody[HoldOrder],
                   services: ServicesDep) -> PlanOverridesRead:
        return await override(services, request, "HoldOrder", pb.HoldOrderRequest(
            order_id=order_id, held=data.held, reason=data.reason))

    @post("/priority", status_code=200, summary="Weigh the order's lateness (1-100)")
    async def priority(self, request: Request, order_id: FromPath[str],
                       data: JSONBody[PrioritiseOrder], services: ServicesDep) -> PlanOverridesRead:
        return await override(services, request, "PrioritiseOrder", pb.PrioritiseOrderRequest(
            order_id=order_id, weight=data.weight, reason=data.reason))


async def plan_card(gateway: GatewayState, order_id: str, role: str) -> dict[str, Any] | None:
    """What the order page's *Planning* card shows a planner or admin (None for others): the
    overrides as they stand and the factories to pin to; a note instead when the order is not
    in the planning pool yet or scheduling cannot answer."""
    if role not in PLANNING:
        return None
    try:
        reply = await gateway.services.call("plan_overrides", "GetPlanOverrides",
                                            pb.GetPlanOverridesRequest(order_id=order_id))
    except ServiceError as exc:
        note = (_("Planning overrides apply once the order is configured.")
                if exc.status_code == 404 else exc.said)
        return {"overrides": None, "factories": [], "note": note}
    try:
        factories = await gateway.factories.entries(gateway.services)
    except ServiceError:
        factories = []
    return {"overrides": overrides_read(reply.overrides), "factories": factories, "note": ""}
