"""A cutting batch as one saw operation in the plan (issue 20, item 2).

A batch is the factory's saw work for a shift: once nested it is placed once, on one saw of
its factory, and then fixed. Its operation lasts its orders' saw steps together with one setup
(not one per order), starts once its boards are all there and the saw is free, and is frozen
load on that saw in every plan after; its orders' saw steps are covered by it and each order's
next step starts no earlier than its end. Placing a batch again happens only when stock moves
the day its boards come. Pure: no I/O.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from eventsourcing.domain import Aggregate, event

from services.scheduling.domain.ids import NAMESPACE

MINUTE_MS = 60_000
# A batch operation's id: what a factory reports its start and finish against.
_BATCH_PREFIX = "batch:"


def batch_operation_id(batch: str) -> str:
    return f"{_BATCH_PREFIX}{batch}"


def batch_of_operation(operation_id: str) -> str:
    """The batch a batch operation id names ("" when it names an order's operation)."""
    return operation_id[len(_BATCH_PREFIX) :] if operation_id.startswith(_BATCH_PREFIX) else ""


def cutting_key(factory_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"cutting-batches:{factory_id}")


@dataclass(frozen=True)
class SawStep:
    """One order's saw step in a batch: its operation id and base minutes."""

    order_id: str
    operation_id: str
    machine_type: str
    minutes: int
    setup_family: str = ""


@dataclass(frozen=True)
class Saw:
    machine_id: str
    speed: float = 1.0


@dataclass(frozen=True)
class Placement:
    machine_id: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class PlacedBatch:
    """A batch operation as placed: on which saw, when, covering which orders' saw steps."""

    batch: str
    revision: int
    from_ms: int  # its boards are all there
    machine_id: str
    machine_type: str
    start_ms: int
    end_ms: int
    members: tuple[tuple[str, str], ...]  # (order id, its saw step's operation id)

    @property
    def operation_id(self) -> str:
        return batch_operation_id(self.batch)

    @property
    def order_ids(self) -> tuple[str, ...]:
        return tuple(o for o, _ in self.members)


def batch_minutes(steps: list[SawStep], setup_minutes: dict[str, int]) -> int:
    """The batch's base minutes: its orders' saw minutes with one setup."""
    if not steps:
        return 0
    setup = setup_minutes.get(steps[0].machine_type, 0) if any(s.setup_family for s in steps) else 0
    return sum(s.minutes for s in steps) + setup


def place(
    saws: list[Saw],
    base_minutes: int,
    earliest_ms: int,
    windows: list[tuple[int, int]],
    busy: dict[str, list[tuple[int, int]]],
) -> Placement | None:
    """The earliest-ending place of an operation of ``base_minutes`` on one of ``saws``: from
    ``earliest_ms`` on, inside one working window, clear of each saw's ``busy`` spans. None
    when no window is long enough."""
    best: Placement | None = None
    start0 = -(-earliest_ms // MINUTE_MS) * MINUTE_MS
    for saw in sorted(saws, key=lambda s: s.machine_id):
        d = max(1, math.ceil(base_minutes / (saw.speed if saw.speed > 0 else 1.0))) * MINUTE_MS
        taken = sorted(busy.get(saw.machine_id, []))
        for w_start, w_end in windows:
            start = max(start0, w_start)
            while start + d <= w_end:
                clash = next(((s, e) for s, e in taken if s < start + d and e > start), None)
                if clash is None:
                    break
                start = -(-clash[1] // MINUTE_MS) * MINUTE_MS
            if start + d <= w_end:
                if best is None or start + d < best.end_ms:
                    best = Placement(saw.machine_id, start, start + d)
                break
    return best


@dataclass(frozen=True)
class Cover:
    """An order's saw step covered by its batch: the batch's factory, and when the batch's
    operation ends (the order's next step starts no earlier)."""

    batch: str
    operation_id: str
    factory_id: str
    end_ms: int


def live_batches(
    factories: Iterable[CuttingBatches], status: Callable[[str, str], str], now_ms: int
) -> tuple[dict[str, list[tuple[int, int]]], dict[str, Cover]]:
    """The batch operations still to run or running, as load per saw ([start, end) ms), and
    the orders' saw steps they cover. A batch whose orders' saw steps are all finished is
    over; one that has started and overruns its planned end is expected to end within the
    minute; one not started by its planned start is expected to start now. ``status(operation id, order id)``: PLANNED, STARTED, FINISHED, ..."""
    load: dict[str, list[tuple[int, int]]] = {}
    cover: dict[str, Cover] = {}
    for factory in factories:
        for b in factory.batches.values():
            states = {o: status(op, o) for o, op in b.members}
            live = [o for o, s in states.items() if s != "FINISHED"]
            if not live:
                continue
            start, end = b.start_ms, b.end_ms
            if "STARTED" in states.values() or len(live) < len(states):
                end = max(end, now_ms + MINUTE_MS)
            elif start < now_ms:  # not started when it should have: from now on, not behind us
                start = -(-now_ms // MINUTE_MS) * MINUTE_MS
                end = start + b.end_ms - b.start_ms
            load.setdefault(b.machine_id, []).append((start, end))
            for o, op in b.members:
                if o in live:
                    cover[o] = Cover(b.batch, op, factory.factory_id, end)
    return load, cover


def batch_label(batch: str, order_ids: Iterable[str]) -> str:
    """What a batch operation is called on the Gantt and in a factory's assignments."""
    return f"{batch} ({', '.join(order_ids)})"


def batch_status(batch: PlacedBatch, status: Callable[[str, str], str]) -> str:
    """The batch operation's status from its orders' saw steps: FINISHED when all are,
    STARTED when any has started (or finished), else PLANNED."""
    each = [status(op, o) for o, op in batch.members]
    if each and all(s == "FINISHED" for s in each):
        return "FINISHED"
    return "STARTED" if any(s in ("STARTED", "FINISHED") for s in each) else "PLANNED"


class CuttingBatches(Aggregate):
    """A factory's cutting batches as placed on its saws, one aggregate per factory (so a
    batch is placed clear of the others)."""

    @staticmethod
    def create_id(factory_id: str) -> uuid.UUID:
        return cutting_key(factory_id)

    @event("Opened")
    def __init__(self, factory_id: str):
        self.factory_id = factory_id
        self.batches: dict[str, PlacedBatch] = {}

    def revision_of(self, batch: str) -> int:
        known = self.batches.get(batch)
        return -1 if known is None else known.revision

    def place_batch(
        self,
        batch: str,
        revision: int,
        from_ms: int,
        machine_id: str,
        machine_type: str,
        start_ms: int,
        end_ms: int,
        members: list[tuple[str, str]],
    ) -> bool:
        """Record the batch's placement; a repeat or an older revision is ignored, and so is a
        later revision that changes neither its orders nor the day its boards are there."""
        known = self.batches.get(batch)
        if known is not None and (
            revision <= known.revision
            or (known.from_ms == from_ms and list(known.members) == list(map(tuple, members)))
        ):
            return False
        self._batch_placed(
            factory_id=self.factory_id,
            batch=batch,
            revision=revision,
            from_ms=from_ms,
            machine_id=machine_id,
            machine_type=machine_type,
            start_ms=start_ms,
            end_ms=end_ms,
            members=[list(m) for m in members],
        )
        return True

    @event("BatchPlaced")
    def _batch_placed(
        self,
        factory_id: str,  # the factory's, on the event for the assignment feed
        batch: str,
        revision: int,
        from_ms: int,
        machine_id: str,
        machine_type: str,
        start_ms: int,
        end_ms: int,
        members: list[list[str]],
    ) -> None:
        self.batches = {
            **self.batches,
            batch: PlacedBatch(
                batch,
                revision,
                from_ms,
                machine_id,
                machine_type,
                start_ms,
                end_ms,
                tuple((o, op) for o, op in members),
            ),
        }
