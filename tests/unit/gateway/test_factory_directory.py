"""The schedule page's factory picker: a chain's 1,600 factories searched and paged by the
gateway, read from iot once a minute, not once a keystroke."""

from __future__ import annotations

from dovetail.iot.v1 import iot_service_pb2 as iot
from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway.factory_directory import FactoryDirectory, FactoryEntry, matching, page_of
from gateway.reads import schedule_of_factories

CHAIN = [FactoryEntry(f"CF-{i:04d}", f"{'Foshan' if i % 2 else 'Dongguan'} works {i}")
         for i in range(1, 1601)]


class Iot:
    """ListFactories in pages, as the iot service answers it, counting the calls."""

    def __init__(self, entries: list[FactoryEntry]):
        self.entries, self.calls = entries, 0

    async def call(self, service: str, method: str, request):
        assert (service, method) == ("iot", "ListFactories")
        self.calls += 1
        start = int(request.page.page_token or 0)
        end = start + request.page.page_size
        return iot.ListFactoriesResponse(
            factories=[iot.Factory(factory_id=e.factory_id, name=e.name, timezone=e.timezone)
                       for e in self.entries[start:end]],
            next_page_token=str(end) if end < len(self.entries) else "")


def test_a_search_matches_every_word_in_the_id_or_the_name_whatever_the_case():
    assert [e.factory_id for e in matching(CHAIN, "cf-016")][:2] == ["CF-0160", "CF-0161"]
    found = matching(CHAIN, "FOSHAN 15")
    assert found and all("Foshan" in e.name and "15" in e.factory_id + e.name for e in found)
    assert matching(CHAIN, "  ") == CHAIN
    assert matching(CHAIN, "Shenzhen") == []


def test_pages_say_where_the_next_and_previous_start():
    first = page_of(CHAIN, 0, 25)
    assert (first.total, first.next_offset, first.previous_offset) == (1600, 25, None)
    last = page_of(CHAIN, 1590, 25)
    assert len(last.items) == 10 and last.next_offset is None and last.previous_offset == 1565
    beyond = page_of(CHAIN, 99_999, 25)  # an offset past the end shows the last factory
    assert beyond.items == [CHAIN[-1]]
    empty = page_of([], 50, 25)
    assert (empty.items, empty.total, empty.next_offset, empty.previous_offset) == (
        [], 0, None, None)


async def test_the_list_is_read_in_pages_of_500_and_kept_for_its_ttl():
    now = [0.0]
    directory = FactoryDirectory(ttl_s=60, clock=lambda: now[0])
    source = Iot(CHAIN)
    found = await directory.search(source, "works 1599", 0, 25)
    assert [e.factory_id for e in found.items] == ["CF-1599"]
    assert source.calls == 4  # 1,600 factories in pages of 500
    await directory.search(source, "dongguan", 25, 25)
    assert source.calls == 4
    now[0] = 61
    await directory.search(source, "", 0, 25)
    assert source.calls == 8


def test_a_page_of_factories_reads_as_one_schedule():
    replies = [sch.GetScheduleResponse(plan_id="p1", lanes=[sch.MachineLane(
        machine_id=f"{f}-saw", factory_id=f, available=True)]) for f in ("F1", "F2")]
    read = schedule_of_factories(replies, 5, ["F1", "F2"], "next")
    assert read.plan_id == "p1" and read.next_cursor == "next" and read.factories == ["F1", "F2"]
    assert [lane.machine_id for lane in read.lanes] == ["F1-saw", "F2-saw"]
    assert schedule_of_factories([], 5, [], None).lanes == []


async def test_a_factorys_pages_are_on_its_own_clock_or_the_tenants():
    directory = FactoryDirectory()
    iot_ = Iot([FactoryEntry("CF-1", "Foshan works", "Asia/Shanghai"),
                FactoryEntry("HU-1", "Budapest works", "Europe/Budapest"),
                FactoryEntry("XX-1", "Nowhere works")])
    assert await directory.zone_of(iot_, "HU-1", "Asia/Shanghai") == "Europe/Budapest"
    assert await directory.zone_of(iot_, "XX-1", "Asia/Shanghai") == "Asia/Shanghai"
    assert await directory.zone_of(iot_, "missing", "Asia/Tokyo") == "Asia/Tokyo"
    assert iot_.calls == 1  # the kept list, not iot again
