"""Sign-in with a company's OpenID Connect provider (issue 19, item 1), through the gateway over
HTTP against a real local provider (oidc_provider.py): who gets in, and each check of the
provider's answer that keeps everyone else out."""

from __future__ import annotations

import random
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from gateway.settings import EdgeSettings
from services.kit.settings import SettingsError
from tests.integration.gateway.conftest import gateway_with
from tests.integration.gateway.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    Person,
    serve_provider,
)

pytestmark = pytest.mark.integration
NAME = "Example SSO"


@pytest.fixture(scope="module")
async def provider():
    provider, server, task = await serve_provider()
    yield provider
    server.should_exit = True
    await task


@pytest.fixture(scope="module")
async def oidc_gw(settings, orders_service, provider):
    edge = EdgeSettings(trusted_proxies=("127.0.0.1/32",), oidc_issuer=provider.issuer,
                        oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
                        oidc_name=NAME)
    async with gateway_with(settings, orders_service, edge) as gateway:
        yield gateway


def browser(gw) -> httpx.AsyncClient:
    """A browser of its own address (sign-in budgets are per address)."""
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    return httpx.AsyncClient(base_url=gw.base_url, headers={"X-Forwarded-For": address})


async def invite(gw, role: str) -> tuple[str, str]:
    address = f"oidc-{uuid.uuid4().hex[:10]}@example.com"
    invited = await gw.client.post("/api/v1/accounts", headers=gw.as_("admin"),
                                   json={"email": address, "role": role})
    assert invited.status_code == 201, invited.text
    return address, invited.json()["account_id"]


async def through_provider(b: httpx.AsyncClient, provider, person: Person,
                           state: str | None = None) -> httpx.Response:
    """Start at the gateway, let the provider sign `person` in, come back (with `state`
    instead of the provider's, when given); the gateway's answer to the callback."""
    provider.next = person
    start = await b.get("/portal/oidc/start", params={"next": "/portal/orders"})
    assert start.status_code == 302, start.text[:300]
    assert start.headers["location"].startswith(f"{provider.issuer}/authorize?")
    async with httpx.AsyncClient() as at_provider:  # the provider's own site, not the gateway
        back = await at_provider.get(start.headers["location"])
    assert back.status_code == 302, back.text[:300]
    callback = urlsplit(back.headers["location"])
    query = dict(parse_qsl(callback.query))
    if state is not None:
        query["state"] = state
    return await b.get(f"{callback.path}?{urlencode(query)}")


async def refused(b: httpx.AsyncClient, answer: httpx.Response, status: int, says: str) -> None:
    assert answer.status_code == status, answer.text[:500]
    assert says in answer.text
    assert "dovetail_session" not in b.cookies
    assert (await b.get("/portal/orders")).status_code in (302, 303)  # still signed out


def events_of(gw, account_id: str) -> list[str]:
    app = gw.app.state.gateway.people.app
    return [e.topic.rsplit(".", 1)[-1] for e in app.recorder.select_events(uuid.UUID(account_id))]


async def test_an_invited_person_signs_in_with_the_provider_and_gets_the_accounts_role(
        oidc_gw, provider):
    address, account_id = await invite(oidc_gw, "customer_service")
    async with browser(oidc_gw) as b:
        form = await b.get("/portal/sign-in")
        assert f"Sign in with {NAME}" in form.text and "/portal/oidc/start" in form.text
        # The provider says "admin" in claims of its own: the role is the account's.
        answer = await through_provider(b, provider, Person(
            address.upper(), extra={"role": "admin", "groups": ["admin"]}))
        assert answer.status_code == 303, answer.text[:500]
        assert answer.headers["location"] == "/portal/orders"
        assert "dovetail_session" in b.cookies
        orders = await b.get("/portal/orders")
        assert orders.status_code == 200 and address in orders.text
        assert (await b.get("/portal/people")).status_code == 403
        assert (await b.get("/portal/factories")).status_code == 403
        sent = provider.token_requests[-1]
        assert sent["grant_type"] == "authorization_code" and len(sent["code_verifier"]) >= 43
        assert events_of(oidc_gw, account_id)[-1] == "SignedInWithProvider"
        # The same revocable session a password gives: an admin ends it.
        ended = await oidc_gw.client.post(f"/api/v1/accounts/{account_id}/sign-out",
                                          headers=oidc_gw.as_("admin"))
        assert ended.status_code == 200, ended.text
        assert (await b.get("/portal/orders")).status_code in (302, 303)


async def test_a_planner_gets_the_planners_pages(oidc_gw, provider):
    address, _ = await invite(oidc_gw, "planner")
    async with browser(oidc_gw) as b:
        answer = await through_provider(b, provider, Person(address))
        assert answer.status_code == 303, answer.text[:500]
        assert (await b.get("/portal/factories")).status_code == 200
        assert (await b.get("/portal/people")).status_code == 403


@pytest.mark.parametrize("spoil", [
    {"nonce": "a-nonce-of-another-sign-in"},
    {"audience": "some-other-client"},
    {"expires_in": -3600},
    {"signed_by_stranger": True},
], ids=["wrong nonce", "wrong audience", "expired", "bad signature"])
async def test_an_id_token_that_fails_a_check_signs_nobody_in(oidc_gw, provider, spoil):
    address, account_id = await invite(oidc_gw, "admin")
    async with browser(oidc_gw) as b:
        answer = await through_provider(b, provider, Person(address, **spoil))
        await refused(b, answer, 403, "did not pass Dovetail")
    assert "SignedInWithProvider" not in events_of(oidc_gw, account_id)


async def test_an_unverified_address_is_refused(oidc_gw, provider):
    address, _ = await invite(oidc_gw, "admin")
    async with browser(oidc_gw) as b:
        answer = await through_provider(b, provider, Person(address, email_verified=False))
        await refused(b, answer, 403, "has not confirmed this e-mail address")


async def test_an_address_nobody_invited_is_refused(oidc_gw, provider):
    async with browser(oidc_gw) as b:
        answer = await through_provider(b, provider, Person("stranger@example.com"))
        await refused(b, answer, 403, "has no Dovetail account")


async def test_a_disabled_account_is_refused(oidc_gw, provider):
    address, account_id = await invite(oidc_gw, "planner")
    disabled = await oidc_gw.client.post(f"/api/v1/accounts/{account_id}/disable",
                                         headers=oidc_gw.as_("admin"))
    assert disabled.status_code == 200, disabled.text
    async with browser(oidc_gw) as b:
        answer = await through_provider(b, provider, Person(address))
        await refused(b, answer, 403, "is disabled")


async def test_a_tampered_state_is_refused(oidc_gw, provider):
    address, _ = await invite(oidc_gw, "admin")
    async with browser(oidc_gw) as b:
        answer = await through_provider(b, provider, Person(address), state="forged-state")
        await refused(b, answer, 400, "not started in this browser")


async def test_a_callback_in_a_browser_that_did_not_start_is_refused(oidc_gw, provider):
    """Login CSRF: someone else's code and state, brought to this browser."""
    address, _ = await invite(oidc_gw, "admin")
    async with browser(oidc_gw) as theirs, browser(oidc_gw) as mine:
        provider.next = Person(address)
        start = await theirs.get("/portal/oidc/start")
        async with httpx.AsyncClient() as at_provider:
            back = await at_provider.get(start.headers["location"])
        answer = await mine.get(back.headers["location"])
        await refused(mine, answer, 400, "not started in this browser")


async def test_without_a_provider_nothing_changes(gw):
    form = await gw.client.get("/portal/sign-in")
    assert form.status_code == 200 and "/portal/oidc/start" not in form.text
    assert (await gw.client.get("/portal/oidc/start")).status_code == 404


@pytest.mark.parametrize("issuer", ["http://idp.example.com", "idp.example.com",
                                    "https://idp.example.com/?tenant=1", "https://"])
def test_a_bad_issuer_is_refused_at_start_naming_the_field(issuer):
    with pytest.raises(SettingsError, match="DOVETAIL_OIDC_ISSUER"):
        EdgeSettings.from_env({"DOVETAIL_OIDC_ISSUER": issuer, "DOVETAIL_OIDC_CLIENT_ID": "c",
                               "DOVETAIL_OIDC_CLIENT_SECRET": "s"})
    with pytest.raises(SettingsError, match="DOVETAIL_OIDC_CLIENT_SECRET"):
        EdgeSettings.from_env({"DOVETAIL_OIDC_ISSUER": "https://idp.example.com",
                               "DOVETAIL_OIDC_CLIENT_ID": "c"})
