"""Moving packets along vessels: attrition on the way, arrest or passage at each compartment.

Event-driven within a step: a packet moves to the end of its vessel or to the end of the step,
whichever comes first, and dies by exact hazards over that time, so results do not depend on the
step length. Cells arriving at a compartment are pooled per (compartment, route) and leave again
as one packet per outgoing vessel: packets split at branches without multiplying without bound.
"""

import math

import numpy as np

from sim_core.kernels._jit import jit, jit_inline
from sim_core.kernels.layout import (
    ARRIVE_CLEAR,
    ARRIVE_DEPOSIT,
    C_ARRESTED,
    C_CAVITY,
    C_CLUSTERS_SHED,
    C_DIED_ANOIKIS,
    C_DIED_IMMUNE,
    C_DIED_SHEAR,
    C_SHED,
    KIND_NONVIABLE,
    KIND_SINGLE,
    N_ROUTES,
    NEED_PACKETS,
    OK,
    STRIDE,
    VESSEL_CLASS_OF,
)
from sim_core.kernels.rng import binomial, make_key, poisson, uniform
from sim_core.kernels.rules import arrival, class_shares, exit_shares, hazards, shed_split, split_deaths, unit_kind
from sim_core.kernels.structs import GraphArrays, PacketArrays, PoolArrays

STREAM_TRANSPORT = 1
STREAM_SHEDDING = 4


@jit_inline
def kill_in_vessel(cells, nclu, v, vclass, tau_h, rates, counters, died_in_vessel, key, ctr):
    """Cells of one packet that die during ``tau_h`` hours in a vessel of class ``vclass``.

    Deaths are split by cause in proportion to the hazards. Non-viable cells (``nclu < 0``) die of
    anoikis only, at their own fast rate. Deaths are also added to ``died_in_vessel[v, cause]``
    (cause 0 anoikis, 1 shear, 2 immune), so a view can show where cells died and why.
    Returns the number that died.
    """
    ha, hs, hi = hazards(unit_kind(nclu), vclass, rates)
    h = ha + hs + hi
    if h <= 0.0 or cells <= 0:
        return 0
    dead = binomial(cells, -math.expm1(-h * tau_h), key, ctr[0])
    ctr[0] += STRIDE
    if dead == 0:
        return 0
    da, ds, di, nxt, _ = split_deaths(dead, ha, hs, hi, key, ctr[0])
    ctr[0] = nxt
    counters[C_DIED_ANOIKIS] += da
    counters[C_DIED_SHEAR] += ds
    counters[C_DIED_IMMUNE] += di
    died_in_vessel[v, 0] += da
    died_in_vessel[v, 1] += ds
    died_in_vessel[v, 2] += di
    return dead


@jit_inline
def new_packet(cells, nclu, vessel, clock, route, v_kind, pk):
    """Take a free slot of the packet group ``pk`` for a packet at the start of ``vessel``; the
    caller ensured one is free."""
    pk.n_free[0] -= 1
    p = pk.free_stack[pk.n_free[0]]
    pk.active[p] = 1
    pk.cells[p] = cells
    pk.nclu[p] = nclu
    pk.vessel[p] = vessel
    pk.pos[p] = 0.0
    pk.clock[p] = clock
    pk.route[p] = route | (1 << v_kind[vessel])
    pk.pid[p] = pk.next_id[0]
    pk.next_id[0] += 1
    return p


@jit
def emit(cells, nclu, d, vclass, clock, route, g, pk, key, ctr):
    """Send cells leaving compartment ``d`` down its outgoing vessels, split by flow share.

    Vessels of the class the cells arrived in are preferred (blood stays in blood); where there are
    none (the venous angle: lymph -> blood) all outgoing vessels are used. Clusters are split as
    whole clusters, their cells in proportion; ``nclu`` < 0 marks non-viable single cells, which
    stay marked. Returns the cells that found no way out."""
    v_kind, v_class, v_share, out_idx = g.v_kind, g.v_class, g.v_share, g.out_idx
    of_class, of_all = exit_shares(d, vclass, g.out_ptr, out_idx, v_class, v_share)
    same = of_class > 0.0
    total = of_class if same else of_all
    if total <= 0.0:
        return cells
    lo = g.out_ptr[d]
    hi = g.out_ptr[d + 1]
    units = nclu if nclu > 0 else cells
    left_units = units
    left_cells = cells
    left_share = total
    for j in range(lo, hi):
        e = out_idx[j]
        if same and v_class[e] != vclass:
            continue
        s = v_share[e]
        if left_units <= 0:
            break
        if s >= left_share * (1.0 - 1e-12):
            u = left_units
        else:
            u = binomial(left_units, s / left_share, key, ctr[0])
            ctr[0] += STRIDE
        left_share -= s
        if u == 0:
            continue
        if nclu > 0:
            c = left_cells if u == left_units else int(round(left_cells * u / left_units))
            if c < u:
                c = u
            new_packet(c, u, e, clock, route, v_kind, pk)
            left_cells -= c
        else:
            new_packet(u, -1 if nclu < 0 else 0, e, clock, route, v_kind, pk)
            left_cells -= u
        left_units -= u
    return left_cells


@jit_inline
def advance_packets(  # noqa: C901
    dt_h,
    g,
    pk,
    po,
    died_in_vessel,
    counters,
    rates,
    seed,
    step,
    ctr,
):
    """Advance every packet through one step of ``dt_h`` hours.

    Non-viable cells pass through junctions like the others but are cleared (counted as anoikis
    deaths) in the first capillary bed, node or cavity they reach.

    Returns ``OK`` when done, or ``NEED_PACKETS`` when fewer free packet slots remain than one round
    of emissions may need: the caller grows the arrays and calls again (state is kept in the arrays,
    so the call resumes where it stopped).

    Long: numba compiles the per-packet loop as a whole (a call per rule would cost a call per packet);
    the rules themselves are ``rules``' functions, inlined."""
    v_dst, v_kind, v_class, v_share, v_transit_h, out_ptr, out_idx, arrest_class, comp_kind = g
    pk_cells, pk_nclu, pk_vessel, pk_pos, pk_clock, pk_route, pk_id, pk_active, free_stack, n_free, next_id = pk
    pool_s, pool_cc, pool_ck, pool_f, pool_t, pool_route, arr_s, arr_c, floating, arrested_cum, cleared_at = po
    key = make_key(seed, STREAM_TRANSPORT, step)
    n_pk = pk_cells.shape[0]
    n = comp_kind.shape[0]
    need = 3 * N_ROUTES * v_dst.shape[0]
    # what arriving does, per compartment: viable cells (clusters alike), then non-viable ones
    act = np.empty((2, n))
    for d in range(n):
        act[0, d] = arrival(KIND_SINGLE, arrest_class[d], comp_kind[d], rates)
        act[1, d] = arrival(KIND_NONVIABLE, arrest_class[d], comp_kind[d], rates)
    # slots at and above ``top`` are all free: no round needs to look at them (the loop below keeps
    # the slots' order, so which packet draws when is as without it)
    top = n_pk
    while top > 0 and pk_active[top - 1] == 0:
        top -= 1
    for _round in range(1000000):
        # 1. move every packet to the end of its vessel or of the step
        for p in range(top):
            if pk_active[p] == 0 or pk_clock[p] >= dt_h:
                continue
            v = pk_vessel[p]
            tau = v_transit_h[v] - pk_pos[p]
            room = dt_h - pk_clock[p]
            arrived = tau <= room
            if not arrived:
                tau = room
            if tau > 0.0:
                dead = kill_in_vessel(
                    pk_cells[p], pk_nclu[p], v, v_class[v], tau, rates, counters, died_in_vessel, key, ctr
                )
                pk_cells[p] -= dead
                if pk_nclu[p] > 0 and pk_cells[p] <= pk_nclu[p]:
                    pk_nclu[p] = 0
            pk_pos[p] += tau
            pk_clock[p] += tau
            if pk_cells[p] <= 0:
                pk_active[p] = 0
                free_stack[n_free[0]] = p
                n_free[0] += 1
                continue
            if arrived:
                d = v_dst[v]
                k = v_kind[v]
                if pk_nclu[p] > 0:
                    pool_cc[d, k] += pk_cells[p]
                    pool_ck[d, k] += pk_nclu[p]
                    pool_t[d, k, 1] += pk_cells[p] * pk_clock[p]
                elif pk_nclu[p] < 0:
                    pool_f[d, k] += pk_cells[p]
                    pool_t[d, k, 2] += pk_cells[p] * pk_clock[p]
                else:
                    pool_s[d, k] += pk_cells[p]
                    pool_t[d, k, 0] += pk_cells[p] * pk_clock[p]
                pool_route[d] |= pk_route[p]
                pk_active[p] = 0
                free_stack[n_free[0]] = p
                n_free[0] += 1
        # 2. cells that arrived: arrest, deposit in a cavity, or pass on
        pending = False
        for d in range(n):
            for k in range(N_ROUTES):
                if pool_s[d, k] > 0 or pool_ck[d, k] > 0 or pool_f[d, k] > 0:
                    pending = True
        if not pending:
            return OK
        if n_free[0] < need:
            return NEED_PACKETS
        before = n_free[0]
        for d in range(n):
            p_arrest = act[0, d]
            deposit = p_arrest == ARRIVE_DEPOSIT
            clear = act[1, d] == ARRIVE_CLEAR
            for k in range(N_ROUTES):
                vclass = VESSEL_CLASS_OF[k]  # the route kind is the vessel kind it came by
                cells = pool_f[d, k]
                if cells > 0:
                    if clear:
                        counters[C_DIED_ANOIKIS] += cells
                        cleared_at[d] += cells
                    else:
                        stuck = emit(cells, -1, d, vclass, pool_t[d, k, 2] / cells, pool_route[d], g, pk, key, ctr)
                        counters[C_DIED_ANOIKIS] += stuck
                for species in range(2):
                    if species == 0:
                        cells = pool_s[d, k]
                        units = cells
                    else:
                        cells = pool_cc[d, k]
                        units = pool_ck[d, k]
                    if cells <= 0:
                        continue
                    clock = pool_t[d, k, species] / cells
                    if deposit:
                        floating[d] += cells
                        counters[C_CAVITY] += cells
                        held = cells
                        left_units = 0
                    else:
                        held_units = binomial(units, p_arrest, key, ctr[0])
                        ctr[0] += STRIDE
                        if species == 0:
                            held = held_units
                        elif held_units == units:
                            held = cells
                        else:
                            held = int(round(cells * held_units / units))
                            if held < held_units:
                                held = held_units
                            if cells - held < units - held_units:
                                held = cells - (units - held_units)
                        left_units = units - held_units
                    passing = cells - held
                    if passing > 0:
                        nclu = left_units if species == 1 else 0
                        stuck = emit(passing, nclu, d, vclass, clock, pool_route[d], g, pk, key, ctr)
                        held += stuck
                    if not deposit and held > 0:
                        if species == 0:
                            arr_s[d, k] += held
                        else:
                            arr_c[d, k] += held
                        arrested_cum[d] += held
                        counters[C_ARRESTED] += held
                pool_s[d, k] = 0
                pool_cc[d, k] = 0
                pool_ck[d, k] = 0
                pool_f[d, k] = 0
                pool_t[d, k, 0] = 0.0
                pool_t[d, k, 1] = 0.0
                pool_t[d, k, 2] = 0.0
            pool_route[d] = 0
        # the slots this round's new packets took: the free list's entries just popped (only pops
        # happen while cells leave compartments, so they are still there)
        for i in range(n_free[0], before):
            if free_stack[i] >= top:
                top = free_stack[i] + 1
    return OK


@jit
def packet_positions(pk_active, pk_vessel, pk_pos, v_transit_h, path_ptr, path_xy, path_cum, out_xy):
    """Body-map coordinates of every packet, interpolated along its vessel's polyline by time:
    the point at that share of the path's arc length (``path_cum``), found by binary search."""
    for p in range(pk_active.shape[0]):
        if pk_active[p] == 0:
            out_xy[p, 0] = math.nan
            out_xy[p, 1] = math.nan
            continue
        v = pk_vessel[p]
        f = pk_pos[p] / v_transit_h[v]
        if f > 1.0:
            f = 1.0
        a = path_ptr[v]
        b = path_ptr[v + 1]
        target = f * path_cum[b - 1]
        # the last point i of the path with path_cum[i] < target (the segment i..i+1 holds it)
        lo = a
        hi = b - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if path_cum[mid] < target:
                lo = mid
            else:
                hi = mid
        seg = path_cum[lo + 1] - path_cum[lo] if b - a > 1 else 0.0
        if seg > 0.0:
            t = (target - path_cum[lo]) / seg
            out_xy[p, 0] = path_xy[lo, 0] + t * (path_xy[lo + 1, 0] - path_xy[lo, 0])
            out_xy[p, 1] = path_xy[lo, 1] + t * (path_xy[lo + 1, 1] - path_xy[lo, 1])
        else:  # a path of one point, or a packet at a start of zero length
            out_xy[p, 0] = path_xy[lo, 0]
            out_xy[p, 1] = path_xy[lo, 1]


@jit_inline
def shed_into_vessels(  # noqa: C901
    dt_h,
    src_comp,
    src_cells,
    g,
    pk,
    counters,
    rates,
    shed_per_cell_h,
    seed,
    step,
    ctr,
):
    """Cells shed by tumours (primary and, optionally, metastases) during one step.

    A Poisson number of cells leaves each source. All but the viable fraction are non-viable: they
    travel as marked packets and die of anoikis within minutes. Viable cells leave singly or in
    clusters. Every kind goes by lymph, blood or cavity in the given shares, down each vessel of
    that class in proportion to its flow share, starting at a uniform moment within the step.
    Returns ``NEED_PACKETS`` if slots ran short (nothing shed then).

    Long: numba compiles the per-source loop as a whole; split per packet kind, it would add a call per
    source, kind and flow class."""
    key = make_key(seed, STREAM_SHEDDING, step)
    m = g.v_kind.shape[0]
    if pk.n_free[0] < 6 * m * src_comp.shape[0] + 16:
        return NEED_PACKETS
    for s in range(src_comp.shape[0]):
        c = src_comp[s]
        mean = shed_per_cell_h[s] * src_cells[s] * dt_h
        if mean <= 0.0:
            continue
        n_shed = poisson(mean, key, ctr[0])
        ctr[0] += STRIDE
        if n_shed <= 0:
            continue
        counters[C_SHED] += n_shed
        viable, in_clusters, nclu, nxt = shed_split(n_shed, rates, key, ctr[0])
        ctr[0] = nxt
        singles = viable - in_clusters
        counters[C_CLUSTERS_SHED] += nclu
        frac = class_shares(c, g.out_ptr, g.out_idx, g.v_class, rates)
        tot = frac[0] + frac[1] + frac[2]
        if tot <= 0.0:
            counters[C_DIED_ANOIKIS] += n_shed
            continue
        for species in range(3):  # viable singles, clusters, non-viable singles
            if species == 0:
                units = singles
                cells_left = singles
            elif species == 1:
                units = nclu
                cells_left = in_clusters
            else:
                units = n_shed - viable
                cells_left = units
            share_left = tot
            for k in range(3):
                if units <= 0 or frac[k] <= 0.0:
                    share_left -= frac[k]
                    continue
                if frac[k] >= share_left * (1.0 - 1e-12):
                    u = units
                else:
                    u = binomial(units, frac[k] / share_left, key, ctr[0])
                    ctr[0] += STRIDE
                share_left -= frac[k]
                if u == 0:
                    continue
                if species == 1:
                    cc = cells_left if u == units else int(round(cells_left * u / units))
                    if cc < u:
                        cc = u
                else:
                    cc = u
                clock = uniform(key, ctr[0]) * dt_h
                ctr[0] += STRIDE
                marker = u if species == 1 else (-1 if species == 2 else 0)
                stuck = emit(cc, marker, c, k, clock, 0, g, pk, key, ctr)
                counters[C_DIED_ANOIKIS] += stuck
                units -= u
                cells_left -= cc
    return OK


@jit
def transport_step(
    dt_h,
    src_comp,
    src_cells,
    shed_per_cell_h,
    v_dst,
    v_kind,
    v_class,
    v_share,
    v_transit_h,
    out_ptr,
    out_idx,
    arrest_class,
    comp_kind,
    pk_cells,
    pk_nclu,
    pk_vessel,
    pk_pos,
    pk_clock,
    pk_route,
    pk_id,
    pk_active,
    free_stack,
    n_free,
    next_id,
    pool_s,
    pool_cc,
    pool_ck,
    pool_f,
    pool_t,
    pool_route,
    arr_s,
    arr_c,
    floating,
    arrested_cum,
    cleared_at,
    died_in_vessel,
    counters,
    rates,
    seed,
    step,
    shed,
    drawn,
):
    """One step of pooled transport, for Python callers: cells shed by ``src_comp`` (when ``shed``),
    then every packet moved (``advance_packets``). Shedding and transport draw from one stream of
    counter values per step; ``drawn`` is how many of them earlier calls of this step used.

    Python passes the three groups' arrays in their order (``*GraphArrays``, ``*PacketArrays``,
    ``*PoolArrays``): numba's dispatcher types a named tuple's arrays one by one on every call
    (measured 7 % slower for cohorts), so the groups are made here, in compiled code, at no cost.

    Returns (status, shedding still to do?, counter values used). On ``NEED_PACKETS`` the caller
    grows the packet table and calls again with the last two: the step goes on where it stopped.

    Long: its parameter list is the three groups' arrays, one per line as ruff writes them."""
    g = GraphArrays(v_dst, v_kind, v_class, v_share, v_transit_h, out_ptr, out_idx, arrest_class, comp_kind)
    pk = PacketArrays(
        pk_cells, pk_nclu, pk_vessel, pk_pos, pk_clock, pk_route, pk_id, pk_active, free_stack, n_free, next_id
    )
    po = PoolArrays(
        pool_s, pool_cc, pool_ck, pool_f, pool_t, pool_route, arr_s, arr_c, floating, arrested_cum, cleared_at
    )
    ctr = np.full(1, drawn, np.int64)
    if shed:
        status = shed_into_vessels(dt_h, src_comp, src_cells, g, pk, counters, rates, shed_per_cell_h, seed, step, ctr)
        if status != OK:
            return status, True, ctr[0]
    status = advance_packets(dt_h, g, pk, po, died_in_vessel, counters, rates, seed, step, ctr)
    return status, False, ctr[0]
