"""Orders in the shapes Shopify and WooCommerce send that the authentic bodies in
tests/fixtures/shops do not show: each is one of those bodies changed only the way the
platform's own reference says such an order comes (a POS sale, a pickup, a tip line, a buyer
writing Chinese, another presentment currency, a currency of three decimals, a guest...).
Every one is taken, what it says lands in the order, a resend is the same order and a wrong
signature is refused."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import eventually, ref
from tests.integration.shops.test_authentic_shop_orders import SHOPS, needs_of, signed
from webhook_signature import sign_base64

pytestmark = pytest.mark.integration

Payload = dict[str, Any]
CHINESE_ADDRESS = {"first_name": "三", "last_name": "张", "name": "张三",
                   "address1": "浦东新区世纪大道100号", "address2": "上海环球金融中心 12层 1201室",
                   "city": "上海", "province": "上海", "province_code": "SH", "country": "China",
                   "country_code": "CN", "zip": "200120", "phone": "+86 138 0013 8000",
                   "company": None, "latitude": None, "longitude": None}


def body_of(name: str, change: Callable[[Payload], None]) -> Payload:
    payload = json.loads((SHOPS / name).read_bytes())
    payload["id"] = int(ref("").removeprefix("-"), 16) % 10**12
    change(payload)
    return payload


# Shopify: the orders/create test notification (API 2019-10), changed as the Order resource
# reference says such orders come.
def pos_sale(p: Payload) -> None:
    """A sale at the counter (source_name pos): no customer, no addresses, no e-mail."""
    p.update(source_name="pos", location_id=655441491, device_id=1, email="", contact_email=None,
             customer=None, shipping_lines=[])
    del p["shipping_address"], p["billing_address"]


def local_pickup(p: Payload) -> None:
    """Picked up in store: no shipping address, the billing address is the buyer's."""
    p["shipping_address"] = None
    p["shipping_lines"] = []


def tip_and_custom_line(p: Payload) -> None:
    """A tip and a custom item added by the merchant: lines of no product (product_id,
    variant_id and sku null), known by title only."""
    for line_id, title, price in ((1011, "Tip", "5.00"), (1012, "Assembly on site", "0.00")):
        line = copy.deepcopy(p["line_items"][0])
        line.update(id=line_id, title=title, name=title, sku=None, product_id=None,
                    variant_id=None, product_exists=False, requires_shipping=False,
                    price=price, grams=0, discount_allocations=[])
        p["line_items"].append(line)


def chinese_buyer(p: Payload) -> None:
    """A buyer in Shanghai: name and address in Chinese, options named in Chinese, a long
    note (Shopify takes up to 5,000 characters)."""
    p["shipping_address"] = p["billing_address"] = dict(CHINESE_ADDRESS)
    p["note"] = "请在工作日上午送货，送货前一小时电话联系。" * 250
    p["line_items"][0]["properties"] = [{"name": "宽度", "value": "80cm"},
                                        {"name": "颜色", "value": "胡桃木"}]


def presented_in_euros(p: Payload) -> None:
    """Bought in euros from a shop that counts in dollars: amounts are the shop's, each
    *_set also says what the buyer saw."""
    p["presentment_currency"] = "EUR"
    p["total_price_set"]["presentment_money"] = {"amount": "370.12", "currency_code": "EUR"}


def kuwaiti_dinars(p: Payload) -> None:
    """A shop counting in KWD: three decimal places (fils)."""
    p.update(currency="KWD", presentment_currency="KWD", total_price="123.455")


def long_phone(p: Payload) -> None:
    p["shipping_address"]["phone"] = "555-555-1234 (mobile) or 555-555-9876 (office, ask Steve)"


# WooCommerce: the REST v3 docs' order 727, changed as WooCommerce sends such orders.
def woo_guest(p: Payload) -> None:
    """A guest checkout: customer_id 0, only the billing e-mail names the buyer."""
    p["customer_id"] = 0


def woo_unset_fields(p: Payload) -> None:
    """Address fields left null (an order made over the REST API, a checkout-field plugin)."""
    for field in ("company", "address_2", "phone"):
        p["shipping"][field] = None
    p["billing"]["company"] = p["billing"]["address_2"] = None


def woo_three_decimals(p: Payload) -> None:
    """A store set to show three decimals: every price written with three."""
    p["total"] = "29.350"


def woo_prices_in_thousandths(p: Payload) -> None:
    """The same store pricing in thousandths of a dollar: its total is finer than a cent."""
    p["total"] = "29.345"


def woo_chinese_buyer(p: Payload) -> None:
    for part in ("billing", "shipping"):
        p[part].update(first_name="三", last_name="张", address_1="浦东新区世纪大道100号",
                       address_2="", city="上海", state="CN2", postcode="200120", country="CN")
    p["customer_note"] = "送货前请电话联系。" * 400


def woo_plugin_meta(p: Payload) -> None:
    """Line meta written by an add-on plugin: a value that is an object, with display_key and
    display_value beside key and value."""
    p["line_items"][0]["meta_data"].append({
        "id": 9001, "key": "Gift wrap", "value": {"paper": "kraft", "ribbon": True},
        "display_key": "Gift wrap", "display_value": "Kraft paper, ribbon"})


SHAPES = [
    ("shopify_test_notification_2019_10.json", pos_sale),
    ("shopify_test_notification_2019_10.json", local_pickup),
    ("shopify_test_notification_2019_10.json", tip_and_custom_line),
    ("shopify_test_notification_2019_10.json", chinese_buyer),
    ("shopify_test_notification_2019_10.json", presented_in_euros),
    ("shopify_test_notification_2019_10.json", kuwaiti_dinars),
    ("shopify_test_notification_2019_10.json", long_phone),
    ("woocommerce_rest_docs_order_727.json", woo_guest),
    ("woocommerce_rest_docs_order_727.json", woo_unset_fields),
    ("woocommerce_rest_docs_order_727.json", woo_three_decimals),
    ("woocommerce_rest_docs_order_727.json", woo_prices_in_thousandths),
    ("woocommerce_rest_docs_order_727.json", woo_chinese_buyer),
    ("woocommerce_rest_docs_order_727.json", woo_plugin_meta),
]
# What lands in the order: customer name, address (line1, city, country), phone, total.
LANDS = {
    pos_sale: ("", ("", "", ""), "", ("403.00", "USD")),
    local_pickup: ("Bob Biller", ("123 Billing Street", "Billtown", "US"), "555-555-BILL",
                   ("403.00", "USD")),
    tip_and_custom_line: ("Steve Shipper", ("123 Shipping Street", "Shippington", "US"),
                          "555-555-SHIP", ("403.00", "USD")),
    chinese_buyer: ("张三", ("浦东新区世纪大道100号", "上海", "CN"), "+86 138 0013 8000",
                    ("403.00", "USD")),
    presented_in_euros: ("Steve Shipper", ("123 Shipping Street", "Shippington", "US"),
                         "555-555-SHIP", ("403.00", "USD")),
    kuwaiti_dinars: ("Steve Shipper", ("123 Shipping Street", "Shippington", "US"),
                     "555-555-SHIP", ("123.455", "KWD")),
    long_phone: ("Steve Shipper", ("123 Shipping Street", "Shippington", "US"),
                 "555-555-1234 (mobile) or 555-555-9876 (…", ("403.00", "USD")),
    woo_guest: ("John Doe", ("969 Market", "San Francisco", "US"), "(555) 555-5555",
                ("29.35", "USD")),
    woo_unset_fields: ("John Doe", ("969 Market", "San Francisco", "US"), "(555) 555-5555",
                       ("29.35", "USD")),
    woo_three_decimals: ("John Doe", ("969 Market", "San Francisco", "US"), "(555) 555-5555",
                         ("29.35", "USD")),
    woo_prices_in_thousandths: ("John Doe", ("969 Market", "San Francisco", "US"),
                                "(555) 555-5555", ("29.35", "USD")),  # to the cent, half up
    woo_chinese_buyer: ("三 张", ("浦东新区世纪大道100号", "上海", "CN"), "(555) 555-5555",
                        ("29.35", "USD")),
    woo_plugin_meta: ("John Doe", ("969 Market", "San Francisco", "US"), "(555) 555-5555",
                      ("29.35", "USD")),
}


def admin(settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.admin_key}"}


@pytest.mark.parametrize("name, change", SHAPES, ids=[c.__name__ for _, c in SHAPES])
async def test_an_order_in_a_shape_the_platform_sends_is_taken_as_it_says(
        shop_gateway, settings, name, change):
    gw, channel = shop_gateway, name.split("_")[0]
    secret = settings.webhook_secrets[channel]
    body = json.dumps(body_of(name, change), ensure_ascii=False).encode()

    taken = await gw.client.post(f"/webhooks/{channel}/orders", **signed(channel, body, secret))
    assert taken.status_code == 202, taken.text
    # Waiting for its mapping, or placed when another test of this package mapped its SKUs.
    assert taken.json()["status"] in ("AWAITING_MAPPING", "PLACED", "CONFIGURED"), taken.text
    order = (await gw.client.get(f"/api/v1/orders/{taken.json()['order_id']}",
                                 headers=admin(settings))).json()
    c = order["customer"]
    name_, (line1, city, country), phone, total = LANDS[change]
    assert (c["name"], c["address"]["line1"], c["address"]["city"],
            c["address"]["country"]) == (name_, line1, city, country), c
    assert c["phone"] == phone
    assert (order["total"]["amount"], order["total"]["currency"]) == total

    resend = await gw.client.post(f"/webhooks/{channel}/orders", **signed(channel, body, secret))
    assert resend.status_code == 200 and resend.json()["duplicate"] is True, resend.text
    assert resend.json()["order_id"] == order["order_id"]
    forged = signed(channel, body, secret)
    signature = "X-Shopify-Hmac-Sha256" if channel == "shopify" else "X-WC-Webhook-Signature"
    forged["headers"][signature] = sign_base64("not-the-shop-secret", body)
    refused = await gw.client.post(f"/webhooks/{channel}/orders", **forged)
    assert refused.status_code == 401, refused.text


async def test_lines_of_no_product_and_options_in_chinese_wait_named_as_the_shop_wrote_them(
        shop_gateway, settings):
    gw = shop_gateway
    payload = body_of("shopify_test_notification_2019_10.json", tip_and_custom_line)
    chinese_buyer(payload)
    taken = await gw.client.post("/webhooks/shopify/orders", **signed(
        "shopify", json.dumps(payload, ensure_ascii=False).encode(),
        settings.webhook_secrets["shopify"]))
    assert taken.status_code == 202, taken.text
    order_id = taken.json()["order_id"]

    async def named():
        needs = await needs_of(gw, admin(settings), "shopify", order_id)
        keys = {(n["kind"], n["key"]) for n in needs}
        return keys if {("product", "Tip"), ("product", "Assembly on site")} <= keys else None

    keys = await eventually(named)
    assert {("option", "宽度"), ("option", "颜色")} <= keys, keys


async def test_an_order_with_nothing_to_make_is_acknowledged_not_stored(shop_gateway, settings):
    """WooCommerce sends order.created for an order an admin saved before adding lines."""
    payload = body_of("woocommerce_rest_docs_order_727.json", lambda p: p.update(line_items=[]))
    answer = await shop_gateway.client.post("/webhooks/woocommerce/orders", **signed(
        "woocommerce", json.dumps(payload).encode(), settings.webhook_secrets["woocommerce"]))
    assert answer.status_code == 200 and answer.json()["status"] == "IGNORED", answer.text


async def test_woocommerce_s_ping_is_answered_200_as_wordpress_sends_it(shop_gateway):
    """WC_Webhook::deliver_ping posts `webhook_id=<id>` unsigned, form-encoded, with its
    Hookshot user agent, and saves the webhook only on exactly 200."""
    answer = await shop_gateway.client.post(
        "/webhooks/woocommerce/orders", content=b"webhook_id=31",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                 "User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"})
    assert answer.status_code == 200, answer.text
