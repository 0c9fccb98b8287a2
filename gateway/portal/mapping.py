"""The portal's shop desk: the "needs mapping" inbox, a dry run of a shop payload, and the
order page's amend form and re-process button (docs/security.md, "Roles").

The inbox groups what every order AWAITING_MAPPING needs (orders' ListMappingNeeds); a person
maps one of them to a catalogue product with its parameters (listed from the latest
catalogue, with units and ranges), to a parameter, or ignores it. Saving goes through the same
path as the REST mapping API (`controllers.shop_desk.save_entry`: the catalogue check, then
the channel's waiting orders are released); its problems are shown beside their fields.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway.auth import ORDER_DESK, PLANNING, current, portal_for
from gateway.controllers.orders import amend_request
from gateway.controllers.shop_desk import SHOP_PLATFORMS, save_entry
from gateway.deps import GatewayState, StateDep
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.portal.pages import PAGE_HEADERS, attempt, order_page_data, page, portal_error, when
from gateway.schemas.order_detail import AmendOrder
from gateway.schemas.shop_desk import MappingEntry
from gateway.webhooks.dry_run import dry_run
from gateway.webhooks.mapping import length_mm
from gateway.webhooks.mapping_check import latest_catalogue
from gateway.webhooks.reprocess import reprocess

KIND = cfg.ParameterKind
MAX_PAYLOAD = 1_000_000  # characters of a pasted payload
_OPTION_AT = re.compile(r"/options/([^/]+)$")


def parameter_view(p: cfg.Parameter) -> dict[str, Any]:
    """What a person needs to fill a parameter in: label, unit, range or choices, default."""
    default = p.default_value.WhichOneof("kind")
    return {"name": p.name, "label": p.label or p.name, "unit": p.unit,
            "kind": KIND.Name(p.kind).removeprefix("PARAMETER_KIND_").lower(),
            "min": p.min, "max": p.max, "step": p.step, "required": p.required,
            "choices": [(c.value, c.label or c.value) for c in p.choices],
            "default": shown(getattr(p.default_value, default)) if default else None}


def shown(value: Any) -> Any:
    """A number as a person writes it: 4, not 4.0 (protobuf keeps every number a double)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def catalogue_view(catalogue: dict[str, cfg.Product]) -> dict[str, Any]:
    products = {code: {"code": code, "name": p.name or code,
                       "parameters": [parameter_view(q) for q in p.parameters]}
                for code, p in sorted(catalogue.items())}
    parameters: dict[str, dict[str, Any]] = {}
    for product in products.values():
        for q in product["parameters"]:
            parameters.setdefault(q["name"], q)
    return {"products": products, "parameters": dict(sorted(parameters.items()))}


def typed(text: str, parameter: dict[str, Any] | None, field: str,
          errors: dict[str, str]) -> Any:
    """A value typed in a form, as the catalogue takes it ("200 cm" → 2000 for *_mm)."""
    text = text.strip()
    kind = parameter["kind"] if parameter else "text"
    if kind == "boolean":
        return text.lower() in ("true", "yes", "1", "on")
    if kind in ("integer", "number", "length", "float", "int") or (
            parameter and parameter["name"].endswith("_mm")):
        number = length_mm(text)
        if number is None:
            errors[field] = _("%(value)s is not a number", value=repr(text[:40]))
            return None
        return number
    return text


def entry_from(form: dict[str, str], catalogue: dict[str, Any],
               errors: dict[str, str]) -> MappingEntry | None:
    """The mapping entry a submitted form says; unreadable values are named in `errors`."""
    product = catalogue["products"].get(form.get("product", ""), {})
    known = {q["name"]: q for q in product.get("parameters", [])} or catalogue["parameters"]
    options = {}
    for field, text in form.items():
        if field.startswith("opt.") and text.strip():
            name = field.removeprefix("opt.")
            value = typed(text, known.get(name), field, errors)
            if value is not None:
                options[name] = value
    try:
        return msgspec.convert({
            "kind": form.get("kind", ""), "key": form.get("key", ""),
            "action": form.get("action", "map"), "table": form.get("table") or "products",
            "product": form.get("product", ""), "parameter": form.get("parameter", ""),
            "options": options}, MappingEntry)
    except msgspec.ValidationError as exc:
        errors["key"] = str(exc)
        return None


def field_of(pointer: str) -> str:
    """The form field a mapping problem belongs to (its JSON Pointer in the mapping)."""
    if pointer.endswith("/product") or pointer == "product":
        return "product"
    if pointer.startswith("/options/") or pointer == "parameter":
        return "parameter"
    if (option := _OPTION_AT.search(pointer)) or pointer.startswith("options/"):
        name = option.group(1) if option else pointer.removeprefix("options/")
        return "opt." + name.replace("~1", "/").replace("~0", "~")
    return pointer if pointer in ("key", "action") else "form"


def table_for(group: Any) -> str:
    """Where a product need's key is looked up: a SKU, an id, or a title."""
    if f"SKU {group.key!r}" in group.example:
        return "products"
    return "product_ids" if group.key.isdigit() else "titles"


async def inbox(gateway: GatewayState, channel: str) -> tuple[Any, str]:
    return await attempt(gateway.services.call(
        "orders", "ListMappingNeeds", orders_pb.ListMappingNeedsRequest(channel=channel)))


async def inbox_page(gateway: GatewayState, channel: str, *, picked: dict[str, str] | None = None,
                     errors: dict[str, str] | None = None, saved: str = "",
                     status_code: int = 200) -> Template:
    needs, note = await inbox(gateway, channel)
    catalogue, catalogue_note = await attempt(latest_catalogue(gateway.services.call), {})
    return Template(template_name="mapping.html", status_code=status_code, headers=PAGE_HEADERS,
                    context={"nav": "mapping", "topics": "orders", "channel": channel,
                             "channels": list(SHOP_PLATFORMS), "needs": needs, "note": note,
                             "catalogue": catalogue_view(catalogue or {}),
                             "catalogue_note": catalogue_note, "picked": picked or {},
                             "errors": errors or {}, "saved": saved, "table_for": table_for})


class MappingPortalController(Controller):
    """Admins and planners: the inbox and the dry run."""

    path = "/portal/mapping"
    guards = [portal_for(*PLANNING)]
    include_in_schema = False
    exception_handlers = {ServiceError: portal_error}

    @get("/")
    async def inbox(self, gateway: StateDep, channel: FromQuery[str] = "",
                    kind: FromQuery[str] = "", key: FromQuery[str] = "",
                    product: FromQuery[str] = "", saved: FromQuery[str] = "") -> Template:
        channel = channel if channel in SHOP_PLATFORMS else ""
        picked = {"kind": kind[:20], "key": key[:300], "product": product[:64],
                  "channel": channel} if key else {}
        return await inbox_page(gateway, channel, picked=picked, saved=saved[:300])

    @post("/", status_code=303)
    async def save(self, request: Request, gateway: StateDep) -> Response:
        form = {k: str(v)[:2000] for k, v in (await request.form()).items()}
        channel = form.get("channel", "")
        errors: dict[str, str] = {}
        if channel not in SHOP_PLATFORMS:
            errors["channel"] = _("choose the shop channel")
        catalogue, _note = await attempt(latest_catalogue(gateway.services.call), {})
        entry = entry_from(form, catalogue_view(catalogue or {}), errors)
        if entry is not None and not errors:
            try:
                await save_entry(gateway, channel, entry, str(current(request)))
                return Redirect(f"/portal/mapping?saved={entry.key}", status_code=303)
            except ValidationException as exc:
                for problem in exc.extra or []:
                    if isinstance(problem, dict):
                        errors.setdefault(field_of(str(problem.get("key", ""))),
                                          str(problem.get("message", exc.detail)))
                errors = errors or {"form": exc.detail}
        picked = {k: form.get(k, "") for k in ("kind", "key", "product", "table", "parameter")}
        picked |= {"channel": channel, "values": {k: v for k, v in form.items()
                                                  if k.startswith("opt.")}}
        return await inbox_page(gateway, "", picked=picked, errors=errors, status_code=422)

    @get("/dry-run")
    async def dry_run_form(self) -> Template:
        return page("dry_run.html", nav="mapping", channels=list(SHOP_PLATFORMS),
                    channel="shopify", payload="", answer=None, when=when)

    @post("/dry-run", status_code=200)
    async def dry_run(self, request: Request, gateway: StateDep) -> Template:
        form = await request.form()
        channel = str(form.get("channel", ""))
        payload = str(form.get("payload", ""))[:MAX_PAYLOAD]
        answer = (await dry_run(gateway, SHOP_PLATFORMS[channel], payload.encode())
                  if channel in SHOP_PLATFORMS else None)
        return page("dry_run.html", nav="mapping", channels=list(SHOP_PLATFORMS),
                    channel=channel, payload=payload, answer=answer, when=when)


def amend_from(form: dict[str, str], errors: dict[str, str]) -> AmendOrder | None:
    """The amendment a submitted order form says: lines `item-<n>-<field>`, options
    `item-<n>-opt-<name>` (empty: left out), the promised date and the reason."""
    items: dict[str, dict[str, Any]] = {}
    for field, text in form.items():
        match = re.fullmatch(r"item-(\d{1,3})-(line_id|product|quantity|opt-(.+))", field)
        if not match or (match.group(3) and not text.strip()):
            continue
        item = items.setdefault(match.group(1), {"options": {}})
        if match.group(3):
            value = text.strip()
            number = length_mm(value) if not value.isalpha() else None
            item["options"][match.group(3)] = number if number is not None else value
        elif match.group(2) == "quantity":
            item["quantity"] = int(text) if text.strip().isdigit() else 0
            if item["quantity"] < 1:
                errors[field] = _("a quantity is a whole number from 1")
        else:
            item[match.group(2)] = text.strip()
    try:
        return msgspec.convert({
            "items": [items[n] for n in sorted(items, key=int)],
            "reason": form.get("reason", "").strip(),
            "promised_date": form.get("promised_date", "").strip() or None,
            "expected_version": int(form.get("expected_version") or 0)}, AmendOrder)
    except (msgspec.ValidationError, ValueError) as exc:
        errors["form"] = str(exc)
        return None


class OrderActionsController(Controller):
    """The order page's amend form (the order desk, as REST amend)."""

    path = "/portal/orders"
    guards = [portal_for(*ORDER_DESK)]
    include_in_schema = False
    exception_handlers = {ServiceError: portal_error}

    @post("/{order_id:str}/amend", status_code=303)
    async def amend(self, order_id: FromPath[str], request: Request,
                    gateway: StateDep) -> Response:
        form = {k: str(v)[:2000] for k, v in (await request.form()).items()}
        errors: dict[str, str] = {}
        data = amend_from(form, errors)
        if data is not None and not errors:
            try:
                await gateway.services.call("orders", "AmendOrder",
                                            amend_request(order_id, data),
                                            actor=current(request).actor)
                return Redirect(f"/portal/orders/{order_id}", status_code=303)
            except ValidationException as exc:
                errors = {str(e.get("key", "form")): str(e.get("message", exc.detail))
                          for e in exc.extra or [] if isinstance(e, dict)} or {"form": exc.detail}
            except ServiceError as exc:
                if exc.status_code >= 500 or exc.status_code == 404:
                    raise
                errors = {e.field: e.message for e in exc.errors} or {"form": exc.said}
        return await order_page_again(gateway, order_id, amend_errors=errors, amend_form=form)

    @post("/{order_id:str}/reprocess", status_code=303, guards=[portal_for(*PLANNING)])
    async def reprocess(self, order_id: FromPath[str], request: Request,
                        gateway: StateDep) -> Response:
        """Made again from the shop's payload kept with it (webhooks/reprocess.py)."""
        try:
            await reprocess(gateway, SHOP_PLATFORMS, order_id, current(request).actor)
            return Redirect(f"/portal/orders/{order_id}", status_code=303)
        except ValidationException as exc:
            problems = [(str(e.get("key", "")), str(e.get("message", exc.detail)))
                        for e in exc.extra or [] if isinstance(e, dict)]
        except ServiceError as exc:
            if exc.status_code >= 500 or exc.status_code == 404:
                raise
            problems = [("", exc.said)]
        return await order_page_again(gateway, order_id, reprocess_problems=problems)


async def order_page_again(gateway: GatewayState, order_id: str, **context: Any) -> Template:
    """The order page with what a refused action has to say (422)."""
    return Template(template_name="order.html", status_code=422, headers=PAGE_HEADERS,
                    context={"nav": "orders", "topics": "", "when": when, **context,
                             **await order_page_data(gateway, order_id)})


SHOP_DESK_PAGES = [MappingPortalController, OrderActionsController]
