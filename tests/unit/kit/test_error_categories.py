"""Named domain errors reach callers as their category: the domain says what happened
(ShipmentNotFound), the edge which status that is (NOT_FOUND)."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from google.rpc import code_pb2

from services.configurator.domain import board_stock
from services.configurator.domain import errors as configurator_errors
from services.configurator.rpc.servicer import ERRORS as CONFIGURATOR_ERRORS
from services.configurator.rpc.stock import ERRORS as STOCK_ERRORS
from services.delivery.domain import errors as delivery_errors
from services.delivery.rpc.servicer import ERRORS as DELIVERY_ERRORS
from services.kit.errors import (
    Conflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Violations,
    categorised,
    raising_categories,
)
from services.kit.rpc import status_for
from services.orders.domain import errors as orders_errors
from services.orders.rpc.servicer import ERRORS as ORDERS_ERRORS

pytestmark = pytest.mark.unit


class ParcelLost(DomainError):
    pass


class ParcelLostAtSea(ParcelLost):
    pass


@raising_categories({ParcelLost: NotFound})
class Servicer:
    def __init__(self, error: Exception):
        self.error = error

    async def GetParcel(self, request, context):
        raise self.error

    async def StreamParcels(self, request, context):
        yield "first"
        raise self.error

    async def helper(self):  # not an RPC: left alone
        raise self.error


def run(coroutine):
    return asyncio.run(coroutine)


async def drain(stream):
    return [item async for item in stream]


def test_a_named_error_and_its_subclasses_reach_the_caller_as_their_category():
    with pytest.raises(NotFound, match="parcel 7 is lost") as raised:
        run(Servicer(ParcelLostAtSea("parcel 7 is lost")).GetParcel(None, None))
    assert isinstance(raised.value.__cause__, ParcelLostAtSea)
    assert status_for(raised.value).code == code_pb2.NOT_FOUND
    with pytest.raises(NotFound):
        run(drain(Servicer(ParcelLost("gone")).StreamParcels(None, None)))


def test_other_errors_pass_unchanged_with_their_field_violations():
    invalid = InvalidArgument(Violations.one("parcel_id", "must be a UUID"))
    with pytest.raises(InvalidArgument) as raised:
        run(Servicer(invalid).GetParcel(None, None))
    assert raised.value is invalid and raised.value.violations[0].field == "parcel_id"
    with pytest.raises(ParcelLost):
        run(Servicer(ParcelLost("x")).helper())
    assert categorised(Conflict("busy"), {ParcelLost: NotFound}).args == ("busy",)


@pytest.mark.parametrize(("module", "categories"), [
    (configurator_errors, CONFIGURATOR_ERRORS), (delivery_errors, DELIVERY_ERRORS),
    (orders_errors, ORDERS_ERRORS)])
def test_every_domain_error_of_a_service_has_a_status(module, categories):
    named = {cls for _, cls in inspect.getmembers(module, inspect.isclass)
             if issubclass(cls, DomainError) and cls.__module__ == module.__name__}
    assert named and named == set(categories)
    for cls in named:
        assert status_for(categorised(cls("x"), categories)).code != code_pb2.INTERNAL


class ParcelHeld(DomainError):
    pass


def test_a_named_error_keeps_what_it_tells_programs_as_its_category():
    held = ParcelHeld("parcel 7 is held at customs", reason="HELD_AT_CUSTOMS",
                      domain="parcels.example", subject="parcel/7", facts={"port": "Nansha"})

    translated = categorised(held, {ParcelHeld: FailedPrecondition})
    direct = FailedPrecondition("parcel 7 is held at customs", reason="HELD_AT_CUSTOMS",
                                domain="parcels.example", subject="parcel/7",
                                facts={"port": "Nansha"})

    assert type(translated) is FailedPrecondition
    assert status_for(translated).SerializeToString() == status_for(direct).SerializeToString()


def test_every_board_stock_error_has_a_status():
    named = {cls for _, cls in inspect.getmembers(board_stock, inspect.isclass)
             if issubclass(cls, board_stock.StockError) and cls is not board_stock.StockError}
    assert named and named <= set(STOCK_ERRORS)
    for cls in named:
        assert status_for(categorised(cls("x"), STOCK_ERRORS)).code != code_pb2.INTERNAL
