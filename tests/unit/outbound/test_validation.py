"""Subscriptions and shop links: every problem named by its field at once."""

from __future__ import annotations

import pytest

from services.kit.errors import InvalidArgument
from services.outbound.domain.shop_link import validate_shop_link
from services.outbound.domain.subscription import validate_subscription
from services.outbound.domain.values import Platform, ShopCredentials

pytestmark = pytest.mark.unit


def fields(exc: pytest.ExceptionInfo) -> set[str]:
    return {v.field for v in exc.value.violations}


def test_a_good_subscription_keeps_its_types_once_in_order():
    assert validate_subscription("https://erp.example.com/in", [
        "order.shipped", "machine.down", "order.shipped"], "ERP") == ["order.shipped", "machine.down"]
    assert validate_subscription("http://127.0.0.1:9000/in", ["order.placed"], "") == ["order.placed"]


@pytest.mark.parametrize("url, problem", [
    ("", "is required"), ("erp.example.com/in", "absolute"),
    ("http://erp.example.com/in", "https"), ("https://u:p@erp.example.com/", "user")])
def test_a_subscription_url_must_be_https_without_credentials(url, problem):
    with pytest.raises(InvalidArgument) as bad:
        validate_subscription(url, ["order.placed"], "")
    assert fields(bad) == {"url"} and problem in str(bad.value)


def test_every_problem_of_a_subscription_is_named():
    with pytest.raises(InvalidArgument) as bad:
        validate_subscription("ftp://x", ["order.placed", "nope", "order.lost"], "d" * 300)
    assert fields(bad) == {"url", "event_types[1]", "event_types[2]", "description"}
    with pytest.raises(InvalidArgument) as none:
        validate_subscription("https://x.example", [], "")
    assert fields(none) == {"event_types"}


def test_shopify_needs_a_token_and_gets_the_current_api_version():
    assert validate_shop_link("shopify", Platform.SHOPIFY, "https://s.myshopify.com", "",
                              ShopCredentials(access_token="t")) == "2026-10"
    with pytest.raises(InvalidArgument) as bad:
        validate_shop_link("shopify", Platform.SHOPIFY, "https://s.myshopify.com", "v1",
                           ShopCredentials())
    assert fields(bad) == {"access_token", "api_version"}


def test_woocommerce_needs_key_and_secret_over_https():
    with pytest.raises(InvalidArgument) as bad:
        validate_shop_link("Woo Shop", Platform.WOOCOMMERCE, "http://shop.example.com",
                           "2026-10", ShopCredentials(consumer_key="ck"))
    assert fields(bad) == {"channel", "base_url", "consumer_secret", "api_version"}
    with pytest.raises(InvalidArgument) as unknown:
        validate_shop_link("woo", None, "https://shop.example.com", "", ShopCredentials())
    assert fields(unknown) == {"platform"}
