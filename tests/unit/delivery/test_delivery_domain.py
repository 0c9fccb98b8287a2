"""Shipments, carrier rules and ETA as pure domain: no I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services.delivery.domain import identity
from services.delivery.domain.carriers import DEFAULT_RULES, CarrierBook, CarrierRule
from services.delivery.domain.errors import NoCarrier
from services.delivery.domain.eta import MIN_OBSERVATIONS, LaneStats, outlook, transit
from services.delivery.domain.opening import open_shipment
from services.delivery.domain.order_facts import OrderFacts
from services.delivery.domain.reports import parse_report
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

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
GUANGZHOU = Destination(city="Guangzhou", region="Guangdong", country="CN",
                        line1="88 Tianhe Road", postal_code="510000")
PARCELS = [Package("p1", "4 panels", 22.0, 1200, 600, 80, 0.06),
           Package("p2", "hardware", 3.0, 400, 300, 150, 0.02)]


def facts(packages=PARCELS, destination=GUANGZHOU, promised="2026-12-20") -> OrderFacts:
    f = OrderFacts(order_id=str(uuid.uuid4()))
    f.record_placed((T0 - timedelta(days=10)).isoformat(), "SHOP-1", destination,
                    ["Wardrobe x 1"], promised)
    f.record_configured(1, packages, "")
    f.record_scheduled("f1", (T0 - timedelta(hours=1)).isoformat())
    f.record_produced("f1", T0.isoformat(), "")
    return f


def shipment(**kwargs):
    f = facts(**kwargs)
    rule = CarrierBook().choose(f.destination, f.packages)
    return open_shipment(f, rule, None, identity.new_token(), T0).shipment


def report(code: str, at: datetime, event_id: str | None = None, **kw) -> CarrierReport:
    return CarrierReport(event_id or f"ev-{code}-{at.timestamp()}", CarrierEventCode(code), at,
                         **kw)


# --- carrier rules -------------------------------------------------------------------

def test_parcels_go_by_express_and_long_heavy_flat_packs_by_freight():
    book = CarrierBook()
    dest = GUANGZHOU
    assert book.choose(dest, PARCELS).carrier == "sf-express"
    wardrobe = [Package(weight_kg=28, length_mm=2440, width_mm=620, height_mm=120)] * 5
    assert book.choose(dest, wardrobe).carrier == "deppon"
    assert book.choose(dest, []).carrier == "deppon"  # sizes unknown: bulky carrier only
    abroad = Destination(city="Hamburg", region="Hamburg", country="DE")
    assert book.choose(abroad, wardrobe).carrier == "global-freight"


def test_rules_are_data_and_a_gap_in_them_is_named():
    only_express = CarrierBook((CarrierRule.from_dict(
        {"carrier": "x", "prefix": "X", "countries": ["CN"], "max_total_kg": 10}),))
    with pytest.raises(NoCarrier):
        only_express.choose(Destination(country="CN"), [Package(weight_kg=50, length_mm=10)])


# --- opening -------------------------------------------------------------------------

def test_a_shipment_opens_only_once_the_order_is_placed_configured_and_produced():
    f = OrderFacts(order_id=str(uuid.uuid4()))
    f.record_produced("f1", T0.isoformat(), "")
    assert not f.ready_to_ship
    f.record_configured(1, PARCELS, "")
    assert not f.ready_to_ship
    f.record_placed(T0.isoformat(), "SHOP-1", GUANGZHOU, ["Desk x 1"], "2026-12-20")
    assert f.ready_to_ship


def test_an_opened_shipment_has_carrier_pickup_eta_and_an_unguessable_token():
    s = shipment()
    assert s.carrier == "sf-express" and s.tracking_number.startswith("SF")
    assert s.status is ShipmentStatus.AWAITING_PICKUP
    pickup = datetime.fromisoformat(s.planned_pickup)
    assert pickup == T0 + timedelta(hours=2)  # produced after the planned end: from produced
    assert datetime.fromisoformat(s.eta) == pickup + timedelta(hours=24)  # Guangdong default
    assert len(s.tracking_token) >= 43 and identity.tracking_link_id(s.tracking_token)
    assert not s.late and not s.at_risk
    assert shipment().tracking_token != s.tracking_token


def test_the_eta_uses_the_learnt_lane_once_it_has_enough_deliveries():
    rule = DEFAULT_RULES[0]
    lane = LaneStats()
    for _ in range(MIN_OBSERVATIONS - 1):
        lane = lane.observe(10 * 3600)
    assert transit(rule, "Guangdong", lane).learnt is False
    lane = lane.observe(10 * 3600)
    learnt = transit(rule, "Guangdong", lane)
    assert learnt.learnt and learnt.duration == timedelta(hours=10)


def test_late_and_at_risk_against_the_promised_day():
    promised = date(2026, 12, 20)
    assert outlook(datetime(2026, 12, 21, 1, tzinfo=UTC), promised, False).late
    close = outlook(datetime(2026, 12, 20, 12, tzinfo=UTC), promised, False)
    assert not close.late and close.at_risk
    early = outlook(datetime(2026, 12, 10, tzinfo=UTC), promised, False)
    assert not early.late and not early.at_risk
    assert outlook(datetime(2026, 12, 10, tzinfo=UTC), promised, True).at_risk


# --- carrier events ------------------------------------------------------------------

def test_a_journey_moves_the_status_milestones_and_eta():
    s = shipment()
    s.record_carrier_event(report("picked_up", T0 + timedelta(hours=3)), T0)
    assert s.status is ShipmentStatus.PICKED_UP
    assert datetime.fromisoformat(s.eta) == T0 + timedelta(hours=27)
    s.record_carrier_event(report("in_transit", T0 + timedelta(hours=5)), T0)
    s.record_carrier_event(report("out_for_delivery", T0 + timedelta(hours=20)), T0)
    s.record_carrier_event(report("delivered", T0 + timedelta(hours=22)), T0)
    assert s.status is ShipmentStatus.DELIVERED and not s.late
    reached = {m.kind for m in s.milestone_views() if m.reached_at}
    assert reached == {k for k in MilestoneKind if k is not MilestoneKind.RETURNED}
    assert s.delivered_transit_seconds == 19 * 3600


def test_a_repeated_carrier_event_id_is_a_duplicate_and_changes_nothing():
    s = shipment()
    first = s.record_carrier_event(report("picked_up", T0, "E1"), T0)
    pending = len(s.collect_events())
    again = s.record_carrier_event(report("in_transit", T0 + timedelta(hours=1), "E1"), T0)
    assert not first.duplicate and again.duplicate and again.applied
    assert pending > 0 and s.collect_events() == []
    assert s.status is ShipmentStatus.PICKED_UP


def test_a_late_in_transit_never_overrides_delivered():
    s = shipment()
    s.record_carrier_event(report("delivered", T0 + timedelta(hours=30)), T0)
    late = s.record_carrier_event(report("in_transit", T0 + timedelta(hours=31)), T0)
    assert not late.applied and s.status is ShipmentStatus.DELIVERED
    assert [e.applied for e in s.carrier_events] == [True, False]


def test_an_older_event_arriving_late_is_kept_but_does_not_move_the_status():
    s = shipment()
    s.record_carrier_event(report("out_for_delivery", T0 + timedelta(hours=20)), T0)
    older = s.record_carrier_event(report("in_transit", T0 + timedelta(hours=10)), T0)
    assert not older.applied and s.status is ShipmentStatus.OUT_FOR_DELIVERY
    in_transit = next(m for m in s.milestone_views() if m.kind is MilestoneKind.IN_TRANSIT)
    assert in_transit.reached_at == T0 + timedelta(hours=10)  # it did happen, then


def test_delivery_wins_over_an_earlier_stamped_movement_and_ends_the_journey():
    s = shipment()
    s.record_carrier_event(report("out_for_delivery", T0 + timedelta(hours=20)), T0)
    skewed = s.record_carrier_event(report("delivered", T0 + timedelta(hours=19)), T0)
    assert skewed.applied and s.status is ShipmentStatus.DELIVERED
    assert not s.record_carrier_event(report("returned", T0 + timedelta(hours=40)), T0).applied


def test_exceptions_move_the_eta_and_flag_the_shipment_at_risk():
    s = shipment()
    s.record_carrier_event(report("picked_up", T0), T0)
    before = datetime.fromisoformat(s.eta)
    s.collect_events()
    s.record_carrier_event(report("exception", T0 + timedelta(hours=4), note="hub flooded",
                                  delay_minutes=48 * 60), T0)
    assert datetime.fromisoformat(s.eta) == before + timedelta(hours=48)
    assert s.at_risk and s.last_exception == "hub flooded"
    names = [type(e).__name__ for e in s.collect_events()]
    assert names == ["CarrierEventRecorded", "ExceptionReported", "EtaChanged"]
    s.record_carrier_event(report("in_transit", T0 + timedelta(hours=30)), T0)
    assert s.status is ShipmentStatus.IN_TRANSIT and not s.exception_open


def test_an_eta_past_the_promised_day_is_late():
    s = shipment(promised="2026-12-02")
    s.record_carrier_event(report("failed_attempt", T0 + timedelta(hours=26)), T0)
    assert s.late and datetime.fromisoformat(s.eta) == T0 + timedelta(hours=50)


def test_the_public_view_has_the_city_but_no_street_or_token():
    view = shipment().tracking_view()
    assert view.destination_city == "Guangzhou"
    text = repr(view)
    assert "Tianhe" not in text and "510000" not in text


# --- bad reports ---------------------------------------------------------------------

@pytest.mark.parametrize("change, field", [
    ({"carrier_event_id": ""}, "carrier_event_id"),
    ({"carrier_event_id": "has spaces"}, "carrier_event_id"),
    ({"code": None}, "code"),
    ({"event_time": None}, "event_time"),
    ({"event_time": datetime(2026, 12, 1, 8)}, "event_time"),
    ({"event_time": T0 + timedelta(hours=2)}, "event_time"),
    ({"note": "x" * 501}, "note"),
    ({"delay_minutes": -1}, "delay_minutes"),
])
def test_bad_reports_name_the_field(change, field):
    args = dict(carrier_event_id="E-1", code=CarrierEventCode.PICKED_UP, event_time=T0,
                place=Place(), note="", delay_minutes=0, now=T0)
    args.update(change)
    v = Violations()
    assert parse_report(v, **args) is None
    assert field in [x.field for x in v.items]


def test_tokens_lead_to_an_index_only_when_well_formed():
    token = identity.new_token()
    assert identity.tracking_link_id(token) == identity.link_id(identity.token_digest(token))
    assert identity.tracking_link_id("../../etc/passwd") is None
    assert identity.tracking_link_id(token[:-1]) is None


def test_a_milestone_takes_the_earliest_report_of_it():
    s = shipment()
    s.record_carrier_event(report("in_transit", T0 + timedelta(hours=6)), T0)
    s.record_carrier_event(report("in_transit", T0 + timedelta(hours=4)), T0)
    s.record_carrier_event(report("in_transit", T0 + timedelta(hours=5)), T0)
    in_transit = next(m for m in s.milestone_views() if m.kind is MilestoneKind.IN_TRANSIT)
    assert in_transit.reached_at == T0 + timedelta(hours=4)
    assert s.status is ShipmentStatus.IN_TRANSIT
