"""One bad input must not stop all planning: what the planner does when a step raises.

A pass that raised used to leave the published plan standing, and the next pass raised the
same way, so nothing new was ever planned (CI, 10:04 UTC: every slot-in pass raised inside
greedy_plan). Now a step with a fallback takes it (slotting new orders in falls back to
solving the whole problem), and when solving itself raises, the orders that make it raise
are found by probing the same step with orders left out (a binary search per culprit),
left out of the plan with a reason a planner reads, and the rest is planned. An isolated
order is tried again once it changes (a new revision), or when planning restarts.

Whatever the exception: no type is special. Each distinct failure is logged once with its
traceback (its repeats only counted), and every one is counted.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence

from prometheus_client import Counter

log = logging.getLogger("dovetail.scheduling.planner")

MAX_CULPRITS = 5  # per pass: more than this is not a few bad orders (the pass fails)

FAILURES = Counter(
    "dovetail_scheduling_planning_failures_total",
    "Planning steps that raised, by step and what the planner did about it "
    "(fallback: solved the whole problem; isolated: planned without the orders that raise; "
    "failed: the published plan stands)", ["partition", "step", "outcome"])
ISOLATED_ORDERS = Counter(
    "dovetail_scheduling_orders_isolated_total",
    "Orders left out of planning because planning them raised", ["partition"])


class FailureLog:
    """Logs each distinct failure once, with its traceback, and counts them all."""

    def __init__(self, partition: str):
        self.partition = partition
        self.seen: set[tuple[str, ...]] = set()
        self.count = 0  # failures met (for tests and the planner's runs)

    def failed(self, step: str, outcome: str, exc: BaseException, message: str,
               **extra: object) -> None:
        self.count += 1
        FAILURES.labels(self.partition, step, outcome).inc()
        key = (step, outcome, *_fingerprint(exc))
        if key in self.seen:
            log.debug(message, extra={"step": step, "error": repr(exc), **extra})
            return
        self.seen.add(key)
        log.error(message, exc_info=exc,
                  extra={"step": step, "outcome": outcome, "partition": self.partition, **extra})


def _fingerprint(exc: BaseException) -> tuple[str, ...]:
    """The failure's kind and where it was raised (not its message: ids vary)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return type(exc).__qualname__, where


async def culprits(suspects: Sequence[str],
                   fails: Callable[[set[str]], Awaitable[bool]]) -> set[str] | None:
    """The orders of ``suspects`` to leave out so that the step no longer fails:
    ``fails(left_out)`` runs the step without ``left_out`` and says whether it still
    raises. None when leaving out every suspect does not help (the failure is not theirs)
    or more than MAX_CULPRITS are needed.

    One culprit at a time: the shortest prefix of the suspects whose leaving out makes the
    step pass ends with one (binary search, log2(n) probes); it is left out, and the search
    goes on among the others while the step still fails.
    """
    rest = list(suspects)
    found: set[str] = set()
    if not rest or await fails(set(rest)):
        return None
    while len(found) < MAX_CULPRITS:
        lo, hi = 0, len(rest)  # fails without found | rest[:lo]; passes without found | rest[:hi]
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if await fails(found | set(rest[:mid])):
                lo = mid
            else:
                hi = mid
        found.add(rest.pop(hi - 1))  # without found | rest it still passes
        if not await fails(found):
            return found
    return None
