"""Named errors become gRPC statuses a program can act on."""

import pytest
from google.rpc import code_pb2, error_details_pb2

from services.kit.errors import FailedPrecondition
from services.kit.rpc import status_for

pytestmark = pytest.mark.unit


def test_a_precondition_that_names_its_reason_carries_error_info_and_the_violation():
    status = status_for(FailedPrecondition(
        "no factory has a paint_line", reason="MISSING_MACHINE_TYPE", domain="scheduling.dovetail",
        subject="paint_line", facts={"machine_type": "paint_line"}))
    info, failure = error_details_pb2.ErrorInfo(), error_details_pb2.PreconditionFailure()
    assert status.code == code_pb2.FAILED_PRECONDITION
    assert status.details[0].Unpack(info) and status.details[1].Unpack(failure)
    assert (info.reason, info.domain, dict(info.metadata)) == (
        "MISSING_MACHINE_TYPE", "scheduling.dovetail", {"machine_type": "paint_line"})
    assert (failure.violations[0].type, failure.violations[0].subject) == (
        "MISSING_MACHINE_TYPE", "paint_line")


def test_a_plain_precondition_stays_a_message():
    status = status_for(FailedPrecondition("order is in production"))
    assert status.code == code_pb2.FAILED_PRECONDITION and not status.details
