"""One machine's maintenance tasks (issue 22): proposed by scheduling, accepted or moved by the
factory's people, then reported done by them.

`MachineMaintenance` is one aggregate per machine (a `uuid5` of the machine id), so "no second
open task for the machine" is one aggregate's rule, checked where the task is proposed. A task
is open until its work is reported done (proposed, or accepted and its stop planned, under way
or over without a word yet); a new warning about the machine while one is open is only tracked.
The task's placement comes from `maintenance.place` and its move from
`MaintenanceProposal.moved` (refused with the field named); who accepted or moved it, who
reported it done, and when, are recorded with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from eventsourcing.domain import Aggregate, event

from services.kit.words import N_, Words
from services.scheduling.domain.errors import (
    MaintenanceNotUnderway,
    MaintenanceStarted,
    MaintenanceTaskNotFound,
)
from services.scheduling.domain.ids import NAMESPACE
from services.scheduling.domain.maintenance import MaintenanceProposal

PROPOSED = "PROPOSED"
ACCEPTED = "ACCEPTED"
DONE = "DONE"


def maintenance_key(machine_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"maintenance:{machine_id}")


def stop_id_of(task_id: str) -> str:
    """The planned stop an accepted task becomes (in FactoryCapacity and at iot)."""
    return f"maintenance-{task_id}"


@dataclass(frozen=True, slots=True)
class MaintenanceTask:
    """A maintenance stop of one machine, as proposed and as the factory decided it."""

    task_id: str
    factory_id: str
    machine_id: str
    reason: str  # "risk" (iot's wear watch) or "tool" (a tool's life; its type in `detail`)
    detail: str
    explanation: tuple[str, ...]  # in English, e.g. "cutting current up 18 % over 9 days"
    start_ms: int
    end_ms: int
    due_by_ms: int
    displaces: tuple[str, ...]
    proposed_at_ms: int
    status: str = PROPOSED
    decided_by: str = ""
    decided_at_ms: int = 0
    done_by: str = ""
    done_at_ms: int = 0
    # the explanation as words people read, line for line (empty for a task proposed before)
    explanation_words: tuple[Words, ...] = ()

    @property
    def open(self) -> bool:
        """Not yet reported done: the machine's maintenance is still to come (or to confirm)."""
        return self.status != DONE

    @property
    def proposal(self) -> MaintenanceProposal:
        return MaintenanceProposal(
            self.machine_id,
            self.reason,
            self.detail,
            self.start_ms,
            self.end_ms,
            self.due_by_ms,
            self.displaces,
            self.status != PROPOSED,
        )


class MachineMaintenance(Aggregate):
    """The maintenance tasks of one machine."""

    @staticmethod
    def create_id(machine_id: str) -> uuid.UUID:
        return maintenance_key(machine_id)

    @event("Opened")
    def __init__(self, machine_id: str, factory_id: str):
        self.machine_id = machine_id
        self.factory_id = factory_id
        self.tasks: dict[str, MaintenanceTask] = {}

    def open_task(self) -> MaintenanceTask | None:
        return next((t for t in self.tasks.values() if t.open), None)

    def serviced_after(self, since_ms: int) -> bool:
        """Maintenance was reported done after `since_ms`: a warning judged on a baseline
        learnt before then is about the part that was changed, not news."""
        return any(t.status == DONE and t.done_at_ms > since_ms for t in self.tasks.values())

    def task(self, task_id: str) -> MaintenanceTask:
        found = self.tasks.get(task_id)
        if found is None:
            raise MaintenanceTaskNotFound(Words.of(N_("no maintenance task %(task_id)s on "
                                                      "%(machine_id)s"),
                task_id=task_id, machine_id=self.machine_id))
        return found

    def propose(
        self,
        proposal: MaintenanceProposal,
        explanation: Sequence[str],
        at_ms: int,
        said: Sequence[Words] = (),
    ) -> MaintenanceTask | None:
        """Propose `proposal`; None (nothing recorded) while another task is open."""
        if self.open_task() is not None:
            return None
        task_id = str(uuid.uuid5(self.id, str(len(self.tasks) + 1)))
        self._proposed(
            task_id=task_id,
            machine_id=self.machine_id,
            factory_id=self.factory_id,
            reason=proposal.reason,
            detail=proposal.detail,
            explanation=list(explanation),
            start_ms=proposal.start_ms,
            end_ms=proposal.end_ms,
            due_by_ms=proposal.due_by_ms,
            displaces=list(proposal.displaces),
            at_ms=at_ms,
            **({"said": list(said)} if said else {}),
        )
        return self.tasks[task_id]

    @event("Proposed")
    def _proposed(
        self,
        task_id: str,
        machine_id: str,
        factory_id: str,
        reason: str,
        detail: str,
        explanation: list[str],
        start_ms: int,
        end_ms: int,
        due_by_ms: int,
        displaces: list[str],
        at_ms: int,
        said: list[Words] | None = None,  # the explanation as words; absent before words
    ) -> None:
        self.tasks = {
            **self.tasks,
            task_id: MaintenanceTask(
                task_id,
                factory_id,
                machine_id,
                reason,
                detail,
                tuple(explanation),
                start_ms,
                end_ms,
                due_by_ms,
                tuple(displaces),
                at_ms,
                explanation_words=tuple(said or ()),
            ),
        }

    def accept(self, task_id: str, by: str, at_ms: int) -> bool:
        """The factory takes the task where it was proposed; False when already accepted (or
        done)."""
        if self.task(task_id).status != PROPOSED:
            return False
        self._decide(self.tasks[task_id], self.tasks[task_id].start_ms, by, at_ms)
        return True

    def move(
        self,
        task_id: str,
        start_ms: int,
        busy: Sequence[tuple[str, int, int]],
        by: str,
        now_ms: int,
    ) -> bool:
        """The factory moves the task to `start_ms` (accepted there), proposed or accepted
        alike until its stop begins (MaintenanceStarted after); InvalidArgument naming
        `start_ms` when it would be in the past, after the due time or clash with planned
        operations; False when it is accepted there already."""
        task = self.task(task_id)
        if task.status == DONE:
            raise MaintenanceNotUnderway(Words.of(N_("maintenance task %(task_id)s is done "
                                                     "already"),
                task_id=task_id))
        if task.status == ACCEPTED and now_ms >= task.start_ms:
            raise MaintenanceStarted(
                Words.of(N_("the stop of maintenance task %(task_id)s has begun: report it done "
                            "when the work is done"),
                    task_id=task_id)
            )
        moved = task.proposal.moved(start_ms, busy, now_ms)
        if task.status == ACCEPTED and moved.start_ms == task.start_ms:
            return False
        self._decide(task, moved.start_ms, by, now_ms)
        return True

    def _decide(self, task: MaintenanceTask, start_ms: int, by: str, at_ms: int) -> None:
        self._decided(
            task_id=task.task_id,
            machine_id=self.machine_id,
            factory_id=self.factory_id,
            start_ms=start_ms,
            end_ms=start_ms + (task.end_ms - task.start_ms),
            by=by,
            at_ms=at_ms,
        )

    @event("Decided")
    def _decided(
        self,
        task_id: str,
        machine_id: str,
        factory_id: str,
        start_ms: int,
        end_ms: int,
        by: str,
        at_ms: int,
    ) -> None:
        task = self.tasks[task_id]
        moved = start_ms != task.start_ms
        self.tasks = {
            **self.tasks,
            task_id: replace(
                task,
                start_ms=start_ms,
                end_ms=end_ms,
                status=ACCEPTED,
                decided_by=by,
                decided_at_ms=at_ms,
                displaces=() if moved else task.displaces,
            ),
        }

    def report_done(self, task_id: str, by: str, at_ms: int) -> bool:
        """The factory reports the task's work done (the part changed, the machine serviced);
        False when it was reported already. MaintenanceNotUnderway while the task is only
        proposed, or before its stop begins. Done before its planned end, the stop ends then:
        the task's `end_ms` becomes the moment it was reported (the machine is free after)."""
        task = self.task(task_id)
        if task.status == DONE:
            return False
        if task.status != ACCEPTED:
            raise MaintenanceNotUnderway(
                Words.of(N_("maintenance task %(task_id)s is not accepted yet: accept it (or move "
                            "it) first"),
                    task_id=task_id)
            )
        if at_ms < task.start_ms:
            raise MaintenanceNotUnderway(
                Words.of(N_("the stop of maintenance task %(task_id)s has not begun: report it "
                            "done once its work is done"),
                    task_id=task_id)
            )
        self._done(
            task_id=task_id,
            machine_id=self.machine_id,
            factory_id=self.factory_id,
            by=by,
            at_ms=at_ms,
        )
        return True

    @event("Done")
    def _done(self, task_id: str, machine_id: str, factory_id: str, by: str, at_ms: int) -> None:
        task = self.tasks[task_id]
        self.tasks = {
            **self.tasks,
            task_id: replace(
                task,
                status=DONE,
                done_by=by,
                done_at_ms=at_ms,
                end_ms=min(task.end_ms, max(task.start_ms, at_ms)),
            ),
        }
