"""The chain leader's portal: server-rendered pages (Jinja2) over the same service calls as the
REST API, one small script for live updates and the Gantt chart. Every asset is served from
/portal/static by the gateway itself: the portal works without the internet.

A page whose service is down still renders, saying so, instead of failing.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated, Any

import httpx
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway import i18n, reads
from gateway.accounts import oidc
from gateway.accounts.controller import account_read, people
from gateway.accounts.service import principal_for
from gateway.auth import (
    ORDER_DESK,
    PLANNING,
    came_from_this_site,
    current,
    find_principal,
    portal_admin,
    portal_for,
    refuse_cross_site_write,
)
from gateway.controllers.kpis import kept_figures, kpis
from gateway.controllers.orders import (
    STATUSES,
    list_request,
    order_configuration,
    order_energy,
    order_read,
    order_shipment,
)
from gateway.controllers.plan_overrides import plan_card
from gateway.controllers.shipments import list_request as shipments_request
from gateway.controllers.tariffs import planned_energy, price_breakdown_read
from gateway.deps import Services, ServicesDep, StateDep
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.keys import key_reads
from gateway.limits import sign_in_limit
from gateway.portal.board import factory_board
from gateway.portal.explanation import Explained, order_explanation
from gateway.portal.words import role_said, script_texts, with_local_times, word
from gateway.sessions import COOKIE, TTL_S
from services.kit.auth import Principal, bearer_token

HERE = Path(__file__).parent
log = logging.getLogger("dovetail.gateway.portal")
WORKSPACE_TEMPLATES = HERE.parent / "workspace" / "templates"  # the factory workspace's pages
PICKER_PAGE = 25  # factories listed at a time by the schedule's picker
PAGE_HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                           "style-src 'self'; script-src 'self'; "
                                           "frame-ancestors 'none'; form-action 'self'"}


def template_config() -> TemplateConfig:
    return TemplateConfig(directory=[HERE / "templates", WORKSPACE_TEMPLATES],
                          engine=JinjaTemplateEngine, engine_callback=install)


def install(engine) -> None:
    """The i18n callables, and the portal's words for states and kinds."""
    i18n.install(engine)
    getattr(engine, "engine", engine).globals.update(word=word, role_said=role_said,
                                                     with_local_times=with_local_times,
                                                     script_texts=script_texts)


def sign_in_redirect(request: Request, _: Exception) -> Response:
    return Redirect(f"/portal/sign-in?next={request.url.path}")


def page(name: str, **context: Any) -> Template:
    return Template(template_name=name, context=context, headers=PAGE_HEADERS)


async def attempt(call, fallback=None) -> tuple[Any, str]:
    """(result, "") or (fallback, why) when a service cannot answer."""
    try:
        return await call, ""
    except ServiceError as exc:
        return fallback, exc.said


def when(text: str | None) -> str:
    """A moment in the tenant's zone, in the reader's language, with the zone named."""
    return i18n.local_time(text)


class SignInForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    key: str = ""  # an admin API key: the fallback before anyone has an account
    next: str = "/portal/orders"


class PasswordForm(msgspec.Struct):
    email: str = ""
    token: str = ""
    password: str = ""
    confirm: str = ""


class ForgotForm(msgspec.Struct):
    email: str = ""


class LanguageForm(msgspec.Struct):
    lang: str = ""
    next: str = "/portal/orders"


LANGUAGE_TTL_S = 365 * 24 * 3600


def language_next(target: str) -> str:
    """Where the language switch leads back: a portal, workspace or tracking page of this site."""
    return target if target.startswith(("/portal", "/factory", "/track/")) \
        and "//" not in target and "\\" not in target else "/portal/orders"


def remember_language(response: Response, request: Request, language: str) -> Response:
    response.set_cookie(i18n.COOKIE, language, max_age=LANGUAGE_TTL_S, path="/",
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response



def safe_next(target: str) -> str:
    return target if target.startswith(("/portal", "/factory")) and "//" not in target \
        else "/portal/orders"


class SignInController(Controller):
    path = "/portal"
    include_in_schema = False

    @get("/sign-in")
    async def form(self, request: Request, next: FromQuery[str] = "/portal/orders") -> Template:
        return page("sign_in.html", next=safe_next(next), error="",
                    oidc_name=oidc_name(request))

    @post("/sign-in", middleware=[sign_in_limit.middleware], status_code=303)
    async def sign_in(self, request: Request, gateway: StateDep, data: Annotated[
            SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
        if came_from_this_site(request) is False:  # no signing a browser in from another site
            raise PermissionDeniedException("sign-in from another site's page")
        cookie = await (key_session(gateway, data.key) if data.key.strip() else
                        password_session(request, gateway, data.email, data.password))
        if cookie is None:
            return Template(template_name="sign_in.html", status_code=401, headers=PAGE_HEADERS,
                            context={"next": safe_next(data.next), "email": data.email[:254],
                                     "oidc_name": oidc_name(request),
                                     "error": _("That sign-in does not open the portal: check "
                                                "the e-mail and password (or the key).")})
        response = Redirect(await landing(gateway, cookie, safe_next(data.next)), status_code=303)
        response.set_cookie(COOKIE, cookie, max_age=TTL_S, path="/", httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")
        chosen = await people(gateway).language_of(data.email.strip()[:254]) \
            if not data.key.strip() else ""
        return remember_language(response, request, chosen) if chosen else response

    @get("/oidc/start")
    async def oidc_start(self, request: Request, next: FromQuery[str] = "/portal/orders"
                         ) -> Response:
        """Off to the company's OpenID Connect provider, with this browser's state in a cookie."""
        provider = oidc_of(request)
        try:
            url, state = await provider.begin(callback_url(request), safe_next(next))
        except (oidc.Refused, httpx.HTTPError, ValueError) as exc:
            return oidc_refused(provider, exc if isinstance(exc, oidc.Refused) else oidc.Refused(
                502, "provider", repr(exc)))
        response = Redirect(url, status_code=302)
        response.set_cookie(oidc.COOKIE, state, max_age=oidc.FLOW_TTL_S, path="/portal/oidc",
                            httponly=True, samesite="lax", secure=request.url.scheme == "https")
        return response

    @get("/oidc/callback")
    async def oidc_callback(self, request: Request, gateway: StateDep, code: FromQuery[str] = "",
                            flow_state: Annotated[str, QueryParameter(name="state")] = "",
                            error: FromQuery[str] = "") -> Response:
        """Back from the provider: its ID token checked, the invited account's session opened
        (the same portal session a password gives)."""
        provider = oidc_of(request)
        try:
            if error:
                raise oidc.Refused(403, "provider", f"the provider answered {error[:100]!r}")
            account, target = await oidc.sign_in(provider, people(gateway).app,
                                                 callback_url(request), code, flow_state[:100],
                                                 request.cookies.get(oidc.COOKIE, ""))
        except oidc.Refused as exc:
            return oidc_refused(provider, exc)
        cookie = await gateway.sessions.open_for(principal_for(account), account.id,
                                                 account.language)
        response = Redirect(await landing(gateway, cookie, target), status_code=303)
        response.set_cookie(COOKIE, cookie, max_age=TTL_S, path="/", httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")
        response.delete_cookie(oidc.COOKIE, path="/portal/oidc")
        return remember_language(response, request, account.language) if account.language \
            else response

    @post("/language", status_code=303)
    async def language(self, request: Request, gateway: StateDep, data: Annotated[
            LanguageForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
        """The header's switch: the language for this browser and, for a signed-in person,
        their profile's."""
        if data.lang not in i18n.SUPPORTED:
            raise ClientException(detail=f"lang: use one of {', '.join(i18n.SUPPORTED)}",
                                  extra={"field": "lang"})
        if came_from_this_site(request) is False:
            raise PermissionDeniedException("a language switch from another site's page")
        principal = await find_principal(request)  # refuses a cross-site write with a session
        if principal is not None and principal.person:
            await people(gateway).choose_language(principal.person, data.lang)
        return remember_language(Redirect(language_next(data.next), status_code=303), request,
                                 data.lang)

    @get("/forgot")
    async def forgot_form(self) -> Template:
        return page("forgot.html", sent=False)

    @post("/forgot", middleware=[sign_in_limit.middleware], status_code=200)
    async def forgot(self, request: Request, gateway: StateDep, data: Annotated[
            ForgotForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
        refuse_cross_site_write(request)
        await people(gateway).send_reset(data.email.strip()[:254], str(request.base_url))
        return page("forgot.html", sent=True)  # the same answer for every address

    @get("/set-password")
    async def password_form(self, email: FromQuery[str] = "", token: FromQuery[str] = ""
                            ) -> Template:
        return page("set_password.html", email=email[:254], token=token[:100], errors={})

    @post("/set-password", middleware=[sign_in_limit.middleware], status_code=303)
    async def set_password(self, request: Request, gateway: StateDep, data: Annotated[
            PasswordForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
        refuse_cross_site_write(request)
        errors = {} if data.password == data.confirm else {
            "confirm": _("the two passwords differ")}
        if not errors:
            try:
                await people(gateway).set_password(data.email[:254], data.token[:100],
                                                   data.password)
                return Redirect("/portal/sign-in?next=/portal/orders", status_code=303)
            except ServiceError as exc:
                errors = {e.field: e.message for e in exc.errors} or {"token": exc.said}
        return Template(template_name="set_password.html", status_code=422,
                        headers=PAGE_HEADERS, context={"email": data.email[:254],
                                                       "token": data.token[:100],
                                                       "errors": errors})

    @post("/sign-out", status_code=303)
    async def sign_out(self, request: Request, gateway: StateDep) -> Response:
        refuse_cross_site_write(request)
        await gateway.sessions.close(request.cookies.get(COOKIE))
        return signed_out()

    @post("/sign-out-everywhere", status_code=303)
    async def sign_out_everywhere(self, request: Request, gateway: StateDep) -> Response:
        """A person ends all their sessions (every browser); a key's session just this one."""
        refuse_cross_site_write(request)
        cookie = request.cookies.get(COOKIE)
        account = await gateway.sessions.account_of(cookie)
        if account is not None:
            principal = await gateway.sessions.principal_for(cookie)
            await people(gateway).sign_out_everywhere(str(account), principal or Principal(""))
        await gateway.sessions.close(cookie)
        return signed_out()


def oidc_name(request: Request) -> str:
    """The company's provider on the sign-in button; "" when none is set up."""
    provider = request.app.state.get("oidc")
    return provider.name if provider is not None else ""


def oidc_of(request: Request) -> oidc.OidcSignIn:
    provider = request.app.state.get("oidc")
    if provider is None:
        raise NotFoundException("no OpenID Connect provider is set up (DOVETAIL_OIDC_ISSUER)")
    return provider


def callback_url(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}/portal/oidc/callback"


def oidc_refused(provider: oidc.OidcSignIn, exc: oidc.Refused) -> Response:
    """Why the provider's sign-in did not open the portal, said to the person; the details
    go to the log."""
    log.warning("OpenID Connect sign-in refused (%s): %s", exc.kind, exc)
    name = provider.name
    message = {
        "uninvited": _("This e-mail address has no Dovetail account. Ask an admin to invite "
                       "you, then sign in with %(name)s again.", name=name),
        "disabled": _("This Dovetail account is disabled. Ask an admin if you need it."),
        "unverified": _("%(name)s has not confirmed this e-mail address, so it cannot open "
                        "the portal.", name=name),
        "state": _("This sign-in was not started in this browser, or took too long. "
                   "Start again from the sign-in page."),
        "token": _("The answer from %(name)s did not pass Dovetail's checks. Nobody was "
                   "signed in.", name=name),
    }.get(exc.kind, _("%(name)s is not answering as expected right now. Try again in a "
                      "moment, or sign in with your password.", name=name))
    return Template(template_name="error.html", status_code=exc.status, headers=PAGE_HEADERS,
                    context={"title": _("Not signed in"), "message": message,
                             "back": "/portal/sign-in", "back_label": _("Back to sign-in")})


async def landing(gateway, cookie: str, target: str) -> str:
    """Where a sign-in leads: where the person was going, or a factory's people, who have no
    portal pages, to their workspace."""
    if target == "/portal/orders":
        principal = await gateway.sessions.principal_for(cookie)
        if principal is not None and principal.role == "factory":
            return "/factory"
    return target


def signed_out() -> Response:
    response = Redirect("/portal/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def key_session(gateway, key_text: str) -> str | None:
    """The fallback: an admin API key opens a session (before anyone has an account)."""
    key = bearer_token(f"Bearer {key_text.strip()}")
    principal = await gateway.keys.principal_for(key)
    if principal is None or not principal.is_admin:
        return None
    return await gateway.sessions.open(principal, key)


async def password_session(request: Request, gateway, email: str, password: str) -> str | None:
    """A person's session; wrong passwords spend the address's budget (429 beyond it) as
    wrong keys do, besides the account's own lockout."""
    address = request.client.host if request.client else ""
    gateway.guessing.check(address, None)
    cookie = await people(gateway).sign_in(email.strip()[:254], password)
    if cookie is None:
        gateway.guessing.failed(address, None)
    return cookie


async def order_page_data(gateway, order_id: str) -> dict:
    """What the order page shows; the codes it carries are named by the catalogue version it
    was configured with (`names`)."""
    services: Services = gateway.services
    reply = await services.call("orders", "GetOrder", orders_pb.GetOrderRequest(order_id=order_id))
    history = await services.call("orders", "GetOrderHistory",
                                  orders_pb.GetOrderHistoryRequest(order_id=order_id))
    ((configuration, cfg_note), (shipment, ship_note), (energy, _),
     (planned, planned_note), (explained, _w), names) = await asyncio.gather(
        attempt(order_configuration(services, order_id)),
        attempt(order_shipment(services, order_id)),
        attempt(order_energy(services, order_id)),
        attempt(planned_energy(services, order_id)),
        attempt(order_explanation(services, order_id), Explained()),
        gateway.catalogue_names.names(services, reply.order.catalog_version))
    return {"order": order_read(reply.order), "names": names, "history": reads.history(order_id, history),
            "configuration": reads.configuration(configuration) if configuration else None,
            "configuration_note": cfg_note, "shipment": shipment, "shipment_note": ship_note,
            "energy": energy, "planned_energy": planned, "explained": explained,
            "price_breakdown": price_breakdown_read(
                order_id, configuration.price if configuration and configuration.HasField("price")
                else None, planned, planned_note)}


SECTIONS = {"orders": "Orders", "factories": "Factories", "schedule": "Schedule",
            "deliveries": "Deliveries", "kpis": "KPIs", "people": "People", "keys": "Keys"}


def portal_error(request: Request, exc: ServiceError) -> Response:
    """A page a person can act on, not a JSON error body, when a portal page cannot be shown."""
    if exc.status_code in (404, 422):  # an order id that is not one is not found either
        title, message, status = _("Not found"), exc.said, 404
    elif exc.status_code == 503:
        title, status = _("Try again in a moment"), 503
        message = _("A service this page needs is not answering right now. Nothing was changed.")
    else:
        title, message, status = _("This page cannot be shown"), exc.said, exc.status_code
    section = request.url.path.removeprefix("/portal/").split("/", 1)[0] or "orders"
    return Template(template_name="error.html", status_code=status, headers=PAGE_HEADERS,
                    context={"title": title, "message": message, "nav": section,
                             "back": f"/portal/{section}",
                             "back_label": _("Back to %(section)s", section=_(SECTIONS.get(
                                 section, "Orders")))})


def portal_denied(request: Request, exc: PermissionDeniedException) -> Response:
    """A page the person's role does not open: said on a page, in their language."""
    return Template(template_name="error.html", status_code=403, headers=PAGE_HEADERS,
                    context={"title": _("Not for your role"),
                             "message": _("This page is not open to your role. Ask an admin "
                                          "if you need it."),
                             "nav": "orders", "back": "/portal/orders",
                             "back_label": _("Back to %(section)s", section=_("Orders"))})


class PortalController(Controller):
    """Orders and deliveries for the order desk; the network for planners; people and keys
    for admins (docs/security.md, "Roles")."""

    path = "/portal"
    guards = [portal_for(*ORDER_DESK)]
    include_in_schema = False
    exception_handlers = {ServiceError: portal_error, PermissionDeniedException: portal_denied}

    @get("/")
    async def home(self) -> Redirect:
        return Redirect("/portal/orders")

    @get("/orders")
    async def orders(self, gateway: StateDep, status: FromQuery[str] = "",
                     q: FromQuery[str] = "", channel: FromQuery[str] = "",
                     cursor: FromQuery[str] = "") -> Template:
        statuses = [status] if status.upper() in STATUSES else []
        listed, note = await attempt(gateway.services.call("orders", "ListOrders", list_request(
            statuses, channel[:64], q[:200], None, None, 50, cursor[:500] or None)))
        counts = await gateway.facts.counts() if gateway.facts else {}
        names = await gateway.catalogue_names.of_versions(
            gateway.services, (o.catalog_version for o in listed.orders) if listed else ())
        return page("orders.html", nav="orders", topics="orders", statuses=STATUSES,
                    counts=counts, names=names, status=status.upper(), q=q, channel=channel, note=note,
                    orders=[order_read(o, full=False) for o in listed.orders] if listed else [],
                    next_cursor=listed.next_page_token if listed else "", when=when)

    @get("/orders/{order_id:str}")
    async def order(self, order_id: FromPath[str], request: Request,
                    gateway: StateDep) -> Template:
        return page("order.html", nav="orders", topics="orders,scheduling,delivery",
                    when=when, **await order_page_data(gateway, order_id),
                    planning=await plan_card(gateway, order_id, current(request).role))

    @get("/factories", guards=[portal_for(*PLANNING)])
    async def factories(self, services: ServicesDep) -> Template:
        return page("factories.html", nav="factories", topics="iot",
                    board=await factory_board(services), when=when)

    @get("/schedule", guards=[portal_for(*PLANNING)])
    async def schedule(self, gateway: StateDep, factory_id: FromQuery[str] = "",
                       q: FromQuery[str] = "", at: FromQuery[str] = "0") -> Template:
        """One factory's lanes at a time: the one named, or the first the search finds."""
        q = q[:100]
        offset = int(at) if at.isdigit() and len(at) < 7 else 0
        found, note = await attempt(gateway.factories.search(
            gateway.services, q, offset, PICKER_PAGE))
        factory_id = factory_id[:64] or (found.items[0].factory_id if found and found.items
                                         else "")
        zone, _note = await attempt(gateway.factories.zone_of(
            gateway.services, factory_id, i18n.zone()), i18n.zone())
        return page("schedule.html", nav="schedule", topics="scheduling,iot",
                    factory_id=factory_id, q=q, found=found, note=note, page_zone=zone)

    @get("/deliveries")
    async def deliveries(self, services: ServicesDep, show: FromQuery[str] = "open") -> Template:
        flags = {"late": (True, None), "exceptions": (None, True)}.get(show, (None, None))
        listed, note = await attempt(services.call("delivery", "ListShipments", shipments_request(
            flags[0], flags[1], None, [], "", "", 100, None)))
        return page("deliveries.html", nav="deliveries", topics="delivery", show=show,
                    note=note, when=when,
                    shipments=[reads.shipment(s) for s in listed.shipments] if listed else [])

    @get("/kpis", guards=[portal_for(*PLANNING)])
    async def kpi_page(self, gateway: StateDep, state: State, days: FromQuery[int] = 30
                       ) -> Template:
        figures = await kpis(gateway, kept_figures(state), max(1, min(days, 365)))
        return page("kpis.html", nav="kpis", topics="", k=figures, days=days)

    @get("/keys", guards=[portal_admin])
    async def keys(self, gateway: StateDep) -> Template:
        """Which API key is which: bootstrap, minted or seeded, active or revoked."""
        return page("keys.html", nav="keys", topics="", keys=await key_reads(gateway.keys),
                    when=when)

    @get("/people", guards=[portal_admin])
    async def people_page(self, request: Request, gateway: StateDep) -> Template:
        """Who has an account, their role, and the actions an admin takes on them."""
        accounts = [account_read(a) for a in await people(gateway).list()]
        return page("people.html", nav="people", topics="", accounts=accounts,
                    me=current(request))


@get("/", include_in_schema=False)
async def root() -> Redirect:
    """The gateway's address opens the portal."""
    return Redirect("/portal/orders")


PORTAL_HANDLERS = [root, SignInController, PortalController,
                   create_static_files_router(path="/portal/static", directories=[HERE / "static"],
                                              include_in_schema=False)]
