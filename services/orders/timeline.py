"""An order's history as people read it: one sentence per event, as words (an English
template and its arguments, services/kit/words.py) that the gateway renders in the reader's
language. Each template is marked for the gateway's catalogue."""

from __future__ import annotations

from typing import Any

from services.kit.words import N_, SEMICOLONS, Words

NO_REASON = N_("no reason given")
# A person's override of the order's planning (issue 19), by kind.
OVERRIDES = {
    "PINNED": N_("Pinned to factory %(factory)s: %(reason)s"),
    "UNPINNED": N_("Pin to factory %(factory)s lifted: %(reason)s"),
    "HELD": N_("Held out of planning: %(reason)s"),
    "RELEASED": N_("Released into planning: %(reason)s"),
    "PRIORITISED": N_("Priority set to %(weight)s: %(reason)s"),
}
FACTS = {"ProductionStarted": N_("Production started"), "Produced": N_("Produced"),
         "Shipped": N_("Shipped"), "Delivered": N_("Delivered")}


def _needs(needs) -> str:
    return ", ".join(f"{n.kind} {n.key!r}" for n in needs)


def _reason(attrs: dict[str, Any]) -> str:
    return attrs.get("reason") or NO_REASON


def summary(name: str, attrs: dict[str, Any]) -> Words:
    """The sentence of one event (``name``, its attributes) in an order's history."""
    if name == "Placed":
        needs = attrs.get("needs") or ()
        if needs:
            return Words.of(N_("Taken from %(channel)s as %(reference)s; waiting for mapping: "
                               "%(needs)s"), channel=attrs["channel"],
                            reference=attrs["external_id"], needs=_needs(needs))
        return Words.of(N_("Placed through %(channel)s as %(reference)s (%(n)s line(s))"),
                        channel=attrs["channel"], reference=attrs["external_id"],
                        n=len(attrs["content"].lines))
    if name == "MappingResolved":
        return Words.of(N_("Mapped: placed with %(n)s line(s)"),
                        n=len(attrs["content"].lines))
    if name == "MappingStillNeeded":
        return Words.of(N_("Still waiting for mapping: %(needs)s"), needs=_needs(attrs["needs"]))
    if name == "Amended":
        return Words.of(N_("Amended: %(reason)s"), reason=_reason(attrs))
    if name == "Reprocessed":
        return Words.of(N_("Re-processed from the shop's order as received (%(n)s line(s))"),
                        n=len(attrs["content"].lines))
    if name == "Cancelled":
        return Words.of(N_("Cancelled: %(reason)s"), reason=_reason(attrs))
    if name == "Configured":
        return Words.of(N_("Configured with catalogue v%(version)s"),
                        version=attrs["catalog_version"])
    if name == "ConfigurationRejected":
        said = attrs.get("said")  # absent from rejections recorded before words
        return Words.of(N_("Rejected: %(reasons)s"),
                        reasons=Words.listing(said, SEMICOLONS) if said
                        else "; ".join(attrs["reasons"]))
    if name == "PlanOverridden":
        return Words.of(OVERRIDES.get(attrs["kind"], OVERRIDES["PRIORITISED"]),
                        factory=attrs["factory_id"], weight=attrs["weight"],
                        reason=_reason(attrs))
    if name == "PlanningHeld":
        return Words.of(N_("Cannot be planned yet: %(reason)s"),
                        reason=attrs.get("said") or attrs["reason"])
    if name == "Scheduled":
        return Words.of(N_("Scheduled at factory %(factory)s, %(start)s → %(end)s"),
                        factory=attrs["factory_id"], start=attrs["planned_start"],
                        end=attrs["planned_end"])
    return Words(FACTS.get(name, name))
