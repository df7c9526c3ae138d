"""Slow, readable twins of the numba kernels, in plain Python.

They follow the same rules and consume the same counter-based random numbers in the same order,
so on the same inputs they must give identical results. Written for clarity, not speed.
"""

import math
from itertools import accumulate, count

MASK = (1 << 64) - 1
STRIDE = 64


# --- random numbers ---------------------------------------------------------------------------
def mix64(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def make_key(seed, stream, step):
    return mix64(mix64(mix64(seed & MASK) ^ stream) ^ step)


def uniform(key, counter):
    z = mix64(key ^ mix64(counter & MASK))
    return ((z >> 11) + 0.5) / 9007199254740992.0


def normal(key, counter):
    return math.sqrt(-2.0 * math.log(uniform(key, counter))) * math.cos(2.0 * math.pi * uniform(key, counter + 1))


def pmf_terms(first, ratio):
    """P(0), P(1), ... of a distribution given P(0) and ``ratio(k)`` = P(k) / P(k - 1), each term the
    one before times its ratio."""
    p = first
    yield p
    for k in count(1):
        p *= ratio(k)
        yield p


def invert(u, terms, last):
    """The least k whose cumulative probability is not below ``u``, summed term by term from
    ``terms``; ``last`` when none up to ``last`` is."""
    for k, cdf in enumerate(accumulate(terms)):
        if k == last or not u > cdf:
            return k


def poisson(lam, key, counter):
    if lam <= 0:
        return 0
    if lam < 30:
        return invert(uniform(key, counter), pmf_terms(math.exp(-lam), lambda k: lam / k), 1000)
    return max(0, int(math.floor(lam + math.sqrt(lam) * normal(key, counter) + 0.5)))


def binomial(n, p, key, counter):
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    q = min(p, 1 - p)
    if n < 40:
        k = sum(1 for i in range(n) if uniform(key, counter + i) < q)
    elif n * q < 25:
        terms = pmf_terms(math.exp(n * math.log1p(-q)), lambda k: q / (1 - q) * (n - k + 1) / k)
        k = invert(uniform(key, counter), terms, n)
    else:
        x = math.floor(n * q + math.sqrt(n * q * (1 - q)) * normal(key, counter) + 0.5)
        k = int(min(max(x, 0.0), float(n)))
    return n - k if p > 0.5 else k


class Stream:
    """A key and a running counter, like the kernels' ``ctr`` array."""

    def __init__(self, seed, stream, step, counter=0):
        self.key = make_key(seed, stream, step)
        self.counter = counter

    def binomial(self, n, p):
        k = binomial(n, p, self.key, self.counter)
        self.counter += STRIDE
        return k

    def uniform(self):
        u = uniform(self.key, self.counter)
        self.counter += STRIDE
        return u

    def poisson(self, lam):
        k = poisson(lam, self.key, self.counter)
        self.counter += STRIDE
        return k


# --- organ beds -------------------------------------------------------------------------------
def leave_pool(n, h_die, h_out, dt, rs):
    h = h_die + h_out
    if n <= 0 or h <= 0:
        return 0, 0
    gone = rs.binomial(n, -math.expm1(-h * dt))
    out = rs.binomial(gone, h_out / h)
    return gone - out, out


def update_beds(dt_h, g, soil, pools, floating, extravasated_cum, counters, r, seed, step):
    """Cells held in organs, one step, on the body graph ``g``; ``pools`` is (arrested singles,
    arrested cluster cells, doomed, dormant, spawn), each compartment x route. Arrays are
    lists/ndarrays changed in place."""
    from sim_core.kernels import layout as L

    arr_s, arr_c, doomed, dormant, spawn = pools
    arrest_class, implants_into, implants_also = g.arrest_class, g.implants_into, g.implants_also
    rs = Stream(seed, 2, step)
    n = len(g.kind)
    dt_d = dt_h / 24
    implanted = [0] * n
    for c in range(n):
        if floating[c] > 0:
            died, imp = leave_pool(int(floating[c]), r[L.R_CAVITY_DEATH], r[L.R_IMPLANT], dt_d, rs)
            floating[c] -= died + imp
            counters[L.C_DIED_CAVITY] += died
            counters[L.C_IMPLANTED] += imp
            if imp > 0 and implants_also[c] >= 0:
                also = rs.binomial(imp, r[L.R_OMENTUM])
                implanted[implants_also[c]] += also
                imp -= also
            if implants_into[c] >= 0:
                implanted[implants_into[c]] += imp
    kill_by_class = {
        1: (L.R_KILL_LUNG, L.R_EX_LUNG),
        2: (L.R_KILL_LIVER, L.R_EX),
        3: (L.R_KILL_BED, L.R_EX),
        4: (L.R_KILL_NODE, L.R_EX),
    }
    for c in range(n):
        if arrest_class[c] == 0:
            continue
        ik, ie = kill_by_class[int(arrest_class[c])]
        h_kill, h_ex = r[ik], r[ie]
        w_p, w_d, w_x = r[L.R_W_PROLIF] * soil[c], r[L.R_W_DORMANT], r[L.R_W_DIE]
        for k in range(L.N_ROUTES):
            if doomed[c, k] > 0:
                d = rs.binomial(int(doomed[c, k]), -math.expm1(-r[L.R_DOOMED_DEATH] * dt_d))
                doomed[c, k] -= d
                counters[L.C_DIED_TISSUE] += d
            if dormant[c, k] > 0 and r[L.R_WAKE] > 0:
                w = rs.binomial(int(dormant[c, k]), -math.expm1(-r[L.R_WAKE] * dt_d))
                dormant[c, k] -= w
                spawn[c, k] += w
                counters[L.C_WOKE] += w
            died_s, ex_s = leave_pool(int(arr_s[c, k]), h_kill, h_ex, dt_h, rs)
            died_c, ex_c = leave_pool(int(arr_c[c, k]), h_kill * r[L.R_CLUSTER_PROT], h_ex, dt_h, rs)
            arr_s[c, k] -= died_s + ex_s
            arr_c[c, k] -= died_c + ex_c
            counters[L.C_DIED_ARRESTED] += died_s + died_c
            ex = ex_s + ex_c + (implanted[c] if k == 4 else 0)
            if ex <= 0:
                continue
            extravasated_cum[c] += ex
            counters[L.C_EXTRAVASATED] += ex
            total = w_p + w_d + w_x
            n_p = rs.binomial(ex, w_p / total) if total > 0 else 0
            rest = ex - n_p
            n_d = rs.binomial(rest, w_d / (w_d + w_x)) if rest > 0 and w_d + w_x > 0 else 0
            n_x = rest - n_d
            spawn[c, k] += n_p
            counters[L.C_DORMANT] += n_d
            if n_x > 0:
                d = rs.binomial(n_x, -math.expm1(-r[L.R_DOOMED_DEATH] * dt_d * 0.5))
                n_x -= d
                counters[L.C_DIED_TISSUE] += d
            dormant[c, k] += n_d
            doomed[c, k] += n_x


# --- lesions ----------------------------------------------------------------------------------
def gompertz(cells, rate_ref, n_ref, n_max, dt):
    """In log size, the gap below the plateau shrinks by exp(-alpha dt); alpha is set so the rate at
    ``n_ref`` is ``rate_ref`` (half the plateau stands in for an ``n_ref`` at or above it)."""
    if cells >= n_max or rate_ref <= 0:
        return cells
    anchor = n_max * 0.5 if n_ref >= n_max else n_ref
    log_plateau = math.log(n_max)
    gap_left = (log_plateau - math.log(cells)) * math.exp(-rate_ref / math.log(n_max / anchor) * dt)
    return math.exp(log_plateau - gap_left)


def avascular(cells, rate, n_ref, n_max, cap, dt):
    if cells >= cap:
        return cells
    return min(gompertz(cells, rate, n_ref, n_max, dt), cap)


def treated_growth(cells, res, rate, mult, adapt, n_ref, n_max, dt):
    """Sensitive cells at rate * mult, drug-adapted ones at rate; adapted cells arise from a share
    ``adapt`` of sensitive divisions while treated."""
    eff = mult + (1 - mult) * res
    after = gompertz(cells, rate * eff, n_ref, n_max, dt)
    if mult >= 1:
        return after, res
    grow = math.log(after / cells)
    sens, adapted = cells * (1 - res), cells * res
    sens_after = sens * math.exp(grow * mult / eff)
    new = adapt * max(sens_after - sens, 0.0)
    adapted_after = adapted * math.exp(grow / eff) + new
    sens_after -= new
    total = sens_after + adapted_after
    return total, adapted_after / total


def grow_lesions(dt_days, t_days, state, comp, cells, switch, res, lid, free, soil, counters, r, seed, step):
    """Lesions, one step. ``free`` is a Python list used as a stack."""
    from sim_core.kernels import layout as L

    key = make_key(seed, 5, step)
    for i in range(len(state)):
        if state[i] == 0:
            continue
        before = cells[i]
        if state[i] == 1:
            after = avascular(before, r[L.R_GROWTH], r[L.R_DOUBLING_REF], r[L.R_MAX_CELLS], r[L.R_CAP], dt_days)
            cells[i] = after
            counters[L.C_BORN] += after - before
            ctr = int(lid[i]) * 4
            # each e-fold of growth counts fully up to R_REGRESS_UNTIL cells, then as until/size
            u = r[L.R_REGRESS_UNTIL]
            expo = [math.log(n) if n <= u else math.log(u) + 1.0 - u / n for n in (before, after)]
            a_reg = r[L.R_REGRESS] * (expo[1] - expo[0])
            a_sw = r[L.R_SWITCH] * soil[comp[i]] * dt_days
            a = a_reg + a_sw
            if a > 0 and uniform(key, ctr) < -math.expm1(-a):
                if uniform(key, ctr + 1) * a < a_reg:
                    counters[L.C_DIED_LESION] += after
                    counters[L.C_MICRO_REGRESSED] += 1
                    state[i] = 0
                    cells[i] = 0.0
                    free.append(i)
                    continue
                state[i] = 2
                switch[i] = t_days + uniform(key, ctr + 2) * dt_days
                res[i] = 0.0
                counters[L.C_MACRO] += 1
            continue
        after, res[i] = treated_growth(
            before, res[i], r[L.R_GROWTH], r[L.R_AA_MULT], r[L.R_ADAPT], r[L.R_DOUBLING_REF], r[L.R_MAX_CELLS], dt_days
        )
        cells[i] = after
        counters[L.C_BORN] += after - before


# --- transport --------------------------------------------------------------------------------
def transport_step(  # noqa: C901  (the readable twin of the kernel: one step, rule after rule)
    dt_h,
    g,
    v_class,
    packets,
    free,
    rates,
    counters,
    seed,
    step,
    arrested,
    floating,
    arrested_cum,
    next_id,
    died_in_vessel=None,
    cleared_at=None,
):
    """One transport step over a list of packet dicts; returns the new packet list.

    Same rules as ``kernels.transport.advance_packets``: move each packet to the end of its
    vessel or of the step with exact hazards; pool arrivals per (compartment, route, species);
    then arrest, deposit (cavity) or pass on, split by flow share. ``arrested`` is a dict
    (comp, route, species) -> cells. Packets sit in fixed slots (``None`` = free) visited in slot
    order, and ``free`` is the stack of free slots (last freed, first reused), as in the kernel.
    """
    from sim_core.kernels import layout as L

    rs = Stream(seed, 1, step)
    n = len(g.ids)
    while True:
        pools = {}
        for slot, p in enumerate(packets):
            if p is None or p["clock"] >= dt_h:
                continue
            v = p["vessel"]
            tau = g.v_transit_h[v] - p["pos"]
            room = dt_h - p["clock"]
            arrived = tau <= room
            if not arrived:
                tau = room
            if tau > 0:
                p["cells"] -= _kill(p, v, v_class[v], tau, rates, counters, rs, died_in_vessel)
                if p["nclu"] > 0 and p["cells"] <= p["nclu"]:
                    p["nclu"] = 0
            p["pos"] += tau
            p["clock"] += tau
            if p["cells"] <= 0:
                packets[slot] = None
                free.append(slot)
                continue
            if arrived:
                key = (int(g.v_dst[v]), int(g.v_kind[v]))
                pool = pools.setdefault(key, {"s": 0, "cc": 0, "ck": 0, "f": 0, "ts": 0.0, "tc": 0.0, "tf": 0.0})
                if p["nclu"] < 0:
                    pool["f"] += p["cells"]
                    pool["tf"] += p["cells"] * p["clock"]
                elif p["nclu"] > 0:
                    pool["cc"] += p["cells"]
                    pool["ck"] += p["nclu"]
                    pool["tc"] += p["cells"] * p["clock"]
                else:
                    pool["s"] += p["cells"]
                    pool["ts"] += p["cells"] * p["clock"]
                packets[slot] = None
                free.append(slot)
        if not pools:
            return
        for d in range(n):
            ac = int(g.arrest_class[d])
            p_arrest = {
                1: rates[L.R_ARREST_LUNG],
                2: rates[L.R_ARREST_LIVER],
                3: rates[L.R_ARREST_BED],
                4: rates[L.R_ARREST_NODE],
            }.get(ac, 0.0)
            for k in range(L.N_ROUTES):
                pool = pools.get((d, k))
                if pool is None:
                    continue
                vclass = 2 if k == 4 else (1 if k == 3 else 0)
                if pool["f"] > 0:  # non-viable cells: cleared in a bed, node or cavity; pass hubs
                    if ac != 0 or g.kind[d] == 4:
                        counters[L.C_DIED_ANOIKIS] += pool["f"]
                        if cleared_at is not None:
                            cleared_at[d] += pool["f"]
                    else:
                        counters[L.C_DIED_ANOIKIS] += _emit(
                            pool["f"], -1, d, vclass, pool["tf"] / pool["f"], g, v_class, packets, free, rs, next_id
                        )
                for species in (0, 1):
                    cells = pool["s"] if species == 0 else pool["cc"]
                    units = cells if species == 0 else pool["ck"]
                    if cells <= 0:
                        continue
                    clock = (pool["ts"] if species == 0 else pool["tc"]) / cells
                    if g.kind[d] == 4:
                        floating[d] += cells
                        counters[L.C_CAVITY] += cells
                        held, left_units = cells, 0
                    else:
                        held_units = rs.binomial(units, p_arrest)
                        if species == 0:
                            held = held_units
                        elif held_units == units:
                            held = cells
                        else:
                            held = max(int(round(cells * held_units / units)), held_units)
                            if cells - held < units - held_units:
                                held = cells - (units - held_units)
                        left_units = units - held_units
                    if cells - held > 0:
                        held += _emit(
                            cells - held,
                            left_units if species else 0,
                            d,
                            vclass,
                            clock,
                            g,
                            v_class,
                            packets,
                            free,
                            rs,
                            next_id,
                        )
                    if g.kind[d] != 4 and held > 0:
                        arrested[(d, k, species)] = arrested.get((d, k, species), 0) + held
                        arrested_cum[d] += held
                        counters[L.C_ARRESTED] += held


def _kill(p, v, vclass, tau, r, counters, rs, died_in_vessel=None):
    from sim_core.kernels import layout as L

    ha = r[L.R_ANOIKIS]
    hs = r[L.R_SHEAR] if vclass == 0 else 0.0
    hi = r[L.R_IMMUNE] if vclass != 2 else 0.0
    if p["nclu"] < 0:  # non-viable cells: anoikis only, fast
        ha, hs, hi = r[L.R_ANOIKIS_NONVIABLE], 0.0, 0.0
    elif p["nclu"] > 0:
        ha *= r[L.R_CLUSTER_PROT]
        hi *= r[L.R_CLUSTER_PROT]
    h = ha + hs + hi
    if h <= 0 or p["cells"] <= 0:
        return 0
    dead = rs.binomial(p["cells"], -math.expm1(-h * tau))
    if dead == 0:
        return 0
    da = rs.binomial(dead, ha / h)
    ds = rs.binomial(dead - da, hs / (hs + hi)) if dead - da > 0 and hs > 0 else 0
    counters[L.C_DIED_ANOIKIS] += da
    counters[L.C_DIED_SHEAR] += ds
    counters[L.C_DIED_IMMUNE] += dead - da - ds
    if died_in_vessel is not None:
        died_in_vessel[v] += (da, ds, dead - da - ds)
    return dead


def _emit(cells, nclu, d, vclass, clock, g, v_class, packets, free, rs, next_id):
    outs = [int(e) for e in g.out_idx[g.out_ptr[d] : g.out_ptr[d + 1]]]
    same = [e for e in outs if v_class[e] == vclass]
    choices = same if sum(g.v_share[e] for e in same) > 0 else outs
    total = sum(g.v_share[e] for e in choices)
    if total <= 0:
        return cells
    units = nclu if nclu > 0 else cells
    left_units, left_cells, left_share = units, cells, total
    for e in choices:
        if left_units <= 0:
            break
        s = g.v_share[e]
        u = left_units if s >= left_share * (1 - 1e-12) else rs.binomial(left_units, s / left_share)
        left_share -= s
        if u == 0:
            continue
        c = (left_cells if u == left_units else max(int(round(left_cells * u / left_units)), u)) if nclu > 0 else u
        packets[free.pop()] = {
            "cells": c,
            "nclu": u if nclu > 0 else min(nclu, 0),
            "vessel": e,
            "pos": 0.0,
            "clock": clock,
            "id": next_id[0],
        }
        next_id[0] += 1
        left_cells -= c
        left_units -= u
    return left_cells


# --- shedding and founding lesions --------------------------------------------------------------
def shed(dt_h, g, v_class, sources, rates, counters, seed, step, packets, free, next_id):
    """Cells shed by each (compartment, cells, shed per cell per hour) source during one step.

    Non-viable cells travel marked (nclu = -1); viable ones go singly or as clusters; each kind is
    split between blood, lymph and cavity, then between the vessels of that class.
    """
    from sim_core.kernels import layout as L

    rs = Stream(seed, 4, step)
    for c, cells, per_h in sources:
        mean = per_h * cells * dt_h
        if mean <= 0:
            continue
        n_shed = rs.poisson(mean)
        if n_shed <= 0:
            continue
        counters[L.C_SHED] += n_shed
        viable = rs.binomial(n_shed, rates[L.R_VIABLE])
        in_clusters = rs.binomial(viable, rates[L.R_CLUSTER_FRAC])
        nclu = max(1, int(round(in_clusters / rates[L.R_CLUSTER_CELLS]))) if in_clusters >= 2 else 0
        if nclu == 0:
            in_clusters = 0
        counters[L.C_CLUSTERS_SHED] += nclu
        outs = [int(e) for e in g.out_idx[g.out_ptr[c] : g.out_ptr[c + 1]]]
        has = [any(v_class[e] == k for e in outs) for k in range(3)]
        frac = [0.0, rates[L.R_LYMPH_FRAC] if has[1] else 0.0, rates[L.R_CAVITY_FRAC] if has[2] else 0.0]
        frac[0] = max(1.0 - frac[1] - frac[2], 0.0) if has[0] else 0.0
        tot = sum(frac)
        if tot <= 0:
            counters[L.C_DIED_ANOIKIS] += n_shed
            continue
        kinds = [
            (viable - in_clusters, viable - in_clusters, 0),
            (nclu, in_clusters, 1),
            (n_shed - viable, n_shed - viable, -1),
        ]
        for units, cells_left, marker in kinds:
            share_left = tot
            for k in range(3):
                if units <= 0 or frac[k] <= 0:
                    share_left -= frac[k]
                    continue
                u = units if frac[k] >= share_left * (1 - 1e-12) else rs.binomial(units, frac[k] / share_left)
                share_left -= frac[k]
                if u == 0:
                    continue
                cc = max(cells_left if u == units else int(round(cells_left * u / units)), u) if marker == 1 else u
                clock = rs.uniform() * dt_h
                counters[L.C_DIED_ANOIKIS] += _emit(
                    cc, u if marker == 1 else marker, c, k, clock, g, v_class, packets, free, rs, next_id
                )
                units -= u
                cells_left -= cc


def spawn_lesions(spawn, t_days, dt_days, free, next_id, seed, step):
    """One micrometastasis per dividing cell: returns the new lesions as (slot, comp, route, born, id)."""
    key = make_key(seed, 3, step)
    counter = 0
    made = []
    for c in range(spawn.shape[0]):
        for k in range(spawn.shape[1]):
            for _ in range(int(spawn[c, k])):
                made.append((free.pop(), c, k, t_days + uniform(key, counter) * dt_days, next_id[0]))
                counter += 1
                next_id[0] += 1
            spawn[c, k] = 0
    return made
