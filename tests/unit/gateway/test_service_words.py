"""Words services write for people (issue 19, item 3): an order's history is sent as an English
template and its arguments; the gateway says it in the reader's language from its catalogue,
reasons a service wrote included, and leaves what people typed as written."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import JSONTranscoder

from gateway import i18n
from gateway.portal.words import say, with_local_times
from gateway.reads import words_read
from gateway.schemas.order_detail import WordsRead
from services.kit.stored_values import register_values
from services.kit.words import N_, SEMICOLONS, Words
from services.kit.words_pb import words_pb
from services.orders.timeline import summary
from services.scheduling.domain.problem import HELD

pytestmark = pytest.mark.unit


def read(words: Words) -> WordsRead:
    """As a REST client reads them (through the wire)."""
    return words_read(words_pb(words))


def test_the_history_is_words_whose_english_is_the_summary():
    words = summary("PlanOverridden", {"kind": "PINNED", "factory_id": "F-GZ-01", "weight": 0,
                                       "reason": "near the customer"})
    assert words.template == "Pinned to factory %(factory)s: %(reason)s"
    assert words.english() == "Pinned to factory F-GZ-01: near the customer"
    assert summary("Cancelled", {}).english() == "Cancelled: no reason given"
    assert summary("Produced", {}) == Words("Produced")


def test_in_chinese_the_sentence_and_a_service_reason_are_said_what_people_typed_is_not(chinese):
    pinned = summary("PlanOverridden", {"kind": "PINNED", "factory_id": "F-GZ-01", "weight": 0,
                                        "reason": "near the customer"})
    assert say(read(pinned)) == "已指定到工厂 F-GZ-01：near the customer"
    held = summary("PlanningHeld", {"reason": HELD})
    assert say(read(held)) == "暂时无法排产：计划员已暂停其排产"
    assert say(read(summary("Cancelled", {}))) == "已取消：未说明原因"


def test_times_in_the_words_are_local_with_the_zone_named(chinese):
    scheduled = summary("Scheduled", {"factory_id": "F-1", "planned_start":
                                      "2026-12-05T06:00:00+00:00",
                                      "planned_end": "2026-12-05T08:00:00+00:00"})
    text = with_local_times(scheduled.english(), words=read(scheduled))
    assert text.startswith("已排产到工厂 F-1，")
    assert "14:00" in text and "Asia/Shanghai" in text and "T06:00" not in text


def test_words_the_catalogue_lacks_read_in_english(chinese):
    assert say(WordsRead("Something new happened to %(what)s", {"what": "it"})) == (
        "Something new happened to it")


def test_words_inside_words_and_lists_are_said_too(chinese):
    """A reason inside a sentence and the parts of a list are words themselves: each is said
    in the reader's language, joined the language's way; the English is unchanged."""
    cancelled = Words.of(N_("Cancelled: %(reason)s"), reason=Words(HELD))
    assert cancelled.english() == "Cancelled: held out of planning by a planner"
    assert say(read(cancelled)) == "已取消：计划员已暂停其排产"
    both = Words.listing([Words.of(N_("at most %(n)s characters"), n=500),
                          Words(HELD), "as typed"], SEMICOLONS)
    assert both.english() == "at most 500 characters; held out of planning by a planner; as typed"
    assert say(read(both)) == "最多 500 个字符；计划员已暂停其排产；as typed"
    assert i18n.english_words(words_pb(both)) == both.english()


def test_words_are_stored_inside_events_as_they_are():
    transcoder = JSONTranscoder()
    register_values(transcoder, {})
    words = Words.listing([Words.of(N_("at most %(n)s characters"), n=5), Words(HELD)])
    stored = transcoder.decode(transcoder.encode({"reason": words}))
    assert stored["reason"] == words and stored["reason"].english() == words.english()
