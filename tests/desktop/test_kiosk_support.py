"""Fixtures for the kiosk tests: a kiosk (Intro level) or lab shell around a window, on a
hand-moved clock, and its config with a known staff PIN."""

import gc

import pytest
from PySide6.QtWidgets import QApplication

from desktop.core import i18n
from desktop.kiosk.config import hash_pin, load_kiosk_config
from desktop.kiosk.launch import ManualClock
from tests.desktop.conftest import SIZE

PIN = "2468"


def make_config(**changes):
    cfg = load_kiosk_config()
    fields = {f: getattr(cfg, f) for f in cfg.__struct_fields__}
    fields.update(pin_hash=hash_pin(PIN, rounds=1000), **changes)
    return type(cfg)(**fields)


@pytest.fixture
def clock():
    return ManualClock()


def _kiosk(qtbot, controller, sizes, clock, **changes):
    from desktop.kiosk.shell import KioskShell
    from desktop.window.main_window import MainWindow

    win = MainWindow(controller, sizes)
    win.resize(*SIZE)
    qtbot.addWidget(win)
    shell = KioskShell(win, make_config(**changes), clock=clock)
    shell.timer.stop()  # the tests tick by hand
    win.show()
    qtbot.waitExposed(win)
    QApplication.processEvents()
    return shell


@pytest.fixture
def kiosk(qtbot, controller, sizes, clock):
    shell = _kiosk(qtbot, controller, sizes, clock)
    yield shell
    shell.uninstall()
    controller.pause()
    shell.win.close()
    i18n.set_language("en")
    gc.collect()  # free this test's widgets now, not inside a later test's refcount canary


@pytest.fixture
def lab(qtbot, controller, sizes, clock):
    shell = _kiosk(qtbot, controller, sizes, clock, level="lab")
    yield shell
    shell.uninstall()
    controller.pause()
    shell.win.close()
    gc.collect()
