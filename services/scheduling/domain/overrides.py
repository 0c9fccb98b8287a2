"""A person's overrides of an order's planning (issue 19): pin it to a factory, hold it out
of planning, weigh its lateness more. What makes one acceptable, in the planner's words; the
pool order records each, with who made it and why."""

from __future__ import annotations

from collections.abc import Collection

from services.kit.errors import DomainError, Violations

MAX_WEIGHT = 100  # an order weighed more than this would drown every other order's lateness
MAX_REASON = 500


class OrderInProduction(DomainError):
    """Work on the order has started: it stays where it runs."""


class OrderWithdrawn(DomainError):
    """The order was cancelled: there is nothing left to plan."""


def check_reason(reason: str, violations: Violations) -> str:
    """The reason as recorded; every override needs one."""
    reason = reason.strip()
    if not reason:
        violations.add("reason", "say why: the order's history shows it")
    elif len(reason) > MAX_REASON:
        violations.add("reason", f"at most {MAX_REASON} characters")
    return reason


def check_pin(factory_id: str, registered: bool, active: bool, machine_types: Collection[str],
              needs: Collection[str], violations: Violations) -> None:
    """A pin to ``factory_id`` (with these machine types) for an order whose routing
    ``needs`` these machine types (none yet: not configured, checked when it is)."""
    if not registered:
        violations.add("factory_id", f"no factory {factory_id!r} is registered")
        return
    if not active:
        violations.add("factory_id", f"factory {factory_id} is not active")
    missing = sorted(set(needs) - set(machine_types))
    if missing:
        violations.add("factory_id", f"factory {factory_id} has no {', '.join(missing)}, "
                                     "which the order's routing needs")


def check_weight(weight: int, violations: Violations) -> None:
    if not 1 <= weight <= MAX_WEIGHT:
        violations.add("weight", f"must be a whole number from 1 (as every order) to {MAX_WEIGHT}")
