"""BranchMapPanel: one branch of fork-and-compare as a coloured name tag, a line saying what it is,
a half-size body map (the main window's ``BodyView``, drawn still) and a one-line summary; and the
compact glyph legend shared by the two maps.
"""

from __future__ import annotations

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.core.frames import FrameDiffer, Pools, lesion_diameter_mm
from desktop.window import theme
from desktop.window.views import raster
from desktop.window.views.body_view import BodyView
from desktop.window.views.legend import glyph_image
from sim_core import MACRO, MICRO


def _tag(text: str, color: str, sizes: theme.Sizes) -> QLabel:
    lab = QLabel(text)
    lab.setStyleSheet(
        f"background: {color}; color: #0b1426; border-radius: {round(6 * sizes.scale)}px;"
        f" padding: 1px {round(8 * sizes.scale)}px; font-weight: 700; font-size: {sizes.medium}px;"
    )
    return lab


class BranchMapPanel(QWidget):
    """One branch: a coloured name tag, what it is, a small body map and a one-line summary."""

    def __init__(self, letter: str, color: str, graph, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        m = round(6 * sizes.scale)
        lay.setContentsMargins(m, m, m, m)
        lay.setSpacing(round(4 * sizes.scale))
        top = QHBoxLayout()
        self.tag = _tag(letter, color, sizes)
        self.title = QLabel("")
        self.title.setObjectName("heading")
        self.title.setStyleSheet(f"color: {color};")
        top.addWidget(self.tag)
        top.addWidget(self.title, 1)
        lay.addLayout(top)
        self.what = QLabel("")
        self.what.setObjectName("dim")
        self.what.setWordWrap(True)
        lay.addWidget(self.what)
        self.body = BodyView(graph, sizes)
        self.body.legend.hide()  # one shared, compact legend sits under the two maps
        for lab in self.body.site_labels:  # half-size maps: smaller organ names, less clipping
            lab.setFont(theme.font(round(sizes.small * 0.85)))
        self.body.setAccessibleName(f"Body map of branch {letter}")
        self.body.setStyleSheet(f"border: 2px solid {color}; border-radius: {round(6 * sizes.scale)}px;")
        lay.addWidget(self.body, 1)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.differ: FrameDiffer | None = None

    def set_primary(self, graph, primary: str) -> None:
        self.differ = FrameDiffer(graph, primary)
        self.body.set_primary(primary)

    def show_engine(self, e) -> None:
        f = self.differ.diff(e.snapshot(), Pools.from_engine(e.pools), e.params)
        self.body.show_frame(f)
        # a frame here spans a day or more: arrest pulses and fades would only keep both maps
        # repainting at 60 Hz while the branches need the time; draw the state, still
        self.body.freeze()
        self.body.primary_label.setVisible(False)  # too wide for a half-size map; the summary says it
        s = f.snap
        macro = int((s.lesion_state == MACRO).sum())
        micro = int((s.lesion_state == MICRO).sum())
        d = float(lesion_diameter_mm(s.primary_cells, f.cells_per_g)) if s.primary_cells > 0 else 0.0
        prim = f"{d / 10:.1f} cm" if d >= 10 else f"{d:.0f} mm"
        self.summary.setText(
            f"day {e.t_days:,.0f} · <b>{macro}</b> macrometastas{'is' if macro == 1 else 'es'}"
            f" · {micro} micro · primary {prim}"
        )


def legend_strip(sizes: theme.Sizes) -> QWidget:
    w = QWidget()
    lay = QHBoxLayout(w)
    lay.setContentsMargins(4, 0, 4, 0)
    lay.setSpacing(round(6 * sizes.scale))
    items = (
        (raster.DISC, theme.PRIMARY, 8.0, "primary"),
        (raster.DISC, theme.MACRO, 6.0, "macrometastasis"),
        (raster.RING, theme.MICRO, 5.0, "micrometastasis"),
        (raster.DIAMOND, theme.DORMANT, 4.0, "dormant cells"),
        (raster.DOT, theme.ARREST, 3.0, "stuck in capillaries"),
    )
    for shape, color, r, text in items:
        icon = QLabel()
        icon.setPixmap(QPixmap.fromImage(glyph_image(shape, color, r * sizes.scale, px=round(22 * sizes.scale))))
        lab = QLabel(text)
        lab.setObjectName("dim")
        lay.addWidget(icon)
        lay.addWidget(lab)
    lay.addStretch(1)
    return w
