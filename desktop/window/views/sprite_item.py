"""SpriteItem: one QGraphicsObject that draws many sprites as a single numba-filled ARGB32 image.

It rasterises at device resolution inside ``paint()`` (so zoom, resize and HiDPI come for free:
the buffer is the exposed area in device pixels) and answers hit tests itself with a vectorised
nearest-sprite query, because an image has no per-sprite items.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject

from desktop.window.views.raster import HALO, draw_sprites_mapped, extent

_MAX_SIDE = 8192
#: Up to this many sprites, each one's own box is repainted when they change; above, one box round all.
DIRTY_BOXES = 48
#: Up to this many sprites, a new set is compared with the last one, and nothing is repainted when
#: they are the same.
SAME_CHECK_MAX = 4096


def _f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


class SpriteItem(QGraphicsObject):
    """Sprites given in item (body-map) units; radii in logical pixels at the reference zoom."""

    def __init__(self, bounds: QRectF, parent=None):
        super().__init__(parent)
        self._bounds = QRectF(bounds)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._buf = np.zeros((1, 1), np.uint32)
        self._img = None
        self._fill = None
        self._fill_given = False
        self.zoom_ref = 1.0  # logical px per unit at which radii are used as given
        self.size_scale = 1.0  # UI scale (from the window size)
        self.halo = HALO  # halo radius of glowing sprites, in sprite radii
        self.px_per_unit = 1.0  # logical px per unit seen at the last paint
        self.paint_count = 0
        self.last_drawn = 0
        self.unchanged_frames = 0  # set_sprites calls that repainted nothing (the same sprites)
        self.set_sprites(
            np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.uint32), np.zeros(0), np.zeros(0, np.int8)
        )

    # --- data -----------------------------------------------------------------------------------
    def set_sprites(self, x, y, r, color, alpha, shape, fill=None, key=None) -> None:
        """Replace all sprites (arrays of equal length); ``key`` is returned by ``pick``."""
        n = len(x)
        old = None
        if hasattr(self, "_x"):
            old = (
                (self._x, self._y, self._r, self._color, self._alpha, self._shape, self._fill),
                self._extent,
                self._look,
            )
        self._x = _f32(x)
        self._y = _f32(y)
        self._r = _f32(r)
        self._color = np.ascontiguousarray(color, dtype=np.uint32)
        self._alpha = _f32(alpha)
        self._shape = np.ascontiguousarray(shape, dtype=np.int8)
        if fill is not None:
            self._fill = _f32(fill)
        elif getattr(self, "_fill", None) is None or self._fill.shape[0] != n or self._fill_given:
            self._fill = np.ones(n, np.float32)
        self._fill_given = fill is not None
        self._key = np.asarray(key) if key is not None else np.arange(n)
        # where the sprites are (item units) and the largest radius: paint() rasterises, clears and
        # blits only that part of the view, not the whole exposed area
        self._extent = tuple(float(v) for v in extent(self._x, self._y, self._r)) if n else None
        self._invalidate(old)
        self._look = (self.halo, self.size_scale, self.zoom_ref)

    # --- what to repaint --------------------------------------------------------------------------
    def _boxes(self, x, y, r, extent, halo) -> list[QRectF]:
        """The parts of the item (item units) that sprites (``x``, ``y``, ``r``) colour as drawn at
        the last paint's zoom, with a margin: one box per sprite when there are few, else one box
        round them all; empty when there are none."""
        n = x.shape[0]
        if n == 0:
            return []
        if extent is None or not all(math.isfinite(v) for v in extent):
            return [QRectF(self._bounds)]
        k = 1.25 / max(self.px_per_unit, 1e-6)  # px -> units, with room for a zoom step
        zf = self.zoom_factor() * max(halo, 1.0)
        if n <= DIRTY_BOXES:
            pad = k * (r * zf + 2.0)
            return [
                QRectF(float(cx - p), float(cy - p), float(2 * p), float(2 * p))
                for cx, cy, p in zip(x, y, pad, strict=False)
                if math.isfinite(cx) and math.isfinite(cy)
            ]
        x_lo, y_lo, x_hi, y_hi, r_max = extent
        p = k * (r_max * zf + 2.0)
        return [QRectF(x_lo - p, y_lo - p, x_hi - x_lo + 2 * p, y_hi - y_lo + 2 * p)]

    def _invalidate(self, old) -> None:
        """Ask Qt to repaint only what changed: nothing when the sprites are the same as at the last
        call (to the bit), else the boxes the old sprites coloured and those the new ones will
        colour, so a few moving dots repaint a few small squares of the map, not the whole body."""
        new = (self._x, self._y, self._r, self._color, self._alpha, self._shape, self._fill)
        look = (self.halo, self.size_scale, self.zoom_ref)
        if old is None:
            self.update()
            return
        (ox, oy, orr, oc, oa, osh, ofi), o_extent, o_look = old
        if (
            o_look == look
            and ox.shape == self._x.shape
            and self._x.shape[0] <= SAME_CHECK_MAX
            and all(np.array_equal(u, v) for u, v in zip((ox, oy, orr, oc, oa, osh, ofi), new, strict=False))
        ):
            self.unchanged_frames += 1
            return
        if o_look[1:] != look[1:]:  # a new size or zoom reference: all of it
            self.update()
            return
        for box in self._boxes(ox, oy, orr, o_extent, o_look[0]) + self._boxes(
            self._x, self._y, self._r, self._extent, self.halo
        ):
            self.update(box)

    @property
    def count(self) -> int:
        return int(self._x.shape[0])

    def sprites(self) -> dict[str, np.ndarray]:
        return {
            "x": self._x,
            "y": self._y,
            "r": self._r,
            "color": self._color,
            "alpha": self._alpha,
            "shape": self._shape,
            "fill": self._fill,
            "key": self._key,
        }

    def zoom_factor(self) -> float:
        z = math.sqrt(max(self.px_per_unit, 1e-6) / max(self.zoom_ref, 1e-6))
        return min(max(z, 0.75), 2.5) * self.size_scale

    # --- hit testing ----------------------------------------------------------------------------
    def pick(self, pos: QPointF, tol_px: float = 4.0, mask: np.ndarray | None = None):
        """The key of the topmost sprite under ``pos`` (item units) within ``tol_px``, else None."""
        if self._x.shape[0] == 0:
            return None
        ppu = max(self.px_per_unit, 1e-6)
        d_px = np.hypot(self._x - pos.x(), self._y - pos.y()) * ppu
        reach = self._r * self.zoom_factor() + tol_px
        hit = (d_px <= reach) & (self._alpha > 0.05)
        if mask is not None:
            hit &= mask
        idx = np.flatnonzero(hit)
        if idx.size == 0:
            return None
        best = idx[np.argmin(d_px[idx] - 0.01 * idx)]  # nearest; ties go to the one drawn on top
        return self._key[best]

    # --- QGraphicsItem --------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        self.paint_count += 1
        # World transform to the widget's logical pixels, times the device pixel ratio. (Not
        # deviceTransform(): that includes the backing store's offset of this widget in its window,
        # which resetTransform() below does not undo.)
        t = painter.transform()
        if t.m12() != 0.0 or t.m21() != 0.0 or t.m11() == 0.0:
            return  # rotation is not used by the body view
        dev = painter.device()
        dpr = float(dev.devicePixelRatioF()) if dev is not None else 1.0
        self.px_per_unit = abs(t.m11())
        if self._extent is None or not all(math.isfinite(v) for v in self._extent):
            return
        exposed = option.exposedRect.intersected(self._bounds)
        if exposed.isEmpty():
            return
        x_lo, y_lo, x_hi, y_hi, r_max = self._extent
        pad = r_max * self.zoom_factor() * max(self.halo, 1.0) + 2.0  # logical px
        lrect = t.mapRect(exposed).intersected(
            t.mapRect(QRectF(x_lo, y_lo, x_hi - x_lo, y_hi - y_lo)).adjusted(-pad, -pad, pad, pad)
        )
        if lrect.isEmpty():
            return
        x0 = int(math.floor(lrect.left() * dpr))
        y0 = int(math.floor(lrect.top() * dpr))
        w = min(int(math.ceil(lrect.right() * dpr)) - x0, _MAX_SIDE)
        h = min(int(math.ceil(lrect.bottom() * dpr)) - y0, _MAX_SIDE)
        if w <= 0 or h <= 0:
            return
        m11, m22, dx, dy = t.m11() * dpr, t.m22() * dpr, t.dx() * dpr, t.dy() * dpr
        if self._buf.shape != (h, w):
            self._buf = np.empty((h, w), np.uint32)
        # the kernel clears the buffer and maps item units to buffer pixels itself: no temporaries
        self.last_drawn = int(
            draw_sprites_mapped(
                self._buf,
                self._x,
                self._y,
                self._r,
                self._color,
                self._alpha,
                self._shape,
                self._fill,
                m11,
                m22,
                dx - x0,
                dy - y0,
                self.zoom_factor() * dpr,
                self.halo,
                True,
            )
        )
        # a fresh QImage header over the same buffer (no copy): a new cache key every frame, so no
        # paint engine can mistake it for the last frame's image
        self._img = QImage(self._buf.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)
        painter.save()
        painter.resetTransform()
        painter.drawImage(QRectF(x0 / dpr, y0 / dpr, w / dpr, h / dpr), self._img)
        painter.restore()
