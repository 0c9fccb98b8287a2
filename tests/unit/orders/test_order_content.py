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


@pytest.mark.parametrize("amount, currency, kept", [
    ("12.345", "KWD", "12.345"),   # ISO 4217: three decimal places (fils)
    ("7.250", "BHD", "7.250"),
    ("28.440", "USD", "28.44"),    # a WooCommerce store set to show 3 decimals
    ("1999.5000", "CNY", "1999.50"),
    ("23600", "JPY", "23600.00"),  # kept with two places, as before
])
def test_a_total_is_taken_in_its_currency_s_own_decimal_places(amount, currency, kept):
    raw = order_payload()
    raw["total"] = {"amount": amount, "currency": currency}
    content = parse_order_content(raw)
    assert str(content.total.amount) == kept and content.total.currency == currency


@pytest.mark.parametrize("amount, currency", [("59.999", "CNY"), ("12.3456", "KWD"),
                                              ("0.001", "USD")])
def test_a_total_finer_than_its_currency_s_smallest_unit_is_refused(amount, currency):
    raw = order_payload()
    raw["total"] = {"amount": amount, "currency": currency}
    with pytest.raises(InvalidArgument) as caught:
        parse_order_content(raw)
    [violation] = caught.value.violations
    assert violation.field == "total.amount"


def test_a_shop_order_s_overlong_customer_text_is_shortened_not_refused():
    """A shop's phone and address fields are free text (WooCommerce keeps whatever the buyer
    typed); the order is taken as sent, its text shortened to what we keep."""
    raw = order_payload()
    raw["customer"]["phone"] = "555-555-1234 (mobile) or 555-555-9876 (office, ask for Steve)"
    raw["customer"]["address"]["line2"] = "上海环球金融中心 " * 30
    raw["customer"]["address"]["postal_code"] = "200120 (deliver to the loading bay)"
    content = parse_order_content(raw, as_sent=True)
    c = content.customer
    assert c.phone == raw["customer"]["phone"][:39].rstrip() + "…" and len(c.phone) <= 40
    assert len(c.address.line2) <= 200 and c.address.line2.endswith("…")
    assert c.address.postal_code.startswith("200120") and len(c.address.postal_code) <= 20
    # The channel's own format still hears what is too long.
    with pytest.raises(InvalidArgument) as caught:
        parse_order_content(raw)
    assert {v.field for v in caught.value.violations} == {
        "customer.phone", "customer.address.line2", "customer.address.postal_code"}


def test_a_shop_s_total_finer_than_its_currency_s_unit_is_rounded_to_it_not_refused():
    """A WooCommerce store set to show 3 decimals in USD sends 29.985: the shop's order is
    taken as sent, its total kept to the cent as the payment was; our own format refuses it."""
    raw = order_payload()
    raw["total"] = {"amount": "29.985", "currency": "USD"}
    assert str(parse_order_content(raw, as_sent=True).total.amount) == "29.99"
    raw["total"] = {"amount": "12.3455", "currency": "KWD"}
    assert str(parse_order_content(raw, as_sent=True).total.amount) == "12.346"
    with pytest.raises(InvalidArgument):
        parse_order_content(raw)
