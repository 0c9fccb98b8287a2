"""The network problem as flat numpy arrays, for the compiled dispatch and search
(:mod:`.kernels`): factories, machines, their working time, orders and operations, each
indexed by position, lists in CSR form (``ptr[i] .. ptr[i + 1]``).

Working time of a machine is its factory's shift windows merged into stretches (windows
that touch are one stretch: a two-shift factory works through its shift change; only a gap
between windows is a break), minus the machine's downtime, inside ``[0, horizon)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .model import NetworkProblem, PlannedOperation, SchedulingError

DAY = 24 * 60


def working_stretches(windows, horizon: int) -> list[tuple[int, int]]:
    """Windows merged where they touch or overlap, clipped to ``[0, horizon)``."""
    out: list[list[int]] = []
    for w in sorted(windows, key=lambda w: (w.start, w.end)):
        lo, hi = max(0, w.start), min(horizon, w.end)
        if hi <= lo:
            continue
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(s, e) for s, e in out]


def _minus(stretches, down) -> list[tuple[int, int]]:
    """``stretches`` with the (merged, sorted) ``down`` windows cut out."""
    out = []
    for s, e in stretches:
        t = s
        for ds, de in down:
            if de <= t or ds >= e:
                continue
            if ds > t:
                out.append((t, ds))
            t = max(t, de)
        if t < e:
            out.append((t, e))
    return out


@dataclass
class NetworkArrays:
    """Index maps and arrays of one :class:`NetworkProblem` (see the module docstring)."""

    problem: NetworkProblem
    type_names: list[str]
    factory_ids: list[str]
    machine_ids: list[str]
    order_ids: list[str]
    order_index: dict[str, int]
    machine_index: dict[tuple[str, str], int]
    # factories
    f_mptr: np.ndarray  # machines of factory f: f_mptr[f] .. f_mptr[f + 1]
    f_types: np.ndarray  # bit mask of the machine types it has
    # machines
    m_factory: np.ndarray
    m_type: np.ndarray
    m_speed: np.ndarray
    m_budget: np.ndarray  # chain minutes: floor(share x working minutes)
    m_change: np.ndarray  # changeover minutes between families on it
    w_ptr: np.ndarray  # working windows of machine m: w_ptr[m] .. w_ptr[m + 1]
    w_start: np.ndarray
    w_end: np.ndarray
    # orders and operations
    o_ptr: np.ndarray  # operations of order o: o_ptr[o] .. o_ptr[o + 1]
    o_due: np.ndarray
    o_weight: np.ndarray
    o_release: np.ndarray
    o_types: np.ndarray  # bit mask of the machine types it needs
    op_type: np.ndarray
    op_dur: np.ndarray  # base minutes
    op_fam: np.ndarray  # setup family, 0 = none
    op_wait: np.ndarray  # minimum wait after it
    # started operations: fixed machine and times, per op (-1 where not started)
    fz_machine: np.ndarray
    fz_start: np.ndarray
    fz_end: np.ndarray
    # day buckets of working capacity per (factory, type, day), base minutes
    cap: np.ndarray
    horizon: int
    now: int

    @property
    def n_ops(self) -> int:
        return len(self.op_type)

    def planned(self, op_machine, op_start, op_end, reuse=None) -> list[PlannedOperation]:
        """Planned operations of every placed order from per-op arrays; ``reuse`` (a dict
        key -> PlannedOperation) gives back the same objects where nothing changed."""
        placed = np.flatnonzero(op_machine >= 0)
        owner = (np.searchsorted(self.o_ptr, placed, side="right") - 1).tolist()
        index = (placed - self.o_ptr[owner]).tolist() if placed.size else []
        machines = op_machine[placed]
        mids = [self.machine_ids[m] for m in machines.tolist()]
        fids = [self.factory_ids[f] for f in self.m_factory[machines].tolist()]
        starts = op_start[placed].tolist()
        ends = op_end[placed].tolist()
        oids = [self.order_ids[o] for o in owner]
        out = []
        if reuse is None:
            reuse = {}
        for oid, i, fid, mid, s, e in zip(oids, index, fids, mids, starts, ends, strict=True):
            old = reuse.get((oid, i))
            if old is not None and old.start == s and old.machine == mid and old.factory == fid and old.end == e:
                out.append(old)
            else:
                out.append(PlannedOperation(oid, i, fid, mid, s, e))
        return out

    def op_arrays(self, operations) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``operations`` (planned) as per-op machine, start, end arrays (-1 where absent)."""
        n = self.n_ops
        machine = np.full(n, -1, np.int64)
        start = np.full(n, -1, np.int64)
        end = np.full(n, -1, np.int64)
        for p in operations:
            o = self.order_index.get(p.order)
            m = self.machine_index.get((p.factory, p.machine))
            if o is None or m is None:
                continue
            j = self.o_ptr[o] + p.op
            if j >= self.o_ptr[o + 1]:
                continue
            machine[j], start[j], end[j] = m, p.start, p.end
        return machine, start, end


def compile_problem(problem: NetworkProblem) -> NetworkArrays:
    """Flatten ``problem`` (vectorised where it counts: 280,000 operations in about a second)."""
    horizon = problem.horizon
    types = sorted({m.type for f in problem.factories for m in f.machines}
                   | {op.machine_type for o in problem.orders for op in o.operations})
    if len(types) > 62:
        raise SchedulingError("more than 62 machine types")
    tix = {t: i for i, t in enumerate(types)}
    change = {r.machine_type: 0 for r in problem.setups}
    for r in problem.setups:
        change[r.machine_type] = max(change[r.machine_type], r.change_minutes)
    days = max(1, math.ceil(horizon / DAY))

    F = len(problem.factories)
    f_mptr = np.zeros(F + 1, np.int64)
    f_types = np.zeros(F, np.int64)
    m_factory, m_type, m_speed, m_budget, m_change = [], [], [], [], []
    w_ptr, w_start, w_end = [0], [], []
    machine_ids: list[str] = []
    machine_index: dict[tuple[str, str], int] = {}
    cap = np.zeros((F, len(types), days), np.float64)
    for fi, f in enumerate(problem.factories):
        stretches = working_stretches(f.shifts, horizon)
        for m in f.machines:
            mi = len(machine_ids)
            machine_ids.append(m.id)
            machine_index[f.id, m.id] = mi
            t = tix[m.type]
            f_types[fi] |= 1 << t
            m_factory.append(fi)
            m_type.append(t)
            m_speed.append(m.speed)
            m_change.append(change.get(m.type, 0))
            down = working_stretches(m.downtime, horizon)
            free = _minus(stretches, down) if down else stretches
            budget = math.floor(f.capacity_share * sum(e - s for s, e in free))
            m_budget.append(budget)
            for s, e in free:
                w_start.append(s)
                w_end.append(e)
                d = s // DAY
                while d * DAY < e and d < days:  # minutes of the window on each day
                    lo, hi = max(s, d * DAY), min(e, (d + 1) * DAY)
                    cap[fi, t, d] += (hi - lo) * m.speed * f.capacity_share
                    d += 1
            w_ptr.append(len(w_start))
        f_mptr[fi + 1] = len(machine_ids)

    order_ids = [o.id for o in problem.orders]
    order_index = {oid: i for i, oid in enumerate(order_ids)}
    if len(order_index) != len(order_ids):
        raise SchedulingError("order ids are not unique")
    counts = np.fromiter((len(o.operations) for o in problem.orders), np.int64, len(order_ids))
    o_ptr = np.zeros(len(order_ids) + 1, np.int64)
    np.cumsum(counts, out=o_ptr[1:])
    families: dict[str, int] = {"": 0}
    ops = [op for o in problem.orders for op in o.operations]
    op_type = np.fromiter((tix[op.machine_type] for op in ops), np.int64, len(ops))
    op_dur = np.fromiter((op.duration for op in ops), np.int64, len(ops))
    op_fam = np.fromiter((families.setdefault(op.setup_family, len(families)) for op in ops),
                         np.int64, len(ops))
    op_wait = np.fromiter((op.min_wait_after for op in ops), np.int64, len(ops))
    o_types = np.zeros(len(order_ids), np.int64)
    np.bitwise_or.at(o_types, np.repeat(np.arange(len(order_ids)), counts), np.left_shift(1, op_type))

    arrays = NetworkArrays(
        problem=problem, type_names=types, factory_ids=[f.id for f in problem.factories],
        machine_ids=machine_ids, order_ids=order_ids, order_index=order_index,
        machine_index=machine_index, f_mptr=f_mptr, f_types=f_types,
        m_factory=np.array(m_factory, np.int64), m_type=np.array(m_type, np.int64),
        m_speed=np.array(m_speed, np.float64), m_budget=np.array(m_budget, np.int64),
        m_change=np.array(m_change, np.int64), w_ptr=np.array(w_ptr, np.int64),
        w_start=np.array(w_start, np.int64), w_end=np.array(w_end, np.int64),
        o_ptr=o_ptr,
        o_due=np.fromiter((o.due for o in problem.orders), np.int64, len(order_ids)),
        o_weight=np.fromiter((o.weight for o in problem.orders), np.int64, len(order_ids)),
        o_release=np.fromiter((o.release for o in problem.orders), np.int64, len(order_ids)),
        o_types=o_types, op_type=op_type, op_dur=op_dur, op_fam=op_fam, op_wait=op_wait,
        fz_machine=np.full(len(ops), -1, np.int64), fz_start=np.full(len(ops), -1, np.int64),
        fz_end=np.full(len(ops), -1, np.int64), cap=cap, horizon=horizon, now=problem.now,
    )
    arrays.fz_machine, arrays.fz_start, arrays.fz_end = arrays.op_arrays(problem.frozen)
    return arrays
