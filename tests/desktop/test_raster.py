"""The numba rasteriser against a slow reference, and the sprite item's device mapping,
HiDPI handling and hit testing."""

import itertools
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsEllipseItem

from desktop.window.views import raster
from desktop.window.views.sprite_item import SpriteItem


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
    return raster.draw_sprites(
        buf,
        one * x,
        one * y,
        one * r,
        np.array([color], np.uint32),
        one * alpha,
        np.array([shape], np.int8),
        one * fill,
    )


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
    item.set_sprites([300.0], [500.0], [6.0], np.array([0xFFFF0000], np.uint32), [1.0], np.array([raster.DOT], np.int8))
    ref = QGraphicsEllipseItem(340 - 8, 500 - 8, 16, 16)  # Qt's own drawing of a point 40 units right
    ref.setBrush(QColor("#00ff00"))
    ref.setPen(QColor("#00ff00"))
    vb.addItem(ref)
    sizes = []
    for dpr in (1.0, 2.0):
        img = _render(view, dpr)
        rx, ry = _centre(img, 16)
        gx, gy = _centre(img, 8)
        scale = (gx - rx) / 40.0  # device px per body unit, as Qt drew it
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
    item.set_sprites(
        [100.0, 400.0],
        [100.0, 800.0],
        [5.0, 5.0],
        np.array([0xFFFFFFFF] * 2, np.uint32),
        [1.0, 1.0],
        np.array([raster.GLOW] * 2, np.int8),
        key=np.array([11, 22]),
    )
    view.grab()
    assert item.pick(QPointF(401, 801)) == 22
    assert item.pick(QPointF(100, 100)) == 11
    assert item.pick(QPointF(250, 500)) is None


def _random_sprites(rng, n, w, h):
    return (
        rng.uniform(-10, w + 10, n).astype(np.float32),
        rng.uniform(-10, h + 10, n).astype(np.float32),
        rng.uniform(0.3, 9.0, n).astype(np.float32),
        (rng.integers(0, 1 << 24, n) | (rng.integers(60, 256, n) << 24)).astype(np.uint32),
        rng.uniform(0.1, 1.0, n).astype(np.float32),
        rng.integers(0, 8, n).astype(np.int8),
        rng.uniform(0, 1, n).astype(np.float32),
    )


def test_the_picture_does_not_depend_on_the_split_of_rows_threads_or_the_parallel_kernel():
    import numba

    rng = np.random.default_rng(5)
    h, w = 97, 131
    args = _random_sprites(rng, 600, w, h)
    pics = []
    for kernel, parts in (
        (raster._draw_serial, 1),
        (raster._draw_serial, 3),
        (raster._draw_serial, h),
        (raster._draw_parallel, 2),
        (raster._draw_parallel, 7),
        (raster._draw_parallel, numba.get_num_threads()),
    ):
        buf = np.full((h, w), 0x12345678, np.uint32)  # cleared by the kernel
        n = kernel(buf, *args, 1.3, 1.3, -4.0, 2.5, 1.1, 1.7, True, parts)
        pics.append((n, buf))
    for n, buf in pics[1:]:
        assert n == pics[0][0]
        assert np.array_equal(buf, pics[0][1])


def test_mapping_equals_drawing_premapped_sprites():
    rng = np.random.default_rng(9)
    x, y, r, c, a, s, f = _random_sprites(rng, 200, 80, 60)
    mapped = np.zeros((60, 80), np.uint32)
    raster.draw_sprites_mapped(mapped, x / 2, y / 2 - 3, r / 1.5, c, a, s, f, 2.0, 2.0, 0.0, 6.0, 1.5)
    direct = np.zeros((60, 80), np.uint32)
    raster.draw_sprites(direct, x, y, r, c, a, s, f)
    diff = np.abs(mapped.view(np.uint8).astype(int) - direct.view(np.uint8).astype(int))
    assert diff.max() <= 2 and (diff > 0).mean() < 0.01  # float32 rounding of the mapped centres


def test_a_crowded_glow_drops_its_halo():
    full = np.zeros((40, 40), np.uint32)
    bare = np.zeros((40, 40), np.uint32)
    one = np.ones(1, np.float32)
    for buf, halo in ((full, raster.HALO), (bare, 1.0)):
        raster.draw_sprites_mapped(
            buf,
            one * 20,
            one * 20,
            one * 4,
            np.array([0xFF3A8FD0], np.uint32),
            one,
            np.array([raster.GLOW], np.int8),
            one,
            *raster.UNMAPPED,
            halo,
        )
    assert ((full >> 24) > 0).sum() > 3 * ((bare >> 24) > 0).sum() > 0


def test_packet_glyphs_follow_the_readable_rules():
    from desktop.window.views import packet_item as pi

    rng = np.random.default_rng(3)
    n = 300
    nclu = rng.integers(-1, 5, n).astype(np.int64)
    cells = rng.integers(0, 200, n).astype(np.int64)
    kind = rng.integers(0, 6, n).astype(np.int8)
    xy = rng.uniform(0, 600, (n, 2))
    order = rng.permutation(n)
    out = [np.empty(n, t) for t in (np.float32, np.float32, np.float32, np.uint32, np.float32, np.int8)]
    pi._style_packets(order, xy, cells, nclu, kind, pi.KIND_ARGB, pi.NONVIABLE_ARGB, *out)
    x, y, r, color, alpha, shape = out
    o_nclu = nclu[order]
    assert np.allclose(x, xy[order, 0]) and np.allclose(y, xy[order, 1])
    # the radius rule as the kernel's docstring gives it (L = log2 of the cells, at least 1 cell)
    lc = np.log2(np.maximum(cells[order], 1).astype(np.float64))
    want_r = np.where(
        o_nclu > 0,
        np.minimum(3.2 + 0.6 * lc, 6.5),
        np.where(o_nclu < 0, np.minimum(0.9 + 0.15 * lc, 1.6), np.minimum(2.0 + 0.5 * lc, 4.5)),
    )
    assert np.allclose(r, want_r, atol=1e-5)
    want_color = np.where(o_nclu < 0, pi.NONVIABLE_ARGB, pi.KIND_ARGB[kind[order]])
    assert np.array_equal(color, want_color)
    assert np.array_equal(shape, np.where(o_nclu > 0, raster.ROSETTE, np.where(o_nclu < 0, raster.DOT, raster.GLOW)))
    assert np.allclose(alpha, np.where(o_nclu < 0, 0.4, 1.0))


def test_detail_is_full_for_few_packets_and_simpler_when_crowded():
    from desktop.window.views.packet_item import FULL_DETAIL, detail

    assert detail(10) == (raster.HALO, 1.0) and detail(FULL_DETAIL) == (raster.HALO, 1.0)
    halos, scales = zip(*(detail(n) for n in (8_000, 15_000, 30_000, 60_000, 100_000, 10**7)), strict=True)
    assert all(a >= b for a, b in itertools.pairwise(halos)) and halos[-1] == 1.0
    assert all(a >= b for a, b in itertools.pairwise(scales)) and 0.25 < scales[-1] < 0.5


def test_a_tiny_dot_has_the_area_of_its_disc():
    for r in (0.6, 1.0, 1.7):
        for cx, cy in ((10.0, 10.0), (10.3, 9.8), (9.5, 10.5)):
            buf = np.zeros((20, 20), np.uint32)
            _draw(buf, cx, cy, r, 0xFFFFFFFF, 1.0, raster.DOT)
            area = ((buf >> 24) & 255).sum() / 255.0
            assert abs(area - math.pi * r * r) < 0.08 * math.pi * r * r + 0.1, (r, cx, cy, area)


def test_small_tiny_dots_draw_the_same_pixels_as_the_full_footprint():
    """``_tiny`` walks 2x2 or 3x3 pixels for the smallest dots (a crowded frame's): stacked over one
    another, bit for bit what the 4x4 ``_tiny_edge`` (clamped, every pixel) draws."""
    rng = np.random.default_rng(5)
    n = 3000
    cx, cy = rng.uniform(3.0, 37.0, n), rng.uniform(3.0, 27.0, n)
    rad = rng.choice([0.2, 0.45, 0.5642, 0.5643, 0.7, 0.8, 1.0, 1.1283, 1.1284, 1.3, 1.4, 1.69], n)
    alpha = rng.uniform(0.2, 1.0, n)
    fast = np.zeros((30, 40), np.uint32)
    full = np.zeros((30, 40), np.uint32)
    s_rb, s_ag = raster._words(200.0, 90.0, 40.0)
    for i in range(n):
        raster._tiny(fast, 0, 30, cx[i], cy[i], rad[i], s_rb, s_ag, alpha[i])
        raster._tiny_edge(full, 0, 30, cx[i], cy[i], rad[i], s_rb, s_ag, alpha[i])
    assert (fast != 0).sum() > 900
    assert np.array_equal(fast, full)


def test_tiny_sprites_of_one_colour_but_another_shape_keep_their_own_look():
    """The raster works a tiny sprite's colour words out once per run of equal colour and shape:
    a crowded glow (core lightened) right after a plain dot of the same colour is still lighter,
    as when each is drawn on its own."""
    f32 = np.float32
    x, y, r = np.array([4.5, 10.5, 16.5], f32), np.full(3, 4.5, f32), np.full(3, 1.2, f32)
    color, alpha, fill = np.full(3, 0xFF3A8FD0, np.uint32), np.ones(3, f32), np.ones(3, f32)
    shape = np.array([raster.DOT, raster.GLOW, raster.DOT], np.int8)
    together = np.zeros((9, 21), np.uint32)
    raster._draw_serial(together, x, y, r, color, alpha, shape, fill, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, True, 1)
    alone = np.zeros((9, 21), np.uint32)
    for i in range(3):
        raster._draw_serial(
            alone,
            x[i : i + 1],
            y[i : i + 1],
            r[i : i + 1],
            color[i : i + 1],
            alpha[i : i + 1],
            shape[i : i + 1],
            fill[i : i + 1],
            1.0,
            1.0,
            0.0,
            0.0,
            1.0,
            1.0,
            False,
            1,
        )
    assert np.array_equal(together, alone)
    assert together[4, 10] != together[4, 4]  # the glow's core is lighter than the dot


def test_big_frames_keep_whichever_way_of_drawing_was_faster():
    choice = raster.ThreadChoice()
    for _ in range(choice.TRIAL_FRAMES):
        p = choice.pick()
        choice.record(p, 0.010 if p else 0.030)
    assert choice.parallel and all(choice.pick() for _ in range(5))
    choice = raster.ThreadChoice()
    for _ in range(choice.TRIAL_FRAMES):
        p = choice.pick()
        choice.record(p, 0.050 if p else 0.020)
    assert not choice.parallel and not choice.pick()


def test_the_packet_layer_can_be_warmed_up_ahead_of_the_first_frame():
    from desktop.window.views import packet_item

    packet_item.warm_up()
    assert packet_item._style_packets.signatures and raster._draw_parallel.signatures
