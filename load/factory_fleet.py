"""A fleet of load-test factories: N round-the-clock factories with a full furniture line each.

Shared by `load.bench_factory_clients` (which registers them, with their keys, before the run)
and `load.locustfile_factory` (whose users are these factories' clients). No Locust imports.
"""

from __future__ import annotations

from demo.network import ROUND_THE_CLOCK, DemoFactory, DemoMachine

# (suffix, machine type, rated power kW, CNC controller, rated amps)
LINE = (("SAW1", "panel_saw", 18.0, False, 32), ("EB1", "edge_bander", 15.0, False, 28),
        ("DRL1", "cnc_drill", 9.0, True, 0), ("RTR1", "cnc_router", 12.0, True, 0),
        ("SND1", "sander", 7.5, False, 14), ("PNT1", "paint_line", 22.0, False, 40),
        ("ASM1", "assembly", 2.0, False, 6), ("ASM2", "assembly", 2.0, False, 6),
        ("PCK1", "packing", 3.0, False, 8))


def fleet(n: int) -> list[DemoFactory]:
    """`n` factories F-LD-01 … with keys `dvt_factory_f_ld_01_dev` …, every machine type."""
    out = []
    for i in range(1, n + 1):
        fid = f"F-LD-{i:02d}"
        machines = tuple(DemoMachine(f"{fid}-{suffix}", kind, 1.0, kw, cnc=cnc, rated_amps=amps)
                         for suffix, kind, kw, cnc, amps in LINE)
        out.append(DemoFactory(fid, f"Load-test factory {i}", "Guangzhou", 23.1, 113.3, 100,
                               0.58, ROUND_THE_CLOCK, machines))
    return out
