"""LabMenu: the researcher level of the desktop window — a "Lab" menu with the exact-parameter dock,
scenario files, run receipts, exports, fork and compare and system info, plus drag and drop of a
receipt or an exported file. It is installed by ``desktop.app`` in desktop mode only; the kiosk
never builds it. Every failure is one line in the menu bar's message, and the run carries on.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMenu,
    QProgressDialog,
)

from desktop.core.i18n import tr
from desktop.lab.exact_parameters import ExactParameterPanel
from desktop.lab.exports import (
    EXPORT_FORMATS,
    check_writable,
    dialog_filter,
    export_picture,
    format_problem,
    record_movie,
    writable_formats,
)
from desktop.lab.sysinfo import system_info_text
from desktop.window import theme
from sim_core import (
    InputError,
    Scenario,
    export_timeseries,
    find_receipt,
    funnel_csv,
    load_receipt,
    load_scenario,
    make_receipt,
    replay_receipt,
    sidecar_path,
    sites_csv,
    write_files_atomic,
)

MESSAGE_MS = 20000
DEFAULT_MOVIE_FRAMES = 150
#: Receipts longer than this replay behind a progress dialog with a Cancel button.
LONG_REPLAY_STEPS = 20000


class _Cancelled(Exception):
    """The person cancelled a long replay."""


def lab_style(sz: theme.Sizes) -> str:
    pad = max(3, round(5 * sz.scale))
    return f"""
    QMenuBar {{ background: {theme.BG}; color: {theme.TEXT_DIM}; font-size: {sz.small}px; padding: 0 {pad}px; }}
    QMenuBar::item {{ background: transparent; padding: {pad // 2}px {pad * 2}px; border-radius: 4px; }}
    QMenuBar::item:selected {{ background: {theme.PANEL_2}; color: {theme.TEXT}; }}
    QMenu {{ background: {theme.PANEL_2}; color: {theme.TEXT}; border: 1px solid {theme.BORDER}; padding: {pad}px; }}
    QMenu::item {{ padding: {pad}px {pad * 4}px; border-radius: 4px; }}
    QMenu::item:selected {{ background: #3a4f75; }}
    QMenu::item:disabled {{ color: {theme.GREY}; }}
    QMenu::separator {{ height: 1px; background: {theme.BORDER}; margin: {pad}px {pad * 2}px; }}
    QLabel#labMessage {{ color: {theme.ACCENT}; padding: 0 {pad * 2}px; }}
    """


def dock_style(sz: theme.Sizes) -> str:
    pad = max(2, round(4 * sz.scale))
    return f"""
    QDockWidget {{ color: {theme.TEXT}; font-size: {sz.small}px; }}
    QDockWidget::title {{ background: {theme.PANEL}; padding: {pad}px; }}
    QGroupBox {{ border: 1px solid {theme.BORDER}; border-radius: 6px; margin-top: {sz.small + pad}px;
        padding-top: {pad}px; font-weight: 600; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: {pad * 2}px; color: {theme.SKY}; }}
    QLineEdit {{ background: {theme.PANEL_2}; border: 1px solid {theme.BORDER}; border-radius: 4px;
        padding: 1px {pad}px; color: {theme.TEXT}; }}
    QLineEdit:focus {{ border: 2px solid {theme.ACCENT}; }}
    QPushButton#labReset {{ padding: 0 {pad}px; }}
    QPushButton#labReset:disabled {{ color: {theme.BORDER}; }}
    """


class LabMenu(QObject):
    """Owns the Lab menu, the parameter dock and the message; talks to the window's controller."""

    EXPORTS = (  # (key, label, every format it can take): the dialogs offer only what is writable now
        ("timeseries", "Time series (CSV or Parquet)…", EXPORT_FORMATS["timeseries"]),
        ("funnel", "Funnel table (CSV)…", EXPORT_FORMATS["funnel"]),
        ("sites", "Per-site table (CSV)…", EXPORT_FORMATS["sites"]),
        ("body", "Body map picture (PNG or SVG)…", EXPORT_FORMATS["body"]),
        ("plots", "Time-series plot (PNG or SVG)…", EXPORT_FORMATS["plots"]),
        ("funnel_chart", "Funnel chart (PNG or SVG)…", EXPORT_FORMATS["funnel_chart"]),
        ("movie", "Movie of the run…", EXPORT_FORMATS["movie"]),  # GIF, and MP4 where an encoder is installed
    )

    def __init__(self, win):
        super().__init__(win)
        self.win = win
        self.controller = win.controller
        self.last_message = ""
        self.fork_window = None
        self.anatomy_window = None
        self.experiment_window = None
        sz = win.sizes
        bar = win.menuBar()
        bar.setStyleSheet(lab_style(sz))
        self.message = QLabel("")
        self.message.setObjectName("labMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.message.setMinimumWidth(round(1000 * sz.scale))  # the corner is sized once, so give it room
        bar.setCornerWidget(self.message, Qt.Corner.TopRightCorner)
        self._clear = QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.setInterval(MESSAGE_MS)
        self._clear.timeout.connect(lambda: self.message.setText(""))
        self.params = ExactParameterPanel(sz)
        self.dock = QDockWidget(tr("Lab: every parameter"), win)
        self.dock.setObjectName("labDock")
        self.dock.setStyleSheet(dock_style(sz))
        self.dock.setWidget(self.params)
        self.dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
        win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.params.set_values(self.controller.params)
        self.menu = QMenu(tr("Lab"), bar)
        self.menu.setToolTipsVisible(True)
        bar.addMenu(self.menu)
        self.actions: dict[str, QAction] = {}
        self._build_menu()
        self._wire()
        win.setAcceptDrops(True)
        win.installEventFilter(self)

    # --- building ---------------------------------------------------------------------------------
    def _add(self, menu: QMenu, key: str, text: str, slot, shortcut: str | None = None) -> QAction:
        act = menu.addAction(tr(text))
        act.triggered.connect(slot)
        if shortcut:
            act.setShortcut(shortcut)
        self.actions[key] = act
        return act

    def _build_menu(self) -> None:
        m = self.menu
        toggle = self.dock.toggleViewAction()
        toggle.setText(tr("Every parameter (exact)…"))
        m.addAction(toggle)
        self.actions["parameters"] = toggle
        m.addSeparator()
        self._add(m, "open_scenario", "Open scenario…", self._on_open_scenario, "Ctrl+O")
        self._add(m, "save_scenario", "Save scenario…", self._on_save_scenario, "Ctrl+S")
        self._add(m, "open_receipt", "Restore a run from a receipt or an exported file…", self._on_open_receipt)
        m.addSeparator()
        ex = m.addMenu(tr("Export"))
        ex.setToolTipsVisible(True)
        for key, label, _ in self.EXPORTS:
            self._add(ex, f"export_{key}", label, lambda _=False, k=key: self._on_export(k))
            if key == "timeseries":
                long = ex.addAction(tr("Time series in long form (a row per time, site and state)"))
                long.setCheckable(True)
                long.setToolTip(
                    tr(
                        "Columns t_days, site_id, site_name, state, cells: one row per time, "
                        "site and state, as data tools like it"
                    )
                )
                self.actions["long_form"] = long
        ex.aboutToShow.connect(self._check_exports)  # asked when shown: probing pyarrow costs start-up time
        m.addSeparator()
        self._add(m, "surgery", "Remove the primary (surgery)", self.controller.remove_primary)
        self._add(m, "fork", "Fork and compare…", self._on_fork)
        self._add(m, "anatomy_or_soil", "Anatomy or soil?…", self._on_anatomy_or_soil)
        self._add(m, "experiments", "Experiments: Luzzi's liver, Fidler's lung…", self._on_experiments)
        m.aboutToShow.connect(self._check_fork)
        m.addSeparator()
        self._add(m, "system_info", "Copy system info", self.copy_system_info)

    def _wire(self) -> None:
        c = self.controller
        self.params.parameter_edited.connect(c.set_parameter)
        self.params.message_changed.connect(lambda t: self.say(t) if t else None)
        c.parameter_changed.connect(self.params.set_value)

    # --- messages ---------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        """One line in the menu bar (and kept in ``last_message`` for tests)."""
        line = " ".join(str(text).split())
        self.last_message = line
        self.message.setText(line if len(line) <= 160 else line[:157] + "…")
        self.message.setToolTip(line)
        self._clear.start()

    def _fail(self, path, exc: BaseException) -> None:
        if isinstance(exc, InputError):
            self.say(str(exc))
        elif isinstance(exc, OSError):
            self.say(f"{path}: {exc.strerror or exc}; nothing was changed")
        else:
            self.say(f"{path}: {type(exc).__name__}: {exc}")

    # --- scenarios --------------------------------------------------------------------------------
    def current_scenario(self) -> Scenario:
        """The scenario as the run now stands: its parameters (differences) and seed."""
        c = self.controller
        sc = c.scenario
        return Scenario(sc.name, sc.primary, c.engine.params.copy(), c.engine.seed, sc.title, sc.description)

    def save_scenario(self, path: str | Path) -> bool:
        p = Path(path)
        try:
            write_files_atomic({p: self.current_scenario().to_toml().encode("utf-8")})
        except (InputError, OSError) as exc:
            self._fail(p, exc)
            return False
        self.say(
            tr("Saved the scenario (parameters that differ from the defaults, and the seed) to {path}", path=p.name)
        )
        return True

    def open_scenario(self, path: str | Path) -> bool:
        p = Path(path)
        try:
            sc = load_scenario(p, tuple(self.controller.graph.primaries()))
        except InputError as exc:
            self._fail(p, exc)
            return False
        self._restart(sc, None)
        self.say(
            tr(
                "Opened {path}: seed {seed}, {n} parameters differ from the defaults",
                path=p.name,
                seed=sc.seed,
                n=len(sc.params.differences()),
            )
        )
        return True

    def _restart(self, sc: Scenario, engine) -> None:
        c = self.controller
        playing = c.playing
        c.load_run(sc, engine)
        self.params.set_values(c.params)
        if playing:
            c.play()

    # --- receipts ---------------------------------------------------------------------------------
    def open_path(self, path: str | Path) -> bool:
        """A dropped or chosen file: a receipt (in or beside it) restores its run; a plain scenario
        file opens as a scenario."""
        p = Path(path)
        try:
            text = find_receipt(p)
        except InputError as exc:
            self._fail(p, exc)
            return False
        if text is None:
            if p.suffix.lower() == ".toml":
                return self.open_scenario(p)
            self.say(tr("{path}: no run receipt in it or beside it ({side})", path=str(p), side=sidecar_path(p).name))
            return False
        return self.restore_receipt(p)

    def restore_receipt(self, path: str | Path) -> bool:
        p = Path(path)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        dialog = None
        try:
            r = load_receipt(p)
            if r.step > LONG_REPLAY_STEPS:  # replaying costs what the run's engine work cost: show it
                dialog = QProgressDialog(tr("Replaying {path}…", path=p.name), tr("Cancel"), 0, 1000, self.win)
                dialog.setWindowModality(Qt.WindowModality.WindowModal)
                dialog.setMinimumDuration(300)
            eng = replay_receipt(
                r,
                graph=self.controller.graph,
                progress=None if dialog is None else lambda f: self._replay_progress(dialog, f),
            )
        except _Cancelled:
            self.say(tr("Restore of {path} cancelled; the run carries on", path=p.name))
            return False
        except (InputError, OSError) as exc:
            self._fail(p, exc)
            return False
        finally:
            QApplication.restoreOverrideCursor()
            if dialog is not None:
                dialog.close()
        self._restart(r.scenario, eng)
        from sim_core import __version__

        note = "" if r.version == __version__ else tr(" (made by version {v}; this is {w})", v=r.version, w=__version__)
        self.say(
            tr("Restored the run of {path}: step {step}, day {day}", path=p.name, step=r.step, day=f"{r.t_days:.4g}")
            + note
        )
        return True

    @staticmethod
    def _replay_progress(dialog, fraction: float) -> None:
        dialog.setValue(round(1000 * min(fraction, 1.0)))
        QApplication.processEvents()
        if dialog.wasCanceled():
            raise _Cancelled

    # --- exports ----------------------------------------------------------------------------------
    def receipt(self, note: str = "") -> str:
        return make_receipt(self.controller.engine, note=note)

    def export(self, key: str, path: str | Path, frames: int = DEFAULT_MOVIE_FRAMES) -> bool:
        """Write one export; True on success. Failures leave any existing file as it was."""
        p = Path(path)
        c, w = self.controller, self.win
        try:
            check_writable(key, p)  # a format this program cannot write: one line, nothing written
            if key == "movie":
                record_movie(w, p, frames=frames)
            elif key == "timeseries":
                export_timeseries(c.engine, p, receipt=self.receipt(), long=self.actions["long_form"].isChecked())
            elif key in ("funnel", "sites"):
                if p.suffix.lower() != ".csv":
                    raise InputError(str(p), "file name", "a table must end in .csv")
                data = funnel_csv(c.engine) if key == "funnel" else sites_csv(c.engine)
                write_files_atomic({p: data, sidecar_path(p): self.receipt().encode("utf-8")})
            else:
                widget = {"body": w.body, "plots": w.plots, "funnel_chart": w.funnel}[key]
                w.refresh_all()
                QApplication.processEvents()
                export_picture(widget, p, self.receipt(), f"Seed & Soil: {c.scenario.title}, day {c.engine.t_days:.1f}")
        except (InputError, OSError) as exc:
            self._fail(p, exc)
            return False
        except Exception as exc:  # noqa: BLE001 - an export must never take the window down
            self._fail(p, exc)
            return False
        self.say(tr("Wrote {path} (step {step}, with its run receipt)", path=p.name, step=c.engine.step_index))
        return True

    # --- menu slots (dialogs) ---------------------------------------------------------------------
    def _ask_save(self, title: str, filt: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.win, tr(title), "", filt)
        return path

    def _on_open_scenario(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.win, tr("Open scenario…"), "", "TOML (*.toml)")
        if path:
            self.open_path(path)

    def _on_save_scenario(self) -> None:
        path = self._ask_save("Save scenario…", "TOML (*.toml)")
        if path:
            self.save_scenario(path if path.lower().endswith(".toml") else path + ".toml")

    def _on_open_receipt(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.win,
            tr("Restore a run from a receipt or an exported file…"),
            "",
            "Receipts and exports (*.toml *.png *.svg *.parquet *.csv *.mp4 *.gif);;All files (*)",
        )
        if path:
            self.open_path(path)

    def _check_exports(self) -> None:
        """An export none of whose formats this program can write (a movie without Pillow or an
        MP4 encoder) is greyed out, with the reason as its tooltip."""
        now = writable_formats()
        for key, _, formats in self.EXPORTS:
            act = self.actions[f"export_{key}"]
            usable = bool(dialog_filter(key, now))
            act.setEnabled(usable)
            act.setToolTip("" if usable else "; ".join(filter(None, map(format_problem, formats))))

    def export_filter(self, key: str) -> str:
        """The save dialog's filter for export ``key``: only what can be written now, best first."""
        return dialog_filter(key)

    def _on_export(self, key: str) -> None:
        filt = self.export_filter(key)
        if not filt:
            self.say("; ".join(filter(None, map(format_problem, EXPORT_FORMATS[key]))))
            return
        path, chosen = QFileDialog.getSaveFileName(self.win, tr("Export"), "", filt)
        if not path:
            return
        if not Path(path).suffix:
            path += "." + chosen.split("*.")[-1].rstrip(")")
        frames = DEFAULT_MOVIE_FRAMES
        if key == "movie":
            frames, ok = QInputDialog.getInt(
                self.win,
                tr("Movie"),
                tr("Frames to record (30 per second of screen time):"),
                DEFAULT_MOVIE_FRAMES,
                2,
                36000,
            )
            if not ok:
                return
        self.export(key, path, frames)

    # --- fork and compare -------------------------------------------------------------------------
    def fork_class(self):
        """``ForkWindow`` if it can be imported (lazily); otherwise None and the reason."""
        try:
            mod = importlib.import_module("desktop.lab.fork.window")
            return mod.ForkWindow, ""
        except Exception as exc:  # noqa: BLE001 - any failure only disables the entry
            return None, f"{type(exc).__name__}: {exc}"

    def _check_fork(self) -> None:
        cls, why = self.fork_class()
        act = self.actions["fork"]
        act.setEnabled(cls is not None)
        act.setToolTip(
            tr("Run two copies of this moment side by side with one change")
            if cls
            else tr("Not available: {why}", why=why)
        )

    def _on_fork(self) -> None:
        cls, why = self.fork_class()
        if cls is None:
            self.actions["fork"].setEnabled(False)
            self.say(tr("Fork and compare is not available: {why}", why=why))
            return
        self._open_window(
            "fork_window",
            lambda: cls(self.controller, parent=self.win),
            lambda why: tr("Fork and compare failed: {why}", why=why),
        )

    def _on_anatomy_or_soil(self) -> None:
        """The main run's patient twice from day 0: blood flow alone against seed and soil."""

        def make():
            from desktop.lab.anatomy_or_soil import AnatomyOrSoilWindow

            return AnatomyOrSoilWindow(self.controller, parent=self.win)

        self._open_window("anatomy_window", make, lambda why: tr("Anatomy or soil? failed: {why}", why=why))

    def _on_experiments(self) -> None:
        """Luzzi's and Fidler's injection experiments replayed, every cell drawn (the main run pauses)."""

        def make():
            from desktop.window.panels.experiment_panel import ExperimentWindow

            return ExperimentWindow(self.controller, parent=self.win)

        self._open_window("experiment_window", make, lambda why: tr("Experiments failed: {why}", why=why))

    def _open_window(self, attr: str, make, failed) -> None:
        """A Lab window opened: ``make()`` builds it (its import included), kept as ``self.<attr>``
        and shown. A failure is said, ``failed(why)``, never a crash of the main window."""
        try:
            window = make()
            setattr(self, attr, window)
            window.show()
        except Exception as exc:  # noqa: BLE001 - a failure is said, never a crash of the main window
            self.say(failed(f"{type(exc).__name__}: {exc}"))

    # --- system info ------------------------------------------------------------------------------
    def copy_system_info(self) -> str:
        text = system_info_text()
        QGuiApplication.clipboard().setText(text)
        self.say(tr("System info copied to the clipboard ({n} lines)", n=text.count("\n") + 1))
        return text

    # --- drag and drop ----------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        t = event.type()
        if obj is self.win and t in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            md = event.mimeData()
            if md.hasUrls() and any(u.isLocalFile() for u in md.urls()):
                event.acceptProposedAction()
                return True
        elif obj is self.win and t == QEvent.Type.Drop:
            md = event.mimeData()
            files = [u.toLocalFile() for u in md.urls() if u.isLocalFile()] if md.hasUrls() else []
            if files:
                event.acceptProposedAction()
                self.open_path(files[0])
                return True
        return super().eventFilter(obj, event)
