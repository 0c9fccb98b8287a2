"""Over the whole option space: an accepted piece is buildable and priced, a refused one says why."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.configurator.catalogue import Configuration, Rejection, configure, seed_catalogue

pytestmark = pytest.mark.unit

CATALOGUE = seed_catalogue()
SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def orders(draw):
    """Mostly sensible options near each product's ranges, some of them out of bounds."""
    product = CATALOGUE.products[draw(st.sampled_from(sorted(CATALOGUE.products)))]
    options = {}
    for name in ("width_mm", "height_mm", "depth_mm"):
        p = product.parameters[name]
        steps = (p.maximum - p.minimum) // p.step
        options[name] = p.minimum + p.step * draw(st.integers(-2, steps + 2))
    optional = {
        "board": st.sampled_from(sorted(CATALOGUE.boards)),
        "finish": st.sampled_from(sorted(CATALOGUE.finishes)),
        "doors": st.one_of(st.integers(0, 6), st.just("auto")),
        "door_style": st.sampled_from(sorted(CATALOGUE.door_styles)),
        "shelves": st.integers(0, 5),
        "drawers": st.integers(0, 4),
        "dividers": st.one_of(st.integers(0, 5), st.just("auto")),
        "handle": st.sampled_from(
            sorted(h.code for h in CATALOGUE.hardware.values() if h.kind == "handle")
        ),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            options[name] = draw(strategy)
    return product.code, options


def fits_a_sheet(panel) -> bool:
    trim = 2 * CATALOGUE.trim_mm
    for sheet in CATALOGUE.boards[panel.board].sheets:
        length, width = sheet.length_mm - trim, sheet.width_mm - trim
        if panel.length_mm <= length and panel.width_mm <= width:
            return True
        if panel.grain == "none" and panel.length_mm <= width and panel.width_mm <= length:
            return True
    return False


@SETTINGS
@given(orders())
def test_accepted_pieces_are_buildable_and_priced_and_refusals_say_why(order):
    product, options = order
    outcome = configure(CATALOGUE, product, options)
    if isinstance(outcome, Rejection):
        assert outcome.reasons
        assert all(r.parameter and r.message and r.suggestion for r in outcome.reasons)
        return
    assert isinstance(outcome, Configuration)
    lay = outcome.spec.layout
    assert lay.bays * lay.bay_width_mm + (lay.bays - 1 + 2) * lay.thickness_mm == pytest.approx(
        lay.width_mm
    )
    for panel in outcome.panels:
        assert panel.length_mm > 0 and panel.width_mm > 0 and panel.quantity > 0
        assert fits_a_sheet(panel), panel
    if lay.shelves_per_bay:
        assert lay.bay_width_mm <= CATALOGUE.boards[outcome.spec.options["board"]].max_shelf_span_mm
    assert outcome.price.total > 0 and all(line.amount >= 0 for line in outcome.price.lines)
    assert all(op.duration_s > 0 for op in outcome.routing.operations)
    assert 0 < outcome.nesting.yield_pct <= 100
    assert outcome.package.weight_kg > 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


@SETTINGS
@given(
    st.sampled_from(sorted(CATALOGUE.products) + ["", "sofa"]),
    st.dictionaries(
        st.sampled_from(["width_mm", "doors", "board", "handle", "colour"]), json_values, max_size=4
    ),
)
def test_any_json_options_give_a_configuration_or_reasons_never_an_error(product, options):
    outcome = configure(CATALOGUE, product, options)
    assert isinstance(outcome, (Configuration, Rejection))
    if isinstance(outcome, Rejection):
        assert outcome.reasons
