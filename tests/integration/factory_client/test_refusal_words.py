"""A refusal from a real service, said in the factory's language (issue 19, item 3): each field
the service names comes with its words (FieldWords beside google.rpc.BadRequest), which the
SDK and the `dovetail-factory` command say from their own catalogue - 简体中文 when chosen,
English without a language set. Against real iot and scheduling, with the factory's key."""

from __future__ import annotations

import uuid

import pytest

from dovetail_factory import InvalidRequest, i18n
from tests.helpers import eventually
from tests.integration.factory_client.conftest import client_for, first_planned, new_order
from tests.integration.factory_client.test_cli import cli_env, run  # noqa: F401 - a fixture

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.use("en", i18n.DEFAULT_ZONE)


async def refused_machine(maker, scheduling, iot, tmp_path) -> InvalidRequest:
    """iot's answer to a machine registered with five bad fields."""
    async with client_for(maker, scheduling, iot, tmp_path,
                          factory_id=maker.factory_id) as client:
        with pytest.raises(InvalidRequest) as refused:
            await client.register_machine(
                "saw #1", "panel_saw", speed_factor=50, rated_power_kw=-5, batch_capacity=2000,
                calibration={"off_level_amperes": 9, "idle_level_amperes": 8,
                             "running_level_amperes": 20})
    return refused.value


async def test_the_sdk_says_each_refused_field_in_chinese(maker, scheduling, iot, tmp_path):
    i18n.use("zh-CN")
    error = await refused_machine(maker, scheduling, iot, tmp_path)

    said = {v.field: v.said() for v in error.violations}
    assert said == {
        "machine_id": "必须是 1-64 个字母、数字、'-' 或 '_'",
        "speed_factor": "须在 0.1 到 10 之间",
        "rated_power_kw": "须大于 0 且不超过 5000 千瓦",
        "batch_capacity": "须在 0 到 1000 之间",
        "calibration.running_level_amperes": "各档电流须一起给出并依次升高：关机 < 空闲 < 运行"}
    assert "speed_factor：须在 0.1 到 10 之间" in error.message
    # the words themselves, for a program that says them its own way, beside iot's English
    by_field = {v.field: v for v in error.violations}
    assert by_field["speed_factor"].words.template == "must be from 0.1 to 10"
    assert by_field["speed_factor"].description == "must be from 0.1 to 10"


async def test_the_sdk_says_them_in_english_without_a_language(maker, scheduling, iot, tmp_path):
    error = await refused_machine(maker, scheduling, iot, tmp_path)

    assert {v.field: v.said() for v in error.violations}["batch_capacity"] == \
        "must be from 0 to 1000"
    assert all(v.words is not None and v.said() == v.description for v in error.violations)
    assert "rated_power_kw: must be above 0 and at most 5000 kW" in error.message


def bad_report() -> list[str]:
    """A scrap report scheduling refuses on three fields: a key too long, a negative quantity,
    an operation with no planned machine and none named."""
    return ["report", "scrap", f"{uuid.uuid4()}/op-1", "--quantity", "-2",
            "--idempotency-key", "k" * 129]


CHINESE = ("错误：", "：", {"idempotency_key": "必填（1–128 个字符，重试时沿用）",
                         "scrap_quantity": "不得为负数",
                         "machine_id": "必填：该工序没有计划的机器"})
ENGLISH = ("error: ", ": ", {"idempotency_key": "is required (1-128 characters, reused on retries)",
                            "scrap_quantity": "must not be negative",
                            "machine_id": "is required: the operation has no planned machine"})


@pytest.mark.parametrize(("language", "expected"), [(["--lang", "zh-CN"], CHINESE), ([], ENGLISH)],
                         ids=["zh-CN", "no language set"])
async def test_the_command_names_each_refused_field_in_the_language(
        maker, cli_env, capsys, monkeypatch, language, expected):  # noqa: F811 - cli_env
    monkeypatch.setenv("DOVETAIL_FACTORY_KEY", maker.key)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = await run(capsys, *language, *bad_report())

    error, colon, said = expected
    assert code == 2 and err.startswith(error)
    assert all(f"{field}{colon}{text}" in err for field, text in said.items()), err


async def test_the_command_says_a_report_out_of_order_in_the_language(
        maker, scheduling, iot, orders_channel, settings, cli_env, capsys,  # noqa: F811
        monkeypatch, tmp_path):
    """A finish reported for an operation nobody started: scheduling refuses it
    (FAILED_PRECONDITION, its message as words beside the status), and the command says why
    in 简体中文 with --lang zh-CN, in English with no language set; exit code 6 either way."""
    monkeypatch.setenv("DOVETAIL_FACTORY_KEY", maker.key)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    order_id = await new_order(orders_channel, settings)
    first = await first_planned(maker, scheduling, iot, tmp_path, order_id)
    finish = ["report", "finish", first.operation_id, "--machine", first.machine_id]

    code, _, err = await run(capsys, "--lang", "zh-CN", *finish)
    assert code == 6
    assert f"错误：工序 {first.operation_id} 还没开工，不能报完工：请先报开工" in err, err
    code, _, err = await run(capsys, *finish)
    assert code == 6
    assert (f"error: operation {first.operation_id} cannot be finished: it is planned, "
            "report it started first") in err, err


async def test_the_command_names_machine_types_as_people_call_them(
        maker, scheduling, iot, orders_channel, settings, cli_env, capsys,  # noqa: F811
        monkeypatch, tmp_path):
    """A start reported on a machine of another type (an edge bander the factory adds):
    scheduling names both types in words of their own, so the command says 封边机 and 砂光机
    in 简体中文, never the wire's `edge_bander`, and "edge bander" in English."""
    monkeypatch.setenv("DOVETAIL_FACTORY_KEY", maker.key)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    bander = f"{maker.factory_id}-EB1"
    async with client_for(maker, scheduling, iot, tmp_path, factory_id=maker.factory_id) as c:
        await c.register_machine(bander, "edge_bander", rated_power_kw=5.0)

    async def known() -> bool:
        return bander in scheduling.runtime.state.machines

    await eventually(known, timeout=90)
    order_id = await new_order(orders_channel, settings)
    first = await first_planned(maker, scheduling, iot, tmp_path, order_id)
    start = ["report", "start", first.operation_id, "--machine", bander]

    code, _, err = await run(capsys, "--lang", "zh-CN", *start)
    assert code == 2
    assert f"{bander} 是 封边机；该工序需要 砂光机" in err, err
    assert "edge_bander" not in err and "sander" not in err, err
    code, _, err = await run(capsys, *start)
    assert code == 2 and f"{bander} is of type edge bander; the operation needs one of type sander" in err, err
