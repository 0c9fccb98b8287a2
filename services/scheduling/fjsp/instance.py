"""Plain flexible job-shop (FJSP) instances: the data, the text format, lower bounds.

Format (Brandimarte / Hurink / Mastrolilli ``.fjs``): whitespace-separated integers. The
header gives jobs, machines and an informational third number that we ignore. Each job
then lists its operation count and, per operation, ``k`` followed by ``k`` pairs
``machine duration`` with machines numbered from 1. Everything here is 0-based.
"""

from __future__ import annotations

from dataclasses import dataclass


class FjspFormatError(ValueError):
    """The text is not a well-formed FJSP instance."""


@dataclass(frozen=True)
class FjspOperation:
    """One operation: the machines that can process it, with their durations."""

    options: tuple[tuple[int, int], ...]  # (machine, duration), machine 0-based

    @property
    def min_duration(self) -> int:
        return min(d for _, d in self.options)


@dataclass(frozen=True)
class FjspInstance:
    """Jobs of operations in processing order over ``machines`` machines."""

    machines: int
    jobs: tuple[tuple[FjspOperation, ...], ...]
    name: str = ""

    @property
    def operation_count(self) -> int:
        return sum(len(job) for job in self.jobs)

    def operations(self):
        """Yield ``(job, op, FjspOperation)`` in job order."""
        for j, job in enumerate(self.jobs):
            for o, op in enumerate(job):
                yield j, o, op


@dataclass(frozen=True)
class FjspAssignment:
    job: int
    op: int
    machine: int
    start: int
    end: int


def parse_fjsp(text: str, name: str = "") -> FjspInstance:
    """Parse the ``.fjs`` text format; raise :class:`FjspFormatError` on malformed input."""
    raw = text.split()
    if len(raw) < 2:
        raise FjspFormatError("missing header")
    try:
        n_jobs, n_machines = int(raw[0]), int(raw[1])
    except ValueError:
        raise FjspFormatError("header must start with two integers") from None
    # The third header number is informational (sometimes fractional, sometimes missing):
    # find where the jobs start by trying both layouts.
    for first in (3, 2):
        try:
            tokens = [int(t) for t in raw[first:]]
            return _parse_jobs(tokens, 0, n_jobs, n_machines, name)
        except (FjspFormatError, ValueError) as exc:
            if first == 2:
                raise FjspFormatError(str(exc)) from None
    raise AssertionError("unreachable")


def _parse_jobs(tokens, pos, n_jobs, n_machines, name) -> FjspInstance:
    jobs = []
    try:
        for _ in range(n_jobs):
            n_ops = tokens[pos]
            pos += 1
            ops = []
            for _ in range(n_ops):
                k = tokens[pos]
                pos += 1
                options = []
                for _ in range(k):
                    m, d = tokens[pos] - 1, tokens[pos + 1]
                    pos += 2
                    if not 0 <= m < n_machines or d <= 0 or k <= 0:
                        raise FjspFormatError(f"bad machine {m + 1} or duration {d}")
                    options.append((m, d))
                ops.append(FjspOperation(tuple(options)))
            jobs.append(tuple(ops))
    except IndexError:
        raise FjspFormatError("instance ends early") from None
    if pos != len(tokens):
        raise FjspFormatError(f"{len(tokens) - pos} trailing tokens")
    return FjspInstance(machines=n_machines, jobs=tuple(jobs), name=name)


def lower_bound(instance: FjspInstance) -> int:
    """A quick makespan lower bound: the longest job path, and the average load over the
    machines (each operation at its shortest duration), and for each single machine the
    operations that can run only there."""
    path = max((sum(op.min_duration for op in job) for job in instance.jobs), default=0)
    total = sum(op.min_duration for _, _, op in instance.operations())
    used = {m for _, _, op in instance.operations() for m, _ in op.options}
    avg = -(-total // max(1, len(used)))
    only = [0] * instance.machines
    for _, _, op in instance.operations():
        if len(op.options) == 1:
            only[op.options[0][0]] += op.options[0][1]
    return max(path, avg, max(only, default=0))


@dataclass(frozen=True)
class FjspResult:
    """A solved instance: the schedule, its makespan and the proven lower bound."""

    makespan: int
    lower_bound: int
    status: str  # OPTIMAL | FEASIBLE | UNKNOWN
    assignments: tuple[FjspAssignment, ...]

    def to_json(self) -> dict:
        return {
            "makespan": self.makespan,
            "lower_bound": self.lower_bound,
            "status": self.status,
            "assignments": [
                {"job": a.job, "op": a.op, "machine": a.machine, "start": a.start, "end": a.end}
                for a in self.assignments
            ],
        }
