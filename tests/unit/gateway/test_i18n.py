"""Language negotiation, times with the zone named, and catalogues that leave nothing English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway import i18n
from gateway.portal.words import with_local_times, word
from infra.catalogue import DOMAINS, problems

pytestmark = pytest.mark.unit
MOMENT = datetime(2026, 12, 5, 6, 38, tzinfo=UTC)


@pytest.mark.parametrize(("header", "expected"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ("fr-FR,fr;q=0.9,zh;q=0.5", "zh-CN"),       # the first supported one
    ("en;q=0.2, zh-Hans-CN;q=0.9", "zh-CN"),     # by q, not by order
    ("zh-TW", "zh-CN"),                          # the only Chinese catalogue
    ("de, *;q=0.1", None),
    ("", None), (None, None), ("zh;q=0", None), ("zh;q=x", None),
])
def test_accept_language_is_negotiated_by_preference(header, expected):
    assert i18n.negotiate(header) == expected


def test_profile_then_cookie_then_browser_then_english():
    assert i18n.choose("zh-CN", "en", "en") == "zh-CN"
    assert i18n.choose("", "zh-CN", "en") == "zh-CN"
    assert i18n.choose(None, "klingon", "zh") == "zh-CN"
    assert i18n.choose(None, None, "fr") == "en"


def test_a_time_is_local_and_names_its_zone():
    assert i18n.local_time(MOMENT, "Asia/Shanghai", "en") == "2026-12-05 14:38 CST (Asia/Shanghai)"
    assert i18n.local_time("2026-12-05T06:38:00Z", "Asia/Shanghai", "zh-CN") == \
        "2026年12月5日 14:38 (Asia/Shanghai)"
    assert i18n.local_time(MOMENT, "Europe/Berlin", "en") == "2026-12-05 07:38 CET (Europe/Berlin)"
    # a naive time is UTC; no time is nothing; a zone that is none falls back to the tenant's
    assert i18n.local_time(MOMENT.replace(tzinfo=None), "Asia/Shanghai", "en").startswith(
        "2026-12-05 14:38")
    assert i18n.local_time(None) == "" and i18n.local_time("") == ""
    assert i18n.local_time(MOMENT, "Mars/Olympus", "en").endswith("(Asia/Shanghai)")
    assert i18n.local_date("2026-12-05", "zh-CN") == "2026年12月5日"
    assert i18n.local_date("2026-12-05", "en") == "2026-12-05"


def test_a_services_sentence_gets_its_times_localised():
    i18n.use("en")
    text = with_local_times("Scheduled at factory f1, 2026-12-05T06:00:00+00:00 → "
                            "2026-12-05T08:30:00Z")
    assert text == ("Scheduled at factory f1, 2026-12-05 14:00 CST (Asia/Shanghai) → "
                    "2026-12-05 16:30 CST (Asia/Shanghai)")


def test_the_locale_of_a_request_translates():
    i18n.use("zh-CN")
    try:
        assert i18n.gettext("Orders") == "订单"
        assert i18n.gettext("Order %(reference)s", reference="A-1") == "订单 A-1"
        assert word("IN_PRODUCTION") == "生产中" and word("panel_saw") == "开料锯"
        assert word("SOMETHING_NEW") == "something new"
    finally:
        i18n.use("en")
    assert i18n.gettext("Orders") == "Orders"


def test_a_cookie_header_is_read_without_trusting_its_shape():
    assert i18n.cookie_value("a=1; dovetail_lang=zh-CN") == "zh-CN"
    assert i18n.cookie_value('dovetail_lang="; broken') is None
    assert i18n.cookie_value(None) is None


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_every_marked_string_is_in_the_catalogue_and_translated(domain):
    """Extraction runs here: a string marked in a template or in Python but missing from the
    .po, a msgid without its Chinese, or a translation that lost a placeholder, fails."""
    assert problems(domain) == []


def test_the_order_services_sentences_read_in_chinese():
    i18n.use("zh-CN")
    try:
        assert with_local_times("Cancelled: customer changed their mind") == \
            "已取消：customer changed their mind"
        assert with_local_times("Placed through shopify as #1001 (2 line(s))") == \
            "通过 shopify 下单，单号 #1001（2 行）"
        assert with_local_times("Scheduled at factory F-1, 2026-12-05T06:00:00+00:00 → "
                                "2026-12-05T08:00:00Z") == (
            "已排产到工厂 F-1，2026年12月5日 14:00 (Asia/Shanghai) → "
            "2026年12月5日 16:00 (Asia/Shanghai)")
        assert with_local_times("Production started") == "开始生产"
        assert with_local_times("Something new") == "Something new"
    finally:
        i18n.use("en")
