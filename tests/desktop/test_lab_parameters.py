"""The Lab's exact-parameter dock: every parameter of sim_core.SPECS, grouped, with unit, range,
default, source and reset; an edit changes the engine through the controller, an out-of-range edit
is refused in one line with the value kept, and sliders keep it in sync."""

import pytest
from PySide6.QtCore import Qt

from sim_core import BY_PATH, SPECS
from tests.desktop.conftest import run_frames, shown_window


@pytest.fixture
def lab_window(qtbot, controller, sizes):
    from desktop.lab import install_lab

    yield from shown_window(qtbot, controller, sizes, install_lab)


def _type(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_every_parameter_has_a_row_with_unit_range_default_and_source(lab_window):
    panel = lab_window.lab.params
    assert list(panel.rows) == [s.path for s in SPECS]
    titles = {b.title() for b in panel.findChildren(__import__("PySide6.QtWidgets").QtWidgets.QGroupBox)}
    assert titles == {s.path.split(".")[0] for s in SPECS}
    for spec in SPECS:
        row = panel.rows[spec.path]
        assert row.unit.text() == spec.unit
        assert row.range.text() == f"{spec.lo:g} – {spec.hi:g}" and row.default.text() == f"{spec.default:g}"
        assert spec.source in row.name.toolTip() and spec.doc in row.edit.toolTip()
        assert float(row.edit.text()) == lab_window.controller.params[spec.path]


def test_menu_opens_the_dock(lab_window):
    lab = lab_window.lab
    assert not lab.dock.isVisible()
    lab.actions["parameters"].trigger()
    assert lab.dock.isVisible() and lab.dock.widget() is lab.params
    assert [a.text() for a in lab_window.menuBar().actions()] == ["Lab"]


def test_exact_edit_changes_the_engine_mid_run(qtbot, qapp, lab_window, controller):
    lab = lab_window.lab
    lab.dock.show()
    controller.play()
    run_frames(qapp, controller, 5)
    row = lab.params.rows["bed.kill_liver_per_h"]
    with qtbot.waitSignal(controller.parameter_changed, timeout=1000):
        _type(qtbot, row.edit, "0.0031415")
    assert controller.engine.params["bed.kill_liver_per_h"] == 0.0031415
    assert row.edit.text() == "0.0031415" and row.reset.isEnabled()
    _type(qtbot, lab.params.rows["primary.max_cells"].edit, "2.5e12")
    assert controller.engine.params["primary.max_cells"] == 2.5e12
    qtbot.mouseClick(row.reset, Qt.MouseButton.LeftButton)
    assert controller.engine.params["bed.kill_liver_per_h"] == BY_PATH["bed.kill_liver_per_h"].default
    assert not row.reset.isEnabled()


@pytest.mark.parametrize(
    "text, why",
    [("11", "outside [0, 10]"), ("-1", "outside"), ("lots", "not a number"), ("nan", "finite"), ("inf", "finite")],
)
def test_out_of_range_or_junk_is_refused_and_the_value_kept(qtbot, lab_window, controller, text, why):
    lab = lab_window.lab
    lab.dock.show()
    row = lab.params.rows["transit.attrition"]
    before = controller.engine.params["transit.attrition"]
    edits = []
    controller.parameter_changed.connect(lambda p, v: edits.append(p))
    _type(qtbot, row.edit, text)
    assert edits == [] and controller.engine.params["transit.attrition"] == before
    assert row.edit.text() == "1"
    msg = lab.last_message
    assert "\n" not in msg and msg.startswith("transit.attrition: ") and why in msg and msg.endswith("kept 1")
    assert lab.params.note.text() == lab.params.message


def test_slider_moves_keep_the_exact_panel_in_sync(qtbot, lab_window, controller):
    slider_row = lab_window.params.rows["dormancy.entry"]
    slider_row.nudge(+1)
    v = controller.engine.params["dormancy.entry"]
    assert v != 1.0
    assert float(lab_window.lab.params.rows["dormancy.entry"].edit.text()) == v
    lab_window.lab.params.rows["dormancy.entry"].edit.setText("4.25")
    lab_window.lab.params.rows["dormancy.entry"].edit.editingFinished.emit()
    assert controller.engine.params["dormancy.entry"] == 4.25 and slider_row.value == 4.25
