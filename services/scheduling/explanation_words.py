"""Why an order is planned where and when it is, in words people read (issue 19, item 3):
each part of ExplainOrder's answer as words (services/kit/words.py) the gateway says in the
reader's language. Moments are ISO texts (the gateway shows them on the reader's clock, the
zone named); durations read "3h20"; machine types as people call them (开料锯 / panel saw),
machine ids as the network names them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

from services.kit.words import N_, SEMICOLONS, Words
from services.scheduling.domain.capacity import machine_type_said
from services.scheduling.solver.explain import Explanation

STATUS = {"late": N_("late"), "at_risk": N_("at risk")}


def moment(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="minutes")


def duration(minutes: float) -> str:
    """Minutes as "3h20" (a part of a minute counts whole)."""
    whole = math.ceil(minutes)
    return f"{whole // 60}h{whole % 60:02d}"


def batch(name: str, others: int) -> Words:
    """The cutting batch an order's saw work is in (issue 20)."""
    if others <= 0:
        return Words.of(N_("cut in batch %(batch)s on its own"), batch=name)
    if others == 1:
        return Words.of(N_("cut in batch %(batch)s with 1 other order"), batch=name)
    return Words.of(N_("cut in batch %(batch)s with %(n)s other orders"), batch=name, n=others)


def planned(order_id: str, factory_id: str, end_ms: int, slack_minutes: int | None,
            held_by_boards: bool) -> Words:
    """An order nothing makes late: where and when it finishes."""
    said = Words.of(N_("%(order)s is planned at %(factory)s to finish %(end)s"),
                    order=order_id, factory=factory_id, end=moment(end_ms))
    if slack_minutes is not None:
        said = Words.of(N_("%(planned)s, %(slack)s before the promise"), planned=said,
                        slack=duration(slack_minutes))
    return said if held_by_boards else Words.of(N_("%(planned)s: nothing holds it up"),
                                                 planned=said)


def reason(e: Explanation, ms: Callable[[int], int]) -> Words:
    """What holds the order up (``ms``: the problem's minute as unix ms)."""
    status: Words | str = Words(STATUS[e.status]) if e.status in STATUS else e.status
    if e.waited_minutes <= 0:
        return Words.of(N_("%(order)s (%(status)s) runs without waiting in %(factory)s; its "
                           "routing is longer than the time to its promise."),
                        order=e.order, status=status, factory=e.factory)
    why: list[Words | str] = []
    if e.busy_orders:
        why.append(Words.of(N_("busy with %(n)s other orders"), n=e.busy_orders))
    if e.off_minutes:
        why.append(Words.of(N_("%(duration)s off shift"), duration=duration(e.off_minutes)))
    if e.down_minutes:
        why.append(Words.of(N_("%(duration)s down"), duration=duration(e.down_minutes)))
    return Words.of(
        N_("%(order)s (%(status)s, ends %(end)s, due %(due)s) waits %(waited)s for "
           "%(machine_type)s %(machine)s in %(factory)s between %(start)s and %(until)s "
           "(%(why)s); the bottleneck is %(factory)s's %(machine_type)s."),
        order=e.order, status=status, end=moment(ms(e.planned_end)), due=moment(ms(e.due)),
        waited=duration(e.waited_minutes), machine_type=machine_type_said(e.bottleneck_machine_type),
        machine=e.bottleneck_machine, factory=e.factory, start=moment(ms(e.window[0])),
        until=moment(ms(e.window[1])),
        why=Words.listing(why) if why else Words(N_("sequencing")))


def move(e: Explanation) -> Words:
    share, factory = e.quieter or (0.0, "")
    return Words.of(N_("move the order to %(factory)s (its %(machine_type)s is %(share)s "
                       "loaded in that window)"), factory=factory,
                    machine_type=machine_type_said(e.bottleneck_machine_type), share=f"{share:.0%}")


def overtime(e: Explanation, ms: Callable[[int], int]) -> Words:
    return Words.of(N_("overtime on %(machine)s (%(machine_type)s) in %(factory)s: up to "
                       "%(duration)s before %(start)s"), machine=e.bottleneck_machine,
                    machine_type=machine_type_said(e.bottleneck_machine_type), factory=e.factory,
                    duration=duration(e.overtime_minutes), start=moment(ms(e.window[1])))


def another_shift(e: Explanation) -> Words:
    return Words.of(N_("add a shift or a second %(machine_type)s in %(factory)s"),
                    machine_type=machine_type_said(e.bottleneck_machine_type), factory=e.factory)


def later_promise(end_ms: int, late_minutes: int) -> Words:
    return Words.of(N_("promise %(end)s instead (%(duration)s later)"), end=moment(end_ms),
                    duration=duration(late_minutes))


def summary(parts: list[Words]) -> Words:
    """The parts of an explanation one after the other ("…; …")."""
    return Words.listing(parts, SEMICOLONS)
