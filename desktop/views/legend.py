"""The map legend: vessel kinds, what the travelling glyphs mean, organ glyphs, deaths by cause,
and whether the packets on screen are all of them or a stable sample. Glyph swatches are drawn
by the same rasteriser as the map, so they look exactly alike.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from .. import theme
from ..kiosk.i18n import num, tr
from . import raster


def glyph_image(shape: int, color: str, r: float, alpha: float = 1.0, fill: float = 0.6, px: int = 24,
                dpr: float = 1.0) -> QImage:
    n = int(round(px * dpr))
    buf = np.zeros((n, n), np.uint32)
    one = np.ones(1, np.float32)
    raster.draw_sprites(buf, one * n / 2, one * n / 2, one * r * dpr, np.array([theme.argb(color)], np.uint32),
                        one * alpha, np.array([shape], np.int8), one * fill)
    img = QImage(buf.data, n, n, 4 * n, QImage.Format.Format_ARGB32_Premultiplied).copy()
    img.setDevicePixelRatio(dpr)
    return img


class LegendWidget(QWidget):
    """Painted legend; ``set_sample(shown, total)`` updates the packet-sample note."""

    def __init__(self, sizes: theme.Sizes, parent=None):
        super().__init__(parent)
        self.sizes = sizes
        self.shown = 0
        self.total = 0
        self.scan = False
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAccessibleName(tr("Map legend"))
        #: Turns each fixed label into the shown language (kiosk mode sets its ``tr``).
        self.translate = tr
        s = sizes.scale
        g = [
            ("Travelling cells", None),
            ((raster.GLOW, theme.VESSEL_COLORS[1], 3.6), "single cells (colour = vessel)"),
            ((raster.ROSETTE, theme.VESSEL_COLORS[0], 5.5), "a cluster of cells"),
            ((raster.DOT, theme.NONVIABLE, 2.6, 0.6), "shed cells already dying"),
            ("In the organs", None),
            ((raster.DIAMOND, theme.DORMANT, 4.0), "dormant (sleeping) cells"),
            ((raster.DOT, theme.ARREST, 3.0), "cells stuck in capillaries"),
            ((raster.RING, theme.ARREST, 7.0, 0.8), "arrest (a pulse)"),
            ((raster.RING, theme.SKY, 4.0, 0.9), "escape into the tissue (a pulse)"),
            ((raster.RING, theme.MICRO, 5.0), "micrometastasis (tiny colony)"),
            ((raster.DISC, theme.MACRO, 6.0), "macrometastasis (own blood supply)"),
            ((raster.DISC, theme.PRIMARY, 8.0), "primary tumour"),
            ("Deaths in transit", None),
            ((raster.DOT, theme.DEATH_ANOIKIS, 3.5), "anoikis (cut loose)"),
            ((raster.CROSS, theme.DEATH_SHEAR, 5.0), "torn by blood flow"),
            ((raster.RING, theme.DEATH_IMMUNE, 5.0), "killed by immune cells"),
        ]
        self._rows = g
        self._imgs = {}
        for spec, _ in g:
            if isinstance(spec, tuple):
                shape, color, r, *rest = spec
                a = rest[0] if rest else 1.0
                self._imgs[spec] = glyph_image(shape, color, r * s, a, px=round(24 * s), dpr=2.0)
        self._resize()

    def _line_h(self) -> int:
        return round(self.sizes.small * 1.45)

    def _resize(self) -> None:
        n_rows = len(self._rows) + 3 + 4  # glyph rows, vessel block (2 rows of 3), note lines
        self.setFixedSize(round(330 * self.sizes.scale), n_rows * self._line_h() + round(20 * self.sizes.scale))

    def set_sample(self, shown: int, total: int, scan: bool) -> None:
        if (shown, total, scan) != (self.shown, self.total, self.scan):
            self.shown, self.total, self.scan = shown, total, scan
            self.update()

    def sample_text(self) -> str:
        if self.scan:
            return self.translate("Scan view: cells and small lesions are hidden.")
        if self.total > self.shown:
            return self.translate("Drawing a stable sample: {n} of {m} packets.").format(
                n=num(self.shown), m=num(self.total))
        if self.total == 0:
            return self.translate("No packets in transit right now.")
        if self.total == 1:
            return self.translate("The one packet in transit is drawn.")
        return self.translate("All {n} packets in transit are drawn.").format(n=num(self.total))

    def texts(self) -> list[str]:
        """Every text the legend paints, in the shown language (tests check the translations)."""
        out = [self.translate("Vessels")] + [self.translate(x) for x in theme.VESSEL_LABELS]
        out += [self.translate(label if label is not None else spec) for spec, label in self._rows]
        return out + [self.sample_text() + " " + self.translate("Disc sizes are not to scale.")]

    def update(self) -> None:
        self._cache = None
        super().update()

    def paintEvent(self, event) -> None:
        # drawn once into a pixmap; the map repaints under it every frame
        dpr = self.devicePixelRatioF()
        cache = getattr(self, "_cache", None)
        if cache is None or cache.size() != self.size() * dpr:
            cache = QPixmap(self.size() * dpr)
            cache.setDevicePixelRatio(dpr)
            cache.fill(Qt.GlobalColor.transparent)
            self._paint_into(cache)
            self._cache = cache
        p = QPainter(self)
        p.drawPixmap(0, 0, cache)
        p.end()

    def _paint_into(self, device) -> None:
        p = QPainter(device)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = self.sizes.scale
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.qcolor(theme.PANEL, 0.86))
        p.drawRoundedRect(QRectF(self.rect()), 10 * s, 10 * s)
        lh = self._line_h()
        x0 = round(12 * s)
        y = round(10 * s)
        small = theme.font(self.sizes.small)
        bold = theme.font(self.sizes.small, bold=True)
        p.setFont(bold)
        p.setPen(theme.qcolor(theme.TEXT))
        p.drawText(QRectF(x0, y, self.width(), lh), Qt.AlignmentFlag.AlignVCenter, self.translate("Vessels"))
        y += lh
        p.setFont(small)
        colw = (self.width() - 2 * x0) / 2
        for k, (color, label) in enumerate(zip(theme.VESSEL_COLORS, theme.VESSEL_LABELS)):
            cx = x0 + (k % 2) * colw
            cy = y + (k // 2) * lh
            pen = QPen(theme.qcolor(color, 0.95), 3 * s)
            if k == 4:
                pen.setDashPattern([2.0, 1.5])
            p.setPen(pen)
            p.drawLine(round(cx), round(cy + lh / 2), round(cx + 20 * s), round(cy + lh / 2))
            p.setPen(theme.qcolor(theme.TEXT_DIM))
            p.drawText(QRectF(cx + 26 * s, cy, colw, lh), Qt.AlignmentFlag.AlignVCenter, self.translate(label))
        y += 3 * lh
        for spec, label in self._rows:
            if label is None:
                p.setFont(bold)
                p.setPen(theme.qcolor(theme.TEXT))
                p.drawText(QRectF(x0, y, self.width(), lh), Qt.AlignmentFlag.AlignVCenter, self.translate(spec))
                p.setFont(small)
            else:
                img = self._imgs[spec]
                side = img.width() / img.devicePixelRatio()
                p.drawImage(QRectF(x0, y + (lh - side) / 2, side, side), img)
                p.setPen(theme.qcolor(theme.TEXT_DIM))
                p.drawText(QRectF(x0 + side + 8 * s, y, self.width(), lh), Qt.AlignmentFlag.AlignVCenter,
                           self.translate(label))
            y += lh
        p.setPen(theme.qcolor(theme.TEXT_DIM))
        p.drawText(QRectF(x0, y + 2, self.width() - 2 * x0, 3 * lh),   # 3 lines: Spanish runs longer
                   Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                   self.sample_text() + " " + self.translate("Disc sizes are not to scale."))
        p.end()
