"""An order is nested once: what it is configured to (cut lists, board counts, yields, prices,
the values its events keep) is what it was when each line's piece and the whole order were
both nested, on catalogue orders of one piece (as shops send them) and of several lines.

`data/order_plans_before.json` was written by this module's `write` with the code from
before (`python -m tests.unit.configurator.test_order_nested_once` at fe9f7da), and written
again when the routing's edge-banding words came to name the band's colour (the `result`
digests of 57 orders; every other value, and with the former words every digest, as before).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import pytest
from conftest import CANONICAL

from load.order_mix import draw_item
from services.configurator.catalogue import guillotine, seed_catalogue, summarise
from services.configurator.catalogue.codec import to_plain
from services.configurator.domain.order_plan import LineRequest, OrderPlan, plan_order
from services.configurator.domain.plan_records import plan_lines, plan_result

BEFORE = Path(__file__).parent / "data" / "order_plans_before.json"


def catalogue_orders() -> list[tuple[str, list[LineRequest], str | None]]:
    """(order id, lines, nesting method): one-piece orders as the shops' mix sends them,
    orders of several lines and quantities, and what-ifs (quick nesting) of one and of three."""
    rng = random.Random(19)
    orders = []
    for n in range(40):
        product, options = draw_item(rng)
        orders.append((f"00000000-0000-4000-8000-{n:012d}",
                       [LineRequest("1", product, 1, options)], None))
    for n in range(40, 52):
        lines = []
        for line in range(1, rng.randint(2, 4) + 1):
            product, options = draw_item(rng)
            lines.append(LineRequest(str(line), product, rng.choice((1, 1, 2, 3)), options))
        orders.append((f"00000000-0000-4000-8000-{n:012d}", lines, None))
    for n in range(52, 60):
        product, options = draw_item(rng)
        orders.append(("whatif", [LineRequest("1", product, 1 + 2 * (n % 2), options)], "quick"))
    return orders


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(to_plain(value), sort_keys=True, default=str).encode()
                          ).hexdigest()


def planned(catalogue, order_id, lines, method) -> dict:
    """What the plan says: board counts, yields and prices to read, and by digest the values
    its events keep (lines, result: nesting, routing, price, packages), the cut plan (every
    part's place and every cut: the cut lists) and each line's own configuration."""
    plan = plan_order(catalogue, order_id, lines, nesting_method=method)
    if not isinstance(plan, OrderPlan):
        return {"rejected": digest(plan)}
    return {
        "boards": {m.material: len(m.boards) for m in plan.cut_plan.materials},
        "yield_pct": round(plan.cut_plan.yield_pct, 6),
        "total": str(plan.price.total),
        "unit_prices": [str(line.configuration.price.total) for line in plan.lines],
        "lines": digest(plan_lines(plan)),
        "result": digest(plan_result(catalogue, plan)),
        "cut_plan": digest(plan.cut_plan),
        "configurations": digest([line.configuration.to_dict() for line in plan.lines]),
    }


def all_planned() -> list[dict]:
    catalogue = seed_catalogue()
    return [planned(catalogue, *order) for order in catalogue_orders()]


@pytest.fixture(scope="module")
def before() -> list[dict]:
    return json.loads(BEFORE.read_text())


@pytest.mark.parametrize("n", range(len(catalogue_orders())))
def test_an_order_plans_as_it_did_when_nested_twice(catalogue, before, n):
    assert planned(catalogue, *catalogue_orders()[n]) == before[n]


def write() -> None:
    BEFORE.write_text(json.dumps(all_planned(), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    sys.exit(write())


@pytest.fixture
def layouts_built(monkeypatch):
    """How many layouts are built (the Python packer: a nesting's cost) while planning."""
    built = []
    pack = guillotine.pack

    def counted(*args):
        built.append(args[3:])
        return pack(*args)

    monkeypatch.setattr(guillotine, "pack", counted)
    return built


BASE_CABINET = {"width_mm": 850, "height_mm": 820, "depth_mm": 520, "finish": "melamine-white",
                "doors": 2, "drawers": 1}
ORDER_ID = "0f0e0d0c-0000-4000-8000-000000000001"


def test_an_order_of_one_piece_is_nested_once(catalogue, layouts_built):
    plan = plan_order(catalogue, ORDER_ID, [LineRequest("1", "base_cabinet", 1, BASE_CABINET)])
    assert isinstance(plan, OrderPlan)
    assert len(layouts_built) == len(plan.cut_plan.materials) == 2
    assert summarise(plan.cut_plan) == plan.lines[0].configuration.nesting
    assert {p.part.label[:13] for b in plan.cut_plan.boards for p in b.placements} == \
        {"0f0e0d0c0000-"}


def test_a_what_if_of_one_piece_is_nested_once(catalogue, layouts_built):
    plan = plan_order(catalogue, "whatif", [LineRequest("1", "wardrobe", 1, CANONICAL)],
                      nesting_method="quick")
    assert isinstance(plan, OrderPlan)
    assert len(layouts_built) == len(plan.cut_plan.materials) == 2


def test_an_order_of_three_pieces_nests_the_piece_for_its_price_and_the_order_for_its_boards(
        catalogue, layouts_built):
    plan = plan_order(catalogue, ORDER_ID, [LineRequest("1", "wardrobe", 3, CANONICAL)])
    assert isinstance(plan, OrderPlan)
    piece = plan.lines[0].configuration.unit_cut_plan
    assert len(layouts_built) >= len(piece.materials) + len(plan.cut_plan.materials)
    assert plan.cut_plan.boards_used < 3 * piece.boards_used  # three pieces share boards
