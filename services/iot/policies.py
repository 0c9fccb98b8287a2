"""How iot follows scheduling: which operation ran on which machine when (energy per order, OEE),
maintenance reported done on a machine (its wear watch learns a new baseline, issue 22), and
the window of a maintenance task's planned stop (moved, or ended when done early).

Each fact is kept once on the operation's run or the machine; a repeat or a late duplicate
changes nothing.
"""

from __future__ import annotations

from eventsourcing.application import ProcessingEvent

from dovetail.common.v1.envelope_pb2 import EventEnvelope
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from services.iot.application import IotApplication
from services.kit.envelope import body_as
from services.kit.errors import InvalidArgument, Violations
from services.kit.runtime import ConsumerSpec
from services.kit.words import N_

SUBJECTS = ["dovetail.scheduling.operation_started", "dovetail.scheduling.operation_finished",
            "dovetail.scheduling.operation_scrapped", "dovetail.scheduling.maintenance_done",
            "dovetail.scheduling.maintenance_accepted"]


def _ms(ts) -> int:
    return ts.seconds * 1000 + ts.nanos // 1_000_000


def consumers(app: IotApplication) -> list[ConsumerSpec]:
    def run_of(body):
        if not body.operation_id or not body.machine_id:
            raise InvalidArgument(Violations.one("operation_id", N_("operation and machine needed")))
        return app.operation_run(body.operation_id, body.order_id, body.factory_id,
                                 body.machine_id)

    def started(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        body = body_as(envelope, scheduling.OperationStarted)
        run = run_of(body)
        run.record_started(_ms(body.started_at))
        processing.collect_events(run)

    def finished(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        body = body_as(envelope, scheduling.OperationFinished)
        run = run_of(body)
        run.record_finished(_ms(body.finished_at), body.planned_duration_seconds)
        processing.collect_events(run)

    def scrapped(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        body = body_as(envelope, scheduling.OperationScrapped)
        run = run_of(body)
        run.record_scrapped(body.scrap_quantity)
        processing.collect_events(run)

    def maintained(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        """The machine was serviced: its alarm and health go; the intake's watch learns its
        new baseline from `done_at` when it next assesses (`IotApplication.keep_health`)."""
        task = body_as(envelope, scheduling.MaintenanceDone).task
        if not task.machine_id or not task.task_id or not task.HasField("done_at"):
            raise InvalidArgument(Violations.one("task", N_("machine, task and done_at needed")))
        machine = app.record_maintained(task.machine_id, task.task_id, _ms(task.done_at),
                                        task.done_by)
        if machine is not None:
            processing.collect_events(machine)
        # its planned stop (declared here under the stop's id) is over if it was not yet
        stop = app.end_stop(task.factory_id, task.stop_id, _ms(task.done_at)) if (
            task.stop_id) else None
        if stop is not None:
            processing.collect_events(stop)

    def accepted(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        """A maintenance task accepted or moved: its planned stop, declared here by the
        gateway or the demo's crew under the stop's id, moves with it (nothing before then)."""
        task = body_as(envelope, scheduling.MaintenanceAccepted).task
        if task.stop_id and task.HasField("start") and task.HasField("end"):
            stop = app.replan_stop(task.factory_id, task.stop_id, _ms(task.start), _ms(task.end))
            if stop is not None:
                processing.collect_events(stop)

    table = {scheduling.OperationStarted.DESCRIPTOR.full_name: started,
             scheduling.OperationFinished.DESCRIPTOR.full_name: finished,
             scheduling.OperationScrapped.DESCRIPTOR.full_name: scrapped,
             scheduling.MaintenanceDone.DESCRIPTOR.full_name: maintained,
             scheduling.MaintenanceAccepted.DESCRIPTOR.full_name: accepted}

    def policy(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        handler = table.get(envelope.type)
        if handler is not None:
            handler(envelope, processing)

    return [ConsumerSpec("scheduling", SUBJECTS, policy)]
