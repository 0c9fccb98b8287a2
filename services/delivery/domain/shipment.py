"""The Shipment aggregate: one order's journey from the factory gate to the customer's door.

Carrier events are kept in full, once each (by the carrier's event id). They move the
status in event-time order: an event older than the one that set the current status is
kept in the history but not applied, and nothing moves a delivered or returned shipment —
a late "in transit" never overrides "delivered". A delivery or return applies even when
stamped earlier than the last movement: it is the end of the journey, whatever the clocks say.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from eventsourcing.domain import Aggregate, event

from services.delivery.domain import eta as eta_rules
from services.delivery.domain import identity
from services.delivery.domain.errors import CarrierEventsFull
from services.delivery.domain.values import (
    JOURNEY,
    CarrierEventCode,
    CarrierEventRecord,
    CarrierReport,
    Destination,
    Milestone,
    MilestoneKind,
    Package,
    Place,
    ShipmentStatus,
    from_iso,
    iso,
)
from services.delivery.domain.zones import DEFAULT as DEFAULT_ZONE
from services.delivery.domain.zones import destination_zone
from services.kit.words import N_, Words

MAX_CARRIER_EVENTS = 500


def code_final(code: CarrierEventCode) -> bool:
    return code.status.final


@dataclass(frozen=True)
class Recorded:
    """What recording a carrier event did."""

    duplicate: bool
    applied: bool


@dataclass(frozen=True)
class MilestoneView:
    kind: MilestoneKind
    reached_at: datetime | None
    place: Place


@dataclass(frozen=True)
class TrackingView:
    """What the customer sees behind the public link: no name, address, phone or email."""

    order_reference: str
    status: ShipmentStatus
    milestones: tuple[MilestoneView, ...]
    eta: datetime | None
    late: bool
    at_risk: bool
    carrier: str
    tracking_number: str
    destination_city: str
    items: tuple[str, ...]
    promised_date: date | None
    updated_at: datetime
    destination_time_zone: str = DEFAULT_ZONE  # the customer's clock (zones.py)
    order_id: str = ""  # for the edge, which names the products; never shown to the customer


def _place_v2(state: dict[str, Any]) -> None:
    state["place"] = Place(**state["place"]) if state["place"] else Place()


class Shipment(Aggregate):
    # v2 of the events that carry packages, a destination or a place: value objects, stored
    # through the application's transcodings (v1 stored them as plain objects).
    class Opened(Aggregate.Created):
        class_version = 2
        order_id: str
        factory_id: str
        carrier: str
        tracking_number: str
        packages: list[Package]
        destination: Destination
        order_reference: str
        items: list[str]
        promised_date: str
        planned_pickup: str
        eta: str
        transit_seconds: int
        transit_learnt: bool
        tracking_token: str
        opened_at: str
        milestones: dict[str, str]
        late: bool
        at_risk: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["packages"] = [Package(**p) for p in state["packages"]]
            state["destination"] = Destination(**state["destination"])

    class CarrierEventRecorded(Aggregate.Event):
        class_version = 2
        order_id: str
        carrier: str
        tracking_number: str
        carrier_event_id: str
        code: str
        event_time: str
        place: Place
        note: str
        delay_minutes: int
        applied: bool
        status_after: str
        recorded_at: str
        upcast_v1_v2 = staticmethod(_place_v2)

    class MilestoneReached(Aggregate.Event):
        class_version = 2
        order_id: str
        kind: str
        reached_at: str
        place: Place
        upcast_v1_v2 = staticmethod(_place_v2)

    class ExceptionReported(Aggregate.Event):
        class_version = 2
        order_id: str
        code: str
        occurred_at: str
        message: str
        place: Place
        upcast_v1_v2 = staticmethod(_place_v2)

    @staticmethod
    def create_id(order_id: str) -> uuid.UUID:
        return identity.shipment_id(order_id)

    @event(Opened)
    def __init__(self, order_id: str, factory_id: str, carrier: str, tracking_number: str,
                 packages: list[Package], destination: Destination,
                 order_reference: str, items: list[str], promised_date: str,
                 planned_pickup: str, eta: str, transit_seconds: int, transit_learnt: bool,
                 tracking_token: str, opened_at: str, milestones: dict[str, str],
                 late: bool, at_risk: bool):
        self.order_id = order_id
        self.factory_id = factory_id
        self.carrier = carrier
        self.tracking_number = tracking_number
        self.packages = tuple(packages)
        self.destination = destination
        self.order_reference = order_reference
        self.items = items
        self.promised_date = promised_date
        self.planned_pickup = planned_pickup
        self.eta = eta
        self.transit_seconds = transit_seconds
        self.transit_learnt = transit_learnt
        self.tracking_token = tracking_token
        self.opened_at = opened_at
        self.milestones: dict[str, Milestone] = {  # by MilestoneKind value
            kind: Milestone(at) for kind, at in milestones.items() if at}
        self.late = late
        self.at_risk = at_risk
        self.status = ShipmentStatus.AWAITING_PICKUP
        self.status_time = ""
        self.carrier_events: list[CarrierEventRecord] = []
        self.last_exception = ""
        self.picked_up_at = ""
        self.delivered_at = ""

    # --- reading ------------------------------------------------------------------

    @property
    def promised(self) -> date | None:
        return date.fromisoformat(self.promised_date) if self.promised_date else None

    @property
    def eta_at(self) -> datetime | None:
        return from_iso(self.eta)

    def seen(self, carrier_event_id: str) -> CarrierEventRecord | None:
        return next((e for e in self.carrier_events
                     if e.carrier_event_id == carrier_event_id), None)

    def milestone_views(self) -> tuple[MilestoneView, ...]:
        kinds: list[MilestoneKind] = list(JOURNEY)
        if MilestoneKind.RETURNED.value in self.milestones:
            kinds.append(MilestoneKind.RETURNED)
        unreached = Milestone("")
        return tuple(MilestoneView(kind, from_iso(m.reached_at), m.place)
                     for kind in kinds
                     for m in (self.milestones.get(kind.value, unreached),))

    def tracking_view(self) -> TrackingView:
        return TrackingView(
            order_reference=self.order_reference, status=self.status,
            milestones=self.milestone_views(),
            eta=None if self.status.final else self.eta_at, late=self.late,
            at_risk=self.at_risk, carrier=self.carrier, tracking_number=self.tracking_number,
            destination_city=self.destination.city, items=tuple(self.items),
            promised_date=self.promised, updated_at=self.modified_on,
            destination_time_zone=destination_zone(self.destination.country,
                                                   self.destination.city),
            order_id=self.order_id)

    # --- carrier events -------------------------------------------------------------

    def record_carrier_event(self, report: CarrierReport, recorded_at: datetime) -> Recorded:
        previous = self.seen(report.carrier_event_id)
        if previous is not None:
            return Recorded(duplicate=True, applied=previous.applied)
        if len(self.carrier_events) >= MAX_CARRIER_EVENTS:
            raise CarrierEventsFull(Words.of(N_("shipment %(id)s has %(limit)s carrier events "
                                                "already; no more are kept"),
                id=self.id, limit=MAX_CARRIER_EVENTS))
        applied = self._applies(report)
        self._carrier_event_recorded(
            order_id=self.order_id, carrier=self.carrier, tracking_number=self.tracking_number,
            carrier_event_id=report.carrier_event_id, code=report.code.value,
            event_time=iso(report.event_time), place=report.place, note=report.note,
            delay_minutes=report.delay_minutes, applied=applied,
            status_after=(report.code.status if applied else self.status).value,
            recorded_at=iso(recorded_at))
        self._reach(report)
        if applied:
            self._follow(report)
        return Recorded(duplicate=False, applied=applied)

    def _applies(self, report: CarrierReport) -> bool:
        if self.status.final:
            return False
        if report.code in (CarrierEventCode.DELIVERED, CarrierEventCode.RETURNED):
            return True
        last = from_iso(self.status_time)
        return last is None or report.event_time >= last

    @event(CarrierEventRecorded)
    def _carrier_event_recorded(self, order_id: str, carrier: str, tracking_number: str,
                                carrier_event_id: str, code: str, event_time: str,
                                place: Place, note: str, delay_minutes: int,
                                applied: bool, status_after: str, recorded_at: str) -> None:
        self.carrier_events.append(CarrierEventRecord(
            carrier_event_id, code, event_time, place, note, applied, recorded_at))
        if applied:
            self.status = ShipmentStatus(status_after)
            self.status_time = event_time
            if code == CarrierEventCode.PICKED_UP.value and not self.picked_up_at:
                self.picked_up_at = event_time

    def _reach(self, report: CarrierReport) -> None:
        """A milestone is reached at its earliest report, applied or not (it did happen)."""
        kind = report.code.milestone
        if kind is None:
            return
        reached = self.milestones.get(kind.value)
        known = from_iso(reached.reached_at) if reached else None
        if known is not None and known <= report.event_time:
            return
        if code_final(report.code) and self.status is not report.code.status:
            return  # a delivery or return that did not apply did not end this journey
        self._milestone_reached(order_id=self.order_id, kind=kind.value, reached_at=iso(report.event_time),
                                place=report.place)

    @event(MilestoneReached)
    def _milestone_reached(self, order_id: str, kind: str, reached_at: str, place: Place) -> None:
        self.milestones[kind] = Milestone(reached_at, place)

    def _follow(self, report: CarrierReport) -> None:
        code = report.code
        if code.status.troubled:
            self._exception_reported(order_id=self.order_id, code=code.value, occurred_at=iso(report.event_time),
                                     message=report.note or code.value.replace("_", " "),
                                     place=report.place)
        if code is CarrierEventCode.DELIVERED:
            self._deliver(report.event_time)
            return
        if code is CarrierEventCode.RETURNED:
            self._change_eta(self.eta_at, "returned to sender", late=True, at_risk=False)
            return
        move = eta_rules.after_carrier_event(
            self.eta_at, code, report.event_time, timedelta(seconds=self.transit_seconds),
            report.delay_minutes)
        new_eta = move.eta if move else self.eta_at
        outlook = eta_rules.outlook(new_eta, self.promised, self.exception_open)
        if move is not None or (outlook.late, outlook.at_risk) != (self.late, self.at_risk):
            self._change_eta(new_eta, move.reason if move else "outlook changed",
                             outlook.late, outlook.at_risk)

    @event(ExceptionReported)
    def _exception_reported(self, order_id: str, code: str, occurred_at: str, message: str,
                            place: Place) -> None:
        self.last_exception = message

    def _change_eta(self, new_eta: datetime | None, reason: str, late: bool,
                    at_risk: bool) -> None:
        self._eta_changed(order_id=self.order_id, previous_eta=self.eta, eta=iso(new_eta), reason=reason, late=late,
                          at_risk=at_risk)

    @event("EtaChanged")
    def _eta_changed(self, order_id: str, previous_eta: str, eta: str, reason: str, late: bool,
                     at_risk: bool) -> None:
        self.eta = eta
        self.late = late
        self.at_risk = at_risk

    def _deliver(self, at: datetime) -> None:
        end = eta_rules.deadline(self.promised)
        self._delivered(order_id=self.order_id, promised_date=self.promised_date,
                        delivered_at=iso(at), on_time=end is None or at < end,
                        transit_seconds=self._transit_until(at))

    def _transit_until(self, at: datetime) -> int:
        """From pick-up (or the planned pick-up) to `at`, in seconds."""
        started = from_iso(self.picked_up_at) or from_iso(self.planned_pickup) or at
        return max(0, int((at - started).total_seconds()))

    @event("Delivered")
    def _delivered(self, order_id: str, promised_date: str, delivered_at: str, on_time: bool,
                   transit_seconds: int) -> None:
        self.delivered_at = delivered_at
        self.late = not on_time
        self.at_risk = False

    @property
    def exception_open(self) -> bool:
        return self.status.troubled

    @property
    def delivered_transit_seconds(self) -> int | None:
        at = from_iso(self.delivered_at)
        return None if at is None else self._transit_until(at)
