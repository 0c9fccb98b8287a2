"""The factory workspace's maintenance page (`/factory/maintenance`, issue 22): the maintenance
tasks proposed for the factory's machines before they are expected to fail, those accepted, and
those done, with their reasons in the reader's words and times on the factory's clock; Accept
and Move, and Done once an accepted task's stop has begun (the machine serviced: iot learns its
new baseline).
Factory people only (operators too: the floor decides when a machine stops), their own
factory's tasks only (the factory id is the person's, never the request's)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway.deps import ServicesDep
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.workspace import maintenance, reading
from gateway.workspace.controller import factory_people, invalid, page, person, workspace_error
from gateway.workspace.shift import local_time, zone_of


class MoveForm(msgspec.Struct):
    start: str = ""  # local date and time (datetime-local), in the factory's zone


class MaintenancePages(Controller):
    path = "/factory/maintenance"
    guards = [factory_people]
    include_in_schema = False
    exception_handlers = {ServiceError: workspace_error}

    @get("/")
    async def tasks(self, request: Request, services: ServicesDep) -> Template:
        """The machines' maintenance tasks: open ones (not reported done) first, then those
        done."""
        who = person(request)
        factory = await reading.factory_record(services, who.factory_id)
        zone = zone_of(factory.timezone)
        found = await maintenance.tasks(services, who.factory_id)
        names = {}
        try:
            names = {m["machine"].machine_id: m["machine"].name
                     for m in await reading.machines(services, who.factory_id)}
        except ServiceError:
            pass  # ids instead of names
        open_tasks = [t for t in found if t.status != pb.MAINTENANCE_STATUS_DONE]
        done = [t for t in found if t.status == pb.MAINTENANCE_STATUS_DONE]
        return page("factory_maintenance.html", request, zone=str(zone), open_tasks=open_tasks,
                    done_tasks=done, names=names, explanation=maintenance.explanation_said,
                    day=lambda ms: local_time(ms, zone, True),
                    local_input=lambda ms: datetime.fromtimestamp(ms / 1000, zone).strftime(
                        "%Y-%m-%dT%H:%M"),
                    proposed=pb.MAINTENANCE_STATUS_PROPOSED,
                    finished=pb.MAINTENANCE_STATUS_DONE, now_ms=int(time.time() * 1000),
                    done=request.query_params.get("done", ""))

    @post("/{task_id:str}/accept", status_code=303)
    async def accept(self, request: Request, services: ServicesDep, task_id: FromPath[str]
                     ) -> Redirect:
        who = person(request)
        await maintenance.accept(services, who.factory_id, task_id[:64], who.principal.actor)
        return Redirect(f"/factory/maintenance/?done=accepted#t-{task_id[:64]}",
                        status_code=303)

    @post("/{task_id:str}/done", status_code=303)
    async def report_done(self, request: Request, services: ServicesDep, task_id: FromPath[str]
                          ) -> Redirect:
        who = person(request)
        await maintenance.done(services, who.factory_id, task_id[:64], who.principal.actor)
        return Redirect(f"/factory/maintenance/?done=done#t-{task_id[:64]}", status_code=303)

    @post("/{task_id:str}/move", status_code=303)
    async def move(self, request: Request, services: ServicesDep, task_id: FromPath[str],
                   data: Annotated[MoveForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
                   ) -> Redirect:
        who = person(request)
        factory = await reading.factory_record(services, who.factory_id)
        start = None
        try:
            start = datetime.fromisoformat(data.start.strip()).replace(
                tzinfo=zone_of(factory.timezone))
        except ValueError:
            pass
        invalid({"start": "" if start else _("must be a date and time (YYYY-MM-DDTHH:MM)")})
        await maintenance.move(services, who.factory_id, task_id[:64],
                               int(start.timestamp() * 1000) if start else 0,
                               who.principal.actor)
        return Redirect(f"/factory/maintenance/?done=moved#t-{task_id[:64]}", status_code=303)


MAINTENANCE_HANDLERS = [MaintenancePages]
