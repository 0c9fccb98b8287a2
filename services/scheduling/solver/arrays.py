"""The network problem as flat numpy arrays, for the compiled dispatch and search
(:mod:`.kernels`): factories, machines, their working time, orders and operations, each
indexed by position, lists in CSR form (``ptr[i] .. ptr[i + 1]``).

Working time of a machine is its factory's shift windows merged into stretches (windows
that touch are one stretch: a two-shift factory works through its shift change; only a gap
between windows is a break), minus the machine's downtime, inside ``[0, horizon)``.
"""

from __future__ import annotations

import math
import operator
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


def minus_windows(stretches, down) -> list[tuple[int, int]]:
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
    rate: np.ndarray  # (factory, type): base minutes its machines of the type work a minute
    day_first: np.ndarray  # (factory, day): first working minute of the day, -1 if none
    day_last: np.ndarray  # (factory, day): last working minute of the day
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
        oi, mi = self.order_index.get, self.machine_index.get
        rows = [(oi(p.order, -1), p.op, mi((p.factory, p.machine), -1), p.start, p.end)
                for p in operations]
        if not rows:
            return machine, start, end
        cols = np.array(rows, np.int64).T
        o, op, m = cols[0], cols[1], cols[2]
        ok = (o >= 0) & (m >= 0) & (op >= 0)
        j = self.o_ptr[np.maximum(o, 0)] + op
        ok &= j < self.o_ptr[np.maximum(o, 0) + 1]
        j = j[ok]
        machine[j], start[j], end[j] = m[ok], cols[3][ok], cols[4][ok]
        return machine, start, end


class _Memo:
    """Compiled pieces of objects seen in recent calls, by identity (the object is held, so
    its id is not reused): a re-plan after one machine goes down compiles one factory and no
    orders again. Problems are immutable, so a piece never goes stale."""

    def __init__(self, size: int):
        self.size = size
        self.items: dict[tuple, tuple[object, object]] = {}

    def get(self, obj, key, make):
        full = (id(obj), *key)
        hit = self.items.get(full)
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = make()
        if len(self.items) >= self.size:
            for k in list(self.items)[: self.size // 2]:
                del self.items[k]
        self.items[full] = (obj, value)
        return value


_FACTORIES = _Memo(8192)
_ORDERS = _Memo(8)


def _compile_factory(f, horizon: int, tix: dict[str, int], change: dict[str, int], days: int):
    """One factory's machines: ids, type, speed, share budget, changeover, working windows,
    and its (type x day) capacity in base minutes."""
    stretches = working_stretches(f.shifts, horizon)
    day_minutes = np.zeros(days)
    for s, e in stretches:
        d = s // DAY
        while d * DAY < e and d < days:
            day_minutes[d] += min(e, (d + 1) * DAY) - max(s, d * DAY)
            d += 1
    cap = np.zeros((len(tix), days))
    rate = np.zeros(len(tix))
    first = np.full(days, -1, np.int64)
    last = np.full(days, -1, np.int64)
    for s, e in stretches:
        d = s // DAY
        while d * DAY < e and d < days:
            if first[d] < 0:
                first[d] = max(s, d * DAY)
            last[d] = min(e, (d + 1) * DAY)
            d += 1
    ids, types, speeds, budgets, changes, counts = [], [], [], [], [], []
    w_start: list[int] = []
    w_end: list[int] = []
    plain = sum(e - s for s, e in stretches)
    for m in f.machines:
        t = tix[m.type]
        ids.append(m.id)
        types.append(t)
        speeds.append(m.speed)
        changes.append(change.get(m.type, 0))
        down = working_stretches(m.downtime, horizon)
        if not down:
            free, minutes, per_day = stretches, plain, day_minutes
        else:
            free = minus_windows(stretches, down)
            minutes = sum(e - s for s, e in free)
            per_day = np.zeros(days)
            for s, e in free:
                d = s // DAY
                while d * DAY < e and d < days:
                    per_day[d] += min(e, (d + 1) * DAY) - max(s, d * DAY)
                    d += 1
        budgets.append(math.floor(f.capacity_share * minutes))
        cap[t] += per_day * (m.speed * f.capacity_share)
        rate[t] += m.speed * f.capacity_share
        w_start += [s for s, _ in free]
        w_end += [e for _, e in free]
        counts.append(len(free))
    return ids, types, speeds, budgets, changes, counts, w_start, w_end, cap, rate, first, last


def _compile_orders(orders, tix: dict[str, int]):
    """Orders and operations as arrays (see NetworkArrays). Orders appended to a list
    compiled before (the same objects in front) cost only the new ones."""
    for prefix, done in list(_ORDERS.items.values()):
        n = len(prefix)
        if done["tix"] == tix and 0 < n < len(orders) and orders[n - 1] is prefix[n - 1] and \
                all(map(operator.is_, orders[:n], prefix)):
            return _join(done, _compile_orders_from(orders[n:], tix, dict(done["families"])))
    return _compile_orders_from(orders, tix, {"": 0})


def _join(a: dict, b: dict) -> dict:
    """Compiled orders ``a`` followed by ``b`` (order ids must stay unique)."""
    order_ids = a["order_ids"] + b["order_ids"]
    order_index = dict(a["order_index"])
    for i, oid in enumerate(b["order_ids"]):
        if oid in order_index:
            raise SchedulingError("order ids are not unique")
        order_index[oid] = len(a["order_ids"]) + i
    out = {k: np.concatenate((a[k], b[k])) for k in a if isinstance(a[k], np.ndarray) and k != "o_ptr"}
    out["o_ptr"] = np.concatenate((a["o_ptr"], b["o_ptr"][1:] + a["o_ptr"][-1]))
    return {**out, "order_ids": order_ids, "order_index": order_index, "tix": a["tix"],
            "families": b["families"]}


def _compile_orders_from(orders, tix: dict[str, int], families: dict[str, int]):
    order_ids = [o.id for o in orders]
    order_index = {oid: i for i, oid in enumerate(order_ids)}
    if len(order_index) != len(order_ids):
        raise SchedulingError("order ids are not unique")
    counts = np.fromiter((len(o.operations) for o in orders), np.int64, len(order_ids))
    o_ptr = np.zeros(len(order_ids) + 1, np.int64)
    np.cumsum(counts, out=o_ptr[1:])
    ops = [op for o in orders for op in o.operations]
    op_type = np.fromiter((tix[op.machine_type] for op in ops), np.int64, len(ops))
    op_dur = np.fromiter((op.duration for op in ops), np.int64, len(ops))
    op_fam = np.fromiter((families.setdefault(op.setup_family, len(families)) for op in ops),
                         np.int64, len(ops))
    op_wait = np.fromiter((op.min_wait_after for op in ops), np.int64, len(ops))
    o_types = np.zeros(len(order_ids), np.int64)
    np.bitwise_or.at(o_types, np.repeat(np.arange(len(order_ids)), counts), np.left_shift(1, op_type))
    return dict(
        order_ids=order_ids, order_index=order_index, o_ptr=o_ptr,
        o_due=np.fromiter((o.due for o in orders), np.int64, len(order_ids)),
        o_weight=np.fromiter((o.weight for o in orders), np.int64, len(order_ids)),
        o_release=np.fromiter((o.release for o in orders), np.int64, len(order_ids)),
        o_types=o_types, op_type=op_type, op_dur=op_dur, op_fam=op_fam, op_wait=op_wait,
        tix=dict(tix), families=families,
    )


def compile_problem(problem: NetworkProblem) -> NetworkArrays:
    """Flatten ``problem``; factories and order lists met in a recent call are not compiled
    again (see :class:`_Memo`)."""
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
    key = (horizon, tuple(types), tuple(sorted(change.items())))

    pieces = [_FACTORIES.get(f, key, lambda f=f: _compile_factory(f, horizon, tix, change, days))
              for f in problem.factories]
    F = len(pieces)
    per_factory = np.fromiter((len(p[0]) for p in pieces), np.int64, F)
    f_mptr = np.zeros(F + 1, np.int64)
    np.cumsum(per_factory, out=f_mptr[1:])
    m_type = np.fromiter((t for p in pieces for t in p[1]), np.int64, int(f_mptr[-1]))
    m_factory = np.repeat(np.arange(F), per_factory)
    f_types = np.zeros(F, np.int64)
    np.bitwise_or.at(f_types, m_factory, np.left_shift(1, m_type))
    machine_ids = [mid for p in pieces for mid in p[0]]
    factory_ids = [f.id for f in problem.factories]
    machine_index = {(factory_ids[fi], mid): i for i, (fi, mid) in enumerate(zip(m_factory.tolist(), machine_ids, strict=True))}
    w_counts = np.fromiter((c for p in pieces for c in p[5]), np.int64, int(f_mptr[-1]))
    w_ptr = np.zeros(len(w_counts) + 1, np.int64)
    np.cumsum(w_counts, out=w_ptr[1:])
    cap = np.stack([p[8] for p in pieces]) if pieces else np.zeros((0, len(types), days))
    rate = np.stack([p[9] for p in pieces]) if pieces else np.zeros((0, len(types)))
    day_first = np.stack([p[10] for p in pieces]) if pieces else np.zeros((0, days), np.int64)
    day_last = np.stack([p[11] for p in pieces]) if pieces else np.zeros((0, days), np.int64)
    o = _ORDERS.get(problem.orders, (tuple(types),), lambda: _compile_orders(problem.orders, tix))
    o = {k: v for k, v in o.items() if k not in ("tix", "families")}
    n_ops = len(o["op_type"])

    arrays = NetworkArrays(
        problem=problem, type_names=types, factory_ids=factory_ids,
        machine_ids=machine_ids, machine_index=machine_index, f_mptr=f_mptr, f_types=f_types,
        m_factory=m_factory.astype(np.int64), m_type=m_type,
        m_speed=np.fromiter((x for p in pieces for x in p[2]), np.float64, len(m_type)),
        m_budget=np.fromiter((x for p in pieces for x in p[3]), np.int64, len(m_type)),
        m_change=np.fromiter((x for p in pieces for x in p[4]), np.int64, len(m_type)),
        w_ptr=w_ptr,
        w_start=np.fromiter((x for p in pieces for x in p[6]), np.int64, int(w_ptr[-1])),
        w_end=np.fromiter((x for p in pieces for x in p[7]), np.int64, int(w_ptr[-1])),
        fz_machine=np.full(n_ops, -1, np.int64), fz_start=np.full(n_ops, -1, np.int64),
        fz_end=np.full(n_ops, -1, np.int64), cap=cap, rate=rate, day_first=day_first,
        day_last=day_last, horizon=horizon, now=problem.now, **o,
    )
    arrays.fz_machine, arrays.fz_start, arrays.fz_end = arrays.op_arrays(problem.frozen)
    return arrays
