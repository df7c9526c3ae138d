"""The render benchmark behind ``seedsoil --bench-render``: frames per second of the body view with
many moving packets, beside pyqtgraph's ScatterPlotItem drawing the same points in the same run, and
the seconds a fresh process needs to show its first frame (cold and warm numba cache).

What one measured frame includes: handing the view new packet positions (``BodyView.show_frame``
with a snapshot whose packets have moved along the body graph's vessel paths: sampling, sorting,
colouring and sizing the packets, the lesion and label updates) and then a synchronous
``viewport().repaint()``, in which Qt paints the whole 1920x1080 view into the offscreen window's
backing store: background, the body art and the vessels (both blitted from Qt's device cache, made
again only on a zoom or resize), lesions, the rasterised packet image and the legend overlay; a
repaint covers only the part of the map the packets left or reached. Not included: the simulation
(the moving positions are computed
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
CYCLE_FRAMES = 24  # distinct packet positions, replayed in a loop while timing
STEP_PER_FRAME = 0.004  # share of a vessel a packet travels per frame (times its own speed)


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
        same[graph.path_ptr[1:-1] - 1] = False  # segments that join two vessels
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
        self.cells = np.where(
            self.nclu > 0, self.nclu * rng.integers(2, 6, n), 1 + (rng.random(n) < 0.1) * rng.integers(1, 4, n)
        ).astype(np.int64)
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
    from desktop.core.frames import Deaths, FrameData, Pools
    from sim_core import COUNTER_NAMES, Snapshot

    n_comp, m = graph.n, graph.m
    z = np.zeros(n_comp)
    pools = Pools(z, z, z, z, z, np.zeros((n_comp, 6)), z)
    none_i = np.zeros(0, np.int64)
    out = []
    for k in range(CYCLE_FRAMES):
        xy, frac = packets.positions(k)
        snap = Snapshot(
            t_days=100.0 + k / 86400.0,
            step=k,
            packet_xy=xy,
            packet_cells=packets.cells,
            packet_nclu=packets.nclu,
            packet_kind=packets.kind,
            packet_id=packets.id,
            packet_vessel=packets.vessel,
            packet_frac=frac,
            lesion_comp=none_i,
            lesion_cells=np.zeros(0),
            lesion_state=np.zeros(0, np.int8),
            lesion_route=np.zeros(0, np.int8),
            lesion_id=none_i,
            held_cells=z,
            dormant_cells=z,
            primary_cells=3e9,
            counters=np.zeros(len(COUNTER_NAMES)),
            died_in_vessel=np.zeros((m, 3)),
            cleared_at=z,
        )
        out.append(
            FrameData(
                snap=snap,
                pools=pools,
                dt_s=1.0,
                deaths=Deaths.empty(),
                new_arrests=z,
                new_extravasations=z,
                counters_delta=np.zeros(len(COUNTER_NAMES)),
                new_lesions=np.zeros(0, bool),
                switched_lesions=np.zeros(0, bool),
                regressed_comp=none_i,
                cells_per_g=1e9,
                primary=graph.index[primary],
            )
        )
    return out


# --- the view ------------------------------------------------------------------------------------------
def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(sys.argv[:1])


def build_view(graph, size=SIZE, budget: int = 100_000):
    """A BodyView of ``size`` pixels, shown offscreen, drawing up to ``budget`` packets."""
    from PySide6.QtCore import Qt

    from desktop.window import theme
    from desktop.window.views.body_view import BodyView

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
    return {
        "fps": float(len(t) / t.sum()),
        "frames": int(len(t)),
        "p50_ms": float(np.percentile(t, 50) * 1e3),
        "p95_ms": float(np.percentile(t, 95) * 1e3),
        "cpu_p50_ms": float(np.percentile(cpu, 50) * 1e3),
    }


def raster_threads():
    from desktop.window.views.raster import THREADS

    return THREADS


def bench_count(app, view, graph, n: int, quick: bool) -> dict:
    """Our packet layer and the ScatterPlotItem baseline on the same ``n`` moving packets, timed in
    alternating rounds so that both see the same background load of a shared machine.

    Long: the two renderers share the view, the frames and the frame counter and are timed in
    alternating rounds in one place, and the row lists the results in the order the JSON prints
    them."""
    import pyqtgraph as pg

    from desktop.window import theme

    packets = MovingPackets(graph, n)
    frames = _frames(graph, packets, "primary:breast")
    # the baseline: per-point brushes, the same points and colours, dots of the same size scale
    brushes = np.array(
        [pg.mkBrush(theme.qcolor(c)) for c in theme.VESSEL_COLORS] + [pg.mkBrush(theme.qcolor(theme.NONVIABLE, 0.4))],
        dtype=object,
    )
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
    per_round_s = 0.1 if quick else 0.5
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
    return {
        "visible_packets": int(drawn),
        "fps": s["fps"],
        "baseline_fps": b["fps"],
        "speedup": s["fps"] / b["fps"],
        "requested_packets": int(n),
        "sampled": bool(view.packets.sampled),
        "frames": s["frames"],
        "p50_ms": s["p50_ms"],
        "p95_ms": s["p95_ms"],
        "cpu_p50_ms": s["cpu_p50_ms"],
        "baseline_frames": b["frames"],
        "baseline_p50_ms": b["p50_ms"],
        "baseline_cpu_p50_ms": b["cpu_p50_ms"],
        "halo": float(view.packets.halo),
        "parallel": bool(raster_threads().parallel),
    }


# --- first frame in a fresh process -------------------------------------------------------------------
def first_frame_child(n: int) -> None:
    """Run in a subprocess: build the view, draw one frame of ``n`` packets, print the wall clock."""
    app = _app()
    from sim_core import default_graph

    graph = default_graph()
    view = build_view(graph)
    t0 = time.time()
    frames = _frames(graph, MovingPackets(graph, n), "primary:breast")[:1]
    synthetic_s = time.time() - t0  # the stand-in for the simulation: not the view's cost
    view.show_frame(frames[0])
    _repaint(app, view)
    print(json.dumps({"t_end": time.time(), "synthetic_s": synthetic_s, "shown": view.packets.shown}), flush=True)


def first_frame(n: int, cache_dir: str) -> float:
    """Seconds from starting a fresh Python process to its first frame, with ``cache_dir`` as
    the numba cache; the time spent making up the synthetic packets is left out."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, QT_QPA_PLATFORM="offscreen")
    t0 = time.time()
    p = subprocess.run(
        [sys.executable, "-m", "desktop.tools.bench_render", "--first-frame-child", str(n)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
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

    _time_frames(one, 1, 0.1 if quick else 1.0, max_frames=1000)  # warm-up, not counted
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
    view.hide()  # (pyqtgraph's GraphicsView.close() tears the scene down under live items)
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
        "note": (
            "fps = frames / seconds over the timed frames. A frame = BodyView.show_frame with moved "
            "packets + a synchronous viewport repaint into the offscreen backing store (no "
            "simulation, no screen). Baseline = ScatterPlotItem.setData with per-point brushes + the "
            "same repaint, packet layer hidden. empty_view_fps = the same view with no packets. "
            "First frame = wall time from starting a Python process to its first painted frame of "
            "the largest count (minus making up the synthetic packets); cold uses an empty "
            "NUMBA_CACHE_DIR (every kernel compiled), warm reuses it. The machine is shared: see "
            "load_avg_1min (before, after)."
        ),
    }


def print_table(result: dict) -> None:
    print(f"Body view {result['size'][0]}x{result['size'][1]} offscreen, {result['threads']} numba threads")
    print(f"{'packets':>9} {'fps':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'baseline fps':>13} {'speed-up':>9}")
    for r in result["render"]:
        print(
            f"{r['visible_packets']:>9,} {r['fps']:>8.1f} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} "
            f"{r['cpu_p50_ms']:>8.2f} {r['baseline_fps']:>13.2f} {r['speedup']:>8.1f}x"
        )
    ff = result["first_frame"]
    cold = "not measured (--quick)" if ff["cold_s"] is None else f"{ff['cold_s']:.2f} s"
    print(f"first frame ({ff['packets']:,} packets): cold {cold}, warm {ff['warm_s']:.2f} s")
    print(
        f"the view with no packets: {result['empty_view_fps']:.1f} fps; "
        f"load average before/after: {result['load_avg_1min']}"
    )


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


# --- the live window: real engine at cell resolution, stepping on its own thread ------------------
LIVE_COUNTS = (10_000, 100_000, 1_000_000)
LIVE_QUICK_COUNTS = (2_000,)
#: Packets drawn at most in the live benchmark: the window's own cap (a stable sample by packet id
#: above it), with room above 10^5, so the 10^5 row (whose count wanders round its target) is
#: drawn in full.
LIVE_DRAW_CAP = 125_000
#: The rate of the calibration run, cells shed per gram per day, and its packets in flight.
_CAL_RATE = 1e5


def live_scenario(rate: float):
    """The soak's load (a 10-g primary) with shedding ``rate`` per gram per day: its steady state
    is a number of packets in flight roughly proportional to the rate."""
    from sim_core import soak_scenario

    sc = soak_scenario()
    sc.params.set("shedding.rate_per_g_day", min(rate, 1e8))
    return sc


def warm_engine(rate: float, hours: float, capacity: int):
    """A cell-resolution RecordedEngine run for ``hours`` of body time in 10-minute steps."""
    from sim_core import RecordedEngine

    eng = RecordedEngine(
        live_scenario(rate), resolution="cells", cell_capacity=capacity, max_packets=max(1 << 24, 4 * capacity)
    )
    for _ in range(int(round(hours * 6))):
        eng.step(600.0)
    return eng


def _PaintCounter(widget):
    """An event filter counting the paint events ``widget`` receives."""
    from PySide6.QtCore import QEvent, QObject

    class Counter(QObject):
        n = 0

        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint:
                self.n += 1
            return False

    c = Counter(widget)
    widget.installEventFilter(c)
    return c


#: A row is contended when, while it played, the rest of the machine kept this many cores busy
#: (other processes, or a hypervisor's steal): on these 2-core machines the window's two threads
#: need about 1.25 cores at 10^5 packets, so a third of a core taken elsewhere costs frames.
CONTENDED_OTHER_CORES = 0.3
CONTENDED_STEAL_CORES = 0.1


def machine_cpu() -> tuple[float, float] | None:
    """(busy, steal) CPU seconds of the whole machine so far, from /proc/stat's first line (None
    where there is no /proc/stat). Busy counts user, nice, system, irq and softirq time."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        v = [int(x) for x in fields[1:9]] + [0] * max(0, 9 - len(fields))
    except (OSError, ValueError):  # no /proc/stat, or not the format we know: no figure
        return None
    if not fields or fields[0] != "cpu":
        return None
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    user, nice, system, _idle, _iowait, irq, softirq, steal = v[:8]
    return (user + nice + system + irq + softirq) / hz, steal / hz


def contention(wall_s: float, own_cpu_s: float, machine0, machine1) -> dict:
    """What else ran while a row played: cores kept busy by other processes (the machine's busy
    time less this process's CPU time) and stolen by a hypervisor, and whether that contended
    the row (``CONTENDED_*``). A contended row's frame rate says more about the machine than
    about the window."""
    if machine0 is None or machine1 is None or wall_s <= 0:
        return {
            "cpu_own_cores": round(own_cpu_s / wall_s, 2) if wall_s > 0 else None,
            "cpu_other_cores": None,
            "cpu_steal_cores": None,
            "contended": None,
            "contention": [],
        }
    other = max(0.0, (machine1[0] - machine0[0]) - own_cpu_s) / wall_s
    steal = (machine1[1] - machine0[1]) / wall_s
    why = []
    if other > CONTENDED_OTHER_CORES:
        why.append(f"other processes kept {other:.2f} cores busy (> {CONTENDED_OTHER_CORES})")
    if steal > CONTENDED_STEAL_CORES:
        why.append(f"the hypervisor stole {steal:.2f} cores (> {CONTENDED_STEAL_CORES})")
    return {
        "cpu_own_cores": round(own_cpu_s / wall_s, 2),
        "cpu_other_cores": round(other, 2),
        "cpu_steal_cores": round(steal, 2),
        "contended": bool(why),
        "contention": why,
    }


def live_row(app, win, controller, n_target: int, seconds: float, per_packet: float) -> dict:
    """Play the real window on a warmed engine with about ``n_target`` packets in flight, at the
    default (transit) speed, on the runner's own 60 Hz timer and Qt's event loop, as the window
    runs: each tick publishes the frame the engine thread finished and hands it the next batch; Qt
    paints what the frame invalidated. A 4 ms probe timer measures how long the GUI thread was
    ever busy in one go (``gui_stall_ms_max``: the longest gap between its firings).

    Long: one measurement from the warmed engine to the row: the frame and probe callbacks, the
    timed event loop and the row share their counters, and the row lists them in the order the JSON
    prints them."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    from desktop.core.speeds import DEFAULT_SPEED, SPEEDS

    rate = n_target / per_packet
    eng = warm_engine(rate, hours=4.0, capacity=max(1 << 16, int(1.5 * n_target)))
    controller.pause()
    controller.load_run(eng.scenario, eng)
    controller.set_speed(DEFAULT_SPEED)
    assert controller.resolution == "cells"
    win.body.packets.max_packets = LIVE_DRAW_CAP  # (the window's own cap, packet_item.MAX_PACKETS)
    view = win.body
    for _ in range(3):  # compile / warm the frame path
        controller.runner.tick(1 / 60)
        app.processEvents()
    st = controller.batch_stats
    st.update(batches=0, steps=0, step_wall_s=0.0, busy_ticks=0, wait_s_max=0.0)
    counts, drawn, shown_at = [], [], []

    def on_frame(f):
        counts.append(int(f.snap.packet_id.shape[0]))
        drawn.append(int(view.packets.shown))
        shown_at.append(time.perf_counter())

    controller.snapshot_ready.connect(on_frame)
    paints = _PaintCounter(view.viewport())
    gaps, gap_at = [], []
    last = [0.0]

    def probe():
        now = time.perf_counter()
        if last[0]:
            gaps.append(now - last[0])
            gap_at.append(now - t_start)
        last[0] = now

    prober = QTimer()
    prober.setTimerType(Qt.TimerType.PreciseTimer)
    prober.setInterval(4)
    prober.timeout.connect(probe)
    loop = QEventLoop()
    ticks0 = controller.runner.ticks
    t_days0 = controller.clock_days()
    machine0, cpu0 = machine_cpu(), time.process_time()
    t_start = time.perf_counter()
    controller.play()
    prober.start()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    prober.stop()
    wall = time.perf_counter() - t_start
    busy = contention(wall, time.process_time() - cpu0, machine0, machine_cpu())
    waited_s = st["wait_s_max"]  # (pausing below waits for the batch in flight, by design)
    controller.pause()
    controller.snapshot_ready.disconnect(on_frame)
    view.viewport().removeEventFilter(paints)
    body_s = (controller.clock_days() - t_days0) * 86400.0
    speed = SPEEDS[DEFAULT_SPEED].body_s_per_s
    frames = len(shown_at)
    iv = np.diff(shown_at) if frames > 1 else np.array([wall])
    g = np.asarray(gaps) if gaps else np.array([wall])
    return {
        "in_flight": int(np.median(counts)) if counts else 0,
        "drawn": int(np.median(drawn)) if drawn else 0,
        "fps": float(frames / wall),
        "engine_steps_per_s": float(st["steps"] / wall),
        "gui_stall_ms_max": float(g.max() * 1e3),
        "gui_stall_ms_p99": float(np.percentile(g, 99) * 1e3),
        "gui_stalls_longest": [
            [round(float(gap_at[i]), 3), round(float(g[i] * 1e3), 1)] for i in np.argsort(g)[::-1][:5]
        ]
        if gaps
        else [],
        "frame_interval_p95_ms": float(np.percentile(iv, 95) * 1e3),
        "target_in_flight": int(n_target),
        "sampled": bool(drawn and drawn[-1] < counts[-1]),
        "body_s_per_s_wanted": speed,
        "body_s_per_s_reached": float(body_s / wall),
        "engine_ms_per_step": float(1e3 * st["step_wall_s"] / max(st["steps"], 1)),
        "ticks": int(controller.runner.ticks - ticks0),
        "ticks_without_new_state": int(st["busy_ticks"]),
        "body_view_paints": int(paints.n),
        "gui_wait_for_engine_ms_max": float(waited_s * 1e3),
        "seconds": float(wall),
        **busy,
    }


def run_live(quick: bool = False, counts=None, seconds: float | None = None) -> dict:
    app = _app()
    import numba
    from PySide6.QtCore import Qt

    from desktop.window import engine_thread, theme
    from desktop.window.controller import SimController
    from desktop.window.main_window import MainWindow

    counts = counts or (LIVE_QUICK_COUNTS if quick else LIVE_COUNTS)
    seconds = seconds or (1.0 if quick else 5.0)
    theme.load_fonts()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    # calibration: packets in flight per unit of shedding rate, after the same warm-up
    cal = warm_engine(_CAL_RATE, hours=4.0, capacity=1 << 16)
    per_packet = cal.cells.pool.n_used / _CAL_RATE
    controller = SimController(live_scenario(_CAL_RATE))
    win = MainWindow(controller, theme.sizes_for_height(SIZE[1]))
    win.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    win.resize(*SIZE)
    win.show()
    app.processEvents()
    from desktop.window.runners import heap_settled

    with heap_settled():  # as the window settles its heap once it is ready
        rows = [live_row(app, win, controller, n, seconds, per_packet) for n in counts]
    win.hide()
    return {
        "live": rows,
        "contended": any(bool(r["contended"]) for r in rows),
        "size": list(SIZE),
        "draw_cap": LIVE_DRAW_CAP,
        "engine_threads": engine_thread.ENGINE_THREADS,
        "threading_layer": _layer(),
        "cpus": os.cpu_count(),
        "numba_threads": int(numba.config.NUMBA_NUM_THREADS),
        "load_avg_1min": [load_before, os.getloadavg()[0] if hasattr(os, "getloadavg") else None],
        "quick": quick,
        "note": (
            "The real MainWindow (offscreen) on a real cell-resolution engine (the soak's 10-g "
            "primary, shedding set for the packet count, warmed up 4 body hours), at the default "
            "transit speed, played by the runner's own 60 Hz timer in Qt's event loop. Each tick "
            "publishes the frame the engine thread finished and hands it the next batch (it never "
            "waits for a step); Qt paints what the frame invalidated (body_view_paints). fps = new "
            "frames shown per second (at most the timer's 60); gui_stall_ms_max = the longest gap "
            "between firings of a 4 ms probe timer, i.e. the longest the GUI thread was busy in one "
            "go (plus up to 4 ms); engine_steps_per_s = engine steps the worker made per wall second (the speed "
            "needs 60 per second of 1/6 s each); body_s_per_s_reached against _wanted says whether "
            f"the engine kept up. Up to {LIVE_DRAW_CAP:,} packets all are drawn; above, a stable "
            "sample by packet id. cpu_other_cores / cpu_steal_cores: cores the rest of the machine "
            "kept busy while the row played (/proc/stat less this process); a row is contended "
            f"above {CONTENDED_OTHER_CORES} / {CONTENDED_STEAL_CORES} cores, and its figures are "
            "then the machine's, not the window's."
        ),
    }


def _layer() -> str:
    import numba

    try:
        return str(numba.threading_layer())
    except ValueError:
        return "not yet chosen"


def print_live(result: dict) -> None:
    print(
        f"Live window {result['size'][0]}x{result['size'][1]} offscreen, engine thread with "
        f"{result['engine_threads']} numba thread(s), layer {result['threading_layer']}"
    )
    print(
        f"{'in flight':>10} {'drawn':>8} {'fps':>7} {'gap p95':>7} {'stall ms':>9} {'steps/s':>8} "
        f"{'ms/step':>8} {'body s/s':>9}"
    )
    for r in result["live"]:
        print(
            f"{r['in_flight']:>10,} {r['drawn']:>8,} {r['fps']:>7.1f} {r['frame_interval_p95_ms']:>7.1f} "
            f"{r['gui_stall_ms_max']:>9.1f} {r['engine_steps_per_s']:>8.1f} {r['engine_ms_per_step']:>8.2f} "
            f"{r['body_s_per_s_reached']:>6.2f}/{r['body_s_per_s_wanted']:g}"
            + (f"  CONTENDED: {'; '.join(r['contention'])}" if r.get("contended") else "")
        )
    print(f"load average before/after: {result['load_avg_1min']}")
    if result.get("contended"):
        print("contended: another load shared the machine during a row; run again on a quiet machine")


def main_live(quick: bool = False, as_json: bool = False) -> int:
    result = run_live(quick)
    if as_json:
        print(json.dumps(result, indent=1))
    else:
        print_live(result)
    return 0
