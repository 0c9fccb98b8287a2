"""A promise, or why no date can be promised, in words people read (issue 19, item 3): the
solver's :class:`CannotPromise` names its reason and the figures behind it (``facts``), and
this says them as words the gateway says in the reader's language, machine types as people
call them and durations as "3h20"; a quote's answer says where and when, its moments ISO
times with the offset of the quote's zone (shown on that clock, the zone named). The solver
stays free of words; its English ``str(exc)`` is for logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.kit.words import N_, SEMICOLONS, Words
from services.scheduling.domain.capacity import machine_type_said, machine_types_said
from services.scheduling.explanation_words import duration
from services.scheduling.solver.quote import (
    MACHINE_UNAVAILABLE,
    MISSING_MACHINE_TYPE,
    NO_CAPACITY,
    OPERATION_TOO_LONG,
    CannotPromise,
)

REFUSED = N_("cannot promise this order: %(reason)s")
NO_OTHER_FACTORY = N_("%(reason)s, and no other factory can make it")


def _types(text: str) -> list[str]:
    return [t for t in text.split(",") if t]


def _missing(facts: Mapping[str, str]) -> Words:
    if not facts.get("factory_id"):
        return Words.of(N_("no factory has a machine this order needs: %(types)s"),
                        types=machine_types_said(_types(facts.get("machine_type", ""))
                                                 or _types(facts.get("needed", ""))))
    return Words.of(N_("no factory has every machine type this order needs (%(needed)s); the "
                       "closest, %(factory)s, has no %(lacks)s"),
                    needed=machine_types_said(_types(facts.get("needed", ""))),
                    factory=facts["factory_id"],
                    lacks=machine_types_said(_types(facts.get("machine_type", ""))))


def _no_capacity(facts: Mapping[str, str]) -> Words:
    return Words.of(N_("the factories that could make it (%(factories)s) have no free time for "
                       "it within %(weeks)s weeks past the planning horizon (their share for "
                       "the chain is taken)"),
                    factories=facts.get("factory_id", ""), weeks=facts.get("weeks", ""))


def _unavailable(facts: Mapping[str, str]) -> Words:
    return Words.of(N_("the %(machine_type)s of %(factory)s (%(machines)s) is down with no end "
                       "planned"), machine_type=machine_type_said(facts.get("machine_type", "")),
                    factory=facts.get("factory_id", ""),
                    machines=facts.get("machine_id", "").replace(",", ", "))


def _too_long(facts: Mapping[str, str]) -> Words:
    template = (N_("one unit's %(machine_type)s takes %(duration)s at %(factory)s, whose longest "
                   "stretch of working time is %(longest)s; an operation cannot stop at a "
                   "break, so a longer shift or a faster %(machine_type)s would make it")
                if int(facts.get("units", "1") or 1) > 1 else
                N_("%(machine_type)s takes %(duration)s at %(factory)s, whose longest stretch of "
                   "working time is %(longest)s; an operation cannot stop at a break, so a "
                   "longer shift or a faster %(machine_type)s would make it"))
    return Words.of(template, machine_type=machine_type_said(facts.get("machine_type", "")),
                    duration=duration(int(facts.get("operation_minutes", "0") or 0)),
                    factory=facts.get("factory_id", ""),
                    longest=duration(int(facts.get("longest_stretch_minutes", "0") or 0)))


_SAYING = {MISSING_MACHINE_TYPE: _missing, NO_CAPACITY: _no_capacity,
           MACHINE_UNAVAILABLE: _unavailable, OPERATION_TOO_LONG: _too_long}


def why_not(exc: CannotPromise) -> Words:
    """The reason no date can be promised, as words ("开料锯 takes 9h00 at F1, …"); a reason
    this module does not know yet reads as the solver wrote it."""
    saying = _SAYING.get(exc.reason)
    if saying is None:
        return Words(str(exc))
    said = saying(exc.facts)
    if exc.reason in (MACHINE_UNAVAILABLE, OPERATION_TOO_LONG) and \
            int(exc.facts.get("capable_factories", "1") or 1) > 1:
        said = Words.of(NO_OTHER_FACTORY, reason=said)
    return said


def refused(exc: CannotPromise) -> Words:
    """The whole refusal: "cannot promise this order: …"."""
    return Words.of(REFUSED, reason=why_not(exc))


def made(parts: Sequence[tuple[int, str, str]], finished: str) -> Words:
    """Where the order is made (``parts``: units, factory, finished as an ISO time), all of it
    ``finished``."""
    if len(parts) == 1:
        return Words.of(N_("can be made at %(factory)s and finished %(end)s"),
                        factory=parts[0][1], end=finished)
    each = [Words.of(N_("1 unit at %(factory)s, finished %(end)s") if units == 1 else
                     N_("%(n)s units at %(factory)s, finished %(end)s"),
                     n=units, factory=factory, end=end) for units, factory, end in parts]
    return Words.of(N_("cannot be made in one go, so in %(n)s parts (%(parts)s), all finished "
                       "%(end)s"), n=len(parts), parts=Words.listing(each, SEMICOLONS),
                    end=finished)


def promised(where: Words, work_minutes: int, span_minutes: int, horizon_days: int | None,
             meets: bool | None) -> Words:
    """The quote's whole explanation: where and when, the machine time, past the horizon or
    not (``horizon_days`` when it is), whether it meets the promised date."""
    said = Words.of(N_("%(made)s (%(work)s of machine time, %(span)s from start to finish)"),
                    made=where, work=duration(work_minutes), span=duration(span_minutes))
    if horizon_days is not None:
        said = Words.of(N_("%(said)s; past the %(days)s-day planning horizon, so it assumes the "
                           "factories keep their weekly shifts"), said=said, days=horizon_days)
    if meets is not None:
        said = Words.of(N_("%(said)s; meets the promised date") if meets else
                        N_("%(said)s; misses the promised date"), said=said)
    return said
