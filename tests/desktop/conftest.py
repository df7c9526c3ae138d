"""Fixtures for the window tests: one controller or one window on a small preset, offscreen."""

import pytest

from desktop.window import theme

SIZE = (1280, 800)


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


@pytest.fixture
def window(qtbot, controller, sizes):
    from desktop.window.main_window import MainWindow

    w = MainWindow(controller, sizes)
    w.resize(*SIZE)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    controller.publish()
    yield w
    controller.pause()
    w.close()


def run_frames(qapp, controller, n, dt=1 / 60):
    """Advance and draw ``n`` frames synchronously."""
    for _ in range(n):
        controller.runner.tick(dt)
        qapp.processEvents()


# the kiosk fixtures, for every GUI test module (last: that module uses the helpers above)
from tests.desktop.test_kiosk_support import clock, kiosk, lab  # noqa: E402, F401
