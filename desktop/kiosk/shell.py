"""KioskShell: turns an ordinary MainWindow into the exhibit — a top bar (Explore, the quiz,
language, reduce motion, keys), the quiz as a second screen, the Intro/Lab level, lock-down, the
idle countdown and reset, the attract loop, and the staff exit.
"""

from __future__ import annotations

import hashlib
import json
import time

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QPushButton,
    QScrollBar,
    QScroller,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import i18n
from desktop.core.i18n import tr
from desktop.kiosk import a11y
from desktop.kiosk.attract import RELEASE_STEP, AttractLoop
from desktop.kiosk.config import CONTROLS, KioskConfig
from desktop.kiosk.experiment_screen import ExperimentScreen
from desktop.kiosk.idle import ACTIVITY, ATTRACT, IdleMonitor
from desktop.kiosk.lockdown import WATCHED, LockdownFilter, disable_menus
from desktop.kiosk.overlays import AttractOverlay, CountdownOverlay, PinPad, ShortcutsOverlay
from desktop.kiosk.pin import CornerGesture, PinGuard
from desktop.kiosk.quiz_screen import QuizScreen
from desktop.kiosk.split_view import SplitScreen
from desktop.kiosk.window_text import WindowText
from desktop.window import theme
from desktop.window.main_window import MainWindow
from sim_core import BY_PATH

#: Qt's 'no maximum' for a widget's size (QWIDGETSIZE_MAX; PySide6 does not export it)
QWIDGETSIZE_MAX = (1 << 24) - 1
TICK_MS = 250
PINPAD_TIMEOUT_S = 20.0
EXPLORE, QUIZ, SPLIT, EXPERIMENTS = 0, 1, 2, 3


class KioskEvents(QObject):
    """The kiosk's one event filter on the QApplication: the staff-exit gesture, then the idle
    monitor, then the lock-down, in that order (as three filters installed lock-down first ran).
    Every event of the application passes through it, some 3,000 a second while the attract
    loop plays, and each Python filter costs a call into Python with two wrapped objects; one
    filter instead of three saved about 3 % of a core in the attract loop (measured at
    1920x1080). Events none of them looks at go by after one set lookup."""

    LOOKED_AT = frozenset(WATCHED | ACTIVITY | {QEvent.Type.MouseButtonPress})

    def __init__(self, shell: KioskShell):
        super().__init__(shell)
        self.shell = shell

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() not in self.LOOKED_AT:
            return False
        sh = self.shell
        return sh.staff_gesture(obj, ev) or sh.idle.eventFilter(obj, ev) or sh.lockdown.eventFilter(obj, ev)


class KioskShell(QObject):
    reset_done = Signal()  # back at the start state (attract loop running)
    exited = Signal()  # staff PIN accepted

    def __init__(self, win: MainWindow, config: KioskConfig, clock=time.monotonic, app=None):
        super().__init__(win)
        self.win, self.controller, self.config, self.clock = win, win.controller, config, clock
        self.app = app or QApplication.instance()
        self.reduce_motion = config.reduce_motion
        self._pending_journey = False
        self._last_press = None
        self._pin_opened = 0.0
        self._released = False
        self.lockdown = LockdownFilter(self)
        self.idle = IdleMonitor(config.idle_timeout_s, config.countdown_s, clock, self)
        self.attract = AttractLoop(clock, self)
        self.gesture = CornerGesture(clock)
        self.guard = PinGuard(config.pin_hash, clock)
        self._build()
        self._wire()
        self.events = KioskEvents(self)
        self.app.installEventFilter(self.events)
        self.app.setQuitOnLastWindowClosed(False)
        if config.touch:
            self.app.setOverrideCursor(Qt.CursorShape.BlankCursor)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.reset_to_start()

    # --- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        """Turn the window into the kiosk: a nav bar over the stacked screens, the overlays, the
        window restyled for touch.

        Long: one pass in the order its parts depend on each other (the nav bar and the screens, the
        overlays over them, the window restyled for touch and distance, then every target checked
        for size); split, that order would be spread over methods."""
        win, sz = self.win, self.win.sizes
        win.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        central = win.takeCentralWidget()
        self.nav = QWidget()
        nav = QHBoxLayout(self.nav)
        nav.setContentsMargins(round(8 * sz.scale), 0, round(8 * sz.scale), 0)
        self.explore_button = self._nav_button(nav, self.show_explore, checkable=True)
        self.quiz_button = self._nav_button(nav, self.show_quiz, checkable=True)
        self.split_button = self._nav_button(nav, self.show_split, checkable=True)
        self.experiments_button = self._nav_button(nav, self.show_experiments, checkable=True)
        nav.addStretch(1)
        self.motion_button = self._nav_button(nav, self._on_motion_clicked, checkable=True)
        self.lang_button = self._nav_button(nav, self.next_language)
        self.keys_button = self._nav_button(nav, self.toggle_keys)
        self.stack = QStackedWidget()
        self.stack.addWidget(central)
        self.quiz = QuizScreen(sz)
        self.stack.addWidget(self.quiz)
        self.split = SplitScreen(win.controller.graph, sz, self.config.scenarios, self.config.seed)
        self.stack.addWidget(self.split)
        self.experiments = ExperimentScreen(win.controller.graph, sz, self.config.seed)
        self.stack.addWidget(self.experiments)
        self.container = QWidget()
        lay = QVBoxLayout(self.container)
        lay.setContentsMargins(0, round(6 * sz.scale), 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.nav)
        lay.addWidget(self.stack, 1)
        win.setCentralWidget(self.container)
        self.attract_overlay = AttractOverlay(self.container, sz)
        self.attract_overlay.keep_clear = self._legend_rect
        # the attract card runs over the explore screen: a touch there only wakes the exhibit
        self.idle.swallow_wake = lambda: self.attract_overlay.isVisible() and self.stack.currentIndex() == EXPLORE
        self.countdown = CountdownOverlay(self.container, sz)
        self.keys = ShortcutsOverlay(self.container, sz)
        self.pinpad = PinPad(self.container, sz)
        screen = win.screen()
        self.target_px = a11y.min_target_px(
            self.config.min_target_px,
            self.config.min_target_mm,
            screen.geometry().width() if screen else 0,
            self.config.screen_width_mm,
            screen.physicalDotsPerInch() if screen else 96.0,
        )
        # Only the scenarios the curator listed.
        combo = win.top.scenario
        for i in reversed(range(combo.count())):
            if combo.itemData(i) not in self.config.scenarios:
                combo.removeItem(i)
        for key, slot in (
            ("Q", self.show_quiz),
            ("E", self.show_explore),
            ("L", self.next_language),
            ("M", self._on_motion_clicked),
            ("?", self.toggle_keys),
        ):
            sc = QShortcut(QKeySequence(key), win)
            sc.activated.connect(slot)
        win.setStyleSheet(theme.style_sheet(sz) + a11y.kiosk_style(self.target_px, sz, self.config.level == "intro"))
        for row in win.params.rows.values():  # values with units wrap beside the bigger buttons
            row.value_label.setWordWrap(True)
            row.value_label.setFixedWidth(round(125 * sz.scale))
        combo.setMinimumContentsLength(20)  # room for the longer Spanish names
        if self.config.level == "intro":
            # the funnel (most shed cells die: the lesson of the exhibit) in the type of the
            # controls (smaller only where its rows are too close for it), without the log axis a
            # visitor cannot read, and in the room the few Intro sliders leave free
            win.funnel.set_text_px(sz.medium, scale_axis=False, note_px=sz.medium)
            readout = win.readouts if win.readouts is not None else win.funnel
            readout.setMinimumHeight(round(200 * sz.scale))
            readout.setMaximumHeight(QWIDGETSIZE_MAX)
            win.right_column.setStretchFactor(win.params_scroll, 0)
            win.right_column.setStretchFactor(readout, 1)
        # The story card replaces the caption strip while nobody is there; the strip keeps its
        # place, so the map does not jump to a new size (and re-render) when a visitor arrives.
        policy = win.caption.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        win.caption.setSizePolicy(policy)
        if win.readouts is None:  # bigger controls need the height: a shorter plot
            win.plots.setFixedHeight(round(150 * sz.scale))
            if self.config.level != "intro":  # and a tab of touch-sized sliders may scroll
                win.params_scroll.hold = False  # rather than squeeze the funnel's type
                win.params_scroll.setMinimumHeight(0)
                win.funnel.setMinimumHeight(round(270 * sz.scale))
        QScroller.grabGesture(win.params_scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        for bar in win.findChildren(QScrollBar):
            bar.setAccessibleName(tr("Scroll"))
        if win.readouts is not None:
            win.readouts.tabBar().setAccessibleName(tr("Read-outs"))
        # the map's key: the few entries of the lesson in big type, the rest one tap away
        win.body.set_legend_compact(True)
        win.microscope.set_text_px(sz.medium)  # the microscope's label, read from two metres
        self.window_text = WindowText(
            win,
            (
                self.nav,
                self.quiz,
                self.split,
                self.experiments,
                self.attract_overlay,
                self.countdown,
                self.keys,
                self.pinpad,
            ),
        )
        disable_menus(win)
        a11y.enforce_targets(win, self.target_px)

    def _nav_button(self, lay, slot, checkable=False) -> QPushButton:
        b = QPushButton()
        b.setObjectName("big")
        b.setCheckable(checkable)
        b.clicked.connect(slot)
        lay.addWidget(b)
        return b

    def _wire(self) -> None:
        i = self.idle
        i.warned.connect(self._on_idle_warned)
        i.countdown_ticked.connect(self.countdown.show_seconds)
        i.extended.connect(self.countdown.hide)
        i.timed_out.connect(self.reset_to_start)
        i.woke.connect(self._on_idle_woke)
        self.countdown.extend_clicked.connect(self.idle.poke)
        self.attract.step_changed.connect(self.attract_overlay.show_step)
        self.attract.restarted.connect(self._on_attract_restarted)
        self.attract.step_changed.connect(self._on_attract_step_changed)
        self.pinpad.entered.connect(self._on_pinpad_entered)
        self.controller.playing_changed.connect(self._on_controller_playing_changed)

    def _legend_rect(self):
        """The map legend and its button in the overlay's coordinates: the story card keeps clear of them."""
        body = self.win.body
        if not body.legend.isVisible():
            return None
        r = body.legend_rect()  # with its More / Fewer button
        return QRect(body.mapTo(self.container, r.topLeft()), r.size())

    # --- the loop ---------------------------------------------------------------------------------
    def tick(self) -> None:
        if self._pending_journey and self.idle.state == ATTRACT:  # asked for on an earlier tick
            self._pending_journey = False
            if not self.reduce_motion:
                self.controller.reset_all()
                self.controller.play()
        self.idle.check()
        self.attract.tick()
        if self.pinpad.isVisible() and self.clock() - self._pin_opened > PINPAD_TIMEOUT_S:
            self.pinpad.hide()  # a visitor who found it is not left looking at it

    def _on_attract_restarted(self) -> None:
        self._released = False
        self._pending_journey = True  # on the next tick, so a reset is the start state until then

    def _on_attract_step_changed(self, index: int, total: int, text: str) -> None:
        if index >= RELEASE_STEP and not self._released and self.idle.state == ATTRACT and not self.reduce_motion:
            self._released = True  # once per loop, even if a stalled tick skipped a step
            self.controller.release_cluster()  # the cell the captions talk about sets off

    def _on_idle_warned(self) -> None:
        self.countdown.show_seconds(self.idle.seconds_left())
        self.countdown.popup()

    def _on_idle_woke(self) -> None:
        self.attract.stop()
        self.win.set_calm(False)  # someone is watching: full frame pacing
        self.attract_overlay.hide()
        self.win.caption.show()
        self._pending_journey = False
        self.controller.reset_all()
        if not self.reduce_motion:
            self.controller.play()

    def reset_to_start(self) -> None:
        """The canonical start: scenario, seed, sliders, speed, language, level, screen, overlays."""
        c, cfg = self.controller, self.config
        for o in (self.countdown, self.keys, self.pinpad):
            o.hide()
        self.quiz.reset()
        self.split.reset()  # both runs of "Anatomy or soil?" stopped and dropped
        self.experiments.reset()  # the experiment's replay stopped and dropped
        self.stack.setCurrentIndex(EXPLORE)
        i18n.set_language(cfg.language)
        self.reduce_motion = cfg.reduce_motion
        self.win.microscope.set_still(True)  # a still drawing until the model plays (see below)
        c.pause()
        c.seed_override = cfg.seed
        if c.scenario.name != cfg.scenario:
            c.set_scenario(cfg.scenario)
        c.reset_all()
        c.pause()
        self.win.top.scan.setChecked(False)
        self.win.close_card()
        self.win.body.set_legend_expanded(False)  # the key back to its few entries
        self.win.params.show_tab(0)
        self.apply_level()
        self.retranslate()
        self.idle.enter_attract()
        self.win.caption.hide()  # the story card speaks instead of the live narrator
        self.attract_overlay.popup()
        self.win.set_calm(True)  # nobody watching: calm frame pacing (MainWindow.set_calm)
        self.attract.start()
        self.reset_done.emit()

    # --- screens, level, language -----------------------------------------------------------------
    def show_explore(self) -> None:
        self.stack.setCurrentIndex(EXPLORE)
        self._sync_nav()

    def show_quiz(self) -> None:
        if "quiz" in self.visible_controls():
            self.controller.pause()
            self.stack.setCurrentIndex(QUIZ)
        self._sync_nav()

    def show_split(self) -> None:
        """'Anatomy or soil?': the explored patient (cancer type, sliders, seed) twice from day 0."""
        if "anatomy_or_soil" in self.visible_controls():
            self.controller.pause()
            self.split.view.still = self.reduce_motion  # reduce motion: only the end result
            self.split.open(self.controller.engine.scenario.copy())
            self.stack.setCurrentIndex(SPLIT)
        self._sync_nav()

    def show_experiments(self) -> None:
        """'Experiments': Luzzi's liver experiment replayed (Fidler's lung one a tap away)."""
        if "experiments" in self.visible_controls():
            self.controller.pause()
            self.experiments.view.still = self.reduce_motion  # reduce motion: only the end result
            self.experiments.open()
            self.stack.setCurrentIndex(EXPERIMENTS)
        self._sync_nav()

    def visible_controls(self) -> set[str]:
        return set(CONTROLS) if self.config.level == "lab" else set(self.config.controls)

    def apply_level(self) -> None:
        v, w, cfg = self.visible_controls(), self.win, self.config
        w.top.scenario.setVisible("scenario" in v)
        w.top.scan.setVisible("scan" in v)
        w.top.size.setVisible("scan" in v)
        for path, row in w.params.rows.items():
            row.setVisible("sliders" in v and (cfg.level == "lab" or path in cfg.intro_sliders))
        w.params.treatment.setVisible("treatment" in v)
        w.params.surgery.setVisible("surgery" in v)
        w.params.effect.setVisible("treatment" in v)
        # a few controls (Intro) stand one under the other; all of them (Lab) go in their tabs
        w.params.set_tabbed(cfg.level == "lab")
        pb = w.playback
        for key, widgets in (
            ("play", [pb.play]),
            ("reset", [pb.reset]),
            ("step", [pb.step]),
            ("speed", [pb.slower, pb.faster, pb.speed]),
            ("fast_forward", [pb.ff]),
            ("cluster", [pb.cluster]),
        ):
            for x in widgets:
                x.setVisible(key in v)
        if w.readouts is not None:
            w.readouts.setVisible("funnel" in v or "plots" in v)
            w.readouts.setTabVisible(0, "funnel" in v)
            w.readouts.setTabVisible(1, "plots" in v)
            # one tab needs no tab bar (it would repeat the panel's own heading)
            w.readouts.tabBar().setVisible("funnel" in v and "plots" in v)
        else:
            w.funnel.setVisible("funnel" in v)
            w.plots.setVisible("plots" in v)
        if cfg.level == "intro":
            # the read-outs take the spare room, so the few sliders must keep theirs
            frame = 2 * w.params_scroll.frameWidth()
            w.params_scroll.setMinimumHeight(w.params.sizeHint().height() + frame)
        self.quiz_button.setVisible("quiz" in v)
        self.split_button.setVisible("anatomy_or_soil" in v)
        self.experiments_button.setVisible("experiments" in v)
        self.explore_button.setVisible("quiz" in v or "anatomy_or_soil" in v or "experiments" in v)
        self.lang_button.setVisible("language" in v)
        self.motion_button.setVisible("reduce_motion" in v)

    def next_language(self) -> None:
        langs = list(i18n.LANGUAGES)
        self.set_language(langs[(langs.index(i18n.language()) + 1) % len(langs)])

    def set_language(self, lang: str) -> None:
        i18n.set_language(lang)
        self.retranslate()

    def retranslate(self) -> None:
        self.explore_button.setText(tr("Explore"))
        self.explore_button.setAccessibleName(tr("Explore the body"))
        self.quiz_button.setText(tr("Know the Flow quiz"))
        self.quiz_button.setAccessibleName(tr("Open the Know the Flow quiz"))
        self.split_button.setText(tr("Anatomy or soil?"))
        self.split_button.setAccessibleName(tr("Compare blood flow alone with seed and soil"))
        self.experiments_button.setText(tr("Experiments"))
        self.experiments_button.setAccessibleName(tr("Replay the injection experiments of Luzzi and Fidler"))
        other = next(k for k in i18n.LANGUAGES if k != i18n.language())
        self.lang_button.setText(i18n.LANGUAGES[other])
        self.lang_button.setAccessibleName(tr("Change language to {name}", name=i18n.LANGUAGES[other]))
        self.motion_button.setText(tr("Reduce motion"))
        self.motion_button.setAccessibleName(tr("Reduce motion on or off"))
        self.motion_button.setChecked(self.reduce_motion)
        self.keys_button.setText("?")
        self.keys_button.setAccessibleName(tr("Show the keyboard keys"))
        for x in (
            self.quiz,
            self.split,
            self.experiments,
            self.countdown,
            self.attract_overlay,
            self.keys,
            self.window_text,
        ):
            x.retranslate()
        self.pinpad.retranslate()
        self.pinpad.set_message(tr("Staff PIN"))
        self.attract.retranslate()
        self._sync_nav()

    def _sync_nav(self) -> None:
        self.explore_button.setChecked(self.stack.currentIndex() == EXPLORE)
        self.quiz_button.setChecked(self.stack.currentIndex() == QUIZ)
        self.split_button.setChecked(self.stack.currentIndex() == SPLIT)
        self.experiments_button.setChecked(self.stack.currentIndex() == EXPERIMENTS)

    def _on_controller_playing_changed(self, playing: bool) -> None:
        # the microscope moves only while the model plays and reduce motion is off
        self.win.microscope.set_still(self.reduce_motion or not playing)
        if not playing:
            self.win.body.freeze()  # pause stops all motion within one frame

    def _on_motion_clicked(self) -> None:
        self.reduce_motion = not self.reduce_motion
        self.motion_button.setChecked(self.reduce_motion)
        self.win.microscope.set_still(self.reduce_motion or not self.controller.playing)
        if self.reduce_motion:
            self.controller.pause()
            self.win.body.freeze()

    def toggle_keys(self) -> None:
        if self.keys.isVisible():
            self.keys.hide()
        else:
            self.keys.popup()

    # --- staff exit -------------------------------------------------------------------------------
    def staff_gesture(self, obj, ev) -> bool:
        """Counts a press towards the staff exit's corner taps (called by ``KioskEvents``); never
        swallows it."""
        if ev.type() == QEvent.Type.MouseButtonPress and isinstance(obj, QWidget) and obj.window() is self.win:
            key = (ev.timestamp(), ev.globalPosition().toPoint().toTuple())
            if key != self._last_press:  # the same press may reach each parent in turn
                self._last_press = key
                if isinstance(obj, a11y.INTERACTIVE):
                    return False  # taps on controls never count towards the gesture
                p = self.win.mapFromGlobal(ev.globalPosition().toPoint())
                if self.gesture.tap(p.x(), p.y()):
                    self.open_pinpad()
        return False

    def open_pinpad(self) -> None:
        self.pinpad.set_message(tr("Staff PIN"))
        self.pinpad.popup()
        self._pin_opened = self.clock()

    def _on_pinpad_entered(self, pin: str) -> None:
        if self.guard.locked_for_s() > 0:
            self.pinpad.set_message(tr("Locked. Try again in {n} s.", n=round(self.guard.locked_for_s())))
        elif self.guard.try_pin(pin):
            self.exit_kiosk()
        elif self.guard.locked_for_s() > 0:
            self.pinpad.set_message(tr("Locked. Try again in {n} s.", n=round(self.guard.locked_for_s())))
        else:
            self.pinpad.set_message(tr("Wrong PIN"))

    def uninstall(self) -> None:
        """Undo what kiosk mode did to the application (staff exit, and tests)."""
        self.lockdown.allow_close = True
        self.timer.stop()
        self.app.removeEventFilter(self.events)
        if self.config.touch:
            self.app.restoreOverrideCursor()
        self.app.setQuitOnLastWindowClosed(True)

    def exit_kiosk(self) -> None:
        self.uninstall()
        self.exited.emit()
        self.win.close()
        self.app.quit()

    # --- state ------------------------------------------------------------------------------------
    def state(self) -> dict:
        c, e, w = self.controller, self.controller.engine, self.win
        return {
            "scenario": c.scenario.name,
            "seed": int(e.seed),
            "speed": c.speed_index,
            "params": {p: float(c.params[p]) for p in sorted(BY_PATH)},
            "language": i18n.language(),
            "level": self.config.level,
            "screen": self.stack.currentIndex(),
            "reduce_motion": self.reduce_motion,
            "visible": sorted(type(x).__name__ + ":" + x.accessibleName() for x in a11y.interactive_widgets(w)),
            "t_days": float(e.t_days),
            "steps": int(e.step_index),
            "counters": [float(x) for x in e.counters],
            "quiz": list(self.quiz.model.slots),
        }

    def state_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.state(), sort_keys=True).encode()).hexdigest()
