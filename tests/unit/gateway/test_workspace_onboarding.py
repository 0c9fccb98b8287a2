"""Machines from a CSV file: every bad line named (gateway/workspace/onboarding.py)."""

from __future__ import annotations

import pytest

from gateway.workspace.onboarding import read_machines

pytestmark = pytest.mark.unit
HEADER = "machine_id,name,machine_type,speed_factor,rated_power_kw,batch_capacity\n"


def named(problems) -> set[tuple[int, str]]:
    return {(p.line, p.field) for p in problems}


def test_a_good_file_gives_every_row_with_defaults():
    rows, problems = read_machines((HEADER + "SAW-1,,Panel_Saw,,7.5,\n\nEB_2,Bander,edge_bander,"
                                              "1.2,9,0\n").encode())
    assert problems == []
    assert [(r.line, r.machine_id, r.name, r.machine_type, r.speed_factor) for r in rows] == [
        (2, "SAW-1", "SAW-1", "panel_saw", 1.0), (4, "EB_2", "Bander", "edge_bander", 1.2)]


def test_every_problem_is_named_and_no_row_is_given():
    rows, problems = read_machines((HEADER + "ok,,sander,1,3,0\nno good,,saw,0,abc,x\n"
                                              "ok,,sander,1,3,0\nA,,packing,1,3,0,extra\n").encode())
    assert rows == []
    assert named(problems) == {(3, "machine_id"), (3, "machine_type"), (3, "speed_factor"),
                               (3, "rated_power_kw"), (3, "batch_capacity"), (4, "machine_id"),
                               (5, "row")}


def test_the_file_itself():
    assert named(read_machines(b"\xff\xfe")[1]) == {(0, "file")}
    assert named(read_machines(HEADER.encode())[1]) == {(0, "file")}
    assert named(read_machines(b"machine_id,colour\n")[1]) == {
        (1, "machine_type"), (1, "rated_power_kw"), (1, "colour")}
