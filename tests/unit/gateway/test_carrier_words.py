"""A shipment's carrier is said by its name in the reader's language, not its code."""

from __future__ import annotations

from gateway import i18n
from gateway.portal.words import word
from services.delivery.domain.carriers import DEFAULT_RULES


def test_every_default_carrier_has_a_name_in_chinese_and_english():
    for rule in DEFAULT_RULES:
        with i18n.speaking("zh-CN"):
            chinese = word(rule.carrier)
        with i18n.speaking("en"):
            english = word(rule.carrier)
        assert chinese != rule.carrier and not chinese.isascii(), rule.carrier
        assert english != rule.carrier and english[0].isupper(), rule.carrier
    with i18n.speaking("zh-CN"):
        assert word("deppon") == "德邦快递" and word("sf-express") == "顺丰速运"
        assert word("dhl") == "dhl"  # a carrier of the chain's own rules reads as its code
