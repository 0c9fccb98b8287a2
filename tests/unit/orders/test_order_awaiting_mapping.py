"""Shop orders taken before their channel maps them: they wait naming what to map, are placed
once mapped, and a different body under the same shop order id is not a repeat."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.kit.errors import DomainError
from services.orders.application import OrdersApplication, PlacementRequest
from services.orders.domain.errors import AwaitingMapping, OrderDiffers
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import MappingNeed, parse_order_content
from services.orders.published import to_integration
from tests.helpers import order_payload

pytestmark = pytest.mark.unit

NEEDS = (MappingNeed("product", "GIFT-SOFA", "2", "line 2 ('Sofa', SKU 'GIFT-SOFA')"),
         MappingNeed("option", "Colour", "1", "line 1: Colour = 'teal'"))


def waiting(external_id: str = "S-1", **changes) -> PlacementRequest:
    payload = order_payload(external_id)
    content = parse_order_content(payload)
    return replace(PlacementRequest("shopify", external_id, replace(content, lines=()),
                                    datetime(2026, 11, 25, 8, tzinfo=UTC), "t", needs=NEEDS,
                                    notes=("line 1: Custom Engraving = Happy Birthday",),
                                    source='{"id": 1}', fingerprint="abc"), **changes)


@pytest.fixture
def app() -> OrdersApplication:
    return OrdersApplication()


def test_an_order_with_unmapped_lines_waits_naming_them_and_is_not_published(app):
    [placed] = app.place_orders([waiting()])
    assert placed.status is OrderStatus.AWAITING_MAPPING
    order = app.get_order(placed.order_id)
    assert order.needs == NEEDS and order.source == '{"id": 1}'
    assert order.notes == ("line 1: Custom Engraving = Happy Birthday",)
    [placed_event] = list(app.events.get(order.id))
    assert to_integration(placed_event) is None  # nothing for configuration yet


def test_a_mapping_that_completes_it_places_it_for_configuration(app):
    [placed] = app.place_orders([waiting()])
    lines = parse_order_content(order_payload("S-1")).lines
    fewer = (NEEDS[1],)
    order, released = app.resolve_mapping(placed.order_id, (), (), fewer, "mapping:admin")
    assert not released and order.needs == fewer and order.status is OrderStatus.AWAITING_MAPPING
    order, released = app.resolve_mapping(placed.order_id, lines, ("engraving",), (), "m")
    assert released and order.status is OrderStatus.PLACED and order.needs == ()
    assert order.content.lines[0].product == "wardrobe"
    events = list(app.events.get(order.id))
    subject, body = to_integration(events[-1])
    assert subject == "placed" and body.items[0].product == "wardrobe"
    assert body.channel == "shopify" and body.external_id == "S-1"
    _, again = app.resolve_mapping(placed.order_id, lines, (), (), "m")
    assert not again and len(list(app.events.get(order.id))) == len(events)


def test_a_stored_waiting_order_reads_back_with_its_needs(app):
    [placed] = app.place_orders([waiting()])
    order = app.repository.get(placed.order_id)  # rebuilt from the stored events
    assert order.needs == NEEDS and all(isinstance(n, MappingNeed) for n in order.needs)
    assert app.history(placed.order_id)[0].summary.startswith("Taken from shopify")


def test_an_order_placed_before_needs_were_kept_reads_as_placed(app):
    """A Placed event stored by the previous code (no needs, notes, source, fingerprint)."""
    [placed] = app.place_orders([PlacementRequest(
        "dovetail", "OLD-1", parse_order_content(order_payload("OLD-1")),
        datetime(2026, 11, 25, 8, tzinfo=UTC), "t")])
    [stored] = app.recorder.select_events(placed.order_id)
    state = json.loads(stored.state)
    for key in ("needs", "notes", "source", "fingerprint"):
        state.pop(key)
    old = OrdersApplication()
    old.recorder.insert_events([replace(stored, state=json.dumps(state).encode())])
    order = old.get_order(placed.order_id)
    assert order.status is OrderStatus.PLACED and order.needs == () and order.fingerprint == ""
    order.check_repeat("any digest")  # no fingerprint kept: a repeat cannot be told apart


def test_a_repeat_is_a_duplicate_and_a_different_body_is_refused(app):
    [first] = app.place_orders([waiting()])
    [again] = app.place_orders([waiting()])
    assert again.duplicate and again.order_id == first.order_id
    [other] = app.place_orders([waiting(fingerprint="another")])
    assert isinstance(other, OrderDiffers) and "different body" in str(other)
    # The same in one batch: the second of two different bodies is refused.
    answers = app.place_orders([waiting("S-2"), waiting("S-2", fingerprint="x")])
    assert not answers[0].duplicate and isinstance(answers[1], DomainError)


def test_an_order_without_a_fingerprint_is_digested_from_its_content(app):
    plain = PlacementRequest("dovetail", "C-1", parse_order_content(order_payload("C-1")),
                             datetime(2026, 11, 25, 8, tzinfo=UTC), "t")
    app.place_orders([plain])
    [same] = app.place_orders([plain])
    assert same.duplicate
    changed = parse_order_content({**order_payload("C-1"), "promised_date": "2027-01-05"})
    [refused] = app.place_orders([replace(plain, content=changed)])
    assert isinstance(refused, OrderDiffers)


def test_a_waiting_order_is_not_amended_but_can_be_cancelled(app):
    [placed] = app.place_orders([waiting()])
    with pytest.raises(AwaitingMapping):
        app.amend_order(placed.order_id, 0, parse_order_content(order_payload()).lines, None, "x")
    order = app.cancel_order(placed.order_id, "customer asked")
    assert order.status is OrderStatus.CANCELLED and order.needs == ()
    _, released = app.resolve_mapping(placed.order_id, (), (), (), "m")
    assert not released
