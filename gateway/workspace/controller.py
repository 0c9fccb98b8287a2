"""The factory workspace's pages and forms (`/factory`), for a factory's people only.

Who: a factory principal — a factory manager's or operator's session (gateway/accounts), or a
factory API key. A manager (or the key) also declares planned stops and registers machines;
an operator reports work and breakdowns. Writes are HTML forms: with a session cookie they
must come from this site (gateway.auth.refuse_cross_site_write, checked for every cookie write)
and each form carries its own idempotency key, so a double tap is one report.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot
from gateway import reads
from gateway.accounts.controller import people
from gateway.auth import SignInRequired, find_principal
from gateway.catalogue_names import CatalogueNames, latest_names
from gateway.controllers.machine_health import factory_healths, health_words
from gateway.deps import ServicesDep, StateDep
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.portal.pages import PAGE_HEADERS
from gateway.schemas.orders import FieldError
from gateway.sessions import COOKIE
from gateway.workspace import reading
from gateway.workspace.maintenance import stop_note
from gateway.workspace.onboarding import COLUMNS, MACHINE_TYPES, RowProblem, read_machines
from gateway.workspace.printing import cut_list_pdf, labels_pdf
from gateway.workspace.shift import local_time, zone_of
from services.kit.auth import Principal

HOUR_MS = 3_600_000
MAX_STOP_HOURS = 72


@dataclass(frozen=True)
class FactoryPerson:
    principal: Principal
    manages: bool  # a manager (or the factory's key): planned stops and machines too

    @property
    def factory_id(self) -> str:
        return self.principal.subject


async def _manages(connection: ASGIConnection, principal: Principal) -> bool:
    if connection.headers.get("authorization"):
        return True  # the factory's own key: what its SDK may do, it may do here
    gateway = connection.app.state.gateway
    account_id = await gateway.sessions.account_of(connection.cookies.get(COOKIE))
    if account_id is None:
        return False
    account = await asyncio.to_thread(people(gateway).app.get, account_id)
    return account.role.startswith("factory_manager:")


async def factory_people(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    """A factory's person or key, or a redirect to sign in; 403 for every other role."""
    principal = await find_principal(connection)
    if principal is None:
        raise SignInRequired("sign in to the factory workspace")
    if principal.role != "factory" or not principal.subject:
        raise PermissionDeniedException(f"the factory workspace is not for {principal.role}")
    state = connection.scope.setdefault("state", {})
    state["principal"] = principal
    state["factory_person"] = FactoryPerson(principal, await _manages(connection, principal))


def person(request: Request) -> FactoryPerson:
    return request.scope["state"]["factory_person"]


def managers_only(request: Request) -> FactoryPerson:
    who = person(request)
    if not who.manages:
        raise PermissionDeniedException(_("only a factory manager may do this"))
    return who


def page(name: str, request: Request, status_code: int = 200, **context: Any) -> Template:
    who = person(request)
    return Template(template_name=name, status_code=status_code, headers=PAGE_HEADERS,
                    context={"who": who, "state_words": state_words(), **context})


def workspace_error(request: Request, exc: ServiceError) -> Response:
    """A page a person can act on; 404 for whatever is not this factory's."""
    title = {404: _("Not found"), 503: _("Try again in a moment")}.get(
        exc.status_code, _("That was not done"))
    message = (_("A service this page needs is not answering right now. Nothing was changed.")
               if exc.status_code == 503 else exc.said)
    errors = [f"{e.field}: {e.message}" for e in exc.errors]
    state = request.scope.get("state", {})
    return Template(template_name="factory_error.html", status_code=exc.status_code,
                    headers=PAGE_HEADERS, context={"who": state.get("factory_person"),
                                                   "title": title, "message": message,
                                                   "errors": errors})


class ReportForm(msgspec.Struct):
    """One tap: start, finish or scrap (with how many pieces and why) of one operation (its
    id holds a '/': a field, not a path segment)."""
    operation_id: str = ""
    kind: str = ""
    key: str = ""
    scrap_quantity: str = "0"
    scrap_reason: str = ""


class StopForm(msgspec.Struct):
    """A planned stop of one machine."""
    key: str = ""
    start: str = ""  # local date and time (datetime-local), in the factory's zone
    hours: str = "1"
    reason: str = ""


class BreakdownForm(msgspec.Struct):
    """A breakdown, as the floor reports it."""
    key: str = ""
    hours: str = "2"
    note: str = ""


@dataclass
class MachinesUpload:
    file: UploadFile


def invalid(fields: dict[str, str]) -> None:
    """422 naming each bad field (nothing is sent on)."""
    bad = {k: v for k, v in fields.items() if v}
    if bad:
        raise ServiceError(422, _("the form has problems"),
                           [FieldError(field=k, message=v) for k, v in bad.items()])


def _hours(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 < value <= MAX_STOP_HOURS else None


class WorkspaceController(Controller):
    path = "/factory"
    guards = [factory_people]
    include_in_schema = False
    exception_handlers = {ServiceError: workspace_error}

    @get("/")
    async def home(self, request: Request, services: ServicesDep) -> Template:
        """Each machine's queue for this shift in planned order: what is next, what is late."""
        who = person(request)
        factory, shift, found, plan_note, listed, machine_note = await reading.gather_home(
            services, who.factory_id)
        zone = zone_of(factory.timezone)
        states = {m["machine"].machine_id: m["status"] for m in listed}
        names = {m["machine"].machine_id: m["machine"].name for m in listed}
        queues = reading.queues(found, shift)
        return page("factory_home.html", request, factory=factory, zone=str(zone), shift=shift,
                    queues=queues, states=states, names=names, note=plan_note or machine_note,
                    at=lambda ms: local_time(ms, zone), day=lambda ms: local_time(ms, zone, True),
                    state_name=state_name, new_key=reading.tap_key,
                    done=request.query_params.get("done", ""),
                    duplicate=request.query_params.get("duplicate") == "1",
                    now_ms=int(time.time() * 1000))

    @post("/report", status_code=303)
    async def report(self, request: Request, services: ServicesDep, data: Annotated[ReportForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
                     ) -> Redirect:
        """Start, finish or scrap with one tap: ReportOperation, keyed by the form's key."""
        who = person(request)
        quantity = data.scrap_quantity.strip() or "0"
        invalid({"operation_id": "" if data.operation_id.strip() else _("is required"),
                 "kind": "" if data.kind in reading.REPORT_KINDS else _(
                     "must be start, finish or scrap"),
                 "key": "" if 0 < len(data.key.strip()) <= 100 else _(
                     "is required (the form's own key; reload the page)"),
                 "scrap_quantity": "" if quantity.isdigit() and int(quantity) <= 10_000 else _(
                     "must be a whole number from 0 to 10000")})
        reply = await reading.report(services, who.factory_id, who.principal.actor,
                                     data.operation_id.strip()[:200], data.kind, data.key.strip(),
                                     int(quantity), data.scrap_reason.strip()[:500])
        return Redirect(f"/factory/?done={data.kind}&duplicate={int(reply.duplicate)}"
                        f"#op-{reply.operation_id}", status_code=303)

    @get("/parts/{order_id:str}/{barcode:str}")
    async def part(self, request: Request, services: ServicesDep, order_id: FromPath[str],
                   barcode: FromPath[str], gateway: StateDep) -> Template:
        """What a part's QR code opens: its order, panel, size, material and operations."""
        who = person(request)
        part, found = await reading.own_part(services, who.factory_id, order_id[:100],
                                             barcode[:200], str(request.base_url),
                                             await latest_names(gateway))
        factory = await reading.factory_record(services, who.factory_id)
        zone = zone_of(factory.timezone)
        operations = [(lane.machine_id, reading.queued(bar)) for lane, bar in
                      await reading.own_order_bars(services, who.factory_id, order_id)]
        return page("factory_part.html", request, part=part, order=found, zone=str(zone),
                    operations=operations, day=lambda ms: local_time(ms, zone, True))

    @get("/orders/{order_id:str}/labels.pdf")
    async def labels(self, request: Request, services: ServicesDep, order_id: FromPath[str],
                     gateway: StateDep) -> Response:
        found = await parts_of(request, services, order_id, await latest_names(gateway))
        return pdf(labels_pdf(found.parts, _("Part labels, order %(id)s", id=found.order_id)),
                   f"labels-{found.order_id}.pdf")

    @get("/orders/{order_id:str}/cut-list.pdf")
    async def cut_list(self, request: Request, services: ServicesDep, order_id: FromPath[str],
                       gateway: StateDep) -> Response:
        found = await parts_of(request, services, order_id, await latest_names(gateway))
        factory = await reading.factory_record(services, person(request).factory_id)
        zone = zone_of(factory.timezone)
        printed = local_time(int(time.time() * 1000), zone, True)
        subtitle = _("%(factory)s · %(summary)s · printed %(when)s (%(zone)s)",
                     factory=factory.name or factory.factory_id, summary=found.summary,
                     when=printed, zone=str(zone))
        return pdf(cut_list_pdf(found.parts, _("Cut list, order %(id)s", id=found.order_id),
                                subtitle), f"cut-list-{found.order_id}.pdf")

    @get("/machines")
    async def machines(self, request: Request, services: ServicesDep) -> Template:
        """Machine states, planned stops ahead, and the forms to report a breakdown or plan
        a stop."""
        who = person(request)
        factory, shift, found, plan_note, listed, machine_note = await reading.gather_home(
            services, who.factory_id)
        zone = zone_of(factory.timezone)
        stops = {lane.machine_id: [w for w in lane.unavailable if w.reason in (
            2, 3)] for lane in found}
        try:
            healths, health_note = await factory_healths(services, [who.factory_id]), ""
        except ServiceError as exc:  # said on the page: no health shown is not a healthy machine
            healths, health_note = {}, exc.said
        return page("factory_machines.html", request, factory=factory, zone=str(zone),
                    machines=listed, stops=stops, note=plan_note or machine_note,
                    health={m: health_words(h) for m, h in healths.items()},
                    health_note=health_note,
                    state_name=state_name, new_key=reading.tap_key,
                    day=lambda ms: local_time(ms, zone, True),
                    done=request.query_params.get("done", ""),
                    machine_type=reads.machine_type, stop_note=stop_note)

    @post("/machines/{machine_id:str}/breakdown", status_code=303)
    async def breakdown(self, request: Request, services: ServicesDep, machine_id: FromPath[str],
                        data: Annotated[BreakdownForm,
                                        Body(media_type=RequestEncodingType.URL_ENCODED)]
                        ) -> Redirect:
        """A breakdown reported from the floor: the machine is out from now for the hours
        the person expects (a stop iot records and scheduling plans around at once)."""
        who = person(request)
        hours = _hours(data.hours)
        invalid({"hours": "" if hours else _("must be a number above 0 and at most 72"),
                 "key": "" if 0 < len(data.key.strip()) <= 100 else _("is required")})
        now_ms = int(time.time() * 1000)
        note = data.note.strip()[:400]
        await reading.declare_stop(services, who.factory_id, machine_id[:64], now_ms,
                                   now_ms + int((hours or 1) * HOUR_MS),
                                   f"breakdown: {note}" if note else "breakdown",
                                   data.key.strip())
        return Redirect("/factory/machines?done=breakdown", status_code=303)

    @post("/machines/{machine_id:str}/stops", status_code=303)
    async def planned_stop(self, request: Request, services: ServicesDep,
                           machine_id: FromPath[str],
                           data: Annotated[StopForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
                           ) -> Redirect:
        """A planned stop (maintenance, cleaning) from a local time, for some hours."""
        who = managers_only(request)
        factory = await reading.factory_record(services, who.factory_id)
        zone = zone_of(factory.timezone)
        hours = _hours(data.hours)
        start = None
        try:
            start = datetime.fromisoformat(data.start.strip()).replace(tzinfo=zone)
        except ValueError:
            pass
        invalid({"start": "" if start else _("must be a date and time (YYYY-MM-DDTHH:MM)"),
                 "hours": "" if hours else _("must be a number above 0 and at most 72"),
                 "reason": "" if data.reason.strip() else _("is required"),
                 "key": "" if 0 < len(data.key.strip()) <= 100 else _("is required")})
        start_ms = int(start.timestamp() * 1000) if start else 0
        await reading.declare_stop(services, who.factory_id, machine_id[:64], start_ms,
                                   start_ms + int((hours or 1) * HOUR_MS),
                                   data.reason.strip()[:400], data.key.strip())
        return Redirect("/factory/machines?done=stop", status_code=303)

    @get("/onboarding")
    async def onboarding_form(self, request: Request) -> Template:
        managers_only(request)
        return onboarding_page(request)

    @post("/onboarding", status_code=200)
    async def onboarding(self, request: Request, services: ServicesDep, data: Annotated[
            MachinesUpload, Body(media_type=RequestEncodingType.MULTI_PART)]) -> Template:
        """Machines from a CSV file: all of them, or none while any row is bad."""
        who = managers_only(request)
        rows, problems = read_machines(await data.file.read())
        if not problems:
            problems = await conflicts(services, who.factory_id, rows)
        if problems:
            return onboarding_page(request, problems=problems, status_code=422)
        registered = []
        for row in rows:
            reply = await services.call("iot", "RegisterMachine", iot.RegisterMachineRequest(
                factory_id=who.factory_id, machine_id=row.machine_id, name=row.name,
                machine_type=getattr(types_pb2, f"MACHINE_TYPE_{row.machine_type.upper()}"),
                speed_factor=row.speed_factor, rated_power_kw=row.rated_power_kw,
                batch_capacity=row.batch_capacity), actor=who.principal.actor)
            registered.append((row, reply.duplicate))
        return onboarding_page(request, registered=registered)


async def parts_of(request: Request, services, order_id: str,
                   names: CatalogueNames) -> reading.OrderParts:
    """The order's parts, when the order is planned in the person's factory (else 404); their
    boards by the catalogue's `names`."""
    return await reading.order_parts(services, person(request).factory_id, order_id[:100],
                                     str(request.base_url), names)


def onboarding_page(request: Request, problems: list[RowProblem] | None = None,
                    registered: list | None = None, status_code: int = 200) -> Template:
    return page("factory_onboarding.html", request, status_code=status_code,
                columns=COLUMNS, machine_types=MACHINE_TYPES, problems=problems or [],
                registered=registered or [])


async def conflicts(services, factory_id: str, rows) -> list[RowProblem]:
    """Rows iot would refuse for what it already holds: a machine id of another factory, or
    one of ours registered with other details (changed through UpdateMachine, not here)."""
    ours = {m["machine"].machine_id: m["machine"] for m in await reading.machines(
        services, factory_id)}
    problems = []
    for row in rows:
        mine = ours.get(row.machine_id)
        if mine is not None:
            if (reads.machine_type(mine.machine_type), mine.name, mine.rated_power_kw) != (
                    row.machine_type, row.name, row.rated_power_kw):
                problems.append(RowProblem(row.line, "machine_id", _(
                    "is already registered here with other details")))
            continue
        try:
            found = await services.call("iot", "GetMachineStatus", iot.GetMachineStatusRequest(
                machine_id=row.machine_id))
        except ServiceError as exc:
            if exc.status_code == 404:
                continue
            raise
        if found.status.factory_id == factory_id:
            continue  # ours, registered a moment ago (the list follows iot's log)
        problems.append(RowProblem(row.line, "machine_id", _("is taken by another factory")))
    return problems


def state_name(status) -> str:
    """OFF, IDLE, RUNNING, OVERLOAD, DOWN, OFFLINE; UNKNOWN before iot has heard the machine."""
    if status is None or not status.state:
        return "UNKNOWN"
    return reads.enum(iot.MachineState, status.state, "MACHINE_STATE_")


def state_words() -> dict[str, str]:
    """Machine states, operation statuses and machine types as people read them, in their
    language."""
    return {"OFF": _("off"), "IDLE": _("idle"), "RUNNING": _("running"),
            "OVERLOAD": _("overload"), "DOWN": _("down"), "OFFLINE": _("offline"),
            "UNKNOWN": _("no signal yet"), "PLANNED": _("planned"), "STARTED": _("started"),
            "FINISHED": _("finished"), "SCRAPPED": _("scrapped"),
            "panel_saw": _("panel saw"), "edge_bander": _("edge bander"),
            "cnc_drill": _("CNC drill"), "cnc_router": _("CNC router"), "sander": _("sander"),
            "paint_line": _("paint line"), "assembly": _("assembly"), "packing": _("packing")}


def pdf(content: bytes, filename: str) -> Response:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


HERE = Path(__file__).parent
WORKSPACE_HANDLERS = [WorkspaceController,
                      create_static_files_router(path="/factory/static",
                                                 directories=[HERE / "static"],
                                                 include_in_schema=False)]
