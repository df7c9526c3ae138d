"""Cell resolution: every shed cell (or cluster) is its own packet, advanced in parallel.

Packets live in a fixed-capacity pool cut into chunks of ``CHUNK`` slots. Each chunk keeps its
live packets packed at its front (a chunk compacts itself in place as it advances, keeping order),
so its free slots are its tail: the pool's free list is one count per chunk. Chunks are grouped
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

from .layout import R_CLUSTER_CELLS, R_CLUSTER_FRAC, R_VIABLE, STRIDE
from .rng import binomial, make_key, poisson, uniform_seq

pjit = numba.njit(cache=True, nogil=True, parallel=True)
jit = numba.njit(cache=True, nogil=True)
#: The per-packet helpers are inlined into the parallel loops: called, each call would pass some
#: thirty array descriptors (measured: about half of the step's time went to the calls).
ijit = numba.njit(cache=True, nogil=True, inline="always")

#: Slots per chunk; a chunk's live packets are packed at its front.
CHUNK = 1024
#: Work units of ``prange``; fixed, so results never depend on the thread count.
N_BLOCKS = 64
STREAM_CELLS = 6
STREAM_SHED_CELLS = 7
#: Bits of a packet-step's draw index inside the counter (the packet id fills the rest).
DRAW_BITS = 20
MAX_HOPS = 100000

KIND_SINGLE = 0      # one viable cell
KIND_CLUSTER = 1     # one cluster of viable cells (``cells`` of them)
KIND_NONVIABLE = 2   # one shed cell that is already dying

#: Compartment behaviour on arrival (``comp_flag``).
FLAG_PASS = 0        # a junction: cells go on
FLAG_BED = 1         # capillary bed or lymph node: arrest with ``p_arrest``; clears non-viable cells
FLAG_CAVITY = 2      # a body cavity: cells are deposited (non-viable ones cleared)

#: Accumulator columns, per block.
A_ANOIKIS = 0
A_SHEAR = 1
A_IMMUNE = 2
A_ARRESTED = 3
A_CAVITY = 4
A_DRAWS = 5
A_PACKET_STEPS = 6
N_ACC = 8


@ijit
def pick_vessel(d, vclass, u, pick_ptr, pick_v, pick_cum):
    """Outgoing vessel of compartment ``d`` for a cell that arrived by class ``vclass``, for
    uniform ``u``: the first vessel of the (d, class) table whose cumulative flow share exceeds u.
    The tables hold the vessels of the class the cell arrived in or, where there are none (the
    venous angle), all of them. Returns -1 when there is no way out."""
    lo = pick_ptr[3 * d + vclass]
    hi = pick_ptr[3 * d + vclass + 1]
    if lo == hi:
        return -1
    for j in range(lo, hi - 1):
        if u < pick_cum[j]:
            return pick_v[j]
    return pick_v[hi - 1]


@ijit
def death_chance(v, kind, vc, h, tau, pos, clock, arrived, q_full, q_step):
    """Chance of dying over ``tau`` hours in vessel ``v`` at total hazard ``h``: the tables hold
    the whole vessel and the whole step (the common cases), otherwise -expm1(-h tau)."""
    if arrived and pos == 0.0:
        return q_full[kind, v]
    if not arrived and clock == 0.0:
        return q_step[kind, vc]
    return -math.expm1(-h * tau)


@ijit
def hold(d, k, cells, kind, acc, acc_arr_s, acc_arr_c):
    """Book a cell (or cluster) arrested in compartment ``d`` after arriving by vessel kind ``k``."""
    if kind == KIND_SINGLE:
        acc_arr_s[d, k] += cells
    else:
        acc_arr_c[d, k] += cells
    acc[A_ARRESTED] += cells


@ijit
def travel(v, pos, cells, kind, route, clock, dt_h, key, base, draw, v_dst, v_kind, v_class,
           v_transit_h, pick_ptr, pick_v, pick_cum, comp_flag, p_arrest, haz, q_full, q_step, acc,
           acc_died, acc_arr_s, acc_arr_c, acc_float, acc_clear):
    """Follow one packet from ``clock`` to the end of the step (``dt_h``), hop by hop.

    ``q_full[kind, v]`` is the chance of dying over a whole vessel and ``q_step[kind, class]`` over
    a whole step, so the common hops need no exp.

    Returns (still in a vessel?, vessel, position h, cells, kind, route bits, draws used).
    """
    for _hop in range(MAX_HOPS):
        tau = v_transit_h[v] - pos
        room = dt_h - clock
        arrived = tau <= room
        if not arrived:
            tau = room
        if tau > 0.0:
            vc = v_class[v]
            ha = haz[kind, vc, 0]
            hs = haz[kind, vc, 1]
            hi = haz[kind, vc, 2]
            h = ha + hs + hi
            if h > 0.0:
                if kind != KIND_CLUSTER:
                    u = uniform_seq(key, base + draw)
                    draw += 1
                    # q = 1 - exp(-h tau) <= h tau (also as rounded: h tau is a double above the
                    # exact q), so a draw at or above h tau survives without computing q
                    if u < h * tau:
                        q = death_chance(v, kind, vc, h, tau, pos, clock, arrived, q_full, q_step)
                        if u < q:
                            x = u / q * h
                            cause = 0 if x < ha else (1 if x < ha + hs else 2)
                            acc[cause] += 1
                            acc_died[v, cause] += 1
                            return False, v, pos, 0, kind, route, draw
                else:
                    q = death_chance(v, kind, vc, h, tau, pos, clock, arrived, q_full, q_step)
                    dead = binomial(cells, q, key, base + draw)
                    draw += STRIDE
                    if dead > 0:
                        da = binomial(dead, ha / h, key, base + draw)
                        draw += STRIDE
                        rest = dead - da
                        ds = 0
                        if rest > 0 and hs > 0.0:
                            ds = binomial(rest, hs / (hs + hi), key, base + draw)
                            draw += STRIDE
                        acc[0] += da
                        acc[1] += ds
                        acc[2] += rest - ds
                        acc_died[v, 0] += da
                        acc_died[v, 1] += ds
                        acc_died[v, 2] += rest - ds
                        cells -= dead
                        if cells <= 0:
                            return False, v, pos, 0, kind, route, draw
                        if cells == 1:
                            kind = KIND_SINGLE
        pos += tau
        clock += tau
        if not arrived:
            return True, v, pos, cells, kind, route, draw
        d = v_dst[v]
        k = v_kind[v]
        flag = comp_flag[d]
        if kind == KIND_NONVIABLE:
            if flag != FLAG_PASS:
                acc[A_ANOIKIS] += cells
                acc_clear[d] += cells
                return False, v, pos, 0, kind, route, draw
            p = 0.0
        elif flag == FLAG_CAVITY:
            acc_float[d] += cells
            acc[A_CAVITY] += cells
            return False, v, pos, 0, kind, route, draw
        else:
            p = p_arrest[d]
        u = uniform_seq(key, base + draw)
        draw += 1
        if u < p:
            hold(d, k, cells, kind, acc, acc_arr_s, acc_arr_c)
            return False, v, pos, 0, kind, route, draw
        e = pick_vessel(d, v_class[v], (u - p) / (1.0 - p), pick_ptr, pick_v, pick_cum)
        if e < 0:
            if kind == KIND_NONVIABLE:
                acc[A_ANOIKIS] += cells
            else:
                hold(d, k, cells, kind, acc, acc_arr_s, acc_arr_c)
            return False, v, pos, 0, kind, route, draw
        v = e
        pos = 0.0
        route |= 1 << v_kind[e]
    return True, v, pos, cells, kind, route, draw


@pjit
def advance_cells(dt_h, n_live, c_vessel, c_pos, c_cells, c_kind, c_route, c_pid, v_dst, v_kind,
                  v_class, v_transit_h, pick_ptr, pick_v, pick_cum, comp_flag, p_arrest, haz, q_full,
                  q_step, seed, step, acc, acc_died, acc_arr_s, acc_arr_c, acc_float, acc_clear):
    """Advance every live packet through one step of ``dt_h`` hours; chunks compact in place."""
    key = make_key(seed, STREAM_CELLS, step)
    nch = n_live.shape[0]
    # as many blocks as chunks, at most N_BLOCKS: prange hands each thread a contiguous run of
    # blocks, so empty blocks would leave a thread idle (integer tallies make the split invisible)
    nb = min(acc.shape[0], nch)
    per = (nch + nb - 1) // nb
    for b in numba.prange(nb):
        # views taken once per block: a slice per packet would touch a shared refcount each time
        a = acc[b]
        ad = acc_died[b]
        ars = acc_arr_s[b]
        arc = acc_arr_c[b]
        af = acc_float[b]
        acl = acc_clear[b]
        for c in range(b * per, min(nch, (b + 1) * per)):
            lo = c * CHUNK
            w = lo
            for i in range(lo, lo + n_live[c]):
                ok, v, pos, cells, kind, route, draw = travel(
                    c_vessel[i], np.float64(c_pos[i]), np.int64(c_cells[i]), np.int64(c_kind[i]),
                    np.int64(c_route[i]), 0.0, dt_h, key, c_pid[i] << DRAW_BITS, 0, v_dst, v_kind,
                    v_class, v_transit_h, pick_ptr, pick_v, pick_cum, comp_flag, p_arrest, haz,
                    q_full, q_step, a, ad, ars, arc, af, acl)
                a[A_DRAWS] += draw
                a[A_PACKET_STEPS] += 1
                if ok:
                    c_vessel[w] = v
                    c_pos[w] = pos
                    c_cells[w] = cells
                    c_kind[w] = kind
                    c_route[w] = route
                    c_pid[w] = c_pid[i]
                    w += 1
            n_live[c] = w - lo


@pjit
def birth_cells(dt_h, plan_chunk, plan_first, plan_count, first_pid, unit_end, unit_kind, unit_cells, unit_extra, birth_ptr, birth_v, birth_cum, n_live, c_vessel,
                c_pos, c_cells, c_kind, c_route, c_pid, v_dst, v_kind, v_class, v_transit_h,
                pick_ptr, pick_v, pick_cum, comp_flag, p_arrest, haz, q_full, q_step, seed, step,
                acc, acc_died, acc_arr_s, acc_arr_c, acc_float, acc_clear):
    """Cells shed during this step: units ``plan_first[j]`` .. ``+plan_count[j]`` are born, travel
    from a uniform moment in the step, and the ones still in a vessel at its end are packed into
    the free tail of chunk ``plan_chunk[j]`` (which has room for all of them).

    Unit groups (a source x kind) end at ``unit_end[g]``; a unit of group g starts at its source
    as kind ``unit_kind[g]`` with ``unit_cells[g]`` cells (clusters:
    the first ``unit_extra[g]`` units of the group carry one cell more). It leaves by one vessel of
    the group's table (``birth_ptr``: cumulative weights = class share of the source x the
    vessel's flow share); a group with an empty table has no way out and its cells die.
    """
    key = make_key(seed, STREAM_CELLS, step)
    nplan = plan_chunk.shape[0]
    nb = min(acc.shape[0], nplan)
    for b in numba.prange(nb):
        a = acc[b]
        ad = acc_died[b]
        ars = acc_arr_s[b]
        arc = acc_arr_c[b]
        af = acc_float[b]
        acl = acc_clear[b]
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
                a[A_PACKET_STEPS] += 1
                if lo == hi:
                    a[A_ANOIKIS] += cells
                    continue
                u = uniform_seq(key, base)
                e = birth_v[hi - 1]
                for jj in range(lo, hi - 1):
                    if u < birth_cum[jj]:
                        e = birth_v[jj]
                        break
                clock = uniform_seq(key, base + 1) * dt_h
                ok, v, pos, cells, kind, route, draw = travel(
                    np.int64(e), 0.0, cells, kind, np.int64(1) << v_kind[e], clock, dt_h, key, base,
                    2, v_dst, v_kind, v_class, v_transit_h, pick_ptr, pick_v, pick_cum, comp_flag,
                    p_arrest, haz, q_full, q_step, a, ad, ars, arc, af, acl)
                a[A_DRAWS] += draw
                if ok:
                    c_vessel[w] = v
                    c_pos[w] = pos
                    c_cells[w] = cells
                    c_kind[w] = kind
                    c_route[w] = route
                    c_pid[w] = pid
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
        ctr += STRIDE
        viable = binomial(n_shed, rates[R_VIABLE], key, ctr)
        ctr += STRIDE
        in_clusters = binomial(viable, rates[R_CLUSTER_FRAC], key, ctr)
        ctr += STRIDE
        nclu = int(round(in_clusters / rates[R_CLUSTER_CELLS])) if in_clusters >= 2 else 0
        if nclu < 1 and in_clusters >= 2:
            nclu = 1
        if nclu == 0:
            in_clusters = 0
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
