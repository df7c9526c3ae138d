"""Fixtures for the window tests: one controller or one window on a small preset, offscreen."""

import os
import subprocess
import sys

import pytest

from desktop.window import theme

SIZE = (1280, 800)
#: ``seedsoil`` as the installed command starts it, for ``python -c``.
APP_MAIN = "import sys, desktop.app; sys.exit(desktop.app.main())"


@pytest.fixture
def sizes():
    theme.load_fonts()
    return theme.sizes_for_height(SIZE[1])


@pytest.fixture
def controller(qapp):
    from desktop.window.controller import SimController

    c = SimController("breast")
    yield c
    c.pause()


def shown_window(qtbot, controller, sizes, *installs):
    """For a fixture to ``yield from``: a main window on ``controller`` with each of ``installs`` (such
    as ``desktop.lab.install_lab``) applied to it, shown at ``SIZE`` with a first frame published;
    afterwards the controller is paused and the window closed."""
    from desktop.window.main_window import MainWindow

    w = MainWindow(controller, sizes)
    for install in installs:
        install(w)
    w.resize(*SIZE)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    controller.publish()
    yield w
    controller.pause()
    w.close()


@pytest.fixture
def window(qtbot, controller, sizes):
    yield from shown_window(qtbot, controller, sizes)


def run_frames(qapp, controller, n, dt=1 / 60):
    """Advance and draw ``n`` frames synchronously."""
    for _ in range(n):
        controller.runner.tick(dt)
        qapp.processEvents()


def run_app(*args, timeout):
    """``seedsoil ARGS`` in a fresh offscreen process; its output is captured as text."""
    return subprocess.run(
        [sys.executable, "-c", APP_MAIN, *args],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# the kiosk fixtures, for every GUI test module (last: that module uses the helpers above)
from tests.desktop.test_kiosk_support import clock, kiosk, lab  # noqa: E402, F401
