"""An order that has started work and can no longer be finished (the only machine of a type
it still needs is down for good): it is left out with the reason, the plan stays valid, and
its running operation keeps its machine from everyone else."""

from __future__ import annotations

import pytest

from services.scheduling.solver.model import (
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    Window,
)
from services.scheduling.solver.search import plan_network, replan
from services.scheduling.solver.validator import validate_plan

HORIZON = 10_000


def network(edge_bander_down: tuple[Window, ...] = ()) -> tuple[Factory, ...]:
    return (Factory("f1", (Machine("s1", "panel_saw"), Machine("e1", "edge_bander", downtime=edge_bander_down)),
                    (Window(0, HORIZON),)),)


ORDERS = (
    Order("A", (Operation("panel_saw", 60), Operation("edge_bander", 30)), due=500),
    Order("B", (Operation("panel_saw", 60), Operation("edge_bander", 30)), due=500),
    Order("C", (Operation("panel_saw", 45),), due=500),
)


@pytest.mark.parametrize("how", ["replan", "plan_network"])
def test_a_started_order_that_cannot_finish_is_left_out_and_its_running_work_holds_the_machine(how):
    first = replan(NetworkProblem(HORIZON, network(), ORDERS), [], 2.0)
    running = next(q for q in first.operations if q.op == 0 and q.start == 0)
    assert running.order in {"A", "B"}
    changed = NetworkProblem(HORIZON, network((Window(10, HORIZON),)), ORDERS, frozen=(running,),
                             last_plan=first.operations, now=10)

    plan = (replan(changed, list(first.operations), 2.0) if how == "replan"
            else plan_network(changed, 2.0))

    reasons = dict(plan.left_out)
    assert set(reasons) == {"A", "B"}
    assert reasons[running.order] == (f"order {running.order} has started at factory f1, whose "
                                      "edge_bander is down for the rest of the horizon")
    other = ({"A", "B"} - {running.order}).pop()
    assert reasons[other] == f"order {other} cannot be made within the horizon: at f1 the edge_bander is down"
    assert {q.order for q in plan.operations} == {"C"}
    (c,) = plan.operations
    assert c.start >= running.end, "the saw is still cutting the started order"
    # the plan, with the running work as a fact, is valid in the whole problem's terms too
    assert not [v for v in validate_plan(changed, [*plan.operations, running])
                if v.order not in reasons]
