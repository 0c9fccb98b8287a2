"""An independent check of plain FJSP schedules: it reads only the instance and the
schedule, and shares no code with the searches that made it."""

from __future__ import annotations

from .instance import FjspInstance


def validate_fjsp(instance: FjspInstance, assignments) -> list[str]:
    """Problems with a plain FJSP schedule (empty when valid)."""
    out: list[str] = []
    seen = {}
    for a in assignments:
        if (a.job, a.op) in seen:
            out.append(f"job {a.job} op {a.op} scheduled twice")
        seen[a.job, a.op] = a
    for j, job in enumerate(instance.jobs):
        for o, op in enumerate(job):
            a = seen.get((j, o))
            if a is None:
                out.append(f"job {j} op {o} missing")
                continue
            durations = dict(op.options)
            if a.machine not in durations:
                out.append(f"job {j} op {o} on ineligible machine {a.machine}")
            elif a.end - a.start != durations[a.machine]:
                out.append(f"job {j} op {o} lasts {a.end - a.start}, needs {durations[a.machine]}")
            if a.start < 0:
                out.append(f"job {j} op {o} starts before 0")
            if o and (j, o - 1) in seen and a.start < seen[j, o - 1].end:
                out.append(f"job {j} op {o} starts before op {o - 1} ends")
    by_machine: dict[int, list] = {}
    for a in assignments:
        if a.end > a.start:  # an operation of no duration takes no time on its machine
            by_machine.setdefault(a.machine, []).append(a)
    for m, ops in by_machine.items():
        ops.sort(key=lambda a: a.start)
        for x, y in zip(ops, ops[1:], strict=False):
            if y.start < x.end:
                out.append(f"machine {m}: job {x.job} op {x.op} overlaps job {y.job} op {y.op}")
    return out
