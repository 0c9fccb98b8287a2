"""The customer's clock from the destination: China is Beijing time throughout; a country of
several zones takes the one named after the city, else its first."""

from __future__ import annotations

import pytest

from services.delivery.domain.zones import destination_zone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("country", "city", "zone"), [
    ("CN", "Foshan", "Asia/Shanghai"), ("cn", "Urumqi", "Asia/Shanghai"),
    ("", "", "Asia/Shanghai"), ("DE", "Berlin", "Europe/Berlin"),
    ("US", "Los Angeles", "America/Los_Angeles"), ("US", "Springfield", "America/New_York"),
    ("HK", "", "Asia/Hong_Kong"), ("ZZ", "", "Asia/Shanghai"),
])
def test_a_destination_has_the_zone_its_people_read(country, city, zone):
    assert destination_zone(country, city) == zone
