"""The command line's plan shows a real risk or none, never the wire's `UNSPECIFIED`
(issue 19), whether the row came from GetSchedule or from the assignment feed."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from dovetail.scheduling.v1 import scheduling_service_pb2 as sched_pb
from dovetail_factory.cli.views import schedule_table
from dovetail_factory.models import ScheduledOperation, risk_name


def test_an_unset_risk_is_no_risk():
    assert risk_name(sched_pb.SCHEDULE_RISK_UNSPECIFIED) == ""
    assert risk_name(sched_pb.SCHEDULE_RISK_LATE) == "LATE"


def test_the_schedule_table_says_no_word_for_an_order_without_a_promised_date():
    at = datetime(2026, 12, 5, 8, tzinfo=UTC)
    rows = [ScheduledOperation("op1", "order-1", 1, "SAW1", at, at, "PLANNED",
                               risk_name(sched_pb.SCHEDULE_RISK_UNSPECIFIED)),
            ScheduledOperation("op2", "order-2", 1, "EB1", at, at, "PLANNED",
                               risk_name(sched_pb.SCHEDULE_RISK_AT_RISK))]
    console = Console(record=True, width=160)
    console.print(schedule_table(rows))
    text = console.export_text()
    assert "UNSPECIFIED" not in text and "AT_RISK" in text
