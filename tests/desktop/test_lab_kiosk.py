"""The Lab belongs to desktop mode only: a window built for the kiosk (either level) has no Lab menu,
dock, actions, shortcuts or receipt drop handler; the desktop window has them, and their texts have Spanish entries."""

import gc

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMenuBar

from desktop.app import parse_args
from desktop.core import i18n
from desktop.kiosk.launch import ManualClock
from desktop.launch import build
from tests.desktop.test_kiosk_support import make_config


def _build(qtbot, kiosk_cfg, *argv):
    args = parse_args(["--size", "1280x800", *argv])
    args.kiosk_cfg = kiosk_cfg
    controller, win = build(args, QApplication.instance())
    qtbot.addWidget(win)
    return controller, win


def _lab_traces(win) -> list[str]:
    from desktop.lab.menu import LabMenu

    labels = {label for _, label, _ in LabMenu.EXPORTS} | {
        "Open scenario…",
        "Save scenario…",
        "Restore a run from a receipt or an exported file…",
        "Fork and compare…",
        "Copy system info",
        "Every parameter (exact)…",
    }
    found = []
    if hasattr(win, "lab"):
        found.append("win.lab")
    found += [f"LabMenu {m}" for m in win.findChildren(LabMenu)]
    for bar in win.findChildren(QMenuBar):
        found += [f"menu {a.text()}" for a in bar.actions()]
    found += [f"dock {d.objectName()}" for d in win.findChildren(QDockWidget)]
    for act in win.findChildren(QAction):
        if act.shortcut() in (QKeySequence("Ctrl+O"), QKeySequence("Ctrl+S")) or act.text() in labels:
            found.append(f"action {act.text()}")
    return found


@pytest.mark.parametrize("level", ["intro", "lab"])
def test_no_lab_anywhere_in_kiosk_mode(qtbot, level):
    from desktop.kiosk.shell import KioskShell

    cfg = make_config(level=level)
    controller, win = _build(qtbot, cfg)
    shell = KioskShell(win, cfg, clock=ManualClock())
    shell.timer.stop()
    try:
        win.show()
        QApplication.processEvents()
        assert _lab_traces(win) == []
    finally:
        shell.uninstall()
        controller.pause()
        win.close()
        i18n.set_language("en")
        gc.collect()


def test_desktop_window_has_the_lab(qtbot):
    controller, win = _build(qtbot, None)
    try:
        traces = _lab_traces(win)
        assert "win.lab" in traces and "menu Lab" in traces and win.acceptDrops()
        assert "dock labDock" in traces and "action Copy system info" in traces
    finally:
        controller.pause()
        win.close()


def test_lab_texts_have_spanish_entries(qtbot, tmp_path):
    from tests.desktop.test_window_language import NEUTRAL, PROPER

    i18n.seen.clear()
    i18n.set_language("es")
    try:
        controller, win = _build(qtbot, None, "--language", "es")
        lab = win.lab
        lab._check_fork()
        lab.save_scenario(tmp_path / "s.toml")
        lab.open_scenario(tmp_path / "s.toml")
        (tmp_path / "bad.toml").write_text("x = 1")
        lab.open_scenario(tmp_path / "bad.toml")
        lab.open_path(tmp_path / "nothing.png")
        lab.export("funnel", tmp_path / "f.csv")
        lab.open_path(tmp_path / "f.csv")
        lab.copy_system_info()
        row = lab.params.rows["transit.attrition"]
        row.edit.setText("99")
        row.edit.editingFinished.emit()
        row.edit.setText("abc")
        row.edit.editingFinished.emit()
        table = i18n.table("es")
        missing = sorted(s for s in i18n.seen if s not in table and not NEUTRAL.match(s) and s not in PROPER)
        assert missing == []
        assert [s for s in i18n.seen if s in table and i18n.template_fields(s) != i18n.template_fields(table[s])] == []
        assert win.menuBar().actions()[0].text() == table["Lab"]
    finally:
        i18n.set_language("en")
        controller.pause()
        win.close()
