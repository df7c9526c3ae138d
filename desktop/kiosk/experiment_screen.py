"""ExperimentScreen: the kiosk's "Experiments" screen. The Lab's ``ExperimentView`` (Luzzi's liver
experiment and Fidler's lung experiment, every injected cell drawn) in big type, with a big button
per experiment and "Watch again". Nothing on it opens a dialog or quits; ``reset()`` (the idle
reset) stops the replay and drops it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.window import theme
from desktop.window.panels.experiment_panel import ExperimentView

FIRST = "luzzi"


class ExperimentScreen(QWidget):
    def __init__(self, graph, sizes: theme.Sizes, seed: int, parent=None):
        super().__init__(parent)
        self.view = ExperimentView(graph, sizes, kiosk=True, seed=int(seed))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view, 1)

    @property
    def running(self) -> bool:
        return self.view.running

    def open(self, key: str = FIRST) -> None:
        self.view.start(key)

    def reset(self) -> None:
        self.view.stop()

    def retranslate(self) -> None:
        self.view.retranslate()


def render_kiosk_experiment(app, controller, win, args, log) -> int:
    """``seedsoil --kiosk --kiosk-view experiment --screenshot PATH [--experiment NAME]
    [--experiment-at MOMENT]``: the kiosk's Experiments screen at a moment of the replay (default:
    the end), rendered offscreen on a hand-moved clock as the other kiosk screens are."""
    import traceback

    from PySide6.QtCore import Qt

    from desktop.kiosk.launch import ManualClock
    from desktop.kiosk.shell import KioskShell
    from desktop.window.panels.experiment_panel import parse_moment

    clock = ManualClock()
    w, h = args.size or (1920, 1080)
    win.resize(w, h)
    win.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    try:
        shell = KioskShell(win, args.kiosk_cfg, clock=clock)
        shell.timer.stop()
        controller.runner.manual = True
        win.show()
        app.processEvents()
        shell.idle.poke()
        shell.show_experiments()
        if shell.stack.currentWidget() is not shell.experiments:
            log.problems.append(
                f"{shell.config.source}: 'experiments' is not in controls, so the kiosk does not offer that screen"
            )
        else:
            view = shell.experiments.view
            if (args.experiment or FIRST) != FIRST:
                view.start(args.experiment)
            view.pause()
            view.run_until(parse_moment(args.experiment_at) if args.experiment_at else float("inf"))
            for _ in range(5):
                app.processEvents()
            view.refresh()
        app.processEvents()
        try:
            theme.save_png(win, args.screenshot)
        except OSError as exc:
            log.problems.append(str(exc))
        shell.lockdown.allow_close = True
        controller.pause()
    except Exception:
        log.problems.append(traceback.format_exc())
    win.close()
    for p in log.problems:
        print(f"seedsoil: {p}", file=__import__("sys").stderr)
    return 1 if log.problems else 0
