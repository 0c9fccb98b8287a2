"""The demo's board stock (issue 20, item 1): every demo factory's stocktake and purchase are
board kinds the seed catalogue has, with sheets on hand; `make up` seeds them once the
configurator runs."""

from __future__ import annotations

from datetime import date

import pytest

from demo.network import DEMO_FACTORIES
from demo.stock import counts, purchase
from infra.launcher import demo_seeders
from services.configurator.catalogue import seed_catalogue
from services.configurator.domain.board_stock import CatalogueBoards, check_kind
from services.configurator.rpc.stock import kind_from_pb
from services.kit.errors import Violations

pytestmark = pytest.mark.unit


def test_every_demo_factory_stocks_boards_of_the_seed_catalogue():
    catalogue = seed_catalogue()
    boards = CatalogueBoards({c: float(b.thickness_mm) for c, b in catalogue.boards.items()},
                             frozenset(catalogue.finishes))
    for f in DEMO_FACTORIES:
        requests = counts(f)
        v = Violations()
        for request in requests:
            check_kind(v, kind_from_pb(request.kind), boards)
        check_kind(v, kind_from_pb(purchase(f, date(2026, 12, 6)).kind), boards)
        assert v.items == []
        assert all(r.counted > 0 for r in requests)
        assert purchase(f, date(2026, 12, 6)).expected_date == "2026-12-09"


def test_make_up_seeds_stock_when_the_configurator_runs():
    assert "demo.stock" in demo_seeders(["iot", "configurator", "scheduling", "orders"])
    assert "demo.stock" not in demo_seeders(["iot", "orders"])
