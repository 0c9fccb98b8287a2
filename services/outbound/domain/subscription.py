"""A chain leader's system that wants our events (ERP, BI): where, which types, its secret."""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from services.kit.errors import Violations
from services.kit.words import N_
from services.outbound.domain.values import EVENT_TYPES, check_url

MAX_DESCRIPTION = 200


def validate_subscription(url: str, event_types: list[str], description: str) -> list[str]:
    """The distinct event types asked for, in order; every problem named at once."""
    v = Violations()
    check_url(v, "url", url)
    wanted = list(dict.fromkeys(t.strip() for t in event_types))
    if v.check(bool(wanted), "event_types", N_("name at least one of %(choices)s"),
               choices=', '.join(EVENT_TYPES)):
        for i, name in enumerate(wanted):
            v.check(name in EVENT_TYPES, f"event_types[{i}]",
                    N_("'%(name)s' is not one of %(choices)s"),
                    name=name, choices=', '.join(EVENT_TYPES))
    v.check(len(description) <= MAX_DESCRIPTION, "description",
            N_("must be at most %(n)s characters"), n=MAX_DESCRIPTION)
    v.raise_if_any()
    return wanted


class Subscription(Aggregate):
    """Signed webhooks (Standard Webhooks) of the chosen event types to one URL."""

    @event("Created")
    def __init__(self, url: str, event_types: list[str], secret: str, description: str,
                 created_at: str, created_by: str):
        self.url = url
        self.event_types = list(event_types)
        self.secret = secret
        self.description = description
        self.created_at = created_at
        self.created_by = created_by
        self.active = True

    @event("Removed")
    def remove(self, removed_by: str) -> None:
        self.active = False

    @property
    def target(self) -> str:
        return target_of(self.id)


def target_of(subscription_id: uuid.UUID) -> str:
    return f"subscription:{subscription_id}"
