"""CaptionStrip: the cascade's steps as a row of labels (the current one lit) and, below them,
the caption in large type, along the bottom of the window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .. import theme
from ..kiosk.i18n import tr
from ..narrator import STEP_LABELS, STEPS, Caption


class CaptionStrip(QWidget):
    def __init__(self, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.sizes = sizes
        lay = QVBoxLayout(self)
        m = round(10 * sizes.scale)
        lay.setContentsMargins(2 * m, m, 2 * m, m)
        lay.setSpacing(round(4 * sizes.scale))
        row = QHBoxLayout()
        row.setSpacing(round(6 * sizes.scale))
        self.steps: dict[str, QLabel] = {}
        for i, (key, label) in enumerate(zip(STEPS, STEP_LABELS)):
            lab = QLabel(tr(f"{i + 1}  {label}"))
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.steps[key] = lab
            row.addWidget(lab, 1)
            if i < len(STEPS) - 1:
                arrow = QLabel("›")
                arrow.setObjectName("dim")
                row.addWidget(arrow)
        lay.addLayout(row)
        self.text = QLabel("")
        self.text.setObjectName("caption")
        self.text.setWordWrap(True)
        self.text.setAccessibleName(tr("Caption"))
        self.text.setMinimumHeight(round(2.5 * sizes.large))
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        lay.addWidget(self.text)
        self.current: Caption | None = None
        self.show_caption(Caption.of(lambda: tr("Preparing the simulation…"), "shed"))

    def retranslate(self) -> None:
        for i, (key, label) in enumerate(zip(STEPS, STEP_LABELS)):
            self.steps[key].setText(tr(f"{i + 1}  {label}"))
        if self.current is not None:
            self.text.setText(self.current.again())

    def show_caption(self, cap: Caption) -> None:
        self.current = cap
        self.text.setText(cap.text)
        for key, lab in self.steps.items():
            on = key == cap.step
            lab.setStyleSheet(
                f"border-radius: 6px; padding: 2px 6px; font-size: {self.sizes.small}px;"
                + (f"background: {theme.ACCENT}; color: #111; font-weight: 600;" if on
                   else f"background: {theme.PANEL_2}; color: {theme.TEXT_DIM};"))
