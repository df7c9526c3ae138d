"""Sliders are generated from sim_core's parameter metadata and change the engine mid-run, by
keyboard, by the − / + buttons and by dragging; each has an accessible name and value text."""

import pytest
from PySide6.QtCore import QPoint, Qt

from desktop.window.panels.parameter_panel import STEPS, TREATMENT_TAB, ScaleMap, value_text
from sim_core import BY_PATH, SLIDERS
from tests.desktop.conftest import run_frames


def test_one_row_per_slider_path_built_from_the_spec(window):
    rows = window.params.rows
    assert list(rows) == list(SLIDERS)
    for path, row in rows.items():
        spec = BY_PATH[path]
        assert row.spec is spec
        assert row.slider.accessibleName().lower() == spec.title.lower()
        assert value_text(spec, row.value) in row.slider.accessibleDescription()
        assert row.minus.accessibleName() and row.plus.accessibleName()
        assert spec.doc in row.slider.toolTip()


@pytest.mark.parametrize("path", [p for p in SLIDERS if BY_PATH[p].log])
def test_log_sliders_map_positions_logarithmically(path):
    m = ScaleMap(BY_PATH[path])
    spec = BY_PATH[path]
    assert m.value(STEPS) == pytest.approx(spec.hi, rel=1e-2)
    mid = m.value(STEPS // 2)
    lo = m.value(1) if spec.lo <= 0 else spec.lo
    assert mid == pytest.approx((lo * spec.hi) ** 0.5, rel=0.05)
    for v in (spec.default, spec.hi):
        assert m.value(m.position(v)) == pytest.approx(v, rel=0.02)


def _mid_run(qapp, controller, frames=10):
    controller.play()
    run_frames(qapp, controller, frames)
    assert controller.engine.t_days > 0


@pytest.mark.parametrize("path", SLIDERS)
def test_each_slider_changes_the_engine_mid_run(qtbot, qapp, window, controller, path):
    row = window.params.rows[path]
    _mid_run(qapp, controller)
    before = controller.params[path]
    row.slider.setFocus()
    key = Qt.Key.Key_Left if row.slider.value() >= STEPS - 10 else Qt.Key.Key_Right
    with qtbot.waitSignal(controller.parameter_changed, timeout=1000):
        qtbot.keyClick(row.slider, key)
    after_key = controller.params[path]
    assert after_key != before
    assert row.value == after_key
    assert value_text(BY_PATH[path], after_key) == row.value_label.text()
    assert value_text(BY_PATH[path], after_key) in row.slider.accessibleDescription()
    button = row.minus if key == Qt.Key.Key_Left else row.plus
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    after_button = controller.params[path]
    assert after_button != after_key
    t = controller.engine.t_days
    run_frames(qapp, controller, 3)  # the run goes on with the new value
    assert controller.engine.t_days > t and controller.params[path] == after_button


def test_dragging_a_slider_sets_the_engine_value(qtbot, qapp, window, controller):
    row = window.params.rows["transit.attrition"]
    _mid_run(qapp, controller)
    row.slider.setValue(STEPS // 2)  # what a drag ends with
    assert controller.params["transit.attrition"] == pytest.approx(5.0)


def test_anti_angiogenic_switch_starts_treatment_now_and_shows_resistance(qtbot, qapp, window, controller):
    controller.set_speed(7)
    _mid_run(qapp, controller, 60)
    t_on = controller.engine.t_days
    tabs = window.params.tabs  # the switch is on the "Treatment" tab
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(TREATMENT_TAB).center())
    box = window.params.treatment
    assert box.isVisible()
    on_box = QPoint(8, box.height() // 2)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=on_box)
    assert box.isChecked()
    assert controller.params["antiangio.strength"] > 0
    assert controller.params["antiangio.start_day"] == pytest.approx(t_on)
    assert window.params.rows["antiangio.strength"].value == controller.params["antiangio.strength"]
    assert controller.engine.antiangio_multiplier(controller.engine.t_days) == pytest.approx(0.57)
    run_frames(qapp, controller, 120)
    controller.pause()
    days, effect = controller.last_frame.extra["antiangio_curve"]
    print("treatment effect on growth over its first days:", effect[0], "->", effect[-1])
    assert effect[0] == pytest.approx(43.0)  # the trials' hazard ratio 0.57 at full dose
    assert effect[-1] < 0.7 * effect[0]  # drug-adapted cells take over: the effect fades
    assert "Effect now" in window.params.effect.text()
    assert window.params.curve.isVisible()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=on_box)
    assert controller.params["antiangio.strength"] == 0.0


def test_an_invalid_value_is_refused_and_reported(qtbot, controller):
    before = controller.params["transit.attrition"]
    with qtbot.waitSignal(controller.error_occurred):
        assert not controller.set_parameter("transit.attrition", -3.0)
    assert controller.params["transit.attrition"] == before
