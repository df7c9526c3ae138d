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
    from desktop.kiosk.launch import render_offscreen
    from desktop.window.panels.experiment_panel import parse_moment

    def draw(shell, clock) -> None:
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

    return render_offscreen(app, controller, win, args, log, draw)
