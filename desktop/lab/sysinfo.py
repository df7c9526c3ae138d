"""The "Copy system info" text for bug reports: what ``seedsoil-sim info`` prints (versions, threads,
JIT cache) plus the window's side — Qt, PySide6, pyqtgraph, the platform plugin, screens and, where
a real display is present, the OpenGL renderer."""

from __future__ import annotations

from sim_core import system_info


def _opengl() -> dict:
    from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        return {"opengl": f"(not queried on the {QGuiApplication.platformName()} platform)"}
    surface = QOffscreenSurface()
    surface.create()
    ctx = QOpenGLContext()
    if not ctx.create() or not ctx.makeCurrent(surface):
        return {"opengl": "(no OpenGL context)"}
    try:
        f = ctx.functions()
        return {
            "opengl_vendor": f.glGetString(0x1F00),
            "opengl_renderer": f.glGetString(0x1F01),
            "opengl_version": f.glGetString(0x1F02),
        }
    finally:
        ctx.doneCurrent()


def window_info() -> dict:
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QGuiApplication

    info = {
        "qt": qVersion(),
        "pyside6": PySide6.__version__,
        "pyqtgraph": pyqtgraph.__version__,
        "qt_platform": QGuiApplication.platformName(),
    }
    for i, s in enumerate(QGuiApplication.screens()):
        g = s.geometry()
        info[f"screen_{i}"] = f"{g.width()}x{g.height()} @ {s.devicePixelRatio():g}x, {s.logicalDotsPerInch():.0f} dpi"
    try:
        info.update(_opengl())
    except Exception as exc:  # noqa: BLE001 - diagnostics must not fail
        info["opengl"] = f"(query failed: {type(exc).__name__})"
    return info


def system_info_text() -> str:
    info = {**system_info(), **window_info()}
    return "\n".join(f"{k}: {v}" for k, v in info.items())
