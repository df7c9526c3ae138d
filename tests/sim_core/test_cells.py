"""Cell resolution: one packet per cell. Conservation, thread-count independence, agreement with
the numpy and Mesa versions of the same rules, and statistical agreement with pooled packets."""

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim_core import SPECS, Engine, load_scenario
from sim_core.tools.bench.rules import mesa_step, numpy_step
from sim_core.tools.bench.suite import (
    _tables,
    bench_engine,
    engine_tally,
    load_state,
    rules_tally,
    same_packets,
    same_tally,
    survivors,
    synthetic_state,
)
from sim_core.tools.soak import soak_scenario


def light_load(rate=2e5):
    """The soak's load with less shedding: ~20k packets in flight, quick to run."""
    sc = soak_scenario()
    sc.params.set("shedding.rate_per_g_day", rate)
    return sc


def state_of(eng):
    p = eng.cells.pool
    live = survivors(eng)
    order = np.argsort(live["pid"])
    return (
        [live[k][order] for k in live],
        eng.counters.copy(),
        eng.pools.arr_s.copy(),
        eng.pools.arr_c.copy(),
        eng.pools.dormant.copy(),
        eng.died_in_vessel.copy(),
        eng.lesions.cells.copy(),
        p.next_id,
    )


def test_cells_are_conserved_every_step_and_counts_stay_non_negative():
    eng = Engine(light_load(), resolution="cells")
    for _ in range(36):
        eng.step(3600.0)
        acc = eng.accounting()
        assert abs(acc["came"] - acc["alive"] - acc["dead"]) <= 1e-9 * acc["came"], acc
        assert min(acc.values()) >= 0
        assert (eng.pools.arr_s >= 0).all() and (eng.cells.pool.cells[eng.cells.pool.live_index()] > 0).all()
    in_flight = eng.cells.pool.n_used
    print("packets in flight after 36 h:", in_flight)
    assert in_flight > 5000


def test_same_seed_gives_identical_state_with_one_and_two_threads():
    runs = []
    for threads in (1, 2):
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        eng = Engine(light_load(), resolution="cells")
        for _ in range(12):
            eng.step(3600.0)
        eng.set_param("transit.attrition", 1.7)  # a slider moved mid-run
        for _ in range(12):
            eng.step(1800.0)
        runs.append(state_of(eng))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    a, b = runs
    for x, y in zip(a[0], b[0], strict=True):
        assert np.array_equal(x, y)
    for x, y in zip(a[1:], b[1:], strict=True):
        assert np.array_equal(x, y)


def stepped_bench_engine(n: int, seed: int):
    """A benchmark engine loaded with ``n`` synthetic packets and stepped 60 s; also the loaded
    state and the step's tables, for the numpy and Mesa versions of the rules."""
    eng = bench_engine(n)
    state = synthetic_state(eng.graph, n, seed=seed)
    load_state(eng, state)
    t = _tables(eng)
    eng.step(60.0)
    return eng, state, t


def test_numba_numpy_and_mesa_give_the_same_step():
    n = 3000
    eng, state, t = stepped_bench_engine(n, seed=11)
    out_np, tally_np = numpy_step(t, state, 60.0 / 3600.0)
    assert same_packets(survivors(eng), out_np)
    assert same_tally(engine_tally(eng), rules_tally(tally_np))
    pytest.importorskip("mesa")
    out_m, tally_m, _ = mesa_step(t, state, 60.0 / 3600.0)
    assert same_packets(survivors(eng), out_m)
    assert same_tally(engine_tally(eng), rules_tally(tally_m))
    died = int(engine_tally(eng)[0][:3].sum())
    print(f"{n} packets, 60 s: {survivors(eng)['pid'].shape[0]} still in vessels, {died} died")
    assert 0 < died < n


def test_the_numpy_rules_count_each_packets_draws_as_the_kernel_counts_them():
    """The benchmark's model-count draw limit makes, for each packet, the draws the numpy version
    of the rules says it made; their sum must be the kernel's own draw tally (clusters included)."""
    from sim_core.kernels.cells import A_DRAWS, A_PACKET_STEPS, KIND_CLUSTER

    n = 20_000
    eng, state, t = stepped_bench_engine(n, seed=5)
    acc = eng.cells.acc.sum(0)
    counts = np.zeros(n, np.int64)
    numpy_step(t, state, 60.0 / 3600.0, uniforms=counts)
    clusters = state["kind"] == KIND_CLUSTER
    print(
        f"kernel {acc[A_DRAWS]} draws over {acc[A_PACKET_STEPS]} packet-steps; numpy rules "
        f"{counts.sum()} ({counts[clusters].sum()} by {clusters.sum()} clusters); per packet "
        f"{np.bincount(counts)[:8]}"
    )
    assert acc[A_PACKET_STEPS] == n
    assert counts.sum() == acc[A_DRAWS]
    assert counts[clusters].sum() > 0
    assert len(np.unique(counts)) >= 3  # the count varies from packet to packet


def _injection(resolution, vessel, cells, days):
    sc = load_scenario("melanoma")
    eng = Engine(sc, shedding=False, resolution=resolution)
    eng.inject(vessel, cells)
    eng.advance(days, 1.0 / 24.0)
    return eng


def test_cell_resolution_agrees_with_pooled_packets_on_an_injection():
    g = Engine(load_scenario("melanoma"), shedding=False).graph
    vessel = next(v for v in g.v_ids if "portal" in v.lower())
    n = 100_000
    a = _injection("packets", vessel, n, 1.0)
    b = _injection("cells", vessel, n, 1.0)
    fa, fb = a.funnel(), b.funnel()
    for key in ("arrested", "died_in_transit", "extravasated", "died_arrested"):
        pa, pb = fa[key] / n, fb[key] / n
        sd = np.sqrt(max(pa * (1 - pa), 1e-4) / n)
        print(f"{key}: packets {pa:.4f}  cells {pb:.4f}  (5 sd = {5 * sd:.4f})")
        assert abs(pa - pb) <= 5 * np.sqrt(2) * sd + 1e-4
    sa = a.pools.arrested_cum / a.pools.arrested_cum.sum()
    sb = b.pools.arrested_cum / b.pools.arrested_cum.sum()
    tvd = 0.5 * np.abs(sa - sb).sum()
    print("arrest sites, total variation distance:", round(tvd, 5))
    assert tvd < 0.01


def test_cell_resolution_agrees_with_pooled_packets_for_a_shedding_tumour():
    """Pooled packets start each step's shed cells of one kind and route at one shared moment, so
    their count in the vessels swings by about 20 % from step to step (cells each have their own
    moment); the comparison is on cumulative fates, which that does not bias."""
    res = {}
    for resolution in ("packets", "cells"):
        eng = Engine(light_load(1e6), resolution=resolution)
        eng.advance(2.0, 1.0 / 24.0)
        res[resolution] = (eng.funnel(), eng.pools.cleared_cum / eng.pools.cleared_cum.sum())
    (fa, ca), (fb, cb) = res["packets"], res["cells"]
    assert abs(fa["shed"] - fb["shed"]) / fa["shed"] < 0.01
    gone_a = (fa["died_in_transit"] + fa["in_transit_now"]) / fa["shed"]
    gone_b = (fb["died_in_transit"] + fb["in_transit_now"]) / fb["shed"]
    print(f"died or still in transit: packets {gone_a:.5f}, cells {gone_b:.5f}")
    assert abs(gone_a - gone_b) < 5e-4
    za = fa["arrested"] / fa["shed"] * 1e6
    zb = fb["arrested"] / fb["shed"] * 1e6
    print(f"arrested per million shed: packets {za:.1f}, cells {zb:.1f}")
    assert abs(fa["arrested"] - fb["arrested"]) <= 5 * np.sqrt(fa["arrested"] + fb["arrested"])
    tvd = 0.5 * np.abs(ca - cb).sum()
    print("where dying shed cells were cleared, TVD:", round(tvd, 5))
    assert tvd < 0.01


def test_a_full_pool_stops_the_run_with_a_clear_message():
    eng = Engine(light_load(1e7), resolution="cells", cell_capacity=2048, max_packets=8192)
    with pytest.raises(MemoryError, match="pool is full at 8,192 packets"):
        for _ in range(10):
            eng.step(3600.0)


def test_checkpoints_refuse_cell_resolution_with_one_line(tmp_path):
    from sim_core.io.checkpoint import save_checkpoint
    from sim_core.model.errors import InputError

    eng = Engine(light_load(), resolution="cells")
    with pytest.raises(InputError, match="resolution"):
        save_checkpoint(eng, tmp_path / "x.npz")


SLIDERS_ = [
    s
    for s in SPECS
    if s.path
    in (
        "transit.attrition",
        "immune.surveillance",
        "shedding.rate_per_g_day",
        "arrest.lung",
        "shedding.cluster_fraction",
        "shedding.lymph_fraction",
        "transit.nonviable_death_per_h",
    )
]


def _value(spec, u):
    lo, hi = spec.lo, spec.hi
    v = lo * (hi / lo) ** u if spec.log and lo > 0 else lo + u * (hi - lo)
    return min(max(v, lo), hi)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.floats(0, 1), min_size=len(SLIDERS_), max_size=len(SLIDERS_)),
    seed=st.integers(0, 2**40),
    steps=st.lists(st.sampled_from([1.0, 60.0, 3600.0, 21600.0]), min_size=1, max_size=5),
    change=st.tuples(st.integers(0, 4), st.sampled_from(SLIDERS_), st.floats(0, 1)),
)
def test_cell_resolution_invariants_for_any_parameters_and_slider_moves(values, seed, steps, change):
    """Random parameters x random steps x a slider moved mid-run, at cell resolution: every cell
    accounted for, nothing negative or NaN, every packet in a vessel holds cells."""
    sc = light_load(2e4)
    for spec, u in zip(SLIDERS_, values, strict=True):
        sc.params.set(spec.path, _value(spec, u))
    sc.params.set("primary.initial_cells", 1e7)
    sc.seed = seed
    eng = Engine(sc, resolution="cells", cell_capacity=4096)
    eng.inject("vein:portal->organ:liver", 500, cluster_cells=4)
    for i, dt in enumerate(steps):
        if change[0] == i:
            eng.set_param(change[1].path, _value(change[1], change[2]))
        eng.step(dt)
        acc = eng.accounting()
        assert acc["came"] == pytest.approx(acc["alive"] + acc["dead"], rel=1e-9, abs=1e-6)
        assert (eng.counters >= 0).all() and np.isfinite(eng.counters).all()
        p = eng.cells.pool
        live = p.live_index()
        assert (p.cells[live] > 0).all() and (p.n_live >= 0).all() and (p.n_live <= p.chunk).all()
        assert ((p.kind[live] == 1) | (p.cells[live] == 1)).all()
        assert (eng.pools.arr_s >= 0).all() and (eng.pools.arr_c >= 0).all()


def test_a_cell_resolution_run_replays_from_its_receipt():
    from sim_core.io.receipt import make_receipt, parse_receipt, replay_receipt
    from sim_core.science.experiments import run_patient

    eng = run_patient(light_load(), 3, record=True, resolution="cells", dt_days=1 / 24)
    again = replay_receipt(parse_receipt(make_receipt(eng)))
    assert again.resolution == "cells"
    assert np.array_equal(eng.counters, again.counters)
    a, b = survivors(eng), survivors(again)
    assert same_packets(a, b) and a["pid"].shape[0] > 1000
