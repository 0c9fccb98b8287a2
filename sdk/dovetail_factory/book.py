"""The factory's assignment book: the last feed sequence it processed and what it holds now.

Kept in a small JSON file, written atomically after every change, so a restarted program
resumes the stream after the last change it was given: nothing missed, nothing twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from dovetail_factory.models import Assignment, AssignmentChange

FORMAT = 1
DONE = ("FINISHED",)


class AssignmentBook:
    """What the factory holds, by operation id, and where in the feed it stands."""

    def __init__(self, path: Path | None = None, identity: str = ""):
        self.path = path
        self.identity = identity
        self.sequence = 0
        self.held: dict[str, Assignment] = {}

    @classmethod
    def open(cls, path: Path | None, identity: str = "") -> AssignmentBook:
        """The book stored at `path` (a fresh one if absent, or kept for another server/key)."""
        book = cls(path, identity)
        if path is None or not path.exists():
            return book
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return book  # unreadable: start over from the server's current assignments
        if data.get("format") != FORMAT or (identity and data.get("identity") != identity):
            return book
        book.sequence = int(data.get("sequence", 0))
        book.held = {k: Assignment.from_json(v) for k, v in data.get("held", {}).items()}
        return book

    def apply(self, change: AssignmentChange) -> bool:
        """Take a change in feed order; False (and nothing changes) if it was seen before."""
        if change.sequence <= self.sequence:
            return False
        a = change.assignment
        if change.kind == "WITHDRAWN":
            self.held.pop(a.operation_id, None)
        else:
            self.held[a.operation_id] = a
        self.sequence = change.sequence
        self.save()
        return True

    def save(self) -> None:
        if self.path is None:
            return
        data = {"format": FORMAT, "identity": self.identity, "sequence": self.sequence,
                "held": {k: v.to_json() for k, v in self.held.items()}}
        write_private(self.path, json.dumps(data, separators=(",", ":")))

    def reset(self) -> None:
        """Forget everything: the next stream starts from the server's current assignments."""
        self.sequence = 0
        self.held = {}
        self.save()

    def queue(self, machine_id: str) -> list[Assignment]:
        """A machine's work not yet finished: started first, then by planned start."""
        return sorted((a for a in self.held.values()
                       if a.machine_id == machine_id and a.status not in DONE),
                      key=_work_order)

    def machines(self) -> list[str]:
        return sorted({a.machine_id for a in self.held.values()})

    def next_per_machine(self) -> dict[str, Assignment]:
        """What each machine should make next (the head of its queue)."""
        out = {}
        for machine_id in self.machines():
            queue = self.queue(machine_id)
            if queue:
                out[machine_id] = queue[0]
        return out


def _work_order(a: Assignment) -> tuple:
    started = 0 if a.status == "STARTED" else 1
    start = a.planned_start.timestamp() if a.planned_start else float("inf")
    return started, start, a.seq, a.operation_id


def write_private(path: Path, text: str, mode: int = 0o600) -> None:
    """Write `text` to `path` atomically (temp file + rename), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            os.fchmod(f.fileno(), mode)
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def holding(changes: Iterable[AssignmentChange]) -> dict[str, Assignment]:
    """What a client holds after applying `changes` in order (for checks and tests)."""
    book = AssignmentBook()
    for change in changes:
        book.apply(change)
    return book.held
