"""The orders application: load → act → save. No wire types here."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from services.kit.errors import DomainError
from services.kit.persistence import ServiceApplication
from services.kit.recent import shallow_copy
from services.kit.stored_values import ValueTree, register_values
from services.kit.words import N_, Words
from services.orders.domain.errors import IntakeBusy, OrderBusy, OrderNotFound, OrderVersionMoved
from services.orders.domain.order import STATUS_AFTER, Order, OrderIntake, intake_id
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import (
    MappingNeed,
    OrderContent,
    OrderLine,
    content_fingerprint,
)
from services.orders.timeline import summary

MAX_RETRIES = 10


# Value objects inside stored events, under their persistent names.
STORED_VALUES = {MappingNeed: "orders.mapping_need"}
STORED_CONTENT = "orders.content"  # an OrderContent, one plain object (kit ValueTree)


@dataclass(frozen=True)
class Placement:
    order_id: uuid.UUID
    status: OrderStatus
    duplicate: bool


@dataclass(frozen=True)
class PlacementRequest:
    """`needs`: what must be mapped first (the order then waits); `fingerprint`: a digest of
    what the channel said (empty: the content's)."""

    channel: str
    external_id: str
    content: OrderContent
    placed_at: datetime
    tenant: str
    needs: tuple[MappingNeed, ...] = ()
    notes: tuple[str, ...] = ()
    source: str = ""
    fingerprint: str = ""

    def digest(self) -> str:
        return self.fingerprint or content_fingerprint(self.content)


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    type: str
    occurred_at: datetime
    status_after: OrderStatus | None
    summary: str
    by: str = ""  # who made the change, for changes people make
    by_role: str = ""  # in what role (plan overrides, issue 19)
    words: Words | None = None  # the summary, for the gateway to say in the reader's language


class OrdersApplication(ServiceApplication):
    name = "orders"
    # Orders kept as last saved (kit/recent.py): an order followed through configuration and
    # scheduling is changed within seconds of being placed, a few hundred of them at a time at
    # 50 orders/s. The Order's events only rebind its attributes, so a shallow copy serves.
    recent_size = 4096
    copy_recent = staticmethod(shallow_copy)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at_hand = threading.local()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_values(transcoder, STORED_VALUES)
        transcoder.register(ValueTree(OrderContent, STORED_CONTENT))

    def place_orders(self, requests: Sequence[PlacementRequest]) -> list[Placement | DomainError]:
        """Place orders in one transaction, each answered on its own (one order is a list of one).

        Each new order is saved with its intake record, whose id is derived from (channel,
        external id): a shop order placed before collides with its intake, and the whole
        transaction is refused. Most orders are new, so nothing is read first; after a
        collision the intakes of this batch are read through the repository, repeats are
        answered with the order already placed (duplicate), and the rest are saved again.
        A repeat inside the batch gets the first one's order. A repeat that says something
        else than the order placed (another fingerprint) is answered OrderDiffers.
        """
        placed: dict[uuid.UUID, Order] = {}
        for _ in range(MAX_RETRIES):
            answers, pending = self._new_orders(requests, placed)
            if not pending:
                return answers
            try:
                self.save(*pending)
                return answers
            except IntegrityError:
                # Someone placed one of these shop orders before us (or at the same moment).
                placed = self._placed(requests)
        raise IntakeBusy(Words.of(N_("the same shop orders are being placed by others; try again")))

    @staticmethod
    def _new_orders(requests: Sequence[PlacementRequest], placed: dict[uuid.UUID, Order],
                    ) -> tuple[list[Placement | DomainError], list[Order | OrderIntake]]:
        """The answer to each request, and the aggregates to save for those not placed yet."""
        new: dict[uuid.UUID, Order] = {}
        pending: list[Order | OrderIntake] = []
        answers: list[Placement | DomainError] = []
        for r in requests:
            key = intake_id(r.channel, r.external_id)
            if key in placed or key in new:
                answers.append(_repeat(placed.get(key) or new[key], r))
            else:
                order = new[key] = Order(channel=r.channel, external_id=r.external_id,
                                         tenant=r.tenant, placed_at=r.placed_at.isoformat(),
                                         content=r.content, needs=r.needs,
                                         notes=r.notes, source=r.source, fingerprint=r.digest())
                pending += [order, OrderIntake.record(key, r.channel, r.external_id, order.id)]
                answers.append(Placement(order.id, order.status, duplicate=False))
        return answers, pending

    def _placed(self, requests: Sequence[PlacementRequest]) -> dict[uuid.UUID, Order]:
        """The orders already placed for these shop orders, by intake id."""
        found: dict[uuid.UUID, Order] = {}
        for key in {intake_id(r.channel, r.external_id) for r in requests}:
            try:
                intake: OrderIntake = self.repository.get(key)
            except AggregateNotFoundError:
                continue
            found[key] = self.get_order(intake.order_id)
        return found

    def find_order(self, channel: str, external_id: str) -> Order:
        """The order placed for this shop order (from the intake index, always current)."""
        try:
            intake: OrderIntake = self.repository.get(intake_id(channel, external_id))
        except AggregateNotFoundError:
            raise OrderNotFound(Words.of(N_("no order from channel %(channel)s with id "
                                            "%(external_id)s"),
                channel=channel, external_id=external_id)) from None
        return self.get_order(intake.order_id)

    def get_order(self, order_id: uuid.UUID) -> Order:
        """The order as stored now, to change and save (one read of what was stored since the
        order was last kept; an order read by `orders_at_hand` is not read again)."""
        at_hand: dict | None = getattr(self._at_hand, "orders", None)
        order = at_hand.get(order_id) if at_hand is not None else None
        if order is None:
            order = self.get_many([order_id]).get(order_id)
        if not isinstance(order, Order):
            raise OrderNotFound(Words.of(N_("order %(order_id)s does not exist"),
                order_id=order_id))
        return order

    @contextlib.contextmanager
    def orders_at_hand(self, order_ids: Collection[uuid.UUID]) -> Iterator[None]:
        """Within this context (this thread), `get_order` answers these orders from one read
        of them all; each is one object, so several changes to it add up and are saved
        together (a consumer's batch)."""
        self._at_hand.orders = self.get_many(order_ids)
        try:
            yield
        finally:
            self._at_hand.orders = None

    def resolve_mapping(self, order_id: uuid.UUID, lines: tuple[OrderLine, ...],
                        notes: tuple[str, ...], needs: tuple[MappingNeed, ...],
                        cause: str) -> tuple[Order, bool]:
        """A waiting order mapped again: released when nothing is left to map. (order, whether
        it was released by this call)."""
        released = False

        def resolve(order: Order) -> None:
            nonlocal released
            released = False
            if order.status is not OrderStatus.AWAITING_MAPPING:
                return
            content = replace(order.content, lines=lines)
            changed = order.resolve_mapping(content, notes, needs, cause)
            released = changed and not needs

        return self._change(order_id, resolve), released

    def cancel_order(self, order_id: uuid.UUID, reason: str, by: str = "") -> Order:
        return self._change(order_id, lambda order: order.cancel(reason, by))

    def amend_order(self, order_id: uuid.UUID, expected_version: int,
                    lines: tuple[OrderLine, ...], promised_date: date | None,
                    reason: str, by: str = "") -> Order:
        """Replace the lines (and the promised date, if given); customer and total stay."""

        def amend(order: Order) -> None:
            if expected_version and order.version != expected_version:
                raise OrderVersionMoved(Words.of(N_("order %(order_id)s is at version "
                                                    "%(version)s, not %(expected_version)s: read "
                                                    "it again and retry"),
                    order_id=order_id, version=order.version, expected_version=expected_version))
            content = replace(order.content, lines=lines,
                              promised_date=promised_date or order.content.promised_date)
            order.amend(content, reason, by)

        return self._change(order_id, amend)

    def reprocess_order(self, order_id: uuid.UUID, lines: tuple[OrderLine, ...],
                        notes: tuple[str, ...], by: str = "") -> Order:
        """A rejected order made again from the lines its channel's mapping now makes of the
        shop's payload (or its own lines, after a catalogue fix); customer and dates stay."""

        def reprocess(order: Order) -> None:
            order.reprocess(replace(order.content, lines=lines), notes, by)

        return self._change(order_id, reprocess)

    def _change(self, order_id: uuid.UUID, act: Callable[[Order], Any]) -> Order:
        """Load → act → save, retried on a concurrent writer (never a lost update)."""
        for _ in range(MAX_RETRIES):
            order = self.get_order(order_id)
            act(order)
            if not order.pending_events:
                return order
            try:
                self.save(order)
                return order
            except IntegrityError:
                continue
        raise OrderBusy(Words.of(N_("order %(order_id)s is being changed by others; try again"),
            order_id=order_id))

    def history(self, order_id: uuid.UUID) -> list[HistoryEntry]:
        self.get_order(order_id)
        entries = []
        for event in self.events.get(order_id):
            name = type(event).__name__
            words = summary(name, event.__dict__)
            entries.append(HistoryEntry(
                version=event.originator_version, type=name, occurred_at=event.timestamp,
                status_after=STATUS_AFTER.get(name), summary=words.english(), words=words,
                by=getattr(event, "by", ""), by_role=getattr(event, "role", "")))
        return entries


def _repeat(order: Order, request: PlacementRequest) -> Placement | DomainError:
    """The answer to a shop order placed before: a duplicate, or OrderDiffers."""
    try:
        order.check_repeat(request.digest())
    except DomainError as exc:
        return exc
    return Placement(order.id, order.status, duplicate=True)


def summarise(name: str, attrs: dict[str, Any]) -> str:
    """One line a person reads in an order's timeline, in English (timeline.summary has the
    words the gateway renders in the reader's language)."""
    return summary(name, attrs).english()
