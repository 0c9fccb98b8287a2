"""Public tracking, no login: `GET /track/{token}` (a small page for a phone) and its JSON twin
`GET /track/{token}.json` = `GET /api/v1/track/{token}`.

The token is the only key. Any token that opens nothing — malformed, unknown or revoked —
gets the same 404 with the same body, so probing teaches nothing. Answers are never cached
or indexed and send no referrer.
"""

from __future__ import annotations

import html
import logging
from datetime import date
from zoneinfo import ZoneInfo

import grpc
import msgspec
from babel.dates import format_date
from litestar import Controller, MediaType, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery

from dovetail.delivery.v1 import delivery_service_pb2 as pb
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway import i18n
from gateway.deps import GatewayState
from gateway.errors import ServiceError, from_grpc
from gateway.i18n import gettext as _
from gateway.portal.words import word
from gateway.reads import ts
from gateway.schemas.delivery import MilestoneRead, TrackingRead
from gateway.schemas.orders import ErrorBody

log = logging.getLogger("dovetail.gateway.tracking")
MAX_TOKEN_CHARS = 100
JSON_SUFFIX = ".json"
NOT_FOUND = "not found"
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex, nofollow", "X-Content-Type-Options": "nosniff"}
PAGE_HEADERS = {**PRIVATE, "Content-Security-Policy":
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                "form-action 'none'; frame-ancestors 'none'"}

def N_(message: str) -> str:
    """Marks a message for extraction; the JSON view keeps it English, the page translates it."""
    return message


MILESTONE_LABELS = {
    "ORDER_PLACED": N_("Order placed"), "IN_PRODUCTION": N_("In production"),
    "PRODUCED": N_("Made and packed"), "PICKED_UP": N_("Picked up by the carrier"),
    "IN_TRANSIT": N_("On its way"), "OUT_FOR_DELIVERY": N_("Out for delivery"),
    "DELIVERED": N_("Delivered"), "RETURNED": N_("Returned to sender"),
}
STATUS_TEXT = {
    "AWAITING_PICKUP": N_("Made and packed, waiting for the carrier"),
    "PICKED_UP": N_("Picked up by the carrier"), "IN_TRANSIT": N_("On its way"),
    "OUT_FOR_DELIVERY": N_("Out for delivery today"), "DELIVERED": N_("Delivered"),
    "FAILED_ATTEMPT": N_("We missed you: the carrier will try again"),
    "EXCEPTION": N_("Held up on the way: the carrier is on it"),
    "RETURNED": N_("Returned to sender: we will be in touch"),
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
    view = tracking_read(reply.tracking)
    named = await named_items(state, reply.tracking.order_id)
    return view if named is None else msgspec.structs.replace(view, items=named)


async def named_items(state: GatewayState, order_id: str) -> list[str] | None:
    """The order's lines as the reader names them ("书柜 × 1", "TV unit × 2"), by the catalogue
    version it was configured with; None (delivery's own "Tv unit x 2" stands) when the order
    cannot be read."""
    if not order_id or "orders" not in state.services.channels:
        return None
    try:
        reply = await state.services.call("orders", "GetOrder",
                                          orders_pb.GetOrderRequest(order_id=order_id))
    except ServiceError as exc:
        log.warning("tracking: the order's lines cannot be named: %s", exc.detail)
        return None
    names = await state.catalogue_names.names(state.services, reply.order.catalog_version)
    if not names.version:  # the catalogue cannot be read: delivery's own words stand
        return None
    return [f"{_first_up(names.product(i.product))} × {i.quantity}" for i in reply.order.items]


def _first_up(name: str) -> str:
    return name[:1].upper() + name[1:]  # "wardrobe" heads its line; 衣柜 is as it is


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
        carrier=t.carrier, carrier_name=word(t.carrier), tracking_number=t.tracking_number,
        destination_city=t.destination_city, items=list(t.items),
        promised_date=_date(t, "promised_date"), updated_at=ts(t, "updated_at"),
        destination_time_zone=t.destination_time_zone or i18n.DEFAULT_ZONE)


def _when(text: str | None, zone: str) -> str:
    """A moment on the customer's clock, the zone named."""
    return i18n.local_time(text, zone)


def _day(view: TrackingRead) -> str:
    """The expected day on the customer's clock (not UTC's date of the ETA)."""
    moment = i18n.as_datetime(view.eta)
    day = moment.astimezone(ZoneInfo(view.destination_time_zone)).date() if moment \
        else date.fromisoformat(view.eta_date) if view.eta_date else None
    return _long_date(day)


def _long_date(day: date | None) -> str:
    return format_date(day, "full", locale=i18n.babel_locale()) if day else ""


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
.lang{text-align:right;font-size:.9rem;margin:0 0 .6rem}.lang a{color:#6b4520}
.lang a[aria-current]{font-weight:650;text-decoration:none;color:#2b2620}
"""


def render_page(view: TrackingRead) -> str:
    """The tracking page in the reader's language and the destination's time zone: inline CSS,
    no script, nothing loaded from elsewhere."""
    e, zone = html.escape, view.destination_time_zone
    t = {key: e(text) for key, text in {  # _() outside the f-strings: extraction reads calls
        "title": _("Order %(reference)s", reference=view.order_reference),
        "tracking": _("Dovetail tracking"), "carrier": _("Carrier"),
        "number": _("Tracking no."), "to": _("Delivering to"), "items": _("Items"),
        "promised": _("Promised by"), "expected": _("Expected"),
        "updated": _("Updated %(when)s. Times are in %(zone)s.",
                     when=_when(view.updated_at, zone), zone=zone),
        "private": _("Keep this link private: anyone with it can see this page."),
        "status": _(STATUS_TEXT[view.status]) if view.status in STATUS_TEXT
        else view.status_text}.items()}
    if view.status == "DELIVERED":
        delivered = next((m for m in view.milestones if m.kind == "DELIVERED"), None)
        when = _("Delivered %(when)s", when=_when(delivered.reached_at if delivered else None,
                                                   zone))
        eta = f'<div class="eta">{e(when)}</div>'
        badge = _badge("late", _("Later than promised")) if view.late else ""
    else:
        eta = (f'<div class="eta">{t["expected"]} <b>{e(_day(view))}</b></div>' if view.eta
               else f'<div class="eta">{e(_("Delivery date to be confirmed"))}</div>')
        badge = (_badge("late", _("Running late")) if view.late else
                 _badge("risk", _("May be delayed")) if view.at_risk else "")
    steps = "".join(
        f'<li class="{"reached" if m.reached else ""}"><div class="what">'
        f'{e(milestone_label(m))}</div><div class="small">{e(_when(m.reached_at, zone))}'
        f'{" · " + e(m.city) if m.city and m.reached else ""}</div></li>'
        for m in view.milestones)
    promised = (f'<dt>{t["promised"]}</dt><dd>'
                f"{e(_long_date(date.fromisoformat(view.promised_date)))}</dd>"
                if view.promised_date else "")
    return f"""<!doctype html>
<html lang="{i18n.current()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">
<title>{t["title"]} · {t["tracking"]}</title><style>{STYLE}</style></head>
<body><main>
{switch()}
<section class="card"><h1>{t["title"]}</h1>
<div class="status">{t["status"]}</div>{eta}{badge}</section>
<section class="card"><ol>{steps}</ol></section>
<section class="card"><dl>
<dt>{t["carrier"]}</dt><dd>{e(view.carrier_name or view.carrier)}</dd>
<dt>{t["number"]}</dt><dd>{e(view.tracking_number)}</dd>
<dt>{t["to"]}</dt><dd>{e(view.destination_city)}</dd>
<dt>{t["items"]}</dt><dd>{"<br>".join(e(i) for i in view.items)}</dd>{promised}
</dl></section>
<p class="small">{t["updated"]} {t["private"]}</p>
</main></body></html>"""


def milestone_label(m: MilestoneRead) -> str:
    return _(MILESTONE_LABELS[m.kind]) if m.kind in MILESTONE_LABELS else m.label


def _badge(kind: str, text: str) -> str:
    return f'<span class="badge {kind}">{html.escape(text)}</span>'


def switch() -> str:
    """English / 中文 as links (the page has no forms: its CSP allows none)."""
    return ('<nav class="lang" aria-label="{}"><a href="?lang=en" lang="en"{}>English</a> · '
            '<a href="?lang=zh-CN" lang="zh-CN"{}>中文</a></nav>').format(
        html.escape(_("Language")),
        ' aria-current="true"' if i18n.current() == "en" else "",
        ' aria-current="true"' if i18n.current() == "zh-CN" else "")


def not_found_page() -> str:
    title, hint = html.escape(_("Not found")), html.escape(_("Please check the link you were sent."))
    return f"""<!doctype html>
<html lang="{i18n.current()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><title>{title}</title>
<style>{STYLE}</style></head><body><main>{switch()}<section class="card">
<div class="status">{title}</div><p>{hint}</p>
</section></main></body></html>"""


def _not_found_json() -> Response:
    return Response(ErrorBody(404, NOT_FOUND), status_code=404, media_type=MediaType.JSON,
                    headers=PRIVATE)


class TrackingController(Controller):
    tags = ["tracking"]

    @get("/track/{token:str}", media_type=MediaType.HTML,
         summary="Public tracking page (no login); append .json for its JSON twin",
         responses={404: ResponseSpec(None, description="no shipment behind this link")})
    async def page(self, token: FromPath[str], request: Request, lang: FromQuery[str] = ""
                   ) -> Response:
        state: GatewayState = request.app.state.gateway
        if lang in i18n.SUPPORTED:  # the page's own switch (no cookie: the link is all it has)
            i18n.use(lang)
        if token.endswith(JSON_SUFFIX):
            return await self._json(state, token.removesuffix(JSON_SUFFIX))
        try:
            view = await track(state, token)
        except ServiceError as exc:
            if exc.status_code != 404:
                raise
            return Response(not_found_page(), status_code=404, media_type=MediaType.HTML,
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
