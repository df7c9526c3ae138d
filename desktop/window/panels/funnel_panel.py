"""FunnelPanel: the inefficiency of metastasis on a log scale. Millions of cells leave the
tumour, almost all die (by cause), a handful arrest, escape, sleep or grow, and a few are enough.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QWidget

from desktop.core.frames import FrameData, counter
from desktop.core.i18n import num, sig, tr
from desktop.core.narrator import count_text
from desktop.window import theme

#: (label, how to compute from the counters, colour); the first seven form the funnel.
ROWS = (
    ("shed", lambda c: counter(c, "shed") + counter(c, "injected"), theme.SKY),
    ("survived transit", lambda c: counter(c, "arrested") + counter(c, "entered_cavity"), theme.SKY),
    ("arrested", lambda c: counter(c, "arrested"), theme.ARREST),
    ("escaped into tissue", lambda c: counter(c, "extravasated"), theme.SKY),
    ("fell dormant", lambda c: counter(c, "entered_dormancy"), theme.DORMANT),
    ("micrometastases", lambda c: counter(c, "micrometastases_founded"), theme.MICRO),
    ("macrometastases", lambda c: counter(c, "angiogenic_switches"), theme.MACRO),
    ("died: anoikis", lambda c: counter(c, "died_anoikis"), theme.DEATH_ANOIKIS),
    ("died: shear", lambda c: counter(c, "died_shear"), theme.DEATH_SHEAR),
    ("died: immune attack", lambda c: counter(c, "died_immune"), theme.DEATH_IMMUNE),
    ("died: in capillaries", lambda c: counter(c, "died_arrested"), theme.GREY),
    (
        "died: in tissue",
        lambda c: (
            counter(c, "died_in_tissue") + counter(c, "died_in_cavity") + counter(c, "died_in_regressing_lesions")
        ),
        theme.GREY,
    ),
)
N_FUNNEL = 7
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
#: Row names at most this share of the distance between rows tall (their line spacing needs the
#: rest), and never below MIN_TEXT_PX.
ROW_TEXT_SHARE = 0.9
MIN_TEXT_PX = 9


def funnel_values(counters: np.ndarray) -> np.ndarray:
    return np.array([f(counters) for _, f, _ in ROWS])


class FunnelPanel(QWidget):
    def __init__(self, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        lay = theme.titled_column(self, tr("Where the shed cells went"), 4)
        lay.setSpacing(max(2, round(3 * sizes.scale)))  # the chart's rows need the height more
        self.note = QLabel("")
        self.note.setObjectName("dim")
        self.note.setWordWrap(True)
        self.plot = pg.PlotWidget(background=theme.PANEL)
        self.plot.setAccessibleName(tr("Inefficiency funnel"))
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        ax = self.plot.getAxis("left")
        self.axis = ax
        self._min_axis_px = round(150 * sizes.scale)
        bottom = self.plot.getAxis("bottom")
        # powers of ten as the cells-by-site plot prints them (10², not 1e2)
        bottom.setTicks([[(k, "10" + str(k).translate(SUPERSCRIPT)) for k in range(0, 14, 2)]])
        for a in (ax, bottom):
            a.setTextPen(theme.TEXT_DIM)
            a.setPen(theme.BORDER)
        self.bars = pg.BarGraphItem(
            x0=np.zeros(len(ROWS)),
            y=np.arange(len(ROWS)),
            height=0.72,
            width=np.zeros(len(ROWS)),
            brushes=[pg.mkBrush(theme.qcolor(c, 0.85)) for _, _, c in ROWS],
            pens=[pg.mkPen(None)] * len(ROWS),
        )
        self.plot.addItem(self.bars)
        self.texts = []
        for i in range(len(ROWS)):
            t = pg.TextItem("", color=theme.TEXT, anchor=(0, 0.5))
            t.setPos(0, i)
            self.plot.addItem(t)
            self.texts.append(t)
        self.text_px = 0
        self.max_text_px = 0
        self.set_text_px(round(sizes.small * 0.9))
        self.retranslate()
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.note)
        self.values = np.zeros(len(ROWS))
        # the type follows the chart's own height: the panel's resize comes before its layout
        # has given the chart its new size, so fitting there read the old one
        self.plot.installEventFilter(self)

    def hasHeightForWidth(self) -> bool:
        # the wrapped note would make the window's column ask for the whole chart's natural
        # height; to the column the funnel is a box of the height it is given (the note wraps
        # within it)
        return False

    def show_frame(self, f: FrameData) -> None:
        v = funnel_values(f.snap.counters)
        if np.array_equal(v, self.values) and self.values.any():
            return
        self.values = v
        w = np.log10(np.maximum(v, 1.0))
        w = np.where(v > 0, np.maximum(w, 0.08), 0.0)
        self.bars.setOpts(width=w)
        shed = v[0]
        xmax = max(float(w.max()), 2.0)
        for i, (t, val) in enumerate(zip(self.texts, v, strict=False)):
            pct = f"  ({sig(100 * val / shed, 2)} %)" if shed > 0 and 0 < i < N_FUNNEL and val > 0 else ""
            t.setText(count_text(val) + pct)
            t.setPos(float(w[i]) + 0.15, i)
        self.plot.setXRange(0, xmax * 1.45, padding=0)
        self.plot.setYRange(-0.6, len(ROWS) - 0.4, padding=0)
        self._show_note()

    def _show_note(self) -> None:
        v = self.values
        shed = v[0]
        lesions = int(v[5])
        if shed == 1:
            self.note.setText(
                tr(
                    "One cell shed so far: {m} survived the trip, {k} started a colony. "
                    "Micro- and macrometastases are counted as lesions.",
                    m=count_text(v[1]),
                    k=num(lesions),
                )
            )
        elif shed > 0:
            self.note.setText(
                tr(
                    "Of {n} cells shed, {m} survived the trip and {k} started a colony. "
                    "Micro- and macrometastases are counted as lesions.",
                    n=count_text(shed),
                    m=count_text(v[1]),
                    k=num(lesions),
                )
            )
        else:
            self.note.setText(tr("No cells shed yet."))

    def set_text_px(self, px: int, scale_axis: bool = True, note_px: int | None = None) -> None:
        """Type size of the row names and counts (the kiosk's Intro level reads them from two
        metres away), whether the log-scale axis under the bars is shown, and the type size of the
        sentence under the chart (``None``: the window's). Where the rows are closer together
        than this type needs, they get the largest that fits (``_fit_type``)."""
        self.max_text_px = px
        if note_px is not None:
            theme.restyle(self.note, f"QLabel {{ font-size: {note_px}px; }}")
        self.plot.getPlotItem().showAxis("bottom", scale_axis)
        self._fit_type()

    def _fit_type(self) -> None:
        # from the plot widget's height, which does not depend on the type (the axes' sizes do)
        axis_rows = 1.6 if self.plot.getPlotItem().getAxis("bottom").isVisible() else 0.6
        pitch = self.plot.height() / (len(ROWS) + axis_rows)
        px = self.max_text_px
        if pitch > 0:
            px = max(MIN_TEXT_PX, min(px, int(pitch * ROW_TEXT_SHARE)))
        if px == self.text_px:
            return
        self.text_px = px
        f = theme.font(px)
        for a in (self.axis, self.plot.getAxis("bottom")):
            a.setStyle(tickFont=f)
        for t in self.texts:
            t.setFont(f)
        self._fit_axis()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_type()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.plot and event.type() == QEvent.Type.Resize:
            self._fit_type()
        return False

    def _fit_axis(self) -> None:
        """Wide enough for the longest row name in the current language and type size."""
        fm = QFontMetrics(theme.font(self.text_px))
        need = max(fm.horizontalAdvance(label) for label in self.tick_labels()) + fm.height()
        self.axis.setWidth(max(self._min_axis_px, need))

    def tick_labels(self) -> list[str]:
        return [tr(label) for label, _, _ in ROWS]

    def retranslate(self) -> None:
        self.axis.setTicks([list(enumerate(self.tick_labels()))])
        self._fit_axis()
        if hasattr(self, "values"):
            shed = self.values[0]
            for i, (t, val) in enumerate(zip(self.texts, self.values, strict=False)):
                pct = f"  ({sig(100 * val / shed, 2)} %)" if shed > 0 and 0 < i < N_FUNNEL and val > 0 else ""
                t.setText(count_text(val) + pct)
            self._show_note()
