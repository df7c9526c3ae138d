"""ForkWindow: branch the running simulation into two — A unchanged, B with one or more parameters
changed — from the same state and the same random stream, run both side by side, and compare
their body maps, funnels and cells by site over time.

The branches are stepped in the GUI thread by a ``QTimer`` with a wall-time budget per tick (as
the main window's ``TickRunner`` does) rather than by a worker thread: a paired day-step costs well
under a millisecond until late-stage runs, and one thread keeps the two branches' step sequences
trivially identical. Replicate pairs (the same fork and change, other random streams after the
fork) run after the shown pair, so an effect can be told from chance. Open it with
``ForkWindow(controller, parent=main_window).show()``; render it
with ``render_fork_screenshot`` or ``python -m desktop.lab.fork.window --screenshot out.png``.
"""

from __future__ import annotations

import contextlib
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.lab.fork.controls import ChangePanel
from desktop.lab.fork.maps import BranchMapPanel, legend_strip
from desktop.lab.fork.pair import BranchPair, antiangio_preset, replicate_pairs, replicate_summary
from desktop.lab.fork.readouts import A_COLOR, B_COLOR, CompareTablePanel, SiteHistoryPanel
from desktop.window import run_screen, theme
from sim_core import InputError

TICK_MS = 30
#: Wall time per tick the two branches may use; the rest is for drawing.
STEP_BUDGET_S = 0.020
#: Wall seconds between redraws of the maps, table and plots while running.
REFRESH_S = 0.4
DEFAULT_HORIZON_DAYS = 730.0
#: Below this UI scale (a window under ~970 px high) the table and the plots become tabs.
COMPACT_BELOW_SCALE = 0.9
#: Replicate pairs (other random streams after the fork) run after the shown pair.
DEFAULT_REPLICATES = 4


class ForkWindow(QMainWindow):
    """Fork the controller's current engine into A and B and compare them; never touches the main run."""

    def __init__(
        self,
        controller,
        parent=None,
        sizes: theme.Sizes | None = None,
        horizon_days: float = DEFAULT_HORIZON_DAYS,
        replicates: int = DEFAULT_REPLICATES,
    ):
        super().__init__(parent)
        self.controller = controller
        if sizes is None:
            sizes = getattr(parent, "sizes", None) or theme.screen_sizes()
        self.sizes = sizes
        if parent is not None:
            self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.setWindowTitle("Seed & Soil — fork and compare")
        self.setStyleSheet(theme.style_sheet(sizes))
        self.pair = BranchPair(controller.engine, horizon_days=horizon_days)
        self.n_replicates = int(replicates)
        self.reps: list[BranchPair] = []
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._last_refresh = 0.0
        self._new_fork()

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        """The window's widgets and layout, and the change panel's signals connected.

        Long: builds the window in the order it appears (the header, the change panel, the two maps,
        the read-outs), then connects the change panel's nine signals; split, the layout would be
        read out of order."""
        sz = self.sizes
        g = self.controller.graph
        m = round(8 * sz.scale)
        title = QLabel("Fork and compare")
        title.setObjectName("clock")
        self.fork_info = QLabel("")
        self.fork_info.setWordWrap(True)
        self.fork_info.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel("")
        self.status.setObjectName("stage")
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.verdict = QLabel("")
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.verdict.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(round(8 * sz.scale))
        self.progress.setStyleSheet(
            f"QProgressBar {{ background: {theme.PANEL_2}; border: none; border-radius: 3px; }}"
            f"QProgressBar::chunk {{ background: {theme.ACCENT}; border-radius: 3px; }}"
        )
        head_left = QVBoxLayout()
        head_left.addWidget(title)
        head_left.addWidget(self.fork_info)
        head_right = QVBoxLayout()
        head_right.addWidget(self.status)
        head_right.addWidget(self.verdict)
        head_right.addWidget(self.progress)
        head = QHBoxLayout()
        head.addLayout(head_left, 3)
        head.addLayout(head_right, 2)
        header = run_screen.panel(head)
        head.setContentsMargins(m * 2, m, m * 2, m)

        self.changes = ChangePanel(sz)
        scroll = QScrollArea()
        scroll.setWidget(self.changes)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.controls = theme.as_panel(scroll)
        self.controls.setFixedWidth(round(380 * sz.scale))

        self.map_a = BranchMapPanel("A", A_COLOR, g, sz)
        self.map_b = BranchMapPanel("B", B_COLOR, g, sz)
        self.map_b.body.vb.setXLink(self.map_a.body.vb)  # zoom and pan the two maps together
        self.map_b.body.vb.setYLink(self.map_a.body.vb)
        maps_row = QHBoxLayout()
        maps_row.setSpacing(m)
        maps_row.addWidget(self.map_a, 1)
        maps_row.addWidget(self.map_b, 1)
        maps_col = QVBoxLayout()
        maps_col.setContentsMargins(0, 0, 0, 0)
        maps_col.addLayout(maps_row, 1)
        maps_col.addWidget(legend_strip(sz))
        maps = run_screen.panel(maps_col)

        self.table = theme.as_panel(CompareTablePanel(sz))
        self.history = theme.as_panel(SiteHistoryPanel(g, sz))
        if sz.scale >= COMPACT_BELOW_SCALE:
            right = QSplitter(Qt.Orientation.Vertical)
            right.addWidget(self.table)
            right.addWidget(self.history)
            right.setChildrenCollapsible(False)
            right.setSizes([545, 395])
        else:  # small screens: the table and the plots take turns at full height
            right = QTabWidget()
            right.addTab(self.table, "Funnels A vs B")
            right.addTab(self.history, "Over time")
        self.readouts = right

        body = QHBoxLayout()
        body.setSpacing(m)
        body.addWidget(self.controls)
        body.addWidget(maps, 5)
        body.addWidget(right, 6)
        root = QVBoxLayout()
        root.setContentsMargins(m, m, m, m)
        root.setSpacing(m)
        root.addWidget(header)
        root.addLayout(body, 1)
        central = QWidget()
        central.setLayout(root)
        self.setCentralWidget(central)

        c = self.changes
        c.preset_requested.connect(self.apply_preset)
        c.change_requested.connect(self.set_change)
        c.clear_requested.connect(self._on_changes_clear_requested)
        c.run_toggled.connect(self.toggle_run)
        c.restart_requested.connect(self.restart)
        c.refork_requested.connect(self.refork)
        c.horizon_edited.connect(self._on_changes_horizon_edited)
        c.step_edited.connect(self._on_changes_step_edited)
        c.replicates_edited.connect(self._on_changes_replicates_edited)

    # --- intents --------------------------------------------------------------------------------
    def apply_preset(self) -> None:
        """Anti-angiogenesis on in B from the fork day (off, if the main run is treated); then run."""
        self.pair.clear_changes()
        self.pair.set_changes(antiangio_preset(self.pair.origin))
        self._restart_and_run()

    def set_change(self, path: str, value: float) -> bool:
        try:
            self.pair.set_change(path, value)
        except InputError as exc:
            self.changes.show_error(str(exc))
            return False
        self.changes.show_error("")
        self._restart_and_run()
        return True

    def _on_changes_clear_requested(self) -> None:
        self.pair.clear_changes()
        self._restart_and_run()

    def _on_changes_horizon_edited(self, days: float) -> None:
        for p in self._all_pairs():
            p.horizon_days = days
        self._show_status()
        if not self.finished and not self.running and self.pair.steps:
            self.start()  # a longer horizon continues where the branches are

    def _on_changes_replicates_edited(self, n: int) -> None:
        self.n_replicates = int(n)
        keep = self.reps[: self.n_replicates]
        for p in replicate_pairs(self.pair, self.n_replicates)[len(keep) :]:
            keep.append(p)
        self.reps = keep
        if self.pair.steps and not self.finished and not self.running:
            self.start()
        self._show_status()

    def _all_pairs(self) -> list[BranchPair]:
        return [self.pair, *self.reps]

    @property
    def finished(self) -> bool:
        return all(p.finished for p in self._all_pairs())

    def _on_changes_step_edited(self, step_days: float) -> None:
        self.pair.step_days = step_days
        self.restart()

    def toggle_run(self) -> None:
        self.pause() if self.running else self.start()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        if not self.finished:
            self._timer.start()
        self._show_status()

    def pause(self) -> None:
        self._timer.stop()
        self._show_status()

    def restart(self) -> None:
        """Both branches back to the fork point (B with its changes), paused."""
        self.pause()
        self.pair.restart()
        self.reps = replicate_pairs(self.pair, self.n_replicates)
        self._reset_views()

    def _restart_and_run(self) -> None:
        self.restart()
        self.start()

    def refork(self) -> None:
        """A new fork point: the main run as it is now; B keeps its changes where still valid."""
        self.pause()
        keep = dict(self.pair.changes)
        self.pair = BranchPair(self.controller.engine, self.pair.horizon_days, self.pair.step_days)
        for path, v in keep.items():
            with contextlib.suppress(InputError):
                self.pair.set_change(path, v)
        if "antiangio.start_day" in keep:  # a preset treats from the fork day: the new one
            self.pair.set_changes({k: v for k, v in antiangio_preset(self.pair.origin).items() if k in keep})
        self.pair.restart()
        self._new_fork()

    def run_to_end(self) -> None:
        """Run both branches to the horizon now, without the timer (tests, screenshots)."""
        self.pause()
        for p in self._all_pairs():
            p.run()
        self.refresh()

    # --- views ----------------------------------------------------------------------------------
    def _new_fork(self) -> None:
        p = self.pair
        sc = p.origin.scenario  # the main window may have moved on to another scenario since
        self.changes.set_reference(p.origin.params, preset_on=p.origin.params["antiangio.strength"] <= 0)
        self.changes.set_horizon(p.horizon_days, p.step_days)
        self.changes.set_replicates(self.n_replicates)
        self.reps = replicate_pairs(p, self.n_replicates)
        self.fork_info.setText(
            f"<b>{sc.title}</b>, seed {p.origin.seed} · forked from the main run at <b>day {p.fork_day:,.1f}</b> "
            f"(step {p.fork_step:,}).<br>Both branches start from this exact state with the same random stream, so "
            f"they stay bit-identical until B's change first acts; from then on chance differs too (see replicates)."
        )
        self._reset_views()

    def _reset_views(self) -> None:
        g = self.controller.graph
        primary = self.pair.origin.scenario.primary
        for panel in (self.map_a, self.map_b):
            panel.set_primary(g, primary)
        self.history.set_primary(primary)
        changes = self.pair.change_list()
        self.map_a.title.setText("unchanged")
        self.map_a.what.setText("The main run's parameters, continued from the fork.")
        self.map_b.title.setText("changed" if changes else "unchanged copy")
        self.map_b.what.setText(
            "; ".join(c.text() for c in changes) if changes else "No change yet: pick one on the left."
        )
        self.changes.show_changes(changes)
        self.refresh()

    def refresh(self) -> None:
        p = self.pair
        self._last_refresh = time.perf_counter()
        self.map_a.show_engine(p.a)
        self.map_b.show_engine(p.b)
        self.table.show_branches(p.a, p.b)
        self.table.replicates.setText(replicate_summary(self._all_pairs()) or self._replicates_pending())
        self.history.show_branches(p.a, p.b, p.fork_day, p.horizon_days)
        self._show_status()

    def _replicates_pending(self) -> str:
        if not self.reps:
            return (
                "One pair is one sample of chance: once A and B differ, their later random draws no "
                "longer line up. Add replicates (left) to see the average effect."
            )
        done = sum(r.finished for r in self.reps)
        return f"Replicates with other random streams after the fork: {done} of {len(self.reps)} done…"

    def _show_status(self) -> None:
        p = self.pair
        done, total = p.days_done, p.horizon_days
        self.progress.setValue(int(1000 * min(done / total, 1.0)) if total > 0 else 0)
        state = "running" if self.running else ("finished" if self.finished else "paused")
        self.status.setText(f"day {p.a.t_days:,.0f} · {done:,.0f} of {total:,.0f} days after the fork · {state}")
        if not p.changes:
            text, color = "B = A: no change, so both must stay bit-identical", theme.TEXT_DIM
        elif p.diverged_day is None:
            text = "Bit-identical so far" + (" (the change has not acted yet)" if p.steps else "")
            color = theme.TEXT_DIM
        else:
            text = (
                f"A and B differ since day {p.diverged_day:,.1f} "
                f"({p.diverged_day - p.fork_day:,.1f} days after the fork; first: {p.diverged_what})"
            )
            color = theme.ACCENT
        if not p.changes and p.diverged_day is not None:  # would be a bug in the engine: say so loudly
            text, color = f"B = A but they differ since day {p.diverged_day:,.1f}: please report", theme.VERMILLION
        self.verdict.setText(text)
        self.verdict.setStyleSheet(f"color: {color};")
        self.changes.show_running(self.running, self.finished)

    def _on_timer_timeout(self) -> None:
        t0 = time.perf_counter()
        for p in self._all_pairs():  # the shown pair first, then the replicates in turn
            if not p.finished:
                p.run(budget_s=max(STEP_BUDGET_S - (time.perf_counter() - t0), 0.0))
            if time.perf_counter() - t0 > STEP_BUDGET_S:
                break
        if self.finished:
            self._timer.stop()
            self.refresh()
        elif time.perf_counter() - self._last_refresh >= REFRESH_S:
            self.refresh()
        else:
            self._show_status()

    def closeEvent(self, ev) -> None:
        self._timer.stop()
        super().closeEvent(ev)


def render_fork_screenshot(
    path: str,
    scenario: str = "breast",
    days_before: float = 1000.0,
    param: str | None = None,
    value: float | None = None,
    days_after: float = 1461.0,
    seed: int | None = None,
    size: tuple[int, int] = (1920, 1080),
    replicates: int = DEFAULT_REPLICATES,
) -> ForkWindow:
    """Run the main model ``days_before`` days, fork, change ``param`` to ``value`` in B (default:
    the anti-angiogenesis preset), run both ``days_after`` days and save the window as a PNG."""
    from PySide6.QtWidgets import QApplication

    from desktop.window.controller import SimController

    app = QApplication.instance() or QApplication([])
    theme.load_fonts()
    controller = SimController(scenario, seed=seed)
    controller.advance_days(days_before)
    win = ForkWindow(controller, sizes=theme.sizes_for_height(size[1]), horizon_days=days_after, replicates=replicates)
    theme.show_offscreen(app, win, size)
    if param is None:
        win.apply_preset()
    elif not win.set_change(param, float(value)):
        raise InputError("fork", param, win.changes.error.text())
    win.run_to_end()
    theme.save_settled(app, win, win.refresh, path)
    return win


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m desktop.lab.fork.window", description="Render the fork-and-compare window."
    )
    ap.add_argument("--screenshot", required=True, metavar="PATH")
    ap.add_argument("--scenario", default="breast")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--days-before", type=float, default=1000.0)
    ap.add_argument("--days-after", type=float, default=1461.0)
    ap.add_argument("--param", default=None, help="parameter path to change in B (default: anti-angiogenesis preset)")
    ap.add_argument("--value", type=float, default=None)
    ap.add_argument("--replicates", type=int, default=DEFAULT_REPLICATES)
    args = ap.parse_args(argv)
    render_fork_screenshot(
        args.screenshot,
        args.scenario,
        args.days_before,
        args.param,
        args.value,
        args.days_after,
        args.seed,
        replicates=args.replicates,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
