"""The cell-resolution transport rules written three more ways, for the benchmark to compare with
the numba kernels: plain vectorised numpy, Mesa agents, and three "speed of light" loops.

numpy and Mesa consume the same counter-based random numbers in the same order as
``kernels.cells.travel``, so on the same state they give the same packets and tallies (a test
checks it); only their speed differs. Clusters losing cells (rare) go through the numba binomial
called from Python, the one draw not rewritten here.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim_core.kernels.cells import (
    A_ANOIKIS,
    A_ARRESTED,
    A_CAVITY,
    DRAW_BITS,
    FLAG_CAVITY,
    FLAG_PASS,
    KIND_CLUSTER,
    KIND_NONVIABLE,
    KIND_SINGLE,
    STREAM_CELLS,
)
from sim_core.kernels.layout import STRIDE
from sim_core.kernels.rng import binomial, binomial_draws, make_key, uniform_seq
from sim_core.model.cell_mode import step_death

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


# --- shared shapes ---------------------------------------------------------------------------------
class Tables:
    """What one step of transport reads besides the packets: the graph and the step's rates."""

    def __init__(self, transport, rates, seed: int, step: int):
        from sim_core.model.cell_mode import arrest_table, full_vessel_death, hazard_table

        g = transport.graph
        self.v_dst, self.v_kind, self.v_class = g.v_dst, g.v_kind, transport.v_class
        self.v_share, self.v_transit_h = g.v_share, g.v_transit_h
        self.out_ptr, self.out_idx = g.out_ptr, g.out_idx
        self.comp_flag = transport.comp_flag
        self.p_arrest = arrest_table(g.arrest_class, rates)
        self.haz = hazard_table(rates)
        self.key = int(make_key(seed, STREAM_CELLS, step))
        self.n, self.m = g.n, g.m
        self.pick_ptr, self.pick_v, self.pick_cum = transport.pick
        self.q_full = full_vessel_death(self.haz, self.v_class, self.v_transit_h)


class Tally:
    """Deaths, arrests and deposits of one step, in the shapes the engine adds them."""

    def __init__(self, n: int, m: int, n_routes: int = 6):
        self.acc = np.zeros(8, np.int64)
        self.died = np.zeros((m, 3), np.int64)
        self.arr_s = np.zeros((n, n_routes), np.int64)
        self.arr_c = np.zeros((n, n_routes), np.int64)
        self.floating = np.zeros(n, np.int64)
        self.cleared = np.zeros(n, np.int64)


def pick_vessel_py(t: Tables, d: int, vclass: int, u: float) -> int:
    lo, hi = int(t.pick_ptr[3 * d + vclass]), int(t.pick_ptr[3 * d + vclass + 1])
    if lo == hi:
        return -1
    for j in range(lo, hi - 1):
        if u < t.pick_cum[j]:
            return int(t.pick_v[j])
    return int(t.pick_v[hi - 1])


# --- plain Python, one agent at a time (used by the Mesa agents) -----------------------------------
def _mix64(x: int) -> int:
    z = (x + GOLDEN) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def uniform_seq_py(key: int, counter: int) -> float:
    z = _mix64((key + counter * GOLDEN) & MASK)
    return ((z >> 11) + 0.5) / 9007199254740992.0


def travel_py(t: Tables, tally: Tally, v, pos, cells, kind, route, pid, dt_h):  # noqa: C901
    """``kernels.cells.travel`` for one packet starting the step at clock 0, in plain Python.

    Long: it mirrors the kernel branch for branch (and draw for draw), so the two read side by side
    and the benchmark times the same work."""
    key = t.key
    base = pid << DRAW_BITS
    draw = 0
    clock = 0.0
    while True:
        tau = float(t.v_transit_h[v]) - pos
        room = dt_h - clock
        arrived = tau <= room
        if not arrived:
            tau = room
        if tau > 0.0:
            vc = int(t.v_class[v])
            ha, hs, hi = (float(x) for x in t.haz[kind, vc])
            h = ha + hs + hi
            if h > 0.0:
                if arrived and pos == 0.0:
                    q = float(t.q_full[kind, v])
                elif not arrived and clock == 0.0:
                    q = float(step_death(t.haz, dt_h)[kind, vc])
                else:
                    q = -math.expm1(-h * tau)
                if kind != KIND_CLUSTER:
                    u = uniform_seq_py(key, base + draw)
                    draw += 1
                    if u < q:
                        x = u / q * h
                        cause = 0 if x < ha else (1 if x < ha + hs else 2)
                        tally.acc[cause] += 1
                        tally.died[v, cause] += 1
                        return None
                else:
                    kind, cells, draw, _used = _cluster_deaths(tally, v, cells, kind, q, ha, hs, hi, key, base, draw)
                    if cells <= 0:
                        return None
        pos += tau
        clock += tau
        if not arrived:
            return v, pos, cells, kind, route, draw
        d = int(t.v_dst[v])
        k = int(t.v_kind[v])
        flag = int(t.comp_flag[d])
        if kind == KIND_NONVIABLE:
            if flag != FLAG_PASS:
                tally.acc[A_ANOIKIS] += cells
                tally.cleared[d] += cells
                return None
            p = 0.0
        elif flag == FLAG_CAVITY:
            tally.floating[d] += cells
            tally.acc[A_CAVITY] += cells
            return None
        else:
            p = float(t.p_arrest[d])
        u = uniform_seq_py(key, base + draw)
        draw += 1
        if u < p:
            _hold(tally, d, k, cells, kind)
            return None
        e = pick_vessel_py(t, d, int(t.v_class[v]), (u - p) / (1.0 - p))
        if e < 0:
            if kind == KIND_NONVIABLE:
                tally.acc[A_ANOIKIS] += cells
            else:
                _hold(tally, d, k, cells, kind)
            return None
        v = e
        pos = 0.0
        route |= 1 << int(t.v_kind[e])


def _hold(tally, d, k, cells, kind):
    if kind == KIND_SINGLE:
        tally.arr_s[d, k] += cells
    else:
        tally.arr_c[d, k] += cells
    tally.acc[A_ARRESTED] += cells


def _cluster_deaths(tally, v, cells, kind, q, ha, hs, hi, key, base, draw):
    """A cluster's deaths in a vessel (three binomials, as ``kernels.cells.travel`` draws them).
    Returns (kind, cells, next counter, uniforms the binomials computed)."""
    h = ha + hs + hi
    used = int(binomial_draws(cells, q))
    dead = int(binomial(cells, q, np.uint64(key), base + draw))
    draw += STRIDE
    if dead > 0:
        used += int(binomial_draws(dead, ha / h))
        da = int(binomial(dead, ha / h, np.uint64(key), base + draw))
        draw += STRIDE
        rest = dead - da
        ds = 0
        if rest > 0 and hs > 0.0:
            used += int(binomial_draws(rest, hs / (hs + hi)))
            ds = int(binomial(rest, hs / (hs + hi), np.uint64(key), base + draw))
            draw += STRIDE
        for cause, nd in enumerate((da, ds, rest - ds)):
            tally.acc[cause] += nd
            tally.died[v, cause] += nd
        cells -= dead
        if cells == 1:
            kind = KIND_SINGLE
    return kind, cells, draw, used


# --- Mesa ------------------------------------------------------------------------------------------
def mesa_step(t: Tables, state: dict, dt_h: float):
    """One step with every packet a Mesa agent. Returns (surviving packets as arrays, tally,
    seconds spent in the step itself, not in building the agents)."""
    import time

    import mesa

    tally = Tally(t.n, t.m)

    class PacketAgent(mesa.Agent):
        def __init__(self, model, v, pos, cells, kind, route, pid):
            super().__init__(model)
            self.v, self.pos, self.cells, self.kind, self.route, self.pid = v, pos, cells, kind, route, pid
            self.in_vessel = True

        def step(self):
            out = travel_py(t, tally, self.v, self.pos, self.cells, self.kind, self.route, self.pid, dt_h)
            if out is None:
                self.in_vessel = False
            else:
                self.v, self.pos, self.cells, self.kind, self.route, _ = out

    model = mesa.Model(rng=0)
    for i in range(state["pid"].shape[0]):
        PacketAgent(
            model,
            int(state["vessel"][i]),
            float(state["pos_h"][i]),
            int(state["cells"][i]),
            int(state["kind"][i]),
            int(state["route"][i]),
            int(state["pid"][i]),
        )
    t0 = time.perf_counter()
    model.agents.do("step")
    step_s = time.perf_counter() - t0
    kept = [a for a in model.agents if a.in_vessel]
    out = {
        "vessel": np.array([a.v for a in kept], np.int16),
        "pos_h": np.array([a.pos for a in kept], np.float32),
        "cells": np.array([a.cells for a in kept], np.int16),
        "kind": np.array([a.kind for a in kept], np.int8),
        "route": np.array([a.route for a in kept], np.uint8),
        "pid": np.array([a.pid for a in kept], np.int64),
    }
    return out, tally, step_s


# --- numpy, vectorised over packets ----------------------------------------------------------------
def _mix64_np(z):
    z = z + np.uint64(GOLDEN)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform_seq_np(key: int, counter: np.ndarray) -> np.ndarray:
    z = _mix64_np(np.uint64(key) + counter.astype(np.uint64) * np.uint64(GOLDEN))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def _pick_vessel_np(t: Tables, d, vclass, u):
    """Vectorised ``pick_vessel``: scan each (compartment, class) table in step."""
    row = 3 * d + vclass
    lo = t.pick_ptr[row]
    hi = t.pick_ptr[row + 1]
    out = np.where(lo < hi, t.pick_v[np.maximum(hi - 1, 0)], -1)
    done = lo == hi
    width = int(np.max(hi - lo)) if d.shape[0] else 0
    for j in range(max(0, width - 1)):
        idx = lo + j
        ok = ~done & (idx < hi - 1)
        hit = ok & (u < t.pick_cum[np.where(ok, idx, 0)])
        out = np.where(hit, t.pick_v[np.where(ok, idx, 0)], out)
        done |= hit
    return out


def numpy_step(t: Tables, state: dict, dt_h: float, uniforms: np.ndarray | None = None):
    """One step of every packet, vectorised: each pass of the loop moves all packets still
    travelling by one vessel (or to the end of the step). Returns (survivors, tally).

    ``uniforms``, if given (one integer per packet of ``state``), receives how many uniforms each
    packet's step computed, counted as the numba kernel counts them."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _numpy_step(t, state, dt_h, uniforms)


def _numpy_step(t: Tables, state: dict, dt_h: float, uniforms: np.ndarray | None = None):
    """The body of ``numpy_step``, run inside its ``np.errstate``.

    Long: each pass of the loop is ``kernels.cells.travel`` vectorised, its draws in the kernel's
    order (deaths on the way, then arrest or the next vessel) on masks the next lines narrow, so it
    reads beside the kernel and the benchmark times the same work."""
    tally = Tally(t.n, t.m)
    v = state["vessel"].astype(np.int64)
    pos = state["pos_h"].astype(np.float64)
    cells = state["cells"].astype(np.int64)
    kind = state["kind"].astype(np.int64)
    route = state["route"].astype(np.int64)
    base = state["pid"].astype(np.uint64) << np.uint64(DRAW_BITS)
    draw = np.zeros(v.shape[0], np.int64)
    used = np.zeros(v.shape[0], np.int64)  # uniforms computed (a cluster's binomial: fewer than STRIDE)
    clock = np.zeros(v.shape[0])
    keep = np.zeros(v.shape[0], bool)
    act = np.arange(v.shape[0])
    while act.shape[0]:
        vv = v[act]
        tau = t.v_transit_h[vv] - pos[act]
        room = dt_h - clock[act]
        arrived = tau <= room
        tau = np.where(arrived, tau, room)
        vc = t.v_class[vv]
        k = kind[act]
        ha, hs, hi = t.haz[k, vc, 0], t.haz[k, vc, 1], t.haz[k, vc, 2]
        h = ha + hs + hi
        full = arrived & (pos[act] == 0.0)
        whole_step = ~arrived & (clock[act] == 0.0)
        q = np.where(full, t.q_full[k, vv], np.where(whole_step, step_death(t.haz, dt_h)[k, vc], -np.expm1(-h * tau)))
        risk = (tau > 0.0) & (h > 0.0)
        one = risk & (k != KIND_CLUSTER)
        u = uniform_seq_np(t.key, base[act] + draw[act].astype(np.uint64))
        draw[act] += one
        used[act] += one
        dies = one & (u < q)
        gone = dies.copy()
        if dies.any():
            x = np.where(dies, u / np.where(q > 0, q, 1.0) * h, 0.0)
            cause = np.where(x < ha, 0, np.where(x < ha + hs, 1, 2))
            for c in range(3):
                sel = dies & (cause == c)
                tally.acc[c] += int(sel.sum())
                np.add.at(tally.died[:, c], vv[sel], 1)
        for i in np.nonzero(risk & (k == KIND_CLUSTER))[0]:  # clusters: rare, one at a time
            p = act[i]
            kind[p], cells[p], draw[p], n_used = _cluster_deaths(
                tally,
                int(vv[i]),
                int(cells[p]),
                int(kind[p]),
                float(q[i]),
                float(ha[i]),
                float(hs[i]),
                float(hi[i]),
                t.key,
                int(base[p]),
                int(draw[p]),
            )
            used[p] += n_used
            if cells[p] <= 0:
                gone[i] = True
        pos[act] += np.where(gone, 0.0, tau)
        clock[act] += tau
        stay = ~gone & ~arrived
        keep[act[stay]] = True
        arr = ~gone & arrived
        a = act[arr]
        d = t.v_dst[v[a]]
        kk = t.v_kind[v[a]]
        flag = t.comp_flag[d]
        kd = kind[a]
        nonv = kd == KIND_NONVIABLE
        cleared = nonv & (flag != FLAG_PASS)
        tally.acc[A_ANOIKIS] += int(cells[a][cleared].sum())
        np.add.at(tally.cleared, d[cleared], cells[a][cleared])
        deposit = ~nonv & (flag == FLAG_CAVITY)
        tally.acc[A_CAVITY] += int(cells[a][deposit].sum())
        np.add.at(tally.floating, d[deposit], cells[a][deposit])
        go = ~cleared & ~deposit
        a, d, kk, kd = a[go], d[go], kk[go], kd[go]
        p_ar = np.where(kd == KIND_NONVIABLE, 0.0, t.p_arrest[d])
        u = uniform_seq_np(t.key, base[a] + draw[a].astype(np.uint64))
        draw[a] += 1
        used[a] += 1
        held = u < p_ar
        e = _pick_vessel_np(t, d, t.v_class[v[a]], np.where(held, 0.0, (u - p_ar) / (1.0 - p_ar)))
        stuck = ~held & (e < 0)
        lost = stuck & (kd == KIND_NONVIABLE)
        tally.acc[A_ANOIKIS] += int(cells[a][lost].sum())
        hold = held | (stuck & ~lost)
        single = hold & (kd == KIND_SINGLE)
        np.add.at(tally.arr_s, (d[single], kk[single]), cells[a][single])
        clus = hold & (kd != KIND_SINGLE)
        np.add.at(tally.arr_c, (d[clus], kk[clus]), cells[a][clus])
        tally.acc[A_ARRESTED] += int(cells[a][hold].sum())
        move = ~held & ~stuck
        m = a[move]
        v[m] = e[move]
        pos[m] = 0.0
        route[m] |= np.left_shift(1, t.v_kind[e[move]]).astype(np.int64)
        act = m
    out = {
        "vessel": v[keep].astype(np.int16),
        "pos_h": pos[keep].astype(np.float32),
        "cells": cells[keep].astype(np.int16),
        "kind": kind[keep].astype(np.int8),
        "route": route[keep].astype(np.uint8),
        "pid": state["pid"][keep].copy(),
    }
    if uniforms is not None:
        uniforms[:] = used
    return out, tally


# --- speed-of-light loops --------------------------------------------------------------------------
@numba.njit(cache=True, nogil=True, parallel=True)
def streaming_limit(vessel, pos_h, cells, kind, route, pid, zero):
    """Read and write every per-packet array once, with no model logic: this layout's memory
    bound. ``zero`` is 0 at run time, so the compiler cannot drop the writes."""
    for i in numba.prange(pid.shape[0]):
        vessel[i] = vessel[i] + zero
        pos_h[i] = pos_h[i] + np.float32(zero)
        cells[i] = cells[i] + zero
        kind[i] = kind[i] + zero
        route[i] = route[i] + zero
        pid[i] = pid[i] + zero


@numba.njit(cache=True, nogil=True, inline="always")
def touch(i, vessel, pos_h, cells, kind, route, pid, zero, s):
    """Read and write back every column of packet ``i`` (``zero`` is 0 at run time, unknown to the
    compiler), and use ``s``, so the loop streams the whole packet and its draws are not dropped."""
    vessel[i] = vessel[i] + zero
    pos_h[i] = pos_h[i] + np.float32(s * zero)
    cells[i] = cells[i] + zero
    kind[i] = kind[i] + zero
    route[i] = route[i] + zero
    pid[i] = pid[i] + zero


@numba.njit(cache=True, nogil=True, parallel=True)
def draw_limit(vessel, pos_h, cells, kind, route, pid, zero, draws, extra, key):
    """The streaming loop plus ``draws`` random numbers per packet (one more for ``extra`` packets
    in every 1000, so the mean can match a fractional rate), keyed as the model keys them: the
    bound set by random-number generation for this many draws per packet-step."""
    for i in numba.prange(pid.shape[0]):
        s = 0.0
        base = pid[i] << DRAW_BITS
        for k in range(draws + (1 if i % 1000 < extra else 0)):
            s += uniform_seq(key, base + k)
        touch(i, vessel, pos_h, cells, kind, route, pid, zero, s)


@numba.njit(cache=True, nogil=True, parallel=True)
def draw_limit_counts(vessel, pos_h, cells, kind, route, pid, zero, counts, key):
    """As ``draw_limit``, but packet i makes ``counts[i]`` draws: the number it makes in the
    model's step (``numpy_step(..., uniforms=counts)``). The mean is the same as the draw limit's;
    what differs is that the count varies from packet to packet as random draws decided it, so
    the processor cannot tell where one packet's draws end. No model logic: the bound for a loop
    whose draws per packet are as irregular as the model's."""
    for i in numba.prange(pid.shape[0]):
        s = 0.0
        base = pid[i] << DRAW_BITS
        for k in range(counts[i]):
            s += uniform_seq(key, base + k)
        touch(i, vessel, pos_h, cells, kind, route, pid, zero, s)
