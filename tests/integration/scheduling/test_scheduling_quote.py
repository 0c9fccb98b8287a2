"""Quoting wardrobes on a two-shift factory (08:00-12:00, 13:00-17:30, Asia/Shanghai), through
gRPC and through the designer REST quote: four wardrobes are made whole, five in parts (no
shift holds five hours of assembly), and what no factory can make is refused with its reason."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import grpc
import httpx
import pytest
import uvicorn
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from dovetail.iot.v1 import iot_events_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway.app import create_app
from infra.servers import free_port
from services.configurator.application import ConfiguratorApplication
from services.configurator.main import build as build_configurator
from services.kit import runtime
from tests.helpers import eventually
from tests.integration.scheduling.conftest import (
    DESIGNER_KEY,
    SUFFIX,
    auth,
    publish,
    retire,
    type_pb,
)

pytestmark = pytest.mark.integration
WORKS = f"QW-{SUFFIX}"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MACHINES = (("panel_saw", 1.1), ("edge_bander", 1.1), ("cnc_router", 1.1), ("cnc_drill", 1.1),
            ("sander", 1.0), ("assembly", 1.0), ("assembly", 0.9), ("packing", 1.0))
STEPS = ("panel_saw", "edge_bander", "cnc_router", "cnc_drill", "assembly", "packing")
# Wardrobes 2000 x 2400 x 600 as the seed catalogue routes them: minutes for the whole order.
WARDROBES = {4: (116, 27, 15, 48, 240, 43), 5: (143, 32, 18, 60, 300, 53)}
DESIGN = {"product": "wardrobe", "options": {"width_mm": 2000, "height_mm": 2400, "depth_mm": 600}}


def calendar(version: int, active: bool) -> iot_pb.Factory:
    shifts = [iot_pb.WeeklyShift(weekday=day, start_minute=start, end_minute=end)
              for day in range(1, 7) for start, end in ((480, 720), (780, 1050))]
    return iot_pb.Factory(factory_id=WORKS, name="Quote test works", capacity_share_percent=80,
                          shift_calendar=iot_pb.ShiftCalendar(weekly_shifts=shifts),
                          timezone="Asia/Shanghai", active=active, version=version)


@pytest.fixture(scope="module")
async def works(scheduling, settings):
    await publish(settings, "iot", "factory_registered", WORKS,
                  iot.FactoryRegistered(factory=calendar(1, True)))
    for i, (kind, speed) in enumerate(MACHINES):
        await publish(settings, "iot", "machine_registered", f"{WORKS}-{i}", iot.MachineRegistered(
            machine=iot_pb.Machine(machine_id=f"{WORKS}-{i}", factory_id=WORKS,
                                   machine_type=type_pb(kind), speed_factor=speed, active=True,
                                   version=1)))
    state = scheduling.runtime.state

    async def registered():
        return sum(m.factory_id == WORKS for m in state.machines.values()) == len(MACHINES)

    await eventually(registered)
    yield WORKS
    # Later tests' scheduling services replay the iot stream: they must not plan onto it.
    await retire(scheduling, settings, calendar(2, False))


def ask(units: int, *extra: tuple[str, int]) -> pb.QuoteRequest:
    steps = list(zip(STEPS, WARDROBES[units], strict=True)) + list(extra)
    return pb.QuoteRequest(quantity=units, eligible_factory_ids=[WORKS], operations=[
        pb.OperationSpec(seq=i + 1, machine_type=type_pb(kind), duration_seconds=minutes * 60)
        for i, (kind, minutes) in enumerate(steps)])


def local_day(stamp) -> str:
    return datetime.fromtimestamp(stamp.seconds, SHANGHAI).date().isoformat()


def day(d) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


async def test_four_wardrobes_are_promised_whole_in_the_factorys_zone(scheduling, works):
    q = await scheduling.stub.Quote(ask(4), metadata=auth(DESIGNER_KEY))
    assert [(p.units, p.factory_id) for p in q.parts] == [(4, works)] and q.factory_id == works
    assert q.time_zone == "Asia/Shanghai" and "Asia/Shanghai" in q.explanation
    assert day(q.earliest_completion_date) == local_day(q.earliest_completion)
    assert not q.beyond_horizon


async def test_five_wardrobes_are_promised_in_parts_not_refused(scheduling, works):
    q = await scheduling.stub.Quote(ask(5), metadata=auth(DESIGNER_KEY))
    assert sorted(p.units for p in q.parts) == [2, 3] and {p.factory_id for p in q.parts} == {works}
    assert q.earliest_completion == max((p.completion for p in q.parts), key=lambda t: t.seconds)
    assert all(day(p.completion_date) == local_day(p.completion) for p in q.parts)
    assert "in 2 parts" in q.explanation and "3 units at" in q.explanation


async def test_what_no_factory_can_make_is_refused_with_its_reason(scheduling, works):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await scheduling.stub.Quote(ask(4, ("paint_line", 45)), metadata=auth(DESIGNER_KEY))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info, failure = details(refused.value)
    assert (info.reason, info.domain) == ("MISSING_MACHINE_TYPE", "scheduling.dovetail")
    assert info.metadata["machine_type"] == "paint_line"
    assert failure.violations[0].type == "MISSING_MACHINE_TYPE"
    assert "paint line" in failure.violations[0].description  # as people call it


async def test_a_piece_longer_than_any_shift_is_refused_with_the_figures(scheduling, works):
    request = pb.QuoteRequest(eligible_factory_ids=[works], operations=[pb.OperationSpec(
        seq=1, machine_type=type_pb("assembly"), duration_seconds=6 * 3600)])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await scheduling.stub.Quote(request, metadata=auth(DESIGNER_KEY))
    info, failure = details(refused.value)
    assert info.reason == "OPERATION_TOO_LONG" and info.metadata["longest_stretch_minutes"] == "270"
    assert failure.violations[0].subject == f"{works}/assembly"


def details(error: grpc.aio.AioRpcError):
    info, failure = error_details_pb2.ErrorInfo(), error_details_pb2.PreconditionFailure()
    found = rpc_status.from_call(error).details
    assert any(d.Unpack(info) for d in found) and any(d.Unpack(failure) for d in found)
    return info, failure


# --- the designer REST quote: configurator → scheduling, through the gateway ---------------------

@pytest.fixture(scope="module")
async def designer_site(settings, scheduling, works, orders_service):
    """A configurator that only answers what-ifs (its consumers would configure other tests'
    orders), and a gateway in front of it and the scheduling service."""
    configurator = await runtime.start(
        "configurator", settings, ConfiguratorApplication,
        lambda rt: replace(build_configurator(rt), consumers=[]), port=0)
    app = create_app(settings, {"orders": f"127.0.0.1:{orders_service.port}",
                                "configurator": f"127.0.0.1:{configurator.port}",
                                "scheduling": f"127.0.0.1:{scheduling.port}"})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                 headers={"Authorization": f"Bearer {DESIGNER_KEY}"}) as client:
        yield client
    server.should_exit = True
    await task
    configurator.stop.set()
    await configurator.done


async def test_a_designer_reads_dates_with_their_zone(designer_site, works):
    four = await designer_site.post("/api/v1/designs/quote", json={**DESIGN, "quantity": 4})
    assert four.status_code == 200, four.text
    body = four.json()
    assert body["time_zone"] == "Asia/Shanghai" and body["earliest_completion"].endswith("+08:00")
    assert body["earliest_completion"].startswith(body["earliest_completion_date"])
    assert [p["units"] for p in body["parts"]] == [4] and body["price"]


async def test_a_chinese_designer_reads_the_promise_on_the_quotes_clock(designer_site, works):
    """The explanation in the request's language (zh-CN): where and when, the time on the
    quote's clock with its zone named, no English; `explanation` stays the English, and
    without Accept-Language `explanation_said` reads English too."""
    zh = await designer_site.post("/api/v1/designs/quote", json={**DESIGN, "quantity": 4},
                                  headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 200, zh.text
    body = zh.json()
    said = body["explanation_said"]
    assert said.startswith(f"可在 {body['factory_id']} 生产，") and "(Asia/Shanghai)" in said, said
    left = said.replace(body["factory_id"], "").replace("(Asia/Shanghai)", "")
    assert "设备加工时间" in said and not re.search(r"[a-z]{3,}", left), said
    assert body["explanation"].startswith("can be made at ")
    assert body["explanation_words"]["template"].startswith("%(made)s (")
    en = (await designer_site.post("/api/v1/designs/quote", json={**DESIGN, "quantity": 4})).json()
    assert en["explanation_said"].startswith("can be made at ") and "CST (Asia/Shanghai)" in \
        en["explanation_said"], en["explanation_said"]


async def test_a_designer_gets_a_date_for_five_wardrobes(designer_site, works):
    five = await designer_site.post("/api/v1/designs/quote", json={**DESIGN, "quantity": 5})
    assert five.status_code == 200, five.text
    body = five.json()
    assert body["earliest_completion_date"] and sum(p["units"] for p in body["parts"]) == 5
    assert body["earliest_completion_date"] == max(p["completion_date"] for p in body["parts"])


async def test_a_design_no_factory_can_make_is_a_409_naming_the_reason(designer_site, works):
    lacquered = {**DESIGN, "options": {**DESIGN["options"], "width_mm": 1800,
                                       "finish": "lacquer-white", "board": "mdf-18"}}
    refused = await designer_site.post("/api/v1/designs/quote", json=lacquered)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["reason"] == "MISSING_MACHINE_TYPE" and "paint_line" in body["facts"]["machine_type"]
    assert "paint line" in body["detail"] and body["price"] and body["summary"]
    assert body["said"] == body["detail"]  # no Accept-Language: English
    assert body["words"]["template"] == "cannot promise this order: %(reason)s"


async def test_a_chinese_designer_reads_why_no_date_can_be_promised(designer_site, works):
    """The 409's `said` is in the request's language, the machine type as people call it
    (喷涂线), with no English and no code; `detail` stays the English for programs."""
    lacquered = {**DESIGN, "options": {**DESIGN["options"], "width_mm": 1800,
                                       "finish": "lacquer-white", "board": "mdf-18"}}
    refused = await designer_site.post("/api/v1/designs/quote", json=lacquered,
                                       headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["said"].startswith("无法为此订单承诺交期：") and "喷涂线" in body["said"], body
    assert not re.search(r"[A-Za-z_]{3,}", body["said"].split("（")[0]), body["said"]
    assert body["detail"].startswith("cannot promise this order: ")
