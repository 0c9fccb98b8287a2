"""Live updates (admin): `GET /api/v1/events`, server-sent events fed from JetStream.

Topics: orders (every order event), scheduling (plans and assignments), iot (machine state
changes), delivery (shipments and milestones). Resume with the `Last-Event-ID` header (browsers
send it by themselves on reconnect) or the `last_event_id` query parameter; see gateway.sse.feed.
Each key or portal session may hold a few streams at once, the gateway a bounded number
(gateway.sse.slots): beyond, 503 with Retry-After.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from litestar.response import ServerSentEvent

from gateway.auth import order_desk
from gateway.deps import StateDep
from gateway.errors import ServiceError
from gateway.sse.feed import events, parse_cursor
from gateway.sse.follow import FOLLOWED

RETRY_MS = 2000


def topics_of(text: str) -> list[str]:
    topics = [t.strip() for t in text.split(",") if t.strip()] or list(FOLLOWED)
    bad = [t for t in topics if t not in FOLLOWED]
    if bad:
        raise ValidationException("unknown topic", extra=[
            {"key": "topics", "message": f"{bad[0]!r} is not one of {list(FOLLOWED)}"}])
    return list(dict.fromkeys(topics))


class EventController(Controller):
    path = "/api/v1/events"
    tags = ["events"]
    guards = [order_desk]
    security = [{"bearer": []}]

    @get("/", summary="Server-sent events: orders, schedule, machine states, shipments",
         description="Each id is a cursor `<stream>:<sequence>[,<stream>:<sequence>...]`; send "
                     "it back as Last-Event-ID to resume exactly after that event.")
    async def stream(self, request: Request, gateway: StateDep,
                     topics: Annotated[str, QueryParameter(max_length=100)] = "",
                     last_event_id: Annotated[str | None, QueryParameter(max_length=400)] = None
                     ) -> ServerSentEvent:
        if gateway.nc is None:
            raise ServiceError(503, "live updates need NATS, which this gateway has no link to")
        resume = parse_cursor(request.headers.get("last-event-id") or last_event_id)
        chosen = topics_of(topics)
        slot = gateway.streams.take(request.scope["state"]["holder"])
        return ServerSentEvent(slot.holding(events(gateway.nc.jetstream(), chosen, resume)),
                               retry_duration=RETRY_MS, headers={"Cache-Control": "no-store",
                                                                 "X-Accel-Buffering": "no"})
