"""Cell resolution: every shed cell (or cluster) is its own packet, advanced in parallel.

Packets live in a fixed-capacity pool cut into chunks of ``CHUNK`` slots. Each chunk keeps its
live packets packed at its front (a chunk compacts itself in place as it advances; the order of
packets inside a chunk carries no meaning, and advancing regroups them), so its free slots are its
tail: the pool's free list is one count per chunk. Chunks are grouped
into ``N_BLOCKS`` blocks run by ``prange``; every block adds its deaths and arrivals to its own
integer accumulators, which are summed afterwards. Every random number is a pure function of
(seed, step, packet id, draw index), and integer sums do not depend on order, so results are the
same for any thread count.

The rules are those of the pooled transport kernel, one cell at a time: exact competing hazards in
a vessel with ONE uniform (it decides whether the cell dies and, rescaled, of which cause), and ONE
uniform on arrival (arrest with probability p; otherwise, rescaled, which outgoing vessel).
"""

import math

import numba
import numpy as np

from sim_core.kernels.layout import (
    ARRIVE_CLEAR,
    KIND_CLUSTER,
    KIND_NONVIABLE,
    KIND_SINGLE,
    N_ROUTES,
    STRIDE,
)
from sim_core.kernels.rng import binomial, binomial_draws, make_key, poisson, uniform_seq
from sim_core.kernels.rules import shed_split, split_deaths

pjit = numba.njit(cache=True, nogil=True, parallel=True)
jit = numba.njit(cache=True, nogil=True)
#: The per-packet helpers are inlined into the parallel loops: called, each call would pass some
#: thirty array descriptors (measured: about half of the step's time went to the calls).
ijit = numba.njit(cache=True, nogil=True, inline="always")

#: Slots per chunk; a chunk's live packets are packed at its front.
CHUNK = 1024
#: Work units of ``prange``; fixed, so results never depend on the thread count.
N_BLOCKS = 64
#: Packets sorted and moved together (a part of a chunk, so the scratch stays in L1).
BATCH = 256
STREAM_CELLS = 6
STREAM_SHED_CELLS = 7
#: Bits of a packet-step's draw index inside the counter (the packet id fills the rest).
DRAW_BITS = 20
MAX_HOPS = 100000

#: Compartment behaviour on arrival (``comp_flag``).
FLAG_PASS = 0  # a junction: cells go on
FLAG_BED = 1  # capillary bed or lymph node: arrest with ``p_arrest``; clears non-viable cells
FLAG_CAVITY = 2  # a body cavity: cells are deposited (non-viable ones cleared)

#: Accumulator columns, per block.
A_ANOIKIS = 0
A_SHEAR = 1
A_IMMUNE = 2
A_ARRESTED = 3
A_CAVITY = 4
A_DRAWS = 5
A_PACKET_STEPS = 6
N_ACC = 8


#: Columns of the per-(packet kind, vessel) row table ``vrow`` (8 doubles: one cache line).
VR_TRANSIT = 0  # transit time of the vessel (h)
VR_H = 1  # total death hazard (/h): anoikis + shear + immune
VR_Q_FULL = 2  # chance of dying over the whole vessel
VR_Q_STEP = 3  # chance of dying over a whole step in the vessel
VR_HA = 4  # anoikis hazard
VR_HAS = 5  # anoikis + shear hazards
VR_HS = 6  # shear hazard
VR_HI = 7  # immune hazard
N_VR = 8
#: Columns of the per-vessel integer table ``vint``.
VI_DST = 0  # compartment the vessel ends in
VI_KIND = 1  # vessel kind (its route bit)
VI_LO = 2  # the outgoing-vessel pick table of (destination, class): first entry ...
VI_HI = 3  # ... and one past its last
N_VI = 4


#: Table indices are cast to unsigned: numba adds a negative-index fix-up to every signed one
#: (measured: 7 % of a step).
U = np.uint64


@ijit
def tally_offsets(m, n):
    """Offsets, in one block's flat tally row, of (died [m, 3], arrested singles [n, N_ROUTES],
    arrested clusters [n, N_ROUTES], floating [n], cleared [n]); the row starts with ``N_ACC``
    counters."""
    o_died = N_ACC
    o_arr_s = o_died + 3 * m
    o_arr_c = o_arr_s + N_ROUTES * n
    o_float = o_arr_c + N_ROUTES * n
    o_clear = o_float + n
    return o_died, o_arr_s, o_arr_c, o_float, o_clear


@ijit
def hold(d, k, cells, kind, t, o_arr_s, o_arr_c):
    """Book a cell (or cluster) arrested in compartment ``d`` after arriving by vessel kind ``k``."""
    if kind == KIND_SINGLE:
        t[U(o_arr_s + N_ROUTES * d + k)] += cells
    else:
        t[U(o_arr_c + N_ROUTES * d + k)] += cells
    t[A_ARRESTED] += cells


@ijit
def death_chance(vrow, r, h, tau, arrived, pos, clock):
    """1 - exp(-h tau) for a stay of ``tau`` hours in the vessel of row ``r``: tabled for a whole
    vessel and for a whole step, computed otherwise."""
    if arrived and pos == 0.0:
        return vrow[U(r + VR_Q_FULL)]
    if not arrived and clock == 0.0:
        return vrow[U(r + VR_Q_STEP)]
    return -math.expm1(-h * tau)


@ijit
def stride_binomial(n, p, key, base, draw, used):
    """``binomial(n, p)`` at counter ``draw``; returns it with the next counter (a binomial
    reserves ``STRIDE``) and the uniforms computed so far (``used``, plus the ones it computed)."""
    return binomial(n, p, key, base + draw), draw + STRIDE, used + binomial_draws(n, p)


@ijit
def travel(  # noqa: C901
    v,
    pos,
    cells,
    kind,
    route,
    clock,
    dt_h,
    key,
    base,
    draw,
    m,
    n,
    vrow,
    vint,
    arrival,
    pick_v,
    pick_cum,
    t,
):
    """Follow one packet from ``clock`` to the end of the step (``dt_h``), hop by hop.

    ``vrow[kind, v]`` holds what a hop in vessel ``v`` reads (transit, hazards, the chances of
    dying over the whole vessel and over a whole step, so the common hops need no exp);
    ``vint[v]`` where the vessel leads; ``arrival[kind, d]`` the arrest chance on arriving in
    ``d`` (or ARRIVE_CLEAR / ARRIVE_DEPOSIT); ``t`` is the block's flat tally row (its parts at
    ``tally_offsets(m, n)``). The tables come as separate arrays on purpose: handed in as one tuple,
    each call unpacked it and counted references to its arrays, measured 35 % slower.

    ``draw`` is the next counter of the packet's stream (draws already made before the call);
    a binomial reserves ``STRIDE`` counters but computes fewer uniforms (``stride_binomial``).

    Returns (still in a vessel?, vessel, position h, cells, kind, route bits, uniforms computed,
    counting the ``draw`` made before the call).

    One function on purpose: numba compiles the hop loop as a whole; splitting it per rule (death,
    arrival, arrest, next vessel) would pass the packet's state in and out of a call per hop.

    Long: numba compiles the hop loop as a whole; split per rule, the packet's state would pass in and out of
    a call per hop."""
    o_died, o_arr_s, o_arr_c, o_float, o_clear = tally_offsets(m, n)
    used = draw
    for _hop in range(MAX_HOPS):
        r = (kind * m + v) * N_VR
        tau = vrow[U(r + VR_TRANSIT)] - pos
        room = dt_h - clock
        arrived = tau <= room
        if not arrived:
            tau = room
        if tau > 0.0:
            h = vrow[U(r + VR_H)]
            if h > 0.0:
                if kind != KIND_CLUSTER:
                    u = uniform_seq(key, base + draw)
                    draw += 1
                    used += 1
                    # q = 1 - exp(-h tau) <= h tau (also as rounded: h tau is a double above the
                    # exact q), so a draw at or above h tau survives without computing q
                    if u < h * tau:
                        q = death_chance(vrow, r, h, tau, arrived, pos, clock)
                        if u < q:
                            x = u / q * h
                            cause = 0 if x < vrow[U(r + VR_HA)] else (1 if x < vrow[U(r + VR_HAS)] else 2)
                            t[U(cause)] += 1
                            t[U(o_died + 3 * v + cause)] += 1
                            return False, v, pos, 0, kind, route, used
                else:
                    q = death_chance(vrow, r, h, tau, arrived, pos, clock)
                    dead, draw, used = stride_binomial(cells, q, key, base, draw, used)
                    if dead > 0:
                        ha, hs, hi = vrow[U(r + VR_HA)], vrow[U(r + VR_HS)], vrow[U(r + VR_HI)]
                        da, ds, di, nxt, n_u = split_deaths(dead, ha, hs, hi, key, base + draw)
                        draw = nxt - base
                        used += n_u
                        t[U(0)] += da
                        t[U(1)] += ds
                        t[U(2)] += di
                        t[U(o_died + 3 * v)] += da
                        t[U(o_died + 3 * v + 1)] += ds
                        t[U(o_died + 3 * v + 2)] += di
                        cells -= dead
                        if cells <= 0:
                            return False, v, pos, 0, kind, route, used
                        if cells == 1:
                            kind = KIND_SINGLE
        pos += tau
        clock += tau
        if not arrived:
            return True, v, pos, cells, kind, route, used
        w = v * N_VI
        d = vint[U(w + VI_DST)]
        k = vint[U(w + VI_KIND)]
        p = arrival[U(kind * n + d)]
        if p < 0.0:
            if p == ARRIVE_CLEAR:
                t[U(A_ANOIKIS)] += cells
                t[U(o_clear + d)] += cells
            else:
                t[U(o_float + d)] += cells
                t[U(A_CAVITY)] += cells
            return False, v, pos, 0, kind, route, used
        u = uniform_seq(key, base + draw)
        draw += 1
        used += 1
        if u < p:
            hold(d, k, cells, kind, t, o_arr_s, o_arr_c)
            return False, v, pos, 0, kind, route, used
        lo = vint[U(w + VI_LO)]
        hi = vint[U(w + VI_HI)]
        if lo == hi:
            if kind == KIND_NONVIABLE:
                t[U(A_ANOIKIS)] += cells
            else:
                hold(d, k, cells, kind, t, o_arr_s, o_arr_c)
            return False, v, pos, 0, kind, route, used
        # the outgoing vessel: the first of the table whose cumulative flow share exceeds the
        # rescaled draw (the last one if none does)
        x = (u - p) / (1.0 - p)
        j = lo
        while j < hi - 1 and not x < pick_cum[U(j)]:
            j += 1
        v = pick_v[U(j)]
        pos = 0.0
        route |= 1 << vint[U(v * N_VI + VI_KIND)]
    return True, v, pos, cells, kind, route, used


@ijit
def put(columns, w, v, pos, cells, kind, route, pid):
    """Write a packet still in a vessel into slot ``w`` of the pool's ``columns`` (vessel, position,
    cells, kind, route, id).

    By index on purpose: written as ``c_vessel, ... = columns``, with the locals named as the
    caller's, numba 0.6x inlined it into the ``prange`` loop of ``birth_cells`` so that a run's
    numbers changed (measured on the stored cell-resolution case of ``tests/golden``)."""
    columns[0][w] = v
    columns[1][w] = pos
    columns[2][w] = cells
    columns[3][w] = kind
    columns[4][w] = route
    columns[5][w] = pid


@pjit
def advance_cells(
    dt_h,
    n_live,
    columns,
    tables,
    n,
    cat,
    n_cat,
    seed,
    step,
    tally,
):
    """Advance every live packet through one step of ``dt_h`` hours; chunks compact in place.
    ``columns`` are the pool's (``CellPool.columns``), ``tables`` the step's (see ``travel``);
    ``tally[b]`` is block b's flat tally row (``tally_offsets``).

    A chunk's packets are moved ``BATCH`` at a time, grouped by ``cat[kind, vessel]`` (``n_cat``
    groups of packets whose first hop takes the same branches: packet kind, whether a whole vessel
    fits in the step, what arriving at its end does), so that the branch predictor sees runs
    instead of a random mixture. A batch is copied, sorted, into scratch arrays first; survivors go
    back to the chunk's front, which never passes the batch being moved.

    Long: one numba kernel over chunks: batching, grouping by branch, travel and compaction share a chunk's
    arrays in one loop; split, they would pass in and out per batch."""
    c_vessel, c_pos, c_cells, c_kind, c_route, c_pid = columns
    vrow, vint, arrival, pick_v, pick_cum = tables
    key = make_key(seed, STREAM_CELLS, step)
    m = vint.shape[0] // N_VI
    nch = n_live.shape[0]
    # as many blocks as chunks, at most N_BLOCKS: prange hands each thread a contiguous run of
    # blocks, so empty blocks would leave a thread idle (integer tallies make the split invisible)
    nb = min(tally.shape[0], nch)
    per = (nch + nb - 1) // nb
    for b in numba.prange(nb):
        # a view taken once per block: a slice per packet would touch a shared refcount each time
        t = tally[b]
        first = np.empty(n_cat + 1, np.int64)
        s_vessel = np.empty(BATCH, c_vessel.dtype)
        s_pos = np.empty(BATCH, c_pos.dtype)
        s_cells = np.empty(BATCH, c_cells.dtype)
        s_kind = np.empty(BATCH, c_kind.dtype)
        s_route = np.empty(BATCH, c_route.dtype)
        s_pid = np.empty(BATCH, c_pid.dtype)
        draws = 0
        steps = 0
        for c in range(b * per, min(nch, (b + 1) * per)):
            lo = c * CHUNK
            cnt = n_live[c]
            steps += cnt
            w = lo
            for s0 in range(lo, lo + cnt, BATCH):
                s1 = min(s0 + BATCH, lo + cnt)
                # counting sort of the batch's packets by group (stable) into the scratch arrays;
                # survivors then go back to the chunk's front, which never passes the batch
                first[:] = 0
                for i in range(s0, s1):
                    first[U(cat[U(np.int64(c_kind[U(i)]) * m + np.int64(c_vessel[U(i)]))] + 1)] += 1
                for g in range(1, n_cat + 1):
                    first[U(g)] += first[U(g - 1)]
                for i in range(s0, s1):
                    ui = U(i)
                    g = cat[U(np.int64(c_kind[ui]) * m + np.int64(c_vessel[ui]))]
                    j = U(first[U(g)])
                    first[U(g)] += 1
                    s_vessel[j] = c_vessel[ui]
                    s_pos[j] = c_pos[ui]
                    s_cells[j] = c_cells[ui]
                    s_kind[j] = c_kind[ui]
                    s_route[j] = c_route[ui]
                    s_pid[j] = c_pid[ui]
                for jj in range(s1 - s0):
                    j = U(jj)
                    v0, p0, c0 = np.int64(s_vessel[j]), np.float64(s_pos[j]), np.int64(s_cells[j])
                    k0, r0, b0 = np.int64(s_kind[j]), np.int64(s_route[j]), s_pid[j] << DRAW_BITS
                    ok, v, pos, cells, kind, route, used = travel(
                        v0, p0, c0, k0, r0, 0.0, dt_h, key, b0, 0, m, n, vrow, vint, arrival, pick_v, pick_cum, t
                    )
                    draws += used
                    if ok:
                        put(columns, U(w), v, pos, cells, kind, route, s_pid[j])
                        w += 1
            n_live[c] = w - lo
        t[A_DRAWS] += draws
        t[A_PACKET_STEPS] += steps


@pjit
def birth_cells(
    dt_h,
    plan_chunk,
    plan_first,
    plan_count,
    first_pid,
    unit_end,
    unit_kind,
    unit_cells,
    unit_extra,
    birth_ptr,
    birth_v,
    birth_cum,
    n_live,
    columns,
    tables,
    n,
    seed,
    step,
    tally,
):
    """Cells shed during this step: units ``plan_first[j]`` .. ``+plan_count[j]`` are born, travel
    from a uniform moment in the step, and the ones still in a vessel at its end are packed into
    the free tail of chunk ``plan_chunk[j]`` (which has room for all of them).

    Unit groups (a source x kind) end at ``unit_end[g]``; a unit of group g starts at its source
    as kind ``unit_kind[g]`` with ``unit_cells[g]`` cells (clusters:
    the first ``unit_extra[g]`` units of the group carry one cell more). It leaves by one vessel of
    the group's table (``birth_ptr``: cumulative weights = class share of the source x the
    vessel's flow share); a group with an empty table has no way out and its cells die.

    Long: each shed unit is born, travels and is packed into its chunk in one pass, so its draws keep their
    order; split, a unit's state would be handed between numba calls."""
    vrow, vint, arrival, pick_v, pick_cum = tables
    key = make_key(seed, STREAM_CELLS, step)
    m = vint.shape[0] // N_VI
    nplan = plan_chunk.shape[0]
    nb = min(tally.shape[0], nplan)
    for b in numba.prange(nb):
        t = tally[b]
        for j in range(b, nplan, nb):
            c = plan_chunk[j]
            w = c * CHUNK + n_live[c]
            for unit in range(plan_first[j], plan_first[j] + plan_count[j]):
                g = 0
                while unit >= unit_end[g]:
                    g += 1
                start = unit_end[g - 1] if g > 0 else 0
                kind = unit_kind[g]
                cells = unit_cells[g] + (1 if unit - start < unit_extra[g] else 0)
                pid = first_pid + unit
                base = pid << DRAW_BITS
                lo = birth_ptr[g]
                hi = birth_ptr[g + 1]
                t[A_PACKET_STEPS] += 1
                if lo == hi:
                    t[A_ANOIKIS] += cells
                    continue
                u = uniform_seq(key, base)
                e = birth_v[hi - 1]
                for jj in range(lo, hi - 1):
                    if u < birth_cum[jj]:
                        e = birth_v[jj]
                        break
                clock = uniform_seq(key, base + 1) * dt_h
                e0, r0 = np.int64(e), np.int64(1) << vint[e * N_VI + VI_KIND]
                ok, v, pos, cells, kind, route, used = travel(
                    e0, 0.0, cells, kind, r0, clock, dt_h, key, base, 2, m, n, vrow, vint, arrival, pick_v, pick_cum, t
                )
                t[A_DRAWS] += used
                if ok:
                    put(columns, w, v, pos, cells, kind, route, pid)
                    w += 1
            n_live[c] = w - c * CHUNK


@jit
def live_slots(n_live, out):
    """Indices of live slots, chunk by chunk, into ``out``; returns how many."""
    k = 0
    for c in range(n_live.shape[0]):
        lo = c * CHUNK
        for i in range(lo, lo + n_live[c]):
            out[k] = i
            k += 1
    return k


@jit
def shed_counts(dt_h, src_cells, shed_per_cell_h, rates, seed, step, out):
    """Per shedding source: cells shed in the step, how many are viable, how many of those leave in
    clusters, and how many clusters (rows of ``out``). Same distributions as the pooled kernel."""
    key = make_key(seed, STREAM_SHED_CELLS, step)
    ctr = 0
    for s in range(src_cells.shape[0]):
        out[s, 0] = 0
        out[s, 1] = 0
        out[s, 2] = 0
        out[s, 3] = 0
        mean = shed_per_cell_h[s] * src_cells[s] * dt_h
        if mean <= 0.0:
            continue
        n_shed = poisson(mean, key, ctr)
        viable, in_clusters, nclu, ctr = shed_split(n_shed, rates, key, ctr + STRIDE)
        out[s, 0] = n_shed
        out[s, 1] = viable
        out[s, 2] = in_clusters
        out[s, 3] = nclu


@jit
def live_cells(n_live, cells):
    """Cells carried by the live packets (no index array: a soak calls this every simulated day,
    and a temporary the size of the pool each time kept the allocator's heap growing)."""
    total = 0
    for c in range(n_live.shape[0]):
        lo = c * CHUNK
        for i in range(lo, lo + n_live[c]):
            total += cells[i]
    return total
