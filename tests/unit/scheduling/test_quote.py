"""Quoting a new order: always the earliest date that can be promised — past the planning
horizon if need be, in parts when its units cannot be made whole — or the reason there is none."""

import pytest

from services.scheduling.solver.model import (
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    PlannedOperation,
    Window,
)
from services.scheduling.solver.promise import WEEK, carried_shifts
from services.scheduling.solver.quote import (
    MACHINE_UNAVAILABLE,
    MISSING_MACHINE_TYPE,
    NO_CAPACITY,
    OPERATION_TOO_LONG,
    CannotPromise,
    quote,
)

pytestmark = pytest.mark.unit
DAY = 24 * 60
HORIZON = 14 * DAY
MORNING, AFTERNOON = (8 * 60, 12 * 60), (13 * 60, 17 * 60 + 30)  # 4h00 and 4h30
STEPS = ("panel_saw", "edge_bander", "cnc_router", "cnc_drill", "assembly", "packing")
# Wardrobes 2000 x 2400 x 600 as the seed catalogue routes them (minutes per operation for the
# whole order: panels of all units are cut together; assembly adds up each unit's hour).
WARDROBES = {1: (33, 10, 8, 14, 60, 11), 4: (116, 27, 15, 48, 240, 43),
             5: (143, 32, 18, 60, 300, 53)}


def two_shifts(days: int = 14, saturday: bool = True) -> tuple[Window, ...]:
    """08:00-12:00 and 13:00-17:30, Monday to Saturday (minute 0 is a Monday, 00:00)."""
    working = 6 if saturday else 5
    return tuple(Window(d * DAY + s, d * DAY + e) for d in range(days) if d % 7 < working
                 for s, e in (MORNING, AFTERNOON))


def panel_works(fid: str = "F-GZ-01", assembly_stations: int = 2, share: float = 0.8,
                shifts: tuple[Window, ...] | None = None, down: dict[str, Window] | None = None
                ) -> Factory:
    """A demo-like factory: one machine of each step, ``assembly_stations`` assembly stations."""
    down = down or {}
    kinds = [t for t in STEPS if t != "assembly"] + ["assembly"] * assembly_stations
    machines = tuple(Machine(f"{fid}-{t}-{i}", t, 1.1 if t in STEPS[:4] else 1.0,
                             (down[t],) if t in down else ()) for i, t in enumerate(kinds))
    return Factory(fid, machines, two_shifts() if shifts is None else shifts, share)


def network(*factories: Factory) -> NetworkProblem:
    return NetworkProblem(horizon=HORIZON, factories=factories or (panel_works(),), orders=())


def wardrobes(n: int) -> tuple[Operation, ...]:
    return tuple(Operation(t, d) for t, d in zip(STEPS, WARDROBES[n], strict=True))


def inside_one_shift(problem: NetworkProblem, q) -> bool:
    """Every operation of the quote runs inside one working window (carried past the horizon)."""
    reach = problem.horizon + 8 * WEEK
    for p in q.operations:
        windows = carried_shifts(problem.factory(p.factory), problem.horizon, reach)
        if not any(s <= p.start and p.end <= e for s, e in windows):
            return False
    return True


def test_four_wardrobes_get_a_date_made_whole():
    problem = network()
    q = quote(problem, [], wardrobes(4), quantity=4)
    assert [(p.units, p.factory) for p in q.parts] == [(4, "F-GZ-01")]
    assert 0 < q.completion <= HORIZON and not q.beyond_horizon
    assert inside_one_shift(problem, q)


def test_five_wardrobes_are_promised_in_parts_not_refused():
    # Assembling five takes 5h00 in one go; no shift is longer than 4h30. The units are
    # identical, so they are made in as few parts as it takes: three, then two.
    problem = network()
    q = quote(problem, [], wardrobes(5), quantity=5)
    assert sorted(p.units for p in q.parts) == [2, 3]
    assert {p.factory for p in q.parts} == {"F-GZ-01"}
    assert q.completion == max(p.completion for p in q.parts) <= HORIZON
    assert inside_one_shift(problem, q)
    assert len({(p.order, p.op) for p in q.operations}) == len(q.operations) == 12


def test_with_one_assembly_station_five_wardrobes_come_later_than_four():
    problem = network(panel_works(assembly_stations=1))
    four = quote(problem, [], wardrobes(4), quantity=4)
    five = quote(problem, [], wardrobes(5), quantity=5)
    assert five.completion > four.completion and len(five.parts) == 2


def test_parts_go_to_the_factory_that_finishes_each_first():
    # One assembly station each: the second part would wait for the first at F-FS-02 until
    # the next day, and is made at F-GZ-01 the same day instead.
    problem = network(panel_works("F-FS-02", assembly_stations=1),
                      panel_works("F-GZ-01", assembly_stations=1))
    q = quote(problem, [], wardrobes(5), quantity=5)
    assert [(p.units, p.factory) for p in q.parts] == [(3, "F-FS-02"), (2, "F-GZ-01")]
    assert q.completion < DAY


def test_a_full_horizon_gives_a_date_past_it():
    # Both assembly stations are taken in every shift of the horizon: the wardrobes are
    # assembled in the week after it, on the factory's usual shifts.
    factory = panel_works(share=1.0)
    plan = [PlannedOperation(f"BUSY-{m.id}", i, factory.id, m.id, w.start, w.end)
            for m in factory.machines if m.type == "assembly"
            for i, w in enumerate(factory.shifts)]
    problem = network(factory)
    q = quote(problem, plan, wardrobes(4), quantity=4)
    assert q.beyond_horizon and HORIZON < q.completion < HORIZON + WEEK
    assembly = next(p for p in q.operations if p.op == 4)
    assert assembly.start >= HORIZON and (assembly.start % DAY, assembly.end % DAY) in (
        (MORNING[0], MORNING[1]), (AFTERNOON[0], AFTERNOON[0] + 240))
    assert inside_one_shift(problem, q)


def test_the_chains_share_used_up_moves_the_promise_past_the_horizon():
    # Half of each machine is the chain's; a plan that has claimed it leaves free gaps the
    # factory has not offered. The promise does not take them.
    factory = panel_works(share=0.5)
    working = sum(w.end - w.start for w in factory.shifts)
    claims = [PlannedOperation(f"CLAIM-{m.id}", 0, factory.id, m.id, w.start, w.end)
              for m in factory.machines
              for w in factory.shifts[:len(factory.shifts) // 2 + 1]]
    assert sum(p.end - p.start for p in claims) / len(factory.machines) > working / 2
    q = quote(network(factory), claims, wardrobes(1))
    assert q.beyond_horizon


def test_touching_shifts_are_one_stretch_of_work():
    # 07:00-15:00 and 15:00-23:00: a 10-hour assembly runs through the shift change.
    shifts = tuple(Window(d * DAY + s, d * DAY + e) for d in range(14) for s, e in
                   ((7 * 60, 15 * 60), (15 * 60, 23 * 60)))
    q = quote(network(panel_works(shifts=shifts)), [], (Operation("assembly", 600),))
    assert q.parts[0].units == 1 and q.completion == 7 * 60 + 600


def test_the_calendar_past_the_horizon_repeats_the_last_week():
    factory = panel_works(shifts=two_shifts(saturday=False))
    windows = carried_shifts(factory, HORIZON, HORIZON + 2 * WEEK)
    week3 = [(s - HORIZON, e - HORIZON) for s, e in windows if s >= HORIZON]
    assert week3[:2] == [MORNING, AFTERNOON]
    assert not [w for w in week3 if w[0] % WEEK >= 5 * DAY]  # weekends stay off
    assert len(week3) == 2 * 2 * 5


def test_an_order_no_factory_can_make_names_the_missing_machine_type():
    routing = wardrobes(1) + (Operation("paint_line", 45),)
    with pytest.raises(CannotPromise) as refused:
        quote(network(), [], routing)
    assert refused.value.reason == MISSING_MACHINE_TYPE
    assert refused.value.facts["machine_type"] == "paint_line" and "paint_line" in str(refused.value)


def test_a_factory_short_of_one_type_is_named_with_what_it_lacks():
    no_router = Factory("F-FS-02", tuple(m for m in panel_works("F-FS-02").machines
                                          if m.type != "cnc_router"), two_shifts())
    no_saw = Factory("F-DG-03", tuple(m for m in panel_works("F-DG-03").machines
                                       if m.type not in ("panel_saw", "cnc_drill")), two_shifts())
    with pytest.raises(CannotPromise) as refused:
        quote(network(no_router, no_saw), [], wardrobes(1))
    assert refused.value.reason == MISSING_MACHINE_TYPE
    assert refused.value.facts == {"machine_type": "cnc_router", "factory_id": "F-FS-02",
                                   "needed": "assembly,cnc_drill,cnc_router,edge_bander,packing,"
                                             "panel_saw"}


def test_a_piece_longer_than_any_shift_gets_the_reason_with_its_figures():
    # One wardrobe of 6 hours' assembly cannot be split further.
    with pytest.raises(CannotPromise) as refused:
        quote(network(), [], (Operation("panel_saw", 30), Operation("assembly", 360)))
    e = refused.value
    assert e.reason == OPERATION_TOO_LONG
    assert e.facts == {"machine_type": "assembly", "factory_id": "F-GZ-01",
                       "operation_minutes": "360", "longest_stretch_minutes": "270",
                       "units": "1", "capable_factories": "1"}
    assert "6h00" in str(e) and "4h30" in str(e)


def test_a_machine_down_for_good_is_the_reason():
    factory = panel_works(down={"cnc_router": Window(0, HORIZON)})
    with pytest.raises(CannotPromise) as refused:
        quote(network(factory), [], wardrobes(1))
    assert refused.value.reason == MACHINE_UNAVAILABLE
    assert refused.value.facts["machine_type"] == "cnc_router"


def test_a_machine_down_for_a_while_only_delays_the_promise():
    factory = panel_works(down={"cnc_router": Window(0, 3 * DAY)})
    q = quote(network(factory), [], wardrobes(1))
    assert next(p for p in q.operations if p.op == 2).start >= 3 * DAY


def test_no_capacity_anywhere_within_the_reach_is_the_reason():
    factory = panel_works(share=0.0)
    with pytest.raises(CannotPromise) as refused:
        quote(network(factory), [], wardrobes(1))
    assert refused.value.reason == NO_CAPACITY
