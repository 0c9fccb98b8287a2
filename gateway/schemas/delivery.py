"""HTTP shapes for delivery: the carrier webhook body and the public tracking view."""

from __future__ import annotations

from typing import Annotated

import msgspec

Text = Annotated[str, msgspec.Meta(max_length=500)]
Short = Annotated[str, msgspec.Meta(max_length=120)]
MAX_DELAY_MINUTES = 366 * 24 * 60  # a delay beyond a year is no delivery date at all


class CarrierLocation(msgspec.Struct, forbid_unknown_fields=True):
    city: Short = ""
    region: Short = ""
    country: Annotated[str, msgspec.Meta(max_length=2, description="ISO 3166-1 alpha-2")] = ""
    description: Short = ""


class CarrierEventBody(msgspec.Struct, forbid_unknown_fields=True):
    """One carrier event, signed with the carrier's secret (`carrier-<name>`)."""

    event_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128,
                                          description="the carrier's own event id; a repeat is "
                                                      "answered 200 with duplicate=true")]
    tracking_number: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    code: Annotated[str, msgspec.Meta(
        description="picked_up, in_transit, out_for_delivery, delivered, failed_attempt, "
                    "exception or returned")]
    event_time: Annotated[str, msgspec.Meta(
        description="when it happened, ISO 8601 with a zone, e.g. 2026-12-01T08:00:00Z")]
    location: CarrierLocation | None = None
    note: Text = ""
    delay_minutes: Annotated[int, msgspec.Meta(
        ge=0, le=MAX_DELAY_MINUTES,
        description="the delay the carrier announces; 0 = default for the code")] = 0


class CarrierEventAccepted(msgspec.Struct):
    duplicate: bool
    # False when older than the shipment's current state: kept in its history only.
    applied: bool
    status: str
    eta: str | None


class MilestoneRead(msgspec.Struct):
    kind: str
    label: str
    reached: bool
    reached_at: str | None
    city: str


class TrackingRead(msgspec.Struct):
    """The public tracking view: no name, street address, phone or email."""

    order_reference: str
    status: str
    status_text: str
    milestones: list[MilestoneRead]
    eta: str | None
    eta_date: str | None
    late: bool
    at_risk: bool
    carrier: str
    tracking_number: str
    destination_city: str
    items: list[str]
    promised_date: str | None
    updated_at: str | None
    # The customer's clock: every time above is shown in it on the page (IANA name).
    destination_time_zone: str = "Asia/Shanghai"
    # The carrier's name in the reader's language ("德邦快递" for `deppon`); its code when it
    # has none.
    carrier_name: str = ""
