"""A bar's risk in the REST schedule: ON_TIME, AT_RISK or LATE, or none when the order has no
promised date (issue 19: the portal showed the wire's unset value, `UNSPECIFIED`)."""

from __future__ import annotations

from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway import reads


def bar_risks(*risks: int) -> list[str]:
    lane = sch.MachineLane(machine_id="M1", factory_id="F1", bars=[
        sch.GanttBar(operation_id=f"op{i}", order_id="o", risk=r) for i, r in enumerate(risks)])
    return [b.risk for b in reads.lane(lane).bars]


def test_a_bar_without_a_promised_date_has_no_risk_rather_than_unspecified():
    assert bar_risks(sch.SCHEDULE_RISK_UNSPECIFIED, sch.SCHEDULE_RISK_ON_TIME,
                     sch.SCHEDULE_RISK_AT_RISK, sch.SCHEDULE_RISK_LATE) == [
        "", "ON_TIME", "AT_RISK", "LATE"]
