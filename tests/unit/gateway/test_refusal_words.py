"""A domain refusal every service writes is words (issue 19, item 3): the gRPC edge packs them
beside the status (`dovetail.common.v1.Words`), and the gateway says them in the reader's
language for pages people read (`ServiceError.said`) while `detail`, what REST answers and
logs keep, stays the English."""

from __future__ import annotations

import grpc
import pytest

from gateway.errors import from_grpc
from services.kit.errors import DomainError, FailedPrecondition, NotFound, categorised
from services.kit.rpc import status_for
from services.kit.words import N_, Words
from services.scheduling.domain.progress import FINISHED, STARTED, OrderProgress, Report
from services.scheduling.rpc.servicer import ERRORS as SCHEDULING_ERRORS

pytestmark = pytest.mark.unit


def answered(exc: Exception) -> grpc.aio.AioRpcError:
    """The status a service answers `exc` with, as the gateway's client gets it."""
    status = status_for(exc)
    return grpc.aio.AioRpcError(
        grpc.StatusCode(next(c for c in grpc.StatusCode if c.value[0] == status.code)),
        grpc.aio.Metadata(),
        grpc.aio.Metadata(("grpc-status-details-bin", status.SerializeToString())),
        status.message)


def refused_report(operation_id: str, kind: str) -> DomainError:
    """What scheduling's servicer raises for an operator's report of an order whose two
    operations are both still planned."""
    progress = OrderProgress(order_id="o-1", operation_ids=["o-1/op-1", "o-1/op-2"])
    with pytest.raises(DomainError) as caught:
        progress.report(Report(operation_id=operation_id, kind=kind, key="k-1",
                               factory_id="f-1", machine_id="saw-1", machine_type="panel_saw",
                               at_ms=1))
    return categorised(caught.value, SCHEDULING_ERRORS)


FINISH_UNSTARTED = "operation o-1/op-1 cannot be finished: it is planned, report it started first"
START_OUT_OF_ORDER = ("operation o-1/op-2 cannot start before o-1/op-1 has finished (it is "
                      "planned)")


def test_an_operators_refused_report_reads_in_chinese_on_pages_and_in_english_for_machines(
        chinese):
    error = from_grpc(answered(refused_report("o-1/op-1", FINISHED)))

    assert error.status_code == 409
    assert error.said == "工序 o-1/op-1 还没开工，不能报完工：请先报开工"
    assert error.detail == FINISH_UNSTARTED  # REST `detail` and logs
    started_early = from_grpc(answered(refused_report("o-1/op-2", STARTED)))
    assert started_early.said == "上道工序 o-1/op-1 还没开工，工序 o-1/op-2 不能开工：请等 o-1/op-1 完工"
    assert started_early.detail == START_OUT_OF_ORDER


def test_without_a_language_the_refusal_is_said_in_english():
    error = from_grpc(answered(refused_report("o-1/op-1", FINISHED)))
    assert error.said == error.detail == FINISH_UNSTARTED


def test_the_message_words_travel_beside_each_category_and_a_plain_message_as_written(chinese):
    words = Words.of(N_("order %(order_id)s does not exist"), order_id="o-9")
    assert str(NotFound(words)) == "order o-9 does not exist"  # the English, for logs
    found = from_grpc(answered(NotFound(words)))
    assert (found.status_code, found.said, found.detail) == (
        404, "订单 o-9 不存在", "order o-9 does not exist")
    # FAILED_PRECONDITION naming its reason keeps ErrorInfo and PreconditionFailure first
    status = status_for(FailedPrecondition(words, reason="GONE", domain="orders.dovetail"))
    assert len(status.details) == 3
    plain = from_grpc(answered(FailedPrecondition("order is in production")))
    assert plain.said == plain.detail == "order is in production"
    assert not status_for(RuntimeError("boom")).details  # INTERNAL says nothing of itself
