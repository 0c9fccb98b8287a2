"""Expected electrical power of a machine while it runs an operation, per machine type, until
the machine's own telemetry has taught us better. Pure.

The figures are the demo network's rated power per type (demo/network.py) times the share of
rated power a machine draws while cutting in the simulators and the iot service's CNC levels
(demo/machines.py ``CNC_LEVELS['RUNNING']`` = 0.75): what iot's energy ledger measures for
those machines. They are defaults for a woodworking line of that size, not measurements of any
particular factory.
"""

from __future__ import annotations

RUNNING_SHARE_OF_RATED = 0.75

RATED_KW = {
    "panel_saw": 18.0,
    "edge_bander": 15.0,
    "cnc_drill": 9.0,
    "cnc_router": 12.0,
    "sander": 7.5,
    "paint_line": 22.0,
    "assembly": 2.0,
    "packing": 3.0,
}

RUNNING_KW: dict[str, float] = {t: round(kw * RUNNING_SHARE_OF_RATED, 2) for t, kw in RATED_KW.items()}


def running_kw(machine_type: str, learnt_kw: float | None = None) -> float:
    """The kW a machine of ``machine_type`` is expected to draw while it works: what was learnt
    for it when there is something, else the type's default (0 for a type we know nothing of)."""
    if learnt_kw is not None and learnt_kw > 0:
        return learnt_kw
    return RUNNING_KW.get(machine_type, 0.0)
