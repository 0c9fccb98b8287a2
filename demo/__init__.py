"""The demo `make up` runs on a loopback address: a factory network, its data and simulators.

Nothing in services/ imports this package (tests/unit/test_architecture.py checks it): the demo
talks to the platform the way a factory, a carrier or a shop would, over gRPC, signed webhooks
and telemetry subjects.

    network.py            the demo factories and machines (with their development keys)
    factories.py          registers them with iot over gRPC (seed)
    shop.py               demo orders through the signed webhook (seed), then a shop that
                          keeps ordering (process)
    shop_floor.py         each factory works through its assignment stream (process)
    maintenance_crew.py   ... and accepts its maintenance, reporting it done after the stop
    simulated_machine.py  what a demo machine is doing, second by second (pure)
    machines.py           telemetry that follows that work; break / repair / silence (process)
    carriers.py           carrier events for every open shipment (process)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Simulator:
    """A demo process the launcher supervises, run when the service it drives is running."""

    name: str  # its log file: DOVETAIL_HOME/logs/<name>.log
    module: str
    drives: str


SIMULATORS = (
    Simulator("scheduling-simulator", "demo.shop_floor", "scheduling"),
    Simulator("delivery-simulator", "demo.carriers", "delivery"),
    Simulator("iot-simulator", "demo.machines", "iot"),
    Simulator("shop-simulator", "demo.shop", "orders"),
)


def simulators(services: list[str]) -> list[Simulator]:
    """The demo processes for the services running."""
    return [s for s in SIMULATORS if s.drives in services]
