"""The SDK says the services' words in the chosen language from its own catalogue (issue 19,
item 3): each field of a refusal (the FieldWords packed beside google.rpc.BadRequest, as
services/kit/rpc.py packs them), arguments that are texts of the catalogue or words
themselves, English when no language is chosen or a template is not in the catalogue; and
every template of the services it calls reads as the gateway says it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import grpc
import pytest
from rich.console import Console

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail_factory import i18n
from dovetail_factory.cli.views import machines_table
from dovetail_factory.errors import InvalidRequest, OutOfOrder, from_rpc_error
from dovetail_factory.models import Machine, MachineStatus
from dovetail_factory.words import english, say
from gateway import i18n as gateway_i18n
from infra.catalogue import FACTORY_CLI, borrowed
from services.kit.errors import FailedPrecondition, InvalidArgument, Violations
from services.kit.rpc import status_for
from services.kit.words import N_, SEMICOLONS, Words
from services.kit.words_pb import words_pb
from services.scheduling.domain.progress import FINISHED, NOT_STARTED_YET, PLANNED

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.use("en", i18n.DEFAULT_ZONE)


def refusal(violations: Violations) -> grpc.aio.AioRpcError:
    """The INVALID_ARGUMENT a service answers with these violations, as its clients get it."""
    status = status_for(InvalidArgument(violations.items))
    return grpc.aio.AioRpcError(
        grpc.StatusCode.INVALID_ARGUMENT, grpc.aio.Metadata(),
        grpc.aio.Metadata(("grpc-status-details-bin", status.SerializeToString())),
        status.message)


def scheduling_refuses_a_report() -> Violations:
    """What scheduling's ReportOperation says of a report with three bad fields."""
    v = Violations()
    v.add("idempotency_key", N_("is required (1-%(n)s characters, reused on retries)"), n=128)
    v.add("scrap_quantity", N_("must not be negative"))
    v.add("machine_id", N_("is required: the operation has no planned machine"))
    return v


def test_a_refusal_names_each_field_in_chinese():
    i18n.use("zh-CN")
    error = from_rpc_error(refusal(scheduling_refuses_a_report()))

    assert isinstance(error, InvalidRequest)
    assert [(v.field, v.said()) for v in error.violations] == [
        ("idempotency_key", "必填（1–128 个字符，重试时沿用）"),
        ("scrap_quantity", "不得为负数"),
        ("machine_id", "必填：该工序没有计划的机器")]
    assert error.message == ("idempotency_key：必填（1–128 个字符，重试时沿用）；"
                             "scrap_quantity：不得为负数；machine_id：必填：该工序没有计划的机器")
    # the words themselves, and the English the service wrote beside them
    first = error.violations[0]
    assert first.words.template == "is required (1-%(n)s characters, reused on retries)"
    assert dict(first.words.args) == {"n": "128"}
    assert first.description == "is required (1-128 characters, reused on retries)"


def test_without_a_language_the_refusal_reads_in_english():
    error = from_rpc_error(refusal(scheduling_refuses_a_report()))

    assert error.message == (
        "idempotency_key: is required (1-128 characters, reused on retries); "
        "scrap_quantity: must not be negative; "
        "machine_id: is required: the operation has no planned machine")
    assert [v.said() for v in error.violations] == [v.description for v in error.violations]


def test_nested_words_and_arguments_that_are_texts_of_the_catalogue_are_said():
    reasons = Words.listing([Words.of(N_("must be %(low)s to %(n)s sheets"), low=1, n=100000),
                             "telemetry resumed", "SAW-1"], SEMICOLONS)
    wire = words_pb(reasons)
    i18n.use("zh-CN")
    assert say(wire) == "须为 1 到 100000 张；遥测已恢复；SAW-1"
    i18n.use("en")
    assert say(wire) == english(wire) == reasons.english()


def test_a_template_the_catalogue_lacks_reads_in_english():
    i18n.use("zh-CN")
    new = types_pb2.Words(template="a sentence no catalogue has yet (%(n)s)", args={"n": "3"},
                          said={})
    assert say(new) == "a sentence no catalogue has yet (3)"
    # a translation whose placeholders the arguments do not fill: the English, as written
    odd = types_pb2.Words(template="must be %(low)s to %(n)s sheets", args={"count": "3"})
    assert say(odd) == "must be %(low)s to %(n)s sheets"


def placeholders(template: str) -> dict[str, str]:
    return {name: f"<{name}>" for name in re.findall(r"%\((\w+)\)s", template)}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_template_of_the_services_the_sdk_calls_reads_as_the_gateway_says_it(language):
    """Over every template the SDK can meet (infra/factory_words.py): its own catalogue says
    it word for word as the gateway's does."""
    templates = [m.id for m in borrowed(FACTORY_CLI) if isinstance(m.id, str) and m.id]
    assert len(templates) > 200  # iot's, scheduling's, the stock service's and the kit's
    i18n.use(language)
    gateway_i18n.use(language)
    try:
        differ = []
        for template in templates:
            wire = types_pb2.Words(template=template, args=placeholders(template))
            if say(wire) != gateway_i18n.said_words(wire):
                differ.append((template, say(wire), gateway_i18n.said_words(wire)))
    finally:
        gateway_i18n.use("en")
    assert differ == []


def test_a_machine_state_reason_iot_writes_as_a_text_of_the_catalogue_is_said_whole():
    def shown(reason: str) -> str:
        status = MachineStatus("SAW1", "panel_saw", "IDLE", datetime(2026, 12, 5, tzinfo=UTC),
                               True, reason=reason)
        saw = Machine("SAW1", "F1", "SAW1", "panel_saw", 1.0, 18.0, "current_sensor", True, 1,
                      status)
        console = Console(record=True, width=200)
        console.print(machines_table([saw]))
        return console.export_text()

    i18n.use("zh-CN")
    assert "遥测已恢复" in shown("telemetry resumed")  # iot's tracker, N_()
    assert "silent for more than 120 s" in shown("silent for more than 120 s")  # as written
    i18n.use("en")
    assert "telemetry resumed" in shown("telemetry resumed")


def test_a_machine_state_reason_with_a_number_is_said_from_iots_words():
    """iot sends a reason that carries a number as words beside the English (reason_words):
    the machines table says them in the chosen language, the number as iot wrote it."""
    silent = Words.of(N_("silent for more than %(seconds)s s"), seconds="120")
    wire = iot_pb.MachineStatus(machine_id="SAW1", machine_type=types_pb2.MACHINE_TYPE_PANEL_SAW,
                                state=iot_pb.MACHINE_STATE_OFFLINE, reason=silent.english(),
                                reason_words=words_pb(silent))
    status = MachineStatus.from_pb(wire)
    saw = Machine("SAW1", "F1", "SAW1", "panel_saw", 1.0, 18.0, "current_sensor", True, 1,
                  status)

    def shown() -> str:
        console = Console(record=True, width=200)
        console.print(machines_table([saw]))
        return console.export_text()

    i18n.use("zh-CN")
    assert "静默超过 120 秒" in shown()
    assert status.reason == "silent for more than 120 s"  # the English stays for programs
    i18n.use("en")
    assert "silent for more than 120 s" in shown()


def out_of_order() -> grpc.aio.AioRpcError:
    """scheduling's FAILED_PRECONDITION for a finish reported before the start (the message
    as words packed beside the status, as services/kit/rpc.py packs it)."""
    status = status_for(FailedPrecondition(Words.of(NOT_STARTED_YET[FINISHED, PLANNED],
                                                    name="o-1/op-1")))
    return grpc.aio.AioRpcError(
        grpc.StatusCode.FAILED_PRECONDITION, grpc.aio.Metadata(),
        grpc.aio.Metadata(("grpc-status-details-bin", status.SerializeToString())),
        status.message)


def test_a_refusal_of_the_state_things_are_in_is_said_in_the_chosen_language():
    i18n.use("zh-CN")
    error = from_rpc_error(out_of_order())
    assert isinstance(error, OutOfOrder) and error.exit_code == 6
    assert error.message == "工序 o-1/op-1 还没开工，不能报完工：请先报开工"

    i18n.use("en")
    assert from_rpc_error(out_of_order()).message == (
        "operation o-1/op-1 cannot be finished: it is planned, report it started first")


def test_the_machines_table_names_machine_types_in_the_chosen_language():
    status = MachineStatus("SAW1", "panel_saw", "IDLE", datetime(2026, 12, 5, tzinfo=UTC), True)
    machines = [Machine("SAW1", "F1", "SAW1", "panel_saw", 1.0, 18.0, "current_sensor", True, 1,
                        status),
                Machine("EB1", "F1", "EB1", "edge_bander", 1.0, 7.0, "current_sensor", True, 1,
                        None)]

    def shown() -> str:
        console = Console(record=True, width=200)
        console.print(machines_table(machines))
        return console.export_text()

    i18n.use("zh-CN")
    assert "开料锯" in shown() and "封边机" in shown() and "panel_saw" not in shown()
    i18n.use("en")
    assert "panel saw" in shown() and "edge bander" in shown()
