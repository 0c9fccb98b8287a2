"""One entry of a channel's mapping, changed as a person maps or ignores it (pure)."""

from __future__ import annotations

import pytest
from litestar.exceptions import ValidationException

from gateway.schemas.shop_desk import MappingEntry
from gateway.webhooks.mapping_entry import with_entry

pytestmark = pytest.mark.unit

MAPPING = {"channel": "shopify", "version": 3, "requires": {"desk": ["height_mm"]},
           "products": {"DK-1": {"product": "desk", "options": {"height_mm": 740}},
                        "DK-2": {"product": "desk", "options": {}}},
           "titles": {}, "options": {"Width": "width_mm"},
           "ignore_lines": ["Gift wrap"], "ignore_options": []}


def test_a_sku_is_mapped_one_way_only_and_read_only_fields_are_left_out():
    ignored = with_entry(MAPPING, MappingEntry("product", "DK-1", action="ignore"))
    assert "DK-1" not in ignored["products"] and "DK-1" in ignored["ignore_lines"]
    assert not {"channel", "version", "requires"} & set(ignored)
    mapped = with_entry(ignored, MappingEntry("product", "DK-1", product="bookcase",
                                              table="titles", options={"width_mm": 800}))
    assert mapped["titles"]["DK-1"] == {"product": "bookcase", "options": {"width_mm": 800}}
    assert "DK-1" not in mapped["ignore_lines"] and "DK-1" not in mapped["products"]
    assert MAPPING["products"]["DK-1"]["product"] == "desk"  # the input is not changed


def test_an_option_sets_a_parameter_or_is_ignored_whatever_its_case():
    mapped = with_entry(MAPPING, MappingEntry("option", "Engraving", action="ignore"))
    assert mapped["ignore_options"] == ["Engraving"]
    again = with_entry(mapped, MappingEntry("option", "engraving ", parameter="finish"))
    assert again["options"]["engraving"] == "finish" and again["ignore_options"] == []


def test_a_missing_parameter_is_given_where_no_value_was_chosen():
    given = with_entry(MAPPING, MappingEntry("parameter", "desk.height_mm",
                                             options={"height_mm": 760}))
    assert given["products"]["DK-1"]["options"]["height_mm"] == 740  # chosen before: kept
    assert given["products"]["DK-2"]["options"]["height_mm"] == 760


@pytest.mark.parametrize("entry, field", [
    (MappingEntry("product", "X"), "product"),
    (MappingEntry("option", "Colour"), "parameter"),
    (MappingEntry("parameter", "desk.height_mm"), "options/height_mm"),
    (MappingEntry("parameter", "desk.height_mm", action="ignore"), "action"),
    (MappingEntry("parameter", "sofa.seats", options={"seats": 3}), "key"),
    (MappingEntry("product", "   ", product="desk"), "key"),
])
def test_an_entry_that_says_too_little_names_its_field(entry, field):
    with pytest.raises(ValidationException) as refused:
        with_entry(MAPPING, entry)
    assert refused.value.extra[0]["key"] == field
