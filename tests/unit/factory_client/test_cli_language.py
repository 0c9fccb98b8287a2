"""The command line in 简体中文 or English (`--lang`, else LC_ALL / LC_MESSAGES / LANG) and its
times on the factory's clock with the zone named (`--tz`, default Asia/Shanghai), not the
computer's zone unnamed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.console import Console

from dovetail_factory import i18n
from dovetail_factory.cli import main, views
from dovetail_factory.models import ScheduledOperation

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.use("en", i18n.DEFAULT_ZONE)


@pytest.mark.parametrize(("flag", "env", "language"), [
    ("zh-CN", {"LANG": "en_US.UTF-8"}, "zh-CN"),
    (None, {"LANG": "zh_CN.UTF-8"}, "zh-CN"),
    (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    (None, {"LC_MESSAGES": "zh_TW", "LANG": "C"}, "zh-CN"),
    (None, {"LANG": "C.UTF-8"}, "en"), (None, {}, "en"), ("fr", {}, "en"),
])
def test_the_language_comes_from_the_flag_then_the_environment(flag, env, language):
    assert i18n.choose(flag, env) == language


def render(table) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def test_a_plan_reads_in_chinese_on_shanghai_time():
    i18n.use("zh-CN", "Asia/Shanghai")
    row = ScheduledOperation(
        operation_id="o1/op-1", order_id="1234567890", machine_id="saw-1", seq=1,
        status="PLANNED", start=datetime(2026, 12, 5, 6, 38, tzinfo=UTC),
        end=datetime(2026, 12, 5, 8, 0, tzinfo=UTC), risk="AT_RISK")
    text = render(views.schedule_table([row]))
    assert "时间均为 Asia/Shanghai 时间" in text and "计划开工" in text and "12-05 14:38" in text
    assert "已计划" in text and "有风险" in text and "PLANNED" not in text


def test_another_zone_is_named_and_a_wrong_one_refused(capsys):
    i18n.use("en", "Europe/Berlin")
    row = ScheduledOperation(
        operation_id="o1/op-1", order_id="1234567890", machine_id="saw-1", seq=1,
        status="PLANNED", start=datetime(2026, 12, 5, 6, 38, tzinfo=UTC),
        end=datetime(2026, 12, 5, 8, 0, tzinfo=UTC), risk="")
    text = render(views.schedule_table([row]))
    assert "times in Europe/Berlin" in text and "12-05 07:38" in text
    i18n.use("en", "Asia/Shanghai")
    assert main(["--tz", "Mars/Olympus", "machines"]) == 2
    assert "Mars/Olympus" in capsys.readouterr().err


def test_errors_and_hints_speak_the_chosen_language(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("DOVETAIL_FACTORY_HOME", str(tmp_path))  # no stored key
    monkeypatch.delenv("DOVETAIL_FACTORY_KEY", raising=False)
    assert main(["--lang", "zh-CN", "report", "pause", "o/op-1"]) == 2
    assert main(["--lang", "zh-CN", "machines"]) == 3
    assert "错误：" in capsys.readouterr().err


def test_option_help_speaks_the_chosen_language(capsys):
    assert main(["--lang", "zh-CN", "report", "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "报废：损失的件数" in help_text  # --quantity
    assert "服务器地址" in help_text  # --target
    assert "scrap: pieces lost" not in help_text
    assert main(["--lang", "en", "stock", "receive", "--help"]) == 0
    assert "sheets received" in capsys.readouterr().out


def test_argparse_own_words_speak_the_chosen_language(capsys):
    """usage:, the section titles, -h's help and argparse's error lines (issue 19, item 3)."""
    assert main(["--lang", "zh-CN", "report", "--help"]) == 0
    help_text = capsys.readouterr().out
    assert help_text.startswith("用法：dovetail-factory report")
    assert "位置参数" in help_text and "选项" in help_text and "显示此帮助信息并退出" in help_text
    assert "usage:" not in help_text and "positional arguments" not in help_text
    assert main(["--lang", "zh-CN", "report", "pause", "o/op-1"]) == 2
    error = capsys.readouterr().err
    assert "dovetail-factory report：错误：参数 kind：无效的选择：'pause'（可选：" in error
    assert main(["--lang", "zh-CN", "report"]) == 2
    assert "缺少以下必需参数：kind, operation_id" in capsys.readouterr().err
    assert main(["--lang", "zh-CN", "machines", "--seconds", "soon"]) == 2
    assert "无效的 float 值：'soon'" in capsys.readouterr().err


def test_argparse_speaks_english_again_after_a_chinese_run(capsys):
    assert main(["--lang", "zh-CN", "machines", "--bogus"]) == 2
    assert "无法识别的参数：--bogus" in capsys.readouterr().err
    assert main(["--lang", "en", "machines", "--bogus"]) == 2
    assert "error: unrecognized arguments: --bogus" in capsys.readouterr().err
