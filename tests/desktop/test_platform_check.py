"""The window on a real X desktop: missing X11 libraries are named in one line before Qt aborts, and
the window runs under Xvfb with Qt's real ``xcb`` platform (``.ci/run`` installs Xvfb and the
libraries; every other window test runs offscreen, which loads none of them)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core import platform_check as pc

LDD_TWO_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
"""


def test_which_sessions_use_xcb():
    assert pc.wants_xcb({"DISPLAY": ":0"}, "linux")
    assert pc.wants_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not pc.wants_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not pc.wants_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not pc.wants_xcb({}, "linux")  # no display at all
    assert not pc.wants_xcb({"DISPLAY": ":0"}, "darwin")


def test_missing_libraries_are_named_with_their_packages_in_one_line():
    msg = pc.problem({"QT_QPA_PLATFORM": "xcb"}, "linux", ldd=lambda p: LDD_TWO_MISSING, lib=Path("x.so"))
    assert msg == (
        "Qt's X11 platform (xcb) cannot start: libxcb-icccm.so.4, libxcb-keysyms.so.1 not found; "
        "on Debian or Ubuntu: sudo apt-get install libxcb-icccm4 libxcb-keysyms1"
    )
    assert "\n" not in msg
    ok = LDD_TWO_MISSING.replace("=> not found", "=> /lib/x.so (0x1)")
    assert pc.problem({"QT_QPA_PLATFORM": "xcb"}, "linux", ldd=lambda p: ok, lib=Path("x.so")) is None
    assert (
        pc.problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", ldd=lambda p: LDD_TWO_MISSING, lib=Path("x.so")) is None
    )


def test_the_window_stops_with_that_line_and_exit_2(monkeypatch, capsys):
    from desktop import app

    monkeypatch.setattr(pc, "problem", lambda: "Qt's X11 platform (xcb) cannot start: libfoo.so.1 not found")
    assert app.main(["--paused"]) == 2
    err = capsys.readouterr().err
    assert err == "seedsoil: Qt's X11 platform (xcb) cannot start: libfoo.so.1 not found\n"


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None, reason="Linux with ldd")
def test_this_machine_has_every_library_qt_xcb_needs():
    """What .ci/run installs is enough: the real check of the installed PySide6 finds nothing missing."""
    assert pc.qt_xcb_library() is not None
    assert pc.problem({"QT_QPA_PLATFORM": "xcb"}, "linux") is None


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="Xvfb is not installed (.ci/run installs it)")
def test_the_window_runs_on_a_real_x_server():
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    env.pop("DISPLAY", None)
    env.setdefault("NUMBA_CACHE_DIR", "/tmp/nbcache")
    r = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1280x800x24",
            sys.executable,
            "-m",
            "desktop.app",
            "--smoke-frames",
            "60",
            "--size",
            "1280x800",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
