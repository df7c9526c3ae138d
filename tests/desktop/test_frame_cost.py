"""What keeps a frame cheap, checked as behaviour (speed itself is measured by ``seedsoil
--bench-render --live`` and the soak's attract figure, never asserted here): the body art and the
vessels are drawn into Qt's device cache once and only again on a resize; a frame repaints only
the parts of the map its dots left or reached, and the picture built from such partial repaints is
the same as a full one; nothing is repainted when nothing moved; the window's packet cap draws every
packet up to it and a stable sample above; the runner's timer is paced to what moves on the map;
and the soak reports the attract loop's CPU from the process's CPU time."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtGui import QImage, QPainter, QRegion
from PySide6.QtWidgets import QWidget

from desktop.tools import bench_render
from desktop.window import runners
from desktop.window.views import body_view, packet_item

SIZE = (1280, 800)


class _Regions(QObject):
    """Records the region of every Paint event ``widget`` receives."""

    def __init__(self, widget):
        super().__init__(widget)
        self.regions: list[QRegion] = []
        widget.installEventFilter(self)

    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint:
            self.regions.append(QRegion(ev.region()))
        return False


def _area(region: QRegion) -> int:
    return sum(r.width() * r.height() for r in region)


@pytest.fixture
def view(qapp):
    from sim_core import default_graph

    g = default_graph()
    v = bench_render.build_view(g, size=SIZE, budget=packet_item.MAX_PACKETS)
    qapp.processEvents()
    yield v
    v.hide()


def _frames(view, n: int):
    return bench_render._frames(view.graph, bench_render.MovingPackets(view.graph, n), "primary:breast")


def _render(widget) -> QImage:
    img = QImage(widget.size(), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    p = QPainter(img)
    QWidget.render(widget, p, QPoint())
    p.end()
    return img


def test_body_art_and_vessels_are_rendered_again_on_resize_but_not_on_a_frame(qapp, view):
    frames = _frames(view, 3000)
    view.show_frame(frames[0])
    view.viewport().repaint()
    art, vessels = view.art.item.render_count, view.vessels.render_count
    assert art >= 1 and vessels >= 1
    for f in frames[1:12]:
        view.show_frame(f)
        view.viewport().repaint()
    assert view.packets.paint_count >= 12  # the packets were drawn every frame ...
    assert (view.art.item.render_count, view.vessels.render_count) == (art, vessels)  # ... the art was not
    view.resize(SIZE[0] - 200, SIZE[1] - 100)
    qapp.processEvents()
    view.viewport().repaint()
    assert view.art.item.render_count > art and view.vessels.render_count > vessels


def test_a_few_moving_dots_repaint_a_few_small_boxes_and_the_picture_matches_a_full_one(qapp, view):
    frames = _frames(view, 6)
    view.show_frame(frames[0])
    qapp.processEvents()  # (the first frame after the set-up paints it all)
    regions = _Regions(view.viewport())
    acc = _render(view.viewport())  # the screen as built from partial repaints ...
    for f in frames[1:16]:
        regions.regions.clear()
        view.show_frame(f)
        qapp.processEvents()
        assert regions.regions, "a frame whose dots moved must be repainted"
        dirty = QRegion()
        for r in regions.regions:
            dirty = dirty.united(r)
        # six dots of a few pixels each: far less than a tenth of the map
        assert 0 < _area(dirty) < 0.1 * view.viewport().width() * view.viewport().height()
        p = QPainter(acc)
        QWidget.render(view.viewport(), p, dirty.boundingRect().topLeft(), dirty)  # (drawn in place)
        p.end()
    full = _render(view.viewport())  # ... equals the map drawn whole: nothing left behind
    assert acc == full


def test_nothing_is_repainted_when_nothing_moved(qapp, view):
    f = _frames(view, 6)[0]
    view.show_frame(f)
    qapp.processEvents()
    regions = _Regions(view.viewport())
    before = view.packets.unchanged_frames
    view.show_frame(f)  # the same frame again (a paused or calm map)
    qapp.processEvents()
    assert view.packets.unchanged_frames == before + 1
    assert regions.regions == []


def test_the_window_draws_every_packet_up_to_its_cap_and_a_stable_sample_above(qapp, view):
    cap = packet_item.MAX_PACKETS
    assert cap >= 100_000
    pk = view.packets
    assert pk.max_packets == cap
    below = _frames(view, 100_000)[0]
    view.show_frame(below)
    assert pk.shown == pk.total == 100_000 and not pk.sampled
    above = _frames(view, 2 * cap)
    view.show_frame(above[0])
    # a share of them by a hash of the id (at most cap / total, so about the cap or fewer)
    assert pk.sampled and cap // 2 <= pk.shown <= 1.01 * cap < pk.total
    drawn = set(pk.sprites()["key"][pk.sprites()["key"] >= 0].tolist())
    view.show_frame(above[1])  # the packets moved: the same ones are drawn
    assert set(pk.sprites()["key"][pk.sprites()["key"] >= 0].tolist()) == drawn
    assert "stable sample" in view.legend.sample_text()


def test_draw_order_is_the_stable_order_by_cluster_size():
    rng = np.random.default_rng(3)
    nclu = rng.choice([-1, 0, 0, 0, 2, 5, 40_000, -3], 5000).astype(np.int64)
    keep = np.flatnonzero(rng.random(5000) < 0.4)
    for k in (None, keep):
        sub = nclu if k is None else nclu[k]
        ref = np.argsort(np.clip(sub, -1, 32767).astype(np.int16), kind="stable")
        if k is not None:
            ref = k[ref]
        assert np.array_equal(packet_item.draw_order(nclu, k), ref)


def test_frames_are_paced_to_what_moves(qapp, view):
    frames = _frames(view, 6)
    # nothing in transit: nothing to keep smooth
    view.show_frame(_frames(view, 0)[0])
    view.show_frame(_frames(view, 0)[1])
    assert view.frame_interval_s() == float("inf")
    # a few dots: the faster they cross the screen, the closer the frames
    view._motion = None
    view.show_frame(frames[0])
    view.viewport().repaint()  # (the zoom the dots are seen at)
    view._motion = (view._motion[0] - 1.0,) + view._motion[1:]  # one second since that frame
    view.show_frame(frames[1])
    slow = view.frame_interval_s()
    view._motion = (view._motion[0] - 0.05,) + view._motion[1:]  # the next move in 1/20 s
    view.show_frame(frames[2])
    fast = view.frame_interval_s()
    assert 0 < fast < slow
    assert slow > 1 / 30  # a slow drift needs no 60 frames a second
    # so many dots that some always move: every frame
    view.show_frame(_frames(view, body_view.PACE_TRACK_MAX + 1)[0])
    assert view.frame_interval_s() == 0.0
    # calm (the kiosk's attract loop, nobody watching): never more than 24 frames a second, and a
    # moving dot drawn each time it has moved twice as far
    view.calm = True
    assert view.frame_interval_s() == body_view.PACE_CALM_MIN_S
    view.calm = False
    view._motion = None
    view.show_frame(frames[0])
    view._motion = (view._motion[0] - 1.0,) + view._motion[1:]
    view.show_frame(frames[1])
    view.packets.effects.clear()  # (no fades: the dots' motion alone)
    view.lesions.effects.clear()
    full = view.frame_interval_s()
    view.calm = True
    calm = view.frame_interval_s()
    view.calm = False
    assert calm == pytest.approx(
        max(full * body_view.PACE_CALM_STEP_PX / body_view.PACE_STEP_PX, body_view.PACE_CALM_MIN_S), rel=1e-12
    )


def test_the_runner_timer_follows_the_pacer(qapp):
    r = runners.TickRunner(lambda body_s, budget: body_s, lambda: None)
    wait = {"s": 1.0}
    r.pacer = lambda: wait["s"]
    r.start()
    assert r.interval_ms == runners.FRAME_MS  # a run starts at full rate
    r._on_timer_timeout()
    assert r.interval_ms == runners.SLOWEST_FRAME_MS  # little moves: the slowest rate, no slower
    wait["s"] = float("inf")
    r._on_timer_timeout()
    assert r.interval_ms == runners.SLOWEST_FRAME_MS
    wait["s"] = 0.0
    r._on_timer_timeout()
    assert r.interval_ms == runners.FRAME_MS  # much moves: every frame
    wait["s"] = 0.04
    r._on_timer_timeout()
    assert r.interval_ms == 40
    r.stop()
    r.start()
    assert r.interval_ms == runners.FRAME_MS


def test_the_soak_reports_the_attract_loops_cpu_from_process_time(qapp, monkeypatch):
    from desktop import app as desktop_app
    from desktop.kiosk.config import load_kiosk_config
    from desktop.tools import soak

    args = desktop_app.parse_args(["--soak", "--minutes", "0.1"])
    args.kiosk_cfg = load_kiosk_config()
    cpu = iter([100.0, 101.5])  # 1.5 s of CPU over the measured window
    real = soak.time.process_time
    calls = []

    def fake_process_time():
        calls.append(1)
        return next(cpu, None) or real()

    monkeypatch.setattr(soak, "ATTRACT_CPU_WARMUP_S", 0.2)
    monkeypatch.setattr(soak.time, "process_time", fake_process_time)
    r = soak.attract_cpu(qapp, args, 1.0)
    monkeypatch.setattr(soak.time, "process_time", real)
    assert len(calls) >= 2
    assert r["attract_size"] == [1920, 1080]
    assert r["attract_wall_s"] >= 0.99
    assert r["attract_cpu_s"] == 1.5
    assert r["attract_cpu_pct_of_one_core"] == pytest.approx(100 * 1.5 / r["attract_wall_s"], rel=0.01)  # (rounded)
    assert r["attract_frames_per_s"] >= 0 and r["attract_story_steps"][0] >= 0
    text = soak._summary({**_fake_report(), **r, "attract_cpu_target_pct": 25.0, "attract_load_avg_1min": [0.1, 0.2]})
    assert "attract loop at 1920x1080" in text and "% of one core" in text


def _fake_report() -> dict:
    return {
        "pass": True,
        "wall_s": 1.0,
        "size": [1024, 700],
        "frames": 1,
        "frames_per_s": 1.0,
        "body_view_paints": 1,
        "full_window_paints": 0,
        "idle_resets": 0,
        "slider_events": 0,
        "language_toggles": 0,
        "quiz_visits": 0,
        "exceptions": 0,
        "qt_warnings": 0,
        "checks": {},
        "rss_mb": {
            "start": 1,
            "after_warmup": 1,
            "end": 1,
            "growth_after_warmup_pct": 0.0,
            "early_median": 1,
            "late_median": 1,
        },
        "objects": {"after_warmup": {}, "end": {}},
    }


def test_the_legend_count_line_is_repainted_at_most_four_times_a_second(qapp, qtbot):
    """A count that changes every frame is shown, a quarter second late at most, without asking
    for a repaint (of the legend and the map under it) every frame."""
    from desktop.window import theme
    from desktop.window.views import legend as legend_mod

    leg = legend_mod.LegendWidget(theme.sizes_for_height(1080))
    asked = []
    leg._repaint_line = (lambda real: lambda: (asked.append(1), real()))(leg._repaint_line)
    leg._line_timer.timeout.disconnect()
    leg._line_timer.timeout.connect(leg._repaint_line)
    for i in range(30):  # 30 frames at 60 a second
        leg.set_sample(1000 + i, 1000 + i, False)
        qtbot.wait(16)
    qtbot.waitUntil(lambda: not leg._line_timer.isActive(), timeout=1000)
    print(f"{len(asked)} repaints of the line for 30 counts in {30 * 16} ms")
    assert 2 <= len(asked) <= 4
    assert "1,029" in leg.sample_text()


def test_the_heap_is_frozen_for_a_measurement_and_unfrozen_after():
    """``runners.heap_settled``: what lives when a measurement starts is out of the cyclic
    collector's reach while it runs (no full collection walks the program), and back after."""
    import gc

    assert gc.get_freeze_count() == 0
    with runners.heap_settled():
        assert gc.get_freeze_count() > 1000
    assert gc.get_freeze_count() == 0
