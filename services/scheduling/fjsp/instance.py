"""Plain flexible job-shop (FJSP) instances: the data, the text format, lower bounds.

Format (Brandimarte / Hurink / Mastrolilli ``.fjs``): whitespace-separated integers. The
header line gives jobs, machines and an informational third number that we ignore. Each
job then lists its operation count and, per operation, ``k`` followed by ``k`` pairs
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
    """Parse the ``.fjs`` text format; raise :class:`FjspFormatError` naming the line of
    each problem found.

    Takes the files as they circulate: any mix of spaces and tabs, blank lines, CRLF or CR
    line ends, a byte-order mark, a header of two numbers or three (the third, often
    fractional, is ignored), operations of zero duration (Hurink's orb7), and lines of
    words after the last job (notes). Line breaks inside the job data carry no meaning."""
    tokens = [
        (token, line)
        for line, words in enumerate(text.lstrip("\ufeff").splitlines(), start=1)
        for token in words.split()
    ]
    if not tokens:
        raise FjspFormatError("empty: no header (jobs, machines)")
    header_line = tokens[0][1]
    on_header = sum(1 for _, line in tokens if line == header_line)
    problems: list[str] = []
    n_jobs = _count(tokens, 0, "the number of jobs", problems)
    n_machines = _count(tokens, 1, "the number of machines", problems)
    if problems:
        raise FjspFormatError("; ".join(problems))
    if on_header >= 4 and _is_int(tokens[2][0]):
        # whole instance on one line: the third number may be there or not; try both
        try:
            return _Jobs(tokens, 3, n_jobs, n_machines).parse(name)
        except FjspFormatError:
            return _Jobs(tokens, 2, n_jobs, n_machines).parse(name)
    if on_header >= 3 and not _is_number(tokens[2][0]):
        raise FjspFormatError(
            f"line {header_line}: the header's third value {tokens[2][0]!r} is not a number"
        )
    return _Jobs(tokens, min(on_header, 3), n_jobs, n_machines).parse(name)


def _is_int(token: str) -> bool:
    return token.isdigit()


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _count(tokens, at: int, what: str, problems: list[str]) -> int:
    """The header's positive integer at ``at`` (a problem noted when it is not one)."""
    if at >= len(tokens):
        problems.append(f"the header lacks {what}")
        return 0
    token, line = tokens[at]
    if not _is_int(token) or int(token) < 1:
        problems.append(f"line {line}: {what} must be a positive integer, not {token!r}")
        return 0
    return int(token)


class _Jobs:
    """Reads the job data after the header, noting every problem it can read past."""

    def __init__(self, tokens, pos: int, n_jobs: int, n_machines: int):
        self.tokens, self.pos = tokens, pos
        self.n_jobs, self.n_machines = n_jobs, n_machines
        self.problems: list[str] = []

    def parse(self, name: str) -> FjspInstance:
        jobs = []
        try:
            for j in range(1, self.n_jobs + 1):
                jobs.append(self._job(j))
        except _Ended as ended:
            self.problems.append(str(ended))
        else:
            self._trailing()
        if self.problems:
            raise FjspFormatError("; ".join(self.problems))
        return FjspInstance(machines=self.n_machines, jobs=tuple(jobs), name=name)

    def _job(self, j: int) -> tuple[FjspOperation, ...]:
        n_ops = self._int(f"job {j}: the number of operations", 0)
        return tuple(self._operation(j, o) for o in range(1, n_ops + 1))

    def _operation(self, j: int, o: int) -> FjspOperation:
        where = f"job {j} operation {o}"
        k = self._int(f"{where}: the number of machines", 1)
        options: dict[int, int] = {}
        for _ in range(k):
            line = self._line()
            machine = self._int(f"{where}: a machine", 1)
            duration = self._int(f"{where}: the duration on machine {machine}", 0)
            if machine > self.n_machines:
                self.problems.append(
                    f"line {line}: {where} names machine {machine}; the header says "
                    f"{self.n_machines} machines"
                )
            elif machine - 1 in options:
                self.problems.append(f"line {line}: {where} names machine {machine} twice")
            else:
                options[machine - 1] = duration
        return FjspOperation(tuple(options.items()))

    def _line(self) -> int:
        return self.tokens[min(self.pos, len(self.tokens) - 1)][1]

    def _int(self, what: str, least: int) -> int:
        if self.pos >= len(self.tokens):
            raise _Ended(
                f"line {self.tokens[-1][1]}: the file ends before {what} "
                f"(the header says {self.n_jobs} jobs)"
            )
        token, line = self.tokens[self.pos]
        self.pos += 1
        if not _is_int(token):
            raise _Ended(f"line {line}: {what} must be an integer, not {token!r}")
        if int(token) < least:
            self.problems.append(f"line {line}: {what} must be at least {least}, not {token}")
        return int(token)

    def _trailing(self) -> None:
        """Words after the last job are notes; numbers mean the header's counts are wrong."""
        rest = self.tokens[self.pos:]
        numbers = [(token, line) for token, line in rest if _is_number(token)]
        if numbers:
            token, line = numbers[0]
            self.problems.append(
                f"line {line}: numbers after the last of the header's {self.n_jobs} jobs "
                f"({len(numbers)}, from {token!r})"
            )


class _Ended(Exception):
    """The job data cannot be read past this point."""


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
