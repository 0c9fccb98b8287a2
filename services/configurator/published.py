"""The configurator's domain events → the integration events others read on JetStream."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from dovetail.configurator.v1 import configurator_events_pb2 as events
from services.configurator import wire
from services.configurator.domain.board_stock import FactoryStock
from services.configurator.domain.catalogue_versions import CatalogueVersion
from services.configurator.domain.order_configuration import OrderConfiguration


def to_integration(event: Any) -> tuple[str, Message] | None:
    """(subject event name, body) for events others need; None for internal ones."""
    if isinstance(event, OrderConfiguration.Configured):
        return "order_configured", _configured(event)
    if isinstance(event, OrderConfiguration.ConfigurationRejected):
        return "configuration_rejected", events.ConfigurationRejected(
            order_id=event.order_id,
            catalog_version=event.catalog_version, order_version=event.revision,
            rejected_at=wire.timestamp(event.configured_at),
            reasons=[wire.reason_to_pb(r) for r in event.reasons])
    if isinstance(event, CatalogueVersion.Published):
        return "catalog_version_published", events.CatalogVersionPublished(
            catalog_version=event.version, previous_version=event.previous_version,
            published_at=wire.timestamp(event.timestamp), published_by=event.published_by,
            note=event.note, product_codes=event.product_codes)
    if isinstance(event, FactoryStock.BatchNested | FactoryStock.BatchWaitsChanged):
        return "board_batch_planned", _batch_planned(event)
    return None


def _batch_planned(event: Any) -> events.BoardBatchPlanned:
    """A cutting batch nested against a factory's stock, or its waits changed by stock, with
    the boards each of its orders' saw work waits for (issue 20): what scheduling needs to start
    that work no earlier than the boards, order by order, revision by revision."""
    summary = event.summary
    return events.BoardBatchPlanned(
        factory_id=event.factory_id,
        batch=summary.batch, order_ids=list(summary.orders),
        nested_at=wire.timestamp(summary.nested_at), new_boards=summary.new_boards,
        waits=[events.BoardWait(material=w.kind.material, thickness_mm=w.kind.thickness_mm,
                                decor=w.kind.decor, length_mm=w.kind.length_mm,
                                width_mm=w.kind.width_mm, short=w.short, until_date=w.until,
                                order_ids=list(w.orders) or list(summary.orders))
               for w in summary.waits],
        revision=summary.revision)


def _configured(event: OrderConfiguration.Configured) -> events.OrderConfigured:
    result = event.result
    return events.OrderConfigured(
        order_id=event.order_id, catalog_version=event.catalog_version, order_version=event.revision,
        configured_at=wire.timestamp(event.configured_at),
        promised_date=wire.date_to_pb(event.promised_date),
        lines=[wire.line_summary_to_pb(line, result.price.currency) for line in event.lines],
        routing=[wire.routing_to_pb(step) for step in result.routing],
        price=wire.order_price_to_pb(result.price),
        nesting=wire.nesting_summary_to_pb(result.nesting),
        packages=[wire.package_to_pb(p) for p in result.packages],
        total_weight_kg=result.weight_kg, total_volume_m3=result.volume_m3)
