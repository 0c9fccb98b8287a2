"""Capable-to-promise against the live network: a new order's earliest completion, in the
tenant's time zone and in words a customer-facing person can repeat, or why there is none.

The promise itself is the solver's (:mod:`services.scheduling.solver.quote`); this reads the
state into its problem and turns its answer into dates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from services.kit.words import N_, Words
from services.scheduling.domain.calendar import zone
from services.scheduling.domain.errors import NoFactoryToQuote, OrderCannotBePromised
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.values import RoutingStep
from services.scheduling.promise_words import REFUSED, made, promised, refused
from services.scheduling.queries import frame, hours
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.model import SchedulingError
from services.scheduling.solver.quote import CannotPromise, Quote, quote

DOMAIN = "scheduling.dovetail"  # of the reasons a quote is refused for (google.rpc.ErrorInfo)
NO_FACTORY = "NO_FACTORY"


@dataclass(frozen=True)
class QuotedPart:
    units: int
    factory_id: str
    completion_ms: int
    completion_date: str  # YYYY-MM-DD in the answer's zone


@dataclass(frozen=True)
class QuoteAnswer:
    completion_ms: int
    completion_date: str  # YYYY-MM-DD in time_zone
    factory_id: str
    confidence: float
    meets_promise: bool | None
    explanation: str
    plan_id: str
    time_zone: str
    beyond_horizon: bool
    parts: list[QuotedPart]
    explanation_words: Words | None = None  # the explanation as words, for the reader


def quote_routing(state: NetworkState, settings: SchedulerSettings, now_ms: int,
                  steps: list[RoutingStep], release_ms: int, promised_date: str,
                  factory_ids: list[str], quantity: int = 1) -> QuoteAnswer:
    """The earliest completion of ``steps`` (making ``quantity`` units) against the published
    plan. Raises NoFactoryToQuote, or OrderCannotBePromised naming the reason, when no date
    can be promised."""
    f = frame(state, settings, now_ms)
    problem = f.problem
    if factory_ids:
        problem = replace(problem, factories=tuple(x for x in problem.factories if x.id in factory_ids))
    if not problem.factories:
        raise NoFactoryToQuote(Words.of(N_("no factory is available to quote against")), reason=NO_FACTORY,
                               domain=DOMAIN, subject=",".join(factory_ids))
    routing = tuple(s.operation() for s in steps)
    release = max(f.index.now_min, f.index.minute(release_ms) if release_ms else 0)
    plan = [q for q in f.plan if q.factory in {x.id for x in problem.factories}]
    try:
        answer = quote(problem, plan, routing, release=release, quantity=quantity)
    except CannotPromise as exc:
        subject = "/".join(exc.facts[k] for k in ("factory_id", "machine_type") if exc.facts.get(k))
        raise OrderCannotBePromised(refused(exc), reason=exc.reason, domain=DOMAIN,
                                    subject=subject, facts=exc.facts) from None
    except SchedulingError as exc:
        raise OrderCannotBePromised(Words.of(REFUSED, reason=exc)) from None
    factory = state.factories.get(answer.factory)
    tz = zone(settings.time_zone or (factory.timezone if factory else ""))
    return _answer(answer, f.index, tz, release, promised_date,
                   settings.horizon_days, str(state.plan.id) if state.plan else "")


def _answer(answer: Quote, index, tz, release: int, promised_date: str, horizon_days: int,
            plan_id: str) -> QuoteAnswer:
    completion = index.ms(answer.completion)
    work = sum(q.end - q.start for q in answer.operations)
    span = max(1, answer.completion - release)
    # A quote slots into today's gaps: the more it waits and the less slack it has, the
    # more a later arrival can push it; past the horizon its calendar is assumed.
    confidence = 0.95 - 0.35 * (1 - min(1.0, work / span))
    if answer.beyond_horizon:
        confidence *= 0.75
    meets = None
    if promised_date:
        due = end_of_day_ms(promised_date, tz)
        meets = completion <= due
        slack_h = (due - completion) / 3_600_000
        confidence = confidence if slack_h >= 24 else confidence * (0.6 if meets else 0.2)
    parts = [QuotedPart(p.units, p.factory, index.ms(p.completion),
                        local_date(index.ms(p.completion), tz)) for p in answer.parts]
    text = _where(answer.factory, parts, completion, tz)
    text += f" ({hours(work)} of machine time, {hours(span)} from start to finish)"
    if answer.beyond_horizon:
        text += (f"; past the {horizon_days}-day planning horizon, so it assumes the factories "
                 f"keep their weekly shifts")
    if meets is not None:
        text += "; meets the promised date" if meets else "; misses the promised date"
    words = promised(made([(p.units, p.factory_id, moment(p.completion_ms, tz)) for p in parts],
                          moment(completion, tz)), work, span,
                     horizon_days if answer.beyond_horizon else None, meets)
    return QuoteAnswer(completion, local_date(completion, tz), answer.factory,
                       round(max(0.05, min(0.99, confidence)), 2), meets, text, plan_id,
                       zone_name(tz), answer.beyond_horizon, parts, words)


def _where(factory_id: str, parts: list[QuotedPart], completion: int, tz) -> str:
    if len(parts) == 1:
        return f"can be made at {factory_id} and finished {local_time(completion, tz)}"
    each = "; ".join(f"{p.units} {'unit' if p.units == 1 else 'units'} at {p.factory_id}, "
                     f"finished {local_time(p.completion_ms, tz)}" for p in parts)
    return (f"cannot be made in one go, so in {len(parts)} parts ({each}), all finished "
            f"{local_time(completion, tz)}")


def local_date(ms: int, tz) -> str:
    return datetime.fromtimestamp(ms / 1000, tz).date().isoformat()


def local_time(ms: int, tz) -> str:
    """A time as a person in ``tz`` reads it, naming the zone."""
    return f"{datetime.fromtimestamp(ms / 1000, tz):%Y-%m-%d %H:%M} {zone_name(tz)}"


def moment(ms: int, tz) -> str:
    """A time as words carry it: ISO with the offset of ``tz`` (the gateway shows it on that
    clock, the zone named)."""
    return datetime.fromtimestamp(ms / 1000, tz).isoformat(timespec="minutes")


def zone_name(tz) -> str:
    return getattr(tz, "key", "UTC")


def end_of_day_ms(day: str, tz) -> int:
    """The end of that local day (a promised date holds until midnight in ``tz``)."""
    d = date.fromisoformat(day) + timedelta(days=1)
    return int(datetime(d.year, d.month, d.day, tzinfo=tz).timestamp() * 1000)
