"""The catalogue is plain, versioned data that survives a trip through an event store."""

from __future__ import annotations

import json

import pytest

from services.configurator.catalogue import Catalogue, PlainDataError, unknown_rule_kinds

pytestmark = pytest.mark.unit

PRODUCTS = {
    "wardrobe",
    "base_cabinet",
    "wall_cabinet",
    "tall_cabinet",
    "bookcase",
    "tv_unit",
    "desk",
}


def test_the_seed_offers_every_product_a_chain_sells(catalogue):
    assert set(catalogue.products) == PRODUCTS
    assert catalogue.version == 1


def test_boards_come_in_18_and_25_mm_of_each_kind(catalogue):
    offered = [b for b in catalogue.boards.values() if b.offered]
    kinds = {(b.kind, b.thickness_mm) for b in offered}
    for kind in ("particleboard", "mdf", "plywood", "veneered"):
        assert {(kind, 18), (kind, 25)} <= kinds
    for board in offered:
        assert board.cost_per_m2 > 0 and board.max_shelf_span_mm > 0 and board.sheets


def test_finishes_cover_melamine_veneer_and_lacquer_colours(catalogue):
    codes = set(catalogue.finishes)
    assert {
        "melamine-white",
        "melamine-oak",
        "melamine-grey",
        "veneer-oak",
        "veneer-walnut",
    } <= codes
    assert any(code.startswith("lacquer-") for code in codes)


def test_a_catalogue_survives_json_and_comes_back_equal(catalogue):
    data = json.loads(json.dumps(catalogue.to_dict()))
    assert Catalogue.from_dict(data) == catalogue


def test_a_new_version_differs_only_in_its_number(catalogue):
    newer = catalogue.with_version(2)
    assert newer.version == 2 and newer.products == catalogue.products


def test_malformed_catalogue_data_names_the_field_at_fault(catalogue):
    data = catalogue.to_dict()
    data["boards"]["mdf-18"]["thickness_mm"] = "thick"
    with pytest.raises(PlainDataError, match=r"boards\.mdf-18\.thickness_mm"):
        Catalogue.from_dict(data)
    data = catalogue.to_dict()
    data["products"]["desk"]["colour"] = "red"
    with pytest.raises(PlainDataError, match="unknown field"):
        Catalogue.from_dict(data)


def test_rules_are_data_the_evaluator_understands(catalogue):
    assert unknown_rule_kinds(catalogue) == []
    data = catalogue.to_dict()
    data["products"]["desk"]["rules"].append({"kind": "levitates"})
    assert unknown_rule_kinds(Catalogue.from_dict(data)) == ["desk:levitates"]


def test_a_rule_asking_for_a_routing_step_nobody_knows_is_flagged(catalogue):
    data = catalogue.to_dict()
    data["products"]["desk"]["rules"].append(
        {"kind": "adds_operations", "params": {"operations": [{"step": "gilding"}]}}
    )
    assert unknown_rule_kinds(Catalogue.from_dict(data)) == ["desk:adds_operations:gilding"]
