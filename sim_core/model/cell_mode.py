"""Cell-resolution transport for the engine: the packet pool, the per-step rate tables, births
planned into free chunk tails, and the reduction of per-block tallies into the engine's counters
and organ pools. The rules live in ``kernels.cells``; this module only organises the arrays.
"""

from __future__ import annotations

import numpy as np

from sim_core.kernels import layout as L
from sim_core.kernels.cells import (
    A_ANOIKIS,
    A_ARRESTED,
    A_CAVITY,
    A_DRAWS,
    A_IMMUNE,
    A_PACKET_STEPS,
    A_SHEAR,
    CHUNK,
    FLAG_BED,
    FLAG_CAVITY,
    KIND_CLUSTER,
    KIND_NONVIABLE,
    KIND_SINGLE,
    N_ACC,
    N_BLOCKS,
    N_VI,
    N_VR,
    VI_DST,
    VI_HI,
    VI_KIND,
    VI_LO,
    VR_H,
    VR_HA,
    VR_HAS,
    VR_HI,
    VR_HS,
    VR_Q_FULL,
    VR_Q_STEP,
    VR_TRANSIT,
    advance_cells,
    birth_cells,
    live_cells,
    shed_counts,
    tally_offsets,
)
from sim_core.kernels.layout import ARREST_NONE, ARRIVE_CLEAR, ARRIVE_DEPOSIT, KIND_CAVITY
from sim_core.kernels.rules import arrest_probability, arrival, class_shares, exit_shares, hazards
from sim_core.model.body_graph import VESSEL_CLASS, BodyGraph
from sim_core.model.state import CellPool, OrganPools

#: Before each round of births the pool is grown if less than this share of it is free.
MIN_FREE_SHARE = 0.25


def hazard_table(rates: np.ndarray) -> np.ndarray:
    """Death hazards per hour, [packet kind, vessel class (blood, lymph, cavity), cause]
    (``rules.hazards`` tabulated)."""
    haz = np.zeros((3, 3, 3))
    for kind in range(3):
        for vc in range(3):
            haz[kind, vc] = hazards(kind, vc, rates)
    return haz


def full_vessel_death(haz: np.ndarray, v_class: np.ndarray, v_transit_h: np.ndarray) -> np.ndarray:
    """Chance of dying over a whole vessel, [packet kind, vessel]."""
    h = haz.sum(axis=2)[:, v_class]
    return -np.expm1(-h * v_transit_h[None, :])


def step_death(haz: np.ndarray, dt_h: float) -> np.ndarray:
    """Chance of dying over a whole step in one vessel, [packet kind, vessel class]."""
    return -np.expm1(-haz.sum(axis=2) * dt_h)


def cumulative_table(groups: list[list[tuple[int, float]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ptr, vessel, cumulative share) arrays of lists of (vessel, weight): weights are normalised
    within each list; a list with no positive weight becomes empty (no way out)."""
    ptr: list[int] = [0]
    ves: list[int] = []
    cum: list[float] = []
    for items in groups:
        items = [(e, w) for e, w in items if w > 0.0]
        total = sum(w for _, w in items)
        if total > 0.0:
            c = np.cumsum([w for _, w in items]) / total
            ves.extend(e for e, _ in items)
            cum.extend(c.tolist())
        ptr.append(len(ves))
    return np.array(ptr, np.int64), np.array(ves, np.int64), np.array(cum, np.float64)


def pick_tables(graph: BodyGraph, v_class: np.ndarray):
    """Per (compartment, arrival class), indexed 3 * compartment + class: the vessels cells may
    leave by, with their cumulative flow shares: those of the class they arrived by, or all where
    those carry no flow (``rules.exit_shares``)."""
    g = graph
    groups = []
    for d in range(g.n):
        out = [int(e) for e in g.out_idx[g.out_ptr[d] : g.out_ptr[d + 1]]]
        for vc in range(3):
            same = exit_shares(d, vc, g.out_ptr, g.out_idx, v_class, g.v_share)[0] > 0.0
            groups.append([(e, float(g.v_share[e])) for e in out if not same or v_class[e] == vc])
    return cumulative_table(groups)


def arrest_table(arrest_class: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Chance that a cell or cluster is held on one pass through each compartment."""
    return np.array([arrest_probability(int(c), rates) for c in arrest_class])


def arrival_table(graph: BodyGraph, rates: np.ndarray) -> np.ndarray:
    """What arriving does, [packet kind, compartment] (``rules.arrival`` tabulated)."""
    g = graph
    return np.array(
        [[arrival(kind, int(g.arrest_class[d]), int(g.kind[d]), rates) for d in range(g.n)] for kind in range(3)]
    )


class CellTransport:
    """One packet per cell: the pool and the step of transport (advance, then this step's births)."""

    def __init__(self, graph: BodyGraph, capacity: int, max_packets: int):
        g = graph
        self.pool = CellPool(capacity, max_packets)
        self.v_class = VESSEL_CLASS[g.v_kind].astype(np.int8)
        flag = np.where(g.arrest_class != ARREST_NONE, FLAG_BED, 0)
        self.comp_flag = np.where(g.kind == KIND_CAVITY, FLAG_CAVITY, flag).astype(np.int8)
        self.set_graph(g)
        # one flat tally row per block, in the kernels' layout; the named tallies are views of it
        o_clear = tally_offsets(g.m, g.n)[-1]
        self.tally = np.zeros((N_BLOCKS, o_clear + g.n), np.int64)
        self._views()
        self._used = N_BLOCKS
        self._tables_key = None
        self._tables = None
        #: cumulative random draws and packet-steps (for the benchmark's draws per packet-step)
        self.draws = 0
        self.packet_steps = 0

    _VIEWS = ("acc", "acc_died", "acc_arr_s", "acc_arr_c", "acc_float", "acc_clear")

    def _views(self) -> None:
        """The named tallies as views of the one flat tally array."""
        g, tl, R = self.graph, self.tally, L.N_ROUTES
        m, n = g.m, g.n
        o_died, o_arr_s, o_arr_c, o_float, o_clear = tally_offsets(m, n)
        self.acc = tl[:, :N_ACC]
        self.acc_died = tl[:, o_died:o_arr_s].reshape(N_BLOCKS, m, 3)
        self.acc_arr_s = tl[:, o_arr_s:o_arr_c].reshape(N_BLOCKS, n, R)
        self.acc_arr_c = tl[:, o_arr_c:o_float].reshape(N_BLOCKS, n, R)
        self.acc_float = tl[:, o_float:o_clear]
        self.acc_clear = tl[:, o_clear:]

    def __getstate__(self) -> dict:
        # a copy (Engine.fork) must rebuild the views on its own tally: a deep copy of a numpy view
        # is an independent array, and the kernels would then write where the reduction never reads
        state = self.__dict__.copy()
        for name in self._VIEWS:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._views()

    def set_graph(self, graph: BodyGraph) -> None:
        """Use ``graph``'s flow shares from now on (same compartments and vessels, other shares)."""
        g = self.graph = graph
        self.pick = pick_tables(g, self.v_class)
        ptr = self.pick[0]
        row = 3 * g.v_dst.astype(np.int64) + self.v_class
        #: per vessel: destination, kind, and its arrivals' pick table [lo, hi)
        vint = np.empty((g.m, N_VI), np.int64)
        vint[:, VI_DST] = g.v_dst
        vint[:, VI_KIND] = g.v_kind
        vint[:, VI_LO] = ptr[row]
        vint[:, VI_HI] = ptr[row + 1]
        self.vint = vint.ravel()

    # --- read-outs ---------------------------------------------------------------------------------
    def alive(self) -> int:
        p = self.pool
        return int(live_cells(p.n_live, p.cells))

    def packet_view(self):
        """(cells, nclu, vessel, pos_h, pid) of the live packets; nclu is 0 for a single cell,
        1 for a cluster and -1 for a non-viable cell, as in pooled packets."""
        p = self.pool
        i = p.live_index()
        nclu = np.array([0, 1, -1], np.int64)[p.kind[i]]
        return (
            p.cells[i].astype(np.int64),
            nclu,
            p.vessel[i].astype(np.int32),
            p.pos_h[i].astype(np.float64),
            p.pid[i].copy(),
        )

    # --- changes -----------------------------------------------------------------------------------
    def add_units(self, vessel, pos_h, cells, kind, route, pid) -> None:
        """Put ready-made packets (one per cell or cluster, ids already assigned) into the pool."""
        k = int(vessel.shape[0])
        if k == 0:
            return
        p = self.pool
        if p.free() < k:
            p.grow(k)
        slots = self._take_slots(k)
        p.vessel[slots] = vessel
        p.pos_h[slots] = pos_h
        p.cells[slots] = cells
        p.kind[slots] = kind
        p.route[slots] = route
        p.pid[slots] = pid
        p.next_id = max(p.next_id, int(pid.max()) + 1)

    def units(self):
        """(vessel, pos_h, cells, kind, route, pid) of the live packets, as stored."""
        p = self.pool
        i = p.live_index()
        return p.vessel[i], p.pos_h[i], p.cells[i], p.kind[i], p.route[i], p.pid[i]

    def inject(self, vessel: int, cells: int, cluster_cells: int) -> None:
        """``cells`` cells at the start of ``vessel``: single cells, or clusters of about
        ``cluster_cells`` (the cells shared out as evenly as possible)."""
        p = self.pool
        if cluster_cells > 1:
            units = max(1, cells // cluster_cells)
            per, extra = divmod(cells, units)
            if per + 1 > np.iinfo(np.int16).max:
                raise ValueError("clusters larger than 32,767 cells are not supported")
            size = np.full(units, per, np.int64)
            size[:extra] += 1
            kind = np.where(size > 1, KIND_CLUSTER, KIND_SINGLE)
        else:
            units = cells
            size = np.ones(units, np.int64)
            kind = np.full(units, KIND_SINGLE)
        if p.free() < units:
            p.grow(units)
        slots = self._take_slots(units)
        p.vessel[slots] = vessel
        p.pos_h[slots] = 0.0
        p.cells[slots] = size
        p.kind[slots] = kind
        p.route[slots] = 1 << int(self.graph.v_kind[vessel])
        p.pid[slots] = p.next_id + np.arange(units)
        p.next_id += units

    def _fill_plan(self, k: int) -> np.ndarray:
        """How many of ``k`` new packets go to each chunk: free tails filled from the first chunk."""
        free = self.pool.chunk - self.pool.n_live
        return np.minimum(free, np.maximum(0, k - (np.cumsum(free) - free)))

    def _take_slots(self, k: int) -> np.ndarray:
        """The first ``k`` free slots, chunk by chunk (the chunks' counts are updated)."""
        p = self.pool
        take = self._fill_plan(k)
        out = np.concatenate([c * p.chunk + p.n_live[c] + np.arange(t) for c, t in enumerate(take) if t > 0])
        p.n_live += take
        return out

    def _rate_tables(self, rates, dt_h):
        """The step's tables for ``rates`` and ``dt_h`` (cached: rates change only when a
        parameter or the treatment clock does): per (packet kind, vessel) the transit, hazards and
        chances of dying over the whole vessel and over the whole step (``vrow``), and per
        (packet kind, compartment) what an arrival does (``arrival``)."""
        key = (rates.tobytes(), float(dt_h))
        if self._tables_key != key:
            g = self.graph
            haz = hazard_table(rates)
            q_full = full_vessel_death(haz, self.v_class, g.v_transit_h)
            q_step = step_death(haz, dt_h)
            hv = haz[:, self.v_class]  # [kind, vessel, cause]
            ha, hs, hi = hv[..., 0], hv[..., 1], hv[..., 2]
            vrow = np.empty((3, g.m, N_VR))
            vrow[..., VR_TRANSIT] = g.v_transit_h[None, :]
            vrow[..., VR_H] = ha + hs + hi
            vrow[..., VR_Q_FULL] = q_full
            vrow[..., VR_Q_STEP] = q_step[:, self.v_class]
            vrow[..., VR_HA] = ha
            vrow[..., VR_HAS] = ha + hs
            vrow[..., VR_HS] = hs
            vrow[..., VR_HI] = hi
            arrival = arrival_table(g, rates)
            # first-hop groups (kernels.cells.advance_cells): kind, whether a whole vessel fits
            # in the step, and what arriving at its end does (clear, deposit, pass or arrest)
            act = arrival[:, g.v_dst]  # [kind, vessel]
            what = np.select([act == ARRIVE_CLEAR, act == ARRIVE_DEPOSIT, act == 0.0], [0, 1, 2], 3)
            fits = g.v_transit_h[None, :] <= dt_h
            code = (np.arange(3)[:, None] * 2 + fits) * 4 + what
            _, cat = np.unique(code.ravel(), return_inverse=True)
            self._tables = (vrow.ravel(), arrival.ravel(), cat.astype(np.int64), int(cat.max()) + 1)
            self._tables_key = key
        return self._tables

    def step(self, dt_h, rates, src, src_cells, per_h, seed, step, counters, pools: OrganPools, died_in_vessel) -> None:
        g, p = self.graph, self.pool
        # only blocks that can have run since the last step hold tallies (a block per chunk at most)
        self.tally[: self._used] = 0
        self._used = min(N_BLOCKS, p.n_live.shape[0])
        vrow, arrival, cat, n_cat = self._rate_tables(rates, dt_h)
        tables = (vrow, self.vint, arrival, self.pick[1], self.pick[2])
        advance_cells(dt_h, p.n_live, p.columns(), tables, g.n, cat, n_cat, seed, step, self.tally)
        if src.shape[0]:
            self._births(dt_h, rates, src, src_cells, per_h, seed, step, counters, tables)
        self._reduce(counters, pools, died_in_vessel)

    def _births(self, dt_h, rates, src, src_cells, per_h, seed, step, counters, tables) -> None:
        """Cells shed during this step, born by ``birth_cells``: the shed counts per source, then each
        source's unit groups (single, cluster, non-viable cells) with the vessels they may take, then the
        chunk plan.

        Long: it assembles the kernel's arrays in the order the kernel takes them."""
        g, p = self.graph, self.pool
        counts = np.zeros((src.shape[0], 4), np.int64)
        shed_counts(dt_h, src_cells, per_h, rates, seed, step, counts)
        counters[L.C_SHED] += counts[:, 0].sum()
        counters[L.C_CLUSTERS_SHED] += counts[:, 3].sum()
        n_units, g_kind, g_cells, g_extra, g_out = [], [], [], [], []
        for s in range(src.shape[0]):
            n_shed, viable, in_clu, nclu = (int(x) for x in counts[s])
            frac = self._class_shares(int(src[s]), rates)
            c = int(src[s])
            out = [
                (int(e), frac[self.v_class[e]] * float(g.v_share[e]))
                for e in g.out_idx[g.out_ptr[c] : g.out_ptr[c + 1]]
            ]
            groups = [(viable - in_clu, KIND_SINGLE, 1, 0), (n_shed - viable, KIND_NONVIABLE, 1, 0)]
            if nclu > 0:
                per, extra = divmod(in_clu, nclu)
                groups.insert(1, (nclu, KIND_CLUSTER, per, extra))
            for units, kind, cells, extra in groups:
                n_units.append(units)
                g_kind.append(kind)
                g_cells.append(cells)
                g_extra.append(extra)
                g_out.append(out)
        unit_end = np.cumsum(n_units).astype(np.int64)
        total = int(unit_end[-1]) if unit_end.shape[0] else 0
        if total == 0:
            return
        kind_a = np.array(g_kind, np.int64)
        cells_a = np.array(g_cells, np.int64)
        extra_a = np.array(g_extra, np.int64)
        birth = cumulative_table(g_out)
        first_pid = p.next_id
        p.next_id += total
        start = 0
        while start < total:
            want = max(CHUNK, int(MIN_FREE_SHARE * p.capacity))
            if p.free() < want:
                try:
                    p.grow(want)
                except MemoryError:
                    if p.free() == 0:
                        raise
            count = self._fill_plan(total - start)
            chunks = np.nonzero(count)[0]
            count = count[chunks]
            first = start + np.concatenate([[0], np.cumsum(count)[:-1]])
            self._used = max(self._used, min(N_BLOCKS, chunks.shape[0]))
            birth_cells(
                dt_h,
                chunks.astype(np.int64),
                first.astype(np.int64),
                count.astype(np.int64),
                first_pid,
                unit_end,
                kind_a,
                cells_a,
                extra_a,
                *birth,
                p.n_live,
                p.columns(),
                tables,
                g.n,
                seed,
                step,
                self.tally,
            )
            start += int(count.sum())

    def _class_shares(self, comp: int, rates) -> np.ndarray:
        """Shares of blood, lymph and cavity among a source's shed cells; a class with no vessel
        out of the source is folded into blood (as the pooled kernel does)."""
        g = self.graph
        return np.array(class_shares(comp, g.out_ptr, g.out_idx, self.v_class, rates))

    def _reduce(self, counters, pools: OrganPools, died_in_vessel) -> None:
        u = self._used
        a = self.acc[:u].sum(axis=0)
        counters[L.C_DIED_ANOIKIS] += a[A_ANOIKIS]
        counters[L.C_DIED_SHEAR] += a[A_SHEAR]
        counters[L.C_DIED_IMMUNE] += a[A_IMMUNE]
        counters[L.C_ARRESTED] += a[A_ARRESTED]
        counters[L.C_CAVITY] += a[A_CAVITY]
        self.draws += int(a[A_DRAWS])
        self.packet_steps += int(a[A_PACKET_STEPS])
        died_in_vessel += self.acc_died[:u].sum(axis=0)
        arr_s = self.acc_arr_s[:u].sum(axis=0)
        arr_c = self.acc_arr_c[:u].sum(axis=0)
        pools.arr_s += arr_s
        pools.arr_c += arr_c
        pools.arrested_cum += (arr_s + arr_c).sum(axis=1)
        pools.floating += self.acc_float[:u].sum(axis=0)
        pools.cleared_cum += self.acc_clear[:u].sum(axis=0)


# --- switching resolution mid-run ------------------------------------------------------------------
def expand_pooled(cells, nclu, vessel, pos_h, route, pid, v_transit_h, next_id: int):
    """Pooled packets as one unit per cell or cluster, in the same vessel at the same place with the
    same route: ``nclu`` < 0 gives ``cells`` non-viable cells, 0 gives ``cells`` single cells, k > 0
    gives k clusters sharing the ``cells`` as evenly as possible (a one-cell share is a single
    cell, as in the cell kernel). The first unit of each packet keeps the packet's id; the others
    get fresh ids from ``next_id``. Returns (vessel, pos_h, cells, kind, route, pid, next_id)."""
    cells = np.asarray(cells, np.int64)
    nclu = np.asarray(nclu, np.int64)
    units = np.where(nclu > 0, nclu, cells)
    total = int(units.sum())
    owner = np.repeat(np.arange(cells.shape[0]), units)
    rank = np.arange(total) - np.repeat(np.cumsum(units) - units, units)  # unit's place in its packet
    clu = nclu[owner] > 0
    per, extra = np.divmod(cells[owner], np.maximum(units[owner], 1))
    size = np.where(clu, per + (rank < extra), 1)
    if size.max(initial=1) > np.iinfo(np.int16).max:
        raise ValueError("clusters larger than 32,767 cells are not supported")
    kind = np.where(nclu[owner] < 0, KIND_NONVIABLE, np.where(clu & (size > 1), KIND_CLUSTER, KIND_SINGLE))
    new_pid = np.where(rank == 0, np.asarray(pid, np.int64)[owner], 0)
    fresh = rank > 0
    new_pid[fresh] = next_id + np.arange(int(fresh.sum()))
    next_id += int(fresh.sum())
    v = np.asarray(vessel, np.int64)[owner]
    # float32 positions, never rounded up onto the vessel's end
    pos = np.asarray(pos_h, np.float64)[owner].astype(np.float32)
    end = v_transit_h[v].astype(np.float32)
    over = pos >= end
    pos[over] = np.nextafter(end[over], np.float32(0.0))
    return v, pos, size.astype(np.int64), kind.astype(np.int8), np.asarray(route, np.int64)[owner], new_pid, next_id


def group_cells(vessel, pos_h, cells, kind, route, pid):
    """Cell packets grouped by identical state (vessel, position, kind, route and cluster size) into
    pooled packets: (cells, nclu, vessel, pos_h, route, pid); a group keeps its lowest id."""
    n = vessel.shape[0]
    if n == 0:
        z = np.zeros(0, np.int64)
        return z, z, z.astype(np.int32), np.zeros(0), z, z
    pos = np.asarray(pos_h, np.float32)
    keys = np.stack(
        [
            vessel.astype(np.int64),
            pos.view(np.int32).astype(np.int64),
            kind.astype(np.int64),
            route.astype(np.int64),
            cells.astype(np.int64),
        ],
        axis=1,
    )
    order = np.lexsort((pid,) + tuple(keys[:, j] for j in range(keys.shape[1] - 1, -1, -1)))
    ks = keys[order]
    start = np.ones(n, bool)
    start[1:] = (ks[1:] != ks[:-1]).any(axis=1)
    first = order[start]  # lowest id of each group (pid sorts last)
    count = np.diff(np.append(np.flatnonzero(start), n))
    k = kind[first].astype(np.int64)
    size = cells[first].astype(np.int64)
    g_cells = count * size
    g_nclu = np.where(k == KIND_CLUSTER, count, np.where(k == KIND_NONVIABLE, -1, 0))
    return (
        g_cells,
        g_nclu,
        vessel[first].astype(np.int32),
        pos[first].astype(np.float64),
        route[first].astype(np.int64),
        np.asarray(pid, np.int64)[first],
    )
