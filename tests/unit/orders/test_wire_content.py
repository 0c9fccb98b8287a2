"""An order read straight from the wire message: the same content, and the same field-level
refusals, as from the webhook's JSON shape."""

from __future__ import annotations

import pytest
from google.protobuf import json_format

from dovetail.orders.v1 import orders_service_pb2 as pb
from services.kit.errors import InvalidArgument, Violations
from services.orders.domain.values import parse_lines, parse_order_content
from services.orders.wire import WIRE
from tests.helpers import order_payload

pytestmark = pytest.mark.unit


def wire(payload: dict) -> pb.PlaceOrderRequest:
    payload = dict(payload)
    payload.pop("placed_at", None)
    if payload.get("promised_date"):
        year, month, day = map(int, payload["promised_date"].split("-"))
        payload["promised_date"] = {"year": year, "month": month, "day": day}
    return json_format.ParseDict({"channel": "dovetail", **payload}, pb.PlaceOrderRequest())


def refused_fields(raw, source=None) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as caught:
        parse_order_content(raw) if source is None else parse_order_content(raw, source)
    return {v.field: v.description for v in caught.value.violations}


def test_the_canonical_example_reads_the_same_from_json_and_from_the_wire():
    payload = order_payload()
    from_wire = parse_order_content(wire(payload), WIRE)
    assert from_wire == parse_order_content(payload)
    assert from_wire.lines[0].options["doors"] == 2 and isinstance(
        from_wire.lines[0].options["doors"], int)


def test_an_order_without_total_or_promised_date_reads_as_none():
    payload = order_payload()
    del payload["total"], payload["promised_date"]
    content = parse_order_content(wire(payload), WIRE)
    assert content.total is None and content.promised_date is None


def test_bad_wire_orders_are_refused_naming_the_same_fields_as_json():
    payload = order_payload(items=[])
    payload["customer"]["address"]["country"] = "China"
    payload["total"] = {"amount": "1.001", "currency": "yuan"}
    assert refused_fields(wire(payload), WIRE) == refused_fields(payload)
    assert set(refused_fields(payload)) == {"items", "customer.address.country", "total.amount",
                                            "total.currency"}


def test_a_missing_customer_address_and_an_invalid_date_are_named():
    request = wire(order_payload())
    request.customer.ClearField("address")
    request.promised_date.month = 13
    assert set(refused_fields(request, WIRE)) == {"customer.address", "promised_date"}


def test_options_that_are_not_numbers_text_or_booleans_are_refused_on_the_wire():
    payload = order_payload()
    payload["items"][0]["options"].update(nested={"a": 1}, listed=[1], empty=None)
    assert set(refused_fields(wire(payload), WIRE)) == {
        "items[0].options.nested", "items[0].options.listed", "items[0].options.empty"}


def test_amended_lines_read_from_the_wire():
    v = Violations()
    lines = parse_lines(v, wire(order_payload()).items, source=WIRE)
    v.raise_if_any()
    assert lines[0].product == "wardrobe" and lines[0].options["width_mm"] == 2000
