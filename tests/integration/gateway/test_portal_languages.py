"""The portal in 简体中文 and English: the browser's Accept-Language, the header's switch (a
cookie), a person's profile language (kept at the switch, spoken at their next sign-in and in
their mails), `<html lang>`, and times in Asia/Shanghai with the zone named."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import order_payload
from tests.integration.gateway.test_accounts import (  # noqa: F401 (fixtures)
    PASSWORD,
    browser,
    invite,
    mailbox,
    people_gw,
    set_password,
    signed_in,
)
from tests.integration.test_gateway_webhooks import signed

pytestmark = pytest.mark.integration
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
PAGES = ["/portal/orders", "/portal/factories", "/portal/schedule", "/portal/deliveries",
         "/portal/kpis", "/portal/people", "/portal/keys"]


def html_lang(page: httpx.Response) -> str:
    return re.search(r'<html lang="([^"]+)"', page.text).group(1)


async def test_the_browser_language_picks_the_portal_language(gw):
    async with httpx.AsyncClient(base_url=gw.base_url) as b:
        chinese = await b.get("/portal/sign-in", headers=ZH)
        assert html_lang(chinese) == "zh-CN"
        assert "<h1>登录</h1>" in chinese.text and "忘记密码？" in chinese.text
        assert "Forgot your password?" not in chinese.text
        english = await b.get("/portal/sign-in", headers={"Accept-Language": "de, en;q=0.5"})
        assert html_lang(english) == "en" and "<h1>Sign in</h1>" in english.text
        unknown = await b.get("/portal/sign-in", headers={"Accept-Language": "fr"})
        assert html_lang(unknown) == "en"


async def test_every_page_reads_in_chinese_with_times_in_shanghai(gw):
    async with httpx.AsyncClient(base_url=gw.base_url, headers=ZH) as b:
        await b.post("/portal/sign-in", data={"key": TEST_ADMIN_KEY})
        for path in PAGES:
            page = await b.get(path)
            assert page.status_code == 200, (path, page.text[:300])
            assert html_lang(page) == "zh-CN" and "退出登录" in page.text, path
            assert ">Sign out<" not in page.text, path
            assert " UTC<" not in page.text, path
        keys = await b.get("/portal/keys")  # the bootstrap key's issue time
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d \(Asia/Shanghai\)", keys.text)
        missing = await b.get("/portal/orders/not-an-order")
        assert missing.status_code == 404 and "未找到" in missing.text and "返回订单" in missing.text


async def test_the_switch_keeps_the_choice_in_a_cookie_that_beats_the_browser(gw):
    async with httpx.AsyncClient(base_url=gw.base_url, headers={"Origin": gw.base_url}) as b:
        switched = await b.post("/portal/language",
                                data={"lang": "zh-CN", "next": "/portal/sign-in?next=/portal/kpis"})
        assert switched.status_code == 303
        assert switched.headers["location"] == "/portal/sign-in?next=/portal/kpis"
        assert "dovetail_lang=zh-CN" in switched.headers["set-cookie"]
        page = await b.get("/portal/sign-in", headers={"Accept-Language": "en"})
        assert html_lang(page) == "zh-CN"
        back = await b.post("/portal/language", data={"lang": "en", "next": "https://evil.example"})
        assert back.headers["location"] == "/portal/orders"  # nowhere off the site
        assert html_lang(await b.get("/portal/sign-in", headers=ZH)) == "en"
        bad = await b.post("/portal/language", data={"lang": "xx", "next": "/portal/orders"})
        assert bad.status_code == 422 and "lang" in bad.text
    async with httpx.AsyncClient(base_url=gw.base_url) as b:
        forged = await b.post("/portal/language", data={"lang": "en"},
                              headers={"Origin": "https://evil.example"})
        assert forged.status_code == 403


async def test_a_persons_choice_is_their_profile_language(people_gw, mailbox):  # noqa: F811
    box, _ = mailbox
    address, _ = await invite(people_gw, box, "planner")
    assert (await set_password(people_gw, box, address)).status_code == 303
    async with signed_in(people_gw, address) as b:
        chosen = await b.post("/portal/language", data={"lang": "zh-CN", "next": "/portal/orders"})
        assert chosen.status_code == 303
    async with browser(people_gw) as fresh:  # another browser, which says English
        answer = await fresh.post("/portal/sign-in", data={"email": address, "password": PASSWORD},
                                  headers={"Accept-Language": "en"})
        assert answer.status_code == 303 and "dovetail_lang=zh-CN" in answer.headers["set-cookie"]
        orders = await fresh.get("/portal/orders", headers={"Accept-Language": "en"})
        assert html_lang(orders) == "zh-CN" and "订单流程" in orders.text
        assert "计划员" in orders.text  # the role, in Chinese
        denied = await fresh.get("/portal/people")  # not a planner's page: said in Chinese
        assert denied.status_code == 403 and "您的角色无权访问" in denied.text
        await fresh.post("/portal/forgot", data={"email": address})
    reset = next(m for m in reversed(box.messages) if m["To"] == address)
    assert reset["Subject"] == "重置您的 Dovetail 密码" and "1 小时内有效" in reset.get_content()


async def test_a_choice_on_another_device_speaks_at_the_next_request(people_gw, mailbox):  # noqa: F811
    """Issue 19: the profile language a person changes on their phone is what their laptop's
    session speaks on its next request, without signing in again (its language cookie and
    its browser both say English)."""
    box, _ = mailbox
    address, _ = await invite(people_gw, box, "planner")
    assert (await set_password(people_gw, box, address)).status_code == 303
    english = {"Accept-Language": "en"}
    async with signed_in(people_gw, address) as laptop, signed_in(people_gw, address) as phone:
        await laptop.post("/portal/language", data={"lang": "en", "next": "/portal/orders"})
        assert html_lang(await laptop.get("/portal/orders", headers=english)) == "en"
        chosen = await phone.post("/portal/language", data={"lang": "zh-CN",
                                                            "next": "/portal/orders"})
        assert chosen.status_code == 303
        orders = await laptop.get("/portal/orders", headers=english)
        assert html_lang(orders) == "zh-CN" and "订单流程" in orders.text
        assert "dovetail_lang=en" in str(laptop.cookies.jar)  # the cookie still says English
        await phone.post("/portal/language", data={"lang": "en", "next": "/portal/orders"})
        assert html_lang(await laptop.get("/portal/orders", headers=ZH)) == "en"


async def test_an_invitation_is_mailed_in_the_inviters_language(people_gw, mailbox):  # noqa: F811
    box, _ = mailbox
    address = "zh-invitee-" + str(len(box.messages)) + "@example.com"
    invited = await people_gw.client.post("/api/v1/accounts", json={"email": address,
                                                                    "role": "planner"},
                                          headers={**people_gw.as_("admin"), **ZH})
    assert invited.status_code == 201, invited.text
    mail = next(m for m in reversed(box.messages) if m["To"] == address)
    assert mail["Subject"] == "您受邀加入 Dovetail" and "7 天内有效" in mail.get_content()


async def test_a_services_field_violations_read_in_the_readers_language(gw, settings):
    """Issue 19: the orders service refuses an amendment; its field violation reaches REST in
    Chinese for a zh-CN reader (the line id kept), in English for a machine."""
    placed = await gw.client.post("/webhooks/dovetail/orders",
                                  **signed(settings, order_payload()))
    order_id = placed.json()["order_id"]
    item = order_payload()["items"][0]
    body = {"expected_version": 1, "items": [item, item], "reason": "twice"}
    chinese = await gw.client.post(f"/api/v1/orders/{order_id}/amend", json=body,
                                   headers={**gw.as_("admin"), **ZH})
    assert chinese.status_code == 422, chinese.text
    errors = {e["field"]: e["message"] for e in chinese.json()["errors"]}
    assert errors["items[1].line_id"] == f"行号“{item['line_id']}”重复"
    english = await gw.client.post(f"/api/v1/orders/{order_id}/amend", json=body,
                                   headers=gw.as_("admin"))
    assert {e["field"]: e["message"] for e in english.json()["errors"]}[
        "items[1].line_id"] == f"repeats line id '{item['line_id']}'"
