"""``seedsoil --bench-render --quick``: the JSON other tools read has its promised shape and every
frame rate is a positive number (no speed is asserted: the machine may be busy)."""

import json
import math
import os
import subprocess
import sys

import numpy as np

from desktop.tools import bench_render
from desktop.tools.bench_render import MovingPackets


def bench_json(*flags):
    """What ``seedsoil --bench-render --quick --json`` with ``flags`` prints, read as JSON, once it
    has exited 0 (in a fresh offscreen process)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    p = subprocess.run(
        [sys.executable, "-m", "desktop.app", "--bench-render", *flags, "--quick", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout)


def test_quick_bench_prints_the_promised_json():
    out = bench_json()
    assert set(out) >= {"render", "first_frame"}
    assert len(out["render"]) >= 2
    for row in out["render"]:
        assert set(row) >= {"visible_packets", "fps", "baseline_fps"}
        assert isinstance(row["visible_packets"], int) and row["visible_packets"] > 0
        for key in ("fps", "baseline_fps"):
            assert isinstance(row[key], float) and math.isfinite(row[key]) and row[key] > 0, key
    ff = out["first_frame"]
    assert set(ff) >= {"cold_s", "warm_s"}
    assert ff["cold_s"] is None  # --quick skips the cold start, and says so
    assert isinstance(ff["warm_s"], float) and ff["warm_s"] > 0


def test_packets_move_along_the_vessels_every_frame():
    from sim_core import default_graph

    g = default_graph()
    pk = MovingPackets(g, 500)
    a, _ = pk.positions(0)
    b, _ = pk.positions(1)
    assert a.shape == (500, 2) and np.isfinite(a).all()
    assert (np.hypot(*(b - a).T) > 0).mean() > 0.95
    # every packet lies on its vessel's drawn path (within a hair of one of its segments)
    for i in range(0, 500, 25):
        path = g.path(int(pk.vessel[i]))
        p0, p1 = path[:-1], path[1:]
        d = p1 - p0
        t = np.clip(((a[i] - p0) * d).sum(1) / np.maximum((d * d).sum(1), 1e-12), 0, 1)
        gap = np.hypot(*(p0 + t[:, None] * d - a[i]).T).min()
        assert gap < 1e-6


def test_live_bench_runs_the_real_engine_and_draws_every_packet_below_the_cap():
    """``seedsoil --bench-render --live --quick --json``: the real window on a cell-resolution engine
    with ~2,000 packets in flight; every packet is drawn (below the cap), the engine thread stepped,
    and the fields other tools read are there (no speed is asserted: the machine may be busy)."""
    out = bench_json("--live")
    assert out["draw_cap"] >= 100_000 and out["size"] == [1920, 1080]
    assert len(out["live"]) >= 1
    for row in out["live"]:
        assert set(row) >= {"in_flight", "drawn", "fps", "engine_steps_per_s", "gui_stall_ms_max"}
        assert 500 < row["in_flight"] <= out["draw_cap"]  # a real load, all of it drawable
        assert row["drawn"] == row["in_flight"] and not row["sampled"]
        assert row["engine_steps_per_s"] > 0 and row["body_s_per_s_reached"] > 0
        for key in ("fps", "gui_stall_ms_max"):
            assert isinstance(row[key], float) and math.isfinite(row[key]) and row[key] > 0, key
        assert row["cpu_own_cores"] > 0 and isinstance(row["contended"], (bool, type(None)))
    assert out["contended"] == any(bool(r["contended"]) for r in out["live"])


def test_a_row_is_contended_when_the_rest_of_the_machine_was_busy():
    """The live rows say what else ran: the machine's busy CPU seconds (/proc/stat) less this
    process's, and the steal, per wall second."""
    quiet = bench_render.contention(5.0, 6.5, (100.0, 2.0), (106.8, 2.0))  # 0.3 s of others
    assert quiet["cpu_own_cores"] == 1.3 and quiet["cpu_other_cores"] == 0.06
    assert quiet["cpu_steal_cores"] == 0.0 and quiet["contended"] is False and quiet["contention"] == []
    busy = bench_render.contention(5.0, 6.5, (100.0, 2.0), (110.0, 2.0))  # 3.5 s of others
    assert busy["cpu_other_cores"] == 0.7 and busy["contended"] is True
    assert "0.70 cores" in busy["contention"][0]
    stolen = bench_render.contention(5.0, 6.5, (100.0, 2.0), (106.5, 3.0))  # 1 s stolen
    assert stolen["cpu_steal_cores"] == 0.2 and stolen["contended"] is True
    unknown = bench_render.contention(5.0, 6.5, None, None)  # no /proc/stat
    assert unknown["contended"] is None and unknown["cpu_own_cores"] == 1.3
    m = bench_render.machine_cpu()
    assert m is None or (m[0] > 0 and m[1] >= 0)
