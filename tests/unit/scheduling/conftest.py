import sys
from pathlib import Path

import pytest

from services.scheduling.solver.model import (
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    PlannedOperation,
    SetupRule,
    Window,
)

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "load"))  # the instance generator lives with the benchmarks


def _factory(fid, shifts, asm_down=(), share=1.0):
    return Factory(fid, (
        Machine(f"{fid}-saw", "panel_saw"),
        Machine(f"{fid}-edge", "edge_bander"),
        Machine(f"{fid}-asm", "assembly", downtime=tuple(asm_down)),
    ), tuple(shifts), share)


@pytest.fixture
def workshop() -> NetworkProblem:
    """Two small factories; A has a lunch break and its assembly line is down 900-960."""
    return NetworkProblem(
        horizon=1200,
        factories=(
            _factory("A", [Window(0, 600), Window(720, 1200)], [Window(900, 960)]),
            _factory("B", [Window(0, 1200)]),
        ),
        orders=(
            Order("O1", (Operation("panel_saw", 60), Operation("edge_bander", 30, "white"),
                         Operation("assembly", 60)), due=600),
            Order("O2", (Operation("panel_saw", 30), Operation("edge_bander", 30, "oak", 30),
                         Operation("assembly", 30)), due=600, release=60),
        ),
        setups=(SetupRule("edge_bander", 15),),
    )


@pytest.fixture
def workshop_plan() -> list[PlannedOperation]:
    """A valid plan of ``workshop``, both orders in A, worked out by hand."""
    P = PlannedOperation
    return [
        P("O1", 0, "A", "A-saw", 0, 60), P("O1", 1, "A", "A-edge", 60, 90),
        P("O1", 2, "A", "A-asm", 90, 150),
        P("O2", 0, "A", "A-saw", 60, 90), P("O2", 1, "A", "A-edge", 105, 135),  # 15 min changeover
        P("O2", 2, "A", "A-asm", 165, 195),  # 30 min wait after edge banding
    ]
