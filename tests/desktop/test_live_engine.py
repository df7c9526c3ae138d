"""The window's engine: cell resolution at transit speeds, pooled packets at growth speeds (every
cell kept across a switch), steps on the engine thread without the GUI waiting, and the same numbers
whatever the frame timing (the run receipt replays it)."""

import dataclasses
import time

import numpy as np
import pytest

from desktop.core import i18n
from desktop.core.speeds import DEFAULT_SPEED, FIRST_GROWTH, SPEEDS
from desktop.window.controller import ADVANCE_CHUNK_DAYS, SimController, resolution_for
from sim_core import load_scenario
from sim_core.io.receipt import make_receipt, parse_receipt, replay_receipt
from sim_core.tools.soak import soak_scenario


def busy_scenario(rate=4.4e5):
    """The soak scenario shedding ``rate`` cells per g per day at the reference size; its 10-g
    primary sheds 0.46x that per gram (shedding.size_exponent), so the default is ~23 cells a second."""
    sc = soak_scenario()
    sc.params.set("shedding.rate_per_g_day", rate)
    return sc


def in_transit(c: SimController) -> int:
    return c.engine.alive_in_transit()


def test_resolution_follows_the_clock_and_every_cell_is_kept(qapp):
    assert [resolution_for(s) for s in SPEEDS] == ["cells"] * FIRST_GROWTH + ["packets"] * (len(SPEEDS) - FIRST_GROWTH)
    c = SimController(busy_scenario())
    assert c.speed_index == DEFAULT_SPEED and c.resolution == "cells"
    c.set_speed(speed_index := SPEEDS.index(next(s for s in SPEEDS if s.label == "10 min")))
    assert c.resolution == "cells"
    for _ in range(12):
        c.runner.tick(1 / 60)  # 12 x 10 s of body time
    c.advance_days(0.1)
    totals = []
    for index in (FIRST_GROWTH, speed_index, FAST_FORWARD_INDEX, DEFAULT_SPEED):
        before, acc = in_transit(c), c.engine.accounting()
        c.set_speed(index)
        assert c.resolution == resolution_for(SPEEDS[index])
        assert in_transit(c) == before
        assert c.engine.accounting() == acc
        totals.append(before)
        for _ in range(5):
            c.runner.tick(1 / 60)
        acc = c.engine.accounting()
        assert abs(acc["came"] - acc["alive"] - acc["dead"]) <= 1e-9 * acc["came"]
    print("cells in transit at each switch:", totals)
    assert totals[0] > 10_000 and totals[1] > 0  # (pooled year-long steps can leave none in transit)


FAST_FORWARD_INDEX = len(SPEEDS) - 1


def test_a_switch_is_not_drawn_as_deaths(qapp):
    c = SimController("breast")
    c.set_speed(FIRST_GROWTH)  # pooled
    c.engine.inject(c.primary_vein(), 500)  # one pooled packet of 500 single cells
    f0 = c.publish()
    assert f0.snap.packet_id.shape[0] == 1 and f0.snap.packet_cells[0] == 500
    c.set_speed(DEFAULT_SPEED)  # cells: one packet per cell
    f1 = c.publish()
    assert f1.snap.packet_id.shape[0] == 500 and f1.snap.packet_cells.sum() == 500
    assert np.isin(f0.snap.packet_id, f1.snap.packet_id).all()  # the packet's id lives on
    assert f1.deaths.xy.shape[0] == 0
    # and the differ's guard itself: packets that vanish across a switch are not read as deaths
    from desktop.core.frames import FrameDiffer, Pools

    d = FrameDiffer(c.graph, c.scenario.primary)
    eng = c.engine
    pools = Pools.from_engine(eng.pools)
    mid = dataclasses.replace(f1.snap, packet_xy=np.full_like(f1.snap.packet_xy, -1000.0))  # away from organs
    d.diff(mid, pools, eng.params)
    gone = dataclasses.replace(
        f1.snap,
        t_days=f1.snap.t_days + 1 / 86400,
        packet_id=f1.snap.packet_id[:0],
        packet_xy=f1.snap.packet_xy[:0],
        packet_cells=f1.snap.packet_cells[:0],
        packet_nclu=f1.snap.packet_nclu[:0],
        packet_kind=f1.snap.packet_kind[:0],
        packet_vessel=f1.snap.packet_vessel[:0],
        packet_frac=f1.snap.packet_frac[:0],
    )
    assert d.diff(gone, pools, eng.params).deaths.xy.shape[0] > 0  # without the guard: 'deaths'
    d.diff(mid, pools, eng.params)
    d.forget_packets()
    assert d.diff(gone, pools, eng.params).deaths.xy.shape[0] == 0


def test_playing_steps_on_the_engine_thread_and_the_gui_never_waits(qtbot, qapp):
    c = SimController(busy_scenario(5e4))
    t0 = c.clock_days()
    c.play()
    qtbot.waitUntil(lambda: c.runner.ticks >= 20 and c.batch_stats["batches"] >= 5, timeout=20000)
    stats = dict(c.batch_stats)
    assert stats["wait_s_max"] == 0.0  # no tick waited for a step
    assert c.worker.batches >= 5 and stats["steps"] > 0
    assert c.last_frame is not None and c.last_frame.t_days > t0
    c.pause()  # ends the batch in flight, then stops
    t1 = c.engine.t_days
    qtbot.wait(100)
    assert c.engine.t_days == t1 and not c.worker.busy


def test_a_slider_moved_while_a_batch_runs_is_applied_between_steps_and_replays(qtbot, qapp):
    """Irregular frame timing, a parameter posted while the worker steps, resolution switches:
    the receipt's step lengths and changes reproduce the run exactly."""
    c = SimController(busy_scenario(5e4))
    c.runner.manual = True
    c.runner.start()
    posted = False
    dts = [1 / 60, 1 / 30, 1 / 144, 1 / 20, 1 / 60] * 6
    for i, dt in enumerate(dts):
        c._async_tick(dt)
        if i == 7 and c.worker.busy:
            c.set_parameter("transit.attrition", 2.5)
            posted = c.worker.busy
            assert c.params["transit.attrition"] == 2.5  # seen at once through the controller
        if i == 15:
            c.set_speed(FIRST_GROWTH)  # pooled from the next step
        if i == 22:
            c.set_speed(DEFAULT_SPEED)  # and back to cells
        c.worker.wait_idle()
    c.runner.stop()
    eng = c.engine
    assert eng.params["transit.attrition"] == 2.5
    hist = [e[0] for e in eng.history]
    assert "set" in hist and hist.count("resolution") == 2
    print("posted while stepping:", posted, "history:", eng.history[:12])
    again = replay_receipt(parse_receipt(make_receipt(eng)))
    assert np.array_equal(eng.counters, again.counters)
    a, b = eng.snapshot(), again.snapshot()
    assert a.packet_id.tolist() == b.packet_id.tolist() and a.packet_cells.tolist() == b.packet_cells.tolist()
    assert again.resolution == eng.resolution == "cells"


def test_same_steps_same_numbers_whatever_the_frame_timing(qapp):
    """Synchronous ticks at 60 Hz and threaded ticks at uneven intervals pay the same fixed steps."""
    a, b = SimController(busy_scenario(5e4)), SimController(busy_scenario(5e4))
    for _ in range(30):
        a.runner.tick(1 / 60)
    b.runner.manual = True
    b.runner.start()
    for dt in [1 / 60] * 10 + [1 / 30] * 5 + [1 / 120] * 20:
        b._async_tick(dt)
        b.worker.wait_idle()
    b.runner.stop()
    assert a.engine.step_index == b.engine.step_index == 30
    assert np.array_equal(a.engine.counters, b.engine.counters)
    assert a.engine.snapshot().packet_id.tolist() == b.engine.snapshot().packet_id.tolist()


def sparse_breast():
    """The breast preset at day 0 (a 2.7-mm tumour) shedding 2e4 cells per g per day at the
    reference size, a 37th of the fitted rate: about 40 cells an hour, too few to watch."""
    sc = load_scenario("breast")
    sc.params.set("shedding.rate_per_g_day", 2e4)
    return sc


def test_sparse_shedding_is_said_not_hidden(qapp):
    c = SimController(sparse_breast())
    c.publish()
    note = c.sparse_note()
    assert note is not None and "sparse" in note
    per_h = c.last_frame.extra["shed_per_body_s"] * 3600
    print("cells shed an hour", per_h)
    assert 10 < per_h < 1000
    i18n.set_language("es")
    try:
        es = c.sparse_note()
        assert es is not None and "pocas" in es and "every" not in es
    finally:
        i18n.set_language("en")
    c.set_speed(FIRST_GROWTH)
    assert c.sparse_note() is None  # growth scale: not the point there
    busy = SimController(busy_scenario(1e7))
    busy.publish()
    assert busy.sparse_note() is None  # plenty to watch


@pytest.mark.parametrize("speed", [DEFAULT_SPEED])
def test_the_sparse_note_is_captioned_when_play_starts(qapp, speed):
    c = SimController(sparse_breast())
    c.publish()
    said = []
    c.caption_changed.connect(lambda cap: said.append(cap.text))
    c.set_speed(speed)
    c.play()
    c.pause()
    assert any("sparse" in t for t in said)


def test_with_numbas_workqueue_layer_the_window_steps_on_the_gui_thread():
    """workqueue aborts when two threads launch parallel kernels at once, so no engine thread then."""
    import os
    import subprocess
    import sys

    code = (
        "from desktop.window.controller import SimController\n"
        "c = SimController('breast')\n"
        "print(c.runner.async_tick is None)\n"
    )
    out = {}
    for layer in ("workqueue", "omp"):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NUMBA_THREADING_LAYER=layer)
        p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr[-1500:]
        out[layer] = p.stdout.split()[-1]
    assert out == {"workqueue": "True", "omp": "False"}


def test_dense_shedding_stays_pooled_at_transit_speeds_and_says_so(qapp, monkeypatch):
    """Late in a run the tumours can shed millions of cells a second (colorectal at day 2000:
    1.9 million, which filled the 16.7-million cell pool within a minute of body time): the window
    then keeps pooled packets at transit speeds, says so, and keeps every cell."""
    import desktop.window.controller as ctl

    monkeypatch.setattr(ctl, "CELLS_MAX_IN_FLIGHT", 3_000)
    c = SimController(busy_scenario(1e7))  # ~530 cells a second: 32,000 a minute, over the cap
    c.set_speed(FIRST_GROWTH)
    c.publish()
    said = []
    c.caption_changed.connect(lambda cap: said.append(cap.text))
    c.set_speed(DEFAULT_SPEED)
    assert c.resolution == "packets"
    note = c.dense_note()
    assert note is not None and "too many to draw one by one" in note
    assert any("too many to draw one by one" in t for t in said)
    # moderate shedding: cells first, then pooled once more than the cap are in flight
    m = SimController(busy_scenario())  # ~23 cells a second
    m.set_speed(ten_min := SPEEDS.index(next(s for s in SPEEDS if s.label == "10 min")))
    assert m.resolution == "cells" and m.dense_note() is None
    seen = []
    for _ in range(40):
        acc = m.engine.accounting()
        m.runner.tick(1 / 60)
        seen.append((m.resolution, m.last_frame.snap.packet_id.shape[0]))
        if m.resolution == "packets":
            break
    print("resolution and packets per frame:", seen[-3:])
    assert m.resolution == "packets" and max(n for r, n in seen if r == "cells") > 3_000
    acc = m.engine.accounting()
    assert abs(acc["came"] - acc["alive"] - acc["dead"]) <= 1e-9 * acc["came"]
    assert m.dense_note() is not None
    m.set_speed(FIRST_GROWTH)
    assert m.dense_note() is None  # growth speeds are pooled anyway: nothing to say
    assert ten_min != DEFAULT_SPEED


def test_a_run_ends_on_the_day_the_tumour_burden_kills(qapp):
    """A run does not go on past the patient's death (colorectal reached 8.4 million lesions and
    4.7 kg of tumour by day 2000, and the window ground to a frame a second): it stops on that day,
    says so with the share of the burden that is metastases, and play does not restart it."""
    sc = load_scenario("colorectal")
    sc.params.set("patient.lethal_cells", 3e10)  # 30 g: reached in a few years
    c = SimController(sc)
    said = []
    c.caption_changed.connect(lambda cap: said.append(cap.text))
    c.advance_days(3000)
    eng = c.engine
    assert eng.death_day is not None and eng.t_days < 3000
    assert eng.t_days - eng.death_day < 1.0 + ADVANCE_CHUNK_DAYS  # stopped within a chunk
    assert eng.burden() >= 3e10 and eng.death_day > 365
    assert any("a burden that kills" in t for t in said)
    print(said[-1])
    t, steps = eng.t_days, eng.step_index
    c.play()
    assert not c.playing
    c.runner.tick(1 / 60)  # a tick by hand steps nothing either
    assert (c.engine.t_days, c.engine.step_index) == (t, steps)
    c.reset_all()
    assert c.engine.death_day is None and c.engine.t_days == 0


def test_finished_batches_are_shown_no_faster_than_the_paced_timer(qtbot, qapp, monkeypatch):
    """The worker's finished batch is published at once only while the timer runs at full rate:
    when the pacer has slowed the timer (little moves), frames follow the timer, not the engine.
    Each batch here takes 25 ms (a heavy growth-speed batch), longer than a 60-Hz frame, so a
    finished batch would be shown at once, at the engine's pace, if the pacer were ignored."""
    import desktop.window.controller as ctl

    slow_pay = ctl.pay_debt

    def pay_debt(*a, **k):
        time.sleep(0.025)
        return slow_pay(*a, **k)

    monkeypatch.setattr(ctl, "pay_debt", pay_debt)
    c = SimController(busy_scenario(5e4))
    shown = []
    c.snapshot_ready.connect(lambda f: shown.append(time.perf_counter()))
    c.runner.pacer = lambda: 0.08  # 80 ms: what a calm map asks for
    c.play()
    qtbot.waitUntil(lambda: len(shown) >= 14, timeout=20000)
    c.pause()
    gaps = np.diff(shown[2:])  # (the first tick runs at full rate)
    print("frame gaps (ms):", np.round(1e3 * gaps, 1))
    assert c.runner.interval_ms == 80
    assert c.batch_stats["batches"] >= 10
    assert np.median(gaps) > 0.06  # 60 frames a second would be 0.017
    # and unpaced, finished batches are still shown at once (at most 60 a second)
    shown.clear()
    c.runner.pacer = None
    c.play()
    qtbot.waitUntil(lambda: len(shown) >= 14, timeout=20000)
    c.pause()
    assert np.median(np.diff(shown[2:])) < 0.06
