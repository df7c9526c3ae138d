"""Building and driving the window once Qt is up: the message log that turns Qt warnings and
exceptions into a failing exit in batch modes, the controller and window sized for the screen, the
batch run behind ``--screenshot`` and ``--smoke-frames``, and the interactive start. ``desktop.app``
parses the command line and picks one of these."""

from __future__ import annotations

import sys
import traceback

#: Qt messages that are noise, not faults: the batch modes' log and the test suite's Qt log gate
#: (``tests/conftest.py``) both skip them.
IGNORED_QT_MESSAGES = ("This plugin does not support propagateSizeHints",)
#: Frames rendered after ``--sim-days`` so a screenshot shows cells in flight.
SCREENSHOT_SETTLE_FRAMES = 150
SCREENSHOT_TOUR_FRAMES = 240


class MessageLog:
    """Collects Qt warnings and Python exceptions so batch modes can fail loudly."""

    def __init__(self):
        self.problems: list[str] = []

    def qt_handler(self, mode, context, message):
        from PySide6.QtCore import QtMsgType

        if any(message.startswith(m) for m in IGNORED_QT_MESSAGES):
            return
        if mode in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            self.problems.append(f"Qt: {message}")
        print(message, file=sys.stderr)

    def excepthook(self, etype, value, tb):
        self.problems.append("".join(traceback.format_exception(etype, value, tb)))
        sys.__excepthook__(etype, value, tb)


def build(args, app):
    """The controller and the window, sized and styled for the screen."""
    from PySide6.QtGui import QGuiApplication

    from desktop.window import theme
    from desktop.window.controller import SimController
    from desktop.window.main_window import MainWindow

    theme.load_fonts()
    if args.size:
        w, h = args.size
    else:
        screen = QGuiApplication.primaryScreen()
        geo = screen.availableGeometry() if screen else None
        w, h = (geo.width(), geo.height()) if geo else (1600, 1000)
        w, h = max(1024, int(w * 0.95)), max(700, int(h * 0.92))
    sizes = theme.sizes_for_height(h)
    if getattr(args, "kiosk_cfg", None) is not None:
        args.scenario, args.seed = args.kiosk_cfg.scenario, args.kiosk_cfg.seed
    if getattr(args, "kiosk_cfg", None) is None:
        from desktop.core import i18n

        i18n.set_language(getattr(args, "language", "en"))
    controller = SimController(args.scenario, seed=args.seed)
    win = MainWindow(controller, sizes)
    if getattr(args, "kiosk_cfg", None) is None:  # the Lab is for desktop mode only, never the kiosk
        from desktop.lab import install_lab

        install_lab(win)
    win.resize(w, h)
    return controller, win


def run_frames(app, controller, n: int) -> None:
    """Advance and draw ``n`` frames synchronously (1/60 s of screen time each)."""
    for _ in range(n):
        controller.runner.tick(1.0 / 60.0)
        app.processEvents()


def run_batch(app, controller, win, args, log: MessageLog) -> int:
    """``--screenshot`` / ``--smoke-frames``: advance, play, draw, save; non-zero on any problem."""
    from PySide6.QtCore import Qt

    from desktop.window import theme

    win.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    win.show()
    app.processEvents()
    try:
        controller.advance_days(args.sim_days)
        controller.play()
        run_frames(app, controller, args.smoke_frames or SCREENSHOT_SETTLE_FRAMES)
        if args.screenshot and not args.no_tour:
            controller.release_cluster()  # as on opening: one journey on screen
            run_frames(app, controller, SCREENSHOT_TOUR_FRAMES)
        win.refresh_all()
        app.processEvents()
        if args.screenshot:
            try:
                theme.save_png(win, args.screenshot)
            except OSError as exc:
                log.problems.append(str(exc))
        controller.pause()
    except Exception:  # reported and turned into a non-zero exit
        log.problems.append(traceback.format_exc())
    win.close()
    for p in log.problems:
        print(f"seedsoil: {p}", file=sys.stderr)
    return 1 if log.problems else 0


def start_interactive(app, controller, win, args) -> int:
    """Show the window, warm the kernels up in the background, then play (and release a cluster
    to follow) unless ``--paused``."""
    from desktop.window.runners import warm_up_in_background

    win.show()

    def _ready():
        controller.publish()
        if not args.paused:
            controller.play()
            if not args.no_tour:
                controller.release_cluster()

    warm_up_in_background(_ready, win)
    return app.exec()
