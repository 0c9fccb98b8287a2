"""Routing durations come from the panels; the price shows where the money goes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from services.configurator.catalogue import Configuration

pytestmark = pytest.mark.unit

MACHINES = {
    "panel_saw",
    "edge_bander",
    "cnc_drill",
    "cnc_router",
    "sander",
    "paint_line",
    "assembly",
    "packing",
}


def test_operations_run_from_the_saw_to_packing(wardrobe):
    ops = wardrobe().routing.operations
    assert ops[0].machine_type == "panel_saw" and ops[-1].machine_type == "packing"
    assert [op.sequence for op in ops] == list(range(1, len(ops) + 1))
    assert {op.machine_type for op in ops} <= MACHINES
    assert all(isinstance(op.duration_s, int) and op.duration_s > 0 for op in ops)


def test_saw_time_follows_the_cuts_of_the_nesting(wardrobe):
    built = wardrobe()
    saw = built.routing.operations[0]
    assert saw.basis["cuts"] == sum(m.cuts for m in built.nesting.materials)
    assert saw.basis["boards"] == built.nesting.boards_used


def test_edge_banding_is_one_operation_per_band_colour_and_thickness(wardrobe):
    built = wardrobe(finish="melamine-oak", door_style="hinged", doors=4, drawers=2)
    families = [
        op.setup_family for op in built.routing.operations if op.machine_type == "edge_bander"
    ]
    assert families == ["oak/1mm", "white/0.4mm"]
    metres = sum(
        op.basis["edge_m"] for op in built.routing.operations if op.machine_type == "edge_bander"
    )
    assert metres == pytest.approx(sum(p.edge_m * p.quantity for p in built.panels), abs=0.02)


def test_drilling_bores_every_hole_the_hardware_needs(wardrobe):
    built = wardrobe(door_style="hinged", doors=4)
    drill = next(op for op in built.routing.operations if op.machine_type == "cnc_drill")
    assert drill.basis["holes"] == sum(h.holes for h in built.hardware) > 0


def test_a_bigger_wardrobe_takes_longer_and_costs_more(wardrobe):
    small, big = wardrobe(width_mm=1200), wardrobe(width_mm=2600, doors=3)
    assert big.routing.processing_s > small.routing.processing_s
    assert big.price.total > small.price.total


def test_the_price_breakdown_adds_up_to_the_total(wardrobe):
    price = wardrobe(board="mdf-18", finish="lacquer-grey").price
    assert price.subtotal == sum(line.amount for line in price.lines)
    assert price.total == price.subtotal + price.margin
    assert price.margin == (price.subtotal * price.margin_percent / 100).quantize(Decimal("0.01"))
    assert set(price.by_category()) == {"boards", "hardware", "coating", "machine time"}
    for amount in [price.total, price.margin, *(line.amount for line in price.lines)]:
        assert amount.as_tuple().exponent == -2


def test_boards_are_billed_at_no_worse_than_batch_yield(wardrobe, catalogue):
    built = wardrobe()
    for line in (line for line in built.price.lines if line.category == "boards"):
        area = sum(p.area_m2 * p.quantity for p in built.panels if p.material == line.item)
        assert float(line.quantity) <= area / catalogue.pricing.batch_yield_floor + 0.001


def test_the_parcels_carry_the_panels_weight_and_a_hardware_box(wardrobe, catalogue):
    built = wardrobe()
    panel_kg = sum(
        p.area_m2 * p.thickness_mm / 1000 * catalogue.boards[p.board].density_kg_m3 * p.quantity
        for p in built.panels
    )
    assert built.package.weight_kg > panel_kg
    assert built.package.parcels[-1].contents == "hardware"
    assert all(p.weight_kg <= catalogue.shipping.max_package_kg + 30 for p in built.package.parcels)


def test_a_configuration_is_plain_json_for_its_event(wardrobe):
    built = wardrobe(board="mdf-18", finish="lacquer-grey")
    data = json.loads(json.dumps(built.to_dict()))
    assert data["price"]["total"] == str(built.price.total)
    assert data["spec"]["catalogue_version"] == 1
    assert len(data["panels"]) == len(built.panels)
    assert isinstance(built, Configuration)
