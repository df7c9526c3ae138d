"""MainWindow: lays out the top bar (cancer type, clock, staging, scan switch), the body map
(three fifths of the width), the control column (playback, sliders, funnel, time series) and
the caption strip, and wires panels to the controller. Panels never talk to each other.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.frames import FrameData, lesion_diameter_mm
from desktop.core.i18n import tr
from desktop.core.narrator import Caption
from desktop.core.staging import stage
from desktop.window import theme
from desktop.window.controller import SimController
from desktop.window.panels.caption_strip import CaptionStrip
from desktop.window.panels.funnel_panel import FunnelPanel
from desktop.window.panels.organ_panel import OrganPanel, organ_report
from desktop.window.panels.parameter_panel import ParameterPanel
from desktop.window.panels.playback_bar import PlaybackBar
from desktop.window.panels.plots_panel import PlotsPanel
from desktop.window.panels.top_bar import TopBar
from desktop.window.views.body_view import BodyView
from desktop.window.views.microscope import MicroscopePanel

#: Wall seconds between refreshes of the slower read-outs (plots, funnel, organ card).
SLOW_REFRESH_S = 0.25
PLOT_REFRESH_S = 0.5
#: Below this UI scale (a window under ~970 px high) the funnel and the time series become tabs.
COMPACT_BELOW_SCALE = 0.9


class ParamsScroll(QScrollArea):
    """The sliders' scroll area. Its size hint follows the panel inside (QScrollArea keeps the
    first one it saw); with ``hold`` set it is never made shorter than that, so the read-outs
    below take only what the sliders leave (a word-wrapped note of theirs asks for more)."""

    hold = False

    def sizeHint(self) -> QSize:
        w = self.widget()
        f = 2 * self.frameWidth()
        hint = w.sizeHint() if w is not None else QSize(0, 0)
        return QSize(hint.width() + f, hint.height() + f)

    def follow_panel(self) -> None:
        if self.hold:
            self.setMinimumHeight(self.sizeHint().height())
        self.updateGeometry()

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.widget() and ev.type() == QEvent.Type.LayoutRequest:
            self.follow_panel()  # e.g. another language, or a tab shown or hidden
        return super().eventFilter(obj, ev)


class MainWindow(QMainWindow):
    def __init__(self, controller: SimController, sizes: theme.Sizes):
        """The window: the top bar, the body map, a column of playback, sliders and read-outs, the
        caption strip.

        Long: builds the panels and lays them out in the order they appear (the top bar, the map,
        the right column, arranged otherwise on small screens, the caption), then wires them; split,
        the layout would be read out of order."""
        super().__init__()
        self.controller = controller
        self.sizes = sizes
        self.setWindowTitle(tr("Seed & Soil — how cancer spreads"))
        self.setStyleSheet(theme.style_sheet(sizes))
        g = controller.graph
        self.top = TopBar(sizes)
        self.body = BodyView(g, sizes)
        self.card = OrganPanel(sizes)
        self.body.set_card(self.card)
        self.playback = theme.as_panel(PlaybackBar(sizes))
        self.params = ParameterPanel(sizes)
        self.funnel = theme.as_panel(FunnelPanel(sizes))
        self.plots = theme.as_panel(PlotsPanel(g, sizes))
        self.caption = CaptionStrip(sizes)
        # the microscope: the lit step, drawn small over the map's empty top-left corner
        self.microscope = MicroscopePanel(sizes)
        self.microscope.attach(self.body)
        self.microscope.set_step(self.caption.current.step)
        self.caption.step_shown.connect(self.microscope.set_step)
        scroll = ParamsScroll()
        scroll.setWidget(self.params)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.params_scroll = theme.as_panel(scroll)
        self.right_column = right = QVBoxLayout()
        right.setSpacing(round(8 * sizes.scale))
        right.addWidget(self.playback)
        #: the read-outs as two tabs on small screens; None when they stand one above the other
        self.readouts: QTabWidget | None = None
        if sizes.scale >= COMPACT_BELOW_SCALE:
            # the sliders get the height their tallest tab needs; the funnel and the time series
            # share the rest (the funnel more: twelve rows of text; the plot keeps room for its
            # eight end labels)
            right.addWidget(self.params_scroll, 0)
            scroll.hold = True
            scroll.follow_panel()
            for panel, minimum, stretch in ((self.funnel, 210, 5), (self.plots, 120, 3)):
                policy = panel.sizePolicy()
                policy.setVerticalPolicy(QSizePolicy.Policy.Ignored)
                panel.setSizePolicy(policy)
                panel.setMinimumHeight(round(minimum * sizes.scale))
                right.addWidget(panel, stretch)
        else:  # small screens: the two read-outs share one taller place, as tabs
            right.addWidget(self.params_scroll, 1)
            self.readouts = QTabWidget()
            self.readouts.addTab(self.funnel, tr("Where the cells went"))
            self.readouts.addTab(self.plots, tr("Cells by site"))
            # tall enough for the funnel's rows, short enough that a 700 px window (with the Lab
            # menu bar) still fits its minimum height
            self.readouts.setFixedHeight(round(440 * sizes.scale))
            right.addWidget(self.readouts)
        middle = QHBoxLayout()
        middle.setSpacing(round(8 * sizes.scale))
        # the body is tall and narrow: three fifths of the width frame it at full height, and the
        # column gets the width for its sliders' values and for tabs beside its heading
        middle.addWidget(self.body, 3)
        right_w = QWidget()
        right_w.setLayout(right)
        right.setContentsMargins(0, 0, 0, 0)
        middle.addWidget(right_w, 2)
        root = QVBoxLayout()
        m = round(8 * sizes.scale)
        root.setContentsMargins(m, m, m, m)
        root.setSpacing(m)
        root.addWidget(self.top)
        root.addLayout(middle, 1)
        root.addWidget(self.caption)
        central = QWidget()
        central.setLayout(root)
        self.setCentralWidget(central)
        self._last_slow = 0.0
        self._last_plot = 0.0
        self.frames_shown = 0
        self._scan_mm: float | None = None
        self._wire()
        self._shortcuts()
        self._on_controller_scenario_changed(controller.scenario)
        for spec_path in self.params.rows:
            self.params.set_value(spec_path, controller.params[spec_path])
        self.playback.set_speed(controller.speed_index)

    # --- wiring -----------------------------------------------------------------------------------
    def _wire(self) -> None:
        c = self.controller
        c.runner.pacer = self.body.frame_interval_s  # frames paced to what moves on the map
        c.snapshot_ready.connect(self._on_controller_snapshot_ready)
        c.caption_changed.connect(self._on_controller_caption_changed)
        c.playing_changed.connect(self._on_controller_playing_changed)
        c.speed_changed.connect(self._on_controller_speed_changed)
        c.parameter_changed.connect(self.params.set_value)
        c.scenario_changed.connect(self._on_controller_scenario_changed)
        c.follow_changed.connect(self.body.set_follow)
        c.journey_ready.connect(self.body.play_journey)
        c.error_occurred.connect(self._on_controller_error_occurred)
        c.reset_done.connect(self._on_controller_reset_done)
        pb = self.playback
        pb.play_toggled.connect(c.toggle_play)
        pb.step_requested.connect(c.step_once)
        pb.slower_requested.connect(c.slower)
        pb.faster_requested.connect(c.faster)
        pb.fast_forward_requested.connect(c.fast_forward)
        pb.reset_requested.connect(c.reset_all)
        pb.cluster_requested.connect(c.release_cluster)
        self.params.parameter_edited.connect(c.set_parameter)
        self.params.treatment_toggled.connect(c.set_treatment)
        self.params.surgery_requested.connect(c.remove_primary)
        self.top.scenario_chosen.connect(c.set_scenario)
        self.top.scan_toggled.connect(self._on_top_scan_toggled)
        self.body.organ_clicked.connect(self._on_body_organ_clicked)
        self.body.lesion_clicked.connect(self._on_body_lesion_clicked)
        self.body.background_clicked.connect(self.close_card)
        self.card.replay_requested.connect(self._on_card_replay_requested)
        self.card.closed.connect(self._on_card_closed)

    def _shortcuts(self) -> None:
        c = self.controller
        for key, slot in (
            ("Space", c.toggle_play),
            ("S", c.step_once),
            ("[", c.slower),
            ("]", c.faster),
            ("F", c.fast_forward),
            ("R", c.reset_all),
            ("C", c.release_cluster),
            ("Escape", self.close_card),
            ("0", self.body.fit),
        ):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)

    # --- controller -> views ------------------------------------------------------------------------
    def _on_controller_snapshot_ready(self, f: FrameData) -> None:
        c = self.controller
        self.frames_shown += 1
        self.body.show_frame(f)
        self._show_time()
        now = time.perf_counter()
        if now - self._last_slow >= SLOW_REFRESH_S or not c.playing:
            self._last_slow = now
            self._refresh_slow(f)
        if now - self._last_plot >= PLOT_REFRESH_S or not c.playing:
            self._last_plot = now
            self.plots.show_history(*c.history())

    def set_calm(self, calm: bool) -> None:
        """Calm while nobody watches (the kiosk's attract loop): the map's frames paced coarser
        (``body_view.PACE_CALM_*``) and the microscope at half its share of the GUI thread."""
        self.body.calm = bool(calm)
        self.microscope.view.set_calm(calm)

    def retranslate(self) -> None:
        """Re-render every live text (caption, clock, staging, panels, map labels) in the current language;
        fixed labels are re-set by the caller (``kiosk.window_text.WindowText``)."""
        self.setWindowTitle(tr("Seed & Soil — how cancer spreads"))
        if self.readouts is not None:
            self.readouts.setTabText(0, tr("Where the cells went"))
            self.readouts.setTabText(1, tr("Cells by site"))
        self.caption.retranslate()
        self.microscope.retranslate()
        self.top.retranslate()
        self.funnel.retranslate()
        self.plots.retranslate()
        self.params.retranslate()
        self.playback.set_speed(self.controller.speed_index)
        self.playback.set_playing(self.controller.playing)
        self._show_time()
        self.body.retranslate()
        self.refresh_all()

    def refresh_all(self) -> None:
        """Bring every read-out up to date now (before a screenshot)."""
        f = self.controller.last_frame
        if f is not None:
            self._refresh_slow(f)
            self.plots.show_history(*self.controller.history())

    def _refresh_slow(self, f: FrameData) -> None:
        c = self.controller
        self.funnel.show_frame(f)
        s = f.snap
        d = lesion_diameter_mm(s.lesion_cells, f.cells_per_g)
        scan = self._scan_mm
        st = stage(
            c.graph, c.scenario.primary, s.lesion_comp, s.lesion_state, d, s.dormant_cells, min_diam_mm=scan or 0.0
        )
        self.top.show_stage(st, scan is not None)
        ex = f.extra
        self.params.show_treatment(
            f.t_days, ex.get("antiangio_start_day", 0.0), ex.get("antiangio_multiplier", 1.0), ex.get("antiangio_curve")
        )
        self.params.show_surgery(c.engine.primary_cells > 0)
        if self.card.isVisible() and self.card.comp >= 0:
            self.card.show_report(self._report(self.card.comp, f))
            self.body.place_overlays()

    def _report(self, comp: int, f: FrameData):
        c = self.controller
        g = c.graph
        soil = c.engine.site_soil(comp) if g.soil_key[comp] else None
        return organ_report(g, f, comp, c.scenario.primary, soil)

    def _on_controller_playing_changed(self, playing: bool) -> None:
        self.playback.set_playing(playing)
        self._show_time()

    def _on_controller_speed_changed(self, index: int) -> None:
        self.playback.set_speed(index)
        self._show_time()

    def _show_time(self) -> None:
        c = self.controller
        self.top.show_time(c.engine.t_days, c.speed, c.runner.actual_rate, c.playing)

    def _on_controller_caption_changed(self, cap: Caption) -> None:
        self.caption.show_caption(cap)

    def _on_controller_scenario_changed(self, sc) -> None:
        self.top.set_scenario(sc.name)
        self.body.set_primary(sc.primary)
        self.plots.set_primary(sc.primary)
        self.card.hide()

    def _on_controller_reset_done(self) -> None:
        self.body.set_primary(self.controller.scenario.primary)
        self.plots.set_primary(self.controller.scenario.primary)
        self.card.hide()

    def _on_controller_error_occurred(self, message: str) -> None:
        self.caption.show_caption(Caption.of(lambda: tr("That did not work: {message}", message=message), "shed"))

    # --- views -> controller ----------------------------------------------------------------------
    def _on_top_scan_toggled(self, on: bool, mm: float) -> None:
        self._scan_mm = mm if on else None
        self.body.set_scan(self._scan_mm)
        if self.controller.last_frame is not None:
            self._refresh_slow(self.controller.last_frame)

    def _on_body_organ_clicked(self, comp_id: str) -> None:
        f = self.controller.last_frame
        if f is None:
            return
        comp = self.controller.graph.index[comp_id]
        self.body.select_organ(comp_id)
        self.card.show_report(self._report(comp, f))
        self.card.show()
        self.body.place_overlays()

    def _on_body_lesion_clicked(self, lesion_id: int) -> None:
        f = self.controller.last_frame
        if f is not None:
            hit = (f.snap.lesion_id == lesion_id).nonzero()[0]
            if hit.size:
                self._on_body_organ_clicked(self.controller.graph.ids[int(f.snap.lesion_comp[hit[0]])])
        self.body.lesions.selected_lesion = lesion_id
        self.controller.replay_lesion(lesion_id)

    def _on_card_replay_requested(self, lesion_id: int) -> None:
        self.body.lesions.selected_lesion = lesion_id
        self.controller.replay_lesion(lesion_id)

    def close_card(self) -> None:
        """Close the organ card and clear the selection (a tap on the map's background, Esc, a reset)."""
        self.card.hide()
        self._on_card_closed()

    def _on_card_closed(self) -> None:
        self.body.select_organ("")
