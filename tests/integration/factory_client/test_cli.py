"""`dovetail-factory` as a factory's operator meets it: log in, list machines, see and follow
what to make, report, send telemetry; friendly errors with their exit codes, never a traceback."""

from __future__ import annotations

import asyncio
import json
import stat
import time

import pytest

from dovetail_factory.cli import main
from infra.servers import free_port
from tests.integration.factory_client.conftest import first_planned, new_order

pytestmark = pytest.mark.integration


@pytest.fixture
def cli_env(monkeypatch, tmp_path, scheduling, iot):
    monkeypatch.setenv("DOVETAIL_FACTORY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOVETAIL_FACTORY_TARGET", f"127.0.0.1:{scheduling.port}")
    monkeypatch.setenv("DOVETAIL_FACTORY_IOT_TARGET", f"127.0.0.1:{iot.port}")
    monkeypatch.delenv("DOVETAIL_FACTORY_KEY", raising=False)
    return tmp_path / "home"


async def run(capsys, *argv: str) -> tuple[int, str, str]:
    """The command's exit code, stdout and stderr (run in a thread: it has its own loop)."""
    code = await asyncio.to_thread(main, list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.out, captured.err


async def test_login_keeps_the_key_private_and_machines_are_listed(maker, cli_env, capsys):
    code, out, _ = await run(capsys, "login", "--key", maker.key)
    assert code == 0 and maker.factory_id in out
    config = cli_env / "config.json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert json.loads(config.read_text())["key"] == maker.key

    code, out, _ = await run(capsys, "machines")
    assert code == 0
    assert all(machine_id in out for machine_id, _ in maker.machines) and "NO DATA" in out


async def test_a_wrong_key_and_a_server_down_are_told_plainly(maker, cli_env, capsys,
                                                             monkeypatch):
    code, _, err = await run(capsys, "login", "--key", "dvt_factory_not_a_key")
    assert code == 3 and "does not accept this key" in err
    assert not (cli_env / "config.json").exists()

    monkeypatch.setenv("DOVETAIL_FACTORY_KEY", "dvt_factory_not_a_key")
    code, _, err = await run(capsys, "assignments")
    assert code == 3 and "does not accept this key" in err

    monkeypatch.setenv("DOVETAIL_FACTORY_KEY", maker.key)
    monkeypatch.setenv("DOVETAIL_FACTORY_TARGET", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("DOVETAIL_FACTORY_IOT_TARGET", f"127.0.0.1:{free_port()}")
    code, _, err = await run(capsys, "report", "start", "x/op-1")
    assert code == 7 and "cannot be reached" in err and "hint:" in err


async def test_an_operator_sees_what_to_make_and_reports_it(
        maker, scheduling, iot, orders_channel, settings, cli_env, capsys, monkeypatch,
        tmp_path):
    monkeypatch.setenv("DOVETAIL_FACTORY_KEY", maker.key)
    order_id = await new_order(orders_channel, settings)
    first = await first_planned(maker, scheduling, iot, tmp_path, order_id)

    code, out, _ = await run(capsys, "assignments", "--all")
    assert code == 0 and first.operation_id in out and first.machine_id in out

    code, _, err = await run(capsys, "report", "finish", first.operation_id,
                             "--machine", first.machine_id)
    assert code == 6 and "report it started first" in err
    code, out, _ = await run(capsys, "report", "start", first.operation_id,
                             "--machine", first.machine_id)
    assert code == 0 and "started" in out

    code, out, _ = await run(capsys, "assignments", "--follow", "--seconds", "3")
    assert code == 0
    assert f"progressed  {first.operation_id}" in out and "What to make next" in out


def write_csv(path, machine_id: str, start_ms: int, seconds: int) -> None:
    lines = ["machine_id,timestamp,amperes,voltage,power_factor"]
    for i in range(seconds):
        amps = 20.0 if (i // 60) % 2 else 8.0
        lines.append(f"{machine_id},{start_ms + i * 1000},{amps},400,0.85")
    path.write_text("\n".join(lines) + "\n")


async def test_telemetry_from_a_file_and_simulated_reaches_the_machines(
        sensing, cli_env, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("DOVETAIL_FACTORY_KEY", sensing.key)
    saw = sensing.machines[0][0]
    csv = tmp_path / "saw.csv"
    write_csv(csv, saw, int(time.time() * 1000) - 1_300_000, 1200)
    code, out, _ = await run(capsys, "telemetry", "send", str(csv), "--batch-size", "100")
    assert code == 0 and "Sent 12 batches: 1200 samples accepted, 0 rejected" in out

    code, out, _ = await run(capsys, "telemetry", "send", str(csv))  # the same file again
    assert code == 0 and "0 samples accepted" in out

    bad = tmp_path / "bad.csv"
    bad.write_text("machine_id,timestamp,amperes\nSAW,yesterday,3\n")
    code, _, err = await run(capsys, "telemetry", "send", str(bad))
    assert code == 2 and "line 2" in err

    code, out, _ = await run(capsys, "telemetry", "simulate", "--machine", saw,
                             "--seconds", "2.5")
    assert code == 0 and "samples accepted" in out

    code, out, _ = await run(capsys, "machines")
    assert code == 0 and saw in out and any(s in out for s in ("RUNNING", "IDLE", "OFF"))
