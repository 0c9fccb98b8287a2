"""Planning passes over small random networks never raise: whatever the hour, shifts, planned
stops, machines down or retired, boards awaited, cutting batches frozen on the saws,
planners' pins, demand limits, and work started and finished on the floor between passes
(the CI failure at 10:04 UTC: a slot-in pass raised inside greedy_plan on every pass)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.cutting import CuttingBatches
from services.scheduling.domain.errors import DomainError
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.progress import OrderProgress, Report
from services.scheduling.domain.tariffs import guangdong_industrial
from services.scheduling.domain.values import RoutingStep
from services.scheduling.planning.planner import Planner
from services.scheduling.settings import SchedulerSettings
from tests.unit.scheduling.recording import RecordingApp
from tests.unit.scheduling.test_insert import NOW_MS, Follower

pytestmark = pytest.mark.unit
MINUTE = 60_000
HOUR = 60 * MINUTE
SETTINGS = SchedulerSettings(time_limit_s=1.0, repair_time_limit_s=1.0, workers=1)
ROUTING = (("panel_saw", 3600, ""), ("edge_bander", 1800, "oak"), ("assembly", 2400, ""))
SHIFTS = {"round the clock": [(0, 1440)], "day": [(480, 1020)],
          "two shifts": [(360, 840), (840, 1320)], "night": [(1320, 1800)]}
MACHINES = {"A": ("panel_saw", "panel_saw", "edge_bander", "assembly"),
            "B": ("panel_saw", "edge_bander", "assembly")}


@dataclass
class Floor:
    """The network's aggregates as their owners hold them; the state follows their events."""

    state: NetworkState = field(default_factory=NetworkState)
    owned: dict[str, object] = field(default_factory=dict)
    keys: itertools.count = field(default_factory=itertools.count)

    def record(self, name: str, aggregate=None) -> object:
        aggregate = self.owned.setdefault(name, aggregate)
        for event in aggregate.collect_events():
            self.state.apply(event)
        return aggregate

    def report(self, order_id: str, seq: int, kind: str, machine: str, at_ms: int) -> None:
        order = self.state.orders[order_id]
        progress = self.owned.setdefault(f"progress {order_id}", OrderProgress(
            order_id=order_id, operation_ids=order.operation_ids))
        op = order.operation_ids[seq - 1]
        try:
            progress.report(Report(op, kind, f"k{next(self.keys)}", machine.split("-")[0],
                                   machine, ROUTING[seq - 1][0], at_ms, ROUTING[seq - 1][1]))
        except DomainError:
            return  # refused, as the service would
        self.record(f"progress {order_id}")


def network(floor: Floor, zone: str, shifts: str, share: float) -> None:
    for fid, kinds in MACHINES.items():
        weekly = [[d, s, e] for d in range(1, 8) for s, e in SHIFTS[shifts]]
        floor.record(fid, FactoryCapacity(factory_id=fid, name=fid, capacity_share=share,
                                          timezone=zone, weekly_shifts=weekly, exceptions=[],
                                          active=True, source_version=1))
        for i, kind in enumerate(kinds):
            floor.record(f"{fid}-{kind}-{i}", MachineCapacity(
                machine_id=f"{fid}-{kind}-{i}", factory_id=fid, machine_type=kind, speed=1.0,
                batch_capacity=1, active=True, source_version=1))


def order(floor: Floor, order_id: str, promised: str) -> PoolOrder:
    o = PoolOrder(order_id=order_id, tenant="t")
    o.configure(1, [RoutingStep(seq=i + 1, machine_type=kind, duration_s=d,
                                setup_family="band" if key else "", setup_key=key,
                                description=kind)
                    for i, (kind, d, key) in enumerate(ROUTING)], promised)
    return o


machine_ids = st.sampled_from([f"{f}-{k}-{i}" for f, ks in MACHINES.items()
                               for i, k in enumerate(ks)])
hours = st.integers(-6, 48)


ORDER = st.integers(0, 4)  # of the first orders (those beyond ``n`` are not placed)
scenarios = st.fixed_dictionaries({
    "now_ms": st.integers(0, 7 * 24 * 60).map(lambda m: NOW_MS + m * MINUTE),  # any minute
    "zone": st.sampled_from(["Asia/Shanghai", "UTC"]),
    "shifts": st.sampled_from(sorted(SHIFTS)),
    "share": st.sampled_from([1.0, 0.5]),
    "n": st.integers(2, 5),
    "promised": st.lists(st.sampled_from(["2026-11-26", "2026-12-01", "2026-12-20", ""]),
                         min_size=7, max_size=7),
    "pins": st.dictionaries(ORDER, st.sampled_from(["A", "B"])),
    "boards": st.dictionaries(ORDER, hours, max_size=2),
    "batch": st.one_of(st.none(), st.tuples(
        st.sampled_from(["A-panel_saw-0", "A-panel_saw-1", "B-panel_saw-0"]), hours,
        st.lists(ORDER, min_size=1, max_size=2, unique=True))),
    "limit": st.sampled_from([None, Decimal("8"), Decimal("20"), Decimal("40")]),
    "stops": st.lists(st.tuples(machine_ids, hours, st.integers(1, 12)), max_size=2),
    "down": st.lists(st.tuples(machine_ids, st.integers(-3, 3)), max_size=2),
    "retired": st.lists(machine_ids, max_size=1),
    # per order: how many operations start (each finished before the next starts), when
    # (a share of the time since the last pass), and whether on another saw than planned
    "progress": st.dictionaries(ORDER, st.tuples(st.integers(1, 4), st.floats(0, 1),
                                                 st.booleans())),
    "advance": st.lists(st.integers(0, 24 * 60), min_size=3, max_size=3),  # minutes
    "arrivals": st.integers(1, 2),
})


def _capacity(floor: Floor, s: dict, now_ms: int) -> None:
    """Stops, machines down and retired, and the demand limit, as iot and people say."""
    for k, (machine, start_h, hours_long) in enumerate(s["stops"]):
        factory = floor.owned[machine.split("-")[0]]
        factory.declare_stop(f"stop-{k}", [machine], now_ms + start_h * HOUR,
                             now_ms + (start_h + hours_long) * HOUR, "maintenance")
        floor.record(machine.split("-")[0])
    for machine, at_h in s["down"]:
        if floor.owned[machine].change_state("DOWN", False, now_ms + at_h * HOUR, "fault"):
            floor.record(machine)
    for machine in s["retired"]:
        m = floor.owned[machine]
        if m.describe(m.factory_id, m.machine_type, m.speed, m.batch_capacity, False, 2):
            floor.record(machine)
    if s["limit"] is not None:
        floor.owned["A"].set_tariff(guangdong_industrial(demand_limit_kw=s["limit"]), now_ms,
                                    "planner")
        floor.record("A")


def _work(floor: Floor, s: dict, since_ms: int, now_ms: int) -> None:
    """Work started and finished between ``since_ms`` and ``now_ms`` where the plan put it
    (or on another machine of the type), in routing order."""
    for i, (ops, when, elsewhere) in sorted(s["progress"].items()):
        order_id = f"O-{i}"
        rows = {r.seq: r for r in floor.state.plan_rows.values() if r.order_id == order_id}
        at = since_ms + int((now_ms - since_ms) * when)
        for seq in range(1, min(ops, 3) + 1):
            row = rows.get(seq)
            if row is None:
                break
            machine = row.machine_id
            if elsewhere and machine == "A-panel_saw-0":
                machine = "A-panel_saw-1"
            floor.report(order_id, seq, "STARTED", machine, at)
            if seq < ops:
                at = min(now_ms, at + (row.end_ms - row.start_ms))
                floor.report(order_id, seq, "FINISHED", machine, at)


def found(**changes) -> dict:
    """A scenario hypothesis found (the rest as plain as can be)."""
    plain = {"now_ms": NOW_MS, "zone": "Asia/Shanghai", "shifts": "round the clock",
             "share": 1.0, "n": 4, "promised": ["2026-11-26"] * 7, "pins": {}, "boards": {},
             "batch": None, "limit": None, "stops": [], "down": [], "retired": [],
             "progress": {}, "advance": [0, 0, 0], "arrivals": 1}
    return {**plain, **changes}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
# the saw an order started on is retired: the slot-in kept the work running there, on a
# machine its problem does not have (KeyError in greedy_plan)
@example(found(shifts="day", n=3, retired=["A-panel_saw-0"], progress={0: (1, 0.0, False)}))
# an order started now on the saw where another order's work was planned: the repair kept
# that work, clashing with the started one, and failed on every attempt
@example(found(promised=["2026-12-01"] + ["2026-11-26"] * 6, progress={0: (1, 0.0, False)}))
async def test_no_planning_pass_raises(s):
    planner = await passes(s)
    assert planner.failures.count == 0  # nothing raised and was then worked round


async def passes(s: dict) -> Planner:
    """Plan, work, plan again, lose capacity, take arrivals, roll on."""
    floor = Floor()
    network(floor, s["zone"], s["shifts"], s["share"])
    now = [s["now_ms"]]
    batch = s["batch"]
    members = [i for i in batch[2] if i < s["n"]] if batch is not None else []
    for i in range(s["n"]):
        o = order(floor, f"O-{i}", s["promised"][i])
        if i in s["pins"]:
            o.pin(s["pins"][i], "keep it near", "planner@chain", "planner")
        if i in s["boards"]:
            o.await_boards("A", "", now[0] + s["boards"][i] * HOUR, "boards on order")
        if i in members:
            o.await_boards(batch[0].split("-")[0], "batch-1", now[0] + batch[1] * HOUR,
                           "boards for the batch", 1, len(members), now[0])
        floor.record(f"O-{i}", o)
    if members:
        saw, start_h, _ = batch
        cutting = CuttingBatches(factory_id=saw.split("-")[0])
        start = now[0] + start_h * HOUR
        cutting.place_batch("batch-1", 1, start, saw, "panel_saw", start,
                            start + 60 * MINUTE * len(members),
                            [(f"O-{i}", f"O-{i}/op-01") for i in members])
        floor.record("cutting", cutting)
    planner = Planner(RecordingApp(floor.state), floor.state, Follower(), SETTINGS,
                      clock=lambda: now[0] / 1000)

    await planner.plan_once({"capacity_changed"})
    since, now[0] = now[0], now[0] + s["advance"][0] * MINUTE
    _work(floor, s, since, now[0])
    await planner.plan_once({"rolling"})
    now[0] += s["advance"][1] * MINUTE
    _capacity(floor, s, now[0])
    await planner.plan_once({"capacity_changed"})
    for k in range(s["arrivals"]):
        floor.record(f"N-{k}", order(floor, f"N-{k}", s["promised"][-1 - k]))
    await planner.plan_once({"orders_added"})
    now[0] += s["advance"][2] * MINUTE
    await planner.plan_once({"rolling"})
    await planner.plan_once({"orders_added"})
    return planner
