"""Wire (protobuf) ↔ domain for the delivery service."""

from __future__ import annotations

from datetime import UTC, date, datetime

from google.protobuf import timestamp_pb2

from dovetail.common.v1 import types_pb2
from dovetail.delivery.v1 import delivery_service_pb2 as pb
from services.delivery.domain.reports import parse_report, validate_carrier
from services.delivery.domain.shipment import MilestoneView, Shipment, TrackingView
from services.delivery.domain.values import (
    CarrierEventCode,
    CarrierReport,
    Destination,
    MilestoneKind,
    Package,
    Place,
    ShipmentStatus,
)
from services.kit.errors import Violations


def status_to_pb(status: ShipmentStatus | str) -> int:
    return pb.ShipmentStatus.Value(f"SHIPMENT_STATUS_{ShipmentStatus(status).value}")


def status_from_pb(value: int) -> ShipmentStatus:
    return ShipmentStatus(pb.ShipmentStatus.Name(value).removeprefix("SHIPMENT_STATUS_"))


def code_to_pb(code: CarrierEventCode | str) -> int:
    return pb.CarrierEventCode.Value(f"CARRIER_EVENT_CODE_{CarrierEventCode(code).value.upper()}")


def code_from_pb(value: int) -> CarrierEventCode | None:
    if value == pb.CARRIER_EVENT_CODE_UNSPECIFIED or value not in pb.CarrierEventCode.values():
        return None
    return CarrierEventCode(pb.CarrierEventCode.Name(value).removeprefix(
        "CARRIER_EVENT_CODE_").lower())


def milestone_to_pb(kind: MilestoneKind) -> int:
    return pb.MilestoneKind.Value(f"MILESTONE_KIND_{kind.value}")


def timestamp(value: datetime | str | None) -> timestamp_pb2.Timestamp | None:
    if not value:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    return ts


def date_to_pb(value: date | str | None) -> types_pb2.Date | None:
    if not value:
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return types_pb2.Date(year=value.year, month=value.month, day=value.day)


def place_to_pb(place: Place) -> pb.CarrierLocation:
    return pb.CarrierLocation(city=place.city, region=place.region, country=place.country,
                              description=place.description)


def place_from_pb(location: pb.CarrierLocation) -> Place:
    return Place(city=location.city.strip(), region=location.region.strip(),
                 country=location.country.strip().upper(),
                 description=location.description.strip())


def package_to_pb(p: Package) -> pb.Package:
    return pb.Package(package_id=p.package_id, description=p.description,
                      weight_kg=p.weight_kg, length_mm=p.length_mm, width_mm=p.width_mm,
                      height_mm=p.height_mm, volume_m3=p.volume_m3)


def destination_from_pb(a: types_pb2.Address) -> Destination:
    return Destination(city=a.city, region=a.region, country=a.country, line1=a.line1,
                       line2=a.line2, postal_code=a.postal_code)


def package_from_pb(p) -> Package:
    return Package(package_id=p.package_id, description=p.description, weight_kg=p.weight_kg,
                   length_mm=p.length_mm, width_mm=p.width_mm, height_mm=p.height_mm,
                   volume_m3=p.volume_m3)


def milestone_pb(view: MilestoneView) -> pb.Milestone:
    return pb.Milestone(kind=milestone_to_pb(view.kind), reached_at=timestamp(view.reached_at),
                        location=place_to_pb(view.place))


def shipment_to_pb(s: Shipment, *, staff: bool = True) -> pb.Shipment:
    """The full shipment; `staff=False` leaves out the street address and the token."""
    d = s.destination
    destination = types_pb2.Address(city=d.city, region=d.region, country=d.country)
    if staff:
        destination.MergeFrom(types_pb2.Address(line1=d.line1, line2=d.line2,
                                                postal_code=d.postal_code))
    return pb.Shipment(
        shipment_id=str(s.id), order_id=s.order_id, factory_id=s.factory_id, carrier=s.carrier,
        tracking_number=s.tracking_number, status=status_to_pb(s.status),
        packages=[package_to_pb(p) for p in s.packages], destination=destination,
        planned_pickup=timestamp(s.planned_pickup), eta=timestamp(s.eta),
        promised_date=date_to_pb(s.promised_date), late=s.late, at_risk=s.at_risk,
        milestones=[milestone_pb(m) for m in s.milestone_views()],
        events=[pb.CarrierEvent(carrier_event_id=e.carrier_event_id, code=code_to_pb(e.code),
                                event_time=timestamp(e.event_time),
                                recorded_at=timestamp(e.recorded_at),
                                location=place_to_pb(e.place), note=e.note, applied=e.applied)
                for e in sorted(s.carrier_events, key=lambda e: e.event_time)],
        last_exception=s.last_exception, opened_at=timestamp(s.opened_at),
        delivered_at=timestamp(s.delivered_at),
        tracking_token=s.tracking_token if staff else "", version=s.version,
        order_reference=s.order_reference, items=s.items)


def tracking_to_pb(view: TrackingView) -> pb.TrackingView:
    eta = view.eta
    return pb.TrackingView(
        order_reference=view.order_reference, status=status_to_pb(view.status),
        milestones=[milestone_pb(m) for m in view.milestones], eta=timestamp(eta),
        eta_date=date_to_pb(eta.date() if eta else None), late=view.late,
        carrier=view.carrier, tracking_number=view.tracking_number,
        destination_city=view.destination_city, items=list(view.items),
        updated_at=timestamp(view.updated_at), at_risk=view.at_risk,
        promised_date=date_to_pb(view.promised_date),
        destination_time_zone=view.destination_time_zone, order_id=view.order_id)


def report_from_pb(request: pb.RecordCarrierEventRequest, now: datetime) -> CarrierReport:
    """Validate a carrier event request; raise InvalidArgument naming every bad field."""
    v = Violations()
    validate_carrier(v, request.carrier, request.tracking_number)
    report = parse_report(
        v, carrier_event_id=request.carrier_event_id, code=code_from_pb(request.code),
        event_time=request.event_time.ToDatetime(tzinfo=UTC)
        if request.HasField("event_time") else None,
        place=place_from_pb(request.location), note=request.note,
        delay_minutes=request.delay_minutes, now=now)
    v.raise_if_any()
    assert report is not None
    return report
