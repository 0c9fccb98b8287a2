"""Public tracking, no login: `GET /track/{token}` (a small page for a phone) and its JSON twin
`GET /track/{token}.json` = `GET /api/v1/track/{token}`.

The token is the only key. Any token that opens nothing — malformed, unknown or revoked —
gets the same 404 with the same body, so probing teaches nothing. Answers are never cached
or indexed and send no referrer.
"""

from __future__ import annotations

import html
from datetime import date, datetime

import grpc
from litestar import Controller, MediaType, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath

from dovetail.delivery.v1 import delivery_service_pb2 as pb
from gateway.deps import GatewayState
from gateway.errors import ServiceError, from_grpc
from gateway.reads import ts
from gateway.schemas.delivery import MilestoneRead, TrackingRead
from gateway.schemas.orders import ErrorBody

MAX_TOKEN_CHARS = 100
JSON_SUFFIX = ".json"
NOT_FOUND = "not found"
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex, nofollow", "X-Content-Type-Options": "nosniff"}
PAGE_HEADERS = {**PRIVATE, "Content-Security-Policy":
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                "form-action 'none'; frame-ancestors 'none'"}

MILESTONE_LABELS = {
    "ORDER_PLACED": "Order placed", "IN_PRODUCTION": "In production",
    "PRODUCED": "Made and packed", "PICKED_UP": "Picked up by the carrier",
    "IN_TRANSIT": "On its way", "OUT_FOR_DELIVERY": "Out for delivery",
    "DELIVERED": "Delivered", "RETURNED": "Returned to sender",
}
STATUS_TEXT = {
    "AWAITING_PICKUP": "Made and packed, waiting for the carrier",
    "PICKED_UP": "Picked up by the carrier", "IN_TRANSIT": "On its way",
    "OUT_FOR_DELIVERY": "Out for delivery today", "DELIVERED": "Delivered",
    "FAILED_ATTEMPT": "We missed you: the carrier will try again",
    "EXCEPTION": "Held up on the way: the carrier is on it",
    "RETURNED": "Returned to sender: we will be in touch",
}


def delivery_stub(state: GatewayState):
    if "delivery" not in state.services.channels:
        raise ServiceError(503, "the delivery service is not part of this deployment")
    return state.services.delivery


async def track(state: GatewayState, token: str) -> TrackingRead:
    """The tracking view behind `token`; ServiceError(404) for anything that opens nothing."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise ServiceError(404, NOT_FOUND)
    try:
        reply = await delivery_stub(state).TrackOrder(
            pb.TrackOrderRequest(token=token), metadata=state.services.metadata, timeout=10)
    except grpc.aio.AioRpcError as error:
        if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            raise ServiceError(404, NOT_FOUND) from None
        raise from_grpc(error) from None
    return tracking_read(reply.tracking)


def _date(message, field: str) -> str | None:
    if not message.HasField(field):
        return None
    d = getattr(message, field)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def tracking_read(t: pb.TrackingView) -> TrackingRead:
    status = pb.ShipmentStatus.Name(t.status).removeprefix("SHIPMENT_STATUS_")
    milestones = []
    for m in t.milestones:
        kind = pb.MilestoneKind.Name(m.kind).removeprefix("MILESTONE_KIND_")
        milestones.append(MilestoneRead(kind=kind, label=MILESTONE_LABELS.get(kind, kind),
                                        reached=m.HasField("reached_at"),
                                        reached_at=ts(m, "reached_at"), city=m.location.city))
    return TrackingRead(
        order_reference=t.order_reference, status=status,
        status_text=STATUS_TEXT.get(status, status), milestones=milestones,
        eta=ts(t, "eta"), eta_date=_date(t, "eta_date"), late=t.late, at_risk=t.at_risk,
        carrier=t.carrier, tracking_number=t.tracking_number,
        destination_city=t.destination_city, items=list(t.items),
        promised_date=_date(t, "promised_date"), updated_at=ts(t, "updated_at"))


def _when(text: str | None) -> str:
    return datetime.fromisoformat(text).strftime("%a %d %b, %H:%M UTC") if text else ""


def _day(text: str | None) -> str:
    return date.fromisoformat(text[:10]).strftime("%A %d %B") if text else ""


STYLE = """
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",
Roboto,"PingFang SC","Microsoft YaHei",sans-serif;background:#f4f1ec;color:#2b2620}
main{max-width:34rem;margin:0 auto;padding:1rem}
.card{background:#fff;border-radius:14px;padding:1.1rem 1.2rem;margin:0 0 .9rem;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.05rem;margin:0;color:#7a6f63;font-weight:500}
.status{font-size:1.45rem;font-weight:650;margin:.2rem 0 .4rem}
.eta{font-size:1.05rem}.eta b{font-size:1.2rem}
.badge{display:inline-block;border-radius:99px;padding:.1rem .6rem;font-size:.85rem;
margin-top:.4rem}.late{background:#fde2df;color:#9b2c1f}.risk{background:#fff1cc;color:#7a5200}
.done{background:#e1f3e5;color:#1f6b35}
ol{list-style:none;margin:0;padding:0}
li{position:relative;padding:0 0 1rem 1.9rem}
li:before{content:"";position:absolute;left:.35rem;top:.35rem;width:.8rem;height:.8rem;
border-radius:50%;border:2px solid #c9bfb3;background:#fff}
li:after{content:"";position:absolute;left:.78rem;top:1.3rem;bottom:.1rem;width:2px;
background:#e3dcd3}li:last-child:after{display:none}
li.reached:before{background:#8a5a2b;border-color:#8a5a2b}
li .what{font-weight:600}li:not(.reached) .what{color:#9a9087;font-weight:500}
.small{font-size:.85rem;color:#7a6f63}
dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:.3rem .9rem}
dt{color:#7a6f63}dd{margin:0}
"""


def render_page(view: TrackingRead) -> str:
    """The tracking page: inline CSS, no script, nothing loaded from elsewhere."""
    e = html.escape
    if view.status == "DELIVERED":
        delivered = next((m for m in view.milestones if m.kind == "DELIVERED"), None)
        eta = f'<div class="eta">Delivered {e(_when(delivered.reached_at if delivered else None))}</div>'
        badge = '<span class="badge late">Later than promised</span>' if view.late else ""
    else:
        eta = (f'<div class="eta">Expected <b>{e(_day(view.eta_date or view.eta))}</b></div>'
               if view.eta else '<div class="eta">Delivery date to be confirmed</div>')
        badge = ('<span class="badge late">Running late</span>' if view.late else
                 '<span class="badge risk">May be delayed</span>' if view.at_risk else "")
    steps = "".join(
        f'<li class="{"reached" if m.reached else ""}"><div class="what">{e(m.label)}</div>'
        f'<div class="small">{e(_when(m.reached_at))}'
        f'{" · " + e(m.city) if m.city and m.reached else ""}</div></li>'
        for m in view.milestones)
    promised = (f"<dt>Promised by</dt><dd>{e(_day(view.promised_date))}</dd>"
                if view.promised_date else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">
<title>Order {e(view.order_reference)} · Dovetail tracking</title><style>{STYLE}</style></head>
<body><main>
<section class="card"><h1>Order {e(view.order_reference)}</h1>
<div class="status">{e(view.status_text)}</div>{eta}{badge}</section>
<section class="card"><ol>{steps}</ol></section>
<section class="card"><dl>
<dt>Carrier</dt><dd>{e(view.carrier)}</dd>
<dt>Tracking no.</dt><dd>{e(view.tracking_number)}</dd>
<dt>Delivering to</dt><dd>{e(view.destination_city)}</dd>
<dt>Items</dt><dd>{"<br>".join(e(i) for i in view.items)}</dd>{promised}
</dl></section>
<p class="small">Updated {e(_when(view.updated_at))}. Keep this link private: anyone
with it can see this page.</p>
</main></body></html>"""


NOT_FOUND_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><title>Not found</title>
<style>{STYLE}</style></head><body><main><section class="card">
<div class="status">Not found</div><p>Please check the link you were sent.</p>
</section></main></body></html>"""


def _not_found_json() -> Response:
    return Response(ErrorBody(404, NOT_FOUND), status_code=404, media_type=MediaType.JSON,
                    headers=PRIVATE)


class TrackingController(Controller):
    tags = ["tracking"]

    @get("/track/{token:str}", media_type=MediaType.HTML,
         summary="Public tracking page (no login); append .json for its JSON twin",
         responses={404: ResponseSpec(None, description="no shipment behind this link")})
    async def page(self, token: FromPath[str], request: Request) -> Response:
        state: GatewayState = request.app.state.gateway
        if token.endswith(JSON_SUFFIX):
            return await self._json(state, token.removesuffix(JSON_SUFFIX))
        try:
            view = await track(state, token)
        except ServiceError as exc:
            if exc.status_code != 404:
                raise
            return Response(NOT_FOUND_PAGE, status_code=404, media_type=MediaType.HTML,
                            headers=PAGE_HEADERS)
        return Response(render_page(view), media_type=MediaType.HTML, headers=PAGE_HEADERS)

    @get("/api/v1/track/{token:str}", summary="Public tracking view as JSON (no login)",
         responses={404: ResponseSpec(ErrorBody, description="no shipment behind this link")})
    async def json_view(self, token: FromPath[str], request: Request) -> Response[TrackingRead]:
        return await self._json(request.app.state.gateway, token)

    @staticmethod
    async def _json(state: GatewayState, token: str) -> Response:
        try:
            view = await track(state, token)
        except ServiceError as exc:
            if exc.status_code != 404:
                raise
            return _not_found_json()
        return Response(view, media_type=MediaType.JSON, headers=PRIVATE)
