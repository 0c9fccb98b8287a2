"""Hourly CO2e profiles through the gateway (issue 21, item 4): PUT/DELETE
/api/v1/factories/{id}/carbon-profile by the chain's admins (422 naming each field of the
body), read back by the factory itself; the energy plan and page say whether CO2e is counted
hour by hour or at the grid's annual factor."""

from __future__ import annotations

import pytest

from tests.helpers import eventually
from tests.integration.scheduling.conftest import KEY_A, KEY_B
from tests.integration.scheduling.test_tariffs_rest import ADMIN, site  # noqa: F401 (fixture)

pytestmark = pytest.mark.integration
NIGHTS = {"seasons": [{"kg_per_kwh": [0.3] * 8 + [0.5] * 16}],
          "source": "test: cleaner nights"}


async def test_a_bad_profile_is_422_naming_each_field_of_the_body(site, network):  # noqa: F811
    bad = {"seasons": [{"kg_per_kwh": [0.5] * 23},
                       {"kg_per_kwh": [0.5] * 23 + [-1], "months": [13]}],
           "time_zone": "Nowhere/Else"}
    response = await site.put(f"/api/v1/factories/{network[0]}/carbon-profile", json=bad,
                              headers=ADMIN)
    assert response.status_code == 422, response.text
    assert {e["field"] for e in response.json()["errors"]} == {
        "seasons[0].kg_per_kwh", "seasons[1].kg_per_kwh[23]", "seasons[1].months", "time_zone"}


async def test_set_read_by_the_factory_shown_and_cleared(site, network):  # noqa: F811
    url = f"/api/v1/factories/{network[0]}/carbon-profile"
    refused = await site.put(url, json=NIGHTS, headers={"Authorization": f"Bearer {KEY_A}"})
    assert refused.status_code == 403
    response = await site.put(url, json=NIGHTS, headers=ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["profile"]["seasons"][0]["months"] == list(range(1, 13))
    assert body["profile"]["source"] == NIGHTS["source"] and body["set_by"] == "admin"
    own = await site.get(url, headers={"Authorization": f"Bearer {KEY_A}"})
    assert own.status_code == 200 and own.json()["profile"]["seasons"][0]["kg_per_kwh"][0] == 0.3
    other = await site.get(url, headers={"Authorization": f"Bearer {KEY_B}"})
    assert other.status_code == 403

    async def energy_plan(hourly: bool):
        plan = await site.get(f"/api/v1/factories/{network[0]}/energy-plan", headers=ADMIN)
        assert plan.status_code == 200, plan.text
        return plan.json() if plan.json()["hourly_carbon"] == hourly else None

    plan = await eventually(lambda: energy_plan(True))
    assert plan["carbon_profile_source"] == NIGHTS["source"]
    page = await site.get("/portal/energy", params={"factory_id": network[0]}, headers=ADMIN)
    assert 'data-carbon="hourly"' in page.text and "cleaner nights" in page.text

    cleared = await site.delete(url, headers=ADMIN)
    assert cleared.status_code == 200 and cleared.json()["profile"] is None
    assert (await eventually(lambda: energy_plan(False)))["carbon_profile_source"] == ""
    page = await site.get("/portal/energy", params={"factory_id": network[0]}, headers=ADMIN)
    assert 'data-carbon="annual"' in page.text
