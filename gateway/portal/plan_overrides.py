"""The order page's *Planning* card (issue 19): a planner or chain admin pins the order to a
factory, holds it out of planning or releases it, or sets its priority, each with a reason.
The same calls as the REST API (controllers/plan_overrides.py), as the signed-in person in
their role; refusals are shown beside their fields on the order page (422)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from dovetail.scheduling.v1 import plan_overrides_service_pb2 as pb
from gateway.auth import PLANNING, current, portal_for
from gateway.controllers.plan_overrides import override, plan_card
from gateway.deps import GatewayState, StateDep
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.portal.pages import PAGE_HEADERS, order_page_data, portal_error, when

REASON_CHARS = 500


def _form_reason(form: dict[str, str], errors: dict[str, str]) -> str:
    reason = form.get("reason", "").strip()
    if not reason:
        errors["reason"] = _("say why: the order's history shows it")
    return reason[:REASON_CHARS]


def _weight(form: dict[str, str], errors: dict[str, str]) -> int:
    text = form.get("weight", "").strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 100:
        errors["weight"] = _("a whole number from 1 (as every order) to 100")
        return 0
    return int(text)


class PlanOverridePortalController(Controller):
    path = "/portal/orders/{order_id:str}/plan"
    guards = [portal_for(*PLANNING)]
    include_in_schema = False
    exception_handlers = {ServiceError: portal_error}

    async def _act(self, request: Request, gateway: GatewayState, order_id: str, method: str,
                   make) -> Response:
        form = {k: str(v)[:2000] for k, v in (await request.form()).items()}
        errors: dict[str, str] = {}
        body = make(form, errors)
        if not errors:
            try:
                await override(gateway.services, request, method, body)
                return Redirect(f"/portal/orders/{order_id}#planning", status_code=303)
            except ServiceError as exc:
                if exc.status_code >= 500:
                    raise
                errors = {e.field: e.message for e in exc.errors} or {"form": exc.said}
        return await order_page_again(request, gateway, order_id, plan_errors=errors,
                                      plan_form=form)

    @post("/pin", status_code=303)
    async def pin(self, order_id: FromPath[str], request: Request, gateway: StateDep) -> Response:
        return await self._act(request, gateway, order_id, "PinOrder", lambda f, e: (
            pb.PinOrderRequest(order_id=order_id, factory_id=f.get("factory_id", "").strip(),
                               reason=_form_reason(f, e))))

    @post("/hold", status_code=303)
    async def hold(self, order_id: FromPath[str], request: Request, gateway: StateDep) -> Response:
        return await self._act(request, gateway, order_id, "HoldOrder", lambda f, e: (
            pb.HoldOrderRequest(order_id=order_id, held=f.get("held") == "true",
                                reason=_form_reason(f, e))))

    @post("/priority", status_code=303)
    async def priority(self, order_id: FromPath[str], request: Request,
                       gateway: StateDep) -> Response:
        return await self._act(request, gateway, order_id, "PrioritiseOrder", lambda f, e: (
            pb.PrioritiseOrderRequest(order_id=order_id, weight=_weight(f, e),
                                      reason=_form_reason(f, e))))


async def order_page_again(request: Request, gateway: GatewayState, order_id: str,
                           **context: Any) -> Template:
    """The order page with what a refused override has to say (422)."""
    return Template(template_name="order.html", status_code=422, headers=PAGE_HEADERS, context={
        "nav": "orders", "topics": "", "when": when, **context,
        "planning": await plan_card(gateway, order_id, current(request).role),
        **await order_page_data(gateway, order_id)})
