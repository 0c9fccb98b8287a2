"""The configurator's gRPC API as designers, channels and admins meet it."""

from __future__ import annotations

import statistics
import time

import grpc
import pytest
from google.protobuf import struct_pb2

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_events_pb2 as events
from dovetail.configurator.v1 import configurator_service_pb2 as pb
from services.configurator.catalogue import seed_catalogue
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, stream_envelopes
from tests.integration.configurator.conftest import DESIGNER_KEY
from tests.integration.conftest import CHANNEL_KEY, FACTORY_KEY, auth
from tests.integration.test_orders_service import violations

pytestmark = pytest.mark.integration

WARDROBE = {"width_mm": 2000, "height_mm": 2400, "depth_mm": 600,
            "board": "particleboard-18", "finish": "melamine-white", "doors": 2}


def options(values: dict) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(values)
    return out


async def test_any_caller_reads_the_seed_products_with_their_parameters(configurator):
    listed = await configurator.ListProducts(pb.ListProductsRequest(), metadata=auth(FACTORY_KEY))
    codes = {p.code for p in listed.products}
    assert {"wardrobe", "base_cabinet", "wall_cabinet", "tall_cabinet", "bookcase", "tv_unit",
            "desk"} <= codes
    got = await configurator.GetProduct(pb.GetProductRequest(code="wardrobe"),
                                        metadata=auth(CHANNEL_KEY))
    width = next(p for p in got.product.parameters if p.name == "width_mm")
    assert (width.min, width.max, width.step, width.unit) == (600, 2800, 10, "mm")
    board = next(p for p in got.product.parameters if p.name == "board")
    assert "particleboard-18" in {c.value for c in board.choices}
    assert any(r.rule_id.endswith("shelf_span") for r in got.product.rules)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await configurator.GetProduct(pb.GetProductRequest(code="sofa"), metadata=auth(CHANNEL_KEY))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_designer_configures_the_two_door_wardrobe_what_if(configurator):
    reply = await configurator.Configure(
        pb.ConfigureRequest(product="wardrobe", options=options(WARDROBE), include_board_svg=True),
        metadata=auth(DESIGNER_KEY))
    assert reply.WhichOneof("outcome") == "spec"
    spec = reply.spec
    assert reply.catalog_version >= 1 and spec.quantity == 1
    names = {p.name for p in spec.panels}
    assert {"side", "top", "bottom", "door", "shelf", "back"} <= names
    side = next(p for p in spec.panels if p.name == "side")
    assert side.quantity == 2 and side.thickness_mm == 18
    machines = [op.machine_type for op in spec.routing]
    assert machines[0] == types_pb2.MACHINE_TYPE_PANEL_SAW
    assert types_pb2.MACHINE_TYPE_EDGE_BANDER in machines
    assert machines[-1] == types_pb2.MACHINE_TYPE_PACKING
    assert all(op.duration_seconds > 0 and op.operation_id for op in spec.routing)
    edge = next(op for op in spec.routing if op.machine_type == types_pb2.MACHINE_TYPE_EDGE_BANDER)
    assert edge.setup_family == "edge_band" and edge.setup_key and edge.setup_seconds > 0
    total = float(spec.price.total.amount)
    assert total > 0 and spec.price.total.currency == "CNY"
    assert abs(sum(float(line.amount.amount) for line in spec.price.lines) - total) < 0.01
    assert spec.nesting.boards_used == len(spec.nesting.boards) > 0
    assert spec.nesting.boards[0].svg.startswith("<svg")
    assert spec.packages and all(p.weight_kg > 0 for p in spec.packages)


async def test_three_wardrobes_cost_three_times_one(configurator):
    one = await configurator.Configure(pb.ConfigureRequest(product="wardrobe", options=options(
        WARDROBE)), metadata=auth(DESIGNER_KEY))
    three = await configurator.Configure(pb.ConfigureRequest(product="wardrobe", quantity=3,
                                                             options=options(WARDROBE)),
                                         metadata=auth(DESIGNER_KEY))
    assert float(three.spec.price.total.amount) == pytest.approx(
        3 * float(one.spec.price.total.amount))
    assert three.spec.nesting.boards_used > one.spec.nesting.boards_used
    assert len(three.spec.packages) == 3 * len(one.spec.packages)


async def test_an_impossible_wardrobe_answers_reasons_that_say_how_to_fix_it(configurator):
    reply = await configurator.Configure(
        pb.ConfigureRequest(product="wardrobe", options=options(WARDROBE | {"dividers": 0})),
        metadata=auth(CHANNEL_KEY))
    assert reply.WhichOneof("outcome") == "rejection"
    reason = reply.rejection.reasons[0]
    assert reason.parameter == "dividers"
    assert "shelf span" in reason.message and "800 mm" in reason.message
    assert "divider" in reason.suggestion


async def test_a_malformed_configure_request_is_invalid_and_a_factory_may_not_configure(
        configurator):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await configurator.Configure(pb.ConfigureRequest(product="", quantity=-1),
                                     metadata=auth(DESIGNER_KEY))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(caught.value)) == {"product", "quantity"}
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await configurator.Configure(pb.ConfigureRequest(product="wardrobe"),
                                     metadata=auth(FACTORY_KEY))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await configurator.Configure(pb.ConfigureRequest(product="wardrobe", catalog_version=999),
                                     metadata=auth(DESIGNER_KEY))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def catalogue_document(**changes) -> struct_pb2.Struct:
    document = seed_catalogue().to_dict() | changes
    out = struct_pb2.Struct()
    out.update(document)
    return out


async def test_only_an_admin_publishes_a_valid_catalogue_version(configurator, settings):
    latest = (await configurator.ListProducts(pb.ListProductsRequest(),
                                              metadata=auth(CHANNEL_KEY))).catalog_version
    pricing = seed_catalogue().to_dict()["pricing"] | {"margin_percent": "40"}
    request = pb.PublishCatalogVersionRequest(catalog=catalogue_document(pricing=pricing),
                                              expected_latest_version=latest, note="margin 40 %")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await configurator.PublishCatalogVersion(request, metadata=auth(CHANNEL_KEY))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED

    bad = seed_catalogue().to_dict()
    bad["products"]["wardrobe"]["rules"].append({"kind": "levitation", "params": {}, "when": {}})
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await configurator.PublishCatalogVersion(pb.PublishCatalogVersionRequest(
            catalog=catalogue_document(products=bad["products"])), metadata=auth(TEST_ADMIN_KEY))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "levitation" in violations(caught.value)["catalog.products.wardrobe.rules"]

    published = await configurator.PublishCatalogVersion(request, metadata=auth(TEST_ADMIN_KEY))
    assert published.catalog_version == latest + 1 and "wardrobe" in published.product_codes
    with pytest.raises(grpc.aio.AioRpcError) as caught:  # edited from a stale version
        await configurator.PublishCatalogVersion(request, metadata=auth(TEST_ADMIN_KEY))
    assert caught.value.code() == grpc.StatusCode.ABORTED

    old = await configurator.Configure(pb.ConfigureRequest(
        product="wardrobe", options=options(WARDROBE), catalog_version=latest),
        metadata=auth(DESIGNER_KEY))
    new = await configurator.Configure(pb.ConfigureRequest(
        product="wardrobe", options=options(WARDROBE)), metadata=auth(DESIGNER_KEY))
    assert new.catalog_version == published.catalog_version
    assert float(new.spec.price.total.amount) > float(old.spec.price.total.amount)

    async def announced():
        found = []
        for _, envelope in await stream_envelopes(
                settings.nats_url, "configurator", "dovetail.configurator.catalog_version_published"):
            body = events.CatalogVersionPublished()
            envelope.body.Unpack(body)
            if body.catalog_version == published.catalog_version:
                found.append(body)
        return found

    found = await eventually(announced)
    assert len(found) == 1 and found[0].published_by == "admin"


async def test_configure_latency_in_the_service(configurator):
    request = pb.ConfigureRequest(product="wardrobe", options=options(WARDROBE))
    samples = []
    for _ in range(40):
        started = time.perf_counter()
        await configurator.Configure(request, metadata=auth(DESIGNER_KEY))
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p50, p95 = statistics.median(samples), samples[int(len(samples) * 0.95) - 1]
    print(f"\nConfigure RPC over loopback: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    assert p50 < 100
