"""A shop's lines through a channel's mapping: SKU, ids and titles; ignored lines and options;
lengths with units; what is not mapped is named, never dropped (pure)."""

from __future__ import annotations

import pytest

from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from gateway import i18n
from gateway.channels import ChannelMapping
from gateway.schemas.shops import ShopifyOrder
from gateway.webhooks.mapping import ShopLine, ShopProperty, length_mm, map_lines
from gateway.webhooks.mapping_check import check
from gateway.webhooks.shape import pointer_of_dotted, problems

pytestmark = pytest.mark.unit


def line(line_id="1", sku="", title="", props=(), **more) -> ShopLine:
    return ShopLine(f"/line_items/{line_id}", line_id, sku, 1,
                    [ShopProperty(f"/p/{i}", n, v) for i, (n, v) in enumerate(props)],
                    title=title, **more)


MAPPING = ChannelMapping.from_json({
    "products": {"DK-1": {"product": "desk", "options": {"depth_mm": 600}}},
    "product_ids": {"4711": {"product": "bookcase", "options": {"width_mm": 800}}},
    "titles": {"Oak  Wardrobe / 2 doors": {"product": "wardrobe", "options": {"doors": 2}}},
    "options": {"Width": "width_mm", "Height": "height_mm", "Finish": "finish"},
    "values": {"finish": {"Light oak": "melamine-oak"}},
    "ignore_lines": ["Sunglasses"],
    "ignore_options": ["Custom Engraving"],
    "requires": {"desk": ["width_mm", "height_mm", "depth_mm"]},
})


@pytest.mark.parametrize("text, mm", [("200 cm", 2000), ("1.2 m", 1200), ("80cm", 800),
                                      ("31.5 in", 800.1), ('24"', 609.6), ("600", 600),
                                      ("600 mm", 600), ("72,5 cm", 725), (900, 900)])
def test_lengths_with_units_become_millimetres(text, mm):
    assert length_mm(text) == mm


@pytest.mark.parametrize("text", ["wide", "2 ft", "-5 cm", "9" * 40, True])
def test_what_is_no_length_is_none(text):
    assert length_mm(text) is None


def test_lines_match_by_sku_id_or_title_and_options_by_name_with_units():
    mapped = map_lines(MAPPING, [
        line("1", "DK-1", "Desk", [("Width", "1.2 m"), ("height", "75 cm"),
                                   ("Custom Engraving", "For Ana"), ("_hidden", "x")]),
        line("2", "", "Books", [("Finish", "light OAK")], product_id="4711"),
        line("3", "", "oak wardrobe", [("Width", "2000"), ("Height", "2400")],
             variant_title="2 Doors"),
        line("4", "", "Sunglasses"),
        line("5", "", "Gift card $10", gift_card=True),
    ])
    assert mapped.needs == []
    items = {i.line_id: (i.product, i.options) for i in mapped.items}
    assert items == {"1": ("desk", {"depth_mm": 600, "width_mm": 1200, "height_mm": 750}),
                     "2": ("bookcase", {"width_mm": 800, "finish": "melamine-oak"}),
                     "3": ("wardrobe", {"doors": 2, "width_mm": 2000, "height_mm": 2400})}
    assert any("Custom Engraving: For Ana" in n for n in mapped.notes)
    assert sum("not made here" in n for n in mapped.notes) == 2


def test_what_is_not_mapped_is_named_for_each_line():
    mapped = map_lines(MAPPING, [
        line("1", "SOFA-3", "Sofa", product_id="99", variant_id="98"),
        line("2", "", "Plain chair"),
        line("3", "DK-1", "Desk", [("Width", "wide"), ("Colour", "teal")]),
    ])
    needs = {(n.kind, n.key, n.line_id) for n in mapped.needs}
    assert needs == {("product", "SOFA-3", "1"), ("product", "Plain chair", "2"),
                     ("option", "Width", "3"), ("option", "Colour", "3"),
                     ("parameter", "desk.width_mm", "3"), ("parameter", "desk.height_mm", "3")}
    assert mapped.items == []
    [sofa] = [n for n in mapped.needs if n.key == "SOFA-3"]
    assert "product 99" in sofa.detail and "variant 98" in sofa.detail


def product(code: str, *params: cfg.Parameter) -> cfg.Product:
    return cfg.Product(code=code, parameters=list(params))


CATALOGUE = {
    "desk": product(
        "desk",
        cfg.Parameter(name="width_mm", kind=cfg.PARAMETER_KIND_INTEGER, min=600, max=2000,
                      step=10, required=True),
        cfg.Parameter(name="height_mm", kind=cfg.PARAMETER_KIND_INTEGER, min=600, max=900,
                      step=10, required=True),
        cfg.Parameter(name="depth_mm", kind=cfg.PARAMETER_KIND_INTEGER, min=500, max=900,
                      step=10, required=True),
        cfg.Parameter(name="finish", kind=cfg.PARAMETER_KIND_CHOICE,
                      choices=[cfg.ParameterChoice(value="melamine-white")])),
}


def test_a_mapping_the_catalogue_cannot_build_is_refused_naming_every_problem():
    found, requires = check({
        "products": {"DK-1": {"product": "desk", "options": {"width_mm": 1205,
                                                             "finish": "gold", "legs": 4}},
                     "SOFA": {"product": "sofa"}},
        "options": {"Colour": "colour"},
        "values": {"finish": {"White": "melamine-white", "Gold": "gold"}},
    }, CATALOGUE)
    at = {p.at: p.message for p in found}
    assert set(at) == {"/products/DK-1/options/width_mm", "/products/DK-1/options/finish",
                       "/products/DK-1/options/legs", "/products/DK-1/options/height_mm",
                       "/products/DK-1/options/depth_mm", "/products/SOFA/product",
                       "/options/Colour", "/values/finish/Gold"}
    assert "cannot be made without height_mm" in at["/products/DK-1/options/height_mm"]
    assert requires == {"desk": ["width_mm", "height_mm", "depth_mm"]}


def test_a_mapping_s_problems_read_in_the_readers_language():
    """Issue 19: a zh-CN reader reads each problem in Chinese, the names in it as written."""
    i18n.use("zh-CN")
    try:
        found, _ = check({"products": {"DK-1": {"product": "desk", "options": {
            "width_mm": 1205, "finish": "gold"}}, "SOFA": {"product": "sofa"}},
            "options": {"Colour": "colour"}}, CATALOGUE)
    finally:
        i18n.use("en")
    at = {p.at: p.message for p in found}
    assert at["/products/DK-1/options/height_mm"] == (
        "没有 height_mm 就无法生产 desk：请在此处固定它，或把一个店铺选项映射到它")
    assert at["/products/DK-1/options/finish"] == "'gold' 不是 finish 的可选值：melamine-white"
    assert at["/products/SOFA/product"].startswith("产品目录中没有产品 'sofa'（现有：")
    assert at["/options/Colour"] == "产品目录中没有任何产品有参数 'colour'"
    assert at["/products/DK-1/options/width_mm"] == (
        "1205 不符合 width_mm 从 600 起、步长 10 的取值")


def test_a_mapping_that_fits_passes_and_names_what_products_require():
    found, requires = check({
        "titles": {"Desk / 120 cm": {"product": "desk", "options": {"width_mm": "120 cm"}}},
        "options": {"Height": "height_mm", "Depth": "depth_mm"},
    }, CATALOGUE)
    assert found == [] and requires["desk"] == ["width_mm", "height_mm", "depth_mm"]


def test_a_shop_body_names_every_problem_by_json_pointer():
    found = problems({"id": "x", "line_items": [{"id": 1, "quantity": "2"}, {"quantity": 0}],
                      "customer": {"email": 5}}, ShopifyOrder)
    assert {f["key"] for f in found} == {"/id", "/line_items/0/quantity", "/line_items/1/id",
                                         "/line_items/1/quantity", "/customer/email"}
    assert pointer_of_dotted("items[0].options.a/b") == "/items/0/options/a~1b"
