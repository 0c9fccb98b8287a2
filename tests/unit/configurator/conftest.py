"""Shared scenery for the configurator's unit tests: the seed catalogue and a canonical order."""

from __future__ import annotations

import pytest

from services.configurator.catalogue import Configuration, Rejection, configure, seed_catalogue

CANONICAL = {
    "width_mm": 2000,
    "height_mm": 2400,
    "depth_mm": 600,
    "board": "particleboard-18",
    "finish": "melamine-white",
    "doors": 2,
}


@pytest.fixture(scope="session")
def catalogue():
    return seed_catalogue()


@pytest.fixture
def wardrobe(catalogue):
    """Configure a wardrobe from the canonical webhook options with some changed."""

    def make(**changes) -> Configuration | Rejection:
        return configure(catalogue, "wardrobe", CANONICAL | changes)

    return make
