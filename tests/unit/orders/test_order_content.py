"""Validation of what a channel sends: every problem named, with its field."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import InvalidArgument
from services.orders.domain.values import parse_order_content, stored_content
from tests.helpers import order_payload

pytestmark = pytest.mark.unit


def fields(raw) -> set[str]:
    with pytest.raises(InvalidArgument) as caught:
        parse_order_content(raw)
    return {v.field for v in caught.value.violations}


def test_the_canonical_example_is_valid_and_round_trips():
    content = parse_order_content(order_payload())
    assert content.lines[0].options["width_mm"] == 2000
    assert str(content.total.amount) == "5999.00"
    assert stored_content(json.loads(msgspec.json.encode(content))) == content


def test_every_problem_is_reported_at_once():
    raw = order_payload()
    raw["items"] = [{"line_id": "1", "product": "Wardrobe!", "quantity": 0},
                    {"line_id": "1", "product": "desk", "quantity": 1, "options": {"w": [1]}}]
    raw["customer"]["email"] = "not-an-email"
    raw["total"] = {"amount": "1.001", "currency": "yuan"}
    assert fields(raw) >= {"items[0].product", "items[0].quantity", "items[1].line_id",
                           "items[1].options.w", "customer.email", "total.amount",
                           "total.currency"}


def test_no_items_and_no_address_are_refused():
    raw = order_payload(items=[])
    raw["customer"].pop("address")
    assert fields(raw) == {"items", "customer.address"}


def test_whole_numbers_sent_as_floats_stay_whole():
    raw = order_payload()
    raw["items"][0]["quantity"] = 2.0
    raw["items"][0]["options"]["width_mm"] = 2000.0
    content = parse_order_content(raw)
    assert content.lines[0].quantity == 2 and isinstance(content.lines[0].options["width_mm"], int)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c,
                                                                       max_size=3), max_leaves=8))
def test_any_garbage_is_either_valid_or_a_clean_invalid_argument(garbage):
    raw = order_payload()
    raw["items"][0]["options"] = garbage
    raw["customer"]["name"] = garbage if isinstance(garbage, str) else "x"
    try:
        parse_order_content(raw)
    except InvalidArgument as exc:
        assert exc.violations
