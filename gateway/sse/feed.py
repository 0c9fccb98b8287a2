"""Live updates for the portal: JetStream events as server-sent events.

Each message's id is a cursor: `<stream>:<sequence>` of the event itself first, then the
position reached on every other stream of the connection, comma-separated
(`DOVETAIL_ORDERS:120,DOVETAIL_IOT:55`). A single stream position cannot say where the other
streams stood, so the whole cursor travels; a reconnecting client sends it back as
Last-Event-ID and resumes exactly after its last event on every stream, with no gap and no
repeat. The first message (`ready`) already carries the start positions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator

from google.protobuf import json_format, symbol_database
from litestar.exceptions import ValidationException
from litestar.response import ServerSentEventMessage
from nats.js import JetStreamContext

# Imported so every event type is registered and Any bodies can be opened.
from dovetail.delivery.v1 import delivery_events_pb2  # noqa: F401
from dovetail.iot.v1 import iot_events_pb2  # noqa: F401
from dovetail.orders.v1 import orders_events_pb2  # noqa: F401
from dovetail.scheduling.v1 import scheduling_events_pb2  # noqa: F401
from gateway.sse.follow import FOLLOWED, STREAMS, follow, last_sequence
from services.kit.envelope import UndecodableEvent, stream_name, unwrap

KEEPALIVE_S = 15.0
MAX_BODY_CHARS = 4000
_POSITION = re.compile(r"^(DOVETAIL_[A-Z]+):(\d{1,19})$")


def parse_cursor(text: str | None) -> dict[str, int]:
    """`DOVETAIL_ORDERS:120,DOVETAIL_IOT:55` → {stream: sequence}; 422 for anything else."""
    positions: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        match = _POSITION.match(part)
        if not match or match.group(1) not in STREAMS:
            raise ValidationException("bad Last-Event-ID", extra=[{
                "key": "Last-Event-ID",
                "message": f"{part[:60]!r} is not <stream>:<sequence> of a followed stream"}])
        positions[match.group(1)] = int(match.group(2))
    return positions


def cursor(first: str, positions: dict[str, int]) -> str:
    ordered = [first] + sorted(s for s in positions if s != first)
    return ",".join(f"{s}:{positions[s]}" for s in ordered)


def payload(stream: str, seq: int, subject: str, data: bytes) -> str:
    """A small JSON view of one event: what happened to what, and its body when it is small."""
    view: dict = {"stream": stream, "seq": seq, "subject": subject,
                  "event": subject.removeprefix("dovetail.")}
    try:
        envelope = unwrap(data)
    except UndecodableEvent:
        return json.dumps(view)
    view.update(type=envelope.type, aggregate_id=envelope.aggregate_id,
                occurred_at=envelope.occurred_at.ToJsonString())
    body = json_format.MessageToDict(_unpacked(envelope), preserving_proto_field_name=True)
    text = json.dumps(body)
    view["body"] = body if len(text) <= MAX_BODY_CHARS else {"truncated": True}
    return json.dumps(view)


def _unpacked(envelope):
    try:
        message = symbol_database.Default().GetSymbol(envelope.body.TypeName())()
    except KeyError:
        return envelope.body
    envelope.body.Unpack(message)
    return message


async def events(js: JetStreamContext, services: list[str], resume: dict[str, int]
                 ) -> AsyncIterator[ServerSentEventMessage]:
    positions: dict[str, int] = {}
    queue: asyncio.Queue = asyncio.Queue(maxsize=2000)
    subs, pumps = [], []

    async def pump(stream: str, sub) -> None:
        async for msg in sub.messages:
            await queue.put((stream, msg))

    try:
        for service in services:
            stream = stream_name(service)
            after = resume.get(stream)
            positions[stream] = after if after is not None else await last_sequence(js, service)
            sub = await follow(js, service, FOLLOWED[service], positions[stream])
            subs.append(sub)
            pumps.append(asyncio.create_task(pump(stream, sub)))
        first = stream_name(services[0])
        yield ServerSentEventMessage(event="ready", id=cursor(first, positions),
                                     data=json.dumps({"positions": positions}))
        while True:
            try:
                stream, msg = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
            except TimeoutError:
                yield ServerSentEventMessage(comment="keepalive")
                continue
            seq = msg.metadata.sequence.stream
            positions[stream] = seq
            yield ServerSentEventMessage(event=msg.subject.removeprefix("dovetail."),
                                         id=cursor(stream, positions),
                                         data=payload(stream, seq, msg.subject, msg.data))
    finally:
        for task in pumps:
            task.cancel()
        for sub in subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
