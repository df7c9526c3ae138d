"""Starting kiosk mode from ``seedsoil --kiosk``: full screen with the shell, watchdog and crash
log; or, with ``--screenshot``, one kiosk screen rendered offscreen on a hand-moved clock.
"""

from __future__ import annotations

import traceback

from PySide6.QtCore import Qt

SETTLE_FRAMES = 240
ATTRACT_FRAMES = 60 * 22


class ManualClock:
    """A clock tests and screenshots move by hand."""

    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s


def run_kiosk(app, controller, win, args, log) -> int:
    from .shell import KioskShell
    from .watchdog import Watchdog, enable_crash_log

    if not args.screenshot:
        from ..runners import warm_up_in_background

        shell = KioskShell(win, args.kiosk_cfg)
        shell.timer.stop()                  # the attract loop starts once the kernels are compiled
        enable_crash_log(on_error=shell.reset_to_start)
        dog = Watchdog(parent=shell)
        win.showFullScreen()

        def _ready():
            shell.timer.start()
            dog.start()                     # READY=1, then watchdog pings from the GUI thread

        warm_up_in_background(_ready, win)
        return app.exec()
    clock = ManualClock()
    w, h = args.size or (1920, 1080)
    win.resize(w, h)
    win.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    try:
        shell = KioskShell(win, args.kiosk_cfg, clock=clock)
        win.show()
        app.processEvents()

        def frames(n):
            for _ in range(n):
                clock.advance(1 / 60)
                shell.tick()
                controller.runner.tick(1 / 60)
                app.processEvents()

        frames(2)
        if args.kiosk_view == "attract":
            frames(ATTRACT_FRAMES)          # into the story, with the cluster arrested
        else:
            shell.idle.poke()
            frames(SETTLE_FRAMES)
            if args.kiosk_view == "countdown":
                clock.advance(shell.config.idle_timeout_s + 3.4)
                frames(2)
            elif args.kiosk_view == "quiz":
                shell.show_quiz()
                for key in ("mmp", "ecm", "immune", "intravasation", "extravasation"):
                    shell.quiz.place(key)
                shell.quiz.check()
        win.refresh_all()
        app.processEvents()
        pix = win.grab()
        if pix.isNull() or not pix.save(args.screenshot, "PNG"):
            log.problems.append(f"could not write {args.screenshot}")
        shell.lockdown.allow_close = True
        controller.pause()
    except Exception:
        log.problems.append(traceback.format_exc())
    win.close()
    for p in log.problems:
        print(f"seedsoil: {p}", file=__import__("sys").stderr)
    return 1 if log.problems else 0
