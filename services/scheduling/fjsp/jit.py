"""Compiled tabu search for the FJSP (numba): the kernel behind :mod:`fast`.

Same search as :mod:`tabu` (insertion moves of critical operations on the disjunctive
graph, after Mastrolilli & Gambardella 2000), but every neighbour is scored by its *exact*
makespan: for each critical operation ``v`` the heads and tails of the graph without ``v``
(``G-``) are re-derived lazily (only where they change, in topological order), and then
inserting ``v`` between ``a`` and ``b`` on machine ``k`` gives the makespan
``max(Cmax(G-), max(r'(jp), r'(a) + d(a)) + p(v, k) + max(q'(js), q'(b) + d(b)))``
(with ``r'(jp)`` and ``q'(js)`` counting the job neighbour's duration). That is exact: a
path of the new graph avoids ``v`` only if it is one of ``G-``, and one through the arc
``a -> b`` of ``G-`` is shorter than the same path through ``v``. Insertion positions
are those that provably close no cycle (head of ``a`` below the end of ``js(v)``, tail of
``b`` below the tail-plus-duration of ``jp(v)``).

All state lives in numpy arrays owned by the caller, so the search can be run in chunks of
iterations (the caller polls the clock and the other solver between chunks) and the
trajectory depends only on the seed and the total iteration count, not on the chunking.
The random numbers come from a 64-bit LCG kept in the state, so numba's own
generator (per thread) is never used.

Compiled with ``cache=True``: the first use after an install compiles (10-15 s on two
cores, in a background thread that the caller's time limit does not wait for, see
:func:`fast.ready`); later processes load the machine code from ``__pycache__`` in
about a second.
"""

from __future__ import annotations

from numba import njit

# scalar slots of the ``sc`` state array
IT, CMAX, BEST, SINCE, NVIS, RESTARTS, LASTIMP, PREDICTED, STALLED = range(9)
# parameter slots of the ``prm`` array
P_TEN_OP, P_TEN_ARC, P_STALL, P_SHAKE, P_TARGET, P_MODE = range(6)
# P_MODE bits: 1 = rank moves by the path through the moved operation first (as
# Mastrolilli & Gambardella), 2 = moves of one random critical path only, 4 = return when
# stuck (``sc[STALLED]``) instead of going back to the best and shaking it

_BIG = 1 << 40
_KEY = 1 << 31  # sort keys: makespan * _KEY + longest path through the moved operation
_NOKEY = 1 << 62
EXPIRE = 1 << 24  # added to the move clock, it lets every tabu entry expire


@njit(cache=True, nogil=True)
def _randint(rs, k):
    """Uniform in ``0 .. k - 1`` (k >= 1), from a 64-bit LCG kept in ``rs[0]`` (int64 wraps)."""
    x = rs[0] * 6364136223846793005 + 1442695040888963407
    rs[0] = x
    return ((x >> 33) & 0x7FFFFFFF) % k


@njit(cache=True, nogil=True)
def times(n, jp, js, mp, ms, d, r, q, order, tpos, indeg, stack):
    """Heads ``r``, tails ``q``, a topological ``order`` and each node's place in it
    (``tpos``); returns the makespan, or -1 when the graph has a cycle."""
    top = 0
    for v in range(n):
        c = 0
        if jp[v] >= 0:
            c += 1
        if mp[v] >= 0:
            c += 1
        indeg[v] = c
        r[v] = 0
        if c == 0:
            stack[top] = v
            top += 1
    cnt = 0
    while top > 0:
        top -= 1
        v = stack[top]
        order[cnt] = v
        tpos[v] = cnt
        cnt += 1
        e = r[v] + d[v]
        s = js[v]
        if s >= 0:
            if r[s] < e:
                r[s] = e
            indeg[s] -= 1
            if indeg[s] == 0:
                stack[top] = s
                top += 1
        s = ms[v]
        if s >= 0:
            if r[s] < e:
                r[s] = e
            indeg[s] -= 1
            if indeg[s] == 0:
                stack[top] = s
                top += 1
    if cnt < n:
        return -1
    cmax = 0
    for t in range(n - 1, -1, -1):
        v = order[t]
        best = 0
        s = js[v]
        if s >= 0:
            best = q[s] + d[s]
        s = ms[v]
        if s >= 0:
            u = q[s] + d[s]
            if u > best:
                best = u
        q[v] = best
        if r[v] + d[v] + best > cmax:
            cmax = r[v] + d[v] + best
    return cmax


@njit(cache=True, nogil=True)
def _minus(v, n, jp, js, mp, ms, d, order, tpos, rr, qq, dirty, changed):
    """Heads ``rr`` and tails ``qq`` of the graph without ``v`` (its machine neighbours
    joined), updated in place from those of the current graph; the changed nodes are listed
    in ``changed`` (returns how many) so :func:`_unminus` can put them back."""
    a0 = mp[v]
    b0 = ms[v]
    nch = 0
    pending = 0
    s = js[v]
    if s >= 0:
        dirty[s] = 1
        pending += 1
    if b0 >= 0 and dirty[b0] == 0:
        dirty[b0] = 1
        pending += 1
    t = tpos[v] + 1
    while pending > 0 and t < n:
        w = order[t]
        t += 1
        if dirty[w] == 0:
            continue
        dirty[w] = 0
        pending -= 1
        h = 0
        x = jp[w]
        if x >= 0 and x != v:
            h = rr[x] + d[x]
        x = a0 if w == b0 else mp[w]
        if x >= 0:
            u = rr[x] + d[x]
            if u > h:
                h = u
        if h != rr[w]:
            rr[w] = h
            changed[nch] = w
            nch += 1
            x = js[w]
            if x >= 0 and dirty[x] == 0:
                dirty[x] = 1
                pending += 1
            x = ms[w]
            if x >= 0 and dirty[x] == 0:
                dirty[x] = 1
                pending += 1
    pending = 0
    s = jp[v]
    if s >= 0:
        dirty[s] = 1
        pending += 1
    if a0 >= 0 and dirty[a0] == 0:
        dirty[a0] = 1
        pending += 1
    t = tpos[v] - 1
    while pending > 0 and t >= 0:
        w = order[t]
        t -= 1
        if dirty[w] == 0:
            continue
        dirty[w] = 0
        pending -= 1
        h = 0
        x = js[w]
        if x >= 0 and x != v:
            h = qq[x] + d[x]
        x = b0 if w == a0 else ms[w]
        if x >= 0:
            u = qq[x] + d[x]
            if u > h:
                h = u
        if h != qq[w]:
            qq[w] = h
            changed[nch] = n + w
            nch += 1
            x = jp[w]
            if x >= 0 and dirty[x] == 0:
                dirty[x] = 1
                pending += 1
            x = mp[w]
            if x >= 0 and dirty[x] == 0:
                dirty[x] = 1
                pending += 1
    return nch


@njit(cache=True, nogil=True)
def _unminus(nch, n, r, q, rr, qq, changed):
    for i in range(nch):
        w = changed[i]
        if w < n:
            rr[w] = r[w]
        else:
            qq[w - n] = q[w - n]


@njit(cache=True, nogil=True)
def _zkey(n, v, a, k):
    """Column of the Zobrist table for ``v`` right after ``a`` on machine ``k``."""
    return a if a >= 0 else n + k


@njit(cache=True, nogil=True)
def _move(v, k, i, n, mach, d, dur, seq, slen, pos, mp, ms):
    """Take ``v`` off its machine and insert it on ``k`` at index ``i`` of ``k``'s sequence
    without ``v``."""
    m0 = mach[v]
    p0 = pos[v]
    L0 = slen[m0]
    for t in range(p0, L0 - 1):
        w = seq[m0, t + 1]
        seq[m0, t] = w
        pos[w] = t
    slen[m0] = L0 - 1
    a0 = mp[v]
    b0 = ms[v]
    if a0 >= 0:
        ms[a0] = b0
    if b0 >= 0:
        mp[b0] = a0
    L = slen[k]
    for t in range(L, i, -1):
        w = seq[k, t - 1]
        seq[k, t] = w
        pos[w] = t
    seq[k, i] = v
    pos[v] = i
    slen[k] = L + 1
    a = seq[k, i - 1] if i > 0 else -1
    b = seq[k, i + 1] if i + 1 < L + 1 else -1
    mp[v] = a
    ms[v] = b
    if a >= 0:
        ms[a] = v
    if b >= 0:
        mp[b] = v
    mach[v] = k
    d[v] = dur[v, k]


@njit(cache=True, nogil=True)
def relink(n, nm, seq, slen, pos, mp, ms):
    for k in range(nm):
        prev = -1
        for t in range(slen[k]):
            w = seq[k, t]
            pos[w] = t
            mp[w] = prev
            if prev >= 0:
                ms[prev] = w
            prev = w
        if prev >= 0:
            ms[prev] = -1


@njit(cache=True, nogil=True)
def state_hash(n, mach, mp, zk):
    h = 0
    for v in range(n):
        h ^= zk[v, _zkey(n, v, mp[v], mach[v])]
    return h


@njit(cache=True, nogil=True)
def _slot(table, h):
    """Where ``h`` is, or the empty slot (0) where it would go, in the open-addressing set
    ``table`` (a power of two long)."""
    mask = table.shape[0] - 1
    i = (h ^ (h >> 29) ^ (h >> 47)) & mask
    while table[i] != h and table[i] != 0:
        i = (i + 1) & mask
    return i


@njit(cache=True, nogil=True)
def _shake(count, n, nm, jp, js, lasts, ocnt, omach, dur, mach, d, seq, slen, pos, mp, ms,
           r, q, order, tpos, indeg, stack, rr, qq, dirty, changed, rs):
    """``count`` random feasible insertions of critical operations; returns the makespan."""
    cmax = times(n, jp, js, mp, ms, d, r, q, order, tpos, indeg, stack)
    for _ in range(count):
        nc = 0
        for v in range(n):
            if r[v] + d[v] + q[v] == cmax:
                stack[nc] = v
                nc += 1
        v = stack[_randint(rs, nc)]
        for w in range(n):
            rr[w] = r[w]
            qq[w] = q[w]
        _minus(v, n, jp, js, mp, ms, d, order, tpos, rr, qq, dirty, changed)
        k = omach[v, _randint(rs, ocnt[v])]
        j_p = jp[v]
        j_s = js[v]
        lim_a = rr[j_s] + d[j_s] if j_s >= 0 else _BIG
        lim_b = qq[j_p] + d[j_p] if j_p >= 0 else _BIG
        # valid indices in k's sequence without v: a = element before, b = element at i
        cnt = 0
        L = slen[k]
        for t in range(L):
            w = seq[k, t]
            if w != v:
                indeg[cnt] = w
                cnt += 1
        lo = 0
        while lo < cnt and (indeg[lo] == j_p or qq[indeg[lo]] >= lim_b):
            lo += 1
        if lo > 0 and (indeg[lo - 1] == j_s or rr[indeg[lo - 1]] >= lim_a):
            continue
        hi = lo
        while hi < cnt and indeg[hi] != j_s and rr[indeg[hi]] < lim_a:
            hi += 1
        # positions lo .. hi are safe
        i = lo + _randint(rs, hi - lo + 1)
        _move(v, k, i, n, mach, d, dur, seq, slen, pos, mp, ms)
        cmax = times(n, jp, js, mp, ms, d, r, q, order, tpos, indeg, stack)
    return cmax


@njit(cache=True, nogil=True)
def _one_path(n, jp, mp, r, d, q, lasts, cmax, mark, rs):
    """Mark (``mark[v] = 1``) the operations of one critical path, chosen at random: from
    a random job end at the makespan back through random tight predecessors."""
    cnt = 0
    for j in range(lasts.shape[0]):
        w = lasts[j]
        if r[w] + d[w] == cmax:
            cnt += 1
    pick = _randint(rs, cnt)
    v = -1
    for j in range(lasts.shape[0]):
        w = lasts[j]
        if r[w] + d[w] == cmax:
            if pick == 0:
                v = w
            pick -= 1
    while v >= 0:
        mark[v] = 1
        a = jp[v]
        b = mp[v]
        ta = a >= 0 and r[a] + d[a] == r[v]
        tb = b >= 0 and r[b] + d[b] == r[v]
        if ta and tb:
            v = a if _randint(rs, 2) == 0 else b
        elif ta:
            v = a
        elif tb:
            v = b
        else:
            v = -1


@njit(cache=True, nogil=True)
def run(max_iters, prm, n, nm, jp, js, lasts, ocnt, omach, odur, dur, zk,
        mach, d, seq, slen, pos, mp, ms, r, q, order, tpos, sc, rs,
        bmach, bseq, bslen, tabu_op, tabu_arc, table,
        indeg, stack, rr, qq, dirty, changed):
    """Up to ``max_iters`` tabu moves from the state in the arrays (which it updates).
    Stops early at a makespan of ``prm[P_TARGET]``. Returns the moves made."""
    ten_op = prm[P_TEN_OP]
    ten_arc = prm[P_TEN_ARC]
    stall = prm[P_STALL]
    target = prm[P_TARGET]
    mode = prm[P_MODE]
    w_arc = n + nm
    arc_mask = tabu_arc.shape[0] - 1
    it = sc[IT]
    cmax = sc[CMAX]
    best = sc[BEST]
    since = sc[SINCE]
    h0 = rs[1]
    done = 0
    for w in range(n):
        rr[w] = r[w]
        qq[w] = q[w]
    while done < max_iters and best > target:
        done += 1
        it += 1
        bkey = _NOKEY
        bv = -1
        bk = -1
        bi = -1
        bh = 0
        ties = 0
        tkey = _NOKEY  # best tabu move, when every move is tabu
        tv = -1
        tk = -1
        ti = -1
        th = 0
        if mode & 2:
            _one_path(n, jp, mp, r, d, q, lasts, cmax, dirty, rs)
        for v in range(n):
            if mode & 2:
                if dirty[v] == 0:
                    continue
                dirty[v] = 0
            elif r[v] + d[v] + q[v] != cmax:
                continue
            nch = _minus(v, n, jp, js, mp, ms, d, order, tpos, rr, qq, dirty, changed)
            cmm = 0
            for j in range(lasts.shape[0]):
                w = lasts[j]
                if w != v and rr[w] + d[w] > cmm:
                    cmm = rr[w] + d[w]
            j_p = jp[v]
            j_s = js[v]
            a0 = mp[v]
            b0 = ms[v]
            m0 = mach[v]
            rjp = rr[j_p] + d[j_p] if j_p >= 0 else 0
            qjs = qq[j_s] + d[j_s] if j_s >= 0 else 0
            lim_a = rr[j_s] + d[j_s] if j_s >= 0 else _BIG
            lim_b = qq[j_p] + d[j_p] if j_p >= 0 else _BIG
            vtabu = tabu_op[v] > it
            hv = h0 ^ zk[v, _zkey(n, v, a0, m0)]
            if b0 >= 0:
                hv ^= zk[b0, _zkey(n, b0, v, m0)] ^ zk[b0, _zkey(n, b0, a0, m0)]
            for oi in range(ocnt[v]):
                k = omach[v, oi]
                p = odur[v, oi]
                L = slen[k]
                prev = -1  # the operation before the gap, in k's sequence without v
                gap = 0  # the gap's index there
                t = 0
                while t <= L:
                    if t < L:
                        b = seq[k, t]
                        t += 1
                        if b == v:
                            continue
                    else:
                        b = -1
                        t += 1
                    a = prev
                    i = gap
                    prev = b
                    gap += 1
                    if b >= 0 and (b == j_p or qq[b] >= lim_b):
                        continue  # b may reach jp(v): too early
                    if a >= 0 and (a == j_s or rr[a] >= lim_a):
                        break  # js(v) may reach a: too late, and so is every later gap
                    if k == m0 and a == a0:
                        continue  # where it is now
                    x = rjp
                    if a >= 0 and rr[a] + d[a] > x:
                        x = rr[a] + d[a]
                    y = qjs
                    if b >= 0 and qq[b] + d[b] > y:
                        y = qq[b] + d[b]
                    lv = x + p + y
                    nc = cmm if cmm > lv else lv
                    key = lv * _KEY + nc if mode & 1 else nc * _KEY + lv
                    tabu = (vtabu or tabu_arc[(v * w_arc + _zkey(n, v, a, k)) & arc_mask] > it) and nc >= best
                    if tabu:
                        if key < tkey:
                            hh = hv ^ zk[v, _zkey(n, v, a, k)]
                            if b >= 0:
                                hh ^= zk[b, _zkey(n, b, a, k)] ^ zk[b, _zkey(n, b, v, k)]
                            tkey, tv, tk, ti, th = key, v, k, i, hh
                        continue
                    if key > bkey:
                        continue
                    if key == bkey:
                        ties += 1
                        if _randint(rs, ties) != 0:
                            continue
                    hh = hv ^ zk[v, _zkey(n, v, a, k)]
                    if b >= 0:
                        hh ^= zk[b, _zkey(n, b, a, k)] ^ zk[b, _zkey(n, b, v, k)]
                    if table[_slot(table, hh)] == hh:
                        continue
                    if key < bkey:
                        ties = 1
                    bkey, bv, bk, bi, bh = key, v, k, i, hh
            _unminus(nch, n, r, q, rr, qq, changed)
        if bv < 0:
            bkey, bv, bk, bi, bh = tkey, tv, tk, ti, th
        if bv >= 0:
            m0 = mach[bv]
            a0 = mp[bv]
            p0 = pos[bv]
            _move(bv, bk, bi, n, mach, d, dur, seq, slen, pos, mp, ms)
            c = times(n, jp, js, mp, ms, d, r, q, order, tpos, indeg, stack)
            if c < 0:  # the position test rules this out; undo to be safe
                _move(bv, m0, p0, n, mach, d, dur, seq, slen, pos, mp, ms)
                c = times(n, jp, js, mp, ms, d, r, q, order, tpos, indeg, stack)
                bh = state_hash(n, mach, mp, zk)
                tabu_op[bv] = it + ten_op + 1
            for w in range(n):
                rr[w] = r[w]
                qq[w] = q[w]
            cmax = c
            h0 = bh
            sc[PREDICTED] = bkey // _KEY
            x = _slot(table, bh)
            if table[x] == 0:
                table[x] = bh
                sc[NVIS] += 1
            if ten_op > 0:
                tabu_op[bv] = it + ten_op // 2 + _randint(rs, ten_op + 1)
            if ten_arc > 0:
                tabu_arc[(bv * w_arc + _zkey(n, bv, a0, m0)) & arc_mask] = (
                    it + ten_arc // 2 + _randint(rs, ten_arc + 1))
            if cmax < best:
                best = cmax
                for w in range(n):
                    bmach[w] = mach[w]
                for k in range(nm):
                    bslen[k] = slen[k]
                    for t in range(slen[k]):
                        bseq[k, t] = seq[k, t]
                since = 0
                sc[LASTIMP] = it
                continue
            since += 1
            if 4 * sc[NVIS] >= table.shape[0]:  # the visited set is full: empty it
                table[:] = 0
                sc[NVIS] = 0
            if since < stall:
                continue
        if mode & 4:  # stuck: let the caller decide where to go on from
            sc[STALLED] = 1
            break
        # stuck: back to the best, shaken
        for w in range(n):
            mach[w] = bmach[w]
            d[w] = dur[w, bmach[w]]
        for k in range(nm):
            slen[k] = bslen[k]
            for t in range(bslen[k]):
                seq[k, t] = bseq[k, t]
        relink(n, nm, seq, slen, pos, mp, ms)
        cmax = _shake(prm[P_SHAKE], n, nm, jp, js, lasts, ocnt, omach, dur, mach, d, seq, slen,
                      pos, mp, ms, r, q, order, tpos, indeg, stack, rr, qq, dirty, changed, rs)
        for w in range(n):
            rr[w] = r[w]
            qq[w] = q[w]
        h0 = state_hash(n, mach, mp, zk)
        it += EXPIRE  # every tabu entry expires
        sc[RESTARTS] += 1
        since = 0
        if cmax < best:
            best = cmax
            for w in range(n):
                bmach[w] = mach[w]
            for k in range(nm):
                bslen[k] = slen[k]
                for t in range(slen[k]):
                    bseq[k, t] = seq[k, t]
    sc[IT] = it
    sc[CMAX] = cmax
    sc[BEST] = best
    sc[SINCE] = since
    rs[1] = h0
    return done
