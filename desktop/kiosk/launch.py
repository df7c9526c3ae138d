"""Starting kiosk mode from ``seedsoil --kiosk``: full screen with the shell, watchdog and crash
log; or, with ``--screenshot``, one kiosk screen rendered offscreen on a hand-moved clock; or, with
``--smoke-frames N``, N frames of the idle exhibit (its attract loop) and an exit, non-zero on any
error or Qt warning.
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


def show_full_screen(win) -> None:
    """Cover the whole screen, with or without a window manager. ``showFullScreen`` only asks a window
    manager for full-screen state; on a bare X server (a common kiosk set-up, no manager running) the
    window kept its default size with black margins. Giving it the screen's geometry first makes the
    request moot there and changes nothing under a manager."""
    from PySide6.QtGui import QGuiApplication

    screen = win.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        win.setGeometry(screen.geometry())
    win.showFullScreen()


def run_kiosk(app, controller, win, args, log) -> int:  # noqa: C901
    """Run the kiosk: full screen with watchdog and crash log for visitors, or a fixed number of
    frames or one screenshot for tests.

    Long: the set-up order matters (kernels warm before the attract loop starts; a test's frames
    settle the exhibit before the screen it asks for is opened and grabbed), so it stays in one
    function that reads in that order."""
    from desktop.kiosk.shell import KioskShell
    from desktop.kiosk.watchdog import Watchdog, enable_crash_log

    if not (args.screenshot or args.smoke_frames):
        from desktop.window.runners import warm_up_in_background

        shell = KioskShell(win, args.kiosk_cfg)
        shell.timer.stop()  # the attract loop starts once the kernels are compiled
        enable_crash_log(on_error=shell.reset_to_start)
        dog = Watchdog(parent=shell)
        show_full_screen(win)

        def _ready():
            shell.timer.start()
            dog.start()  # READY=1, then watchdog pings from the GUI thread

        warm_up_in_background(_ready, win)
        return app.exec()

    def draw(shell, clock) -> None:
        def frames(n):
            for _ in range(n):
                clock.advance(1 / 60)
                shell.tick()
                controller.runner.tick(1 / 60)
                app.processEvents()

        frames(2)
        if args.smoke_frames:
            frames(args.smoke_frames)  # the exhibit left alone: its attract loop
        if args.screenshot and args.kiosk_view == "attract":
            frames(ATTRACT_FRAMES)  # into the story, with the cluster arrested
        elif args.screenshot:
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
            elif args.kiosk_view == "split":
                shell.show_split()
                if shell.stack.currentWidget() is not shell.split:
                    log.problems.append(
                        f"{shell.config.source}: 'anatomy_or_soil' is not in controls, "
                        "so the kiosk does not offer that screen"
                    )
                shell.split.view.run_to_end()
        win.refresh_all()
        app.processEvents()
        pix = win.grab()  # a last full render, also for a smoke run
        if pix.isNull():
            log.problems.append("the kiosk window rendered nothing")
        elif args.screenshot and not pix.save(args.screenshot, "PNG"):
            log.problems.append(f"could not write {args.screenshot}")

    return render_offscreen(app, controller, win, args, log, draw)


def render_offscreen(app, controller, win, args, log, draw) -> int:
    """The kiosk offscreen on a hand-moved clock (screenshots, smoke runs): the window at
    ``args.size``, the shell and the engine's runner with their own timers off, then
    ``draw(shell, clock)`` (the frames, the screen asked for, the grab). An exception goes into
    ``log``; every problem in it is printed, and the result is 1 if there was any, else 0."""
    from desktop.kiosk.shell import KioskShell

    clock = ManualClock()
    w, h = args.size or (1920, 1080)
    win.resize(w, h)
    win.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    try:
        shell = KioskShell(win, args.kiosk_cfg, clock=clock)
        shell.timer.stop()  # draw ticks the shell and the engine itself,
        controller.runner.manual = True  # on the hand-moved clock; their own timers stay off
        win.show()
        app.processEvents()
        draw(shell, clock)
        shell.lockdown.allow_close = True
        controller.pause()
    except Exception:
        log.problems.append(traceback.format_exc())
    win.close()
    for p in log.problems:
        print(f"seedsoil: {p}", file=__import__("sys").stderr)
    return 1 if log.problems else 0
