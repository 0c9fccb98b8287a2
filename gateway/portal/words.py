"""The words of the portal's states and kinds, translatable: an order's status, a shipment's,
a machine's state and type, an order's history entry. The wire says `IN_PRODUCTION`; a
person reads "in production" or "生产中".
"""

from __future__ import annotations

import re

from gateway import i18n
from gateway.i18n import gettext as _
from gateway.i18n import local_date, local_time


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown (`word`)."""
    return message


WORDS = {
    # orders
    "PLACED": N_("placed"), "CONFIGURED": N_("configured"), "REJECTED": N_("rejected"),
    "SCHEDULED": N_("scheduled"), "IN_PRODUCTION": N_("in production"),
    "PRODUCED": N_("produced"), "SHIPPED": N_("shipped"), "DELIVERED": N_("delivered"),
    "CANCELLED": N_("cancelled"), "AWAITING_MAPPING": N_("awaiting mapping"),
    # shipments
    "AWAITING_PICKUP": N_("awaiting pickup"), "PICKED_UP": N_("picked up"),
    "IN_TRANSIT": N_("in transit"), "OUT_FOR_DELIVERY": N_("out for delivery"),
    "FAILED_ATTEMPT": N_("failed attempt"), "EXCEPTION": N_("exception"),
    "RETURNED": N_("returned"),
    # carriers (services/delivery/domain/carriers.py DEFAULT_RULES; a carrier not listed reads
    # as its code)
    "sf-express": N_("SF Express"), "deppon": N_("Deppon Express"),
    "global-freight": N_("Global Freight"),
    # machines
    "OFF": N_("off"), "IDLE": N_("idle"), "RUNNING": N_("running"), "OVERLOAD": N_("overload"),
    "DOWN": N_("down"), "OFFLINE": N_("offline"),
    # a machine's time off in the Gantt chart
    "OFF_SHIFT": N_("off shift"), "PLANNED_STOP": N_("planned stop"),
    "PANEL_SAW": N_("panel saw"), "EDGE_BANDER": N_("edge bander"), "CNC_DRILL": N_("CNC drill"),
    "CNC_ROUTER": N_("CNC router"), "SANDER": N_("sander"), "PAINT_LINE": N_("paint line"),
    "ASSEMBLY": N_("assembly"), "PACKING": N_("packing"),
    # people's roles
    "admin": N_("admin"), "planner": N_("planner"), "customer_service": N_("customer service"),
    "factory": N_("factory"), "designer": N_("designer"),
    # API keys
    "bootstrap": N_("bootstrap"), "minted": N_("minted"), "seeded": N_("seeded"),
    # configurations
    "ACCEPTED": N_("accepted"),
    # an order's history
    "Placed": N_("Placed"), "MappingResolved": N_("Mapping resolved"),
    "MappingStillNeeded": N_("Still waiting for mapping"), "Amended": N_("Amended"),
    "Cancelled": N_("Cancelled"), "Configured": N_("Configured"),
    "ConfigurationRejected": N_("Configuration rejected"),
    "PlanningHeld": N_("Cannot be planned yet"), "Scheduled": N_("Scheduled"),
    "PlanOverridden": N_("Plan overridden"),
    "ProductionStarted": N_("Production started"), "Produced": N_("Produced"),
    "Shipped": N_("Shipped"), "Delivered": N_("Delivered"),
}
# What portal.js writes itself: handed to it translated (base.html's JSON block, `script_texts`),
# with the words above.
SCRIPT_TEXTS = (
    N_("The schedule cannot be shown right now:"), N_("No machines in the plan yet."),
    N_("Gantt chart"), N_("order"), N_("Open the order →"), N_("Refused:"), N_("on time"),
    N_("at risk"), N_("late"), N_("no promised date"), N_("started"), N_("planned"),
    N_("finished"),
)
_ISO_DAY = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\dT:-])")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")


def word(value: str | None) -> str:
    """The reader's word for a state or kind; one not listed reads as it is, spaced and lower."""
    if not value:
        return ""
    known = WORDS.get(value) or WORDS.get(value.upper())
    return _(known) if known else value.replace("_", " ").lower()


_SCOPED_ROLES = {
    "factory_manager": N_("factory manager of %(scope)s"),
    "factory_operator": N_("factory operator of %(scope)s"),
    "designer": N_("designer %(scope)s"),
}


def role_said(role: str | None) -> str:
    """A person's role as people say it: "planner" → 计划员, "factory_manager:F-GZ-01" →
    F-GZ-01 厂长; a role not known reads as it is."""
    if not role:
        return ""
    name, _colon, scope = role.partition(":")
    if scope and name in _SCOPED_ROLES:
        return _(_SCOPED_ROLES[name]) % {"scope": scope}
    return word(role) if role in WORDS else role


def script_texts() -> dict[str, str]:
    """English → the reader's language, for everything portal.js may write."""
    words = [*SCRIPT_TEXTS, *WORDS.values()]
    return {text: _(text) for text in words} | {
        value.lower().replace("_", " "): _(text) for value, text in WORDS.items()}


# The orders service's history sentences (services/orders/application.py `summarise`), in
# English on the wire: each known shape is said again in the reader's language.
SENTENCES = [
    (re.compile(r"^Placed through (?P<channel>\S+) as (?P<reference>.+) \((?P<n>\d+) line\(s\)\)$"),
     N_("Placed through %(channel)s as %(reference)s (%(n)s line(s))")),
    (re.compile(r"^Taken from (?P<channel>\S+) as (?P<reference>\S+); waiting for mapping: "
                r"(?P<needs>.+)$"),
     N_("Taken from %(channel)s as %(reference)s; waiting for mapping: %(needs)s")),
    (re.compile(r"^Mapped: placed with (?P<n>\d+) line\(s\)$"),
     N_("Mapped: placed with %(n)s line(s)")),
    (re.compile(r"^Still waiting for mapping: (?P<needs>.+)$"),
     N_("Still waiting for mapping: %(needs)s")),
    (re.compile(r"^Amended: (?P<reason>.*)$"), N_("Amended: %(reason)s")),
    (re.compile(r"^Cancelled: (?P<reason>.*)$"), N_("Cancelled: %(reason)s")),
    (re.compile(r"^Configured with catalogue v(?P<version>\S+)$"),
     N_("Configured with catalogue v%(version)s")),
    (re.compile(r"^Rejected: (?P<reasons>.*)$"), N_("Rejected: %(reasons)s")),
    (re.compile(r"^Cannot be planned yet: (?P<reason>.*)$"),
     N_("Cannot be planned yet: %(reason)s")),
    (re.compile(r"^Scheduled at factory (?P<factory>\S+), (?P<start>\S+) → (?P<end>\S+)$"),
     N_("Scheduled at factory %(factory)s, %(start)s → %(end)s")),
    (re.compile(r"^no reason given$"), N_("no reason given")),
]


def sentence(text: str | None) -> str:
    """A service's sentence in the reader's language where its shape is known (the reasons
    and names inside it stay as written), as written otherwise."""
    for pattern, message in SENTENCES:
        found = pattern.match(text or "")
        if found:
            parts = {k: _(v) if v == "no reason given" else v
                     for k, v in found.groupdict().items()}
            return _(message, **parts) if parts else _(message)
    # a whole sentence a service wrote that is a text of the catalogue (a constant reason such
    # as scheduling's "held out of planning by a planner"): said; anything else as written
    return i18n.say(text) if text else ""


def with_local_times(text: str | None, zone_name: str | None = None, words=None) -> str:
    """A service's sentence in the reader's language with each ISO moment in it shown in the
    reader's zone (the orders service writes "Scheduled at factory f1,
    2026-12-05T06:00:00+00:00 → …") and each ISO day as the reader writes days (2026年12月9日).
    With the service's ``words`` (a template and its arguments, services/kit/words.py) they
    are said; the English ``text`` is only re-read for the shapes SENTENCES knows when a
    service sent none (from before words)."""
    said = say(words) if words is not None and words.template else sentence(text)
    said = _ISO_DAY.sub(lambda m: local_date(m.group(0)), said)
    return _ISO_MOMENT.sub(lambda m: local_time(m.group(0), zone_name), said)


def say(words) -> str:
    """Words a service wrote (``template``, ``args``) in the reader's language (i18n.say)."""
    return i18n.said_words(words)
