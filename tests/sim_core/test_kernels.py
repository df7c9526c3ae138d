"""Each numba kernel against its slow, readable twin in ``reference.py`` on random small inputs."""

import math

import numpy as np
import pytest

from sim_core import default_graph
from sim_core.kernels import layout as L
from sim_core.kernels import rng
from sim_core.kernels.beds import update_beds
from sim_core.kernels.lesions import grow_lesions
from sim_core.kernels.structs import GraphArrays, PacketArrays, PoolArrays
from sim_core.kernels.transport import advance_packets, packet_positions
from sim_core.model.body_graph import VESSEL_CLASS
from tests.sim_core import reference as ref


def graph_arrays(g, v_class) -> GraphArrays:
    """The body graph's arrays in the order the transport kernels take them."""
    return GraphArrays(
        g.v_dst, g.v_kind, v_class, g.v_share, g.v_transit_h, g.out_ptr, g.out_idx, g.arrest_class, g.kind
    )


def random_rates(r: np.random.Generator) -> np.ndarray:
    rates = np.zeros(L.N_RATES)
    rates[:] = r.uniform(0.0, 0.6, L.N_RATES)
    for i in (L.R_ARREST_LUNG, L.R_ARREST_LIVER, L.R_ARREST_BED, L.R_ARREST_NODE):
        rates[i] = r.uniform(0.3, 0.99)
    rates[L.R_CAP] = 1e5
    rates[L.R_MAX_CELLS] = 1e9
    rates[L.R_DOUBLING_REF] = 1e6
    rates[L.R_REGRESS_UNTIL] = 1e3
    rates[L.R_CLUSTER_PROT] = r.uniform(0.05, 1.0)
    return rates


def transport_case(seed):
    """The body graph, its vessels' classes, a generator seeded with ``seed`` and rates drawn from it."""
    g = default_graph()
    r = np.random.default_rng(seed)
    return g, VESSEL_CLASS[g.v_kind].astype(np.int8), r, random_rates(r)


@pytest.mark.parametrize("seed", [0, 1, 2**40 + 7])
def test_uniform_matches_reference_bit_for_bit(seed):
    for stream in (1, 2, 5):
        for step in (0, 3, 1000):
            key = np.uint64(rng.make_key(seed, stream, step))
            assert int(key) == ref.make_key(seed, stream, step)
            for counter in (0, 1, 63, 10**9):
                assert rng.uniform(key, counter) == ref.uniform(int(key), counter)


@pytest.mark.parametrize(
    "n,p", [(0, 0.5), (5, 0.3), (39, 0.9), (200, 0.01), (1000, 0.02), (10**6, 0.3), (10**9, 0.999), (50, 1.0)]
)
def test_binomial_matches_reference(n, p):
    key = np.uint64(rng.make_key(3, 9, 4))
    for counter in range(0, 64 * 40, 64):
        assert rng.binomial(n, p, key, counter) == ref.binomial(n, p, int(key), counter)


@pytest.mark.parametrize("n,p", [(10, 0.3), (500, 0.01), (100000, 0.4)])
def test_binomial_moments(n, p):
    key = np.uint64(rng.make_key(11, 1, 1))
    draws = np.array([rng.binomial(n, p, key, 64 * i) for i in range(20000)])
    mean, var = n * p, n * p * (1 - p)
    se = math.sqrt(var / draws.size)
    print(f"binomial({n},{p}): mean {draws.mean():.4f} (exact {mean}), var {draws.var():.4f} (exact {var:.4f})")
    assert abs(draws.mean() - mean) < 5 * se
    assert abs(draws.var() / var - 1) < 0.05


def test_poisson_matches_reference_and_mean():
    key = np.uint64(rng.make_key(5, 2, 2))
    for lam in (0.0, 0.3, 7.0, 29.9, 31.0, 1e7):
        for c in range(0, 640, 64):
            assert rng.poisson(lam, key, c) == ref.poisson(lam, int(key), c)
    draws = np.array([rng.poisson(4.0, key, 64 * i) for i in range(20000)])
    assert abs(draws.mean() - 4.0) < 5 * math.sqrt(4.0 / draws.size)


@pytest.mark.parametrize("trial", range(6))
def test_update_beds_matches_reference(trial):
    g = default_graph()
    r = np.random.default_rng(trial)
    rates = random_rates(r)
    n = g.n
    pools = [r.integers(0, 60, (n, L.N_ROUTES)).astype(np.int64) for _ in range(5)]
    pools[4] = np.zeros((n, L.N_ROUTES), np.int64)  # spawn starts empty
    floating = np.where(g.kind == 4, r.integers(0, 300, n), 0).astype(np.int64)
    soil = r.uniform(0.1, 5.0, n)
    ex_cum = np.zeros(n)
    counters = np.zeros(L.N_COUNTERS)
    k_pools = [p.copy() for p in pools]
    k_float, k_ex, k_cnt = floating.copy(), ex_cum.copy(), counters.copy()
    update_beds(
        2.5,
        g.kind,
        g.arrest_class,
        g.implants_into,
        g.implants_also,
        soil,
        k_pools[0],
        k_pools[1],
        k_pools[2],
        k_pools[3],
        k_float,
        k_ex,
        k_pools[4],
        k_cnt,
        rates,
        77,
        trial,
    )
    ref.update_beds(2.5, g, soil, pools, floating, ex_cum, counters, rates, 77, trial)
    for a, b in zip(k_pools, pools, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(k_float, floating)
    np.testing.assert_array_equal(k_ex, ex_cum)
    np.testing.assert_array_equal(k_cnt, counters)
    assert k_cnt[L.C_EXTRAVASATED] > 0  # the comparison exercised the fate branch


@pytest.mark.parametrize("trial", range(4))
def test_grow_lesions_matches_reference(trial):
    r = np.random.default_rng(100 + trial)
    rates = random_rates(r)
    rates[L.R_REGRESS], rates[L.R_SWITCH] = 0.6, 0.2
    rates[L.R_AA_MULT] = (1.0, 0.6, 1.0, 0.5)[trial]  # treatment on in two trials
    rates[L.R_REGRESS_UNTIL] = (1e3, 1e7, 50.0, 1e3)[trial]  # established colonies at several sizes
    rates[L.R_ADAPT] = 0.05
    m = 300
    state = r.integers(0, 3, m).astype(np.int8)
    cells = np.where(state > 0, 10.0 ** r.uniform(0.0, 5.3, m), 0.0)  # 1 to 2e5 cells, every decade
    switch = np.full(m, -1.0)
    res = np.where(state == 2, r.uniform(0, 0.5, m), 0.0)
    lid = np.arange(m, dtype=np.int64) * 3 + trial
    free_k = np.zeros(m, np.int64)
    n_free = np.zeros(1, np.int64)
    cnt_k = np.zeros(L.N_COUNTERS)
    s2, c2, w2, e2, cnt_r, free_r = state.copy(), cells.copy(), switch.copy(), res.copy(), np.zeros(L.N_COUNTERS), []
    comp = r.integers(0, 7, m).astype(np.int32)
    soil = r.uniform(0.1, 3.0, 7)
    grow_lesions(1.5, 10.0, state, comp, cells, switch, res, lid, free_k, n_free, soil, cnt_k, rates, 5, trial)
    ref.grow_lesions(1.5, 10.0, s2, comp, c2, w2, e2, lid, free_r, soil, cnt_r, rates, 5, trial)
    np.testing.assert_array_equal(state, s2)
    np.testing.assert_allclose(cells, c2, rtol=1e-12)
    np.testing.assert_array_equal(switch, w2)
    np.testing.assert_allclose(res, e2, rtol=1e-12, atol=1e-15)
    assert list(free_k[: n_free[0]]) == free_r
    np.testing.assert_allclose(cnt_k, cnt_r, rtol=1e-12)
    assert cnt_k[L.C_MACRO] > 0 and cnt_k[L.C_MICRO_REGRESSED] > 0


@pytest.mark.parametrize("trial", range(5))
def test_advance_packets_matches_reference(trial):
    g, v_class, r, rates = transport_case(200 + trial)
    rates[L.R_ANOIKIS], rates[L.R_SHEAR], rates[L.R_IMMUNE] = 0.5, 2.0, 3.0
    cap = 4096
    k = {
        "cells": np.zeros(cap, np.int64),
        "nclu": np.zeros(cap, np.int64),
        "vessel": np.zeros(cap, np.int32),
        "pos": np.zeros(cap),
        "clock": np.zeros(cap),
        "route": np.zeros(cap, np.int64),
        "id": np.full(cap, -1, np.int64),
        "active": np.zeros(cap, np.int8),
    }
    packets = [None] * cap
    n_start = 12
    for i in range(n_start):
        v = int(r.integers(0, g.m))
        cells = int(r.choice([1, 7, 45, 5000, 10**7]))
        nclu = int(r.integers(1, 4)) if (cells >= 7 and r.random() < 0.4) else int(r.choice([0, 0, -1]))
        pos = float(r.uniform(0, g.v_transit_h[v]))
        k["cells"][i], k["nclu"][i], k["vessel"][i], k["pos"][i], k["active"][i] = cells, nclu, v, pos, 1
        k["id"][i] = i
        packets[i] = {"cells": cells, "nclu": nclu, "vessel": v, "pos": pos, "clock": 0.0, "id": i}
    free_stack = np.zeros(cap, np.int64)
    free_stack[: cap - n_start] = np.arange(cap - 1, n_start - 1, -1)
    n_free = np.array([cap - n_start], np.int64)
    free = list(range(cap - 1, n_start - 1, -1))
    next_k, next_r = np.array([n_start], np.int64), [n_start]
    n = g.n
    pool = [np.zeros((n, L.N_ROUTES), np.int64) for _ in range(4)]
    pool_t, pool_route = np.zeros((n, L.N_ROUTES, 3)), np.zeros(n, np.int64)
    arr_s, arr_c = np.zeros((n, L.N_ROUTES), np.int64), np.zeros((n, L.N_ROUTES), np.int64)
    fl_k, cum_k, cnt_k = np.zeros(n, np.int64), np.zeros(n), np.zeros(L.N_COUNTERS)
    clr_k, div_k, clr_r, div_r = np.zeros(n), np.zeros((g.m, 3)), np.zeros(n), np.zeros((g.m, 3))
    arrested, fl_r, cum_r, cnt_r = {}, np.zeros(n, np.int64), np.zeros(n), np.zeros(L.N_COUNTERS)
    dt_h = float(r.choice([0.001, 0.05, 3.0]))
    names = ("cells", "nclu", "vessel", "pos", "clock", "route", "id", "active")
    packets_k = PacketArrays(*(k[name] for name in names), free_stack, n_free, next_k)
    pools_k = PoolArrays(*pool, pool_t, pool_route, arr_s, arr_c, fl_k, cum_k, clr_k)
    ctr = np.zeros(1, np.int64)
    g_k = graph_arrays(g, v_class)
    status = advance_packets(dt_h, g_k, packets_k, pools_k, div_k, cnt_k, rates, 9, trial, ctr)
    assert status == L.OK
    ref.transport_step(
        dt_h, g, v_class, packets, free, rates, cnt_r, 9, trial, arrested, fl_r, cum_r, next_r, div_r, clr_r
    )
    alive = [i for i in range(cap) if k["active"][i]]
    assert alive == [i for i, p in enumerate(packets) if p is not None]
    for i in alive:
        p = packets[i]
        assert (k["cells"][i], k["nclu"][i], k["vessel"][i], k["id"][i]) == (
            p["cells"],
            p["nclu"],
            p["vessel"],
            p["id"],
        )
        assert k["pos"][i] == pytest.approx(p["pos"], abs=1e-12)
    for (d, route, species), cells in arrested.items():
        assert (arr_s if species == 0 else arr_c)[d, route] == cells
    assert arr_s.sum() + arr_c.sum() == sum(arrested.values())
    np.testing.assert_array_equal(fl_k, fl_r)
    np.testing.assert_array_equal(cnt_k, cnt_r)
    np.testing.assert_array_equal(div_k, div_r)
    np.testing.assert_array_equal(clr_k, clr_r)
    assert div_k.sum() + clr_k.sum() == cnt_k[L.C_DIED_ANOIKIS] + cnt_k[L.C_DIED_SHEAR] + cnt_k[L.C_DIED_IMMUNE]
    assert cnt_k[L.C_ARRESTED] > 0 or dt_h < 0.01


def test_packet_positions_follow_the_polyline():
    """Every vessel, at fractions along it: the point at that share of the polyline's arc length
    (walked here segment by segment, as the kernel's binary search must agree)."""
    g = default_graph()
    rng = np.random.default_rng(3)
    checked = 0
    for v in range(g.m):
        path = g.path(v)
        seg = np.hypot(*np.diff(path, axis=0).T)
        for frac in (0.0, 0.3, 0.999, 1.0, 1.5, *rng.uniform(0, 1, 3)):
            active = np.ones(1, np.int8)
            out = np.zeros((1, 2))
            packet_positions(
                active,
                np.array([v], np.int32),
                np.array([frac * g.v_transit_h[v]]),
                g.v_transit_h,
                g.path_ptr,
                g.path_xy,
                g.path_cum,
                out,
            )
            target = min(frac, 1.0) * seg.sum()
            expect = path[-1]
            for i, s_ in enumerate(seg):
                if target <= s_ and s_ > 0:
                    expect = path[i] + target / s_ * (path[i + 1] - path[i])
                    break
                target -= s_
            np.testing.assert_allclose(out[0], expect, atol=1e-9)
            checked += 1
    assert checked == 8 * g.m


@pytest.mark.parametrize("trial", range(4))
def test_shed_into_vessels_matches_reference(trial):
    from sim_core.kernels.transport import shed_into_vessels

    g, v_class, r, rates = transport_case(300 + trial)
    rates[L.R_VIABLE] = r.choice([1e-4, 0.3])
    rates[L.R_LYMPH_FRAC], rates[L.R_CAVITY_FRAC] = r.uniform(0, 0.5), r.uniform(0, 0.4)
    rates[L.R_CLUSTER_CELLS] = 5.0
    primaries = [c for c in range(g.n) if g.kind[c] == 0]
    src = np.array(r.choice(primaries, 3, replace=False), np.int32)
    cells = np.array([1e3, 5e7, 2e9])[: len(src)]
    per_h = np.full(len(src), 1e-3)
    cap = 8192
    cols = [
        np.zeros(cap, np.int64),
        np.zeros(cap, np.int64),
        np.zeros(cap, np.int32),
        np.zeros(cap),
        np.zeros(cap),
        np.zeros(cap, np.int64),
        np.full(cap, -1, np.int64),
        np.zeros(cap, np.int8),
    ]
    free_stack = np.arange(cap - 1, -1, -1).astype(np.int64)
    n_free, next_k = np.array([cap], np.int64), np.array([0], np.int64)
    cnt_k = np.zeros(L.N_COUNTERS)
    packets_k = PacketArrays(*cols, free_stack, n_free, next_k)
    ctr = np.zeros(1, np.int64)
    status = shed_into_vessels(2.0, src, cells, graph_arrays(g, v_class), packets_k, cnt_k, rates, per_h, 4, trial, ctr)
    assert status == L.OK
    packets, free, next_r, cnt_r = [None] * cap, list(range(cap - 1, -1, -1)), [0], np.zeros(L.N_COUNTERS)
    ref.shed(2.0, g, v_class, list(zip(src, cells, per_h, strict=True)), rates, cnt_r, 4, trial, packets, free, next_r)
    np.testing.assert_array_equal(cnt_k, cnt_r)
    alive = [i for i in range(cap) if cols[7][i]]
    assert alive == [i for i, p in enumerate(packets) if p is not None] and alive
    for i in alive:
        p = packets[i]
        assert (cols[0][i], cols[1][i], cols[2][i]) == (p["cells"], p["nclu"], p["vessel"])
        assert cols[4][i] == p["clock"]
    shed_cells = cnt_k[L.C_SHED]
    assert sum(p["cells"] for p in packets if p) + cnt_k[L.C_DIED_ANOIKIS] == shed_cells


def test_spawn_lesions_matches_reference():
    from sim_core.kernels.lesions import spawn_lesions

    spawn = np.zeros((5, L.N_ROUTES), np.int64)
    spawn[1, 0], spawn[3, 4], spawn[4, 3] = 3, 1, 2
    m = 16
    cols = dict(
        state=np.zeros(m, np.int8),
        comp=np.zeros(m, np.int32),
        route=np.zeros(m, np.int8),
        cells=np.zeros(m),
        born=np.zeros(m),
        switch=np.zeros(m),
        res=np.zeros(m),
        lid=np.full(m, -1, np.int64),
    )
    free_stack = np.arange(m - 1, -1, -1).astype(np.int64)
    n_free, next_id, cnt = np.array([m], np.int64), np.array([7], np.int64), np.zeros(L.N_COUNTERS)
    s2 = spawn.copy()
    assert (
        spawn_lesions(
            spawn,
            2.0,
            0.5,
            cols["state"],
            cols["comp"],
            cols["route"],
            cols["cells"],
            cols["born"],
            cols["switch"],
            cols["res"],
            cols["lid"],
            free_stack,
            n_free,
            next_id,
            cnt,
            9,
            3,
        )
        == L.OK
    )
    made = ref.spawn_lesions(s2, 2.0, 0.5, list(range(m - 1, -1, -1)), [7], 9, 3)
    assert spawn.sum() == 0 and s2.sum() == 0 and len(made) == 6 == cnt[L.C_MICRO]
    for slot, c, k, born, lid in made:
        assert (cols["state"][slot], cols["comp"][slot], cols["route"][slot], cols["lid"][slot]) == (1, c, k, lid)
        assert cols["born"][slot] == born and 2.0 <= born <= 2.5


def test_spawn_lesions_asks_for_room_first_and_then_places_every_cell():
    """Too few free rows: nothing changes and the kernel says so; after the table grows, the same
    call places every waiting cell (so a retry never continues a half-used stream)."""
    from sim_core.kernels.lesions import spawn_lesions
    from sim_core.model.state import LesionTable

    spawn = np.zeros((2, L.N_ROUTES), np.int64)
    spawn[1, 1] = 5
    les = LesionTable(3)
    counters = np.zeros(L.N_COUNTERS)

    def call():
        return spawn_lesions(
            spawn,
            0.0,
            1.0,
            *(getattr(les, c) for c in ("state", "comp", "route", "cells", "born_day", "switch_day", "res", "lid")),
            les.free_stack,
            les.n_free,
            les.next_id,
            counters,
            1,
            1,
        )

    assert call() == L.NEED_LESIONS
    assert spawn[1, 1] == 5 and les.n_free[0] == 3 and counters[L.C_MICRO] == 0
    les.grow(int(spawn.sum()))
    assert call() == L.OK
    assert spawn.sum() == 0 and counters[L.C_MICRO] == 5 and les.n_used == 5
    assert sorted(les.lid[les.state == 1]) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "n,p", [(0, 0.5), (5, 0.3), (5, 0.0), (39, 0.9), (200, 0.01), (1000, 0.02), (10**6, 0.3), (10**9, 0.999), (50, 1.0)]
)
def test_binomial_draws_counts_the_uniforms_binomial_computes(n, p, monkeypatch):
    """The kernels count draws with ``binomial_draws`` (the benchmark's draws per packet-step and
    its draw limit rest on that count), so it must equal the uniforms actually computed."""
    seen = []
    real = ref.uniform

    def counting(key, counter):
        seen.append(counter)
        return real(key, counter)

    monkeypatch.setattr(ref, "uniform", counting)
    ref.binomial(n, p, int(rng.make_key(3, 9, 4)), 128)
    assert rng.binomial_draws(n, p) == len(set(seen)) == len(seen)


def test_the_tables_hand_the_kernels_their_arrays_in_the_kernels_order():
    """``PacketTable.kernel_arrays`` goes by the order its columns are declared in and
    ``OrganPools.kernel_arrays`` by ``PoolArrays``' names: each array must land in its own field."""
    from sim_core.model.state import OrganPools, PacketTable

    table, pools = PacketTable(16), OrganPools(5)
    packets = table.kernel_arrays()
    renamed = {"pos": "pos_h", "clock": "clock_h"}
    for field in PacketArrays._fields:
        assert getattr(packets, field) is getattr(table, renamed.get(field, field)), field
    held = pools.kernel_arrays()
    for field in PoolArrays._fields:
        assert getattr(held, field) is getattr(pools, field), field


@pytest.mark.parametrize("n_ref", [1e3, 1e9, 1e12, 5e12])
def test_gompertz_matches_reference_on_both_sides_of_the_plateau(n_ref):
    """The kernel's Gompertz step equals the reference bit for bit, also where the reference size
    is at or past the plateau (both then anchor the rate at half the plateau)."""
    from sim_core.kernels.lesions import gompertz

    for cells in (1.0, 37.5, 2e6, 9.99e11, 1e12, 2e12):
        for rate, dt in ((0.0135, 1.0), (0.7, 0.25), (0.0, 1.0)):
            got = gompertz(cells, rate, n_ref, 1e12, dt)
            assert got == ref.gompertz(cells, rate, n_ref, 1e12, dt), (cells, rate, n_ref, dt)
