"""Lab files: a saved scenario reloads to an identical run; a broken one is refused in one line naming
file and field while the run carries on; a receipt or an exported file (menu or drag and drop)
restores its run exactly; "Copy system info" and the fork entry."""

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from sim_core import BY_PATH, load_scenario
from tests.desktop.conftest import run_frames
from tests.desktop.test_lab_parameters import lab_window  # noqa: F401  (fixture)


def _same(a, b):
    sa, sb = a.snapshot(), b.snapshot()
    for name in sa.__dataclass_fields__:
        assert np.array_equal(np.asarray(getattr(sa, name)), np.asarray(getattr(sb, name))), name
    assert a.params.as_dict() == b.params.as_dict() and a.step_index == b.step_index


def _play(qapp, c, frames=30):
    c.play()
    run_frames(qapp, c, frames)


def test_scenario_round_trip_gives_an_identical_run(qapp, lab_window, controller, tmp_path):  # noqa: F811
    lab = lab_window.lab
    controller.set_parameter("transit.attrition", 2.75)
    controller.set_parameter("soil.bone", 7.5)
    path = tmp_path / "mine.toml"
    assert lab.save_scenario(path)
    text = path.read_text()
    assert "attrition = 2.75" in text and "seed = 1" in text and "doubling_days" not in text
    original = controller.engine.fork()  # the run as it stands, at time zero
    assert lab.open_scenario(path)
    assert controller.engine is not original and controller.engine.t_days == 0
    assert controller.params["transit.attrition"] == 2.75 and lab.params.rows["soil.bone"].edit.text() == "7.5"
    for e in (original, controller.engine):
        e.advance(40.0, 1.0)
    _same(original, controller.engine)
    assert load_scenario(path).params.differences() == original.params.differences()


@pytest.mark.parametrize(
    "body, field",
    [
        ('name = "x"\nprimary = "primary:breast"\n[params.transit]\nattrition = 50.0\n', "params.transit.attrition"),
        ('name = "x"\nprimary = "primary:breast"\nseed = "one"\n', "seed"),
        ('name = "x"\nprimary = "primary:breast"\ncolour = 3\n', "colour"),
        ('name = "x"\nprimary = "primary:knee"\n', "primary"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_broken_scenario_file_is_one_line_and_the_run_carries_on(qapp, lab_window, controller, tmp_path, body, field):  # noqa: F811
    lab = lab_window.lab
    _play(qapp, controller, 10)
    engine, t = controller.engine, controller.engine.t_days
    bad = tmp_path / "broken.toml"
    bad.write_text(body)
    assert not lab.open_scenario(bad)
    msg = lab.last_message
    assert "\n" not in msg and str(bad) in msg and field in msg and "Traceback" not in msg
    assert lab.message.text() and controller.playing and controller.engine is engine and engine.t_days == t
    run_frames(qapp, controller, 3)
    assert controller.engine.t_days > t


def _window_run(qapp, c):
    """Play at two speeds, move a slider and release a cluster, as a person would."""
    _play(qapp, c, 20)
    c.set_parameter("immune.surveillance", 2.0)
    c.release_cluster()
    run_frames(qapp, c, 20)
    c.faster()
    run_frames(qapp, c, 15)
    c.pause()


def test_receipt_restores_the_run_exactly_from_menu_and_from_a_drop(qapp, lab_window, controller, tmp_path):  # noqa: F811
    lab = lab_window.lab
    _window_run(qapp, controller)
    moment = controller.engine.fork()
    png = tmp_path / "map.png"
    assert lab.export("body", png)
    run_frames(qapp, controller, 10)  # the run moves on ...
    controller.set_parameter("immune.surveillance", 0.5)
    assert lab.open_path(png)  # ... and the picture brings back its moment
    _same(moment, controller.engine)
    assert "Restored" in lab.last_message and controller.params["immune.surveillance"] == 2.0
    assert lab.params.rows["immune.surveillance"].edit.text() == "2"
    # a drop onto the window does the same, from the Parquet time series this time
    parquet = tmp_path / "ts.parquet"
    assert lab.export("timeseries", parquet)
    controller.step_once()
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(parquet))])
    enter = QDragEnterEvent(
        QPoint(50, 50), Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(lab_window, enter)  # the window takes files (and becomes the drop target)
    assert enter.isAccepted()
    ev = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(lab_window, ev)
    assert ev.isAccepted()
    _same(moment, controller.engine)
    # "Reset all" after a restore goes back to the receipt's starting scenario, not the preset's sliders
    controller.reset_all()
    assert controller.engine.t_days == 0 and controller.params["immune.surveillance"] == 1.0


def test_dropping_a_file_without_a_receipt_says_so(qapp, lab_window, controller, tmp_path):  # noqa: F811
    lab = lab_window.lab
    junk = tmp_path / "holiday.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n")
    engine = controller.engine
    assert not lab.open_path(junk)
    assert "no run receipt" in lab.last_message and str(junk) in lab.last_message
    assert controller.engine is engine


def test_broken_receipt_is_refused_naming_the_field(qapp, lab_window, controller, tmp_path):  # noqa: F811
    lab = lab_window.lab
    _play(qapp, controller, 5)
    r = tmp_path / "run.receipt.toml"
    r.write_text(lab.receipt().replace("count = ", "count = -"))
    engine = controller.engine
    assert not lab.open_path(r)
    assert "event[0]" in lab.last_message and str(r) in lab.last_message and controller.engine is engine


def test_copy_system_info(lab_window):  # noqa: F811
    text = lab_window.lab.copy_system_info()
    assert QGuiApplication.clipboard().text() == text
    for key in ("seedsoil:", "numba:", "numba_threads:", "numba_cache_dir:", "pyside6:", "qt:", "opengl"):
        assert key in text


def test_fork_entry_imports_lazily_and_is_disabled_with_a_reason_when_missing(lab_window, monkeypatch):  # noqa: F811
    lab = lab_window.lab
    monkeypatch.setattr(lab, "fork_class", lambda: (None, "ImportError: no module"))
    lab._check_fork()
    act = lab.actions["fork"]
    assert not act.isEnabled() and "no module" in act.toolTip()

    class FakeFork:
        def __init__(self, controller, parent=None):
            self.controller, self.shown = controller, False

        def show(self):
            self.shown = True

    monkeypatch.setattr(lab, "fork_class", lambda: (FakeFork, ""))
    lab._check_fork()
    assert act.isEnabled()
    act.trigger()
    assert lab.fork_window.shown and lab.fork_window.controller is lab.controller


def test_parameters_are_unchanged_by_saving(lab_window, controller, tmp_path):  # noqa: F811
    before = controller.params.as_dict()
    assert lab_window.lab.save_scenario(tmp_path / "s.toml")
    assert controller.params.as_dict() == before
    assert BY_PATH  # the table exists


def test_long_replay_shows_progress_and_can_be_cancelled(qapp, lab_window, controller, tmp_path, monkeypatch):  # noqa: F811
    from desktop.lab import menu

    lab = lab_window.lab
    controller.advance_days(30)
    for _ in range(600):  # > 500 steps, so the progress is reported
        controller.advance(controller.step_s, 1.0)
    receipt = tmp_path / "long.receipt.toml"
    receipt.write_text(lab.receipt())
    moment = controller.engine.fork()
    controller.step_once()
    monkeypatch.setattr(menu, "LONG_REPLAY_STEPS", 100)
    seen = []
    real = menu.LabMenu._replay_progress
    monkeypatch.setattr(menu.LabMenu, "_replay_progress", staticmethod(lambda d, f: (seen.append(f), real(d, f))))
    assert lab.restore_receipt(receipt) and seen and 0 < seen[0] < 1
    _same(moment, controller.engine)

    def cancel(dialog, fraction):
        raise menu._Cancelled

    monkeypatch.setattr(menu.LabMenu, "_replay_progress", staticmethod(cancel))
    controller.step_once()
    engine = controller.engine
    assert not lab.restore_receipt(receipt)
    assert "cancelled" in lab.last_message and controller.engine is engine
