"""Planning partitions: how they are named and chosen, what each partition's planner plans."""

from __future__ import annotations

import pytest

from services.kit.settings import SettingsError
from services.scheduling.domain.capacity import FactoryCapacity
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.partitions import (
    Partition,
    PartitionLoad,
    PartitionSpecError,
    choose,
    parse,
    partition_of,
)
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.values import RoutingStep
from services.scheduling.planning.scope import PartitionScope
from services.scheduling.settings import SchedulerSettings

pytestmark = pytest.mark.unit


def test_a_spec_names_partitions_by_factory_pattern_city_or_region():
    south, east = parse("south=F-GZ-*,city:Foshan; east=region:Zhejiang")
    assert south == Partition("south", ("F-GZ-*", "city:Foshan"))
    assert south.matches("F-GZ-07") and south.matches("X-1", city="foshan")
    assert east.matches("F-NB-01", region="Zhejiang") and not east.matches("F-GZ-01")
    # a factory no partition selects is planned in the first one
    assert partition_of((south, east), "F-XM-01", "Xiamen", "Fujian") == "south"
    assert parse("") == (Partition("network", ("*",)),)


def test_a_bad_spec_names_every_problem():
    with pytest.raises(PartitionSpecError) as bad:
        parse("South=F-*; east=; east=zone:x; =F-1")
    text = str(bad.value)
    assert "partition 1 ('South=F-*')" in text
    assert "partition 'east' selects no factory" in text
    assert "partition 'east' is named twice" in text
    assert "'zone:x' is neither" in text
    assert "partition 4 ('=F-1')" in text
    with pytest.raises(SettingsError, match="DOVETAIL_SCHEDULER_PARTITIONS"):
        SchedulerSettings.from_env({"DOVETAIL_SCHEDULER_PARTITIONS": "a=F-1;a=F-2"})


def test_an_order_goes_to_the_least_loaded_partition_that_can_make_all_of_it():
    full = frozenset({"panel_saw", "edge_bander", "paint_line"})
    loads = {
        "a": PartitionLoad({"panel_saw": 1000, "edge_bander": 1000, "paint_line": 100},
                           {"panel_saw": 900}, (full,)),
        "b": PartitionLoad({"panel_saw": 1000, "edge_bander": 1000}, {},
                           (frozenset({"panel_saw", "edge_bander"}),)),
    }
    assert choose(loads, {"panel_saw": 50}) == "b"  # a is busier
    assert choose(loads, {"panel_saw": 50, "paint_line": 10}) == "a"  # only a paints
    assert choose(loads, {"panel_saw": 50}, avoid={"b"}) == "a"
    assert choose(loads, {"cnc_router": 5}) is None


def state_with(*factories: tuple[str, str]) -> NetworkState:
    state = NetworkState()
    for fid, city in factories:
        f = FactoryCapacity(factory_id=fid, name=fid, capacity_share=1.0, timezone="UTC",
                            weekly_shifts=[], exceptions=[], active=True, source_version=1,
                            city=city)
        for e in f.collect_events():
            state.apply(e)
    return state


def add_order(state: NetworkState, order_id: str, partition: str = "") -> PoolOrder:
    order = PoolOrder(order_id=order_id, tenant="t")
    order.configure(1, [RoutingStep(seq=1, machine_type="panel_saw", duration_s=600)], "2026-12-20")
    if partition:
        order.choose_partition(partition, "test")
    for e in order.collect_events():
        state.apply(e)
    return order


def test_each_partitions_planner_plans_its_factories_and_its_orders_only():
    state = state_with(("F-GZ-01", "Guangzhou"), ("F-NB-01", "Ningbo"))
    partitions = parse("south=city:Guangzhou;east=city:Ningbo")
    south, east = (PartitionScope(state, partitions, n) for n in ("south", "east"))
    moved = add_order(state, "O-1", "south")
    add_order(state, "O-2", "east")
    add_order(state, "O-3")  # not put anywhere yet
    assert south.factories() == {"F-GZ-01"} and east.factories() == {"F-NB-01"}
    assert south.outside() == {"O-2", "O-3"} and east.outside() == {"O-1", "O-3"}
    moved.choose_partition("east", "does not fit")
    (event,) = moved.collect_events()
    assert south.concerns(event) and east.concerns(event)
    state.apply(event)
    # moved, but still in south's plan until south plans without it: east does not take it
    state.planned_in["O-1"] = "F-GZ-01"
    assert "O-1" in east.outside()
    del state.planned_in["O-1"]
    assert "O-1" not in east.outside()


def test_one_partition_plans_everything():
    state = state_with(("F-GZ-01", "Guangzhou"))
    scope = PartitionScope(state, parse(""), "network")
    add_order(state, "O-1")
    assert scope.outside() == set() and scope.factories() == {"F-GZ-01"}
