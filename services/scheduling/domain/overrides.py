"""A person's overrides of an order's planning (issue 19): pin it to a factory, hold it out
of planning, weigh its lateness more. What makes one acceptable, in the planner's words; the
pool order records each, with who made it and why."""

from __future__ import annotations

from collections.abc import Collection

from services.kit.errors import DomainError, Violations
from services.kit.words import N_
from services.scheduling.domain.capacity import machine_types_said

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
        violations.say("reason", N_("say why: the order's history shows it"))
    elif len(reason) > MAX_REASON:
        violations.say("reason", N_("at most %(n)s characters"), n=MAX_REASON)
    return reason


def check_pin(factory_id: str, registered: bool, active: bool, machine_types: Collection[str],
              needs: Collection[str], violations: Violations) -> None:
    """A pin to ``factory_id`` (with these machine types) for an order whose routing
    ``needs`` these machine types (none yet: not configured, checked when it is)."""
    if not registered:
        violations.say("factory_id", N_("no factory %(factory)s is registered"),
                       factory=repr(factory_id))
        return
    if not active:
        violations.say("factory_id", N_("factory %(factory)s is not active"), factory=factory_id)
    missing = sorted(set(needs) - set(machine_types))
    if missing:
        violations.say("factory_id", N_("factory %(factory)s has no %(machines)s, which the "
                                        "order's routing needs"),
                       factory=factory_id, machines=machine_types_said(missing))


def check_weight(weight: int, violations: Violations) -> None:
    if not 1 <= weight <= MAX_WEIGHT:
        violations.say("weight", N_("must be a whole number from 1 (as every order) to %(n)s"),
                       n=MAX_WEIGHT)
