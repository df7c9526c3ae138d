"""The numba rasteriser against a slow reference, and the sprite item's device mapping,
HiDPI handling and hit testing."""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsEllipseItem

from desktop.views import raster
from desktop.views.sprite_item import SpriteItem


def _ref_cover(edge):
    return min(max(edge + 0.5, 0.0), 1.0)


def reference_disc(h, w, cx, cy, r, argb, alpha):
    """Slow readable twin of draw_sprites for one DOT sprite on an empty buffer."""
    out = np.zeros((h, w), np.uint32)
    a0 = alpha * ((argb >> 24) & 255) / 255.0
    rgb = [(argb >> s) & 255 for s in (16, 8, 0)]
    for yy in range(h):
        for xx in range(w):
            d = math.hypot(xx + 0.5 - cx, yy + 0.5 - cy)
            a = a0 * _ref_cover(r - d)
            if a <= 0:
                continue
            px = [int(c * a + 0.5) for c in rgb]
            out[yy, xx] = (int(a * 255 + 0.5) << 24) | (px[0] << 16) | (px[1] << 8) | px[2]
    return out


def _draw(buf, x, y, r, color, alpha, shape, fill=0.5):
    one = np.ones(1, np.float32)
    return raster.draw_sprites(buf, one * x, one * y, one * r, np.array([color], np.uint32), one * alpha,
                               np.array([shape], np.int8), one * fill)


def test_dot_matches_the_reference():
    for cx, cy, r, a in ((10.0, 9.5, 4.2, 1.0), (7.3, 12.8, 2.5, 0.6), (0.5, 0.5, 3.0, 0.9)):
        buf = np.zeros((20, 24), np.uint32)
        _draw(buf, cx, cy, r, 0xFF3A8FD0, a, raster.DOT)
        ref = reference_disc(20, 24, cx, cy, r, 0xFF3A8FD0, a)
        diff = np.abs(buf.view(np.uint8).astype(int) - ref.view(np.uint8).astype(int))
        assert diff.max() <= 1


def test_blending_is_source_over_premultiplied():
    buf = np.zeros((9, 9), np.uint32)
    _draw(buf, 4.5, 4.5, 3.0, 0xFFFF0000, 1.0, raster.DOT)
    _draw(buf, 4.5, 4.5, 3.0, 0xFF0000FF, 0.5, raster.DOT)
    px = int(buf[4, 4])
    a, r, b = px >> 24, (px >> 16) & 255, px & 255
    assert a == 255 and abs(r - 128) <= 1 and abs(b - 128) <= 1


def test_every_shape_draws_something_and_clips_at_the_edges():
    for shape in range(8):
        buf = np.zeros((16, 16), np.uint32)
        n = _draw(buf, 8.0, 8.0, 5.0, 0xFFFFFFFF, 1.0, shape, 0.7)
        assert n == 1 and (buf >> 24).max() > 200, shape
        edge = np.zeros((16, 16), np.uint32)
        assert _draw(edge, -3.0, 15.5, 6.0, 0xFFFFFFFF, 1.0, shape) == 1
        assert _draw(edge, -40.0, -40.0, 3.0, 0xFFFFFFFF, 1.0, shape) == 0


def _view_with_item(w=300, h=500):
    view = pg.GraphicsView(background="#000000")
    vb = pg.ViewBox(invertY=True, lockAspect=True, enableMouse=False)
    view.setCentralItem(vb)
    view.resize(w, h)
    item = SpriteItem(QRectF(0, 0, 600, 1000))
    vb.addItem(item)
    vb.setRange(QRectF(0, 0, 600, 1000), padding=0)
    return view, vb, item


def _render(view, dpr):
    """Render what the view shows into an image of the given device pixel ratio (as a HiDPI screen)."""
    img = QImage(int(view.width() * dpr), int(view.height() * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    img.setDevicePixelRatio(dpr)
    img.fill(QColor("#000000"))
    p = QPainter(img)
    src = view.mapToScene(view.viewport().rect()).boundingRect()
    view.scene().render(p, QRectF(0, 0, view.width(), view.height()), src)
    p.end()
    return img


def _centre(img, channel):
    a = np.frombuffer(img.constBits(), np.uint32, count=img.width() * img.height()).reshape(img.height(), img.width())
    ys, xs = np.nonzero(((a >> channel) & 255) > 200)
    return xs.mean() + 0.5, ys.mean() + 0.5


def test_sprite_lands_where_qt_draws_the_same_point_at_1x_and_2x(qtbot):
    view, vb, item = _view_with_item()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    item.set_sprites([300.0], [500.0], [6.0], np.array([0xFFFF0000], np.uint32), [1.0],
                     np.array([raster.DOT], np.int8))
    ref = QGraphicsEllipseItem(340 - 8, 500 - 8, 16, 16)   # Qt's own drawing of a point 40 units right
    ref.setBrush(QColor("#00ff00"))
    ref.setPen(QColor("#00ff00"))
    vb.addItem(ref)
    sizes = []
    for dpr in (1.0, 2.0):
        img = _render(view, dpr)
        rx, ry = _centre(img, 16)
        gx, gy = _centre(img, 8)
        scale = (gx - rx) / 40.0                 # device px per body unit, as Qt drew it
        assert scale > 0.2
        assert abs(ry - gy) < 0.75, dpr
        sizes.append((img.width(), scale))
        # the sprite's radius is given in logical px, so it doubles in device px at 2x
        a = np.frombuffer(img.constBits(), np.uint32, count=img.width() * img.height())
        red = int((((a >> 16) & 255) > 128).sum())
        assert abs(red - math.pi * (6 * item.zoom_factor() * dpr) ** 2) < 0.25 * red
    assert sizes[1][0] == 2 * sizes[0][0]
    assert abs(sizes[1][1] - 2 * sizes[0][1]) < 0.05


def test_hit_testing_finds_the_sprite_under_the_pointer(qtbot):
    view, vb, item = _view_with_item()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    item.set_sprites([100.0, 400.0], [100.0, 800.0], [5.0, 5.0], np.array([0xFFFFFFFF] * 2, np.uint32),
                     [1.0, 1.0], np.array([raster.GLOW] * 2, np.int8), key=np.array([11, 22]))
    view.grab()
    assert item.pick(QPointF(401, 801)) == 22
    assert item.pick(QPointF(100, 100)) == 11
    assert item.pick(QPointF(250, 500)) is None
