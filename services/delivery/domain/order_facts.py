"""What delivery has learnt about an order before it ships, from three upstream services.

orders says where it goes (placed), the configurator what ships (packages), scheduling when
(planned end, produced). The streams are separate, so the facts arrive in any order; the
shipment opens once the order is placed, configured and produced, whichever comes last.
"""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.domain import Aggregate, event

from services.delivery.domain import identity
from services.delivery.domain.values import Destination, Package


class OrderFacts(Aggregate):
    class Placed(Aggregate.Event):
        """v2: the destination is a Destination (v1 stored it as a plain object)."""

        class_version = 2
        placed_at: str
        order_reference: str
        destination: Destination
        items: list[str]
        promised_date: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["destination"] = Destination(**state["destination"])

    class Configured(Aggregate.Event):
        """v2: packages are Packages (v1 stored plain objects)."""

        class_version = 2
        revision: int
        packages: list[Package]
        promised_date: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["packages"] = [Package(**p) for p in state["packages"]]

    @staticmethod
    def create_id(order_id: str) -> uuid.UUID:
        return identity.order_facts_id(order_id)

    @event("Started")
    def __init__(self, order_id: str):
        self.order_id = order_id
        self.placed = False
        self.placed_at = ""
        self.order_reference = ""
        self.destination = Destination()
        self.items: list[str] = []
        self.promised_date = ""
        self.revision = 0
        self.configured_revision = -1
        self.packages: tuple[Package, ...] = ()
        self.factory_id = ""
        self.planned_end = ""
        self.production_started_at = ""
        self.produced_at = ""
        self.shipment_id: uuid.UUID | None = None

    @property
    def configured(self) -> bool:
        return self.configured_revision >= 0

    @property
    def ready_to_ship(self) -> bool:
        return (self.placed and self.configured and bool(self.produced_at)
                and self.shipment_id is None)

    def record_placed(self, placed_at: str, order_reference: str, destination: Destination,
                      items: list[str], promised_date: str) -> bool:
        if self.placed:
            return False
        self._placed(placed_at=placed_at, order_reference=order_reference,
                     destination=destination, items=list(items), promised_date=promised_date)
        return True

    @event(Placed)
    def _placed(self, placed_at: str, order_reference: str, destination: Destination,
                items: list[str], promised_date: str) -> None:
        self.placed = True
        self.placed_at = placed_at
        self.order_reference = order_reference
        self.destination = destination
        self.items = items
        self.promised_date = promised_date
        self.revision = max(self.revision, 1)

    def record_amended(self, revision: int, items: list[str], promised_date: str) -> bool:
        if revision <= self.revision or self.shipment_id is not None:
            return False
        self._amended(revision=revision, items=list(items), promised_date=promised_date)
        return True

    @event("Amended")
    def _amended(self, revision: int, items: list[str], promised_date: str) -> None:
        self.revision = revision
        self.items = items
        if promised_date:
            self.promised_date = promised_date

    def record_configured(self, revision: int, packages: list[Package],
                          promised_date: str) -> bool:
        """A configuration of the newest revision seen wins; 0 means 'not said'."""
        if self.shipment_id is not None or revision < self.configured_revision:
            return False
        if revision == self.configured_revision and revision != 0:
            return False
        self._configured(revision=revision, packages=list(packages), promised_date=promised_date)
        return True

    @event(Configured)
    def _configured(self, revision: int, packages: list[Package], promised_date: str) -> None:
        self.configured_revision = revision
        self.packages = tuple(packages)
        if promised_date and not self.promised_date:
            self.promised_date = promised_date

    def record_scheduled(self, factory_id: str, planned_end: str) -> bool:
        if self.shipment_id is not None or self.produced_at:
            return False  # the goods exist: the plan no longer says when
        if factory_id == self.factory_id and planned_end == self.planned_end:
            return False
        self._scheduled(factory_id=factory_id, planned_end=planned_end)
        return True

    @event("Scheduled")
    def _scheduled(self, factory_id: str, planned_end: str) -> None:
        self.factory_id = factory_id
        self.planned_end = planned_end

    def record_production_started(self, factory_id: str, started_at: str) -> bool:
        if self.production_started_at:
            return False
        self._production_started(factory_id=factory_id, started_at=started_at)
        return True

    @event("ProductionStarted")
    def _production_started(self, factory_id: str, started_at: str) -> None:
        self.production_started_at = started_at
        self.factory_id = self.factory_id or factory_id

    def record_produced(self, factory_id: str, produced_at: str, promised_date: str) -> bool:
        if self.produced_at:
            return False
        self._produced(factory_id=factory_id, produced_at=produced_at,
                       promised_date=promised_date)
        return True

    @event("Produced")
    def _produced(self, factory_id: str, produced_at: str, promised_date: str) -> None:
        self.produced_at = produced_at
        self.factory_id = factory_id or self.factory_id
        if promised_date and not self.promised_date:
            self.promised_date = promised_date

    def hand_over(self, shipment_id: uuid.UUID) -> None:
        self._handed_over(shipment_id=shipment_id)

    @event("HandedOver")
    def _handed_over(self, shipment_id: uuid.UUID) -> None:
        self.shipment_id = shipment_id
