"""Play, pause, step, speed and Reset All, through the playback bar a visitor uses."""

from PySide6.QtCore import Qt

from desktop.core.speeds import DEFAULT_SPEED, FAST_FORWARD, SPEEDS, STEP_FRAMES_PER_S
from sim_core import Engine
from tests.desktop.conftest import run_frames


def test_play_runs_and_pause_stops(qtbot, qapp, window, controller):
    bar = window.playback
    t0 = controller.engine.t_days
    with qtbot.waitSignal(controller.playing_changed) as sig:
        qtbot.mouseClick(bar.play, Qt.MouseButton.LeftButton)
    assert sig.args == [True] and controller.playing
    assert "Pause" in bar.play.text()
    qtbot.waitUntil(lambda: controller.runner.ticks >= 5, timeout=3000)
    assert controller.engine.t_days > t0
    qtbot.mouseClick(bar.play, Qt.MouseButton.LeftButton)
    assert not controller.playing and "Play" in bar.play.text()
    t1 = controller.engine.t_days
    qtbot.wait(100)
    qapp.processEvents()
    assert controller.engine.t_days == t1


def test_each_frame_advances_speed_times_wall_time(qapp, controller):
    controller.set_speed(DEFAULT_SPEED)
    t0 = controller.engine.t_days
    run_frames(qapp, controller, 30)
    body_s = (controller.engine.t_days - t0) * 86400
    assert abs(body_s - 30 / 60 * SPEEDS[DEFAULT_SPEED].body_s_per_s) < 1e-6


def test_step_advances_exactly_one_frame_and_pauses(qtbot, window, controller):
    controller.play()
    controller.set_speed(3)
    t0 = controller.engine.t_days
    qtbot.mouseClick(window.playback.step, Qt.MouseButton.LeftButton)
    assert not controller.playing
    assert abs((controller.engine.t_days - t0) * 86400 - SPEEDS[3].body_s_per_s / STEP_FRAMES_PER_S) < 1e-6


def test_speed_buttons_walk_the_ladder_and_fast_forward_jumps_to_the_end(qtbot, window, controller):
    bar = window.playback
    i = controller.speed_index
    qtbot.mouseClick(bar.faster, Qt.MouseButton.LeftButton)
    assert controller.speed_index == i + 1
    qtbot.mouseClick(bar.slower, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.slower, Qt.MouseButton.LeftButton)
    assert controller.speed_index == i - 1
    qtbot.mouseClick(bar.ff, Qt.MouseButton.LeftButton)
    assert controller.speed_index == FAST_FORWARD and controller.playing
    assert SPEEDS[FAST_FORWARD].growth
    assert "Growth time scale" in window.top.scale.text()


def test_clock_names_the_time_scale(qapp, window, controller):
    controller.set_speed(0)
    controller.step_once()
    assert "Transit time scale" in window.top.scale.text()
    assert ":" in window.top.clock.text()  # hh:mm:ss at transit scale
    controller.set_speed(FAST_FORWARD)
    controller.step_once()
    assert "Growth time scale" in window.top.scale.text()
    assert ":" not in window.top.clock.text()


def test_growth_clock_counts_years_as_people_do():
    """A run 635 days old is in its second year: 'Year 2', not 'Year 1' (which read as the first)."""
    from desktop.core.speeds import clock_text

    assert clock_text(100.5, True) == "Day 100"
    assert clock_text(364.9, True) == "Day 364"
    assert clock_text(635.0, True) == "Year 2, day 269"
    assert clock_text(3 * 365.25 + 10.0, True) == "Year 4, day 10"


def _state(engine):
    s = engine.snapshot()
    return (
        s.t_days,
        s.step,
        s.counters.tolist(),
        s.packet_id.tolist(),
        s.packet_cells.tolist(),
        s.lesion_id.tolist(),
        s.primary_cells,
        s.dormant_cells.tolist(),
    )


def test_reset_all_restores_the_initial_state(qtbot, qapp, window, controller):
    from desktop.window.controller import resolution_for

    # the window runs the default speed at its resolution (cells): the fresh run does too
    fresh = Engine(controller.scenario, resolution=resolution_for(SPEEDS[DEFAULT_SPEED]))
    initial = _state(fresh)
    defaults = {p: controller.params[p] for p in window.params.rows}
    controller.play()
    controller.release_cluster()
    run_frames(qapp, controller, 40)
    controller.set_speed(FAST_FORWARD)
    run_frames(qapp, controller, 40)
    window.params.rows["transit.attrition"].nudge(+1)
    assert controller.params["transit.attrition"] != defaults["transit.attrition"]
    assert controller.engine.t_days > 10
    qtbot.mouseClick(window.playback.reset, Qt.MouseButton.LeftButton)
    assert _state(controller.engine) == initial
    assert controller.speed_index == DEFAULT_SPEED
    for path, v in defaults.items():
        assert controller.params[path] == v
        assert window.params.rows[path].value == v
    assert not controller.follow.active and window.body.packets.follow_pid == -1
    # and the rerun is the same run: same seed, same steps, same result
    controller.pause()
    run_frames(qapp, controller, 20)
    for _ in range(20):
        fresh.step(SPEEDS[DEFAULT_SPEED].body_s_per_s / 60)
    assert _state(controller.engine) == _state(fresh)


def test_a_run_does_not_depend_on_the_frame_rate(qapp):
    from desktop.window.controller import SimController

    a, b = SimController("breast"), SimController("breast")
    for c in (a, b):
        c.set_speed(FAST_FORWARD)
    for _ in range(60):
        a.runner.tick(1 / 60)
    for _ in range(20):
        b.runner.tick(1 / 20)
    assert _state(a.engine) == _state(b.engine)
    assert a.engine.t_days > 300
