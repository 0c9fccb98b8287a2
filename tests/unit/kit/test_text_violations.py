"""NUL characters anywhere in a request's text are named by field path, every time the same
message type is checked (what to look at in a field is worked out once per field)."""

from __future__ import annotations

import pytest

from dovetail.common.v1 import types_pb2
from dovetail.orders.v1 import orders_service_pb2 as pb
from services.kit.rpc import text_violations

pytestmark = pytest.mark.unit


def request(**customer: str) -> pb.PlaceOrderRequest:
    r = pb.PlaceOrderRequest(channel="dovetail", external_id="A-1", customer=types_pb2.Customer(
        name=customer.get("name", "Li Wei"),
        address=types_pb2.Address(city=customer.get("city", "Guangzhou"), country="CN")))
    r.items.add(line_id="1", product="wardrobe", quantity=1)
    r.items.add(line_id="2", product="desk", quantity=1)
    return r


def test_clean_text_has_no_violations_and_nul_is_named_at_any_depth_each_time():
    assert text_violations(request()) == []
    for _ in range(2):  # the second check reads what the first worked out
        r = request(city="Guang\x00zhou")
        r.items[1].product = "desk\x00"
        r.notes.append("ok")
        r.notes.append("bad\x00")
        assert [(v.field, v.description) for v in text_violations(r)] == [
            ("customer.address.city", "must not contain NUL characters"),
            ("items[1].product", "must not contain NUL characters"),
            ("notes", "must not contain NUL characters")]
    assert text_violations(request()) == []


def test_numbers_and_option_maps_are_not_text_fields():
    r = request()
    r.items[0].options.update({"width_mm": 0, "finish": "white"})
    assert text_violations(r) == []
