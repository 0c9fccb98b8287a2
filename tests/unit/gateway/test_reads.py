"""Pure conversions from service replies to the REST read schemas."""

from __future__ import annotations

from google.protobuf import timestamp_pb2
from hypothesis import given
from hypothesis import strategies as st

from dovetail.orders.v1 import orders_service_pb2 as pb
from gateway.controllers.orders import order_read
from gateway.reads import timestamp_text

FIRST, LAST = -62135596800, 253402300799  # 0001-01-01T00:00:00Z, 9999-12-31T23:59:59Z
NANOS = st.one_of(st.just(0), st.integers(0, 999).map(lambda n: n * 1_000_000),
                  st.integers(0, 999_999).map(lambda n: n * 1000), st.integers(0, 999_999_999))


@given(st.integers(FIRST, LAST), NANOS)
def test_timestamp_text_is_what_protobuf_writes(seconds, nanos):
    t = timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)
    assert timestamp_text(t) == t.ToJsonString()


def test_an_order_reads_with_whole_numbers_as_integers_and_unset_times_as_none():
    o = pb.Order(order_id="o1", channel="shopify", external_id="1001", status=1)
    o.placed_at.FromSeconds(1_764_057_600)
    item = o.items.add(line_id="1", product="wardrobe", quantity=2)
    item.options.update({"width_mm": 2000, "depth_mm": 600.5, "board": "oak", "soft_close": True})
    read = order_read(o)
    assert read.placed_at == "2025-11-25T08:00:00Z"
    assert read.planned_start is None and read.promised_date is None
    options = read.items[0].options
    assert options == {"width_mm": 2000, "depth_mm": 600.5, "board": "oak", "soft_close": True}
    assert type(options["width_mm"]) is int and type(options["soft_close"]) is bool


def test_the_basic_view_leaves_out_contact_details_options_and_the_tracking_token():
    import msgspec

    o = pb.Order(order_id="o1", channel="shopify", external_id="1001", status=1,
                 tracking_token="secret-token",
                 customer=dict(name="Li Wei", email="li@example.com", phone="+86 20",
                               address=dict(line1="88 Tianhe Road", city="Guangzhou",
                                            country="CN", postal_code="510000")))
    o.items.add(line_id="1", product="wardrobe", quantity=2).options.update({"doors": 2})
    basic = msgspec.json.decode(msgspec.json.encode(order_read(o, full=False)))
    full = msgspec.json.decode(msgspec.json.encode(order_read(o)))
    assert basic["customer"] == {"name": "Li Wei", "address": {"city": "Guangzhou", "country": "CN"}}
    assert basic["items"] == [{"line_id": "1", "product": "wardrobe", "quantity": 2}]
    assert "tracking_token" not in basic
    assert full["customer"]["email"] == "li@example.com" and full["tracking_token"] == "secret-token"
    assert full["items"][0]["options"] == {"doors": 2}
    assert set(basic) | {"tracking_token"} == set(full)


async def test_kpi_readers_asking_at_once_share_one_query_which_serves_a_while():
    import asyncio

    from gateway.read_model import OrderFacts

    class Counting(OrderFacts):
        kpi_ttl_s = 0.2
        queries = 0
        fail = False

        async def _query_kpis(self, days: int) -> dict:
            Counting.queries += 1
            n = Counting.queries
            await asyncio.sleep(0.01)
            if self.fail:
                raise RuntimeError("database away")
            return {"days": days, "query": n}

    facts = Counting(pool=None)
    answers = await asyncio.gather(*(facts.kpis(30) for _ in range(8)), facts.kpis(7))
    assert Counting.queries == 2 and answers[0] == answers[7] == {"days": 30, "query": 1}
    assert (await facts.kpis(30))["query"] == 1  # still fresh
    await asyncio.sleep(0.25)
    assert (await facts.kpis(30))["query"] == 3  # asked again once it is old
    facts.fail = True
    await asyncio.sleep(0.25)
    results = await asyncio.gather(facts.kpis(30), facts.kpis(30), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results) and Counting.queries == 4
    facts.fail = False
    assert (await facts.kpis(30))["query"] == 5  # a failure is not kept
