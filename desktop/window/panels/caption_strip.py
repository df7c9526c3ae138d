"""CaptionStrip: the cascade's steps as a row of labels (the current one lit) and, below them,
the caption in large type, along the bottom of the window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.core.i18n import tr
from desktop.core.narrator import STEP_LABELS, STEPS, Caption
from desktop.window import theme

STEP_PAD_PX = 2


class CaptionStrip(QWidget):
    #: the step now lit (one of ``narrator.STEPS``), sent with every caption shown
    step_shown = Signal(str)

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
        for i, (key, label) in enumerate(zip(STEPS, STEP_LABELS, strict=False)):
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
        # The strip keeps its height while captions change, so the body map above it does not
        # jump (and re-render) with every caption: the lit step label is bold (taller), so every
        # step label gets the bold height, and the caption area only ever grows, to the tallest
        # caption seen at this width.
        bold = theme.font(sizes.small, bold=True)
        step_h = QFontMetrics(bold).height() + 2 * STEP_PAD_PX + 2
        for lab in self.steps.values():
            lab.setFixedHeight(step_h)
        self._base_text_h = round(2.5 * sizes.large)
        self._text_h = self._base_text_h
        self._text_w = -1
        self.show_caption(Caption.of(lambda: tr("Preparing the simulation…"), "shed"))

    def retranslate(self) -> None:
        for i, (key, label) in enumerate(zip(STEPS, STEP_LABELS, strict=False)):
            self.steps[key].setText(tr(f"{i + 1}  {label}"))
        if self.current is not None:
            self.text.setText(self.current.again())
        self._hold_text_height()

    def show_caption(self, cap: Caption) -> None:
        self.current = cap
        self.text.setText(cap.text)
        for key, lab in self.steps.items():
            on = key == cap.step
            theme.restyle(
                lab,
                f"border-radius: 6px; padding: {STEP_PAD_PX}px 6px; font-size: {self.sizes.small}px;"
                + (
                    f"background: {theme.ACCENT}; color: #111; font-weight: 600;"
                    if on
                    else f"background: {theme.PANEL_2}; color: {theme.TEXT_DIM};"
                ),
            )
        self._hold_text_height()
        self.step_shown.emit(cap.step)

    def _hold_text_height(self) -> None:
        """Grow the caption area to fit the current text; never shrink it at the same width."""
        w = self.text.width()
        if w != self._text_w:  # a new width: measure afresh
            self._text_w = w
            self._text_h = self._base_text_h
        if w > 0:
            self._text_h = max(self._text_h, self.text.heightForWidth(w))
        if self.text.minimumHeight() != self._text_h:
            self.text.setMinimumHeight(self._text_h)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if ev.oldSize().width() != ev.size().width():
            self._hold_text_height()
