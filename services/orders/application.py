"""The orders application: load → act → save. No wire types here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import psycopg
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, StoredEvent

from services.kit.errors import Conflict, NotFound
from services.kit.persistence import ServiceApplication
from services.orders.domain.order import STATUS_AFTER, Order, OrderIntake, intake_id
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import OrderContent, OrderLine

MAX_RETRIES = 10


@dataclass(frozen=True)
class Placement:
    order_id: uuid.UUID
    status: OrderStatus
    duplicate: bool


@dataclass(frozen=True)
class PlacementRequest:
    channel: str
    external_id: str
    content: OrderContent
    placed_at: datetime
    tenant: str


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    type: str
    occurred_at: datetime
    status_after: OrderStatus | None
    summary: str


class OrdersApplication(ServiceApplication):
    name = "orders"

    def place_order(self, channel: str, external_id: str, content: OrderContent,
                    placed_at: datetime, tenant: str) -> Placement:
        """Store a new order, or return the one already placed for this shop order."""
        existing = self._placed(channel, external_id)
        if existing is not None:
            return existing
        order = Order(channel=channel, external_id=external_id, tenant=tenant,
                      placed_at=placed_at.isoformat(), content=content.to_dict())
        intake = OrderIntake(channel=channel, external_id=external_id, order_id=order.id)
        try:
            self.save(order, intake)
        except IntegrityError:
            # Someone placed the same shop order at the same moment: theirs stands.
            existing = self._placed(channel, external_id)
            if existing is None:
                raise
            return existing
        return Placement(order.id, order.status, duplicate=False)

    def place_orders(self, requests: list[PlacementRequest]) -> list[Placement]:
        """Place many orders in one transaction (the intake batcher's write).

        Repeats are answered from the intake index; repeats inside the batch get the first
        one's order. If another writer raced us to one of the intakes, the batch falls back
        to placing one by one, so the answer for every request is still exact.
        """
        known = self._placed_many({intake_id(r.channel, r.external_id) for r in requests})
        new: dict[uuid.UUID, Order] = {}
        to_save: list[Order | OrderIntake] = []
        answers: list[Placement] = []
        for r in requests:
            key = intake_id(r.channel, r.external_id)
            if key in known:
                answers.append(known[key])
                continue
            if key in new:
                answers.append(Placement(new[key].id, new[key].status, duplicate=True))
                continue
            order = Order(channel=r.channel, external_id=r.external_id, tenant=r.tenant,
                          placed_at=r.placed_at.isoformat(), content=r.content.to_dict())
            new[key] = order
            to_save += [order, OrderIntake(channel=r.channel, external_id=r.external_id,
                                           order_id=order.id)]
            answers.append(Placement(order.id, order.status, duplicate=False))
        if not to_save:
            return answers
        try:
            self.save(*to_save)
        except IntegrityError:
            return [self.place_order(r.channel, r.external_id, r.content, r.placed_at, r.tenant)
                    for r in requests]
        return answers

    def _placed_many(self, intake_ids: set[uuid.UUID]) -> dict[uuid.UUID, Placement]:
        """Existing intakes among these ids, read in one query."""
        recorder = self.recorder
        statement = psycopg.sql.SQL(
            "SELECT originator_id, originator_version, topic, state FROM {}.{} "
            "WHERE originator_id = ANY(%s) AND originator_version = 1"
        ).format(psycopg.sql.Identifier(recorder.datastore.schema),
                 psycopg.sql.Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(statement, (list(intake_ids),))
            rows = cur.fetchall()
        found: dict[uuid.UUID, Placement] = {}
        for row in rows:
            event = self.mapper.to_domain_event(StoredEvent(
                originator_id=row["originator_id"], originator_version=row["originator_version"],
                topic=row["topic"], state=bytes(row["state"])))
            order = self.get_order(event.order_id)
            found[row["originator_id"]] = Placement(order.id, order.status, duplicate=True)
        return found

    def _placed(self, channel: str, external_id: str) -> Placement | None:
        try:
            intake: OrderIntake = self.repository.get(intake_id(channel, external_id))
        except AggregateNotFoundError:
            return None
        order = self.get_order(intake.order_id)
        return Placement(order.id, order.status, duplicate=True)

    def find_order(self, channel: str, external_id: str) -> Order:
        """The order placed for this shop order (from the intake index, always current)."""
        try:
            intake: OrderIntake = self.repository.get(intake_id(channel, external_id))
        except AggregateNotFoundError:
            raise NotFound(f"no order from channel {channel} with id {external_id}") from None
        return self.get_order(intake.order_id)

    def get_order(self, order_id: uuid.UUID) -> Order:
        try:
            order = self.repository.get(order_id)
        except AggregateNotFoundError:
            raise NotFound(f"order {order_id} does not exist") from None
        if not isinstance(order, Order):
            raise NotFound(f"order {order_id} does not exist")
        return order

    def cancel_order(self, order_id: uuid.UUID, reason: str) -> Order:
        return self._change(order_id, lambda order: order.cancel(reason))

    def amend_order(self, order_id: uuid.UUID, expected_version: int,
                    lines: tuple[OrderLine, ...], promised_date: date | None,
                    reason: str) -> Order:
        """Replace the lines (and the promised date, if given); customer and total stay."""

        def amend(order: Order) -> None:
            if expected_version and order.version != expected_version:
                raise Conflict(f"order {order_id} is at version {order.version}, not "
                               f"{expected_version}: read it again and retry")
            content = OrderContent.from_dict(order.content)
            content = replace(content, lines=lines,
                              promised_date=promised_date or content.promised_date)
            order.amend(content.to_dict(), reason)

        return self._change(order_id, amend)

    def _change(self, order_id: uuid.UUID, act: Callable[[Order], Any]) -> Order:
        """Load → act → save, retried on a concurrent writer (never a lost update)."""
        for _ in range(MAX_RETRIES):
            order = self.get_order(order_id)
            act(order)
            try:
                self.save(order)
                return order
            except IntegrityError:
                continue
        raise Conflict(f"order {order_id} is being changed by others; try again")

    def history(self, order_id: uuid.UUID) -> list[HistoryEntry]:
        self.get_order(order_id)
        entries = []
        for event in self.events.get(order_id):
            name = type(event).__name__
            entries.append(HistoryEntry(
                version=event.originator_version, type=name, occurred_at=event.timestamp,
                status_after=STATUS_AFTER.get(name), summary=summarise(name, event.__dict__)))
        return entries


def summarise(name: str, attrs: dict[str, Any]) -> str:
    """One line a person reads in an order's timeline."""
    if name == "Placed":
        lines = attrs["content"]["lines"]
        return f"Placed through {attrs['channel']} as {attrs['external_id']} ({len(lines)} line(s))"
    if name == "Amended":
        return f"Amended: {attrs.get('reason') or 'no reason given'}"
    if name == "Cancelled":
        return f"Cancelled: {attrs.get('reason') or 'no reason given'}"
    if name == "Configured":
        return f"Configured with catalogue v{attrs['catalog_version']}"
    if name == "ConfigurationRejected":
        return "Rejected: " + "; ".join(attrs["reasons"])
    if name == "PlanningHeld":
        return f"Cannot be planned yet: {attrs['reason']}"
    if name == "Scheduled":
        return (f"Scheduled at factory {attrs['factory_id']}, "
                f"{attrs['planned_start']} → {attrs['planned_end']}")
    return {"ProductionStarted": "Production started", "Produced": "Produced",
            "Shipped": "Shipped", "Delivered": "Delivered"}.get(name, name)
