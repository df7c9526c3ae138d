"""The render benchmark behind ``seedsoil --bench-render``: frames per second of the body view with
many moving packets, beside pyqtgraph's ScatterPlotItem drawing the same points in the same run, and
the seconds a fresh process needs to show its first frame (cold and warm numba cache).

What one measured frame includes: handing the view new packet positions (``BodyView.show_frame``
with a snapshot whose packets have moved along the body graph's vessel paths: sampling, sorting,
colouring and sizing the packets, the lesion and label updates) and then a synchronous
``viewport().repaint()``, in which Qt paints the whole 1920x1080 view into the offscreen window's
backing store: background, the body art (an SVG item whose device cache Qt caps at 1024x768, so
at this size it is re-rendered every frame), the cached vessels, lesions, the rasterised packet
image and the legend overlay. Not included: the simulation (the moving positions are computed
before timing, for a cycle of frames that is then replayed), and what a real screen adds after the
backing store (compositor, vsync, upload to a GPU). The baseline frame is
``ScatterPlotItem.setData`` with one brush per point plus the same repaint, with the packet layer
hidden. Ours and the baseline are timed in alternating rounds, so a busy machine slows both alike.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

COUNTS = (1_000, 10_000, 50_000, 100_000)
QUICK_COUNTS = (200, 1_000)
SIZE = (1920, 1080)
CYCLE_FRAMES = 24          # distinct packet positions, replayed in a loop while timing
STEP_PER_FRAME = 0.004     # share of a vessel a packet travels per frame (times its own speed)


# --- synthetic moving packets ------------------------------------------------------------------------
class MovingPackets:
    """``n`` packets spread over the body graph's vessels, each advancing along its vessel's drawn
    path a little every frame (wrapping round at the end). Positions use the path geometry the
    engine uses, but none of its rules: this is a stand-in load for the view, not a simulation."""

    def __init__(self, graph, n: int, seed: int = 7):
        rng = np.random.default_rng(seed)
        m = graph.m
        seg_len = np.hypot(*np.diff(graph.path_xy, axis=0).T)
        same = np.ones(seg_len.shape[0], bool)
        same[graph.path_ptr[1:-1] - 1] = False           # segments that join two vessels
        seg_len = np.where(same, seg_len, 0.0)
        vessel_len = np.add.reduceat(np.append(seg_len, 0.0), graph.path_ptr[:-1])[:m]
        # more packets on longer vessels, so the body is evenly busy
        w = vessel_len / vessel_len.sum()
        self.vessel = rng.choice(m, size=n, p=w).astype(np.int32)
        self.phase = rng.random(n)
        self.speed = 0.5 + rng.random(n)
        self.kind = graph.v_kind[self.vessel].astype(np.int8)
        u = rng.random(n)
        # mostly single viable cells, a quarter already dying, a few clusters (dtypes as the engine's)
        self.nclu = np.where(u < 0.25, -1, np.where(u > 0.96, rng.integers(2, 8, n), 0)).astype(np.int64)
        self.cells = np.where(self.nclu > 0, self.nclu * rng.integers(2, 6, n),
                              1 + (rng.random(n) < 0.1) * rng.integers(1, 4, n)).astype(np.int64)
        self.id = np.arange(n, dtype=np.int64)
        self._graph = graph
        self._cum = np.concatenate([[0.0], np.cumsum(seg_len)])  # arc length at each path point
        self._vessel_len = vessel_len

    def positions(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """Body-map positions [n, 2] and the fraction travelled, at ``frame``."""
        g = self._graph
        frac = (self.phase + frame * STEP_PER_FRAME * self.speed) % 1.0
        start = g.path_ptr[self.vessel]
        s = self._cum[start] + frac * self._vessel_len[self.vessel]
        j = np.searchsorted(self._cum, s, side="right") - 1
        j = np.clip(j, start, g.path_ptr[self.vessel + 1] - 2)
        seg = np.maximum(self._cum[j + 1] - self._cum[j], 1e-9)
        t = np.clip((s - self._cum[j]) / seg, 0.0, 1.0)[:, None]
        xy = g.path_xy[j] * (1.0 - t) + g.path_xy[j + 1] * t
        return xy, frac


def _frames(graph, packets: MovingPackets, primary: str):
    """A cycle of FrameData, one per set of positions (built before timing)."""
    from sim_core import COUNTER_NAMES, Snapshot

    from .frames import Deaths, FrameData, Pools

    n_comp, m = graph.n, graph.m
    z = np.zeros(n_comp)
    pools = Pools(z, z, z, z, z, np.zeros((n_comp, 6)), z)
    none_i = np.zeros(0, np.int64)
    out = []
    for k in range(CYCLE_FRAMES):
        xy, frac = packets.positions(k)
        snap = Snapshot(
            t_days=100.0 + k / 86400.0, step=k, packet_xy=xy, packet_cells=packets.cells,
            packet_nclu=packets.nclu, packet_kind=packets.kind, packet_id=packets.id,
            packet_vessel=packets.vessel, packet_frac=frac, lesion_comp=none_i, lesion_cells=np.zeros(0),
            lesion_state=np.zeros(0, np.int8), lesion_route=np.zeros(0, np.int8), lesion_id=none_i,
            held_cells=z, dormant_cells=z, primary_cells=3e9, counters=np.zeros(len(COUNTER_NAMES)),
            died_in_vessel=np.zeros((m, 3)), cleared_at=z)
        out.append(FrameData(snap=snap, pools=pools, dt_s=1.0, deaths=Deaths.empty(), new_arrests=z,
                             new_extravasations=z, counters_delta=np.zeros(len(COUNTER_NAMES)),
                             new_lesions=np.zeros(0, bool), switched_lesions=np.zeros(0, bool),
                             regressed_comp=none_i, cells_per_g=1e9, primary=graph.index[primary]))
    return out


# --- the view ------------------------------------------------------------------------------------------
def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(sys.argv[:1])


def build_view(graph, size=SIZE, budget: int = 100_000):
    """A BodyView of ``size`` pixels, shown offscreen, drawing up to ``budget`` packets."""
    from PySide6.QtCore import Qt

    from . import theme
    from .views.body_view import BodyView

    theme.load_fonts()
    view = BodyView(graph, theme.sizes_for_height(size[1]))
    view.packets.max_packets = budget
    view.set_primary("primary:breast")
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    view.resize(*size)
    view.show()
    return view


def _repaint(app, view) -> None:
    view.viewport().repaint()


def _time_frames(run_one, min_frames: int, min_s: float, max_frames: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each ``run_one(i)`` until both minimums are met (or ``max_frames``).
    CPU time is this process's, all threads: on a shared machine it shows what a frame costs when
    the wall clock also counts waiting for a core."""
    times = []
    t_start = time.perf_counter()
    i = 0
    while i < max_frames and (i < min_frames or time.perf_counter() - t_start < min_s):
        t0, c0 = time.perf_counter(), time.process_time()
        run_one(i)
        times.append((time.perf_counter() - t0, time.process_time() - c0))
        i += 1
    return times


def _summary(times: list[tuple[float, float]]) -> dict:
    t = np.asarray(times)[:, 0]
    cpu = np.asarray(times)[:, 1]
    return {"fps": float(len(t) / t.sum()), "frames": int(len(t)),
            "p50_ms": float(np.percentile(t, 50) * 1e3), "p95_ms": float(np.percentile(t, 95) * 1e3),
            "cpu_p50_ms": float(np.percentile(cpu, 50) * 1e3)}


def raster_threads():
    from .views.raster import THREADS

    return THREADS


def bench_count(app, view, graph, n: int, quick: bool) -> dict:
    """Our packet layer and the ScatterPlotItem baseline on the same ``n`` moving packets, timed in
    alternating rounds so that both see the same background load of a shared machine."""
    import pyqtgraph as pg

    from . import theme

    packets = MovingPackets(graph, n)
    frames = _frames(graph, packets, "primary:breast")
    # the baseline: per-point brushes, the same points and colours, dots of the same size scale
    brushes = np.array([pg.mkBrush(theme.qcolor(c)) for c in theme.VESSEL_COLORS]
                       + [pg.mkBrush(theme.qcolor(theme.NONVIABLE, 0.4))], dtype=object)
    code = np.where(packets.nclu < 0, len(theme.VESSEL_COLORS), packets.kind.astype(np.int64))
    scatter = pg.ScatterPlotItem(pxMode=True, pen=None, size=2.0 * 3.0 * view.packets.size_scale)
    scatter.setZValue(view.packets.zValue())
    view.vb.addItem(scatter, ignoreBounds=True)
    xys = [f.snap.packet_xy for f in frames]
    frame_no = {"ours": 0, "base": 0}

    def ours(_):
        view.show_frame(frames[frame_no["ours"] % CYCLE_FRAMES])
        _repaint(app, view)
        frame_no["ours"] += 1

    def baseline(_):
        xy = xys[frame_no["base"] % CYCLE_FRAMES]
        scatter.setData(x=xy[:, 0], y=xy[:, 1], brush=brushes[code])
        _repaint(app, view)
        frame_no["base"] += 1

    def use(mine: bool) -> None:
        view.packets.setVisible(mine)
        scatter.setVisible(not mine)

    use(True)
    for i in range(3):  # warm-up: JIT, buffers, caches
        ours(i)
    use(False)
    baseline(0)
    rounds = 2 if quick else 5
    per_round_s = (0.1 if quick else 0.5)
    t_ours, t_base = [], []
    for _ in range(rounds):
        use(True)
        t_ours += _time_frames(ours, 3 if quick else 12, per_round_s, max_frames=400)
        drawn = view.packets.shown
        use(False)
        t_base += _time_frames(baseline, 1, per_round_s, max_frames=400)
    view.vb.removeItem(scatter)
    use(True)
    s, b = _summary(t_ours), _summary(t_base)
    return {"visible_packets": int(drawn), "fps": s["fps"], "baseline_fps": b["fps"],
            "speedup": s["fps"] / b["fps"], "requested_packets": int(n), "sampled": bool(view.packets.sampled),
            "frames": s["frames"], "p50_ms": s["p50_ms"], "p95_ms": s["p95_ms"], "cpu_p50_ms": s["cpu_p50_ms"],
            "baseline_frames": b["frames"], "baseline_p50_ms": b["p50_ms"], "baseline_cpu_p50_ms": b["cpu_p50_ms"],
            "halo": float(view.packets.halo), "parallel": bool(raster_threads().parallel)}


# --- first frame in a fresh process -------------------------------------------------------------------
def first_frame_child(n: int) -> None:
    """Run in a subprocess: build the view, draw one frame of ``n`` packets, print the wall clock."""
    app = _app()
    from sim_core import default_graph

    graph = default_graph()
    view = build_view(graph)
    t0 = time.time()
    frames = _frames(graph, MovingPackets(graph, n), "primary:breast")[:1]
    synthetic_s = time.time() - t0   # the stand-in for the simulation: not the view's cost
    view.show_frame(frames[0])
    _repaint(app, view)
    print(json.dumps({"t_end": time.time(), "synthetic_s": synthetic_s, "shown": view.packets.shown}), flush=True)


def first_frame(n: int, cache_dir: str) -> float:
    """Seconds from starting a fresh Python process to its first frame, with ``cache_dir`` as
    the numba cache; the time spent making up the synthetic packets is left out."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, QT_QPA_PLATFORM="offscreen")
    t0 = time.time()
    p = subprocess.run([sys.executable, "-m", "desktop.bench_render", "--first-frame-child", str(n)],
                       env=env, capture_output=True, text=True, timeout=600, check=False)
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"first-frame subprocess failed: {last}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    return float(out["t_end"] - t0 - out["synthetic_s"])


# --- the command ----------------------------------------------------------------------------------------
def empty_view_fps(app, view, graph, quick: bool) -> float:
    """Frames per second of the same view with no packets: what the rest of the view costs."""
    frames = _frames(graph, MovingPackets(graph, 0), "primary:breast")

    def one(i):
        view.show_frame(frames[i % CYCLE_FRAMES])
        _repaint(app, view)

    _time_frames(one, 1, 0.1 if quick else 1.0, max_frames=1000)   # warm-up, not counted
    return _summary(_time_frames(one, *((5, 0.1) if quick else (60, 1.5)), max_frames=1000))["fps"]


def run(quick: bool = False) -> dict:
    app = _app()
    import numba
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QGuiApplication

    from sim_core import default_graph

    graph = default_graph()
    counts = QUICK_COUNTS if quick else COUNTS
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    view = build_view(graph, budget=max(counts))
    empty = empty_view_fps(app, view, graph, quick)
    rows = [bench_count(app, view, graph, n, quick) for n in counts]
    view.hide()   # (pyqtgraph's GraphicsView.close() tears the scene down under live items)
    n_first = max(counts)
    if quick:  # no cold start (it compiles every kernel): one warm start with the current cache
        cold = None
        warm = first_frame(n_first, os.environ.get("NUMBA_CACHE_DIR") or tempfile.gettempdir())
    else:
        cache = tempfile.mkdtemp(prefix="seedsoil-bench-nb-")
        try:
            cold = first_frame(n_first, cache)
            warm = first_frame(n_first, cache)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    return {
        "render": rows,
        "first_frame": {"cold_s": cold, "warm_s": warm, "packets": n_first},
        "empty_view_fps": empty,
        "size": list(SIZE),
        "platform": QGuiApplication.platformName(),
        "qt": qVersion(),
        "threads": int(numba.get_num_threads()),
        "cpus": os.cpu_count(),
        "load_avg_1min": [load_before, os.getloadavg()[0] if hasattr(os, "getloadavg") else None],
        "quick": quick,
        "note": ("fps = frames / seconds over the timed frames. A frame = BodyView.show_frame with moved "
                 "packets + a synchronous viewport repaint into the offscreen backing store (no "
                 "simulation, no screen). Baseline = ScatterPlotItem.setData with per-point brushes + the "
                 "same repaint, packet layer hidden. empty_view_fps = the same view with no packets. "
                 "First frame = wall time from starting a Python process to its first painted frame of "
                 "the largest count (minus making up the synthetic packets); cold uses an empty "
                 "NUMBA_CACHE_DIR (every kernel compiled), warm reuses it. The machine is shared: see "
                 "load_avg_1min (before, after)."),
    }


def print_table(result: dict) -> None:
    print(f"Body view {result['size'][0]}x{result['size'][1]} offscreen, {result['threads']} numba threads")
    print(f"{'packets':>9} {'fps':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'baseline fps':>13} {'speed-up':>9}")
    for r in result["render"]:
        print(f"{r['visible_packets']:>9,} {r['fps']:>8.1f} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} "
              f"{r['cpu_p50_ms']:>8.2f} {r['baseline_fps']:>13.2f} {r['speedup']:>8.1f}x")
    ff = result["first_frame"]
    cold = "not measured (--quick)" if ff["cold_s"] is None else f"{ff['cold_s']:.2f} s"
    print(f"first frame ({ff['packets']:,} packets): cold {cold}, warm {ff['warm_s']:.2f} s")
    print(f"the view with no packets: {result['empty_view_fps']:.1f} fps; "
          f"load average before/after: {result['load_avg_1min']}")


def main(quick: bool = False, as_json: bool = False) -> int:
    try:
        result = run(quick)
    except RuntimeError as exc:
        print(f"seedsoil: {exc}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(result, indent=1))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--first-frame-child":
        first_frame_child(int(sys.argv[2]))
    else:
        sys.exit(main(quick="--quick" in sys.argv, as_json="--json" in sys.argv))
