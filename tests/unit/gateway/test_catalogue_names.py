"""The catalogue's names for the codes an order carries (gateway/catalogue_names.py): a
product, an option and its value, a board material, in 简体中文 and English, from the
products ListProducts answers; a code the catalogue lacks reads as it is, and a page asks
the configurator once per catalogue version, not once per row."""

from __future__ import annotations

import asyncio

import pytest

from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from gateway import i18n
from gateway.catalogue_names import CatalogueNameBook, CatalogueNames
from gateway.errors import ServiceError
from services.configurator.catalogue import seed_catalogue
from services.configurator.rpc.products import product_to_pb

pytestmark = pytest.mark.unit
SEED = seed_catalogue()
PRODUCTS = [product_to_pb(SEED, p) for p in SEED.products.values()]


def names() -> CatalogueNames:
    return CatalogueNames.of(SEED.version, PRODUCTS)


def test_an_orders_codes_read_as_the_catalogues_names_in_chinese():
    n = names()
    with i18n.speaking("zh-CN"):
        assert [n.product(c) for c in ("tv_unit", "bookcase", "desk")] == ["电视柜", "书柜", "书桌"]
        assert n.option("width_mm", 1120.0) == ("宽", "1120 毫米")
        assert n.option("board", "particleboard-25") == ("板材", "25 mm 刨花板")
        assert n.option("finish", "melamine-oak") == ("饰面", "橡木纹三聚氰胺饰面")
        assert n.option("drawers", 2.0) == ("抽屉", "2")
        assert n.option("handle", "bar-128") == ("拉手", "128 mm 条形拉手")
        assert n.material("particleboard-25/melamine-oak") == "25 mm 刨花板 · 橡木纹三聚氰胺饰面"


def test_in_english_and_a_code_the_catalogue_lacks_as_it_is():
    n = names()
    with i18n.speaking("en"):
        assert n.product("tv_unit") == "TV unit"
        assert n.option("door_style", "hinged") == ("Door style", "hinged doors")
        assert n.option("width_mm", 1120) == ("Width", "1120 mm")
        assert n.product("old_sofa") == "old_sofa"
        assert n.option("colour_code", "RAL-9010") == ("colour_code", "RAL-9010")


class Configurator:
    """ListProducts as the configurator answers it (two pages), counting the calls."""

    def __init__(self, fail: bool = False):
        self.calls: list[int] = []
        self.fail = fail

    async def call(self, service, method, request):
        assert (service, method) == ("configurator", "ListProducts")
        self.calls.append(request.catalog_version)
        await asyncio.sleep(0.01)  # the others arrive while the first reads
        if self.fail:
            raise ServiceError(503, "configurator unavailable")
        half = len(PRODUCTS) // 2
        first = not request.page.page_token
        return cfg.ListProductsResponse(
            catalog_version=SEED.version, next_page_token="2" if first else "",
            products=PRODUCTS[:half] if first else PRODUCTS[half:])


async def test_a_page_of_many_orders_asks_once_per_version():
    configurator, clock = Configurator(), [0.0]
    book = CatalogueNameBook(ttl_s=60, clock=lambda: clock[0])
    found = await asyncio.gather(*(book.of_versions(configurator, [1, 1, 0, 1]) for _ in range(20)))
    assert sorted(configurator.calls) == [0, 0, 1, 1]  # two pages each of the latest and of version 1
    assert all(set(f) == {0, 1} and f[1].product("desk") == "desk" for f in found)
    clock[0] = 3600  # a published version never changes; the latest is asked again
    await book.of_versions(configurator, [1, 0])
    assert sorted(configurator.calls[4:]) == [0, 0]


async def test_while_the_configurator_does_not_answer_codes_read_as_they_are():
    configurator, clock = Configurator(fail=True), [0.0]
    book = CatalogueNameBook(ttl_s=60, clock=lambda: clock[0])
    n = await book.names(configurator, 1)
    assert n.product("tv_unit") == "tv_unit" and n.option("board", "mdf-18") == ("board", "mdf-18")
    await book.names(configurator, 1)
    assert configurator.calls == [1]  # not asked again before the TTL
    configurator.fail, clock[0] = False, 61
    with i18n.speaking("en"):
        assert (await book.names(configurator, 1)).product("tv_unit") == "TV unit"
