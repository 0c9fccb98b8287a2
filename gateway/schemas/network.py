"""Read shapes of the factory network: factories, machines, the schedule, shipments, KPIs."""

from __future__ import annotations

from typing import Annotated

import msgspec

from gateway.schemas.orders import WordsRead


class FactoryRead(msgspec.Struct):
    factory_id: str
    name: str
    capacity_share_percent: float
    grid_emission_factor_kg_per_kwh: float
    timezone: str
    active: bool
    latitude: float
    longitude: float


class MachineRead(msgspec.Struct):
    machine_id: str
    factory_id: str
    name: str
    machine_type: str
    rated_power_kw: float
    speed_factor: float
    state: str
    since: str | None
    available: bool
    reason: str  # why it is in its state, in English
    power_kw: float
    reason_said: Annotated[str, msgspec.Meta(description=(
        "reason in the reader's language (Accept-Language; English without it)"))] = ""
    reason_words: Annotated[WordsRead | None, msgspec.Meta(description=(
        "reason as words, for a client to say in its reader's language (none for a state "
        "recorded before words)"))] = None


class FactoryPage(msgspec.Struct):
    items: list[FactoryRead]
    next_cursor: str | None


class MachinePage(msgspec.Struct):
    items: list[MachineRead]
    next_cursor: str | None


class OeeRead(msgspec.Struct):
    scope: str
    day: str
    availability: float
    performance: float
    quality: float
    oee: float
    run_seconds: int
    planned_production_seconds: int


class EnergyBucketRead(msgspec.Struct):
    start: str
    kwh: float
    kg_co2e: float


class EnergyReportRead(msgspec.Struct):
    scope: str
    kwh: float
    kg_co2e: float
    buckets: list[EnergyBucketRead]


class BarRead(msgspec.Struct):
    operation_id: str
    order_id: str
    seq: int
    start_ms: int
    end_ms: int
    status: str
    risk: str
    frozen: bool
    label: Annotated[str, msgspec.Meta(description=(
        "what the operation does, in the reader's language (Accept-Language; English "
        "without it)"))]
    label_words: Annotated[WordsRead | None, msgspec.Meta(description=(
        "the label as words, for a client to say in its reader's language"))] = None


class WindowRead(msgspec.Struct):
    start_ms: int
    end_ms: int
    reason: str
    note: str = ""  # what a planned stop is for ("maintenance: ...")
    note_said: Annotated[str, msgspec.Meta(description=(
        "the note in the reader's language (Accept-Language; as written without it)"))] = ""


class LaneRead(msgspec.Struct):
    machine_id: str
    factory_id: str
    machine_type: str
    available: bool
    bars: list[BarRead]
    unavailable: list[WindowRead]


class ScheduleRead(msgspec.Struct):
    plan_id: str
    published_at: str | None
    now_ms: int
    lanes: list[LaneRead]
    factories: list[str] = []  # whose lanes these are, in id order
    next_cursor: str | None = None  # the next page of factories, when none was named


class ShipmentRead(msgspec.Struct):
    shipment_id: str
    order_id: str
    order_reference: str
    factory_id: str
    carrier: str
    tracking_number: str
    status: str
    eta: str | None
    late: bool
    at_risk: bool
    last_exception: str
    opened_at: str | None
    delivered_at: str | None
    destination_city: str


class ShipmentPage(msgspec.Struct):
    items: list[ShipmentRead]
    next_cursor: str | None


class StatusCount(msgspec.Struct):
    status: str
    count: int


class FactoryKpi(msgspec.Struct):
    factory_id: str
    name: str
    utilisation: float | None
    oee: float | None
    kwh: float | None
    kg_co2e: float | None
    orders_produced: int
    kg_co2e_per_order: float | None


class KpiRead(msgspec.Struct):
    """Network KPIs over the last `days` days (orders by when they were placed)."""

    days: int
    orders_placed: int
    orders_delivered: int
    on_time_rate: float | None
    lead_time_days_avg: float | None
    lead_time_days_p90: float | None
    pipeline: list[StatusCount]
    placed_per_day: list[StatusCount]
    factories: list[FactoryKpi]


class MachineStatusRead(msgspec.Struct):
    machine_id: str
    factory_id: str
    machine_type: str
    state: str
    since: str | None
    available: bool
    reason: str  # why it is in its state, in English
    power_kw: float
    current_amperes: float
    in_planned_stop: bool
    reason_said: Annotated[str, msgspec.Meta(description=(
        "reason in the reader's language (Accept-Language; English without it)"))] = ""
    reason_words: Annotated[WordsRead | None, msgspec.Meta(description=(
        "reason as words, for a client to say in its reader's language (none for a state "
        "recorded before words)"))] = None
