"""The FJSP solver decides after its first phase whether CP-SAT gets the rest of the time."""

import time

import pytest

from services.scheduling.fjsp import solver
from services.scheduling.fjsp.greedy import dispatches
from services.scheduling.fjsp.instance import FjspAssignment, lower_bound, parse_fjsp
from services.scheduling.fjsp.solver import suits_cpsat
from services.scheduling.fjsp.validate import validate_fjsp

pytestmark = pytest.mark.unit

# 3 jobs x 3 machines, routes as a Latin square, 1 minute on the route's machine or 2 on the
# next one: the optimum is 3 (the lower bound), the dispatches end later.
LATIN = """3 3 2
3  2 1 1 2 2  2 2 1 3 2  2 3 1 1 2
3  2 2 1 3 2  2 3 1 1 2  2 1 1 2 2
3  2 3 1 1 2  2 1 1 2 2  2 2 1 3 2
"""


@pytest.mark.parametrize(
    ("cpsat", "tabu", "incumbent", "bound", "hand_over"),
    [
        (930, 930, 930, 800, True),  # CP-SAT as good as the tabu search: a near job shop
        (928, 935, 928, 800, True),  # CP-SAT better
        (936, 926, 926, 809, False),  # the tabu search ahead and the bound far: keep it
        (2210, 2200, 2200, 2190, True),  # bound within 1 % of the incumbent: close the gap
        (None, 926, 926, 920, False),  # CP-SAT found nothing of its own
        (947, None, 947, 808, False),  # the tabu search has not started: no evidence
    ],
)
def test_cpsat_gets_the_rest_only_when_the_first_phase_shows_it_suits(cpsat, tabu, incumbent, bound,
                                                                      hand_over):
    assert suits_cpsat(cpsat, tabu, incumbent, bound) is hand_over


def test_each_side_keeps_its_own_best_beside_the_shared_incumbent():
    instance = parse_fjsp(LATIN)
    start = dispatches(instance, seed=0, runs=1)[0]
    shared = solver._Shared(start, lower_bound(instance))
    ms = max(a.end for a in start)
    assert lower_bound(instance) == 3
    shared.offer(ms + 5, start, "cpsat")  # worse than the incumbent: recorded, not taken
    shared.offer(ms + 2, start, "cpsat")
    assert shared.found == {"cpsat": ms + 2}
    assert shared.makespan == ms


def test_handing_over_stops_the_tabu_search_and_the_plain_model_closes_from_the_incumbent():
    instance = parse_fjsp(LATIN)
    start = _one_after_another(instance)
    shared = solver._Shared(start, 0)  # nothing proven yet
    assert not shared.stop
    # the deadline is CP-SAT's budget, not a check of speed: it proves 3 at once
    solver._cpsat_rest(instance, shared, time.monotonic() + 5.0, 2, 0)
    assert shared.handed_over and shared.stop
    assert shared.makespan == 3 and shared.lb == 3
    assert validate_fjsp(instance, shared.best) == []


def test_the_tabu_side_counts_from_when_the_main_search_is_there():
    instance = parse_fjsp(LATIN)
    start = dispatches(instance, seed=0, runs=1)[0]
    shared = solver._Shared(start, 0)
    ms = max(a.end for a in start)

    class Main:  # the main tabu search, holding a schedule it took over from CP-SAT
        best_cmax = ms - 1

    assert solver._tabu_best(shared, []) is None  # still compiling: no evidence
    assert solver._tabu_best(shared, [Main()]) == ms - 1
    shared.offer(ms - 2, start)  # then it finds a better one itself
    assert solver._tabu_best(shared, [Main()]) == ms - 2


def _one_after_another(instance):
    """A valid but poor schedule: every operation on its first machine, one at a time."""
    out, t = [], 0
    for j, job in enumerate(instance.jobs):
        for o, op in enumerate(job):
            m, d = op.options[0]
            out.append(FjspAssignment(j, o, m, t, t + d))
            t += d
    return out


def test_the_plain_phase_counts_as_cpsat_s_own_find():
    instance = parse_fjsp(LATIN)
    start = _one_after_another(instance)
    assert validate_fjsp(instance, start) == [] and max(a.end for a in start) > 3
    shared = solver._Shared(start, 0)
    # the deadline is CP-SAT's budget, not a check of speed: it proves 3 at once
    solver._plain_phase(instance, shared, time.monotonic() + 5.0, 1, 0)
    assert shared.found["cpsat"] == 3 and shared.makespan == 3 and shared.lb == 3
    assert validate_fjsp(instance, shared.best) == []
    assert not shared.handed_over
