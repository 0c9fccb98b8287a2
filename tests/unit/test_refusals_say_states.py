"""A refusal that names a state or a kind (an order's status, a delivery's, a configuration's,
a machine type) says it in the reader's language, "已开始生产（订单状态为 生产中）", never the
wire's code ("IN_PRODUCTION", "panel_saw"): the state goes in as words of its own, said from
the catalogue like the sentence around it. The English (REST `detail`, logs) reads the same
words in English.

The first test reads services/ with `ast`: no words get a state's `.value` or a machine type's
code as an argument."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gateway import i18n
from services.configurator.domain.order_configuration import ConfigurationStatus
from services.kit.errors import DomainError, Violations
from services.kit.words import Words
from services.kit.words_pb import words_pb
from services.orders.domain.errors import NotRejected, ProductionStarted
from services.orders.domain.status import OrderStatus
from services.outbound.domain.errors import StillTrying
from services.outbound.domain.values import DeliveryStatus
from services.scheduling.domain.capacity import (
    MACHINE_TYPES,
    machine_type_said,
    machine_types_said,
)
from services.scheduling.domain.overrides import check_pin
from tests.unit.orders.test_order_lifecycle import CONTENT, new_order
from tests.unit.outbound.test_deliveries import T0, delivery

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
STATES = ("status", "state", "kind")


def _code_arguments(path: Path) -> list[str]:
    """`file:line name=expr` for each argument of a call with an N_() template that is a
    state's code (`x.status.value`) or a machine type as the wire spells it
    (`x.machine_type`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not (isinstance(node, ast.Call) and any(
                isinstance(a, ast.Call) and getattr(a.func, "id", "") == "N_" for a in node.args)):
            continue
        for kw in node.keywords:
            value = kw.value
            code = (isinstance(value, ast.Attribute) and value.attr == "value"
                    and isinstance(value.value, ast.Attribute) and value.value.attr in STATES)
            raw_type = isinstance(value, ast.Attribute) and value.attr.endswith("machine_type")
            if code or raw_type:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {kw.arg}="
                             f"{ast.unparse(value)}")
    return found


def test_no_service_words_name_a_state_or_a_machine_type_by_its_code():
    found = [f for path in sorted((ROOT / "services").rglob("*.py")) for f in _code_arguments(path)]
    assert not found, "\n".join(found)


def said(exc: DomainError, language: str) -> str:
    assert exc.words is not None
    with i18n.speaking(language):
        return i18n.said_words(words_pb(exc.words))


@pytest.mark.parametrize("act", ["cancel", "amend"])
def test_an_order_in_production_is_refused_naming_its_status_in_the_readers_language(act):
    order = new_order()
    order.record_production_started(None, "s")
    with pytest.raises(ProductionStarted) as refused:
        order.cancel("x") if act == "cancel" else order.amend(CONTENT, "x")

    chinese = said(refused.value, "zh-CN")
    assert "生产中" in chinese and "IN_PRODUCTION" not in chinese, chinese
    assert str(refused.value) == (f"production has started (order is in production); it can no "
                                  f"longer be {act}{'l' if act == 'cancel' else ''}ed")
    assert said(refused.value, "en") == str(refused.value)


def test_an_order_not_rejected_is_refused_re_processing_naming_its_status():
    with pytest.raises(NotRejected) as refused:
        new_order().reprocess(CONTENT, ())
    assert said(refused.value, "zh-CN") == "只有配置被拒的订单才能重新处理；此订单状态为 已下单（请改为修改订单）"
    assert "this one is placed (amend it instead)" in str(refused.value)


def test_a_delivery_still_being_tried_is_refused_a_retry_naming_its_status():
    with pytest.raises(StillTrying) as refused:
        delivery().retry(T0.isoformat(), "admin")
    chinese = said(refused.value, "zh-CN")
    assert "仍在尝试投递" in chinese and "pending" not in chinese, chinese


@pytest.mark.parametrize("state", [*OrderStatus, *ConfigurationStatus, *DeliveryStatus],
                         ids=lambda s: f"{type(s).__name__}.{s.name}")
def test_every_state_a_refusal_can_name_is_said_in_chinese(state):
    with i18n.speaking("zh-CN"):
        chinese = i18n.said_words(words_pb(state.said))
    assert chinese and chinese != state.said.template and chinese.isascii() is False, chinese


@pytest.mark.parametrize("machine_type", MACHINE_TYPES)
def test_every_machine_type_is_said_in_chinese_and_an_unknown_one_as_written(machine_type):
    words = machine_type_said(machine_type)
    assert isinstance(words, Words)
    with i18n.speaking("zh-CN"):
        chinese = i18n.said_words(words_pb(words))
    assert not chinese.isascii(), chinese
    assert machine_type_said("laser_cutter") == "laser_cutter"


def test_machine_types_are_listed_in_the_readers_way():
    listed = words_pb(machine_types_said({"panel_saw", "cnc_router"}))
    with i18n.speaking("zh-CN"):
        assert i18n.said_words(listed) == "数控加工中心，开料锯"
    assert machine_types_said({"panel_saw", "cnc_router"}).english() == "CNC router, panel saw"


def test_a_pin_to_a_factory_without_a_type_names_it_as_people_call_it():
    v = Violations()
    check_pin("F-1", True, True, {"panel_saw"}, {"panel_saw", "paint_line"}, v)
    [violation] = v.items
    assert violation.description == ("factory F-1 has no paint line, which the order's routing "
                                      "needs")
    with i18n.speaking("zh-CN"):
        chinese = i18n.said_words(words_pb(violation.words))
    assert "喷涂线" in chinese and "paint" not in chinese, chinese
