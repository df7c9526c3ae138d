"""Switching transport resolution mid-run (``Engine.set_resolution``): every cell in transit is kept,
every counter and organ pool is untouched, and a receipt of a run that switched replays it."""

import numpy as np
import pytest

from sim_core import Engine, load_scenario
from sim_core.kernels.cells import KIND_CLUSTER, KIND_NONVIABLE, KIND_SINGLE
from sim_core.model.cell_mode import expand_pooled, group_cells
from sim_core.tools.soak import soak_scenario


def busy(rate=2e5):
    sc = soak_scenario()
    sc.params.set("shedding.rate_per_g_day", rate)
    return sc


def frozen(eng):
    """Everything a switch must leave alone."""
    po = eng.pools
    return (
        eng.counters.copy(),
        eng.died_in_vessel.copy(),
        eng.t_days,
        eng.step_index,
        eng.primary_cells,
        [
            getattr(po, k).copy()
            for k in (
                "arr_s",
                "arr_c",
                "doomed",
                "dormant",
                "spawn",
                "floating",
                "arrested_cum",
                "cleared_cum",
                "extravasated_cum",
            )
        ],
        eng.lesions.cells.copy(),
        eng.lesions.state.copy(),
    )


def same(a, b):
    for x, y in zip(a, b, strict=True):
        if isinstance(x, list):
            assert all(np.array_equal(p, q) for p, q in zip(x, y, strict=True))
        else:
            assert np.array_equal(x, y)


def in_transit_by_kind(eng):
    """(single, cluster, non-viable) cells in vessels and the number of clusters."""
    cells, nclu, *_ = eng._packet_view()
    if eng.cells is not None:  # per-cell view: nclu 1 = one cluster
        return (
            int(cells[nclu == 0].sum()),
            int(cells[nclu > 0].sum()),
            int(cells[nclu < 0].sum()),
            int((nclu > 0).sum()),
        )
    return (
        int(cells[nclu == 0].sum()),
        int(cells[nclu > 0].sum()),
        int(cells[nclu < 0].sum()),
        int(nclu[nclu > 0].sum()),
    )


def balanced(eng):
    acc = eng.accounting()
    assert abs(acc["came"] - acc["alive"] - acc["dead"]) <= 1e-9 * acc["came"], acc


def test_switching_back_and_forth_keeps_every_cell():
    eng = Engine(busy(), resolution="packets")
    eng.inject("vein:portal->organ:liver", 400, cluster_cells=8)
    plan = [("cells", 3), ("packets", 2), ("cells", 4), ("packets", 3), ("cells", 2), ("packets", 1)]
    seen_packets = []
    for res, steps in plan:
        for _ in range(steps):
            eng.step(1800.0)
            balanced(eng)
        before, kinds, state = eng.alive_in_transit(), in_transit_by_kind(eng), frozen(eng)
        n_before = eng.snapshot().packet_id.shape[0]
        eng.set_resolution(res)
        assert eng.resolution == res
        assert eng.alive_in_transit() == before > 0
        assert in_transit_by_kind(eng) == kinds
        same(frozen(eng), state)
        balanced(eng)
        snap = eng.snapshot()
        assert np.unique(snap.packet_id).shape[0] == snap.packet_id.shape[0]  # ids stay unique
        if res == "cells":
            assert snap.packet_id.shape[0] == kinds[0] + kinds[2] + kinds[3]  # one packet per cell or cluster
            assert snap.packet_id.shape[0] >= n_before
        seen_packets.append(snap.packet_id.shape[0])
    print("packets after each switch:", seen_packets, "in transit:", eng.alive_in_transit())
    for _ in range(3):
        eng.step(3600.0)
        balanced(eng)


def test_pooled_to_cells_keeps_vessel_position_kind_and_cluster_sizes():
    g = Engine(load_scenario("breast")).graph
    v = np.array([3, 3, 7, 9])
    pos = np.array([0.0, 0.25, 0.5, 1.0]) * g.v_transit_h[v]
    cells, nclu = np.array([3, 11, 2, 5]), np.array([0, 3, -1, 1])
    route = np.array([1, 2, 4, 8])
    vv, pp, size, kind, rr, pid, nxt = expand_pooled(
        cells, nclu, v, pos, route, np.array([10, 11, 12, 13]), g.v_transit_h, 100
    )
    assert vv.tolist() == [3, 3, 3, 3, 3, 3, 7, 7, 9]
    assert size.tolist() == [1, 1, 1, 4, 4, 3, 1, 1, 5]  # 11 cells in 3 clusters: 4, 4, 3
    assert kind.tolist() == [KIND_SINGLE] * 3 + [KIND_CLUSTER] * 3 + [KIND_NONVIABLE] * 2 + [KIND_CLUSTER]
    assert rr.tolist() == [1, 1, 1, 2, 2, 2, 4, 4, 8]
    assert pid.tolist() == [10, 100, 101, 11, 102, 103, 12, 104, 13] and nxt == 105
    assert (pp < g.v_transit_h[vv]).all()  # never past the vessel's end
    assert np.allclose(pp[:6], pos[[0, 0, 0, 1, 1, 1]], rtol=1e-6)
    back = group_cells(vv.astype(np.int16), pp, size.astype(np.int16), kind, rr.astype(np.uint8), pid)
    g_cells, g_nclu, g_v, _, g_route, g_pid = back
    # same state -> one pooled packet again (clusters grouped by size: the 4s and the 3)
    rows = sorted(zip(g_v.tolist(), g_cells.tolist(), g_nclu.tolist(), g_route.tolist(), g_pid.tolist(), strict=True))
    assert rows == [(3, 3, 0, 1, 10), (3, 3, 1, 2, 103), (3, 8, 2, 2, 11), (7, 2, -1, 4, 12), (9, 5, 1, 8, 13)]
    assert g_cells.sum() == cells.sum()


def test_a_followed_cluster_keeps_its_id_across_switches():
    eng = Engine(load_scenario("breast"), resolution="packets")
    eng.inject("vein:portal->organ:liver", 40, cluster_cells=40)
    pid = int(eng.snapshot().packet_id[0])
    eng.step(0.5)
    eng.set_resolution("cells")
    s = eng.snapshot()
    assert pid in s.packet_id.tolist() and int(s.packet_cells[s.packet_id == pid][0]) == 40
    eng.set_resolution("packets")
    s = eng.snapshot()
    assert pid in s.packet_id.tolist() and int(s.packet_nclu[s.packet_id == pid][0]) == 1


def test_a_run_that_switched_replays_from_its_receipt():
    from sim_core.io.receipt import RecordedEngine, make_receipt, parse_receipt, replay_receipt

    eng = RecordedEngine(busy(), resolution="cells")
    for res in ("packets", "cells", "packets"):
        for _ in range(3):
            eng.step(1200.0)
        eng.set_resolution(res)
    eng.step(3600.0)
    r = parse_receipt(make_receipt(eng))
    assert r.resolution == "cells" and [e for e in r.events if e[0] == "resolution"] == [
        ["resolution", "packets"],
        ["resolution", "cells"],
        ["resolution", "packets"],
    ]
    again = replay_receipt(r)
    assert again.resolution == "packets"
    assert np.array_equal(eng.counters, again.counters)
    a, b = eng.snapshot(), again.snapshot()
    assert a.packet_id.tolist() == b.packet_id.tolist() and a.packet_cells.tolist() == b.packet_cells.tolist()


def test_switching_to_cells_with_too_many_cells_in_transit_leaves_the_engine_alone():
    eng = Engine(busy(1e6), resolution="packets", cell_capacity=1024, max_packets=2048)
    eng.inject("vein:portal->organ:liver", 5000)
    state, before = frozen(eng), eng.alive_in_transit()
    with pytest.raises(MemoryError):
        eng.set_resolution("cells")
    assert eng.resolution == "packets" and eng.cells is None and eng.alive_in_transit() == before
    same(frozen(eng), state)


def test_unknown_resolution_is_refused():
    from sim_core.model.errors import InputError

    with pytest.raises(InputError, match="resolution"):
        Engine(load_scenario("breast")).set_resolution("atoms")


def test_a_fork_of_a_cell_resolution_engine_runs_as_the_original():
    """``Engine.fork`` copies the cell pool and its tallies with working views (the window forks
    cell-resolution runs now): both copies then step to the same numbers, deaths included."""
    eng = Engine(busy(), resolution="cells")
    for _ in range(3):
        eng.step(1800.0)
    twin = eng.fork()
    for e in (eng, twin):
        for _ in range(4):
            e.step(1800.0)
    assert eng.counters[2] > 0  # deaths were counted (by the reduction)
    assert np.array_equal(eng.counters, twin.counters)
    assert np.array_equal(eng.pools.arr_s, twin.pools.arr_s)
    assert eng.snapshot().packet_id.tolist() == twin.snapshot().packet_id.tolist()
