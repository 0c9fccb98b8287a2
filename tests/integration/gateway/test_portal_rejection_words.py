"""Why configuration rejected an order, in the reader's language (issue 19, item 3): the
configurator sends each reason's message and suggestion as words, the orders service keeps
them beside the English, REST carries them and the portal's order page says them. A reason
recorded before words reads as written."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import nats
import pytest

from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from services.configurator.catalogue import configure, seed_catalogue
from services.configurator.wire import reason_to_pb
from services.kit.envelope import subject, wrap
from tests.helpers import eventually, order_payload, ref
from tests.integration.test_gateway_webhooks import signed

pytestmark = pytest.mark.integration
TOO_WIDE = {"width_mm": 2000, "height_mm": 2400, "depth_mm": 600, "board": "particleboard-18",
            "finish": "melamine-white", "doors": 2, "shelves": 3, "dividers": 0}


async def from_configurator(settings, order_id: str, body) -> None:
    envelope = wrap(service="configurator", body=body, aggregate_id=order_id, version=1,
                    occurred_at=datetime.now(UTC), tenant="default",
                    notification_id=random.randrange(10**12, 10**13))
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().publish(subject("configurator", "configuration_rejected"),
                                     envelope.SerializeToString(),
                                     headers={"Nats-Msg-Id": f"test:{envelope.notification_id}"})
    finally:
        await nc.close()


async def rejected(gw, settings, name: str, reasons) -> tuple[str, str]:
    """The order id and its shop reference, once the order reads REJECTED."""
    external_id = ref(name)
    placed = await gw.client.post("/webhooks/dovetail/orders",
                                  **signed(settings, order_payload(external_id)))
    order_id = placed.json()["order_id"]
    await from_configurator(settings, order_id, configurator.ConfigurationRejected(
        order_id=order_id, catalog_version=1, order_version=1, reasons=reasons))

    async def read():
        order = (await gw.client.get(f"/api/v1/orders/{order_id}",
                                     headers=gw.as_("admin"))).json()
        return order if order["status"] == "REJECTED" else None

    await eventually(read, timeout=60)
    return order_id, external_id


async def test_a_chinese_reader_reads_why_an_order_was_rejected_in_chinese(gw, settings):
    [reason] = configure(seed_catalogue(), "wardrobe", TOO_WIDE).reasons
    english = f"dividers: {reason.message} ({reason.suggestion})"
    assert english == ("dividers: shelf span 1,964 mm is over the 800 mm allowed for 18 mm "
                       "particleboard (add 2 dividers (dividers: 2))")
    order_id, external_id = await rejected(gw, settings, "REJ-ZH", [reason_to_pb(reason, "1")])

    order = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=gw.as_("admin"))).json()
    assert order["rejection_reasons"] == [english]  # the English stays for machines
    [words] = order["rejection_reason_words"]
    assert words["template"] == "%(parameter)s: %(message)s (%(suggestion)s)"
    assert words["said"]["message"]["template"] == (
        "shelf span %(span)s is over the %(limit)s allowed for %(board)s")

    async def listed():  # the order list's read model keeps the words too
        page = (await gw.client.get("/api/v1/orders", params={"q": external_id},
                                    headers=gw.as_("admin"))).json()
        row = page["items"][0] if page["items"] else None
        return row if row and row["status"] == "REJECTED" else None

    row = await eventually(listed, timeout=60)
    assert row["rejection_reasons"] == [english] and row["rejection_reason_words"] == [words]

    zh = await gw.client.get(f"/portal/orders/{order_id}",
                             headers={**gw.as_("admin"), "Accept-Language": "zh-CN"})
    reasons = zh.text.split('<ul class="reasons">')[1].split("</ul>")[0]
    assert ("dividers：层板跨度 1,964 mm 超过18 mm 刨花板允许的 800 mm"
            "（加 2 块中隔板（dividers: 2））") in reasons
    assert "shelf span" not in zh.text
    en = await gw.client.get(f"/portal/orders/{order_id}", headers=gw.as_("admin"))
    assert english in en.text.split('<ul class="reasons">')[1]


async def test_a_reason_recorded_before_words_reads_as_written(gw, settings):
    old = cfg.RejectionReason(line_id="1", parameter="width_mm",
                             message="width 3,100 mm is too wide",
                             suggestion="choose up to 3,000 mm")
    order_id, _ = await rejected(gw, settings, "REJ-OLD", [old])
    order = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=gw.as_("admin"))).json()
    assert order["rejection_reason_words"] == []
    zh = await gw.client.get(f"/portal/orders/{order_id}",
                             headers={**gw.as_("admin"), "Accept-Language": "zh-CN"})
    assert "width_mm: width 3,100 mm is too wide (choose up to 3,000 mm)" in zh.text
