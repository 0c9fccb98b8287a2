"""Field violations every service writes are words (issue 19, item 3): the English description
stays in google.rpc.BadRequest for machines, and the words beside it are said in the reader's
language by the gateway, their arguments (limits, names, what was sent) kept."""

from __future__ import annotations

import pytest

from dovetail.common.v1 import types_pb2
from gateway import i18n
from services.configurator.domain.board_stock import check_quantity
from services.delivery.domain.reports import parse_code
from services.iot.domain.calendar import ShiftCalendar, WeeklyShift, validate_calendar
from services.kit.errors import FieldViolation, InvalidArgument, Violations
from services.kit.rpc import text_violations
from services.kit.words_pb import words_pb
from services.orders.domain.values import parse_lines
from services.outbound.domain.subscription import validate_subscription
from services.scheduling.domain.ids import parse_operation_id

pytestmark = pytest.mark.unit


def said(violation: FieldViolation) -> str:
    assert violation.words is not None, violation  # every description is words
    return i18n.said_words(words_pb(violation.words))


def written(check) -> list[FieldViolation]:
    v = Violations()
    check(v)
    return v.items


def refused(call) -> list[FieldViolation]:
    with pytest.raises(InvalidArgument) as caught:
        call()
    return caught.value.violations


def test_orders_lines(chinese):
    found = written(lambda v: parse_lines(v, [
        {"line_id": "1", "product": "wardrobe", "quantity": 1},
        {"line_id": "1", "product": "wardrobe", "quantity": 5000}]))
    by_field = {f.field: f for f in found}
    assert by_field["items[1].line_id"].description == "repeats line id '1'"
    assert said(by_field["items[1].line_id"]) == "行号“1”重复"
    assert said(by_field["items[1].quantity"]) == "须为 1 到 1000 之间的整数"


def test_configurator_stock(chinese):
    found = written(lambda v: check_quantity(v, 0))
    assert found[0].description == "must be 1 to 100000 sheets"
    assert said(found[0]) == "须为 1 到 100000 张"


def test_delivery_carrier_codes(chinese):
    found = written(lambda v: parse_code(v, "LOST_IN_SPACE"))
    assert found[0].description.startswith("'LOST_IN_SPACE' is not a carrier event code")
    assert said(found[0]).startswith("“LOST_IN_SPACE”不是承运商事件代码；请使用以下之一：")


def test_outbound_subscriptions(chinese):
    found = refused(lambda: validate_subscription("http://example.com/hook", ["nope"], ""))
    texts = [said(f) for f in found]
    assert "须使用 https（仅 localhost 可用 http）" in texts
    assert any(t.startswith("“nope”不在以下范围内：") for t in texts)


def test_scheduling_operation_ids(chinese):
    found = refused(lambda: parse_operation_id("not-an-operation"))
    assert said(found[0]) == "“not-an-operation”不是工序编号（<订单编号>/op-<序号>）"


def test_any_request_text_with_nul(chinese):
    found = text_violations(types_pb2.Customer(name="a\x00b"))
    assert found[0].field == "name" and said(found[0]) == "不得包含 NUL 字符"


def test_in_english_the_words_are_the_description():
    found = written(lambda v: parse_lines(v, [{"line_id": "1", "product": "wardrobe",
                                               "quantity": 0}]))
    assert said(found[0]) == found[0].description == "must be a whole number from 1 to 1000"


def test_iot_calendars(chinese):
    calendar = ShiftCalendar((WeeklyShift(600, 500, weekday=8),))
    found = {f.field: said(f) for f in written(lambda v: validate_calendar(v, calendar))}
    assert found == {"shift_calendar.weekly_shifts[0].weekday": "须为 MONDAY 到 SUNDAY",
                     "shift_calendar.weekly_shifts[0].end_minute":
                         "须晚于 start_minute，且最多晚 24 小时"}


def test_configurator_catalogue_document(chinese):
    """A catalogue uploaded with fields that do not fit: each misfit names its field, in words
    (the catalogue codec's; issue 19, item 3)."""
    from services.configurator.catalogue import seed_catalogue
    from services.configurator.domain.catalogue_versions import validate_document

    document = seed_catalogue().to_dict()
    document["boards"]["mdf-18"]["thickness_mm"] = "thick"
    document["boards"]["mdf-18"]["colour"] = "red"
    found = refused(lambda: validate_document(document, 2))
    [misfit] = found
    assert (misfit.field, misfit.description) == ("catalog.boards.mdf-18", "unknown field(s) colour")
    assert said(misfit) == "未知字段 colour"
    del document["boards"]["mdf-18"]["colour"]
    [misfit] = refused(lambda: validate_document(document, 2))
    assert misfit.field == "catalog.boards.mdf-18.thickness_mm"
    assert misfit.description == "expected a number, got 'thick'"
    assert said(misfit) == "应为数字，收到的是 'thick'"
    i18n.use("en")
    assert said(misfit) == "expected a number, got 'thick'"
