"""The machines table says when the last sample's power contradicts the state (issue 19: an
edge bander OFF at 53 kW, a saw RUNNING at 0 kW): the state follows the signal once it has
held, the kW is the latest sample; an OFFLINE machine shows no stale kW."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from dovetail_factory.cli.views import machines_table
from dovetail_factory.models import Machine, MachineStatus

AT = datetime(2026, 12, 5, 8, tzinfo=UTC)


def machine(machine_id: str, rated_kw: float, state: str, amps: float, kw: float) -> Machine:
    return Machine(machine_id, "F1", machine_id, "panel_saw", 1.0, rated_kw, "current_sensor",
                   True, 1, MachineStatus(machine_id, "panel_saw", state, AT, True,
                                          current_amperes=amps, power_kw=kw))


def rows(*machines: Machine) -> dict[str, str]:
    console = Console(record=True, width=200)
    console.print(machines_table(list(machines)))
    lines = console.export_text().splitlines()
    return {m.machine_id: next(line for line in lines if line.strip().startswith(m.machine_id))
            for m in machines}


def test_power_that_contradicts_the_state_is_said_to_be_changing():
    shown = rows(machine("EB1", 15.0, "OFF", 90.0, 53.0), machine("SAW1", 18.0, "RUNNING", 0, 0),
                 machine("SND1", 7.5, "RUNNING", 12.0, 7.1), machine("PCK1", 3.0, "OFF", 0, 0))
    assert "53.0 (starting?)" in shown["EB1"]
    assert "0.0 (stopping?)" in shown["SAW1"]
    assert "7.1" in shown["SND1"] and "?" not in shown["SND1"]
    assert "?" not in shown["PCK1"]


def test_an_offline_machine_shows_no_stale_power():
    shown = rows(machine("DRL1", 9.0, "OFFLINE", 14.0, 8.2))["DRL1"]
    assert "8.2" not in shown and "14.0" not in shown
