"""TopBar: the title, the cancer type, the honest clock (time and which time scale is shown),
the staging-like summary (N, M) and the 'what a scan would see' switch with its detection size.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.i18n import num, tr
from desktop.core.speeds import Speed, clock_text
from desktop.core.staging import Stage
from desktop.window import theme
from sim_core import list_presets, load_scenario


class TopBar(QWidget):
    scenario_chosen = Signal(str)
    scan_toggled = Signal(bool, float)

    def __init__(self, sizes: theme.Sizes, parent=None):
        """The bar across the top: the title, the cancer type, the clock, the staging and the scan
        switch.

        Long: builds the bar's widgets from left to right as they appear; split, the layout would be
        read out of order."""
        super().__init__(parent)
        self.setObjectName("panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QHBoxLayout(self)
        m = round(10 * sizes.scale)
        lay.setContentsMargins(2 * m, m // 2, 2 * m, m // 2)
        lay.setSpacing(2 * m)
        title = QLabel("Seed & Soil")
        title.setObjectName("clock")
        title.setStyleSheet(f"color: {theme.TEXT};")
        lay.addWidget(title)
        self.scenario = QComboBox()
        self.scenario.setAccessibleName(tr("Cancer type"))
        self._english: list[str] = []
        for name in list_presets():
            try:
                label = load_scenario(name).title
            except Exception:  # a broken preset must not keep the window from opening
                label = name
            self.scenario.addItem(tr(label), name)
            self._english.append(label)
        self.scenario.activated.connect(self._on_scenario_activated)
        self.scenario.currentIndexChanged.connect(lambda _i: self._fit_scenario())
        self.scenario.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scenario.setMinimumContentsLength(14)
        lay.addWidget(self.scenario)
        clock_box = QVBoxLayout()
        clock_box.setSpacing(0)
        self.clock = QLabel(tr("Day {day}", day=0))
        self.clock.setObjectName("clock")
        self.clock.setAccessibleName(tr("Clock"))
        self.scale = QLabel("")
        self.scale.setObjectName("dim")
        self.scale.setWordWrap(True)
        clock_box.addWidget(self.clock)
        clock_box.addWidget(self.scale)
        lay.addLayout(clock_box, 1)
        stage_box = QVBoxLayout()
        stage_box.setSpacing(0)
        self.stage = QLabel("N0 · M0")
        self.stage.setObjectName("stage")
        self.stage.setAccessibleName(tr("Staging summary"))
        self.stage_text = QLabel("")
        self.stage_text.setObjectName("dim")
        self.stage_text.setWordWrap(True)
        self.stage_text.setMaximumWidth(round(520 * sizes.scale))
        stage_box.addWidget(self.stage)
        stage_box.addWidget(self.stage_text)
        lay.addLayout(stage_box, 1)
        scan_box = QVBoxLayout()
        self.scan = QCheckBox(tr("What a scan would see"))
        self.scan.setAccessibleName(tr("Show only what a scan would see"))
        self.scan.toggled.connect(self._on_scan_changed)
        self.size = QSpinBox()
        self.size.setRange(1, 30)
        self.size.setValue(5)
        self.size.setSuffix(tr(" mm detection size"))
        self.size.setAccessibleName(tr("Smallest lesion a scan detects, in millimetres"))
        self.size.valueChanged.connect(self._on_scan_changed)
        scan_box.addWidget(self.scan)
        scan_box.addWidget(self.size)
        lay.addLayout(scan_box)

    def _on_scenario_activated(self, i: int) -> None:
        self.scenario_chosen.emit(self.scenario.itemData(i))

    def _on_scan_changed(self, *args) -> None:
        self.scan_toggled.emit(self.scan.isChecked(), float(self.size.value()))

    def set_scenario(self, name: str) -> None:
        i = self.scenario.findData(name)
        if i >= 0:
            self.scenario.setCurrentIndex(i)
        self._fit_scenario()

    def _fit_scenario(self) -> None:
        """Room for the shown cancer type, measured in the units Qt sizes the box by (the width of
        an 'x'; a title with wide letters such as 'Carcinoma de mama' needs more of them than it has
        characters): at least 14 and at most 28 (so that the window still fits 1000 px), the cap
        widened as much as a translation is longer than the English name. A longer title is elided
        in the box and shown whole in its tooltip and drop-down list."""
        i = self.scenario.currentIndex()
        if not 0 <= i < len(self._english):
            return
        fm = self.scenario.fontMetrics()
        shown = fm.horizontalAdvance(self.scenario.currentText())
        ratio = max(1.0, shown / max(fm.horizontalAdvance(self._english[i]), 1))
        need = math.ceil(shown / max(fm.horizontalAdvance("x"), 1)) + 1
        self.scenario.setMinimumContentsLength(max(14, min(need, math.ceil(28 * ratio))))
        self.scenario.setToolTip(self.scenario.currentText())

    def show_time(self, t_days: float, speed: Speed, actual_rate: float, playing: bool) -> None:
        self.clock.setText(clock_text(t_days, speed.growth))
        text = speed.scale_text
        if playing and actual_rate > 0 and actual_rate < 0.7 * speed.body_s_per_s:
            text += tr(" (running at {pct} %: heavy run)", pct=num(100 * actual_rate / speed.body_s_per_s))
        if not playing:
            text += tr(" · paused")
        self.scale.setText(text)

    def show_stage(self, st: Stage, scan: bool) -> None:
        who = tr("Scan sees") if scan else tr("In the body")
        self.stage.setText(f"{who}: {st.n_label} · {st.m_label}")
        self.stage_text.setText(f"N: {st.n_text}.  M: {st.m_text}.")

    def retranslate(self) -> None:
        self.size.setSuffix(tr(" mm detection size"))
        self._fit_scenario()
