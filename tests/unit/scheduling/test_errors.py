"""Scheduling's domain errors are named for what happened; the servicer gives each a status."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from google.rpc import code_pb2

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from services.kit.errors import DomainError, NotFound, categorised
from services.kit.rpc import status_for
from services.scheduling.domain import errors as scheduling_errors
from services.scheduling.domain.errors import OperationNotFound, ReportOutOfOrder
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.progress import OrderProgress, Report
from services.scheduling.rpc.servicer import ERRORS, SchedulingServicer
from services.scheduling.settings import SchedulerSettings

pytestmark = pytest.mark.unit


def test_every_scheduling_domain_error_reaches_the_caller_with_a_status():
    named = {cls for _, cls in inspect.getmembers(scheduling_errors, inspect.isclass)
             if issubclass(cls, DomainError) and cls.__module__ == scheduling_errors.__name__}

    assert named and named == set(ERRORS)
    for cls in named:
        error = cls({"O-1"}) if cls is scheduling_errors.StalePlan else cls("x")
        assert status_for(categorised(error, ERRORS)).code != code_pb2.INTERNAL


def report(kind: str, op: str = "O-1/op-02") -> Report:
    return Report(op, kind, f"{kind}-{op}", "F1", "F1-saw", "panel_saw", 1_000)


def test_a_report_out_of_order_is_refused_in_domain_words_and_answered_failed_precondition():
    progress = OrderProgress(order_id="O-1", operation_ids=["O-1/op-01", "O-1/op-02"])
    with pytest.raises(ReportOutOfOrder, match="cannot start before O-1/op-01 has finished"):
        progress.report(report("STARTED"))
    with pytest.raises(OperationNotFound):
        progress.report(report("STARTED", "O-1/op-09"))
    assert status_for(categorised(ReportOutOfOrder("x"), ERRORS)).code == (
        code_pb2.FAILED_PRECONDITION)
    assert status_for(categorised(OperationNotFound("x"), ERRORS)).code == code_pb2.NOT_FOUND


def test_the_servicer_answers_a_domain_error_with_its_status():
    servicer = SchedulingServicer(None, NetworkState(), None, SchedulerSettings(),
                                  clock=lambda: 1_796_000_000.0)
    request = pb.ExplainOrderRequest(order_id="O-unknown")
    with pytest.raises(NotFound, match="O-unknown is not in the planning pool") as raised:
        asyncio.run(servicer.ExplainOrder(request, None))
    assert isinstance(raised.value.__cause__, scheduling_errors.OrderNotInPool)
    assert status_for(raised.value).code == code_pb2.NOT_FOUND
