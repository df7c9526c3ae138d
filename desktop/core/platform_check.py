"""Before Qt starts on Linux: can its X11 platform plugin (``xcb``) load?

Qt's wheels carry their own Qt libraries but not the X11 client libraries of the system. On a plain
Debian or Ubuntu desktop some are missing (``libxcb-icccm4`` and ``libxcb-keysyms1`` on a fresh
Debian 12, ``libxcb-cursor0`` for Qt 6.5 and newer), and Qt then aborts with a paragraph about
"Could not load the Qt platform plugin". This check finds the missing libraries first and says in
one line which packages to install. Offscreen runs (tests, screenshots without a display) and
Wayland sessions do not need it, and a frozen bundle whose Qt is elsewhere skips it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

#: Shared libraries Qt's xcb platform links to, and the Debian/Ubuntu package of each.
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb.so.1": "libxcb1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}


def wants_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Will Qt pick its X11 platform? Asked for by name, or left to choose on an X display with no
    Wayland one."""
    if not platform.startswith("linux"):
        return False
    asked = env.get("QT_QPA_PLATFORM", "")
    if asked:
        return asked.split(":")[0].split(";")[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def qt_xcb_library() -> Path | None:
    """Qt's xcb platform library inside the installed PySide6 (None if it is not there)."""
    spec = importlib.util.find_spec("PySide6")
    for root in (spec.submodule_search_locations or []) if spec else []:
        lib = Path(root) / "Qt" / "lib" / "libQt6XcbQpa.so.6"
        if lib.is_file():
            return lib
    return None


def missing_libraries(lib: Path, ldd: Callable[[Path], str] | None = None) -> list[str]:
    """The shared libraries ``lib`` needs that the dynamic loader cannot find (from ``ldd``)."""
    if ldd is None:
        tool = shutil.which("ldd")
        if tool is None:
            return []

        def ldd(path: Path) -> str:
            return subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=20).stdout

    out = []
    for line in ldd(lib).splitlines():
        name, _, where = line.strip().partition(" => ")
        if where.strip() == "not found" and name not in out:
            out.append(name)
    return out


def problem(
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    ldd: Callable[[Path], str] | None = None,
    lib: Path | None = None,
) -> str | None:
    """One line naming what to install if Qt's xcb platform would fail to load; None if it loads
    (or is not the platform Qt will use)."""
    env = os.environ if env is None else env
    if not wants_xcb(env, platform):
        return None
    lib = lib or qt_xcb_library()
    if lib is None:
        return None
    if ldd is None:
        # the usual case costs one load that Qt makes anyway; ldd (about 0.1 s) only lists what
        # is missing once that load has failed
        import ctypes

        try:
            ctypes.CDLL(str(lib))
            return None
        except OSError:
            pass
    try:
        missing = missing_libraries(lib, ldd)
    except (OSError, subprocess.SubprocessError):
        return None
    if not missing:
        return None
    pkgs = sorted({PACKAGES.get(m, m) for m in missing})
    return (
        f"Qt's X11 platform (xcb) cannot start: {', '.join(missing)} not found; "
        f"on Debian or Ubuntu: sudo apt-get install {' '.join(pkgs)}"
    )
