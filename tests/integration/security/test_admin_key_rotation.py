"""The admin key from the environment is the one bootstrap admin key.

Rotate it and restart: the old key is refused everywhere (REST, gRPC, portal sign-in and the
portal sessions it opened); keys minted through the API stay; the old key never comes back,
however it is added again; the key list says which key is which.
"""

from __future__ import annotations

import grpc
import pytest
from psycopg_pool import AsyncConnectionPool

from demo.network import DEMO_FACTORIES
from dovetail.orders.v1 import orders_service_pb2 as pb
from dovetail.orders.v1 import orders_service_pb2_grpc as pb_grpc
from gateway.sessions import COOKIE
from infra.launcher import prepare
from services.kit.auth import BOOTSTRAP, MINTED, KeyRefused, KeyStore, Principal, hash_key
from services.kit.settings import DEV_ADMIN_KEY
from services.kit.tls import client_channel
from tests.integration.security.conftest import Platform, started, strong_key

pytestmark = pytest.mark.integration


async def orders_over_grpc(platform: Platform, key: str) -> grpc.StatusCode:
    address = f"127.0.0.1:{platform.orders.port}"
    async with client_channel(platform.orders.runtime.settings, address) as channel:
        try:
            await pb_grpc.OrdersServiceStub(channel).ListOrders(
                pb.ListOrdersRequest(), metadata=(("authorization", f"Bearer {key}"),), timeout=10)
        except grpc.aio.AioRpcError as exc:
            return exc.code()
    return grpc.StatusCode.OK


async def sign_in(platform: Platform, key: str):
    return await platform.http.post("/portal/sign-in", data={"key": key, "next": "/portal/orders"},
                                    headers={"Origin": platform.base_url})


def session_of(signed_in) -> dict[str, str]:
    """The portal session a sign-in opened, as the header a browser sends back."""
    return {"Cookie": f"{COOKIE}={signed_in.cookies[COOKIE]}"}


def key_id(key: str) -> str:
    return hash_key(key)[:16]


async def test_a_rotated_admin_key_gets_401_everywhere_and_never_comes_back(own_settings):
    old, new = own_settings.admin_key, strong_key()
    await prepare(own_settings, demo=True)
    async with started(own_settings) as first:
        assert (await first.http.get("/api/v1/orders", headers=first.bearer(old))).status_code == 200
        minted = (await first.http.post("/api/v1/admin/keys", headers=first.bearer(old),
                                        json={"principal": "admin", "label": "ops"})).json()["key"]
        signed_in = await sign_in(first, old)
        assert signed_in.status_code == 303
        old_session = session_of(signed_in)
        assert (await first.http.get("/portal/orders", headers=old_session)).status_code == 200

    rotated = own_settings.with_(admin_key=new)
    assert await prepare(rotated, demo=True) == [
        f"Revoked the admin key {key_id(old)}: the admin key now in use replaces it"]
    async with started(rotated) as second:
        assert (await second.http.get("/api/v1/orders", headers=second.bearer(old))).status_code == 401
        assert await orders_over_grpc(second, old) == grpc.StatusCode.UNAUTHENTICATED
        refused = await sign_in(second, old)
        assert refused.status_code == 401 and "does not open the portal" in refused.text
        page = await second.http.get("/portal/orders", headers=old_session)
        assert page.status_code in (302, 303)
        assert page.headers["location"].startswith("/portal/sign-in")

        for key in (new, minted):  # the new bootstrap key and the minted one both work
            assert (await second.http.get("/api/v1/orders", headers=second.bearer(key))
                    ).status_code == 200
            assert await orders_over_grpc(second, key) == grpc.StatusCode.OK

        listed = {k["key_id"]: k for k in (await second.http.get(
            "/api/v1/admin/keys", headers=second.bearer(new))).json()}
        assert listed[key_id(old)]["origin"] == BOOTSTRAP and listed[key_id(old)]["revoked_at"]
        assert listed[key_id(new)]["origin"] == BOOTSTRAP
        assert listed[key_id(new)]["revoked_at"] is None
        assert listed[key_id(minted)]["origin"] == MINTED
        assert listed[key_id(minted)]["revoked_at"] is None
        assert [k for k in listed.values() if k["origin"] == BOOTSTRAP and not k["revoked_at"]
                ] == [listed[key_id(new)]]

        portal = await second.http.get("/portal/keys",
                                       headers=session_of(await sign_in(second, new)))
        assert portal.status_code == 200
        assert key_id(old) in portal.text and key_id(new) in portal.text
        assert old not in portal.text and new not in portal.text  # ids only, never keys

    # Starting with the old key again, or adding it by hand, does not bring it back.
    with pytest.raises(KeyRefused, match="DOVETAIL_ADMIN_KEY cannot be the admin key: key "
                                         f"{key_id(old)} was revoked at .*never activated again"):
        await prepare(own_settings, demo=True)
    async with AsyncConnectionPool(own_settings.database_url, min_size=1, max_size=1,
                                   kwargs={"autocommit": True}) as pool:
        with pytest.raises(KeyRefused, match="never activated again"):
            await KeyStore(pool).add(old, Principal("admin"))


async def test_an_admin_key_registered_before_becomes_the_bootstrap_key(own_settings):
    async with started(own_settings) as platform:
        keys: KeyStore = platform.orders.runtime.keys
        earlier = strong_key()
        await keys.add(earlier, Principal("admin"), "added by hand")
        assert await keys.bootstrap_admin(earlier) == [key_id(own_settings.admin_key)]
        rows = {kid: (label, origin, revoked) for kid, _, label, origin, _, revoked
                in await keys.list()}
        assert rows[key_id(earlier)] == ("admin (DOVETAIL_ADMIN_KEY)", BOOTSTRAP, None)
        assert await keys.principal_for(own_settings.admin_key) is None


async def test_a_key_of_another_principal_is_not_taken_over(own_settings):
    async with started(own_settings) as platform:
        keys: KeyStore = platform.orders.runtime.keys
        factory_key = strong_key()
        await keys.add(factory_key, Principal("factory", "f1"))
        await keys.add(factory_key, Principal("factory", "f1"))  # the same again: no change
        with pytest.raises(KeyRefused, match="already belongs to another principal"):
            await keys.bootstrap_admin(factory_key)
        assert await keys.principal_for(factory_key) == Principal("factory", "f1")


async def test_an_unset_admin_key_is_refused_with_the_way_out(own_settings):
    async with started(own_settings) as platform:
        with pytest.raises(KeyRefused, match="DOVETAIL_ADMIN_KEY is not set: `make up` generates"):
            await platform.orders.runtime.keys.bootstrap_admin("")


async def test_without_the_demo_its_published_factory_keys_are_revoked(own_settings):
    await prepare(own_settings, demo=True)
    async with started(own_settings) as platform:
        keys: KeyStore = platform.orders.runtime.keys
        demo = DEMO_FACTORIES[0]
        await keys.add(demo.dev_key, Principal("factory", demo.factory_id), "demo")
        await prepare(own_settings, demo=False)
        keys._cache.clear()
        assert await keys.principal_for(demo.dev_key) is None
        assert await keys.principal_for(own_settings.admin_key) == Principal("admin")


async def test_an_existing_platform_upgrades_and_its_dev_key_stops_working(own_settings):
    """The issue's platform: the dev key and a minted key in a table from before origins."""
    async with AsyncConnectionPool(own_settings.database_url, min_size=1, max_size=1,
                                   kwargs={"autocommit": True}) as pool:
        async with pool.connection() as conn:
            await conn.execute(
                "CREATE SCHEMA dovetail_auth; CREATE TABLE dovetail_auth.api_keys ("
                " key_hash text PRIMARY KEY, principal text NOT NULL, label text NOT NULL"
                " DEFAULT '', created_at timestamptz NOT NULL DEFAULT now(), revoked_at timestamptz)")
            minted = strong_key()
            await conn.execute(
                "INSERT INTO dovetail_auth.api_keys (key_hash, principal, label) VALUES"
                " (%s, 'admin', 'admin (DOVETAIL_ADMIN_KEY)'), (%s, 'admin', 'ops')",
                (hash_key(DEV_ADMIN_KEY), hash_key(minted)))
        keys = KeyStore(pool)
        await keys.ensure_schema()
        await keys.ensure_schema()  # a second process starting: nothing changes
        assert await keys.bootstrap_admin(own_settings.admin_key) == [key_id(DEV_ADMIN_KEY)]
        assert await keys.principal_for(DEV_ADMIN_KEY) is None
        assert await keys.principal_for(minted) == Principal("admin")
        origins = {kid: origin for kid, _, _, origin, _, _ in await keys.list()}
        assert origins == {key_id(DEV_ADMIN_KEY): BOOTSTRAP, key_id(minted): MINTED,
                           key_id(own_settings.admin_key): BOOTSTRAP}
