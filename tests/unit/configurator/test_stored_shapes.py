"""OrderConfiguration events stored before value objects (v1: plain JSON objects, Decimals as
text; data/order_configured_v1.json is one, as that code wrote it) and before typed resolved
options (v2: data/order_configured_v2.json) load as the same values today's code makes,
publish the same, and live on beside v3 events."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent

from services.configurator.application import ConfiguratorApplication, OrderRevision
from services.configurator.catalogue.options import OPTION_NAMES
from services.configurator.domain.order_configuration import OrderConfiguration, configuration_id
from services.configurator.domain.order_plan import LineRequest, OrderPlan, plan_order
from services.configurator.domain.plan_records import (
    ConfigurationResult,
    RejectionReason,
    ResolvedOptions,
    plan_lines,
    plan_result,
)
from services.configurator.published import to_integration

pytestmark = pytest.mark.unit

TOPIC = "services.configurator.domain.order_configuration:OrderConfiguration"
V1_CONFIGURED = json.loads((Path(__file__).parent / "data" / "order_configured_v1.json").read_text())
ORDER_ID = V1_CONFIGURED["order_id"]
WHEN = V1_CONFIGURED["timestamp"]


def stored(version: int, event: str, state: dict) -> StoredEvent:
    return StoredEvent(configuration_id(ORDER_ID), version, f"{TOPIC}.{event}",
                       json.dumps(state).encode())


def opened() -> StoredEvent:
    return stored(1, "Opened", {"timestamp": WHEN, "originator_topic": TOPIC, "order_id": ORDER_ID})


def app_with(*events: StoredEvent) -> ConfiguratorApplication:
    app = ConfiguratorApplication()
    app.ensure_seed_catalogue()
    app.recorder.insert_events(list(events))
    return app


def test_a_v1_configuration_loads_as_the_values_todays_plan_makes():
    app = app_with(opened(), stored(2, "Configured", V1_CONFIGURED))

    configuration = app.order_configuration(ORDER_ID)

    catalogue = app.catalogue(configuration.catalog_version)
    plan = plan_order(catalogue, ORDER_ID, list(configuration.requests))
    assert isinstance(plan, OrderPlan) and isinstance(configuration.result, ConfigurationResult)
    assert configuration.lines == tuple(plan_lines(plan))
    assert configuration.result == plan_result(catalogue, plan)
    assert configuration.result.routing[0].line_ids == ("1",)  # a tuple again, as it was made
    assert app.order_plan(configuration) is not None


def test_a_v1_configuration_publishes_what_it_published_before():
    app = app_with(opened(), stored(2, "Configured", V1_CONFIGURED))
    [event] = [e for e in app.events.get(configuration_id(ORDER_ID))
               if isinstance(e, OrderConfiguration.Configured)]

    name, body = to_integration(event)

    result = V1_CONFIGURED["result"]
    assert name == "order_configured"
    assert body.price.total.amount == result["price"]["total"]
    assert [line.quantity for line in body.price.lines] == [
        p["quantity"] for p in result["price"]["lines"]]
    assert [op.operation_id for op in body.routing] == [s["operation_id"] for s in result["routing"]]
    assert body.nesting.materials[0].thickness_mm == result["nesting"]["materials"][0]["thickness_mm"]
    assert body.lines[0].price.amount == V1_CONFIGURED["lines"][0]["price"]
    assert [p.package_id for p in body.packages] == [p["package_id"] for p in result["packages"]]


def test_a_v1_rejection_loads_as_values_and_a_new_configuration_follows_as_v2():
    rejected = {key: V1_CONFIGURED[key] for key in (
        "timestamp", "order_id", "revision", "catalog_version", "promised_date", "configured_at",
        "cause")} | {
        "lines": [{"line_id": "1", "product": "wardrobe", "quantity": 1,
                   "options": {"width_mm": 99999}}],
        "reasons": [{"line_id": "1", "parameter": "width_mm", "message": "too wide",
                     "suggestion": "send width_mm up to 3,000"}]}
    app = app_with(opened(), stored(2, "ConfigurationRejected", rejected))

    configuration = app.order_configuration(ORDER_ID)
    assert configuration.requests == (LineRequest("1", "wardrobe", 1, {"width_mm": 99999}),)
    assert configuration.reasons == (
        RejectionReason("1", "width_mm", "too wide", "send width_mm up to 3,000"),)

    amended = app.configure_revision(OrderRevision(
        ORDER_ID, 2, [LineRequest("1", "wardrobe", 1, V1_CONFIGURED["lines"][0]["options"])],
        "2026-12-20"), cause=str(uuid.uuid4()))
    assert amended is not None
    app.save(amended)
    [new] = app.recorder.select_events(amended.id, gt=2)
    state = json.loads(new.state)
    assert state["class_version"] == 3 and state["result"]["_type_"] == (
        "configurator.configuration_result")
    assert state["lines"][0]["_data_"]["resolved_options"]["_type_"] == (
        "configurator.resolved_options")
    again = app.order_configuration(ORDER_ID)
    assert again.result == amended.result and again.lines == amended.lines
    assert again.reasons == ()


V2_STORED = json.loads((Path(__file__).parent / "data" / "order_configured_v2.json").read_text())


def test_a_v2_configuration_loads_its_resolved_options_as_a_value():
    [_, configured] = V2_STORED
    assert configured["state"]["class_version"] == 2
    app = ConfiguratorApplication()
    app.ensure_seed_catalogue()
    app.recorder.insert_events([
        StoredEvent(uuid.UUID(e["originator_id"]), e["originator_version"], e["topic"],
                    json.dumps(e["state"]).encode()) for e in V2_STORED])
    configuration = app.order_configuration(configured["state"]["order_id"])

    [line] = configuration.lines
    assert line.resolved_options == ResolvedOptions(
        width_mm=1800, height_mm=2200, depth_mm=580, doors=2, shelves=2, drawers=2, dividers=2,
        board="particleboard-18", finish="melamine-white", door_style="sliding",
        handle="flush-pull")
    plan = plan_order(app.catalogue(configuration.catalog_version),
                      configuration.order_id, list(configuration.requests))
    assert isinstance(plan, OrderPlan) and configuration.lines == tuple(plan_lines(plan))
    [event] = [e for e in app.events.get(configuration.id)
               if isinstance(e, OrderConfiguration.Configured)]
    _, body = to_integration(event)
    assert dict(body.lines[0].options) == configured["state"]["lines"][0]["_data_"][
        "resolved_options"]


def test_resolved_options_name_every_option_the_catalogue_reads():
    assert set(ResolvedOptions.__dataclass_fields__) == set(OPTION_NAMES)
    assert ResolvedOptions.of({"width_mm": 900.0, "board": "mdf-18", "extra": 1}) == (
        ResolvedOptions(900, 0, 0, 0, 0, 0, 0, "mdf-18", "", "", ""))
