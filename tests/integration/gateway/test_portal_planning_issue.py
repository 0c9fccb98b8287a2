"""An order scheduling cannot plan: REST (both views) and the portal show why, until a plan
takes it. Scheduling's facts are published the way its relay does."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import nats
import pytest

from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from services.kit.envelope import subject, wrap
from services.kit.words import N_, Words
from services.kit.words_pb import words_pb
from services.scheduling.domain.capacity import machine_types_said
from tests.helpers import eventually, order_payload, ref
from tests.integration.test_gateway_webhooks import signed

pytestmark = pytest.mark.integration
REASON = "no factory has every machine type it needs: assembly, paint line, panel saw"


async def from_scheduling(settings, event: str, order_id: str, body) -> None:
    envelope = wrap(service="scheduling", body=body, aggregate_id=order_id, version=1,
                    occurred_at=datetime.now(UTC), tenant="default",
                    notification_id=random.randrange(10**12, 10**13))
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().publish(subject("scheduling", event), envelope.SerializeToString(),
                                     headers={"Nats-Msg-Id": f"test:{envelope.notification_id}"})
    finally:
        await nc.close()


async def test_the_portal_shows_why_an_order_cannot_be_planned_until_it_is(gw, settings):
    admin = gw.as_("admin")
    external_id = ref("HELD")
    placed = await gw.client.post("/webhooks/dovetail/orders",
                                  **signed(settings, order_payload(external_id)))
    assert placed.status_code == 202, placed.text
    order_id = placed.json()["order_id"]
    await from_scheduling(settings, "order_unplannable", order_id, scheduling.OrderUnplannable(
        order_id=order_id, reason=REASON, plan_id="plan-1"))

    async def held():
        order = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=admin)).json()
        return order if order["planning_issue"] else None

    assert (await eventually(held, timeout=60))["status"] == "PLACED"

    async def listed():
        page = (await gw.client.get("/api/v1/orders", params={"q": external_id},
                                    headers=admin)).json()
        return page["items"][0] if page["items"] and page["items"][0]["planning_issue"] else None

    row = await eventually(listed, timeout=60)  # the basic view carries it too
    assert row["planning_issue"] == REASON and "tracking_token" not in row

    listing = await gw.client.get("/portal/orders", params={"q": external_id}, headers=admin)
    assert listing.status_code == 200
    assert f'<span class="chip held" title="{REASON}">cannot be planned</span>' in listing.text
    page = await gw.client.get(f"/portal/orders/{order_id}", headers=admin)
    assert page.status_code == 200
    assert 'id="planning-issue"' in page.text and REASON in page.text
    assert f"Cannot be planned yet: {REASON}" in page.text  # the timeline

    await from_scheduling(settings, "order_scheduled", order_id, scheduling.OrderScheduled(
        order_id=order_id, plan_id="plan-2", factory_id="F-1"))

    async def planned():
        order = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=admin)).json()
        return order if order["status"] == "SCHEDULED" else None

    assert (await eventually(planned, timeout=60))["planning_issue"] == ""
    page = await gw.client.get(f"/portal/orders/{order_id}", headers=admin)
    assert 'id="planning-issue"' not in page.text


async def test_a_chinese_reader_reads_why_in_chinese(gw, settings):
    """Issue 19: scheduling sends its reason as words; the orders service keeps them with the
    issue, REST carries them, and the portal's note, list chip and timeline say them in
    Chinese, the machine types inside too (组装, not assembly: words of their own)."""
    admin, zh = gw.as_("admin"), {"Accept-Language": "zh-CN"}
    external_id = ref("HELD-ZH")
    placed = await gw.client.post("/webhooks/dovetail/orders",
                                  **signed(settings, order_payload(external_id)))
    order_id = placed.json()["order_id"]
    words = Words.of(N_("no factory has every machine type it needs: %(types)s"),
                     types=machine_types_said(["assembly", "paint_line", "panel_saw"]))
    assert words.english() == REASON  # what scheduling writes (domain/problem.py)
    await from_scheduling(settings, "order_unplannable", order_id, scheduling.OrderUnplannable(
        order_id=order_id, reason=REASON, plan_id="plan-1", reason_words=words_pb(words)))

    async def held():
        order = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=admin)).json()
        return order if order["planning_issue"] else None

    order = await eventually(held, timeout=60)
    assert order["planning_issue"] == REASON
    issue = order["planning_issue_words"]
    assert issue["template"] == "no factory has every machine type it needs: %(types)s"
    assert issue["args"] == {} and set(issue["said"]) == {"types"}  # words of their own
    said = "没有工厂具备它所需的全部机器类型：组装，喷涂线，开料锯"

    async def listed():
        page = await gw.client.get("/portal/orders", params={"q": external_id},
                                   headers={**admin, **zh})
        return page.text if 'class="chip held"' in page.text else None

    assert f'<span class="chip held" title="{said}">' in await eventually(listed, timeout=60)
    page = await gw.client.get(f"/portal/orders/{order_id}", headers={**admin, **zh})
    note = page.text[page.text.index('id="planning-issue"'):]
    assert said in note[:600] and REASON not in page.text
    assert f"暂时无法排产：{said}" in page.text  # the timeline
