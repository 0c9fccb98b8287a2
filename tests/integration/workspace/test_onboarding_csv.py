"""Machines from a CSV file: every bad line named with its field, nothing registered while any
line is bad; a good file registers every machine through iot."""

from __future__ import annotations

import re

import pytest

from tests.helpers import eventually, ref
from tests.integration.workspace.platform import onboard

pytestmark = pytest.mark.integration
HEADER = "machine_id,name,machine_type,speed_factor,rated_power_kw,batch_capacity"


def problems(html: str) -> set[tuple[str, str]]:
    return set(re.findall(r'data-line="(\d+)" data-field="([a-z_]+)"', html))


async def test_every_bad_line_is_named_and_nothing_is_registered(platform):
    good = ref("SAW").replace("-", "_")
    csv = "\n".join([
        HEADER,
        f"{good},Saw 9,panel_saw,1.0,7.5,0",           # line 2: fine on its own
        "bad id!,Drill,cnc_drill,1.0,7.5,0",            # line 3: machine_id
        f"{ref('X')},Laser,laser_cutter,1.0,7.5,0",     # line 4: machine_type
        f"{ref('Y')},Sander,sander,50,0,-1",            # line 5: speed, power, batch
        f"{good},Saw again,panel_saw,1.0,7.5,0",        # line 6: repeats line 2
        f"{platform.other.factory_id}-packing,Taken,packing,1.0,7.5,0",  # fine in form
    ]).encode()
    answer = await onboard(platform.client, platform.mine, csv)
    assert answer.status_code == 422
    assert problems(answer.text) == {("3", "machine_id"), ("4", "machine_type"),
                                     ("5", "speed_factor"), ("5", "rated_power_kw"),
                                     ("5", "batch_capacity"), ("6", "machine_id")}
    listed = await platform.client.get("/factory/machines", headers=platform.mine.bearer)
    assert good not in listed.text  # line 2 was not registered either


async def test_a_machine_of_another_factory_is_named_not_taken(platform):
    csv = (f"{HEADER}\n{ref('N').replace('-', '_')},New,sander,1.0,3,0\n"
           f"{platform.other.factory_id}-packing,Taken,packing,1.0,7.5,0\n").encode()
    answer = await onboard(platform.client, platform.mine, csv)
    assert answer.status_code == 422
    assert problems(answer.text) == {("3", "machine_id")}


async def test_a_header_without_the_columns_is_named(platform):
    answer = await onboard(platform.client, platform.mine, b"id,kind\nA,panel_saw\n")
    assert answer.status_code == 422
    assert {("1", "machine_id"), ("1", "machine_type"), ("1", "rated_power_kw"),
            ("1", "id"), ("1", "kind")} <= problems(answer.text)


async def test_a_good_file_registers_every_machine(platform):
    ids = [ref("E").replace("-", "_") for _ in range(2)]
    csv = f"{HEADER}\n{ids[0]},Bander 2,edge_bander,1.2,9,0\n{ids[1]},,packing,,4,\n".encode()
    answer = await onboard(platform.client, platform.mine, csv)
    assert answer.status_code == 200, answer.text

    async def listed() -> bool:
        page = await platform.client.get("/factory/machines", headers=platform.mine.bearer)
        return all(f'id="m-{i}"' in page.text for i in ids)

    await eventually(listed, timeout=30)
    again = await onboard(platform.client, platform.mine, csv)  # the same file twice: no harm
    assert again.status_code == 200 and "already registered" in again.text
