"""Compiled (numba) list scheduling over the network arrays of :mod:`.arrays`.

One *machine state* holds, per machine, its operations sorted by start (``bs``, ``be``,
``bf``: start, end, setup family; ``bn`` how many; ``C`` places a row, the caller grows it
when a kernel reports it full) and ``left``, the chain minutes left of its share.

* :func:`dispatch` places orders one after another in a given sequence, each on the factory
  where it finishes best: capable factories are ranked on aggregated capacity (factory x
  machine type x day buckets, ``load`` against ``cap``), the best ``k`` of them are tried
  exactly, and the order goes where its weighted tardiness, then its end, is least.
* :func:`decode` lays one factory's orders down again in a given sequence (its started work
  stays); :func:`improve` searches over those sequences (a late order moved ahead, an order
  moved, two swapped) and keeps what lowers the factory's weighted tardiness, then the sum of
  its orders' ends; :func:`relocate` moves late orders to other factories when the two
  factories' weighted tardiness falls.

Each operation goes on the machine of its type in the order's factory that finishes it
first, in the earliest gap (gap filling) that lies inside one stretch of working time, clears
changeovers on both sides, and leaves the machine's share budget non-negative.

Kernels release the GIL (``nogil``): the caller runs disjoint sets of factories on threads.
Random numbers come from a 64-bit LCG in the caller's state, so runs are reproducible.
Compiled with ``cache=True``; the first use after an install compiles.
"""

from __future__ import annotations

import numpy as np
from numba import njit

DAY = 1440
FULL = -3  # a kernel's answer when a machine row is full (the caller grows ``C``)
NOFLOOR = np.empty(0, np.int64)


@njit(cache=True, nogil=True)
def _randint(rs, k):
    x = rs[0] * 6364136223846793005 + 1442695040888963407
    rs[0] = x
    return ((x >> 33) & 0x7FFFFFFF) % k


@njit(cache=True, nogil=True)
def duration(base, speed):
    """Minutes an operation of ``base`` minutes takes at ``speed`` (as Machine.duration)."""
    d = np.int64(np.ceil(base / speed))
    return d if d > 1 else np.int64(1)


@njit(cache=True, nogil=True)
def earliest(m, ready, dur, fam, w_ptr, w_start, w_end, change, bs, be, bf, bn):
    """The earliest start >= ``ready`` of ``dur`` minutes on machine ``m`` inside one
    working window, clear of its operations and changeovers; -1 when there is none."""
    lo = w_ptr[m]
    hi = w_ptr[m + 1]
    # first window that ends after ready
    a = lo
    b = hi
    while a < b:
        c = (a + b) >> 1
        if w_end[c] <= ready:
            a = c + 1
        else:
            b = c
    w = a
    n = bn[m]
    # first operation whose end (plus the largest changeover) is after ready
    a = 0
    b = n
    while a < b:
        c = (a + b) >> 1
        if be[m, c] + change <= ready:
            a = c + 1
        else:
            b = c
    k = a
    t = ready
    while w < hi:
        if t < w_start[w]:
            t = w_start[w]
        if t + dur > w_end[w]:
            w += 1
            continue
        clash = False
        while k < n:
            g = change if bf[m, k] != fam else 0
            if be[m, k] + g <= t:
                k += 1
                continue
            if bs[m, k] < t + dur + g:
                t = be[m, k] + g
                k += 1
                clash = True
            break
        if not clash:
            return t
        while w < hi and w_end[w] <= t:
            w += 1
    return -1


@njit(cache=True, nogil=True)
def insert(m, s, e, fam, bs, be, bf, bn):
    """Put ``[s, e)`` on machine ``m`` in start order; False when its row is full."""
    n = bn[m]
    if n >= bs.shape[1]:
        return False
    i = n
    while i > 0 and bs[m, i - 1] > s:
        bs[m, i] = bs[m, i - 1]
        be[m, i] = be[m, i - 1]
        bf[m, i] = bf[m, i - 1]
        i -= 1
    bs[m, i] = s
    be[m, i] = e
    bf[m, i] = fam
    bn[m] = n + 1
    return True


@njit(cache=True, nogil=True)
def remove(m, s, e, bs, be, bf, bn):
    """Take ``[s, e)`` off machine ``m`` (the first such entry)."""
    n = bn[m]
    for i in range(n):
        if bs[m, i] == s and be[m, i] == e:
            for j in range(i, n - 1):
                bs[m, j] = bs[m, j + 1]
                be[m, j] = be[m, j + 1]
                bf[m, j] = bf[m, j + 1]
            bn[m] = n - 1
            return


@njit(cache=True, nogil=True)
def place_order(o, f, now, A, S, om, ost, oen, floor):
    """Lay order ``o``'s operations down in factory ``f`` (those fixed in ``A.fz_*`` stay),
    each on the machine of its type that ends it first. With a ``floor`` (per operation, -1
    for none) an operation starts no earlier than it, and stays on the machine it had (in
    ``om``) when it can start there at its floor: a right shift that moves only what is
    pushed. Returns the order's end, -1 when it does not fit (nothing is left placed), or
    FULL."""
    (f_mptr, m_type, m_speed, m_change, w_ptr, w_start, w_end,
     o_ptr, o_release, op_type, op_dur, op_fam, op_wait, fz_machine, fz_start, fz_end) = A
    bs, be, bf, bn, left = S
    ready = max(o_release[o], now)
    end = ready
    j0 = o_ptr[o]
    j1 = o_ptr[o + 1]
    for j in range(j0, j1):
        if fz_machine[j] >= 0:
            om[j] = fz_machine[j]
            ost[j] = fz_start[j]
            oen[j] = fz_end[j]
            end = fz_end[j]
            ready = max(ready, fz_end[j] + op_wait[j])
            continue
        best_m = -1
        best_s = 0
        best_e = 0
        t = op_type[j]
        r = ready
        floored = floor.shape[0] > 0 and floor[j] >= 0
        if floored:
            r = max(ready, floor[j])
            m = om[j]
            if m >= f_mptr[f] and m < f_mptr[f + 1] and m_type[m] == t:
                d = duration(op_dur[j], m_speed[m])
                if d <= left[m] and earliest(m, r, d, op_fam[j], w_ptr, w_start, w_end, m_change[m],
                                             bs, be, bf, bn) == floor[j]:
                    best_m = m
                    best_s = floor[j]
                    best_e = floor[j] + d
        for m in range(f_mptr[f], f_mptr[f + 1]):
            if floored and best_m >= 0 and best_s == floor[j]:
                break
            if m_type[m] != t:
                continue
            d = duration(op_dur[j], m_speed[m])
            if d > left[m]:
                continue
            s = earliest(m, r, d, op_fam[j], w_ptr, w_start, w_end, m_change[m], bs, be, bf, bn)
            if s >= 0 and (best_m < 0 or s + d < best_e):
                best_m = m
                best_s = s
                best_e = s + d
        if best_m < 0 or not insert(best_m, best_s, best_e, op_fam[j], bs, be, bf, bn):
            full = best_m >= 0
            for i in range(j0, j):  # take back what this order placed
                if fz_machine[i] < 0:
                    remove(om[i], ost[i], oen[i], bs, be, bf, bn)
                    left[om[i]] += oen[i] - ost[i]
                    om[i] = -1
            return FULL if full else -1
        left[best_m] -= best_e - best_s
        om[j] = best_m
        ost[j] = best_s
        oen[j] = best_e
        end = best_e
        ready = best_e + op_wait[j]
    return end


@njit(cache=True, nogil=True)
def unplace_order(o, A, S, om, ost, oen):
    """Take order ``o``'s placed (not fixed) operations off their machines."""
    (f_mptr, m_type, m_speed, m_change, w_ptr, w_start, w_end,
     o_ptr, o_release, op_type, op_dur, op_fam, op_wait, fz_machine, fz_start, fz_end) = A
    bs, be, bf, bn, left = S
    for j in range(o_ptr[o], o_ptr[o + 1]):
        if fz_machine[j] < 0 and om[j] >= 0:
            remove(om[j], ost[j], oen[j], bs, be, bf, bn)
            left[om[j]] += oen[j] - ost[j]
            om[j] = -1


@njit(cache=True, nogil=True)
def _estimate(o, f, ready, o_ptr, op_type, op_dur, op_wait, B, load):
    """Rough end of order ``o`` in factory ``f`` from the day buckets ``B`` = (capacity,
    rate, first and last working minute of each day): each (type, day) bucket is a fluid
    queue its machines drain at ``rate`` base minutes a working minute from the day's first
    working minute; an operation runs after the queue and after its predecessor, on the day
    whose bucket and working time still hold it."""
    cap, rate, first, last = B
    days = cap.shape[2]
    cur = float(ready)
    for j in range(o_ptr[o], o_ptr[o + 1]):
        t = op_type[j]
        d = op_dur[j]
        r = rate[f, t]
        if r <= 0:
            return 1 << 50
        run = d / r if r < 1.0 else float(d)  # one machine: no faster than one at speed 1
        day = int(cur) // DAY
        while day < days:
            if first[f, day] >= 0 and cap[f, t, day] - load[f, t, day] >= d:
                start = max(cur, first[f, day] + load[f, t, day] / r)
                if start + run <= last[f, day]:
                    cur = start + run
                    break
            day += 1
            cur = max(cur, float(day * DAY))
        if day >= days:
            return 1 << 50
        cur += op_wait[j]
    return int(cur)


@njit(cache=True, nogil=True)
def _add_load(o, f, sign, A, load, om, ost):
    """Count order ``o``'s operations in factory ``f``'s day buckets (``sign`` -1 takes them out)."""
    (f_mptr, m_type, m_speed, m_change, w_ptr, w_start, w_end,
     o_ptr, o_release, op_type, op_dur, op_fam, op_wait, fz_machine, fz_start, fz_end) = A
    days = load.shape[2]
    for j in range(o_ptr[o], o_ptr[o + 1]):
        if om[j] >= 0 and fz_machine[j] < 0:
            day = min(ost[j] // DAY, days - 1)
            load[f, op_type[j], day] += sign * op_dur[j]


@njit(cache=True, nogil=True)
def dispatch(seq, k, sample, rs, now, A, S, o_class, c_ptr, c_fac, o_due, o_weight, B, load,
             fload, fcap, om, ost, oen, ofac):
    """Place the orders of ``seq`` in that order (see the module docstring). ``ofac[o]``:
    >= 0 pins the order to that factory, -1 lets the dispatch choose; on return the factory,
    or -2 for an order that fits nowhere. The factories able to make order o are
    ``c_fac[c_ptr[c]:c_ptr[c + 1]]`` for its class ``c = o_class[o]``; at most ``sample`` of
    them are ranked per order (a random stretch of that list, so that the network's load
    spreads), the best ``k`` tried exactly. Returns 0, or FULL."""
    (f_mptr, m_type, m_speed, m_change, w_ptr, w_start, w_end,
     o_ptr, o_release, op_type, op_dur, op_fam, op_wait, fz_machine, fz_start, fz_end) = A
    cand = np.empty(k, np.int64)
    ckey0 = np.empty(k, np.int64)
    ckey1 = np.empty(k, np.float64)
    for o in seq:
        ready = max(o_release[o], now)
        work = 0
        for j in range(o_ptr[o], o_ptr[o + 1]):
            work += op_dur[j]
        if ofac[o] >= 0:
            nc = 1
            cand[0] = ofac[o]
        else:
            nc = 0
            c = o_class[o]
            lo = c_ptr[c]
            size = c_ptr[c + 1] - lo
            take = min(size, sample)
            offset = _randint(rs, size) if size > take else 0
            for x in range(take):
                f = c_fac[lo + (offset + x) % size]
                e = _estimate(o, f, ready, o_ptr, op_type, op_dur, op_wait, B, load)
                k0 = o_weight[o] * max(0, e - o_due[o])
                k1 = e + (fload[f] + work) / max(1.0, fcap[f])  # ties: the less loaded
                # keep the k best (k0, k1) in ascending order
                if nc < k:
                    i = nc
                    nc += 1
                elif k0 < ckey0[k - 1] or (k0 == ckey0[k - 1] and k1 < ckey1[k - 1]):
                    i = k - 1
                else:
                    continue
                while i > 0 and (k0 < ckey0[i - 1] or (k0 == ckey0[i - 1] and k1 < ckey1[i - 1])):
                    cand[i] = cand[i - 1]
                    ckey0[i] = ckey0[i - 1]
                    ckey1[i] = ckey1[i - 1]
                    i -= 1
                cand[i] = f
                ckey0[i] = k0
                ckey1[i] = k1
        best_f = -1
        best_t = 0
        best_e = 0
        for c in range(nc):
            f = cand[c]
            e = place_order(o, f, now, A, S, om, ost, oen, NOFLOOR)
            if e == FULL:
                return FULL
            if e < 0:
                continue
            tard = o_weight[o] * max(0, e - o_due[o])
            if best_f < 0 or tard < best_t or (tard == best_t and e < best_e):
                best_f = f
                best_t = tard
                best_e = e
            unplace_order(o, A, S, om, ost, oen)
        if best_f < 0 and ofac[o] < 0:
            # none of the ranked ones has room: the first capable factory that has
            c = o_class[o]
            for x in range(c_ptr[c], c_ptr[c + 1]):
                e = place_order(o, c_fac[x], now, A, S, om, ost, oen, NOFLOOR)
                if e == FULL:
                    return FULL
                if e >= 0:
                    unplace_order(o, A, S, om, ost, oen)
                    best_f = c_fac[x]
                    break
        if best_f < 0:
            ofac[o] = -2
            continue
        if place_order(o, best_f, now, A, S, om, ost, oen, NOFLOOR) == FULL:
            return FULL
        ofac[o] = best_f
        fload[best_f] += work
        _add_load(o, best_f, 1, A, load, om, ost)
    return 0


@njit(cache=True, nogil=True)
def reset_factory(f, A, S, budget, base_ptr, base_s, base_e, base_f):
    """Machines of factory ``f`` back to their base work (started, or kept) and full share."""
    (f_mptr, m_type, m_speed, m_change, w_ptr, w_start, w_end,
     o_ptr, o_release, op_type, op_dur, op_fam, op_wait, fz_machine, fz_start, fz_end) = A
    bs, be, bf, bn, left = S
    for m in range(f_mptr[f], f_mptr[f + 1]):
        n = 0
        for i in range(base_ptr[m], base_ptr[m + 1]):
            bs[m, n] = base_s[i]
            be[m, n] = base_e[i]
            bf[m, n] = base_f[i]
            n += 1
        bn[m] = n
        left[m] = budget[m]


@njit(cache=True, nogil=True)
def decode(f, seq, lo, hi, now, A, S, budget, base, o_due, o_weight, om, ost, oen, res, floor):
    """Lay factory ``f``'s orders ``seq[lo:hi]`` down in that order from its base work
    (each operation no earlier than its ``floor``, see :func:`place_order`). ``res`` gets
    (weighted tardiness, sum of ends, orders that did not fit); returns 0 or FULL."""
    base_ptr, base_s, base_e, base_f = base
    reset_factory(f, A, S, budget, base_ptr, base_s, base_e, base_f)
    wt = 0
    total = 0
    unfit = 0
    for i in range(lo, hi):
        o = seq[i]
        e = place_order(o, f, now, A, S, om, ost, oen, floor)
        if e == FULL:
            return FULL
        if e < 0:
            unfit += 1
            continue
        wt += o_weight[o] * max(0, e - o_due[o])
        total += e
    res[0] = wt
    res[1] = total
    res[2] = unfit
    return 0


@njit(cache=True, nogil=True)
def _better(a0, a1, a2, b0, b1, b2):
    """(unfit, tardiness, sum of ends) a strictly below b."""
    if a2 != b2:
        return a2 < b2
    if a0 != b0:
        return a0 < b0
    return a1 < b1


@njit(cache=True, nogil=True)
def _order_ends(seq, lo, hi, o_ptr, om, oen, ends):
    for i in range(lo, hi):
        last = o_ptr[seq[i] + 1] - 1
        ends[i - lo] = oen[last] if om[last] >= 0 else -1


@njit(cache=True, nogil=True)
def _move(cur, n, rs, ends, o_due, late):
    """One neighbour of ``cur`` in place: a late order moved ahead, any order moved, or two
    neighbours swapped."""
    r = _randint(rs, 10)
    i = _randint(rs, n)
    if r < 6 and late:
        for step in range(n):
            q = (i + step) % n
            if ends[q] > o_due[cur[q]]:
                i = q
                break
        if i == 0:
            i = 1 + _randint(rs, n - 1)
        j = i - 1 - _randint(rs, min(i, 1 + n // 4))
    elif r < 8:
        j = _randint(rs, n)
    else:
        j = i + 1 if i + 1 < n else i - 1
        tmp = cur[i]
        cur[i] = cur[j]
        cur[j] = tmp
        return
    o = cur[i]
    if j < i:
        for q in range(i, j, -1):
            cur[q] = cur[q - 1]
    else:
        for q in range(i, j):
            cur[q] = cur[q + 1]
    cur[j] = o


@njit(cache=True, nogil=True)
def improve(facs, fptr, seq, iters, rs, now, A, S, budget, base, o_due, o_weight,
            om, ost, oen, value):
    """Search each factory ``facs[x]``'s sequence ``seq[fptr[x]:fptr[x + 1]]`` for ``iters``
    moves. ``value[x]`` holds the incumbent's (tardiness, sum of ends, unfit): a sequence is
    taken only when it beats it; then ``seq``, ``value`` and the placements are the best found,
    otherwise the factory's placements are left as they were. Returns 0 or FULL."""
    (f_mptr, m_type, m_speed, m_change, w_ptr, w_start, w_end,
     o_ptr, o_release, op_type, op_dur, op_fam, op_wait, fz_machine, fz_start, fz_end) = A
    res = np.zeros(3, np.int64)
    for x in range(facs.shape[0]):
        f = facs[x]
        lo = fptr[x]
        hi = fptr[x + 1]
        n = hi - lo
        if n < 2 or (value[x, 0] == 0 and value[x, 2] == 0):
            continue
        # the incumbent's placements, put back if nothing beats it
        nops = 0
        for i in range(lo, hi):
            nops += o_ptr[seq[i] + 1] - o_ptr[seq[i]]
        keep = np.empty((nops, 4), np.int64)
        c = 0
        for i in range(lo, hi):
            for j in range(o_ptr[seq[i]], o_ptr[seq[i] + 1]):
                keep[c, 0] = j
                keep[c, 1] = om[j]
                keep[c, 2] = ost[j]
                keep[c, 3] = oen[j]
                c += 1
        best = seq[lo:hi].copy()
        cur = best.copy()
        ends = np.empty(n, np.int64)
        _order_ends(seq, lo, hi, o_ptr, om, oen, ends)
        b0 = value[x, 0]
        b1 = value[x, 1]
        b2 = value[x, 2]
        improved = False
        last_is_best = False
        for _ in range(iters):
            if b0 == 0 and b2 == 0:
                break
            cur[:] = best
            _move(cur, n, rs, ends, o_due, b0 > 0)
            if decode(f, cur, 0, n, now, A, S, budget, base, o_due, o_weight, om, ost, oen, res, NOFLOOR) == FULL:
                return FULL
            last_is_best = False
            if _better(res[0], res[1], res[2], b0, b1, b2) or (
                    improved and res[0] == b0 and res[1] == b1 and res[2] == b2):
                improved = True
                last_is_best = True
                best[:] = cur
                b0 = res[0]
                b1 = res[1]
                b2 = res[2]
                _order_ends(best, 0, n, o_ptr, om, oen, ends)
        if improved:
            if not last_is_best:
                if decode(f, best, 0, n, now, A, S, budget, base, o_due, o_weight, om, ost, oen, res, NOFLOOR) == FULL:
                    return FULL
            seq[lo:hi] = best
            value[x, 0] = b0
            value[x, 1] = b1
            value[x, 2] = b2
        else:
            for c in range(nops):
                j = keep[c, 0]
                om[j] = keep[c, 1]
                ost[j] = keep[c, 2]
                oen[j] = keep[c, 3]
    return 0


@njit(cache=True, nogil=True)
def rebuild(A, S, budget, om, ost, oen):
    """Machine state from the per-operation placements (started work claims no share)."""
    (f_mptr, m_type, m_speed, m_change, w_ptr, w_start, w_end,
     o_ptr, o_release, op_type, op_dur, op_fam, op_wait, fz_machine, fz_start, fz_end) = A
    bs, be, bf, bn, left = S
    bn[:] = 0
    left[:] = budget
    for j in range(om.shape[0]):
        m = om[j]
        if m < 0:
            continue
        if not insert(m, ost[j], oen[j], op_fam[j], bs, be, bf, bn):
            return FULL
        if fz_machine[j] < 0:
            left[m] -= oen[j] - ost[j]
    return 0


@njit(cache=True, nogil=True)
def _snapshot(seq, lo, hi, o_ptr, om, ost, oen, out, c):
    for i in range(lo, hi):
        for j in range(o_ptr[seq[i]], o_ptr[seq[i] + 1]):
            out[c, 0] = j
            out[c, 1] = om[j]
            out[c, 2] = ost[j]
            out[c, 3] = oen[j]
            c += 1
    return c


@njit(cache=True, nogil=True)
def relocate(late, k, now, A, S, budget, base, f_types, o_types, o_due, o_weight, B, load,
             ofac, fptr, fseq, fval, touched, om, ost, oen, moves):
    """Try each order of ``late`` in up to ``k`` other factories (ranked on the day buckets):
    it moves when the two factories' weighted tardiness falls (neither leaving an order out).
    ``fseq[fptr[f]:fptr[f + 1]]`` is factory f's sequence; a factory changed once is
    ``touched`` and left alone for the rest of the call. ``moves[i]`` = (order, from, to,
    place in the new sequence). Returns how many moves, or FULL."""
    (f_mptr, m_type, m_speed, m_change, w_ptr, w_start, w_end,
     o_ptr, o_release, op_type, op_dur, op_fam, op_wait, fz_machine, fz_start, fz_end) = A
    F = f_types.shape[0]
    res = np.zeros(3, np.int64)
    nmoves = 0
    cand = np.empty(k, np.int64)
    ckey = np.empty(k, np.int64)
    for o in late:
        a = ofac[o]
        if a < 0 or touched[a] or nmoves >= moves.shape[0]:
            continue
        pinned = False
        for j in range(o_ptr[o], o_ptr[o + 1]):
            if fz_machine[j] >= 0:
                pinned = True
        if pinned:
            continue
        ready = max(o_release[o], now)
        need = o_types[o]
        nc = 0
        for f in range(F):
            if f == a or touched[f] or f_types[f] & need != need:
                continue
            e = _estimate(o, f, ready, o_ptr, op_type, op_dur, op_wait, B, load)
            if nc < k:
                i = nc
                nc += 1
            elif e < ckey[k - 1]:
                i = k - 1
            else:
                continue
            while i > 0 and e < ckey[i - 1]:
                cand[i] = cand[i - 1]
                ckey[i] = ckey[i - 1]
                i -= 1
            cand[i] = f
            ckey[i] = e
        if nc == 0:
            continue
        alo = fptr[a]
        ahi = fptr[a + 1]
        na = ahi - alo
        seq_a = np.empty(na - 1, np.int64)
        c = 0
        for i in range(alo, ahi):
            if fseq[i] != o:
                seq_a[c] = fseq[i]
                c += 1
        na_ops = 0
        for i in range(alo, ahi):
            na_ops += o_ptr[fseq[i] + 1] - o_ptr[fseq[i]]
        for ci in range(nc):
            b = cand[ci]
            blo = fptr[b]
            bhi = fptr[b + 1]
            nb = bhi - blo
            nb_ops = 0
            for i in range(blo, bhi):
                nb_ops += o_ptr[fseq[i] + 1] - o_ptr[fseq[i]]
            keep = np.empty((na_ops + nb_ops, 4), np.int64)
            c = _snapshot(fseq, alo, ahi, o_ptr, om, ost, oen, keep, 0)
            c = _snapshot(fseq, blo, bhi, o_ptr, om, ost, oen, keep, c)
            # o goes in b's sequence before the first order due after it
            pos = 0
            while pos < nb and o_due[fseq[blo + pos]] <= o_due[o]:
                pos += 1
            seq_b = np.empty(nb + 1, np.int64)
            seq_b[:pos] = fseq[blo:blo + pos]
            seq_b[pos] = o
            seq_b[pos + 1:] = fseq[blo + pos:bhi]
            if decode(a, seq_a, 0, na - 1, now, A, S, budget, base, o_due, o_weight, om, ost, oen, res, NOFLOOR) == FULL:
                return FULL
            ra0 = res[0]
            ra1 = res[1]
            ra2 = res[2]
            if decode(b, seq_b, 0, nb + 1, now, A, S, budget, base, o_due, o_weight, om, ost, oen, res, NOFLOOR) == FULL:
                return FULL
            if ra2 + res[2] <= fval[a, 2] + fval[b, 2] and ra0 + res[0] < fval[a, 0] + fval[b, 0]:
                fval[a, 0] = ra0
                fval[a, 1] = ra1
                fval[a, 2] = ra2
                fval[b, 0] = res[0]
                fval[b, 1] = res[1]
                fval[b, 2] = res[2]
                ofac[o] = b
                touched[a] = True
                touched[b] = True
                moves[nmoves, 0] = o
                moves[nmoves, 1] = a
                moves[nmoves, 2] = b
                moves[nmoves, 3] = pos
                nmoves += 1
                break
            for i in range(c):
                j = keep[i, 0]
                om[j] = keep[i, 1]
                ost[j] = keep[i, 2]
                oen[j] = keep[i, 3]
    return nmoves
