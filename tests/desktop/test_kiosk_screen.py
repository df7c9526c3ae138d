"""The kiosk as an exhibit PC starts it: ``--smoke-frames N`` renders N frames of the idle exhibit and
exits (non-zero on an error), and the window covers the whole screen with no window manager (a bare
X server, checked under Xvfb with the real ``xcb`` platform when Xvfb is installed; ``.ci/run``
installs it)."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from desktop.app import parse_args
from desktop.launch import MessageLog, build


def _smoke(qapp, qtbot, n, fail_at=None):
    from desktop.kiosk import launch as kiosk_launch
    from desktop.kiosk.config import load_kiosk_config

    args = parse_args(["--kiosk", "--smoke-frames", str(n), "--size", "800x600"])
    args.kiosk_cfg = load_kiosk_config(args.kiosk_config)
    controller, win = build(args, qapp)
    qtbot.addWidget(win)
    frames = []
    real_tick = controller.runner.tick

    def counting_tick(dt):  # one model-and-draw frame of the kiosk's loop
        frames.append(dt)
        if fail_at is not None and len(frames) == fail_at:
            raise RuntimeError(f"a planted fault in frame {fail_at}")
        return real_tick(dt)

    controller.runner.tick = counting_tick
    log = MessageLog()
    rc = kiosk_launch.run_kiosk(qapp, controller, win, args, log)
    return rc, len(frames), log


def test_kiosk_smoke_frames_renders_n_frames_and_exits(qapp, qtbot):
    rc, ticks, log = _smoke(qapp, qtbot, 40)
    assert rc == 0, log.problems
    assert ticks == 2 + 40  # two settling frames, then the N asked for
    rc, ticks, log = _smoke(qapp, qtbot, 40, fail_at=10)
    assert rc == 1 and ticks == 10
    assert "a planted fault in frame 10" in log.problems[0]


def test_kiosk_smoke_frames_from_the_command_line_ends(tmp_path):
    """Before: ``seedsoil --kiosk --smoke-frames 300`` ignored the count and ran until killed."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.setdefault("NUMBA_CACHE_DIR", "/tmp/nbcache")
    r = subprocess.run(
        [sys.executable, "-m", "desktop.app", "--kiosk", "--smoke-frames", "30", "--size", "800x600"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 0, r.stderr
    bad = tmp_path / "kiosk.toml"
    bad.write_text("idle_timeout_s = 'soon'\n")
    r = subprocess.run(
        [sys.executable, "-m", "desktop.app", "--kiosk", "--smoke-frames", "5", "--kiosk-config", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 2 and "kiosk.toml" in r.stderr and "Traceback" not in r.stderr


_GEOMETRY = textwrap.dedent("""
    import sys
    from PySide6.QtWidgets import QApplication, QMainWindow
    from desktop.kiosk.launch import show_full_screen
    app = QApplication(sys.argv[:1])
    print("platform", app.platformName())
    win = QMainWindow()
    win.resize(800, 600)                      # the window's own size, as the kiosk builds it
    show_full_screen(win)
    for _ in range(50):
        app.processEvents()
    g, s = win.geometry(), win.screen().geometry()
    print("window", g.x(), g.y(), g.width(), g.height(), "screen", s.x(), s.y(), s.width(), s.height())
""")


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="Xvfb is not installed (.ci/run installs it)")
def test_kiosk_covers_a_bare_x_screen_with_no_window_manager():
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    env.pop("DISPLAY", None)
    r = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", sys.executable, "-c", _GEOMETRY],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    print(r.stdout)
    assert "platform xcb" in r.stdout
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("window"))
    w = line.split()
    assert w[1:5] == ["0", "0", "1280", "720"], line  # the whole screen, no margins
    assert w[6:10] == ["0", "0", "1280", "720"], line
