"""People's accounts end to end on a gateway of its own: an admin invites a planner (the link
arrives at a real local SMTP server), the planner sets a password, signs in, and acts within
the planner's role; lockout, reset, no enumeration, sessions ended by an admin."""

from __future__ import annotations

import email
import email.policy
import random
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller

from gateway.settings import EdgeSettings
from infra.servers import free_port
from tests.helpers import order_payload, ref
from tests.integration.gateway.conftest import gateway_with
from tests.integration.test_gateway_webhooks import signed

pytestmark = pytest.mark.integration
PASSWORD = "a long enough password"


class Mailbox:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"

    def link_to(self, address: str) -> tuple[str, dict[str, str]]:
        for message in reversed(self.messages):
            if message["To"] == address:
                url = re.search(r"https?://\S+", message.get_content()).group(0)
                query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
                return urlsplit(url).path, query
        raise AssertionError(f"no mail to {address}")


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox()
    smtp = Controller(box, hostname="127.0.0.1", port=free_port())
    smtp.start()
    yield box, f"smtp://127.0.0.1:{smtp.port}"
    smtp.stop()


@pytest.fixture(scope="module")
async def people_gw(settings, orders_service, mailbox):
    async with gateway_with(settings, orders_service,
                            EdgeSettings(smtp_url=mailbox[1],
                                         trusted_proxies=("127.0.0.1/32",))) as gateway:
        yield gateway


def browser(gw) -> httpx.AsyncClient:
    """A browser of its own address (through the trusted proxy): sign-in budgets are per
    address, and each test is somebody else."""
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    return httpx.AsyncClient(base_url=gw.base_url, headers={"Origin": gw.base_url,
                                                            "X-Forwarded-For": address})


async def invite(gw, box, role: str) -> tuple[str, str]:
    address = f"{ref()}@example.com".lower()
    invited = await gw.client.post("/api/v1/accounts", headers=gw.as_("admin"),
                                   json={"email": address, "role": role})
    assert invited.status_code == 201, invited.text
    assert any(m["To"] == address for m in box.messages)  # mailed before the answer
    return address, invited.json()["account_id"]


async def set_password(gw, box, address: str, password: str = PASSWORD) -> httpx.Response:
    path, query = box.link_to(address)
    async with browser(gw) as b:
        form = await b.get(path, params=query)
        assert form.status_code == 200 and address in form.text
        return await b.post("/portal/set-password", data={**query, "password": password,
                                                          "confirm": password})


def alert(page: httpx.Response) -> str:
    return re.search(r'role="alert">([^<]*)<', page.text).group(1)


@asynccontextmanager
async def signed_in(gw, address: str, password: str = PASSWORD
                    ) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(gw) as b:
        answer = await b.post("/portal/sign-in", data={"email": address, "password": password})
        assert answer.status_code == 303, answer.text[:300]
        yield b


async def test_an_admin_invites_a_planner_who_signs_in_and_cancels_an_order(
        people_gw, mailbox, settings):
    gw, (box, _) = people_gw, mailbox
    address, _ = await invite(gw, box, "planner")
    assert (await set_password(gw, box, address)).status_code == 303
    order = await gw.client.post("/webhooks/dovetail/orders", **signed(settings, order_payload()))
    order_id = order.json()["order_id"]
    async with signed_in(gw, address) as planner:
        assert (await planner.get("/portal/orders")).status_code == 200
        assert (await planner.get("/portal/schedule")).status_code == 200
        assert (await planner.get("/portal/people")).status_code == 403
        assert (await planner.get("/api/v1/accounts")).status_code == 403
        cancelled = await planner.post(f"/api/v1/orders/{order_id}/cancel",
                                       json={"reason": "customer changed their mind"})
        assert cancelled.status_code == 200, cancelled.text
        history = (await planner.get(f"/api/v1/orders/{order_id}/history")).json()
        assert history["entries"][-1]["status_after"] == "CANCELLED"
        assert history["entries"][-1]["by"] == address  # attributed in its history
        page = await planner.get(f"/portal/orders/{order_id}")
        assert f"by {address}" in page.text


async def test_a_change_made_with_a_key_is_kept_with_the_keys_principal(people_gw, settings):
    gw = people_gw
    order = await gw.client.post("/webhooks/dovetail/orders", **signed(settings, order_payload()))
    order_id = order.json()["order_id"]
    cancelled = await gw.client.post(f"/api/v1/orders/{order_id}/cancel", headers=gw.as_("admin"),
                                     json={"reason": "duplicate"})
    assert cancelled.status_code == 200
    history = (await gw.client.get(f"/api/v1/orders/{order_id}/history",
                                   headers=gw.as_("admin"))).json()
    entries = history["entries"]
    assert entries[0]["by"] == "" and entries[-1]["by"] == "admin"  # a shop's fact, the admin's act


async def test_the_link_works_once_and_a_short_password_is_named(people_gw, mailbox):
    gw, (box, _) = people_gw, mailbox
    address, _ = await invite(gw, box, "customer_service")
    short = await set_password(gw, box, address, "short")
    assert short.status_code == 422 and "12 characters" in short.text
    assert (await set_password(gw, box, address)).status_code == 303
    again = await set_password(gw, box, address, "another long password")
    assert again.status_code == 422 and "used, expired" in again.text


async def test_bad_invitations_name_every_field(people_gw):
    gw = people_gw
    bad = await gw.client.post("/api/v1/accounts", headers=gw.as_("admin"),
                               json={"email": "not-an-address", "role": "boss"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "role"}
    scoped = await gw.client.post("/api/v1/accounts", headers=gw.as_("admin"),
                                  json={"email": f"{ref()}@example.com", "role": "factory_manager"})
    assert scoped.status_code == 422 and scoped.json()["errors"][0]["field"] == "role"


async def test_the_same_address_is_invited_once(people_gw, mailbox):
    gw, (box, _) = people_gw, mailbox
    address, _ = await invite(gw, box, "planner")
    twice = await gw.client.post("/api/v1/accounts", headers=gw.as_("admin"),
                                 json={"email": address.upper(), "role": "admin"})
    assert twice.status_code == 409 and twice.json()["errors"][0]["field"] == "email"


async def test_five_wrong_passwords_lock_the_account_and_answers_do_not_tell_who_exists(
        people_gw, mailbox):
    gw, (box, _) = people_gw, mailbox
    address, account_id = await invite(gw, box, "planner")
    await set_password(gw, box, address)
    async with browser(gw) as b:
        unknown = await b.post("/portal/sign-in", data={"email": f"{ref()}@example.com",
                                                        "password": PASSWORD})
        for _ in range(5):
            wrong = await b.post("/portal/sign-in", data={"email": address, "password": "wrong" * 3})
            assert wrong.status_code == 401
        assert unknown.status_code == 401 and alert(unknown) == alert(wrong)
        locked = await b.post("/portal/sign-in", data={"email": address, "password": PASSWORD})
        assert locked.status_code == 401
    listed = {a["account_id"]: a for a in (await gw.client.get(
        "/api/v1/accounts", headers=gw.as_("admin"))).json()}
    assert listed[account_id]["locked_until"] is not None
    unlocked = await gw.client.post(f"/api/v1/accounts/{account_id}/unlock",
                                    headers=gw.as_("admin"))
    assert unlocked.status_code == 200 and unlocked.json()["locked_until"] is None
    async with signed_in(gw, address) as b:
        assert (await b.get("/portal/orders")).status_code == 200


async def test_a_reset_link_is_mailed_only_to_an_account_and_sets_a_new_password(
        people_gw, mailbox):
    gw, (box, _) = people_gw, mailbox
    address, _ = await invite(gw, box, "planner")
    await set_password(gw, box, address)
    before = len(box.messages)
    async with browser(gw) as b:
        nobody = await b.post("/portal/forgot", data={"email": f"{ref()}@example.com"})
        somebody = await b.post("/portal/forgot", data={"email": address})
    assert nobody.status_code == somebody.status_code == 200 and nobody.text == somebody.text
    assert len(box.messages) == before + 1
    assert box.messages[-1]["To"] == address and "reset" in box.messages[-1]["Subject"].lower()
    assert (await set_password(gw, box, address, "a brand new passphrase")).status_code == 303
    async with signed_in(gw, address, "a brand new passphrase") as b:
        assert (await b.get("/portal/orders")).status_code == 200


async def test_an_admin_ends_a_persons_sessions_and_disables_the_account(people_gw, mailbox):
    gw, (box, _) = people_gw, mailbox
    address, account_id = await invite(gw, box, "customer_service")
    await set_password(gw, box, address)
    async with signed_in(gw, address) as person:
        assert (await person.get("/portal/deliveries")).status_code == 200
        assert (await person.get("/portal/kpis")).status_code == 403  # planners' page
        ended = await gw.client.post(f"/api/v1/accounts/{account_id}/sign-out",
                                     headers=gw.as_("admin"))
        assert ended.status_code == 200
        assert (await person.get("/portal/orders")).status_code in (302, 303)
    async with signed_in(gw, address) as person:
        changed = await gw.client.post(f"/api/v1/accounts/{account_id}/role",
                                       headers=gw.as_("admin"), json={"role": "planner"})
        assert changed.status_code == 200 and changed.json()["role"] == "planner"
        assert (await person.get("/portal/orders")).status_code in (302, 303)
    async with signed_in(gw, address) as person:
        assert (await person.get("/portal/kpis")).status_code == 200
        disabled = await gw.client.post(f"/api/v1/accounts/{account_id}/disable",
                                        headers=gw.as_("admin"))
        assert disabled.status_code == 200 and disabled.json()["disabled"]
        assert (await person.get("/portal/orders")).status_code in (302, 303)
        again = await person.post("/portal/sign-in", data={"email": address, "password": PASSWORD})
        assert again.status_code == 401
    missing = await gw.client.post("/api/v1/accounts/not-an-id/disable", headers=gw.as_("admin"))
    assert missing.status_code == 404


async def test_a_person_signs_out_everywhere(people_gw, mailbox):
    gw, (box, _) = people_gw, mailbox
    address, _ = await invite(gw, box, "planner")
    await set_password(gw, box, address)
    async with signed_in(gw, address) as laptop, signed_in(gw, address) as phone:
        page = await laptop.get("/portal/orders")
        assert address in page.text and "sign-out-everywhere" in page.text
        assert (await laptop.post("/portal/sign-out-everywhere")).status_code == 303
        assert (await phone.get("/portal/orders")).status_code in (302, 303)


async def test_the_people_page_lists_accounts_for_admins(people_gw, mailbox):
    gw, (box, _) = people_gw, mailbox
    address, _ = await invite(gw, box, "designer:d9")
    page = await gw.client.get("/portal/people", headers=gw.as_("admin"))
    assert page.status_code == 200 and address in page.text and "designer:d9" in page.text


async def test_without_a_mail_server_the_invitation_is_a_file_the_person_running_it_opens(
        settings, orders_service, tmp_path):
    """`make up` has no mail server: the link must reach whoever runs it (the log masks it)."""
    outbox = tmp_path / "mail"
    async with gateway_with(settings, orders_service,
                            EdgeSettings(mail_dir=str(outbox),
                                         trusted_proxies=("127.0.0.1/32",))) as gw:
        address = f"{ref()}@example.com".lower()
        invited = await gw.client.post("/api/v1/accounts", headers=gw.as_("admin"),
                                       json={"email": address, "role": "planner"})
        assert invited.status_code == 201, invited.text
        [written] = outbox.glob("*.eml")
        assert written.stat().st_mode & 0o777 == 0o600
        message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
        assert message["To"] == address
        url = re.search(r"https?://\S+", message.get_content()).group(0)
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        async with browser(gw) as b:
            done = await b.post("/portal/set-password", data={
                **query, "password": PASSWORD, "confirm": PASSWORD})
            assert done.status_code == 303, done.text[:300]
        async with signed_in(gw, address) as planner:
            assert (await planner.get("/portal/orders")).status_code == 200
        # in the inviter's language, the role as people say it
        manager = f"{ref()}@example.com".lower()
        invited = await gw.client.post("/api/v1/accounts",
                                       headers={**gw.as_("admin"), "Accept-Language": "zh-CN"},
                                       json={"email": manager, "role": "factory_manager:F-09"})
        assert invited.status_code == 201, invited.text
        [mail] = [m for m in (email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                              for p in outbox.glob("*.eml")) if m["To"] == manager]
        assert "F-09 厂长" in mail.get_content() and "factory_manager" not in mail.get_content()
