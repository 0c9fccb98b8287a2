"""The scheduling solver core: pure Python over plain data, CP-SAT inside, no I/O."""

from .codec import plan_to_dict, problem_from_dict, problem_to_dict
from .explain import Explanation, explain
from .greedy import greedy_plan
from .model import (
    Factory,
    Machine,
    NetworkProblem,
    Objective,
    Operation,
    Order,
    Plan,
    PlannedOperation,
    SchedulingError,
    SetupRule,
    Window,
    evaluate,
)
from .quote import Quote, quote
from .search import InvalidPlanError, plan_network, replan_machine_down
from .validator import Violation, validate_plan

__all__ = [
    "Explanation", "Factory", "InvalidPlanError",
    "Machine", "NetworkProblem", "Objective", "Operation", "Order", "Plan", "PlannedOperation",
    "Quote", "SchedulingError", "SetupRule", "Violation", "Window", "evaluate", "explain",
    "greedy_plan", "plan_network", "plan_to_dict",
    "problem_from_dict", "problem_to_dict", "quote", "replan_machine_down",
    "validate_plan",
]
