"""PlaybackBar: Reset All, play/pause, step, slower/faster with the speed shown, fast-forward, and
'release a cluster' to follow one journey. Emits intents; shows state from the controller.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QWidget

from desktop.core.i18n import tr
from desktop.core.speeds import SPEEDS
from desktop.window import theme


class PlaybackBar(QWidget):
    play_toggled = Signal()
    step_requested = Signal()
    slower_requested = Signal()
    faster_requested = Signal()
    fast_forward_requested = Signal()
    reset_requested = Signal()
    cluster_requested = Signal()

    def __init__(self, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.reset = self._button("⟲  Reset all", "Reset all: back to the start", self.reset_requested, "R")
        self.play = self._button("▶  Play", "Play or pause", self.play_toggled, "Space")
        self.play.setObjectName("big")
        self.step = self._button("Step ▶|", "Step one frame", self.step_requested, "S")
        self.slower = self._button("−", "Slower", self.slower_requested, "[")
        self.faster = self._button("+", "Faster", self.faster_requested, "]")
        self.ff = self._button(
            "▶▶  Fast-forward", "Fast-forward: one year per second", self.fast_forward_requested, "F"
        )
        self.cluster = self._button(
            "✦ Release a cluster", "Release a cluster of cells and follow its journey", self.cluster_requested, "C"
        )
        self.speed = QLabel()
        self.speed.setObjectName("heading")
        self.speed.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.speed.setAccessibleName(tr("Speed"))
        for b in (self.slower, self.faster):
            b.setFixedWidth(round(44 * sizes.scale))
        grid = QGridLayout(self)
        m = round(6 * sizes.scale)
        grid.setContentsMargins(m, m, m, m)
        grid.setSpacing(round(6 * sizes.scale))
        grid.addWidget(self.play, 0, 0, 1, 2)
        grid.addWidget(self.step, 0, 2)
        grid.addWidget(self.reset, 0, 3)
        grid.addWidget(self.cluster, 0, 4)
        grid.addWidget(self.slower, 1, 0)
        grid.addWidget(self.speed, 1, 1, 1, 1)
        grid.addWidget(self.faster, 1, 2)
        grid.addWidget(self.ff, 1, 3, 1, 2)
        grid.setColumnStretch(1, 1)
        self.set_playing(False)
        self.set_speed(1)

    def _button(self, text: str, name: str, signal, key: str) -> QPushButton:
        b = QPushButton(tr(text))
        b.setAccessibleName(tr(name))
        b.setToolTip(tr("{name}  (key: {key})", name=tr(name), key=key))
        b.clicked.connect(signal.emit)
        return b

    def set_playing(self, playing: bool) -> None:
        self.play.setText("❚❚  " + tr("Pause") if playing else "▶  " + tr("Play"))

    def set_speed(self, index: int) -> None:
        sp = SPEEDS[index]
        self.speed.setText(f"{sp.label_text} / s")
        self.speed.setAccessibleDescription(sp.scale_text)
        self.slower.setEnabled(index > 0)
        self.faster.setEnabled(index < len(SPEEDS) - 1)
