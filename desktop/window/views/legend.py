"""The map legend: vessel kinds, what the travelling glyphs mean, organ glyphs, deaths by cause,
and whether the packets on screen are all of them or a stable sample. Glyph swatches are drawn
by the same rasteriser as the map, so they look exactly alike.

Compact (the kiosk): in bigger type, and collapsed to the few entries of the lesson (``CORE``)
until a visitor asks for the rest (``set_expanded``).
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from desktop.core import i18n
from desktop.core.i18n import num, tr
from desktop.window import theme
from desktop.window.views import raster

#: Smallest type a compact legend takes to fit a short map.
MIN_TEXT_PX = 9
#: The entries a collapsed legend shows: a cell's way from the tumour to a new tumour.
CORE = (
    "single cells (colour = vessel)",
    "a cluster of cells",
    "shed cells already dying",
    "cells stuck in capillaries",
    "micrometastasis (tiny colony)",
    "macrometastasis (own blood supply)",
)


def glyph_image(
    shape: int, color: str, r: float, alpha: float = 1.0, fill: float = 0.6, px: int = 24, dpr: float = 1.0
) -> QImage:
    n = int(round(px * dpr))
    buf = np.zeros((n, n), np.uint32)
    one = np.ones(1, np.float32)
    raster.draw_sprites(
        buf,
        one * n / 2,
        one * n / 2,
        one * r * dpr,
        np.array([theme.argb(color)], np.uint32),
        one * alpha,
        np.array([shape], np.int8),
        one * fill,
    )
    img = QImage(buf.data, n, n, 4 * n, QImage.Format.Format_ARGB32_Premultiplied).copy()
    img.setDevicePixelRatio(dpr)
    return img


#: The packet-count line is repainted at most this often (seconds): a number that changes every
#: frame cannot be read, and the map repaints under the (translucent) legend each time it does.
SAMPLE_LINE_S = 0.25


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
        self._line_at = -1e9  # when the sample line was last repainted
        self._line_timer = QTimer(self)
        self._line_timer.setSingleShot(True)
        self._line_timer.timeout.connect(self._repaint_line)
        self.text_px = self._compact_px = sizes.small
        self.compact = False
        self.expanded = True
        self._make_glyphs()
        self._resize()

    def _make_glyphs(self) -> None:
        k = self.sizes.scale * self.text_px / self.sizes.small  # swatches grow with the type
        self._imgs = {}
        for spec, _ in self._rows:
            if isinstance(spec, tuple):
                shape, color, r, *rest = spec
                a = rest[0] if rest else 1.0
                self._imgs[spec] = glyph_image(shape, color, r * k, a, px=round(24 * k), dpr=2.0)

    def set_compact(self, compact: bool, text_px: int | None = None) -> None:
        """Compact: type of ``text_px`` and a collapsed state of ``CORE`` entries only."""
        self.compact = compact
        self.text_px = self._compact_px = text_px or self.sizes.small
        self.expanded = not compact
        self._make_glyphs()
        self._resize()
        self.update()

    def set_expanded(self, expanded: bool) -> None:
        expanded = expanded or not self.compact
        if expanded != self.expanded:
            self.expanded = expanded
            self._resize()
            self.update()

    def fit_height(self, max_h: int) -> None:
        """Compact: the largest type, up to the compact size, at which the legend is at most
        ``max_h`` tall (the whole legend on a small screen)."""
        if not self.compact:
            return
        px = self._compact_px
        while px > MIN_TEXT_PX and self._height(px) > max_h:
            px -= 1
        if px != self.text_px:
            self.text_px = px
            self._make_glyphs()
            self._resize()
            self.update()

    @property
    def collapsed(self) -> bool:
        return self.compact and not self.expanded

    def entries(self) -> list[str]:
        """The entries (a swatch and its words) painted now, in English."""
        if self.collapsed:
            return [label for _, label in self._rows if label in CORE]
        return list(theme.VESSEL_LABELS) + [label for _, label in self._rows if label is not None]

    def _line_h(self) -> int:
        return round(self.text_px * 1.45)

    def _width(self) -> int:
        """Room for the longest entry in any language (the kiosk switches language in place), in
        the compact type even when a small screen has it smaller: the legend keeps its width."""
        s = self.sizes.scale
        px = self._compact_px if self.compact else self.text_px
        fm = QFontMetrics(theme.font(px))
        words = [label for _, label in self._rows if label is not None]
        widest = max(fm.horizontalAdvance(i18n.table(lang).get(w, w)) for w in words for lang in i18n.LANGUAGES)
        glyph = 24 * s * px / self.sizes.small
        return max(round(330 * s), round(2 * 12 * s + glyph + 8 * s + widest + 4))

    def _height(self, px: int) -> int:
        # glyph rows, vessel block (2 rows of 3), note lines; or the few entries
        n_rows = len(CORE) if self.collapsed else len(self._rows) + 3 + 4
        return n_rows * round(px * 1.45) + round(20 * self.sizes.scale)

    def _resize(self) -> None:
        self.setFixedSize(self._width(), self._height(self.text_px))

    def set_sample(self, shown: int, total: int, scan: bool) -> None:
        if (shown, total, scan) != (self.shown, self.total, self.scan):
            self.shown, self.total, self.scan = shown, total, scan
            if self.collapsed or self._line_timer.isActive():  # (a collapsed legend has no line)
                return
            wait = self._line_at + SAMPLE_LINE_S - time.perf_counter()
            if wait > 0:
                self._line_timer.start(max(1, round(1000 * wait)))  # the latest count, a little later
            else:
                self._repaint_line()

    def _repaint_line(self) -> None:
        """Only the line, over the kept picture."""
        self._line_at = time.perf_counter()
        if not self.collapsed:
            QWidget.update(self, self._sample_rect().toAlignedRect())

    def sample_text(self) -> str:
        if self.scan:
            return self.translate("Scan view: cells and small lesions are hidden.")
        if self.total > self.shown:
            return self.translate("Drawing a stable sample: {n} of {m} packets.").format(
                n=num(self.shown), m=num(self.total)
            )
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
        # drawn once into a pixmap; the map repaints under it every frame. The line that counts the
        # packets changes with nearly every frame: it is drawn over the pixmap, not into it.
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
        if not self.collapsed:
            self._paint_sample(p)
        p.end()

    def _sample_rect(self) -> QRectF:
        """Where the sample line goes (3 lines: Spanish runs longer), below every entry."""
        s, lh = self.sizes.scale, self._line_h()
        x0 = round(12 * s)
        y = round(10 * s) + 4 * lh + len(self._rows) * lh
        return QRectF(x0, y + 2, self.width() - 2 * x0, 3 * lh)

    def _paint_sample(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(theme.font(self.text_px))
        p.setPen(theme.qcolor(theme.TEXT_DIM))
        p.drawText(
            self._sample_rect(),
            Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            self.sample_text() + " " + self.translate("Disc sizes are not to scale."),
        )

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
        small = theme.font(self.text_px)
        bold = theme.font(self.text_px, bold=True)
        if self.collapsed:
            p.setFont(small)
            for spec, label in self._rows:
                if label in CORE:
                    self._paint_entry(p, spec, label, x0, y, lh)
                    y += lh
            p.end()
            return
        p.setFont(bold)
        p.setPen(theme.qcolor(theme.TEXT))
        p.drawText(QRectF(x0, y, self.width(), lh), Qt.AlignmentFlag.AlignVCenter, self.translate("Vessels"))
        y += lh
        p.setFont(small)
        colw = (self.width() - 2 * x0) / 2
        for k, (color, label) in enumerate(zip(theme.VESSEL_COLORS, theme.VESSEL_LABELS, strict=False)):
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
                self._paint_entry(p, spec, label, x0, y, lh)
            y += lh
        p.end()  # the sample line, below, is drawn by paintEvent over this picture

    def _paint_entry(self, p: QPainter, spec, label: str, x0: float, y: float, lh: float) -> None:
        img = self._imgs[spec]
        side = img.width() / img.devicePixelRatio()
        p.drawImage(QRectF(x0, y + (lh - side) / 2, side, side), img)
        p.setPen(theme.qcolor(theme.TEXT if self.compact else theme.TEXT_DIM))
        p.drawText(
            QRectF(x0 + side + 8 * self.sizes.scale, y, self.width(), lh),
            Qt.AlignmentFlag.AlignVCenter,
            self.translate(label),
        )
