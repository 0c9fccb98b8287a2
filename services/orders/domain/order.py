"""The Order aggregate: one customer's order from intake to the doorstep.

Commands from people (place, amend, cancel) are checked and may be refused. Facts from
other services (configured, scheduled, produced, ...) are applied when they move the order
forward and ignored when they are stale: the services publish on different streams, so
"scheduled" may reach us before "configured", and a fact about an earlier revision of an
amended order must not win over the amendment.

When scheduling cannot plan an order it says why: the order keeps its status and shows the
reason (``planning_issue``) until it is scheduled, amended, cancelled or goes into production.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from eventsourcing.domain import Aggregate, event

from services.kit.words import N_, Words
from services.orders.domain.errors import (
    AwaitingMapping,
    NotRejected,
    OrderAlreadyCancelled,
    OrderDiffers,
    ProductionStarted,
)
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import MappingNeed, OrderContent, stored_content

INTAKE_NAMESPACE = uuid.UUID("6f1c7a52-8f0e-4c47-9d0b-5a3e2f9d7c10")


class OrderIntake(Aggregate):
    """Index aggregate: at most one order per (channel, external id).

    Its id is derived from the natural key, so a second intake of the same shop order
    collides with the first in the event store, in the same transaction as the order.
    """

    @staticmethod
    def create_id(channel: str, external_id: str) -> uuid.UUID:
        return intake_id(channel, external_id)

    @event("Recorded")
    def __init__(self, channel: str, external_id: str, order_id: uuid.UUID):
        self.channel = channel
        self.external_id = external_id
        self.order_id = order_id

    @classmethod
    def record(cls, key: uuid.UUID, channel: str, external_id: str,
               order_id: uuid.UUID) -> OrderIntake:
        """The intake of a shop order whose `intake_id` the caller has made already (the
        same id `create_id` would make again)."""
        # Recorded is made by @event at class creation: mypy cannot see it.
        return cls._create(cls.Recorded, id=key, channel=channel,  # type: ignore[attr-defined]
                           external_id=external_id, order_id=order_id)


def intake_id(channel: str, external_id: str) -> uuid.UUID:
    # JSON keeps the two parts apart whatever characters they hold.
    return uuid.uuid5(INTAKE_NAMESPACE, json.dumps([channel, external_id]))


class Order(Aggregate):
    """`content`: what the channel says the order is (customer, lines, total, promised date);
    `needs`: what the channel's mapping must say before the order can be made (the order
    then waits, AWAITING_MAPPING); `notes`: what the shop said that changes nothing made;
    `source`: the shop's payload as received; `fingerprint`: a digest of what the channel
    said, to tell a repeat from a different order under the same id. Events stored before
    these existed read with their defaults."""

    @event("Placed")
    def __init__(self, channel: str, external_id: str, tenant: str, placed_at: str,
                 content: OrderContent, needs: tuple[MappingNeed, ...] = (),
                 notes: tuple[str, ...] = (), source: str = "", fingerprint: str = ""):
        self.channel = channel
        self.external_id = external_id
        self.tenant = tenant
        self.placed_at = placed_at
        self.content = content
        self.needs = tuple(needs)
        self.notes = tuple(notes)
        self.source = source
        self.fingerprint = fingerprint
        self.status = OrderStatus.AWAITING_MAPPING if self.needs else OrderStatus.PLACED
        self.revision = 1
        self.catalog_version = 0
        self.factory_id = ""
        self.planned_start = ""
        self.planned_end = ""
        self.rejection_reasons: list[str] = []
        self.cancellation_reason = ""
        self.tracking_token = ""
        self.planning_issue = ""

    def check_repeat(self, fingerprint: str) -> None:
        """A repeat of this shop order must say the same; raises OrderDiffers otherwise. An
        order stored before fingerprints were kept cannot tell, and takes the repeat."""
        if self.fingerprint and fingerprint and fingerprint != self.fingerprint:
            raise OrderDiffers(
                Words.of(N_("order %(external_id)s from %(channel)s was already taken with a "
                            "different body (order %(id)s); a changed order is an update, not a "
                            "new create"),
                    external_id=self.external_id, channel=self.channel, id=self.id))

    # --- mapping ---------------------------------------------------------------------

    def resolve_mapping(self, content: OrderContent, notes: tuple[str, ...],
                        needs: tuple[MappingNeed, ...], cause: str) -> bool:
        """The channel's mapping, applied again: with nothing left to map the order is
        placed for configuration; otherwise it keeps waiting with what is still needed.
        False when nothing changes (not waiting, or the same needs again)."""
        if self.status is not OrderStatus.AWAITING_MAPPING:
            return False
        if needs:
            if tuple(needs) == self.needs:
                return False
            self._mapping_still_needed(needs=tuple(needs), cause=cause)
            return True
        self._mapping_resolved(content=content, notes=tuple(notes), channel=self.channel,
                               external_id=self.external_id, tenant=self.tenant,
                               placed_at=self.placed_at, cause=cause)
        return True

    @event("MappingStillNeeded")
    def _mapping_still_needed(self, needs: tuple[MappingNeed, ...], cause: str) -> None:
        self.needs = tuple(needs)

    # Carries what the placed order's integration event needs (published as placed).
    @event("MappingResolved")
    def _mapping_resolved(self, content: OrderContent, notes: tuple[str, ...], channel: str,
                          external_id: str, tenant: str, placed_at: str, cause: str) -> None:
        self.content = content
        self.notes = tuple(notes)
        self.needs = ()
        self.status = OrderStatus.PLACED

    # --- commands from people -------------------------------------------------------

    def reprocess(self, content: OrderContent, notes: tuple[str, ...], by: str = "") -> None:
        """A rejected order made again from what the shop sent, after a mapping or catalogue
        fix: a new revision goes through configuration (published as an amendment)."""
        if self.status is not OrderStatus.REJECTED:
            raise NotRejected(
                Words.of(N_("only an order rejected by configuration is re-processed; this one is "
                            "%(status)s (amend it instead)"),
                    status=self.status.said))
        self._reprocessed(content=content, notes=tuple(notes), revision=self.revision + 1,
                          reason="re-processed from the shop's order as received", by=by)

    @event("Reprocessed")
    def _reprocessed(self, content: OrderContent, notes: tuple[str, ...], revision: int,
                     reason: str, by: str) -> None:
        self.content = content
        self.notes = tuple(notes)
        self.revision = revision
        self.status = OrderStatus.PLACED
        self.catalog_version = 0
        self.rejection_reasons = []
        self.factory_id = self.planned_start = self.planned_end = self.planning_issue = ""


    def amend(self, content: OrderContent, reason: str, by: str = "") -> None:
        """`by`: who asks (a person's e-mail or a principal), kept on the event."""
        if self.status is OrderStatus.CANCELLED:
            raise OrderAlreadyCancelled(Words.of(N_("a cancelled order cannot be amended")))
        if self.status is OrderStatus.AWAITING_MAPPING:
            raise AwaitingMapping(
                Words.of(N_("the order waits for its channel's mapping; map what it names and it "
                            "is placed by itself")))
        if self.status.production_started:
            raise ProductionStarted(
                Words.of(N_("production has started (order is %(status)s); it can no longer be "
                            "amended"),
                    status=self.status.said))
        self._amended(content=content, reason=reason, revision=self.revision + 1, by=by)

    # `by` defaults to "" for the events stored before it was recorded.
    @event("Amended")
    def _amended(self, content: OrderContent, reason: str, revision: int,
                 by: str = "") -> None:
        self.content = content
        self.revision = revision
        self.status = OrderStatus.PLACED
        self.catalog_version = 0
        self.rejection_reasons = []
        self.factory_id = self.planned_start = self.planned_end = self.planning_issue = ""

    def cancel(self, reason: str, by: str = "") -> bool:
        """Cancel before production starts; False if it already was cancelled. `by`: who
        asks, kept on the event."""
        if self.status is OrderStatus.CANCELLED:
            return False
        if self.status.production_started:
            raise ProductionStarted(
                Words.of(N_("production has started (order is %(status)s); it can no longer be "
                            "cancelled"),
                    status=self.status.said))
        self._cancelled(reason=reason, previous_status=self.status.value, by=by)
        return True

    @event("Cancelled")
    def _cancelled(self, reason: str, previous_status: str, by: str = "") -> None:
        self.status = OrderStatus.CANCELLED
        self.cancellation_reason = reason
        self.planning_issue = ""
        self.needs = ()

    # --- facts from other services ----------------------------------------------------

    def _moves_forward(self, to: OrderStatus, revision: int | None, *, same_stage: bool = False) -> bool:
        if self.status is OrderStatus.CANCELLED:
            return False
        if revision is not None and revision != self.revision:
            return False
        return to.stage > self.status.stage or (same_stage and to.stage == self.status.stage)

    def record_configured(self, revision: int | None, catalog_version: int, cause: str) -> bool:
        if not self._moves_forward(OrderStatus.CONFIGURED, revision):
            return False
        self._configured(catalog_version=catalog_version, cause=cause)
        return True

    @event("Configured")
    def _configured(self, catalog_version: int, cause: str) -> None:
        self.status = OrderStatus.CONFIGURED
        self.catalog_version = catalog_version

    def record_rejected(self, revision: int | None, reasons: list[str], cause: str,
                        said: list[Words] | None = None) -> bool:
        """Configuration rejected the order for ``reasons`` (``said``: the same as words, one
        per reason, for the reader's language; none from a configurator before words)."""
        if not self._moves_forward(OrderStatus.REJECTED, revision):
            return False
        if said and len(said) == len(reasons):
            self._rejected(reasons=list(reasons), cause=cause, said=list(said))
        else:
            self._rejected(reasons=list(reasons), cause=cause)
        return True

    # `said` is absent from the events stored before rejection reasons were words.
    @event("ConfigurationRejected")
    def _rejected(self, reasons: list[str], cause: str, said: list[Words] | None = None) -> None:
        self.status = OrderStatus.REJECTED
        self.rejection_reasons = reasons
        self.__dict__["_rejection_said"] = list(said or [])

    @property
    def rejection_reason_words(self) -> list[Words]:
        """``rejection_reasons`` as words, one per reason (empty for reasons recorded before
        words, or once the order is no longer rejected)."""
        said = self.__dict__.get("_rejection_said") or []
        return said if self.rejection_reasons and len(said) == len(self.rejection_reasons) else []

    def record_scheduled(self, revision: int | None, factory_id: str, planned_start: str,
                         planned_end: str, cause: str) -> bool:
        """Scheduled, or re-planned while still scheduled (new factory or dates)."""
        if self.status is OrderStatus.REJECTED:
            return False
        if not self._moves_forward(OrderStatus.SCHEDULED, revision, same_stage=True):
            return False
        if (self.status is OrderStatus.SCHEDULED and factory_id == self.factory_id
                and planned_start == self.planned_start and planned_end == self.planned_end
                and not self.planning_issue):
            return False
        self._scheduled(factory_id=factory_id, planned_start=planned_start,
                        planned_end=planned_end, cause=cause)
        return True

    @event("Scheduled")
    def _scheduled(self, factory_id: str, planned_start: str, planned_end: str, cause: str) -> None:
        self.status = OrderStatus.SCHEDULED
        self.factory_id = factory_id
        self.planned_start = planned_start
        self.planned_end = planned_end
        self.planning_issue = ""

    def record_planning_held(self, revision: int | None, reason: str, cause: str,
                             said: Words | None = None) -> bool:
        """Scheduling cannot plan the order, for ``reason`` (``said``: the same as words, for
        the reader's language): the order keeps its status and shows why. Nothing is recorded
        for a repeat of the same reason, a stale revision, or an order that is cancelled,
        rejected or already in production."""
        if self.status in (OrderStatus.CANCELLED, OrderStatus.REJECTED):
            return False
        if self.status.production_started or not reason or reason == self.planning_issue:
            return False
        if revision is not None and revision != self.revision:
            return False
        self._planning_held(reason=reason, cause=cause, said=said)
        return True

    @event("PlanningHeld")
    def _planning_held(self, reason: str, cause: str, said: Words | None = None) -> None:
        self.planning_issue = reason
        self.__dict__["_planning_issue_words"] = said

    @property
    def planning_issue_words(self) -> Words | None:
        """``planning_issue`` as words, while it is the issue they say (None for a reason
        recorded before words, or once nothing holds the order)."""
        said = self.__dict__.get("_planning_issue_words")
        return said if said and self.planning_issue and said.english() == self.planning_issue \
            else None

    def record_plan_overridden(self, kind: str, factory_id: str, weight: int, reason: str,
                               by: str, role: str, cause: str) -> bool:
        """A person overrode the order's planning in scheduling (issue 19): pinned, unpinned,
        held, released or prioritised. Kept for its history; the status does not change."""
        if self.status is OrderStatus.CANCELLED or not kind:
            return False
        self._plan_overridden(kind=kind, factory_id=factory_id, weight=weight, reason=reason,
                              by=by, role=role, cause=cause)
        return True

    @event("PlanOverridden")
    def _plan_overridden(self, kind: str, factory_id: str, weight: int, reason: str, by: str,
                         role: str, cause: str) -> None:
        pass

    def record_production_started(self, revision: int | None, cause: str) -> bool:
        if not self._moves_forward(OrderStatus.IN_PRODUCTION, revision):
            return False
        self._production_started(cause=cause)
        return True

    @event("ProductionStarted")
    def _production_started(self, cause: str) -> None:
        self.status = OrderStatus.IN_PRODUCTION
        self.planning_issue = ""

    def record_produced(self, revision: int | None, cause: str) -> bool:
        if not self._moves_forward(OrderStatus.PRODUCED, revision):
            return False
        self._produced(cause=cause)
        return True

    @event("Produced")
    def _produced(self, cause: str) -> None:
        self.status = OrderStatus.PRODUCED

    def record_shipped(self, tracking_token: str, cause: str) -> bool:
        if not self._moves_forward(OrderStatus.SHIPPED, None):
            return False
        self._shipped(tracking_token=tracking_token, cause=cause)
        return True

    @event("Shipped")
    def _shipped(self, tracking_token: str, cause: str) -> None:
        self.status = OrderStatus.SHIPPED
        self.tracking_token = tracking_token

    def record_delivered(self, cause: str) -> bool:
        if not self._moves_forward(OrderStatus.DELIVERED, None):
            return False
        self._delivered(cause=cause)
        return True

    @event("Delivered")
    def _delivered(self, cause: str) -> None:
        self.status = OrderStatus.DELIVERED


def _content_v2(state: dict[str, Any]) -> None:
    state["content"] = stored_content(state["content"])


# The events that carry the content are at class_version 2: the content is an OrderContent,
# stored through the application's transcodings; v1 kept its plain object. @event makes these
# classes from the methods' signatures, so their version and upcast are set on them here.
for _name in ("Placed", "MappingResolved", "Reprocessed", "Amended"):
    _carrier = getattr(Order, _name)
    _carrier.class_version = 2
    _carrier.upcast_v1_v2 = staticmethod(_content_v2)


# Past-tense event name → the status an order is in after it (for history and projections).
STATUS_AFTER: dict[str, OrderStatus | None] = {
    "Placed": OrderStatus.PLACED,
    "Amended": OrderStatus.PLACED,
    "Cancelled": OrderStatus.CANCELLED,
    "Configured": OrderStatus.CONFIGURED,
    "ConfigurationRejected": OrderStatus.REJECTED,
    "Scheduled": OrderStatus.SCHEDULED,
    "ProductionStarted": OrderStatus.IN_PRODUCTION,
    "Produced": OrderStatus.PRODUCED,
    "Shipped": OrderStatus.SHIPPED,
    "Delivered": OrderStatus.DELIVERED,
    "PlanningHeld": None,  # the status stays; the order shows why it is not planned
    "MappingResolved": OrderStatus.PLACED,
    "MappingStillNeeded": None,  # still waiting, for fewer or other mappings
    "Reprocessed": OrderStatus.PLACED,
}
